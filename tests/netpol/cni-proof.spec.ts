/**
 * Each rule the EKS VPC CNI needs, taken out of the rendered policies one at a time: the proof
 * under the CNI model catches it, for the upstream reason, while the API semantics may not.
 * Upstream: aws/amazon-network-policy-controller-k8s v1.1.7 (`pkg/resolvers/endpoints.go`) and
 * aws/aws-network-policy-agent v1.4.1 (`pkg/rpc/rpc_handler.go`, `pkg/fwruleprocessor/fw_rule_processor.go`).
 */
import { kubernetesServiceIp } from "../../components/foundation/service-network";
import { LINK_LOCAL_CIDR } from "../../components/network-policies/peers";
import { API_SEMANTICS, CNI_STRICT, MatrixDiff, computeMatrix, diffMatrix, flowKey } from "../../tools/netpol/matrix";
import { API_SERVER_ID, PlatformModel } from "../../tools/netpol/model";
import { pathKey } from "../../tools/netpol/paths";
import type { NetworkPolicy, NetworkPolicyPeer } from "../../tools/netpol/types";
import { IDS, intendedFlows } from "./intended";
import { analysedStack } from "./render";

// dev: node ports, no NLB.
const analysed = () => analysedStack("dev");

type PeerEdit = (peer: NetworkPolicyPeer, p: NetworkPolicy, direction: "ingress" | "egress") => NetworkPolicyPeer | undefined;

/** The policies with every peer of every rule passed through `edit` (undefined drops the peer). */
function editPeers(model: PlatformModel, edit: PeerEdit): PlatformModel {
  const peers = (ps: readonly NetworkPolicyPeer[], p: NetworkPolicy, d: "ingress" | "egress") => ps.map((x) => edit(x, p, d)).filter((x): x is NetworkPolicyPeer => x !== undefined);
  const policies = model.policies.map((p) => ({
    ...p,
    spec: {
      ...p.spec,
      ...(p.spec.ingress ? { ingress: p.spec.ingress.map((r) => ({ ...r, ...(r.from ? { from: peers(r.from, p, "ingress") } : {}) })) } : {}),
      ...(p.spec.egress ? { egress: p.spec.egress.map((r) => ({ ...r, ...(r.to ? { to: peers(r.to, p, "egress") } : {}) })) } : {}),
    },
  }));
  return { ...model, policies };
}

// dev has no hosted zone (its certificates are proved by HTTP-01) and no NLB.
const both = (m: PlatformModel): [MatrixDiff, MatrixDiff] =>
  [API_SEMANTICS, CNI_STRICT].map((s) => diffMatrix(computeMatrix(m, s), intendedFlows(m, { challenge: "http-01", exposure: { nlb: false } }))) as [MatrixDiff, MatrixDiff];
const lines = (xs: MatrixDiff["missing"]) => xs.map((d) => `${flowKey(d)} via ${d.path ? pathKey(d.path) : "any"}`);

describe("the rules the EKS VPC CNI needs, one by one", () => {
  test("without the kubernetes ClusterIP in the API server rules, every API client is cut off under the CNI model only (getMatchingServiceClusterIPs: the Service has no selector)", async () => {
    const { a, model } = await analysed();
    const clusterIp = `${kubernetesServiceIp(a.serviceCidr)}/32`;
    const [api, cni] = both(editPeers(model, (peer) => (peer.ipBlock?.cidr === clusterIp ? undefined : peer)));
    expect(api.ok).toBe(true);
    expect(cni.extra).toEqual([]);
    const clients = [IDS.traefik, IDS.certManager, IDS.webhook, IDS.cainjector, IDS.prometheus, IDS.grafana, IDS.operator, IDS.kubeStateMetrics, IDS.coredns, IDS.ebsController, IDS.ebsNode, IDS.karpenter, IDS.metricsServer, IDS.loadBalancerController];
    // cert-manager's controller, the EBS CSI controller, Karpenter and the load balancer controller still get out, through their internet rule on 443:
    // that rule excludes the service range, so they are cut off too.
    expect(lines(cni.missing).sort()).toEqual(clients.map((c) => `${c} -> ${API_SERVER_ID} 443/TCP via service:default/kubernetes`).sort());
  });

  test("without kube-system's policies, strict mode denies CoreDNS and the EBS CSI driver everything (EnforceNpToPod: no policy, default deny)", async () => {
    const { model } = await analysed();
    const [api, cni] = both({ ...model, policies: model.policies.filter((p) => p.namespace !== "kube-system") });
    // The API leaves kube-system open: more flows than intended, none missing.
    expect(api.missing).toEqual([]);
    expect(api.extra.every((d) => d.source.startsWith("kube-system/") || d.destination.startsWith("kube-system/"))).toBe(true);
    // The agent: no DNS for any pod, no probes, no volumes.
    const missing = lines(cni.missing);
    for (const w of model.workloads) expect(missing).toContain(`${w.id} -> ${IDS.coredns} 53/UDP via service:kube-system/kube-dns`);
    expect(missing).toContain(`node -> ${IDS.coredns} 53/UDP via node-local`);
    expect(missing).toContain(`${IDS.ebsController} -> ${API_SERVER_ID} 443/TCP via service:default/kubernetes`);
    expect(missing).toContain(`${IDS.coredns} -> vpc-resolver 53/UDP via outside`);
  });

  test("without the service range in the internet's except, Alertmanager reaches the API server by its ClusterIP under the CNI model only (ipBlocks are literal)", async () => {
    const { a, model } = await analysed();
    const [api, cni] = both(editPeers(model, (peer) => (peer.ipBlock?.except ? { ipBlock: { ...peer.ipBlock, except: peer.ipBlock.except.filter((x) => x !== a.serviceCidr) } } : peer)));
    expect(api.ok).toBe(true);
    expect(cni.missing).toEqual([]);
    expect(lines(cni.extra)).toEqual([`${IDS.alertmanager} -> ${API_SERVER_ID} 443/TCP via service:default/kubernetes`]);
  });

  test("without link-local addresses in the internet's except, cert-manager reaches the Pod Identity agent and the instance metadata service under both", async () => {
    const { model } = await analysed();
    for (const diff of both(editPeers(model, (peer) => (peer.ipBlock?.except ? { ipBlock: { ...peer.ipBlock, except: peer.ipBlock.except.filter((x) => x !== LINK_LOCAL_CIDR) } } : peer)))) {
      expect(diff.missing).toEqual([]);
      expect(lines(diff.extra)).toEqual([`${IDS.certManager} -> instance-metadata 80/TCP via outside`, `${IDS.certManager} -> pod-identity-agent 80/TCP via outside`]);
    }
  });

  test("without the nodes in CoreDNS' ingress, the API semantics deny host-network pods DNS that the CNI model admits (a namespaceSelector matches them by their node's address)", async () => {
    const { model } = await analysed();
    // CoreDNS' only ingress ipBlocks are the nodes' subnets.
    const [api, cni] = both(editPeers(model, (peer, p, d) => (p.name === "allow-coredns" && d === "ingress" && peer.ipBlock ? undefined : peer)));
    expect(cni.ok).toBe(true);
    expect(api.extra).toEqual([]);
    expect(lines(api.missing)).toEqual(expect.arrayContaining([`${IDS.nodeExporter} -> ${IDS.coredns} 53/UDP via service:kube-system/kube-dns`, `node -> ${IDS.coredns} 53/UDP via outside`]));
  });

  test("without the control-plane subnets in metrics-server's ingress, the aggregator cannot reach the metrics API under both (the API server dials the pod IP from its ENIs)", async () => {
    const { a, model } = await analysed();
    const controlPlane = new Set(a.controlPlaneCidrs);
    // The whole rule goes: a rule left with no peer would admit every source.
    const fromControlPlane = (r: { from?: readonly NetworkPolicyPeer[] }) => (r.from ?? []).length > 0 && r.from!.every((peer) => controlPlane.has(peer.ipBlock?.cidr ?? ""));
    const policies = model.policies.map((p) =>
      p.namespace === "kube-system" && p.name === "allow-metrics-server" ? { ...p, spec: { ...p.spec, ingress: p.spec.ingress!.filter((r) => !fromControlPlane(r)) } } : p,
    );
    expect(policies.find((p) => p.name === "allow-metrics-server")!.spec.ingress).toEqual([]);
    const edited = { ...model, policies };
    for (const diff of both(edited)) {
      expect(diff.extra).toEqual([]);
      expect(lines(diff.missing)).toEqual([`${API_SERVER_ID} -> ${IDS.metricsServer} 10250/TCP via outside`]);
    }
  });
});
