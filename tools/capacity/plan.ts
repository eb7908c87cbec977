/**
 * The capacity plan of a stack: what every workload requests at minimum and at maximum replicas
 * against what the managed node group provides at its minimum and maximum size (and, once there is
 * one, what the node autoscaler may add), with the headroom, and the rules a stack must meet.
 *
 * The check sums requests; it does not bin-pack. So it also requires each pod to fit on one
 * node beside the DaemonSets: summed room spread over many nodes may still leave a large pod Pending.
 */
import type { Rendered } from "../render/engine";
import { NodeAllocatable, guaranteedNode } from "./nodes";
import { CapacityWorkload, cpuMilli, memoryMiB } from "./workload";
import { stackWorkloads } from "./workloads";

export const NODE_GROUP_TYPE = "eks:index:ManagedNodeGroup";

export interface NodeGroupShape {
  readonly instanceTypes: readonly string[];
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
}

/**
 * What the node autoscaler may add beyond the managed node group: the sum of its NodePools' CPU
 * and memory limits (Karpenter stops launching for a NodePool at its `spec.limits`,
 * concepts/nodepools.md at v1.14.1). The maximum is checked against the node group and these.
 */
export interface AutoscalerCapacity {
  readonly cpuMilli: number;
  readonly memoryMiB: number;
}

export interface Totals {
  readonly cpuMilli: number;
  readonly memoryMiB: number;
  readonly pods: number;
}

/** One end of the plan: minimum (replicas at rest, node group at its minimum) or maximum. */
export interface PlanEnd {
  readonly nodes: number;
  /** Requests of everything but the DaemonSets. */
  readonly workloads: Totals;
  /** The DaemonSets on all `nodes`. */
  readonly daemonSets: Totals;
  readonly requested: Totals;
  readonly capacity: Totals;
  /** capacity - requested; negative: does not fit. */
  readonly headroom: Totals;
}

export interface CapacityPlan {
  readonly nodeGroup: NodeGroupShape;
  /** Per node, whichever instance type of the group it is. */
  readonly node: NodeAllocatable;
  readonly autoscaler: AutoscalerCapacity | undefined;
  readonly workloads: readonly CapacityWorkload[];
  /** Charts in the render that the plan cannot size (tools/capacity/charts.ts has no entry). */
  readonly unsizedCharts: readonly string[];
  readonly minimum: PlanEnd;
  readonly maximum: PlanEnd;
  /** Rules broken, as sentences with the figures; empty when the stack fits. */
  readonly problems: readonly string[];
}

const sum = (xs: readonly Totals[]): Totals =>
  xs.reduce((a, b) => ({ cpuMilli: a.cpuMilli + b.cpuMilli, memoryMiB: a.memoryMiB + b.memoryMiB, pods: a.pods + b.pods }), { cpuMilli: 0, memoryMiB: 0, pods: 0 });
const minus = (a: Totals, b: Totals): Totals => ({ cpuMilli: a.cpuMilli - b.cpuMilli, memoryMiB: a.memoryMiB - b.memoryMiB, pods: a.pods - b.pods });
const times = (w: CapacityWorkload, n: number): Totals => ({ cpuMilli: w.pod.cpuMilli * n, memoryMiB: w.pod.memoryMiB * n, pods: n });

/** The node group of a render: types and sizes as the program gives them to EKS. */
export function nodeGroupOf(rendered: Rendered): NodeGroupShape {
  const group = rendered.one(NODE_GROUP_TYPE).inputs;
  return {
    instanceTypes: group.instanceTypes,
    minSize: group.scalingConfig.minSize,
    desiredSize: group.scalingConfig.desiredSize,
    maxSize: group.scalingConfig.maxSize,
  };
}

/** One end of the plan on `nodes` nodes, with `replicas` of each workload. */
export function planEnd(
  workloads: readonly CapacityWorkload[],
  node: NodeAllocatable,
  nodes: number,
  replicas: (w: CapacityWorkload) => number,
  extra: AutoscalerCapacity | undefined,
): PlanEnd {
  const daemonSets = sum(workloads.filter((w) => w.kind === "DaemonSet").map((w) => times(w, nodes)));
  const others = sum(workloads.filter((w) => w.kind !== "DaemonSet").map((w) => times(w, replicas(w))));
  const requested = sum([others, daemonSets]);
  const capacity: Totals = {
    cpuMilli: node.cpuMilli * nodes + (extra?.cpuMilli ?? 0),
    memoryMiB: node.memoryMiB * nodes + (extra?.memoryMiB ?? 0),
    // The autoscaler's limits bound CPU and memory, not pods: its nodes bring their own pod slots.
    pods: extra ? Number.POSITIVE_INFINITY : node.pods * nodes,
  };
  return { nodes, workloads: others, daemonSets, requested, capacity, headroom: minus(capacity, requested) };
}

const cores = (m: number) => `${(m / 1000).toFixed(2)} vCPU`;
const gib = (mib: number) => `${(mib / 1024).toFixed(2)} GiB`;

function endProblems(label: string, end: PlanEnd): string[] {
  const out: string[] = [];
  const what = `${label} (${end.nodes} nodes)`;
  if (end.headroom.cpuMilli < 0) out.push(`${what}: CPU requested ${cores(end.requested.cpuMilli)} exceeds ${cores(end.capacity.cpuMilli)} allocatable`);
  if (end.headroom.memoryMiB < 0) out.push(`${what}: memory requested ${gib(end.requested.memoryMiB)} exceeds ${gib(end.capacity.memoryMiB)} allocatable`);
  if (end.headroom.pods < 0) out.push(`${what}: ${end.requested.pods} pods exceed ${end.capacity.pods} pod slots`);
  return out;
}

/** Pods larger than what one node has left beside its DaemonSets. */
function oversizedPods(workloads: readonly CapacityWorkload[], node: NodeAllocatable): string[] {
  const perNode = workloads.filter((w) => w.kind === "DaemonSet").reduce((a, w) => ({ cpu: a.cpu + w.pod.cpuMilli, mem: a.mem + w.pod.memoryMiB }), { cpu: 0, mem: 0 });
  const room = { cpu: node.cpuMilli - perNode.cpu, mem: node.memoryMiB - perNode.mem };
  return workloads
    .filter((w) => w.kind !== "DaemonSet" && (w.pod.cpuMilli > room.cpu || w.pod.memoryMiB > room.mem))
    .map((w) => `${w.namespace}/${w.name}: one pod requests ${cores(w.pod.cpuMilli)} and ${gib(w.pod.memoryMiB)}, more than a node has beside its DaemonSets (${cores(room.cpu)}, ${gib(room.mem)})`);
}

/**
 * What the render's NodePools may add: their limits summed, or undefined without a NodePool (or
 * with one that sets no CPU or memory limit, which bounds nothing the plan can count).
 */
export function nodePoolCapacity(rendered: Rendered): AutoscalerCapacity | undefined {
  const pools = rendered.kind("NodePool");
  if (pools.length === 0) return undefined;
  const limits = pools.map((p) => p.inputs.spec?.limits ?? {});
  if (limits.some((l) => l.cpu === undefined || l.memory === undefined)) return undefined;
  return {
    cpuMilli: limits.reduce((sum, l) => sum + cpuMilli(l.cpu), 0),
    memoryMiB: limits.reduce((sum, l) => sum + memoryMiB(l.memory), 0),
  };
}

/** The plan of a render. `autoscaler`: what a node autoscaler may add (`nodePoolCapacity`). */
export function capacityPlan(rendered: Rendered, autoscaler: AutoscalerCapacity | undefined): CapacityPlan {
  const nodeGroup = nodeGroupOf(rendered);
  const node = guaranteedNode(nodeGroup.instanceTypes);
  const { workloads, unsized } = stackWorkloads(rendered);
  return planOf(nodeGroup, node, workloads, unsized, autoscaler);
}

/** The plan of given workloads on a node group (the rules, without a render). */
export function planOf(
  nodeGroup: NodeGroupShape,
  node: NodeAllocatable,
  workloads: readonly CapacityWorkload[],
  unsizedCharts: readonly string[],
  autoscaler: AutoscalerCapacity | undefined,
): CapacityPlan {
  const minimum = planEnd(workloads, node, nodeGroup.minSize, (w) => w.minReplicas, undefined);
  const maximum = planEnd(workloads, node, nodeGroup.maxSize, (w) => w.maxReplicas, autoscaler);
  const problems = [
    ...unsizedCharts.map((c) => `chart '${c}' is in the render but tools/capacity/charts.ts cannot size its pods`),
    ...endProblems("at minimum replicas on the node group's minimum size", minimum),
    ...endProblems(autoscaler ? "at maximum replicas on the node group's maximum size and the autoscaler's limits" : "at maximum replicas on the node group's maximum size", maximum),
    ...oversizedPods(workloads, node),
  ];
  return { nodeGroup, node, autoscaler, workloads, unsizedCharts, minimum, maximum, problems };
}
