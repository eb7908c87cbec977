/** Pinned Helm charts: every chart the platform installs goes through here. */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** Where a chart comes from and which version: never a floating one. */
export interface ChartPin {
  readonly chart: string;
  readonly version: string;
  readonly repo: string;
}

export interface PinnedChartArgs {
  readonly pin: ChartPin;
  /** Helm release name; charts derive their object names from it. */
  readonly release: string;
  /** The namespace the release goes to; the chart waits for it. */
  readonly namespace: k8s.core.v1.Namespace;
  readonly values: Record<string, unknown>;
  /** Further resources to wait for, e.g. the node group its pods need. @default [] */
  readonly after?: pulumi.Resource[];
}

/**
 * A `helm.v4.Chart`: each rendered object is its own resource, and `dependsOn` the chart waits
 * for all of them (custom resources after their CRDs).
 */
export function pinnedChart(name: string, args: PinnedChartArgs, parent: pulumi.Resource): k8s.helm.v4.Chart {
  return new k8s.helm.v4.Chart(
    name,
    {
      chart: args.pin.chart,
      version: args.pin.version,
      repositoryOpts: { repo: args.pin.repo },
      name: args.release,
      namespace: args.namespace.metadata.name,
      values: args.values,
    },
    { parent, dependsOn: [args.namespace, ...(args.after ?? [])] },
  );
}
