/**
 * The objects the flow analyzer reasons about, in the shape of their Kubernetes API fields so
 * that rendered manifests can be read without translation. Only what NetworkPolicy evaluation
 * needs is kept.
 */

export type {
  Protocol,
  PolicyType,
  LabelSelectorRequirement,
  LabelSelector,
  IpBlock,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  NetworkPolicyIngressRule,
  NetworkPolicyEgressRule,
  NetworkPolicySpec,
  NetworkPolicy,
} from "../../lib/network-policy";
import { AUTOMATIC_NAMESPACE_LABEL } from "../../lib/network-policy";
import type { NetworkPolicy, Protocol } from "../../lib/network-policy";
export { AUTOMATIC_NAMESPACE_LABEL };

export interface Namespace {
  readonly name: string;
  /** All labels, including the automatic `kubernetes.io/metadata.name`. */
  readonly labels: Readonly<Record<string, string>>;
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

export interface Pod {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ip: string;
  readonly ports: readonly ContainerPort[];
  /**
   * A host-network pod uses its node's address: NetworkPolicies neither select it nor match it
   * by selector (only an ipBlock covering the node can).
   */
  readonly hostNetwork?: boolean;
  /**
   * The primary address of the node the pod runs on (kubelet probes come from it). Only the
   * EKS VPC CNI model reads it; without it no address counts as the pod's own node.
   */
  readonly nodeIp?: string;
}

export interface ServicePort {
  readonly name?: string;
  readonly port: number;
  /** @default the Service port */
  readonly targetPort?: number | string;
  /** @default "TCP" */
  readonly protocol?: Protocol;
}

export interface Service {
  readonly namespace: string;
  readonly name: string;
  /** Equality selector over pod labels; a Service without one has no backends here. */
  readonly selector?: Readonly<Record<string, string>>;
  readonly ports: readonly ServicePort[];
  /**
   * `spec.clusterIP`: `"None"` (or `""`, as for ExternalName) for a headless Service. Undefined
   * when not known; the EKS VPC CNI model needs it, since egress is enforced on it.
   */
  readonly clusterIP?: string;
  /**
   * Addresses of a selector-less Service's hand-managed endpoints (the `kubernetes` Service's
   * are the API server's), reached on the Service port's numeric targetPort.
   */
  readonly endpointAddresses?: readonly string[];
}

/** What the cluster holds at one moment: everything a policy decision can depend on. */
export interface ClusterState {
  readonly namespaces: readonly Namespace[];
  readonly policies: readonly NetworkPolicy[];
  /** Every pod, host-network ones included: selectors, named ports and Services resolve on them. */
  readonly pods: readonly Pod[];
  readonly services: readonly Service[];
}

/** A traffic endpoint: a pod, or an address outside the pod network (internet, API server). */
export type Endpoint = { readonly pod: Pod } | { readonly ip: string };

/** One connection attempt, evaluated on the destination pod's port. */
export interface Probe {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly port: number;
  /** @default "TCP" */
  readonly protocol?: Protocol;
}


/** A namespace as the API server stores it: its labels plus the automatic name label. */
export function namespaceWithAutomaticLabel(name: string, labels: Readonly<Record<string, string>> = {}): Namespace {
  return { name, labels: { ...labels, [AUTOMATIC_NAMESPACE_LABEL]: name } };
}

export function podKey(p: Pod): string {
  return `${p.namespace}/${p.name}`;
}

/**
 * Orders strings by code point: unlike `localeCompare`, the same on every machine (the render
 * must be byte-identical everywhere) and fast enough for thousands of flows.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
