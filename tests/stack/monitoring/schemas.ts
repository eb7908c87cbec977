/**
 * Offline checks of what the monitoring tier hands to Prometheus: custom resources against the
 * chart's CRDs, PromQL through Prometheus' own grammar, chart values against the chart's keys.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { parser } from "@prometheus-io/lezer-promql";
import { crdCheck } from "../../../lib/schema-check";
import { PROJECT_DIR } from "../../harness";

export const CHART_DIR = path.join(PROJECT_DIR, "chartdata", "kube-prometheus-stack");

const CRD_FILES: Record<string, string> = {
  ServiceMonitor: "crd-servicemonitors.yaml",
  PodMonitor: "crd-podmonitors.yaml",
  PrometheusRule: "crd-prometheusrules.yaml",
};

const checks = new Map<string, (obj: Record<string, unknown>) => string[]>();

/** Schema violations of a monitoring.coreos.com custom resource, one line each; empty when valid. */
export function crdProblems(obj: Record<string, any>): string[] {
  const file = CRD_FILES[obj.kind];
  if (!file) throw new Error(`no CRD in chartdata for ${obj.kind}`);
  if (!checks.has(file)) checks.set(file, crdCheck(`kube-prometheus-stack/crds/${file}`));
  return checks.get(file)!(obj);
}

/** Positions where Prometheus' grammar (lezer-promql) cannot parse `expr`; empty when it parses. */
export function promqlErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
    },
  });
  return errors;
}

/** The metric names an expression selects (the name of each vector selector), in order of appearance. */
export function metricNames(expr: string): string[] {
  const names: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.name === "Identifier" && node.node.parent?.type.name === "VectorSelector") names.push(expr.slice(node.from, node.to));
    },
  });
  return names;
}

/** The chart's own values.yaml. */
export function chartValues(): Record<string, unknown> {
  return YAML.parse(fs.readFileSync(path.join(CHART_DIR, "values.yaml"), "utf8"));
}

/** The chart's default rule templates vendored in chartdata/ (file name -> text). */
export function chartRuleTemplates(): Record<string, string> {
  const dir = path.join(CHART_DIR, "rules-1.14");
  return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Keys of `values` that the chart does not have, as dotted paths. Below a chart value that is
 * an empty map, a list or null (free-form by design) and below `opaque` paths (Kubernetes
 * objects), nothing is checked. `extra` lists keys the subcharts' own values.yaml define.
 */
export function unknownValueKeys(
  values: Record<string, unknown>,
  chart: unknown,
  opts: { opaque?: readonly string[]; extra?: readonly string[] } = {},
  prefix = "",
): string[] {
  const opaque = opts.opaque ?? [];
  const extra = opts.extra ?? [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const at = prefix ? `${prefix}.${key}` : key;
    if (extra.includes(at)) continue;
    if (!isMap(chart) || !(key in chart)) {
      // A map of subchart keys: each key below must be listed itself.
      if (isMap(value) && extra.some((e) => e.startsWith(`${at}.`))) {
        problems.push(...unknownValueKeys(value, {}, opts, at));
      } else {
        problems.push(at);
      }
      continue;
    }
    const inChart = chart[key];
    if (opaque.includes(at) || !isMap(value) || !isMap(inChart) || Object.keys(inChart).length === 0) continue;
    problems.push(...unknownValueKeys(value, inChart, opts, at));
  }
  return problems;
}
