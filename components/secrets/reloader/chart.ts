/**
 * Stakater Reloader: rolls a Deployment or StatefulSet when a Secret it names in its annotation
 * changes, so that a value ESO writes after a rotation reaches running pods. Its pin, release,
 * namespace, pods and values; a version bump is an edit here plus `chartdata/reloader/`. Facts
 * read at stakater/Reloader `chart-v2.2.16` (app v1.4.21), `deployments/kubernetes/chart/reloader/`.
 */
import { NAMESPACES, WorkloadResources, containerResources } from "../../../catalog";
import { ChartModule, ChartPod, HELM_MANAGED_BY, UpstreamFile } from "../../../lib/helm";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../../lib/pod-security";

export const RELOADER_CHART = { chart: "reloader", version: "2.2.16", repo: "https://stakater.github.io/stakater-charts" } as const;
const SOURCE = { repo: "stakater/Reloader", tag: "chart-v2.2.16", path: "deployments/kubernetes/chart/reloader" } as const;
const READ_AT = "chart-v2.2.16";

/** Release name; `fullnameOverride` makes it the Deployment's and the `app` label's too (`_helpers.tpl` 14-21, 30-33). */
export const RELOADER_NAME = "reloader";

/**
 * Workloads name the Secrets whose change rolls them (lib/reload.ts, the chart's
 * `--secret-annotation` default): named Secrets only, no auto mode.
 */
export { RELOAD_ON_SECRETS_ANNOTATION } from "../../../lib/reload";

/** The selector labels of its pods (`_helpers.tpl` 30-33) and the common labels (35-44) the program relies on. */
export const RELOADER_POD_LABELS = {
  app: RELOADER_NAME,
  release: RELOADER_NAME,
  "app.kubernetes.io/name": RELOADER_NAME,
  "app.kubernetes.io/instance": RELOADER_NAME,
} as const;

/** Its one port, metrics and probes (`templates/deployment.yaml` 182-184). */
export const RELOADER_PORT = 9090;

export interface ReloaderValuesArgs {
  /** The namespaces holding the workloads to roll: Reloader reads Secrets there and nowhere else. */
  readonly namespaces: readonly string[];
  readonly resources: WorkloadResources;
}

/**
 * Helm values. Scoped mode (`watchGlobally: false` with `namespaces`, `values.yaml` 47-55): a
 * Role per listed namespace, no ClusterRole (`templates/role.yaml`); ConfigMaps ignored
 * (`ignoreConfigMaps`, 31: the data tier rolls on its config checksums already), Jobs and
 * CronJobs too. It must read the Secrets it watches (it hashes their data,
 * v1.4.21 `internal/pkg/handler/update.go` 85, `internal/pkg/util/util.go` 53): that is what remains of "no component but ESO reads them".
 * `reloadStrategy: annotations` (41) writes the hash into a pod template annotation, which the
 * program never sets, so `pulumi up` leaves it (server-side apply keeps other managers' fields).
 */
export function reloaderValues(args: ReloaderValuesArgs): Record<string, unknown> {
  return {
    fullnameOverride: RELOADER_NAME,
    reloader: {
      watchGlobally: false,
      namespaces: [...args.namespaces],
      ignoreConfigMaps: true,
      ignoreJobs: true,
      ignoreCronJobs: true,
      autoReloadAll: false,
      reloadStrategy: "annotations",
      readOnlyRootFileSystem: true,
      deployment: {
        replicas: 1,
        // The chart's default labels include its version (143-146): no selector may rely on them.
        labels: {},
        securityContext: restrictedPodSecurityContext({ runAsUser: 65534 }),
        containerSecurityContext: restrictedContainerSecurityContext({ runAsUser: 65534 }),
        resources: containerResources(args.resources),
      },
    },
  };
}

const file = (path: string, lines: string): UpstreamFile => ({ repo: SOURCE.repo, tag: READ_AT, path: `${SOURCE.path}/${path}`, lines });

const POD: ChartPod = {
  name: "{release}",
  kind: "Deployment",
  labels: { ...RELOADER_POD_LABELS, heritage: "Helm", ...HELM_MANAGED_BY },
  ports: [{ name: "http", containerPort: RELOADER_PORT, protocol: "TCP" }],
  hostNetwork: false,
  purpose: "rolls the workloads whose Secrets ESO rewrote",
  source: {
    chart: RELOADER_CHART.chart,
    version: RELOADER_CHART.version,
    files: [file("templates/_helpers.tpl", "30-44"), file("templates/deployment.yaml", "38-45"), file("templates/deployment.yaml", "182-184")],
  },
};

export const RELOADER: ChartModule<ReloaderValuesArgs> = {
  pin: RELOADER_CHART,
  source: SOURCE,
  release: RELOADER_NAME,
  namespace: NAMESPACES.externalSecrets.name,
  pods: [POD],
  crdGroups: [],
  chartdata: ["reloader"],
  values: reloaderValues,
};
