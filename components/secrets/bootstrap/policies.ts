/**
 * Vault policies (HCL) and Kubernetes-auth roles built from the table (catalog/vault.ts): one of
 * each per consumer, reading only its own paths, and the bootstrap's own policy. Pure functions:
 * the bootstrap script writes what they return, tests read it.
 */
import {
  BOOTSTRAP_IDENTITY,
  KV_FOLDER,
  VAULT_AUDIENCE,
  VAULT_MOUNTS,
  VaultConsumer,
  VaultTable,
  databaseCredsPath,
  kvDataPath,
} from "../../../catalog/vault";

export type Capability = "create" | "read" | "update" | "patch" | "delete" | "list" | "sudo";

/** One `path` stanza of a policy. */
export interface PolicyRule {
  readonly path: string;
  readonly capabilities: readonly Capability[];
}

/** A policy's text: one stanza per rule, in order (Vault docs, "Policies": `path "<p>" { capabilities = [...] }`). */
export function policyHcl(name: string, rules: readonly PolicyRule[]): string {
  const stanzas = rules.map((r) => `path "${r.path}" {\n  capabilities = [${r.capabilities.map((c) => `"${c}"`).join(", ")}]\n}\n`);
  return [`# ${name}: written by the Vault bootstrap from the platform's table; changes are overwritten.\n`, ...stanzas].join("\n");
}

/** What a consumer may do: read its KV secrets and its database role's credentials, nothing else. */
export function consumerRules(consumer: VaultConsumer): PolicyRule[] {
  return [
    ...consumer.kvSecrets.map((name) => ({ path: kvDataPath(name), capabilities: ["read"] as Capability[] })),
    ...(consumer.databaseRole ? [{ path: databaseCredsPath(consumer.databaseRole), capabilities: ["read"] as Capability[] }] : []),
  ];
}

export function consumerPolicy(consumer: VaultConsumer): string {
  return policyHcl(consumer.policy, consumerRules(consumer));
}

/** Lifetime of the tokens a role issues: ESO logs in again for each refresh, so a short token suffices. */
export const ROLE_TOKEN_TTL = "15m";

/** The parameters of `auth/kubernetes/role/<name>` (vault-plugin-auth-kubernetes `path_role.go`). */
export interface KubernetesRole {
  readonly name: string;
  readonly boundServiceAccountNames: readonly string[];
  readonly boundServiceAccountNamespaces: readonly string[];
  readonly audience: string;
  readonly policies: readonly string[];
  readonly tokenTtl: string;
}

export function consumerRole(consumer: VaultConsumer): KubernetesRole {
  return {
    name: consumer.role,
    boundServiceAccountNames: [consumer.serviceAccount],
    boundServiceAccountNamespaces: consumer.namespaces,
    audience: VAULT_AUDIENCE,
    policies: [consumer.policy],
    tokenTtl: ROLE_TOKEN_TTL,
  };
}

/** The bootstrap's role: the Job's ServiceAccount in `vault`. */
export function bootstrapRole(): KubernetesRole {
  return {
    name: BOOTSTRAP_IDENTITY.role,
    boundServiceAccountNames: [BOOTSTRAP_IDENTITY.serviceAccount],
    boundServiceAccountNamespaces: [BOOTSTRAP_IDENTITY.namespace],
    audience: VAULT_AUDIENCE,
    policies: [BOOTSTRAP_IDENTITY.policy],
    tokenTtl: "30m",
  };
}

/** Where the bootstrap records what it manages, so that a later run deletes what left the table and nothing else. */
export const MANAGED_PATH = `${VAULT_MOUNTS.kv}/data/bootstrap/managed`;
/** Password policies the bootstrap generates values with: `platform-alnum-<length>`. */
export function passwordPolicyName(length: number): string {
  return `platform-alnum-${length}`;
}

/**
 * What the bootstrap needs on later runs, and no more: manage policies, roles, mounts, the audit
 * device, password policies and database objects; create KV secrets and add missing keys (create,
 * patch) without reading any value, except each MySQL's `vault` password, which configures its
 * connection. It cannot read the platform's secrets nor issue database credentials.
 */
export function bootstrapRules(table: VaultTable): PolicyRule[] {
  const kv = VAULT_MOUNTS.kv;
  const db = VAULT_MOUNTS.database;
  const auth = VAULT_MOUNTS.kubernetesAuth;
  const rule = (path: string, ...capabilities: Capability[]): PolicyRule => ({ path, capabilities });
  return [
    rule("sys/mounts", "read"),
    rule(`sys/mounts/${kv}`, "create", "read", "update"),
    rule(`sys/mounts/${db}`, "create", "read", "update"),
    rule("sys/auth", "read"),
    rule(`sys/auth/${auth}`, "create", "read", "update", "sudo"),
    rule("sys/audit", "read", "sudo"),
    rule("sys/audit/file", "create", "read", "update", "sudo"),
    rule("sys/policies/acl/*", "create", "read", "update", "delete"),
    rule("sys/policies/password/platform-alnum-*", "create", "read", "update"),
    rule(`auth/${auth}/config`, "create", "read", "update"),
    rule(`auth/${auth}/role/*`, "create", "read", "update", "delete"),
    rule(`${kv}/data/${KV_FOLDER}/*`, "create", "patch"),
    rule(`${kv}/metadata/${KV_FOLDER}/*`, "create", "read", "update"),
    ...table.connections.map((c) => rule(kvDataPath(c.passwordKv), "read")),
    rule(MANAGED_PATH, "create", "read", "update"),
    rule(`${db}/config/*`, "create", "read", "update", "delete"),
    rule(`${db}/roles/*`, "create", "read", "update", "delete"),
  ];
}

export function bootstrapPolicy(table: VaultTable): string {
  return policyHcl(BOOTSTRAP_IDENTITY.policy, bootstrapRules(table));
}
