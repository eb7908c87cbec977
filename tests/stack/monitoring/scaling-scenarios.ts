/**
 * The promtool scenarios of the scaling alerts (components/monitoring/scaling-rules.ts), on series
 * named and labelled as the exporters emit them and Prometheus stores them after the scrape:
 * - kube-state-metrics v2.20.0 through the chart's monitor, whose `honorLabels` keeps the object's
 *   own `namespace`: `internal/store/horizontalpodautoscaler.go` (`kube_horizontalpodautoscaler_*
 *   {namespace, horizontalpodautoscaler}`), `internal/store/pod.go` (`kube_pod_status_unschedulable
 *   {namespace, pod, uid}`, 1 while PodScheduled is False, absent otherwise), `internal/store/node.go`
 *   (`kube_node_status_condition{node, condition, status}`, `kube_node_spec_unschedulable{node}`);
 * - Karpenter v1.14.1 (sigs.k8s.io/karpenter v1.14.1): `karpenter_cloudprovider_errors_total
 *   {controller, method, provider, error}` (`pkg/cloudprovider/metrics/cloudprovider.go`; the launch is
 *   `Create` from `nodeclaim.lifecycle`, which also calls `Delete`, `pkg/controllers/nodeclaim/lifecycle/
 *   {launch,controller}.go`), `karpenter_nodes_created_total{nodepool, zone}` (`pkg/metrics/metrics.go`),
 *   `karpenter_nodepools_usage`/`_limit{nodepool, resource_type}` (`pkg/controllers/metrics/nodepool/
 *   controller.go`: CPU in cores, memory in bytes), scraped through a ServiceMonitor on the Service
 *   `karpenter` in kube-system, port `http-metrics`: prometheus-operator v0.93.0 `pkg/prometheus/promcfg.go`
 *   gives its targets `namespace`, `service`, `pod`, `container`, `job` (the Service's name, no
 *   jobLabel), `endpoint` (the port's name) and Prometheus `instance`; honor_labels is off.
 */
import { NAMESPACES, SERVICES } from "../../../catalog";
import type { AlertRule } from "../../../components/monitoring/rules";
import { Context, ExpectedAlert, Labels, Scenario, Series, fixed, scraped } from "./promtool";
import { chartValues } from "./schemas";

const APP = NAMESPACES.app.name;
const GiB = 1024 ** 3;

/** An alert of `rule` with these labels and its templated annotations as promtool renders them. */
const expected = (rule: AlertRule, labels: Labels, rendered: Record<string, string>): ExpectedAlert => ({
  labels: { ...labels, ...rule.labels },
  annotations: { ...fixed(rule), ...rendered },
});

const honorKsm = (chartValues() as any)["kube-state-metrics"].prometheus.monitor.http.honorLabels as boolean;
const KSM_TARGET = {
  job: "kube-state-metrics",
  namespace: NAMESPACES.monitoring.name,
  service: "monitoring-kube-state-metrics",
  pod: "monitoring-kube-state-metrics-6f7b9c5d8-q2w4e",
  container: "kube-state-metrics",
  endpoint: "http",
  instance: "10.10.1.20:8080",
};
const ksm = (name: string, labels: Labels, value: number | string): Series => {
  const stored = scraped({ __name__: name, ...labels }, KSM_TARGET, honorKsm);
  return typeof value === "number" ? { labels: stored, value } : { labels: stored, values: value };
};

const KARPENTER_TARGET = {
  job: "karpenter",
  namespace: "kube-system",
  service: "karpenter",
  pod: "karpenter-7c9d8f6b5-x8k2m",
  container: "controller",
  endpoint: "http-metrics",
  instance: "10.10.1.31:8080",
};
const karpenter = (name: string, labels: Labels, values: string): Series => ({
  labels: scraped({ __name__: name, ...labels }, KARPENTER_TARGET, false),
  values,
});

/** An HPA's four series at `current` replicas. */
function autoscaler(name: string, bounds: { min: number; max: number }, current: number): Series[] {
  const at = { namespace: APP, horizontalpodautoscaler: name };
  return [
    ksm("kube_horizontalpodautoscaler_spec_min_replicas", at, bounds.min),
    ksm("kube_horizontalpodautoscaler_spec_max_replicas", at, bounds.max),
    ksm("kube_horizontalpodautoscaler_status_current_replicas", at, current),
    ksm("kube_horizontalpodautoscaler_status_desired_replicas", at, current),
  ];
}

/** The stack's first two services' HPAs: the first at `first` replicas, the second one below its maximum. */
function autoscalers(c: Context, first: (b: { min: number; max: number }) => number): Series[] {
  const [a, b] = [SERVICES[0].name, SERVICES[1].name];
  const [ba, bb] = [c.autoscalers.get(a)!, c.autoscalers.get(b)!];
  return [...autoscaler(a, ba, first(ba)), ...autoscaler(b, bb, bb.min)];
}

const POD = "cart-service-5f8d7c6b9-h4j6k";
const unschedulable = (pod: string, values: string) => ksm("kube_pod_status_unschedulable", { namespace: APP, pod, uid: `uid-${pod}` }, values);

/** A node's Ready condition (one series per status, as kube-state-metrics writes it) and its cordon. */
function node(name: string, status: "true" | "false" | "unknown", cordoned = false): Series[] {
  return [
    ...["true", "false", "unknown"].map((s) => ksm("kube_node_status_condition", { node: name, condition: "Ready", status: s }, s === status ? 1 : 0)),
    ksm("kube_node_spec_unschedulable", { node: name }, cordoned ? 1 : 0),
  ];
}
const NODES = ["ip-10-10-1-10.eu-west-1.compute.internal", "ip-10-10-2-20.eu-west-1.compute.internal", "ip-10-10-3-30.eu-west-1.compute.internal"];

const LAUNCH = { controller: "nodeclaim.lifecycle", method: "Create", provider: "aws" };
const errors = (labels: Labels, values: string) => karpenter("karpenter_cloudprovider_errors_total", labels, values);
const registered = (values: string) => karpenter("karpenter_nodes_created_total", { nodepool: "general", zone: "eu-west-1a" }, values);
/** A counter at `from` rising by one every `every` minutes, for `minutes` minutes. */
const risingEvery = (from: number, every: number, minutes: number) =>
  Array.from({ length: minutes + 1 }, (_, i) => from + Math.floor(i / every)).join(" ");

function nodepool(name: string, resources: Record<string, { usage: number; limit?: number }>): Series[] {
  return Object.entries(resources).flatMap(([resource_type, r]) => [
    karpenter("karpenter_nodepools_usage", { nodepool: name, resource_type }, `${r.usage}x60`),
    ...(r.limit === undefined ? [] : [karpenter("karpenter_nodepools_limit", { nodepool: name, resource_type }, `${r.limit}x60`)]),
  ]);
}

export const SCALING_SCENARIOS: Record<string, Scenario> = {
  HorizontalPodAutoscalerAtMax: {
    firing: (c) => {
      const name = SERVICES[0].name;
      const { max } = c.autoscalers.get(name)!;
      const description = c.rules[0].annotations.description
        .replace("{{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }}", `${APP}/${name}`)
        .replace("{{ $value }}", String(max));
      const alert = expected(c.rules[0], { namespace: APP, horizontalpodautoscaler: name }, { description });
      return { series: autoscalers(c, (b) => b.max), alerts: () => [alert] };
    },
    quiet: (c) => [
      { label: "every HPA below its maximum", series: autoscalers(c, (b) => b.max - 1) },
      { label: "an HPA pinned (minimum = maximum) at its count", series: autoscaler(SERVICES[0].name, { min: 4, max: 4 }, 4) },
    ],
  },
  PodUnschedulable: {
    firing: (c) => {
      const description = c.rules[0].annotations.description.replace("{{ $labels.namespace }}/{{ $labels.pod }}", `${APP}/${POD}`);
      // Another pod waited 3 minutes for a new node, then was scheduled.
      const series = [unschedulable(POD, "1x60"), unschedulable("orders-service-6c7d8e9f0-a1b2c", "1x3 stale")];
      return { series, alerts: () => [expected(c.rules[0], { namespace: APP, pod: POD }, { description })] };
    },
    quiet: () => [
      { label: "a pod scheduled on the node Karpenter launched after 8 minutes", series: [unschedulable(POD, "1x8 stale")] },
      { label: "every pod scheduled (no series)", series: [ksm("kube_pod_status_scheduled", { namespace: APP, pod: POD, uid: `uid-${POD}`, condition: "true" }, 1)] },
    ],
  },
  KarpenterLaunchFailing: {
    // The counter needs two samples for an increase: the condition holds from the first minute.
    firing: (c) => ({
      series: [errors({ ...LAUNCH, error: "InsufficientCapacityError" }, "0+1x60"), registered("3x60")],
      alerts: () => [expected(c.rules[0], {}, {})],
      start: 1,
    }),
    quiet: () => [
      { label: "one launch failed, the retry on another offering succeeded", series: [errors({ ...LAUNCH, error: "InsufficientCapacityError" }, "5 6x60"), registered("3 4x60")] },
      { label: "some launches fail while others register nodes", series: [errors({ ...LAUNCH, error: "" }, "0+1x60"), registered(risingEvery(3, 4, 60))] },
      { label: "failed deletes of the same controller are no launch", series: [errors({ ...LAUNCH, method: "Delete", error: "" }, "0+1x60")] },
    ],
  },
  KarpenterNodePoolNearLimit: {
    firing: (c) => {
      const series = nodepool("general", { cpu: { usage: 38, limit: 40 }, memory: { usage: 80 * GiB, limit: 160 * GiB }, pods: { usage: 220 } });
      const description = c.rules[0].annotations.description
        .replace("{{ $labels.nodepool }}", "general")
        .replace("{{ $value | humanizePercentage }}", "95%")
        .replace("{{ $labels.resource_type }}", "cpu");
      return { series, alerts: () => [expected(c.rules[0], { nodepool: "general", resource_type: "cpu" }, { description })] };
    },
    quiet: () => [
      { label: "80% of the CPU limit", series: nodepool("general", { cpu: { usage: 32, limit: 40 }, memory: { usage: 80 * GiB, limit: 160 * GiB } }) },
      { label: "a NodePool without limits", series: nodepool("general", { cpu: { usage: 400 }, memory: { usage: 1600 * GiB } }) },
    ],
  },
  NodeNotReady: {
    firing: (c) => {
      // One node whose kubelet reports NotReady, one whose kubelet stopped reporting (Unknown), one Ready.
      const series = [...node(NODES[0], "false"), ...node(NODES[1], "unknown"), ...node(NODES[2], "true")];
      const alert = (n: string) => expected(c.rules[0], { node: n }, { description: c.rules[0].annotations.description.split("{{ $labels.node }}").join(n) });
      return { series, alerts: () => [alert(NODES[0]), alert(NODES[1])] };
    },
    quiet: () => [
      { label: "every node ready", series: NODES.flatMap((n) => node(n, "true")) },
      { label: "a cordoned node being drained", series: [...node(NODES[0], "unknown", true), ...node(NODES[1], "true")] },
    ],
  },
};
