/**
 * A connection as a client makes it: to a Service's ClusterIP and port, to a pod's address and
 * container port, or to an address outside the pod network. `ApiConnectionEvaluator` judges it
 * with the `networking.k8s.io/v1` semantics; `CniEvaluator` (cni.ts) the way the EKS VPC CNI
 * enforces it. Both answer with the same verdict shape, one path per place the connection lands.
 */
import { isHeadless } from "./cni-controller";
import { PolicyEvaluator, SideDecision, serviceBackends, serviceTargetPort } from "./evaluate";
import { ClusterState, Endpoint, Pod, Protocol, Service, podKey } from "./types";

export type SemanticsKind = "kubernetes-api" | "eks-vpc-cni";

export type Destination =
  /** The Service's ClusterIP on a Service port (never a headless Service: its clients dial pods). */
  | { readonly service: Service; readonly port: number }
  /** A pod's own address on a container port. */
  | { readonly pod: Pod; readonly port: number }
  /** An address outside the pod network (the internet, the API server's ENIs, a node). */
  | { readonly ip: string; readonly port: number };

export interface Connection {
  readonly from: Endpoint;
  readonly to: Destination;
  /** @default "TCP" */
  readonly protocol?: Protocol;
}

export interface HopVerdict {
  /** A policy (or strict mode) decides this side; false when it is open or not a pod. */
  readonly enforced: boolean;
  readonly allowed: boolean;
  readonly why: string;
}

/** Where a connection lands after kube-proxy's DNAT: a backend pod, or an address. */
export interface Landing {
  readonly pod?: Pod;
  readonly ip: string;
  /** Undefined when a named targetPort does not resolve on the pod. */
  readonly port: number | undefined;
}

export interface PathVerdict extends Landing {
  readonly allowed: boolean;
  readonly egress: HopVerdict;
  readonly ingress: HopVerdict;
}

export interface ConnectionVerdict {
  readonly semantics: SemanticsKind;
  /** What the packet carries when it leaves the source: a ClusterIP (when known) and Service port for a Service. */
  readonly dialed: { readonly address: string | undefined; readonly port: number };
  /** One per landing; none for a Service without backends. */
  readonly paths: readonly PathVerdict[];
  /** At least one path, and every path allowed. */
  readonly allowed: boolean;
  /** A pod dialing its own address: never leaves the pod, always allowed. */
  readonly self: boolean;
}

export interface ConnectionEvaluator {
  readonly semantics: SemanticsKind;
  evaluate(connection: Connection): ConnectionVerdict;
}

export const NOT_A_POD: HopVerdict = { enforced: false, allowed: true, why: "not a pod" };
const UNRESOLVED: HopVerdict = { enforced: false, allowed: false, why: "the Service's targetPort does not resolve on the pod" };

function serviceName(s: Service): string {
  return `${s.namespace}/${s.name}`;
}

export function sourceAddress(from: Endpoint): string {
  return "pod" in from ? from.pod.ip : from.ip;
}

export function dialedOf(to: Destination): ConnectionVerdict["dialed"] {
  if ("service" in to) return { address: to.service.clusterIP, port: to.port };
  return { address: "pod" in to ? to.pod.ip : to.ip, port: to.port };
}

/**
 * Where the connection lands: the pod or address itself, or for a Service each backend pod on
 * the port its targetPort resolves to there, or a selector-less Service's endpoint addresses
 * on the numeric targetPort.
 */
export function landings(to: Destination, protocol: Protocol, pods: readonly Pod[]): Landing[] {
  if ("pod" in to) return [{ pod: to.pod, ip: to.pod.ip, port: to.port }];
  if ("ip" in to) return [{ ip: to.ip, port: to.port }];
  const service = to.service;
  if (isHeadless(service)) throw new Error(`Service ${serviceName(service)} is headless: its clients dial the pods' addresses`);
  const sp = service.ports.find((p) => p.port === to.port && (p.protocol ?? "TCP") === protocol);
  if (!sp) throw new Error(`Service ${serviceName(service)} has no port ${to.port}/${protocol}`);
  if (Object.keys(service.selector ?? {}).length > 0) {
    return serviceBackends(service, pods).map((pod) => ({ pod, ip: pod.ip, port: serviceTargetPort(sp, pod) }));
  }
  const target = sp.targetPort ?? sp.port;
  const port = typeof target === "number" ? target : /^\d+$/.test(target) ? Number(target) : undefined;
  return (service.endpointAddresses ?? []).map((ip) => ({ ip, port }));
}

export function verdictOf(semantics: SemanticsKind, to: Destination, paths: PathVerdict[], self = false): ConnectionVerdict {
  return { semantics, dialed: dialedOf(to), paths, allowed: paths.length > 0 && paths.every((p) => p.allowed), self };
}

export function selfVerdict(semantics: SemanticsKind, to: Destination, pod: Pod): ConnectionVerdict {
  const hop: HopVerdict = { enforced: false, allowed: true, why: "a pod talking to itself" };
  return verdictOf(semantics, to, [{ pod, ip: pod.ip, port: to.port, allowed: true, egress: hop, ingress: hop }], true);
}

function hopOf(direction: string, side: SideDecision): HopVerdict {
  if (!side.isolated) return { enforced: false, allowed: true, why: `${direction} open (no policy selects it)` };
  if (side.allowed) return { enforced: true, allowed: true, why: `${direction} allowed by ${side.allowedBy.join(", ")}` };
  return { enforced: true, allowed: false, why: `${direction} denied (selected by ${side.selectedBy.join(", ")}; no rule admits it)` };
}

/**
 * Kubernetes' "traffic to and from the node where a Pod is running is always allowed"
 * (kubernetes.io/docs/concepts/services-networking/network-policies, and the
 * NetworkPolicySpec.ingress reference: "if the traffic source is the pod's local node").
 */
const NODE_LOCAL: HopVerdict = { enforced: false, allowed: true, why: "traffic with the pod's own node is always allowed" };

/**
 * The `networking.k8s.io/v1` semantics at the connection level: each landing is judged on the
 * backend pod and its target port (policies never see a ClusterIP), by `PolicyEvaluator`, plus
 * the API's node rule. A pod no policy selects is open, in every namespace.
 */
export class ApiConnectionEvaluator implements ConnectionEvaluator {
  readonly semantics = "kubernetes-api" as const;
  private readonly evaluator: PolicyEvaluator;

  constructor(private readonly cluster: ClusterState) {
    this.evaluator = new PolicyEvaluator(cluster.namespaces, cluster.policies);
  }

  evaluate(connection: Connection): ConnectionVerdict {
    const { from, to } = connection;
    const protocol = connection.protocol ?? "TCP";
    const src = "pod" in from ? from.pod : undefined;
    if (src && "pod" in to && podKey(src) === podKey(to.pod)) return selfVerdict(this.semantics, to, src);
    const paths = landings(to, protocol, this.cluster.pods).map((landing): PathVerdict => {
      if (landing.port === undefined) return { ...landing, allowed: false, egress: UNRESOLVED, ingress: UNRESOLVED };
      const d = this.evaluator.evaluate({ from, to: landing.pod ? { pod: landing.pod } : { ip: landing.ip }, port: landing.port, protocol });
      if (d.self) return selfVerdict(this.semantics, to, landing.pod!).paths[0];
      const egress = src && landing.ip === src.nodeIp ? NODE_LOCAL : src ? hopOf("egress", d.egress) : NOT_A_POD;
      const ingress = landing.pod && sourceAddress(from) === landing.pod.nodeIp ? NODE_LOCAL : landing.pod ? hopOf("ingress", d.ingress) : NOT_A_POD;
      return { ...landing, allowed: egress.allowed && ingress.allowed, egress, ingress };
    });
    return verdictOf(this.semantics, to, paths);
  }
}
