/**
 * What one EKS node offers to pods: the instance types the stacks use and the AL2023 node
 * bootstrap's (nodeadm) rules for max pods and the kubelet's reservations.
 *
 * Rules read at awslabs/amazon-eks-ami v20260724:
 * - max pods: `nodeadm/internal/kubelet/eni_max_pods.go` 75-77 `calculateStandardMaxPods`,
 *   ENIs x (IPv4 addresses per ENI - 1) + 2, from the embedded `instance-info.jsonl`.
 * - kube-reserved CPU: `nodeadm/internal/kubelet/config.go` 410-440, 6% of the first core, 1% of
 *   the second, 0.5% of the third and fourth, 0.25% of the rest, integer division per tier.
 * - kube-reserved memory: `config.go` 442-444, 11 MiB x max pods + 255 MiB; no system-reserved
 *   (`config.go` 274-288).
 * - hard eviction: `config.go` 110-114, `memory.available: 100Mi`.
 * Allocatable = capacity - (system-reserved + kube-reserved + hard eviction) (kubernetes
 * `pkg/kubelet/cm/node_container_manager_linux.go` `GetNodeAllocatableReservation`).
 */

export interface InstanceType {
  readonly vcpu: number;
  /** Nominal memory (GiB x 1024). The kubelet sees `MemTotal`, a little less: see `MEMORY_OVERHEAD`. */
  readonly memoryMiB: number;
  readonly enis: number;
  readonly ipsPerEni: number;
  /** Where the ENI figures were read: the line of nodeadm's `instance-info.jsonl` at v20260724. */
  readonly source: string;
}

/**
 * vCPU and memory: awsdocs/amazon-ec2-user-guide @ e3707c43 `doc_source/general-purpose-instances.md`
 * 175-276, `compute-optimized-instances.md` 176, `memory-optimized-instances.md` 236; m7i.xlarge
 * from the Red Hat OSD 4.22 service definition (4 vCPU, 16 GiB). ENIs and IPs per ENI:
 * amazon-eks-ami v20260724 `nodeadm/internal/kubelet/instance-info.jsonl`, the line given.
 */
export const INSTANCE_TYPES: Readonly<Record<string, InstanceType>> = {
  "t3.large": { vcpu: 2, memoryMiB: 8192, enis: 3, ipsPerEni: 12, source: "instance-info.jsonl:1267" },
  "t3a.large": { vcpu: 2, memoryMiB: 8192, enis: 3, ipsPerEni: 12, source: "instance-info.jsonl:1274" },
  "t3.xlarge": { vcpu: 4, memoryMiB: 16384, enis: 4, ipsPerEni: 15, source: "instance-info.jsonl:1272" },
  "m6i.large": { vcpu: 2, memoryMiB: 8192, enis: 3, ipsPerEni: 10, source: "instance-info.jsonl:640" },
  "m6a.large": { vcpu: 2, memoryMiB: 8192, enis: 3, ipsPerEni: 10, source: "instance-info.jsonl (m6a.large row)" },
  "m6i.xlarge": { vcpu: 4, memoryMiB: 16384, enis: 4, ipsPerEni: 15, source: "instance-info.jsonl:642" },
  "m6a.xlarge": { vcpu: 4, memoryMiB: 16384, enis: 4, ipsPerEni: 15, source: "instance-info.jsonl:614" },
  "m7i.xlarge": { vcpu: 4, memoryMiB: 16384, enis: 4, ipsPerEni: 15, source: "instance-info.jsonl:720" },
  "m6i.2xlarge": { vcpu: 8, memoryMiB: 32768, enis: 4, ipsPerEni: 15, source: "instance-info.jsonl:636" },
  "c6i.xlarge": { vcpu: 4, memoryMiB: 8192, enis: 4, ipsPerEni: 15, source: "instance-info.jsonl:109" },
  "r6i.xlarge": { vcpu: 4, memoryMiB: 32768, enis: 4, ipsPerEni: 15, source: "instance-info.jsonl:1031" },
};

/** The kubelet's hard eviction threshold on memory, kept free on every node. */
export const EVICTION_HARD_MEMORY_MIB = 100;

/**
 * Share of nominal memory the hypervisor and kernel keep (Karpenter's `VM_MEMORY_OVERHEAD_PERCENT`
 * default, aws/karpenter-provider-aws `pkg/operator/options/options.go`): the plan takes it off, so
 * that what it counts on is not more than the node's real `MemTotal` gives.
 */
export const MEMORY_OVERHEAD = 0.075;

/** nodeadm's default max pods: ENIs x (IPs per ENI - 1) + 2. */
export function maxPods(t: Pick<InstanceType, "enis" | "ipsPerEni">): number {
  return t.enis * (t.ipsPerEni - 1) + 2;
}

/** nodeadm's kube-reserved CPU, in millicores, for a node of `vcpu` logical CPUs. */
export function kubeReservedCpuMilli(vcpu: number): number {
  const total = vcpu * 1000;
  const bounds = [0, 1000, 2000, 4000, total];
  const basisPoints = [600, 100, 50, 25];
  let reserved = 0;
  basisPoints.forEach((share, i) => {
    if (total <= bounds[i]) return;
    reserved += Math.floor(((Math.min(total, bounds[i + 1]) - bounds[i]) * share) / 10000);
  });
  return reserved;
}

/** nodeadm's kube-reserved memory, in MiB, for a node running at most `pods` pods. */
export function kubeReservedMemoryMiB(pods: number): number {
  return 11 * pods + 255;
}

/** What one node of a type offers to pods. */
export interface NodeAllocatable {
  readonly instanceType: string;
  readonly cpuMilli: number;
  readonly memoryMiB: number;
  readonly pods: number;
}

export function nodeAllocatable(name: string, t: InstanceType): NodeAllocatable {
  const pods = maxPods(t);
  const capacityMiB = Math.floor(t.memoryMiB * (1 - MEMORY_OVERHEAD));
  return {
    instanceType: name,
    cpuMilli: t.vcpu * 1000 - kubeReservedCpuMilli(t.vcpu),
    memoryMiB: capacityMiB - kubeReservedMemoryMiB(pods) - EVICTION_HARD_MEMORY_MIB,
    pods,
  };
}

/** The row of an instance type; a type the table lacks is an error naming where to add it. */
export function instanceType(name: string): InstanceType {
  const row = INSTANCE_TYPES[name];
  if (!row) throw new Error(`instance type '${name}' is not in tools/capacity/nodes.ts INSTANCE_TYPES: add its vCPU, memory, ENIs and IPs per ENI (nodeadm instance-info.jsonl)`);
  return row;
}

/**
 * What the node group guarantees per node whichever of its types a node gets: the least CPU,
 * the least memory and the fewest pods of its types (on-demand and spot pick any of them).
 */
export function guaranteedNode(types: readonly string[]): NodeAllocatable {
  const nodes = types.map((name) => nodeAllocatable(name, instanceType(name)));
  const least = (pick: (n: NodeAllocatable) => number) => Math.min(...nodes.map(pick));
  return {
    instanceType: types.join(" | "),
    cpuMilli: least((n) => n.cpuMilli),
    memoryMiB: least((n) => n.memoryMiB),
    pods: least((n) => n.pods),
  };
}
