import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { subnetOf } from "../../lib/validate";
import { KARPENTER_DISCOVERY_TAG } from "./karpenter-policy";

export interface SubnetPlan {
  readonly availabilityZone: string;
  /** Large block for nodes and pods (the VPC CNI gives every pod a VPC address). */
  readonly privateCidr: string;
  /** Small block for the NAT gateways and the internet-facing load balancer. */
  readonly publicCidr: string;
  /**
   * A /28 that holds only the EKS control plane's endpoint ENIs. No pod or node ever gets an
   * address here, so NetworkPolicies can reach the API server by `ipBlock` without also
   * matching pods (with the VPC CNI, pods take addresses from the node subnets).
   */
  readonly controlPlaneCidr: string;
}

/** Tag marking the control-plane subnets, so that tools reading the render find their ranges. */
export const CONTROL_PLANE_SUBNET_TAG = { "ecommerce/subnet-role": "eks-control-plane" } as const;

/** Prefix of the control-plane subnets: the smallest subnet EKS accepts for its ENIs. */
export const CONTROL_PLANE_SUBNET_PREFIX = 28;

/**
 * Splits the VPC range: the first three quarters are one private subnet per zone, the last
 * quarter holds the small public subnets and, in the block right after them, one control-plane
 * /28 per zone. Zones beyond three are rejected by configuration.
 */
export function planSubnets(vpcCidr: string, zones: readonly string[]): SubnetPlan[] {
  const prefix = Number(vpcCidr.split("/")[1]);
  // The public-sized block after the three public subnets (index 51 of the public size),
  // counted in /28s: a /16 gives 10.x.204.0/28, .16/28 and .32/28.
  const controlPlaneBase = 51 * 2 ** (CONTROL_PLANE_SUBNET_PREFIX - (prefix + 6));
  return zones.map((availabilityZone, i) => ({
    availabilityZone,
    privateCidr: subnetOf(vpcCidr, prefix + 2, i),
    publicCidr: subnetOf(vpcCidr, prefix + 6, 48 + i),
    controlPlaneCidr: subnetOf(vpcCidr, CONTROL_PLANE_SUBNET_PREFIX, controlPlaneBase + i),
  }));
}

export interface NetworkArgs {
  /** Name of the EKS cluster, used in the subnet discovery tags. */
  readonly clusterName: string;
  readonly cidr: string;
  readonly availabilityZones: readonly string[];
  /** `single`: one NAT gateway for all zones; `perAz`: one per zone. */
  readonly natGateways: "single" | "perAz";
}

/**
 * A dedicated VPC: public and private subnets in every zone, NAT for the private ones, and the
 * small control-plane subnets of the cluster's endpoint ENIs.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  /**
   * The private subnets' egress: their route tables (default route to a NAT gateway, so after
   * it) and associations. Nodes booting before it have no route out and fail to join.
   */
  readonly privateRoutingReady: pulumi.Resource[];
  readonly controlPlaneSubnetIds: pulumi.Output<string>[];
  /** Where pods and nodes take their addresses. */
  readonly privateCidrs: string[];
  /** Where the NAT gateways and the internet-facing NLB's nodes take theirs. */
  readonly publicCidrs: string[];
  /** Where the API server's private endpoint lives (NetworkPolicies reach it by these). */
  readonly controlPlaneCidrs: string[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:network:Network", name, {}, opts);
    const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.cidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { Name: `${args.clusterName}-vpc` },
      },
      { parent: this },
    );
    const igw = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: { Name: `${args.clusterName}-igw` } },
      { parent: this },
    );
    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
        tags: { Name: `${args.clusterName}-public` },
      },
      { parent: this },
    );

    const plan = planSubnets(args.cidr, args.availabilityZones);
    const publicSubnets = plan.map((p, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: p.publicCidr,
          availabilityZone: p.availabilityZone,
          mapPublicIpOnLaunch: false,
          // Internet-facing load balancers are placed in subnets carrying this tag.
          tags: { ...clusterTag, "kubernetes.io/role/elb": "1", Name: `${args.clusterName}-public-${p.availabilityZone}` },
        },
        { parent: this },
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${i}`,
        { subnetId: subnet.id, routeTableId: publicRoutes.id },
        { parent: this },
      );
      return subnet;
    });

    const natCount = args.natGateways === "perAz" ? plan.length : 1;
    const nats = publicSubnets.slice(0, natCount).map((subnet, i) => {
      const eip = new aws.ec2.Eip(
        `${name}-nat-${i}`,
        { domain: "vpc", tags: { Name: `${args.clusterName}-nat-${i}` } },
        { parent: this },
      );
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        { allocationId: eip.id, subnetId: subnet.id, tags: { Name: `${args.clusterName}-nat-${i}` } },
        { parent: this, dependsOn: [igw] },
      );
    });

    const privateRouting: pulumi.Resource[] = [];
    const privateSubnets = plan.map((p, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: p.privateCidr,
          availabilityZone: p.availabilityZone,
          mapPublicIpOnLaunch: false,
          tags: {
            ...clusterTag,
            "kubernetes.io/role/internal-elb": "1",
            // Karpenter's EC2NodeClass launches nodes into the subnets with this tag: only these.
            [KARPENTER_DISCOVERY_TAG]: args.clusterName,
            Name: `${args.clusterName}-private-${p.availabilityZone}`,
          },
        },
        { parent: this },
      );
      const routes = new aws.ec2.RouteTable(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nats[i % nats.length].id }],
          tags: { Name: `${args.clusterName}-private-${p.availabilityZone}` },
        },
        { parent: this },
      );
      const association = new aws.ec2.RouteTableAssociation(
        `${name}-private-${i}`,
        { subnetId: subnet.id, routeTableId: routes.id },
        { parent: this },
      );
      privateRouting.push(routes, association);
      return subnet;
    });

    // No load-balancer role tags: nothing but the control plane's ENIs goes here. The VPC's main
    // route table (local routes only) is enough: the ENIs talk to nodes and pods in the VPC.
    const controlPlaneSubnets = plan.map(
      (p, i) =>
        new aws.ec2.Subnet(
          `${name}-control-plane-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock: p.controlPlaneCidr,
            availabilityZone: p.availabilityZone,
            mapPublicIpOnLaunch: false,
            tags: { ...CONTROL_PLANE_SUBNET_TAG, Name: `${args.clusterName}-control-plane-${p.availabilityZone}` },
          },
          { parent: this },
        ),
    );

    this.vpcId = vpc.id;
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.privateRoutingReady = privateRouting;
    this.controlPlaneSubnetIds = controlPlaneSubnets.map((s) => s.id);
    this.privateCidrs = plan.map((p) => p.privateCidr);
    this.publicCidrs = plan.map((p) => p.publicCidr);
    this.controlPlaneCidrs = plan.map((p) => p.controlPlaneCidr);
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      controlPlaneSubnetIds: this.controlPlaneSubnetIds,
    });
  }
}
