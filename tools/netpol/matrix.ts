/**
 * The connectivity matrix: every source (workload, outsider, internet, API server) to every
 * destination workload on each port its containers declare, and to the external actors' ports,
 * evaluated on representative pods. `diffMatrix` compares it with the intended flows.
 */
import { Decision, PolicyEvaluator, SideDecision } from "./evaluate";
import { ExternalActor, PlatformModel, Workload, evaluatorOf } from "./model";
import { Endpoint, Protocol, compareText } from "./types";

/** `partial`: some pods of the pair of workloads may connect and others may not. */
export type Verdict = "allowed" | "denied" | "partial";

export interface FlowKey {
  readonly source: string;
  readonly destination: string;
  readonly port: number;
  readonly protocol: Protocol;
}

export interface Flow extends FlowKey {
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

export function compareFlows(a: FlowKey, b: FlowKey): number {
  return compareText(a.source, b.source) || compareText(a.destination, b.destination) || a.port - b.port || compareText(a.protocol, b.protocol);
}

type Party = { readonly id: string; readonly endpoints: readonly Endpoint[] };

function partyOf(x: Workload | ExternalActor): Party {
  return "pods" in x ? { id: x.id, endpoints: x.pods.map((pod) => ({ pod })) } : { id: x.id, endpoints: [{ ip: x.ip }] };
}

/** Every decision between distinct endpoints of the two parties (a pod is never probed against itself). */
function decisions(ev: PolicyEvaluator, src: Party, dst: Party, port: number, protocol: Protocol): Decision[] {
  const out: Decision[] = [];
  for (const from of src.endpoints) {
    for (const to of dst.endpoints) {
      if ("pod" in from && "pod" in to && from.pod === to.pod) continue;
      out.push(ev.evaluate({ from, to, port, protocol }));
    }
  }
  return out;
}

function verdictOf(ds: readonly Decision[]): Verdict {
  const allowed = ds.filter((d) => d.allowed).length;
  return allowed === ds.length ? "allowed" : allowed === 0 ? "denied" : "partial";
}

export function computeMatrix(model: PlatformModel): FlowMatrix {
  const ev = evaluatorOf(model);
  const sources = [...model.workloads, ...model.externals];
  const flows: Flow[] = [];
  for (const s of sources) {
    for (const d of sources) {
      // Traffic between two outside addresses never crosses the cluster.
      if (!("pods" in s) && !("pods" in d)) continue;
      const src = partyOf(s);
      const dst = partyOf(d);
      for (const p of d.ports) {
        const ds = decisions(ev, src, dst, p.containerPort, p.protocol);
        if (ds.length === 0) continue;
        flows.push({
          source: s.id,
          destination: d.id,
          port: p.containerPort,
          protocol: p.protocol,
          ...(p.name ? { portName: p.name } : {}),
          verdict: verdictOf(ds),
        });
      }
    }
  }
  const endpoints: MatrixEndpoint[] = [
    ...model.workloads.map((w) => ({ id: w.id, namespace: w.namespace, name: w.name })),
    ...model.externals.map((x) => ({ id: x.id, name: x.id })),
  ];
  return { endpoints, flows: dedupe(flows).sort(compareFlows) };
}

/** A port declared by two containers (or twice) is one flow. */
function dedupe(flows: Flow[]): Flow[] {
  const seen = new Map<string, Flow>();
  for (const f of flows) if (!seen.has(flowKey(f))) seen.set(flowKey(f), f);
  return [...seen.values()];
}

export interface FlowDifference extends FlowKey {
  readonly portName?: string;
  /** What the analyzer found; `absent` when the matrix has no such source, destination or port. */
  readonly actual: Verdict | "absent";
}

export interface MatrixDiff {
  /** Intended flows the policies do not allow (for every pod). */
  readonly missing: readonly FlowDifference[];
  /** Flows the policies allow (for some pod) that are not intended. */
  readonly extra: readonly FlowDifference[];
  readonly ok: boolean;
}

/**
 * Compares the analyzer's matrix with the intended one. `intended` lists the flows that must be
 * allowed (a matrix's denied entries are ignored); every other flow of `actual` must be denied.
 */
export function diffMatrix(actual: FlowMatrix, intended: FlowMatrix | readonly (FlowKey & { verdict?: Verdict })[]): MatrixDiff {
  const wanted = ("flows" in intended ? intended.flows : intended).filter((f) => (f.verdict ?? "allowed") === "allowed");
  const wantedKeys = new Set(wanted.map(flowKey));
  const byKey = new Map(actual.flows.map((f) => [flowKey(f), f]));
  const missing: FlowDifference[] = [];
  for (const w of wanted) {
    const found = byKey.get(flowKey(w));
    if (found?.verdict === "allowed") continue;
    const { source, destination, port, protocol } = w;
    missing.push({ source, destination, port, protocol, ...(found?.portName ? { portName: found.portName } : {}), actual: found?.verdict ?? "absent" });
  }
  const extra: FlowDifference[] = actual.flows
    .filter((f) => f.verdict !== "denied" && !wantedKeys.has(flowKey(f)))
    .map(({ verdict, ...rest }) => ({ ...rest, actual: verdict }));
  const unique = (xs: FlowDifference[]) => [...new Map(xs.map((x) => [flowKey(x), x])).values()].sort(compareFlows);
  const m = unique(missing);
  const e = unique(extra);
  return { missing: m, extra: e, ok: m.length === 0 && e.length === 0 };
}

function sideText(direction: string, s: SideDecision): string {
  if (!s.isolated) return `${direction} open (no policy selects it)`;
  if (s.allowed) return `${direction} allowed by ${s.allowedBy.join(", ")}`;
  return `${direction} denied (selected by ${s.selectedBy.join(", ")}; no rule admits it)`;
}

/** Which policies decide a flow, on the first pair of pods it denies (or the first pair, when all pass). */
export function explainFlow(model: PlatformModel, key: FlowKey): string {
  const find = (id: string) => [...model.workloads, ...model.externals].find((x) => x.id === id);
  const s = find(key.source);
  const d = find(key.destination);
  if (!s || !d) return `no ${!s ? key.source : key.destination} in the model`;
  const ds = decisions(evaluatorOf(model), partyOf(s), partyOf(d), key.port, key.protocol);
  const pick = ds.find((x) => !x.allowed) ?? ds[0];
  if (!pick) return "not probed (a single pod)";
  return `${sideText("egress", pick.egress)}; ${sideText("ingress", pick.ingress)}`;
}

function describeDifference(d: FlowDifference, model?: PlatformModel): string {
  const why = model && d.actual !== "absent" ? ` [${explainFlow(model, d)}]` : "";
  return `  ${flowKey(d)}${d.portName ? ` (${d.portName})` : ""}: ${d.actual}${why}`;
}

/**
 * A failure message listing each missing and extra flow on its own line; with the model, each
 * line also says which policies decide the flow.
 */
export function formatDiff(diff: MatrixDiff, model?: PlatformModel): string {
  const describe = (d: FlowDifference) => describeDifference(d, model);
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
