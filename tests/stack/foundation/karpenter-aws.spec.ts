/**
 * Karpenter's AWS side in each stack's render, against the reference template of
 * aws/karpenter-provider-aws v1.14.1 (getting-started-with-karpenter/cloudformation.yaml) and
 * its getting-started (step02-create-cluster.sh: Pod Identity for kube-system/karpenter).
 */
import { KARPENTER_SERVICE_ACCOUNT } from "../../../components/foundation/karpenter-aws";
import { CONTROLLER_POLICY_NAMES, INTERRUPTION_RULES, KARPENTER_DISCOVERY_TAG, KARPENTER_NODE_POLICIES } from "../../../components/foundation/karpenter-policy";
import { STACKS, stackRender, stackSetting } from "../../harness";

describe.each(STACKS)("Karpenter's AWS resources in %s", (stack) => {
  const clusterName = stackSetting<string>(stack, "clusterName");

  test("the interruption queue is named after the cluster, keeps messages 300 s, encrypted by SQS", async () => {
    const r = await stackRender(stack);
    const queue = r.one("aws:sqs/queue:Queue", "karpenter-interruption").inputs;
    expect(queue).toMatchObject({ name: clusterName, messageRetentionSeconds: 300, sqsManagedSseEnabled: true });
    const policy = JSON.parse(r.one("aws:sqs/queuePolicy:QueuePolicy", "karpenter-interruption").inputs.policy);
    expect(policy.Statement.map((s: { Effect: string }) => s.Effect)).toEqual(["Allow", "Deny"]);
  });

  test("every interruption rule of the template sends to the queue", async () => {
    const r = await stackRender(stack);
    const queueArn = r.one("aws:sqs/queue:Queue", "karpenter-interruption");
    const rules = r.ofType("aws:cloudwatch/eventRule:EventRule").filter((x) => x.name.startsWith("karpenter-"));
    expect(rules.map((x) => JSON.parse(x.inputs.eventPattern)["detail-type"][0]).sort()).toEqual(INTERRUPTION_RULES.map((x) => x.detailType).sort());
    const targets = r.ofType("aws:cloudwatch/eventTarget:EventTarget").filter((x) => x.name.startsWith("karpenter-"));
    expect(targets.map((t) => t.name).sort()).toEqual(rules.map((x) => x.name).sort());
    for (const t of targets) {
      expect(t.dependsOn).toContain(queueArn.urn);
      expect(t.inputs.arn).toMatch(/:sqs:/);
    }
  });

  test("the controller's role is trusted by Pod Identity for kube-system/karpenter only, and holds every controller policy", async () => {
    const r = await stackRender(stack);
    const role = r.one("aws:iam/role:Role", "karpenter-controller-role");
    const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
    expect(trust.Principal).toEqual({ Service: "pods.eks.amazonaws.com" });
    expect(trust.Action).toEqual(["sts:AssumeRole", "sts:TagSession"]);
    expect(trust.Condition.StringEquals).toEqual({
      "aws:RequestTag/eks-cluster-name": clusterName,
      "aws:RequestTag/kubernetes-namespace": "kube-system",
      "aws:RequestTag/kubernetes-service-account": KARPENTER_SERVICE_ACCOUNT,
    });
    const attached = r.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.dependsOn.includes(role.urn));
    expect(attached.map((a) => a.name).sort()).toEqual(CONTROLLER_POLICY_NAMES.map((n) => `karpenter-${n}`).sort());
    const association = r.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "karpenter-controller");
    expect(association.inputs).toMatchObject({ clusterName, namespace: "kube-system", serviceAccount: KARPENTER_SERVICE_ACCOUNT });
    expect(association.dependsOn).toContain(role.urn);
  });

  test("the policies are scoped to this cluster", async () => {
    const r = await stackRender(stack);
    const text = CONTROLLER_POLICY_NAMES.map((n) => r.one("aws:iam/policy:Policy", `karpenter-${n}`).inputs.policy).join("\n");
    expect(text).toContain(`kubernetes.io/cluster/${clusterName}`);
    expect(text).toContain(`cluster/${clusterName}"`);
    const named = [...text.matchAll(/kubernetes\.io\/cluster\/([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(named)).toEqual(new Set([clusterName]));
  });

  test("the node role is EC2's, with the reference's four managed policies and an EC2_LINUX access entry", async () => {
    const r = await stackRender(stack);
    const role = r.one("aws:iam/role:Role", "karpenter-node-role");
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement).toEqual([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    const attached = r.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.dependsOn.includes(role.urn));
    expect(attached.map((a) => a.inputs.policyArn).sort()).toEqual(KARPENTER_NODE_POLICIES.map((p) => `arn:aws:iam::aws:policy/${p}`).sort());
    const entry = r.one("aws:eks/accessEntry:AccessEntry", "karpenter-nodes");
    expect(entry.inputs).toMatchObject({ clusterName, type: "EC2_LINUX" });
    expect(entry.inputs.kubernetesGroups).toBeUndefined();
    expect(entry.dependsOn).toContain(role.urn);
  });

  test("the private subnets and the managed nodes' security group carry the discovery tag; no other subnet does", async () => {
    const r = await stackRender(stack);
    const subnets = r.ofType("aws:ec2/subnet:Subnet");
    const tagged = subnets.filter((s) => s.inputs.tags?.[KARPENTER_DISCOVERY_TAG] !== undefined);
    expect(tagged.map((s) => s.name).sort()).toEqual(subnets.filter((s) => s.name.includes("private")).map((s) => s.name).sort());
    for (const s of tagged) expect(s.inputs.tags[KARPENTER_DISCOVERY_TAG]).toBe(clusterName);
    const nodeSg = r.one("eks:index:Cluster").inputs;
    const tag = r.one("aws:ec2/tag:Tag", "karpenter-discovery").inputs;
    expect(tag).toMatchObject({ key: KARPENTER_DISCOVERY_TAG, value: clusterName, resourceId: `sg-${nodeSg.name}-eks-cluster` });
  });
});
