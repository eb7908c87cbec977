/**
 * The EC2NodeClass and NodePool Karpenter launches nodes from, as pure builders. Fields and their
 * rules are those of the CRDs the chart installs (aws/karpenter-provider-aws v1.14.1
 * `pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml`, `karpenter.sh_nodepools.yaml`, vendored
 * in chartdata/karpenter/crds) and of concepts/nodeclasses.md, nodepools.md and disruption.md.
 */
import type { AutoscalingSettings } from "../../../config";
import type { KubeProxyMode } from "../../../config/cluster";
import { NODE_METADATA_OPTIONS, ROOT_DEVICE, nodeBootDocument } from "../cluster-nodes";
import { KARPENTER_DISCOVERY_TAG } from "../karpenter-policy";
import { KARPENTER_API_GROUP, KARPENTER_AWS_API_GROUP } from "./chart";

export const EC2_NODE_CLASS_API_VERSION = `${KARPENTER_AWS_API_GROUP}/v1`;
export const NODE_POOL_API_VERSION = `${KARPENTER_API_GROUP}/v1`;

/** The one node class and pool: both cluster-scoped. */
export const DEFAULT_NODE_CLASS = "default";
export const DEFAULT_NODE_POOL = "default";

/**
 * How long an underused or empty node stays before Karpenter consolidates it: long enough that a
 * rollout or a scale-in followed by a scale-out does not churn nodes.
 */
export const CONSOLIDATE_AFTER = "5m";

/**
 * At most this share of the pool's nodes is disrupted at once for any reason (Karpenter's own
 * default budget), and one node at a time for drift (a new AMI alias or node class change), so an
 * AMI roll replaces nodes one by one. Karpenter takes the minimum of the budgets that apply
 * (concepts/disruption.md "Disruption Budgets"). Pods' own PodDisruptionBudgets still hold: the
 * termination controller drains "with the Kubernetes Eviction API to respect PDBs", and a pod
 * with a blocking PDB is not considered for voluntary disruption (concepts/disruption.md lines
 * 33 and 378 at v1.14.1). No `terminationGracePeriod` is set: with one, drift and expiry may
 * delete pods whose PDBs block (same page, 299-305).
 */
export const DISRUPTION_BUDGETS = [{ nodes: "10%" }, { nodes: "1", reasons: ["Drifted"] }] as const;

export interface NodeClassArgs {
  readonly clusterName: string;
  /** Name of the IAM role of the nodes: Karpenter makes their instance profile from it. */
  readonly nodeRoleName: string;
  readonly amiAlias: string;
  readonly diskSizeGiB: number;
  readonly kubeProxyMode: KubeProxyMode;
}

/** The EC2NodeClass spec. */
export function ec2NodeClassSpec(a: NodeClassArgs): Record<string, unknown> {
  const discovery = [{ tags: { [KARPENTER_DISCOVERY_TAG]: a.clusterName } }];
  const userData = nodeBootDocument(a.kubeProxyMode);
  return {
    // An alias must be the only AMI term; the family (AL2023) follows from it.
    amiSelectorTerms: [{ alias: a.amiAlias }],
    role: a.nodeRoleName,
    subnetSelectorTerms: discovery,
    securityGroupSelectorTerms: discovery,
    // The managed nodes' settings: IMDSv2 only, and no token past the node's own network namespace.
    metadataOptions: {
      httpEndpoint: NODE_METADATA_OPTIONS.httpEndpoint,
      httpProtocolIPv6: "disabled",
      httpPutResponseHopLimit: NODE_METADATA_OPTIONS.httpPutResponseHopLimit,
      httpTokens: NODE_METADATA_OPTIONS.httpTokens,
    },
    blockDeviceMappings: [
      {
        deviceName: ROOT_DEVICE,
        rootVolume: true,
        ebs: { volumeSize: `${a.diskSizeGiB}Gi`, volumeType: "gp3", encrypted: true, deleteOnTermination: true },
      },
    ],
    // Karpenter keeps these parts first and appends its NodeConfig (cluster, kubelet) last, whose
    // values win (concepts/nodeclasses.md "spec.userData", AL2023): only the IPVS modules go here.
    ...(userData === undefined ? {} : { userData }),
    tags: { cluster: a.clusterName },
  };
}

export interface NodePoolArgs {
  readonly settings: AutoscalingSettings;
  /** The zones of the cluster's private subnets. */
  readonly availabilityZones: readonly string[];
}

/** The NodePool spec: what may be launched, how much in total, and how nodes are taken away. */
export function nodePoolSpec(a: NodePoolArgs): Record<string, unknown> {
  const s = a.settings;
  const requirement = (key: string, values: readonly string[]) => ({ key, operator: "In", values: [...values] });
  return {
    template: {
      spec: {
        nodeClassRef: { group: KARPENTER_AWS_API_GROUP, kind: "EC2NodeClass", name: DEFAULT_NODE_CLASS },
        requirements: [
          requirement("karpenter.k8s.aws/instance-family", s.instanceFamilies),
          requirement("karpenter.sh/capacity-type", s.capacityTypes),
          // The AMI alias resolves per architecture; the families are x86 ones.
          requirement("kubernetes.io/arch", ["amd64"]),
          requirement("kubernetes.io/os", ["linux"]),
          requirement("topology.kubernetes.io/zone", a.availabilityZones),
        ],
        // Karpenter's default, written out: nodes are replaced at least monthly (fresh AMI, kernel).
        expireAfter: "720h",
      },
    },
    limits: { cpu: String(s.cpuLimit), memory: `${s.memoryLimitGiB}Gi` },
    disruption: {
      consolidationPolicy: "WhenEmptyOrUnderutilized",
      consolidateAfter: CONSOLIDATE_AFTER,
      budgets: DISRUPTION_BUDGETS.map((b) => ({ ...b, ...("reasons" in b ? { reasons: [...b.reasons] } : {}) })),
    },
  };
}
