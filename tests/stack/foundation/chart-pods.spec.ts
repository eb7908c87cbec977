/**
 * The Karpenter module's pod row against the chart: labels, container ports and host network
 * worked out from the vendored chart (chartdata/karpenter) and the values each stack renders,
 * following the templates the row cites (aws/karpenter-provider-aws v1.14.1
 * charts/karpenter/templates/_helpers.tpl `karpenter.name`/`karpenter.selectorLabels`,
 * templates/deployment.yaml: pod labels, `hostNetwork`, the container's ports).
 */
import { KARPENTER } from "../../../components/foundation/karpenter/chart";
import { STACKS, stackRender } from "../../harness";
import { ExpectedPod, chartdataYaml, helmDefault, mergedValues, podRow, rowProblems, tcp, truthy } from "../chart-pods";

/** The controller pods a release gets with these values. */
function karpenterPod(values: Record<string, any>, release: string): ExpectedPod {
  const v = mergedValues("karpenter", values);
  // `karpenter.name`: the chart's name unless nameOverride (truncated to 63 characters).
  const name = String(helmDefault(chartdataYaml("karpenter/Chart.yaml").name, v.nameOverride)).slice(0, 63);
  return {
    labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": release, ...(v.podLabels ?? {}) },
    ports: [tcp("http-metrics", v.controller.metrics.port), tcp("http", v.controller.healthProbe.port)],
    hostNetwork: truthy(v.hostNetwork),
  };
}

const valuesOf = async (stack: (typeof STACKS)[number]) => (await stackRender(stack)).one("kubernetes:helm.sh/v4:Chart", KARPENTER.release).inputs.values;

describe.each(STACKS)("Karpenter's chart pods in %s", (stack) => {
  test("the row is what the chart gives the controller's pods with these values", async () => {
    expect(rowProblems(podRow(KARPENTER, "{release}"), karpenterPod(await valuesOf(stack), KARPENTER.release))).toEqual([]);
  });
});

describe("the Karpenter row check bites", () => {
  test("a moved metrics port, a pod label, host network turned on", async () => {
    const values = await valuesOf("prod");
    const row = podRow(KARPENTER, "{release}");
    const moved = { ...values, controller: { ...values.controller, metrics: { port: 9000 } } };
    expect(rowProblems(row, karpenterPod(moved, KARPENTER.release)).join("\n")).toMatch(/the chart declares port 9000\/TCP http-metrics, the row does not/);
    expect(rowProblems(row, karpenterPod({ ...values, podLabels: { team: "platform" } }, KARPENTER.release)).join("\n")).toMatch(/"team":"platform"/);
    expect(rowProblems(row, karpenterPod({ ...values, hostNetwork: true }, KARPENTER.release))).toEqual(["{release}: hostNetwork false, the chart sets true"]);
  });
});
