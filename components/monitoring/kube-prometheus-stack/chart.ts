/**
 * kube-prometheus-stack: the pinned chart, its release and namespace, the names and labels of
 * what it creates (other tiers select on them), its CRD group and the values the platform installs
 * it with (./values.ts builds them), and the pods it runs (its own, its sub-charts' and the
 * operator's). A version bump is an edit here plus `chartdata/kube-prometheus-stack/`.
 */
import { NAMESPACES } from "../../../catalog";
import { ChartModule, ChartPod, HELM_MANAGED_BY, UpstreamFile } from "../../../lib/helm";
import { StackNames, StackValuesInputs, kubePrometheusStackValues } from "./values";

export const KUBE_PROMETHEUS_STACK_CHART = {
  chart: "kube-prometheus-stack",
  version: "88.5.3",
  repo: "https://prometheus-community.github.io/helm-charts",
} as const;
const SOURCE = {
  repo: "prometheus-community/helm-charts",
  tag: "kube-prometheus-stack-88.5.3",
  path: "charts/kube-prometheus-stack",
} as const;

/** API group of the operator's resources, whose CRDs the chart installs (`charts/crds/crds/`). */
export const MONITORING_API_GROUP = "monitoring.coreos.com";
export const MONITORING_API_VERSION = `${MONITORING_API_GROUP}/v1` as const;

/**
 * Helm release name, also the chart's `fullnameOverride`: every object the chart creates is
 * named from it, so the names below do not depend on the Pulumi resource name.
 */
export const RELEASE = "monitoring";

export const PROMETHEUS_PORT = 9090;
export const GRAFANA_PORT = 3000;
export const ALERTMANAGER_PORT = 9093;

/** Services in the monitoring namespace. */
export const MONITORING_SERVICES = {
  /** The seed's name for Prometheus, created by the platform in front of the Prometheus pods. */
  prometheus: "prometheus",
  /** The chart's own Prometheus Service (same pods, same port); Grafana's data source uses it. */
  chartPrometheus: `${RELEASE}-prometheus`,
  alertmanager: `${RELEASE}-alertmanager`,
  grafana: `${RELEASE}-grafana`,
} as const;

/** Secret holding Grafana's admin login, and its keys (the chart's defaults). */
export const GRAFANA_ADMIN_SECRET = { name: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" } as const;

/** Label that makes Grafana's sidecar load a ConfigMap as a dashboard. */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

/** Whether Grafana gets the chart's Alertmanager data source (the policies follow this). */
export const GRAFANA_ALERTMANAGER_DATASOURCE = true;

/** UID of the Prometheus data source the chart provisions in Grafana; dashboards refer to it. */
export const PROMETHEUS_DATASOURCE_UID = "prometheus";

/**
 * The labels NetworkPolicies select the monitoring workloads by, each a subset of its pod row's
 * below. Prometheus and Alertmanager pods are labelled by the operator after their custom
 * resource (named `RELEASE` thanks to `cleanPrometheusOperatorObjectNames`); the others by their
 * charts' selectors.
 */
export const MONITORING_POD_LABELS = {
  prometheus: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": RELEASE },
  alertmanager: { "app.kubernetes.io/name": "alertmanager", alertmanager: RELEASE },
  grafana: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": RELEASE },
  operator: { app: "kube-prometheus-stack-operator", release: RELEASE },
  kubeStateMetrics: { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": RELEASE },
  nodeExporter: { "app.kubernetes.io/name": "prometheus-node-exporter", "app.kubernetes.io/instance": RELEASE },
} as const;

// Where the pod rows were read: the chart and the sub-charts it bundles at the versions its
// Chart.yaml pins, and the operator of its `appVersion` (v0.93.1, not in the stored copy: read at
// v0.93.0, whose cited files equal those of the release-0.93 branch). On a version bump, re-read
// each file cited at the new tags first.
const READ_AT = "88.5.3";
const SUBCHARTS = {
  grafana: { version: "12.11.1", repo: "grafana-community/helm-charts" },
  "kube-state-metrics": { version: "8.4.0", repo: SOURCE.repo },
  "prometheus-node-exporter": { version: "4.56.1", repo: SOURCE.repo },
} as const;
type Subchart = keyof typeof SUBCHARTS;
const OPERATOR_AT = "v0.93.0";
const kps = (path: string, lines: string): UpstreamFile => ({ repo: SOURCE.repo, tag: `${KUBE_PROMETHEUS_STACK_CHART.chart}-${READ_AT}`, path: `${SOURCE.path}/${path}`, lines });
const operator = (path: string, lines: string): UpstreamFile => ({ repo: "prometheus-operator/prometheus-operator", tag: OPERATOR_AT, path, lines });
const sub = (chart: Subchart, path: string, lines: string): UpstreamFile => ({ repo: SUBCHARTS[chart].repo, tag: `${chart}-${SUBCHARTS[chart].version}`, path: `charts/${chart}/${path}`, lines });
const ownPods = (...files: UpstreamFile[]) => ({ chart: KUBE_PROMETHEUS_STACK_CHART.chart, version: READ_AT, files });
const subchartPods = (chart: Subchart, ...files: UpstreamFile[]) => ({ chart, version: SUBCHARTS[chart].version, files });
const tcp = (name: string, containerPort: number) => ({ name, containerPort, protocol: "TCP" as const });

/** The config reloader the operator runs beside Prometheus and Alertmanager, unless `listenLocal`. */
const RELOADER = { port: tcp("reloader-web", 8080), source: operator("pkg/operator/config_reloader.go", "29-31 226-283") };
/** Labels the operator gives every pod it runs (`pkg/operator/kubernetes.go` 26-38). */
const OPERATED = { "app.kubernetes.io/managed-by": "prometheus-operator", "app.kubernetes.io/instance": RELEASE };
/** The labels kube-state-metrics and node-exporter share (`templates/_helpers.tpl`, `releaseLabel: true` in the parent's values). */
const exporterLabels = (name: string) => ({ ...HELM_MANAGED_BY, "app.kubernetes.io/component": "metrics", "app.kubernetes.io/part-of": name, release: RELEASE });

const PODS: readonly ChartPod[] = [
  {
    name: "prometheus-{release}",
    kind: "StatefulSet",
    labels: { ...MONITORING_POD_LABELS.prometheus, ...OPERATED, prometheus: RELEASE, "operator.prometheus.io/shard": "0" },
    ports: [tcp("http-web", PROMETHEUS_PORT), RELOADER.port],
    hostNetwork: false,
    purpose: "scrapes metrics",
    source: ownPods(
      kps("templates/prometheus/prometheus.yaml", "10 101 312-315 425 542"),
      kps("values.yaml", "4299 4619 4892 5011"),
      operator("pkg/prometheus/server/operator.go", "61 1696-1704"),
      operator("pkg/prometheus/server/statefulset.go", "218-229 338"),
      operator("pkg/prometheus/common.go", "449-461"),
      RELOADER.source,
    ),
  },
  {
    name: "alertmanager-{release}",
    kind: "StatefulSet",
    labels: { ...MONITORING_POD_LABELS.alertmanager, ...OPERATED },
    ports: [tcp("http-web", ALERTMANAGER_PORT), tcp("mesh-tcp", 9094), { name: "mesh-udp", containerPort: 9094, protocol: "UDP" }, RELOADER.port],
    hostNetwork: false,
    purpose: "routes alerts; replicas gossip on 9094",
    source: ownPods(
      kps("templates/alertmanager/alertmanager.yaml", "5 36 123-126 187 216"),
      kps("values.yaml", "1011 1240 1245 1287"),
      operator("pkg/alertmanager/operator.go", "62 796-803"),
      operator("pkg/alertmanager/statefulset.go", "399-411 435-455 745-768"),
      RELOADER.source,
    ),
  },
  {
    name: "{release}-grafana",
    kind: "Deployment",
    labels: MONITORING_POD_LABELS.grafana,
    ports: [tcp("grafana", GRAFANA_PORT), tcp("gossip-tcp", 9094), { name: "gossip-udp", containerPort: 9094, protocol: "UDP" }, tcp("profiling", 6060)],
    hostNetwork: false,
    purpose: "dashboards over Prometheus",
    source: subchartPods(
      "grafana",
      sub("grafana", "templates/_helpers.tpl", "5-7 67-84"),
      sub("grafana", "templates/deployment.yaml", "33-38"),
      sub("grafana", "templates/_pod.tpl", "1-30 1402-1415"),
      sub("grafana", "values.yaml", "202 242-243 262"),
    ),
  },
  {
    name: "{release}-operator",
    kind: "Deployment",
    labels: {
      ...MONITORING_POD_LABELS.operator,
      ...HELM_MANAGED_BY,
      "app.kubernetes.io/instance": RELEASE,
      "app.kubernetes.io/part-of": KUBE_PROMETHEUS_STACK_CHART.chart,
      heritage: HELM_MANAGED_BY["app.kubernetes.io/managed-by"],
      "app.kubernetes.io/name": `${KUBE_PROMETHEUS_STACK_CHART.chart}-prometheus-operator`,
      "app.kubernetes.io/component": "prometheus-operator",
    },
    // `prometheusOperator.tls.enabled` is false: plain HTTP on 8080.
    ports: [tcp("http", 8080)],
    hostNetwork: false,
    purpose: "turns monitors and rules into Prometheus configuration through the API server",
    source: ownPods(
      kps("templates/_helpers.tpl", "3-5 76-87"),
      kps("templates/prometheus-operator/_prometheus-operator.tpl", "2-7"),
      kps("templates/prometheus-operator/deployment.yaml", "31-35 163-171 237-238"),
      kps("values.yaml", "3312 3429"),
    ),
  },
  {
    name: "{release}-kube-state-metrics",
    kind: "Deployment",
    labels: { ...MONITORING_POD_LABELS.kubeStateMetrics, ...exporterLabels("kube-state-metrics") },
    // No kube-rbac-proxy: the metrics port (`service.port`) and the self-metrics port (`selfMonitor.telemetryPort`, 8081 unset).
    ports: [tcp("http", 8080), tcp("metrics", 8081)],
    hostNetwork: false,
    purpose: "exposes the API server's objects as metrics",
    source: subchartPods(
      "kube-state-metrics",
      sub("kube-state-metrics", "templates/_helpers.tpl", "5-7 59-86"),
      sub("kube-state-metrics", "templates/deployment.yaml", "35-39 46 66-67 169-175"),
      sub("kube-state-metrics", "values.yaml", "64 86 88 140 530-533"),
      kps("values.yaml", "2684-2686"),
    ),
  },
  {
    name: "{release}-prometheus-node-exporter",
    kind: "DaemonSet",
    labels: { ...MONITORING_POD_LABELS.nodeExporter, ...exporterLabels("prometheus-node-exporter"), jobLabel: "node-exporter" },
    // `service.portName` is the parent's `http-metrics`; `service.port` the sub-chart's 9100.
    ports: [tcp("http-metrics", 9100)],
    hostNetwork: true,
    purpose: "node metrics, on the node's own network",
    source: subchartPods(
      "prometheus-node-exporter",
      sub("prometheus-node-exporter", "templates/_helpers.tpl", "5-7 37-60"),
      sub("prometheus-node-exporter", "templates/daemonset.yaml", "27-31 135-140 315"),
      sub("prometheus-node-exporter", "values.yaml", "43 131 139 382 434 443"),
      kps("values.yaml", "2727-2738"),
    ),
  },
];

const NAMES: StackNames = {
  release: RELEASE,
  grafanaPort: GRAFANA_PORT,
  grafanaAdminSecret: GRAFANA_ADMIN_SECRET,
  dashboardLabel: GRAFANA_DASHBOARD_LABEL,
  prometheusDatasourceUid: PROMETHEUS_DATASOURCE_UID,
  grafanaAlertmanagerDatasource: GRAFANA_ALERTMANAGER_DATASOURCE,
};

export const KUBE_PROMETHEUS_STACK: ChartModule<StackValuesInputs> = {
  pin: KUBE_PROMETHEUS_STACK_CHART,
  source: SOURCE,
  release: RELEASE,
  namespace: NAMESPACES.monitoring.name,
  pods: PODS,
  crdGroups: [MONITORING_API_GROUP],
  chartdata: ["kube-prometheus-stack", "kube-prometheus-stack/crds", "kube-prometheus-stack/rules-1.14"],
  values: (inputs) => kubePrometheusStackValues(inputs, NAMES),
};
