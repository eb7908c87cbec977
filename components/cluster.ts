import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterSettings } from "../config";

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

export interface EksClusterArgs {
  readonly settings: ClusterSettings;
  readonly vpcId: pulumi.Input<string>;
  readonly publicSubnetIds: pulumi.Input<string>[];
  readonly privateSubnetIds: pulumi.Input<string>[];
}

/**
 * EKS control plane (access entries only, no default node group), one managed node group in the
 * private subnets, CoreDNS once nodes exist, and the Kubernetes provider everything else uses.
 */
export class EksCluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  readonly oidcIssuer: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly nodeGroupName: pulumi.Output<string>;
  /** Security group of the worker nodes (load balancer and perimeter rules attach here). */
  readonly nodeSecurityGroupId: pulumi.Output<string>;
  /** Security group EKS puts on the control plane's network interfaces. */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  /**
   * The security group the managed node group's instances actually carry: without a custom
   * launch template, EKS attaches its own cluster security group (tagged with the cluster) to
   * them, not `nodeSecurityGroupId`. Node port and load balancer rules belong here.
   */
  readonly managedNodeSecurityGroupId: pulumi.Output<string>;
  /** The Kubernetes provider for this cluster; pass it in `providers`, never in args. */
  readonly provider: k8s.Provider;
  /** Resources that only work once nodes can run pods. */
  readonly nodesReady: pulumi.Resource[];

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:cluster:EksCluster", name, {}, opts);
    const s = args.settings;

    const nodeRole = new aws.iam.Role(
      `${name}-node-role`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags: { cluster: s.name },
      },
      { parent: this },
    );
    const attachments = NODE_POLICY_ARNS.map(
      (policyArn, i) =>
        new aws.iam.RolePolicyAttachment(`${name}-node-policy-${i}`, { role: nodeRole.name, policyArn }, { parent: this }),
    );

    const cluster = new eks.Cluster(
      name,
      {
        name: s.name,
        version: s.kubernetesVersion,
        vpcId: args.vpcId,
        publicSubnetIds: args.publicSubnetIds,
        privateSubnetIds: args.privateSubnetIds,
        nodeAssociatePublicIpAddress: false,
        authenticationMode: eks.AuthenticationMode.Api,
        skipDefaultNodeGroup: true,
        // An access entry lets the nodes join: no aws-auth ConfigMap with API authentication.
        instanceRoles: [nodeRole],
        createOidcProvider: true,
        vpcCniOptions: VPC_CNI_NETWORK_POLICY,
        // eks can only manage CoreDNS with a default node group; it is added below, after the nodes.
        corednsAddonOptions: { enabled: false },
      },
      { parent: this, dependsOn: attachments },
    );

    const nodeGroup = new eks.ManagedNodeGroup(
      `${name}-nodes`,
      {
        cluster,
        nodeGroupName: `${s.name}-nodes`,
        nodeRole,
        subnetIds: args.privateSubnetIds,
        instanceTypes: [...s.nodeGroup.instanceTypes],
        capacityType: s.nodeGroup.capacityType,
        diskSize: s.nodeGroup.diskSizeGiB,
        scalingConfig: {
          minSize: s.nodeGroup.minSize,
          desiredSize: s.nodeGroup.desiredSize,
          maxSize: s.nodeGroup.maxSize,
        },
      },
      { parent: this },
    );

    const coredns = new aws.eks.Addon(
      `${name}-coredns`,
      {
        clusterName: cluster.eksCluster.name,
        addonName: "coredns",
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
      },
      // CoreDNS pods need nodes to schedule on; created earlier the add-on stays degraded.
      { parent: this, dependsOn: [nodeGroup] },
    );

    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: pulumi.secret(cluster.kubeconfigJson), enableServerSideApply: true },
      { parent: this },
    );

    this.clusterName = cluster.eksCluster.name;
    this.endpoint = cluster.eksCluster.endpoint;
    this.oidcIssuer = cluster.oidcIssuer;
    this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
    this.nodeGroupName = nodeGroup.nodeGroup.nodeGroupName;
    this.nodeSecurityGroupId = cluster.nodeSecurityGroupId;
    this.clusterSecurityGroupId = cluster.clusterSecurityGroupId;
    this.managedNodeSecurityGroupId = cluster.eksCluster.vpcConfig.clusterSecurityGroupId;
    this.nodesReady = [nodeGroup, coredns];
    this.registerOutputs({
      clusterName: this.clusterName,
      endpoint: this.endpoint,
      oidcIssuer: this.oidcIssuer,
      kubeconfig: this.kubeconfig,
      nodeGroupName: this.nodeGroupName,
    });
  }
}
