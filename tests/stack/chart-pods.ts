/**
 * Shared by the chart-pod specs of the tiers: what a chart's templates give a workload's pods,
 * worked out by each spec from the vendored chart (`chartdata/`) and the values of the render,
 * and how a row of the chart-pod table (a chart module's `pods`) differs from it.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { ChartModule, ChartPod, ContainerPort } from "../../lib/helm";
import { CHARTDATA_DIR, mergeValues } from "../../lib/schema-check";

export interface ExpectedPod {
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly ContainerPort[];
  readonly hostNetwork: boolean;
}

/** Labels that change with every release of a chart: the rows leave them out (lib/helm.ts `ChartPod`). */
export const VERSION_LABELS = ["helm.sh/chart", "chart", "app.kubernetes.io/version"];

const parsed = new Map<string, unknown>();

/** A YAML file of `chartdata/`, parsed once (callers never modify it: `mergeValues` copies). */
export function chartdataYaml(rel: string): any {
  if (!parsed.has(rel)) parsed.set(rel, YAML.parse(fs.readFileSync(path.join(CHARTDATA_DIR, rel), "utf8")));
  return parsed.get(rel);
}

/** The values a chart renders with: its vendored `values.yaml` under the given values, as Helm merges them. */
export function mergedValues(dir: string, ...over: unknown[]): any {
  return over.reduce((base, v) => mergeValues(base, v ?? {}), chartdataYaml(`${dir}/values.yaml`));
}

/** The row of `chart` named `name`. */
export function podRow(chart: ChartModule, name: string): ChartPod {
  const row = chart.pods.find((p) => p.name === name);
  if (!row) throw new Error(`${chart.pin.chart} has no pod row named ${name}`);
  return row;
}

const portKey = (p: ContainerPort) => `${p.containerPort}/${p.protocol} ${p.name ?? ""}`;
const sortedLabels = (l: Readonly<Record<string, string>>) => Object.entries(l).sort(([a], [b]) => a.localeCompare(b));

/** One sentence per difference between a row and what the chart gives the pods; empty when they agree. */
export function rowProblems(row: ChartPod, expected: ExpectedPod): string[] {
  const out: string[] = [];
  const want = sortedLabels(Object.fromEntries(Object.entries(expected.labels).filter(([k]) => !VERSION_LABELS.includes(k))));
  if (JSON.stringify(sortedLabels(row.labels)) !== JSON.stringify(want)) {
    out.push(`${row.name}: labels ${JSON.stringify(Object.fromEntries(sortedLabels(row.labels)))}, the chart gives ${JSON.stringify(Object.fromEntries(want))}`);
  }
  const have = row.ports.map(portKey).sort();
  const ports = expected.ports.map(portKey).sort();
  for (const p of ports.filter((x) => !have.includes(x))) out.push(`${row.name}: the chart declares port ${p}, the row does not`);
  for (const p of have.filter((x) => !ports.includes(x))) out.push(`${row.name}: the row declares port ${p}, the chart does not`);
  if (row.hostNetwork !== expected.hostNetwork) out.push(`${row.name}: hostNetwork ${row.hostNetwork}, the chart sets ${expected.hostNetwork}`);
  return out;
}

export const tcp = (name: string, containerPort: number): ContainerPort => ({ name, containerPort, protocol: "TCP" });
export const udp = (name: string, containerPort: number): ContainerPort => ({ name, containerPort, protocol: "UDP" });

/** Go templates' truthiness: nil, false, 0, "" and empty maps and lists are false. */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v as object).length > 0;
  return true;
}

/** Helm's `default`: `value` when truthy, else `fallback`. */
export function helmDefault<T>(fallback: T, value: unknown): T {
  return truthy(value) ? (value as T) : fallback;
}
