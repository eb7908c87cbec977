/**
 * Each platform alert, proved with Prometheus' `promtool test rules` on the rules each stack
 * renders: it fires once its condition has held for its `for`, not a minute earlier, and stays
 * silent in the situations listed. The input series carry the metric names and labels the real
 * exporters emit, as Prometheus stores them after the scrape the platform's monitors configure:
 * - kube-state-metrics v2.20.0 (kube-prometheus-stack 88.5.3's subchart 8.4.0)
 *   `internal/store/deployment.go`: `kube_deployment_status_replicas_available{namespace, deployment}`;
 * - cert-manager v1.21.1 `internal/collectors/certificate_collector.go`:
 *   `certmanager_certificate_expiration_timestamp_seconds{name, namespace, issuer_name, issuer_kind, issuer_group}`
 *   (0 while never issued) and `certmanager_certificate_ready_status{..., condition}`;
 * - the kubelet, `pkg/kubelet/metrics/collectors/volume_stats.go` (kubernetes/kubernetes):
 *   `kubelet_volume_stats_used_bytes` and `kubelet_volume_stats_capacity_bytes{namespace, persistentvolumeclaim}`;
 * - RabbitMQ's nodes through `up`, which Prometheus writes per target of the rabbitmq-cluster monitor
 *   (the rabbitmq_prometheus plugin of rabbitmq-server v4.1.4 on 15692);
 * - the scaling alerts' kube-state-metrics and Karpenter series, in ./scaling-scenarios.ts.
 * Without promtool on the PATH the suite is reported as skipped; CI installs it (.ci/run).
 */
import { NAMESPACES, SERVICES } from "../../../catalog";
import { CERT_MANAGER_METRICS } from "../../../components/ingress/cert-manager/chart";
import type { AlertRule } from "../../../components/monitoring/rules";
import { RABBITMQ_NAME } from "../../../components/data/rabbitmq";
import { STACKS, StackName, stackRender, stackSetting } from "../../harness";
import { EXTERNAL_SECRETS_TARGET } from "../../../components/monitoring/targets";
import { chartValues } from "./schemas";
import { SCALING_SCENARIOS } from "./scaling-scenarios";
import { VAULT_ALERTS, VAULT_SCENARIOS } from "./vault-scenarios";
import {
  AlertCheck,
  Context,
  Labels,
  Series,
  checkRules,
  minutesOf,
  promtoolVersion,
  removeRuleFiles,
  scraped,
  testGroup,
  PromtoolRun,
  BatchEntry,
  RuleFiles,
  Scenario,
  fixed,
  recordedOrAlertsReads,
  testRules,
  testRulesBatch,
  writeRuleFiles,
} from "./promtool";

const PROMTOOL = promtoolVersion();
if (!PROMTOOL) {
  console.warn("promtool is not on the PATH: the promtool rule unit tests are SKIPPED (apt-get install prometheus provides it)");
}
const suite = PROMTOOL ? describe : describe.skip;

const chart = chartValues() as any;
const APP = NAMESPACES.app.name;
const GiB = 1024 ** 3;

const without = ({ __name__: _n, ...rest }: Labels) => rest;

function deployments(available: (name: string) => number | undefined): Series[] {
  // The chart's kube-state-metrics monitor keeps the object's own namespace (honorLabels).
  const honor = chart["kube-state-metrics"].prometheus.monitor.http.honorLabels;
  const target = { job: "kube-state-metrics", namespace: NAMESPACES.monitoring.name, instance: "10.10.1.20:8080", service: "monitoring-kube-state-metrics" };
  return SERVICES.flatMap((s) => {
    const v = available(s.name);
    const exposed = { __name__: "kube_deployment_status_replicas_available", namespace: APP, deployment: s.name };
    return v === undefined ? [] : [{ labels: scraped(exposed, target, honor), value: v }];
  });
}

function rabbitmqUp(c: Context, up: number): Series[] {
  return Array.from({ length: c.rabbitmqNodes }, (_, i) => ({
    labels: { __name__: "up", ...c.target("rabbitmq-cluster", RABBITMQ_NAME, `${RABBITMQ_NAME}-${i}`, `10.10.3.${10 + i}:15692`).labels },
    value: i < up ? 1 : 0,
  }));
}

const PVC = { namespace: APP, persistentvolumeclaim: "data-orders-service-mysql-0" };
function volume(usedShare: number): Series[] {
  const honor = chart.kubelet.serviceMonitor.honorLabels;
  const target = { job: "kubelet", namespace: "kube-system", instance: "10.10.1.10:10250", node: "ip-10-10-1-10.eu-west-1.compute.internal", metrics_path: "/metrics" };
  return [
    { labels: scraped({ __name__: "kubelet_volume_stats_capacity_bytes", ...PVC }, target, honor), value: 10 * GiB },
    { labels: scraped({ __name__: "kubelet_volume_stats_used_bytes", ...PVC }, target, honor), value: usedShare * 10 * GiB },
  ];
}

const CERT = { name: "api-tls", issuer_name: "letsencrypt-prod", issuer_kind: "ClusterIssuer", issuer_group: "cert-manager.io" };
function certificate(c: Context, metric: string, namespace: string, value: number, more: Labels = {}): Series {
  const { labels, honor } = c.target("cert-manager", CERT_MANAGER_METRICS.service, "cert-manager-5d8f7c9b4-x2x7q", `10.10.2.7:${CERT_MANAGER_METRICS.port}`);
  return { labels: scraped({ __name__: metric, ...CERT, namespace, ...more }, labels, honor), value };
}
function readiness(c: Context, namespace: string, ready: boolean): Series[] {
  return ["True", "False", "Unknown"].map((condition) =>
    certificate(c, "certmanager_certificate_ready_status", namespace, (condition === "True") === ready ? 1 : 0, { condition }),
  );
}

const majority = (nodes: number) => Math.floor(nodes / 2) + 1;

/**
 * The External Secrets Operator's condition gauges (external-secrets helm-chart-2.9.0
 * `pkg/controllers/metrics/labels.go` 49-50: `name, namespace, condition, status`), one series
 * per status, 1 for the current one, as its PodMonitor scrapes them (the objects' own namespace kept).
 */
const ESO_POD = { job: "external-secrets", namespace: "external-secrets", pod: "external-secrets-6b9d8f7c5-q4k2m", container: "external-secrets", endpoint: "metrics", instance: "10.10.4.5:8080" };
function condition(metric: string, namespace: string, name: string, ready: boolean): Series[] {
  return ["True", "False"].map((status) => ({
    labels: scraped({ __name__: metric, name, namespace, condition: "Ready", status }, ESO_POD, EXTERNAL_SECRETS_TARGET.honorLabels === true),
    value: (status === "True") === ready ? 1 : 0,
  }));
}
/** Alerts only a stack syncing its Secrets from Vault has. */
const VAULT_ONLY_ALERTS = ["ExternalSecretSyncFailing", "SecretStoreNotReady"];
function esoScenario(metric: string, kind: string, failing: string, other: string): Scenario {
  return {
    firing: (c) => {
      const series = [...condition(metric, APP, failing, false), ...condition(metric, APP, other, true)];
      const description = c.rules[0].annotations.description.replace("{{ $labels.namespace }}", APP).replace("{{ $labels.name }}", failing);
      expect(description).toContain(`${kind} ${APP}/${failing}`);
      return { series, alerts: () => [{ labels: { namespace: APP, name: failing, severity: "critical" }, annotations: { ...fixed(c.rules[0]), description } }] };
    },
    quiet: () => [{ label: "every one ready", series: [...condition(metric, APP, failing, true), ...condition(metric, APP, other, true)] }],
  };
}

const SCENARIOS: Record<string, Scenario> = {
  ServiceNoReadyReplica: {
    firing: (c) => {
      const [down, missing] = [SERVICES[1].name, SERVICES[SERVICES.length - 1].name];
      const series = deployments((n) => (n === down ? 0 : n === missing ? undefined : 2));
      const alerts = c.rules.filter((r) => [down, missing].includes(r.labels.service)).map((r) => ({ labels: { ...r.labels }, annotations: fixed(r) }));
      return { series, alerts: () => alerts };
    },
    quiet: () => [{ label: "every Deployment has a ready replica", series: deployments(() => 1) }],
  },
  RabbitMQBelowQuorum: {
    firing: (c) => ({
      series: rabbitmqUp(c, majority(c.rabbitmqNodes) - 1),
      alerts: () => c.rules.map((r) => ({ labels: { ...r.labels }, annotations: fixed(r) })),
    }),
    quiet: (c) => [
      { label: "every node up", series: rabbitmqUp(c, c.rabbitmqNodes) },
      { label: "a majority up", series: rabbitmqUp(c, majority(c.rabbitmqNodes)) },
    ],
  },
  PersistentVolumeNearlyFull: {
    firing: (c) => {
      const series = volume(0.9);
      const description = `PVC ${PVC.namespace}/${PVC.persistentvolumeclaim} is over 85% full (90%).`;
      return { series, alerts: () => [{ labels: { ...without(series[1].labels), severity: "warning" }, annotations: { ...fixed(c.rules[0]), description } }] };
    },
    quiet: () => [{ label: "80% used", series: volume(0.8) }],
  },
  PersistentVolumeFull: {
    firing: (c) => {
      const series = volume(0.97);
      const description = `PVC ${PVC.namespace}/${PVC.persistentvolumeclaim} is over 95% full: writes are about to fail.`;
      return { series, alerts: () => [{ labels: { ...without(series[1].labels), severity: "critical" }, annotations: { ...fixed(c.rules[0]), description } }] };
    },
    quiet: () => [{ label: "90% used", series: volume(0.9) }],
  },
  CertificateExpiringSoon: {
    firing: (c) => {
      // Expires 10 days after the start: `minute`s later, what is left reads as humanizeDuration prints it.
      const series = [certificate(c, "certmanager_certificate_expiration_timestamp_seconds", APP, 10 * 86400)];
      const left = (minute: number) => `${Math.floor((14400 - minute) / 1440)}d ${Math.floor(((14400 - minute) % 1440) / 60)}h ${(14400 - minute) % 60}m 0s`;
      const description = (minute: number) => `Certificate ${APP}/${CERT.name} expires in ${left(minute)} and has not been renewed.`;
      const labels = { ...without(series[0].labels), severity: "warning" };
      return { series, alerts: (minute) => [{ labels, annotations: { ...fixed(c.rules[0]), description: description(minute) } }] };
    },
    quiet: (c) => [
      { label: "never issued (no notAfter, exported as 0)", series: [certificate(c, "certmanager_certificate_expiration_timestamp_seconds", APP, 0)] },
      { label: "60 days left", series: [certificate(c, "certmanager_certificate_expiration_timestamp_seconds", APP, 60 * 86400)] },
    ],
  },
  CertificateNotReady: {
    firing: (c) => {
      // Two certificates of the same name in two namespaces: only the one not ready alerts, under its own namespace.
      const series = [...readiness(c, APP, false), ...readiness(c, NAMESPACES.traefik.name, true)];
      const description = `Certificate ${APP}/${CERT.name} has not been ready for 15 minutes; see \`kubectl describe certificate\`.`;
      return { series, alerts: () => [{ labels: { namespace: APP, name: CERT.name, severity: "warning" }, annotations: { ...fixed(c.rules[0]), description } }] };
    },
    quiet: (c) => [{ label: "ready", series: [...readiness(c, APP, true), ...readiness(c, NAMESPACES.traefik.name, true)] }],
  },
  ...SCALING_SCENARIOS,
  ...VAULT_SCENARIOS,
  ExternalSecretSyncFailing: esoScenario("externalsecret_status_condition", "ExternalSecret", "orders-service-mysql-credentials", "redis-credentials"),
  SecretStoreNotReady: esoScenario("secretstore_status_condition", "SecretStore", "vault-redis", "vault-rabbitmq"),
};

/** Whether a stack runs Vault in the cluster, from its stack file. */
const runsVault = (stack: StackName) => stackSetting<string>(stack, "secretsBackend") === "vault" && stackSetting<string>(stack, "vaultAddress") === "";

/** The PrometheusRules of a stack's render, as `writeRuleFiles` takes them. */
async function ruleResources(stack: StackName) {
  const r = await stackRender(stack);
  return r.kind("PrometheusRule").map((p) => ({ name: p.inputs.metadata.name as string, spec: p.inputs.spec }));
}

/**
 * The scenarios of a stack: every one, but the Vault server's alerts where it runs no Vault, and
 * the synchronisation alerts where its Secrets are generated.
 */
async function scenariosOf(stack: StackName): Promise<string[]> {
  const vault = stackSetting(stack, "secretsBackend") === "vault";
  return Object.keys(SCENARIOS)
    .filter((a) => runsVault(stack) || !(VAULT_ALERTS as readonly string[]).includes(a))
    .filter((a) => vault || !VAULT_ONLY_ALERTS.includes(a));
}

/** Each stack's rules files, written once. */
const ruleFiles = new Map<StackName, Promise<RuleFiles>>();
function ruleFilesOf(stack: StackName): Promise<RuleFiles> {
  if (!ruleFiles.has(stack)) ruleFiles.set(stack, ruleResources(stack).then(writeRuleFiles));
  return ruleFiles.get(stack)!;
}

async function contextOf(stack: StackName, alertname: string): Promise<Context & { files: RuleFiles; own: string[] }> {
  const r = await stackRender(stack);
  const resources = await ruleResources(stack);
  const rules = resources.flatMap((p: any) => p.spec.groups.flatMap((g: any) => g.rules)).filter((x: AlertRule) => x.alert === alertname);
  const monitors = new Map(r.kind("ServiceMonitor").map((m) => [m.inputs.metadata.name as string, m.inputs]));
  const target = (monitor: string, service: string, pod: string, instance: string) => {
    const m = monitors.get(monitor)!;
    const e = m.spec.endpoints[0];
    const job = e.relabelings?.find((x: any) => x.targetLabel === "job")?.replacement ?? service;
    const labels = { job, namespace: m.spec.namespaceSelector.matchNames[0], service, pod, endpoint: String(e.port ?? e.targetPort), instance };
    return { labels, honor: e.honorLabels === true };
  };
  const rabbitmqNodes = r.find("StatefulSet", RABBITMQ_NAME, NAMESPACES.messaging.name).spec.replicas;
  const autoscalers = new Map(
    r.kind("HorizontalPodAutoscaler").map((h) => [h.inputs.metadata.name as string, { min: h.inputs.spec.minReplicas, max: h.inputs.spec.maxReplicas }]),
  );
  const files = await ruleFilesOf(stack);
  const vaultServers = runsVault(stack) ? stackSetting<number>(stack, "vaultReplicas") : 0;
  return { rules, rabbitmqNodes, vaultServers, autoscalers, target, files, own: files.holding(alertname) };
}

/** An alert's firing checks: silent a minute before its `for` has passed, firing then and ten minutes on. */
function firingGroup(c: Context, alertname: string) {
  const { series, alerts, start = 0 } = SCENARIOS[alertname].firing(c);
  const at = start + minutesOf(c.rules[0].for);
  const checks: AlertCheck[] = [
    { minute: at - 1, alerts: [] },
    { minute: at, alerts: alerts(at) },
    { minute: at + 10, alerts: alerts(at + 10) },
  ];
  return [testGroup(alertname, series, at + 20, checks)];
}

/** An alert's quiet situations, each checked at its `for` and at three times it. */
function quietGroups(c: Context, alertname: string) {
  const hold = minutesOf(c.rules[0].for);
  return SCENARIOS[alertname].quiet(c).map((q) =>
    testGroup(alertname, q.series, 3 * hold + 10, [hold, 3 * hold].map((minute) => ({ minute, alerts: [] }))),
  );
}

/** Every scenario of a stack, run by one promtool process. */
const batches = new Map<StackName, Promise<Map<string, PromtoolRun>>>();
function scenarioRuns(stack: StackName): Promise<Map<string, PromtoolRun>> {
  if (!batches.has(stack)) {
    batches.set(
      stack,
      (async () => {
        const files = await ruleFilesOf(stack);
        const tests = new Map<string, BatchEntry>();
        for (const alertname of await scenariosOf(stack)) {
          const c = await contextOf(stack, alertname);
          tests.set(`${alertname}-firing`, { ruleFiles: c.own, groups: firingGroup(c, alertname) });
          tests.set(`${alertname}-quiet`, { ruleFiles: c.own, groups: quietGroups(c, alertname) });
        }
        return testRulesBatch(files.dir, tests);
      })(),
    );
  }
  return batches.get(stack)!;
}

function expectPass(run: { ok: boolean; output: string }): void {
  if (!run.ok) throw new Error(run.output);
}

afterAll(removeRuleFiles);

describe("reads across groups", () => {
  const group = (rules: object[]) => ({ name: "g", rules: rules as { alert?: string; record?: string }[] });
  test("a rule reading ALERTS or another rule's recorded series is found; a longer name is not", () => {
    const groups = [
      group([{ record: "job:up:sum", expr: "sum by (job) (up)" }]),
      group([
        { alert: "ReadsRecord", expr: "job:up:sum < 1" },
        { alert: "ReadsAlerts", expr: 'ALERTS{alertname="X"} == 1' },
        { alert: "LongerName", expr: "ALERTS_TOTAL > 0 or job:up:sum_rate > 0" },
      ]),
    ];
    expect(recordedOrAlertsReads(groups)).toEqual(["ReadsRecord", "ReadsAlerts"]);
  });
});

suite("the promtool check bites", () => {
  test("an alert expected a minute before its `for` fails the run", async () => {
    const c = await contextOf("dev", "RabbitMQBelowQuorum");
    const hold = minutesOf(c.rules[0].for);
    const { series, alerts } = SCENARIOS.RabbitMQBelowQuorum.firing(c);
    const early = testRules(c.files.dir, c.own, "early", [testGroup("RabbitMQBelowQuorum", series, hold + 5, [{ minute: hold - 1, alerts: alerts(hold) }])]);
    expect(early.ok).toBe(false);
    expect(early.output).toMatch(/FAILED/);
  });

  test("in one process for many files, only the failing file is reported failed", async () => {
    const c = await contextOf("dev", "RabbitMQBelowQuorum");
    const hold = minutesOf(c.rules[0].for);
    const { series, alerts } = SCENARIOS.RabbitMQBelowQuorum.firing(c);
    const runs = testRulesBatch(
      c.files.dir,
      new Map([
        ["on-time", { ruleFiles: c.own, groups: [testGroup("RabbitMQBelowQuorum", series, hold + 5, [{ minute: hold, alerts: alerts(hold) }])] }],
        ["early", { ruleFiles: c.own, groups: [testGroup("RabbitMQBelowQuorum", series, hold + 5, [{ minute: hold - 1, alerts: alerts(hold) }])] }],
        ["quiet", { ruleFiles: c.own, groups: quietGroups(c, "RabbitMQBelowQuorum") }],
      ]),
    );
    expect(Object.fromEntries([...runs].map(([name, run]) => [name, run.ok]))).toEqual({ "on-time": true, early: false, quiet: true });
    expect(runs.get("early")!.output).toMatch(/FAILED/);
  });

  test("a label the exporter does not emit fails the run", async () => {
    const c = await contextOf("dev", "CertificateNotReady");
    const { series, alerts } = SCENARIOS.CertificateNotReady.firing(c);
    const wrong = alerts(15).map((a) => ({ ...a, labels: { ...a.labels, namespace: NAMESPACES.certManager.name } }));
    expect(testRules(c.files.dir, c.own, "wrong", [testGroup("CertificateNotReady", series, 20, [{ minute: 15, alerts: wrong }])]).ok).toBe(false);
  });
});

suite.each(STACKS)("promtool on the alert rules of %s", (stack) => {
  test(`promtool check rules accepts every PrometheusRule (${PROMTOOL ?? "promtool"})`, async () => {
    const files = await ruleFilesOf(stack);
    expect(files.files.length).toBeGreaterThan(0);
    expectPass(checkRules(files.dir, files.files));
  });

  test("each alert's group is proved alone: no rule reads a recorded series or ALERTS, and each alert sits in one group", async () => {
    const resources = await ruleResources(stack);
    expect(recordedOrAlertsReads(resources.flatMap((p) => p.spec.groups))).toEqual([]);
    const files = await ruleFilesOf(stack);
    for (const alertname of await scenariosOf(stack)) expect(files.holding(alertname)).toHaveLength(1);
  });

  test("every alert of the render has a scenario here, and every scenario an alert", async () => {
    const r = await stackRender(stack);
    const names = r.kind("PrometheusRule").flatMap((p) => p.inputs.spec.groups.flatMap((g: any) => g.rules.map((x: any) => x.alert)));
    expect([...new Set(names)].sort()).toEqual((await scenariosOf(stack)).sort());
  });

  test.each(Object.keys(SCENARIOS))("%s fires after its `for`, not a minute before", async (alertname) => {
    if (!(await scenariosOf(stack)).includes(alertname)) return;
    const c = await contextOf(stack, alertname);
    expect(SCENARIOS[alertname].firing(c).alerts(minutesOf(c.rules[0].for)).length).toBeGreaterThan(0);
    expectPass((await scenarioRuns(stack)).get(`${alertname}-firing`)!);
  });

  test.each(Object.keys(SCENARIOS))("%s stays silent when nothing is wrong", async (alertname) => {
    if (!(await scenariosOf(stack)).includes(alertname)) return;
    const c = await contextOf(stack, alertname);
    expect(SCENARIOS[alertname].quiet(c).length).toBeGreaterThan(0);
    expectPass((await scenarioRuns(stack)).get(`${alertname}-quiet`)!);
  });
});
