/**
 * Vault's flows (secretsBackend `vault`), as intent rows of catalog/flows.ts. Where Vault runs in
 * the cluster: its peers to each other, Prometheus to its metrics, Vault to the API server
 * (Kubernetes auth's TokenReview, service registration labelling its pods), to KMS through NAT
 * with credentials from the Pod Identity agent, and to each MySQL (the database secrets engine
 * manages each service's users). Vault's clients (ESO, the bootstrap) take their row from
 * `vaultClientFlow`, which also covers an existing Vault outside the cluster.
 */
import { DATASTORES, datastoreInstances, ServiceSpec } from ".";
import { NAMESPACES } from "./namespaces";
import { POD_IDENTITY_AGENT } from "../components/foundation/kube-system-pods";
import { VAULT_POD_LABELS, VAULT_PORTS } from "../components/secrets/vault/chart";
import type { FlowIntent, PodsParty } from "./flows";
import { API_SERVER_PORT, AWS_API_PORT, MONITORING, datastoreParty, tcp } from "./flows";

/**
 * Where the platform's Vault is, as the flows see it: nowhere (secretsBackend `kubernetes`), in
 * the cluster, or an existing Vault reached by address. A NetworkPolicy cannot name a host, so
 * an existing Vault is "the internet" on its port: any address outside the VPC, the service
 * range and link-local ones (components/network-policies/peers.ts). A Vault inside this VPC is
 * therefore out of reach; one in a peered network or behind a public address is not.
 */
export type VaultLocation = { readonly kind: "none" } | { readonly kind: "in-cluster" } | { readonly kind: "external"; readonly port: number };

/** The Vault servers' pods. */
export const VAULT_PARTY: PodsParty = { kind: "pods", role: "vault", namespace: NAMESPACES.vault.name, labelSets: [VAULT_POD_LABELS] };

const row = (from: FlowIntent["from"], to: FlowIntent["to"], ports: FlowIntent["ports"], path: FlowIntent["path"], why: string): FlowIntent => ({ from, to, ports, path, why });

/** The in-cluster servers' own flows; none where Vault is elsewhere or not used. */
export function vaultFlows(location: VaultLocation, services: readonly ServiceSpec[]): FlowIntent[] {
  if (location.kind !== "in-cluster") return [];
  const mysql = DATASTORES.mysql;
  return [
    // retry_join dials the leader's API port by pod name; raft and request forwarding use the cluster port.
    row(VAULT_PARTY, VAULT_PARTY, [tcp(VAULT_PORTS.api), tcp(VAULT_PORTS.cluster)], "pod", "Vault's raft peers join, replicate and forward"),
    row(MONITORING.prometheus, VAULT_PARTY, [tcp(VAULT_PORTS.api)], "pod", "Prometheus scrapes every Vault server's /v1/sys/metrics"),
    row(VAULT_PARTY, { kind: "addresses", of: "api-server" }, [tcp(API_SERVER_PORT)], "service", "Kubernetes auth reviews tokens; service registration labels the pods"),
    row(VAULT_PARTY, { kind: "addresses", of: "internet" }, [tcp(AWS_API_PORT)], "outside", "KMS through NAT (auto-unseal)"),
    row(VAULT_PARTY, { kind: "addresses", of: "pod-identity-agent" }, [tcp(POD_IDENTITY_AGENT.port)], "outside", "credentials of its IAM role"),
    ...datastoreInstances("mysql", services).map((i) =>
      row(VAULT_PARTY, datastoreParty("mysql", i.owner!), [tcp(mysql.port)], "service", `the database secrets engine manages ${i.owner}'s users`),
    ),
  ];
}

/**
 * A client's row to Vault: the in-cluster Service on 8200, or the existing Vault's port on "the
 * internet"; none without Vault.
 */
export function vaultClientFlow(client: PodsParty, location: VaultLocation, why: string): FlowIntent[] {
  if (location.kind === "in-cluster") return [row(client, VAULT_PARTY, [tcp(VAULT_PORTS.api)], "service", why)];
  if (location.kind === "external") return [row(client, { kind: "addresses", of: "internet" }, [tcp(location.port)], "outside", why)];
  return [];
}

/** Where Vault is for a stack: its backend and, with `vault`, in the cluster or at an address. */
export function vaultLocationOf(backend: "kubernetes" | "vault", vault: { readonly mode: "in-cluster" } | { readonly mode: "external"; readonly port: number }): VaultLocation {
  if (backend !== "vault") return { kind: "none" };
  return vault.mode === "in-cluster" ? { kind: "in-cluster" } : { kind: "external", port: vault.port };
}
