/**
 * HashiCorp Vault settings, read whatever `ecommerce:secretsBackend` says (every stack file sets
 * every key) and used only when it is `vault`: either Vault runs in the cluster (`vaultAddress`
 * empty), or the platform uses an existing Vault at `vaultAddress`, trusting `vaultCaCertificate`.
 */
import type { ConfigReader } from ".";
import type { ProfileRows, WorkloadResources } from "../catalog/resource-profiles";
import { volumeSize } from "./data";

/**
 * Raft needs a majority of its voters to elect a leader and commit: an odd count tolerates as many
 * failures as the next even one (3 survive 1, 5 survive 2), so even counts are refused.
 */
export const VAULT_REPLICAS = [1, 3, 5] as const;
export type VaultReplicas = (typeof VAULT_REPLICAS)[number];

/** An existing Vault's address: https, a host name or IPv4 address, an optional port, no path. */
export const VAULT_ADDRESS = /^https:\/\/([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)(:([1-9][0-9]{0,4}))?\/?$/;

/** One or more PEM certificates and nothing else. */
export const PEM_CERTIFICATES = /^\s*(-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*)+$/;

/** Vault in the cluster: the chart's StatefulSet, its volumes and its size. */
export interface InClusterVault {
  readonly mode: "in-cluster";
  readonly replicas: VaultReplicas;
  /** Size of each replica's data volume (raft) and of its audit volume. */
  readonly storageSize: string;
  /** Requests and limits of the server container (the `vault` row of the resource profile). */
  readonly resources: WorkloadResources;
}

/** An existing Vault the platform uses: nothing of Vault runs in the cluster. */
export interface ExternalVault {
  readonly mode: "external";
  /** `https://host[:port]`, without a trailing slash. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** PEM of the CA that signed its certificate; "" when a publicly trusted CA did. */
  readonly caCertificate: string;
}

export type VaultSettings = InClusterVault | ExternalVault;

/** Host and port of an address `VAULT_ADDRESS` accepts. */
export function vaultEndpoint(address: string): { address: string; host: string; port: number } {
  const m = VAULT_ADDRESS.exec(address);
  if (!m) throw new Error(`'${address}' is not an https URL of a Vault server (https://host[:port])`);
  const port = m[6] ? Number(m[6]) : 443;
  return { address: address.replace(/\/$/, ""), host: m[1], port };
}

export interface VaultPlacementLimits {
  /** `ecommerce:availabilityZones`, how many. */
  readonly zones: number;
  /** `ecommerce:nodeMinSize`: the managed nodes always there. */
  readonly nodeMinSize: number;
}

/**
 * Replicas must fit the placement the chart module asks for (components/secrets/vault/chart.ts):
 * one per node (required anti-affinity), so no more than the managed nodes that are always there;
 * spread over zones so that no zone holds a majority, which takes as many zones as replicas
 * up to three (3 replicas over 2 zones put 2 in one: losing it loses the quorum).
 */
export function vaultReplicaProblems(replicas: number, limits: VaultPlacementLimits): string[] {
  const problems: string[] = [];
  if (replicas > limits.nodeMinSize) {
    problems.push(
      `Configuration 'ecommerce:vaultReplicas' (${replicas}) <= 'ecommerce:nodeMinSize' (${limits.nodeMinSize}) must hold: each Vault replica needs a node of its own`,
    );
  }
  if (replicas > 1 && limits.zones < 3) {
    problems.push(
      `Configuration 'ecommerce:vaultReplicas' (${replicas}) needs 3 'ecommerce:availabilityZones' (has ${limits.zones}): with 2 zones one of them holds a majority of the raft voters; expected 1 replica or 3 zones`,
    );
  }
  return problems;
}

export function readVault(r: ConfigReader, rows: ProfileRows): VaultSettings {
  const replicas = r.integer("vaultReplicas", 1, 5);
  if (replicas !== undefined && !(VAULT_REPLICAS as readonly number[]).includes(replicas)) {
    r.reject("vaultReplicas", replicas, `${VAULT_REPLICAS.join(", ")} (raft needs an odd number of voters)`);
  }
  const storageSize = volumeSize(r, "vaultStorageSize");
  const address = r.text("vaultAddress", /^$|^https:\/\//, `"" (Vault runs in the cluster) or an https URL`);
  const caCertificate = r.text("vaultCaCertificate", /^$|-----BEGIN CERTIFICATE-----/, `"" (a publicly trusted CA) or a PEM certificate`);
  if (address && !VAULT_ADDRESS.test(address)) r.reject("vaultAddress", address, "an https URL of a host with an optional port and no path, such as https://vault.example.com:8200");
  if (caCertificate && !PEM_CERTIFICATES.test(caCertificate)) r.reject("vaultCaCertificate", "(not shown)", "one or more PEM certificates (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)");
  r.rule(
    !!address || !caCertificate,
    `Configuration 'ecommerce:vaultCaCertificate' is set but 'ecommerce:vaultAddress' is ""; expected the CA only with an existing Vault's address (in the cluster, cert-manager issues Vault's CA)`,
  );
  if (address && VAULT_ADDRESS.test(address)) {
    return { mode: "external", ...vaultEndpoint(address), caCertificate: caCertificate ?? "" };
  }
  return { mode: "in-cluster", replicas: replicas as VaultReplicas, storageSize, resources: rows.vault };
}
