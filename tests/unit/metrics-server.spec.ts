/**
 * metrics-server's chart module and values builder (components/foundation/metrics-server/chart.ts)
 * against the vendored chart (kubernetes-sigs/metrics-server `metrics-server-helm-chart-3.13.1`,
 * `charts/metrics-server/Chart.yaml`, `values.yaml`): the image follows the chart's appVersion,
 * the pods are highly available from two replicas as upstream's HA manifest (v0.8.1
 * `manifests/components/high-availability/`), and the pod meets Pod Security `restricted`.
 */
import * as YAML from "yaml";
import { KUBE_SYSTEM } from "../../catalog";
import { CHART_WORKLOADS } from "../../components/chart-pods";
import {
  METRICS_SERVER,
  METRICS_SERVER_IMAGE,
  METRICS_SERVER_POD_LABELS,
  METRICS_SERVER_PORT,
  metricsServerValues,
} from "../../components/foundation/metrics-server/chart";
import { restrictedViolations } from "../../lib/pod-security";
import { STACKS, stackSetting } from "../harness";
import { unknownValueKeys } from "../stack/monitoring/schemas";
import { readChartdata } from "./chart-checks";

const chartYaml = YAML.parse(readChartdata("metrics-server/Chart.yaml")!);
const chartValues = YAML.parse(readChartdata("metrics-server/values.yaml")!);
const valuesOf = (replicas: number) => metricsServerValues({ replicas }) as Record<string, any>;

/**
 * The pod the chart renders from values (`templates/deployment.yaml` 35-177): the pod context,
 * host network, the container's context (the chart's default unless the values override it),
 * its one port and the `tmp` emptyDir.
 */
function renderedPodSpec(values: Record<string, any>): Record<string, any> {
  const merged = { ...chartValues, ...values };
  return {
    ...(Object.keys(merged.podSecurityContext ?? {}).length > 0 ? { securityContext: merged.podSecurityContext } : {}),
    ...(merged.hostNetwork?.enabled ? { hostNetwork: true } : {}),
    containers: [{ name: "metrics-server", securityContext: merged.securityContext, ports: [{ name: "https", containerPort: merged.containerPort }] }],
    volumes: [{ name: "tmp", emptyDir: merged.tmpVolume?.emptyDir ?? {} }],
  };
}

describe("the metrics-server module", () => {
  test("pins the vendored chart's version and its appVersion's image", () => {
    expect(METRICS_SERVER.pin.version).toBe(chartYaml.version);
    expect(METRICS_SERVER_IMAGE.tag).toBe(`v${chartYaml.appVersion}`);
    expect(METRICS_SERVER_IMAGE.repository).toBe(chartValues.image.repository);
    expect(valuesOf(1).image).toEqual({ repository: chartValues.image.repository, tag: `v${chartYaml.appVersion}` });
  });

  test("runs in kube-system, with no CRD group, its pod row on the chart's secure port", () => {
    expect(METRICS_SERVER.namespace).toBe(KUBE_SYSTEM);
    expect(METRICS_SERVER.crdGroups).toEqual([]);
    const rows = CHART_WORKLOADS.filter((w) => w.chart === METRICS_SERVER.pin.chart);
    expect(rows.map((r) => [r.labels, r.ports, r.hostNetwork])).toEqual([
      [METRICS_SERVER_POD_LABELS, [{ name: "https", containerPort: chartValues.containerPort, protocol: "TCP" }], false],
    ]);
    expect(valuesOf(1).containerPort).toBe(METRICS_SERVER_PORT);
  });

  test("one replica gets no budget, no anti-affinity and no spread: a budget would block every drain", () => {
    const v = valuesOf(1);
    expect(v.replicas).toBe(1);
    expect(v.podDisruptionBudget).toEqual({ enabled: false });
    expect(v.affinity).toEqual({});
    expect(v.topologySpreadConstraints).toEqual([]);
  });

  test.each([2, 3, 5])("%i replicas: a budget keeping one, one replica per node, a zone spread, one at a time", (replicas) => {
    const v = valuesOf(replicas);
    expect(v.replicas).toBe(replicas);
    expect(v.podDisruptionBudget).toMatchObject({ enabled: true, minAvailable: 1 });
    expect(v.podDisruptionBudget.maxUnavailable).toBeUndefined();
    const [anti, ...more] = v.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    expect(more).toEqual([]);
    expect(anti).toEqual({ labelSelector: { matchLabels: METRICS_SERVER_POD_LABELS }, namespaces: [KUBE_SYSTEM], topologyKey: "kubernetes.io/hostname" });
    expect(v.topologySpreadConstraints).toEqual([
      expect.objectContaining({ topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", maxSkew: 1, labelSelector: { matchLabels: METRICS_SERVER_POD_LABELS } }),
    ]);
    expect(v.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } });
  });

  test.each(STACKS)("%s: highly available exactly when its stack asks for two or more replicas", (stack) => {
    const replicas = stackSetting<number>(stack, "metricsServerReplicas");
    expect(valuesOf(replicas).podDisruptionBudget.enabled).toBe(replicas > 1);
    if (stack === "prod") expect(replicas).toBeGreaterThanOrEqual(2);
  });

  test("the pod the chart renders meets Pod Security restricted, and a planted escalation is reported", () => {
    for (const replicas of [1, 2]) expect(restrictedViolations(renderedPodSpec(valuesOf(replicas)))).toEqual([]);
    const planted = { ...valuesOf(1), securityContext: { ...chartValues.securityContext, allowPrivilegeEscalation: true } };
    expect(restrictedViolations(renderedPodSpec(planted))).toEqual(["container 'metrics-server' does not set allowPrivilegeEscalation: false"]);
    expect(restrictedViolations(renderedPodSpec({ ...valuesOf(1), hostNetwork: { enabled: true } }))).toEqual(["pod uses host namespaces"]);
  });

  test("the APIService skips verification with no caBundle (the API refuses both together) and is awaited until Available", () => {
    const v = valuesOf(2);
    expect(v.tls.type).toBe(chartValues.tls.type);
    expect(v.apiService.insecureSkipTLSVerify).toBe(true);
    // `apiservice.yaml` 52-62: tls.type `metrics-server` and no `apiService.caBundle` render no caBundle.
    expect(v.apiService.caBundle ?? chartValues.apiService.caBundle).toBe("");
    expect(v.apiService.annotations).toEqual({ "pulumi.com/waitFor": "condition=Available" });
  });

  test("every key the values set is one the chart's values.yaml has (3.13.1 ships no values.schema.json), and a misspelled one is reported", () => {
    for (const replicas of [1, 2]) expect(unknownValueKeys(valuesOf(replicas), chartValues)).toEqual([]);
    expect(unknownValueKeys({ ...valuesOf(2), podDisruptionBudget: { enabled: true, minAvailble: 1 } }, chartValues)).toEqual(["podDisruptionBudget.minAvailble"]);
    expect(readChartdata("metrics-server/values.schema.json")).toBeUndefined();
  });
});
