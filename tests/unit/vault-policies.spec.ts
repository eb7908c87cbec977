/**
 * The Vault policies and Kubernetes-auth roles built from the table
 * (components/secrets/bootstrap/policies.ts): a consumer reads its own paths and nothing else, no
 * glob reaches beyond its own prefix, and the bootstrap's policy manages Vault without reading
 * the platform's secrets. Vault's path matching (docs, "Policies": `*` is a prefix glob at the
 * end only, `+` one segment) is modelled here to check what each stanza reaches.
 */
import { SERVICES } from "../../catalog";
import { VaultTable, databaseCredsPath, kvDataPath, vaultTable } from "../../catalog/vault";
import { PolicyRule, bootstrapRules, consumerPolicy, consumerRole, consumerRules, policyHcl } from "../../components/secrets/bootstrap/policies";
import { bootstrapFiles } from "../../components/secrets/bootstrap/data";

const table: VaultTable = vaultTable(SERVICES);

/** Whether a policy path reaches a request path, as Vault matches them. */
function reaches(pattern: string, request: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.?^${}()|[\]\\]/g, "\\$&").replace(/\+/g, "[^/]+").replace(/\*$/, ".*")}$`);
  return re.test(request);
}
const readable = (rules: readonly PolicyRule[], request: string) => rules.some((r) => r.capabilities.includes("read") && reaches(r.path, request));

/** Every path some consumer may read, to check that no other consumer reaches it. */
const everyPath = [...table.kvSecrets.map((k) => kvDataPath(k.name)), ...table.databaseRoles.map((r) => databaseCredsPath(r.name))];

describe("a consumer's policy", () => {
  test.each(table.consumers.map((c) => [c.name, c] as const))("%s reads exactly its own KV secrets and database credentials", (_name, consumer) => {
    const own = [...consumer.kvSecrets.map(kvDataPath), ...(consumer.databaseRole ? [databaseCredsPath(consumer.databaseRole)] : [])];
    const rules = consumerRules(consumer);
    expect(everyPath.filter((p) => readable(rules, p)).sort()).toEqual([...own].sort());
    for (const r of rules) {
      expect(r.capabilities).toEqual(["read"]);
      expect(r.path).not.toMatch(/[*+]/);
    }
  });

  test("a service owning a MySQL reads its own credentials and no other service's", () => {
    const orders = table.consumers.find((c) => c.name === "orders-service")!;
    const rules = consumerRules(orders);
    expect(readable(rules, "database/creds/orders-service")).toBe(true);
    expect(readable(rules, "database/creds/payments-service")).toBe(false);
    expect(readable(rules, kvDataPath("orders-service-mysql-root"))).toBe(false);
    expect(readable(rules, kvDataPath("orders-service-mysql-vault"))).toBe(false);
    expect(consumerPolicy(orders)).toContain('path "database/creds/orders-service" {\n  capabilities = ["read"]\n}');
  });

  test("a service without a store reads nothing; the HCL then has no stanza", () => {
    const gateway = vaultTable([{ ...SERVICES[0], uses: [] }]).consumers.find((c) => c.kind === "service")!;
    expect(consumerRules(gateway)).toEqual([]);
    expect(consumerPolicy(gateway)).not.toContain("path ");
  });

  test("HCL: one stanza per rule, quoted path and capabilities", () => {
    expect(policyHcl("x", [{ path: "a/b", capabilities: ["read", "list"] }])).toContain('path "a/b" {\n  capabilities = ["read", "list"]\n}\n');
  });
});

describe("a consumer's role", () => {
  test("bound to its own ServiceAccount in the namespaces of the Secrets it feeds, its policy only, tokens for the `vault` audience", () => {
    for (const c of table.consumers) {
      const fed = [...new Set(table.secrets.filter((s) => s.consumer === c.name).map((s) => s.namespace))];
      const role = consumerRole(c);
      expect(role).toMatchObject({ name: c.name, boundServiceAccountNames: [`${c.name}-secrets`], policies: [c.name], audience: "vault" });
      for (const ns of fed) expect(role.boundServiceAccountNamespaces).toContain(ns);
      expect(role.boundServiceAccountNamespaces.every((ns) => ns !== "*")).toBe(true);
    }
  });
});

describe("the bootstrap's policy", () => {
  const rules = bootstrapRules(table);

  test("reads no secret of the platform but each MySQL's `vault` password, and issues no database credentials", () => {
    const vaultPasswords = new Set(table.connections.map((c) => kvDataPath(c.passwordKv)));
    for (const p of everyPath) expect([p, readable(rules, p)]).toEqual([p, vaultPasswords.has(p)]);
    expect(rules.some((r) => reaches(r.path, "database/creds/orders-service"))).toBe(false);
  });

  test("creates and patches KV secrets but may not update one (a write over an existing version)", () => {
    const kv = rules.filter((r) => reaches(r.path, kvDataPath("redis-credentials")));
    expect(kv.flatMap((r) => r.capabilities).sort()).toEqual(["create", "patch"]);
  });

  test("no rule grants `root`-only paths beyond what the steps use, and no bare `*`", () => {
    for (const r of rules) expect(r.path).not.toMatch(/^\*|^sys\/\*$|^sys\/(raw|seal|unseal|generate-root|rekey|storage)/);
  });
});

test.each(["default", "root", "bootstrap"])("a consumer named %s is refused: it would replace a policy Vault or the bootstrap relies on", (name) => {
  const planted = vaultTable([...SERVICES, { ...SERVICES[1], name, uses: ["redis"] }]);
  expect(() => bootstrapFiles(planted)).toThrow(`consumer '${name}' would replace Vault's or the bootstrap's own policy`);
  expect(() => bootstrapFiles(table)).not.toThrow();
});
