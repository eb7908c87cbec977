/**
 * The scaling alerts and dashboard as each stack renders them: they read only metrics the
 * exporters emit (components/monitoring/scaling-metrics.ts cites each), the dashboard shows what
 * an operator needs to see a scale-out through, and the alerts reach the receiver. Their firing
 * and silences are proved with promtool (promtool.spec.ts, scaling-scenarios.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { NAMESPACES, SERVICES } from "../../../catalog";
import { alertmanagerConfig } from "../../../components/monitoring/alertmanager";
import { SCALING_METRICS } from "../../../components/monitoring/scaling-metrics";
import { scalingRules } from "../../../components/monitoring/scaling-rules";
import { PROJECT_DIR, STACKS, stackRender, stackSetting } from "../../harness";
import { Context, minutesOf, promtoolVersion, removeRuleFiles, testGroup, testRules, writeRuleFiles } from "./promtool";
import { SCALING_SCENARIOS } from "./scaling-scenarios";
import { metricNames, promqlErrors } from "./schemas";

const MON = NAMESPACES.monitoring.name;

/** The alert names of the README's alerts table (its rows' first cells). */
/** The alerts the README's table lists; a row saying "with `secretsBackend: vault`" only for such stacks. */
function readmeAlerts(readme: string, secretsBackend: string = "kubernetes"): string[] {
  const start = readme.indexOf("| Alert | Fires when |");
  if (start < 0) return [];
  const rows = readme.slice(start).split("\n").slice(2);
  const end = rows.findIndex((l) => !l.startsWith("|"));
  const table = (end < 0 ? rows : rows.slice(0, end)).filter((l) => secretsBackend === "vault" || !l.includes("with `secretsBackend: vault`"));
  return table.map((l) => /^\| `(\w+)`/.exec(l)?.[1] ?? l);
}

describe("metric names of an expression", () => {
  test("are the selected series' names, not functions, labels or keywords", () => {
    const expr = 'sum by (le) (rate(a_total{job="x"}[5m])) / on (le) max(b) and histogram_quantile(0.9, c_bucket) or vector(0)';
    expect(metricNames(expr)).toEqual(["a_total", "b", "c_bucket"]);
  });

  test("a misspelled metric is one the table does not list", () => {
    const unknown = metricNames("max by (namespace) (kube_hpa_status_current_replicas)").filter((m) => !(m in SCALING_METRICS));
    expect(unknown).toEqual(["kube_hpa_status_current_replicas"]);
  });
});

describe("the README's alerts table", () => {
  const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");

  test.each(STACKS)("lists every alert %s renders, once, and no other", async (stack) => {
    const rule = (await stackRender(stack)).find("PrometheusRule", "ecommerce-platform-alerts", MON);
    const rendered = [...new Set<string>(rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert)))];
    const listed = readmeAlerts(readme, stackSetting<string>(stack, "secretsBackend"));
    expect(listed.length).toBe(new Set(listed).size);
    expect([...listed].sort()).toEqual(rendered.sort());
  });

  test("the table reader sees a row the render lacks", () => {
    const table = "| Alert | Fires when | For | Severity |\n|---|---|---|---|\n| `A` | x | 5m | warning |\n| `B` | y | 5m | critical |\n\nText";
    expect(readmeAlerts(table)).toEqual(["A", "B"]);
  });
});

describe.each(STACKS)("scaling alerts and dashboard of %s", (stack) => {
  async function rendered() {
    const r = await stackRender(stack);
    const rule = r.find("PrometheusRule", "ecommerce-platform-alerts", MON);
    const rules = rule.spec.groups.find((g: any) => g.name === "ecommerce.scaling").rules as { alert: string; expr: string; for: string }[];
    const map = r.kind("ConfigMap", MON).find((c) => c.inputs.metadata.name === "dashboard-ecommerce-scaling")!;
    const dashboard = JSON.parse(Object.values(map.inputs.data)[0] as string);
    const queries = dashboard.panels.flatMap((p: any) => p.targets.map((t: any) => ({ panel: p.title as string, expr: t.expr as string })));
    return { rules, dashboard, queries: queries as { panel: string; expr: string }[] };
  }

  test("every metric the alerts and the dashboard select is one the exporters emit, with its source", async () => {
    const { rules, queries } = await rendered();
    const exprs = [...rules.map((r) => r.expr), ...queries.map((q) => q.expr)];
    const names = new Set(exprs.flatMap(metricNames));
    expect(names.size).toBeGreaterThan(0);
    expect([...names].filter((m) => !(m in SCALING_METRICS))).toEqual([]);
    for (const expr of exprs) expect([expr, promqlErrors(expr)]).toEqual([expr, []]);
  });

  test("the dashboard shows each service's HPA current, desired and maximum replicas", async () => {
    const { dashboard, queries } = await rendered();
    expect(dashboard.templating.list[0].options.map((o: any) => o.value)).toEqual(SERVICES.map((s) => s.name));
    const hpa = queries.filter((q) => q.panel.startsWith("Autoscaler replicas")).map((q) => q.expr);
    for (const m of ["status_current_replicas", "status_desired_replicas", "spec_max_replicas"]) {
      expect(hpa.some((e) => e.includes(`kube_horizontalpodautoscaler_${m}{namespace="${NAMESPACES.app.name}", horizontalpodautoscaler=~"$service"}`))).toBe(true);
    }
  });

  test("the dashboard shows unschedulable pods, nodes, allocatable against requested CPU and memory, and Karpenter", async () => {
    const { queries } = await rendered();
    const all = queries.map((q) => q.expr).join("\n");
    expect(all).toContain("kube_pod_status_unschedulable");
    expect(all).toMatch(/kube_node_status_condition\{condition="Ready"/);
    for (const resource of ["cpu", "memory"]) {
      expect(all).toContain(`kube_node_status_allocatable{resource="${resource}"}`);
      expect(all).toContain(`kube_pod_container_resource_requests{resource="${resource}"}`);
    }
    for (const m of ["karpenter_nodeclaims_created_total", "karpenter_nodepools_usage", "karpenter_cloudprovider_errors_total", "karpenter_cloudprovider_instance_launch_failures_total"]) {
      expect(all).toContain(m);
    }
  });

  test("an HPA pages after 15 minutes at its maximum; launch failures count NodeClaim launches only", async () => {
    const { rules } = await rendered();
    const hpa = rules.find((r) => r.alert === "HorizontalPodAutoscalerAtMax")!;
    expect(hpa.for).toBe("15m");
    const launch = rules.find((r) => r.alert === "KarpenterLaunchFailing")!;
    // karpenter_cloudprovider_errors_total counts every cloud provider call; the launch is Create
    // from nodeclaim.lifecycle, which also calls Delete (sigs.k8s.io/karpenter v1.14.1).
    expect(launch.expr).toContain('karpenter_cloudprovider_errors_total{controller="nodeclaim.lifecycle", method="Create"}');
  });
});

test("the scaling alerts reach the receiver: no route drops them", () => {
  const routes = (alertmanagerConfig("slack") as any).route.routes as { receiver: string; matchers: string[] }[];
  const dropped = routes.flatMap((r) => r.matchers.map((m) => /alertname = "(.*)"/.exec(m)?.[1]));
  expect((alertmanagerConfig("slack") as any).route.receiver).toBe("platform");
  for (const r of scalingRules()) expect(dropped).not.toContain(r.alert);
});

const withPromtool = promtoolVersion() ? describe : describe.skip;

withPromtool("the scaling scenarios' quiet situations bite", () => {
  afterAll(removeRuleFiles);

  /** Whether `alert`, its expression changed by `edit`, stays silent in its quiet situation `label`. */
  function silentWith(alert: string, label: string, edit: (expr: string) => string): boolean {
    const rule = scalingRules().find((r) => r.alert === alert)!;
    const changed = { ...rule, expr: edit(rule.expr) };
    const files = writeRuleFiles([{ name: "bite", spec: { groups: [{ name: "scaling", rules: [changed] }] } }]);
    // The quiet situations read only the rule and the HPAs' bounds.
    const c = { rules: [changed], autoscalers: new Map(SERVICES.map((x) => [x.name, { min: 2, max: 10 }])) } as unknown as Context;
    const quiet = SCALING_SCENARIOS[alert].quiet(c).find((q) => q.label === label)!;
    const hold = minutesOf(rule.for);
    const checks = [hold, 3 * hold].map((minute) => ({ minute, alerts: [] }));
    return testRules(files.dir, files.files, `bite-${alert}`, [testGroup(alert, quiet.series, 3 * hold + 10, checks)]).ok;
  }

  test.each([
    ["KarpenterLaunchFailing", "some launches fail while others register nodes", (e: string) => e.replace(/ unless .*$/, "")],
    ["KarpenterLaunchFailing", "failed deletes of the same controller are no launch", (e: string) => e.replace(', method="Create"', "")],
    ["NodeNotReady", "a cordoned node being drained", (e: string) => e.replace(/ and on \(node\) .*$/, "")],
    ["HorizontalPodAutoscalerAtMax", "an HPA pinned (minimum = maximum) at its count", (e: string) => e.replace(/ and \(.*\)$/, "")],
  ])("%s without its guard fires in '%s'; with it, it stays silent", (alert, label, edit) => {
    expect(silentWith(alert, label, (e) => e)).toBe(true);
    expect(silentWith(alert, label, edit)).toBe(false);
  });
});
