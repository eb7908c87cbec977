/**
 * Alerts on the platform's ability to scale: autoscalers stuck at their maximum, pods no node
 * can take, Karpenter unable to launch or capped by its NodePool limits, nodes not ready.
 * The metrics they read, with the exporter file of each at the pinned version, are listed in
 * ./scaling-metrics.ts. kube-state-metrics is scraped with `honorLabels`, so its `namespace` is
 * the object's; every rule aggregates by the object's labels, so the target's labels and the
 * number of exporter replicas do not matter.
 */
import type { AlertRule } from "./rules";

/**
 * The chart's default rules this group replaces, with the platform alert that takes each
 * condition over: the chart's rule is disabled (`defaultRules.disabled`), so one condition pages
 * once. Both gates exist in kube-prometheus-stack 88.5.3
 * `templates/prometheus/rules-1.14/kubernetes-apps.yaml` (KubeHpaMaxedOut: current == max, and
 * max != min, for 15m) and `kubernetes-system-kubelet.yaml` (KubeNodeNotReady: Ready not true
 * on a node not cordoned, for 15m).
 */
export const REPLACED_DEFAULT_RULES = {
  KubeHpaMaxedOut: "HorizontalPodAutoscalerAtMax",
  KubeNodeNotReady: "NodeNotReady",
} as const;

/** Where an operator reads what bounds the platform's growth: the README's section and the render's plan. */
const RUNBOOK = "README.md, Monitoring: the alerts table and what each scaling alert means; the stack's capacity plan (capacity.md of its render)";

function autoscalerRules(): AlertRule[] {
  const by = "max by (namespace, horizontalpodautoscaler)";
  const hpa = (m: string) => `${by} (kube_horizontalpodautoscaler_${m})`;
  return [
    {
      // An HPA whose minimum equals its maximum is pinned, not saturated.
      alert: REPLACED_DEFAULT_RULES.KubeHpaMaxedOut,
      expr: `(${hpa("status_current_replicas")} >= ${hpa("spec_max_replicas")}) and (${hpa("spec_max_replicas")} != ${hpa("spec_min_replicas")})`,
      for: "15m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Autoscaler at its maximum replicas",
        description:
          "HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has run at its maximum ({{ $value }} replicas) for 15 minutes: " +
          "the load is above what its bounds allow. For the platform's services, raise gatewayMaxReplicas or serviceMaxReplicas within what the nodes can hold, or find what slows the service.",
        runbook: RUNBOOK,
      },
    },
  ];
}

function schedulingRules(): AlertRule[] {
  return [
    {
      // The series exists only while PodScheduled is False (kube-state-metrics v2.20.0
      // internal/store/pod.go). Karpenter launches and registers a node for pending pods within
      // minutes; past 10 minutes no node will come by itself.
      alert: "PodUnschedulable",
      expr: "max by (namespace, pod) (kube_pod_status_unschedulable) == 1",
      for: "10m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Pod cannot be scheduled",
        description:
          "Pod {{ $labels.namespace }}/{{ $labels.pod }} has fitted on no node for 10 minutes and no new node has taken it: " +
          "a NodePool limit, failing launches or a constraint no NodePool meets. `kubectl describe pod` shows the scheduler's reason.",
        runbook: RUNBOOK,
      },
    },
  ];
}

function karpenterRules(): AlertRule[] {
  const window = "10m";
  const failures = `sum(increase(karpenter_cloudprovider_errors_total{controller="nodeclaim.lifecycle", method="Create"}[${window}])) > 0`;
  const registered = `sum(increase(karpenter_nodes_created_total[${window}])) > 0`;
  const nodepool = "max by (nodepool, resource_type)";
  return [
    {
      // Every failed NodeClaim launch counts once: it is `Create` from `nodeclaim.lifecycle`,
      // which also calls `Delete` (sigs.k8s.io/karpenter v1.14.1 pkg/cloudprovider/metrics/
      // cloudprovider.go, pkg/controllers/nodeclaim/lifecycle/{launch,controller}.go); a node
      // counts in karpenter_nodes_created_total when it registers (registration.go). A failed
      // launch is retried at least once a minute (backoff capped at a minute, controller.go) and
      // its NodeClaim replaced after 5 minutes (liveness.go, LaunchTimeout), so a lasting failure
      // shows in every 10-minute window. A single failure is routine (a spot pool out of
      // capacity, retried on another offering); failures that go on with no node registering
      // mean the cluster cannot grow.
      alert: "KarpenterLaunchFailing",
      expr: `(${failures}) unless (${registered})`,
      for: "15m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Karpenter cannot launch nodes",
        description:
          "Karpenter's node launches have kept failing for 15 minutes and no new node has registered: pending pods wait. " +
          "`kubectl -n kube-system logs deploy/karpenter` and `kubectl get nodeclaims` show the cloud provider's error (capacity, quota, IAM, the EC2NodeClass).",
        runbook: RUNBOOK,
      },
    },
    {
      alert: "KarpenterNodePoolNearLimit",
      expr: `${nodepool} (karpenter_nodepools_usage) / ${nodepool} (karpenter_nodepools_limit) >= 0.9`,
      for: "15m",
      labels: { severity: "warning" },
      annotations: {
        summary: "NodePool near its limit",
        description:
          "NodePool {{ $labels.nodepool }} has used {{ $value | humanizePercentage }} of its {{ $labels.resource_type }} limit for 15 minutes: " +
          "Karpenter launches no node past the limit. Raise it in the stack's Karpenter settings if the capacity plan allows.",
        runbook: RUNBOOK,
      },
    },
  ];
}

function nodeRules(): AlertRule[] {
  const ready = 'max by (node) (kube_node_status_condition{condition="Ready", status="true"})';
  return [
    {
      // A cordoned node is being drained on purpose; Karpenter removes the nodes it disrupts within minutes.
      alert: REPLACED_DEFAULT_RULES.KubeNodeNotReady,
      expr: `${ready} == 0 and on (node) max by (node) (kube_node_spec_unschedulable) == 0`,
      for: "15m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Node not ready",
        description:
          "Node {{ $labels.node }} has not been Ready for 15 minutes: its pods are evicted and the capacity it held is gone. " +
          "`kubectl describe node {{ $labels.node }}` shows the kubelet's condition; a Karpenter node can be deleted for Karpenter to replace it.",
        runbook: RUNBOOK,
      },
    },
  ];
}

/** The scaling alerts, one group. */
export function scalingRules(): AlertRule[] {
  return [...autoscalerRules(), ...schedulingRules(), ...karpenterRules(), ...nodeRules()];
}
