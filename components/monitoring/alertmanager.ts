/**
 * Alertmanager's configuration: one default route with grouping, inhibitions, and the receiver
 * the stack names. The receiver's URL is a credential: it stays in a Kubernetes Secret that the
 * operator mounts into the Alertmanager pods, and the configuration only names the file.
 */
import type { AlertReceiverKind } from "../../config/monitoring";

/**
 * Secret holding the receiver's URL. The operator mounts every Secret listed in
 * `alertmanagerSpec.secrets` at `/etc/alertmanager/secrets/<name>/` (prometheus-operator v0.93.0
 * `pkg/alertmanager/statefulset.go`, `secretsDir`).
 */
export const RECEIVER_SECRET = { name: "alertmanager-receiver", key: "url" } as const;
export const RECEIVER_URL_FILE = `/etc/alertmanager/secrets/${RECEIVER_SECRET.name}/${RECEIVER_SECRET.key}`;

/** The receiver that drops what it gets (the chart's default), and the one that notifies people. */
export const NULL_RECEIVER = "null";
export const PLATFORM_RECEIVER = "platform";

/** Alerts grouped into one notification: same alert in the same namespace. */
export const GROUP_BY = ["alertname", "namespace"] as const;

/**
 * Alerts nobody is notified of: the chart's default rules fire `Watchdog` always (a dead man's
 * switch for an outside service) and `InfoInhibitor` only to silence `info` alerts
 * (kube-prometheus-stack 88.5.3 `values.yaml`, `alertmanager.config`).
 */
const DROPPED_ALERTS = ["Watchdog", "InfoInhibitor"] as const;

export interface InhibitRule {
  readonly source_matchers: readonly string[];
  readonly target_matchers: readonly string[];
  readonly equal: readonly string[];
}

/**
 * While a source alert fires, matching target alerts are not sent. A critical alert silences
 * the warning of the same alert and namespace; a full volume silences its "nearly full" warning;
 * a scaling alert silences the chart's alert on the same pod or node.
 */
export const INHIBIT_RULES: readonly InhibitRule[] = [
  { source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: ["alertname", "namespace"] },
  { source_matchers: ['severity = "warning"'], target_matchers: ['severity = "info"'], equal: ["alertname", "namespace"] },
  { source_matchers: ['alertname = "InfoInhibitor"'], target_matchers: ['severity = "info"'], equal: ["namespace"] },
  {
    source_matchers: ['alertname = "PersistentVolumeFull"'],
    target_matchers: ['alertname = "PersistentVolumeNearlyFull"'],
    equal: ["namespace", "persistentvolumeclaim"],
  },
  // The chart's KubePodNotReady also counts Pending pods, unschedulable ones included, and its
  // KubeNodeUnreachable a node whose Ready condition is Unknown (kube-prometheus-stack 88.5.3
  // `templates/prometheus/rules-1.14/kubernetes-apps.yaml`, `kubernetes-system-kubelet.yaml`):
  // the scaling alert of the same pod or node says it first.
  { source_matchers: ['alertname = "PodUnschedulable"'], target_matchers: ['alertname = "KubePodNotReady"'], equal: ["namespace", "pod"] },
  { source_matchers: ['alertname = "NodeNotReady"'], target_matchers: ['alertname = "KubeNodeUnreachable"'], equal: ["node"] },
];

/**
 * The receiver's notifier, reading its URL from the mounted Secret: `url_file` of
 * `webhook_configs` (alertmanager v0.34.0 `notify/webhook/config.go`) and `api_url_file` of
 * `slack_configs` (alertmanager v0.34.0 `config/notifiers.go`); the operator keeps both fields
 * (prometheus-operator v0.93.0 `pkg/alertmanager/types.go`).
 */
function notifier(kind: Exclude<AlertReceiverKind, "none">): Record<string, unknown> {
  if (kind === "slack") return { slack_configs: [{ api_url_file: RECEIVER_URL_FILE, send_resolved: true }] };
  return { webhook_configs: [{ url_file: RECEIVER_URL_FILE, send_resolved: true }] };
}

/**
 * The whole `alertmanager.yaml`. Every key of the chart's default `alertmanager.config` is set
 * here, so that Helm's merge of values keeps nothing of the default (its routes name receivers
 * this configuration might not have).
 */
export function alertmanagerConfig(kind: AlertReceiverKind): Record<string, unknown> {
  const receiver = kind === "none" ? NULL_RECEIVER : PLATFORM_RECEIVER;
  return {
    global: { resolve_timeout: "5m" },
    route: {
      receiver,
      group_by: [...GROUP_BY],
      // A new group waits for its other alerts; changes to a group are sent every 5 minutes; an
      // alert still firing is sent again every 4 hours.
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: DROPPED_ALERTS.map((a) => ({ receiver: NULL_RECEIVER, matchers: [`alertname = "${a}"`] })),
    },
    inhibit_rules: INHIBIT_RULES.map((r) => ({ ...r })),
    receivers: [{ name: NULL_RECEIVER }, ...(kind === "none" ? [] : [{ name: PLATFORM_RECEIVER, ...notifier(kind) }])],
    templates: ["/etc/alertmanager/config/*.tmpl"],
  };
}
