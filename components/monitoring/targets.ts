/**
 * What Prometheus scrapes besides the chart's own targets: every catalog service and the
 * platform's shared components, as ServiceMonitors (or a PodMonitor where no Service exposes the
 * metrics port). Derived from the catalog: a new service row gets its monitor.
 */
import type * as pulumi from "@pulumi/pulumi";
import { DATASTORE_KINDS, KUBE_SYSTEM, NAMESPACES, PORT_NAMES, SecretsBackend, ServiceSpec, datastoreInstances, datastoreRow, serviceLabels } from "../../catalog";
import { EXTERNAL_SECRETS, EXTERNAL_SECRETS_METRICS, externalSecretsPodLabels } from "../secrets/external-secrets/chart";
import { CERT_MANAGER, CERT_MANAGER_METRICS } from "../ingress/cert-manager/chart";
import { COREDNS_METRICS_PORT, COREDNS_POD_LABELS } from "../foundation/cluster-addons";
import { KARPENTER, KARPENTER_METRICS } from "../foundation/karpenter/chart";
import {
  AWS_LOAD_BALANCER_CONTROLLER,
  AWS_LOAD_BALANCER_CONTROLLER_METRICS,
  AWS_LOAD_BALANCER_CONTROLLER_POD_LABELS,
} from "../foundation/aws-load-balancer-controller/chart";
import { TRAEFIK, TRAEFIK_METRICS, TRAEFIK_POD_LABELS } from "../ingress/traefik/chart";
import { MONITORING_API_VERSION } from "./kube-prometheus-stack/chart";

export type MonitorKind = "ServiceMonitor" | "PodMonitor";

export interface ScrapeTarget {
  /** Name of the monitor, unique in the monitoring namespace. */
  readonly name: string;
  readonly kind: MonitorKind;
  /** Namespace of the scraped Services or pods. */
  readonly namespace: string;
  /** Labels of the scraped Services (ServiceMonitor) or pods (PodMonitor). */
  readonly selector: Readonly<Record<string, string>>;
  /**
   * The port serving metrics: a name (of the Service's port for a ServiceMonitor, of the
   * container's for a PodMonitor), or a container port number where no name can be relied on.
   */
  readonly port: string | number;
  /** Value of the `job` label. @default the Service's name (ServiceMonitor), `namespace/monitor` (PodMonitor) */
  readonly job?: string;
  /**
   * Keep the exporter's own labels where they clash with the target's: an exporter that
   * describes objects of other namespaces labels them `namespace` itself. @default false
   */
  readonly honorLabels?: boolean;
}

/**
 * Every instance of a datastore kind whose row names a metrics endpoint, by its client Service
 * (named after the instance, labelled like its pods) and that port's name. Every pod behind the
 * Service is scraped: RabbitMQ's quorum alert counts its nodes so.
 */
export function datastoreTargets(services: readonly ServiceSpec[]): ScrapeTarget[] {
  return DATASTORE_KINDS.flatMap((kind) => {
    const metrics = datastoreRow(kind).metrics;
    if (!metrics) return [];
    return datastoreInstances(kind, services).map(
      (i): ScrapeTarget => ({ name: i.name, kind: "ServiceMonitor", namespace: i.namespace, selector: i.labels, port: metrics.portName }),
    );
  });
}

/** The platform components outside the catalog, with the names their charts and add-ons give them. */
export const PLATFORM_TARGETS: readonly ScrapeTarget[] = [
  {
    // Scraped per pod: each replica counts its own requests, and no Service hides which one. The
    // chart names each container port after its `ports` key (the pod row of ../ingress/traefik/chart.ts).
    name: "traefik",
    kind: "PodMonitor",
    namespace: TRAEFIK.namespace,
    selector: { "app.kubernetes.io/name": TRAEFIK_POD_LABELS["app.kubernetes.io/name"] },
    port: TRAEFIK_METRICS.portName,
    job: "traefik",
  },
  {
    // The cert-manager chart's controller Service and its metrics port (CERT_MANAGER_METRICS).
    // cert-manager labels its certificate metrics with the certificate's own `namespace`: with
    // the target's labels winning, it would become `exported_namespace` and every certificate
    // would seem to live in `cert-manager`.
    name: "cert-manager",
    kind: "ServiceMonitor",
    namespace: CERT_MANAGER.namespace,
    selector: CERT_MANAGER_METRICS.serviceLabels,
    port: CERT_MANAGER_METRICS.portName,
    honorLabels: true,
  },
  {
    // CoreDNS pods of the EKS add-on, by their metrics container port (the Corefile's
    // `prometheus :9153`): the add-on's `kube-dns` Service is AWS's, and EKS has shipped it
    // without a 9153 port (aws/containers-roadmap#965, #2177). With `targetPort`, Prometheus also
    // finds pod ports no Service port covers (prometheus v3.14.0
    // `discovery/kubernetes/endpointslice.go`, "For all seen pods, check all container ports").
    // The Service carries its pods' `k8s-app: kube-dns` label. `job="coredns"` is what the
    // chart's CoreDNS dashboard queries.
    name: "coredns",
    kind: "ServiceMonitor",
    namespace: KUBE_SYSTEM,
    selector: COREDNS_POD_LABELS,
    port: COREDNS_METRICS_PORT,
    job: "coredns",
  },
  {
    // Karpenter's metrics Service (aws/karpenter-provider-aws v1.14.1 charts/karpenter/templates/
    // service.yaml: named like the release, port `http-metrics`, labelled with the selector labels
    // among `karpenter.labels`); every replica behind it is scraped. `job="karpenter"` is what
    // the alerts on karpenter_* metrics can select on.
    name: "karpenter",
    kind: "ServiceMonitor",
    namespace: KARPENTER.namespace,
    selector: KARPENTER_METRICS.serviceLabels,
    port: KARPENTER_METRICS.portName,
    job: "karpenter",
  },
  {
    // The AWS Load Balancer Controller's pods, by their metrics container port (`metrics-server`,
    // aws-load-balancer-controller chart 3.5.0 `deployment.yaml` 250-252): the chart has a metrics
    // Service only together with its own ServiceMonitor (`service.yaml` 1-21), which would need
    // the operator's CRD before the chart. Only the leader reconciles; every replica is scraped.
    name: "aws-load-balancer-controller",
    kind: "PodMonitor",
    namespace: AWS_LOAD_BALANCER_CONTROLLER.namespace,
    selector: { ...AWS_LOAD_BALANCER_CONTROLLER_POD_LABELS },
    port: AWS_LOAD_BALANCER_CONTROLLER_METRICS.portName,
    job: "aws-load-balancer-controller",
  },
];

/**
 * The External Secrets Operator's controller (`secretsBackend: vault`), per pod on its container
 * port `metrics` (the chart makes no metrics Service unless asked: `metrics.service.enabled`,
 * external-secrets helm-chart-2.9.0 `values.yaml` 361-363). Its ExternalSecret and SecretStore
 * metrics carry the object's own `namespace` (`pkg/controllers/metrics/labels.go` 49-50): with
 * the target's labels winning it would become `exported_namespace`.
 */
export const EXTERNAL_SECRETS_TARGET: ScrapeTarget = {
  name: "external-secrets",
  kind: "PodMonitor",
  namespace: EXTERNAL_SECRETS.namespace,
  selector: externalSecretsPodLabels("controller"),
  port: EXTERNAL_SECRETS_METRICS.portName,
  job: "external-secrets",
  honorLabels: true,
};

/** One ServiceMonitor per catalog service on its Service's `metrics` port, then the datastores', then the platform's. */
export function scrapeTargets(services: readonly ServiceSpec[], secretsBackend: SecretsBackend): ScrapeTarget[] {
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
    ...datastoreTargets(services),
    ...PLATFORM_TARGETS,
    ...(secretsBackend === "vault" ? [EXTERNAL_SECRETS_TARGET] : []),
  ];
  const names = targets.map((t) => t.name);
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash) throw new Error(`two monitors would be named '${clash}': rename the catalog service`);
  return targets;
}

/** A custom resource of the operator's API group, as given to `k8s.apiextensions.CustomResource`. */
export interface OperatorResource {
  readonly apiVersion: typeof MONITORING_API_VERSION;
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
  // A number is a container port: `targetPort` of a ServiceMonitor endpoint, `portNumber` of a
  // PodMonitor's (prometheus-operator v0.93.0 `pkg/prometheus/promcfg.go` keeps targets whose
  // `__meta_kubernetes_pod_container_port_number` matches).
  const port = typeof t.port === "string" ? { port: t.port } : t.kind === "ServiceMonitor" ? { targetPort: t.port } : { portNumber: t.port };
  const endpoint: Record<string, unknown> = {
    ...port,
    path: SCRAPE.path,
    interval: SCRAPE.interval,
    scrapeTimeout: SCRAPE.scrapeTimeout,
    ...(t.honorLabels ? { honorLabels: true } : {}),
    ...(t.job ? { relabelings: [{ action: "replace", targetLabel: "job", replacement: t.job }] } : {}),
  };
  return {
    apiVersion: MONITORING_API_VERSION,
    kind: t.kind,
    metadata: { name: t.name, namespace, labels: { ...PLATFORM_MONITORING_LABELS } },
    spec: {
      namespaceSelector: { matchNames: [t.namespace] },
      selector: { matchLabels: { ...t.selector } },
      ...(t.kind === "ServiceMonitor" ? { endpoints: [endpoint] } : { podMetricsEndpoints: [endpoint] }),
    },
  };
}
