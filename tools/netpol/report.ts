/**
 * `flows.md` in the render: what the NetworkPolicies allow the way the EKS VPC CNI enforces
 * them, as a header with the counts, the lint findings, the flows whose verdict the NetworkPolicy
 * API's semantics would give otherwise, a table of the allowed flows with their paths, a Mermaid
 * diagram and the full matrix, so that a pull request shows the effect of a policy change line
 * by line.
 */
import type { Rendered } from "../render/engine";
import { allowedFlowsTable } from "./flow-table";
import { Finding, LintOptions, formatFindings, lintModel } from "./lints";
import { API_SEMANTICS, CNI_STRICT, Flow, FlowMatrix, computeMatrix, flowKey, verdictDifferences } from "./matrix";
import { flowDiagram, portLabel } from "./mermaid";
import { ModelOptions, PlatformModel, modelFromRender } from "./model";
import { pathKey, pathLabel } from "./paths";
import { platformAnalysis } from "./platform";

export const FLOWS_FILE = "flows.md";

/** The matrices of a report: the CNI model's is shown when the model can run it (every Service has a ClusterIP). */
export interface ReportMatrices {
  readonly api: FlowMatrix;
  readonly cni?: FlowMatrix;
}

export function reportMatrices(model: PlatformModel): ReportMatrices {
  const api = computeMatrix(model, API_SEMANTICS);
  const cniReady = model.services.every((s) => s.clusterIP !== undefined);
  return cniReady ? { api, cni: computeMatrix(model, CNI_STRICT) } : { api };
}

/** The matrix a report shows: the EKS VPC CNI's when there is one. */
export function shownMatrix(m: ReportMatrices): FlowMatrix {
  return m.cni ?? m.api;
}

function portsCell(flows: readonly Flow[], withPaths: boolean): string {
  if (flows.length === 0) return "-";
  const byPort = new Map<string, Flow[]>();
  for (const f of flows) byPort.set(portLabel(f), [...(byPort.get(portLabel(f)) ?? []), f]);
  return [...byPort.values()]
    .map((fs) => {
      const f = fs[0];
      const paths = withPaths ? ` (${fs.map((x) => pathLabel(x.path)).join(", ")})` : "";
      return `${portLabel(f)}${f.portName ? ` ${f.portName}` : ""}${paths}${fs.some((x) => x.verdict === "partial") ? " (some pods)" : ""}`;
    })
    .join(", ");
}

/**
 * One row per (source, destination) pair: the ports allowed, each with the paths it is allowed
 * on, and the ports denied (with the paths, for a port that is open on another path).
 */
export function matrixTable(matrix: FlowMatrix): string {
  const rows = new Map<string, Flow[]>();
  for (const f of matrix.flows) {
    const key = `${f.source}\u0000${f.destination}`;
    rows.set(key, [...(rows.get(key) ?? []), f]);
  }
  const lines = ["| Source | Destination | Allowed (path) | Denied |", "|---|---|---|---|"];
  for (const fs of rows.values()) {
    const open = fs.filter((f) => f.verdict !== "denied");
    const openPorts = new Set(open.map(portLabel));
    const closed = fs.filter((f) => f.verdict === "denied");
    const closedCell = [portsCell(closed.filter((f) => !openPorts.has(portLabel(f))), false), portsCell(closed.filter((f) => openPorts.has(portLabel(f))), true)]
      .filter((c) => c !== "-")
      .join(", ");
    lines.push(`| ${fs[0].source} | ${fs[0].destination} | ${portsCell(open, true)} | ${closedCell || "-"} |`);
  }
  return lines.join("\n");
}

export function countVerdicts(matrix: FlowMatrix): { allowed: number; denied: number; partial: number } {
  const n = (v: Flow["verdict"]) => matrix.flows.filter((f) => f.verdict === v).length;
  return { allowed: n("allowed"), denied: n("denied"), partial: n("partial") };
}

function differencesSection(m: ReportMatrices): string[] {
  if (!m.cni) return ["Not computed: the EKS VPC CNI model needs every Service's ClusterIP (the cluster's service range)."];
  const diffs = verdictDifferences(m.cni, m.api).sort((a, b) => compareKeys(a.flow, b.flow));
  if (diffs.length === 0) return ["None: the NetworkPolicy API's semantics give every flow the same verdict."];
  return [
    "The NetworkPolicy API's semantics would give these flows another verdict (`CNI -> API`):",
    "",
    ...diffs.map((d) => `- ${flowKey(d.flow)} via ${pathLabel(d.flow.path)}: ${d.flow.verdict} -> ${d.other}`),
  ];
}

const compareKeys = (a: Flow, b: Flow) => (flowKey(a) < flowKey(b) ? -1 : flowKey(a) > flowKey(b) ? 1 : pathKey(a.path) < pathKey(b.path) ? -1 : 1);

const SEMANTICS_TEXT = { cni: "the EKS VPC CNI's enforcement (strict mode)", api: "the NetworkPolicy API's semantics" } as const;
/** The verdict column of the allowed flows' table. */
export const VERDICT_COLUMN = { cni: "Verdict (EKS VPC CNI, strict)", api: "Verdict (NetworkPolicy API)" } as const;

export function flowsMarkdown(model: PlatformModel, matrices: ReportMatrices, findings: readonly Finding[]): string {
  const matrix = shownMatrix(matrices);
  const which = matrices.cni ? "cni" : "api";
  const c = countVerdicts(matrix);
  const diagram = flowDiagram(matrix);
  const outside = model.externals.map((x) => x.id);
  const actors = `${outside.length} outside endpoint${outside.length === 1 ? "" : "s"} (${outside.join(", ")})`;
  const lines = [
    "# Network flows",
    "",
    `**${c.allowed} allowed, ${c.denied} denied${c.partial ? `, ${c.partial} allowed for some pods only` : ""}** ` +
      `of ${matrix.flows.length} flows probed under ${SEMANTICS_TEXT[which]}, between ${model.workloads.length} workloads and ${actors}, ` +
      `under ${model.policies.length} NetworkPolicies.`,
    "",
    "Generated by the offline render from the NetworkPolicies, the workloads, the Services and the pods of the Helm " +
      "charts and EKS add-ons in the render (`tools/netpol`). A flow is a source connecting to a port that a destination's " +
      "containers declare, on a path: through a Service's ClusterIP, straight to the pod IPs, from or to an address outside " +
      "the pod network, or between a pod and its own node. It is allowed when the source's egress and the destination's " +
      "ingress both admit it; the EKS VPC CNI judges egress on what leaves the pod (a Service's ClusterIP and port, before " +
      "DNAT) and ingress on the destination pod. `outsider/outsider` is a pod of a namespace that allows everything; " +
      "`internet` is an address outside the VPC; `node` a node's own address (the kubelet).",
    "",
    "## Lint findings",
    "",
    findings.length === 0 ? "None." : formatFindings(findings).split("\n").map((l) => `- ${l}`).join("\n"),
    "",
    "## Where the two semantics differ",
    "",
    ...differencesSection(matrices),
    "",
    "## Allowed flows",
    "",
    `Every other flow is denied. \`every pod of <namespace>\` stands for each workload of the namespace.`,
    "",
    allowedFlowsTable(matrix, VERDICT_COLUMN[which]),
    "",
    diagram.byNamespace
      ? `Too many allowed flows to draw one by one: arrows join namespaces and count the flows (the tables list each).`
      : "Arrows carry the allowed ports; an arrow from or to a namespace stands for all of its workloads; dotted: allowed for some pods only; " +
        "traffic between a pod and its own node, which every pod has, is not drawn.",
    "",
    "```mermaid",
    diagram.text,
    "```",
    "",
    "## Matrix",
    "",
    matrixTable(matrix),
    "",
  ];
  return lines.join("\n");
}

/** The flows report of a render. */
export function flowsReport(rendered: Rendered, modelOptions: ModelOptions = {}, lintOptions: LintOptions = {}): string {
  const model = modelFromRender(rendered, modelOptions);
  return flowsMarkdown(model, reportMatrices(model), lintModel(model, lintOptions));
}

/**
 * Report writer of the offline render (registered in tools/render/reports.ts): the platform's
 * analysis options (tools/netpol/platform.ts) apply.
 */
export function writeFlowsReport(rendered: Rendered, files: Map<string, string>): void {
  const { modelOptions, lintOptions } = platformAnalysis(rendered);
  files.set(FLOWS_FILE, flowsReport(rendered, modelOptions, lintOptions));
}
