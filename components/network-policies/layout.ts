/**
 * Which NetworkPolicy holds each side of each flow: a list of policies, in the order they are
 * created, each naming the rows whose egress (its pods are the source) or ingress (its pods are
 * the destination) it writes. The flows themselves are intent (catalog/flows.ts); this is only
 * how they are grouped, so that a policy's name says what it opens. Every side of every flow
 * that is a pod must be held by exactly one policy (rules.ts checks it).
 */
import { ClientEgress, DATASTORE_KINDS, DatastoreInstance, DatastoreKind, NAMESPACES, ServiceSpec, datastoreInstances, datastoreRow } from "../../catalog";
import type { FlowIntent, FlowParty, PodRole, VaultLocation } from "../../catalog/flows";
import { namespacesInUse } from "../../catalog/namespaces";

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

/** The governed namespaces a stack creates: `vault` only where Vault is used. */
export function governedNamespaces(vault: VaultLocation): string[] {
  return [...namespacesInUse({ vault: vault.kind !== "none" }).map((n) => n.name), "kube-system"];
}

/** The governed namespaces of a stack: with Vault, the External Secrets Operator's too. */

/** The table's kinds, then any other kind a service lists (which datastoreRow refuses, naming the kinds). */
const kindsUsedBy = (services: readonly ServiceSpec[]): DatastoreKind[] => [...new Set([...DATASTORE_KINDS, ...services.flatMap((s) => s.uses)])];

/** Whether a party is the pods of this datastore instance. */
const isStore = (party: FlowParty, store: DatastoreInstance) =>
  is(party, store.kind) && (store.owner === undefined || ofService(party, store.owner));

/** The datastores: each instance's clients in, its replicas to each other, Prometheus to its metrics (from the kind's row). */
function datastoreHomes(services: readonly ServiceSpec[]): PolicyHome[] {
  const instances = kindsUsedBy(services).flatMap((kind) => datastoreInstances(kind, services));
  return [
    ...instances.map((store): PolicyHome => ({
      namespace: store.namespace,
      name: `allow-${store.id}-ingress`,
      ingressOf: (r) => isStore(r.to, store) && is(r.from, ...CATALOG_ROLES),
    })),
    ...instances
      .filter((store) => Object.keys(datastoreRow(store.kind).peerPorts).length > 0)
      .map((store): PolicyHome => ({
        namespace: store.namespace,
        name: `allow-${store.name}`,
        ingressOf: (r) => isStore(r.to, store) && isStore(r.from, store),
        egressOf: (r) => isStore(r.from, store) && isStore(r.to, store),
      })),
    ...instances
      .filter((store) => datastoreRow(store.kind).metrics !== undefined)
      .map((store): PolicyHome => ({
        namespace: store.namespace,
        name: "allow-monitoring-scraping",
        ingressOf: (r) => isStore(r.to, store) && is(r.from, "prometheus"),
      })),
  ];
}

/** The application tier: the catalog's rows; each client's egress where its store's row says. */
function applicationHomes(services: readonly ServiceSpec[]): PolicyHome[] {
  const app = NAMESPACES.app.name;
  const micro = services.filter((s) => s.role === "microservice");
  const egressIn = (kind: ClientEgress, kinds: readonly DatastoreKind[]) => kinds.filter((k) => datastoreRow(k).clientEgress === kind);
  return [
    { namespace: app, name: "allow-api-gateway-ingress", ingressOf: (r) => is(r.to, "gateway") },
    { namespace: app, name: "allow-api-gateway-egress", egressOf: (r) => is(r.from, "gateway") },
    { namespace: app, name: "allow-microservices-ingress", ingressOf: (r) => is(r.to, "microservice") && is(r.from, "gateway") },
    { namespace: app, name: "allow-monitoring-scraping", ingressOf: (r) => is(r.to, "application") },
    ...egressIn("sharedPolicy", kindsUsedBy(services))
      .filter((kind) => datastoreInstances(kind, services).length > 0)
      .map((kind): PolicyHome => ({
        namespace: app,
        name: `allow-microservices-${kind}`,
        egressOf: (r) => is(r.from, "microservice") && is(r.to, kind),
      })),
    ...micro.map((s): PolicyHome => ({
      namespace: app,
      name: `allow-${s.name}-database`,
      egressOf: (r) => is(r.from, "microservice") && ofService(r.from, s.name) && is(r.to, ...egressIn("ownPolicy", s.uses)),
    })),
    ...datastoreHomes(services),
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

/** The EKS add-ons' pods and metrics-server in kube-system: strict mode denies them everything until these exist. */
function kubeSystemHomes(): PolicyHome[] {
  const both = (name: string, role: PodRole): PolicyHome => ({ namespace: "kube-system", name, ingressOf: (r) => is(r.to, role), egressOf: (r) => is(r.from, role) });
  return [
    both("allow-coredns", "coredns"),
    both("allow-ebs-csi-controller", "ebs-csi-controller"),
    both("allow-ebs-csi-node", "ebs-csi-node"),
    both("allow-metrics-server", "metrics-server"),
    both("allow-karpenter", "karpenter"),
    both("allow-aws-load-balancer-controller", "aws-load-balancer-controller"),
  ];
}

/**
 * Vault's servers: every flow to and from them in one policy; each MySQL admits them (the database
 * engine); the bootstrap Job's egress (to Vault and the API server) in a policy of its own.
 */
function vaultHomes(): PolicyHome[] {
  const mysql = datastoreRow("mysql").namespace;
  return [
    { namespace: NAMESPACES.vault.name, name: "allow-vault", ingressOf: (r) => is(r.to, "vault"), egressOf: (r) => is(r.from, "vault") },
    { namespace: NAMESPACES.vault.name, name: "allow-vault-bootstrap", egressOf: (r) => is(r.from, "vault-bootstrap") },
    { namespace: mysql, name: "allow-vault-database-ingress", ingressOf: (r) => is(r.to, "mysql") && is(r.from, "vault") },
  ];
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
export function policyLayout(services: readonly ServiceSpec[], vault: VaultLocation): (PolicyHome | { readonly denyAll: string })[] {
  const baseline = (ns: string) => [{ denyAll: ns }, dnsHome(ns)];
  const eso = vault.kind !== "none" ? externalSecretsHomes() : [];
  return [
    ...namespacesInUse({ vault: vault.kind !== "none" }).flatMap((ns) => baseline(ns.name)),
    ...applicationHomes(services),
    ...edgeHomes(),
    ...monitoringHomes(),
    ...vaultHomes(),
    ...baseline("kube-system"),
    ...kubeSystemHomes(),
    ...eso,
  ];
}

/** The External Secrets Operator: the controller, the webhook, the cert controller, Prometheus to the controller. */
function externalSecretsHomes(): PolicyHome[] {
  const ns = NAMESPACES.externalSecrets.name;
  return [
    { namespace: ns, name: "allow-external-secrets-egress", egressOf: (r) => is(r.from, "external-secrets") },
    {
      namespace: ns,
      name: "allow-external-secrets-webhook",
      ingressOf: (r) => is(r.to, "external-secrets-webhook"),
      egressOf: (r) => is(r.from, "external-secrets-webhook"),
    },
    { namespace: ns, name: "allow-external-secrets-cert-controller", egressOf: (r) => is(r.from, "external-secrets-cert-controller") },
    { namespace: ns, name: "allow-reloader-egress", egressOf: (r) => is(r.from, "reloader") },
    { namespace: ns, name: "allow-monitoring-scraping", ingressOf: (r) => is(r.to, "external-secrets") && is(r.from, "prometheus") },
  ];
}
