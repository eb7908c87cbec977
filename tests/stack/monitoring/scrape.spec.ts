import { KUBE_SYSTEM, NAMESPACES, SERVICES, ServiceSpec, serviceLabels } from "../../../catalog";
import { CERT_MANAGER, CERT_MANAGER_METRICS } from "../../../components/ingress/cert-manager/chart";
import { TRAEFIK, TRAEFIK_METRICS, TRAEFIK_POD_LABELS } from "../../../components/ingress/traefik/chart";
import { COREDNS_METRICS_PORT, SEED_COREFILE } from "../../../components/foundation/cluster-addons";
import { monitorManifest, scrapeTargets } from "../../../components/monitoring/targets";
import { CHART_WORKLOADS } from "../../../tools/netpol/chart-workloads";
import { STACKS, renderProgram, stackRender, stackSetting } from "../../harness";
import { crdProblems } from "./schemas";

const MON = NAMESPACES.monitoring.name;

/** The monitors of a render, by name. */
async function monitors(stack: (typeof STACKS)[number]) {
  const r = await stackRender(stack);
  const all = [...r.kind("ServiceMonitor"), ...r.kind("PodMonitor")];
  return new Map(all.map((m) => [m.inputs.metadata.name as string, m]));
}

const endpointsOf = (inputs: any): any[] => inputs.spec.endpoints ?? inputs.spec.podMetricsEndpoints;

describe.each(STACKS)("monitors of %s", (stack) => {
  const vault = stackSetting(stack, "secretsBackend") === "vault";
  const vaultRuns = vault && stackSetting(stack, "vaultAddress") === "";

  test("one monitor per catalog service plus RabbitMQ, Traefik, CoreDNS, cert-manager, Karpenter, the AWS Load Balancer Controller and, with Vault, External Secrets and Vault where it runs; nothing else", async () => {
    const names = [...(await monitors(stack)).keys()].sort();
    const platform = ["rabbitmq-cluster", "traefik", "coredns", "cert-manager", "karpenter", "aws-load-balancer-controller", ...(vault ? ["external-secrets"] : []), ...(vaultRuns ? ["vault"] : [])];
    expect(names).toEqual([...SERVICES.map((s) => s.name), ...platform].sort());
  });

  test.each(SERVICES.map((s) => [s.name, s] as const))(
    "%s: its Service's labels and its metrics port, in e-commerce",
    async (name, spec) => {
      const m = (await monitors(stack)).get(name)!;
      expect(m.inputs.kind).toBe("ServiceMonitor");
      expect(m.inputs.metadata.namespace).toBe(MON);
      expect(m.inputs.spec.namespaceSelector.matchNames).toEqual([NAMESPACES.app.name]);
      expect(m.inputs.spec.selector.matchLabels).toEqual(serviceLabels(spec));
      expect(endpointsOf(m.inputs).map((e) => e.port)).toEqual(["metrics"]);
    },
  );

  // Ports and labels as the charts and add-ons name them: rabbitmq-server v4.1.4 (15692), the
  // chart modules' pod rows and metrics Services (checked against the charts in chart-pods.spec.ts),
  // CoreDNS by its container port 9153 (the EKS add-on's Service is AWS's).
  test.each([
    ["rabbitmq-cluster", "ServiceMonitor", NAMESPACES.messaging.name, { "app.kubernetes.io/name": "rabbitmq-cluster" }, { port: "prometheus" }],
    ["traefik", "PodMonitor", TRAEFIK.namespace, { "app.kubernetes.io/name": TRAEFIK_POD_LABELS["app.kubernetes.io/name"] }, { port: TRAEFIK_METRICS.portName }],
    ["coredns", "ServiceMonitor", KUBE_SYSTEM, { "k8s-app": "kube-dns" }, { targetPort: 9153 }],
    ["cert-manager", "ServiceMonitor", CERT_MANAGER.namespace, CERT_MANAGER_METRICS.serviceLabels, { port: CERT_MANAGER_METRICS.portName }],
    // aws/karpenter-provider-aws v1.14.1 charts/karpenter/templates/service.yaml: port `http-metrics`, the selector labels.
    ["karpenter", "ServiceMonitor", KUBE_SYSTEM, { "app.kubernetes.io/name": "karpenter", "app.kubernetes.io/instance": "karpenter" }, { port: "http-metrics" }],
    // aws-load-balancer-controller chart 3.5.0 `deployment.yaml` 24-30, 250-252: the selector labels, container port `metrics-server`.
    [
      "aws-load-balancer-controller",
      "PodMonitor",
      KUBE_SYSTEM,
      { "app.kubernetes.io/name": "aws-load-balancer-controller", "app.kubernetes.io/instance": "aws-load-balancer-controller" },
      { port: "metrics-server" },
    ],
  ])("%s: a %s in %s selecting %j on %j", async (name, kind, namespace, labels, port) => {
    const m = (await monitors(stack)).get(name)!;
    expect(m.inputs.kind).toBe(kind);
    expect(m.inputs.spec.namespaceSelector.matchNames).toEqual([namespace]);
    expect(m.inputs.spec.selector.matchLabels).toEqual(labels);
    expect(endpointsOf(m.inputs)).toEqual([expect.objectContaining(port)]);
    for (const e of endpointsOf(m.inputs)) expect(Object.keys(e).filter((k) => ["port", "targetPort", "portNumber"].includes(k))).toEqual(Object.keys(port));
  });

  test("cert-manager's and External Secrets' monitors keep their objects' namespace label (honorLabels), no other monitor does", async () => {
    for (const [name, m] of await monitors(stack)) {
      expect([name, endpointsOf(m.inputs)[0].honorLabels ?? false]).toEqual([name, ["cert-manager", "external-secrets"].includes(name)]);
    }
  });

  test("every monitor passes the CRD schema of the pinned chart", async () => {
    for (const m of (await monitors(stack)).values()) expect([m.inputs.metadata.name, crdProblems(m.inputs)]).toEqual([m.inputs.metadata.name, []]);
  });

  test("every monitor waits for the chart (its CRDs and the operator)", async () => {
    const r = await stackRender(stack);
    const chart = r.one("kubernetes:helm.sh/v4:Chart", "monitoring");
    for (const m of (await monitors(stack)).values()) expect(m.dependsOn).toContain(chart.urn);
  });
});

describe("scrape targets match the charts' pods", () => {
  // The table of chart pods (its rows checked against the charts in chart-pods.spec.ts) and the
  // monitor must agree: the controller container declares the port its Service exposes under
  // the same name (cert-manager's `templates/service.yaml`, cited by CERT_MANAGER_METRICS).
  test("cert-manager: the monitor's port is the controller's metrics port, by name and number", () => {
    const row = CHART_WORKLOADS.find((w) => w.chart === "cert-manager" && w.labels["app.kubernetes.io/component"] === "controller")!;
    expect(row.ports).toContainEqual({ name: CERT_MANAGER_METRICS.portName, containerPort: CERT_MANAGER_METRICS.port, protocol: "TCP" });
    const target = scrapeTargets(SERVICES, "kubernetes").find((t) => t.name === "cert-manager")!;
    expect(target.port).toBe(CERT_MANAGER_METRICS.portName);
    // The controller pods carry every label the Service is selected by.
    expect(row.labels).toMatchObject(target.selector);
  });

  test("Traefik: the PodMonitor's port is the metrics container port the chart declares", () => {
    const row = CHART_WORKLOADS.find((w) => w.chart === "traefik")!;
    const target = scrapeTargets(SERVICES, "kubernetes").find((t) => t.name === "traefik")!;
    expect(row.ports.find((p) => p.name === target.port)?.containerPort).toBe(TRAEFIK_METRICS.port);
    expect(row.labels).toMatchObject(target.selector);
  });

  test("CoreDNS: the monitor scrapes the Corefile's metrics port, whatever the Service names it", () => {
    const target = scrapeTargets(SERVICES, "kubernetes").find((t) => t.name === "coredns")!;
    expect(target.port).toBe(COREDNS_METRICS_PORT);
    expect(SEED_COREFILE).toContain(`prometheus :${target.port}`);
    expect(monitorManifest(target, MON).spec.endpoints).toEqual([expect.objectContaining({ targetPort: 9153 })]);
  });

  test("External Secrets: only with vault, per controller pod on its `metrics` port, keeping the objects' own namespace", () => {
    expect(scrapeTargets(SERVICES, "kubernetes").find((t) => t.name === "external-secrets")).toBeUndefined();
    const target = scrapeTargets(SERVICES, "vault").find((t) => t.name === "external-secrets")!;
    const row = CHART_WORKLOADS.find((w) => w.chart === "external-secrets" && w.name === "{release}")!;
    expect(row.ports.find((p) => p.name === target.port)?.containerPort).toBe(8080);
    expect(row.labels).toMatchObject(target.selector);
    expect(target.honorLabels).toBe(true);
    expect(crdProblems(monitorManifest(target, MON))).toEqual([]);
  });

  test("a PodMonitor scraping a port number uses portNumber", () => {
    const byNumber = { name: "x", kind: "PodMonitor" as const, namespace: "ns", selector: { a: "b" }, port: 9100 };
    const m = monitorManifest(byNumber, MON);
    expect(m.spec.podMetricsEndpoints).toEqual([expect.objectContaining({ portNumber: 9100 })]);
    expect(crdProblems(m)).toEqual([]);
  });
});

describe("the CRD check bites", () => {
  const good = monitorManifest(scrapeTargets(SERVICES, "kubernetes")[0], MON);

  test("a valid monitor has no problem", () => {
    expect(crdProblems(good)).toEqual([]);
  });

  test("a misspelled field is reported", () => {
    const bad = { ...good, spec: { ...good.spec, namespaceSelecter: { any: true } } };
    expect(crdProblems(bad).join("\n")).toMatch(/namespaceSelecter/);
  });

  test("a wrongly typed field is reported", () => {
    const bad = { ...good, spec: { ...good.spec, endpoints: [{ port: "metrics", interval: "often" }] } };
    expect(crdProblems(bad).join("\n")).toMatch(/\/spec\/endpoints\/0\/interval/);
  });
});

describe("monitors follow the catalog", () => {
  test("a new catalog row gets its monitor, with its labels", async () => {
    const extra: ServiceSpec = { ...SERVICES[1], name: "loyalty-service", uses: ["rabbitmq"], notes: undefined, clientIpAffinitySeconds: undefined };
    const r = await renderProgram("dev", { services: [...SERVICES, extra] });
    const m = r.find("ServiceMonitor", "loyalty-service", MON);
    expect(m.spec.selector.matchLabels).toEqual({ app: "loyalty-service", component: "microservice" });
  });

  test("a service named like a platform monitor is refused", () => {
    const clash: ServiceSpec = { ...SERVICES[1], name: "traefik" };
    expect(() => scrapeTargets([...SERVICES, clash], "kubernetes")).toThrow(/two monitors would be named 'traefik'/);
  });
});
