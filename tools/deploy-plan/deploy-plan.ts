/**
 * The deploy plan: how long a cold `pulumi up` of the rendered stack takes at best, and why. From
 * the render's resources it builds the dependency graph (tools/deploy-plan/graph.ts), weights it with
 * typical create durations (tools/deploy-plan/durations.ts), and reports the critical path, the lower
 * bound no ordering can beat, and the orderings that must hold (tools/deploy-plan/order.ts). Written to
 * `deploy-plan.json` and `deploy-plan.md` by every render (see the README, "Deploy plan").
 */
import type { RecordedResource, Rendered } from "../render/engine";
import {
  buildGraph,
  chainTo,
  levels,
  lastToFinish,
  peakConcurrency,
  projectOf,
  schedule,
  Timing,
  topologicalOrder,
} from "./graph";
import { Basis, DURATIONS, DurationKind, DurationRule } from "./durations";
import { Duration, durationOf } from "./kinds";
import { OrderingCheck, orderingChecks } from "./order";
import { deployPlanMarkdown } from "./markdown";

/** Version of the JSON layout below; raised when a field changes meaning or disappears. */
export const DEPLOY_PLAN_SCHEMA = 1;

export interface PlanStep {
  readonly urn: string;
  readonly type: string;
  readonly kind: DurationKind;
  readonly seconds: number;
  /** Seconds from the start of the deploy. */
  readonly start: number;
  readonly finish: number;
}

export interface PlanResource extends PlanStep {
  readonly detail?: string;
  /** Graph level: 1 + the highest level among what it waits for. */
  readonly level: number;
  /** Seconds it could finish later without delaying the deploy. */
  readonly slack: number;
  /** Graph nodes it waits for (components expanded). */
  readonly waitsFor: readonly string[];
  /** It runs pods, so it also cannot finish before the node groups (not a graph edge). */
  readonly waitsForNodes: boolean;
}

export interface DeployPlan {
  readonly schemaVersion: number;
  readonly project: string;
  readonly stack: string;
  readonly summary: {
    /** Everything registered, components included. */
    readonly resources: number;
    /** Resources that take time to create: the graph's nodes. */
    readonly nodes: number;
    /** Local components (no time of their own). */
    readonly components: number;
    /** Graph edges (node waits for node). */
    readonly dependencies: number;
    /** Longest chain of the graph, counted in resources. */
    readonly depth: number;
    /** Largest graph level: resources with no path between them, which can all run at once. */
    readonly width: number;
    readonly widestLevel: number;
    /** Most resources in flight at once in the weighted schedule. */
    readonly peakConcurrency: number;
    readonly criticalPathSeconds: number;
    readonly lowerBoundSeconds: number;
    /** criticalPathSeconds / lowerBoundSeconds, 3 decimals; 1 means nothing left to shorten. */
    readonly ratio: number;
  };
  readonly criticalPath: readonly PlanStep[];
  readonly lowerBound: {
    readonly seconds: number;
    readonly steps: readonly PlanStep[];
    /** The slowest resource that needs nodes, whose duration ends the bound (null without nodes). */
    readonly slowestNeedingNodes: string | null;
  };
  readonly orderingChecks: readonly OrderingCheck[];
  /** Resources whose type the duration table does not know (weighted with `default`). */
  readonly defaulted: readonly { readonly urn: string; readonly type: string }[];
  /** The table rows used by this stack, with how many resources each weights. */
  readonly durations: readonly {
    readonly kind: DurationKind;
    readonly seconds: number;
    readonly resources: number;
    readonly description: string;
    readonly basis: Basis;
    readonly sources: readonly string[];
  }[];
  /** Every node, in registration order. */
  readonly resources: readonly PlanResource[];
}

/** `urn:pulumi:<stack>::...` -> stack. */
function stackOf(urn: string): string {
  return urn.split("::")[0].split(":")[2] ?? "";
}

function step(urn: string, type: string, d: Duration, t: Timing): PlanStep {
  return { urn, type, kind: d.kind, seconds: d.seconds, start: t.start, finish: t.finish };
}

export function deployPlan(resources: readonly RecordedResource[]): DeployPlan {
  const graph = buildGraph(resources);
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const duration = new Map(graph.nodes.map((u) => [u, durationOf(byUrn.get(u)!)]));
  const seconds = (u: string) => duration.get(u)!.seconds;

  // Checked first on the graph itself, so that a cycle is reported as the program's own.
  const order = topologicalOrder(graph.nodes, graph.waitsFor);
  const level = levels(order, graph.waitsFor);

  // Pods cannot run before nodes exist, whatever the graph says: a workload created earlier is
  // awaited until the nodes come. Timing adds that wait; the graph (what Pulumi orders) does not.
  const nodeProviders = graph.nodes.filter((u) => duration.get(u)!.providesNodes);
  const needsNodes = (u: string) => duration.get(u)!.needsNodes && !duration.get(u)!.providesNodes;
  const timingPreds = new Map<string, readonly string[]>(
    graph.nodes.map((u) => [
      u,
      needsNodes(u) ? [...new Set([...graph.waitsFor.get(u)!, ...nodeProviders])] : graph.waitsFor.get(u)!,
    ]),
  );
  const timing = schedule(topologicalOrder(graph.nodes, timingPreds), timingPreds, seconds);
  const stepOf = (u: string) => step(u, byUrn.get(u)!.type, duration.get(u)!, timing.get(u)!);

  const last = lastToFinish(graph.nodes, timing);
  const criticalPath = last === null ? [] : chainTo(last, timing).map(stepOf);
  const criticalPathSeconds = last === null ? 0 : timing.get(last)!.finish;

  const lowerBound = lowerBoundOf(graph.nodes, nodeProviders, needsNodes, timing, seconds, stepOf);
  const levelCounts = new Map<number, number>();
  for (const l of level.values()) levelCounts.set(l, (levelCounts.get(l) ?? 0) + 1);
  let widestLevel = 0;
  for (const [l, count] of [...levelCounts].sort((a, b) => a[0] - b[0])) {
    if (widestLevel === 0 || count > levelCounts.get(widestLevel)!) widestLevel = l;
  }

  const kindsUsed = new Map<DurationKind, number>();
  for (const d of duration.values()) kindsUsed.set(d.kind, (kindsUsed.get(d.kind) ?? 0) + 1);
  const first = resources[0]?.urn ?? "";
  return {
    schemaVersion: DEPLOY_PLAN_SCHEMA,
    project: projectOf(first),
    stack: stackOf(first),
    summary: {
      resources: resources.length,
      nodes: graph.nodes.length,
      components: graph.components.length,
      dependencies: [...graph.waitsFor.values()].reduce((n, deps) => n + deps.length, 0),
      depth: Math.max(0, ...level.values()),
      width: levelCounts.get(widestLevel) ?? 0,
      widestLevel,
      peakConcurrency: peakConcurrency(timing),
      criticalPathSeconds,
      lowerBoundSeconds: lowerBound.seconds,
      ratio: lowerBound.seconds > 0 ? Math.round((criticalPathSeconds / lowerBound.seconds) * 1000) / 1000 : 1,
    },
    criticalPath,
    lowerBound,
    orderingChecks: orderingChecks(resources, graph),
    defaulted: graph.nodes
      .filter((u) => duration.get(u)!.kind === "default")
      .map((u) => ({ urn: u, type: byUrn.get(u)!.type })),
    durations: (Object.keys(DURATIONS) as DurationKind[])
      .filter((kind) => kindsUsed.has(kind))
      .map((kind) => {
        const rule: DurationRule = DURATIONS[kind];
        const { seconds: s, description, basis, sources } = rule;
        return { kind, seconds: s, resources: kindsUsed.get(kind)!, description, basis, sources };
      }),
    resources: graph.nodes.map((u) => {
      const d = duration.get(u)!;
      return {
        ...stepOf(u),
        ...(d.detail ? { detail: d.detail } : {}),
        level: level.get(u)!,
        slack: timing.get(u)!.slack,
        waitsFor: graph.waitsFor.get(u)!,
        waitsForNodes: needsNodes(u) && nodeProviders.length > 0,
      };
    }),
  };
}

/**
 * The slowest chain no ordering can avoid: everything up to the last node group to finish (the
 * VPC, IAM, control plane and nodes all precede it), then the slowest resource that needs nodes.
 * A stack without nodes is bounded by its slowest single resource only.
 */
function lowerBoundOf(
  nodes: readonly string[],
  nodeProviders: readonly string[],
  needsNodes: (u: string) => boolean,
  timing: ReadonlyMap<string, Timing>,
  seconds: (u: string) => number,
  stepOf: (u: string) => PlanStep,
): DeployPlan["lowerBound"] {
  const slowest = (candidates: readonly string[]) =>
    candidates.reduce<string | null>((best, u) => (best === null || seconds(u) > seconds(best) ? u : best), null);
  const slowestAlone = slowest(nodes);
  const lastNodes = lastToFinish(nodeProviders, timing);
  const slowestNeeding = slowest(nodes.filter(needsNodes));
  if (lastNodes !== null) {
    const ready = timing.get(lastNodes)!.finish;
    const tail = slowestNeeding === null ? 0 : seconds(slowestNeeding);
    if (slowestAlone === null || ready + tail >= seconds(slowestAlone)) {
      const steps = chainTo(lastNodes, timing).map(stepOf);
      if (slowestNeeding !== null) steps.push({ ...stepOf(slowestNeeding), start: ready, finish: ready + tail });
      return { seconds: ready + tail, steps, slowestNeedingNodes: slowestNeeding };
    }
  }
  if (slowestAlone === null) return { seconds: 0, steps: [], slowestNeedingNodes: null };
  const alone = stepOf(slowestAlone);
  return {
    seconds: alone.seconds,
    steps: [{ ...alone, start: 0, finish: alone.seconds }],
    slowestNeedingNodes: slowestNeeding,
  };
}

/** Report writer: adds `deploy-plan.json` and `deploy-plan.md` to a render. */
export function writeDeployPlan(rendered: Rendered, files: Map<string, string>): void {
  const plan = deployPlan(rendered.resources);
  files.set("deploy-plan.json", JSON.stringify(plan, null, 2) + "\n");
  files.set("deploy-plan.md", deployPlanMarkdown(plan));
}
