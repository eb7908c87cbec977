/**
 * The flows of the NLB edge: the AWS Load Balancer Controller's policy (its webhook from the API
 * server's ENIs, the API, AWS through NAT, the Pod Identity agent, Prometheus), Traefik admitting
 * the ingress source ranges on its entry points and the NLB's nodes on its ping port, as the plan
 * writes them and as the proof sees them in the renders.
 */
import { SERVICES } from "../../catalog";
import { planSubnets } from "../../components/foundation/network";
import { POD_IDENTITY_AGENT } from "../../components/foundation/kube-system-pods";
import { kubernetesServiceIp } from "../../components/foundation/service-network";
import { LINK_LOCAL_CIDR, PolicyPlanInputs, outsideBlock } from "../../components/network-policies/peers";
import { PolicyManifest, networkPolicyPlan } from "../../components/network-policies/rules";
import { API_SEMANTICS, CNI_STRICT, computeMatrix, diffMatrix } from "../../tools/netpol/matrix";
import { API_SERVER_ID, INTERNET_ID, PlatformModel } from "../../tools/netpol/model";
import { LOAD_BALANCER_ID, POD_IDENTITY_AGENT_ID } from "../../tools/netpol/platform";
import { STACKS, stackSetting } from "../harness";
import { IDS, challengeOf, intendedFlows } from "./intended";
import { analysedStack } from "./render";

const VPC = "10.20.0.0/16";
const SERVICE_CIDR = "172.20.0.0/16";
const subnets = planSubnets(VPC, ["a", "b"]);
const inputs = (over: Partial<PolicyPlanInputs> = {}): PolicyPlanInputs => ({
  services: SERVICES,
  acmeChallenge: "http-01",
  vault: { kind: "none" },
  vpcCidr: VPC,
  serviceCidr: SERVICE_CIDR,
  controlPlaneCidrs: subnets.map((p) => p.controlPlaneCidr),
  nodeCidrs: subnets.map((p) => p.privateCidr),
  ingressSourceRanges: ["0.0.0.0/0"],
  loadBalancerSubnetCidrs: subnets.map((p) => p.publicCidr),
  ...over,
});
const find = (plan: PolicyManifest[], ns: string, name: string) => {
  const p = plan.find((x) => x.namespace === ns && x.name === name);
  if (!p) throw new Error(`no policy ${ns}/${name}`);
  return p.spec;
};
const blocks = (cidrs: string[]) => cidrs.map((cidr) => ({ ipBlock: { cidr } }));
const TCP = (port: number) => ({ protocol: "TCP", port });
const OUTSIDE = [VPC, SERVICE_CIDR, LINK_LOCAL_CIDR];

describe("the AWS Load Balancer Controller's policy", () => {
  const policy = find(networkPolicyPlan(inputs()), "kube-system", "allow-aws-load-balancer-controller");

  test("selects the controller's pods by the chart's selector labels", () => {
    expect(policy.podSelector).toEqual({ matchLabels: { "app.kubernetes.io/name": "aws-load-balancer-controller", "app.kubernetes.io/instance": "aws-load-balancer-controller" } });
    expect(policy.policyTypes).toEqual(["Ingress", "Egress"]);
  });

  test("admits the API server's ENIs on the webhook port and Prometheus on the metrics port, nothing else", () => {
    expect(policy.ingress).toEqual([
      { from: [expect.objectContaining({ podSelector: { matchLabels: expect.objectContaining({ "app.kubernetes.io/name": "prometheus" }) } })], ports: [TCP(8080)] },
      { from: blocks(inputs().controlPlaneCidrs as string[]), ports: [TCP(9443)] },
    ]);
  });

  test("reaches the API server, AWS on 443 outside the VPC (through NAT) and the Pod Identity agent, nothing else", () => {
    expect(policy.egress).toEqual([
      { to: blocks([...(inputs().controlPlaneCidrs as string[]), `${kubernetesServiceIp(SERVICE_CIDR)}/32`]), ports: [TCP(443)] },
      { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: OUTSIDE } }], ports: [TCP(443)] },
      { to: blocks([`${POD_IDENTITY_AGENT.address}/32`]), ports: [TCP(80)] },
    ]);
  });
});

describe("Traefik's ingress", () => {
  const ingressOf = (over: Partial<PolicyPlanInputs>) => find(networkPolicyPlan(inputs(over)), "traefik", "allow-traefik-ingress").ingress;

  test("behind the NLB: the source ranges (outside the VPC) on the entry points, the NLB's public subnets on the ping port only", () => {
    expect(ingressOf({})).toEqual([
      { from: [{ ipBlock: { cidr: "0.0.0.0/0", except: OUTSIDE } }], ports: [TCP(8000), TCP(8443)] },
      { from: blocks(subnets.map((p) => p.publicCidr)), ports: [TCP(8080)] },
    ]);
  });

  test("narrower source ranges are admitted as they are, and no longer the whole internet", () => {
    expect(ingressOf({ ingressSourceRanges: ["198.51.100.0/24", "192.0.2.0/24"] })![0]).toEqual({ from: blocks(["198.51.100.0/24", "192.0.2.0/24"]), ports: [TCP(8000), TCP(8443)] });
  });

  test("with node ports there is no NLB to admit: the clients only", () => {
    expect(ingressOf({ loadBalancerSubnetCidrs: [] })).toEqual([{ from: [{ ipBlock: { cidr: "0.0.0.0/0", except: OUTSIDE } }], ports: [TCP(8000), TCP(8443)] }]);
  });
});

describe("a client range as an ipBlock outside the cluster's addresses", () => {
  test.each([
    ["the whole internet loses the VPC, the service range and link-local", "0.0.0.0/0", [{ ipBlock: { cidr: "0.0.0.0/0", except: OUTSIDE } }]],
    ["a range holding the VPC loses it", "10.0.0.0/8", [{ ipBlock: { cidr: "10.0.0.0/8", except: [VPC] } }]],
    ["a range outside all of them stays whole", "198.51.100.0/24", [{ ipBlock: { cidr: "198.51.100.0/24" } }]],
    ["a range inside the VPC gives nothing (except must be a strict subset)", "10.20.0.0/16", []],
  ])("%s", (_label, cidr, expected) => {
    expect(outsideBlock(cidr, OUTSIDE)).toEqual(expected);
  });
});

describe.each(STACKS)("the NLB edge in the proof of %s", (stack) => {
  const nlb = stackSetting(stack, "ingressServiceType") === "LoadBalancer";
  const ctx = { challenge: challengeOf(stackSetting<string>(stack, "hostedZone")), exposure: { nlb } };
  const without = (m: PlatformModel, ns: string, name: string): PlatformModel => ({ ...m, policies: m.policies.filter((p) => !(p.namespace === ns && p.name === name)) });
  const pairs = (xs: readonly { source: string; destination: string; port: number }[]) => [...new Set(xs.map((d) => `${d.source} -> ${d.destination} ${d.port}`))].sort();

  test("without the controller's policy, its webhook, the API, AWS, its credentials and its scrape are cut under both semantics", async () => {
    const { model } = await analysedStack(stack);
    for (const semantics of [API_SEMANTICS, CNI_STRICT]) {
      const diff = diffMatrix(computeMatrix(without(model, "kube-system", "allow-aws-load-balancer-controller"), semantics), intendedFlows(model, ctx));
      expect(diff.extra).toEqual([]);
      expect(pairs(diff.missing)).toEqual(
        [
          `${API_SERVER_ID} -> ${IDS.loadBalancerController} 9443`,
          `${IDS.loadBalancerController} -> ${API_SERVER_ID} 443`,
          `${IDS.loadBalancerController} -> ${INTERNET_ID} 443`,
          `${IDS.loadBalancerController} -> ${POD_IDENTITY_AGENT_ID} 80`,
          `${IDS.prometheus} -> ${IDS.loadBalancerController} 8080`,
        ].sort(),
      );
    }
  });

  test(nlb ? "the NLB's health checks reach Traefik's ping and no other governed pod" : "no NLB: its subnets reach no governed pod", async () => {
    const { model } = await analysedStack(stack);
    const matrix = computeMatrix(model, CNI_STRICT);
    // The outsider and host-network pods (node-exporter) are no policy's: anything reaches them.
    const ungoverned = new Set(model.workloads.filter((w) => w.hostNetwork || w.namespace === "outsider").map((w) => w.id));
    const fromNlb = matrix.flows.filter((c) => c.source === LOAD_BALANCER_ID && c.verdict === "allowed" && !ungoverned.has(c.destination));
    expect([...new Set(fromNlb.map((c) => `${c.destination} ${c.port}`))]).toEqual(nlb ? [`${IDS.traefik} 8080`] : []);
  });
});
