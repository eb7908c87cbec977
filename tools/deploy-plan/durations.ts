/**
 * Typical create durations per kind of resource, for weighting the deploy graph. A figure is what
 * `pulumi up` waits for, not what the resource needs to serve traffic: the Kubernetes provider
 * awaits readiness only for the kinds its documentation lists (and for custom resources only
 * when asked with `pulumi.com/waitFor`), the AWS provider waits for the states its Terraform
 * bridge waits for. `basis` says where a figure comes from: `measured` (apply logs in public
 * threads), `documented` (the vendor states it) or `estimate` (reasoned from what is awaited).
 */

export type Basis = "measured" | "documented" | "estimate";

export interface DurationRule {
  /** Seconds one create takes (one ordinal, for a StatefulSet). */
  readonly seconds: number;
  readonly description: string;
  /** It only finishes once pods (or add-on pods) run: not before worker nodes have joined. */
  readonly needsNodes?: true;
  /** It brings the worker nodes: pods can run once it has finished. */
  readonly providesNodes?: true;
  readonly basis: Basis;
  readonly sources: readonly string[];
}

const K8S_API_DOCS = "https://www.pulumi.com/registry/packages/kubernetes/api-docs";
const AWAIT_OPT_IN = "https://github.com/pulumi/pulumi-kubernetes/pull/3191";
const EKS_APPLY_LOG = "https://github.com/terraform-aws-modules/terraform-aws-eks/issues/2203";
const AWS_APPLY_LOG = "https://github.com/turbot/steampipe-plugin-aws/pull/131";

/** The table, by kind (`durationOf` in tools/deploy-plan/kinds.ts picks the row of a resource). */
export const DURATIONS = {
  "eks-cluster": {
    seconds: 600,
    description:
      "@pulumi/eks Cluster: the EKS control plane (about 9 min), then what the component adds once it exists " +
      "(OIDC provider, VPC CNI add-on, security group rules): about 1 min",
    basis: "measured",
    sources: [
      "https://aws.amazon.com/about-aws/whats-new/2021/03/amazon-eks-reduces-cluster-creation-time-40-percent/",
      "https://github.com/terraform-aws-modules/terraform-aws-eks/pull/3218",
      EKS_APPLY_LOG,
      "https://github.com/pulumi/pulumi-aws/issues/846",
    ],
  },
  "eks-control-plane": {
    seconds: 540,
    description: "EKS control plane alone (aws.eks.Cluster): 9 min on average per AWS, 9-10 min in apply logs",
    basis: "documented",
    sources: [
      "https://aws.amazon.com/about-aws/whats-new/2021/03/amazon-eks-reduces-cluster-creation-time-40-percent/",
      "https://github.com/terraform-aws-modules/terraform-aws-eks/pull/3218",
    ],
  },
  "node-group": {
    seconds: 180,
    description:
      "managed node group: ACTIVE once its instances have joined the cluster healthy; 2 min in apply logs " +
      "for small groups, 3-5 min typical",
    providesNodes: true,
    basis: "measured",
    sources: [
      "https://github.com/DevopsArtFactory/terraform-provisioning/pull/46",
      "https://github.com/terraform-aws-modules/terraform-aws-eks/issues/2041",
    ],
  },
  "eks-addon": {
    seconds: 60,
    description: "EKS add-on (e.g. CoreDNS): ACTIVE once its pods run on the nodes; DEGRADED until timeout without nodes",
    needsNodes: true,
    basis: "measured",
    sources: [
      "https://github.com/terraform-aws-modules/terraform-aws-eks/issues/3001",
      "https://github.com/terraform-aws-modules/terraform-aws-eks/pull/1840",
      "https://github.com/pulumi/pulumi-eks/issues/1819",
    ],
  },
  "eks-access": {
    seconds: 3,
    description: "EKS access entry, access policy association or pod identity association: one API call",
    basis: "estimate",
    sources: ["https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessEntry.html"],
  },
  "nat-gateway": {
    seconds: 120,
    description: "NAT gateway: pending to available, 1.5-2 min in apply logs, up to 5 min",
    basis: "measured",
    sources: [EKS_APPLY_LOG, "https://github.com/kubernetes/kops/pull/944", "https://github.com/hashicorp/terraform/issues/8687"],
  },
  vpc: {
    seconds: 20,
    description: "VPC: created, then available with its DNS attributes set",
    basis: "measured",
    sources: [AWS_APPLY_LOG],
  },
  subnet: {
    seconds: 10,
    description: "subnet: 7-10 s in apply logs",
    basis: "measured",
    sources: [AWS_APPLY_LOG, EKS_APPLY_LOG],
  },
  "vpc-attachment": {
    seconds: 3,
    description: "internet gateway, route table, route or elastic IP: one API call and a state read",
    basis: "estimate",
    sources: [EKS_APPLY_LOG],
  },
  "route-association": {
    seconds: 1,
    description: "route table association: 1 s in apply logs",
    basis: "measured",
    sources: [EKS_APPLY_LOG],
  },
  "security-group": {
    seconds: 3,
    description: "security group or one of its rules: 2-5 s in apply logs",
    basis: "measured",
    sources: ["https://github.com/hashicorp-education/learn-terraform-variables/pull/6"],
  },
  "iam-role": {
    seconds: 7,
    description: "IAM role (the provider waits for IAM's eventual consistency): 7 s in apply logs",
    basis: "measured",
    sources: [AWS_APPLY_LOG],
  },
  "iam-attachment": {
    seconds: 4,
    description: "IAM policy, inline policy, attachment or OIDC provider: 4 s in apply logs",
    basis: "measured",
    sources: [AWS_APPLY_LOG],
  },
  "kms-key": {
    seconds: 15,
    description: "KMS key (CreateKey, then the provider waits for the key policy to propagate); alias seconds",
    basis: "estimate",
    sources: ["https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html"],
  },
  "log-group": {
    seconds: 2,
    description: "CloudWatch log group: CreateLogGroup, then PutRetentionPolicy; two API calls, nothing to wait for",
    basis: "estimate",
    sources: [
      "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
      "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
    ],
  },
  "dns-record": {
    seconds: 60,
    description:
      "Route 53 record: the provider waits for the change to be INSYNC, which Route 53 documents as within 60 seconds " +
      "on all its authoritative servers",
    basis: "documented",
    sources: [
      "https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html",
      "https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html",
    ],
  },
  "aws-config-object": {
    seconds: 3,
    description:
      "AWS Backup vault, plan or selection, SNS topic, topic policy or subscription, EventBridge rule or target, " +
      "SQS queue or queue policy, a tag on an EC2 resource: " +
      "one or two synchronous API calls each, nothing to wait for (an e-mail subscription stays pending, not awaited)",
    basis: "estimate",
    sources: [
      "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupPlan.html",
      "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
      "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html",
      "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
      "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTags.html",
    ],
  },
  "launch-template": {
    seconds: 2,
    description: "EC2 launch template: CreateLaunchTemplate stores a version synchronously; nothing is launched",
    basis: "estimate",
    sources: ["https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html"],
  },
  "helm-chart": {
    seconds: 120,
    description:
      "Helm chart (v4 Chart, v3 Release) with readiness awaited: every object of the chart ready, " +
      "i.e. its Deployments' images pulled and probes passing on fresh nodes",
    needsNodes: true,
    basis: "estimate",
    sources: [`${K8S_API_DOCS}/helm/v4/chart/`],
  },
  "helm-chart-no-await": {
    seconds: 10,
    description: "Helm chart with skipAwait: its objects applied, nothing awaited",
    basis: "estimate",
    sources: [`${K8S_API_DOCS}/helm/v4/chart/`],
  },
  "k8s-deployment": {
    seconds: 60,
    description: "Deployment awaited until Available: image pull on a fresh node plus readiness probes",
    needsNodes: true,
    basis: "estimate",
    sources: [`${K8S_API_DOCS}/apps/v1/deployment/`],
  },
  "k8s-statefulset-pod": {
    seconds: 60,
    description:
      "StatefulSet awaited until all replicas are ready, per ordinal: volume provisioned and attached, image " +
      "pulled, probes passing. OrderedReady starts ordinals one after another (replicas x this), Parallel at once",
    needsNodes: true,
    basis: "estimate",
    sources: [
      `${K8S_API_DOCS}/apps/v1/statefulset/`,
      "https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#pod-management-policies",
    ],
  },
  "k8s-daemonset": {
    seconds: 60,
    description: "DaemonSet awaited until its pods are ready on every node",
    needsNodes: true,
    basis: "estimate",
    sources: ["https://github.com/pulumi/pulumi-kubernetes/pull/3143"],
  },
  "k8s-job": {
    seconds: 60,
    description: "Job awaited until complete",
    needsNodes: true,
    basis: "estimate",
    sources: [`${K8S_API_DOCS}/batch/v1/job/`],
  },
  "k8s-pod": {
    seconds: 45,
    description: "bare Pod awaited until ready",
    needsNodes: true,
    basis: "estimate",
    sources: [`${K8S_API_DOCS}/core/v1/pod/`],
  },
  "k8s-service": {
    seconds: 50,
    description: "Service with a selector, awaited until its endpoints are ready: the pods behind it, then 10 s for stragglers",
    needsNodes: true,
    basis: "estimate",
    sources: [`${K8S_API_DOCS}/core/v1/service/`],
  },
  "k8s-service-lb": {
    seconds: 90,
    description:
      "LoadBalancer Service (the NLB): awaited until ready endpoints and the load balancer's address in its " +
      "status; the address comes with CreateLoadBalancer, target registration (minutes more) is not awaited",
    needsNodes: true,
    basis: "estimate",
    sources: [
      `${K8S_API_DOCS}/core/v1/service/`,
      "https://github.com/eficode-academy/kubernetes-katas/pull/78",
      "https://github.com/kubernetes-sigs/aws-load-balancer-controller/issues/1786",
    ],
  },
  "k8s-ingress": {
    seconds: 30,
    description: "Ingress awaited until its backends have endpoints and the controller has published its address",
    needsNodes: true,
    basis: "estimate",
    sources: [`${K8S_API_DOCS}/networking/v1/ingress/`],
  },
  "certificate-issued": {
    seconds: 90,
    description:
      "cert-manager Certificate awaited (pulumi.com/waitFor) until Ready: ACME order, HTTP-01 challenge through " +
      "the ingress, issuance. Without the annotation it is a plain object: the provider does not await it",
    needsNodes: true,
    basis: "estimate",
    sources: [AWAIT_OPT_IN, "https://github.com/pulumi/pulumi-kubernetes/issues/3318"],
  },
  "k8s-awaited-custom": {
    seconds: 60,
    description: "other custom resource awaited with pulumi.com/waitFor: its operator reconciles it",
    needsNodes: true,
    basis: "estimate",
    sources: [AWAIT_OPT_IN],
  },
  "k8s-object": {
    seconds: 2,
    description:
      "any other Kubernetes object (Namespace, Secret, ConfigMap, RBAC, NetworkPolicy, CRD, custom resource, or " +
      "anything with pulumi.com/skipAwait): applied, not awaited",
    basis: "estimate",
    sources: [AWAIT_OPT_IN],
  },
  provider: {
    seconds: 1,
    description: "explicit provider: configured locally (e.g. from the cluster's kubeconfig)",
    basis: "estimate",
    sources: ["https://www.pulumi.com/docs/iac/concepts/resources/providers/"],
  },
  random: {
    seconds: 0,
    description: "@pulumi/random value: computed by the plugin, no cloud call",
    basis: "estimate",
    sources: ["https://www.pulumi.com/registry/packages/random/"],
  },
  default: {
    seconds: 10,
    description: "a type this table does not know: an API call and a short wait (listed in the report)",
    basis: "estimate",
    sources: [],
  },
} as const satisfies Record<string, DurationRule>;

export type DurationKind = keyof typeof DURATIONS;
