/** The platform's namespaces, and the DNS names of Services in them. */

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

export interface NamespaceSpec {
  readonly name: string;
  /** Pod Security Standard enforced, audited and warned in the namespace. */
  readonly podSecurity: PodSecurityLevel;
  readonly purpose: string;
}

export const NAMESPACES = {
  traefik: { name: "traefik", podSecurity: "restricted", purpose: "ingress controller" },
  certManager: { name: "cert-manager", podSecurity: "restricted", purpose: "certificates" },
  app: { name: "e-commerce", podSecurity: "restricted", purpose: "gateway, microservices, MySQL, Redis" },
  messaging: { name: "e-commerce-messaging", podSecurity: "restricted", purpose: "RabbitMQ, MinIO" },
  // node-exporter needs host networking, host PID and hostPath mounts: only `privileged` admits it.
  monitoring: { name: "monitoring", podSecurity: "privileged", purpose: "Prometheus, Grafana" },
} as const satisfies Record<string, NamespaceSpec>;

export type NamespaceKey = keyof typeof NAMESPACES;

/**
 * Namespaces only the `vault` secrets backend creates (`ecommerce:secretsBackend`). The External
 * Secrets Operator's pods meet `restricted`: the chart's container contexts drop ALL, run as
 * UID 1000 without escalation under RuntimeDefault seccomp (external-secrets helm-chart-2.9.0
 * `values.yaml` 275-285, 732-742, 944-954), no host namespaces (464, 512, 815), and the program
 * adds the pod-level context (components/secrets/external-secrets/chart.ts).
 */
export const VAULT_BACKEND_NAMESPACES = {
  externalSecrets: { name: "external-secrets", podSecurity: "restricted", purpose: "External Secrets Operator" },
} as const satisfies Record<string, NamespaceSpec>;

/** Where the platform's credentials come from (config/index.ts `SECRETS_BACKENDS` validates the key). */
export type SecretsBackend = "kubernetes" | "vault";

/** The namespaces a stack creates: the platform's, and those of its secrets backend. */
export function platformNamespaces(secretsBackend: SecretsBackend): NamespaceSpec[] {
  return [...Object.values(NAMESPACES), ...(secretsBackend === "vault" ? Object.values(VAULT_BACKEND_NAMESPACES) : [])];
}

/** Cluster-wide namespace of CoreDNS and the API server's endpoints. */
export const KUBE_SYSTEM = "kube-system";

/**
 * Fully qualified DNS name of a Service, without the root dot: HTTP clients disagree on a dotted
 * Host (urllib3 strips it, botocore signs it: boto/boto3#3492). Pods resolve it in one query
 * anyway, since it has more dots than their `ndots` (components/app/microservice.ts, DNS_NDOTS).
 */
export function serviceFqdn(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}
