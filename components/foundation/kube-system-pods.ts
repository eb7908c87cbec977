/**
 * The pods the EKS add-ons run in kube-system, as NetworkPolicies see them: the labels policies
 * select on, the container ports, and whether they use the node's network. EKS installs them, so
 * no render holds their manifests; these rows are read from the upstream manifests and cited.
 *
 * Under `NETWORK_POLICY_ENFORCING_MODE=strict` every one of them that is not on the host network
 * starts denied until a policy selects it (components/network-policies/ writes those policies).
 * Host-network add-ons (aws-node, kube-proxy, eks-pod-identity-agent) are never enforced.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** A container port with plain values, in the Kubernetes API's own shape. */
export type AddonContainerPort = pulumi.Unwrap<k8s.types.input.core.v1.ContainerPort>;

export interface AddonPods {
  /** The EKS add-on (`aws.eks.Addon` `addonName`) that runs the pods. */
  readonly addon: string;
  /** Name of the Deployment or DaemonSet. */
  readonly name: string;
  readonly kind: "Deployment" | "DaemonSet";
  /** Pod labels that policies select on: ones every version of the add-on sets. */
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly AddonContainerPort[];
  readonly hostNetwork: boolean;
  readonly purpose: string;
}

/**
 * CoreDNS of the `coredns` add-on. EKS's manifest as eksctl v0.230.0 vendors it
 * (`pkg/addons/default/assets/coredns-1.34.json`, the same for 1.33 and 1.35): Deployment
 * `coredns`, pod labels `k8s-app: kube-dns` and `eks.amazonaws.com/component: coredns`, ports
 * 53/UDP `dns`, 53/TCP `dns-tcp`, 9153/TCP `metrics`, `dnsPolicy: Default` (it forwards to the
 * node's resolver, the VPC's), not on the host network; its probes (8080 `/health`, 8181
 * `/ready`) are the kubelet's, from the pod's own node. Service `kube-dns` selects
 * `k8s-app: kube-dns` on the same three ports.
 */
export const COREDNS: AddonPods = {
  addon: "coredns",
  name: "coredns",
  kind: "Deployment",
  labels: { "k8s-app": "kube-dns" },
  ports: [
    { name: "dns", containerPort: 53, protocol: "UDP" },
    { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
    { name: "metrics", containerPort: 9153, protocol: "TCP" },
  ],
  hostNetwork: false,
  purpose: "cluster DNS",
};

/** The DNS port CoreDNS serves on UDP and TCP. */
export const DNS_PORT = 53;
/** CoreDNS's Prometheus endpoint (the Corefile's `prometheus` plugin). */
export const COREDNS_METRICS_PORT = 9153;

/** The `kube-dns` Service in front of CoreDNS (eksctl v0.230.0 `coredns-1.34.json`). */
export const KUBE_DNS_SERVICE = {
  name: "kube-dns",
  selector: { "k8s-app": "kube-dns" },
  ports: [
    { name: "dns", port: DNS_PORT, targetPort: DNS_PORT, protocol: "UDP" },
    { name: "dns-tcp", port: DNS_PORT, targetPort: DNS_PORT, protocol: "TCP" },
    { name: "metrics", port: COREDNS_METRICS_PORT, targetPort: COREDNS_METRICS_PORT, protocol: "TCP" },
  ],
} as const;

/**
 * The `aws-ebs-csi-driver` add-on is built from kubernetes-sigs/aws-ebs-csi-driver's chart.
 * `charts/aws-ebs-csi-driver/templates/controller.yaml` and `templates/_node.tpl` label the pods
 * `app: ebs-csi-controller` / `app: ebs-csi-node` beside `app.kubernetes.io/name:
 * aws-ebs-csi-driver` (`_helpers.tpl` `selectorLabels`); the node DaemonSet's `hostNetwork` is
 * `node.hostNetwork`, false in `values.yaml`; both declare `healthz` 9808, the node plugin's
 * registrar `healthz-ndr` 9809 (`sidecars.nodeDriverRegistrar.healthPort`); metrics ports only
 * with `enableMetrics`, off by default. Read at v1.64.0 and identical from v1.40.0 on, so they
 * hold for whichever version `defaultAddonVersion` resolves.
 */
const EBS_CSI_NAME = { "app.kubernetes.io/name": "aws-ebs-csi-driver" } as const;

/** Creates, attaches and resizes volumes: EC2 through NAT, credentials from the Pod Identity agent. */
export const EBS_CSI_CONTROLLER: AddonPods = {
  addon: "aws-ebs-csi-driver",
  name: "ebs-csi-controller",
  kind: "Deployment",
  labels: { app: "ebs-csi-controller", ...EBS_CSI_NAME },
  ports: [{ name: "healthz", containerPort: 9808, protocol: "TCP" }],
  hostNetwork: false,
  purpose: "provisions and attaches EBS volumes (EC2 API through NAT)",
};

/**
 * Mounts volumes on each node. It calls no AWS API; its instance metadata comes from IMDS when a
 * pod can reach it, else from its Node object (aws-ebs-csi-driver v1.64.0
 * `pkg/cloud/metadata/metadata.go`, `DefaultMetadataSources` imds then kubernetes): the nodes'
 * hop limit of 1 keeps IMDS from pods (components/foundation/cluster-nodes.ts), so it reads the API.
 */
export const EBS_CSI_NODE: AddonPods = {
  addon: "aws-ebs-csi-driver",
  name: "ebs-csi-node",
  kind: "DaemonSet",
  labels: { app: "ebs-csi-node", ...EBS_CSI_NAME },
  ports: [
    { name: "healthz", containerPort: 9808, protocol: "TCP" },
    { name: "healthz-ndr", containerPort: 9809, protocol: "TCP" },
  ],
  hostNetwork: false,
  purpose: "mounts EBS volumes on its node (metadata from the API server)",
};

/** Every add-on pod of kube-system that NetworkPolicies must account for. */
export const KUBE_SYSTEM_PODS: readonly AddonPods[] = [COREDNS, EBS_CSI_CONTROLLER, EBS_CSI_NODE];

/**
 * Where pods reach the EKS Pod Identity agent for credentials: a link-local address on every
 * node, port 80 (aws/eks-pod-identity-agent v0.1.37 `configuration/config.go`
 * `DefaultIpv4TargetHost`, `charts/eks-pod-identity-agent/templates/daemonset.yaml`
 * `containerPort: 80`, `hostNetwork: true`).
 */
export const POD_IDENTITY_AGENT = { address: "169.254.170.23", port: 80 } as const;
