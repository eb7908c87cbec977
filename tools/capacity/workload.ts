/** One workload of the capacity plan, and the quantity arithmetic the plan needs. */

export type WorkloadKind = "Deployment" | "StatefulSet" | "DaemonSet";

/** What one pod requests (its containers' sum, or its largest init container if that is more). */
export interface PodRequest {
  readonly cpuMilli: number;
  readonly memoryMiB: number;
}

export interface CapacityWorkload {
  readonly name: string;
  readonly namespace: string;
  readonly kind: WorkloadKind;
  /** Who runs it: `program`, a chart (`chart traefik`) or an EKS add-on (`add-on coredns`). */
  readonly owner: string;
  readonly pod: PodRequest;
  /** Replicas at rest and at most (HPA bounds; equal for a fixed count). DaemonSets: 1 per node. */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Where the replicas and requests were read (a rendered object, chart values, an upstream file). */
  readonly source: string;
}

/** Millicores of a CPU quantity (`250m`, `1`, `0.5`); 0 for none. */
export function cpuMilli(q: unknown): number {
  if (q === undefined || q === null || q === "") return 0;
  const s = String(q);
  if (s.endsWith("m")) return Number(s.slice(0, -1));
  const cores = Number(s);
  if (!Number.isFinite(cores)) throw new Error(`CPU quantity '${s}' is not understood`);
  return Math.round(cores * 1000);
}

const MEMORY_UNITS: Readonly<Record<string, number>> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20 };

/** MiB of a memory quantity (`128Mi`, `1Gi`); 0 for none. */
export function memoryMiB(q: unknown): number {
  if (q === undefined || q === null || q === "") return 0;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|M|G)?$/.exec(String(q));
  if (!m) throw new Error(`memory quantity '${String(q)}' is not understood`);
  return m[2] ? Number(m[1]) * MEMORY_UNITS[m[2]] : Number(m[1]) / 2 ** 20;
}

interface ContainerLike {
  readonly resources?: { readonly requests?: { readonly cpu?: unknown; readonly memory?: unknown } };
}

/** Requests of one container. */
export function containerRequest(c: ContainerLike): PodRequest {
  return { cpuMilli: cpuMilli(c.resources?.requests?.cpu), memoryMiB: memoryMiB(c.resources?.requests?.memory) };
}

/**
 * A pod's effective request, as the scheduler counts it: the sum of its containers, or its
 * largest init container where that is more (init containers run one at a time, before the others).
 */
export function podRequest(containers: readonly ContainerLike[], initContainers: readonly ContainerLike[] = []): PodRequest {
  const sum = containers.map(containerRequest).reduce((a, b) => ({ cpuMilli: a.cpuMilli + b.cpuMilli, memoryMiB: a.memoryMiB + b.memoryMiB }), { cpuMilli: 0, memoryMiB: 0 });
  const init = initContainers.map(containerRequest);
  return {
    cpuMilli: Math.max(sum.cpuMilli, ...init.map((i) => i.cpuMilli)),
    memoryMiB: Math.max(sum.memoryMiB, ...init.map((i) => i.memoryMiB)),
  };
}

/** A pod of containers given as `[cpu, memory]` request pairs. */
export function requestOf(...containers: readonly [string, string][]): PodRequest {
  return podRequest(containers.map(([cpu, memory]) => ({ resources: { requests: { cpu, memory } } })));
}
