/**
 * The Traefik chart: its pin, release, namespace, the pods it runs, its CRD groups and the values
 * the platform installs it with, and the names other tiers rely on (the Service, the IngressClass,
 * the pod and metrics labels). A version bump is an edit here plus `chartdata/traefik/`.
 */
import type * as k8s from "@pulumi/kubernetes";
import { NAMESPACES, PORT_NAMES, containerResources } from "../../../catalog";
import type { IngressSettings } from "../../../config";
import { ChartModule, HELM_MANAGED_BY, UpstreamFile } from "../../../lib/helm";
import { NLB_ANNOTATION_PREFIX, NLB_LOAD_BALANCER_CLASS, NLB_SECURITY_GROUPS_ANNOTATION } from "../../../lib/load-balancer";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../../lib/pod-security";

export const TRAEFIK_CHART = { chart: "traefik", version: "41.3.0", repo: "https://traefik.github.io/charts" } as const;
const SOURCE = { repo: "traefik/traefik-helm-chart", tag: "v41.3.0", path: "traefik" } as const;

/** Release, Service, IngressClass and instance label: one fixed name so that nothing is suffixed. */
export const TRAEFIK_NAME = "traefik";

/** API group of Traefik's custom resources; the chart's `crds/` also holds Traefik Hub's (`traefik/crds/`). */
export const TRAEFIK_API_GROUP = "traefik.io";
/** API version of Traefik's custom resources (Middleware, TLSOption, IngressRoute). */
export const TRAEFIK_API_VERSION = `${TRAEFIK_API_GROUP}/v1alpha1`;

/** UID/GID the Traefik image runs as. */
const TRAEFIK_UID = 65532;

/**
 * The chart's selector labels (`traefik.labelselector`: the chart's name, and the instance label
 * the values override with the release name); NetworkPolicies, spreads and monitors select on them.
 */
export const TRAEFIK_POD_LABELS = {
  "app.kubernetes.io/name": TRAEFIK_NAME,
  "app.kubernetes.io/instance": TRAEFIK_NAME,
} as const;

/** Container and Service ports of the entry points: the seed's 80 -> 8000 and 443 -> 8443. */
export const ENTRYPOINTS = {
  web: { port: 8000, exposedPort: 80 },
  websecure: { port: 8443, exposedPort: 443 },
} as const;

/** The metrics Service the chart creates (`<fullname>-metrics`), for the monitoring tier. */
export const TRAEFIK_METRICS = {
  service: `${TRAEFIK_NAME}-metrics`,
  port: 9100,
  portName: PORT_NAMES.metrics,
  path: "/metrics",
  serviceLabels: { "app.kubernetes.io/name": TRAEFIK_NAME, "app.kubernetes.io/component": "metrics" },
} as const;

/**
 * Seconds Traefik keeps accepting requests after it is told to stop: the NLB needs two failed
 * health checks (10 s apart) before it stops sending new connections to a pod.
 */
const REQUEST_ACCEPT_GRACE_SECONDS = 30;
const HEALTH_CHECK_INTERVAL_SECONDS = 10;

/**
 * Traefik's health endpoint: the chart always passes `--ping=true` (`templates/_podtemplate.tpl`
 * 255), which serves `/ping` on the `traefik` entry point, and probes it there
 * (`_podtemplate.tpl` 81-93: `ports.traefik.port`, `values.yaml` 920-921, path `/ping`). The
 * NLB's health checks ask the same.
 */
export const TRAEFIK_PING = { portName: "traefik", port: 8080, path: "/ping" } as const;

export { NLB_LOAD_BALANCER_CLASS };

/**
 * The NLB of the AWS Load Balancer Controller (v3.5.0 `docs/guide/service/annotations.md`):
 *
 * - Owner: `spec.loadBalancerClass` is what the controller honours when it is set
 *   (`pkg/service/service_utils.go` 47-62); `aws-load-balancer-type: external` is what the
 *   in-tree cloud provider reads to leave a Service alone, and with a class the controller would
 *   default to instance targets, hence the explicit target type.
 * - `ip` targets: the NLB sends to the pods' own addresses, so the client address survives
 *   without `externalTrafficPolicy: Local`, which only sends to nodes running a Traefik pod and
 *   splits each node's share among however many pods it runs.
 * - Client IP preservation is off by default for `ip` targets (`model_build_target_group.go`
 *   396-413): turned on, so that Traefik's rate limit and allowlist see clients, and the
 *   NetworkPolicy can admit the source ranges.
 * - The security group is the program's (components/ingress/perimeter.ts); given one, the
 *   controller writes no node rules unless asked (`model_build_load_balancer.go` 119-160,
 *   167-181), and the annotation is set explicitly as the docs ask: the program writes them.
 */
export function nlbAnnotations(securityGroupId: string): Record<string, string> {
  const prefix = NLB_ANNOTATION_PREFIX;
  return {
    [`${prefix}-type`]: "external",
    [`${prefix}-nlb-target-type`]: "ip",
    [`${prefix}-scheme`]: "internet-facing",
    [`${prefix}-attributes`]: "load_balancing.cross_zone.enabled=true",
    // Deregistration waits no longer than Traefik keeps accepting requests after SIGTERM.
    [`${prefix}-target-group-attributes`]: `preserve_client_ip.enabled=true,deregistration_delay.timeout_seconds=${REQUEST_ACCEPT_GRACE_SECONDS}`,
    [`${prefix}-healthcheck-protocol`]: "http",
    [`${prefix}-healthcheck-port`]: String(TRAEFIK_PING.port),
    [`${prefix}-healthcheck-path`]: TRAEFIK_PING.path,
    [`${prefix}-healthcheck-interval`]: String(HEALTH_CHECK_INTERVAL_SECONDS),
    [`${prefix}-healthcheck-unhealthy-threshold`]: "2",
    [`${prefix}-healthcheck-healthy-threshold`]: "2",
    [NLB_SECURITY_GROUPS_ANNOTATION]: securityGroupId,
    [`${prefix}-manage-backend-security-group-rules`]: "false",
  };
}

/** An entry point; `nodePort` only with node ports (the NLB's targets are the pods). */
function entryPoint(name: keyof typeof ENTRYPOINTS, nodePort: number | undefined): Record<string, unknown> {
  return {
    port: ENTRYPOINTS[name].port,
    exposedPort: ENTRYPOINTS[name].exposedPort,
    expose: { default: true },
    protocol: "TCP",
    ...(nodePort !== undefined ? { nodePort } : {}),
    // X-Forwarded-* from clients are never trusted: the rate limit and the allowlist use the
    // connection's source address, which the NLB (client IP preservation) and node ports
    // (`externalTrafficPolicy: Local`) keep.
    forwardedHeaders: { trustedIPs: [], insecure: false },
    transport: { lifeCycle: { requestAcceptGraceTimeout: `${REQUEST_ACCEPT_GRACE_SECONDS}s` } },
  };
}

/** Zone spread is required so that a zone outage leaves a replica; hosts are spread when possible. */
export function traefikSpread(replicas: number): k8s.types.input.core.v1.TopologySpreadConstraint[] {
  if (replicas < 2) return [];
  const labelSelector = { matchLabels: { ...TRAEFIK_POD_LABELS } };
  return [
    // Honor: nodes being drained or not ready do not count as a zone that still needs a pod.
    { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", nodeTaintsPolicy: "Honor", labelSelector },
    { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector },
  ];
}

export interface TraefikValuesArgs {
  readonly settings: IngressSettings;
  /** Public host name of the API; Ingress status reports it when there is no load balancer. */
  readonly domain: string;
  /** The NLB's security group (components/ingress/perimeter.ts) with `LoadBalancer`; undefined with node ports. */
  readonly nlbSecurityGroupId: string | undefined;
}

/**
 * The Service: with `LoadBalancer`, an NLB of the AWS Load Balancer Controller whose targets are
 * the pods (no node ports: `allocateLoadBalancerNodePorts: false`; kube-proxy is not on the NLB's
 * path, so the traffic policy is the default `Cluster`); with `NodePort`, node ports that keep the
 * client's address (`externalTrafficPolicy: Local`: a node forwards only to its own pods).
 */
export function traefikService(s: IngressSettings, nlbSecurityGroupId: string | undefined): Record<string, unknown> {
  // The chart copies `service.spec` into the Service as is; typed, so that a misspelled field fails tsc.
  if (s.serviceType === "NodePort") {
    const spec: k8s.types.input.core.v1.ServiceSpec = { type: "NodePort", externalTrafficPolicy: "Local" };
    return { enabled: true, single: true, annotations: {}, spec };
  }
  if (!nlbSecurityGroupId) throw new Error("Traefik's LoadBalancer Service needs the NLB's security group");
  const spec: k8s.types.input.core.v1.ServiceSpec = {
    type: "LoadBalancer",
    loadBalancerClass: NLB_LOAD_BALANCER_CLASS,
    allocateLoadBalancerNodePorts: false,
    externalTrafficPolicy: "Cluster",
  };
  return { enabled: true, single: true, annotations: nlbAnnotations(nlbSecurityGroupId), spec };
}

export function traefikValues({ settings: s, domain, nlbSecurityGroupId }: TraefikValuesArgs): Record<string, unknown> {
  const loadBalanced = s.serviceType === "LoadBalancer";
  const resources: k8s.types.input.core.v1.ResourceRequirements = containerResources(s.resources.traefik);
  return {
    fullnameOverride: TRAEFIK_NAME,
    instanceLabelOverride: TRAEFIK_NAME,
    deployment: { kind: "Deployment", replicas: s.traefikReplicas },
    // A budget with one replica would block every node drain; with two or more, one may go.
    podDisruptionBudget: s.traefikReplicas > 1 ? { enabled: true, maxUnavailable: 1 } : { enabled: false },
    topologySpreadConstraints: traefikSpread(s.traefikReplicas),
    resources,
    podSecurityContext: restrictedPodSecurityContext({ runAsUser: TRAEFIK_UID }),
    securityContext: restrictedContainerSecurityContext({ runAsUser: TRAEFIK_UID }),
    ingressClass: { enabled: true, isDefaultClass: false, name: TRAEFIK_NAME },
    providers: {
      // Middlewares live next to the Ingress that uses them: no cross-namespace references.
      kubernetesCRD: { enabled: true, allowCrossNamespace: false, allowExternalNameServices: false },
      kubernetesIngress: {
        enabled: true,
        allowExternalNameServices: false,
        // Ingress status carries the NLB's name; without one, the public host name, so that
        // tools waiting for an Ingress address (Pulumi's await) still see one.
        publishedService: { enabled: loadBalanced },
        ...(loadBalanced ? {} : { ingressEndpoint: { hostname: domain } }),
      },
    },
    ports: {
      web: entryPoint("web", loadBalanced ? undefined : s.nodePorts.http),
      websecure: entryPoint("websecure", loadBalanced ? undefined : s.nodePorts.https),
      [PORT_NAMES.metrics]: { port: TRAEFIK_METRICS.port, expose: { default: false }, exposedPort: TRAEFIK_METRICS.port },
    },
    service: traefikService(s, nlbSecurityGroupId),
    metrics: {
      prometheus: {
        entryPoint: PORT_NAMES.metrics,
        addEntryPointsLabels: true,
        addRoutersLabels: true,
        addServicesLabels: true,
        service: { enabled: true },
      },
    },
    log: { level: "INFO", format: "json" },
    // Request headers may carry credentials: they are dropped from access logs.
    accessLog: { enabled: true, format: "json", fields: { defaultMode: "keep", headers: { defaultMode: "drop" } } },
    global: { checkNewVersion: false, sendAnonymousUsage: false },
  };
}

/** The version the rows below were read at: on a version bump, re-read each file cited at the new tag first. */
const READ_AT = "41.3.0";
const file = (path: string, lines: string): UpstreamFile => ({ repo: SOURCE.repo, tag: `v${READ_AT}`, path: `${SOURCE.path}/${path}`, lines });

/**
 * The one Deployment. Labels: `traefik.labels` (`templates/_helpers.tpl`) with no `commonLabels`
 * or `deployment.podLabels`. Ports: one per entry of `ports` in key order, named after the key,
 * `containerPort` defaulting to `port`, no HTTP/3 twin while `http3.enabled` is false
 * (`templates/_podtemplate.tpl`): the chart's `traefik` (8080) and the values' three.
 */
const TRAEFIK_POD = {
  name: "{release}",
  kind: "Deployment",
  labels: { ...TRAEFIK_POD_LABELS, ...HELM_MANAGED_BY },
  ports: [
    { name: TRAEFIK_METRICS.portName, containerPort: TRAEFIK_METRICS.port, protocol: "TCP" },
    { name: "traefik", containerPort: 8080, protocol: "TCP" },
    { name: "web", containerPort: ENTRYPOINTS.web.port, protocol: "TCP" },
    { name: "websecure", containerPort: ENTRYPOINTS.websecure.port, protocol: "TCP" },
  ],
  hostNetwork: false,
  purpose: "ingress controller behind the load balancer",
  source: {
    chart: TRAEFIK_CHART.chart,
    version: READ_AT,
    files: [
      file("templates/_helpers.tpl", "6-8"),
      file("templates/_helpers.tpl", "90-109"),
      file("templates/_podtemplate.tpl", "15-35"),
      file("templates/_podtemplate.tpl", "112-139"),
      file("values.yaml", "918-1196"),
    ],
  },
} as const;

export const TRAEFIK: ChartModule<TraefikValuesArgs> = {
  pin: TRAEFIK_CHART,
  source: SOURCE,
  release: TRAEFIK_NAME,
  namespace: NAMESPACES.traefik.name,
  pods: [TRAEFIK_POD],
  // `traefik/crds/` (its kustomization.yaml, vendored, lists them): traefik.io_* and hub.traefik.io_*.
  crdGroups: [TRAEFIK_API_GROUP, `hub.${TRAEFIK_API_GROUP}`],
  chartdata: ["traefik", "traefik/crds"],
  values: traefikValues,
};
