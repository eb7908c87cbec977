/**
 * What the internet may open on the cluster: the NLB's listeners (80, 443) and, behind them, the
 * ingress node ports on the worker nodes. Nodes have no public address, so nothing else is
 * reachable from outside the VPC.
 *
 * With `LoadBalancer`, the NLB is created by the in-tree AWS cloud provider that EKS runs. It
 * gives NLBs no security group; it adds the node rules itself, on the security group of the nodes
 * that carries the cluster tag: client traffic to the node ports from `loadBalancerSourceRanges`,
 * health checks to the health check node port from the VPC, and ICMP for path MTU discovery.
 * Declaring the same rules here would collide with those (AWS rejects duplicate rules), so this
 * component declares rules only for `NodePort`, where no controller does.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { IngressSettings } from "../../config";

export interface PerimeterRule {
  readonly port: number;
  readonly cidr: string;
  readonly description: string;
}

/** The node security group rules for the ingress node ports, or none when an NLB manages them. */
export function nodePortRules(s: IngressSettings): PerimeterRule[] {
  if (s.serviceType !== "NodePort") return [];
  const ports = [
    { port: s.nodePorts.http, what: "Traefik web (HTTP) node port" },
    { port: s.nodePorts.https, what: "Traefik websecure (HTTPS) node port" },
  ];
  return ports.flatMap(({ port, what }) =>
    s.sourceRanges.map((cidr) => ({ port, cidr, description: `${what} from ${cidr}` })),
  );
}

export interface IngressPerimeterArgs {
  readonly settings: IngressSettings;
  /** Security group attached to the worker nodes. */
  readonly nodeSecurityGroupId: pulumi.Input<string>;
}

export class IngressPerimeter extends pulumi.ComponentResource {
  readonly ruleIds: pulumi.Output<string>[];

  constructor(name: string, args: IngressPerimeterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:ingress:IngressPerimeter", name, {}, opts);
    this.ruleIds = nodePortRules(args.settings).map(
      (rule) =>
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-${rule.port}-${rule.cidr.replace(/[./]/g, "-")}`,
          {
            securityGroupId: args.nodeSecurityGroupId,
            ipProtocol: "tcp",
            fromPort: rule.port,
            toPort: rule.port,
            cidrIpv4: rule.cidr,
            description: rule.description,
          },
          { parent: this },
        ).id,
    );
    this.registerOutputs({ ruleIds: this.ruleIds });
  }
}
