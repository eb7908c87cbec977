import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CERT_ISSUERS, CertIssuer } from "../../../config";
import { ChartPin, pinnedChart } from "../../../lib/helm";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../../lib/pod-security";

export const CERT_MANAGER_CHART: ChartPin = { chart: "cert-manager", version: "v1.21.1", repo: "https://charts.jetstack.io" };

/** Release name: with it the chart names its objects `cert-manager`, `cert-manager-webhook`, ... */
export const CERT_MANAGER_NAME = "cert-manager";

/**
 * The controller's metrics Service, for the monitoring tier: port 9402 named `http-metrics`
 * (cert-manager v1.21.1 `deploy/charts/cert-manager/templates/service.yaml`; it was
 * `tcp-prometheus-servicemonitor` before commit 4f55450bb "Cleanup Helm metrics path and port",
 * first in v1.21.0), labelled like the controller pods (`templates/deployment.yaml`).
 */
export const CERT_MANAGER_METRICS = {
  service: CERT_MANAGER_NAME,
  port: 9402,
  portName: "http-metrics",
  path: "/metrics",
  serviceLabels: {
    "app.kubernetes.io/name": CERT_MANAGER_NAME,
    "app.kubernetes.io/instance": CERT_MANAGER_NAME,
    "app.kubernetes.io/component": "controller",
  },
} as const;

export const ACME_SERVERS = {
  "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
  "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory",
} as const;

/** The chart's three Deployments and the `app.kubernetes.io/name` of each one's pods. */
const COMPONENTS = { controller: CERT_MANAGER_NAME, webhook: "webhook", cainjector: "cainjector" } as const;

export type CertManagerComponent = keyof typeof COMPONENTS;

/** Labels the chart puts on each component's pods; spreads and NetworkPolicies select on them. */
export function certManagerPodLabels(component: CertManagerComponent): Record<string, string> {
  return {
    "app.kubernetes.io/name": COMPONENTS[component],
    "app.kubernetes.io/instance": CERT_MANAGER_NAME,
    "app.kubernetes.io/component": component,
  };
}

/** The webhook's HTTPS port on its pods (the chart's `webhook.securePort`): the API server calls it. */
export const CERT_MANAGER_WEBHOOK_PORT = 10250;

/**
 * The pods cert-manager starts beside each Ingress it issues a certificate for, to answer
 * ACME HTTP-01 challenges (label and port fixed by cert-manager); Traefik routes the challenge to them.
 */
export const ACME_HTTP01_SOLVER = {
  labels: { "acme.cert-manager.io/http01-solver": "true" },
  port: 8089,
} as const;

function componentValues(component: CertManagerComponent, replicas: number): Record<string, unknown> {
  const labels = certManagerPodLabels(component);
  const spread: k8s.types.input.core.v1.TopologySpreadConstraint[] =
    replicas > 1
      ? [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } }]
      : [];
  const resources: k8s.types.input.core.v1.ResourceRequirements = {
    requests: { cpu: "10m", memory: "64Mi" },
    limits: { memory: "256Mi" },
  };
  return {
    replicaCount: replicas,
    podDisruptionBudget: replicas > 1 ? { enabled: true, maxUnavailable: 1 } : { enabled: false },
    topologySpreadConstraints: spread,
    securityContext: restrictedPodSecurityContext(),
    containerSecurityContext: restrictedContainerSecurityContext(),
    resources,
  };
}

/**
 * Helm values of cert-manager. The controller, webhook and CA injector run the same number of
 * replicas (leader election keeps one controller active; the webhook must survive a node loss).
 */
export function certManagerValues(replicas: number): Record<string, unknown> {
  return {
    crds: { enabled: true, keep: true },
    ...componentValues("controller", replicas),
    webhook: componentValues("webhook", replicas),
    cainjector: { enabled: true, ...componentValues("cainjector", replicas) },
    // A Helm hook: Pulumi does not run hooks, and the chart is awaited instead.
    startupapicheck: { enabled: false },
    // Leases in its own namespace rather than kube-system: its RBAC stays in cert-manager.
    global: { leaderElection: { namespace: CERT_MANAGER_NAME } },
    // Metrics on; ServiceMonitors belong to the monitoring tier, which owns their CRD.
    prometheus: { enabled: true, servicemonitor: { enabled: false }, podmonitor: { enabled: false } },
  };
}

/** ACME account key Secret of an issuer (in the cert-manager namespace). */
export function accountKeySecret(issuer: CertIssuer): string {
  return `${issuer}-account-key`;
}

export interface IssuerArgs {
  readonly acmeEmail: string;
  /** IngressClass the HTTP-01 solver's Ingress uses. */
  readonly ingressClassName: string;
}

/** Spec of each ClusterIssuer the platform offers (`ecommerce:certIssuer` picks one). */
export function clusterIssuerSpecs(args: IssuerArgs): Record<CertIssuer, Record<string, unknown>> {
  const acme = (issuer: keyof typeof ACME_SERVERS) => ({
    acme: {
      server: ACME_SERVERS[issuer],
      email: args.acmeEmail,
      privateKeySecretRef: { name: accountKeySecret(issuer) },
      solvers: [
        {
          http01: {
            ingress: {
              ingressClassName: args.ingressClassName,
              // Challenges are answered on port 80 only, where Let's Encrypt asks.
              ingressTemplate: { metadata: { annotations: { "traefik.ingress.kubernetes.io/router.entrypoints": "web" } } },
            },
          },
        },
      ],
    },
  });
  return {
    "letsencrypt-staging": acme("letsencrypt-staging"),
    "letsencrypt-prod": acme("letsencrypt-prod"),
    selfsigned: { selfSigned: {} },
  };
}

export interface CertManagerArgs extends IssuerArgs {
  readonly replicas: number;
  /** Namespace `cert-manager`, created by the Namespaces component. */
  readonly namespace: k8s.core.v1.Namespace;
  /** Resources that must exist before pods can run (the node group). @default [] */
  readonly nodesReady?: pulumi.Resource[];
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
        pin: CERT_MANAGER_CHART,
        release: CERT_MANAGER_NAME,
        namespace: args.namespace,
        values: certManagerValues(args.replicas),
        after: args.nodesReady,
      },
      this,
    );
    const specs = clusterIssuerSpecs(args);
    const issuers = {} as Record<CertIssuer, k8s.apiextensions.CustomResource>;
    for (const issuer of CERT_ISSUERS) {
      issuers[issuer] = new k8s.apiextensions.CustomResource(
        `${name}-${issuer}`,
        { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: issuer }, spec: specs[issuer] },
        { parent: this, dependsOn: [this.chart] },
      );
    }
    this.issuers = issuers;
    this.registerOutputs({});
  }
}
