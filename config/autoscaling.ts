/**
 * Node autoscaling settings: Karpenter's controller (replicas, resources), the AMI its nodes boot,
 * and what its NodePool may launch (instance families, capacity types, total CPU and memory).
 */
import type { ConfigReader } from ".";

/**
 * `karpenter.sh/capacity-type` values a NodePool may require (karpenter.sh_nodepools.yaml of
 * aws/karpenter-provider-aws v1.14.1 also knows `reserved`, which needs capacity reservations).
 */
export const AUTOSCALER_CAPACITY_TYPES = ["spot", "on-demand"] as const;
export type AutoscalerCapacityType = (typeof AUTOSCALER_CAPACITY_TYPES)[number];

/**
 * A pinned AL2023 alias: `al2023@v<yyyymmdd>`, an amazon-eks-ami release tag. Not `@latest`:
 * it drifts every node on each AMI release and is "not recommended for production"
 * (concepts/nodeclasses.md `amiSelectorTerms`, aws/karpenter-provider-aws v1.14.1).
 */
export const AMI_ALIAS = /^al2023@v20\d{6}$/;
/** An EC2 instance family (`karpenter.k8s.aws/instance-family`): m6i, c7i, m7i-flex, t3a. */
export const INSTANCE_FAMILY = /^[a-z]+[0-9]+[a-z]*(-flex)?$/;

export interface AutoscalingSettings {
  /** Karpenter controller replicas: one leads, the others wait (leader election). */
  readonly karpenterReplicas: number;
  /** CPU of each controller pod (request = limit), millicores. */
  readonly karpenterCpuMillicores: number;
  /** Memory of each controller pod (request = limit), MiB. */
  readonly karpenterMemoryMiB: number;
  /** The EC2NodeClass's AMI alias, e.g. `al2023@v20260724`. */
  readonly amiAlias: string;
  /** Total vCPU the NodePool's nodes may add up to. */
  readonly cpuLimit: number;
  /** Total memory the NodePool's nodes may add up to, GiB. */
  readonly memoryLimitGiB: number;
  readonly instanceFamilies: readonly string[];
  readonly capacityTypes: readonly AutoscalerCapacityType[];
}

export function readAutoscaling(r: ConfigReader): AutoscalingSettings {
  const capacityTypes = r.list("autoscalerCapacityTypes", {
    minItems: 1,
    maxItems: AUTOSCALER_CAPACITY_TYPES.length,
    what: "capacity types",
    check: (t) => ((AUTOSCALER_CAPACITY_TYPES as readonly string[]).includes(t) ? undefined : `one of ${AUTOSCALER_CAPACITY_TYPES.join(", ")}`),
  }) as AutoscalerCapacityType[];
  return {
    karpenterReplicas: r.integer("karpenterReplicas", 1, 3),
    karpenterCpuMillicores: r.integer("karpenterCpuMillicores", 100, 4000),
    karpenterMemoryMiB: r.integer("karpenterMemoryMiB", 256, 8192),
    amiAlias: r.text("karpenterAmiAlias", AMI_ALIAS, "a pinned AL2023 alias such as al2023@v20260724 (not @latest)"),
    cpuLimit: r.integer("autoscalerCpuLimit", 2, 10000),
    memoryLimitGiB: r.integer("autoscalerMemoryLimitGiB", 4, 100000),
    instanceFamilies: r.list("autoscalerInstanceFamilies", {
      minItems: 1,
      maxItems: 20,
      what: "EC2 instance families",
      check: (f) => (INSTANCE_FAMILY.test(f) ? undefined : "an x86 EC2 instance family such as m6i or c7i"),
    }),
    capacityTypes,
  };
}
