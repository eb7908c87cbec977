/**
 * The connectivity matrix: every source (workload, outsider, node, outside actor) to every
 * destination workload on each port its containers declare, and to the outside actors' ports,
 * on every path the client can take (paths.ts), evaluated on representative pods under one
 * semantics: the NetworkPolicy API's or the EKS VPC CNI's (connection.ts, cni.ts).
 * `diffMatrix` compares it with the intended flows.
 */
import { Semantics, connectionEvaluator } from "./cni";
import type { ConnectionEvaluator, ConnectionVerdict, PathVerdict } from "./connection";
import { ExternalActor, PlatformModel, Workload, clusterStateOf } from "./model";
import { FlowPath, Party, PathProbe, pathKey, pathLabel, pathProbes } from "./paths";
import { Protocol, compareText } from "./types";

/** `partial`: some pods of the pair of workloads may connect and others may not. */
export type Verdict = "allowed" | "denied" | "partial";

export const API_SEMANTICS: Semantics = { kind: "kubernetes-api" };
export const CNI_STRICT: Semantics = { kind: "eks-vpc-cni", enforcingMode: "strict" };

export interface FlowKey {
  readonly source: string;
  readonly destination: string;
  readonly port: number;
  readonly protocol: Protocol;
}

/** A flow on one path; an intended flow without a path must pass on every path the matrix probes. */
export interface PathFlowKey extends FlowKey {
  readonly path?: FlowPath;
}

export interface Flow extends FlowKey {
  readonly path: FlowPath;
  readonly portName?: string;
  readonly verdict: Verdict;
}

export interface MatrixEndpoint {
  readonly id: string;
  /** Undefined for actors outside the cluster. */
  readonly namespace?: string;
  readonly name: string;
}

export interface FlowMatrix {
  readonly endpoints: readonly MatrixEndpoint[];
  readonly flows: readonly Flow[];
}

export function flowKey(f: FlowKey): string {
  return `${f.source} -> ${f.destination} ${f.port}/${f.protocol}`;
}

/** The flow and its path: `<flowKey> via <pathKey>`. */
export function flowPathKey(f: FlowKey & { readonly path: FlowPath }): string {
  return `${flowKey(f)} via ${pathKey(f.path)}`;
}

export function compareFlows(a: FlowKey & { path?: FlowPath }, b: FlowKey & { path?: FlowPath }): number {
  return (
    compareText(a.source, b.source) ||
    compareText(a.destination, b.destination) ||
    a.port - b.port ||
    compareText(a.protocol, b.protocol) ||
    compareText(a.path ? pathKey(a.path) : "", b.path ? pathKey(b.path) : "")
  );
}

/** Whether each connection of a path is allowed, counting only its landings on the flow's destination. */
function outcomes(ev: ConnectionEvaluator, probe: PathProbe): { verdict: ConnectionVerdict; paths: PathVerdict[] }[] {
  return probe.connections.flatMap(({ connection, counts }) => {
    const verdict = ev.evaluate(connection);
    const paths = verdict.paths.filter(counts);
    return paths.length > 0 ? [{ verdict, paths }] : [];
  });
}

function verdictOf(allowed: readonly boolean[]): Verdict {
  const n = allowed.filter(Boolean).length;
  return n === allowed.length ? "allowed" : n === 0 ? "denied" : "partial";
}

function parties(model: PlatformModel): (Workload | ExternalActor)[] {
  return [...model.workloads, ...model.externals];
}

/**
 * Matrices by model and semantics. A model is built once and never changed (a changed policy set
 * is a new model), and a report, a proof and a README check may ask for the same matrix.
 */
const matrices = new WeakMap<PlatformModel, Map<Semantics, FlowMatrix>>();

export function computeMatrix(model: PlatformModel, semantics: Semantics = API_SEMANTICS): FlowMatrix {
  const bySemantics = matrices.get(model) ?? new Map<Semantics, FlowMatrix>();
  matrices.set(model, bySemantics);
  if (!bySemantics.has(semantics)) bySemantics.set(semantics, buildMatrix(model, semantics));
  return bySemantics.get(semantics)!;
}

function buildMatrix(model: PlatformModel, semantics: Semantics): FlowMatrix {
  const ev = connectionEvaluator(clusterStateOf(model), semantics);
  const sources = parties(model);
  const flows = new Map<string, Flow>();
  for (const s of sources.filter((x) => !("answersOnly" in x && x.answersOnly))) {
    for (const d of sources) {
      for (const p of d.ports) {
        for (const probe of pathProbes(model, s, d, p.containerPort, p.protocol)) {
          const results = outcomes(ev, probe).map((o) => o.paths.every((x) => x.allowed));
          if (results.length === 0) continue;
          const flow: Flow = {
            source: s.id,
            destination: d.id,
            port: p.containerPort,
            protocol: p.protocol,
            path: probe.path,
            ...(p.name ? { portName: p.name } : {}),
            verdict: verdictOf(results),
          };
          // A port declared by two containers (or twice) is one flow.
          if (!flows.has(flowPathKey(flow))) flows.set(flowPathKey(flow), flow);
        }
      }
    }
  }
  const endpoints: MatrixEndpoint[] = [
    ...model.workloads.map((w) => ({ id: w.id, namespace: w.namespace, name: w.name })),
    ...model.externals.map((x) => ({ id: x.id, name: x.id })),
  ];
  return { endpoints, flows: [...flows.values()].sort(compareFlows) };
}

export interface FlowDifference extends FlowKey {
  readonly path?: FlowPath;
  readonly portName?: string;
  /** What the analyzer found; `absent` when the matrix has no such source, destination, port or path. */
  readonly actual: Verdict | "absent";
}

export interface MatrixDiff {
  /** Intended flows the policies do not allow (for every pod) on their path. */
  readonly missing: readonly FlowDifference[];
  /** Flows the policies allow (for some pod, on some path) that are not intended at all. */
  readonly extra: readonly FlowDifference[];
  readonly ok: boolean;
}

/**
 * Compares the analyzer's matrix with the intended flows: each must be allowed on its path (on
 * every path the matrix probes when it names none), and every flow of `actual` that is not
 * intended must be denied on every path. A path other than the intended one may stay open:
 * under the API semantics a Service and its pods are one and the same to a policy.
 */
export function diffMatrix(actual: FlowMatrix, intended: readonly PathFlowKey[]): MatrixDiff {
  const wantedKeys = new Set(intended.map(flowKey));
  const byPath = new Map(actual.flows.map((f) => [flowPathKey(f), f]));
  const byKey = new Map<string, Flow[]>();
  for (const f of actual.flows) byKey.set(flowKey(f), [...(byKey.get(flowKey(f)) ?? []), f]);
  const missing: FlowDifference[] = [];
  for (const w of intended) {
    const { source, destination, port, protocol } = w;
    const found = w.path ? [byPath.get(flowPathKey({ ...w, path: w.path }))].filter((f): f is Flow => f !== undefined) : byKey.get(flowKey(w)) ?? [];
    if (found.length === 0) missing.push({ source, destination, port, protocol, ...(w.path ? { path: w.path } : {}), actual: "absent" });
    for (const f of found.filter((x) => x.verdict !== "allowed")) {
      missing.push({ source, destination, port, protocol, path: f.path, ...(f.portName ? { portName: f.portName } : {}), actual: f.verdict });
    }
  }
  const extra: FlowDifference[] = actual.flows
    .filter((f) => f.verdict !== "denied" && !wantedKeys.has(flowKey(f)))
    .map(({ verdict, ...rest }) => ({ ...rest, actual: verdict }));
  const unique = (xs: FlowDifference[]) => [...new Map(xs.map((x) => [`${flowKey(x)} ${x.path ? pathKey(x.path) : ""}`, x])).values()].sort(compareFlows);
  const m = unique(missing);
  const e = unique(extra);
  return { missing: m, extra: e, ok: m.length === 0 && e.length === 0 };
}

function hopText(v: PathVerdict): string {
  return `${v.egress.why}; ${v.ingress.why}`;
}

/** Which rules decide a flow on a path, on the first connection it denies (or the first one, when all pass). */
export function explainFlow(model: PlatformModel, key: FlowKey & { readonly path: FlowPath }, semantics: Semantics = API_SEMANTICS): string {
  const find = (id: string) => parties(model).find((x) => x.id === id);
  const s = find(key.source);
  const d = find(key.destination);
  if (!s || !d) return `no ${!s ? key.source : key.destination} in the model`;
  const probe = pathProbes(model, s as Party, d as Party, key.port, key.protocol).find((p) => pathKey(p.path) === pathKey(key.path));
  if (!probe) return `no path ${pathLabel(key.path)} from ${key.source} to ${key.destination}`;
  const results = outcomes(connectionEvaluator(clusterStateOf(model), semantics), probe).flatMap((o) => o.paths);
  const pick = results.find((x) => !x.allowed) ?? results[0];
  return pick ? hopText(pick) : "not probed (a single pod)";
}

function describeDifference(d: FlowDifference, model: PlatformModel | undefined, semantics: Semantics): string {
  const why = model && d.actual !== "absent" && d.path ? ` [${explainFlow(model, { ...d, path: d.path }, semantics)}]` : "";
  const via = d.path ? ` via ${pathLabel(d.path)}` : "";
  return `  ${flowKey(d)}${via}${d.portName ? ` (${d.portName})` : ""}: ${d.actual}${why}`;
}

/**
 * A failure message listing each missing and extra flow on its own line; with the model, each
 * line also says which rules decide the flow under the semantics.
 */
export function formatDiff(diff: MatrixDiff, model?: PlatformModel, semantics: Semantics = API_SEMANTICS): string {
  const describe = (d: FlowDifference) => describeDifference(d, model, semantics);
  if (diff.ok) return "the matrix equals the intended flows";
  const parts: string[] = [];
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  if (diff.missing.length > 0) {
    parts.push(`${plural(diff.missing.length, "missing flow")} (intended, not allowed):`, ...diff.missing.map(describe));
  }
  if (diff.extra.length > 0) {
    parts.push(`${plural(diff.extra.length, "extra flow")} (allowed, not intended):`, ...diff.extra.map(describe));
  }
  return parts.join("\n");
}

/** Flows whose verdict differs between two matrices of one model (same flows, same paths). */
export function verdictDifferences(a: FlowMatrix, b: FlowMatrix): { flow: Flow; other: Verdict }[] {
  const other = new Map(b.flows.map((f) => [flowPathKey(f), f.verdict]));
  return a.flows.flatMap((f) => {
    const v = other.get(flowPathKey(f));
    return v !== undefined && v !== f.verdict ? [{ flow: f, other: v }] : [];
  });
}
