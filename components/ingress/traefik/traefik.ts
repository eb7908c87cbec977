import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IngressSettings } from "../../../config";
import { pinnedChart } from "../../../lib/helm";
import { TRAEFIK, TRAEFIK_API_VERSION, TRAEFIK_NAME } from "./chart";

/**
 * TLS 1.2 and 1.3 only. TLS 1.2 is limited to forward-secret AEAD suites; TLS 1.3 suites are all
 * strong and not configurable. Named `default`, it applies to every TLS router of the cluster.
 */
export function tlsOptionSpec(): Record<string, unknown> {
  return {
    minVersion: "VersionTLS12",
    cipherSuites: [
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    ],
    curvePreferences: ["X25519", "CurveP256", "CurveP384"],
    // Handshakes for names without a certificate fail instead of getting Traefik's default one.
    sniStrict: true,
  };
}

export const REDIRECT_MIDDLEWARE = "redirect-https";
export const REDIRECT_ROUTE = "http-to-https";

/**
 * Every plain-HTTP request is redirected to HTTPS by a catch-all route of the lowest priority, so
 * that more specific HTTP routes, such as cert-manager's HTTP-01 challenge solvers, still answer
 * over HTTP as Let's Encrypt requires.
 */
export function httpRedirectRouteSpec(): Record<string, unknown> {
  return {
    entryPoints: ["web"],
    routes: [
      {
        kind: "Rule",
        match: "PathPrefix(`/`)",
        priority: 1,
        middlewares: [{ name: REDIRECT_MIDDLEWARE }],
        services: [{ name: "noop@internal", kind: "TraefikService" }],
      },
    ],
  };
}

/**
 * The address AWS gave the NLB of the chart's LoadBalancer Service, read from the chart's own
 * `resources` output (every object it created, as resource references). No separate read of the
 * Service: a `Service.get` has to be skipped in the first preview, when the Service does not exist
 * yet, and a program that registers different steps in preview and in update never previews
 * clean. The Kubernetes provider waits for a LoadBalancer Service to get its address
 * (pulumi-kubernetes v4.32.0 `provider/pkg/await/service.go`, the nearest tag to the pinned 4.34.2
 * in the stored copy), so after an update it is known; in a first preview it is shown as known
 * after the update.
 */
export function loadBalancerAddress(chart: k8s.helm.v4.Chart, serviceName: string): pulumi.Output<string> {
  return chart.resources.apply((resources) => {
    const services = (resources ?? []).filter((r: unknown) => k8s.core.v1.Service.isInstance(r)) as k8s.core.v1.Service[];
    return pulumi.all(services.map((s) => pulumi.all([s.metadata.name, s.status]))).apply((named) => {
      const ingress = named.find(([n]) => n === serviceName)?.[1]?.loadBalancer?.ingress?.[0];
      return ingress?.hostname ?? ingress?.ip ?? "";
    });
  });
}

export interface TraefikArgs {
  readonly settings: IngressSettings;
  readonly domain: string;
  /** Namespace `traefik`, created by the Namespaces component. */
  readonly namespace: k8s.core.v1.Namespace;
  /** Resources that must exist before pods can run (the node group). @default [] */
  readonly nodesReady?: pulumi.Resource[];
  /** The NLB's security group with `LoadBalancer` (components/ingress/perimeter.ts); undefined with node ports. */
  readonly nlbSecurityGroupId: pulumi.Input<string> | undefined;
  /**
   * What must run before the Service and pods are created: the AWS Load Balancer Controller's
   * chart, whose pod webhook (`failurePolicy: Ignore`) would otherwise let the pods in without
   * their readiness gates, and which owns the Service's NLB.
   */
  readonly admissionReady: pulumi.Resource[];
}

/**
 * Traefik from its upstream chart, its cluster-wide TLS policy and the HTTP to HTTPS redirect.
 * Custom resources wait for the chart, whose CRDs they need.
 */
export class Traefik extends pulumi.ComponentResource {
  readonly chart: k8s.helm.v4.Chart;
  /** Name of the IngressClass Ingresses select. */
  readonly ingressClassName: string = TRAEFIK_NAME;
  /** Namespace of the Traefik pods and Service. */
  readonly namespaceName: pulumi.Output<string>;
  /** Host name of the NLB, once AWS has created it; undefined without a load balancer. */
  readonly loadBalancerHostname?: pulumi.Output<string>;

  constructor(name: string, args: TraefikArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:traefik:Traefik", name, {}, opts);
    this.namespaceName = args.namespace.metadata.name;

    this.chart = pinnedChart(
      name,
      {
        chart: TRAEFIK,
        namespace: args.namespace,
        values: pulumi
          .output(args.nlbSecurityGroupId)
          .apply((nlbSecurityGroupId) => TRAEFIK.values({ settings: args.settings, domain: args.domain, nlbSecurityGroupId })),
        after: [...(args.nodesReady ?? []), ...args.admissionReady],
      },
      this,
    );
    const afterChart = { parent: this, dependsOn: [this.chart] };
    const resource = (kind: string, objectName: string, spec: Record<string, unknown>) =>
      new k8s.apiextensions.CustomResource(
        `${name}-${kind.toLowerCase()}-${objectName}`,
        { apiVersion: TRAEFIK_API_VERSION, kind, metadata: { name: objectName, namespace: this.namespaceName }, spec },
        afterChart,
      );
    resource("TLSOption", "default", tlsOptionSpec());
    resource("Middleware", REDIRECT_MIDDLEWARE, { redirectScheme: { scheme: "https", permanent: true } });
    resource("IngressRoute", REDIRECT_ROUTE, httpRedirectRouteSpec());

    if (args.settings.serviceType === "LoadBalancer") {
      this.loadBalancerHostname = loadBalancerAddress(this.chart, TRAEFIK_NAME);
    }
    this.registerOutputs({ loadBalancerHostname: this.loadBalancerHostname });
  }
}
