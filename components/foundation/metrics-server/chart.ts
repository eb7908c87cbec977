/**
 * metrics-server: the resource metrics API (`metrics.k8s.io`) the HorizontalPodAutoscalers read
 * CPU and memory from. EKS does not install it. Its pin, release, namespace, the pods it runs and
 * the values the platform installs it with; a version bump is an edit here plus
 * `chartdata/metrics-server/`. Facts read at kubernetes-sigs/metrics-server
 * `metrics-server-helm-chart-3.13.1`, `charts/metrics-server/` (cited by file and line below).
 */
import type * as k8s from "@pulumi/kubernetes";
import { KUBE_SYSTEM } from "../../../catalog";
import { ChartModule, UpstreamFile } from "../../../lib/helm";

export const METRICS_SERVER_CHART = {
  chart: "metrics-server",
  version: "3.13.1",
  repo: "https://kubernetes-sigs.github.io/metrics-server/",
} as const;
const SOURCE = { repo: "kubernetes-sigs/metrics-server", tag: "metrics-server-helm-chart-3.13.1", path: "charts/metrics-server" } as const;

/**
 * The chart's `appVersion` (`Chart.yaml`); the image tag is pinned to it explicitly rather than
 * left to the template's default (`_helpers.tpl` 70-72, `v{{ .Chart.AppVersion }}`).
 */
export const METRICS_SERVER_APP_VERSION = "0.8.1";
export const METRICS_SERVER_IMAGE = {
  repository: "registry.k8s.io/metrics-server/metrics-server",
  tag: `v${METRICS_SERVER_APP_VERSION}`,
} as const;

/**
 * Release name. It contains the chart's name, so the fullname (Deployment, Service, service
 * account) is the release name itself (`_helpers.tpl` 13-24).
 */
export const METRICS_SERVER_NAME = "metrics-server";

/** The selector labels of the pods (`_helpers.tpl` 51-54): the chart's name and the release. */
export const METRICS_SERVER_POD_LABELS = {
  "app.kubernetes.io/name": METRICS_SERVER_NAME,
  "app.kubernetes.io/instance": METRICS_SERVER_NAME,
} as const;

/**
 * The secure port the container serves the metrics API on (`values.yaml` 68 `containerPort`,
 * `deployment.yaml` 67 `--secure-port`, 81-84 port `https`). The API server dials the pod's
 * address on it (APIService `service.port` 443 -> the Service's `targetPort: https`).
 */
export const METRICS_SERVER_PORT = 10250;

/** The APIService the chart registers (`apiservice.yaml` 35-38, 63, 72). */
export const METRICS_API_SERVICE = "v1beta1.metrics.k8s.io";

/** The chart's default requests (`values.yaml` 173-179), stated so that capacity plans read them here. */
export const METRICS_SERVER_RESOURCES = { requests: { cpu: "100m", memory: "200Mi" } } as const;

const ZONE = "topology.kubernetes.io/zone";
const HOST = "kubernetes.io/hostname";

/**
 * Highly available from two replicas, as upstream's HA manifest (metrics-server v0.8.1
 * `manifests/components/high-availability/patch.yaml`, `pdb.yaml`): one replica per node
 * (required anti-affinity on the host name), a budget keeping one, rolling one at a time; plus a
 * zone spread, so that a zone outage leaves a replica. One replica gets none of it: a budget
 * with one replica would block every node drain.
 */
export function metricsServerPlacement(replicas: number): Record<string, unknown> {
  if (replicas < 2) return { podDisruptionBudget: { enabled: false }, affinity: {}, topologySpreadConstraints: [], updateStrategy: {} };
  const labelSelector = { matchLabels: { ...METRICS_SERVER_POD_LABELS } };
  const affinity: k8s.types.input.core.v1.Affinity = {
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector, namespaces: [KUBE_SYSTEM], topologyKey: HOST }] },
  };
  const spread: k8s.types.input.core.v1.TopologySpreadConstraint[] = [
    // Honor: nodes being drained or not ready do not count as a zone that still needs a pod.
    { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: "DoNotSchedule", nodeTaintsPolicy: "Honor", labelSelector },
  ];
  return {
    // `pdb.yaml` 1-25: minAvailable as the HA manifest; a pod that is not ready serves nothing,
    // evicting it must not block a drain (rendered on Kubernetes >= 1.27).
    podDisruptionBudget: { enabled: true, minAvailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" },
    affinity,
    topologySpreadConstraints: spread,
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
  };
}

export interface MetricsServerValuesArgs {
  readonly replicas: number;
}

export function metricsServerValues({ replicas }: MetricsServerValuesArgs): Record<string, unknown> {
  return {
    image: { ...METRICS_SERVER_IMAGE },
    replicas,
    ...metricsServerPlacement(replicas),
    resources: METRICS_SERVER_RESOURCES,
    // The chart's container context already meets Pod Security `restricted` (`values.yaml` 53-64:
    // no escalation, read-only root, non-root UID 1000, RuntimeDefault seccomp, ALL dropped);
    // the pod-level one repeats non-root and seccomp so that no container can be added without.
    podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    hostNetwork: { enabled: false },
    containerPort: METRICS_SERVER_PORT,
    // TLS stays the chart's default: the binary makes a self-signed certificate at start
    // (`values.yaml` 203-209 `tls.type: metrics-server`) and the APIService skips verification
    // (`values.yaml` 45). cert-manager would let the API server verify it, but needs
    // `insecureSkipTLSVerify: false` with a caBundle the CA injector writes (the API refuses both
    // set together: kube-aggregator `ValidateAPIService`), the chart's Issuer and Certificate
    // waiting for the ingress tier's cert-manager, and its Certificate template renders a null
    // annotation map (`certificate.yaml` 7). The pods accept connections on 10250 only from the
    // control-plane subnets and their own node (components/network-policies/).
    tls: { type: "metrics-server" },
    apiService: {
      create: true,
      insecureSkipTLSVerify: true,
      // The provider awaits the APIService until the aggregator reports it Available, i.e. has
      // reached the pods: the chart is ready only once the metrics API answers. `condition=` waits
      // for that status condition on any kind, 10 minutes by default (pulumi-kubernetes v4.32.0,
      // the nearest tag to the pinned 4.34.2 in the stored copy: `provider/pkg/metadata/overrides.go`
      // `ReadyCondition`, `provider/pkg/await/await.go` 306-321).
      annotations: { "pulumi.com/waitFor": "condition=Available" },
    },
    // No scrape of its own metrics: Prometheus reads the kubelets' directly.
    metrics: { enabled: false },
    serviceMonitor: { enabled: false },
  };
}

/** The version the row below was read at: on a version bump, re-read each file cited at the new tag first. */
const READ_AT = "3.13.1";
const file = (path: string, lines: string): UpstreamFile => ({
  repo: SOURCE.repo,
  tag: `metrics-server-helm-chart-${READ_AT}`,
  path: `${SOURCE.path}/${path}`,
  lines,
});

/**
 * The one Deployment. Labels: `metrics-server.selectorLabels` and no `podLabels`; the chart's
 * common labels (`managed-by`) stay on the Deployment, not on the pods. One port, `https`,
 * `containerPort`; no host network while `hostNetwork.enabled` is false.
 */
const METRICS_SERVER_POD = {
  name: "{release}",
  kind: "Deployment",
  labels: { ...METRICS_SERVER_POD_LABELS },
  ports: [{ name: "https", containerPort: METRICS_SERVER_PORT, protocol: "TCP" }],
  hostNetwork: false,
  purpose: "resource metrics API for the autoscalers (scrapes every kubelet)",
  source: {
    chart: METRICS_SERVER_CHART.chart,
    version: READ_AT,
    files: [
      file("templates/_helpers.tpl", "51-54"),
      file("templates/deployment.yaml", "24-35"),
      file("templates/deployment.yaml", "51-53"),
      file("templates/deployment.yaml", "81-84"),
      file("values.yaml", "68-76"),
    ],
  },
} as const;

export const METRICS_SERVER: ChartModule<MetricsServerValuesArgs> = {
  pin: METRICS_SERVER_CHART,
  source: SOURCE,
  release: METRICS_SERVER_NAME,
  namespace: KUBE_SYSTEM,
  pods: [METRICS_SERVER_POD],
  // An APIService, not CRDs.
  crdGroups: [],
  chartdata: ["metrics-server"],
  values: metricsServerValues,
};
