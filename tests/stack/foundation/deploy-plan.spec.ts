import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RecordedResource, Rendered } from "../../../tools/render/engine";
import { buildGraph, levels, peakConcurrency, schedule, topologicalOrder, waitsTransitively } from "../../../tools/deploy-plan/graph";
import { DURATIONS } from "../../../tools/deploy-plan/durations";
import { durationOf } from "../../../tools/deploy-plan/kinds";
import { deployPlan } from "../../../tools/deploy-plan/deploy-plan";
import { CHARTS } from "../../../components/charts";
import { CERT_MANAGER, CERT_MANAGER_API_VERSION } from "../../../components/ingress/cert-manager/chart";
import { METRICS_SERVER } from "../../../components/foundation/metrics-server/chart";
import { EXTERNAL_SECRETS_API_VERSION } from "../../../components/secrets/external-secrets/chart";
import { STACKS, renderComponent, stackRender, stackRun } from "../../harness";

/** A resource of a synthetic stack `t` of project `ecommerce`. */
function res(
  name: string,
  opts: { type?: string; deps?: string[]; parent?: string; custom?: boolean; inputs?: Record<string, any> } = {},
): RecordedResource {
  const type = opts.type ?? "aws:ec2/vpc:Vpc";
  return {
    urn: `urn:pulumi:t::ecommerce::${type}::${name}`,
    type,
    name,
    parent: opts.parent ?? null,
    dependsOn: opts.deps ?? [],
    inputs: opts.inputs ?? {},
    custom: opts.custom ?? true,
    provider: null,
  };
}
const COMPONENT = "ecommerce:test:Group";
const k8s = (kind: string, name: string, extra: Record<string, any> = {}, deps: string[] = []) =>
  res(name, { type: `kubernetes:test/v1:${kind}`, deps, inputs: { apiVersion: "v1", kind, ...extra } });

describe("deploy graph", () => {
  test("a dependency on a component waits for every node under it, however deep", () => {
    const group = res("group", { type: COMPONENT, custom: false });
    const inner = res("inner", { type: COMPONENT, custom: false, parent: group.urn });
    const a = res("a", { parent: group.urn });
    const b = res("b", { parent: inner.urn });
    const c = res("c", { deps: [group.urn] });
    const g = buildGraph([group, inner, a, b, c]);
    expect(g.nodes).toEqual([a.urn, b.urn, c.urn]);
    expect(g.components).toEqual([group.urn, inner.urn]);
    expect(g.waitsFor.get(c.urn)).toEqual([a.urn, b.urn]);
  });

  test("the render records dependsOn on a component as the component's custom resources (SDK expansion)", async () => {
    const rendered = await renderComponent(() => {
      const group = new pulumi.ComponentResource("ecommerce:test:Group", "group");
      const inner = new pulumi.ComponentResource("ecommerce:test:Group", "inner", {}, { parent: group });
      new aws.ec2.Vpc("a", { cidrBlock: "10.0.0.0/16" }, { parent: group });
      new aws.ec2.Vpc("b", { cidrBlock: "10.1.0.0/16" }, { parent: inner });
      new aws.ec2.Vpc("user", { cidrBlock: "10.2.0.0/16" }, { dependsOn: [group] });
    });
    const names = rendered.one("aws:ec2/vpc:Vpc", "user").dependsOn.map((u) => u.split("::").pop());
    expect(names).toEqual(["a", "b"]);
  });

  test("remote components of another package are nodes; the project's own empty components are not", () => {
    const chart = res("chart", { type: "kubernetes:helm.sh/v4:Chart", custom: false });
    const empty = res("empty", { type: COMPONENT, custom: false });
    const user = res("user", { deps: [chart.urn, empty.urn] });
    const g = buildGraph([chart, empty, user]);
    expect(g.nodes).toEqual([chart.urn, user.urn]);
    expect(g.waitsFor.get(user.urn)).toEqual([chart.urn]);
  });

  test("a child of a custom resource waits for its parent", () => {
    const parent = res("parent");
    const child = res("child", { parent: parent.urn });
    expect(buildGraph([parent, child]).waitsFor.get(child.urn)).toEqual([parent.urn]);
  });

  test("depth counts the longest chain, width the largest level", () => {
    // a -> b -> d, a -> c -> d, a -> e: levels 1, 2 (b, c, e), 3 (d).
    const a = res("a");
    const b = res("b", { deps: [a.urn] });
    const c = res("c", { deps: [a.urn] });
    const e = res("e", { deps: [a.urn] });
    const d = res("d", { deps: [b.urn, c.urn] });
    const g = buildGraph([a, b, c, e, d]);
    const level = levels(topologicalOrder(g.nodes, g.waitsFor), g.waitsFor);
    expect([a, b, c, e, d].map((r) => level.get(r.urn))).toEqual([1, 2, 2, 2, 3]);
    const plan = deployPlan([a, b, c, e, d]);
    expect(plan.summary).toMatchObject({ nodes: 5, depth: 3, width: 3, widestLevel: 2, dependencies: 5 });
  });

  test("the critical path follows the slowest branch, with cumulative times and zero slack", () => {
    // vpc (20) -> subnet (10) -> nat (120); vpc -> route table (3): the NAT branch decides.
    const vpc = res("vpc");
    const subnet = res("subnet", { type: "aws:ec2/subnet:Subnet", deps: [vpc.urn] });
    const nat = res("nat", { type: "aws:ec2/natGateway:NatGateway", deps: [subnet.urn] });
    const rt = res("rt", { type: "aws:ec2/routeTable:RouteTable", deps: [vpc.urn] });
    const plan = deployPlan([vpc, subnet, nat, rt]);
    expect(plan.criticalPath.map((s) => [s.kind, s.start, s.finish])).toEqual([
      ["vpc", 0, 20],
      ["subnet", 20, 30],
      ["nat-gateway", 30, 150],
    ]);
    expect(plan.summary.criticalPathSeconds).toBe(150);
    const slack = new Map(plan.resources.map((r) => [r.urn, r.slack]));
    expect(slack.get(nat.urn)).toBe(0);
    expect(slack.get(rt.urn)).toBe(150 - 23);
  });

  test("peak concurrency counts overlapping operations of the schedule", () => {
    const preds = new Map<string, string[]>([["a", []], ["b", []], ["c", ["a"]]]);
    const timing = schedule(["a", "b", "c"], preds, (u) => ({ a: 10, b: 15, c: 10 })[u]!);
    expect(timing.get("c")).toMatchObject({ start: 10, finish: 20, after: "a" });
    expect(peakConcurrency(timing)).toBe(2);
  });

  test("a cycle is rejected with the resources that form it", () => {
    const a = res("a", { deps: ["urn:pulumi:t::ecommerce::aws:ec2/vpc:Vpc::c"] });
    const b = res("b", { deps: [a.urn] });
    const c = res("c", { deps: [b.urn] });
    expect(() => deployPlan([a, b, c])).toThrow(
      "dependency cycle: aws:ec2/vpc:Vpc::a -> aws:ec2/vpc:Vpc::b -> aws:ec2/vpc:Vpc::c -> aws:ec2/vpc:Vpc::a",
    );
  });

  test("a dependency on a resource that is not in the render is an error", () => {
    expect(() => buildGraph([res("a", { deps: ["urn:pulumi:t::ecommerce::x:y:Z::ghost"] })])).toThrow(
      /aws:ec2\/vpc:Vpc::a depends on an unknown resource .*ghost/,
    );
  });
});

describe("durations", () => {
  test("a StatefulSet takes one ordinal at a time with OrderedReady, one in all with Parallel", () => {
    const per = DURATIONS["k8s-statefulset-pod"].seconds;
    const sts = (spec: Record<string, any>) => durationOf({ type: "kubernetes:apps/v1:StatefulSet", inputs: { kind: "StatefulSet", spec } });
    expect(sts({ replicas: 3 }).seconds).toBe(3 * per);
    expect(sts({ replicas: 3, podManagementPolicy: "OrderedReady" }).seconds).toBe(3 * per);
    expect(sts({ replicas: 3, podManagementPolicy: "Parallel" }).seconds).toBe(per);
    expect(sts({}).seconds).toBe(per);
  });

  test.each([
    [{ kind: "Service", spec: { type: "LoadBalancer", selector: { app: "t" } } }, "k8s-service-lb"],
    [{ kind: "Service", spec: { selector: { app: "t" } } }, "k8s-service"],
    [{ kind: "Service", spec: { clusterIP: "None" } }, "k8s-object"],
    [{ kind: "Deployment", metadata: { annotations: { "pulumi.com/skipAwait": "true" } } }, "k8s-object"],
    [{ kind: "Deployment" }, "k8s-deployment"],
    [{ apiVersion: CERT_MANAGER_API_VERSION, kind: "Certificate" }, "k8s-object"],
    [
      { apiVersion: CERT_MANAGER_API_VERSION, kind: "Certificate", metadata: { annotations: { "pulumi.com/waitFor": "condition=Ready" } } },
      "certificate-issued",
    ],
  ])("Kubernetes object %j is weighted as %s", (inputs, kind) => {
    expect(durationOf({ type: "kubernetes:x/v1:X", inputs: { apiVersion: "v1", ...inputs } }).kind).toBe(kind);
  });

  test("a chart awaits readiness unless skipAwait; unknown types fall back to the default and are listed", () => {
    expect(durationOf({ type: "kubernetes:helm.sh/v4:Chart", inputs: {} }).kind).toBe("helm-chart");
    expect(durationOf({ type: "kubernetes:helm.sh/v4:Chart", inputs: { skipAwait: true } }).kind).toBe("helm-chart-no-await");
    const odd = res("odd", { type: "aws:mq/broker:Broker" });
    const plan = deployPlan([odd]);
    expect(plan.defaulted).toEqual([{ urn: odd.urn, type: "aws:mq/broker:Broker" }]);
    expect(plan.resources[0].seconds).toBe(DURATIONS.default.seconds);
  });

  test("every figure except the default cites at least one public source", () => {
    for (const [kind, rule] of Object.entries(DURATIONS)) {
      if (kind === "default") continue;
      expect(rule.sources.length).toBeGreaterThan(0);
      for (const url of rule.sources) expect(url).toMatch(/^https:\/\/[a-z0-9.-]+\//);
      expect(rule.seconds).toBeGreaterThanOrEqual(0);
    }
  });
});

describe("nodes and the lower bound", () => {
  const cluster = res("cluster", { type: "eks:index:Cluster", custom: false });
  const nodes = res("nodes", { type: "eks:index:ManagedNodeGroup", custom: false, deps: [cluster.urn] });
  const provider = res("k8s", { type: "pulumi:providers:kubernetes", deps: [cluster.urn] });
  // Not ordered after the nodes in the graph, yet it cannot be ready before them.
  const app = k8s("Deployment", "app", {}, [provider.urn]);

  test("a workload waits for the node group in time, though not in the graph", () => {
    const plan = deployPlan([cluster, nodes, provider, app]);
    const entry = plan.resources.find((r) => r.urn === app.urn)!;
    expect(entry.waitsFor).toEqual([provider.urn]);
    expect(entry.waitsForNodes).toBe(true);
    expect(entry.start).toBe(DURATIONS["eks-cluster"].seconds + DURATIONS["node-group"].seconds);
  });

  test("the lower bound is control plane, then nodes, then the slowest thing needing nodes", () => {
    const sts = k8s("StatefulSet", "db", { spec: { replicas: 3 } }, [provider.urn]);
    const plan = deployPlan([cluster, nodes, provider, app, sts]);
    expect(plan.lowerBound.steps.map((s) => s.urn)).toEqual([cluster.urn, nodes.urn, sts.urn]);
    expect(plan.lowerBound.seconds).toBe(600 + 180 + 3 * DURATIONS["k8s-statefulset-pod"].seconds);
    expect(plan.summary.criticalPathSeconds).toBe(plan.lowerBound.seconds);
    expect(plan.summary.ratio).toBe(1);
  });
});

describe("ordering checks on synthetic graphs", () => {
  const violationsOf = (resources: RecordedResource[], rule: string) =>
    deployPlan(resources).orderingChecks.find((c) => c.rule === rule)!;

  test("an object not waiting for its namespace is reported; one that waits is not", () => {
    const ns = k8s("Namespace", "shop", { metadata: { name: "shop" } });
    const ok = k8s("ConfigMap", "ok", { metadata: { name: "ok", namespace: "shop" } }, [ns.urn]);
    const bad = k8s("ConfigMap", "bad", { metadata: { name: "bad", namespace: "shop" } });
    const check = violationsOf([ns, ok, bad], "namespaces before the objects in them");
    expect(check.checked).toBe(2);
    expect(check.violations).toEqual(["kubernetes:test/v1:ConfigMap::bad does not wait for kubernetes:test/v1:Namespace::shop"]);
  });

  test("custom resources must wait for their CRD or the chart that installs it; workloads for their Secrets", () => {
    const crd = k8s("CustomResourceDefinition", "crd", { spec: { group: "example.com", names: { kind: "Widget" } } });
    const widget = res("w", { type: "kubernetes:example.com/v1:Widget", inputs: { apiVersion: "example.com/v1", kind: "Widget" } });
    const chart = res("cm", { type: "kubernetes:helm.sh/v4:Chart", custom: false, inputs: { chart: CERT_MANAGER.pin.chart } });
    const issuer = res("i", {
      type: `kubernetes:${CERT_MANAGER_API_VERSION}:ClusterIssuer`,
      deps: [chart.urn],
      inputs: { apiVersion: CERT_MANAGER_API_VERSION, kind: "ClusterIssuer" },
    });
    expect(violationsOf([crd, widget, chart, issuer], "CRDs before custom resources")).toMatchObject({
      checked: 2,
      violations: [expect.stringContaining("Widget::w does not wait for")],
    });
    const secret = k8s("Secret", "creds", { metadata: { name: "creds", namespace: "shop" } });
    const pod = { containers: [{ env: [{ name: "P", valueFrom: { secretKeyRef: { name: "creds", key: "p" } } }] }] };
    const deploy = k8s("Deployment", "api", { metadata: { namespace: "shop" }, spec: { template: { spec: pod } } });
    expect(violationsOf([secret, deploy], "Secrets before the workloads that use them").violations).toHaveLength(1);
    expect(violationsOf([secret, { ...deploy, dependsOn: [secret.urn] }], "Secrets before the workloads that use them").violations).toEqual([]);
  });

  test("a workload reading a Secret an ExternalSecret makes must wait for the ExternalSecret (its target, else its name)", () => {
    const rule = "Secrets before the workloads that use them";
    const es = (name: string, target?: string) =>
      res(name, {
        type: `kubernetes:${EXTERNAL_SECRETS_API_VERSION}:ExternalSecret`,
        inputs: { apiVersion: EXTERNAL_SECRETS_API_VERSION, kind: "ExternalSecret", metadata: { name, namespace: "shop" }, spec: target ? { target: { name: target } } : {} },
      });
    const pod = { containers: [{ envFrom: [{ secretRef: { name: "creds" } }] }] };
    const deploy = k8s("Deployment", "api", { metadata: { namespace: "shop" }, spec: { template: { spec: pod } } });
    for (const producer of [es("creds"), es("sync-creds", "creds")]) {
      expect(violationsOf([producer, deploy], rule).violations).toEqual([expect.stringContaining("Deployment::api does not wait for")]);
      expect(violationsOf([producer, { ...deploy, dependsOn: [producer.urn] }], rule).violations).toEqual([]);
    }
    // An ExternalSecret making another Secret is not what the workload reads.
    expect(violationsOf([es("sync-other", "other"), deploy], rule).checked).toBe(0);
  });

  test.each(CHARTS.flatMap((c) => c.crdGroups.map((group) => [group, c.pin.chart] as const)))(
    "a custom resource of %s waits for the %s chart, whose module lists the group",
    (group, chartName) => {
      const chart = res("c", { type: "kubernetes:helm.sh/v4:Chart", custom: false, inputs: { chart: `oci://registry.example.com/${chartName}` } });
      const cr = res("x", { type: `kubernetes:${group}/v1:X`, inputs: { apiVersion: `${group}/v1`, kind: "X" } });
      expect(violationsOf([chart, cr], "CRDs before custom resources").violations).toEqual([expect.stringContaining("X::x does not wait for")]);
      expect(violationsOf([chart, { ...cr, dependsOn: [chart.urn] }], "CRDs before custom resources").violations).toEqual([]);
    },
  );

  test("an autoscaler not waiting for metrics-server is reported, and one with no metrics-server at all", () => {
    const chart = res("ms", { type: "kubernetes:helm.sh/v4:Chart", custom: false, inputs: { chart: METRICS_SERVER.pin.chart } });
    const hpa = k8s("HorizontalPodAutoscaler", "api", { metadata: { name: "api", namespace: "shop" } });
    const rule = "metrics-server before the HorizontalPodAutoscalers";
    expect(violationsOf([chart, hpa], rule)).toMatchObject({ checked: 1, violations: [expect.stringContaining("HorizontalPodAutoscaler::api does not wait for")] });
    expect(violationsOf([chart, { ...hpa, dependsOn: [chart.urn] }], rule).violations).toEqual([]);
    expect(violationsOf([hpa], rule).violations).toEqual(["HorizontalPodAutoscalers are created but no chart serves the metrics API"]);
  });

  test("a chart whose service account has a Pod Identity association waits for it; another chart of the namespace need not", () => {
    const association = res("a", { type: "aws:eks/podIdentityAssociation:PodIdentityAssociation", inputs: { namespace: "cert-manager", serviceAccount: "cert-manager" } });
    const chart = res("cm", { type: "kubernetes:helm.sh/v4:Chart", custom: false, inputs: { chart: "cert-manager", name: "cert-manager", namespace: "cert-manager" } });
    const other = res("o", { type: "kubernetes:helm.sh/v4:Chart", custom: false, inputs: { chart: "other", name: "other", namespace: "cert-manager" } });
    const rule = "Pod Identity associations before the charts whose pods use them";
    expect(violationsOf([association, chart, other], rule)).toMatchObject({ checked: 1, violations: [expect.stringContaining("Chart::cm does not wait for")] });
    expect(violationsOf([association, { ...chart, dependsOn: [association.urn] }, other], rule).violations).toEqual([]);
  });

  test("CoreDNS created without waiting for the node group is reported", () => {
    const cluster = res("cluster", { type: "eks:index:Cluster", custom: false });
    const nodes = res("nodes", { type: "eks:index:ManagedNodeGroup", custom: false, deps: [cluster.urn] });
    const coredns = res("coredns", { type: "aws:eks/addon:Addon", deps: [cluster.urn], inputs: { addonName: "coredns" } });
    expect(violationsOf([cluster, nodes, coredns], "node groups before CoreDNS").violations).toHaveLength(1);
  });
});

/** The CoreDNS add-on among the cluster's add-ons. */
function corednsOf(rendered: Rendered): RecordedResource {
  const hits = rendered.ofType("aws:eks/addon:Addon").filter((r) => r.inputs.addonName === "coredns");
  expect(hits).toHaveLength(1);
  return hits[0];
}

describe.each(STACKS)("deploy plan of %s", (stack) => {
  let plan: ReturnType<typeof deployPlan>;
  beforeAll(async () => {
    plan = deployPlan((await stackRender(stack)).resources);
  });

  test("the critical path and the lower bound hold the slow chain EKS cluster -> node group -> CoreDNS", async () => {
    const rendered = await stackRender(stack);
    const at = new Map(plan.resources.map((r) => [r.urn, r]));
    const cluster = at.get(rendered.one("eks:index:Cluster").urn)!;
    const nodes = at.get(rendered.one("eks:index:ManagedNodeGroup").urn)!;
    const coredns = at.get(corednsOf(rendered).urn)!;
    // Back to back: each starts when the one before it has finished.
    expect(nodes.start).toBe(cluster.finish);
    expect(coredns.start).toBe(nodes.finish);
    for (const chain of [plan.criticalPath, plan.lowerBound.steps]) {
      const urns = chain.map((s) => s.urn);
      expect(urns.indexOf(nodes.urn)).toBe(urns.indexOf(cluster.urn) + 1);
      expect(urns.indexOf(cluster.urn)).toBeGreaterThanOrEqual(0);
      for (let i = 1; i < chain.length; i++) expect(chain[i].start).toBe(chain[i - 1].finish);
    }
    expect(plan.summary.criticalPathSeconds).toBe(plan.criticalPath[plan.criticalPath.length - 1].finish);
    expect(plan.summary.criticalPathSeconds).toBeGreaterThanOrEqual(plan.lowerBound.seconds);
    expect(plan.lowerBound.seconds).toBeGreaterThanOrEqual(coredns.finish);
  });

  test("orderings that must hold already do: nodes before CoreDNS, cluster before the provider, namespaces first", async () => {
    const rendered = await stackRender(stack);
    const graph = buildGraph(rendered.resources);
    const nodeGroup = rendered.one("eks:index:ManagedNodeGroup").urn;
    const cluster = rendered.one("eks:index:Cluster").urn;
    expect(waitsTransitively(corednsOf(rendered).urn, nodeGroup, graph.waitsFor)).toBe(true);
    expect(waitsTransitively(rendered.one("pulumi:providers:kubernetes").urn, cluster, graph.waitsFor)).toBe(true);
    const checks = new Map(plan.orderingChecks.map((c) => [c.rule, c]));
    expect(checks.get("node groups before CoreDNS")!.checked).toBe(1);
    expect(checks.get("cluster before the Kubernetes provider")!.checked).toBe(1);
    const namespaced = rendered
      .k8sObjects()
      .filter((r) => rendered.kind("Namespace").some((n) => n.inputs.metadata.name === r.inputs.metadata?.namespace));
    // A release into a namespace the cluster comes with (kube-system) has no Namespace to wait for.
    const charts = rendered.ofType("kubernetes:helm.sh/v4:Chart").filter((c) => rendered.kind("Namespace").some((n) => n.inputs.metadata.name === c.inputs.namespace));
    expect(checks.get("namespaces before the objects in them")!.checked).toBe(namespaced.length + charts.length);
    for (const c of plan.orderingChecks) expect(c.violations).toEqual([]);
  });

  test("the render's dependsOn already names nodes only: the SDK expanded dependencies on components", async () => {
    const rendered = await stackRender(stack);
    const graph = buildGraph(rendered.resources);
    const nodes = new Set(graph.nodes);
    const named = rendered.resources.flatMap((r) => r.dependsOn);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((u) => !nodes.has(u))).toEqual([]);
  });

  test("the durations table covers every resource type of the render", () => {
    expect(plan.defaulted).toEqual([]);
    expect(plan.durations.reduce((n, d) => n + d.resources, 0)).toBe(plan.summary.nodes);
  });
});

test("every render writes deploy-plan.json and deploy-plan.md", async () => {
  // The render of the whole program, as `npm run synth` writes it (made once per run by the render service, tests/render-service.ts).
  const { files } = await stackRun("dev");
  const json = JSON.parse(files.get("deploy-plan.json")!);
  expect(json).toMatchObject({ schemaVersion: 1, project: "ecommerce", stack: "dev" });
  expect(Object.keys(json)).toEqual([
    "schemaVersion", "project", "stack", "summary", "criticalPath", "lowerBound",
    "orderingChecks", "defaulted", "durations", "resources",
  ]);
  const md = files.get("deploy-plan.md")!;
  expect(md).toContain("# Deploy plan: stack `dev`");
  expect(md).toContain("`eks:index:ManagedNodeGroup::eks-nodes`");
});
