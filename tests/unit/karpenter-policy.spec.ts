/**
 * Karpenter's IAM documents against the reference template of aws/karpenter-provider-aws v1.14.1
 * (website/content/en/preview/getting-started/getting-started-with-karpenter/cloudformation.yaml):
 * every scoped statement names this cluster, region and account, and nothing is wider.
 */
import {
  CONTROLLER_POLICY_NAMES,
  INTERRUPTION_RULES,
  KarpenterScope,
  PolicyDocument,
  PolicyStatement,
  clusterArn,
  controllerPolicies,
  interruptionEventPattern,
  interruptionQueuePolicy,
} from "../../components/foundation/karpenter-policy";

const scope: KarpenterScope = { partition: "aws", region: "eu-west-3", accountId: "210987654321", clusterName: "shop-test" };
const NODE_ROLE = "arn:aws:iam::210987654321:role/shop-test-karpenter-node";
const QUEUE = "arn:aws:sqs:eu-west-3:210987654321:shop-test";
const policies = controllerPolicies(scope, NODE_ROLE, QUEUE);
const statements: PolicyStatement[] = CONTROLLER_POLICY_NAMES.flatMap((n) => [...policies[n].Statement]);
const bySid = (sid: string) => statements.find((s) => s.Sid === sid)!;
const list = (v: string | readonly string[] | undefined) => (v === undefined ? [] : typeof v === "string" ? [v] : [...v]);

/** Every condition value keyed on a cluster tag or the cluster-name tag, across the statements. */
function clusterConditions(docs: readonly PolicyStatement[]): { key: string; value: string[] }[] {
  return docs.flatMap((s) =>
    Object.values(s.Condition ?? {}).flatMap((block) =>
      Object.entries(block)
        .filter(([key]) => key.includes("kubernetes.io/cluster/") || key.endsWith("eks:eks-cluster-name"))
        .map(([key, value]) => ({ key, value: list(value) })),
    ),
  );
}

test("the controller gets the reference's policies but zonal shift, each under the 6144-character limit of a managed policy", () => {
  expect([...CONTROLLER_POLICY_NAMES].sort()).toEqual(["eks-integration", "iam-integration", "interruption", "node-lifecycle", "resource-discovery"]);
  for (const name of CONTROLLER_POLICY_NAMES) expect(JSON.stringify(policies[name]).length).toBeLessThan(6144);
  expect(statements.flatMap((s) => list(s.Action)).filter((a) => a.startsWith("arc-zonal-shift:"))).toEqual([]);
});

test("the cluster tags in every condition name this cluster, owned, and no other", () => {
  const found = clusterConditions(statements);
  expect(found.length).toBeGreaterThanOrEqual(10);
  for (const { key, value } of found) {
    if (key.includes("kubernetes.io/cluster/")) {
      expect(key).toMatch(new RegExp(`kubernetes\\.io/cluster/${scope.clusterName}$`));
      expect(value).toEqual(["owned"]);
    } else {
      expect(value).toEqual([scope.clusterName]);
    }
  }
});

test("every ARN is of this partition and region, and of this account where the reference names one", () => {
  const arns = statements.flatMap((s) => list(s.Resource)).filter((r) => r !== "*");
  for (const arn of arns) {
    const [, partition, service, region, account] = arn.split(":");
    expect(partition).toBe(scope.partition);
    if (service !== "iam") expect(region).toBe(scope.region);
    if (service === "iam" || service === "eks") expect(account).toBe(scope.accountId);
  }
});

test("unscoped resources are only the reference's: region-conditioned EC2 reads, pricing, the instance-profile list", () => {
  const wildcard = statements.filter((s) => list(s.Resource).includes("*"));
  expect(wildcard.map((s) => s.Sid).sort()).toEqual(["AllowPricingReadActions", "AllowRegionalReadActions", "AllowUnscopedInstanceProfileListAction"]);
  expect(bySid("AllowRegionalReadActions").Condition).toEqual({ StringEquals: { "aws:RequestedRegion": scope.region } });
  for (const a of list(bySid("AllowRegionalReadActions").Action)) expect(a).toMatch(/^ec2:Describe/);
});

test("launch templates, tagging and deletion need the NodePool tag; creation must set the cluster's tags", () => {
  for (const sid of ["AllowScopedEC2LaunchTemplateAccessActions", "AllowScopedResourceTagging", "AllowScopedDeletion"]) {
    expect(bySid(sid).Condition?.StringLike).toEqual({ "aws:ResourceTag/karpenter.sh/nodepool": "*" });
  }
  for (const sid of ["AllowScopedEC2InstanceActionsWithTags", "AllowScopedResourceCreationTagging"]) {
    expect(bySid(sid).Condition?.StringLike).toEqual({ "aws:RequestTag/karpenter.sh/nodepool": "*" });
    expect(bySid(sid).Condition?.StringEquals).toMatchObject({ [`aws:RequestTag/kubernetes.io/cluster/${scope.clusterName}`]: "owned" });
  }
  expect(bySid("AllowScopedResourceTagging").Condition?.["ForAllValues:StringEquals"]).toEqual({
    "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"],
  });
});

test("only the node role may be passed, to EC2 only; instance profiles must be tagged with this region", () => {
  expect(bySid("AllowPassingInstanceRole")).toMatchObject({ Action: "iam:PassRole", Resource: NODE_ROLE });
  expect(list(bySid("AllowPassingInstanceRole").Condition?.StringEquals["iam:PassedToService"])).toEqual(["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]);
  for (const sid of ["AllowScopedInstanceProfileCreationActions", "AllowScopedInstanceProfileTagActions"]) {
    expect(bySid(sid).Condition?.StringEquals["aws:RequestTag/topology.kubernetes.io/region"]).toBe(scope.region);
  }
  for (const sid of ["AllowScopedInstanceProfileTagActions", "AllowScopedInstanceProfileActions"]) {
    expect(bySid(sid).Condition?.StringEquals["aws:ResourceTag/topology.kubernetes.io/region"]).toBe(scope.region);
  }
});

test("DescribeCluster on this cluster only, the queue's messages on this queue only", () => {
  expect(bySid("AllowAPIServerEndpointDiscovery").Resource).toBe(clusterArn(scope));
  expect(clusterArn(scope)).toBe("arn:aws:eks:eu-west-3:210987654321:cluster/shop-test");
  expect(bySid("AllowInterruptionQueueActions")).toMatchObject({ Resource: QUEUE, Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"] });
});

test("the queue takes messages from EventBridge and SQS and refuses anything over plain HTTP", () => {
  const doc: PolicyDocument = interruptionQueuePolicy(QUEUE);
  const [allow, deny] = doc.Statement;
  expect(allow).toMatchObject({ Effect: "Allow", Action: "sqs:SendMessage", Resource: QUEUE, Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] } });
  expect(deny).toMatchObject({ Sid: "DenyHTTP", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: QUEUE, Condition: { Bool: { "aws:SecureTransport": "false" } } });
});

test("the five rules of the template, each matching one source and detail type", () => {
  expect(INTERRUPTION_RULES.map((r) => r.detailType)).toEqual([
    "AWS Health Event",
    "EC2 Spot Instance Interruption Warning",
    "EC2 Instance Rebalance Recommendation",
    "EC2 Instance State-change Notification",
    "EC2 Capacity Reservation Instance Interruption Warning",
  ]);
  for (const rule of INTERRUPTION_RULES) {
    expect(JSON.parse(interruptionEventPattern(rule))).toEqual({ source: [rule.source], "detail-type": [rule.detailType] });
  }
});
