import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterSettings } from "../../config";
import { accessEntries } from "./cluster-access";
import { ClusterAddons, kubeProxyConfiguration } from "./cluster-addons";
import { nodeLaunchTemplateArgs } from "./cluster-nodes";
import { backupVolumeTags } from "./backup";
import { clusterKey } from "./kms-key";
import { Gp3StorageClass } from "./storage-class";

/** Policies every EKS worker node needs: join the cluster, pull images, run the VPC CNI. */
export const NODE_POLICY_ARNS = [
  "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
  "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
  "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
] as const;

/**
 * The VPC CNI settings that make NetworkPolicies real: the policy agent on, and `strict` mode so
 * that a new pod starts denied until its policies are applied instead of open for a few seconds.
 */
export const VPC_CNI_NETWORK_POLICY = {
  enableNetworkPolicy: true,
  configurationValues: { env: { NETWORK_POLICY_ENFORCING_MODE: "strict" } },
} as const;

/**
 * The VPC CNI settings with the node agent's policy decision logs on or off. On, the agent logs
 * every DENY (and every ACCEPT at debug level) in `/var/log/aws-routed-eni/network-policy-agent.log`
 * on each node (aws/amazon-vpc-cni-k8s v1.21.1 `charts/aws-vpc-cni/values.yaml`
 * `nodeAgent.enablePolicyEventLogs`, passed as `--enable-policy-event-logs`; aws/aws-network-policy-agent
 * v1.4.1 README: it needs about one CPU core per node, so it is off unless investigating).
 */
export function vpcCniNetworkPolicy(policyEventLogs: boolean) {
  if (!policyEventLogs) return VPC_CNI_NETWORK_POLICY;
  return {
    ...VPC_CNI_NETWORK_POLICY,
    configurationValues: { ...VPC_CNI_NETWORK_POLICY.configurationValues, nodeAgent: { enablePolicyEventLogs: "true" } },
  };
}

/** The log group EKS writes control-plane logs to; it must exist first, or EKS creates it unmanaged. */
export function controlPlaneLogGroupName(clusterName: string): string {
  return `/aws/eks/${clusterName}/cluster`;
}

/**
 * How the API server is reached: always privately from the VPC (nodes and anything inside), and
 * publicly only from the configured CIDRs; no CIDR means no public endpoint at all.
 */
export function endpointAccess(publicAccessCidrs: readonly string[]) {
  return publicAccessCidrs.length > 0
    ? { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: [...publicAccessCidrs] }
    : { endpointPrivateAccess: true, endpointPublicAccess: false };
}

export interface EksClusterArgs {
  readonly settings: ClusterSettings;
  readonly vpcId: pulumi.Input<string>;
  /**
   * Subnets of the control plane's endpoint ENIs: small ones that hold no pod, so that
   * NetworkPolicies can allow the API server by `ipBlock` without matching pods.
   */
  readonly controlPlaneSubnetIds: pulumi.Input<string>[];
  /** Subnets of the node group (and so of the pods). */
  readonly privateSubnetIds: pulumi.Input<string>[];
  /** The private subnets' NAT routes: the node group waits for them. @default [] */
  readonly privateRoutingReady?: pulumi.Resource[];
  /** Retain volumes (StorageClass `Retain`) and their key when claims or the stack go away. @default false */
  readonly protectData?: boolean;
}

/**
 * EKS control plane (Secrets encrypted with a customer-managed key, audited, access entries only),
 * one managed node group in the private subnets behind an IMDSv2-only launch template, the
 * add-ons, the default `gp3` StorageClass, and the Kubernetes provider everything else uses.
 */
export class EksCluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  readonly oidcIssuer: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly nodeGroupName: pulumi.Output<string>;
  /** Security group EKS puts on the control plane's network interfaces. */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  /**
   * The security group the managed node group's instances actually carry: when the launch
   * template names no security group (ours does not), EKS attaches its own cluster security
   * group to them, not the node security group pulumi-eks creates. Node port and load balancer
   * rules belong here.
   */
  readonly managedNodeSecurityGroupId: pulumi.Output<string>;
  /** The Kubernetes provider for this cluster; pass it in `providers`, never in args. */
  readonly provider: k8s.Provider;
  /** Resources that only work once nodes can run pods. */
  readonly nodesReady: pulumi.Resource[];
  /** Cluster DNS (CoreDNS), for pods that must resolve Service names before they are ready. */
  readonly dnsReady: pulumi.Resource[];
  /** Name of the default StorageClass (`gp3`). */
  readonly storageClassName: pulumi.Output<string>;
  /** What a PersistentVolumeClaim needs before it can bind: the StorageClass, its driver and the driver's credentials. */
  readonly storageReady: pulumi.Resource[];
  /** Customer-managed KMS key of Kubernetes Secrets (envelope encryption in etcd). */
  readonly secretsKeyArn: pulumi.Output<string>;

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:cluster:EksCluster", name, {}, opts);
    const s = args.settings;
    const protectData = args.protectData ?? false;
    const tags = { cluster: s.name };

    const nodeRole = new aws.iam.Role(
      `${name}-node-role`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags,
      },
      { parent: this },
    );
    const attachments = NODE_POLICY_ARNS.map(
      (policyArn, i) =>
        new aws.iam.RolePolicyAttachment(`${name}-node-policy-${i}`, { role: nodeRole.name, policyArn }, { parent: this }),
    );

    const secretsKey = clusterKey(
      `${name}-secrets-key`,
      { clusterName: s.name, purpose: "eks-secrets", description: `Envelope encryption of Kubernetes Secrets in the EKS cluster ${s.name}` },
      { parent: this },
    );
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-control-plane-logs`,
      { name: controlPlaneLogGroupName(s.name), retentionInDays: s.controlPlane.logRetentionDays, tags },
      { parent: this },
    );

    const cluster = new eks.Cluster(
      name,
      {
        name: s.name,
        version: s.kubernetesVersion,
        vpcId: args.vpcId,
        // Only the control-plane subnets: EKS puts its endpoint ENIs there. Nodes get the private
        // subnets below; load balancers find their subnets by tags, not through the cluster.
        subnetIds: args.controlPlaneSubnetIds,
        nodeAssociatePublicIpAddress: false,
        // Explicit, so that the `kubernetes` and kube-dns ClusterIPs are known to the policies.
        // EKS sets it at creation only: a new range replaces the cluster.
        kubernetesServiceIpAddressRange: s.serviceCidr,
        ...endpointAccess(s.controlPlane.publicAccessCidrs),
        encryptionConfigKeyArn: secretsKey.arn,
        enabledClusterLogTypes: [...s.controlPlane.logTypes],
        authenticationMode: eks.AuthenticationMode.Api,
        accessEntries: accessEntries(s.access),
        skipDefaultNodeGroup: true,
        // No instanceRoles: with API authentication the component refuses them (pulumi-eks v4.3.0
        // nodejs/eks/cluster/authenticationMode.ts), and EKS itself creates the EC2_LINUX access
        // entry of a managed node group's role (EKS user guide, "Create access entries").
        createOidcProvider: true,
        vpcCniOptions: vpcCniNetworkPolicy(s.networkPolicyEventLogs),
        kubeProxyAddonOptions: {
          configurationValues: kubeProxyConfiguration(s.kubeProxyMode),
          resolveConflictsOnCreate: "OVERWRITE",
          resolveConflictsOnUpdate: "OVERWRITE",
        },
        // eks can only manage CoreDNS with a default node group; ClusterAddons adds it after the nodes.
        corednsAddonOptions: { enabled: false },
        tags,
      },
      { parent: this, dependsOn: [...attachments, logGroup] },
    );

    const launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-nodes`,
      nodeLaunchTemplateArgs({ clusterName: s.name, diskSizeGiB: s.nodeGroup.diskSizeGiB, kubeProxyMode: s.kubeProxyMode }),
      { parent: this },
    );
    const nodeGroup = new eks.ManagedNodeGroup(
      `${name}-nodes`,
      {
        cluster,
        nodeGroupName: `${s.name}-nodes`,
        nodeRole,
        // pulumi-eks copies the cluster's version onto a node group only without a launch template
        // (v4.3.0 nodejs/eks/nodes/nodegroup.ts), so the nodes follow an upgrade only if told here.
        // The template names no AMI, which is what lets EKS pick the AMI for this version.
        version: s.kubernetesVersion,
        operatingSystem: eks.OperatingSystem.AL2023,
        subnetIds: args.privateSubnetIds,
        instanceTypes: [...s.nodeGroup.instanceTypes],
        capacityType: s.nodeGroup.capacityType,
        launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
        scalingConfig: {
          minSize: s.nodeGroup.minSize,
          desiredSize: s.nodeGroup.desiredSize,
          maxSize: s.nodeGroup.maxSize,
        },
      },
      // Nodes pull images and call AWS APIs through NAT: without those routes they never join.
      { parent: this, dependsOn: args.privateRoutingReady ?? [] },
    );

    const addons = new ClusterAddons(
      `${name}-addons`,
      {
        clusterName: cluster.eksCluster.name,
        configuredClusterName: s.name,
        kubernetesVersion: s.kubernetesVersion,
        nodeGroup,
        corednsReplicas: s.corednsReplicas,
        corednsResources: s.corednsResources,
        retainVolumeKey: protectData,
      },
      { parent: this },
    );

    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: pulumi.secret(cluster.kubeconfigJson), enableServerSideApply: true },
      { parent: this },
    );
    const storage = new Gp3StorageClass(
      `${name}-storage`,
      { kmsKeyArn: addons.volumeKeyArn, retainVolumes: protectData, volumeTags: backupVolumeTags(s.name) },
      // Not after the EBS CSI driver: a StorageClass is a plain object whose provisioner the API does
      // not check; the claims are what need the driver, and they wait for it (storageReady).
      { parent: this, providers: { kubernetes: this.provider } },
    );

    this.clusterName = cluster.eksCluster.name;
    this.endpoint = cluster.eksCluster.endpoint;
    this.oidcIssuer = cluster.oidcIssuer;
    this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
    this.nodeGroupName = nodeGroup.nodeGroup.nodeGroupName;
    this.clusterSecurityGroupId = cluster.clusterSecurityGroupId;
    this.managedNodeSecurityGroupId = cluster.eksCluster.vpcConfig.clusterSecurityGroupId;
    // Not CoreDNS: it starts beside the pods that wait here, on the same nodes, and no readiness
    // check they are awaited on resolves a cluster name; a pod resolving one at start retries.
    this.nodesReady = [nodeGroup];
    this.dnsReady = [addons.coredns];
    this.storageClassName = storage.storageClassName;
    this.storageReady = [storage.storageClass, addons.ebsCsiDriver, addons.podIdentityAgent];
    this.secretsKeyArn = secretsKey.arn;
    this.registerOutputs({
      clusterName: this.clusterName,
      endpoint: this.endpoint,
      oidcIssuer: this.oidcIssuer,
      kubeconfig: this.kubeconfig,
      nodeGroupName: this.nodeGroupName,
      storageClassName: this.storageClassName,
    });
  }
}
