/**
 * Cluster settings: `ecommerce:clusterName`, the VPC, the zones, the node group, the control plane
 * (logs, API endpoint exposure), who may use the cluster, and the networking add-ons.
 */
import * as ipaddr from "ipaddr.js";
import type { ConfigReader } from ".";
import type { ProfileRows, WorkloadResources } from "../catalog/resource-profiles";
import { INSTANCE_TYPE, cidrsOverlap, parseIpv4Cidr } from "../lib/validate";

export const KUBERNETES_VERSIONS = ["1.33", "1.34", "1.35"] as const;
export const NAT_GATEWAY_MODES = ["single", "perAz"] as const;
export const CAPACITY_TYPES = ["ON_DEMAND", "SPOT"] as const;

/** Control-plane log streams EKS can send to CloudWatch. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
export type ControlPlaneLogType = (typeof CONTROL_PLANE_LOG_TYPES)[number];
/** Who did what, and who logged in: a security review asks for these on every cluster. */
export const REQUIRED_LOG_TYPES: readonly ControlPlaneLogType[] = ["api", "audit", "authenticator"];
/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/** EKS accepts at most this many CIDRs for the public API endpoint. */
export const MAX_PUBLIC_ACCESS_CIDRS = 40;

export const KUBE_PROXY_MODES = ["iptables", "ipvs"] as const;
export type KubeProxyMode = (typeof KUBE_PROXY_MODES)[number];

/**
 * What the operator role may do in the platform namespaces: `admin` and `edit` are the EKS access
 * policies of those names; `operate` is read access plus restarting, scaling and evicting workloads
 * (no Secrets, no exec), for production.
 */
export const OPERATOR_ACCESS_LEVELS = ["admin", "edit", "operate"] as const;
export type OperatorAccess = (typeof OPERATOR_ACCESS_LEVELS)[number];

/** An IAM role ARN, optionally with a path (access entries accept paths, unlike aws-auth). */
export const IAM_ROLE_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const ROLE_ARN_HINT = "an IAM role ARN such as arn:aws:iam::123456789012:role/platform-admin";

export interface NodeGroupSettings {
  readonly instanceTypes: readonly string[];
  readonly capacityType: (typeof CAPACITY_TYPES)[number];
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  readonly diskSizeGiB: number;
}

export interface ControlPlaneSettings {
  readonly logTypes: readonly ControlPlaneLogType[];
  readonly logRetentionDays: number;
  /** CIDRs that may reach the public API endpoint; empty turns the public endpoint off. */
  readonly publicAccessCidrs: readonly string[];
}

/** IAM roles mapped to cluster access by EKS access entries; `undefined` when a stack has none. */
export interface AccessSettings {
  /** Read-only in the platform namespaces. */
  readonly developerRoleArn?: string;
  readonly operatorRoleArn?: string;
  readonly operatorAccess: OperatorAccess;
  /** Cluster administrator (break-glass and platform team). */
  readonly adminRoleArn: string;
}

export interface ClusterSettings {
  readonly name: string;
  readonly kubernetesVersion: (typeof KUBERNETES_VERSIONS)[number];
  readonly vpcCidr: string;
  readonly availabilityZones: readonly string[];
  /** `single` shares one NAT gateway (cheap); `perAz` keeps egress up when a zone fails. */
  readonly natGateways: (typeof NAT_GATEWAY_MODES)[number];
  readonly nodeGroup: NodeGroupSettings;
  readonly controlPlane: ControlPlaneSettings;
  readonly access: AccessSettings;
  readonly kubeProxyMode: KubeProxyMode;
  readonly corednsReplicas: number;
  /** Requests and limits of each CoreDNS pod, from the resource profile. */
  readonly corednsResources: WorkloadResources;
  /** metrics-server replicas: 2 or more run highly available (budget, one per node, zones spread). */
  readonly metricsServerReplicas: number;
  /**
   * The Kubernetes service range: ClusterIPs, among them the `kubernetes` Service's (its first
   * address) and kube-dns' (its `.10`), which NetworkPolicies name. EKS sets it at creation only.
   */
  readonly serviceCidr: string;
  /** The VPC CNI node agent logs its policy decisions (DENY) on every node. */
  readonly networkPolicyEventLogs: boolean;
}

/** The private blocks EKS takes a service range from. */
export const SERVICE_CIDR_BLOCKS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;
/** Prefix lengths EKS accepts for the service range. */
export const SERVICE_CIDR_PREFIXES = { min: 12, max: 24 } as const;

/**
 * What is wrong with a service range, or undefined. EKS's rules for
 * `kubernetesNetworkConfig.serviceIpv4Cidr` (EKS API `KubernetesNetworkConfigRequest`, and the
 * `kubernetesServiceIpAddressRange` input of @pulumi/eks 4.3.0 / `serviceIpv4Cidr` of
 * @pulumi/aws 7.48.0): inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, between /24 and /12,
 * overlapping no CIDR of the VPC.
 */
export function serviceCidrProblem(cidr: string, vpcCidr: string | undefined): string | undefined {
  const parsed = parseIpv4Cidr(cidr);
  if (typeof parsed === "string") return parsed;
  const { min, max } = SERVICE_CIDR_PREFIXES;
  if (parsed.prefix < min || parsed.prefix > max) return `a prefix from /${min} to /${max} (EKS's limits for the service range)`;
  const within = (block: string) => {
    const b = parseIpv4Cidr(block) as { prefix: number };
    return b.prefix <= parsed.prefix && cidrsOverlap(block, cidr);
  };
  if (!SERVICE_CIDR_BLOCKS.some(within)) return `a private range inside ${SERVICE_CIDR_BLOCKS.join(", ")}`;
  if (vpcCidr && typeof parseIpv4Cidr(vpcCidr) !== "string" && cidrsOverlap(cidr, vpcCidr)) {
    return `a range outside the VPC's ${vpcCidr} (ecommerce:vpcCidr): pods and Services must not share addresses`;
  }
  return undefined;
}

function readNodeGroup(r: ConfigReader): NodeGroupSettings {
  const minSize = r.integer("nodeMinSize", 1, 100);
  const desiredSize = r.integer("nodeDesiredSize", 1, 100);
  const maxSize = r.integer("nodeMaxSize", 1, 100);
  if (minSize !== undefined && desiredSize !== undefined && maxSize !== undefined) {
    r.rule(
      minSize <= desiredSize && desiredSize <= maxSize,
      `Configuration 'ecommerce:nodeMinSize' (${minSize}) <= 'ecommerce:nodeDesiredSize' (${desiredSize}) <= 'ecommerce:nodeMaxSize' (${maxSize}) must hold`,
    );
  }
  return {
    instanceTypes: r.list("nodeInstanceTypes", {
      minItems: 1,
      maxItems: 10,
      what: "EC2 instance types",
      check: (t) => (INSTANCE_TYPE.test(t) ? undefined : "an EC2 instance type such as m6i.large"),
    }),
    capacityType: r.oneOf("nodeCapacityType", CAPACITY_TYPES),
    minSize,
    desiredSize,
    maxSize,
    diskSizeGiB: r.integer("nodeDiskSizeGiB", 20, 1000),
  };
}

/** What is wrong with a CIDR for the public API endpoint, or undefined. */
export function publicAccessCidrProblem(cidr: string): string | undefined {
  const parsed = parseIpv4Cidr(cidr);
  if (typeof parsed === "string") return parsed;
  // EKS refuses private ranges here: they can only reach the private endpoint.
  const range = ipaddr.IPv4.parse(parsed.address).range();
  if (parsed.prefix > 0 && ["private", "loopback", "linkLocal", "multicast"].includes(range)) {
    return `a public IPv4 CIDR (${cidr} is ${range}; use the private endpoint from inside the VPC)`;
  }
  return undefined;
}

function readControlPlane(r: ConfigReader): ControlPlaneSettings {
  const logTypes = r.list("controlPlaneLogTypes", {
    minItems: REQUIRED_LOG_TYPES.length,
    maxItems: CONTROL_PLANE_LOG_TYPES.length,
    what: "control-plane log types",
    check: (t) =>
      (CONTROL_PLANE_LOG_TYPES as readonly string[]).includes(t) ? undefined : `one of ${CONTROL_PLANE_LOG_TYPES.join(", ")}`,
  }) as ControlPlaneLogType[];
  if (Array.isArray(logTypes)) {
    const missing = REQUIRED_LOG_TYPES.filter((t) => !logTypes.includes(t));
    r.rule(
      missing.length === 0,
      `Configuration 'ecommerce:controlPlaneLogTypes' must include ${REQUIRED_LOG_TYPES.join(", ")} (missing: ${missing.join(", ")})`,
    );
  }
  const logRetentionDays = r.integer("controlPlaneLogRetentionDays", 1, 3653);
  if (logRetentionDays !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    r.reject("controlPlaneLogRetentionDays", logRetentionDays, `a CloudWatch retention period: ${LOG_RETENTION_DAYS.join(", ")}`);
  }
  return {
    logTypes,
    logRetentionDays,
    publicAccessCidrs: r.list("apiPublicAccessCidrs", {
      minItems: 0,
      maxItems: MAX_PUBLIC_ACCESS_CIDRS,
      what: "IPv4 CIDRs",
      check: publicAccessCidrProblem,
    }),
  };
}

function readAccess(r: ConfigReader): AccessSettings {
  const optionalRole = (key: string) =>
    r.text(key, new RegExp(`^$|${IAM_ROLE_ARN.source}`), `${ROLE_ARN_HINT}, or empty when the stack has none`) || undefined;
  const access: AccessSettings = {
    developerRoleArn: optionalRole("developerRoleArn"),
    operatorRoleArn: optionalRole("operatorRoleArn"),
    operatorAccess: r.oneOf("operatorAccess", OPERATOR_ACCESS_LEVELS),
    adminRoleArn: r.text("adminRoleArn", IAM_ROLE_ARN, ROLE_ARN_HINT),
  };
  // EKS allows one access entry per IAM principal.
  const roles = (["developerRoleArn", "operatorRoleArn", "adminRoleArn"] as const).filter((k) => access[k]);
  for (const [i, a] of roles.entries()) {
    for (const b of roles.slice(i + 1)) {
      r.rule(
        access[a] !== access[b],
        `Configuration 'ecommerce:${a}' and 'ecommerce:${b}' name the same role '${access[a]}'; each role needs its own ARN (EKS allows one access entry per IAM principal)`,
      );
    }
  }
  return access;
}

export function readCluster(r: ConfigReader, region: string, rows: ProfileRows): ClusterSettings {
  const availabilityZones = r.list("availabilityZones", {
    minItems: 2,
    maxItems: 3,
    what: "availability zones",
    check: (az) =>
      region && new RegExp(`^${region}[a-z]$`).test(az)
        ? undefined
        : `an availability zone of the region ${region || "(aws:region)"}, such as ${region || "eu-west-1"}a`,
  });
  const vpcCidr = r.cidr("vpcCidr");
  const prefix = vpcCidr ? Number(vpcCidr.split("/")[1]) : 16;
  r.rule(
    prefix >= 16 && prefix <= 20,
    `Configuration 'ecommerce:vpcCidr' value '${vpcCidr}' must have a prefix from /16 to /20 so that every zone gets a private subnet large enough for pod IPs`,
  );
  const nodeGroup = readNodeGroup(r);
  const metricsServerReplicas = r.integer("metricsServerReplicas", 1, 5);
  if (metricsServerReplicas !== undefined && nodeGroup.minSize !== undefined) {
    // Its replicas require distinct nodes (components/foundation/metrics-server/chart.ts).
    r.rule(
      metricsServerReplicas <= nodeGroup.minSize,
      `Configuration 'ecommerce:metricsServerReplicas' value '${metricsServerReplicas}' is more than 'ecommerce:nodeMinSize' (${nodeGroup.minSize}); expected at most one replica per node, since each replica needs a node of its own`,
    );
  }
  return {
    name: r.text("clusterName", /^[a-z][a-z0-9-]{1,37}[a-z0-9]$/, "3-39 lower-case letters, digits or dashes"),
    kubernetesVersion: r.oneOf("kubernetesVersion", KUBERNETES_VERSIONS),
    vpcCidr,
    availabilityZones,
    natGateways: r.oneOf("natGateways", NAT_GATEWAY_MODES),
    nodeGroup,
    controlPlane: readControlPlane(r),
    access: readAccess(r),
    kubeProxyMode: r.oneOf("kubeProxyMode", KUBE_PROXY_MODES),
    // Two replicas at least, so that DNS survives a node or a zone.
    corednsReplicas: r.integer("corednsReplicas", 2, 10),
    corednsResources: rows.coredns,
    metricsServerReplicas,
    serviceCidr: readServiceCidr(r, vpcCidr),
    networkPolicyEventLogs: r.boolean("networkPolicyEventLogs"),
  };
}

function readServiceCidr(r: ConfigReader, vpcCidr: string | undefined): string {
  const value = r.cidr("serviceCidr");
  // A malformed value is already reported by `cidr`.
  if (value === undefined || typeof parseIpv4Cidr(value) === "string") return value;
  const problem = serviceCidrProblem(value, vpcCidr);
  if (problem) r.reject("serviceCidr", value, problem);
  return value;
}
