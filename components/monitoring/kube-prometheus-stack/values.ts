/**
 * kube-prometheus-stack: the pinned chart, the names and labels of what it creates (other tiers
 * select on them) and the values the platform installs it with.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { MonitoringSettings } from "../../../config";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../../lib/pod-security";
import { RECEIVER_SECRET, alertmanagerConfig } from "../alertmanager";

export const KUBE_PROMETHEUS_STACK = {
  chart: "kube-prometheus-stack",
  version: "88.5.3",
  repo: "https://prometheus-community.github.io/helm-charts",
} as const;

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
 * Pod labels of the monitoring workloads, for NetworkPolicies. Prometheus and Alertmanager pods
 * are labelled by the operator after their custom resource (named `RELEASE` thanks to
 * `cleanPrometheusOperatorObjectNames`); the others by their charts' selectors.
 */
export const MONITORING_POD_LABELS = {
  prometheus: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": RELEASE },
  alertmanager: { "app.kubernetes.io/name": "alertmanager", alertmanager: RELEASE },
  grafana: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": RELEASE },
  operator: { app: "kube-prometheus-stack-operator", release: RELEASE },
  kubeStateMetrics: { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": RELEASE },
  nodeExporter: { "app.kubernetes.io/name": "prometheus-node-exporter", "app.kubernetes.io/instance": RELEASE },
} as const;

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

/** The chart values. Every key is one of the chart's (tests/stack/monitoring/values.spec.ts). */
export function kubePrometheusStackValues(inputs: StackValuesInputs): Record<string, unknown> {
  const s = inputs.settings;
  const prometheusResources: Resources = { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "4Gi" } };
  const alertmanagerResources: Resources = { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "256Mi" } };
  const operatorResources: Resources = { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } };
  const grafanaResources: Resources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } };
  // A ReadWriteOnce volume cannot follow a rolling update to another node: stop, then start.
  const grafanaStrategy: DeploymentStrategy = { type: "Recreate" };
  return {
    fullnameOverride: RELEASE,
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
    },
    nodeExporter: { enabled: true, operatingSystems: { aix: { enabled: false }, darwin: { enabled: false } } },
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
        existingSecret: GRAFANA_ADMIN_SECRET.name,
        userKey: GRAFANA_ADMIN_SECRET.userKey,
        passwordKey: GRAFANA_ADMIN_SECRET.passwordKey,
      },
      // Grafana only reads ConfigMaps of its own namespace, with a Role rather than a ClusterRole.
      rbac: { namespaced: true },
      sidecar: {
        dashboards: {
          enabled: true,
          label: Object.keys(GRAFANA_DASHBOARD_LABEL)[0],
          labelValue: Object.values(GRAFANA_DASHBOARD_LABEL)[0],
          searchNamespace: inputs.namespace,
        },
        datasources: {
          enabled: true,
          defaultDatasourceEnabled: true,
          isDefaultDatasource: true,
          uid: PROMETHEUS_DATASOURCE_UID,
          // Alerts and silences in Grafana: the chart provisions an Alertmanager data source that
          // Grafana's server queries at `monitoring-alertmanager:<alertmanager.service.port>`
          // (kube-prometheus-stack 88.5.3 `templates/grafana/configmaps-datasources.yaml`), port
          // and target port 9093 by default: the NetworkPolicies open Grafana -> Alertmanager 9093.
          alertmanager: { enabled: GRAFANA_ALERTMANAGER_DATASOURCE },
        },
      },
      service: { port: GRAFANA_PORT },
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
