/**
 * The rules the generator writes for the EKS VPC CNI, checked on the plan itself (no render):
 * the `kubernetes` ClusterIP in every API server rule, kube-system's policies on the add-ons'
 * upstream labels, and each flow row written on both of its sides.
 */
import { SERVICES } from "../../catalog";
import { FlowIntent, platformFlows } from "../../catalog/flows";
import { COREDNS, EBS_CSI_CONTROLLER, EBS_CSI_NODE, POD_IDENTITY_AGENT } from "../../components/foundation/kube-system-pods";
import { planSubnets } from "../../components/foundation/network";
import { kubernetesServiceIp } from "../../components/foundation/service-network";
import { policyLayout } from "../../components/network-policies/layout";
import { ALLOW_DNS, DEFAULT_DENY, GOVERNED_NAMESPACES, PolicyManifest, networkPolicyPlan, policiesOf } from "../../components/network-policies/rules";
import { MONITORING_POD_LABELS } from "../../components/monitoring/kube-prometheus-stack/chart";

const VPC = "10.20.0.0/16";
const SERVICE_CIDR = "172.20.0.0/16";
const subnets = planSubnets(VPC, ["a", "b"]);
const inputs = {
  services: SERVICES,
  acmeChallenge: "http-01" as const,
  vpcCidr: VPC,
  serviceCidr: SERVICE_CIDR,
  controlPlaneCidrs: subnets.map((p) => p.controlPlaneCidr),
  nodeCidrs: subnets.map((p) => p.privateCidr),
  vault: { kind: "in-cluster" } as const,
  ingressSourceRanges: ["0.0.0.0/0"],
  loadBalancerSubnetCidrs: subnets.map((p) => p.publicCidr),
};
const plan = networkPolicyPlan(inputs);
const find = (ns: string, name: string): PolicyManifest => {
  const p = plan.find((x) => x.namespace === ns && x.name === name);
  if (!p) throw new Error(`no policy ${ns}/${name}`);
  return p;
};
const blocks = (cidrs: string[]) => cidrs.map((cidr) => ({ ipBlock: { cidr } }));
const TCP = (port: number) => ({ protocol: "TCP", port });
const UDP = (port: number) => ({ protocol: "UDP", port });

describe("the API server by ClusterIP and by its ENIs", () => {
  const clusterIp = `${kubernetesServiceIp(SERVICE_CIDR)}/32`;

  test("the kubernetes ClusterIP is the first address of the service range", () => {
    expect(clusterIp).toBe("172.20.0.1/32");
  });

  test("every rule to the API server names its ENIs' subnets and the kubernetes ClusterIP (the EKS VPC CNI judges egress before DNAT)", () => {
    const apiRules = plan.flatMap((p) =>
      (p.spec.egress ?? []).filter((r) => (r.to ?? []).some((peer) => peer.ipBlock?.cidr === inputs.controlPlaneCidrs[0])).map((r) => ({ p, r })),
    );
    for (const { r } of apiRules) {
      expect(r.to).toEqual(blocks([...inputs.controlPlaneCidrs, clusterIp]));
      expect(r.ports).toEqual([TCP(443)]);
    }
    const clients = apiRules.map(({ p }) => `${p.namespace}/${p.name}`).sort();
    expect(clients).toEqual(
      [
        "traefik/allow-traefik-egress",
        "cert-manager/allow-cert-manager-egress",
        "cert-manager/allow-cert-manager-webhook",
        "cert-manager/allow-cert-manager-cainjector",
        "monitoring/allow-prometheus-egress",
        "monitoring/allow-grafana",
        "monitoring/allow-prometheus-operator",
        "monitoring/allow-kube-state-metrics",
        "kube-system/allow-coredns",
        "kube-system/allow-ebs-csi-controller",
        "kube-system/allow-ebs-csi-node",
        "kube-system/allow-metrics-server",
        "kube-system/allow-karpenter",
        // Vault's TokenReview and service registration (catalog/vault-flows.ts), the bootstrap's
        // recovery Secret, and the External Secrets Operator and Reloader (catalog/flows.ts).
        "vault/allow-vault",
        "vault/allow-vault-bootstrap",
        "external-secrets/allow-external-secrets-egress",
        "external-secrets/allow-external-secrets-webhook",
        "external-secrets/allow-external-secrets-cert-controller",
        "external-secrets/allow-reloader-egress",
        "kube-system/allow-aws-load-balancer-controller",
      ].sort(),
    );
  });

  test("metrics-server admits the API server's ENIs only, on its secure port, and reaches the kubelets on the nodes' subnets on 10250 only", () => {
    const policy = find("kube-system", "allow-metrics-server").spec;
    expect(policy.ingress).toEqual([{ from: blocks([...inputs.controlPlaneCidrs]), ports: [TCP(10250)] }]);
    expect(policy.egress).toEqual(
      expect.arrayContaining([{ to: blocks([...inputs.nodeCidrs]), ports: [TCP(10250)] }, { to: blocks([...inputs.controlPlaneCidrs, clusterIp]), ports: [TCP(443)] }]),
    );
    expect(policy.egress).toHaveLength(2);
  });

  test("the webhook admits the API server's ENIs only: the API server calls it on its pod address", () => {
    expect(find("cert-manager", "allow-cert-manager-webhook").spec.ingress).toEqual([{ from: blocks([...inputs.controlPlaneCidrs]), ports: [TCP(10250)] }]);
  });
});

describe("kube-system, as strict mode requires (every pod no policy selects is denied)", () => {
  test("denies everything by default and opens DNS, like every platform namespace", () => {
    expect(GOVERNED_NAMESPACES).toContain("kube-system");
    expect(find("kube-system", DEFAULT_DENY).spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(find("kube-system", ALLOW_DNS).spec.egress).toEqual(find("e-commerce", ALLOW_DNS).spec.egress);
  });

  test("CoreDNS, on its pods' label: DNS from every pod and every node, metrics from Prometheus; out to the VPC resolver and the API server", () => {
    const p = find("kube-system", "allow-coredns").spec;
    expect(p.podSelector).toEqual({ matchLabels: COREDNS.labels });
    expect(p.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: MONITORING_POD_LABELS.prometheus } }],
        ports: [TCP(9153)],
      },
      { from: [{ namespaceSelector: {} }, ...blocks(inputs.nodeCidrs)], ports: [UDP(53), TCP(53)] },
    ]);
    // The Amazon DNS server: the VPC's base plus two.
    expect(p.egress![0]).toEqual({ to: blocks(["10.20.0.2/32"]), ports: [UDP(53), TCP(53)] });
  });

  test("the EBS CSI controller: the API server, AWS APIs through NAT on 443, the Pod Identity agent; the node plugin: the API server", () => {
    const c = find("kube-system", "allow-ebs-csi-controller").spec;
    expect(c.podSelector).toEqual({ matchLabels: EBS_CSI_CONTROLLER.labels });
    expect(c.policyTypes).toEqual(["Egress"]);
    expect(c.egress!.slice(1)).toEqual([
      { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [VPC, SERVICE_CIDR, "169.254.0.0/16"] } }], ports: [TCP(443)] },
      { to: blocks([`${POD_IDENTITY_AGENT.address}/32`]), ports: [TCP(80)] },
    ]);
    const n = find("kube-system", "allow-ebs-csi-node").spec;
    expect(n.podSelector).toEqual({ matchLabels: EBS_CSI_NODE.labels });
    expect(n.egress).toHaveLength(1);
  });
});

describe("flows as intent", () => {
  const flows = platformFlows(SERVICES, { challenge: "http-01", edge: { nlbHealthChecks: true }, vault: inputs.vault });
  const layout = policyLayout(SERVICES, inputs.vault);

  test("each row is written on its source's egress and its destination's ingress", () => {
    const gatewayToOrders = flows.find((f) => f.from.kind === "pods" && f.from.role === "gateway" && f.to.kind === "pods" && f.to.service === "orders-service")!;
    const without = policiesOf(inputs, flows.filter((f) => f !== gatewayToOrders), layout);
    const names = (ps: PolicyManifest[]) => new Map(ps.map((p) => [`${p.namespace}/${p.name}`, JSON.stringify(p.spec)]));
    const a = names(plan);
    const b = names(without);
    const changed = [...a.keys()].filter((k) => a.get(k) !== b.get(k));
    expect(changed).toEqual(["e-commerce/allow-api-gateway-egress", "e-commerce/allow-microservices-ingress"]);
  });

  test("a row no policy holds, or one two policies hold, is refused with its parties", () => {
    const stray: FlowIntent = { ...flows[0], to: { kind: "pods", role: "grafana", namespace: "e-commerce", labelSets: [{ app: "x" }] }, why: "a stray flow" };
    expect(() => policiesOf(inputs, [...flows, stray], layout)).toThrow(/ingress of ingress-clients -> e-commerce\/grafana \(a stray flow\) is written by 0 policies|cannot hold the ingress/);
    const twice = [...layout, { namespace: "traefik", name: "again", egressOf: (r: FlowIntent) => r.from.kind === "pods" && r.from.role === "traefik" }];
    expect(() => policiesOf(inputs, flows, twice)).toThrow(/egress of traefik\/traefik -> .* is written by 2 policies \(traefik\/allow-traefik-egress, traefik\/again\)/);
  });
});
