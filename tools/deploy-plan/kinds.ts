/**
 * Which row of the duration table (tools/deploy-plan/durations.ts) weights a resource, read from its
 * type and, for Kubernetes objects, from its inputs (await annotations, StatefulSet replicas and
 * pod management policy, Service type and selector, chart `skipAwait`).
 */
import { CERT_MANAGER_API_GROUP } from "../../components/ingress/cert-manager/chart";
import { DURATIONS, DurationKind, DurationRule } from "./durations";

/** Resource types (exact token) -> kind. */
const BY_TYPE: Readonly<Record<string, DurationKind>> = {
  "eks:index:Cluster": "eks-cluster",
  "aws:eks/cluster:Cluster": "eks-control-plane",
  "eks:index:ManagedNodeGroup": "node-group",
  "eks:index:NodeGroupV2": "node-group",
  "aws:eks/nodeGroup:NodeGroup": "node-group",
  "aws:eks/addon:Addon": "eks-addon",
  "aws:eks/accessEntry:AccessEntry": "eks-access",
  "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": "eks-access",
  "aws:eks/podIdentityAssociation:PodIdentityAssociation": "eks-access",
  "aws:ec2/natGateway:NatGateway": "nat-gateway",
  "aws:ec2/vpc:Vpc": "vpc",
  "aws:ec2/subnet:Subnet": "subnet",
  "aws:ec2/internetGateway:InternetGateway": "vpc-attachment",
  "aws:ec2/routeTable:RouteTable": "vpc-attachment",
  "aws:ec2/route:Route": "vpc-attachment",
  "aws:ec2/eip:Eip": "vpc-attachment",
  "aws:ec2/routeTableAssociation:RouteTableAssociation": "route-association",
  "aws:ec2/securityGroup:SecurityGroup": "security-group",
  "aws:ec2/securityGroupRule:SecurityGroupRule": "security-group",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "security-group",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "security-group",
  "aws:iam/role:Role": "iam-role",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "iam-attachment",
  "aws:iam/rolePolicy:RolePolicy": "iam-attachment",
  "aws:iam/policy:Policy": "iam-attachment",
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "iam-attachment",
  "aws:kms/key:Key": "kms-key",
  "aws:kms/alias:Alias": "iam-attachment",
  "aws:cloudwatch/logGroup:LogGroup": "log-group",
  "aws:ec2/launchTemplate:LaunchTemplate": "launch-template",
  "aws:backup/vault:Vault": "aws-config-object",
  "aws:backup/plan:Plan": "aws-config-object",
  "aws:backup/selection:Selection": "aws-config-object",
  "aws:sns/topic:Topic": "aws-config-object",
  "aws:sns/topicPolicy:TopicPolicy": "aws-config-object",
  "aws:sns/topicSubscription:TopicSubscription": "aws-config-object",
  "aws:cloudwatch/eventRule:EventRule": "aws-config-object",
  "aws:cloudwatch/eventTarget:EventTarget": "aws-config-object",
  "aws:sqs/queue:Queue": "aws-config-object",
  "aws:sqs/queuePolicy:QueuePolicy": "aws-config-object",
  "aws:ec2/tag:Tag": "aws-config-object",
  "aws:route53/record:Record": "dns-record",
  "kubernetes:helm.sh/v4:Chart": "helm-chart",
  "kubernetes:helm.sh/v3:Release": "helm-chart",
};

/** What the table needs of a resource. */
export interface DurationInput {
  readonly type: string;
  readonly inputs: Record<string, any>;
}

export interface Duration {
  readonly kind: DurationKind;
  readonly seconds: number;
  readonly needsNodes: boolean;
  readonly providesNodes: boolean;
  /** How the figure was derived from the inputs, when it was (StatefulSet ordinals). */
  readonly detail?: string;
}

function make(kind: DurationKind, seconds: number = DURATIONS[kind].seconds, detail?: string): Duration {
  const rule: DurationRule = DURATIONS[kind];
  return { kind, seconds, needsNodes: !!rule.needsNodes, providesNodes: !!rule.providesNodes, ...(detail ? { detail } : {}) };
}

function kubernetesKind(obj: Record<string, any>): Duration {
  const annotations: Record<string, string> = obj.metadata?.annotations ?? {};
  if (annotations["pulumi.com/skipAwait"] === "true") return make("k8s-object");
  const group = String(obj.apiVersion ?? "").includes("/") ? String(obj.apiVersion).split("/")[0] : "";
  switch (obj.kind) {
    case "Deployment":
      return make("k8s-deployment");
    case "DaemonSet":
      return make("k8s-daemonset");
    case "Job":
      return make("k8s-job");
    case "Pod":
      return make("k8s-pod");
    case "Ingress":
      return make("k8s-ingress");
    case "StatefulSet": {
      const replicas = Number(obj.spec?.replicas ?? 1);
      const policy = obj.spec?.podManagementPolicy ?? "OrderedReady";
      const ordinals = policy === "Parallel" ? Math.min(1, replicas) : replicas;
      const per = DURATIONS["k8s-statefulset-pod"].seconds;
      return make("k8s-statefulset-pod", Math.max(ordinals * per, DURATIONS["k8s-object"].seconds), `${replicas} x ${policy}`);
    }
    case "Service": {
      if (obj.spec?.type === "LoadBalancer") return make("k8s-service-lb");
      const selector = obj.spec?.selector;
      const hasSelector = selector && typeof selector === "object" && Object.keys(selector).length > 0;
      return obj.spec?.type !== "ExternalName" && hasSelector ? make("k8s-service") : make("k8s-object");
    }
  }
  if (annotations["pulumi.com/waitFor"]) {
    return group === CERT_MANAGER_API_GROUP && obj.kind === "Certificate" ? make("certificate-issued") : make("k8s-awaited-custom");
  }
  return make("k8s-object");
}

/**
 * The duration of one resource's create. Types the table does not know get `default` (the
 * report lists them); everything of the `kubernetes` package is known: the provider awaits only
 * the kinds listed above and applies the others.
 */
export function durationOf(r: DurationInput): Duration {
  const kind = BY_TYPE[r.type];
  if (kind === "helm-chart" && r.inputs.skipAwait === true) return make("helm-chart-no-await");
  if (kind) return make(kind);
  if (r.type.startsWith("pulumi:providers:")) return make("provider");
  if (r.type.startsWith("random:")) return make("random");
  if (r.type.startsWith("kubernetes:") && typeof r.inputs.kind === "string") return kubernetesKind(r.inputs);
  return make("default");
}
