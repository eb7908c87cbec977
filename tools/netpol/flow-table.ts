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

function rowsOf(flows: readonly Flow[]): Row[] {
  const groups = new Map<string, Flow[]>();
  for (const f of flows) {
    const key = `${f.source}\u0000${f.destination}\u0000${pathKey(f.path)}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()].map((fs) => ({
    source: fs[0].source,
    destination: fs[0].destination,
    path: pathLabel(fs[0].path),
    ports: [...new Set(fs.map(portLabel))].join(", "),
    partial: fs.some((f) => f.verdict === "partial"),
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

/** A Markdown table of the allowed flows of a matrix, with each row's path and verdict. */
export function allowedFlowsTable(matrix: FlowMatrix, semanticsName: string): string {
  const members = new Map<string, string[]>();
  for (const e of matrix.endpoints) {
    if (e.namespace !== undefined) members.set(e.namespace, [...(members.get(e.namespace) ?? []), e.id]);
  }
  const open = matrix.flows.filter((f) => f.verdict !== "denied");
  const rows = fold(fold(rowsOf(open), members, "source"), members, "destination").sort(
    (a, b) => compareText(a.source, b.source) || compareText(a.destination, b.destination) || compareText(a.path, b.path),
  );
  const lines = [`| Source | Destination | Ports | Path | ${semanticsName} |`, "|---|---|---|---|---|"];
  for (const r of rows) lines.push(`| ${r.source} | ${r.destination} | ${r.ports} | ${r.path} | ${r.partial ? "some pods" : "allowed"} |`);
  return lines.join("\n");
}
