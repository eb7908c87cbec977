/** Cluster and network settings: `ecommerce:clusterName`, the VPC, the zones and the node group. */
import type { ConfigReader } from "../config";
import { INSTANCE_TYPE } from "../lib/validate";

export const KUBERNETES_VERSIONS = ["1.33", "1.34", "1.35"] as const;
export const NAT_GATEWAY_MODES = ["single", "perAz"] as const;
export const CAPACITY_TYPES = ["ON_DEMAND", "SPOT"] as const;

export interface NodeGroupSettings {
  readonly instanceTypes: readonly string[];
  readonly capacityType: (typeof CAPACITY_TYPES)[number];
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  readonly diskSizeGiB: number;
}

export interface ClusterSettings {
  readonly name: string;
  readonly kubernetesVersion: (typeof KUBERNETES_VERSIONS)[number];
  readonly vpcCidr: string;
  readonly availabilityZones: readonly string[];
  /** `single` shares one NAT gateway (cheap); `perAz` keeps egress up when a zone fails. */
  readonly natGateways: (typeof NAT_GATEWAY_MODES)[number];
  readonly nodeGroup: NodeGroupSettings;
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

export function readCluster(r: ConfigReader, region: string): ClusterSettings {
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
  return {
    name: r.text("clusterName", /^[a-z][a-z0-9-]{1,37}[a-z0-9]$/, "3-39 lower-case letters, digits or dashes"),
    kubernetesVersion: r.oneOf("kubernetesVersion", KUBERNETES_VERSIONS),
    vpcCidr,
    availabilityZones,
    natGateways: r.oneOf("natGateways", NAT_GATEWAY_MODES),
    nodeGroup: readNodeGroup(r),
  };
}

