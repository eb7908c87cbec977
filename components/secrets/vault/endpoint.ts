/**
 * What Vault's clients (ESO's SecretStores, the bootstrap) are given: the address and the CA to
 * trust, for Vault in the cluster or an existing one (config/vault.ts).
 */
import type { VaultSettings } from "../../../config";
import { VAULT_NAME, VAULT_NAMESPACE, VAULT_PORTS, VAULT_TLS_SECRET } from "./chart";

/** Where the CA comes from: the in-cluster servers' Secret (`ca.crt`), a PEM from config, or the system's public roots. */
export type VaultCa =
  | { readonly kind: "secret"; readonly namespace: string; readonly name: string; readonly key: string }
  | { readonly kind: "pem"; readonly pem: string }
  | { readonly kind: "public" };

export interface VaultClientEndpoint {
  readonly address: string;
  readonly ca: VaultCa;
}

/** The in-cluster address of the shared contract: the `vault` Service in `vault`, HTTPS on 8200. */
export const IN_CLUSTER_VAULT_ADDRESS = `https://${VAULT_NAME}.${VAULT_NAMESPACE}.svc:${VAULT_PORTS.api}`;

export function vaultClientEndpoint(v: VaultSettings): VaultClientEndpoint {
  if (v.mode === "in-cluster") {
    return { address: IN_CLUSTER_VAULT_ADDRESS, ca: { kind: "secret", namespace: VAULT_NAMESPACE, name: VAULT_TLS_SECRET, key: "ca.crt" } };
  }
  return { address: v.address, ca: v.caCertificate ? { kind: "pem", pem: v.caCertificate } : { kind: "public" } };
}
