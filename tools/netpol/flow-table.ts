/**
 * The allowed flows as a table a reader can take in: one row per source, destination and path
 * with its ports, rows that every workload of a namespace shares folded into one
 * (`every pod of <namespace>`), like the diagram's grouping.
 */
import type { Flow, FlowMatrix } from "./matrix";
import { portLabel } from "./mermaid";
import { pathKey, pathLabel } from "./paths";
import { compareText } from "./types";

interface Row {
  readonly source: string;
  readonly destination: string;
  readonly path: string;
  readonly ports: string;
  readonly partial: boolean;
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const x of xs) groups.set(key(x), [...(groups.get(key(x)) ?? []), x]);
  return [...groups.values()];
}

const EVERY_PORT = "every declared port";

/**
 * One row per source, destination and set of ports, with every path those ports are open on.
 * A node reaching a pod of its own on all of the pod's declared ports (the agent admits the
 * node's address on every port) says so, which lets those rows fold by namespace.
 */
function rowsOf(flows: readonly Flow[], declared: ReadonlyMap<string, ReadonlySet<string>>): Row[] {
  const portsText = (f: Flow, ports: Set<string>) => {
    const all = declared.get(f.destination);
    return f.path.via === "node-local" && all?.size === ports.size ? EVERY_PORT : [...ports].join(", ");
  };
  const perPath = groupBy(flows, (f) => `${f.source}\u0000${f.destination}\u0000${pathKey(f.path)}`).map((fs) => ({
    source: fs[0].source,
    destination: fs[0].destination,
    path: fs[0].path,
    ports: portsText(fs[0], new Set(fs.map(portLabel))),
    partial: fs.some((f) => f.verdict === "partial"),
  }));
  return groupBy(perPath, (r) => `${r.source}\u0000${r.destination}\u0000${r.ports}\u0000${r.partial}`).map((rs) => ({
    ...rs[0],
    path: rs
      .map((r) => r.path)
      .sort((a, b) => compareText(pathKey(a), pathKey(b)))
      .map(pathLabel)
      .join(", "),
  }));
}

/** Folds rows that every workload of a namespace (two or more) shares, on one side, into one. */
function fold(rows: Row[], members: Map<string, string[]>, side: "source" | "destination"): Row[] {
  const far = side === "source" ? "destination" : "source";
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = `${r[far]}\u0000${r.path}\u0000${r.ports}\u0000${r.partial}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: Row[] = [];
  for (const group of groups.values()) {
    const ends = new Set(group.map((r) => r[side]));
    const taken = new Set<string>();
    for (const [ns, ids] of members) {
      if (ids.length < 2 || !ids.every((id) => ends.has(id))) continue;
      ids.forEach((id) => taken.add(id));
      out.push({ ...group[0], [side]: `every pod of ${ns}` });
    }
    out.push(...group.filter((r) => !taken.has(r[side])));
  }
  return out;
}

/** A Markdown table of the allowed flows of a matrix, with each row's paths and verdict. */
export function allowedFlowsTable(matrix: FlowMatrix, verdictColumn: string): string {
  const members = new Map<string, string[]>();
  for (const e of matrix.endpoints) {
    if (e.namespace !== undefined) members.set(e.namespace, [...(members.get(e.namespace) ?? []), e.id]);
  }
  const declared = new Map<string, Set<string>>();
  for (const f of matrix.flows) declared.set(f.destination, (declared.get(f.destination) ?? new Set()).add(portLabel(f)));
  const open = matrix.flows.filter((f) => f.verdict !== "denied");
  const rows = fold(fold(rowsOf(open, declared), members, "source"), members, "destination").sort(
    (a, b) => compareText(a.source, b.source) || compareText(a.destination, b.destination) || compareText(a.path, b.path),
  );
  const lines = [`| Source | Destination | Ports | Paths | ${verdictColumn} |`, "|---|---|---|---|---|"];
  for (const r of rows) lines.push(`| ${r.source} | ${r.destination} | ${r.ports} | ${r.path} | ${r.partial ? "some pods" : "allowed"} |`);
  return lines.join("\n");
}
