/**
 * The cert-manager chart: its pin, release, namespace, the pods it runs (and the ACME solver pods
 * its controller starts), its CRD groups and the values the platform installs it with. A version
 * bump is an edit here plus `chartdata/cert-manager/`.
 */
import type * as k8s from "@pulumi/kubernetes";
import { NAMESPACES, WorkloadResources, containerResources } from "../../../catalog";
import { ChartModule, ChartPod, HELM_MANAGED_BY, UpstreamFile } from "../../../lib/helm";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../../lib/pod-security";

export const CERT_MANAGER_CHART = { chart: "cert-manager", version: "v1.21.1", repo: "https://charts.jetstack.io" } as const;
const SOURCE = { repo: "cert-manager/cert-manager", tag: "v1.21.1", path: "deploy/charts/cert-manager" } as const;
/** The tag the pod rows below were read at: on a version bump, re-read each file cited at the new tag first. */
const READ_AT = "v1.21.1";

/** Release name: with it the chart names its objects `cert-manager`, `cert-manager-webhook`, ... */
export const CERT_MANAGER_NAME = "cert-manager";

/**
 * API groups of cert-manager's resources (`pkg/apis/certmanager/doc.go` 23, `pkg/apis/acme/doc.go`
 * 22); the chart's `templates/crd-*.yaml` install both.
 */
export const CERT_MANAGER_API_GROUP = "cert-manager.io";
export const ACME_API_GROUP = `acme.${CERT_MANAGER_API_GROUP}`;
export const CERT_MANAGER_API_VERSION = `${CERT_MANAGER_API_GROUP}/v1`;

/**
 * The Ingress annotation naming the ClusterIssuer that signs its certificate
 * (`pkg/apis/certmanager/v1/types.go` 151); the certificate shim reads the Ingresses with an
 * annotation of the `cert-manager.io/` prefix (`pkg/controller/certificate-shim/helper.go` 301).
 */
export const CLUSTER_ISSUER_ANNOTATION = `${CERT_MANAGER_API_GROUP}/cluster-issuer`;
const SHIM_ANNOTATION_PREFIX = `${CERT_MANAGER_API_GROUP}/`;

/**
 * The controller's metrics Service, for the monitoring tier: port 9402 named `http-metrics`
 * (`templates/service.yaml`; it was `tcp-prometheus-servicemonitor` before commit 4f55450bb
 * "Cleanup Helm metrics path and port", first in v1.21.0), labelled like the controller pods.
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

/** The chart's three Deployments and the `app.kubernetes.io/name` of each one's pods (`templates/_helpers.tpl`). */
const COMPONENTS = { controller: CERT_MANAGER_NAME, webhook: "webhook", cainjector: "cainjector" } as const;

export type CertManagerComponent = keyof typeof COMPONENTS;

/** The chart's selector labels of each component's pods; spreads and NetworkPolicies select on them. */
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
 * The pods cert-manager starts beside each Ingress it issues a certificate for, to answer ACME
 * HTTP-01 challenges (`pkg/issuer/acme/http/pod.go` 35-48 and 256-261, `http.go` 49); Traefik
 * routes the challenge to them. Their two other labels hash the challenge's domain and token.
 */
export const ACME_HTTP01_SOLVER = {
  labels: { [`${ACME_API_GROUP}/http01-solver`]: "true" },
  port: 8089,
} as const;

/** What the chart's values depend on: the replicas of each component and each one's row of the resource profile. */
export interface CertManagerValuesArgs {
  readonly replicas: number;
  readonly resources: Readonly<Record<CertManagerComponent, WorkloadResources>>;
  /** How the ACME issuers prove names (`http-01` or `dns-01`, components/ingress/cert-manager/dns01.ts). */
  readonly challenge: "http-01" | "dns-01";
}

function componentValues(component: CertManagerComponent, args: CertManagerValuesArgs): Record<string, unknown> {
  const replicas = args.replicas;
  const labels = certManagerPodLabels(component);
  const spread: k8s.types.input.core.v1.TopologySpreadConstraint[] =
    replicas > 1
      ? [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } }]
      : [];
  const resources: k8s.types.input.core.v1.ResourceRequirements = containerResources(args.resources[component]);
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
 * DNS-01's propagation self check asks the zone's authoritative servers by default: it looks up
 * their names, then queries each on port 53 (`pkg/issuer/acme/dns/util/wait.go` 115-138 at
 * v1.21.1, `cmd/controller/app/controller.go` 294-347: `DNS01CheckAuthoritative` is
 * `!recursiveNameserversOnly`). Route 53's name servers are not a set a NetworkPolicy can name
 * (each zone gets its own four, anywhere in AWS's ranges), so the check goes to the recursive
 * servers only (`--dns01-recursive-nameservers-only`, the chart's `dns01RecursiveNameserversOnly`,
 * `templates/deployment.yaml` 146-148), and with no list given those are the pod's own
 * `/etc/resolv.conf` servers (`wait.go` 54-83, `controller.go` 294-296): the cluster DNS, which every
 * pod may already reach. No DNS-over-HTTPS server of a third party, no port 53 to the internet.
 * The cost is caching: a name queried before its record existed is cached as absent, but the
 * solver queries only after Route 53 reports the change INSYNC (`route53.go` 299-313).
 */
export function dns01SelfCheckValues(challenge: CertManagerValuesArgs["challenge"]): Record<string, unknown> {
  return challenge === "dns-01" ? { dns01RecursiveNameserversOnly: true } : {};
}

/**
 * Helm values of cert-manager. The controller, webhook and CA injector run the same number of
 * replicas (leader election keeps one controller active; the webhook must survive a node loss).
 */
export function certManagerValues(args: CertManagerValuesArgs): Record<string, unknown> {
  return {
    crds: { enabled: true, keep: true },
    ...componentValues("controller", args),
    webhook: componentValues("webhook", args),
    cainjector: { enabled: true, ...componentValues("cainjector", args) },
    // A Helm hook: Pulumi does not run hooks, and the chart is awaited instead.
    startupapicheck: { enabled: false },
    // Leases in its own namespace rather than kube-system: its RBAC stays in cert-manager.
    global: { leaderElection: { namespace: CERT_MANAGER_NAME } },
    // Metrics on; ServiceMonitors belong to the monitoring tier, which owns their CRD.
    prometheus: { enabled: true, servicemonitor: { enabled: false }, podmonitor: { enabled: false } },
    ...dns01SelfCheckValues(args.challenge),
  };
}

const file = (path: string, lines: string, repoPath: string = SOURCE.path): UpstreamFile => ({
  repo: SOURCE.repo,
  tag: READ_AT,
  path: repoPath ? `${repoPath}/${path}` : path,
  lines,
});
const source = (...files: UpstreamFile[]) => ({ chart: CERT_MANAGER_CHART.chart, version: READ_AT, files });
const tcp = (name: string, containerPort: number) => ({ name, containerPort, protocol: "TCP" as const });
/** Labels of a component's pods: `app` and the selector labels, then the chart's `labels` (`_helpers.tpl` 153-162; `creator: helm`). */
const componentPodLabels = (c: CertManagerComponent) => ({ app: COMPONENTS[c], ...certManagerPodLabels(c), ...HELM_MANAGED_BY });
/** No component sets `hostNetwork` but the webhook, and only with `webhook.hostNetwork` (false). */
const HOST_NETWORK = file("values.yaml", "1101");

const PODS: readonly ChartPod[] = [
  {
    name: "{release}",
    kind: "Deployment",
    labels: componentPodLabels("controller"),
    ports: [tcp(CERT_MANAGER_METRICS.portName, CERT_MANAGER_METRICS.port), tcp("http-healthz", 9403)],
    hostNetwork: false,
    purpose: "issues certificates (ACME, API server)",
    source: source(file("templates/_helpers.tpl", "5-7"), file("templates/deployment.yaml", "33-41"), file("templates/deployment.yaml", "158-164")),
  },
  {
    name: "{release}-webhook",
    kind: "Deployment",
    labels: componentPodLabels("webhook"),
    // `webhook.config` is empty: the secure port is `webhook.securePort`, health 6080; metrics with `prometheus.enabled`.
    ports: [tcp("https", CERT_MANAGER_WEBHOOK_PORT), tcp("healthcheck", 6080), tcp("http-metrics", 9402)],
    hostNetwork: false,
    purpose: "admission webhook the API server calls",
    source: source(
      file("templates/_helpers.tpl", "46-48"),
      file("templates/webhook-deployment.yaml", "33-41"),
      file("templates/webhook-deployment.yaml", "76-78"),
      file("templates/webhook-deployment.yaml", "127-148"),
      file("values.yaml", "1090"),
      HOST_NETWORK,
    ),
  },
  {
    name: "{release}-cainjector",
    kind: "Deployment",
    labels: componentPodLabels("cainjector"),
    ports: [tcp("http-metrics", 9402)],
    hostNetwork: false,
    purpose: "injects CA bundles through the API server",
    source: source(file("templates/_helpers.tpl", "84-86"), file("templates/cainjector-deployment.yaml", "34-42"), file("templates/cainjector-deployment.yaml", "110-115")),
  },
  {
    name: "cm-acme-http-solver",
    kind: "Pod",
    labels: ACME_HTTP01_SOLVER.labels,
    ports: [tcp("http", ACME_HTTP01_SOLVER.port)],
    hostNetwork: false,
    // Only HTTP-01 challenges start them (`pkg/issuer/acme/http/http.go` 112-126): an issuer must solve by HTTP-01.
    beside: { kind: "Ingress", annotationPrefix: SHIM_ANNOTATION_PREFIX, onlyIf: { kind: "ClusterIssuer", path: "spec.acme.solvers[].http01" } },
    purpose: "answers ACME HTTP-01 challenges, reached through Traefik",
    source: source(
      file("pkg/issuer/acme/http/pod.go", "35-48", ""),
      file("pkg/issuer/acme/http/pod.go", "256-261", ""),
      file("pkg/issuer/acme/http/http.go", "49", ""),
      file("pkg/apis/acme/v1/types.go", "58-60", ""),
      file("pkg/issuer/acme/http/http.go", "112-126", ""),
    ),
  },
];

export const CERT_MANAGER: ChartModule<CertManagerValuesArgs> = {
  pin: CERT_MANAGER_CHART,
  source: SOURCE,
  release: CERT_MANAGER_NAME,
  namespace: NAMESPACES.certManager.name,
  pods: PODS,
  crdGroups: [CERT_MANAGER_API_GROUP, ACME_API_GROUP],
  chartdata: ["cert-manager", "cert-manager/crds"],
  values: certManagerValues,
};
