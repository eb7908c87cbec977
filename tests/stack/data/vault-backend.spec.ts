/**
 * `secretsBackend: vault` against `kubernetes` on the same stack: the same Secrets (names,
 * namespaces, keys) reach the pods, now as ExternalSecret targets, and no password the program
 * generates reaches any Kubernetes input.
 */
import { podSpecOf, secretsUsedBy } from "../../../tools/deploy-plan/order";
import { secretSources, secretsMarkdown } from "../../../tools/secrets/report";
import { Rendered, SECRET_MASK } from "../../../tools/render/engine";
import { renderProgram, stackRender } from "../../harness";
import { STAGING_GENERATED_SECRETS } from "../../variants";

let vault: Rendered;
let generated: Rendered;
beforeAll(async () => {
  [vault, generated] = await Promise.all([stackRender("staging"), renderProgram("staging", { overrides: STAGING_GENERATED_SECRETS })]);
});

const keyOf = (ns: string, name: string) => `${ns}/${name}`;
/** `namespace/name` of the Secrets the `kubernetes` backend writes (their values, keys included, are masked in the render). */
const generatedSecrets = (r: Rendered) => r.kind("Secret").map((s) => keyOf(s.inputs.metadata.namespace, s.inputs.metadata.name)).sort();
/** `namespace/name` of the Secrets the ExternalSecrets make (their keys: tests/unit/external-secrets.spec.ts, against catalog/vault.ts). */
const syncedSecrets = (r: Rendered) => r.kind("ExternalSecret").map((e) => keyOf(e.inputs.metadata.namespace, e.inputs.spec.target.name)).sort();

/** Every string anywhere in a value. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => strings(v, out));
  return out;
}

describe("the vault secrets backend", () => {
  test("the program generates no password and writes no Secret", () => {
    expect(vault.resources.filter((r) => r.type.startsWith("random:"))).toEqual([]);
    expect(vault.kind("Secret")).toEqual([]);
    // The walk: no input of any Kubernetes object or chart holds a secret value (the render masks
    // every secret output, a generated password's among them), where the generated backend has them.
    const masked = (r: Rendered) =>
      r.resources.filter((x) => x.type.startsWith("kubernetes:") && strings(x.inputs).some((v) => v.includes(SECRET_MASK) || v.startsWith("mock-"))).map((x) => x.name);
    expect(masked(generated).length).toBeGreaterThan(0);
    expect(masked(vault)).toEqual([]);
  });

  test("every Secret the generated backend writes is an ExternalSecret target of the same namespace and name; the only others are MySQL's `vault` user passwords", () => {
    const before = generatedSecrets(generated);
    expect(before.length).toBeGreaterThan(0);
    const after = syncedSecrets(vault);
    const extra = after.filter((s) => !before.includes(s));
    expect(before.filter((s) => !after.includes(s))).toEqual([]);
    // The database engine's own login to each MySQL (catalog/vault.ts `MYSQL_VAULT_USER`), which only Vault needs.
    const vaultUsers = vault.kind("StatefulSet", "e-commerce").filter((s) => s.inputs.metadata.labels.component === "database").map((s) => `e-commerce/${s.inputs.metadata.name}-vault`);
    expect(extra.sort()).toEqual(vaultUsers.sort());
  });

  test("the render's secrets.md says where each Secret comes from: Vault KV paths and database roles, or the program", () => {
    const synced = secretSources(vault);
    expect(synced.map((s) => `${s.namespace}/${s.name}`)).toEqual(syncedSecrets(vault).sort((a, b) => a.split("/")[0].localeCompare(b.split("/")[0]) || a.localeCompare(b)));
    for (const s of synced) expect(s.source).toMatch(/^Vault (KV `secret\/platform\/[a-z0-9-]+`|database role `database\/creds\/[a-z-]+`)/);
    const dbRoles = synced.filter((s) => s.source.startsWith("Vault database role"));
    expect(dbRoles.map((s) => s.name)).toEqual(vault.kind("VaultDynamicSecret").map((g) => g.inputs.metadata.name).sort());
    for (const s of secretSources(generated)) expect(s.source).toMatch(/^generated/);
    expect(secretsMarkdown("staging", synced)).toContain("| orders-service-mysql-credentials | e-commerce | Vault database role `database/creds/orders-service`");
  });

  test("every workload reading a synced Secret waits for its ExternalSecret", () => {
    const producers = new Map(vault.kind("ExternalSecret").map((e) => [keyOf(e.inputs.metadata.namespace, e.inputs.spec.target.name), e.urn]));
    let checked = 0;
    for (const w of vault.resources.filter((r) => r.type.startsWith("kubernetes:") && podSpecOf(r.inputs))) {
      for (const name of secretsUsedBy(podSpecOf(w.inputs)!)) {
        const es = producers.get(keyOf(w.inputs.metadata.namespace, name));
        if (!es) continue;
        checked++;
        expect([w.name, name, vault.dependsOnTransitively(w.urn).has(es)]).toEqual([w.name, name, true]);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(producers.size - 1);
  });
});
