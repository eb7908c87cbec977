import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACES, ServiceSpec } from "../../catalog";
import type { CertIssuer, IngressSettings } from "../../config";
import { CLUSTER_ISSUER_ANNOTATION } from "./cert-manager/chart";
import { TRAEFIK_API_VERSION } from "./traefik/chart";

/** Secret cert-manager writes the API's certificate to (the seed's name). */
export const API_TLS_SECRET = "api-tls-cert";
export const API_INGRESS = "api-gateway-ingress";
export const ADMIN_INGRESS = "api-gateway-admin-ingress";
/** Path prefix of the gateway's admin endpoints, open to `ecommerce:adminAllowedCidrs` only. */
export const ADMIN_PATH = "/admin";

export const MIDDLEWARES = {
  securityHeaders: "security-headers",
  rateLimit: "rate-limit",
  adminAllowlist: "admin-allowlist",
} as const;

/** How an Ingress annotation names a Middleware custom resource: `<namespace>-<name>@kubernetescrd`. */
export function middlewareRef(namespace: string, name: string): string {
  return `${namespace}-${name}@kubernetescrd`;
}

/** Middleware specs, validated in tests against Traefik's CRD. */
export function middlewareSpecs(s: IngressSettings): Record<(typeof MIDDLEWARES)[keyof typeof MIDDLEWARES], Record<string, unknown>> {
  return {
    [MIDDLEWARES.securityHeaders]: {
      headers: {
        // One year, the minimum browsers' preload lists accept; subdomains of the API host included.
        stsSeconds: 31536000,
        stsIncludeSubdomains: true,
        stsPreload: false,
        forceSTSHeader: true,
        contentTypeNosniff: true,
        frameDeny: true,
        referrerPolicy: "no-referrer",
      },
    },
    // Per client address: the remote address, which is the client's own (see forwardedHeaders).
    // Each Traefik replica counts on its own, so a client may get up to replicas x the limit.
    [MIDDLEWARES.rateLimit]: {
      rateLimit: { average: s.rateLimit.average, burst: s.rateLimit.burst, period: "1s" },
    },
    [MIDDLEWARES.adminAllowlist]: { ipAllowList: { sourceRange: [...s.adminAllowedCidrs] } },
  };
}

export interface IngressRuleArgs {
  readonly host: string;
  readonly gateway: ServiceSpec;
  readonly path: string;
}

/** Ingress spec: the seed's shape, TLS for the host with the shared certificate Secret. */
export function ingressSpec(a: IngressRuleArgs & { ingressClassName: string }): Record<string, unknown> {
  return {
    ingressClassName: a.ingressClassName,
    tls: [{ hosts: [a.host], secretName: API_TLS_SECRET }],
    rules: [
      {
        host: a.host,
        http: {
          paths: [
            {
              path: a.path,
              pathType: "Prefix",
              backend: { service: { name: a.gateway.name, port: { number: a.gateway.httpPort } } },
            },
          ],
        },
      },
    ],
  };
}

/** Router annotations of an Ingress served on HTTPS only, with its middlewares in order. */
export function routerAnnotations(namespace: string, middlewares: readonly string[]): Record<string, string> {
  return {
    "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
    "traefik.ingress.kubernetes.io/router.tls": "true",
    "traefik.ingress.kubernetes.io/router.middlewares": middlewares.map((m) => middlewareRef(namespace, m)).join(","),
  };
}

export interface ApiIngressArgs {
  readonly settings: IngressSettings;
  /** Public host name of the API. */
  readonly domain: string;
  readonly certIssuer: CertIssuer;
  readonly ingressClassName: string;
  /** The catalog's gateway: the Ingress's backend. */
  readonly gateway: ServiceSpec;
  /** What the Ingresses wait for besides their middlewares: the charts (IngressClass) and the issuer. */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
  /** What the Middlewares wait for: the chart installing their CRD. @default dependsOn */
  readonly middlewaresDependOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The gateway's public entry: the seed's `api-gateway-ingress`, and a second Ingress for the
 * admin endpoints behind the IP allowlist. Both live in `e-commerce` with their middlewares.
 */
export class ApiIngress extends pulumi.ComponentResource {
  readonly ingress: k8s.networking.v1.Ingress;

  constructor(name: string, args: ApiIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:ingress:ApiIngress", name, {}, opts);
    const namespace = NAMESPACES.app.name;
    const specs = middlewareSpecs(args.settings);
    const middlewares = Object.entries(specs).map(
      ([mw, spec]) =>
        new k8s.apiextensions.CustomResource(
          `${name}-${mw}`,
          { apiVersion: TRAEFIK_API_VERSION, kind: "Middleware", metadata: { name: mw, namespace }, spec },
          { parent: this, dependsOn: args.middlewaresDependOn ?? args.dependsOn },
        ),
    );
    const after = { parent: this, dependsOn: [...args.dependsOn, ...middlewares] };
    const rule = { host: args.domain, gateway: args.gateway, ingressClassName: args.ingressClassName };

    this.ingress = new k8s.networking.v1.Ingress(
      name,
      {
        metadata: {
          name: API_INGRESS,
          namespace,
          annotations: {
            ...routerAnnotations(namespace, [MIDDLEWARES.securityHeaders, MIDDLEWARES.rateLimit]),
            [CLUSTER_ISSUER_ANNOTATION]: args.certIssuer,
          },
        },
        spec: ingressSpec({ ...rule, path: "/" }),
      },
      after,
    );
    // Same certificate Secret, but no issuer annotation: one Ingress owns the Certificate.
    new k8s.networking.v1.Ingress(
      `${name}-admin`,
      {
        metadata: {
          name: ADMIN_INGRESS,
          namespace,
          annotations: routerAnnotations(namespace, [MIDDLEWARES.adminAllowlist, MIDDLEWARES.securityHeaders, MIDDLEWARES.rateLimit]),
        },
        spec: ingressSpec({ ...rule, path: ADMIN_PATH }),
      },
      after,
    );
    this.registerOutputs({});
  }
}
