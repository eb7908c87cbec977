/**
 * What Karpenter needs on the AWS side (aws/karpenter-provider-aws v1.14.1, the getting-started
 * CloudFormation template and step02-create-cluster.sh): the controller's role, handed to its
 * service account by EKS Pod Identity; the interruption queue and the EventBridge rules that fill
 * it; the role of the nodes it launches, with the EC2_LINUX access entry that lets them join; and
 * the discovery tag on the security group the nodes get (the subnets carry it from the network).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { KUBE_SYSTEM } from "../../catalog";
import { podIdentityRole } from "./pod-identity";
import { KARPENTER_SERVICE_ACCOUNT } from "./karpenter/chart";
import {
  CONTROLLER_POLICY_NAMES,
  INTERRUPTION_RETENTION_SECONDS,
  INTERRUPTION_RULES,
  INTERRUPTION_TARGET_ID,
  KARPENTER_DISCOVERY_TAG,
  KARPENTER_NODE_POLICIES,
  KarpenterScope,
  NODE_TRUST_POLICY,
  controllerPolicies,
  interruptionEventPattern,
  interruptionQueuePolicy,
} from "./karpenter-policy";

export { KARPENTER_SERVICE_ACCOUNT };


export interface KarpenterAwsArgs {
  /** The cluster's name as configured: the IAM conditions, the queue and the discovery tag name it. */
  readonly clusterName: string;
  /** The cluster's name as an output, so that the association and access entry wait for the cluster. */
  readonly clusterResourceName: pulumi.Input<string>;
  readonly region: string;
  /** EKS's cluster security group, which managed nodes carry: Karpenter's nodes get it too. */
  readonly nodeSecurityGroupId: pulumi.Input<string>;
}

/** Karpenter's IAM, interruption queue, node role and access entry. */
export class KarpenterAws extends pulumi.ComponentResource {
  /** Name of the SQS queue (`settings.interruptionQueue`). */
  readonly interruptionQueueName: pulumi.Output<string>;
  /** Name of the role of Karpenter's nodes (`EC2NodeClass.spec.role`). */
  readonly nodeRoleName: pulumi.Output<string>;
  readonly controllerRoleArn: pulumi.Output<string>;
  /** What the controller needs before it can start: its credentials and the nodes' access entry. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: KarpenterAwsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:cluster:KarpenterAws", name, {}, opts);
    const child = { parent: this };
    const tags = { cluster: args.clusterName };

    const queue = new aws.sqs.Queue(
      `${name}-interruption`,
      { name: args.clusterName, messageRetentionSeconds: INTERRUPTION_RETENTION_SECONDS, sqsManagedSseEnabled: true, tags },
      child,
    );
    new aws.sqs.QueuePolicy(`${name}-interruption`, { queueUrl: queue.url, policy: queue.arn.apply((arn) => JSON.stringify(interruptionQueuePolicy(arn))) }, child);
    for (const rule of INTERRUPTION_RULES) {
      const eventRule = new aws.cloudwatch.EventRule(`${name}-${rule.name}`, { eventPattern: interruptionEventPattern(rule), tags }, child);
      new aws.cloudwatch.EventTarget(`${name}-${rule.name}`, { rule: eventRule.name, arn: queue.arn, targetId: INTERRUPTION_TARGET_ID }, child);
    }

    const nodeRole = new aws.iam.Role(`${name}-node-role`, { assumeRolePolicy: JSON.stringify(NODE_TRUST_POLICY), tags }, child);
    const nodePolicies = KARPENTER_NODE_POLICIES.map(
      (policy) => new aws.iam.RolePolicyAttachment(`${name}-node-${policy}`, { role: nodeRole.name, policyArn: `arn:aws:iam::aws:policy/${policy}` }, child),
    );
    // EKS grants the node permissions to an EC2_LINUX entry; it takes no groups or access policies
    // (EKS API CreateAccessEntry `type`). Managed node groups get theirs from EKS; these nodes do not.
    const accessEntry = new aws.eks.AccessEntry(
      `${name}-nodes`,
      { clusterName: args.clusterResourceName, principalArn: nodeRole.arn, type: "EC2_LINUX", tags },
      { parent: this, dependsOn: nodePolicies },
    );

    const { role: controllerRole, association } = podIdentityRole(
      { role: `${name}-controller-role`, association: `${name}-controller` },
      { clusterName: args.clusterName, clusterResourceName: args.clusterResourceName, namespace: KUBE_SYSTEM, serviceAccount: KARPENTER_SERVICE_ACCOUNT },
      (role) => {
        const identity = aws.getCallerIdentityOutput({}, child);
        const partition = aws.getPartitionOutput({}, child);
        const documents = pulumi
          .all([partition.partition, identity.accountId, nodeRole.arn, queue.arn])
          .apply(([p, accountId, nodeRoleArn, queueArn]) => {
            const scope: KarpenterScope = { partition: p, region: args.region, accountId, clusterName: args.clusterName };
            return controllerPolicies(scope, nodeRoleArn, queueArn);
          });
        return CONTROLLER_POLICY_NAMES.map((suffix) => {
          const policy = new aws.iam.Policy(
            `${name}-${suffix}`,
            { description: `Karpenter controller of ${args.clusterName}: ${suffix}`, policy: documents.apply((d) => JSON.stringify(d[suffix])), tags },
            child,
          );
          return new aws.iam.RolePolicyAttachment(`${name}-${suffix}`, { role: role.name, policyArn: policy.arn }, child);
        });
      },
      this,
    );

    // The cluster security group is EKS's, not this program's: a tag resource adds one key to it.
    new aws.ec2.Tag(`${name}-discovery`, { resourceId: args.nodeSecurityGroupId, key: KARPENTER_DISCOVERY_TAG, value: args.clusterName }, child);

    this.interruptionQueueName = queue.name;
    this.nodeRoleName = nodeRole.name;
    this.controllerRoleArn = controllerRole.arn;
    this.ready = [association, accessEntry];
    this.registerOutputs({ interruptionQueueName: this.interruptionQueueName, nodeRoleName: this.nodeRoleName, controllerRoleArn: this.controllerRoleArn });
  }
}
