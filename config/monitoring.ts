/** Monitoring settings: how long and how much Prometheus keeps, how many replicas run, who is notified. */
import type * as pulumi from "@pulumi/pulumi";
import type { ConfigReader } from ".";
import type { ProfileRows } from "../catalog/resource-profiles";

/** A Prometheus retention in hours, days or weeks (`15d`); shorter units make no sense here. */
export const RETENTION = /^[1-9][0-9]{0,3}(h|d|w)$/;

/**
 * Where Alertmanager sends notifications: nowhere (alerts stay visible in Alertmanager and
 * Grafana), an HTTPS webhook (Alertmanager's webhook payload), or a Slack incoming webhook.
 */
export const ALERT_RECEIVERS = ["none", "webhook", "slack"] as const;
export type AlertReceiverKind = (typeof ALERT_RECEIVERS)[number];

export type AlertReceiver =
  | { readonly kind: "none" }
  | {
      readonly kind: Exclude<AlertReceiverKind, "none">;
      /** The webhook (or Slack incoming-webhook) URL: a credential, only ever a secret. */
      readonly url: pulumi.Output<string>;
    };

export interface MonitoringSettings {
  /** How long Prometheus keeps samples, e.g. `15d`. */
  readonly prometheusRetention: string;
  /** Size of each Prometheus replica's volume, in GiB. */
  readonly prometheusStorageGiB: number;
  /** Prometheus replicas; each scrapes every target, so two survive a node loss. */
  readonly prometheusReplicas: number;
  /** Alertmanager replicas; more than one form a gossip cluster that deduplicates notifications. */
  readonly alertmanagerReplicas: number;
  /** Size of Grafana's volume (its database: users, preferences, annotations), in GiB. */
  readonly grafanaStorageGiB: number;
  /** Who Alertmanager notifies. */
  readonly alertReceiver: AlertReceiver;
  /** Requests and limits of the chart's pods, from the resource profile. */
  readonly resources: Pick<ProfileRows, MonitoringWorkload>;
}

/** The kube-prometheus-stack pods a resource profile sizes. */
export type MonitoringWorkload = "prometheus" | "alertmanager" | "grafana" | "prometheusOperator" | "kubeStateMetrics" | "nodeExporter";
export const MONITORING_WORKLOADS: readonly MonitoringWorkload[] = ["prometheus", "alertmanager", "grafana", "prometheusOperator", "kubeStateMetrics", "nodeExporter"];

function readAlertReceiver(r: ConfigReader): AlertReceiver {
  const kind = r.oneOf("alertReceiver", ALERT_RECEIVERS);
  const url = r.secret("alertReceiverUrl");
  const setIt = `pulumi config set --secret ${r.fullKey("alertReceiverUrl")} <https URL>`;
  r.rule(
    kind === undefined || kind === "none" || url !== undefined,
    `Configuration '${r.fullKey("alertReceiver")}' is '${kind}' but '${r.fullKey("alertReceiverUrl")}' is not set; expected its URL as a secret: \`${setIt}\``,
  );
  r.rule(
    kind !== "none" || url === undefined,
    `Configuration '${r.fullKey("alertReceiverUrl")}' is set but '${r.fullKey("alertReceiver")}' is 'none'; expected ${ALERT_RECEIVERS.filter((k) => k !== "none").join(" or ")} as the receiver, or no URL`,
  );
  return kind === "none" || kind === undefined || url === undefined ? { kind: "none" } : { kind, url };
}

export function readMonitoring(r: ConfigReader, rows: ProfileRows): MonitoringSettings {
  return {
    prometheusRetention: r.text("prometheusRetention", RETENTION, "a duration in hours, days or weeks such as 15d"),
    prometheusStorageGiB: r.integer("prometheusStorageGiB", 10, 4096),
    prometheusReplicas: r.integer("prometheusReplicas", 1, 3),
    alertmanagerReplicas: r.integer("alertmanagerReplicas", 1, 5),
    grafanaStorageGiB: r.integer("grafanaStorageGiB", 1, 100),
    alertReceiver: readAlertReceiver(r),
    resources: Object.fromEntries(MONITORING_WORKLOADS.map((w) => [w, rows[w]])) as Pick<ProfileRows, MonitoringWorkload>,
  };
}
