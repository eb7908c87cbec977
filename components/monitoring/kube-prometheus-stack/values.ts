/**
 * The values kube-prometheus-stack is installed with, as a pure function of the monitoring
 * settings and of the names the chart module (./chart.ts) gives.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { MonitoringSettings } from "../../../config";
import type { MonitoringWorkload } from "../../../config/monitoring";
import { containerResources } from "../../../catalog/resource-profiles";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../../lib/pod-security";
import { RECEIVER_SECRET, alertmanagerConfig } from "../alertmanager";
import { REPLACED_DEFAULT_RULES } from "../scaling-rules";

/**
 * Value paths holding Kubernetes API objects (security contexts, resources, volume claims): their
 * fields are Kubernetes', checked by the Pulumi input types below, not keys of the chart.
 */
export const KUBERNETES_OBJECT_PATHS = [
  "prometheusOperator.securityContext",
  "prometheusOperator.containerSecurityContext",
  "prometheusOperator.resources",
  "prometheus.prometheusSpec.securityContext",
  "prometheus.prometheusSpec.resources",
  "prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec",
  "alertmanager.alertmanagerSpec.securityContext",
  "alertmanager.alertmanagerSpec.resources",
  "alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec",
  "grafana.resources",
  "kube-state-metrics.resources",
  "prometheus-node-exporter.resources",
  "grafana.deploymentStrategy",
] as const;

/** Alertmanager keeps only silences and the notification log. */
const ALERTMANAGER_STORAGE = "2Gi";

/** Prometheus deletes old blocks beyond this share of its volume, before the disk fills. */
const RETENTION_SIZE_SHARE = 0.85;

type Resources = k8s.types.input.core.v1.ResourceRequirements;
type ClaimSpec = k8s.types.input.core.v1.PersistentVolumeClaimSpec;
type DeploymentStrategy = k8s.types.input.apps.v1.DeploymentStrategy;

function claim(size: string, storageClassName?: string): { volumeClaimTemplate: { spec: ClaimSpec } } {
  return {
    volumeClaimTemplate: {
      spec: {
        accessModes: ["ReadWriteOnce"],
        ...(storageClassName ? { storageClassName } : {}),
        resources: { requests: { storage: size } },
      },
    },
  };
}

/** Size limit of the TSDB for a volume of `storageGiB`, in the operator's unit format. */
export function retentionSize(storageGiB: number): string {
  return `${Math.floor(storageGiB * RETENTION_SIZE_SHARE)}GiB`;
}

export interface StackValuesInputs {
  readonly settings: MonitoringSettings;
  /** Namespace of the release; Grafana reads dashboards from it only. */
  readonly namespace: pulumi.Input<string>;
  /** StorageClass of every volume. @default the cluster's default StorageClass */
  readonly storageClassName?: string;
}

/** The names the values give what the chart creates: the chart module's own (./chart.ts). */
export interface StackNames {
  /** The release name, also `fullnameOverride`. */
  readonly release: string;
  readonly grafanaPort: number;
  readonly grafanaAdminSecret: { readonly name: string; readonly userKey: string; readonly passwordKey: string };
  /** The label (one key) that makes Grafana's sidecar load a ConfigMap as a dashboard. */
  readonly dashboardLabel: Readonly<Record<string, string>>;
  readonly prometheusDatasourceUid: string;
  readonly grafanaAlertmanagerDatasource: boolean;
}

/** The chart values. Every key is one of the chart's (tests/stack/monitoring/values.spec.ts). */
export function kubePrometheusStackValues(inputs: StackValuesInputs, names: StackNames): Record<string, unknown> {
  const s = inputs.settings;
  const sized = (w: MonitoringWorkload): Resources => containerResources(s.resources[w]);
  const prometheusResources = sized("prometheus");
  const alertmanagerResources = sized("alertmanager");
  const operatorResources = sized("prometheusOperator");
  const grafanaResources = sized("grafana");
  // A ReadWriteOnce volume cannot follow a rolling update to another node: stop, then start.
  const grafanaStrategy: DeploymentStrategy = { type: "Recreate" };
  return {
    fullnameOverride: names.release,
    cleanPrometheusOperatorObjectNames: true,
    crds: { enabled: true },
    // EKS runs the control plane (scheduler, controller manager, etcd) out of reach, and its
    // kube-proxy serves metrics on localhost only: their monitors and rules would only ever fire.
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeEtcd: { enabled: false },
    kubeProxy: { enabled: false },
    // CoreDNS is scraped through its own `kube-dns` Service by the platform's monitor instead.
    coreDns: { enabled: false },
    kubeDns: { enabled: false },
    windowsMonitoring: { enabled: false },
    defaultRules: {
      create: true,
      rules: {
        etcd: false,
        kubeControllerManager: false,
        kubeSchedulerAlerting: false,
        kubeSchedulerRecording: false,
        kubeProxy: false,
        windows: false,
      },
      // The platform's scaling alerts take these conditions over (../scaling-rules.ts).
      disabled: Object.fromEntries(Object.keys(REPLACED_DEFAULT_RULES).map((alert) => [alert, true])),
    },
    nodeExporter: { enabled: true, operatingSystems: { aix: { enabled: false }, darwin: { enabled: false } } },
    // The sub-charts request nothing by default (`resources: {}` in their values.yaml).
    "kube-state-metrics": { resources: sized("kubeStateMetrics") },
    "prometheus-node-exporter": { resources: sized("nodeExporter") },
    prometheusOperator: {
      // The webhook's certificate comes from Helm hooks, which Pulumi applies as plain objects
      // and would then revert; rules are checked offline instead (PromQL parse, CRD schema).
      admissionWebhooks: { enabled: false },
      tls: { enabled: false },
      securityContext: restrictedPodSecurityContext({ runAsUser: 65534, fsGroup: 65534 }),
      containerSecurityContext: restrictedContainerSecurityContext(),
      resources: operatorResources,
    },
    prometheus: {
      // Grafana keeps talking to the same replica, so panels do not flicker between them.
      service: { sessionAffinity: "ClientIP" },
      podDisruptionBudget: { enabled: s.prometheusReplicas > 1 },
      prometheusSpec: {
        replicas: s.prometheusReplicas,
        retention: s.prometheusRetention,
        retentionSize: retentionSize(s.prometheusStorageGiB),
        // Select every monitor and rule in every namespace, not only those labelled for the release.
        serviceMonitorSelectorNilUsesHelmValues: false,
        serviceMonitorNamespaceSelector: {},
        podMonitorSelectorNilUsesHelmValues: false,
        podMonitorNamespaceSelector: {},
        ruleSelectorNilUsesHelmValues: false,
        ruleNamespaceSelector: {},
        probeSelectorNilUsesHelmValues: false,
        scrapeConfigSelectorNilUsesHelmValues: false,
        securityContext: restrictedPodSecurityContext({ runAsUser: 1000, fsGroup: 2000 }),
        resources: prometheusResources,
        storageSpec: claim(`${s.prometheusStorageGiB}Gi`, inputs.storageClassName),
      },
    },
    alertmanager: {
      enabled: true,
      podDisruptionBudget: { enabled: s.alertmanagerReplicas > 1 },
      config: alertmanagerConfig(s.alertReceiver.kind),
      alertmanagerSpec: {
        replicas: s.alertmanagerReplicas,
        // The receiver's URL, mounted as a file the configuration names.
        ...(s.alertReceiver.kind === "none" ? {} : { secrets: [RECEIVER_SECRET.name] }),
        securityContext: restrictedPodSecurityContext({ runAsUser: 1000, fsGroup: 2000 }),
        resources: alertmanagerResources,
        storage: claim(ALERTMANAGER_STORAGE, inputs.storageClassName),
      },
    },
    grafana: {
      enabled: true,
      defaultDashboardsEnabled: true,
      defaultDashboardsTimezone: "utc",
      admin: {
        existingSecret: names.grafanaAdminSecret.name,
        userKey: names.grafanaAdminSecret.userKey,
        passwordKey: names.grafanaAdminSecret.passwordKey,
      },
      // Grafana only reads ConfigMaps of its own namespace, with a Role rather than a ClusterRole.
      rbac: { namespaced: true },
      sidecar: {
        dashboards: {
          enabled: true,
          label: Object.keys(names.dashboardLabel)[0],
          labelValue: Object.values(names.dashboardLabel)[0],
          searchNamespace: inputs.namespace,
        },
        datasources: {
          enabled: true,
          defaultDatasourceEnabled: true,
          isDefaultDatasource: true,
          uid: names.prometheusDatasourceUid,
          // Alerts and silences in Grafana: the chart provisions an Alertmanager data source that
          // Grafana's server queries at `monitoring-alertmanager:<alertmanager.service.port>`
          // (kube-prometheus-stack 88.5.3 `templates/grafana/configmaps-datasources.yaml`), port
          // and target port 9093 by default: the NetworkPolicies open Grafana -> Alertmanager 9093.
          alertmanager: { enabled: names.grafanaAlertmanagerDatasource },
        },
      },
      service: { port: names.grafanaPort },
      persistence: {
        enabled: true,
        type: "pvc",
        size: `${s.grafanaStorageGiB}Gi`,
        ...(inputs.storageClassName ? { storageClassName: inputs.storageClassName } : {}),
      },
      deploymentStrategy: grafanaStrategy,
      // The chown init container runs as root; the pod's fsGroup already makes the volume writable.
      initChownData: { enabled: false },
      testFramework: { enabled: false },
      resources: grafanaResources,
    },
  };
}
