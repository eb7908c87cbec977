/**
 * Building blocks of the NetworkPolicies (network-policy-rules.ts): peers by namespace and labels,
 * by address, ports, and where the tiers' pods are.
 */
import { NAMESPACES, ServiceSpec } from "../../catalog";
import { CHART_WORKLOADS } from "../chart-pods";
import { AUTOMATIC_NAMESPACE_LABEL } from "../../lib/network-policy";
import type { LabelSelector, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort } from "../../lib/network-policy";
import { MONITORING_POD_LABELS } from "../monitoring/kube-prometheus-stack/chart";
import { ENTRYPOINTS, TRAEFIK_POD_LABELS } from "../ingress/traefik/chart";

/** A NetworkPolicy as the generator plans it: the analyzer's own shape. */
export type PolicyManifest = NetworkPolicy;

export interface PolicyPlanInputs {
  readonly services: readonly ServiceSpec[];
  /** The VPC: excluded from "the internet", so that no internet rule ever matches a pod. */
  readonly vpcCidr: string;
  /** Subnets holding only the API server's endpoint ENIs (components/foundation/network.ts). */
  readonly controlPlaneCidrs: readonly string[];
  /** Subnets of the nodes, where host-network scrape targets (node-exporter, kubelet) listen. */
  readonly nodeCidrs: readonly string[];
}

export const DEFAULT_DENY = "deny-all-default";
export const ALLOW_DNS = "allow-dns";

/** CoreDNS of the EKS add-on: its pods' label, DNS port and metrics port. */
export const KUBE_DNS = { labels: { "k8s-app": "kube-dns" }, port: 53, metricsPort: 9153 } as const;
/** HTTPS port of the API server's endpoint. */
export const API_SERVER_PORT = 443;
/** Kubelet's port on every node (Prometheus scrapes it and cAdvisor through it). */
export const KUBELET_PORT = 10250;
/** ACME directories and the HTTP-01 self check (through the public load balancer) are on the internet. */
export const ACME_PORTS = [443, ENTRYPOINTS.web.exposedPort];

export const tcp = (port: number): NetworkPolicyPort => ({ protocol: "TCP", port });
export const udp = (port: number): NetworkPolicyPort => ({ protocol: "UDP", port });

/** Pods matching `podSelector` in namespace `ns`: both selectors in ONE peer, so they are ANDed. */
export function podsMatching(ns: string, podSelector: LabelSelector): NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { [AUTOMATIC_NAMESPACE_LABEL]: ns } }, podSelector };
}

export function podsIn(ns: string, labels: Readonly<Record<string, string>>): NetworkPolicyPeer {
  return podsMatching(ns, { matchLabels: { ...labels } });
}

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

/** The one row of the table of chart pods whose pods carry all these labels (a tier's selector). */
export function chartRow(labels: Readonly<Record<string, string>>) {
  const rows = CHART_WORKLOADS.filter((w) => Object.entries(labels).every(([k, v]) => w.labels[k] === v));
  if (rows.length !== 1) throw new Error(`${rows.length} chart pods have the labels ${JSON.stringify(labels)}, not one`);
  return rows[0];
}

/** Port of a chart pod that no tier constant names. */
export function chartPort(labels: Readonly<Record<string, string>>, portName: string): number {
  const port = chartRow(labels).ports.find((p) => p.name === portName);
  if (!port) throw new Error(`the chart pod with labels ${JSON.stringify(labels)} declares no port '${portName}'`);
  return port.containerPort;
}

export const M = MONITORING_POD_LABELS;
export const NS = {
  app: NAMESPACES.app.name,
  messaging: NAMESPACES.messaging.name,
  traefik: NAMESPACES.traefik.name,
  certManager: NAMESPACES.certManager.name,
  monitoring: NAMESPACES.monitoring.name,
};
export const prometheus = podsIn(NS.monitoring, M.prometheus);
export const traefik = podsIn(NS.traefik, TRAEFIK_POD_LABELS);

export function policy(namespace: string, name: string, podSelector: LabelSelector, rules: { ingress?: NetworkPolicyIngressRule[]; egress?: NetworkPolicyEgressRule[] }): PolicyManifest {
  const policyTypes = [...(rules.ingress ? ["Ingress" as const] : []), ...(rules.egress ? ["Egress" as const] : [])];
  return { namespace, name, spec: { podSelector, policyTypes, ...rules } };
}


/** Rules by address: the API server's endpoint subnets, and the internet outside the VPC. */
export function addressPeers(inp: PolicyPlanInputs) {
  return {
    apiServer: inp.controlPlaneCidrs.map((cidr): NetworkPolicyPeer => ({ ipBlock: { cidr } })),
    // `except` the VPC: pods, nodes and internal load balancers are never "the internet".
    internet: [{ ipBlock: { cidr: "0.0.0.0/0", except: [inp.vpcCidr] } }] as NetworkPolicyPeer[],
    nodes: inp.nodeCidrs.map((cidr): NetworkPolicyPeer => ({ ipBlock: { cidr } })),
  };
}

