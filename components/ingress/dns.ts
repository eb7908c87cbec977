/**
 * The domain in its Route 53 hosted zone: the alias record (A) to Traefik's NLB, and what
 * cert-manager needs to solve DNS-01 there (its IAM role, handed to its controller's service
 * account by EKS Pod Identity). Without a zone, nothing: HTTP-01, and the record is the operator's.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DnsSettings, IngressSettings } from "../../config";
import { podIdentityRole } from "../foundation/pod-identity";
import { CERT_MANAGER } from "./cert-manager/chart";
import { AcmeSolver, CERT_MANAGER_SERVICE_ACCOUNT, certManagerRoute53Policy } from "./cert-manager/dns01";

/** Route 53's load balancer type of the NLB Traefik's Service gets (`aws.lb.getHostedZoneId`). */
export const NLB_TYPE = "network";

/** The DNS names certificates are requested for: the domain, and its wildcard when configured. */
export function certificateDnsNames(domain: string, wildcard: boolean): string[] {
  return wildcard ? [`*.${domain}`, domain] : [domain];
}

/**
 * An alias A record of the domain to the load balancer. Route 53 answers with the NLB's current
 * addresses and, with `evaluateTargetHealth`, stops answering for it when no target is healthy
 * (Route 53 API `AliasTarget.EvaluateTargetHealth`). No TTL: an alias takes the target's.
 */
export function aliasRecordArgs(a: {
  domain: string;
  zoneId: pulumi.Input<string>;
  target: pulumi.Input<string>;
  targetZoneId: pulumi.Input<string>;
}): aws.route53.RecordArgs {
  return {
    zoneId: a.zoneId,
    name: a.domain,
    type: "A",
    aliases: [{ name: a.target, zoneId: a.targetZoneId, evaluateTargetHealth: true }],
  };
}

export interface EdgeDnsArgs {
  readonly settings: DnsSettings;
  readonly domain: string;
  readonly region: string;
  readonly serviceType: IngressSettings["serviceType"];
  /** The status host name of Traefik's LoadBalancer Service; undefined on node ports. */
  readonly loadBalancerHostname?: pulumi.Output<string>;
  /** The cluster's configured name (the trust policy's session tag). */
  readonly clusterName: string;
  /** The cluster's name as an output, so that the association waits for the cluster. */
  readonly clusterResourceName: pulumi.Input<string>;
}

/** The zone's record of the domain and cert-manager's DNS-01 credentials. */
export class EdgeDns extends pulumi.ComponentResource {
  /** How the ClusterIssuers prove names. */
  readonly solver: AcmeSolver;
  /** What cert-manager's controller pods must find when they start (the Pod Identity association). */
  readonly credentialsReady: pulumi.Resource[] = [];
  /** The record the program keeps for the domain, in words (a stack output). */
  readonly recordDescription: pulumi.Output<string>;
  readonly certManagerRoleArn?: pulumi.Output<string>;

  constructor(name: string, args: EdgeDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:ingress:EdgeDns", name, {}, opts);
    const zoneName = args.settings.hostedZone;
    if (zoneName === "") {
      this.solver = { kind: "http-01" };
      this.recordDescription = pulumi.output(`none: no ecommerce:hostedZone; point ${args.domain} at ingressEndpoint yourself`);
      this.registerOutputs({ recordDescription: this.recordDescription });
      return;
    }
    const child = { parent: this };
    const zone = aws.route53.getZoneOutput({ name: zoneName, privateZone: false }, child);
    this.solver = { kind: "dns-01", zone: zoneName, hostedZoneId: zone.zoneId, region: args.region };
    this.certManagerRoleArn = this.certManagerCredentials(name, args, zone.zoneId);

    if (args.serviceType === "LoadBalancer" && args.loadBalancerHostname) {
      const target = aws.lb.getHostedZoneIdOutput({ loadBalancerType: NLB_TYPE, region: args.region }, child);
      const record = new aws.route53.Record(
        `${name}-domain`,
        aliasRecordArgs({ domain: args.domain, zoneId: zone.zoneId, target: args.loadBalancerHostname, targetZoneId: target.id }),
        child,
      );
      this.recordDescription = pulumi.interpolate`${record.name} A alias to ${args.loadBalancerHostname} in ${zoneName} (${record.zoneId})`;
    } else {
      this.recordDescription = pulumi.output(`none: node ports; point ${args.domain} in ${zoneName} at your front door yourself`);
    }
    this.registerOutputs({ recordDescription: this.recordDescription, certManagerRoleArn: this.certManagerRoleArn });
  }

  /** cert-manager's role: trusted by Pod Identity for its controller's service account only. */
  private certManagerCredentials(name: string, args: EdgeDnsArgs, zoneId: pulumi.Output<string>): pulumi.Output<string> {
    const child = { parent: this };
    const dnsNames = certificateDnsNames(args.domain, args.settings.wildcardCertificate);
    const { role, association } = podIdentityRole(
      { role: `${name}-cert-manager`, association: `${name}-cert-manager` },
      { clusterName: args.clusterName, clusterResourceName: args.clusterResourceName, namespace: CERT_MANAGER.namespace, serviceAccount: CERT_MANAGER_SERVICE_ACCOUNT },
      (r) => {
        const partition = aws.getPartitionOutput({}, child).partition;
        const policy = pulumi.all([partition, zoneId]).apply(([p, id]) => JSON.stringify(certManagerRoute53Policy({ partition: p, hostedZoneId: id, dnsNames })));
        return [new aws.iam.RolePolicy(`${name}-cert-manager-route53`, { role: r.name, policy }, child)];
      },
      this,
    );
    this.credentialsReady.push(association);
    return role.arn;
  }
}
