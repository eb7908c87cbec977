/**
 * A Mermaid diagram of the allowed flows, grouped by namespace like the architecture picture.
 * Edges shared by every workload of a namespace are drawn once from (or to) the namespace, and
 * when the graph would still be too dense to read (or for Mermaid to draw), it is drawn between
 * namespaces with flow counts. The output depends only on the matrix, in a stable order.
 */
import { Flow, FlowMatrix, MatrixEndpoint } from "./matrix";
import { compareText } from "./types";

/** Beyond this many edges Mermaid's layout is unreadable (and its default limit is 500). */
export const MAX_EDGES = 150;

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  /** Some pods of the pair are allowed and others not. */
  readonly partial: boolean;
}

function nodeId(prefix: string, id: string): string {
  return `${prefix}_${id.replace(/\//g, "__").replace(/[^A-Za-z0-9_]/g, "_")}`;
}

const endpointNode = (e: MatrixEndpoint) => nodeId(e.namespace === undefined ? "x" : "w", e.id);
const namespaceNode = (ns: string) => nodeId("ns", ns);

export function portLabel(f: Pick<Flow, "port" | "protocol">): string {
  return `${f.port}/${f.protocol}`;
}

/** One edge per (source, destination) pair with at least one allowed port (on any path). */
function workloadEdges(matrix: FlowMatrix, node: Map<string, string>): Edge[] {
  const pairs = new Map<string, Flow[]>();
  for (const f of matrix.flows.filter((x) => x.verdict !== "denied")) {
    const key = `${f.source}\u0000${f.destination}`;
    pairs.set(key, [...(pairs.get(key) ?? []), f]);
  }
  return [...pairs.values()].map((fs) => ({
    from: node.get(fs[0].source)!,
    to: node.get(fs[0].destination)!,
    label: [...new Set(fs.map(portLabel))].join(", "),
    partial: fs.some((f) => f.verdict === "partial"),
  }));
}

/**
 * Replaces the edges that every workload of a namespace (two or more) shares, same label and
 * same far end, by one edge from or to the namespace. A far end inside that namespace keeps its
 * edges: Mermaid cannot draw a link between a subgraph and its own node.
 */
function groupBy(edges: Edge[], members: Map<string, string[]>, side: "from" | "to"): Edge[] {
  const far = side === "from" ? "to" : "from";
  const groups = new Map<string, Edge[]>();
  for (const e of edges) {
    const key = `${e[far]}\u0000${e.label}\u0000${e.partial}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const out: Edge[] = [];
  for (const group of groups.values()) {
    const ends = new Set(group.map((e) => e[side]));
    const taken = new Set<string>();
    for (const [ns, nodes] of members) {
      if (nodes.length < 2 || nodes.includes(group[0][far]) || !nodes.every((n) => ends.has(n))) continue;
      nodes.forEach((n) => taken.add(n));
      out.push({ ...group[0], [side]: namespaceNode(ns) });
    }
    out.push(...group.filter((e) => !taken.has(e[side])));
  }
  return out;
}

/** Namespace-level edges labelled with how many flows each stands for. */
function namespaceEdges(matrix: FlowMatrix, group: Map<string, string>): Edge[] {
  const counts = new Map<string, { from: string; to: string; n: number; partial: boolean }>();
  // A flow open on several paths counts once.
  const open = new Map(matrix.flows.filter((x) => x.verdict !== "denied").map((f) => [`${f.source} ${f.destination} ${portLabel(f)}`, f]));
  for (const f of open.values()) {
    const from = group.get(f.source)!;
    const to = group.get(f.destination)!;
    const key = `${from}\u0000${to}`;
    const c = counts.get(key) ?? { from, to, n: 0, partial: false };
    counts.set(key, { ...c, n: c.n + 1, partial: c.partial || f.verdict === "partial" });
  }
  return [...counts.values()].map((c) => ({ from: c.from, to: c.to, label: `${c.n} flow${c.n === 1 ? "" : "s"}`, partial: c.partial }));
}

const quote = (s: string) => `"${s.replace(/"/g, "#quot;")}"`;

export interface Diagram {
  readonly text: string;
  /** Whether edges join namespaces (with flow counts) rather than workloads. */
  readonly byNamespace: boolean;
  readonly edges: number;
}

/**
 * The diagram of a matrix. Traffic between a pod and its own node is left out: every pod has
 * it (the tables list it), and drawing it would hide the flows that differ.
 */
export function flowDiagram(all: FlowMatrix): Diagram {
  const matrix: FlowMatrix = { ...all, flows: all.flows.filter((f) => f.path.via !== "node-local") };
  const node = new Map(matrix.endpoints.map((e) => [e.id, endpointNode(e)]));
  const members = new Map<string, string[]>();
  for (const e of matrix.endpoints) {
    if (e.namespace !== undefined) members.set(e.namespace, [...(members.get(e.namespace) ?? []), node.get(e.id)!]);
  }
  let edges = groupBy(groupBy(workloadEdges(matrix, node), members, "from"), members, "to");
  let byNamespace = false;
  if (edges.length > MAX_EDGES) {
    byNamespace = true;
    const group = new Map(matrix.endpoints.map((e) => [e.id, e.namespace === undefined ? node.get(e.id)! : namespaceNode(e.namespace)]));
    edges = namespaceEdges(matrix, group);
  }
  const lines = ["flowchart LR"];
  for (const e of matrix.endpoints.filter((x) => x.namespace === undefined)) {
    lines.push(`  ${node.get(e.id)}((${quote(e.name)}))`);
  }
  for (const ns of [...members.keys()].sort()) {
    const inside = matrix.endpoints.filter((x) => x.namespace === ns);
    if (byNamespace) {
      // Namespaces become nodes, so that flows inside one are drawn as a loop.
      lines.push(`  ${namespaceNode(ns)}[${quote(`${ns} (${inside.length} workload${inside.length === 1 ? "" : "s"})`)}]`);
      continue;
    }
    lines.push(`  subgraph ${namespaceNode(ns)}[${quote(ns)}]`);
    for (const e of inside) lines.push(`    ${node.get(e.id)}[${quote(e.name)}]`);
    lines.push("  end");
  }
  const sorted = [...edges].sort((a, b) => compareText(a.from, b.from) || compareText(a.to, b.to) || compareText(a.label, b.label));
  for (const e of sorted) lines.push(`  ${e.from} ${e.partial ? "-.->" : "-->"}|${quote(e.label)}| ${e.to}`);
  return { text: lines.join("\n"), byNamespace, edges: edges.length };
}
