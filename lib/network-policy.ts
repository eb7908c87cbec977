/**
 * The NetworkPolicy API's shapes (networking.k8s.io/v1) as the flow analyzer reads them back
 * from the render: plain values with the protocols spelled out. The policy generator writes
 * @pulumi/kubernetes' own input types (components/network-policies/peers.ts).
 */
export type Protocol = "TCP" | "UDP" | "SCTP";

export type PolicyType = "Ingress" | "Egress";

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

/** `metav1.LabelSelector`: `{}` selects everything. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface IpBlock {
  readonly cidr: string;
  readonly except?: readonly string[];
}

export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: IpBlock;
}

export interface NetworkPolicyPort {
  /** @default "TCP" */
  readonly protocol?: Protocol;
  /** A number, or the name of a container port of the destination pod. Missing: every port. */
  readonly port?: number | string;
  /** Last port of a range starting at `port` (numeric `port` only). */
  readonly endPort?: number;
}

export interface NetworkPolicyIngressRule {
  readonly from?: readonly NetworkPolicyPeer[];
  readonly ports?: readonly NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  readonly to?: readonly NetworkPolicyPeer[];
  readonly ports?: readonly NetworkPolicyPort[];
}

export interface NetworkPolicySpec {
  readonly podSelector: LabelSelector;
  readonly policyTypes?: readonly PolicyType[];
  readonly ingress?: readonly NetworkPolicyIngressRule[];
  readonly egress?: readonly NetworkPolicyEgressRule[];
}

export interface NetworkPolicy {
  readonly namespace: string;
  readonly name: string;
  readonly spec: NetworkPolicySpec;
}

/** The label the API server gives every namespace (Kubernetes 1.21 and later). */
export const AUTOMATIC_NAMESPACE_LABEL = "kubernetes.io/metadata.name";
