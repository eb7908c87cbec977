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
} as const satisfies Record<string, NamespaceSpec>;

export type NamespaceKey = keyof typeof NAMESPACES;

/** What decides whether a namespace exists: `vault` only where Vault is used (secretsBackend `vault`). */
export interface NamespaceConditions {
  readonly vault: boolean;
}

/** The namespaces a stack creates. */
export function namespacesInUse(c: NamespaceConditions): NamespaceSpec[] {
  return Object.values(NAMESPACES).filter((n) => n.name !== NAMESPACES.vault.name || c.vault);
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
