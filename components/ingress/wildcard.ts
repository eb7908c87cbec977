/**
 * The wildcard certificate: cert-manager issues `*.<domain>` and `<domain>` (DNS-01 only: Let's
 * Encrypt proves wildcard names by DNS), into a Secret of the `traefik` namespace, and Traefik's
 * TLS store `default` serves it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CertIssuer } from "../../config";
import { CERT_MANAGER_API_GROUP, CERT_MANAGER_API_VERSION } from "./cert-manager/chart";
import { certificateDnsNames } from "./dns";
import { TRAEFIK_API_VERSION } from "./traefik/chart";

export const WILDCARD_CERTIFICATE = "wildcard";
/** Secret cert-manager writes the wildcard certificate to, beside the TLSStore that reads it. */
export const WILDCARD_TLS_SECRET = "wildcard-tls";
/** Traefik reads only the TLSStore named `default` (its CRD's description, `traefik.io_tlsstores.yaml`). */
export const TLS_STORE = "default";

/** The Certificate (cert-manager.io/v1): both names, signed by the stack's ClusterIssuer. */
export function wildcardCertificateSpec(domain: string, issuer: CertIssuer): Record<string, unknown> {
  return {
    secretName: WILDCARD_TLS_SECRET,
    dnsNames: certificateDnsNames(domain, true),
    issuerRef: { group: CERT_MANAGER_API_GROUP, kind: "ClusterIssuer", name: issuer },
    privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
  };
}

/**
 * Traefik's default TLS store. `defaultCertificate` is what a handshake gets when no certificate
 * matches its name, but the `default` TLSOption sets `sniStrict`, and then Traefik never serves
 * the default certificate: `GetCertificate` returns the best match among the store's
 * certificates, and refuses the handshake when there is none (traefik v3.7.9, the nearest stored
 * tag to the chart's v3.7.11: `pkg/tls/tlsmanager.go` 272-292; `certificate_store.go` 77-132
 * matches only the store's dynamic certificates, a `*.` label as `matchDomain` 269-287 does). So the Secret is also one of the store's
 * `certificates`, which `*.<domain>` names match; the CRD provider reads both from the store's
 * namespace (`pkg/provider/kubernetes/crd/kubernetes.go` 1410-1444).
 */
export function tlsStoreSpec(): Record<string, unknown> {
  return { defaultCertificate: { secretName: WILDCARD_TLS_SECRET }, certificates: [{ secretName: WILDCARD_TLS_SECRET }] };
}

export interface WildcardCertificateArgs {
  readonly domain: string;
  readonly issuer: CertIssuer;
  /** Namespace of the Traefik pods (and of the store and its Secret). */
  readonly namespace: pulumi.Input<string>;
  /** cert-manager's chart (the Certificate CRD) and the issuer; Traefik's chart (the TLSStore CRD). */
  readonly certificateDependsOn: pulumi.Resource[];
  readonly storeDependsOn: pulumi.Resource[];
}

export class WildcardCertificate extends pulumi.ComponentResource {
  readonly certificate: k8s.apiextensions.CustomResource;

  constructor(name: string, args: WildcardCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:ingress:WildcardCertificate", name, {}, opts);
    this.certificate = new k8s.apiextensions.CustomResource(
      `${name}-certificate`,
      {
        apiVersion: CERT_MANAGER_API_VERSION,
        kind: "Certificate",
        metadata: { name: WILDCARD_CERTIFICATE, namespace: args.namespace },
        spec: wildcardCertificateSpec(args.domain, args.issuer),
      },
      { parent: this, dependsOn: args.certificateDependsOn },
    );
    new k8s.apiextensions.CustomResource(
      `${name}-tlsstore`,
      { apiVersion: TRAEFIK_API_VERSION, kind: "TLSStore", metadata: { name: TLS_STORE, namespace: args.namespace }, spec: tlsStoreSpec() },
      { parent: this, dependsOn: args.storeDependsOn },
    );
    this.registerOutputs({});
  }
}
