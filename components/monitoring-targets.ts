/**
 * What Prometheus scrapes besides the chart's own targets: every catalog service and the
 * platform's shared components, as ServiceMonitors (or a PodMonitor where no Service exposes the
 * metrics port). Derived from the catalog: a new service row gets its monitor.
 */
import type * as pulumi from "@pulumi/pulumi";
import { KUBE_SYSTEM, NAMESPACES, PORT_NAMES, ServiceSpec, WORKLOAD_LABELS, serviceLabels } from "../catalog";

export type MonitorKind = "ServiceMonitor" | "PodMonitor";

export interface ScrapeTarget {
  /** Name of the monitor, unique in the monitoring namespace. */
  readonly name: string;
  readonly kind: MonitorKind;
  /** Namespace of the scraped Services or pods. */
  readonly namespace: string;
  /** Labels of the scraped Services (ServiceMonitor) or pods (PodMonitor). */
  readonly selector: Readonly<Record<string, string>>;
  /** Name of the port serving metrics, on the Service or the container. */
  readonly port: string;
  /** Value of the `job` label. @default the Service's name (ServiceMonitor), `namespace/monitor` (PodMonitor) */
  readonly job?: string;
}

/** The platform components outside the catalog, with the names their charts and add-ons give them. */
export const PLATFORM_TARGETS: readonly ScrapeTarget[] = [
  {
    // The RabbitMQ client Service serves the Prometheus plugin on `prometheus` (15692); every node
    // behind it is scraped, which the quorum alert counts.
    name: "rabbitmq-cluster",
    kind: "ServiceMonitor",
    namespace: NAMESPACES.messaging.name,
    selector: WORKLOAD_LABELS.rabbitmq(),
    port: "prometheus",
  },
  {
    // Scraped per pod: each replica counts its own requests, and no Service hides which one.
    name: "traefik",
    kind: "PodMonitor",
    namespace: NAMESPACES.traefik.name,
    selector: { "app.kubernetes.io/name": "traefik" },
    port: "metrics",
    job: "traefik",
  },
  {
    // The cert-manager chart's controller Service; the webhook's carries `app.kubernetes.io/name: webhook`.
    name: "cert-manager",
    kind: "ServiceMonitor",
    namespace: NAMESPACES.certManager.name,
    selector: { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "controller" },
    port: "tcp-prometheus-servicemonitor",
  },
  {
    // The EKS CoreDNS add-on's `kube-dns` Service names port 9153 `metrics`; `job="coredns"` is
    // what the chart's CoreDNS dashboard and rules query.
    name: "coredns",
    kind: "ServiceMonitor",
    namespace: KUBE_SYSTEM,
    selector: { "k8s-app": "kube-dns" },
    port: "metrics",
    job: "coredns",
  },
];

/** One ServiceMonitor per catalog service on its Service's `metrics` port, then the platform's targets. */
export function scrapeTargets(services: readonly ServiceSpec[]): ScrapeTarget[] {
  const targets: ScrapeTarget[] = [
    ...services.map(
      (s): ScrapeTarget => ({
        name: s.name,
        kind: "ServiceMonitor",
        namespace: NAMESPACES.app.name,
        selector: serviceLabels(s),
        port: PORT_NAMES.metrics,
      }),
    ),
    ...PLATFORM_TARGETS,
  ];
  const names = targets.map((t) => t.name);
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash) throw new Error(`two monitors would be named '${clash}': rename the catalog service`);
  return targets;
}

/** A monitoring.coreos.com custom resource, as given to `k8s.apiextensions.CustomResource`. */
export interface OperatorResource {
  readonly apiVersion: "monitoring.coreos.com/v1";
  readonly kind: string;
  readonly metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> };
  readonly spec: Record<string, any>;
}

/** Labels of the custom resources the platform adds next to the chart's. */
export const PLATFORM_MONITORING_LABELS = { "app.kubernetes.io/part-of": "ecommerce-monitoring" } as const;

/** Scrape settings shared by every monitor. */
export const SCRAPE = { interval: "30s", scrapeTimeout: "10s", path: "/metrics" } as const;

/** The custom resource of a target, placed in `namespace` (the monitoring namespace). */
export function monitorManifest(t: ScrapeTarget, namespace: pulumi.Input<string>): OperatorResource {
  const endpoint: Record<string, unknown> = {
    port: t.port,
    path: SCRAPE.path,
    interval: SCRAPE.interval,
    scrapeTimeout: SCRAPE.scrapeTimeout,
    ...(t.job ? { relabelings: [{ action: "replace", targetLabel: "job", replacement: t.job }] } : {}),
  };
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: t.kind,
    metadata: { name: t.name, namespace, labels: { ...PLATFORM_MONITORING_LABELS } },
    spec: {
      namespaceSelector: { matchNames: [t.namespace] },
      selector: { matchLabels: { ...t.selector } },
      ...(t.kind === "ServiceMonitor" ? { endpoints: [endpoint] } : { podMetricsEndpoints: [endpoint] }),
    },
  };
}
