/**
 * Grafana dashboards for the platform's golden signals, generated from the catalog and loaded by
 * Grafana's sidecar from labelled ConfigMaps.
 *
 * The services are expected to expose the usual HTTP metrics of Prometheus client libraries:
 * `http_requests_total` with a `status` label (HTTP code) and the histogram
 * `http_request_duration_seconds`. MySQL runs without an exporter, so "MySQL up" is the
 * StatefulSet's ready replicas from kube-state-metrics.
 */
import { DATASTORES, NAMESPACES, ServiceSpec, databaseName, databaseOwners } from "../../catalog";
import { PROMETHEUS_DATASOURCE_UID } from "./kube-prometheus-stack/chart";
import { scalingDashboard } from "./scaling-dashboard";

/** Metric names the service dashboards query. */
export const HTTP_METRICS = {
  requests: "http_requests_total",
  statusLabel: "status",
  durationBucket: "http_request_duration_seconds_bucket",
} as const;

export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
}

export interface Panel {
  readonly title: string;
  readonly type: "timeseries" | "stat";
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly Panel[];
  /** A multi-value `service` variable listing these names, when the dashboard has one. */
  readonly serviceVariable?: readonly string[];
}

function goldenSignals(services: readonly ServiceSpec[]): Dashboard {
  const sel = `namespace="${NAMESPACES.app.name}", service=~"$service"`;
  const { requests, statusLabel, durationBucket } = HTTP_METRICS;
  const rate = (extra = "") => `sum by (service) (rate(${requests}{${sel}${extra}}[5m]))`;
  const quantile = (q: number) =>
    `histogram_quantile(${q}, sum by (service, le) (rate(${durationBucket}{${sel}}[5m])))`;
  return {
    uid: "ecommerce-golden-signals",
    title: "E-commerce / Service golden signals",
    serviceVariable: services.map((s) => s.name),
    panels: [
      { title: "Request rate", type: "timeseries", unit: "reqps", queries: [{ expr: rate(), legend: "{{service}}" }] },
      {
        title: "Error ratio (5xx)",
        type: "timeseries",
        unit: "percentunit",
        queries: [{ expr: `${rate(`, ${statusLabel}=~"5.."`)} / ${rate()}`, legend: "{{service}}" }],
      },
      {
        title: "Latency",
        type: "timeseries",
        unit: "s",
        queries: [
          { expr: quantile(0.5), legend: "p50 {{service}}" },
          { expr: quantile(0.95), legend: "p95 {{service}}" },
          { expr: quantile(0.99), legend: "p99 {{service}}" },
        ],
      },
      {
        title: "Ready replicas",
        type: "timeseries",
        unit: "short",
        queries: [
          {
            expr: `sum by (deployment) (kube_deployment_status_replicas_available{namespace="${NAMESPACES.app.name}", deployment=~"$service"})`,
            legend: "{{deployment}}",
          },
        ],
      },
      {
        title: "Scrape targets up",
        type: "timeseries",
        unit: "short",
        queries: [{ expr: `sum by (service) (up{${sel}})`, legend: "{{service}}" }],
      },
    ],
  };
}

/** A time series of sums over the selection, one line per metric (per-second rates for counters). */
function sums(title: string, sel: string, lines: [metric: string, legend: string][], rate = false): Panel {
  const of = (m: string) => (rate ? `sum(rate(${m}{${sel}}[5m]))` : `sum(${m}{${sel}})`);
  return { title, type: "timeseries", unit: "short", queries: lines.map(([m, legend]) => ({ expr: of(m), legend })) };
}

function rabbitmq(): Dashboard {
  // The job of a ServiceMonitor's targets is its Service's name: the instance's (targets.ts).
  const broker = DATASTORES.rabbitmq;
  const sel = `namespace="${broker.namespace}", job="${broker.instanceName}"`;
  return {
    uid: "ecommerce-rabbitmq",
    title: "E-commerce / RabbitMQ",
    panels: [
      { title: "Nodes up", type: "stat", unit: "short", queries: [{ expr: `count(up{${sel}} == 1)`, legend: "nodes" }] },
      sums("Messages in queues", sel, [
        ["rabbitmq_queue_messages_ready", "ready"],
        ["rabbitmq_queue_messages_unacked", "unacknowledged"],
      ]),
      sums(
        "Message rates",
        sel,
        [
          ["rabbitmq_global_messages_received_total", "published"],
          ["rabbitmq_global_messages_delivered_total", "delivered"],
        ],
        true,
      ),
      sums("Connections and consumers", sel, [
        ["rabbitmq_connections", "connections"],
        ["rabbitmq_consumers", "consumers"],
      ]),
    ],
  };
}

function mysql(services: readonly ServiceSpec[]): Dashboard {
  const ns = NAMESPACES.app.name;
  const names = databaseOwners(services).map((s) => databaseName(s.name));
  const sets = `namespace="${ns}", statefulset=~"${names.join("|")}"`;
  const claims = `namespace="${ns}", persistentvolumeclaim=~"(.+-)?(${names.join("|")})(-.+)?"`;
  return {
    uid: "ecommerce-mysql",
    title: "E-commerce / MySQL",
    panels: [
      {
        title: "MySQL up (ready replicas)",
        type: "stat",
        unit: "short",
        queries: [{ expr: `max by (statefulset) (kube_statefulset_status_replicas_ready{${sets}})`, legend: "{{statefulset}}" }],
      },
      {
        title: "Volume usage",
        type: "timeseries",
        unit: "percentunit",
        queries: [
          {
            expr: `max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes{${claims}} / kubelet_volume_stats_capacity_bytes{${claims}})`,
            legend: "{{persistentvolumeclaim}}",
          },
        ],
      },
      {
        title: "Container restarts (1h)",
        type: "timeseries",
        unit: "short",
        queries: [
          {
            expr: `sum by (pod) (increase(kube_pod_container_status_restarts_total{namespace="${ns}", pod=~"(${names.join("|")})-[0-9]+"}[1h]))`,
            legend: "{{pod}}",
          },
        ],
      },
    ],
  };
}

/** The platform's dashboards. */
export function platformDashboards(services: readonly ServiceSpec[]): Dashboard[] {
  return [goldenSignals(services), rabbitmq(), mysql(services), scalingDashboard(services)];
}

/** Grafana's JSON model of a dashboard: panels two per row, the Prometheus data source by UID. */
export function grafanaJson(d: Dashboard): Record<string, unknown> {
  const datasource = { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID };
  const panels = d.panels.map((p, i) => ({
    id: i + 1,
    title: p.title,
    type: p.type,
    datasource,
    gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    targets: p.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: q.expr, legendFormat: q.legend })),
  }));
  const templating = d.serviceVariable
    ? [
        {
          name: "service",
          label: "Service",
          type: "custom",
          multi: true,
          includeAll: true,
          allValue: d.serviceVariable.join("|"),
          query: d.serviceVariable.join(","),
          current: { text: "All", value: "$__all" },
          options: d.serviceVariable.map((v) => ({ text: v, value: v, selected: false })),
        },
      ]
    : [];
  return {
    uid: d.uid,
    title: d.title,
    tags: ["ecommerce"],
    timezone: "utc",
    schemaVersion: 39,
    editable: false,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    templating: { list: templating },
    panels,
  };
}
