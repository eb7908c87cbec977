/**
 * `capacity.md` and `capacity.json` in every render: the stack's capacity plan (./plan.ts), so that
 * a pull request shows what a change of replicas, resources or nodes does to the fit.
 */
import type { Rendered } from "../render/engine";
import { CapacityPlan, PlanEnd, Totals, capacityPlan, nodePoolCapacity } from "./plan";

export const CAPACITY_MD = "capacity.md";
export const CAPACITY_JSON = "capacity.json";

const cpu = (m: number) => (Number.isFinite(m) ? `${(m / 1000).toFixed(2)}` : "unbounded");
const mem = (mib: number) => (Number.isFinite(mib) ? `${(mib / 1024).toFixed(2)}` : "unbounded");
const pods = (n: number) => (Number.isFinite(n) ? String(n) : "unbounded");
const row = (label: string, t: Totals) => `| ${label} | ${cpu(t.cpuMilli)} | ${mem(t.memoryMiB)} | ${pods(t.pods)} |`;

function endTable(title: string, end: PlanEnd): string[] {
  return [
    `### ${title}`,
    "",
    "| | CPU (vCPU) | Memory (GiB) | Pods |",
    "|---|---|---|---|",
    row("Workloads (all but DaemonSets)", end.workloads),
    row(`DaemonSets on ${end.nodes} nodes`, end.daemonSets),
    row("**Requested**", end.requested),
    row(`**Allocatable** (${end.nodes} nodes)`, end.capacity),
    row("**Headroom**", end.headroom),
    "",
  ];
}

function workloadTable(plan: CapacityPlan): string[] {
  const lines = [
    "| Workload | Kind | Owner | CPU / pod (m) | Memory / pod (MiB) | Replicas min-max | Source |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const w of plan.workloads) {
    const replicas = w.kind === "DaemonSet" ? "1 per node" : `${w.minReplicas}-${w.maxReplicas}`;
    lines.push(`| ${w.namespace}/${w.name} | ${w.kind} | ${w.owner} | ${w.pod.cpuMilli} | ${Math.round(w.pod.memoryMiB)} | ${replicas} | ${w.source} |`);
  }
  return lines;
}

export function capacityMarkdown(stack: string, plan: CapacityPlan): string {
  const g = plan.nodeGroup;
  const n = plan.node;
  return [
    `# Capacity plan: ${stack}`,
    "",
    `Node group: ${g.instanceTypes.join(", ")}, min ${g.minSize}, desired ${g.desiredSize}, max ${g.maxSize}. ` +
      `Each node guarantees ${cpu(n.cpuMilli)} vCPU, ${mem(n.memoryMiB)} GiB and ${n.pods} pods allocatable ` +
      "(the least of its types after EKS' kube-reserved, hard eviction and 7.5% memory overhead; tools/capacity/nodes.ts).",
    "",
    `Autoscaler: ${plan.autoscaler ? `${cpu(plan.autoscaler.cpuMilli)} vCPU, ${mem(plan.autoscaler.memoryMiB)} GiB beyond the node group` : "none (the maximum counts the node group only)"}.`,
    "",
    plan.problems.length === 0 ? "**The stack fits** at minimum and at maximum." : ["**The stack does not fit:**", "", ...plan.problems.map((p) => `- ${p}`)].join("\n"),
    "",
    ...endTable("At minimum: replicas at rest, node group at its minimum size", plan.minimum),
    ...endTable("At maximum: every autoscaler at its maximum, node group at its maximum size", plan.maximum),
    "## Workloads",
    "",
    ...workloadTable(plan),
    "",
  ].join("\n");
}

/** The plan as data, for tools and tests (infinite pod slots written as null). */
export function capacityJson(stack: string, plan: CapacityPlan): string {
  return JSON.stringify({ stack, ...plan }, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n";
}

/** Report writer of the offline render (registered in tools/render/reports.ts). */
export function writeCapacityReport(rendered: Rendered, files: Map<string, string>): void {
  const stack = rendered.one("pulumi:pulumi:Stack").name;
  const plan = capacityPlan(rendered, nodePoolCapacity(rendered));
  files.set(CAPACITY_MD, capacityMarkdown(stack, plan));
  files.set(CAPACITY_JSON, capacityJson(stack, plan));
}
