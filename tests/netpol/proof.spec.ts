import { networkPolicyPlan } from "../../components/network-policies/rules";
import { SERVICES } from "../../catalog";
import { lintModel, formatFindings } from "../../tools/netpol/lints";
import { API_SEMANTICS, CNI_STRICT, computeMatrix, diffMatrix, flowKey, formatDiff } from "../../tools/netpol/matrix";
import { pathKey } from "../../tools/netpol/paths";
import type { Semantics } from "../../tools/netpol/cni";
import { API_SERVER_ID, PlatformModel } from "../../tools/netpol/model";
import { countVerdicts } from "../../tools/netpol/report";
import type { NetworkPolicy } from "../../tools/netpol/types";
import { cidrsOverlap } from "../../lib/validate";
import { STACKS, StackName, stackSetting } from "../harness";
import { IDS, IntendedContext, challengeOf, intendedFlows, stackVaultLocation } from "./intended";
import { analysedStack } from "./render";

const analysed = analysedStack;

const withPolicies = (m: PlatformModel, policies: NetworkPolicy[]): PlatformModel => ({ ...m, policies });
/** How a stack proves certificates and is exposed, from its stack file. */
const contextOf = (stack: StackName): IntendedContext => ({
  challenge: challengeOf(stackSetting<string>(stack, "hostedZone")),
  exposure: { nlb: stackSetting(stack, "ingressServiceType") === "LoadBalancer" },
});
const diffOf = (m: PlatformModel, semantics: Semantics = API_SEMANTICS, ctx: IntendedContext = contextOf("dev")) =>
  diffMatrix(computeMatrix(m, semantics), intendedFlows(m, ctx));
const challenge = (stack: StackName) => contextOf(stack).challenge;
const SEMANTICS: [string, Semantics][] = [
  ["the NetworkPolicy API", API_SEMANTICS],
  ["the EKS VPC CNI (strict mode)", CNI_STRICT],
];

describe.each(STACKS)("zero-trust proof for %s", (stack) => {
  test("the API server actor sits in the control-plane subnets, which hold no pod", async () => {
    const { a, model } = await analysed(stack);
    expect(a.controlPlaneCidrs).toHaveLength(stackSetting<string[]>(stack, "availabilityZones").length);
    const api = model.externals.find((x) => x.id === API_SERVER_ID)!;
    expect(a.controlPlaneCidrs.some((c) => cidrsOverlap(c, `${api.ip}/32`))).toBe(true);
    for (const pod of model.workloads.flatMap((w) => w.pods)) {
      for (const c of a.controlPlaneCidrs) expect(cidrsOverlap(c, `${pod.ip}/32`)).toBe(false);
    }
  });

  test.each(SEMANTICS)("under %s, the matrix of the rendered policies equals the intended matrix on every path: no missing, no extra flow", async (_, semantics) => {
    const { model } = await analysed(stack);
    const matrix = computeMatrix(model, semantics);
    const diff = diffMatrix(matrix, intendedFlows(model, contextOf(stack)));
    if (!diff.ok) throw new Error(formatDiff(diff, model, semantics));
    const c = countVerdicts(matrix);
    expect(c.partial).toBe(0);
    expect(c.allowed).toBeGreaterThan(100);
    expect(c.denied).toBeGreaterThan(c.allowed);
  });

  test("the lints find nothing in the render", async () => {
    const { a, model } = await analysed(stack);
    const findings = lintModel(model, a.lintOptions);
    expect(formatFindings(findings)).toBe("");
  });

  test("the render holds exactly the generated policies, each named", async () => {
    const { r, a } = await analysed(stack);
    const rendered = r.kind("NetworkPolicy").map((p) => `${p.inputs.metadata.namespace}/${p.inputs.metadata.name}`);
    const vpcCidr = r.one("aws:ec2/vpc:Vpc").inputs.cidrBlock;
    const subnets = r.ofType("aws:ec2/subnet:Subnet").filter((s) => s.name.includes("private")).map((s) => s.inputs.cidrBlock);
    const publicCidrs = r.ofType("aws:ec2/subnet:Subnet").filter((s) => s.name.includes("public")).map((s) => s.inputs.cidrBlock);
    const plan = networkPolicyPlan({
      services: SERVICES,
      acmeChallenge: challenge(stack),
      vpcCidr,
      serviceCidr: a.serviceCidr,
      controlPlaneCidrs: a.controlPlaneCidrs,
      nodeCidrs: subnets,
      ingressSourceRanges: stackSetting<string[]>(stack, "ingressSourceRanges"),
      loadBalancerSubnetCidrs: stackSetting(stack, "ingressServiceType") === "LoadBalancer" ? publicCidrs : [],
      vault: stackVaultLocation(stack),
    });
    expect(rendered.sort()).toEqual(plan.map((p) => `${p.namespace}/${p.name}`).sort());
    expect(new Set(rendered).size).toBe(rendered.length);
  });
});

describe("the challenge's paths follow the stack's hosted zone", () => {
  const keyOf = (d: { source: string; destination: string; port: number }) => `${d.source} -> ${d.destination} ${d.port}`;

  test("HTTP-01 (dev): Traefik reaches the solver pods and cert-manager the internet on 80; no Pod Identity agent for cert-manager", async () => {
    const { model } = await analysed("dev");
    const allowed = computeMatrix(model, CNI_STRICT).flows.filter((c) => c.verdict === "allowed").map(keyOf);
    expect(allowed).toEqual(expect.arrayContaining([`${IDS.traefik} -> ${IDS.solver} 8089`, `${IDS.certManager} -> internet 80`]));
    expect(allowed).not.toContain(`${IDS.certManager} -> pod-identity-agent 80`);
  });

  test.each(["staging", "prod"] as const)("DNS-01 (%s): no solver pod, no port 80 out; cert-manager gets its role's credentials from the Pod Identity agent", async (stack) => {
    const { model } = await analysed(stack);
    expect(model.workloads.map((w) => w.id)).not.toContain(IDS.solver);
    const allowed = computeMatrix(model, CNI_STRICT).flows.filter((c) => c.verdict === "allowed").map(keyOf);
    expect(allowed).toContain(`${IDS.certManager} -> pod-identity-agent 80`);
    expect(allowed).not.toContain(`${IDS.certManager} -> internet 80`);
  });

  test("proved against HTTP-01's intended flows, prod's DNS-01 policies differ by exactly the challenge's paths", async () => {
    const { model } = await analysed("prod");
    const diff = diffOf(model, CNI_STRICT, { ...contextOf("prod"), challenge: "http-01" });
    expect([...new Set(diff.missing.map(keyOf))].sort()).toEqual([`${IDS.certManager} -> internet 80`, `${IDS.traefik} -> ${IDS.solver} 8089`]);
    expect([...new Set(diff.extra.map(keyOf))]).toEqual([`${IDS.certManager} -> pod-identity-agent 80`]);
  });
});

describe("the proof bites", () => {
  test("dropping one ingress side (a database's) leaves its owner's flow missing", async () => {
    const { model } = await analysed("dev");
    const diff = diffOf(withPolicies(model, model.policies.filter((p) => p.name !== "allow-orders-service-mysql-ingress")));
    expect(diff.missing.map((d) => `${d.source} -> ${d.destination} ${d.port}`)).toEqual([
      "e-commerce/orders-service -> e-commerce/orders-service-mysql 3306",
    ]);
    expect(diff.extra).toEqual([]);
  });

  test("dropping one egress side (the gateway's) leaves every gateway flow missing", async () => {
    const { model } = await analysed("dev");
    const diff = diffOf(withPolicies(model, model.policies.filter((p) => p.name !== "allow-api-gateway-egress")));
    expect(diff.missing).toHaveLength(SERVICES.length);
    expect(diff.missing.every((d) => d.source === "e-commerce/api-gateway")).toBe(true);
  });

  test("a stray rule on both sides (gateway to Redis) is an extra flow", async () => {
    const { model } = await analysed("dev");
    const gatewayPeer = { podSelector: { matchLabels: { app: "api-gateway" } } };
    const redisPeer = { podSelector: { matchLabels: { app: "redis" } } };
    const stray: NetworkPolicy[] = [
      { namespace: "e-commerce", name: "stray-egress", spec: { podSelector: gatewayPeer.podSelector, policyTypes: ["Egress"], egress: [{ to: [redisPeer], ports: [{ port: 6379 }] }] } },
      { namespace: "e-commerce", name: "stray-ingress", spec: { podSelector: redisPeer.podSelector, policyTypes: ["Ingress"], ingress: [{ from: [gatewayPeer] }] } },
    ];
    for (const [, semantics] of SEMANTICS) {
      const diff = diffOf(withPolicies(model, [...model.policies, ...stray]), semantics);
      expect(diff.missing).toEqual([]);
      // On both of its paths: the Redis Service and the pods.
      expect(diff.extra.map((d) => `${flowKey(d)} via ${pathKey(d.path!)}`)).toEqual([
        "e-commerce/api-gateway -> e-commerce/redis 6379/TCP via pod",
        "e-commerce/api-gateway -> e-commerce/redis 6379/TCP via service:e-commerce/redis",
      ]);
    }
  });

  test("without Vault's database ingress, Vault's flow to every MySQL is missing, and nothing else", async () => {
    const { model } = await analysed("staging");
    expect(model.workloads.some((w) => w.id === IDS.vault)).toBe(true);
    const diff = diffOf(withPolicies(model, model.policies.filter((p) => p.name !== "allow-vault-database-ingress")), API_SEMANTICS, contextOf("staging"));
    const mysql = SERVICES.filter((s) => s.uses.includes("mysql")).map((s) => `e-commerce/${s.name}-mysql`);
    expect([...new Set(diff.missing.map((d) => `${d.source} -> ${d.destination} ${d.port}`))].sort()).toEqual(mysql.map((m) => `${IDS.vault} -> ${m} 3306`).sort());
    expect(diff.extra).toEqual([]);
  });

  test("without metrics-server's policy, the aggregator, the kubelets and the API server are out of its reach under both", async () => {
    const { model } = await analysed("dev");
    const without = withPolicies(model, model.policies.filter((p) => !(p.namespace === "kube-system" && p.name === "allow-metrics-server")));
    for (const [, semantics] of SEMANTICS) {
      const diff = diffOf(without, semantics);
      expect(diff.extra).toEqual([]);
      expect([...new Set(diff.missing.map((d) => `${d.source} -> ${d.destination} ${d.port}`))].sort()).toEqual([
        `${API_SERVER_ID} -> ${IDS.metricsServer} 10250`,
        `${IDS.metricsServer} -> ${API_SERVER_ID} 443`,
        `${IDS.metricsServer} -> node 10250`,
      ]);
    }
  });

  test("an ingress rule from every namespace opens the internal outsider's way in", async () => {
    const { model } = await analysed("dev");
    const open: NetworkPolicy = {
      namespace: "e-commerce-messaging",
      name: "too-wide",
      spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 15672 }] }] },
    };
    const diff = diffOf(withPolicies(model, [...model.policies, open]));
    expect(diff.extra.map((d) => `${d.source} -> ${d.destination} ${d.port}`)).toContain(`outsider/outsider -> ${IDS.rabbitmq} 15672`);
  });
});

describe("the lints bite on the render", () => {
  test("DNS on UDP only, a policy selecting nothing, a pod left without policy, an ipBlock over pods", async () => {
    const { a, model } = await analysed("dev");
    const policies = model.policies
      .filter((p) => !(p.namespace === "monitoring" && p.name === "allow-grafana"))
      .map((p) =>
        p.namespace === "traefik" && p.name === "allow-dns"
          ? { ...p, spec: { ...p.spec, egress: [{ ...p.spec.egress![0], ports: [{ protocol: "UDP" as const, port: 53 }] }] } }
          : p,
      );
    policies.push({ namespace: "e-commerce", name: "typo", spec: { podSelector: { matchLabels: { app: "api-gatway" } }, policyTypes: ["Ingress"] } });
    policies.push({
      namespace: "e-commerce",
      name: "wide-egress",
      spec: { podSelector: { matchLabels: { app: "cart-service" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 443 }] }] },
    });
    const lints = lintModel(withPolicies(model, policies), a.lintOptions).map((f) => `${f.lint} ${f.subject}`);
    expect(lints).toEqual(
      expect.arrayContaining([
        "dns-one-protocol policy traefik/allow-dns",
        "policy-selects-nothing policy e-commerce/typo",
        `pod-without-policy ${IDS.grafana}`,
        "ipblock-covers-pods policy e-commerce/wide-egress",
      ]),
    );
  });

  test("without their documented exemptions, Prometheus', CoreDNS' and metrics-server's node rules are ipBlocks over pods", async () => {
    const { a, model } = await analysed("prod");
    const lints = lintModel(model, { ...a.lintOptions, ipBlockExemptions: [] });
    // One finding per node subnet, one per zone.
    const zones = stackSetting<string[]>("prod", "availabilityZones").length;
    expect(lints.map((f) => `${f.lint} ${f.subject}`).sort()).toEqual([
      ...Array(zones).fill("ipblock-covers-pods policy kube-system/allow-coredns"),
      ...Array(zones).fill("ipblock-covers-pods policy kube-system/allow-metrics-server"),
      ...Array(zones).fill("ipblock-covers-pods policy monitoring/allow-prometheus-egress"),
    ]);
  });

  test("a Service whose port differs from its targetPort is reported for the rules reaching it", async () => {
    const { a, model } = await analysed("dev");
    const services = model.services.map((s) =>
      s.name === "auth-service" && s.namespace === "e-commerce" ? { ...s, ports: s.ports.map((p) => (p.port === 8000 ? { ...p, port: 80, targetPort: 8000 } : p)) } : s,
    );
    const lints = lintModel({ ...model, services }, a.lintOptions);
    expect(lints.some((f) => f.lint === "service-port-mismatch" && f.subject === "policy e-commerce/allow-api-gateway-egress")).toBe(true);
  });
});
