/**
 * Offline checks of what the monitoring tier hands to Prometheus: custom resources against the
 * chart's CRDs, PromQL through Prometheus' own grammar, chart values against the chart's keys.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import * as YAML from "yaml";
import { parser } from "@prometheus-io/lezer-promql";
import { PROJECT_DIR } from "./harness";

export const CHART_DIR = path.join(PROJECT_DIR, "chartdata", "kube-prometheus-stack");

const CRD_FILES: Record<string, string> = {
  ServiceMonitor: "crd-servicemonitors.yaml",
  PodMonitor: "crd-podmonitors.yaml",
  PrometheusRule: "crd-prometheusrules.yaml",
};

/**
 * The API server drops unknown fields, and rejects them under strict field validation: a
 * misspelled field must fail here too, so objects with declared properties get
 * `additionalProperties: false` unless the CRD keeps unknown fields.
 */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== "object") return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === "enum" || k === "required" ? v : strict(v);
  if (out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"]) {
    out.additionalProperties = false;
  }
  return out;
}

/** CRD patterns are Go RE2, which writes case-insensitivity inline as `(?i)`; JavaScript takes a flag. */
function re2(source: string, flags: string): RegExp {
  return source.includes("(?i)") ? new RegExp(source.replace(/\(\?i\)/g, ""), `${flags}i`) : new RegExp(source, flags);
}
re2.code = "re2";

const validators = new Map<string, ValidateFunction>();

/** Validator of a monitoring.coreos.com/v1 kind, from the CRD in chartdata. */
export function crdValidator(kind: string): ValidateFunction {
  if (!validators.has(kind)) {
    const file = CRD_FILES[kind];
    if (!file) throw new Error(`no CRD in chartdata for ${kind}`);
    const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(CHART_DIR, "crds", file), "utf8"))
      .map((d) => d.toJS())
      .filter((d) => d?.kind === "CustomResourceDefinition");
    const version = docs[0].spec.versions.find((v: any) => v.name === "v1");
    const ajv = new Ajv({ strict: false, allErrors: true, code: { regExp: re2 } });
    addFormats(ajv);
    ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
    ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    validators.set(kind, ajv.compile(strict(version.schema.openAPIV3Schema)));
  }
  return validators.get(kind)!;
}

/** Schema violations of a custom resource, one line each; empty when valid. */
export function crdProblems(obj: Record<string, any>): string[] {
  const validate = crdValidator(obj.kind);
  if (validate(obj)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
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

/** The chart's own values.yaml. */
export function chartValues(): Record<string, unknown> {
  return YAML.parse(fs.readFileSync(path.join(CHART_DIR, "values.yaml"), "utf8"));
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
