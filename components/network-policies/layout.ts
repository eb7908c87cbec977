/**
 * Which NetworkPolicy holds each side of each flow: a list of policies, in the order they are
 * created, each naming the rows whose egress (its pods are the source) or ingress (its pods are
 * the destination) it writes. The flows themselves are intent (catalog/flows.ts); this is only
 * how they are grouped, so that a policy's name says what it opens. Every side of every flow
 * that is a pod must be held by exactly one policy (rules.ts checks it).
 */
import { DATASTORES, NAMESPACES, ServiceSpec, databaseName, usersOf } from "../../catalog";
import type { FlowIntent, FlowParty, PodRole } from "../../catalog/flows";

export const DEFAULT_DENY = "deny-all-default";
export const ALLOW_DNS = "allow-dns";

export interface PolicyHome {
  readonly namespace: string;
  readonly name: string;
  /** Rows whose source pods the policy selects, writing their egress. */
  readonly egressOf?: (row: FlowIntent) => boolean;
  /** Rows whose destination pods the policy selects, writing their ingress. */
  readonly ingressOf?: (row: FlowIntent) => boolean;
}

const is = (party: FlowParty, ...roles: PodRole[]) => party.kind === "pods" && roles.includes(party.role);
const ofService = (party: FlowParty, service: string) => party.kind === "pods" && party.service === service;
const fromAddress = (row: FlowIntent) => row.from.kind === "addresses";
const CATALOG_ROLES: PodRole[] = ["gateway", "microservice"];

/** The namespaces whose pods the platform's policies govern: its own, and kube-system's add-ons. */
export const GOVERNED_NAMESPACES: readonly string[] = [...Object.values(NAMESPACES).map((n) => n.name), "kube-system"];

/** The application and data tiers: the catalog's rows. */
function applicationHomes(services: readonly ServiceSpec[]): PolicyHome[] {
  const app = NAMESPACES.app.name;
  const messaging = NAMESPACES.messaging.name;
  const micro = services.filter((s) => s.role === "microservice");
  return [
    { namespace: app, name: "allow-api-gateway-ingress", ingressOf: (r) => is(r.to, "gateway") },
    { namespace: app, name: "allow-api-gateway-egress", egressOf: (r) => is(r.from, "gateway") },
    { namespace: app, name: "allow-microservices-ingress", ingressOf: (r) => is(r.to, "microservice") && is(r.from, "gateway") },
    { namespace: app, name: "allow-monitoring-scraping", ingressOf: (r) => is(r.to, "application") },
    { namespace: app, name: "allow-microservices-rabbitmq", egressOf: (r) => is(r.from, "microservice") && is(r.to, "rabbitmq") },
    ...micro.map((s): PolicyHome => ({
      namespace: app,
      name: `allow-${s.name}-database`,
      egressOf: (r) => is(r.from, "microservice") && ofService(r.from, s.name) && is(r.to, "mysql", "redis", "minio"),
    })),
    ...usersOf("mysql", services).map((s): PolicyHome => ({
      namespace: app,
      name: `allow-${databaseName(s.name)}-ingress`,
      ingressOf: (r) => is(r.to, "mysql") && ofService(r.to, s.name),
    })),
    ...(["redis", "minio", "rabbitmq"] as const).map((kind): PolicyHome => ({
      namespace: DATASTORES[kind].namespace,
      name: `allow-${kind}-ingress`,
      ingressOf: (r) => is(r.to, kind) && is(r.from, ...CATALOG_ROLES),
    })),
    {
      namespace: messaging,
      name: "allow-rabbitmq-cluster",
      ingressOf: (r) => is(r.to, "rabbitmq") && is(r.from, "rabbitmq"),
      egressOf: (r) => is(r.from, "rabbitmq") && is(r.to, "rabbitmq"),
    },
    { namespace: messaging, name: "allow-monitoring-scraping", ingressOf: (r) => is(r.to, "rabbitmq") && is(r.from, "prometheus") },
  ];
}

/** Traefik and cert-manager: the edge, the ACME solvers, the webhook. */
function edgeHomes(): PolicyHome[] {
  const traefik = NAMESPACES.traefik.name;
  const cm = NAMESPACES.certManager.name;
  return [
    { namespace: traefik, name: "allow-traefik-ingress", ingressOf: (r) => is(r.to, "traefik") && fromAddress(r) },
    { namespace: traefik, name: "allow-traefik-egress", egressOf: (r) => is(r.from, "traefik") },
    { namespace: traefik, name: "allow-monitoring-scraping", ingressOf: (r) => is(r.to, "traefik") && is(r.from, "prometheus") },
    { namespace: NAMESPACES.app.name, name: "allow-acme-solver-ingress", ingressOf: (r) => is(r.to, "acme-solver") },
    { namespace: cm, name: "allow-cert-manager-egress", egressOf: (r) => is(r.from, "cert-manager") },
    {
      namespace: cm,
      name: "allow-cert-manager-webhook",
      ingressOf: (r) => is(r.to, "cert-manager-webhook"),
      egressOf: (r) => is(r.from, "cert-manager-webhook"),
    },
    { namespace: cm, name: "allow-cert-manager-cainjector", egressOf: (r) => is(r.from, "cert-manager-cainjector") },
    { namespace: cm, name: "allow-monitoring-scraping", ingressOf: (r) => is(r.to, "cert-manager") && is(r.from, "prometheus") },
  ];
}

/** Prometheus, Alertmanager, Grafana, the operator and kube-state-metrics. */
function monitoringHomes(): PolicyHome[] {
  const mon = NAMESPACES.monitoring.name;
  const both = (name: string, role: PodRole): PolicyHome => ({ namespace: mon, name, ingressOf: (r) => is(r.to, role), egressOf: (r) => is(r.from, role) });
  return [
    { namespace: mon, name: "allow-prometheus-egress", egressOf: (r) => is(r.from, "prometheus") },
    { namespace: mon, name: "allow-prometheus-ingress", ingressOf: (r) => is(r.to, "prometheus") },
    both("allow-alertmanager", "alertmanager"),
    both("allow-grafana", "grafana"),
    both("allow-prometheus-operator", "prometheus-operator"),
    both("allow-kube-state-metrics", "kube-state-metrics"),
  ];
}

/** The EKS add-ons' pods in kube-system: strict mode denies them everything until these exist. */
function kubeSystemHomes(): PolicyHome[] {
  const both = (name: string, role: PodRole): PolicyHome => ({ namespace: "kube-system", name, ingressOf: (r) => is(r.to, role), egressOf: (r) => is(r.from, role) });
  return [both("allow-coredns", "coredns"), both("allow-ebs-csi-controller", "ebs-csi-controller"), both("allow-ebs-csi-node", "ebs-csi-node")];
}

/** `allow-dns` of a namespace: the egress of the flow from every pod to CoreDNS. */
function dnsHome(namespace: string): PolicyHome {
  return { namespace, name: ALLOW_DNS, egressOf: (r) => r.from.kind === "every-pod" && is(r.to, "coredns") };
}

/**
 * Every policy, in creation order: per namespace of the platform the default deny and DNS, the
 * tiers' policies, then kube-system's, last, so that adding them left the others in place.
 * `{ denyAll }` marks a namespace's default deny, which holds no flow.
 */
export function policyLayout(services: readonly ServiceSpec[]): (PolicyHome | { readonly denyAll: string })[] {
  const baseline = (ns: string) => [{ denyAll: ns }, dnsHome(ns)];
  return [
    ...Object.values(NAMESPACES).flatMap((ns) => baseline(ns.name)),
    ...applicationHomes(services),
    ...edgeHomes(),
    ...monitoringHomes(),
    ...baseline("kube-system"),
    ...kubeSystemHomes(),
  ];
}
