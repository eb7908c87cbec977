/**
 * Pods that Helm charts create. Under the mock engine a `helm.v4.Chart` is one opaque resource:
 * its Deployments and DaemonSets are not in the render, yet policies must let them talk. This
 * table states, per chart, the pods it runs: the labels policies select on and the container
 * ports. The analyzer adds a row's pods only when a release of that chart is in the render.
 *
 * The tier that installs a chart owns its rows: when its values change a label or a port, it
 * updates the row in the same change (or derives the row from its own constants, as monitoring
 * does). Other rows hold the chart's defaults at the pinned versions.
 */
import { ACME_HTTP01_SOLVER, CERT_MANAGER_WEBHOOK_PORT } from "./ingress/cert-manager/cert-manager";
import { KUBE_PROMETHEUS_STACK, MONITORING_POD_LABELS } from "./monitoring/kube-prometheus-stack/values";
import { ENTRYPOINTS, TRAEFIK_CHART, TRAEFIK_METRICS, TRAEFIK_POD_LABELS } from "./ingress/traefik/values";
import type { Protocol } from "../lib/network-policy";

/** A container port of a chart's pod. */
export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

export interface ChartWorkload {
  /** Chart name, as the Chart resource's `chart` input ends (`traefik`, `oci://.../traefik`). */
  readonly chart: string;
  /** Workload name in the matrix; `{release}` is replaced by the release's name. */
  readonly name: string;
  readonly kind: "Deployment" | "StatefulSet" | "DaemonSet" | "Pod";
  /** Pod labels; `{release}` and `{namespace}` are replaced by the release's name and namespace. */
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly ContainerPort[];
  /** The pods use the node's network (policies cannot select them). */
  readonly hostNetwork?: boolean;
  /**
   * Pods that run beside other objects rather than in the release's namespace: one workload in
   * each namespace holding an object of `kind` with an annotation starting with `annotationPrefix`.
   */
  readonly beside?: { readonly kind: string; readonly annotationPrefix: string };
  /** What the pods do, for readers of the matrix. */
  readonly purpose: string;
}

const tcp = (name: string, containerPort: number): ContainerPort => ({ name, containerPort, protocol: "TCP" });

/** cert-manager's chart labels the pods of each of its components alike. */
const certManagerLabels = (app: string, component: string): Record<string, string> => ({
  app,
  "app.kubernetes.io/name": app,
  "app.kubernetes.io/instance": "{release}",
  "app.kubernetes.io/component": component,
});

export const CHART_WORKLOADS: readonly ChartWorkload[] = [
  // Traefik, with the ingress tier's values (fullname and instance label = release name): labels
  // and entry point ports come from the tier's own constants.
  {
    chart: TRAEFIK_CHART.chart,
    name: "{release}",
    kind: "Deployment",
    labels: TRAEFIK_POD_LABELS,
    ports: [
      tcp(TRAEFIK_METRICS.portName, TRAEFIK_METRICS.port),
      tcp("traefik", 8080),
      tcp("web", ENTRYPOINTS.web.port),
      tcp("websecure", ENTRYPOINTS.websecure.port),
    ],
    purpose: "ingress controller behind the load balancer",
  },
  {
    chart: "cert-manager",
    name: "{release}",
    kind: "Deployment",
    labels: certManagerLabels("cert-manager", "controller"),
    ports: [tcp("http-metrics", 9402), tcp("http-healthz", 9403)],
    purpose: "issues certificates (ACME, API server)",
  },
  {
    chart: "cert-manager",
    name: "{release}-webhook",
    kind: "Deployment",
    labels: certManagerLabels("webhook", "webhook"),
    ports: [tcp("https", CERT_MANAGER_WEBHOOK_PORT), tcp("healthcheck", 6080), tcp("http-metrics", 9402)],
    purpose: "admission webhook the API server calls",
  },
  {
    chart: "cert-manager",
    name: "{release}-cainjector",
    kind: "Deployment",
    labels: certManagerLabels("cainjector", "cainjector"),
    ports: [tcp("http-metrics", 9402)],
    purpose: "injects CA bundles through the API server",
  },
  {
    chart: "cert-manager",
    name: "cm-acme-http-solver",
    kind: "Pod",
    labels: ACME_HTTP01_SOLVER.labels,
    ports: [tcp("http", ACME_HTTP01_SOLVER.port)],
    beside: { kind: "Ingress", annotationPrefix: "cert-manager.io/" },
    purpose: "answers ACME HTTP-01 challenges, reached through Traefik",
  },
  // kube-prometheus-stack, with the monitoring tier's values (fullnameOverride = release name,
  // operator TLS off): labels come from the tier's own table.
  {
    chart: KUBE_PROMETHEUS_STACK.chart,
    name: "prometheus-{release}",
    kind: "StatefulSet",
    labels: MONITORING_POD_LABELS.prometheus,
    ports: [tcp("http-web", 9090), tcp("reloader-web", 8080)],
    purpose: "scrapes metrics",
  },
  {
    chart: KUBE_PROMETHEUS_STACK.chart,
    name: "alertmanager-{release}",
    kind: "StatefulSet",
    labels: MONITORING_POD_LABELS.alertmanager,
    ports: [tcp("http-web", 9093), tcp("mesh-tcp", 9094), { name: "mesh-udp", containerPort: 9094, protocol: "UDP" }],
    purpose: "routes alerts; replicas gossip on 9094",
  },
  {
    chart: KUBE_PROMETHEUS_STACK.chart,
    name: "{release}-grafana",
    kind: "Deployment",
    labels: MONITORING_POD_LABELS.grafana,
    ports: [tcp("grafana", 3000)],
    purpose: "dashboards over Prometheus",
  },
  {
    chart: KUBE_PROMETHEUS_STACK.chart,
    name: "{release}-operator",
    kind: "Deployment",
    labels: MONITORING_POD_LABELS.operator,
    ports: [tcp("http", 8080)],
    purpose: "turns monitors and rules into Prometheus configuration through the API server",
  },
  {
    chart: KUBE_PROMETHEUS_STACK.chart,
    name: "{release}-kube-state-metrics",
    kind: "Deployment",
    labels: MONITORING_POD_LABELS.kubeStateMetrics,
    ports: [tcp("http", 8080)],
    purpose: "exposes the API server's objects as metrics",
  },
  {
    chart: KUBE_PROMETHEUS_STACK.chart,
    name: "{release}-prometheus-node-exporter",
    kind: "DaemonSet",
    labels: MONITORING_POD_LABELS.nodeExporter,
    ports: [tcp("http-metrics", 9100)],
    hostNetwork: true,
    purpose: "node metrics, on the node's own network",
  },
];
