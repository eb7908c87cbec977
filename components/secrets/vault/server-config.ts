/**
 * Vault's server configuration (HCL), which the chart writes to its ConfigMap and the servers
 * read at start (hashicorp/vault-helm v0.34.1 `templates/server-config-configmap.yaml` 26-27,
 * `_helpers.tpl` 1140-1171: with raft on, `server.ha.raft.config` is the file). Parameters as
 * Vault's configuration documentation describes them (developer.hashicorp.com/vault/docs/configuration:
 * `disable_mlock`, `listener "tcp"`, `storage "raft"` and its `retry_join`, `seal "awskms"`,
 * `service_registration "kubernetes"`, `telemetry`).
 */

export interface ServerConfigArgs {
  readonly replicas: number;
  readonly region: string;
  readonly kmsKeyId: string;
}

/** Mount of the server certificate's Secret in the pods (chart.ts `VAULT_PATHS.tls`). */
const TLS_DIR = "/vault/userconfig/vault-server-tls";

/** How long Prometheus-format metrics are kept in memory between scrapes; a few scrape intervals. */
export const PROMETHEUS_RETENTION = "60s";

/** `vault-N.vault-internal`: each server's name on the headless Service, which its certificate holds. */
export function peerHost(ordinal: number): string {
  return `vault-${ordinal}.vault-internal`;
}

/**
 * One `retry_join` per server, itself included (a new server tries each until one answers as
 * the leader): the API port over TLS, verified against Vault's CA for the peer's own name.
 */
export function retryJoin(replicas: number): string[] {
  return Array.from({ length: replicas }, (_, i) =>
    [
      "  retry_join {",
      `    leader_api_addr = "https://${peerHost(i)}:8200"`,
      `    leader_ca_cert_file = "${TLS_DIR}/ca.crt"`,
      `    leader_tls_servername = "${peerHost(i)}"`,
      "  }",
    ].join("\n"),
  );
}

/**
 * The whole file.
 * - `disable_mlock = true`: Vault's configuration documentation says that with integrated storage
 *   disabling mlock is strongly recommended (mlock does not work well with the memory-mapped
 *   files raft's BoltDB uses), and that swap should be off instead: EKS nodes run without swap.
 *   The chart would append it anyway (`_helpers.tpl` 1157-1160); it is stated so that it shows.
 * - The listener serves TLS only. No `tls_client_ca_file`: clients authenticate with tokens
 *   (Kubernetes auth), not certificates, and nothing requires them. Its `telemetry` block lets
 *   Prometheus read `/v1/sys/metrics` without a token.
 * - No `ui`: nobody is meant to browse to it.
 */
export function vaultServerConfig(args: ServerConfigArgs): string {
  return [
    "disable_mlock = true",
    "",
    'listener "tcp" {',
    '  address = "[::]:8200"',
    '  cluster_address = "[::]:8201"',
    `  tls_cert_file = "${TLS_DIR}/tls.crt"`,
    `  tls_key_file = "${TLS_DIR}/tls.key"`,
    '  tls_min_version = "tls12"',
    "  telemetry {",
    "    unauthenticated_metrics_access = true",
    "  }",
    "}",
    "",
    'storage "raft" {',
    '  path = "/vault/data"',
    ...retryJoin(args.replicas),
    "}",
    "",
    'seal "awskms" {',
    `  region = "${args.region}"`,
    `  kms_key_id = "${args.kmsKeyId}"`,
    "}",
    "",
    'service_registration "kubernetes" {}',
    "",
    "telemetry {",
    `  prometheus_retention_time = "${PROMETHEUS_RETENTION}"`,
    "  disable_hostname = true",
    "}",
    "",
  ].join("\n");
}
