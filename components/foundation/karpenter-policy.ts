/**
 * The IAM documents of Karpenter's controller, node role and interruption queue, as pure
 * builders. The statements are those of the reference CloudFormation template of
 * aws/karpenter-provider-aws v1.14.1
 * (`website/content/en/preview/getting-started/getting-started-with-karpenter/cloudformation.yaml`,
 * the Karpenter*Policy and KarpenterInterruptionQueue* resources), scoped the way it scopes them:
 * to this cluster's name, this region and this account. The zonal-shift policy is left out:
 * `settings.enableZonalShift` stays false, and only then does the controller call ARC
 * (pkg/operator/operator.go 144-155 at v1.14.1).
 */

/**
 * The tag EC2NodeClasses select subnets and security groups by, valued with the cluster's name
 * (getting-started/migrating-from-cas/scripts/step05-tag-subnets.sh, step06-tag-security-groups.sh,
 * v1.14.1). Not `kubernetes.io/cluster/<name>`: concepts/nodeclasses.md warns that selecting by it
 * can break the AWS Load Balancer Controller.
 */
export const KARPENTER_DISCOVERY_TAG = "karpenter.sh/discovery";

/** Where the controller may act: the values the template's `${AWS::*}` and `${ClusterName}` stand for. */
export interface KarpenterScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly clusterName: string;
}

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: unknown;
  readonly Action: string | readonly string[];
  /** Absent only in trust policies. */
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Id?: string;
  readonly Statement: readonly PolicyStatement[];
}

const doc = (Statement: readonly PolicyStatement[], Id?: string): PolicyDocument => ({ Version: "2012-10-17", ...(Id ? { Id } : {}), Statement });

/** The tags Karpenter puts on what it launches, keyed on by the conditions (concepts/nodeclasses.md "spec.tags"). */
const clusterTagKey = (s: KarpenterScope) => `kubernetes.io/cluster/${s.clusterName}`;

/** `arn:<partition>:ec2:<region>:*:<type>/*` for each resource type. */
const ec2Arns = (s: KarpenterScope, types: readonly string[]) => types.map((t) => `arn:${s.partition}:ec2:${s.region}:*:${t}/*`);

/** What RunInstances/CreateFleet create, and so what must carry the cluster's tags on creation. */
const LAUNCHED_TYPES = ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"] as const;

/** Resources a request tags on creation must name this cluster and a NodePool. */
function requestTaggedForCluster(s: KarpenterScope) {
  return {
    [`aws:RequestTag/${clusterTagKey(s)}`]: "owned",
    "aws:RequestTag/eks:eks-cluster-name": s.clusterName,
  };
}

/** Launch, tag and delete instances and launch templates (KarpenterControllerNodeLifecyclePolicy). */
export function nodeLifecyclePolicy(s: KarpenterScope): PolicyDocument {
  const ownedByNodePool = {
    StringEquals: { [`aws:ResourceTag/${clusterTagKey(s)}`]: "owned" },
    StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
  };
  const launched = ec2Arns(s, LAUNCHED_TYPES);
  return doc([
    {
      Sid: "AllowScopedEC2InstanceAccessActions",
      Effect: "Allow",
      Action: ["ec2:RunInstances", "ec2:CreateFleet"],
      Resource: [
        `arn:${s.partition}:ec2:${s.region}::image/*`,
        `arn:${s.partition}:ec2:${s.region}::snapshot/*`,
        ...ec2Arns(s, ["security-group", "subnet", "capacity-reservation", "placement-group"]),
      ],
    },
    {
      Sid: "AllowScopedEC2LaunchTemplateAccessActions",
      Effect: "Allow",
      Action: ["ec2:RunInstances", "ec2:CreateFleet"],
      Resource: ec2Arns(s, ["launch-template"]),
      Condition: ownedByNodePool,
    },
    {
      Sid: "AllowScopedEC2InstanceActionsWithTags",
      Effect: "Allow",
      Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
      Resource: launched,
      Condition: { StringEquals: requestTaggedForCluster(s), StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" } },
    },
    {
      Sid: "AllowScopedResourceCreationTagging",
      Effect: "Allow",
      Action: "ec2:CreateTags",
      Resource: launched,
      Condition: {
        StringEquals: { ...requestTaggedForCluster(s), "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] },
        StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
      },
    },
    {
      Sid: "AllowScopedResourceTagging",
      Effect: "Allow",
      Action: "ec2:CreateTags",
      Resource: ec2Arns(s, ["instance"]),
      Condition: {
        ...ownedByNodePool,
        StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": s.clusterName },
        "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
      },
    },
    {
      Sid: "AllowScopedDeletion",
      Effect: "Allow",
      Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
      Resource: ec2Arns(s, ["instance", "launch-template"]),
      Condition: ownedByNodePool,
    },
  ]);
}

/** Pass the node role to EC2 and manage the instance profiles of EC2NodeClasses (KarpenterControllerIAMIntegrationPolicy). */
export function iamIntegrationPolicy(s: KarpenterScope, nodeRoleArn: string): PolicyDocument {
  const profiles = `arn:${s.partition}:iam::${s.accountId}:instance-profile/*`;
  const requestTags = { ...requestTaggedForCluster(s), "aws:RequestTag/topology.kubernetes.io/region": s.region };
  const resourceTags = { [`aws:ResourceTag/${clusterTagKey(s)}`]: "owned", "aws:ResourceTag/topology.kubernetes.io/region": s.region };
  return doc([
    {
      Sid: "AllowPassingInstanceRole",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: nodeRoleArn,
      Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
    },
    {
      Sid: "AllowScopedInstanceProfileCreationActions",
      Effect: "Allow",
      Action: "iam:CreateInstanceProfile",
      Resource: profiles,
      Condition: { StringEquals: requestTags, StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" } },
    },
    {
      Sid: "AllowScopedInstanceProfileTagActions",
      Effect: "Allow",
      Action: "iam:TagInstanceProfile",
      Resource: profiles,
      Condition: {
        StringEquals: { ...resourceTags, ...requestTags },
        StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
      },
    },
    {
      Sid: "AllowScopedInstanceProfileActions",
      Effect: "Allow",
      Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
      Resource: profiles,
      Condition: { StringEquals: resourceTags, StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" } },
    },
  ]);
}

/** The cluster's ARN. */
export const clusterArn = (s: KarpenterScope) => `arn:${s.partition}:eks:${s.region}:${s.accountId}:cluster/${s.clusterName}`;

/**
 * DescribeCluster on this cluster only (KarpenterControllerEKSIntegrationPolicy). Needed even
 * with `settings.clusterEndpoint` set: AL2023 node classes read the service CIDR from it
 * (pkg/controllers/nodeclass/validation.go 116-131 at v1.14.1).
 */
export function eksIntegrationPolicy(s: KarpenterScope): PolicyDocument {
  return doc([{ Sid: "AllowAPIServerEndpointDiscovery", Effect: "Allow", Action: "eks:DescribeCluster", Resource: clusterArn(s) }]);
}

/** Read and delete the interruption queue's messages (KarpenterControllerInterruptionPolicy). */
export function interruptionPolicy(queueArn: string): PolicyDocument {
  return doc([
    {
      Sid: "AllowInterruptionQueueActions",
      Effect: "Allow",
      Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
      Resource: queueArn,
    },
  ]);
}

/**
 * The reads every launch decision needs (KarpenterControllerResourceDiscoveryPolicy): EC2 in this
 * region, the AMI aliases' SSM parameters, prices, instance profiles. The controller exits at
 * start when `ec2:DescribeInstanceTypes` fails (`CheckEC2Connectivity`, pkg/operator/operator.go
 * at v1.14.1), so this one is not optional. Pricing is called in another region
 * (pkg/providers/pricing/pricing.go `NewAPI`), hence no region condition on it.
 */
export function resourceDiscoveryPolicy(s: KarpenterScope): PolicyDocument {
  const describe = [
    "CapacityReservations", "Images", "Instances", "InstanceStatus", "InstanceTypeOfferings", "InstanceTypes",
    "LaunchTemplates", "PlacementGroups", "SecurityGroups", "SpotPriceHistory", "Subnets",
  ].map((what) => `ec2:Describe${what}`);
  return doc([
    { Sid: "AllowRegionalReadActions", Effect: "Allow", Action: describe, Resource: "*", Condition: { StringEquals: { "aws:RequestedRegion": s.region } } },
    { Sid: "AllowSSMReadActions", Effect: "Allow", Action: "ssm:GetParameter", Resource: `arn:${s.partition}:ssm:${s.region}::parameter/aws/service/*` },
    { Sid: "AllowPricingReadActions", Effect: "Allow", Action: "pricing:GetProducts", Resource: "*" },
    { Sid: "AllowUnscopedInstanceProfileListAction", Effect: "Allow", Action: "iam:ListInstanceProfiles", Resource: "*" },
    { Sid: "AllowInstanceProfileReadActions", Effect: "Allow", Action: "iam:GetInstanceProfile", Resource: `arn:${s.partition}:iam::${s.accountId}:instance-profile/*` },
  ]);
}

/** The controller's policies, one managed policy each as in the template (zonal shift left out). */
export const CONTROLLER_POLICY_NAMES = ["node-lifecycle", "iam-integration", "eks-integration", "interruption", "resource-discovery"] as const;
export type ControllerPolicyName = (typeof CONTROLLER_POLICY_NAMES)[number];

/** Every controller policy, by name. */
export function controllerPolicies(s: KarpenterScope, nodeRoleArn: string, queueArn: string): Readonly<Record<ControllerPolicyName, PolicyDocument>> {
  return {
    "node-lifecycle": nodeLifecyclePolicy(s),
    "iam-integration": iamIntegrationPolicy(s, nodeRoleArn),
    "eks-integration": eksIntegrationPolicy(s),
    interruption: interruptionPolicy(queueArn),
    "resource-discovery": resourceDiscoveryPolicy(s),
  };
}

/** Who may send to the interruption queue: EventBridge and SQS, over TLS only (KarpenterInterruptionQueuePolicy). */
export function interruptionQueuePolicy(queueArn: string): PolicyDocument {
  return doc(
    [
      {
        Effect: "Allow",
        Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
        Action: "sqs:SendMessage",
        Resource: queueArn,
      },
      {
        Sid: "DenyHTTP",
        Effect: "Deny",
        Principal: "*",
        Action: "sqs:*",
        Resource: queueArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
    "EC2InterruptionPolicy",
  );
}

/** The node role's trust: EC2 instances (KarpenterNodeRole). */
export const NODE_TRUST_POLICY: PolicyDocument = doc([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]);

/** The node role's managed policies (KarpenterNodeRole `ManagedPolicyArns`): PullOnly, not ReadOnly. */
export const KARPENTER_NODE_POLICIES = [
  "AmazonEKS_CNI_Policy",
  "AmazonEKSWorkerNodePolicy",
  "AmazonEC2ContainerRegistryPullOnly",
  "AmazonSSMManagedInstanceCore",
] as const;

/** The EventBridge rules feeding the queue (ScheduledChangeRule ... CapacityReservationInterruptionRule). */
export const INTERRUPTION_RULES = [
  { name: "scheduled-change", source: "aws.health", detailType: "AWS Health Event" },
  { name: "spot-interruption", source: "aws.ec2", detailType: "EC2 Spot Instance Interruption Warning" },
  { name: "rebalance", source: "aws.ec2", detailType: "EC2 Instance Rebalance Recommendation" },
  { name: "instance-state-change", source: "aws.ec2", detailType: "EC2 Instance State-change Notification" },
  { name: "capacity-reservation-interruption", source: "aws.ec2", detailType: "EC2 Capacity Reservation Instance Interruption Warning" },
] as const;

/** An EventBridge pattern matching one rule's events. */
export const interruptionEventPattern = (rule: (typeof INTERRUPTION_RULES)[number]) =>
  JSON.stringify({ source: [rule.source], "detail-type": [rule.detailType] });

/** The template's target id of each rule. */
export const INTERRUPTION_TARGET_ID = "KarpenterInterruptionQueueTarget";

/** Retention of interruption messages, seconds (KarpenterInterruptionQueue `MessageRetentionPeriod`). */
export const INTERRUPTION_RETENTION_SECONDS = 300;
