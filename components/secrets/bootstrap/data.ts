/**
 * The table (catalog/vault.ts) as the files the bootstrap script reads: tab-separated lines the
 * shell reads with `read` (the Vault image has no JSON tool), policies and statements as files of
 * their own. Pure: the ConfigMap holds exactly this, and the Job's name carries its digest.
 */
import { ALPHANUMERIC, VAULT_MOUNTS, VaultTable } from "../../../catalog/vault";
import { bootstrapPolicy, bootstrapRole, consumerPolicy, consumerRole, KubernetesRole, passwordPolicyName } from "./policies";

/** Files of the script's data directory, by name (ConfigMap keys). */
export type BootstrapFiles = Readonly<Record<string, string>>;

const FIELD = /^[^\t\n]*$/;
/** Fixed KV values go on a `vault kv put` command line as `key=value`: no whitespace, no `@` or `-` first (the CLI's file and stdin forms). */
const FIXED_VALUE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function line(...fields: readonly (string | number)[]): string {
  for (const f of fields) {
    if (!FIELD.test(String(f))) throw new Error(`bootstrap data field '${f}' holds a tab or a newline`);
  }
  return `${fields.join("\t")}\n`;
}

/** A password policy of Vault: `length` letters and digits (Vault docs, "Password policies": `length`, `rule "charset"`). */
export function passwordPolicyHcl(length: number): string {
  return `length = ${length}\nrule "charset" {\n  charset = "${ALPHANUMERIC}"\n}\n`;
}

/**
 * The Go MySQL driver's DSN Vault's MySQL plugin connects with; Vault fills in the user and
 * password. Without TLS the driver still never sends the password in clear: MySQL 8.4's
 * `caching_sha2_password` full authentication makes it fetch the server's RSA key and encrypt it
 * (go-sql-driver/mysql `auth.go`, `cachingSha2PasswordPerformFullAuthentication`).
 */
export function mysqlConnectionUrl(host: string, port: number): string {
  return `{{username}}:{{password}}@tcp(${host}:${port})/`;
}

function roleLine(r: KubernetesRole): string {
  return line(r.name, r.boundServiceAccountNames.join(","), r.boundServiceAccountNamespaces.join(","), r.policies.join(","), r.audience, r.tokenTtl);
}

/** Every name the script puts in a Vault path is a lower-case DNS label: nothing to quote, no path traversal. */
function checkNames(table: VaultTable): void {
  const names = [
    ...table.consumers.map((c) => c.name),
    ...table.kvSecrets.flatMap((k) => [k.name, ...Object.keys(k.keys).map((key) => key.toLowerCase().replace(/[._]/g, "-"))]),
    ...table.connections.map((c) => c.name),
    ...table.databaseRoles.map((r) => r.name),
  ];
  for (const n of names) if (!NAME.test(n)) throw new Error(`Vault table name '${n}' is not a lower-case DNS label`);
  // Vault's own policies, and the bootstrap's policy and role, which the table must not replace.
  for (const c of table.consumers) {
    if (RESERVED.includes(c.name)) throw new Error(`consumer '${c.name}' would replace Vault's or the bootstrap's own policy: rename it`);
  }
}

/** Policy and role names a consumer may not take: Vault's built-in policies and the bootstrap's own. */
export const RESERVED = ["root", "default", "bootstrap"];

export function bootstrapFiles(table: VaultTable): BootstrapFiles {
  checkNames(table);
  const files: Record<string, string> = {};
  const policies = [{ name: "bootstrap", hcl: bootstrapPolicy(table) }, ...table.consumers.map((c) => ({ name: c.policy, hcl: consumerPolicy(c) }))];
  files["policies.tsv"] = policies.map((p) => line(p.name)).join("");
  for (const p of policies) files[`policy-${p.name}.hcl`] = p.hcl;
  files["roles.tsv"] = [bootstrapRole(), ...table.consumers.map(consumerRole)].map(roleLine).join("");

  const lengths = new Set<number>(table.connections.length ? [32] : []);
  const kvLines: string[] = [];
  for (const secret of table.kvSecrets) {
    for (const [key, value] of Object.entries(secret.keys)) {
      if ("fixed" in value) {
        if (!FIXED_VALUE.test(value.fixed)) throw new Error(`fixed value of ${secret.name}.${key} must match ${FIXED_VALUE}`);
        kvLines.push(line(secret.name, key, "fixed", value.fixed));
      } else if ("sameAs" in value) {
        const source = table.kvSecrets.findIndex((k) => k.name === value.sameAs.secret);
        if (source < 0 || source >= table.kvSecrets.indexOf(secret) || !(value.sameAs.key in table.kvSecrets[source].keys)) {
          throw new Error(`${secret.name}.${key} copies ${value.sameAs.secret}.${value.sameAs.key}, which must be a key of a secret listed before it`);
        }
        kvLines.push(line(secret.name, key, "same", `${value.sameAs.secret}/${value.sameAs.key}`));
      } else {
        lengths.add(value.random.length);
        kvLines.push(line(secret.name, key, "random", passwordPolicyName(value.random.length)));
      }
    }
  }
  files["kv.tsv"] = kvLines.join("");
  const sorted = [...lengths].sort((a, b) => a - b);
  files["password-policies.tsv"] = sorted.map((n) => line(passwordPolicyName(n))).join("");
  for (const n of sorted) files[`password-policy-${passwordPolicyName(n)}.hcl`] = passwordPolicyHcl(n);

  files["connections.tsv"] = table.connections
    .map((c) => line(c.name, c.plugin, mysqlConnectionUrl(c.host, c.port), c.username, c.passwordKv, c.allowedRoles.join(","), passwordPolicyName(32)))
    .join("");
  files["database-roles.tsv"] = table.databaseRoles.map((r) => line(r.name, r.connection, r.defaultTtl, r.maxTtl)).join("");
  for (const r of table.databaseRoles) {
    files[`db-role-${r.name}-creation.sql`] = r.creationStatements.join("\n") + "\n";
    files[`db-role-${r.name}-revocation.sql`] = r.revocationStatements.join("\n") + "\n";
  }
  files["mounts.env"] = `KV_MOUNT=${VAULT_MOUNTS.kv}\nDATABASE_MOUNT=${VAULT_MOUNTS.database}\nKUBERNETES_AUTH_MOUNT=${VAULT_MOUNTS.kubernetesAuth}\n`;
  return files;
}
