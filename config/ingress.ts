/**
 * Ingress settings: how Traefik is exposed, who may reach it, its size, cert-manager's size and
 * the limits the edge applies to clients.
 */
import type { ConfigReader } from ".";
import type { ProfileRows } from "../catalog/resource-profiles";
import { parseIpv4Cidr } from "../lib/validate";

export const INGRESS_SERVICE_TYPES = ["LoadBalancer", "NodePort"] as const;
export type IngressServiceType = (typeof INGRESS_SERVICE_TYPES)[number];

/** The range Kubernetes allocates node ports from (kube-apiserver `--service-node-port-range`). */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

export interface IngressSettings {
  /**
   * `LoadBalancer`: an internet-facing NLB of the AWS Load Balancer Controller, targeting the
   * pods; `NodePort`: the node ports only, for a front door of your own.
   */
  readonly serviceType: IngressServiceType;
  /** Node ports of the `web` (HTTP) and `websecure` (HTTPS) entry points (`NodePort` only: the NLB targets the pods). */
  readonly nodePorts: { readonly http: number; readonly https: number };
  /** Client networks allowed to reach the entry point (the NLB's security group, node port rules, Traefik's NetworkPolicy). */
  readonly sourceRanges: readonly string[];
  readonly traefikReplicas: number;
  readonly certManagerReplicas: number;
  /** Replicas of the AWS Load Balancer Controller, which owns the NLB of `LoadBalancer`. */
  readonly loadBalancerControllerReplicas: number;
  /** Per client IP: average requests per second and the burst allowed above it. */
  readonly rateLimit: { readonly average: number; readonly burst: number };
  /** Client networks allowed on the gateway's admin endpoints. */
  readonly adminAllowedCidrs: readonly string[];
  /** Requests and limits of Traefik's and cert-manager's pods, from the resource profile. */
  readonly resources: Pick<ProfileRows, "traefik" | "certManagerController" | "certManagerWebhook" | "certManagerCainjector" | "awsLoadBalancerController">;
}

function cidrProblem(value: string): string | undefined {
  const parsed = parseIpv4Cidr(value);
  return typeof parsed === "string" ? parsed : undefined;
}

export function readIngress(r: ConfigReader, rows: ProfileRows): IngressSettings {
  const http = r.integer("ingressHttpNodePort", NODE_PORT_RANGE.min, NODE_PORT_RANGE.max);
  const https = r.integer("ingressHttpsNodePort", NODE_PORT_RANGE.min, NODE_PORT_RANGE.max);
  if (http !== undefined && https !== undefined) {
    r.rule(
      http !== https,
      `Configuration 'ecommerce:ingressHttpNodePort' and 'ecommerce:ingressHttpsNodePort' must differ (both are ${http})`,
    );
  }
  return {
    serviceType: r.oneOf("ingressServiceType", INGRESS_SERVICE_TYPES),
    nodePorts: { http, https },
    sourceRanges: r.list("ingressSourceRanges", {
      minItems: 1,
      maxItems: 10,
      what: "IPv4 CIDRs",
      check: cidrProblem,
    }),
    traefikReplicas: r.integer("traefikReplicas", 1, 10),
    certManagerReplicas: r.integer("certManagerReplicas", 1, 5),
    loadBalancerControllerReplicas: r.integer("loadBalancerControllerReplicas", 1, 3),
    rateLimit: {
      average: r.integer("rateLimitAverage", 1, 100000),
      burst: r.integer("rateLimitBurst", 1, 100000),
    },
    adminAllowedCidrs: r.list("adminAllowedCidrs", {
      minItems: 1,
      maxItems: 20,
      what: "IPv4 CIDRs",
      check: cidrProblem,
    }),
    resources: {
      traefik: rows.traefik,
      certManagerController: rows.certManagerController,
      certManagerWebhook: rows.certManagerWebhook,
      certManagerCainjector: rows.certManagerCainjector,
      awsLoadBalancerController: rows.awsLoadBalancerController,
    },
  };
}
