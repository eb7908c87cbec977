/** How worker nodes boot: metadata service, root volume and the kernel modules kube-proxy needs. */
import type * as aws from "@pulumi/aws";
import type { KubeProxyMode } from "../../config/cluster";

/**
 * IMDSv2 only (session tokens), with a hop limit of 1: a token cannot travel past the node's own
 * network namespace, so pods cannot borrow the node role. Everything that needs the metadata
 * service runs on the host network (VPC CNI, kube-proxy, the EBS CSI node plugin, the Pod Identity
 * agent); the EBS CSI controller reads its zone and region from the Kubernetes API when IMDS is out
 * of reach, and workloads get AWS credentials from Pod Identity, never from the node.
 */
export const NODE_METADATA_OPTIONS = {
  httpEndpoint: "enabled",
  httpTokens: "required",
  httpPutResponseHopLimit: 1,
  instanceMetadataTags: "disabled",
} as const;

/** Root device of the Amazon Linux 2023 EKS AMI. */
export const ROOT_DEVICE = "/dev/xvda";

/** Kernel modules of kube-proxy's IPVS mode with the round-robin scheduler. */
export const IPVS_KERNEL_MODULES = ["ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack"] as const;

const BOUNDARY = "==ECOMMERCE-NODE==";

/**
 * Extra user data for the node group, or undefined when none is needed. EKS merges a MIME
 * multi-part document into its own bootstrap when the launch template names no AMI, so this
 * only adds a script part; it never replaces how the node joins the cluster.
 */
export function nodeUserData(kubeProxyMode: KubeProxyMode): string | undefined {
  const mime = nodeBootDocument(kubeProxyMode);
  return mime === undefined ? undefined : Buffer.from(mime, "utf8").toString("base64");
}

/**
 * The MIME multi-part document of `nodeUserData`, as text: Karpenter's EC2NodeClass takes it as
 * is and appends its own NodeConfig part after it.
 */
export function nodeBootDocument(kubeProxyMode: KubeProxyMode): string | undefined {
  if (kubeProxyMode !== "ipvs") return undefined;
  const modules = IPVS_KERNEL_MODULES.join(" ");
  const script = [
    "#!/bin/bash",
    "set -euo pipefail",
    // Loaded now for this boot, and listed in modules-load.d for every reboot.
    `printf '%s\\n' ${modules} > /etc/modules-load.d/ipvs.conf`,
    `for m in ${modules}; do modprobe "$m"; done`,
  ].join("\n");
  return [
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
    "",
    `--${BOUNDARY}`,
    'Content-Type: text/x-shellscript; charset="us-ascii"',
    "",
    script,
    "",
    `--${BOUNDARY}--`,
    "",
  ].join("\n");
}

export interface NodeLaunchTemplateSettings {
  readonly clusterName: string;
  readonly diskSizeGiB: number;
  readonly kubeProxyMode: KubeProxyMode;
}

/**
 * Launch template of the managed node group. The root disk lives here (a node group with a launch
 * template cannot set `diskSize`): encrypted gp3, deleted with the instance. It names no AMI and
 * no security group, so EKS keeps choosing the AMI and attaching the cluster security group.
 */
export function nodeLaunchTemplateArgs(s: NodeLaunchTemplateSettings): aws.ec2.LaunchTemplateArgs {
  const tags = { cluster: s.clusterName };
  return {
    description: `Worker nodes of the EKS cluster ${s.clusterName}`,
    metadataOptions: { ...NODE_METADATA_OPTIONS },
    blockDeviceMappings: [
      {
        deviceName: ROOT_DEVICE,
        ebs: { volumeSize: s.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
      },
    ],
    userData: nodeUserData(s.kubeProxyMode),
    updateDefaultVersion: true,
    tagSpecifications: [
      { resourceType: "instance", tags },
      { resourceType: "volume", tags },
    ],
    tags,
  };
}
