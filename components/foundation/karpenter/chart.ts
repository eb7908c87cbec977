/**
 * The Karpenter chart: its pin, release, namespace, the pod it runs, its CRD groups and the values
 * the platform installs it with. A version bump is an edit here plus `chartdata/karpenter/`.
 * Facts are read from aws/karpenter-provider-aws: the templates at the tag v1.14.1, the published
 * Chart.yaml and values.yaml at the release commit c88abbbad of `release-v1.14.1` (chartdata/SOURCES.yaml).
 */
import type * as k8s from "@pulumi/kubernetes";
import { KUBE_SYSTEM } from "../../../catalog";
import type { AutoscalingSettings } from "../../../config";
import type { ChartModule, UpstreamFile } from "../../../lib/helm";

/** Published as `oci://public.ecr.aws/karpenter/karpenter` (hack/release/common.sh `RELEASE_REPO_ECR`). */
export const KARPENTER_CHART = { chart: "karpenter", version: "1.14.1", repo: "oci://public.ecr.aws/karpenter" } as const;
const SOURCE = { repo: "aws/karpenter-provider-aws", tag: "v1.14.1", path: "charts/karpenter" } as const;

/**
 * The controller image the release job published with the chart (values.yaml at the release
 * commit): a digest, so that the tag cannot move under the stack.
 */
export const KARPENTER_IMAGE = {
  repository: "public.ecr.aws/karpenter/controller",
  tag: "1.14.1",
  digest: "sha256:445baefaaa689029cc12ac1f659b916b0b82fb14308ce536f8521fcf079116fa",
} as const;

/** Release name: the fullname, service account and Service are `karpenter` (`_helpers.tpl` `karpenter.fullname`). */
export const KARPENTER_NAME = "karpenter";

/**
 * The chart's service account, which Pod Identity hands the controller's role to: the fullname
 * with `serviceAccount.name` empty (`_helpers.tpl` `karpenter.serviceAccountName`).
 */
export const KARPENTER_SERVICE_ACCOUNT = KARPENTER_NAME;

/** API groups of the NodePool/NodeClaim/NodeOverlay, EC2NodeClass and CapacityBuffer CRDs the chart's `crds/` installs. */
export const KARPENTER_API_GROUP = "karpenter.sh";
export const KARPENTER_AWS_API_GROUP = "karpenter.k8s.aws";
const CAPACITY_BUFFER_API_GROUP = "autoscaling.x-k8s.io";

/** The pod template's labels: only the selector labels (`_helpers.tpl` 51-54, deployment.yaml 24-28). */
export const KARPENTER_POD_LABELS = {
  "app.kubernetes.io/name": KARPENTER_NAME,
  "app.kubernetes.io/instance": KARPENTER_NAME,
} as const;

/** Container ports (values.yaml `controller.metrics.port`, `controller.healthProbe.port`; deployment.yaml 208-213). */
export const KARPENTER_PORTS = { metrics: 8080, health: 8081 } as const;

/** The metrics Service (templates/service.yaml): named like the release, port `http-metrics`. */
export const KARPENTER_METRICS = {
  service: KARPENTER_NAME,
  port: KARPENTER_PORTS.metrics,
  portName: "http-metrics",
  path: "/metrics",
  serviceLabels: KARPENTER_POD_LABELS,
} as const;

export interface KarpenterValuesArgs {
  readonly settings: AutoscalingSettings;
  readonly clusterName: string;
  readonly region: string;
  /** Name of the SQS queue EventBridge sends interruption events to. */
  readonly interruptionQueue: string;
}

/** Requests equal limits, as the getting-started sets them (step08-apply-helm-chart.sh): a controller that is never throttled or evicted first. */
export function karpenterResources(s: AutoscalingSettings): k8s.types.input.core.v1.ResourceRequirements {
  const amounts = { cpu: `${s.karpenterCpuMillicores}m`, memory: `${s.karpenterMemoryMiB}Mi` };
  return { requests: { ...amounts }, limits: { ...amounts } };
}

/**
 * Helm values of Karpenter. Scheduling stays the chart's (values.yaml 89-111): a required node
 * affinity on `karpenter.sh/nodepool DoesNotExist` keeps the controller off the nodes it manages,
 * so it runs on the managed node group; replicas need distinct hosts (required anti-affinity)
 * and spread over zones (DoNotSchedule).
 */
export function karpenterValues(a: KarpenterValuesArgs): Record<string, unknown> {
  return {
    replicas: a.settings.karpenterReplicas,
    settings: {
      // Required: deployment.yaml fails the render without it.
      clusterName: a.clusterName,
      // Empty disables interruption handling.
      interruptionQueue: a.interruptionQueue,
      // The ARC call panics at start on a cluster not registered for zonal shift (pkg/operator/operator.go 144-155).
      enableZonalShift: false,
    },
    controller: {
      image: { ...KARPENTER_IMAGE },
      // Without a region the controller asks IMDS at start and exits when it cannot reach it
      // (pkg/operator/operator.go 114-121); the nodes' hop limit of 1 keeps IMDS from pods.
      env: [{ name: "AWS_REGION", value: a.region }],
      resources: karpenterResources(a.settings),
    },
    // Cluster DNS: CoreDNS runs at least two replicas under a disruption budget, and the managed
    // node group always has room for them. `Default` would resolve through the VPC resolver, which
    // the NetworkPolicies would then have to open (the getting-started's advice when Karpenter
    // provisions CoreDNS's own capacity).
    dnsPolicy: "ClusterFirst",
    priorityClassName: "system-cluster-critical",
    // The monitoring tier makes the ServiceMonitor; the chart's needs the CRD at render time.
    serviceMonitor: { enabled: false },
  };
}

const file = (path: string, lines: string): UpstreamFile => ({ repo: SOURCE.repo, tag: SOURCE.tag, path: `${SOURCE.path}/${path}`, lines });

export const KARPENTER: ChartModule<KarpenterValuesArgs> = {
  pin: KARPENTER_CHART,
  source: SOURCE,
  release: KARPENTER_NAME,
  namespace: KUBE_SYSTEM,
  pods: [
    {
      name: "{release}",
      kind: "Deployment",
      labels: KARPENTER_POD_LABELS,
      ports: [
        { name: "http-metrics", containerPort: KARPENTER_PORTS.metrics, protocol: "TCP" },
        { name: "http", containerPort: KARPENTER_PORTS.health, protocol: "TCP" },
      ],
      // `hostNetwork` only with the value of that name, false (values.yaml; deployment.yaml 57-58).
      hostNetwork: false,
      purpose: "launches and removes nodes (Karpenter controller)",
      source: {
        chart: KARPENTER_CHART.chart,
        version: KARPENTER_CHART.version,
        files: [file("templates/_helpers.tpl", "51-54"), file("templates/deployment.yaml", "24-28"), file("templates/deployment.yaml", "57-58"), file("templates/deployment.yaml", "207-213")],
      },
    },
  ],
  crdGroups: [KARPENTER_API_GROUP, KARPENTER_AWS_API_GROUP, CAPACITY_BUFFER_API_GROUP],
  chartdata: ["karpenter", "karpenter/crds"],
  values: karpenterValues,
};
