/**
 * Which chart pods a render holds: the table is the product's (components/chart-pods.ts); this
 * finds the releases of each chart in a render.
 */
import type { Rendered } from "../render/engine";
import { CHART_WORKLOADS, ChartWorkload } from "../../components/chart-pods";

export { CHART_WORKLOADS };
export type { ChartWorkload };

export interface ChartRelease {
  readonly chart: string;
  readonly release: string;
  readonly namespace: string;
}

const CHART_TYPES = ["kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Release"];

/** `traefik`, `traefik/traefik`, `oci://ghcr.io/traefik/helm/traefik` or a `.tgz` URL -> `traefik`. */
export function chartName(chart: string): string {
  return (chart.split("/").pop() ?? chart).replace(/-v?\d[\w.+-]*\.tgz$/, "");
}

/** The Helm releases of a render. */
export function chartReleases(rendered: Rendered): ChartRelease[] {
  return rendered.resources
    .filter((r) => CHART_TYPES.includes(r.type) && typeof r.inputs.chart === "string")
    .map((r) => ({
      chart: chartName(r.inputs.chart),
      release: typeof r.inputs.name === "string" ? r.inputs.name : r.name,
      namespace: typeof r.inputs.namespace === "string" ? r.inputs.namespace : "default",
    }));
}

export interface ChartPods {
  readonly namespace: string;
  readonly name: string;
  readonly row: ChartWorkload;
  readonly labels: Record<string, string>;
}

/** The values at a dotted path of an object (`[]` steps into every item of a list). */
export function valuesAt(obj: unknown, path: string): unknown[] {
  let current: unknown[] = [obj];
  for (const step of path.split(".")) {
    const list = step.endsWith("[]");
    const key = list ? step.slice(0, -2) : step;
    current = current.flatMap((v) => {
      const next = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
      if (next === undefined || next === null) return [];
      return list ? (Array.isArray(next) ? next : []) : [next];
    });
  }
  return current;
}

/** The workloads the rows of `table` contribute for the releases in the render. */
export function chartWorkloadsOf(rendered: Rendered, table: readonly ChartWorkload[] = CHART_WORKLOADS): ChartPods[] {
  const out: ChartPods[] = [];
  for (const rel of chartReleases(rendered)) {
    const fill = (s: string) => s.replace(/\{release\}/g, rel.release).replace(/\{namespace\}/g, rel.namespace);
    for (const row of table.filter((t) => t.chart === rel.chart)) {
      const labels = Object.fromEntries(Object.entries(row.labels).map(([k, v]) => [k, fill(v)]));
      const present = !row.beside?.onlyIf || rendered.kind(row.beside.onlyIf.kind).some((o) => valuesAt(o.inputs, row.beside!.onlyIf!.path).length > 0);
      const namespaces = !present
        ? []
        : row.beside
        ? rendered
            .kind(row.beside.kind)
            .filter((o) => Object.keys(o.inputs.metadata?.annotations ?? {}).some((a) => a.startsWith(row.beside!.annotationPrefix)))
            .map((o) => String(o.inputs.metadata?.namespace ?? "default"))
        : [rel.namespace];
      for (const namespace of [...new Set(namespaces)].sort()) out.push({ namespace, name: fill(row.name), row, labels });
    }
  }
  return out;
}
