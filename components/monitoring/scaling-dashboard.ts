/**
 * The scaling dashboard: what the autoscalers ask for, what the scheduler cannot place, what the
 * nodes offer against what the pods request, and what Karpenter launches or fails to. Its metrics
 * and their sources are listed in ./scaling-metrics.ts.
 */
import { NAMESPACES, ServiceSpec } from "../../catalog";
import type { Dashboard, Panel } from "./dashboards";

function autoscalers(): Panel[] {
  // Each service's HPA is named after it (components/app/microservice.ts).
  const sel = `namespace="${NAMESPACES.app.name}", horizontalpodautoscaler=~"$service"`;
  const line = (metric: string, legend: string) => ({
    expr: `max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_${metric}{${sel}})`,
    legend: `${legend} {{horizontalpodautoscaler}}`,
  });
  return [
    {
      title: "Autoscaler replicas: current, desired, maximum",
      type: "timeseries",
      unit: "short",
      queries: [line("status_current_replicas", "current"), line("status_desired_replicas", "desired"), line("spec_max_replicas", "max")],
    },
    {
      title: "Autoscalers at their maximum",
      type: "stat",
      unit: "short",
      queries: [
        {
          expr: `count(max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_current_replicas{${sel}}) >= max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas{${sel}})) or vector(0)`,
          legend: "at max",
        },
      ],
    },
  ];
}

function scheduling(): Panel[] {
  return [
    {
      title: "Unschedulable pods",
      type: "timeseries",
      unit: "short",
      queries: [{ expr: "sum by (namespace) (kube_pod_status_unschedulable)", legend: "{{namespace}}" }],
    },
    {
      title: "Nodes: ready and total",
      type: "timeseries",
      unit: "short",
      queries: [
        { expr: 'sum(max by (node) (kube_node_status_condition{condition="Ready", status="true"}))', legend: "ready" },
        { expr: 'count(max by (node) (kube_node_status_condition{condition="Ready"}))', legend: "total" },
      ],
    },
  ];
}

/** Allocatable on every node against the requests of the pods that hold or wait for a place. */
function capacity(resource: "cpu" | "memory", title: string, unit: string): Panel {
  const live = 'max by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running"}) == 1';
  return {
    title,
    type: "timeseries",
    unit,
    queries: [
      { expr: `sum(kube_node_status_allocatable{resource="${resource}"})`, legend: "allocatable" },
      {
        expr: `sum(kube_pod_container_resource_requests{resource="${resource}"} * on (namespace, pod) group_left () (${live}))`,
        legend: "requested",
      },
    ],
  };
}

function karpenter(): Panel[] {
  return [
    {
      title: "Karpenter nodes per NodePool",
      type: "timeseries",
      unit: "short",
      queries: [{ expr: 'max by (nodepool) (karpenter_nodepools_usage{resource_type="nodes"})', legend: "{{nodepool}}" }],
    },
    {
      title: "NodeClaims created and terminated (per hour)",
      type: "timeseries",
      unit: "short",
      queries: [
        { expr: "sum by (nodepool) (increase(karpenter_nodeclaims_created_total[1h]))", legend: "created {{nodepool}}" },
        { expr: "sum by (nodepool) (increase(karpenter_nodeclaims_terminated_total[1h]))", legend: "terminated {{nodepool}}" },
      ],
    },
    {
      title: "Launch failures (per hour)",
      type: "timeseries",
      unit: "short",
      queries: [
        {
          expr: 'sum by (error) (increase(karpenter_cloudprovider_errors_total{controller="nodeclaim.lifecycle", method="Create"}[1h]))',
          legend: "nodeclaim launch {{error}}",
        },
        { expr: "sum by (reason, capacity_type) (increase(karpenter_cloudprovider_instance_launch_failures_total[1h]))", legend: "offering {{capacity_type}} {{reason}}" },
      ],
    },
    {
      title: "NodePool usage of its limits",
      type: "timeseries",
      unit: "percentunit",
      queries: [
        {
          expr: "max by (nodepool, resource_type) (karpenter_nodepools_usage) / max by (nodepool, resource_type) (karpenter_nodepools_limit)",
          legend: "{{nodepool}} {{resource_type}}",
        },
      ],
    },
  ];
}

export function scalingDashboard(services: readonly ServiceSpec[]): Dashboard {
  return {
    uid: "ecommerce-scaling",
    title: "E-commerce / Scaling",
    serviceVariable: services.map((s) => s.name),
    panels: [
      ...autoscalers(),
      ...scheduling(),
      capacity("cpu", "CPU: allocatable and requested (cores)", "short"),
      capacity("memory", "Memory: allocatable and requested", "bytes"),
      ...karpenter(),
    ],
  };
}
