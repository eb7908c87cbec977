/**
 * Helm values of the Traefik chart, as a pure function of the ingress settings, and the names
 * other tiers rely on (the Service, the IngressClass, the pod and metrics labels).
 */
import type * as k8s from "@pulumi/kubernetes";
import { PORT_NAMES } from "../../../catalog";
import type { IngressSettings } from "../../../config";
import type { ChartPin } from "../../../lib/helm";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../../lib/pod-security";

export const TRAEFIK_CHART: ChartPin = { chart: "traefik", version: "41.3.0", repo: "https://traefik.github.io/charts" };

/** Release, Service, IngressClass and instance label: one fixed name so that nothing is suffixed. */
export const TRAEFIK_NAME = "traefik";

/** UID/GID the Traefik image runs as. */
const TRAEFIK_UID = 65532;

/** Labels on every Traefik pod (the chart's selector); NetworkPolicies and monitors select on them. */
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
 * The seed's NLB: instance targets (client IPs are kept) spread over every zone's nodes. Only
 * annotations the in-tree AWS cloud provider reads: EKS runs it, with no extra controller.
 */
export const NLB_ANNOTATIONS = {
  "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
  "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
} as const;

/**
 * Seconds Traefik keeps accepting requests after it is told to stop: the NLB needs two failed
 * health checks (10 s apart) before it stops sending new connections to the node.
 */
const REQUEST_ACCEPT_GRACE = "30s";

function entryPoint(name: keyof typeof ENTRYPOINTS, nodePort: number): Record<string, unknown> {
  return {
    port: ENTRYPOINTS[name].port,
    exposedPort: ENTRYPOINTS[name].exposedPort,
    expose: { default: true },
    protocol: "TCP",
    nodePort,
    // X-Forwarded-* from clients are never trusted: the rate limit and the allowlist use the
    // connection's source address, which the NLB and `externalTrafficPolicy: Local` keep.
    forwardedHeaders: { trustedIPs: [], insecure: false },
    transport: { lifeCycle: { requestAcceptGraceTimeout: REQUEST_ACCEPT_GRACE } },
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
}

export function traefikValues({ settings: s, domain }: TraefikValuesArgs): Record<string, unknown> {
  const loadBalanced = s.serviceType === "LoadBalancer";
  // The chart copies `service.spec` into the Service as is; typed, so that a misspelled field fails tsc.
  const serviceSpec: k8s.types.input.core.v1.ServiceSpec = {
    type: s.serviceType,
    // Keeps the client's address (no SNAT to another node); the NLB only targets nodes that run
    // a Traefik pod, as kube-proxy's health check node port reports.
    externalTrafficPolicy: "Local",
    ...(loadBalanced ? { loadBalancerSourceRanges: [...s.sourceRanges] } : {}),
  };
  const resources: k8s.types.input.core.v1.ResourceRequirements = {
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { memory: "256Mi" },
  };
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
      web: entryPoint("web", s.nodePorts.http),
      websecure: entryPoint("websecure", s.nodePorts.https),
      [PORT_NAMES.metrics]: { port: TRAEFIK_METRICS.port, expose: { default: false }, exposedPort: TRAEFIK_METRICS.port },
    },
    service: {
      enabled: true,
      single: true,
      annotations: loadBalanced ? { ...NLB_ANNOTATIONS } : {},
      spec: serviceSpec,
    },
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
