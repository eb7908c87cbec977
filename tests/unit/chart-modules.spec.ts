/**
 * The chart modules (components/charts.ts) and the chart-pod table built from them: every row
 * cites upstream files read at the version installed, the table's versions are the pins, the
 * selectors the tiers write select exactly one row's pods, and the CRD groups cover the vendored
 * CRDs. The rows' labels, ports and host network are checked against the charts themselves in
 * tests/stack/<tier>/chart-pods.spec.ts.
 */
import { CHART_WORKLOADS } from "../../components/chart-pods";
import { CHARTS, chartCrdGroups } from "../../components/charts";
import { ACME_HTTP01_SOLVER, CERT_MANAGER_METRICS, certManagerPodLabels } from "../../components/ingress/cert-manager/chart";
import { TRAEFIK_POD_LABELS } from "../../components/ingress/traefik/chart";
import { MONITORING_POD_LABELS } from "../../components/monitoring/kube-prometheus-stack/chart";
import type { ChartModule } from "../../lib/helm";
import { SOURCES, citationProblems, crdGroupProblems, readChartdata } from "./chart-checks";

const byName = (name: string) => CHARTS.find((c) => c.pin.chart === name)!;
const withPod = (chart: ChartModule, i: number, change: (p: ChartModule["pods"][number]) => object): ChartModule => ({
  ...chart,
  pods: chart.pods.map((p, j) => (j === i ? { ...p, ...change(p) } : p)),
});

describe.each(CHARTS.map((c) => [c.pin.chart, c] as const))("the %s module", (_name, chart) => {
  test("every pod row cites files read at the version installed", () => {
    expect(citationProblems(chart, SOURCES, readChartdata)).toEqual([]);
  });

  test("its CRD groups include the group of every CRD the vendored files define or list", () => {
    expect(crdGroupProblems(chart, readChartdata)).toEqual([]);
  });
});

describe("a citation that does not name the version installed is reported", () => {
  const traefik = byName("traefik");
  const stack = byName("kube-prometheus-stack");
  const grafana = stack.pods.findIndex((p) => p.source.chart === "grafana");
  const bundled = stack.pods[grafana].source.version;
  const first = traefik.pods[0].source.files[0];
  test.each([
    [
      "a row read at another version",
      withPod(traefik, 0, (p) => ({ source: { ...p.source, version: "0.0.1" } })),
      `read at traefik 0.0.1, the module pins ${traefik.pin.version}`,
    ],
    [
      "a file read at another tag",
      withPod(traefik, 0, (p) => ({ source: { ...p.source, files: [{ ...first, tag: "v0.0.1" }] } })),
      `${first.path} read at v0.0.1, not ${traefik.source.tag}`,
    ],
    ["a row that cites nothing", withPod(traefik, 0, (p) => ({ source: { ...p.source, files: [] } })), "cites no file"],
    [
      "a sub-chart row at another version than the chart bundles",
      withPod(stack, grafana, (p) => ({ source: { ...p.source, version: "0.0.1" } })),
      `read at grafana 0.0.1, kube-prometheus-stack ${stack.pin.version} bundles ${bundled}`,
    ],
    [
      "a sub-chart the chart does not bundle",
      withPod(stack, grafana, (p) => ({ source: { ...p.source, chart: "loki" } })),
      "loki is not a dependency in chartdata/kube-prometheus-stack/Chart.yaml",
    ],
  ])("%s", (_label, planted, message) => {
    expect(citationProblems(planted, SOURCES, readChartdata).join("\n")).toContain(message);
  });

  test("a vendored CRD of a group the module does not list", () => {
    expect(crdGroupProblems({ ...traefik, crdGroups: [] }, readChartdata).join("\n")).toContain("traefik.io_middlewares.yaml defines group traefik.io");
  });
});

describe("the chart-pod table", () => {
  test("holds every chart module's rows, under the chart's name, at the pinned version or the sub-chart version it bundles", () => {
    expect(CHART_WORKLOADS.length).toBe(CHARTS.reduce((n, c) => n + c.pods.length, 0));
    for (const row of CHART_WORKLOADS) {
      const chart = byName(row.chart);
      const where = `${row.chart}/${row.name}`;
      expect([where, chart?.pods.some((p) => p.name === row.name && p.source === row.source)]).toEqual([where, true]);
      if (row.source.chart === row.chart) expect([where, row.source.version]).toEqual([where, chart.pin.version]);
    }
  });

  test("no row carries a label that changes with each release of its chart", () => {
    for (const row of CHART_WORKLOADS) {
      expect([row.name, Object.keys(row.labels).filter((k) => ["helm.sh/chart", "chart", "app.kubernetes.io/version"].includes(k))]).toEqual([row.name, []]);
    }
  });

  const selectors: [string, string, Readonly<Record<string, string>>][] = [
    ["Traefik", "traefik", TRAEFIK_POD_LABELS],
    ["the cert-manager controller", "cert-manager", certManagerPodLabels("controller")],
    ["the cert-manager webhook", "cert-manager", certManagerPodLabels("webhook")],
    ["the cert-manager CA injector", "cert-manager", certManagerPodLabels("cainjector")],
    ["the cert-manager controller's metrics Service", "cert-manager", CERT_MANAGER_METRICS.serviceLabels],
    ["the HTTP-01 solvers", "cert-manager", ACME_HTTP01_SOLVER.labels],
    ...Object.entries(MONITORING_POD_LABELS).map(([name, labels]): [string, string, Record<string, string>] => [`monitoring ${name}`, "kube-prometheus-stack", labels]),
  ];
  test.each(selectors)("the selector the tiers use for %s selects the pods of exactly one row, of its chart", (_label, chart, selector) => {
    const rows = CHART_WORKLOADS.filter((w) => Object.entries(selector).every(([k, v]) => w.labels[k] === v));
    expect(rows.map((r) => r.chart)).toEqual([chart]);
  });

  test("an API group claimed by two charts is refused", () => {
    const traefik = byName("traefik");
    expect(() => chartCrdGroups([traefik, { ...byName("cert-manager"), crdGroups: [traefik.crdGroups[0]] }])).toThrow(
      "API group 'traefik.io' is claimed by charts 'traefik' and 'cert-manager'",
    );
  });
});
