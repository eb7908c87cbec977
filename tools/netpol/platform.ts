/**
 * How this platform's render is analysed: the API server sits in the control-plane subnets
 * (components/foundation/network.ts tags them), the nodes in the private subnets, ClusterIPs come
 * from the cluster's service range, CoreDNS forwards to the VPC's resolver, the Pod Identity
 * agent answers on its link-local address, and the documented exemptions of the policy generator
 * apply. The `flows.md` writer and the proof test use the same options, so the report shows what
 * the proof checks.
 */
import { POD_IDENTITY_AGENT } from "../../components/foundation/kube-system-pods";
import { CONTROL_PLANE_SUBNET_TAG } from "../../components/foundation/network";
import { IPBLOCK_EXEMPTIONS, POLICY_EXEMPTIONS } from "../../components/network-policies/rules";
import type { Rendered } from "../render/engine";
import { cidrRange, intToIp } from "../../lib/ipv4";
import type { LintOptions } from "./lints";
import { ExternalActor, ModelOptions, vpcCidrOf } from "./model";

export const VPC_RESOLVER_ID = "vpc-resolver";
export const POD_IDENTITY_AGENT_ID = "pod-identity-agent";
export const INSTANCE_METADATA_ID = "instance-metadata";
/** The NLB's own addresses in the public subnets, where its health checks come from. */
export const LOAD_BALANCER_ID = "load-balancer";
/** The EC2 instance metadata service, on every node's link-local address (no pod needs it: the nodes' hop limit is 1). */
export const INSTANCE_METADATA = { address: "169.254.169.254", port: 80 } as const;

/** CIDRs of the subnets tagged as the control plane's, in render order. */
export function controlPlaneCidrsOf(rendered: Rendered): string[] {
  const [key, value] = Object.entries(CONTROL_PLANE_SUBNET_TAG)[0];
  return rendered
    .ofType("aws:ec2/subnet:Subnet")
    .filter((s) => s.inputs.tags?.[key] === value && typeof s.inputs.cidrBlock === "string")
    .map((s) => s.inputs.cidrBlock as string);
}

/** CIDRs of the public subnets, where the internet-facing NLB's nodes take their addresses (the load balancers' tag marks them). */
export function publicCidrsOf(rendered: Rendered): string[] {
  return rendered
    .ofType("aws:ec2/subnet:Subnet")
    .filter((s) => s.inputs.tags?.["kubernetes.io/role/elb"] === "1" && typeof s.inputs.cidrBlock === "string")
    .map((s) => s.inputs.cidrBlock as string);
}

/** CIDRs of the private subnets, where nodes and pods take their addresses (the internal load balancers' tag marks them). */
export function privateCidrsOf(rendered: Rendered): string[] {
  return rendered
    .ofType("aws:ec2/subnet:Subnet")
    .filter((s) => s.inputs.tags?.["kubernetes.io/role/internal-elb"] === "1" && typeof s.inputs.cidrBlock === "string")
    .map((s) => s.inputs.cidrBlock as string);
}

function offset(cidr: string, n: number, what: string): string {
  const range = cidrRange(cidr);
  if (!range) throw new Error(`${what} '${cidr}' is not an IPv4 CIDR`);
  return intToIp(range.first + n);
}

/** An address the API server's endpoint ENIs may take: past the 4 addresses AWS reserves in a subnet. */
export function apiServerAddress(controlPlaneCidr: string): string {
  return offset(controlPlaneCidr, 4, "control-plane subnet");
}

/** A node's address in a private subnet: in its first /24, which the model's pods leave free. */
export function nodeAddress(privateCidr: string): string {
  return offset(privateCidr, 10, "private subnet");
}

/** The Amazon DNS server: the VPC's base address plus two (AWS VPC user guide, "Amazon DNS server"). */
export function vpcResolverAddress(vpcCidr: string): string {
  return offset(vpcCidr, 2, "VPC CIDR");
}

/** The service range the render gives the cluster (`kubernetesServiceIpAddressRange` of pulumi-eks' Cluster). */
export function serviceCidrOf(rendered: Rendered): string | undefined {
  const clusters = rendered.ofType("eks:index:Cluster").map((c) => c.inputs.kubernetesServiceIpAddressRange).filter((c) => typeof c === "string");
  return clusters.length === 1 ? clusters[0] : undefined;
}

export interface PlatformAnalysis {
  readonly controlPlaneCidrs: readonly string[];
  readonly serviceCidr: string;
  readonly modelOptions: ModelOptions;
  readonly lintOptions: LintOptions;
}

/** An address of the NLB in a public subnet: past the addresses AWS reserves and the NAT gateway's. */
export function loadBalancerAddress(publicCidr: string): string {
  return offset(publicCidr, 20, "public subnet");
}

function outsideActors(vpcCidr: string, publicCidrs: readonly string[]): ExternalActor[] {
  // It only opens connections (health checks): nothing is probed towards it.
  const loadBalancer: ExternalActor[] =
    publicCidrs.length > 0 ? [{ id: LOAD_BALANCER_ID, description: "the NLB's nodes in a public subnet (health checks)", ip: loadBalancerAddress(publicCidrs[0]), ports: [] }] : [];
  return [
    ...loadBalancer,
    {
      id: VPC_RESOLVER_ID,
      description: "the VPC's DNS resolver",
      ip: vpcResolverAddress(vpcCidr),
      ports: [
        { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
        { name: "dns", containerPort: 53, protocol: "UDP" },
      ],
      answersOnly: true,
    },
    {
      id: POD_IDENTITY_AGENT_ID,
      description: "the EKS Pod Identity agent on every node",
      ip: POD_IDENTITY_AGENT.address,
      ports: [{ name: "http", containerPort: POD_IDENTITY_AGENT.port, protocol: "TCP" }],
      answersOnly: true,
    },
    {
      id: INSTANCE_METADATA_ID,
      description: "the EC2 instance metadata service",
      ip: INSTANCE_METADATA.address,
      ports: [{ name: "http", containerPort: INSTANCE_METADATA.port, protocol: "TCP" }],
      answersOnly: true,
    },
  ];
}

export function platformAnalysis(rendered: Rendered, overrides: ModelOptions = {}): PlatformAnalysis {
  const controlPlaneCidrs = controlPlaneCidrsOf(rendered);
  const vpcCidr = vpcCidrOf(rendered) ?? "10.0.0.0/16";
  const serviceCidr = serviceCidrOf(rendered);
  if (!serviceCidr) throw new Error("the render's EKS cluster has no kubernetesServiceIpAddressRange: ClusterIPs, and so the EKS VPC CNI model, need it");
  return {
    controlPlaneCidrs,
    serviceCidr,
    modelOptions: {
      ...(controlPlaneCidrs.length > 0 ? { apiServer: { address: apiServerAddress(controlPlaneCidrs[0]) } } : {}),
      serviceCidr,
      nodeAddresses: privateCidrsOf(rendered).map(nodeAddress),
      externals: outsideActors(vpcCidr, publicCidrsOf(rendered)),
      ...overrides,
    },
    // The resolver's address is one AWS reserves in the VPC: never a pod's. Nor are the public
    // subnets' (NAT gateways, the NLB's nodes): the VPC CNI gives pods addresses of their nodes'
    // subnets, the private ones.
    lintOptions: {
      exemptions: POLICY_EXEMPTIONS,
      allowedCidrs: [...controlPlaneCidrs, ...publicCidrsOf(rendered), `${vpcResolverAddress(vpcCidr)}/32`],
      ipBlockExemptions: IPBLOCK_EXEMPTIONS,
    },
  };
}
