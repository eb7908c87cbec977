/**
 * How the parties of a flow (catalog/flows.ts) become NetworkPolicy peers and selectors: pods by
 * namespace and labels, addresses by CIDR. Shapes are the Kubernetes API's own
 * (`k8s.types.input.networking.v1`, with plain values).
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../../catalog";
import type { AddressSet, FlowParty, FlowPath, VaultLocation } from "../../catalog/flows";
import type { AcmeChallenge } from "../ingress/cert-manager/dns01";
import { POD_IDENTITY_AGENT } from "../foundation/kube-system-pods";
import { hostCidr, kubernetesServiceIp } from "../foundation/service-network";
import { AUTOMATIC_NAMESPACE_LABEL } from "../../lib/network-policy";
import { cidrRange, intToIp } from "../../lib/ipv4";

/** Whether CIDR `inner` lies within CIDR `outer` (CIDRs are nested or disjoint). */
function within(inner: string, outer: string): boolean {
  const a = cidrRange(inner);
  const b = cidrRange(outer);
  if (!a || !b) throw new Error(`'${inner}' or '${outer}' is not an IPv4 CIDR`);
  return a.first >= b.first && a.last <= b.last;
}

/**
 * A client range as an ipBlock outside the cluster's own addresses: the blocks it holds are cut
 * out (`except` must be a strict subset of `cidr`), and a range inside one of them gives nothing.
 */
export function outsideBlock(cidr: string, excluded: readonly string[]): NetworkPolicyPeer[] {
  if (excluded.some((e) => within(cidr, e))) return [];
  const except = excluded.filter((e) => within(e, cidr));
  return [{ ipBlock: { cidr, ...(except.length > 0 ? { except: [...except] } : {}) } }];
}

export type LabelSelector = pulumi.Unwrap<k8s.types.input.meta.v1.LabelSelector>;
export type NetworkPolicyPeer = pulumi.Unwrap<k8s.types.input.networking.v1.NetworkPolicyPeer>;
export type NetworkPolicyPort = pulumi.Unwrap<k8s.types.input.networking.v1.NetworkPolicyPort>;
export type NetworkPolicyIngressRule = pulumi.Unwrap<k8s.types.input.networking.v1.NetworkPolicyIngressRule>;
export type NetworkPolicyEgressRule = pulumi.Unwrap<k8s.types.input.networking.v1.NetworkPolicyEgressRule>;
export type NetworkPolicySpec = pulumi.Unwrap<k8s.types.input.networking.v1.NetworkPolicySpec>;

/** A NetworkPolicy as the generator plans it: its namespace, name and spec. */
export interface PolicyManifest {
  readonly namespace: string;
  readonly name: string;
  readonly spec: NetworkPolicySpec;
}

export interface PolicyPlanInputs {
  readonly services: readonly ServiceSpec[];
  /** How the ACME issuers prove names: the HTTP-01 paths exist only with `http-01`, Route 53's with `dns-01`. */
  readonly acmeChallenge: AcmeChallenge;
  /** The VPC: excluded from "the internet", so that no internet rule ever matches a pod. */
  readonly vpcCidr: string;
  /** The cluster's service range: excluded from "the internet" too, and holding the `kubernetes` ClusterIP. */
  readonly serviceCidr: string;
  /** Subnets holding only the API server's endpoint ENIs (components/foundation/network.ts). */
  readonly controlPlaneCidrs: readonly string[];
  /** Subnets of the nodes, where host-network pods (node-exporter, the kubelet) listen. */
  readonly nodeCidrs: readonly string[];
  /** Where Vault is (secretsBackend `vault`): its servers' flows and its clients' (catalog/vault-flows.ts). */
  readonly vault: VaultLocation;
  /** Client networks of the ingress (`ingressSourceRanges`): Traefik admits them, their addresses kept. */
  readonly ingressSourceRanges: readonly string[];
  /** Subnets of the NLB's own addresses (the public subnets), which its health checks come from; none with node ports. */
  readonly loadBalancerSubnetCidrs: readonly string[];
}

/** Link-local addresses (the instance metadata service, the Pod Identity agent) are on the node, never the internet. */
export const LINK_LOCAL_CIDR = "169.254.0.0/16";

/**
 * The narrowest selector matching every one of `labelSets`: equal labels as `matchLabels`, keys
 * that differ as `In` over their values (one set is just its labels).
 */
export function selectorOf(labelSets: readonly Readonly<Record<string, string>>[]): LabelSelector {
  if (labelSets.length === 1) return { matchLabels: { ...labelSets[0] } };
  const keys = Object.keys(labelSets[0]).filter((k) => labelSets.every((l) => k in l));
  const same = keys.filter((k) => labelSets.every((l) => l[k] === labelSets[0][k]));
  const differ = keys.filter((k) => !same.includes(k));
  return {
    ...(same.length > 0 ? { matchLabels: Object.fromEntries(same.map((k) => [k, labelSets[0][k]])) } : {}),
    ...(differ.length > 0
      ? { matchExpressions: differ.map((key) => ({ key, operator: "In", values: [...new Set(labelSets.map((l) => l[key]))].sort() })) }
      : {}),
  };
}

/** Pods matching `podSelector` in namespace `ns`: both selectors in ONE peer, so they are ANDed. */
export function podsMatching(ns: string, podSelector: LabelSelector): NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { [AUTOMATIC_NAMESPACE_LABEL]: ns } }, podSelector };
}

/** The address of the VPC's Amazon DNS server: its base plus two. */
export function vpcResolverCidr(vpcCidr: string): string {
  const range = cidrRange(vpcCidr);
  if (!range) throw new Error(`VPC CIDR '${vpcCidr}' is not an IPv4 CIDR`);
  return hostCidr(intToIp(range.first + 2));
}

/**
 * The blocks of each address set. The API server is its endpoint ENIs (what the API semantics
 * see after DNAT) and, reached through the `kubernetes` Service, that Service's ClusterIP: the
 * EKS VPC CNI judges egress before DNAT, and the Service has no selector a peer could match.
 * The internet excludes the VPC, the service range and link-local addresses, so that an internet
 * rule never matches a pod, a node, a ClusterIP or a node-local agent.
 */
export function addressPeers(inp: PolicyPlanInputs, set: AddressSet, path: FlowPath): NetworkPolicyPeer[] {
  const blocks = (cidrs: readonly string[]) => cidrs.map((cidr): NetworkPolicyPeer => ({ ipBlock: { cidr } }));
  switch (set) {
    case "api-server":
      return blocks([...inp.controlPlaneCidrs, ...(path === "service" ? [hostCidr(kubernetesServiceIp(inp.serviceCidr))] : [])]);
    case "internet":
      return [{ ipBlock: { cidr: "0.0.0.0/0", except: [inp.vpcCidr, inp.serviceCidr, LINK_LOCAL_CIDR] } }];
    case "ingress-clients":
      return inp.ingressSourceRanges.flatMap((cidr) => outsideBlock(cidr, [inp.vpcCidr, inp.serviceCidr, LINK_LOCAL_CIDR]));
    case "load-balancer-nodes":
      return blocks(inp.loadBalancerSubnetCidrs);
    case "nodes":
      return blocks(inp.nodeCidrs);
    case "vpc-resolver":
      return blocks([vpcResolverCidr(inp.vpcCidr)]);
    case "pod-identity-agent":
      return blocks([hostCidr(POD_IDENTITY_AGENT.address)]);
  }
}

/** A party as the peers of a rule. */
export function peersOf(inp: PolicyPlanInputs, party: FlowParty, path: FlowPath): NetworkPolicyPeer[] {
  switch (party.kind) {
    case "pods":
      return [podsMatching(party.namespace, selectorOf(party.labelSets))];
    case "every-pod":
      return [{ namespaceSelector: {} }];
    case "addresses":
      return addressPeers(inp, party.of, path);
  }
}
