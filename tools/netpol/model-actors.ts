/**
 * What the platform model adds to a render: the EKS add-ons' pods of kube-system, the outsider
 * and its namespace's open policy, and the actors outside the pod network (the internet, the
 * API server, the nodes and the addresses the platform gives).
 */
import type { Rendered } from "../render/engine";
import { AddonPods, COREDNS } from "../../components/foundation/kube-system-pods";
import { KUBELET_PORT } from "../../catalog/flows";
import type { ExternalActor, ModelOptions, WorkloadDraft } from "./model";
import { NetworkPolicy, Protocol, compareText } from "./types";

export const INTERNET_ID = "internet";
export const API_SERVER_ID = "kube-apiserver";
export const OUTSIDER_NAMESPACE = "outsider";
export const KUBE_DNS_ID = `kube-system/${COREDNS.name}`;
export const NODE_ID = "node";
export { KUBELET_PORT };

/** The add-on pods of kube-system: CoreDNS runs in every cluster, the others with their add-on. */
export function addonWorkloads(rendered: Rendered, rows: readonly AddonPods[]): WorkloadDraft[] {
  const addons = new Set(rendered.ofType("aws:eks/addon:Addon").map((a) => a.inputs.addonName));
  return rows
    .filter((row) => row === COREDNS || addons.has(row.addon))
    .map((row) => ({
      namespace: "kube-system",
      name: row.name,
      kind: row.kind,
      source: "addon" as const,
      labels: { ...row.labels },
      ports: row.ports
        .map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.containerPort, protocol: (p.protocol ?? "TCP") as Protocol }))
        .sort((a, b) => a.containerPort - b.containerPort || compareText(a.protocol, b.protocol)),
      hostNetwork: row.hostNetwork,
    }));
}

/**
 * The outsider's namespace allows everything both ways: the outsider stands for any pod of
 * another team, whose own policies (or strict mode's default deny) the platform cannot count on,
 * so only the platform's policies may stop it, under either semantics.
 */
export const OUTSIDER_ALLOW_ALL: NetworkPolicy = {
  namespace: OUTSIDER_NAMESPACE,
  name: "allow-all",
  spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] },
};

export const OUTSIDER: WorkloadDraft = {
  namespace: OUTSIDER_NAMESPACE,
  name: "outsider",
  kind: "Pod",
  source: "implicit",
  labels: { app: "outsider" },
  ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
  hostNetwork: false,
};

export function externalsOf(options: ModelOptions, internetAddress: string, nodes: readonly string[]): ExternalActor[] {
  const externals: ExternalActor[] = [
    {
      id: INTERNET_ID,
      description: "an address on the internet",
      ip: internetAddress,
      ports: [
        { name: "http", containerPort: 80, protocol: "TCP" },
        { name: "https", containerPort: 443, protocol: "TCP" },
      ],
    },
  ];
  if (options.apiServer) {
    externals.push({
      id: API_SERVER_ID,
      description: "the Kubernetes API server's endpoint",
      ip: options.apiServer.address,
      ports: [{ name: "https", containerPort: options.apiServer.port ?? 443, protocol: "TCP" }],
    });
  }
  if (nodes.length > 0) {
    externals.push({ id: NODE_ID, description: "a node: the kubelet and host processes", ip: nodes[0], ports: [{ name: "kubelet", containerPort: KUBELET_PORT, protocol: "TCP" }] });
  }
  return [...externals, ...(options.externals ?? [])];
}

