/**
 * The IAM policy of the AWS Load Balancer Controller: the reference policy of the release it runs
 * (kubernetes-sigs/aws-load-balancer-controller v3.5.0 `docs/install/iam_policy.json`, vendored in
 * chartdata/aws-load-balancer-controller/iam/ and compared statement by statement in the tests),
 * in the stack's partition. Its mutating calls are conditioned, as upstream conditions them, on
 * the `elbv2.k8s.aws/cluster` tag the controller puts on what it creates. It covers WAF, WAFv2
 * and Shield (the controller reads a load balancer's protection state), Cognito and ACM, which
 * only ALBs use: the reference policy is kept whole, so that a version bump is a diff against the
 * new file rather than a judgement of which calls a Service may still trigger.
 */
import type { PolicyDocument, PolicyStatement } from "../karpenter-policy";

/** The tag the controller sets on the security groups, load balancers and target groups it creates. */
export const CONTROLLER_CLUSTER_TAG = "elbv2.k8s.aws/cluster";

const ELB = "elasticloadbalancing";
const actions = (service: string, names: readonly string[]) => names.map((n) => `${service}:${n}`);

/** Present on the request (creation) or on the resource (later calls): `Null: false` on the tag key. */
const requestTagged = { Null: { [`aws:RequestTag/${CONTROLLER_CLUSTER_TAG}`]: "false" } };
const resourceTagged = { Null: { [`aws:ResourceTag/${CONTROLLER_CLUSTER_TAG}`]: "false" } };
/** Re-tagging something the controller owns, without the request removing the ownership tag. */
const retagOwned = { Null: { [`aws:RequestTag/${CONTROLLER_CLUSTER_TAG}`]: "true", [`aws:ResourceTag/${CONTROLLER_CLUSTER_TAG}`]: "false" } };

const allow = (action: readonly string[], resource: string | readonly string[], condition?: PolicyStatement["Condition"]): PolicyStatement => ({
  Effect: "Allow",
  Action: [...action],
  Resource: typeof resource === "string" ? resource : [...resource],
  ...(condition ? { Condition: condition } : {}),
});

const DESCRIBE_EC2 = [
  "DescribeAccountAttributes", "DescribeAddresses", "DescribeAvailabilityZones", "DescribeInternetGateways", "DescribeVpcs",
  "DescribeVpcPeeringConnections", "DescribeSubnets", "DescribeSecurityGroups", "DescribeInstances", "DescribeNetworkInterfaces",
  "DescribeTags", "GetCoipPoolUsage", "DescribeCoipPools", "GetSecurityGroupsForVpc", "DescribeIpamPools", "DescribeRouteTables",
];
const DESCRIBE_ELB = [
  "DescribeLoadBalancers", "DescribeLoadBalancerAttributes", "DescribeListeners", "DescribeListenerCertificates", "DescribeSSLPolicies",
  "DescribeRules", "DescribeTargetGroups", "DescribeTargetGroupAttributes", "DescribeTargetHealth", "DescribeTags", "DescribeTrustStores",
  "DescribeListenerAttributes", "DescribeCapacityReservation",
];
/** Certificates, user pools, web ACLs and protections a load balancer refers to. */
const ATTACHMENTS = [
  "cognito-idp:DescribeUserPoolClient", "acm:ListCertificates", "acm:DescribeCertificate", "iam:ListServerCertificates", "iam:GetServerCertificate",
  "waf-regional:GetWebACL", "waf-regional:GetWebACLForResource", "waf-regional:AssociateWebACL", "waf-regional:DisassociateWebACL",
  "wafv2:GetWebACL", "wafv2:GetWebACLForResource", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL",
  "shield:GetSubscriptionState", "shield:DescribeProtection", "shield:CreateProtection", "shield:DeleteProtection",
];
const MODIFY_OWNED_ELB = [
  "ModifyLoadBalancerAttributes", "SetIpAddressType", "SetSecurityGroups", "SetSubnets", "DeleteLoadBalancer", "ModifyTargetGroup",
  "ModifyTargetGroupAttributes", "DeleteTargetGroup", "ModifyListenerAttributes", "ModifyCapacityReservation", "ModifyIpPools",
];
const MODIFY_LISTENERS = ["SetWebAcl", "ModifyListener", "AddListenerCertificates", "RemoveListenerCertificates", "ModifyRule", "SetRulePriorities"];

/** The controller's policy in `partition` (`aws`, `aws-cn`, `aws-us-gov`): the reference policy's statements, in its order. */
export function loadBalancerControllerPolicy(partition: string): PolicyDocument {
  const elbArn = (path: string) => `arn:${partition}:${ELB}:*:*:${path}`;
  const securityGroups = `arn:${partition}:ec2:*:*:security-group/*`;
  const balancersAndGroups = [elbArn("targetgroup/*/*"), elbArn("loadbalancer/net/*/*"), elbArn("loadbalancer/app/*/*")];
  const listenersAndRules = ["listener/net", "listener/app", "listener-rule/net", "listener-rule/app"].map((p) => elbArn(`${p}/*/*/*`));
  return {
    Version: "2012-10-17",
    Statement: [
      allow(["iam:CreateServiceLinkedRole"], "*", { StringEquals: { "iam:AWSServiceName": `${ELB}.amazonaws.com` } }),
      allow([...actions("ec2", DESCRIBE_EC2), ...actions(ELB, DESCRIBE_ELB)], "*"),
      allow(ATTACHMENTS, "*"),
      allow(actions("ec2", ["AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress"]), "*"),
      allow(["ec2:CreateSecurityGroup"], "*"),
      allow(["ec2:CreateTags"], securityGroups, { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" }, ...requestTagged }),
      allow(actions("ec2", ["CreateTags", "DeleteTags"]), securityGroups, retagOwned),
      allow(actions("ec2", ["AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress", "DeleteSecurityGroup"]), "*", resourceTagged),
      allow(actions(ELB, ["CreateLoadBalancer", "CreateTargetGroup"]), "*", requestTagged),
      allow(actions(ELB, ["CreateListener", "DeleteListener", "CreateRule", "DeleteRule"]), "*"),
      allow(actions(ELB, ["AddTags", "RemoveTags"]), balancersAndGroups, retagOwned),
      allow(actions(ELB, ["AddTags", "RemoveTags"]), listenersAndRules),
      allow(actions(ELB, MODIFY_OWNED_ELB), "*", resourceTagged),
      allow([`${ELB}:AddTags`], balancersAndGroups, {
        StringEquals: { [`${ELB}:CreateAction`]: ["CreateTargetGroup", "CreateLoadBalancer"] },
        ...requestTagged,
      }),
      allow(actions(ELB, ["RegisterTargets", "DeregisterTargets"]), elbArn("targetgroup/*/*")),
      allow(actions(ELB, MODIFY_LISTENERS), "*"),
    ],
  };
}
