/**
 * The metrics the scaling alerts and dashboard read, each with the exporter's file that emits it
 * at the pinned version (its labels are listed where the series are written for promtool,
 * tests/stack/monitoring/scaling-scenarios.ts). A tests checks that every metric their PromQL
 * names is here.
 */
const KSM = "kube-state-metrics v2.20.0 (kube-prometheus-stack 88.5.3's subchart 8.4.0)";
const CORE = "sigs.k8s.io/karpenter v1.14.1 (under aws/karpenter-provider-aws v1.14.1)";

export const SCALING_METRICS: Readonly<Record<string, string>> = {
  kube_horizontalpodautoscaler_spec_max_replicas: `${KSM} internal/store/horizontalpodautoscaler.go`,
  kube_horizontalpodautoscaler_spec_min_replicas: `${KSM} internal/store/horizontalpodautoscaler.go`,
  kube_horizontalpodautoscaler_status_current_replicas: `${KSM} internal/store/horizontalpodautoscaler.go`,
  kube_horizontalpodautoscaler_status_desired_replicas: `${KSM} internal/store/horizontalpodautoscaler.go`,
  kube_pod_status_unschedulable: `${KSM} internal/store/pod.go (1 while PodScheduled is False, absent otherwise)`,
  kube_pod_status_phase: `${KSM} internal/store/pod.go`,
  kube_pod_container_resource_requests: `${KSM} internal/store/pod.go (resource cpu in cores, memory in bytes)`,
  kube_node_status_condition: `${KSM} internal/store/node.go`,
  kube_node_spec_unschedulable: `${KSM} internal/store/node.go`,
  kube_node_status_allocatable: `${KSM} internal/store/node.go (resource cpu in cores, memory in bytes)`,
  karpenter_cloudprovider_errors_total: `${CORE} pkg/cloudprovider/metrics/cloudprovider.go`,
  karpenter_cloudprovider_instance_launch_failures_total: "aws/karpenter-provider-aws v1.14.1 pkg/providers/instance/metrics.go (per failed CreateFleet offering)",
  karpenter_nodes_created_total: `${CORE} pkg/metrics/metrics.go (counted at registration, pkg/controllers/nodeclaim/lifecycle/registration.go)`,
  karpenter_nodeclaims_created_total: `${CORE} pkg/metrics/metrics.go`,
  karpenter_nodeclaims_terminated_total: `${CORE} pkg/metrics/metrics.go`,
  karpenter_nodepools_usage: `${CORE} pkg/controllers/metrics/nodepool/controller.go (resource_type nodes counts the NodePool's nodes, pkg/controllers/nodepool/counter/controller.go)`,
  karpenter_nodepools_limit: `${CORE} pkg/controllers/metrics/nodepool/controller.go`,
};
