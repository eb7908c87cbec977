/** Small clusters for the EKS VPC CNI model's tests: two nodes, a few namespaces, the `kubernetes` Service. */
import { EnforcingMode } from "../../tools/netpol/cni-agent";
import { CniEvaluator } from "../../tools/netpol/cni";
import { ApiConnectionEvaluator, Connection, Destination } from "../../tools/netpol/connection";
import {
  ClusterState,
  ContainerPort,
  Endpoint,
  NetworkPolicy,
  NetworkPolicySpec,
  Pod,
  Service,
  namespaceWithAutomaticLabel,
} from "../../tools/netpol/types";

export const NODE_A = "10.0.0.10";
export const NODE_B = "10.0.0.20";
export const API_SERVER_ENIS = ["10.0.200.5", "10.0.200.6"];
export const API_SERVER_CIDR = "10.0.200.0/28";
export const KUBERNETES_CLUSTER_IP = "172.20.0.1";

export const HTTP: ContainerPort[] = [{ name: "http", containerPort: 8080, protocol: "TCP" }];
export const DNS: ContainerPort[] = [
  { name: "dns", containerPort: 53, protocol: "UDP" },
  { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
];

let nextHost = 10;
/** A pod on node A unless told otherwise, with its own address in 10.0.1.0/24. */
export function pod(namespace: string, name: string, labels: Record<string, string> = {}, extra: Partial<Pod> = {}): Pod {
  return { namespace, name, labels: { app: name, ...labels }, ip: `10.0.1.${nextHost++}`, ports: HTTP, nodeIp: NODE_A, ...extra };
}

export function policy(namespace: string, name: string, spec: NetworkPolicySpec): NetworkPolicy {
  return { namespace, name, spec };
}

/** Admits every source to every pod of the namespace: under strict mode a destination needs a policy. */
export function openIngress(namespace: string): NetworkPolicy {
  return policy(namespace, "open-ingress", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] });
}

/** Lets every pod of the namespace dial anything. */
export function openEgress(namespace: string): NetworkPolicy {
  return policy(namespace, "open-egress", { podSelector: {}, policyTypes: ["Egress"], egress: [{}] });
}

/** The `kubernetes` Service as EKS has it: no selector, its endpoints are the API server's ENIs. */
export const KUBERNETES: Service = {
  namespace: "default",
  name: "kubernetes",
  clusterIP: KUBERNETES_CLUSTER_IP,
  ports: [{ name: "https", port: 443, targetPort: 443 }],
  endpointAddresses: API_SERVER_ENIS,
};

export const NAMESPACES = ["app", "data", "default", "kube-system", "monitoring"].map((n) => namespaceWithAutomaticLabel(n));

export function cluster(pods: Pod[], policies: NetworkPolicy[], services: Service[] = []): ClusterState {
  return { namespaces: NAMESPACES, pods, policies, services: [KUBERNETES, ...services] };
}

const endpoint = (e: Pod | Endpoint): Endpoint => ("namespace" in e ? { pod: e } : e);

/** The verdict of one connection under the API semantics and the CNI model in strict (or the given) mode. */
export function verdicts(state: ClusterState, from: Pod | Endpoint, to: Destination, protocol: Connection["protocol"] = "TCP", mode: EnforcingMode = "strict") {
  const connection: Connection = { from: endpoint(from), to, protocol };
  const api = new ApiConnectionEvaluator(state).evaluate(connection);
  const cni = new CniEvaluator(state, mode).evaluate(connection);
  return { api: api.allowed, cni: cni.allowed, apiVerdict: api, cniVerdict: cni };
}

/** Every path's verdict, in landing order. */
export function pathVerdicts(v: { paths: readonly { allowed: boolean }[] }): boolean[] {
  return v.paths.map((p) => p.allowed);
}
