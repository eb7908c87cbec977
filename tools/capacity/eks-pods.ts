/**
 * The pods EKS itself runs on every cluster of the platform, which no render holds: the VPC CNI,
 * kube-proxy, the EBS CSI driver and the Pod Identity agent. Their requests, read from upstream at
 * the versions the project cites (components/foundation/cluster.ts, kube-system-pods.ts).
 * CoreDNS is not here: the program sizes it (its add-on configuration, in the render).
 */
import { CapacityWorkload, requestOf } from "./workload";

const KUBE_SYSTEM = "kube-system";

export const EKS_ADDON_PODS: readonly CapacityWorkload[] = [
  {
    name: "aws-node",
    namespace: KUBE_SYSTEM,
    kind: "DaemonSet",
    owner: "add-on vpc-cni",
    // aws-node and aws-eks-nodeagent request 25m each; the init container 25m
    // (aws/amazon-vpc-cni-k8s v1.21.1 `config/master/aws-k8s-cni.yaml` 450-452, 546-548, 587-589).
    pod: requestOf(["25m", "0"], ["25m", "0"]),
    minReplicas: 1,
    maxReplicas: 1,
    source: "aws/amazon-vpc-cni-k8s v1.21.1 config/master/aws-k8s-cni.yaml:546-548,587-589",
  },
  {
    name: "kube-proxy",
    namespace: KUBE_SYSTEM,
    kind: "DaemonSet",
    owner: "add-on kube-proxy",
    // EKS publishes no kube-proxy manifest; the one on record requests 100m CPU and no memory
    // (eksctl v0.230.0 `pkg/addons/default/testdata/sample-old-kube-proxy-amd.json` 10, an EKS
    // kube-proxy DaemonSet as eksctl tests its upgrade on).
    pod: requestOf(["100m", "0"]),
    minReplicas: 1,
    maxReplicas: 1,
    source: "eksctl-io/eksctl v0.230.0 pkg/addons/default/testdata/sample-old-kube-proxy-amd.json:10",
  },
  {
    name: "ebs-csi-node",
    namespace: KUBE_SYSTEM,
    kind: "DaemonSet",
    owner: "add-on aws-ebs-csi-driver",
    // ebs-plugin `node.resources` 10m/40Mi (`values.yaml` 415-420); node-driver-registrar and
    // liveness-probe 10m/32Mi each when their values are empty (`templates/_node.tpl` 238-248, 269-279).
    pod: requestOf(["10m", "40Mi"], ["10m", "32Mi"], ["10m", "32Mi"]),
    minReplicas: 1,
    maxReplicas: 1,
    source: "kubernetes-sigs/aws-ebs-csi-driver v1.64.0 charts/aws-ebs-csi-driver/values.yaml:415-420, templates/_node.tpl:238-279",
  },
  {
    name: "ebs-csi-controller",
    namespace: KUBE_SYSTEM,
    kind: "Deployment",
    owner: "add-on aws-ebs-csi-driver",
    // `controller.replicaCount: 2` (`values.yaml` 290); ebs-plugin, csi-provisioner, csi-attacher and
    // csi-resizer take `controller.resources` 10m/40Mi (`values.yaml` 302-307; `templates/controller.yaml`
    // 207, 287, 360, 612), liveness-probe 10m/32Mi (650-655). The snapshotter runs only with the
    // snapshot CRDs, which the platform does not install; volume modification and the metadata
    // labeler are off by default (`values.yaml` 92-100, 204-205).
    pod: requestOf(["10m", "40Mi"], ["10m", "40Mi"], ["10m", "40Mi"], ["10m", "40Mi"], ["10m", "32Mi"]),
    minReplicas: 2,
    maxReplicas: 2,
    source: "kubernetes-sigs/aws-ebs-csi-driver v1.64.0 charts/aws-ebs-csi-driver/values.yaml:290,302-307, templates/controller.yaml:207-655",
  },
  {
    name: "eks-pod-identity-agent",
    namespace: KUBE_SYSTEM,
    kind: "DaemonSet",
    owner: "add-on eks-pod-identity-agent",
    // `resources: {}` (`charts/eks-pod-identity-agent/values.yaml` 165, `templates/daemonset.yaml` 134-135).
    pod: requestOf(["0", "0"]),
    minReplicas: 1,
    maxReplicas: 1,
    source: "aws/eks-pod-identity-agent v0.1.37 charts/eks-pod-identity-agent/values.yaml:165",
  },
];
