import { NAMESPACES } from "../../../catalog";
import { ALERT_RECEIVERS, AlertReceiverKind } from "../../../config/monitoring";
import { INHIBIT_RULES, InhibitRule, RECEIVER_SECRET, RECEIVER_URL_FILE, alertmanagerConfig } from "../../../components/monitoring/alertmanager";
import { CNI_STRICT, computeMatrix, flowPathKey } from "../../../tools/netpol/matrix";
import { INTERNET_ID, modelFromRender } from "../../../tools/netpol/model";
import { platformAnalysis } from "../../../tools/netpol/platform";
import { secretPlaceholder } from "../../../lib/stack-files";
import { STACKS, renderProgram, stackRender } from "../../harness";
import { PROD_CHANGED } from "../../variants";
import { chartValues } from "./schemas";
import { MONITORING_SERVICES } from "../../../components/monitoring/kube-prometheus-stack/chart";
import { IDS } from "../../netpol/intended";

const MON = NAMESPACES.monitoring.name;
const URL_KEY = "ecommerce:alertReceiverUrl";
// prod with a Slack receiver (and changes elsewhere that share its render, tests/variants.ts).
const withSlack = PROD_CHANGED;

type Labels = Record<string, string>;

/** Alertmanager's matcher syntax as the rules use it: `name = "value"` and `name =~ "regex"`. */
function matches(matcher: string, labels: Labels): boolean {
  const m = /^(\w+) (=~|=) "(.*)"$/.exec(matcher);
  if (!m) throw new Error(`unsupported matcher ${matcher}`);
  const value = labels[m[1]] ?? "";
  return m[2] === "=" ? value === m[3] : new RegExp(`^(?:${m[3]})$`).test(value);
}

/** Whether a firing `source` alert keeps `target` from being sent, by Alertmanager's inhibition rules. */
function inhibits(rules: readonly InhibitRule[], source: Labels, target: Labels): boolean {
  return rules.some(
    (r) =>
      r.source_matchers.every((m) => matches(m, source)) &&
      r.target_matchers.every((m) => matches(m, target)) &&
      r.equal.every((l) => (source[l] ?? "") === (target[l] ?? "")),
  );
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const paths = (v: unknown, at = ""): string[] =>
  isMap(v) ? Object.entries(v).flatMap(([k, x]) => [`${at}${k}`, ...paths(x, `${at}${k}.`)]) : [];

describe("the Alertmanager configuration", () => {
  test.each(ALERT_RECEIVERS.map((k) => [k]))("%s: every route names a receiver that exists", (kind) => {
    const c = alertmanagerConfig(kind as AlertReceiverKind) as any;
    const names = c.receivers.map((r: any) => r.name);
    for (const r of [c.route, ...c.route.routes]) expect(names).toContain(r.receiver);
  });

  test("without a receiver, the default route drops notifications", () => {
    const c = alertmanagerConfig("none") as any;
    expect(c.route.receiver).toBe("null");
    expect(c.receivers).toEqual([{ name: "null" }]);
  });

  test.each([
    ["webhook", "webhook_configs", "url_file"],
    ["slack", "slack_configs", "api_url_file"],
  ])("%s: the default route notifies the receiver, which reads its URL from the mounted Secret", (kind, field, fileKey) => {
    const c = alertmanagerConfig(kind as AlertReceiverKind) as any;
    expect(c.route.receiver).toBe("platform");
    const receiver = c.receivers.find((r: any) => r.name === "platform");
    expect(receiver[field]).toEqual([{ [fileKey]: RECEIVER_URL_FILE, send_resolved: true }]);
    // prometheus-operator v0.93.0 mounts each `alertmanagerSpec.secrets` entry at /etc/alertmanager/secrets/<name>.
    expect(RECEIVER_URL_FILE).toBe(`/etc/alertmanager/secrets/${RECEIVER_SECRET.name}/${RECEIVER_SECRET.key}`);
    expect(JSON.stringify(c)).not.toMatch(/https?:\/\//);
  });

  test("alerts are grouped by alert and namespace, and repeated while they fire", () => {
    const route = (alertmanagerConfig("slack") as any).route;
    expect(route.group_by).toEqual(["alertname", "namespace"]);
    expect(route).toMatchObject({ group_wait: "30s", group_interval: "5m", repeat_interval: "4h" });
  });

  test("the chart's always-firing Watchdog and InfoInhibitor notify nobody", () => {
    const routes = (alertmanagerConfig("slack") as any).route.routes;
    expect(routes).toEqual([
      { receiver: "null", matchers: ['alertname = "Watchdog"'] },
      { receiver: "null", matchers: ['alertname = "InfoInhibitor"'] },
    ]);
  });

  test("every key of the chart's default configuration is set, so Helm's merge keeps none of it", () => {
    const chartDefault = (chartValues() as any).alertmanager.config;
    const ours = new Set(paths(alertmanagerConfig("none")));
    expect(paths(chartDefault).filter((p) => !ours.has(p))).toEqual([]);
  });
});

describe("inhibition", () => {
  const alert = (alertname: string, severity: string, more: Labels = {}) => ({ alertname, severity, namespace: "e-commerce", ...more });

  test("a critical alert silences the warning of the same alert in the same namespace", () => {
    expect(inhibits(INHIBIT_RULES, alert("X", "critical"), alert("X", "warning"))).toBe(true);
  });

  test.each([
    ["another namespace", alert("X", "critical"), alert("X", "warning", { namespace: "e-commerce-messaging" })],
    ["another alert", alert("X", "critical"), alert("Y", "warning")],
    ["a warning over a critical", alert("X", "warning"), alert("X", "critical")],
  ])("but not %s", (_label, source, target) => {
    expect(inhibits(INHIBIT_RULES, source, target)).toBe(false);
  });

  test("a full volume silences its own 'nearly full' warning, not another volume's", () => {
    const pvc = (name: string) => ({ persistentvolumeclaim: name });
    const full = alert("PersistentVolumeFull", "critical", pvc("data-rabbitmq-cluster-0"));
    expect(inhibits(INHIBIT_RULES, full, alert("PersistentVolumeNearlyFull", "warning", pvc("data-rabbitmq-cluster-0")))).toBe(true);
    expect(inhibits(INHIBIT_RULES, full, alert("PersistentVolumeNearlyFull", "warning", pvc("data-rabbitmq-cluster-1")))).toBe(false);
  });

  test("an unschedulable pod pages once: PodUnschedulable silences the chart's KubePodNotReady of that pod only", () => {
    // KubePodNotReady counts Pending pods by (namespace, pod) (kube-prometheus-stack 88.5.3 kubernetes-apps.yaml).
    const pod = (name: string) => ({ pod: name });
    const source = alert("PodUnschedulable", "warning", pod("cart-service-7d9c-abcde"));
    expect(inhibits(INHIBIT_RULES, source, alert("KubePodNotReady", "warning", pod("cart-service-7d9c-abcde")))).toBe(true);
    expect(inhibits(INHIBIT_RULES, source, alert("KubePodNotReady", "warning", pod("cart-service-7d9c-fghij")))).toBe(false);
  });

  test("a node not ready pages once: NodeNotReady silences the chart's KubeNodeUnreachable of that node only", () => {
    const node = (name: string) => ({ alertname: "", severity: "warning", node: name });
    const source = { ...node("ip-10-10-1-10"), alertname: "NodeNotReady" };
    expect(inhibits(INHIBIT_RULES, source, { ...node("ip-10-10-1-10"), alertname: "KubeNodeUnreachable" })).toBe(true);
    expect(inhibits(INHIBIT_RULES, source, { ...node("ip-10-10-2-20"), alertname: "KubeNodeUnreachable" })).toBe(false);
    expect(inhibits(INHIBIT_RULES, source, { ...node("ip-10-10-1-10"), alertname: "KubeNodePressure" })).toBe(false);
  });

  test("the rules' matchers are ones the check understands (a typo would not silently match)", () => {
    expect(() => matches('severity == "critical"', {})).toThrow(/unsupported matcher/);
    for (const r of INHIBIT_RULES) for (const m of [...r.source_matchers, ...r.target_matchers]) expect(() => matches(m, {})).not.toThrow();
  });
});

describe.each(STACKS)("the committed %s stack", (stack) => {
  test("has no receiver: Alertmanager runs with the null receiver, no Secret is mounted", async () => {
    const r = await stackRender(stack);
    const v = r.one("kubernetes:helm.sh/v4:Chart", "monitoring").inputs.values;
    expect(v.alertmanager.config).toEqual(alertmanagerConfig("none"));
    expect(v.alertmanager.alertmanagerSpec.secrets).toBeUndefined();
    expect(r.kind("Secret", MON).map((s) => s.inputs.metadata.name)).not.toContain(RECEIVER_SECRET.name);
  });

  test("lets Grafana query Alertmanager (the chart's data source) and Alertmanager reach a receiver on 443", async () => {
    const r = await stackRender(stack);
    // kube-prometheus-stack 88.5.3 provisions the data source unless turned off; the values keep it.
    expect((chartValues() as any).grafana.sidecar.datasources.alertmanager.enabled).toBe(true);
    expect(r.one("kubernetes:helm.sh/v4:Chart", "monitoring").inputs.values.grafana.sidecar.datasources.alertmanager.enabled).toBe(true);
    // As the EKS VPC CNI enforces it: Grafana dials the chart's Alertmanager Service.
    const matrix = computeMatrix(modelFromRender(r, platformAnalysis(r).modelOptions), CNI_STRICT);
    const verdict = new Map(matrix.flows.map((f) => [flowPathKey(f), f.verdict]));
    expect(verdict.get(`${IDS.grafana} -> ${IDS.alertmanager} 9093/TCP via service:${MON}/${MONITORING_SERVICES.alertmanager}`)).toBe("allowed");
    expect(verdict.get(`${IDS.alertmanager} -> ${INTERNET_ID} 443/TCP via outside`)).toBe("allowed");
    expect(verdict.get(`${IDS.alertmanager} -> ${INTERNET_ID} 80/TCP via outside`)).toBe("denied");
  });
});

describe("a stack with a Slack receiver", () => {
  let rendered: ReturnType<typeof renderProgram> | undefined;
  const render = () => (rendered ??= renderProgram("prod", { overrides: withSlack }));

  test("keeps the URL in a Secret that the Alertmanager pods mount, created before the chart", async () => {
    const r = await render();
    const secret = r.one("kubernetes:core/v1:Secret", "monitoring-alertmanager-receiver");
    expect(secret.inputs.metadata).toMatchObject({ name: RECEIVER_SECRET.name, namespace: MON });
    expect(secret.inputs.stringData).toBe("[secret]");
    const chart = r.one("kubernetes:helm.sh/v4:Chart", "monitoring");
    expect(chart.dependsOn).toContain(secret.urn);
    expect(chart.inputs.values.alertmanager.alertmanagerSpec.secrets).toEqual([RECEIVER_SECRET.name]);
    expect(chart.inputs.values.alertmanager.config).toEqual(alertmanagerConfig("slack"));
    expect("secrets" in (chartValues() as any).alertmanager.alertmanagerSpec).toBe(true);
  });

  test("never shows the URL's value anywhere in the render", async () => {
    const r = await render();
    expect(JSON.stringify(r.resources)).not.toContain(secretPlaceholder(URL_KEY));
  });
});
