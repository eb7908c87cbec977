/**
 * NetworkPolicy evaluation with the `networking.k8s.io/v1` semantics: a connection passes when
 * the source's egress AND the destination's ingress allow it. A pod is isolated for a direction
 * only when some policy selecting it has that policy type; an isolated pod accepts what at least
 * one rule of those policies admits (policies are a union, never an intersection).
 */
import { ipInBlock } from "../../lib/ipv4";
import { labelsMatch, selectorMatches } from "./selectors";
import {
  Endpoint,
  Namespace,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  NetworkPolicySpec,
  Pod,
  PolicyType,
  Probe,
  Protocol,
  Service,
  ServicePort,
  namespaceWithAutomaticLabel,
  podKey,
} from "./types";

/**
 * The policy types a spec applies to. Without `policyTypes` the API server defaults to Ingress,
 * plus Egress when the spec has at least one egress rule (`egress: []` does not count).
 */
export function effectivePolicyTypes(spec: NetworkPolicySpec): PolicyType[] {
  if (spec.policyTypes && spec.policyTypes.length > 0) return [...spec.policyTypes];
  return (spec.egress ?? []).length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
}

/**
 * Whether a policy port admits `port`/`protocol` on the destination. A named port is resolved
 * on the destination pod's container ports (for egress rules too), so it never matches an
 * address outside the pod network.
 */
export function policyPortMatches(
  entry: NetworkPolicyPort,
  destination: Pod | undefined,
  port: number,
  protocol: Protocol,
): boolean {
  if ((entry.protocol ?? "TCP") !== protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === "number") {
    return entry.endPort !== undefined ? port >= entry.port && port <= entry.endPort : port === entry.port;
  }
  return (destination?.ports ?? []).some(
    (cp) => cp.name === entry.port && cp.protocol === protocol && cp.containerPort === port,
  );
}

/** `ports` missing or empty admits every port of every protocol. */
export function portsAdmit(
  ports: readonly NetworkPolicyPort[] | undefined,
  destination: Pod | undefined,
  port: number,
  protocol: Protocol,
): boolean {
  return !ports || ports.length === 0 || ports.some((p) => policyPortMatches(p, destination, port, protocol));
}

/** A pod that policies see as a pod; host-network pods and addresses are only seen by address. */
function selectablePod(e: Endpoint): Pod | undefined {
  return "pod" in e && !e.pod.hostNetwork ? e.pod : undefined;
}

export interface SideDecision {
  /** Some policy selects the pod for this direction. Addresses and host-network pods never are. */
  readonly isolated: boolean;
  /** `namespace/name` of the policies that select the pod for this direction. */
  readonly selectedBy: readonly string[];
  /** `namespace/name` of every policy with a rule admitting the connection. */
  readonly allowedBy: readonly string[];
  readonly allowed: boolean;
}

export interface Decision {
  readonly allowed: boolean;
  /** A pod talking to itself: always allowed, never subject to policies. */
  readonly self: boolean;
  readonly egress: SideDecision;
  readonly ingress: SideDecision;
}

const OPEN: SideDecision = { isolated: false, selectedBy: [], allowedBy: [], allowed: true };
const qualified = (p: NetworkPolicy) => `${p.namespace}/${p.name}`;

/** Evaluates connections against a fixed set of namespaces and policies. */
export class PolicyEvaluator {
  private readonly namespaceLabels = new Map<string, Readonly<Record<string, string>>>();
  /** `selecting` by pod and direction: the matrix asks the same question thousands of times. */
  private readonly selectingCache = new WeakMap<Pod, Partial<Record<PolicyType, NetworkPolicy[]>>>();

  constructor(
    namespaces: readonly Namespace[],
    readonly policies: readonly NetworkPolicy[],
  ) {
    for (const ns of namespaces) this.namespaceLabels.set(ns.name, ns.labels);
  }

  /** Labels of a namespace; one the model does not list carries only its automatic label. */
  labelsOfNamespace(name: string): Readonly<Record<string, string>> {
    return this.namespaceLabels.get(name) ?? namespaceWithAutomaticLabel(name).labels;
  }

  /** Policies whose podSelector selects the pod and that apply to the direction. */
  selecting(pod: Pod, type: PolicyType): NetworkPolicy[] {
    if (pod.hostNetwork) return [];
    const cached = this.selectingCache.get(pod) ?? {};
    let hit = cached[type];
    if (!hit) {
      hit = this.policies.filter(
        (p) =>
          p.namespace === pod.namespace &&
          selectorMatches(p.spec.podSelector, pod.labels) &&
          effectivePolicyTypes(p.spec).includes(type),
      );
      this.selectingCache.set(pod, { ...cached, [type]: hit });
    }
    return hit;
  }

  /**
   * A peer: an ipBlock matches by address (pod addresses included); otherwise a namespaceSelector
   * (`{}` = every namespace) selects namespaces, and without one the policy's own namespace is
   * meant; a podSelector in the same peer narrows to matching pods (AND).
   */
  peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, e: Endpoint): boolean {
    if (peer.ipBlock) return ipInBlock("pod" in e ? e.pod.ip : e.ip, peer.ipBlock.cidr, peer.ipBlock.except);
    const pod = selectablePod(e);
    if (!pod || (!peer.podSelector && !peer.namespaceSelector)) return false;
    const namespaceOk = peer.namespaceSelector
      ? selectorMatches(peer.namespaceSelector, this.labelsOfNamespace(pod.namespace))
      : pod.namespace === policyNamespace;
    return namespaceOk && (!peer.podSelector || selectorMatches(peer.podSelector, pod.labels));
  }

  /** `from`/`to` missing or empty admits every peer; several peers are ORed. */
  peersAdmit(peers: readonly NetworkPolicyPeer[] | undefined, policyNamespace: string, e: Endpoint): boolean {
    return !peers || peers.length === 0 || peers.some((p) => this.peerMatches(p, policyNamespace, e));
  }

  /** Whether a rule of `policy` for the direction admits the peer on the destination's port. */
  private admits(policy: NetworkPolicy, type: PolicyType, peer: Endpoint, dst: Pod | undefined, port: number, protocol: Protocol): boolean {
    const rules =
      type === "Ingress"
        ? (policy.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }))
        : (policy.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
    return rules.some((r) => this.peersAdmit(r.peers, policy.namespace, peer) && portsAdmit(r.ports, dst, port, protocol));
  }

  /** One direction: open unless a policy isolates the pod, then allowed when one of them admits it. */
  private side(pod: Pod | undefined, type: PolicyType, peer: Endpoint, dst: Pod | undefined, port: number, protocol: Protocol): SideDecision {
    const policies = pod ? this.selecting(pod, type) : [];
    if (policies.length === 0) return OPEN;
    const allowedBy = policies.filter((p) => this.admits(p, type, peer, dst, port, protocol)).map(qualified);
    return { isolated: true, selectedBy: policies.map(qualified), allowedBy, allowed: allowedBy.length > 0 };
  }

  evaluate(probe: Probe): Decision {
    const protocol = probe.protocol ?? "TCP";
    const src = selectablePod(probe.from);
    const dst = selectablePod(probe.to);
    const dstPod = "pod" in probe.to ? probe.to.pod : undefined;
    if ("pod" in probe.from && dstPod && podKey(probe.from.pod) === podKey(dstPod)) {
      return { allowed: true, self: true, egress: OPEN, ingress: OPEN };
    }
    const egress = this.side(src, "Egress", probe.to, dstPod, probe.port, protocol);
    const ingress = this.side(dst, "Ingress", probe.from, dstPod, probe.port, protocol);
    return { allowed: egress.allowed && ingress.allowed, self: false, egress, ingress };
  }
}

/**
 * Backends by Service and pod list. The model's objects are built once and never changed, and the
 * matrix asks for the same Service's backends once per probe.
 */
const backendCache = new WeakMap<Service, WeakMap<readonly Pod[], readonly Pod[]>>();

/** Pods a Service sends traffic to: its selector's matches in its namespace. */
export function serviceBackends(service: Service, pods: readonly Pod[]): readonly Pod[] {
  const byPods = backendCache.get(service) ?? new WeakMap<readonly Pod[], readonly Pod[]>();
  backendCache.set(service, byPods);
  let backends = byPods.get(pods);
  if (!backends) {
    const selector = service.selector;
    backends = !selector || Object.keys(selector).length === 0 ? [] : pods.filter((p) => p.namespace === service.namespace && labelsMatch(selector, p.labels));
    byPods.set(pods, backends);
  }
  return backends;
}


/** The pod port a Service port forwards to (a named targetPort resolves on that pod), if any. */
export function serviceTargetPort(sp: ServicePort, pod: Pod): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  return pod.ports.find((cp) => cp.name === target && cp.protocol === (sp.protocol ?? "TCP"))?.containerPort;
}

export interface ServiceProbeResult {
  readonly pod: Pod;
  /** The pod port the probe is evaluated on, or undefined when the target port does not resolve. */
  readonly port: number | undefined;
  readonly decision: Decision | undefined;
}

/**
 * A connection through a Service: policies see the pod and its target port, never the Service
 * address or port. One result per backend pod.
 */
export function probeService(
  evaluator: PolicyEvaluator,
  from: Endpoint,
  service: Service,
  servicePort: number,
  pods: readonly Pod[],
  protocol: Protocol = "TCP",
): ServiceProbeResult[] {
  const sp = service.ports.find((p) => p.port === servicePort && (p.protocol ?? "TCP") === protocol);
  if (!sp) throw new Error(`Service ${service.namespace}/${service.name} has no port ${servicePort}/${protocol}`);
  return serviceBackends(service, pods).map((pod) => {
    const port = serviceTargetPort(sp, pod);
    const decision = port === undefined ? undefined : evaluator.evaluate({ from, to: { pod }, port, protocol });
    return { pod, port, decision };
  });
}
