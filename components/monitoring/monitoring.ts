import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SecretsBackend, ServiceSpec } from "../../catalog";
import { pinnedChart } from "../../lib/helm";
import type { MonitoringSettings } from "../../config";
import type { AlertReceiver } from "../../config/monitoring";
import { RECEIVER_SECRET } from "./alertmanager";
import { Dashboard, grafanaJson, platformDashboards } from "./dashboards";
import { platformRuleGroups, prometheusRuleManifest } from "./rules";
import { PLATFORM_MONITORING_LABELS, monitorManifest, scrapeTargets } from "./targets";
import {
  GRAFANA_ADMIN_SECRET,
  GRAFANA_DASHBOARD_LABEL,
  GRAFANA_PORT,
  KUBE_PROMETHEUS_STACK,
  MONITORING_POD_LABELS,
  MONITORING_SERVICES,
  PROMETHEUS_PORT,
} from "./kube-prometheus-stack/chart";

export interface MonitoringArgs {
  readonly settings: MonitoringSettings;
  /** Namespace of the stack; everything in it waits for it. */
  readonly namespace: k8s.core.v1.Namespace;
  /** The service catalog; each service gets a monitor, an alert and a place on the dashboards. */
  readonly services: readonly ServiceSpec[];
  /** StorageClass of the Prometheus, Alertmanager and Grafana volumes. @default the cluster's default StorageClass */
  readonly storageClassName?: string;
  /** Nodes of the stack's RabbitMQ cluster: the quorum alert fires below a majority of them. */
  readonly rabbitmqNodes: number;
  /** What must exist before the chart's pods can start (nodes, CoreDNS). @default [] */
  readonly waitFor?: pulumi.Resource[];
  /**
   * Grafana's admin Secret synced from Vault (`secretsBackend: vault`), which the chart waits
   * for; undefined: the password is generated here.
   */
  readonly syncedAdminSecret: pulumi.Resource | undefined;
  /** With `vault`, the External Secrets Operator is scraped and alerted on. */
  readonly secretsBackend: SecretsBackend;
}

/**
 * kube-prometheus-stack (Prometheus Operator, Prometheus, Alertmanager, Grafana, kube-state-metrics,
 * node-exporter) with the platform's monitors, alert rules and dashboards. Grafana's admin password
 * is generated and only ever stored in a Secret.
 */
export class Monitoring extends pulumi.ComponentResource {
  readonly chart: k8s.helm.v4.Chart;
  /** Service named as in the seed, port 9090. */
  readonly prometheusService: pulumi.Output<string>;
  readonly grafanaService: string;
  readonly grafanaAdminSecret: pulumi.Output<string>;
  /** How an operator reaches Grafana from a workstation. */
  readonly grafanaPortForward: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:monitoring:Monitoring", name, {}, opts);
    const namespace = args.namespace.metadata.name;

    const adminSecret = args.syncedAdminSecret ?? this.generatedAdminSecret(name, namespace);
    // A generated Secret exists at once; a synced one follows the operator, the Vault CA's
    // Certificate and the sync (minutes after the nodes): the chart does not wait for it, and
    // Grafana's container starts once the kubelet finds the Secret (the chart's await covers it).
    const adminAfter = args.syncedAdminSecret ? [] : [adminSecret];

    // Alertmanager's pods mount it: it exists before them.
    const receiverArgs = receiverSecretArgs(args.settings.alertReceiver, namespace);
    const receiverSecret = receiverArgs ? [new k8s.core.v1.Secret(`${name}-alertmanager-receiver`, receiverArgs, { parent: this })] : [];

    this.chart = pinnedChart(
      name,
      {
        chart: KUBE_PROMETHEUS_STACK,
        namespace: args.namespace,
        values: KUBE_PROMETHEUS_STACK.values({ settings: args.settings, namespace, storageClassName: args.storageClassName }),
        after: [...adminAfter, ...receiverSecret, ...(args.waitFor ?? [])],
      },
      this,
    );
    // Custom resources need the chart's CRDs, and the operator to act on them.
    const afterChart = { parent: this, dependsOn: [this.chart] };

    const prometheus = new k8s.core.v1.Service(
      `${name}-prometheus`,
      {
        metadata: {
          name: MONITORING_SERVICES.prometheus,
          namespace,
          labels: PLATFORM_MONITORING_LABELS,
          // Nothing here reads its endpoints (Grafana resolves it per query): awaiting them would
          // only wait for the operator's Prometheus pods, after the chart.
          annotations: { "pulumi.com/skipAwait": "true" },
        },
        spec: {
          type: "ClusterIP",
          selector: { ...MONITORING_POD_LABELS.prometheus },
          ports: [{ name: "http-web", port: PROMETHEUS_PORT, targetPort: PROMETHEUS_PORT, protocol: "TCP" }],
          sessionAffinity: "ClientIP",
        },
      },
      // Not after the chart: a Service is a core kind that needs no CRD, and selects its pods whenever they come.
      { parent: this },
    );

    for (const target of scrapeTargets(args.services, args.secretsBackend)) {
      new k8s.apiextensions.CustomResource(
        `${name}-${target.kind.toLowerCase()}-${target.name}`,
        monitorManifest(target, namespace),
        afterChart,
      );
    }

    const groups = platformRuleGroups(args.services, { rabbitmqNodes: args.rabbitmqNodes, secretsBackend: args.secretsBackend });
    new k8s.apiextensions.CustomResource(
      `${name}-platform-alerts`,
      prometheusRuleManifest("ecommerce-platform-alerts", namespace, groups),
      afterChart,
    );

    for (const dashboard of platformDashboards(args.services)) {
      new k8s.core.v1.ConfigMap(`${name}-dashboard-${dashboard.uid}`, dashboardConfigMap(dashboard, namespace), {
        parent: this,
      });
    }

    this.prometheusService = prometheus.metadata.name;
    this.grafanaService = MONITORING_SERVICES.grafana;
    this.grafanaAdminSecret = pulumi.output(adminSecret).apply(() => GRAFANA_ADMIN_SECRET.name);
    this.grafanaPortForward = pulumi.interpolate`kubectl -n ${namespace} port-forward svc/${MONITORING_SERVICES.grafana} ${GRAFANA_PORT}:${GRAFANA_PORT}`;
    this.registerOutputs({
      prometheusService: this.prometheusService,
      grafanaService: this.grafanaService,
      grafanaAdminSecret: this.grafanaAdminSecret,
      grafanaPortForward: this.grafanaPortForward,
    });
  }

  /** The admin login of the `kubernetes` backend: a generated password in a Secret. */
  private generatedAdminSecret(name: string, namespace: pulumi.Input<string>): k8s.core.v1.Secret {
    const password = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 32, special: false }, { parent: this });
    return new k8s.core.v1.Secret(
      `${name}-grafana-admin`,
      {
        metadata: { name: GRAFANA_ADMIN_SECRET.name, namespace, labels: PLATFORM_MONITORING_LABELS },
        type: "Opaque",
        stringData: { [GRAFANA_ADMIN_SECRET.userKey]: "admin", [GRAFANA_ADMIN_SECRET.passwordKey]: password.result },
      },
      { parent: this },
    );
  }
}

/** The Secret holding the alert receiver's URL, or undefined when nobody is notified. */
export function receiverSecretArgs(receiver: AlertReceiver, namespace: pulumi.Input<string>): k8s.core.v1.SecretArgs | undefined {
  if (receiver.kind === "none") return undefined;
  return {
    metadata: { name: RECEIVER_SECRET.name, namespace, labels: PLATFORM_MONITORING_LABELS },
    type: "Opaque",
    stringData: { [RECEIVER_SECRET.key]: receiver.url },
  };
}

/** The ConfigMap Grafana's sidecar loads a dashboard from. */
export function dashboardConfigMap(d: Dashboard, namespace: pulumi.Input<string>): k8s.core.v1.ConfigMapArgs {
  return {
    metadata: { name: `dashboard-${d.uid}`, namespace, labels: { ...PLATFORM_MONITORING_LABELS, ...GRAFANA_DASHBOARD_LABEL } },
    data: { [`${d.uid}.json`]: JSON.stringify(grafanaJson(d), null, 2) },
  };
}
