/**
 * How the policies read Kubernetes objects as Pulumi hands them over: a type token such as
 * `kubernetes:apps/v1:Deployment` and the object's properties. Helm v4 chart children and
 * `yaml/v2` objects arrive with the same tokens, so one reading serves every source.
 */
import { NAMESPACES } from "../catalog";

/**
 * Namespaces whose pods the pod policies judge: the application and data tiers. Pods of the
 * upstream charts (Traefik, cert-manager, the monitoring stack) follow their charts' own
 * settings and are left to those namespaces' Pod Security labels.
 */
export const WORKLOAD_NAMESPACES: readonly string[] = [NAMESPACES.app.name, NAMESPACES.messaging.name];

/** Kind of a Kubernetes resource type token, or undefined for anything else (patches and lists included). */
export function kubernetesKind(type: string): string | undefined {
  const m = /^kubernetes:[^:]+\/[^:/]+:([A-Za-z]+)$/.exec(type);
  if (!m || m[1].endsWith("Patch") || m[1].endsWith("List")) return undefined;
  return m[1];
}

/** Where each workload kind keeps its pod template's spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ["spec"],
  Deployment: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  ReplicationController: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};

export interface Workload {
  readonly kind: string;
  /** `namespace/name`, for messages. */
  readonly ref: string;
  readonly namespace: string | undefined;
  readonly podSpec: Record<string, any>;
}

/** The object's `namespace/name` (or `name` for cluster-scoped objects). */
export function objectRef(props: Record<string, any>, fallbackName: string): string {
  const name = props.metadata?.name ?? fallbackName;
  const ns = props.metadata?.namespace;
  return ns ? `${ns}/${name}` : name;
}

/** The pod-running object behind a resource, or undefined when it runs no pods. */
export function workloadOf(type: string, props: Record<string, any>, name: string): Workload | undefined {
  const kind = kubernetesKind(type);
  const path = kind ? POD_SPEC_PATHS[kind] : undefined;
  if (!kind || !path) return undefined;
  let podSpec: any = props;
  for (const key of path) podSpec = podSpec?.[key];
  if (!podSpec || typeof podSpec !== "object") return undefined;
  return { kind, ref: objectRef(props, name), namespace: props.metadata?.namespace, podSpec };
}

/** A workload the pod policies judge (one in the application and data namespaces). */
export function judgedWorkload(type: string, props: Record<string, any>, name: string): Workload | undefined {
  const w = workloadOf(type, props, name);
  return w && w.namespace !== undefined && WORKLOAD_NAMESPACES.includes(w.namespace) ? w : undefined;
}

export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly resources?: Record<string, any>;
}

/** Init, regular and ephemeral containers of a pod spec. */
export function containersOf(podSpec: Record<string, any>): Container[] {
  return [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? []), ...(podSpec.ephemeralContainers ?? [])];
}
