/**
 * Pods that Helm charts create. Under the mock engine a `helm.v4.Chart` is one opaque resource:
 * its Deployments and DaemonSets are not in the render, yet policies must let them talk. This
 * table states, per chart, the pods it runs: their labels, container ports and network. The
 * analyzer adds a row's pods only when a release of that chart is in the render.
 *
 * The rows are the chart modules' (components/charts.ts), each citing the upstream files it was
 * read from at the pinned version: a chart's values and its rows change in the same module.
 */
import type { BesideObjects, ChartPod, ContainerPort } from "../lib/helm";
import { CHARTS } from "./charts";

export type { ContainerPort };

export interface ChartWorkload {
  /** Chart name, as the Chart resource's `chart` input ends (`traefik`, `oci://.../traefik`). */
  readonly chart: string;
  /** Workload name in the matrix; `{release}` is replaced by the release's name. */
  readonly name: string;
  readonly kind: "Deployment" | "StatefulSet" | "DaemonSet" | "Pod";
  /** Pod labels; `{release}` and `{namespace}` are replaced by the release's name and namespace. */
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly ContainerPort[];
  /** The pods use the node's network (policies cannot select them). */
  readonly hostNetwork?: boolean;
  /**
   * Pods that run beside other objects rather than in the release's namespace: one workload in
   * each namespace holding an object of `kind` with an annotation starting with `annotationPrefix`,
   * and, with `onlyIf`, only when the render holds an object of `onlyIf.kind` with a value at
   * `onlyIf.path` (dotted, `[]` for every item of a list).
   */
  readonly beside?: BesideObjects;
  /** What the pods do, for readers of the matrix. */
  readonly purpose: string;
}

/** A row of the table, with where its facts were read (`ChartPod.source`). */
export type CitedChartWorkload = ChartWorkload & Pick<ChartPod, "source">;

export const CHART_WORKLOADS: readonly CitedChartWorkload[] = CHARTS.flatMap((c) => c.pods.map((pod) => ({ chart: c.pin.chart, ...pod })));

/** The one row of the chart-pod table whose pods carry all these labels (a tier's selector). */
export function chartRow(labels: Readonly<Record<string, string>>): (typeof CHART_WORKLOADS)[number] {
  const rows = CHART_WORKLOADS.filter((w) => Object.entries(labels).every(([k, v]) => w.labels[k] === v));
  if (rows.length !== 1) throw new Error(`${rows.length} chart pods have the labels ${JSON.stringify(labels)}, not one`);
  return rows[0];
}
