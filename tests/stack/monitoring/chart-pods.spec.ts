/**
 * The pod rows of the kube-prometheus-stack module against the charts: labels, container ports
 * and host network worked out from the vendored charts (`chartdata/kube-prometheus-stack/`, its
 * sub-charts under `charts/`) and the values each stack renders, following what the rows cite:
 * kube-prometheus-stack 88.5.3 (`templates/_helpers.tpl`, `prometheus-operator/`), grafana 12.11.1
 * (`templates/_helpers.tpl`, `_pod.tpl`), kube-state-metrics 8.4.0 and prometheus-node-exporter
 * 4.56.1 (`templates/_helpers.tpl`, `deployment.yaml`, `daemonset.yaml`), and the operator that
 * runs Prometheus and Alertmanager (prometheus-operator v0.93.0 `pkg/prometheus/server/`,
 * `pkg/alertmanager/`, `pkg/operator/config_reloader.go`).
 */
import { KUBE_PROMETHEUS_STACK } from "../../../components/monitoring/kube-prometheus-stack/chart";
import { STACKS, stackRender } from "../../harness";
import { ExpectedPod, chartdataYaml, helmDefault, mergedValues, rowProblems, tcp, truthy, udp } from "../chart-pods";

const DIR = "kube-prometheus-stack";
/** `.Release.Service` (helm v3.20.2 `pkg/chartutil/values.go` 157). */
const HELM = "Helm";
const MANAGED_BY = { "app.kubernetes.io/managed-by": HELM };

const chartName = (dir: string, nameOverride: unknown) => helmDefault<string>(chartdataYaml(`${dir}/Chart.yaml`).name, nameOverride);

/** Prometheus and Alertmanager: the operator's selector labels and ports, and the config reloader beside them. */
function operatedPods(v: any, release: string, name: string): Record<string, ExpectedPod> {
  // `kube-prometheus-stack.fullname` and the custom resources' names (`prometheus.crname`, `alertmanager.crname`).
  const fullname = truthy(v.fullnameOverride) ? v.fullnameOverride : release.includes(name) ? release : `${release}-${name}`;
  const crname = (suffix: string) => (v.cleanPrometheusOperatorObjectNames ? fullname : `${fullname}-${suffix}`);
  const operated = (app: string, cr: string) => ({ "app.kubernetes.io/name": app, "app.kubernetes.io/managed-by": "prometheus-operator", "app.kubernetes.io/instance": cr });
  // The reloader listens on all addresses (8080, `reloader-web`) unless `listenLocal`; Prometheus'
  // does whatever `listenLocal` when it reloads by signal.
  const reloader = tcp("reloader-web", 8080);
  const p = v.prometheus.prometheusSpec;
  const a = v.alertmanager.alertmanagerSpec;
  if (truthy(p.shards) && p.shards !== 1) throw new Error("Prometheus shards are not worked out here");
  const prometheus = crname("prometheus");
  const alertmanager = crname("alertmanager");
  return {
    [`prometheus-${prometheus}`]: {
      labels: { ...(p.podMetadata?.labels ?? {}), ...operated("prometheus", prometheus), "operator.prometheus.io/name": prometheus, prometheus, "operator.prometheus.io/shard": "0" },
      ports: [...(p.listenLocal ? [] : [tcp(p.portName, 9090)]), ...(!p.listenLocal || p.reloadStrategy === "ProcessSignal" ? [reloader] : [])],
      hostNetwork: p.hostNetwork === true,
    },
    [`alertmanager-${alertmanager}`]: {
      labels: { ...(a.podMetadata?.labels ?? {}), ...operated("alertmanager", alertmanager), alertmanager },
      ports: [...(a.listenLocal ? [] : [tcp(a.portName, 9093)]), tcp("mesh-tcp", 9094), udp("mesh-udp", 9094), ...(a.listenLocal ? [] : [reloader])],
      hostNetwork: a.hostNetwork === true,
    },
  };
}

/** The operator's Deployment (`prometheus-operator/_prometheus-operator.tpl`, `deployment.yaml`). */
function operatorPod(v: any, release: string, name: string): ExpectedPod {
  const o = v.prometheusOperator;
  const stackLabels = { ...MANAGED_BY, "app.kubernetes.io/instance": release, "app.kubernetes.io/part-of": name, release, heritage: HELM, ...(v.commonLabels ?? {}) };
  return {
    labels: { ...stackLabels, app: `${name}-operator`, "app.kubernetes.io/name": `${name}-prometheus-operator`, "app.kubernetes.io/component": "prometheus-operator", ...(o.podLabels ?? {}) },
    ports: o.tls.enabled ? [tcp("https", o.tls.internalPort)] : [tcp("http", 8080)],
    hostNetwork: o.hostNetwork === true,
  };
}

/** The sub-charts' pods, with the parent's section of the values over their own defaults. */
function subchartPods(v: any, release: string): Record<string, ExpectedPod> {
  const out: Record<string, ExpectedPod> = {};
  if (v.grafana.enabled) {
    const dir = `${DIR}/charts/grafana`;
    const g = mergedValues(dir, v.grafana);
    out[`${release}-grafana`] = {
      labels: { "app.kubernetes.io/name": chartName(dir, g.nameOverride), "app.kubernetes.io/instance": release, ...(g.extraLabels ?? {}), ...(g.podLabels ?? {}) },
      ports: [tcp(g.podPortName, g.service.targetPort), tcp(`${g.gossipPortName}-tcp`, 9094), udp(`${g.gossipPortName}-udp`, 9094), tcp("profiling", 6060)],
      hostNetwork: false,
    };
  }
  // kube-state-metrics and node-exporter label alike: component, part-of, selector, release.
  const exporter = (dir: string, x: any) => ({
    ...MANAGED_BY,
    "app.kubernetes.io/component": "metrics",
    "app.kubernetes.io/part-of": chartName(dir, x.nameOverride),
    "app.kubernetes.io/name": chartName(dir, x.nameOverride),
    "app.kubernetes.io/instance": release,
    ...(x.releaseLabel ? { release } : {}),
    ...(x.podLabels ?? {}),
  });
  if (v.kubeStateMetrics.enabled) {
    const dir = `${DIR}/charts/kube-state-metrics`;
    const k = mergedValues(dir, v["kube-state-metrics"]);
    if (k.kubeRBACProxy.enabled || truthy(k.selectorOverride)) throw new Error("kube-rbac-proxy and selectorOverride are not worked out here");
    out[`${release}-kube-state-metrics`] = {
      labels: { ...exporter(dir, k), ...(k.customLabels ?? {}) },
      ports: [tcp("http", helmDefault(8080, k.service.port)), tcp("metrics", helmDefault(8081, k.selfMonitor?.telemetryPort))],
      hostNetwork: k.hostNetwork === true,
    };
  }
  if (v.nodeExporter.enabled) {
    const dir = `${DIR}/charts/prometheus-node-exporter`;
    const n = mergedValues(dir, v["prometheus-node-exporter"]);
    if (n.kubeRBACProxy.enabled) throw new Error("kube-rbac-proxy is not worked out here");
    out[`${release}-prometheus-node-exporter`] = {
      labels: { ...exporter(dir, n), ...(n.commonLabels ?? {}) },
      ports: [tcp(n.service.portName, n.service.port)],
      hostNetwork: n.hostNetwork === true,
    };
  }
  return out;
}

/** Every workload of the stack, by the name the analyzer gives it. */
function stackPods(values: Record<string, unknown>, release: string): Record<string, ExpectedPod> {
  const v = mergedValues(DIR, values);
  const name = chartName(DIR, v.nameOverride);
  return { ...operatedPods(v, release, name), [`${release}-operator`]: operatorPod(v, release, name), ...subchartPods(v, release) };
}

const renderedValues = async (stack: (typeof STACKS)[number]) =>
  (await stackRender(stack)).one("kubernetes:helm.sh/v4:Chart", KUBE_PROMETHEUS_STACK.release).inputs.values as Record<string, any>;
const fill = (name: string) => name.replace(/\{release\}/g, KUBE_PROMETHEUS_STACK.release);

describe.each(STACKS)("chart pods of %s", (stack) => {
  let cached: Promise<Record<string, ExpectedPod>> | undefined;
  const expected = () => (cached ??= renderedValues(stack).then((v) => stackPods(v, KUBE_PROMETHEUS_STACK.release)));

  test("every workload the chart, its sub-charts and the operator run has a row, and only those", async () => {
    expect(KUBE_PROMETHEUS_STACK.pods.map((p) => fill(p.name)).sort()).toEqual(Object.keys(await expected()).sort());
  });

  test.each(KUBE_PROMETHEUS_STACK.pods.map((p) => [fill(p.name), p] as const))("%s: the row is what the templates give its pods", async (name, row) => {
    expect(rowProblems(row, (await expected())[name])).toEqual([]);
  });
});

describe("the chart-pod checks bite", () => {
  test("values that add a label, move a port or change a sub-chart's port name are reported", async () => {
    const values = await renderedValues("prod");
    const row = (name: string) => KUBE_PROMETHEUS_STACK.pods.find((p) => fill(p.name) === name)!;
    const planted = stackPods(
      {
        ...values,
        prometheus: { ...(values.prometheus as any), prometheusSpec: { ...(values.prometheus as any).prometheusSpec, podMetadata: { labels: { team: "x" } } } },
        prometheusOperator: { ...(values.prometheusOperator as any), tls: { enabled: true, internalPort: 10250 } },
        "prometheus-node-exporter": { service: { portName: "metrics" } },
      },
      KUBE_PROMETHEUS_STACK.release,
    );
    expect(rowProblems(row("prometheus-monitoring"), planted["prometheus-monitoring"]).join("\n")).toMatch(/"team":"x"/);
    expect(rowProblems(row("monitoring-operator"), planted["monitoring-operator"])).toContain("{release}-operator: the chart declares port 10250/TCP https, the row does not");
    expect(rowProblems(row("monitoring-prometheus-node-exporter"), planted["monitoring-prometheus-node-exporter"])).toContain(
      "{release}-prometheus-node-exporter: the chart declares port 9100/TCP metrics, the row does not",
    );
  });
});
