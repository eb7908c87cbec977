/**
 * What keeps a cold `pulumi up` short: the critical path stays close to the chain no ordering can
 * avoid, the orderings that matter hold, and the dependencies removed for being needless stay out.
 */
import type { RecordedResource, Rendered } from "../../../tools/render/engine";
import { buildGraph, waitsTransitively } from "../../../tools/deploy-plan/graph";
import { deployPlan } from "../../../tools/deploy-plan/deploy-plan";
import { STACKS, stackRender, stackSetting } from "../../harness";

/**
 * How far above the lower bound the critical path may be. Behind the NLB two charts are in a row
 * after the nodes by necessity, the AWS Load Balancer Controller then Traefik (the controller's
 * pod webhook must be up when Traefik's pods are created): about 1.16 there, 1.03 with node ports.
 */
const MAX_RATIO = 1.2;
/**
 * With `secretsBackend: vault` the data stores' credentials exist only once Vault runs, the
 * bootstrap has configured it and ESO has synced them: Vault's release, the bootstrap Job and an
 * ExternalSecret stand in a row between the nodes and each StatefulSet by design (about 1.26).
 */
const MAX_RATIO_WITH_VAULT = 1.3;

function res(
  name: string,
  type: string,
  opts: { deps?: string[]; inputs?: Record<string, any>; custom?: boolean } = {},
): RecordedResource {
  return {
    urn: `urn:pulumi:t::ecommerce::${type}::${name}`,
    type,
    name,
    parent: null,
    dependsOn: opts.deps ?? [],
    inputs: opts.inputs ?? {},
    custom: opts.custom ?? true,
    provider: null,
  };
}

const checkOf = (resources: RecordedResource[], rule: string) => deployPlan(resources).orderingChecks.find((c) => c.rule === rule)!;

describe("ordering checks for storage and node egress", () => {
  const sc = res("gp3", "kubernetes:storage.k8s.io/v1:StorageClass", {
    inputs: {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: "gp3", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: "ebs.csi.aws.com",
    },
  });
  const csi = res("csi", "aws:eks/addon:Addon", { inputs: { addonName: "aws-ebs-csi-driver" } });
  const sts = (deps: string[], claim: Record<string, any> = {}) =>
    res("db", "kubernetes:apps/v1:StatefulSet", {
      deps,
      inputs: { apiVersion: "apps/v1", kind: "StatefulSet", spec: { volumeClaimTemplates: [{ spec: claim }] } },
    });
  const RULE = "StorageClass and its driver before StatefulSets with claims";

  test("a StatefulSet whose claims use the default class waits for it and for its CSI add-on", () => {
    expect(checkOf([sc, csi, sts([sc.urn, csi.urn])], RULE)).toMatchObject({ checked: 2, violations: [] });
    expect(checkOf([sc, csi, sts([sc.urn])], RULE).violations).toEqual([
      "kubernetes:apps/v1:StatefulSet::db does not wait for aws:eks/addon:Addon::csi",
    ]);
    expect(checkOf([sc, csi, sts([csi.urn], { storageClassName: "gp3" })], RULE).violations).toHaveLength(1);
  });

  test("a node group that does not wait for its subnets' association, route table and NAT is reported", () => {
    const subnet = res("private-0", "aws:ec2/subnet:Subnet");
    const nat = res("nat-0", "aws:ec2/natGateway:NatGateway");
    const table = res("private-0", "aws:ec2/routeTable:RouteTable", { deps: [nat.urn] });
    const assoc = res("private-0", "aws:ec2/routeTableAssociation:RouteTableAssociation", { deps: [subnet.urn, table.urn] });
    const other = res("other", "aws:ec2/subnet:Subnet");
    const otherAssoc = res("other", "aws:ec2/routeTableAssociation:RouteTableAssociation", { deps: [other.urn] });
    const nodes = (deps: string[]) => res("nodes", "eks:index:ManagedNodeGroup", { custom: false, deps });
    const RULE2 = "subnet routing before node groups";
    const all = [subnet, nat, table, assoc, other, otherAssoc];
    expect(checkOf([...all, nodes([subnet.urn, assoc.urn])], RULE2)).toMatchObject({ checked: 3, violations: [] });
    expect(checkOf([...all, nodes([subnet.urn])], RULE2).violations).toHaveLength(3);
  });
});

describe("ordering check for the NLB's controller", () => {
  const RULE = "the AWS Load Balancer Controller before the NLB's Service and pods";
  const controller = res("aws-load-balancer-controller", "kubernetes:helm.sh/v4:Chart", {
    custom: false,
    inputs: { chart: "aws-load-balancer-controller", values: { loadBalancerClass: "service.k8s.aws/nlb" } },
  });
  const traefik = (deps: string[]) =>
    res("traefik", "kubernetes:helm.sh/v4:Chart", {
      custom: false,
      deps,
      inputs: { chart: "traefik", values: { service: { spec: { type: "LoadBalancer", loadBalancerClass: "service.k8s.aws/nlb" } } } },
    });

  test("a chart whose values ask for a Service of the controller's class waits for the controller's chart (the controller's own values do not count)", () => {
    expect(checkOf([controller, traefik([controller.urn])], RULE)).toMatchObject({ checked: 1, violations: [] });
  });

  test("the old order, Traefik beside the controller, is reported; so is a class nobody serves", () => {
    expect(checkOf([controller, traefik([])], RULE).violations).toEqual([
      "kubernetes:helm.sh/v4:Chart::traefik does not wait for kubernetes:helm.sh/v4:Chart::aws-load-balancer-controller",
    ]);
    expect(checkOf([traefik([])], RULE).violations).toEqual(["Services of class service.k8s.aws/nlb are created but no AWS Load Balancer Controller is"]);
  });

  test("node ports ask for no class: nothing to order", () => {
    const nodePorts = res("traefik", "kubernetes:helm.sh/v4:Chart", { custom: false, inputs: { chart: "traefik", values: { service: { spec: { type: "NodePort" } } } } });
    expect(checkOf([controller, nodePorts], RULE)).toMatchObject({ checked: 0, violations: [] });
  });
});

describe.each(STACKS)("deploy time of %s", (stack) => {
  let rendered: Rendered;
  let plan: ReturnType<typeof deployPlan>;
  beforeAll(async () => {
    rendered = await stackRender(stack);
    plan = deployPlan(rendered.resources);
  });
  const urnOf = (type: string, name?: string) => rendered.one(type, name).urn;
  const addon = (name: string) => rendered.ofType("aws:eks/addon:Addon").find((a) => a.inputs.addonName === name)!.urn;
  const waits = (later: string, earlier: string) => waitsTransitively(later, earlier, buildGraph(rendered.resources).waitsFor);

  const maxRatio = stackSetting(stack, "secretsBackend") === "vault" ? MAX_RATIO_WITH_VAULT : MAX_RATIO;
  test(`the critical path stays within ${maxRatio} x the lower bound`, () => {
    expect(plan.summary.criticalPathSeconds).toBeLessThanOrEqual(maxRatio * plan.summary.lowerBoundSeconds);
    expect(plan.summary.ratio).toBeLessThanOrEqual(maxRatio);
  });

  test("every ordering that matters is checked on pairs of this stack and holds", () => {
    const checks = new Map(plan.orderingChecks.map((c) => [c.rule, c]));
    for (const rule of [
      "node groups before CoreDNS",
      "CRDs before custom resources",
      "Secrets before the workloads that use them",
      "StorageClass and its driver before StatefulSets with claims",
      "subnet routing before node groups",
      ...(stackSetting(stack, "ingressServiceType") === "LoadBalancer" ? ["the AWS Load Balancer Controller before the NLB's Service and pods"] : []),
    ]) {
      expect(checks.get(rule)!.checked).toBeGreaterThan(0);
    }
    for (const c of plan.orderingChecks) expect(c.violations).toEqual([]);
  });

  test("the node group waits for every private route table, its association and the NAT gateways", () => {
    const nodes = urnOf("eks:index:ManagedNodeGroup");
    const routing = [
      ...rendered.ofType("aws:ec2/routeTable:RouteTable").filter((t) => t.inputs.routes.some((r: any) => r.natGatewayId)),
      ...rendered.ofType("aws:ec2/natGateway:NatGateway"),
    ];
    const tables = new Set(routing.map((t) => t.urn));
    routing.push(...rendered.ofType("aws:ec2/routeTableAssociation:RouteTableAssociation").filter((a) => a.dependsOn.some((u) => tables.has(u))));
    expect(routing.length).toBeGreaterThanOrEqual(3);
    for (const r of routing) expect(waits(nodes, r.urn)).toBe(true);
  });

  test("StatefulSets of more than one replica start their pods in parallel", () => {
    const multi = rendered.kind("StatefulSet").filter((s) => (s.inputs.spec.replicas ?? 1) > 1);
    // A RabbitMQ of more than one node is such a StatefulSet; a stack may run every store with one replica.
    if (stackSetting<number>(stack, "rabbitmqReplicas") > 1) expect(multi.length).toBeGreaterThan(0);
    for (const s of multi) expect(s.inputs.spec.podManagementPolicy).toBe("Parallel");
  });

  test("removed orderings stay removed: charts beside CoreDNS, the CSI driver beside its agent", () => {
    const coredns = addon("coredns");
    for (const chart of rendered.ofType("kubernetes:helm.sh/v4:Chart")) {
      expect(waits(chart.urn, coredns)).toBe(false);
      expect(waits(chart.urn, urnOf("eks:index:ManagedNodeGroup"))).toBe(true);
    }
    expect(waits(addon("aws-ebs-csi-driver"), addon("eks-pod-identity-agent"))).toBe(false);
    expect(waits(urnOf("kubernetes:storage.k8s.io/v1:StorageClass"), addon("aws-ebs-csi-driver"))).toBe(false);
  });

  test("the Prometheus Service is neither after the chart nor awaited; Middlewares wait for Traefik only", () => {
    const service = rendered.ofType("kubernetes:core/v1:Service").find((s) => s.name === "monitoring-prometheus")!;
    expect(waits(service.urn, urnOf("kubernetes:helm.sh/v4:Chart", "monitoring"))).toBe(false);
    expect(service.inputs.metadata.annotations["pulumi.com/skipAwait"]).toBe("true");
    const middlewares = rendered.kind("Middleware", "e-commerce");
    expect(middlewares.length).toBeGreaterThan(0);
    for (const mw of middlewares) {
      expect(waits(mw.urn, urnOf("kubernetes:helm.sh/v4:Chart", "traefik"))).toBe(true);
      for (const issuer of rendered.kind("ClusterIssuer")) expect(waits(mw.urn, issuer.urn)).toBe(false);
    }
  });
});
