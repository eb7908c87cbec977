/**
 * The dependency graph `pulumi up` follows when it creates a stack from nothing, built from the
 * render's resources, and the scheduling arithmetic on it (levels, earliest start, critical path,
 * slack). Pure functions: the deploy-plan report and the tests call them on any resource list.
 */

/** What the graph needs of a rendered resource (a subset of `RecordedResource`). */
export interface GraphResource {
  readonly urn: string;
  readonly type: string;
  readonly parent: string | null;
  readonly dependsOn: readonly string[];
  readonly custom: boolean;
}

export interface DeployGraph {
  /** Resources that take time to create (custom resources and remote components), in registration order. */
  readonly nodes: readonly string[];
  /** Node -> the nodes it waits for, in registration order. */
  readonly waitsFor: ReadonlyMap<string, readonly string[]>;
  /** Local components: they take no time; waiting for one means waiting for all its nodes. */
  readonly components: readonly string[];
}

/** `urn:pulumi:<stack>::<project>::<type>::<name>` -> project. */
export function projectOf(urn: string): string {
  return urn.split("::")[1] ?? "";
}

/** `type::name`, short enough for messages and tables. */
export function shortUrn(urn: string): string {
  const parts = urn.split("::");
  const type = (parts[2] ?? "").split("$").pop();
  return `${type}::${parts.slice(3).join("::")}`;
}

/**
 * Whether a resource is a graph node. Custom resources are. So are components of another
 * package without children in the render: remote (multi-language) components such as
 * `eks:index:Cluster` or `kubernetes:helm.sh/v4:Chart`, whose children the program never sees
 * and which `pulumi up` reports done only once all of them are. The stack and the project's own
 * components group resources and do nothing themselves.
 */
export function isNode(r: GraphResource, hasChildren: boolean): boolean {
  if (r.custom) return true;
  if (hasChildren || r.type === "pulumi:pulumi:Stack") return false;
  return r.type.split(":")[0] !== projectOf(r.urn);
}

/**
 * Builds the graph. A node waits for each URN of its `dependsOn` (which, in the render, already
 * holds the explicit dependencies, those implied by inputs and the explicit provider); a URN of a
 * component stands for every node under it, as the Pulumi SDK expands `dependsOn: [component]`.
 * A node also waits for a parent that is itself a node: the SDK registers a child only once its
 * parent's URN is known, which for a custom resource is after it has been created.
 */
export function buildGraph(resources: readonly GraphResource[]): DeployGraph {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const children = new Map<string, string[]>();
  for (const r of resources) {
    if (r.parent === null) continue;
    if (!byUrn.has(r.parent)) throw new Error(`${shortUrn(r.urn)} has an unknown parent ${r.parent}`);
    children.set(r.parent, [...(children.get(r.parent) ?? []), r.urn]);
  }
  const nodeSet = new Set(resources.filter((r) => isNode(r, children.has(r.urn))).map((r) => r.urn));

  const expanded = new Map<string, string[]>();
  const expand = (urn: string): string[] => {
    if (nodeSet.has(urn)) return [urn];
    const known = expanded.get(urn);
    if (known) return known;
    const result = (children.get(urn) ?? []).flatMap(expand);
    expanded.set(urn, result);
    return result;
  };

  const order = new Map(resources.map((r, i) => [r.urn, i]));
  const waitsFor = new Map<string, string[]>();
  for (const r of resources) {
    if (!nodeSet.has(r.urn)) continue;
    const deps = new Set<string>();
    for (const d of r.dependsOn) {
      if (!byUrn.has(d)) throw new Error(`${shortUrn(r.urn)} depends on an unknown resource ${d}`);
      for (const n of expand(d)) deps.add(n);
    }
    if (r.parent !== null && nodeSet.has(r.parent)) deps.add(r.parent);
    deps.delete(r.urn);
    waitsFor.set(r.urn, [...deps].sort((a, b) => order.get(a)! - order.get(b)!));
  }
  return {
    nodes: resources.filter((r) => nodeSet.has(r.urn)).map((r) => r.urn),
    waitsFor,
    components: resources.filter((r) => !nodeSet.has(r.urn)).map((r) => r.urn),
  };
}

/** One dependency cycle among `nodes`, as a closed path (first URN repeated at the end), or null. */
export function findCycle(nodes: readonly string[], preds: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, "open");
    stack.push(n);
    for (const p of preds.get(n) ?? []) {
      if (state.get(p) === "open") return [...stack.slice(stack.indexOf(p)), p].reverse();
      if (!state.has(p)) {
        const cycle = visit(p);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(n, "done");
    return null;
  };
  for (const n of nodes) {
    if (state.has(n)) continue;
    const cycle = visit(n);
    if (cycle) return cycle;
  }
  return null;
}

/**
 * Nodes in an order where each comes after everything it waits for (registration order among
 * equals, so the result is deterministic). Throws, naming the cycle, if there is one: `pulumi up`
 * could never finish such a graph.
 */
export function topologicalOrder(nodes: readonly string[], preds: ReadonlyMap<string, readonly string[]>): string[] {
  const pending = new Map(nodes.map((n) => [n, (preds.get(n) ?? []).length]));
  const succs = successors(nodes, preds);
  const index = new Map(nodes.map((n, i) => [n, i]));
  let ready = nodes.filter((n) => pending.get(n) === 0);
  const out: string[] = [];
  while (ready.length > 0) {
    const next: string[] = [];
    for (const n of ready) {
      out.push(n);
      for (const s of succs.get(n) ?? []) {
        const left = pending.get(s)! - 1;
        pending.set(s, left);
        if (left === 0) next.push(s);
      }
    }
    ready = next.sort((a, b) => index.get(a)! - index.get(b)!);
  }
  if (out.length !== nodes.length) {
    const cycle = findCycle(nodes, preds) ?? [];
    throw new Error(`dependency cycle: ${cycle.map(shortUrn).join(" -> ")}`);
  }
  return out;
}

export function successors(
  nodes: readonly string[],
  preds: ReadonlyMap<string, readonly string[]>,
): Map<string, string[]> {
  const succs = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const n of nodes) {
    for (const p of preds.get(n) ?? []) {
      if (!succs.has(p)) throw new Error(`${shortUrn(n)} waits for ${p}, which is not a node of the graph`);
      succs.get(p)!.push(n);
    }
  }
  return succs;
}

/**
 * Level of each node: 1 for a node that waits for nothing, else one more than the highest level
 * it waits for. The highest level is the depth (longest chain, counted in resources). Nodes of
 * one level have no path between them, so a level is a set that can all run at once; the largest
 * level is the width reported.
 */
export function levels(order: readonly string[], preds: ReadonlyMap<string, readonly string[]>): Map<string, number> {
  const level = new Map<string, number>();
  for (const n of order) level.set(n, 1 + Math.max(0, ...(preds.get(n) ?? []).map((p) => level.get(p)!)));
  return level;
}

export interface Timing {
  readonly start: number;
  readonly finish: number;
  /** How much later it could finish without delaying the whole deploy. */
  readonly slack: number;
  /** The node whose finish decided this start (null if it waits for nothing). */
  readonly after: string | null;
}

/**
 * Earliest start and finish of every node when everything runs as soon as what it waits for has
 * finished (`pulumi up`'s default parallelism is unbounded), and the slack of each. Ties between
 * predecessors go to the one registered first, so the critical path is deterministic.
 */
export function schedule(
  order: readonly string[],
  preds: ReadonlyMap<string, readonly string[]>,
  seconds: (urn: string) => number,
): Map<string, Timing> {
  const finish = new Map<string, number>();
  const start = new Map<string, number>();
  const after = new Map<string, string | null>();
  for (const n of order) {
    let best: string | null = null;
    for (const p of preds.get(n) ?? []) if (best === null || finish.get(p)! > finish.get(best)!) best = p;
    const s = best === null ? 0 : finish.get(best)!;
    start.set(n, s);
    finish.set(n, s + seconds(n));
    after.set(n, best);
  }
  const makespan = Math.max(0, ...finish.values());
  const succs = successors(order, preds);
  const latestFinish = new Map<string, number>();
  for (const n of [...order].reverse()) {
    const limits = (succs.get(n) ?? []).map((s) => latestFinish.get(s)! - seconds(s));
    latestFinish.set(n, Math.min(makespan, ...limits));
  }
  return new Map(
    order.map((n) => [
      n,
      { start: start.get(n)!, finish: finish.get(n)!, slack: latestFinish.get(n)! - finish.get(n)!, after: after.get(n)! },
    ]),
  );
}

/** The chain of nodes that decided `last`'s finish, first to last. */
export function chainTo(last: string, timing: ReadonlyMap<string, Timing>): string[] {
  const chain: string[] = [];
  for (let n: string | null = last; n !== null; n = timing.get(n)!.after) chain.unshift(n);
  return chain;
}

/** The node that finishes last (the first registered among equals), or null for an empty graph. */
export function lastToFinish(order: readonly string[], timing: ReadonlyMap<string, Timing>): string | null {
  let last: string | null = null;
  for (const n of order) if (last === null || timing.get(n)!.finish > timing.get(last)!.finish) last = n;
  return last;
}

/** Most nodes running at the same instant of the schedule (zero-length operations excluded). */
export function peakConcurrency(timing: ReadonlyMap<string, Timing>): number {
  const events: [number, number][] = [];
  for (const t of timing.values()) {
    if (t.finish > t.start) events.push([t.start, 1], [t.finish, -1]);
  }
  // Ends before starts at the same instant: a node starting when another ends does not overlap it.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let peak = 0;
  for (const [, delta] of events) {
    running += delta;
    peak = Math.max(peak, running);
  }
  return peak;
}

/** Whether `to` waits, directly or through others, for `from`. */
export function waitsTransitively(
  to: string,
  from: string,
  preds: ReadonlyMap<string, readonly string[]>,
): boolean {
  const seen = new Set<string>();
  const todo = [to];
  while (todo.length > 0) {
    const n = todo.pop()!;
    for (const p of preds.get(n) ?? []) {
      if (p === from) return true;
      if (!seen.has(p)) {
        seen.add(p);
        todo.push(p);
      }
    }
  }
  return false;
}
