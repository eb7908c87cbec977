/** The platform's namespaces, and the DNS names of Services in them. */

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

export interface NamespaceSpec {
  readonly name: string;
  /** Pod Security Standard enforced, audited and warned in the namespace. */
  readonly podSecurity: PodSecurityLevel;
  readonly purpose: string;
  /** Further labels, for the controllers that select namespaces by them. */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The namespace label that makes the AWS Load Balancer Controller's pod webhook give new pods a
 * readiness gate per target group they are registered in (aws-load-balancer-controller v3.5.0
 * `helm/aws-load-balancer-controller/templates/webhook.yaml` 26-35, `docs/deploy/pod_readiness_gate.md`
 * 6: ip targets only): a rolling update waits until the NLB reports each new pod healthy.
 */
export const POD_READINESS_GATE_LABEL = { "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" } as const;

export const NAMESPACES = {
  traefik: { name: "traefik", podSecurity: "restricted", purpose: "ingress controller", labels: POD_READINESS_GATE_LABEL },
  certManager: { name: "cert-manager", podSecurity: "restricted", purpose: "certificates" },
  app: { name: "e-commerce", podSecurity: "restricted", purpose: "gateway, microservices, MySQL, Redis" },
  messaging: { name: "e-commerce-messaging", podSecurity: "restricted", purpose: "RabbitMQ, MinIO" },
  // node-exporter needs host networking, host PID and hostPath mounts: only `privileged` admits it.
  monitoring: { name: "monitoring", podSecurity: "privileged", purpose: "Prometheus, Grafana" },
  // Vault's servers meet `restricted` with the security contexts components/secrets/vault/chart.ts sets.
  vault: { name: "vault", podSecurity: "restricted", purpose: "HashiCorp Vault (secretsBackend vault)" },
  /**
   * The External Secrets Operator's pods meet `restricted`: the chart's container contexts drop ALL,
   * run as UID 1000 without escalation under RuntimeDefault seccomp (external-secrets
   * helm-chart-2.9.0 `values.yaml` 275-285, 732-742, 944-954), no host namespaces (464, 512, 815),
   * and the program adds the pod-level context (components/secrets/external-secrets/chart.ts).
   */
  externalSecrets: { name: "external-secrets", podSecurity: "restricted", purpose: "External Secrets Operator (secretsBackend vault)" },
} as const satisfies Record<string, NamespaceSpec>;

export type NamespaceKey = keyof typeof NAMESPACES;

/** What decides whether a namespace exists: `vault` and `external-secrets` only with secretsBackend `vault`. */
export interface NamespaceConditions {
  readonly vault: boolean;
}

/** Namespaces only the `vault` secrets backend creates. */
const VAULT_BACKEND: readonly string[] = [NAMESPACES.vault.name, NAMESPACES.externalSecrets.name];

/** The namespaces a stack creates. */
export function namespacesInUse(c: NamespaceConditions): NamespaceSpec[] {
  return Object.values(NAMESPACES).filter((n) => c.vault || !VAULT_BACKEND.includes(n.name));
}

/** Where the platform's credentials come from (config/index.ts `SECRETS_BACKENDS` validates the key). */
export type SecretsBackend = "kubernetes" | "vault";

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
