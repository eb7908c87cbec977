/**
 * metrics-server in each stack's render: the pinned chart in kube-system after the nodes, with
 * the stack's replicas; every HorizontalPodAutoscaler waits for it; its pod row is what the
 * chart's templates give the pods with the rendered values (kubernetes-sigs/metrics-server
 * `metrics-server-helm-chart-3.13.1` `charts/metrics-server/templates/_helpers.tpl` 51-54,
 * `deployment.yaml` 24-35, 51-53, 81-84), and that pod meets Pod Security `restricted`.
 */
import { KUBE_SYSTEM, SERVICES } from "../../../catalog";
import { METRICS_SERVER, metricsServerValues } from "../../../components/foundation/metrics-server/chart";
import { restrictedViolations } from "../../../lib/pod-security";
import { STACKS, stackRender, stackSetting } from "../../harness";
import { ExpectedPod, chartdataYaml, helmDefault, mergedValues, podRow, rowProblems, tcp } from "../chart-pods";

const CHART_TYPE = "kubernetes:helm.sh/v4:Chart";

async function chartOf(stack: (typeof STACKS)[number]) {
  const r = await stackRender(stack);
  const chart = r.ofType(CHART_TYPE).find((c) => c.inputs.chart === METRICS_SERVER.pin.chart)!;
  expect(chart).toBeDefined();
  return { r, chart, values: chart.inputs.values as Record<string, any> };
}

/** The pods the chart gives a release with these values. */
function metricsServerPod(values: Record<string, any>, release: string): ExpectedPod {
  const v = mergedValues("metrics-server", values);
  return {
    labels: {
      "app.kubernetes.io/name": helmDefault(chartdataYaml("metrics-server/Chart.yaml").name, v.nameOverride),
      "app.kubernetes.io/instance": release,
      ...(v.podLabels ?? {}),
    },
    ports: [tcp("https", v.containerPort)],
    hostNetwork: v.hostNetwork?.enabled === true,
  };
}

/** The pod spec the Deployment template renders, as far as Pod Security reads it. */
function metricsServerPodSpec(values: Record<string, any>): Record<string, any> {
  const v = mergedValues("metrics-server", values);
  return {
    securityContext: v.podSecurityContext,
    ...(v.hostNetwork?.enabled ? { hostNetwork: true } : {}),
    containers: [{ name: "metrics-server", securityContext: v.securityContext, ports: [{ name: "https", containerPort: v.containerPort }] }],
    volumes: [{ name: "tmp", ...v.tmpVolume }, ...(v.extraVolumes ?? [])],
  };
}

describe.each(STACKS)("metrics-server in %s", (stack) => {
  test("the pinned chart, release metrics-server in kube-system, with the stack's replicas, after the node group", async () => {
    const { r, chart, values } = await chartOf(stack);
    expect(chart.inputs).toMatchObject({
      chart: METRICS_SERVER.pin.chart,
      version: METRICS_SERVER.pin.version,
      repositoryOpts: { repo: METRICS_SERVER.pin.repo },
      name: METRICS_SERVER.release,
      namespace: KUBE_SYSTEM,
    });
    const replicas = stackSetting<number>(stack, "metricsServerReplicas");
    expect(values).toEqual(metricsServerValues({ replicas }));
    expect(values.podDisruptionBudget.enabled).toBe(replicas > 1);
    expect(r.dependsOnTransitively(chart.urn)).toContain(r.one("eks:index:ManagedNodeGroup").urn);
  });

  test("every HorizontalPodAutoscaler waits for it: none starts blind", async () => {
    const { r, chart } = await chartOf(stack);
    const autoscalers = r.ofType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
    expect(autoscalers.map((a) => a.inputs.metadata.name).sort()).toEqual(SERVICES.map((s) => s.name).sort());
    for (const a of autoscalers) expect([a.name, r.dependsOnTransitively(a.urn).has(chart.urn)]).toEqual([a.name, true]);
  });

  test("its pod row is what the chart gives the pods with these values, and the pod meets Pod Security restricted", async () => {
    const { values } = await chartOf(stack);
    expect(rowProblems(podRow(METRICS_SERVER, "{release}"), metricsServerPod(values, METRICS_SERVER.release))).toEqual([]);
    expect(restrictedViolations(metricsServerPodSpec(values))).toEqual([]);
  });
});

describe("the metrics-server checks bite", () => {
  test("a name override, a moved port, host network; a container context that allows escalation", async () => {
    const { values } = await chartOf("prod");
    const row = podRow(METRICS_SERVER, "{release}");
    expect(rowProblems(row, metricsServerPod({ ...values, nameOverride: "metrics" }, METRICS_SERVER.release)).join("\n")).toMatch(/"app\.kubernetes\.io\/name":"metrics"/);
    expect(rowProblems(row, metricsServerPod({ ...values, containerPort: 4443 }, METRICS_SERVER.release)).join("\n")).toMatch(/the chart declares port 4443\/TCP https/);
    expect(rowProblems(row, metricsServerPod({ ...values, hostNetwork: { enabled: true } }, METRICS_SERVER.release))).toEqual(["{release}: hostNetwork false, the chart sets true"]);
    const escalating = { ...values, securityContext: { ...chartdataYaml("metrics-server/values.yaml").securityContext, allowPrivilegeEscalation: true } };
    expect(restrictedViolations(metricsServerPodSpec(escalating))).toEqual(["container 'metrics-server' does not set allowPrivilegeEscalation: false"]);
  });
});
