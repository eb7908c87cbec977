import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACES, ServiceSpec } from "../../catalog";
import type { CertIssuer, DnsSettings, IngressSettings } from "../../config";
import { AwsLoadBalancerController } from "../foundation/aws-load-balancer-controller/aws-load-balancer-controller";
import { ApiIngress } from "./api-ingress";
import { CertManager } from "./cert-manager/cert-manager";
import { CERT_MANAGER } from "./cert-manager/chart";
import { EdgeDns } from "./dns";
import { IngressPerimeter } from "./perimeter";
import { TRAEFIK } from "./traefik/chart";
import { Traefik } from "./traefik/traefik";
import { WildcardCertificate } from "./wildcard";

export interface IngressTierArgs {
  readonly settings: IngressSettings;
  /** The domain's hosted zone and the wildcard certificate. */
  readonly dns: DnsSettings;
  readonly region: string;
  /** The cluster's configured name and its name as an output (cert-manager's Pod Identity association). */
  readonly clusterName: string;
  readonly clusterResourceName: pulumi.Input<string>;
  /** Public host name of the API. */
  readonly domain: string;
  readonly acmeEmail: string;
  /** ClusterIssuer that signs the API's certificate. */
  readonly certIssuer: CertIssuer;
  /** The catalog's gateway, the only public service. */
  readonly gateway: ServiceSpec;
  /** Namespaces `traefik`, `cert-manager` and `e-commerce`, by name. */
  readonly namespaces: Readonly<Record<string, k8s.core.v1.Namespace>>;
  /** Security group attached to the worker nodes, which the pods' addresses carry (perimeter rules). */
  readonly nodeSecurityGroupId: pulumi.Input<string>;
  /** What the AWS Load Balancer Controller is told instead of asking IMDS, and where its NLB's security group goes. */
  readonly aws: {
    /** The cluster's name as configured, and as the cluster's output (the Pod Identity association waits for it). */
    readonly clusterName: string;
    readonly clusterResourceName: pulumi.Input<string>;
    readonly region: string;
    readonly vpcId: pulumi.Input<string>;
  };
  /** Resources that must exist before pods can run (the node group). @default [] */
  readonly nodesReady?: pulumi.Resource[];
}

/**
 * The ingress tier: Traefik behind the AWS Load Balancer Controller's NLB (or node ports),
 * cert-manager, the gateway's Ingress, the perimeter. Behind the NLB, Traefik waits for the
 * controller: its pod webhook gives Traefik's new pods their readiness gates, and it owns the NLB
 * of Traefik's Service. With node ports there is no target group, so no gate and no wait.
 */
export class IngressTier extends pulumi.ComponentResource {
  readonly traefik: Traefik;
  readonly certManager: CertManager;
  readonly loadBalancerController: AwsLoadBalancerController;
  readonly apiIngress: ApiIngress;
  readonly edgeDns: EdgeDns;
  /** `https://<domain>/`. */
  readonly apiUrl: pulumi.Output<string>;
  /**
   * Where clients connect: the NLB's host name (with a hosted zone the domain's alias record points
   * at it; without one, point the domain at it yourself), or with node ports, which ports a front
   * door of your own must target.
   */
  readonly endpoint: pulumi.Output<string>;
  /** Node ports of the HTTP and HTTPS entry points (what a front door targets in `NodePort` mode). */
  readonly nodePorts: pulumi.Output<{ http: number; https: number }>;
  /** The domain's record the program keeps, in words. */
  readonly dnsRecord: pulumi.Output<string>;

  constructor(name: string, args: IngressTierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:ingress:IngressTier", name, {}, opts);
    const ns = (n: string) => {
      const found = args.namespaces[n];
      if (!found) throw new pulumi.ResourceError(`the ingress tier needs namespace '${n}'`, this);
      return found;
    };
    const child = { parent: this };

    this.loadBalancerController = new AwsLoadBalancerController(
      "aws-load-balancer-controller",
      {
        replicas: args.settings.loadBalancerControllerReplicas,
        resources: args.settings.resources.awsLoadBalancerController,
        ...args.aws,
        nodesReady: args.nodesReady ?? [],
      },
      child,
    );
    const perimeter = new IngressPerimeter(
      "perimeter",
      { settings: args.settings, vpcId: args.aws.vpcId, nodeSecurityGroupId: args.nodeSecurityGroupId, clusterName: args.aws.clusterName },
      child,
    );
    this.traefik = new Traefik(
      "traefik",
      {
        settings: args.settings,
        domain: args.domain,
        namespace: ns(TRAEFIK.namespace),
        nodesReady: args.nodesReady,
        nlbSecurityGroupId: perimeter.nlbSecurityGroupId,
        admissionReady: args.settings.serviceType === "LoadBalancer" ? [this.loadBalancerController.chart] : [],
      },
      child,
    );
    this.edgeDns = new EdgeDns(
      "dns",
      {
        settings: args.dns,
        domain: args.domain,
        region: args.region,
        serviceType: args.settings.serviceType,
        loadBalancerHostname: this.traefik.loadBalancerHostname,
        clusterName: args.clusterName,
        clusterResourceName: args.clusterResourceName,
      },
      child,
    );
    this.certManager = this.createCertManager(args, ns(CERT_MANAGER.namespace));
    this.apiIngress = new ApiIngress(
      "api",
      {
        settings: args.settings,
        domain: args.domain,
        certIssuer: args.certIssuer,
        ingressClassName: this.traefik.ingressClassName,
        gateway: args.gateway,
        dependsOn: [ns(NAMESPACES.app.name), this.traefik.chart, this.certManager.issuers[args.certIssuer]],
        // Not the issuer: only the Ingress's annotation names it, a Middleware needs Traefik's CRD.
        middlewaresDependOn: [ns(NAMESPACES.app.name), this.traefik.chart],
      },
      child,
    );
    if (args.dns.wildcardCertificate) {
      new WildcardCertificate(
        "wildcard",
        {
          domain: args.domain,
          issuer: args.certIssuer,
          namespace: this.traefik.namespaceName,
          certificateDependsOn: [ns(TRAEFIK.namespace), this.certManager.chart, this.certManager.issuers[args.certIssuer]],
          storeDependsOn: [this.traefik.chart],
        },
        child,
      );
    }

    this.apiUrl = pulumi.output(`https://${args.domain}/`);
    const { http, https } = args.settings.nodePorts;
    this.endpoint = this.traefik.loadBalancerHostname ?? pulumi.output(`node ports ${http} (HTTP) and ${https} (HTTPS) of every node`);
    this.nodePorts = pulumi.output({ http, https });
    this.dnsRecord = this.edgeDns.recordDescription;
    this.registerOutputs({ apiUrl: this.apiUrl, endpoint: this.endpoint, nodePorts: this.nodePorts, dnsRecord: this.dnsRecord });
  }

  /** cert-manager, proving names as the zone allows, started once its Route 53 credentials exist. */
  private createCertManager(args: IngressTierArgs, namespace: k8s.core.v1.Namespace): CertManager {
    const r = args.settings.resources;
    return new CertManager(
      "cert-manager",
      {
        replicas: args.settings.certManagerReplicas,
        resources: { controller: r.certManagerController, webhook: r.certManagerWebhook, cainjector: r.certManagerCainjector },
        acmeEmail: args.acmeEmail,
        ingressClassName: this.traefik.ingressClassName,
        solver: this.edgeDns.solver,
        namespace,
        nodesReady: args.nodesReady,
        credentialsReady: this.edgeDns.credentialsReady,
      },
      { parent: this },
    );
  }
}
