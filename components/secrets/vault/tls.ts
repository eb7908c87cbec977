/**
 * Vault's TLS: a CA of Vault's own, issued by cert-manager (a self-signed Issuer signs the CA's
 * Certificate, whose Secret backs the ClusterIssuer `vault-ca`), and the servers' certificate
 * `vault-server-tls` from it. A ClusterIssuer, because Vault's clients take its CA from a
 * Certificate of their own namespace (components/secrets/vault-sync.ts `vaultCaCertificate`): a
 * namespaced SecretStore may read its CA only there. A ClusterIssuer's CA Secret lives in
 * cert-manager's cluster resource namespace, its own namespace by default (cert-manager v1.21.1
 * chart `values.yaml` 226-229, `clusterResourceNamespace: ""`), so the CA's Certificate and its
 * self-signed Issuer are there. A CA Issuer writes its CA into each Secret it signs as `ca.crt`
 * (cert-manager v1.21.1 `pkg/controller/certificaterequests/ca/ca.go` 132, the issued bundle's `CAPEM`): that is the file clients and peers trust.
 */
import type * as pulumi from "@pulumi/pulumi";
import { CERT_MANAGER_API_VERSION } from "../../ingress/cert-manager/chart";
import { VAULT_INTERNAL_SERVICE, VAULT_NAME, VAULT_NAMESPACE, VAULT_TLS_SECRET } from "./chart";

export const VAULT_SELF_SIGNED_ISSUER = "vault-selfsigned";
export const VAULT_CA_ISSUER = "vault-ca";
export const VAULT_CA_SECRET = "vault-ca";

/**
 * The names clients and peers use: the Service (`vault`, `vault.vault.svc`), each server on the
 * headless Service (`vault-N.vault-internal`, `retry_join`, and the same with the namespace),
 * and 127.0.0.1 for the CLI and probes inside the pod.
 */
export const VAULT_DNS_NAMES = [
  VAULT_NAME,
  `${VAULT_NAME}.${VAULT_NAMESPACE}`,
  `${VAULT_NAME}.${VAULT_NAMESPACE}.svc`,
  `*.${VAULT_INTERNAL_SERVICE}`,
  `*.${VAULT_INTERNAL_SERVICE}.${VAULT_NAMESPACE}`,
  `*.${VAULT_INTERNAL_SERVICE}.${VAULT_NAMESPACE}.svc`,
] as const;
export const VAULT_IP_ADDRESSES = ["127.0.0.1"] as const;

export interface CertManagerObject {
  readonly apiVersion: typeof CERT_MANAGER_API_VERSION;
  readonly kind: "Issuer" | "ClusterIssuer" | "Certificate";
  readonly metadata: { readonly name: string; readonly namespace?: pulumi.Input<string> };
  readonly spec: Record<string, unknown>;
}

/**
 * In creation order. The CA lives ten years and is kept on renewal (`rotationPolicy: Never`), so
 * that a renewal does not change what clients trust; the server certificate lives 90 days and
 * is renewed 30 days ahead, which rolls the servers (chart.ts, the reloader annotation).
 */
export function vaultTlsObjects(namespace: pulumi.Input<string>, caNamespace: pulumi.Input<string>): CertManagerObject[] {
  const meta = (name: string) => ({ name, namespace });
  const caMeta = (name: string) => ({ name, namespace: caNamespace });
  const issuerRef = (name: string, kind: "Issuer" | "ClusterIssuer") => ({ name, kind, group: "cert-manager.io" });
  return [
    { apiVersion: CERT_MANAGER_API_VERSION, kind: "Issuer", metadata: caMeta(VAULT_SELF_SIGNED_ISSUER), spec: { selfSigned: {} } },
    {
      apiVersion: CERT_MANAGER_API_VERSION,
      kind: "Certificate",
      metadata: caMeta(VAULT_CA_SECRET),
      spec: {
        isCA: true,
        commonName: "Vault CA",
        secretName: VAULT_CA_SECRET,
        duration: "87600h",
        renewBefore: "720h",
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Never" },
        issuerRef: issuerRef(VAULT_SELF_SIGNED_ISSUER, "Issuer"),
      },
    },
    { apiVersion: CERT_MANAGER_API_VERSION, kind: "ClusterIssuer", metadata: { name: VAULT_CA_ISSUER }, spec: { ca: { secretName: VAULT_CA_SECRET } } },
    {
      apiVersion: CERT_MANAGER_API_VERSION,
      kind: "Certificate",
      metadata: meta(VAULT_TLS_SECRET),
      spec: {
        secretName: VAULT_TLS_SECRET,
        commonName: `${VAULT_NAME}.${VAULT_NAMESPACE}.svc`,
        dnsNames: [...VAULT_DNS_NAMES],
        ipAddresses: [...VAULT_IP_ADDRESSES],
        duration: "2160h",
        renewBefore: "720h",
        usages: ["server auth", "client auth", "digital signature", "key encipherment"],
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        issuerRef: issuerRef(VAULT_CA_ISSUER, "ClusterIssuer"),
      },
    },
  ];
}
