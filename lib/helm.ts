/**
 * Pinned Helm charts: every chart the platform installs goes through here, and each one is
 * described by one `ChartModule` in its component's folder (components/charts.ts lists them).
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { Protocol } from "./network-policy";

/** Where a chart comes from and which version: never a floating one. */
export interface ChartPin {
  /** The chart's name in its Helm repository. */
  readonly chart: string;
  readonly version: string;
  /** The Helm repository's URL, or an OCI registry's `oci://` path holding the chart. */
  readonly repo: string;
}

/** The chart's source: the GitHub repository, the release tag of the pinned version, the chart's folder. */
export interface ChartSource {
  readonly repo: string;
  readonly tag: string;
  readonly path: string;
}

/** A file of an upstream repository at a release tag, and the lines a fact was read from. */
export interface UpstreamFile {
  /** GitHub `owner/name`. */
  readonly repo: string;
  readonly tag: string;
  readonly path: string;
  /** `first-last`, as the file reads at `tag`. */
  readonly lines: string;
}

/** A container port of a chart's pod. */
export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

/**
 * The pods of one workload a chart creates, with the values the platform installs it with:
 * every label the pods get except those that change with each release of the chart (`helm.sh/chart`,
 * `chart`, `app.kubernetes.io/version`: no selector may rely on them), every container port
 * (not init containers'), and whether they use the node's network.
 */
/** Where pods that follow other objects run (`ChartPod.beside`). */
export interface BesideObjects {
  readonly kind: string;
  readonly annotationPrefix: string;
  readonly onlyIf?: { readonly kind: string; readonly path: string };
}

export interface ChartPod {
  /** Workload name in the flow matrix; `{release}` is replaced by the release's name. */
  readonly name: string;
  readonly kind: "Deployment" | "StatefulSet" | "DaemonSet" | "Pod";
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly ContainerPort[];
  readonly hostNetwork: boolean;
  /**
   * Pods that run beside other objects rather than in the release's namespace: one workload in
   * each namespace holding an object of `kind` with an annotation starting with `annotationPrefix`,
   * and, with `onlyIf`, only when the render holds an object of `onlyIf.kind` with a value at
   * `onlyIf.path` (dotted, `[]` for every item of a list).
   */
  readonly beside?: BesideObjects;
  /** What the pods do, for readers of the matrix. */
  readonly purpose: string;
  /**
   * Where the labels, ports and host network were read: the chart (or a sub-chart the pinned
   * chart bundles) at the version it is installed at, and the files.
   */
  readonly source: { readonly chart: string; readonly version: string; readonly files: readonly UpstreamFile[] };
}

/** Everything the platform relies on about one chart, in one place. */
export interface ChartModule<Inputs = never> {
  readonly pin: ChartPin;
  readonly source: ChartSource;
  /** Helm release name; the chart derives its object names and labels from it. */
  readonly release: string;
  readonly namespace: string;
  readonly pods: readonly ChartPod[];
  /** API groups of the CRDs the chart installs: custom resources of these groups wait for the chart. */
  readonly crdGroups: readonly string[];
  /** Folders of `chartdata/` vendored from the chart's source at `source.tag`. */
  readonly chartdata: readonly string[];
  /** The chart values the platform installs it with. */
  readonly values: (inputs: Inputs) => Record<string, unknown>;
}

/**
 * `app.kubernetes.io/managed-by` of charts that label with `.Release.Service`: always `Helm`
 * (helm v3.20.2 `pkg/chartutil/values.go` 157, the Helm library of pulumi-kubernetes v4.32.0
 * `provider/go.mod` 30, the nearest tag to the pinned 4.34.2 in the stored copy).
 */
export const HELM_MANAGED_BY = { "app.kubernetes.io/managed-by": "Helm" } as const;

export interface PinnedChartArgs {
  /** The chart's module: its pin and release name. */
  readonly chart: Pick<ChartModule<unknown>, "pin" | "release">;
  /**
   * The namespace the release goes to: a Namespace the program creates (the chart waits for it),
   * or the name of one every cluster has (`kube-system`).
   */
  readonly namespace: k8s.core.v1.Namespace | string;
  readonly values: pulumi.Input<Record<string, unknown>>;
  /** Further resources to wait for, e.g. the node group its pods need. @default [] */
  readonly after?: pulumi.Resource[];
}

/** An OCI registry's charts are named by reference (`oci://host/path/chart`); a Helm repository's by name and URL. */
export function chartLocation(pin: ChartPin): { chart: string; repositoryOpts?: { repo: string } } {
  return pin.repo.startsWith("oci://") ? { chart: `${pin.repo}/${pin.chart}` } : { chart: pin.chart, repositoryOpts: { repo: pin.repo } };
}

/**
 * A `helm.v4.Chart`: each rendered object is its own resource, and `dependsOn` the chart waits
 * for all of them (custom resources after their CRDs).
 */
export function pinnedChart(name: string, args: PinnedChartArgs, parent: pulumi.Resource): k8s.helm.v4.Chart {
  const { pin, release } = args.chart;
  const ns = args.namespace;
  return new k8s.helm.v4.Chart(
    name,
    {
      ...chartLocation(pin),
      version: pin.version,
      name: release,
      namespace: typeof ns === "string" ? ns : ns.metadata.name,
      values: args.values,
    },
    { parent, dependsOn: [...(typeof ns === "string" ? [] : [ns]), ...(args.after ?? [])] },
  );
}
