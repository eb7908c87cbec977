/**
 * Every workload of a render, with its pod request and replica bounds: the program's own
 * Deployments (bounded by their HorizontalPodAutoscalers) and StatefulSets, the charts' pods
 * (./charts.ts), CoreDNS from its add-on configuration, and EKS' own pods (./eks-pods.ts).
 */
import type { RecordedResource, Rendered } from "../render/engine";
import { CHART_CAPACITY } from "./charts";
import { EKS_ADDON_PODS } from "./eks-pods";
import { CapacityWorkload, podRequest } from "./workload";

export const CHART_TYPE = "kubernetes:helm.sh/v4:Chart";
export const ADDON_TYPE = "aws:eks/addon:Addon";

/** The chart name of a Chart resource (`oci://.../traefik` -> `traefik`). */
function chartName(r: RecordedResource): string {
  return String(r.inputs.chart).split("/").pop()!;
}

function podOf(obj: Record<string, any>) {
  const spec = obj.spec?.template?.spec ?? {};
  return podRequest(spec.containers ?? [], spec.initContainers ?? []);
}

/** The program's Deployments, StatefulSets and DaemonSets; a Deployment an HPA scales takes the HPA's bounds. */
export function programWorkloads(rendered: Rendered): CapacityWorkload[] {
  const hpas = rendered.kind("HorizontalPodAutoscaler").map((r) => r.inputs);
  const hpaOf = (kind: string, name: string, namespace: string) =>
    hpas.find((h) => h.metadata?.namespace === namespace && h.spec?.scaleTargetRef?.kind === kind && h.spec?.scaleTargetRef?.name === name);
  const out: CapacityWorkload[] = [];
  for (const kind of ["Deployment", "StatefulSet", "DaemonSet"] as const) {
    for (const { inputs: obj } of rendered.kind(kind)) {
      const name = String(obj.metadata?.name);
      const namespace = String(obj.metadata?.namespace);
      const hpa = kind === "DaemonSet" ? undefined : hpaOf(kind, name, namespace);
      const fixed = kind === "DaemonSet" ? 1 : (obj.spec?.replicas ?? 1);
      out.push({
        name,
        namespace,
        kind,
        owner: "program",
        pod: podOf(obj),
        minReplicas: hpa ? (hpa.spec.minReplicas ?? 1) : fixed,
        maxReplicas: hpa ? hpa.spec.maxReplicas : fixed,
        source: hpa ? `HorizontalPodAutoscaler ${namespace}/${hpa.metadata.name}` : `${kind} ${namespace}/${name} spec.replicas`,
      });
    }
  }
  return out;
}

/** The pods of the charts in the render, and the names of charts the plan cannot size. */
export function chartWorkloads(rendered: Rendered): { workloads: CapacityWorkload[]; unsized: string[] } {
  const workloads: CapacityWorkload[] = [];
  const unsized: string[] = [];
  for (const r of rendered.ofType(CHART_TYPE)) {
    const sizer = CHART_CAPACITY[chartName(r)];
    if (!sizer) unsized.push(chartName(r));
    else workloads.push(...sizer(r.inputs.values ?? {}, String(r.inputs.namespace)));
  }
  return { workloads, unsized };
}

/** CoreDNS, sized by the program through the add-on's configuration values. */
export function corednsWorkloads(rendered: Rendered): CapacityWorkload[] {
  return rendered
    .ofType(ADDON_TYPE)
    .filter((r) => r.inputs.addonName === "coredns")
    .map((r) => {
      const conf = JSON.parse(r.inputs.configurationValues ?? "{}") as Record<string, any>;
      // Without `replicaCount` the add-on runs EKS' 2 (eksctl v0.230.0 coredns-1.34.json `replicas`).
      const replicas = typeof conf.replicaCount === "number" ? conf.replicaCount : 2;
      return {
        name: "coredns",
        namespace: "kube-system",
        kind: "Deployment" as const,
        owner: "add-on coredns",
        pod: podRequest([{ resources: conf.resources }]),
        minReplicas: replicas,
        maxReplicas: replicas,
        source: "aws.eks.Addon coredns configurationValues replicaCount, resources",
      };
    });
}

/** Every workload the stack runs. */
export function stackWorkloads(rendered: Rendered): { workloads: CapacityWorkload[]; unsized: string[] } {
  const charts = chartWorkloads(rendered);
  return {
    workloads: [...programWorkloads(rendered), ...charts.workloads, ...corednsWorkloads(rendered), ...EKS_ADDON_PODS],
    unsized: charts.unsized,
  };
}
