/**
 * The pods each chart runs, sized from the values the program installs it with (the Chart
 * resource's `values` in the render) and, where the program sets nothing, the vendored chart
 * defaults (chartdata/), cited per row. A chart without an entry here is listed as unsized by the
 * plan, and the capacity guard fails until it has one.
 */
import { CapacityWorkload, PodRequest, WorkloadKind, containerRequest, podRequest } from "./workload";

type Values = Record<string, any>;
type ChartPods = (values: Values, namespace: string) => CapacityWorkload[];

const pods = (
  chart: string,
  namespace: string,
  kind: WorkloadKind,
  name: string,
  pod: PodRequest,
  replicas: number,
  source: string,
): CapacityWorkload => ({ name, namespace, kind, owner: `chart ${chart}`, pod, minReplicas: replicas, maxReplicas: replicas, source });

/** A value the program passes, or the chart's default where it passes none. */
const orDefault = (value: unknown, chartDefault: number): number => (typeof value === "number" ? value : chartDefault);

/** traefik: one Deployment; `deployment.replicas` defaults to 1 (chartdata/traefik/values.yaml:28). */
const traefik: ChartPods = (v, ns) => [
  pods("traefik", ns, "Deployment", "traefik", containerRequest(v), orDefault(v.deployment?.replicas, 1), "values deployment.replicas, resources; chartdata/traefik/values.yaml:28"),
];

/**
 * cert-manager: controller, webhook, CA injector; each `replicaCount` defaults to 1
 * (chartdata/cert-manager/values.yaml:129, 765, 1192).
 */
const certManager: ChartPods = (v, ns) => [
  pods("cert-manager", ns, "Deployment", "cert-manager", containerRequest(v), orDefault(v.replicaCount, 1), "values replicaCount; chartdata/cert-manager/values.yaml:129"),
  pods("cert-manager", ns, "Deployment", "cert-manager-webhook", containerRequest(v.webhook ?? {}), orDefault(v.webhook?.replicaCount, 1), "values webhook.replicaCount; chartdata/cert-manager/values.yaml:765"),
  pods("cert-manager", ns, "Deployment", "cert-manager-cainjector", containerRequest(v.cainjector ?? {}), orDefault(v.cainjector?.replicaCount, 1), "values cainjector.replicaCount; chartdata/cert-manager/values.yaml:1192"),
];

/**
 * kube-prometheus-stack. The config reloader beside Prometheus and Alertmanager requests nothing:
 * with `prometheusOperator.prometheusConfigReloader.resources` empty the chart passes
 * `--config-reloader-cpu-request=0` and `--config-reloader-memory-request=0`
 * (templates/prometheus-operator/deployment.yaml 101-104 @ kube-prometheus-stack-88.5.3), and 0
 * means no request (prometheus-operator v0.93.0 cmd/operator/main.go 161-163). Grafana's sidecars
 * request nothing (`sidecar.resources: {}`, chartdata/kube-prometheus-stack/charts/grafana/values.yaml:1048).
 * Replica defaults: the operator's Deployment has 1 (templates/prometheus-operator/deployment.yaml 19),
 * Grafana `replicas: 1` (charts/grafana/values.yaml:51), kube-state-metrics `replicas: 1`
 * (charts/kube-state-metrics/values.yaml:43); Prometheus and Alertmanager: the program always sets them.
 */
const kubePrometheusStack: ChartPods = (v, ns) => {
  const spec = (x: Values | undefined) => x ?? {};
  const prometheus = spec(v.prometheus?.prometheusSpec);
  const alertmanager = spec(v.alertmanager?.alertmanagerSpec);
  const chart = "kube-prometheus-stack";
  return [
    pods(chart, ns, "StatefulSet", "prometheus-monitoring", containerRequest(prometheus), orDefault(prometheus.replicas, 1), "values prometheus.prometheusSpec.replicas, resources"),
    pods(chart, ns, "StatefulSet", "alertmanager-monitoring", containerRequest(alertmanager), orDefault(alertmanager.replicas, 1), "values alertmanager.alertmanagerSpec.replicas, resources"),
    pods(chart, ns, "Deployment", "monitoring-grafana", podRequest([spec(v.grafana)]), orDefault(v.grafana?.replicas, 1), "values grafana.resources; charts/grafana/values.yaml:51,1048"),
    pods(chart, ns, "Deployment", "monitoring-operator", containerRequest(spec(v.prometheusOperator)), 1, "values prometheusOperator.resources; templates/prometheus-operator/deployment.yaml:19"),
    pods(chart, ns, "Deployment", "monitoring-kube-state-metrics", containerRequest(spec(v["kube-state-metrics"])), orDefault(v["kube-state-metrics"]?.replicas, 1), "values kube-state-metrics.resources; charts/kube-state-metrics/values.yaml:43"),
    pods(chart, ns, "DaemonSet", "monitoring-prometheus-node-exporter", containerRequest(spec(v["prometheus-node-exporter"])), 1, "values prometheus-node-exporter.resources"),
  ];
};

/** metrics-server: one Deployment; `replicas` defaults to 1 (chartdata/metrics-server/values.yaml:78). */
const metricsServer: ChartPods = (v, ns) => [
  pods("metrics-server", ns, "Deployment", "metrics-server", containerRequest(v), orDefault(v.replicas, 1), "values replicas, resources; chartdata/metrics-server/values.yaml:78"),
];

/**
 * Karpenter: one Deployment, its controller sized by `controller.resources` (none by default) and
 * `replicas` defaulting to 2 (chartdata/karpenter/values.yaml:49 and 145, release-v1.14.1). It
 * runs on the managed node group: its required node affinity keeps it off the nodes it launches.
 */
const karpenter: ChartPods = (v, ns) => [
  pods("karpenter", ns, "Deployment", "karpenter", containerRequest(v.controller ?? {}), orDefault(v.replicas, 2), "values replicas, controller.resources; chartdata/karpenter/values.yaml:49,145"),
];

/** AWS Load Balancer Controller: one Deployment; `replicaCount` defaults to 2 (chartdata/aws-load-balancer-controller/values.yaml:5). */
const awsLoadBalancerController: ChartPods = (v, ns) => [
  pods(
    "aws-load-balancer-controller",
    ns,
    "Deployment",
    "aws-load-balancer-controller",
    containerRequest(v),
    orDefault(v.replicaCount, 2),
    "values replicaCount, resources; chartdata/aws-load-balancer-controller/values.yaml:5,62",
  ),
];

/**
 * vault: the server StatefulSet, `server.ha.replicas` servers (3 by default, chartdata/vault/values.yaml:954)
 * sized by `server.resources` (none by default, values.yaml:439); the injector and CSI provider are off.
 */
const vault: ChartPods = (v, ns) => [
  pods("vault", ns, "StatefulSet", "vault", containerRequest(v.server ?? {}), orDefault(v.server?.ha?.replicas, 3), "values server.ha.replicas, server.resources; chartdata/vault/values.yaml:439,954"),
];

/**
 * external-secrets: controller, webhook, cert controller; each `replicaCount` defaults to 1
 * (chartdata/external-secrets/values.yaml:36, 500, 767).
 */
const externalSecrets: ChartPods = (v, ns) => {
  const chart = "external-secrets";
  return [
    pods(chart, ns, "Deployment", "external-secrets", containerRequest(v), orDefault(v.replicaCount, 1), "values replicaCount; chartdata/external-secrets/values.yaml:36"),
    pods(chart, ns, "Deployment", "external-secrets-webhook", containerRequest(v.webhook ?? {}), orDefault(v.webhook?.replicaCount, 1), "values webhook.replicaCount; chartdata/external-secrets/values.yaml:500"),
    pods(chart, ns, "Deployment", "external-secrets-cert-controller", containerRequest(v.certController ?? {}), orDefault(v.certController?.replicaCount, 1), "values certController.replicaCount; chartdata/external-secrets/values.yaml:767"),
  ];
};

/** reloader: one Deployment; `reloader.deployment.replicas` defaults to 1 (chartdata/reloader/values.yaml:85). */
const reloader: ChartPods = (v, ns) => [
  pods("reloader", ns, "Deployment", "reloader", containerRequest(v.reloader?.deployment ?? {}), orDefault(v.reloader?.deployment?.replicas, 1), "values reloader.deployment.replicas; chartdata/reloader/values.yaml:85"),
];

/** The charts the plan can size, by chart name (the Chart resource's `chart` input). */
export const CHART_CAPACITY: Readonly<Record<string, ChartPods>> = {
  traefik,
  "cert-manager": certManager,
  "kube-prometheus-stack": kubePrometheusStack,
  "metrics-server": metricsServer,
  karpenter,
  "aws-load-balancer-controller": awsLoadBalancerController,
  vault,
  "external-secrets": externalSecrets,
  reloader,
};
