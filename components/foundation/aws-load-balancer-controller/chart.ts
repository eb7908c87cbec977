/**
 * The AWS Load Balancer Controller: it owns the NLB in front of Traefik (a Service of class
 * `service.k8s.aws/nlb`), its target groups and their targets. Its pin, release, namespace, the
 * pods it runs, its CRD groups and the values the platform installs it with; a version bump is an
 * edit here plus `chartdata/aws-load-balancer-controller/`. Facts read at
 * kubernetes-sigs/aws-load-balancer-controller `v3.5.0`, `helm/aws-load-balancer-controller/`
 * (the chart aws/eks-charts publishes; cited by file and line below).
 */
import type * as k8s from "@pulumi/kubernetes";
import { KUBE_SYSTEM, containerResources } from "../../../catalog";
import type { WorkloadResources } from "../../../catalog/resource-profiles";
import { ChartModule, UpstreamFile } from "../../../lib/helm";
import { NLB_LOAD_BALANCER_CLASS } from "../../../lib/load-balancer";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../../lib/pod-security";

export const AWS_LOAD_BALANCER_CONTROLLER_CHART = {
  chart: "aws-load-balancer-controller",
  version: "3.5.0",
  repo: "https://aws.github.io/eks-charts",
} as const;
const SOURCE = { repo: "kubernetes-sigs/aws-load-balancer-controller", tag: "v3.5.0", path: "helm/aws-load-balancer-controller" } as const;

/** The chart's `appVersion` and image (`Chart.yaml`, `values.yaml` 9-12), stated so that a bump changes both here. */
export const AWS_LOAD_BALANCER_CONTROLLER_IMAGE = { repository: "public.ecr.aws/eks/aws-load-balancer-controller", tag: "v3.5.0" } as const;

/**
 * Release name. It contains the chart's name, so the fullname (Deployment, service account) is the
 * release name itself (`_helpers.tpl` 14-25).
 */
export const AWS_LOAD_BALANCER_CONTROLLER_NAME = "aws-load-balancer-controller";

/** The service account Pod Identity hands the role to: the fullname, `serviceAccount.name` being empty (`_helpers.tpl` 72-78). */
export const AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = AWS_LOAD_BALANCER_CONTROLLER_NAME;

/** The pods' labels: the selector labels and no `podLabels` (`_helpers.tpl` 64-67, `deployment.yaml` 24-30). */
export const AWS_LOAD_BALANCER_CONTROLLER_POD_LABELS = {
  "app.kubernetes.io/name": AWS_LOAD_BALANCER_CONTROLLER_NAME,
  "app.kubernetes.io/instance": AWS_LOAD_BALANCER_CONTROLLER_NAME,
} as const;

/**
 * Container ports (`deployment.yaml` 246-252): the webhook server (`webhookBindPort`, default
 * 9443), which the API server calls through the Service `aws-load-balancer-webhook-service`
 * (`service.yaml` 22-41, port 443 -> `webhook-server`), and the metrics (`metricsBindAddr`, 8080).
 */
export const AWS_LOAD_BALANCER_CONTROLLER_PORTS = { webhook: 9443, metrics: 8080 } as const;

/** The metrics port, scraped per pod: the chart's metrics Service only comes with its own ServiceMonitor (`service.yaml` 1-21). */
export const AWS_LOAD_BALANCER_CONTROLLER_METRICS = { portName: "metrics-server", port: AWS_LOAD_BALANCER_CONTROLLER_PORTS.metrics, path: "/metrics" } as const;

/** API groups of the chart's CRDs (`crds/crds.yaml`, `crds/gateway-crds.yaml`): TargetGroupBinding, IngressClassParams, ... */
export const ELBV2_API_GROUP = "elbv2.k8s.aws";
const CRD_GROUPS = [ELBV2_API_GROUP, "aga.k8s.aws", "gateway.k8s.aws"] as const;

export interface AwsLoadBalancerControllerValuesArgs {
  readonly replicas: number;
  readonly clusterName: string;
  readonly region: string;
  readonly vpcId: string;
  readonly resources: WorkloadResources;
}

const ZONE = "topology.kubernetes.io/zone";

/** One replica per zone when there are several: a zone outage leaves a controller (the chart already prefers distinct hosts, `deployment.yaml` 268-284). */
function spread(replicas: number): k8s.types.input.core.v1.TopologySpreadConstraint[] {
  if (replicas < 2) return [];
  const labelSelector = { matchLabels: { ...AWS_LOAD_BALANCER_CONTROLLER_POD_LABELS } };
  return [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: "ScheduleAnyway", labelSelector }];
}

/**
 * Helm values of the controller.
 *
 * - `clusterName`, `region`, `vpcId`: the chart requires the first (`deployment.yaml` 67); without
 *   `--aws-region` (and no AWS_REGION) the controller asks IMDS for its region, and without
 *   `--aws-vpc-id` (or VPC tags) for its VPC (v3.5.0 `pkg/aws/cloud.go` 63-77 and 126-150). The
 *   nodes' hop limit of 1 keeps IMDS from pods, so both are given.
 * - Webhook certificates: the chart makes them with `genCA` unless it finds its Secret
 *   `aws-load-balancer-tls` (`_helpers.tpl` 97-117), and looks for it only with `keepTLSSecret`.
 *   The Kubernetes provider renders a v4 Chart with a server-side dry run, so `lookup` sees the
 *   live Secret (pulumi-kubernetes v4.32.0, the nearest tag to the pinned 4.34.2 in the stored
 *   copy: `provider/pkg/provider/helm/v4/chart.go` 190-195): after the first update the
 *   certificate and the webhooks' CA bundle stay as they are, where a fresh CA at every render
 *   would change the Secret and both webhook configurations on every update. No cert-manager:
 *   the controller does not wait for the ingress tier's cert-manager.
 * - No Service mutator: it would make every Service CREATE in the cluster pass through the
 *   controller with `failurePolicy: Fail` (`webhook.yaml` 104-146) only to set the
 *   `loadBalancerClass` Traefik's Service sets itself; and no Ingress validator, which checks every
 *   Ingress (Fail, `webhook.yaml` 308-355), the platform's included, for ALB Ingresses it has none
 *   of. No ALB IngressClass either (`ingressclass.yaml`).
 */
export function awsLoadBalancerControllerValues(a: AwsLoadBalancerControllerValuesArgs): Record<string, unknown> {
  return {
    image: { ...AWS_LOAD_BALANCER_CONTROLLER_IMAGE },
    replicaCount: a.replicas,
    clusterName: a.clusterName,
    region: a.region,
    vpcId: a.vpcId,
    enableCertManager: false,
    keepTLSSecret: true,
    enableServiceMutatorWebhook: false,
    webhookConfig: { disableIngressValidation: true },
    createIngressClassResource: false,
    ingressClassParams: { create: false },
    // Only Services of this class are the controller's (`pkg/service/service_utils.go` 47-62).
    loadBalancerClass: NLB_LOAD_BALANCER_CLASS,
    // Pods of namespaces carrying POD_READINESS_GATE_LABEL (catalog/namespaces.ts) get their target health as a readiness gate.
    enablePodReadinessGateInject: true,
    resources: containerResources(a.resources),
    // The chart's contexts lack the capability drop and seccomp of Pod Security `restricted`
    // (`values.yaml` 48-57); its fsGroup stays.
    podSecurityContext: { ...restrictedPodSecurityContext(), fsGroup: 65534 },
    securityContext: restrictedContainerSecurityContext(),
    // A budget with one replica would block every node drain (`pdb.yaml` 1: only rendered above one).
    podDisruptionBudget: a.replicas > 1 ? { maxUnavailable: 1 } : {},
    topologySpreadConstraints: spread(a.replicas),
    // The monitoring tier scrapes the pods; the chart's ServiceMonitor needs the CRD at render time.
    serviceMonitor: { enabled: false },
  };
}

/** The version the row below was read at: on a version bump, re-read each file cited at the new tag first. */
const READ_AT = "3.5.0";
const file = (path: string, lines: string): UpstreamFile => ({ repo: SOURCE.repo, tag: `v${READ_AT}`, path: `${SOURCE.path}/${path}`, lines });

/** The one Deployment: selector labels only, the webhook and metrics ports, no host network while `hostNetwork` is false. */
const CONTROLLER_POD = {
  name: "{release}",
  kind: "Deployment",
  labels: { ...AWS_LOAD_BALANCER_CONTROLLER_POD_LABELS },
  ports: [
    { name: "webhook-server", containerPort: AWS_LOAD_BALANCER_CONTROLLER_PORTS.webhook, protocol: "TCP" },
    { name: AWS_LOAD_BALANCER_CONTROLLER_METRICS.portName, containerPort: AWS_LOAD_BALANCER_CONTROLLER_PORTS.metrics, protocol: "TCP" },
  ],
  hostNetwork: false,
  purpose: "creates the NLB of Traefik's Service and registers its pods as targets (ELB and EC2 APIs through NAT)",
  source: {
    chart: AWS_LOAD_BALANCER_CONTROLLER_CHART.chart,
    version: READ_AT,
    files: [
      file("templates/_helpers.tpl", "64-67"),
      file("templates/deployment.yaml", "24-30"),
      file("templates/deployment.yaml", "58-60"),
      file("templates/deployment.yaml", "246-252"),
      file("values.yaml", "228 246 352"),
    ],
  },
} as const;

export const AWS_LOAD_BALANCER_CONTROLLER: ChartModule<AwsLoadBalancerControllerValuesArgs> = {
  pin: AWS_LOAD_BALANCER_CONTROLLER_CHART,
  source: SOURCE,
  release: AWS_LOAD_BALANCER_CONTROLLER_NAME,
  namespace: KUBE_SYSTEM,
  pods: [CONTROLLER_POD],
  crdGroups: CRD_GROUPS,
  chartdata: ["aws-load-balancer-controller", "aws-load-balancer-controller/crds", "aws-load-balancer-controller/iam"],
  values: awsLoadBalancerControllerValues,
};
