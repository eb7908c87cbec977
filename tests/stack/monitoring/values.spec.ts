import { NAMESPACES, PROFILE_TABLE } from "../../../catalog";
import {
  GRAFANA_ADMIN_SECRET,
  GRAFANA_DASHBOARD_LABEL,
  KUBE_PROMETHEUS_STACK,
  PROMETHEUS_DATASOURCE_UID,
  RELEASE,
} from "../../../components/monitoring/kube-prometheus-stack/chart";
import { KUBERNETES_OBJECT_PATHS, retentionSize } from "../../../components/monitoring/kube-prometheus-stack/values";
import { REPLACED_DEFAULT_RULES, scalingRules } from "../../../components/monitoring/scaling-rules";
import { restrictedViolations } from "../../../lib/pod-security";
import { STACKS, stackRender } from "../../harness";
import { chartRuleTemplates, chartValues, unknownValueKeys } from "./schemas";

/**
 * Keys that the subcharts bundled in kube-prometheus-stack 88.5.3 define in their own values.yaml
 * (grafana 12.11.1), which the parent's values.yaml does not repeat. Checked against the
 * grafana chart's values.yaml (persistence, initChownData, deploymentStrategy, testFramework,
 * rbac.namespaced, service.port and resources have been stable keys across its releases).
 */
const SUBCHART_KEYS = [
  "grafana.service.port",
  "grafana.persistence.enabled",
  "grafana.persistence.type",
  "grafana.persistence.size",
  "grafana.persistence.storageClassName",
  "grafana.deploymentStrategy",
  "grafana.initChownData.enabled",
  "grafana.testFramework.enabled",
  "grafana.rbac.namespaced",
  "grafana.resources",
  // chartdata/kube-prometheus-stack/charts/kube-state-metrics/values.yaml:515 (8.4.0) and
  // charts/prometheus-node-exporter/values.yaml:334 (4.56.1): `resources: {}`.
  "kube-state-metrics.resources",
  "prometheus-node-exporter.resources",
];

const chart = chartValues();
const check = (values: Record<string, unknown>) =>
  unknownValueKeys(values, chart, { opaque: KUBERNETES_OBJECT_PATHS, extra: SUBCHART_KEYS });

const settings = {
  prometheusRetention: "15d",
  prometheusStorageGiB: 100,
  prometheusReplicas: 2,
  alertmanagerReplicas: 3,
  grafanaStorageGiB: 10,
  alertReceiver: { kind: "none" } as const,
  resources: PROFILE_TABLE.standard,
};
const values = KUBE_PROMETHEUS_STACK.values({ settings, namespace: "monitoring" }) as Record<string, any>;

function get(obj: any, dotted: string): unknown {
  return dotted.split(".").reduce((o, k) => (o === undefined ? undefined : o[k]), obj);
}

describe("the chart values only use keys of the chart", () => {
  test.each(STACKS)("%s: every key of the rendered values exists in the chart's values.yaml", async (stack) => {
    const chartResource = (await stackRender(stack)).one("kubernetes:helm.sh/v4:Chart", "monitoring");
    expect(check(chartResource.inputs.values)).toEqual([]);
  });

  test.each([
    ["a misspelled top-level key", { ...values, fullnameOveride: "x" }, "fullnameOveride"],
    [
      "a misspelled nested key",
      { ...values, prometheus: { ...values.prometheus, prometheusSpec: { ...values.prometheus.prometheusSpec, retentoin: "1d" } } },
      "prometheus.prometheusSpec.retentoin",
    ],
    [
      "a misspelled subchart key",
      { ...values, grafana: { ...values.grafana, persistance: { enabled: true } } },
      "grafana.persistance",
    ],
    [
      "a key under a subchart map that is not the subchart's",
      { ...values, grafana: { ...values.grafana, persistence: { ...values.grafana.persistence, sise: "1Gi" } } },
      "grafana.persistence.sise",
    ],
  ])("%s fails the check", (_label, bad, key) => {
    expect(check(bad as Record<string, unknown>)).toEqual([key]);
  });

  test("every Kubernetes-object path names a value that is set", () => {
    for (const p of KUBERNETES_OBJECT_PATHS) expect(get(values, p)).toBeDefined();
  });

});

describe("what the values configure", () => {
  test("Prometheus takes retention, storage and replicas from the settings", () => {
    const spec = values.prometheus.prometheusSpec;
    expect(spec.retention).toBe("15d");
    expect(spec.replicas).toBe(2);
    expect(spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).toBe("100Gi");
    expect(spec.retentionSize).toBe("85GiB");
    expect(values.prometheus.podDisruptionBudget.enabled).toBe(true);
  });

  test("the size limit keeps Prometheus below its volume", () => {
    expect(retentionSize(20)).toBe("17GiB");
    expect(retentionSize(200)).toBe("170GiB");
  });

  test("a single replica gets no disruption budget (it would block node drains)", () => {
    const one = KUBE_PROMETHEUS_STACK.values({
      settings: { ...settings, prometheusReplicas: 1, alertmanagerReplicas: 1 },
      namespace: "monitoring",
    }) as any;
    expect(one.prometheus.podDisruptionBudget.enabled).toBe(false);
    expect(one.alertmanager.podDisruptionBudget.enabled).toBe(false);
  });

  test("Prometheus selects every monitor and rule, in every namespace", () => {
    const spec = values.prometheus.prometheusSpec;
    for (const kind of ["serviceMonitor", "podMonitor", "rule"]) {
      expect(spec[`${kind}SelectorNilUsesHelmValues`]).toBe(false);
      expect(spec[`${kind}NamespaceSelector`]).toEqual({});
    }
  });

  test("names are fixed by fullnameOverride and clean operator object names", () => {
    expect(values.fullnameOverride).toBe(RELEASE);
    expect(values.cleanPrometheusOperatorObjectNames).toBe(true);
  });

  test("Grafana logs in with the generated Secret and never a password value", () => {
    expect(values.grafana.admin).toEqual({
      existingSecret: GRAFANA_ADMIN_SECRET.name,
      userKey: GRAFANA_ADMIN_SECRET.userKey,
      passwordKey: GRAFANA_ADMIN_SECRET.passwordKey,
    });
    expect(JSON.stringify(values)).not.toMatch(/adminPassword/);
  });

  test("Grafana has Prometheus as default data source, persistent storage and our dashboards", () => {
    const g = values.grafana;
    expect(g.sidecar.datasources).toMatchObject({ enabled: true, defaultDatasourceEnabled: true, isDefaultDatasource: true });
    expect(g.sidecar.datasources.uid).toBe(PROMETHEUS_DATASOURCE_UID);
    expect(g.persistence).toMatchObject({ enabled: true, type: "pvc", size: "10Gi" });
    expect(g.deploymentStrategy.type).toBe("Recreate");
    expect({ [g.sidecar.dashboards.label]: g.sidecar.dashboards.labelValue }).toEqual(GRAFANA_DASHBOARD_LABEL);
    expect(g.sidecar.dashboards.searchNamespace).toBe(NAMESPACES.monitoring.name);
    expect(g.service.port).toBe(3000);
  });

  test("a StorageClass, when given, reaches every volume", () => {
    const v = KUBE_PROMETHEUS_STACK.values({ settings, namespace: "monitoring", storageClassName: "gp3" }) as any;
    expect(v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe("gp3");
    expect(v.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.storageClassName).toBe("gp3");
    expect(v.grafana.persistence.storageClassName).toBe("gp3");
    expect(JSON.stringify(values)).not.toMatch(/storageClassName/);
  });

  test("control-plane monitors EKS does not let anyone reach are off, with their rules", () => {
    for (const c of ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"]) expect(values[c].enabled).toBe(false);
    for (const r of ["etcd", "kubeControllerManager", "kubeSchedulerAlerting", "kubeProxy"]) {
      expect(values.defaultRules.rules[r]).toBe(false);
    }
  });
});

describe("the chart's default rules the platform replaces", () => {
  // kube-prometheus-stack 88.5.3 templates/prometheus/rules-1.14/*.yaml, vendored in chartdata/.
  const templates = chartRuleTemplates();

  test("each disabled rule is one the chart gates on defaultRules.disabled, in a group the values keep on", () => {
    const disabled = Object.keys(values.defaultRules.disabled ?? {});
    expect(disabled.sort()).toEqual(Object.keys(REPLACED_DEFAULT_RULES).sort());
    for (const alert of disabled) {
      expect(values.defaultRules.disabled[alert]).toBe(true);
      const file = Object.entries(templates).find(([, text]) => text.includes(`.Values.defaultRules.disabled.${alert} `));
      expect([alert, file?.[0]]).toEqual([alert, expect.any(String)]);
      expect(file![1]).toContain(`- alert: ${alert}\n`);
      // Its group is on: otherwise disabling it would be moot and the replacement a new alert.
      const group = /\.Values\.defaultRules\.rules\.(\w+)/.exec(file![1])![1];
      expect([alert, group, values.defaultRules.rules[group] ?? true]).toEqual([alert, group, true]);
    }
  });

  test("each disabled rule has its platform replacement among the scaling alerts", () => {
    const platform = scalingRules().map((r) => r.alert);
    for (const replacement of Object.values(REPLACED_DEFAULT_RULES)) expect(platform).toContain(replacement);
  });
});

describe("hardening: only node-exporter needs more than Pod Security restricted", () => {
  const pods: [string, any, any][] = [
    ["operator", values.prometheusOperator.securityContext, values.prometheusOperator.containerSecurityContext],
    ["prometheus", values.prometheus.prometheusSpec.securityContext, undefined],
    ["alertmanager", values.alertmanager.alertmanagerSpec.securityContext, undefined],
  ];

  test.each(pods)("%s runs as non-root with the RuntimeDefault seccomp profile", (_name, pod, container) => {
    expect(pod.runAsNonRoot).toBe(true);
    expect(pod.runAsUser).toBeGreaterThan(0);
    expect(pod.seccompProfile.type).toBe("RuntimeDefault");
    if (container) expect(restrictedViolations({ securityContext: pod, containers: [{ name: "c", securityContext: container }] })).toEqual([]);
  });

  test("Grafana's root chown init container is off", () => {
    expect(values.grafana.initChownData.enabled).toBe(false);
  });

  test("the admission webhook jobs (Helm hooks) are off", () => {
    expect(values.prometheusOperator.admissionWebhooks.enabled).toBe(false);
  });

  test("no value asks for host namespaces, host paths or privileges", () => {
    expect(JSON.stringify(values)).not.toMatch(/host(Network|PID|IPC|Path)|privileged"\s*:\s*true/);
  });
});
