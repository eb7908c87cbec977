/**
 * What the internet may open on the cluster. Nodes have no public address, so nothing outside
 * the VPC reaches them but through the entry the program writes here; every rule is the program's:
 *
 * - `LoadBalancer`: the NLB of the AWS Load Balancer Controller carries a security group this
 *   component creates, admitting 80 and 443 from each source range and sending only to Traefik's
 *   target ports (its entry points and its health check port) on the security group the pods'
 *   addresses carry; on that group, rules admit those ports from the NLB's group only. The
 *   controller is told not to write node rules (`manage-backend-security-group-rules: false`,
 *   ../ingress/traefik/chart.ts).
 * - `NodePort`: the ingress node ports from each source range, for a front door of your own.
 *
 * With the VPC CNI's default mode a pod's address is a secondary address of its node's ENI, so
 * it carries the node's security group: EKS's cluster security group, on managed and Karpenter
 * nodes alike (components/foundation/cluster.ts `managedNodeSecurityGroupId`).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { IngressSettings } from "../../config";
import { ENTRYPOINTS, TRAEFIK_PING } from "./traefik/chart";

export interface PerimeterRule {
  readonly port: number;
  readonly cidr: string;
  readonly description: string;
}

/** The node security group rules for the ingress node ports, or none behind the NLB. */
export function nodePortRules(s: IngressSettings): PerimeterRule[] {
  if (s.serviceType !== "NodePort") return [];
  const ports = [
    { port: s.nodePorts.http, what: "Traefik web (HTTP) node port" },
    { port: s.nodePorts.https, what: "Traefik websecure (HTTPS) node port" },
  ];
  return ports.flatMap(({ port, what }) => s.sourceRanges.map((cidr) => ({ port, cidr, description: `${what} from ${cidr}` })));
}

/** A port the NLB sends to on the pods, and why. */
export interface TargetPort {
  readonly port: number;
  readonly description: string;
}

/** Where the NLB sends: Traefik's two entry points and its ping, the health check (ip targets: the pods' own ports). */
export function nlbTargetPorts(): TargetPort[] {
  return [
    { port: ENTRYPOINTS.web.port, description: "Traefik web (HTTP) entry point" },
    { port: ENTRYPOINTS.websecure.port, description: "Traefik websecure (HTTPS) entry point" },
    { port: TRAEFIK_PING.port, description: `Traefik ${TRAEFIK_PING.path}, the NLB's health check` },
  ];
}

/** The NLB's listeners from each source range, or none with node ports. */
export function nlbListenerRules(s: IngressSettings): PerimeterRule[] {
  if (s.serviceType !== "LoadBalancer") return [];
  return Object.values(ENTRYPOINTS).flatMap(({ exposedPort }) =>
    s.sourceRanges.map((cidr) => ({ port: exposedPort, cidr, description: `NLB listener ${exposedPort} from ${cidr}` })),
  );
}

export interface IngressPerimeterArgs {
  readonly settings: IngressSettings;
  /** The VPC the NLB's security group belongs to. */
  readonly vpcId: pulumi.Input<string>;
  /** The security group of the worker nodes, which the pods' addresses carry. */
  readonly nodeSecurityGroupId: pulumi.Input<string>;
  /** The cluster's name, for the security group's tags. */
  readonly clusterName: string;
}

const ruleName = (...parts: (string | number)[]) => parts.join("-").replace(/[./]/g, "-");

export class IngressPerimeter extends pulumi.ComponentResource {
  readonly ruleIds: pulumi.Output<string>[];
  /** The NLB's security group with `LoadBalancer`; undefined with node ports. */
  readonly nlbSecurityGroupId?: pulumi.Output<string>;

  constructor(name: string, args: IngressPerimeterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:ingress:IngressPerimeter", name, {}, opts);
    const child = { parent: this };
    const tcp = (port: number) => ({ ipProtocol: "tcp", fromPort: port, toPort: port });
    const ids: pulumi.Output<string>[] = nodePortRules(args.settings).map(
      (rule) =>
        new aws.vpc.SecurityGroupIngressRule(
          ruleName(name, rule.port, rule.cidr),
          { securityGroupId: args.nodeSecurityGroupId, ...tcp(rule.port), cidrIpv4: rule.cidr, description: rule.description },
          child,
        ).id,
    );
    if (args.settings.serviceType === "LoadBalancer") {
      // No inline rules: the provider removes AWS's default allow-all egress on creation
      // (@pulumi/aws 7.48.0 `ec2/securityGroup.d.ts` 59, "NOTE on Egress rules"), and the rules
      // below are each their own resource, never mixed with inline ones.
      const nlb = new aws.ec2.SecurityGroup(
        `${name}-nlb`,
        { vpcId: args.vpcId, description: `NLB of Traefik (${args.clusterName}): 80 and 443 from the ingress source ranges`, tags: { cluster: args.clusterName } },
        child,
      );
      for (const rule of nlbListenerRules(args.settings)) {
        const r = new aws.vpc.SecurityGroupIngressRule(
          ruleName(name, "nlb", rule.port, rule.cidr),
          { securityGroupId: nlb.id, ...tcp(rule.port), cidrIpv4: rule.cidr, description: rule.description },
          child,
        );
        ids.push(r.id);
      }
      for (const target of nlbTargetPorts()) {
        const out = new aws.vpc.SecurityGroupEgressRule(
          ruleName(name, "nlb-to-pods", target.port),
          { securityGroupId: nlb.id, ...tcp(target.port), referencedSecurityGroupId: args.nodeSecurityGroupId, description: target.description },
          child,
        );
        const into = new aws.vpc.SecurityGroupIngressRule(
          ruleName(name, "pods-from-nlb", target.port),
          { securityGroupId: args.nodeSecurityGroupId, ...tcp(target.port), referencedSecurityGroupId: nlb.id, description: `${target.description}, from the NLB` },
          child,
        );
        ids.push(out.id, into.id);
      }
      this.nlbSecurityGroupId = nlb.id;
    }
    this.ruleIds = ids;
    this.registerOutputs({ ruleIds: this.ruleIds, nlbSecurityGroupId: this.nlbSecurityGroupId });
  }
}
