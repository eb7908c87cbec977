/**
 * Policies on what the platform exposes: only Traefik's Service leaves the cluster, Ingresses
 * serve TLS, and every platform namespace starts from a default-deny NetworkPolicy.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { NAMESPACES } from "../catalog";
import { NLB_LOAD_BALANCER_CLASS, NLB_SECURITY_GROUPS_ANNOTATION } from "../lib/load-balancer";
import { kubernetesKind, objectRef } from "./kubernetes";

/** Service types that open a port outside the cluster network. */
const EXTERNAL_SERVICE_TYPES = ["LoadBalancer", "NodePort"];

/**
 * Traefik's own Service: in the Traefik namespace and labelled by its chart. It is the one door
 * into the cluster (an NLB in prod, node ports where a stack chooses them).
 */
export function isTraefikService(props: Record<string, any>): boolean {
  return (
    props.metadata?.namespace === NAMESPACES.traefik.name &&
    props.metadata?.labels?.["app.kubernetes.io/name"] === "traefik"
  );
}

export const noExternalServices: ResourceValidationPolicy = {
  name: "no-external-services",
  description: "No Service of type LoadBalancer or NodePort except Traefik's: traffic enters through the ingress.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (kubernetesKind(args.type) !== "Service") return;
    const type: string = args.props.spec?.type ?? "ClusterIP";
    if (!EXTERNAL_SERVICE_TYPES.includes(type) || isTraefikService(args.props)) return;
    reportViolation(
      `Service '${objectRef(args.props, args.name)}' is of type ${type}: only Traefik's Service in namespace ` +
        `'${NAMESPACES.traefik.name}' may be reachable from outside the cluster; use ClusterIP behind an Ingress`,
    );
  },
};

/**
 * Why a LoadBalancer Service's NLB would not be the platform's: one the AWS Load Balancer
 * Controller owns (its class), behind a security group the program made (named by annotation;
 * without it the controller makes its own, open to `loadBalancerSourceRanges` or the world).
 */
export function loadBalancerProblems(props: Record<string, any>): string[] {
  if (props.spec?.type !== "LoadBalancer") return [];
  const problems: string[] = [];
  const cls = props.spec?.loadBalancerClass;
  if (cls !== NLB_LOAD_BALANCER_CLASS) {
    problems.push(`has loadBalancerClass ${cls === undefined ? "unset" : `'${cls}'`}: only '${NLB_LOAD_BALANCER_CLASS}' (the AWS Load Balancer Controller) may own its load balancer`);
  }
  if (!String(props.metadata?.annotations?.[NLB_SECURITY_GROUPS_ANNOTATION] ?? "").trim()) {
    problems.push(`names no security group (annotation ${NLB_SECURITY_GROUPS_ANNOTATION}): the NLB must carry the one the program makes`);
  }
  return problems;
}

export const loadBalancersOwned: ResourceValidationPolicy = {
  name: "load-balancers-owned",
  description: "A LoadBalancer Service is an NLB of the AWS Load Balancer Controller with the program's security group.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (kubernetesKind(args.type) !== "Service") return;
    for (const problem of loadBalancerProblems(args.props)) reportViolation(`Service '${objectRef(args.props, args.name)}' ${problem}`);
  },
};

/** True when a TLS host (possibly `*.domain`) covers a rule's host. */
export function tlsHostCovers(tlsHost: string, host: string): boolean {
  if (tlsHost === host) return true;
  if (!tlsHost.startsWith("*.")) return false;
  // A wildcard covers exactly one more label.
  const suffix = tlsHost.slice(1);
  const label = host.endsWith(suffix) ? host.slice(0, -suffix.length) : "";
  return label.length > 0 && !label.includes(".");
}

/** Why an Ingress spec does not serve TLS for every host, one sentence each. */
export function ingressTlsProblems(spec: Record<string, any> | undefined): string[] {
  const tls: any[] = spec?.tls ?? [];
  if (tls.length === 0) return ["serves plain HTTP: add spec.tls with its hosts and a certificate Secret"];
  const problems: string[] = [];
  tls.forEach((entry, i) => {
    if (!entry.secretName) problems.push(`spec.tls[${i}] names no certificate Secret (secretName)`);
  });
  for (const rule of spec?.rules ?? []) {
    const covered = rule.host
      ? tls.some((entry) => (entry.hosts ?? []).some((h: string) => tlsHostCovers(h, rule.host)))
      : tls.some((entry) => (entry.hosts ?? []).length === 0);
    if (!covered) problems.push(`host '${rule.host ?? "(any)"}' has no TLS entry`);
  }
  return problems;
}

export const ingressTls: ResourceValidationPolicy = {
  name: "ingress-tls",
  description: "Ingresses serve TLS for every host they route, with a certificate Secret.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (kubernetesKind(args.type) !== "Ingress") return;
    for (const problem of ingressTlsProblems(args.props.spec)) {
      reportViolation(`Ingress '${objectRef(args.props, args.name)}' ${problem}`);
    }
  },
};

/** Name of the NetworkPolicy that denies all traffic in a namespace until others allow some. */
export const DEFAULT_DENY_POLICY_NAME = "deny-all-default";

/** Why a NetworkPolicy is not a default deny of both directions for every pod. */
export function defaultDenyProblems(spec: Record<string, any> | undefined): string[] {
  const problems: string[] = [];
  const selector = spec?.podSelector;
  const selectsAll =
    selector !== undefined &&
    Object.keys(selector.matchLabels ?? {}).length === 0 &&
    (selector.matchExpressions ?? []).length === 0;
  if (!selectsAll) problems.push("must select every pod (podSelector: {})");
  const types: string[] = spec?.policyTypes ?? [];
  const absent = ["Ingress", "Egress"].filter((t) => !types.includes(t));
  if (absent.length > 0) problems.push(`must list policyTypes Ingress and Egress (missing ${absent.join(", ")})`);
  if ((spec?.ingress ?? []).length > 0 || (spec?.egress ?? []).length > 0) {
    problems.push("must not allow any traffic (no ingress or egress rules)");
  }
  return problems;
}

export const namespacesDefaultDeny: StackValidationPolicy = {
  name: "namespaces-default-deny",
  description: `Every platform namespace has a NetworkPolicy '${DEFAULT_DENY_POLICY_NAME}' denying all ingress and egress.`,
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const networkPolicies = args.resources.filter((r) => kubernetesKind(r.type) === "NetworkPolicy");
    // `vault` and `external-secrets` exist only where Vault is used (catalog/namespaces.ts
    // `namespacesInUse`): without their Namespace there is nothing to protect; every other
    // platform namespace always is.
    const created = new Set(args.resources.filter((r) => kubernetesKind(r.type) === "Namespace").map((r) => r.props.metadata?.name));
    const optional: readonly string[] = [NAMESPACES.vault.name, NAMESPACES.externalSecrets.name];
    const judged = Object.values(NAMESPACES).filter((n) => !optional.includes(n.name) || created.has(n.name));
    for (const { name: namespace } of judged) {
      const policy = networkPolicies.find(
        (r) => r.props.metadata?.namespace === namespace && r.props.metadata?.name === DEFAULT_DENY_POLICY_NAME,
      );
      if (!policy) {
        reportViolation(`namespace '${namespace}' has no default-deny NetworkPolicy '${DEFAULT_DENY_POLICY_NAME}'`);
        continue;
      }
      for (const problem of defaultDenyProblems(policy.props.spec)) {
        reportViolation(`NetworkPolicy '${namespace}/${DEFAULT_DENY_POLICY_NAME}' ${problem}`, policy.urn);
      }
    }
  },
};
