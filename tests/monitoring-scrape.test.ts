import { KUBE_SYSTEM, NAMESPACES, SERVICES, ServiceSpec, serviceLabels } from "../catalog";
import { monitorManifest, scrapeTargets } from "../components/monitoring-targets";
import { STACKS, renderProgram, stackRender } from "./harness";
import { crdProblems } from "./monitoring-schemas";

const MON = NAMESPACES.monitoring.name;

/** The monitors of a render, by name. */
async function monitors(stack: (typeof STACKS)[number]) {
  const r = await stackRender(stack);
  const all = [...r.kind("ServiceMonitor"), ...r.kind("PodMonitor")];
  return new Map(all.map((m) => [m.inputs.metadata.name as string, m]));
}

const endpointsOf = (inputs: any): any[] => inputs.spec.endpoints ?? inputs.spec.podMetricsEndpoints;

describe.each(STACKS)("monitors of %s", (stack) => {
  test("one monitor per catalog service plus RabbitMQ, Traefik, CoreDNS and cert-manager, nothing else", async () => {
    const names = [...(await monitors(stack)).keys()].sort();
    expect(names).toEqual([...SERVICES.map((s) => s.name), "rabbitmq-cluster", "traefik", "coredns", "cert-manager"].sort());
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

  test.each([
    ["rabbitmq-cluster", "ServiceMonitor", NAMESPACES.messaging.name, { "app.kubernetes.io/name": "rabbitmq-cluster" }, "prometheus"],
    ["traefik", "PodMonitor", NAMESPACES.traefik.name, { "app.kubernetes.io/name": "traefik" }, "metrics"],
    ["coredns", "ServiceMonitor", KUBE_SYSTEM, { "k8s-app": "kube-dns" }, "metrics"],
    [
      "cert-manager",
      "ServiceMonitor",
      NAMESPACES.certManager.name,
      { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "controller" },
      "tcp-prometheus-servicemonitor",
    ],
  ])("%s: a %s in %s selecting %j on port %s", async (name, kind, namespace, labels, port) => {
    const m = (await monitors(stack)).get(name)!;
    expect(m.inputs.kind).toBe(kind);
    expect(m.inputs.spec.namespaceSelector.matchNames).toEqual([namespace]);
    expect(m.inputs.spec.selector.matchLabels).toEqual(labels);
    expect(endpointsOf(m.inputs).map((e) => e.port)).toEqual([port]);
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

describe("the CRD check bites", () => {
  const good = monitorManifest(scrapeTargets(SERVICES)[0], MON);

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
    expect(() => scrapeTargets([...SERVICES, clash])).toThrow(/two monitors would be named 'traefik'/);
  });
});
