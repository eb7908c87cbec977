/**
 * The platform's alerts, as PrometheusRule groups. Service alerts are derived from the catalog;
 * the chart's default rules cover the cluster itself (nodes, kubelet, workloads, Prometheus), except
 * the conditions the scaling group takes over (scaling-rules.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import { DATASTORES, NAMESPACES, SecretsBackend, ServiceSpec } from "../../catalog";
import { MONITORING_API_VERSION } from "./kube-prometheus-stack/chart";
import { scalingRules } from "./scaling-rules";
import { OperatorResource, PLATFORM_MONITORING_LABELS } from "./targets";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

export interface AlertOptions {
  /** Nodes of the RabbitMQ cluster; below a majority of them, quorum queues stop. */
  readonly rabbitmqNodes: number;
  /** Share of a volume in use that raises a warning. @default 0.85 */
  readonly volumeWarningRatio?: number;
  /** Days before a certificate's expiry that raise a warning. @default 14 */
  readonly certificateWarningDays?: number;
  /** With `vault`, the External Secrets Operator's alerts join. */
  readonly secretsBackend: SecretsBackend;
}

/** Smallest majority of `nodes`. */
export function quorum(nodes: number): number {
  return Math.floor(nodes / 2) + 1;
}

function serviceRules(services: readonly ServiceSpec[]): AlertRule[] {
  const ns = NAMESPACES.app.name;
  // `or vector(0)` makes a missing Deployment count as zero ready replicas instead of no data.
  return services.map((s) => ({
    alert: "ServiceNoReadyReplica",
    expr: `(sum(kube_deployment_status_replicas_available{namespace="${ns}", deployment="${s.name}"}) or vector(0)) < 1`,
    for: "5m",
    labels: { severity: "critical", service: s.name, namespace: ns },
    annotations: {
      summary: `${s.name} has no ready replica`,
      description: `Deployment ${ns}/${s.name} has had no available replica for 5 minutes: the ${s.role} is down.`,
    },
  }));
}

function rabbitmqRules(opts: AlertOptions): AlertRule[] {
  if (!Number.isInteger(opts.rabbitmqNodes) || opts.rabbitmqNodes < 1) {
    throw new Error(`rabbitmqNodes must be a whole number of at least 1 (the stack's RabbitMQ replicas), got ${opts.rabbitmqNodes}`);
  }
  // The job of a ServiceMonitor's targets is its Service's name: the instance's (targets.ts).
  const broker = DATASTORES.rabbitmq;
  const up = `up{namespace="${broker.namespace}", job="${broker.instanceName}"} == 1`;
  const needed = quorum(opts.rabbitmqNodes);
  return [
    {
      alert: "RabbitMQBelowQuorum",
      expr: `(count(${up}) or vector(0)) < ${needed}`,
      for: "2m",
      labels: { severity: "critical", namespace: broker.namespace },
      annotations: {
        summary: "RabbitMQ cluster below quorum",
        description: `Fewer than ${needed} of ${opts.rabbitmqNodes} RabbitMQ nodes answer: quorum queues refuse to publish and deliver.`,
      },
    },
  ];
}

function volumeRules(opts: AlertOptions): AlertRule[] {
  const warning = opts.volumeWarningRatio ?? 0.85;
  const used = "kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes";
  const pct = (r: number) => `${Math.round(r * 100)}%`;
  return [
    {
      alert: "PersistentVolumeNearlyFull",
      expr: `${used} > ${warning}`,
      for: "10m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Volume nearly full",
        description: `PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is over ${pct(warning)} full ({{ $value | humanizePercentage }}).`,
      },
    },
    {
      alert: "PersistentVolumeFull",
      expr: `${used} > 0.95`,
      for: "5m",
      labels: { severity: "critical" },
      annotations: {
        summary: "Volume full",
        description: "PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is over 95% full: writes are about to fail.",
      },
    },
  ];
}

function certificateRules(opts: AlertOptions): AlertRule[] {
  const days = opts.certificateWarningDays ?? 14;
  return [
    {
      // cert-manager renews a third of the way before expiry (30 days for Let's Encrypt), so a
      // certificate this close to expiry means renewal has been failing for weeks.
      alert: "CertificateExpiringSoon",
      // A certificate never issued has no notAfter and exports 0 (cert-manager v1.21.1
      // `internal/collectors/certificate_collector.go`): it is not ready, not expiring.
      expr: `(certmanager_certificate_expiration_timestamp_seconds > 0) - time() < ${days} * 24 * 3600`,
      for: "1h",
      labels: { severity: "warning" },
      annotations: {
        summary: `Certificate expires within ${days} days`,
        description: `Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in {{ $value | humanizeDuration }} and has not been renewed.`,
      },
    },
    {
      alert: "CertificateNotReady",
      expr: `max by (namespace, name) (certmanager_certificate_ready_status{condition="False"}) == 1`,
      for: "15m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Certificate not ready",
        description: "Certificate {{ $labels.namespace }}/{{ $labels.name }} has not been ready for 15 minutes; see `kubectl describe certificate`.",
      },
    },
  ];
}

/**
 * The External Secrets Operator (`secretsBackend: vault`), on its controller's metrics
 * (external-secrets helm-chart-2.9.0 `docs/api/metrics.md`; `pkg/controllers/externalsecret/
 * esmetrics/esmetrics.go` 33-39 and 64-68: `externalsecret_status_condition{name, namespace,
 * condition, status}`, 1 for the current status; `pkg/controllers/secretstore/ssmetrics/
 * ssmetrics.go` 30: `secretstore_status_condition`). A failing sync leaves the Secret as it was:
 * a KV secret goes stale, database credentials expire one lease TTL after the last sync.
 */
function externalSecretsRules(): AlertRule[] {
  const failing = (metric: string) => `max by (namespace, name) (${metric}{condition="Ready", status="False"}) == 1`;
  return [
    {
      alert: "ExternalSecretSyncFailing",
      expr: failing("externalsecret_status_condition"),
      for: "10m",
      labels: { severity: "critical" },
      annotations: {
        summary: "ExternalSecret not syncing",
        description:
          "ExternalSecret {{ $labels.namespace }}/{{ $labels.name }} has not synced from Vault for 10 minutes: its Secret keeps its last value (database credentials expire with their lease); see `kubectl describe externalsecret`.",
      },
    },
    {
      alert: "SecretStoreNotReady",
      expr: failing("secretstore_status_condition"),
      for: "10m",
      labels: { severity: "critical" },
      annotations: {
        summary: "SecretStore cannot reach Vault",
        description: "SecretStore {{ $labels.namespace }}/{{ $labels.name }} has not been ready for 10 minutes: Vault is unreachable or refuses its role.",
      },
    },
  ];
}

/** Every platform alert, in groups that become one PrometheusRule. */
export function platformRuleGroups(services: readonly ServiceSpec[], opts: AlertOptions): RuleGroup[] {
  return [
    ...(opts.secretsBackend === "vault" ? [{ name: "ecommerce.secrets", rules: externalSecretsRules() }] : []),
    { name: "ecommerce.services", rules: serviceRules(services) },
    { name: "ecommerce.messaging", rules: rabbitmqRules(opts) },
    { name: "ecommerce.storage", rules: volumeRules(opts) },
    { name: "ecommerce.certificates", rules: certificateRules(opts) },
    { name: "ecommerce.scaling", rules: scalingRules() },
  ];
}

/** The PrometheusRule custom resource holding the groups. */
export function prometheusRuleManifest(name: string, namespace: pulumi.Input<string>, groups: readonly RuleGroup[]): OperatorResource {
  return {
    apiVersion: MONITORING_API_VERSION,
    kind: "PrometheusRule",
    metadata: { name, namespace, labels: { ...PLATFORM_MONITORING_LABELS } },
    spec: { groups: groups.map((g) => ({ name: g.name, rules: g.rules.map((r) => ({ ...r })) })) },
  };
}
