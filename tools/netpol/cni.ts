/**
 * The EKS VPC CNI's enforcement of NetworkPolicies, as a second semantics beside the API's:
 * the controller resolves each policy into PolicyEndpoints (cni-controller.ts), the node agent
 * turns those into per-pod eBPF maps (cni-agent.ts), and a connection is judged here.
 *
 * - Egress is judged on what the packet carries on the source pod's veth, before kube-proxy's
 *   DNAT: a Service's ClusterIP and Service port (the egress program is attached to the host
 *   veth's TC ingress hook, `attachEgressBPFProbe` in pkg/ebpf/bpf_client.go of
 *   aws/aws-network-policy-agent v1.4.1; the controller adds ClusterIPs because of it,
 *   `getMatchingServiceClusterIPs` in pkg/resolvers/endpoints.go of
 *   aws/amazon-network-policy-controller-k8s v1.1.7).
 * - Ingress is judged on the backend pod after DNAT: the source's address and the pod's port
 *   (the ingress program is on the host veth's TC egress hook, `attachIngressBPFProbe`).
 * - Host-network pods are never enforced; strict mode denies every other pod no policy selects,
 *   in every namespace; a pod's own node is admitted only once a policy selects the pod
 *   (cni-agent.ts, `podFirewall`).
 */
import { EnforcingMode, DirectionFirewall, firewallAdmits, podFirewall } from "./cni-agent";
import { PolicyEndpoints, resolvePolicyEndpoints } from "./cni-controller";
import {
  ApiConnectionEvaluator,
  Connection,
  ConnectionEvaluator,
  ConnectionVerdict,
  HopVerdict,
  NOT_A_POD,
  PathVerdict,
  dialedOf,
  landings,
  selfVerdict,
  sourceAddress,
  verdictOf,
} from "./connection";
import { selectorMatches } from "./selectors";
import { ClusterState, NetworkPolicy, Pod, PolicyType, Protocol, podKey } from "./types";

/** How policies are judged: the API's semantics, or the EKS VPC CNI's enforcement in a given mode. */
export type Semantics = { readonly kind: "kubernetes-api" } | { readonly kind: "eks-vpc-cni"; readonly enforcingMode: EnforcingMode };

const UNRESOLVED: HopVerdict = { enforced: false, allowed: false, why: "the Service's targetPort does not resolve on the pod" };
/** A pod reaching itself through its Service: the return trip's masquerading is not modelled; treated as self. */
const HAIRPIN: HopVerdict = { enforced: false, allowed: true, why: "the pod reached itself through a Service (hairpin)" };

export class CniEvaluator implements ConnectionEvaluator {
  readonly semantics = "eks-vpc-cni" as const;
  private readonly endpoints = new Map<NetworkPolicy, PolicyEndpoints>();
  private readonly firewalls = new WeakMap<Pod, Partial<Record<PolicyType, DirectionFirewall>>>();

  constructor(
    private readonly cluster: ClusterState,
    readonly enforcingMode: EnforcingMode,
  ) {
    const missing = cluster.services.filter((s) => s.clusterIP === undefined).map((s) => `${s.namespace}/${s.name}`);
    if (missing.length > 0) {
      throw new Error(`the EKS VPC CNI model needs every Service's clusterIP ("None" when headless); missing for ${missing.join(", ")}`);
    }
  }

  /** The PolicyEndpoints the controller writes for a policy (computed once). */
  policyEndpoints(policy: NetworkPolicy): PolicyEndpoints {
    let pe = this.endpoints.get(policy);
    if (!pe) {
      pe = resolvePolicyEndpoints(policy, this.cluster);
      this.endpoints.set(policy, pe);
    }
    return pe;
  }

  /**
   * PolicyEndpoints whose pod selector holds the pod, whatever their types
   * (`computePodSelectorEndpoints`, endpoints.go): all of them program the pod's maps.
   */
  selecting(pod: Pod): PolicyEndpoints[] {
    if (pod.hostNetwork) return [];
    return this.cluster.policies
      .filter((p) => p.namespace === pod.namespace && selectorMatches(p.spec.podSelector, pod.labels))
      .map((p) => this.policyEndpoints(p));
  }

  /** The pod's state and map for one direction (computed once per pod). */
  firewall(pod: Pod, type: PolicyType): DirectionFirewall {
    const cached = this.firewalls.get(pod) ?? {};
    let fw = cached[type];
    if (!fw) {
      fw = podFirewall(pod, type, this.selecting(pod), this.enforcingMode);
      this.firewalls.set(pod, { ...cached, [type]: fw });
    }
    return fw;
  }

  private hop(pod: Pod, type: PolicyType, peerIp: string, port: number, protocol: Protocol): HopVerdict {
    const fw = this.firewall(pod, type);
    const v = firewallAdmits(fw, peerIp, port, protocol);
    const direction = type === "Egress" ? "egress" : "ingress";
    return { enforced: fw.state === "policies-applied" || fw.state === "default-deny", allowed: v.allowed, why: `${direction} ${v.allowed ? "allowed" : "denied"}: ${v.why}` };
  }

  evaluate(connection: Connection): ConnectionVerdict {
    const { from, to } = connection;
    const protocol = connection.protocol ?? "TCP";
    const src = "pod" in from ? from.pod : undefined;
    if (src && "pod" in to && podKey(src) === podKey(to.pod)) return selfVerdict(this.semantics, to, src);
    const landed = landings(to, protocol, this.cluster.pods);
    // Every Service here has a clusterIP (checked by the constructor) and a headless one was refused by `landings`.
    const dialed = dialedOf(to);
    const egress = src ? this.hop(src, "Egress", dialed.address!, dialed.port, protocol) : NOT_A_POD;
    const paths = landed.map((landing): PathVerdict => {
      let ingress: HopVerdict;
      if (!landing.pod) ingress = NOT_A_POD;
      else if (landing.port === undefined) ingress = UNRESOLVED;
      else if (src && podKey(src) === podKey(landing.pod)) ingress = HAIRPIN;
      else ingress = this.hop(landing.pod, "Ingress", sourceAddress(from), landing.port, protocol);
      return { ...landing, allowed: landing.port !== undefined && egress.allowed && ingress.allowed, egress, ingress };
    });
    return verdictOf(this.semantics, to, paths);
  }
}

/** The evaluator for a semantics; the CNI one requires every Service's clusterIP. */
export function connectionEvaluator(cluster: ClusterState, semantics: Semantics): ConnectionEvaluator {
  return semantics.kind === "kubernetes-api" ? new ApiConnectionEvaluator(cluster) : new CniEvaluator(cluster, semantics.enforcingMode);
}
