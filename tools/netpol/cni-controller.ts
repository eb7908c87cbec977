/**
 * What the EKS network policy controller writes into the PolicyEndpoints of one NetworkPolicy:
 * per direction, a list of CIDRs with the ports they admit. The node agent turns them into each
 * selected pod's eBPF maps (cni-agent.ts). Every rule here follows
 * aws/amazon-network-policy-controller-k8s v1.1.7, `pkg/resolvers/endpoints.go` (cited as
 * endpoints.go), `pkg/k8s/service_utils.go` and `pkg/k8s/pod_utils.go`.
 */
import { effectivePolicyTypes } from "./evaluate";
import { labelsMatch, selectorMatches } from "./selectors";
import {
  ClusterState,
  LabelSelector,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Pod,
  PolicyType,
  Protocol,
  Service,
  ServicePort,
  namespaceWithAutomaticLabel,
} from "./types";

/** Protocols of the agent's map entries: `ANY` admits every protocol and port, `DENY` marks an `except`. */
export type L4Protocol = Protocol | "ANY" | "DENY";

/** `policyinfo.Port`: without `port`, every port of the protocol. */
export interface L4Port {
  readonly protocol: L4Protocol;
  readonly port?: number;
  readonly endPort?: number;
}

/** `policyinfo.EndpointInfo`: an address block and its ports; no ports admits everything. */
export interface EndpointInfo {
  readonly cidr: string;
  readonly except: readonly string[];
  readonly ports: readonly L4Port[];
}

export interface PolicyEndpoints {
  /** `namespace/name` of the NetworkPolicy. */
  readonly policy: string;
  /** `spec.podIsolation`: the policy's types as the API server stores them (pkg/policyendpoints/manager.go). */
  readonly podIsolation: readonly PolicyType[];
  readonly ingress: readonly EndpointInfo[];
  readonly egress: readonly EndpointInfo[];
}

/** The controller programs IPv4 clusters with `0.0.0.0/0` for "anywhere" (its `::/0` twin never matches IPv4). */
export const ANYWHERE = "0.0.0.0/0";

/** `IsServiceHeadless` (pkg/k8s/service_utils.go): no ClusterIP, or `None`. */
export function isHeadless(service: Service): boolean {
  return service.clusterIP === "" || service.clusterIP === "None";
}

const protocolOf = (p: NetworkPolicyPort | ServicePort): Protocol => p.protocol ?? "TCP";
const targetOf = (sp: ServicePort): number | string => sp.targetPort ?? sp.port;
const withEndPort = (p: NetworkPolicyPort) => (p.endPort !== undefined ? { endPort: p.endPort } : {});
/** A rule with ports none of which resolved is skipped whole (the `len(portList) == 0` checks of endpoints.go). */
const unresolved = (rulePorts: readonly NetworkPolicyPort[], resolved: readonly L4Port[]) => rulePorts.length > 0 && resolved.length === 0;

/**
 * `LookupContainerPortAndName` (pkg/k8s/pod_utils.go): a named port resolves on the pod's
 * containers with its protocol; a number resolves to itself even when no container declares it.
 */
export function containerPortAndName(pod: Pod, port: number | string, protocol: Protocol): { port: number; name?: string } | undefined {
  const cp = pod.ports.find((c) => c.protocol === protocol && (typeof port === "string" ? c.name === port : c.containerPort === port));
  if (cp) return { port: cp.containerPort, ...(cp.name ? { name: cp.name } : {}) };
  return typeof port === "number" ? { port } : undefined;
}

/** `getPortList` (endpoints.go): the rule's ports resolved on one destination pod; an unknown name is dropped. */
function podPorts(pod: Pod, ports: readonly NetworkPolicyPort[]): L4Port[] {
  return ports.flatMap((p) => {
    if (p.port === undefined) return [{ protocol: protocolOf(p), ...withEndPort(p) }];
    const found = containerPortAndName(pod, p.port, protocolOf(p));
    return found ? [{ protocol: protocolOf(p), port: found.port, ...withEndPort(p) }] : [];
  });
}

/** `convertToPolicyInfoPortForCIDRs` (endpoints.go): named ports are dropped, no pod resolves them. */
function cidrPorts(ports: readonly NetworkPolicyPort[]): L4Port[] {
  return ports.filter((p) => typeof p.port !== "string").map((p) => ({ protocol: protocolOf(p), ...(p.port !== undefined ? { port: p.port as number } : {}), ...withEndPort(p) }));
}

/** Resolves a policy's peers on the cluster, as the controller's informers see it. */
class PeerResolver {
  constructor(private readonly cluster: ClusterState) {}

  private namespaceNames(): string[] {
    const names = [...this.cluster.namespaces.map((n) => n.name), ...this.cluster.pods.map((p) => p.namespace), ...this.cluster.services.map((s) => s.namespace)];
    return [...new Set(names)];
  }

  private labelsOf(namespace: string): Readonly<Record<string, string>> {
    return this.cluster.namespaces.find((n) => n.name === namespace)?.labels ?? namespaceWithAutomaticLabel(namespace).labels;
  }

  /** `resolvePeerNamespaces`: the policy's own namespace unless a namespaceSelector is given. */
  namespaces(peer: NetworkPolicyPeer, policyNamespace: string): string[] {
    if (!peer.namespaceSelector) return [policyNamespace];
    return this.namespaceNames().filter((n) => selectorMatches(peer.namespaceSelector!, this.labelsOf(n)));
  }

  /** `listMatchingPods`: every pod of the namespace the selector matches, host-network pods included. */
  pods(namespace: string, selector: LabelSelector | undefined): Pod[] {
    return this.cluster.pods.filter((p) => p.namespace === namespace && selectorMatches(selector ?? {}, p.labels));
  }

  /** Pods behind a Service for port lookups: `labels.Set(selector).AsSelector()`, so no selector is every pod. */
  serviceLookupPods(service: Service): Pod[] {
    return this.cluster.pods.filter((p) => p.namespace === service.namespace && labelsMatch(service.selector ?? {}, p.labels));
  }

  services(namespace: string): Service[] {
    return this.cluster.services.filter((s) => s.namespace === namespace);
  }
}

/**
 * `getMatchingServicePort` (endpoints.go): the listen port of the first Service port whose
 * targetPort is the rule's port, same type (`LookupServiceListenPort`); else, on the Service's
 * pods, the Service port whose targetPort is the container port or name the rule's port
 * resolves to (`LookupListenPortFromPodSpec`).
 */
export function matchingServicePort(service: Service, port: number | string, protocol: Protocol, pods: readonly Pod[]): number | undefined {
  const direct = service.ports.find((sp) => protocolOf(sp) === protocol && typeof targetOf(sp) === typeof port && String(targetOf(sp)) === String(port));
  if (direct) return direct.port;
  for (const pod of pods) {
    const cp = containerPortAndName(pod, port, protocol);
    if (!cp) continue;
    const sp = service.ports.find((s) => protocolOf(s) === protocol && (typeof targetOf(s) === "string" ? targetOf(s) === cp.name : targetOf(s) === cp.port));
    if (sp) return sp.port;
  }
  return undefined;
}

/** `isNumericPortAllowed` (endpoints.go): named entries are skipped, a portless entry admits its protocol. */
function numericPortAllowed(port: number, protocol: Protocol, rulePorts: readonly NetworkPolicyPort[]): boolean {
  return rulePorts.some((p) => {
    if (protocolOf(p) !== protocol) return false;
    if (p.port === undefined) return true;
    return typeof p.port === "number" && port >= p.port && port <= (p.endPort ?? p.port);
  });
}

/**
 * `hasTargetPortBypass` (endpoints.go): for a numeric rule port, a Service port with a named
 * targetPort that some pod resolves to a container port the rule does not admit is left out.
 */
export function targetPortBypass(service: Service, listenPort: number, protocol: Protocol, rulePorts: readonly NetworkPolicyPort[], pods: readonly Pod[]): boolean {
  const sp = service.ports.find((s) => s.port === listenPort && protocolOf(s) === protocol && typeof targetOf(s) === "string");
  if (!sp) return false;
  return pods.some((pod) => {
    const cp = pod.ports.find((c) => c.name === targetOf(sp) && c.protocol === protocol);
    return cp !== undefined && !numericPortAllowed(cp.containerPort, protocol, rulePorts);
  });
}

/**
 * `getMatchingServiceClusterIPs` (endpoints.go): a Service's ClusterIP joins an egress rule when
 * the peer's podSelector (missing = `{}`) matches the Service's selector taken as a label set,
 * so a selector-less Service (`kubernetes`) matches `{}`; headless Services never join. Ports
 * are mapped to listen ports; the Service is left out when none maps.
 */
function serviceClusterIps(resolver: PeerResolver, selector: LabelSelector | undefined, namespace: string, rulePorts: readonly NetworkPolicyPort[]): EndpointInfo[] {
  return resolver.services(namespace).flatMap((service) => {
    if (isHeadless(service) || !selectorMatches(selector ?? {}, service.selector ?? {})) return [];
    if (service.clusterIP === undefined) throw new Error(`Service ${service.namespace}/${service.name} has no clusterIP: the EKS VPC CNI model needs it`);
    const pods = resolver.serviceLookupPods(service);
    const ports = rulePorts.flatMap((p): L4Port[] => {
      const protocol = protocolOf(p);
      if (p.port === undefined) return [{ protocol, ...withEndPort(p) }];
      const listen = matchingServicePort(service, p.port, protocol, pods);
      if (listen === undefined) return [];
      if (typeof p.port === "number" && targetPortBypass(service, listen, protocol, rulePorts, pods)) return [];
      return [{ protocol, port: listen, ...withEndPort(p) }];
    });
    return unresolved(rulePorts, ports) ? [] : [{ cidr: service.clusterIP, except: [], ports }];
  });
}

/** A peer without selector nor ipBlock is rejected by the API server, so it never reaches the controller. */
const emptyPeer = (peer: NetworkPolicyPeer) => !peer.ipBlock && !peer.podSelector && !peer.namespaceSelector;

/** `computeEgressEndpoints` (endpoints.go). */
function egressEndpoints(policy: NetworkPolicy, resolver: PeerResolver): EndpointInfo[] {
  return (policy.spec.egress ?? []).flatMap((rule) => {
    const rulePorts = rule.ports ?? [];
    const forCidrs = cidrPorts(rulePorts);
    // `to` missing (an empty list is not stored): anywhere, with the CIDR ports (`buildAllowAllEgress`).
    if (!rule.to || rule.to.length === 0) return unresolved(rulePorts, forCidrs) ? [] : [{ cidr: ANYWHERE, except: [], ports: forCidrs }];
    return rule.to.flatMap((peer) => {
      if (peer.ipBlock) return unresolved(rulePorts, forCidrs) ? [] : [{ cidr: peer.ipBlock.cidr, except: peer.ipBlock.except ?? [], ports: forCidrs }];
      if (emptyPeer(peer)) return [];
      return resolver.namespaces(peer, policy.namespace).flatMap((ns) => [
        ...resolver.pods(ns, peer.podSelector).flatMap((pod) => {
          const ports = podPorts(pod, rulePorts);
          return unresolved(rulePorts, ports) ? [] : [{ cidr: pod.ip, except: [], ports }];
        }),
        ...serviceClusterIps(resolver, peer.podSelector, ns, rulePorts),
      ]);
    });
  });
}

/**
 * `resolveIngressPorts` (endpoints.go): numeric ports as written; with a named port, the union
 * of the ports resolved on every pod the policy selects (not on each destination pod alone).
 */
function ingressPorts(policy: NetworkPolicy, resolver: PeerResolver, rulePorts: readonly NetworkPolicyPort[]): L4Port[] {
  if (!rulePorts.some((p) => typeof p.port === "string")) return cidrPorts(rulePorts);
  const all = resolver.pods(policy.namespace, policy.spec.podSelector).flatMap((pod) => podPorts(pod, rulePorts));
  return [...new Map(all.map((p) => [`${p.protocol}@${p.port}@${p.endPort}`, p])).values()];
}

/** `computeIngressEndpoints` (endpoints.go). */
function ingressEndpoints(policy: NetworkPolicy, resolver: PeerResolver): EndpointInfo[] {
  return (policy.spec.ingress ?? []).flatMap((rule) => {
    const rulePorts = rule.ports ?? [];
    const ports = ingressPorts(policy, resolver, rulePorts);
    if (unresolved(rulePorts, ports)) return [];
    if (!rule.from || rule.from.length === 0) return [{ cidr: ANYWHERE, except: [], ports }];
    return rule.from.flatMap((peer) => {
      if (peer.ipBlock) return [{ cidr: peer.ipBlock.cidr, except: peer.ipBlock.except ?? [], ports }];
      if (emptyPeer(peer)) return [];
      return resolver.namespaces(peer, policy.namespace).flatMap((ns) => resolver.pods(ns, peer.podSelector).map((pod) => ({ cidr: pod.ip, except: [], ports })));
    });
  });
}

/**
 * The PolicyEndpoints of one policy. Both directions' rules are resolved whatever the policy's
 * types (`Resolve` in endpoints.go never reads `policyTypes`): the agent enforces egress rules
 * of an Ingress-only policy, which the API ignores. Merging entries of one CIDR
 * (`combineRulesEndpoints`, pkg/policyendpoints/manager.go) is left to the agent, which merges too.
 */
export function resolvePolicyEndpoints(policy: NetworkPolicy, cluster: ClusterState): PolicyEndpoints {
  const resolver = new PeerResolver(cluster);
  return {
    policy: `${policy.namespace}/${policy.name}`,
    podIsolation: effectivePolicyTypes(policy.spec),
    ingress: ingressEndpoints(policy, resolver),
    egress: egressEndpoints(policy, resolver),
  };
}
