/**
 * The Vault table (catalog/vault.ts) against the dev render: every Secret the `kubernetes`
 * backend writes (its generated credentials; the render masks the values, so the keys are checked
 * against the components' builders in tests/unit/vault-table.spec.ts) is a Secret of the table,
 * in the same namespace, so that the `vault` backend produces each of them.
 */
import { SERVICES } from "../../../catalog";
import { vaultTable } from "../../../catalog/vault";
import { stackRender } from "../../harness";

const SECRET = "kubernetes:core/v1:Secret";

test("every Secret of the dev render holding generated credentials is in the table, by name and namespace", async () => {
  const rendered = await stackRender("dev");
  const generated = new Set(rendered.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => r.urn));
  const secrets = rendered.resources.filter((r) => r.type === SECRET);
  // A Secret holds generated credentials when it depends on a generated password.
  const fromGenerated = secrets.filter((s) => s.dependsOn.some((d) => generated.has(d)));
  expect(fromGenerated.length).toBeGreaterThan(0);
  const names = fromGenerated.map((s) => `${s.inputs.metadata.namespace}/${s.inputs.metadata.name}`).sort();
  // The table's Secrets, but for each MySQL's `vault` password, which only the `vault` backend has.
  const table = vaultTable(SERVICES);
  const vaultOnly = new Set(table.connections.map((c) => c.passwordKv));
  expect(names).toEqual(table.secrets.filter((s) => !vaultOnly.has(s.name)).map((s) => `${s.namespace}/${s.name}`).sort());
});
