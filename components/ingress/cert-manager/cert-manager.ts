import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CERT_ISSUERS, CertIssuer } from "../../../config";
import { pinnedChart } from "../../../lib/helm";
import { CERT_MANAGER, CERT_MANAGER_API_VERSION, CertManagerValuesArgs } from "./chart";
import { AcmeSolver, acmeSolvers } from "./dns01";

export const ACME_SERVERS = {
  "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
  "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory",
} as const;

/** ACME account key Secret of an issuer (in the cert-manager namespace). */
export function accountKeySecret(issuer: CertIssuer): string {
  return `${issuer}-account-key`;
}

export interface IssuerArgs {
  readonly acmeEmail: string;
  /** IngressClass the HTTP-01 solver's Ingress uses. */
  readonly ingressClassName: string;
  /** DNS-01 in the stack's hosted zone, or HTTP-01 where it has none. */
  readonly solver: AcmeSolver;
}

/** Spec of each ClusterIssuer the platform offers (`ecommerce:certIssuer` picks one). */
export function clusterIssuerSpecs(args: IssuerArgs): Record<CertIssuer, Record<string, unknown>> {
  const acme = (issuer: keyof typeof ACME_SERVERS) => ({
    acme: {
      server: ACME_SERVERS[issuer],
      email: args.acmeEmail,
      privateKeySecretRef: { name: accountKeySecret(issuer) },
      solvers: acmeSolvers(args.solver, args.ingressClassName),
    },
  });
  return {
    "letsencrypt-staging": acme("letsencrypt-staging"),
    "letsencrypt-prod": acme("letsencrypt-prod"),
    selfsigned: { selfSigned: {} },
  };
}

export interface CertManagerArgs extends IssuerArgs, Omit<CertManagerValuesArgs, "challenge"> {
  /** Namespace `cert-manager`, created by the Namespaces component. */
  readonly namespace: k8s.core.v1.Namespace;
  /** Resources that must exist before pods can run (the node group). @default [] */
  readonly nodesReady?: pulumi.Resource[];
  /**
   * What the controller's pods must find when they start: with DNS-01, the Pod Identity
   * association, whose environment EKS injects at pod creation only; [] with HTTP-01.
   */
  readonly credentialsReady: pulumi.Resource[];
}

/** cert-manager with its CRDs, and the ClusterIssuers, created once the chart (and its webhook) is up. */
export class CertManager extends pulumi.ComponentResource {
  readonly chart: k8s.helm.v4.Chart;
  readonly issuers: Readonly<Record<CertIssuer, k8s.apiextensions.CustomResource>>;

  constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:cert-manager:CertManager", name, {}, opts);
    this.chart = pinnedChart(
      name,
      {
        chart: CERT_MANAGER,
        namespace: args.namespace,
        values: CERT_MANAGER.values({ replicas: args.replicas, resources: args.resources, challenge: args.solver.kind }),
        after: [...(args.nodesReady ?? []), ...args.credentialsReady],
      },
      this,
    );
    const specs = clusterIssuerSpecs(args);
    const issuers = {} as Record<CertIssuer, k8s.apiextensions.CustomResource>;
    for (const issuer of CERT_ISSUERS) {
      issuers[issuer] = new k8s.apiextensions.CustomResource(
        `${name}-${issuer}`,
        { apiVersion: CERT_MANAGER_API_VERSION, kind: "ClusterIssuer", metadata: { name: issuer }, spec: specs[issuer] },
        { parent: this, dependsOn: [this.chart] },
      );
    }
    this.issuers = issuers;
    this.registerOutputs({});
  }
}
