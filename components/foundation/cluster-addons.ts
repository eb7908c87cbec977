/**
 * The EKS add-ons that need worker nodes or AWS permissions: the Pod Identity agent, the EBS CSI
 * driver with its IAM role and volume key, and CoreDNS configured as the seed describes.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { KUBE_SYSTEM, WorkloadResources, containerResources } from "../../catalog";
import type { KubeProxyMode } from "../../config/cluster";
import { clusterKey } from "./kms-key";
import { COREDNS, COREDNS_METRICS_PORT } from "./kube-system-pods";

export { COREDNS_METRICS_PORT };

/** Label every CoreDNS pod carries (and the `kube-dns` Service selects on). */
export const COREDNS_POD_LABELS = COREDNS.labels;

/**
 * The seed's Corefile: 30 s cache and record TTL, pod records for `pods insecure`, metrics on
 * :9153, up to 1000 concurrent upstream queries, and 5 s of lameduck so that a terminating
 * replica keeps answering while the Service endpoints converge.
 */
export const SEED_COREFILE = `.:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    prometheus :${COREDNS_METRICS_PORT}
    forward . /etc/resolv.conf {
        max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;

/** Configuration values of the `coredns` add-on (its schema accepts exactly these keys and more). */
export function corednsConfiguration(replicas: number, resources: WorkloadResources): Record<string, unknown> {
  const spread = (topologyKey: string, whenUnsatisfiable: string) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable,
    labelSelector: { matchLabels: { ...COREDNS_POD_LABELS } },
    // Counts only the pods of the current rollout, so an update cannot be blocked by old replicas.
    matchLabelKeys: ["pod-template-hash"],
  });
  return {
    replicaCount: replicas,
    corefile: SEED_COREFILE,
    // A zone outage must not take DNS with it: zones are a hard rule, nodes a preference.
    topologySpreadConstraints: [
      spread("topology.kubernetes.io/zone", "DoNotSchedule"),
      spread("kubernetes.io/hostname", "ScheduleAnyway"),
    ],
    podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
    // The add-on's schema takes `resources` with cpu and memory requests and limits.
    resources: containerResources(resources),
  };
}

/** Configuration values of the `kube-proxy` add-on; IPVS balances round robin, as the seed says. */
export function kubeProxyConfiguration(mode: KubeProxyMode): Record<string, unknown> {
  return mode === "ipvs" ? { mode, ipvs: { scheduler: "rr" } } : { mode };
}

/** Service account of the EBS CSI controller, which the add-on creates in kube-system. */
export const EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";
export const EBS_CSI_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy";

/**
 * Trust policy of a role handed to one service account by EKS Pod Identity. The session tags EKS
 * sets pin it to this cluster, namespace and service account, so no other association can use it.
 */
export function podIdentityTrustPolicy(clusterName: string, namespace: string, serviceAccount: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:RequestTag/eks-cluster-name": clusterName,
            "aws:RequestTag/kubernetes-namespace": namespace,
            "aws:RequestTag/kubernetes-service-account": serviceAccount,
          },
        },
      },
    ],
  });
}

/** What the EBS CSI driver needs on the volume key: data keys, and grants for the attaching instance. */
export function volumeKeyPolicy(keyArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Resource: keyArn,
      },
      {
        Effect: "Allow",
        Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        Resource: keyArn,
        Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
      },
    ],
  });
}

export interface ClusterAddonsArgs {
  /** Physical name of the EKS cluster (an output of the cluster, so add-ons wait for it). */
  readonly clusterName: pulumi.Input<string>;
  /** Name as configured, known before the cluster exists (used in IAM conditions). */
  readonly configuredClusterName: string;
  /** The control plane's Kubernetes version: each add-on runs the version EKS makes default for it. */
  readonly kubernetesVersion: string;
  /** The node group: add-ons that run Deployments wait for it, or they stay degraded. */
  readonly nodeGroup: pulumi.Resource;
  readonly corednsReplicas: number;
  /** Requests and limits of each CoreDNS pod (the stack's resource profile). */
  readonly corednsResources: WorkloadResources;
  /** Keep the volume key when the stack is destroyed, so that retained volumes stay readable. */
  readonly retainVolumeKey: boolean;
}

const OVERWRITE = { resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE" } as const;

/**
 * The add-on version EKS makes the default for a Kubernetes version. An `aws.eks.Addon` without
 * `addonVersion` keeps whatever version it was created with: EKS does not move add-ons when the
 * control plane is upgraded, so an old CoreDNS or CSI driver would outlive its supported range.
 * Looking the version up per Kubernetes version makes an upgrade move every add-on with it.
 * (The VPC CNI and kube-proxy add-ons belong to eks.Cluster, which already resolves their
 * version from the cluster's: pulumi-eks v4.3.0 nodejs/eks/cluster/cluster.ts and
 * nodejs/eks/addons/cni-addon.ts call getAddonVersion with the cluster version.)
 */
export function defaultAddonVersion(addonName: string, kubernetesVersion: string, opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
  return aws.eks.getAddonVersionOutput({ addonName, kubernetesVersion, mostRecent: false }, opts).version;
}

/** Pod Identity agent, EBS CSI driver (role and KMS key for volumes) and CoreDNS. */
export class ClusterAddons extends pulumi.ComponentResource {
  readonly podIdentityAgent: aws.eks.Addon;
  readonly ebsCsiDriver: aws.eks.Addon;
  readonly coredns: aws.eks.Addon;
  /** Customer-managed key that encrypts every volume of the default StorageClass. */
  readonly volumeKeyArn: pulumi.Output<string>;

  constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:cluster:ClusterAddons", name, {}, opts);
    const addonVersion = (addonName: string) => defaultAddonVersion(addonName, args.kubernetesVersion, { parent: this });

    // A DaemonSet: it needs no node to be created, so it does not wait for the node group.
    this.podIdentityAgent = new aws.eks.Addon(
      `${name}-pod-identity-agent`,
      {
        clusterName: args.clusterName,
        addonName: "eks-pod-identity-agent",
        addonVersion: addonVersion("eks-pod-identity-agent"),
        ...OVERWRITE,
      },
      { parent: this },
    );

    const volumeKey = clusterKey(
      `${name}-volume-key`,
      { clusterName: args.configuredClusterName, purpose: "ebs-volumes", description: `EBS volumes of the EKS cluster ${args.configuredClusterName}` },
      { parent: this, retainOnDelete: args.retainVolumeKey },
    );

    const csiRole = new aws.iam.Role(
      `${name}-ebs-csi-role`,
      {
        assumeRolePolicy: podIdentityTrustPolicy(args.configuredClusterName, KUBE_SYSTEM, EBS_CSI_SERVICE_ACCOUNT),
        tags: { cluster: args.configuredClusterName },
      },
      { parent: this },
    );
    const csiPolicies = [
      new aws.iam.RolePolicyAttachment(`${name}-ebs-csi-policy`, { role: csiRole.name, policyArn: EBS_CSI_POLICY_ARN }, { parent: this }),
      new aws.iam.RolePolicy(
        `${name}-ebs-csi-volume-key`,
        { role: csiRole.name, policy: volumeKey.arn.apply(volumeKeyPolicy) },
        { parent: this },
      ),
    ];

    this.ebsCsiDriver = new aws.eks.Addon(
      `${name}-ebs-csi-driver`,
      {
        clusterName: args.clusterName,
        addonName: "aws-ebs-csi-driver",
        addonVersion: addonVersion("aws-ebs-csi-driver"),
        podIdentityAssociations: [{ roleArn: csiRole.arn, serviceAccount: EBS_CSI_SERVICE_ACCOUNT }],
        ...OVERWRITE,
      },
      // The controller is a Deployment (needs nodes). Not after the agent: the agent's add-on can be
      // ACTIVE before any node exists, so that order never meant its pods serve; the controller's
      // SDK retries credentials until they do, and claims wait for both (EksCluster.storageReady).
      { parent: this, dependsOn: [args.nodeGroup, ...csiPolicies] },
    );

    this.coredns = new aws.eks.Addon(
      `${name}-coredns`,
      {
        clusterName: args.clusterName,
        addonName: "coredns",
        addonVersion: addonVersion("coredns"),
        configurationValues: JSON.stringify(corednsConfiguration(args.corednsReplicas, args.corednsResources)),
        ...OVERWRITE,
      },
      // CoreDNS pods need nodes to schedule on; created earlier the add-on stays degraded.
      { parent: this, dependsOn: [args.nodeGroup] },
    );

    this.volumeKeyArn = volumeKey.arn;
    this.registerOutputs({ volumeKeyArn: this.volumeKeyArn });
  }
}
