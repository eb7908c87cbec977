/**
 * The External Secrets Operator's objects that turn Vault's table (catalog/vault.ts) into the
 * Kubernetes Secrets the pods read today: per consumer and namespace a ServiceAccount no pod runs
 * as, a SecretStore authenticating as it, and per Secret an ExternalSecret (KV v2) or a
 * VaultDynamicSecret generator with its ExternalSecret (the database engine). Pure builders;
 * the component is components/secrets/secrets-sync.ts. Facts about the operator are read at
 * external-secrets/external-secrets `helm-chart-2.9.0` and cited where used.
 */
import {
  DATABASE_TTL,
  KV_FOLDER,
  SecretTarget,
  SecretValueSource,
  VAULT_ADDRESS,
  VAULT_AUDIENCE,
  VAULT_MOUNTS,
  VaultConsumer,
  VaultTable,
  databaseCredsPath,
} from "../../catalog/vault";
import { CERT_MANAGER_API_VERSION } from "../ingress/cert-manager/chart";
import type { VaultClientEndpoint } from "./vault/endpoint";
import { EXTERNAL_SECRETS_API_VERSION, EXTERNAL_SECRETS_NAME, EXTERNAL_SECRETS_NAMESPACE, GENERATORS_API_VERSION } from "./external-secrets/chart";

/** Where ESO reaches Vault and how it trusts its certificate. */
export interface VaultEndpoint {
  readonly address: string;
  /**
   * The Secret (in each consumer namespace) whose `ca.crt` is Vault's CA. A namespaced
   * SecretStore or generator may read a CA only from its own namespace: `caProvider.namespace`
   * is refused unless the store is a ClusterSecretStore (`runtime/esutils/utils.go` 661-666,
   * `k8s_connection_validate.go` 83-87), and generators resolve with no store kind
   * (`providers/v1/vault/provider.go` 115).
   */
  readonly caSecret: string;
  /**
   * How that Secret comes to be: a Certificate from Vault's ClusterIssuer in each namespace
   * (Vault in the cluster), a Secret of the configured PEM (an existing Vault with a CA of its
   * own), or none: the controller's system roots (an existing Vault with a public certificate).
   */
  readonly ca: { readonly kind: "issuer" } | { readonly kind: "pem"; readonly pem: string } | { readonly kind: "public" };
}

/** Vault in the cluster (catalog/vault.ts), its CA copied into each consumer namespace as `vault-ca`. */
export const IN_CLUSTER_VAULT: VaultEndpoint = { address: VAULT_ADDRESS, caSecret: "vault-ca", ca: { kind: "issuer" } };

/**
 * The ClusterIssuer holding Vault's CA: a Certificate from it in each consumer namespace brings
 * the CA there (its Secret's `ca.crt`), without the private key of the CA leaving cert-manager.
 */
export const VAULT_CA_ISSUER = "vault-ca";

/**
 * How often ESO re-reads a KV secret: a rotation written into Vault reaches the Secret (and, by
 * the reloader, the pods) within this.
 */
export const KV_REFRESH = "5m";

/** Go duration (`1h`, `30m`, `90s`) in seconds. */
export function durationSeconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+)(h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== duration) throw new Error(`'${duration}' is not a duration of h, m and s`);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * { h: 3600, m: 60, s: 1 }[unit as "h" | "m" | "s"], 0);
}

/**
 * How often ESO asks the database engine for new credentials: half the lease's default TTL. The
 * generator never renews nor revokes a lease (`generators/v1/vault/vault.go` 69-72, `Cleanup`
 * does nothing; each `Generate` reads `database/creds/<role>` anew, 112-120), so a lease lives
 * its TTL: the pods get new credentials with half of it left, and the reloader rolls them well
 * before the old ones expire.
 */
export function databaseRefresh(defaultTtl: string = DATABASE_TTL.defaultTtl): string {
  const half = Math.floor(durationSeconds(defaultTtl) / 2);
  if (half < 120) throw new Error(`a database lease TTL of ${defaultTtl} leaves no time to roll the pods: at least 4m`);
  return `${Math.floor(half / 60)}m`;
}

/** Name of a consumer's store. */
export function storeName(consumer: string): string {
  return `vault-${consumer}`;
}

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
}

export const SYNC_LABELS = { "app.kubernetes.io/part-of": "ecommerce-secrets" } as const;

/** The Vault provider settings shared by a store and a generator: address, CA, Kubernetes auth as the consumer's account. */
function vaultProvider(consumer: VaultConsumer, vault: VaultEndpoint): Record<string, unknown> {
  return {
    server: vault.address,
    ...(vault.ca.kind === "public" ? {} : { caProvider: { type: "Secret", name: vault.caSecret, key: "ca.crt" } }),
    // The token's audience is the one the Kubernetes-auth roles accept (catalog/vault.ts).
    auth: {
      kubernetes: {
        mountPath: VAULT_MOUNTS.kubernetesAuth,
        role: consumer.role,
        serviceAccountRef: { name: consumer.serviceAccount, audiences: [VAULT_AUDIENCE] },
      },
    },
  };
}

/** The consumer's ServiceAccount in one namespace: ESO requests its tokens; no pod runs as it. */
export function consumerServiceAccount(consumer: VaultConsumer, namespace: string): Manifest & { automountServiceAccountToken: boolean } {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: consumer.serviceAccount, namespace, labels: { ...SYNC_LABELS } },
    automountServiceAccountToken: false,
  };
}

/** The consumer's SecretStore in one namespace: KV v2 at `secret`. */
export function secretStore(consumer: VaultConsumer, namespace: string, vault: VaultEndpoint): Manifest {
  return {
    apiVersion: EXTERNAL_SECRETS_API_VERSION,
    kind: "SecretStore",
    metadata: { name: storeName(consumer.name), namespace, labels: { ...SYNC_LABELS } },
    spec: { provider: { vault: { ...vaultProvider(consumer, vault), path: VAULT_MOUNTS.kv, version: "v2" } } },
  };
}

/** The generator of a database role's credentials, in the namespace of the Secret it feeds. */
export function databaseGenerator(target: SecretTarget, consumer: VaultConsumer, vault: VaultEndpoint): Manifest {
  const role = databaseRoleOf(target);
  return {
    apiVersion: GENERATORS_API_VERSION,
    kind: "VaultDynamicSecret",
    metadata: { name: target.name, namespace: target.namespace, labels: { ...SYNC_LABELS } },
    spec: { path: databaseCredsPath(role), method: "GET", provider: vaultProvider(consumer, vault) },
  };
}

/** The database role a target reads, or undefined for a KV target; a target mixing both is an error. */
export function databaseRoleOf(target: SecretTarget): string {
  const sources = Object.values(target.data);
  const roles = new Set(sources.map((s) => ("databaseRole" in s ? s.databaseRole : undefined)));
  if (roles.size !== 1 || roles.has(undefined)) throw new Error(`Secret ${target.namespace}/${target.name} does not read exactly one database role`);
  return [...roles][0]!;
}

/** The one KV secret a target reads (`secret/platform/<name>`). */
export function kvOf(target: SecretTarget): string {
  const kvs = new Set(Object.values(target.data).map((s) => ("kv" in s ? s.kv : undefined)));
  if (kvs.size !== 1 || kvs.has(undefined)) throw new Error(`Secret ${target.namespace}/${target.name} does not read exactly one KV secret`);
  return [...kvs][0]!;
}

export function isDatabaseTarget(target: SecretTarget): boolean {
  return Object.values(target.data).some((s) => "databaseRole" in s);
}

/** The template line of one key: a copy of a field (`{{ .password }}`) or the table's own template. */
function templateOf(source: SecretValueSource): string {
  if ("template" in source) return source.template;
  return `{{ .${"databaseRole" in source ? source.field : source.key} }}`;
}

/**
 * The ExternalSecret producing one Secret: its name, namespace and keys exactly as the table
 * says (`mergePolicy` Replace by default: only the template's keys). The provider waits for it
 * to be Ready (`pulumi.com/waitFor`), so the workloads reading the Secret start after it exists.
 */
export function externalSecret(target: SecretTarget, refreshInterval: string): Manifest {
  const database = isDatabaseTarget(target);
  const source = database
    ? { dataFrom: [{ sourceRef: { generatorRef: { apiVersion: GENERATORS_API_VERSION, kind: "VaultDynamicSecret", name: target.name } } }] }
    : { secretStoreRef: { kind: "SecretStore", name: storeName(target.consumer) }, dataFrom: [{ extract: { key: `${KV_FOLDER}/${kvOf(target)}` } }] };
  const data = Object.fromEntries(Object.entries(target.data).map(([key, s]) => [key, templateOf(s)]));
  return {
    apiVersion: EXTERNAL_SECRETS_API_VERSION,
    kind: "ExternalSecret",
    metadata: { name: target.name, namespace: target.namespace, labels: { ...SYNC_LABELS }, annotations: { "pulumi.com/waitFor": "condition=Ready" } },
    spec: {
      refreshInterval,
      refreshPolicy: "Periodic",
      ...source,
      target: {
        name: target.name,
        // The Secret is the ExternalSecret's: deleted with it, never adopted from another owner.
        creationPolicy: "Owner",
        template: { type: "Opaque", engineVersion: "v2", data },
      },
    },
  };
}

/** An existing Vault's CA (a certificate, not a credential) as the Secret the stores of a namespace read. */
export function vaultCaSecret(namespace: string, name: string, pem: string): Manifest & { readonly type: "Opaque"; readonly stringData: Record<string, string> } {
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace, labels: { ...SYNC_LABELS } }, type: "Opaque", stringData: { "ca.crt": pem } };
}

/** The Certificate bringing Vault's CA into a consumer namespace (its Secret holds `ca.crt`). */
export function vaultCaCertificate(namespace: string, vault: VaultEndpoint): Manifest {
  return {
    apiVersion: CERT_MANAGER_API_VERSION,
    kind: "Certificate",
    metadata: { name: vault.caSecret, namespace, labels: { ...SYNC_LABELS } },
    spec: {
      secretName: vault.caSecret,
      commonName: `${vault.caSecret}.${namespace}`,
      duration: "2160h",
      usages: ["client auth"],
      issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: VAULT_CA_ISSUER },
    },
  };
}

/**
 * The Role letting ESO's controller create tokens for the consumers' ServiceAccounts of one
 * namespace and no other: the chart's cluster-wide grant is off (chart.ts). The Vault provider
 * asks the TokenRequest API for the SecretStore's `serviceAccountRef` (`providers/v1/vault/
 * auth_kubernetes.go` 73-87, `auth.go` 139-161).
 */
export function tokenRequestRole(namespace: string, serviceAccounts: readonly string[]): { role: Manifest & { rules: unknown[] }; binding: Manifest & { roleRef: unknown; subjects: unknown[] } } {
  const name = `${EXTERNAL_SECRETS_NAME}-token-requests`;
  const metadata = { name, namespace, labels: { ...SYNC_LABELS } };
  return {
    role: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata,
      rules: [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: [...serviceAccounts].sort(), verbs: ["create"] }],
    },
    binding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      // The controller's ServiceAccount: the chart's fullname (`_helpers.tpl` 156-162).
      subjects: [{ kind: "ServiceAccount", name: EXTERNAL_SECRETS_NAME, namespace: EXTERNAL_SECRETS_NAMESPACE }],
    },
  };
}

/** Everything ESO needs for a table, by namespace: what the component creates. */
export interface SyncPlan {
  readonly namespaces: readonly string[];
  readonly serviceAccounts: ReturnType<typeof consumerServiceAccount>[];
  readonly stores: Manifest[];
  readonly generators: Manifest[];
  readonly externalSecrets: Manifest[];
  readonly caCertificates: Manifest[];
  /** The configured CA of an existing Vault, as a Secret in each consumer namespace. */
  readonly caSecrets: (Manifest & { readonly type: "Opaque"; readonly stringData: Record<string, string> })[];
  readonly tokenRoles: ReturnType<typeof tokenRequestRole>[];
}

/**
 * The objects for a table: a store (and ServiceAccount) only where a consumer feeds a Secret,
 * the generator beside each database Secret, one ExternalSecret per Secret.
 */
export function syncPlan(table: VaultTable, vault: VaultEndpoint): SyncPlan {
  const consumers = new Map(table.consumers.map((c) => [c.name, c]));
  const consumerOf = (t: SecretTarget) => {
    const c = consumers.get(t.consumer);
    if (!c) throw new Error(`Secret ${t.namespace}/${t.name} names consumer '${t.consumer}', which the table does not have`);
    if (!c.namespaces.includes(t.namespace)) throw new Error(`consumer '${c.name}' is not bound in ${t.namespace}, where Secret ${t.name} is`);
    return c;
  };
  const seats = new Map<string, { consumer: VaultConsumer; namespace: string; kv: boolean }>();
  for (const t of table.secrets) {
    const c = consumerOf(t);
    const key = `${t.namespace}/${c.name}`;
    const seat = seats.get(key) ?? { consumer: c, namespace: t.namespace, kv: false };
    seats.set(key, { ...seat, kv: seat.kv || !isDatabaseTarget(t) });
  }
  const namespaces = [...new Set([...seats.values()].map((s) => s.namespace))].sort();
  const dbTargets = table.secrets.filter(isDatabaseTarget);
  const ttl = (t: SecretTarget) => table.databaseRoles.find((r) => r.name === databaseRoleOf(t))?.defaultTtl;
  return {
    namespaces,
    serviceAccounts: [...seats.values()].map((s) => consumerServiceAccount(s.consumer, s.namespace)),
    stores: [...seats.values()].filter((s) => s.kv).map((s) => secretStore(s.consumer, s.namespace, vault)),
    generators: dbTargets.map((t) => databaseGenerator(t, consumerOf(t), vault)),
    externalSecrets: table.secrets.map((t) => externalSecret(t, isDatabaseTarget(t) ? databaseRefresh(ttl(t)) : KV_REFRESH)),
    caCertificates: vault.ca.kind === "issuer" ? namespaces.map((ns) => vaultCaCertificate(ns, vault)) : [],
    caSecrets: vault.ca.kind === "pem" ? namespaces.map((ns) => vaultCaSecret(ns, vault.caSecret, (vault.ca as { pem: string }).pem)) : [],
    tokenRoles: namespaces.map((ns) =>
      tokenRequestRole(
        ns,
        [...seats.values()].filter((s) => s.namespace === ns).map((s) => s.consumer.serviceAccount),
      ),
    ),
  };
}

/** What the sync plan is given for Vault's address and CA (vault/endpoint.ts `vaultClientEndpoint`). */
export function syncEndpoint(endpoint: VaultClientEndpoint): VaultEndpoint {
  const caSecret = IN_CLUSTER_VAULT.caSecret;
  if (endpoint.ca.kind === "secret") return { address: endpoint.address, caSecret, ca: { kind: "issuer" } };
  return { address: endpoint.address, caSecret, ca: endpoint.ca.kind === "pem" ? { kind: "pem", pem: endpoint.ca.pem } : { kind: "public" } };
}
