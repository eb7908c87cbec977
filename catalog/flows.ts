/**
 * The platform's allowed network flows as intent: one row per flow, from whom to whom, on which
 * ports, by which path, and why. components/network-policies/ writes both sides of every row,
 * the source's egress and the destination's ingress (as cdk8s-plus `allowTo`/`allowFrom` do);
 * everything else stays denied. A new flow is one row here. The proof
 * (tests/netpol/proof.spec.ts) checks the result against a matrix written apart from this table.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { ClientEgress, DATASTORES, DATASTORE_KINDS, DatastoreKind, METRICS_PORT, NAMESPACES, ServiceSpec, datastoreInstances, datastoreRow, serviceLabels } from ".";
import { chartRow } from "../components/chart-pods";
import { COREDNS, COREDNS_METRICS_PORT, DNS_PORT, EBS_CSI_CONTROLLER, EBS_CSI_NODE, POD_IDENTITY_AGENT } from "../components/foundation/kube-system-pods";
import { METRICS_SERVER_POD_LABELS, METRICS_SERVER_PORT } from "../components/foundation/metrics-server/chart";
import {
  AWS_LOAD_BALANCER_CONTROLLER_METRICS,
  AWS_LOAD_BALANCER_CONTROLLER_NAME,
  AWS_LOAD_BALANCER_CONTROLLER_POD_LABELS,
  AWS_LOAD_BALANCER_CONTROLLER_PORTS,
} from "../components/foundation/aws-load-balancer-controller/chart";
import { KARPENTER_METRICS, KARPENTER_NAME, KARPENTER_POD_LABELS } from "../components/foundation/karpenter/chart";
import { ACME_HTTP01_SOLVER, CERT_MANAGER_METRICS, CERT_MANAGER_WEBHOOK_PORT, certManagerPodLabels } from "../components/ingress/cert-manager/chart";
import type { AcmeChallenge } from "../components/ingress/cert-manager/dns01";
import { ENTRYPOINTS, TRAEFIK_METRICS, TRAEFIK_PING, TRAEFIK_POD_LABELS } from "../components/ingress/traefik/chart";
import { EXTERNAL_SECRETS_NAMESPACE, EXTERNAL_SECRETS_PORTS, externalSecretsPodLabels } from "../components/secrets/external-secrets/chart";
import { RELOADER_POD_LABELS } from "../components/secrets/reloader/chart";
import {
  ALERTMANAGER_PORT,
  GRAFANA_ALERTMANAGER_DATASOURCE,
  GRAFANA_PORT,
  MONITORING_POD_LABELS as M,
  PROMETHEUS_PORT,
} from "../components/monitoring/kube-prometheus-stack/chart";

import { VaultLocation, vaultClientFlow, vaultFlows } from "./vault-flows";

export type { VaultLocation };

/** A port of a flow, in the NetworkPolicy API's own shape. */
export type FlowPort = pulumi.Unwrap<k8s.types.input.networking.v1.NetworkPolicyPort>;

/** What the pods of a party are: the generator groups rows into policies by it. */
export type PodRole =
  | "gateway"
  | "microservice"
  | "application"
  | DatastoreKind
  | "traefik"
  | "acme-solver"
  | "cert-manager"
  | "cert-manager-webhook"
  | "cert-manager-cainjector"
  | "prometheus"
  | "alertmanager"
  | "grafana"
  | "prometheus-operator"
  | "kube-state-metrics"
  | "coredns"
  | "ebs-csi-controller"
  | "ebs-csi-node"
  | "metrics-server"
  | "karpenter"
  | "aws-load-balancer-controller"
  | "external-secrets"
  | "external-secrets-webhook"
  | "external-secrets-cert-controller"
  | "reloader"
  | "vault"
  | "vault-bootstrap";

/** Pods of one namespace: one label set, or several selected together. */
export interface PodsParty {
  readonly kind: "pods";
  readonly role: PodRole;
  readonly namespace: string;
  readonly labelSets: readonly Readonly<Record<string, string>>[];
  /** The catalog service the pods are (or own, for a database). */
  readonly service?: string;
}

/** Every pod of the cluster, in every namespace. */
export interface EveryPodParty {
  readonly kind: "every-pod";
}

/**
 * Endpoints outside the pod network, which policies reach by address. `ingress-clients` are the
 * internet addresses of `ingressSourceRanges`; `load-balancer-nodes` the NLB's own addresses in
 * the public subnets, which its health checks come from.
 */
export type AddressSet = "api-server" | "internet" | "nodes" | "vpc-resolver" | "pod-identity-agent" | "ingress-clients" | "load-balancer-nodes";

export interface AddressParty {
  readonly kind: "addresses";
  readonly of: AddressSet;
}

export type FlowParty = PodsParty | EveryPodParty | AddressParty;

/**
 * How the client reaches the server: a Service's ClusterIP, the pods' own addresses, or an
 * address outside the pod network. For the API server, `service` is the `kubernetes` Service.
 */
export type FlowPath = "service" | "pod" | "outside";

export interface FlowIntent {
  readonly from: FlowParty;
  readonly to: FlowParty;
  readonly ports: readonly FlowPort[];
  readonly path: FlowPath;
  readonly why: string;
}

export const tcp = (port: number): FlowPort => ({ protocol: "TCP", port });
export const udp = (port: number): FlowPort => ({ protocol: "UDP", port });

const pods = (role: PodRole, namespace: string, labels: Readonly<Record<string, string>>, service?: string): PodsParty => ({
  kind: "pods",
  role,
  namespace,
  labelSets: [labels],
  ...(service ? { service } : {}),
});
const addresses = (of: AddressSet): AddressParty => ({ kind: "addresses", of });
const EVERY_POD: EveryPodParty = { kind: "every-pod" };

/** HTTPS port of the API server's endpoint (and of the `kubernetes` Service). */
export const API_SERVER_PORT = 443;
/** Kubelet's port on every node (Prometheus scrapes it and cAdvisor through it). */
export const KUBELET_PORT = 10250;
/** Port of the alert receivers Alertmanager may reach: HTTPS (Slack, webhooks). */
export const ALERT_RECEIVER_PORT = 443;
/** AWS APIs (EC2, STS, KMS) are reached through NAT on HTTPS. */
export const AWS_API_PORT = 443;
/** ACME directories (and, with DNS-01, Route 53's API, a global endpoint) are on the internet, on HTTPS. */
export const ACME_PORT = 443;
/** HTTP-01's self check fetches the challenge from the domain, through the public load balancer, on HTTP. */
export const HTTP01_SELF_CHECK_PORT = ENTRYPOINTS.web.exposedPort;

const NS = NAMESPACES;
/**
 * The pods of a datastore's instance: a service's own (per-service kinds, like MySQL) or the one
 * every client shares, with the labels of the kind's row in catalog/datastores.ts.
 */
export function datastoreParty(kind: DatastoreKind, owner: string): PodsParty {
  const row = datastoreRow(kind);
  if (row.scope === "perService") return pods(kind, row.namespace, row.podLabels(row.instanceName(owner), owner), owner);
  return pods(kind, row.namespace, row.podLabels(row.instanceName));
}

/** The kinds some service of the catalog uses (a store nobody uses is not deployed). */
const kindsInUse = (services: readonly ServiceSpec[]) => DATASTORE_KINDS.filter((k) => datastoreInstances(k, services).length > 0);

export function serviceParty(s: ServiceSpec): PodsParty {
  return pods(s.role, NS.app.name, serviceLabels(s), s.name);
}

/** Port of a chart pod, from the chart-pod table. */
function chartPort(labels: Readonly<Record<string, string>>, portName: string): number {
  const port = chartRow(labels).ports.find((p) => p.name === portName);
  if (!port) throw new Error(`no chart pod with labels ${JSON.stringify(labels)} declares a port '${portName}'`);
  return port.containerPort;
}

export const MONITORING = {
  prometheus: pods("prometheus", NS.monitoring.name, M.prometheus),
  alertmanager: pods("alertmanager", NS.monitoring.name, M.alertmanager),
  grafana: pods("grafana", NS.monitoring.name, M.grafana),
  operator: pods("prometheus-operator", NS.monitoring.name, M.operator),
  kubeStateMetrics: pods("kube-state-metrics", NS.monitoring.name, M.kubeStateMetrics),
};
export const TRAEFIK = pods("traefik", NS.traefik.name, TRAEFIK_POD_LABELS);
const CERT_MANAGER_ROLES = { controller: "cert-manager", webhook: "cert-manager-webhook", cainjector: "cert-manager-cainjector" } as const;
const certManager = (c: keyof typeof CERT_MANAGER_ROLES) => pods(CERT_MANAGER_ROLES[c], NS.certManager.name, certManagerPodLabels(c));
export const KUBE_SYSTEM_PARTIES = {
  coredns: pods("coredns", "kube-system", COREDNS.labels),
  ebsCsiController: pods("ebs-csi-controller", "kube-system", EBS_CSI_CONTROLLER.labels),
  ebsCsiNode: pods("ebs-csi-node", "kube-system", EBS_CSI_NODE.labels),
  metricsServer: pods("metrics-server", "kube-system", METRICS_SERVER_POD_LABELS),
  karpenter: pods(KARPENTER_NAME, "kube-system", KARPENTER_POD_LABELS),
  awsLoadBalancerController: pods(AWS_LOAD_BALANCER_CONTROLLER_NAME, "kube-system", AWS_LOAD_BALANCER_CONTROLLER_POD_LABELS),
};

/** What the edge looks like: behind the NLB, its health checks reach Traefik's ping. */
export interface EdgeShape {
  readonly nlbHealthChecks: boolean;
}

const row = (from: FlowParty, to: FlowParty, ports: readonly FlowPort[], path: FlowPath, why: string): FlowIntent => ({ from, to, ports, path, why });
const apiClient = (from: FlowParty, why: string) => row(from, addresses("api-server"), [tcp(API_SERVER_PORT)], "service", why);

/**
 * The clients into Traefik (and the NLB's health checks), and Traefik to the gateway, the API
 * server and, where certificates are proved by HTTP-01, the solver pods (with DNS-01 cert-manager
 * starts none).
 */
function edgeFlows(gateway: ServiceSpec, edge: EdgeShape, challenge: AcmeChallenge): FlowIntent[] {
  const solver = pods("acme-solver", NS.app.name, ACME_HTTP01_SOLVER.labels);
  // The NLB's health checks come from its own addresses, the clients' connections with the
  // client's address (client IP preservation; node ports: externalTrafficPolicy Local).
  const healthChecks = edge.nlbHealthChecks
    ? [row(addresses("load-balancer-nodes"), TRAEFIK, [tcp(TRAEFIK_PING.port)], "outside", `the NLB's health checks of ${TRAEFIK_PING.path}`)]
    : [];
  return [
    row(addresses("ingress-clients"), TRAEFIK, [tcp(ENTRYPOINTS.web.port), tcp(ENTRYPOINTS.websecure.port)], "outside", "the API's clients, through the load balancer"),
    ...healthChecks,
    row(TRAEFIK, serviceParty(gateway), [tcp(gateway.httpPort)], "pod", "Traefik routes to the gateway's endpoints"),
    ...(challenge === "http-01" ? [row(TRAEFIK, solver, [tcp(ACME_HTTP01_SOLVER.port)], "pod", "ACME HTTP-01 challenges")] : []),
    apiClient(TRAEFIK, "Traefik watches Ingresses, Services and EndpointSlices"),
  ];
}

/** The gateway to each microservice and the broker; each microservice to its own database and the stores its row lists. */
function applicationFlows(services: readonly ServiceSpec[]): FlowIntent[] {
  const gateway = services.find((s) => s.role === "gateway")!;
  const micro = services.filter((s) => s.role === "microservice");
  const f: FlowIntent[] = micro.map((s) => row(serviceParty(gateway), serviceParty(s), [tcp(s.httpPort)], "service", "the gateway routes each API"));
  // The gateway reaches the shared stores it lists; a per-service store is its owner's alone.
  for (const k of gateway.uses.filter((x) => datastoreRow(x).scope === "shared")) {
    f.push(row(serviceParty(gateway), datastoreParty(k, gateway.name), [tcp(DATASTORES[k].port)], "service", "the gateway publishes events"));
  }
  const egress = (s: ServiceSpec, kind: ClientEgress) => s.uses.filter((k) => datastoreRow(k).clientEgress === kind);
  for (const k of DATASTORE_KINDS.filter((x) => datastoreRow(x).clientEgress === "sharedPolicy")) {
    for (const s of micro.filter((m) => m.uses.includes(k))) {
      f.push(row(serviceParty(s), datastoreParty(k, s.name), [tcp(DATASTORES[k].port)], "service", `${k} clients`));
    }
  }
  // Least privilege: each service its own database and the shared stores its row lists, nothing else.
  for (const s of micro) {
    for (const k of egress(s, "ownPolicy")) {
      f.push(row(serviceParty(s), datastoreParty(k, s.name), [tcp(DATASTORES[k].port)], "service", `${s.name}'s ${k}`));
    }
  }
  // A store's replicas reach each other on their peer ports, found by the headless Service: pod IPs.
  for (const k of kindsInUse(services).filter((x) => Object.keys(datastoreRow(x).peerPorts).length > 0)) {
    const store = datastoreParty(k, "");
    f.push(row(store, store, Object.values(datastoreRow(k).peerPorts).map(tcp), "pod", `${k} replicas cluster`));
  }
  return f;
}

/**
 * The controller (ACME on the internet, the API server), the webhook the API server calls, the CA
 * injector. With HTTP-01 the controller checks its challenge through the load balancer on port 80;
 * with DNS-01 it calls Route 53 (HTTPS, through NAT) with credentials from the Pod Identity agent,
 * and its self check asks the cluster DNS only (components/ingress/cert-manager/chart.ts
 * `dns01SelfCheckValues`), which every pod may reach.
 */
function certManagerFlows(challenge: AcmeChallenge): FlowIntent[] {
  const controller = certManager("controller");
  const byChallenge =
    challenge === "http-01"
      ? [row(controller, addresses("internet"), [tcp(ACME_PORT), tcp(HTTP01_SELF_CHECK_PORT)], "outside", "ACME directories and the HTTP-01 self check")]
      : [
          row(controller, addresses("internet"), [tcp(ACME_PORT)], "outside", "ACME directories and Route 53's API, through NAT"),
          row(controller, addresses("pod-identity-agent"), [tcp(POD_IDENTITY_AGENT.port)], "outside", "credentials of its Route 53 role"),
        ];
  return [
    apiClient(controller, "cert-manager manages Certificates and Secrets"),
    ...byChallenge,
    // The API server calls the webhook from its endpoint ENIs, straight on the pod's port.
    row(addresses("api-server"), certManager("webhook"), [tcp(CERT_MANAGER_WEBHOOK_PORT)], "outside", "admission webhook"),
    apiClient(certManager("webhook"), "the webhook keeps its serving certificate in a Secret"),
    apiClient(certManager("cainjector"), "the CA injector patches webhook configurations"),
  ];
}

/** Prometheus scrapes every target (pod IPs) and is queried by Grafana; Alertmanager and the operators. */
function monitoringFlows(services: readonly ServiceSpec[]): FlowIntent[] {
  const { prometheus: p, alertmanager, grafana, operator, kubeStateMetrics } = MONITORING;
  const reloader = chartPort(M.prometheus, "reloader-web");
  const mesh = chartPort(M.alertmanager, "mesh-tcp");
  const apps: PodsParty = { kind: "pods", role: "application", namespace: NS.app.name, labelSets: services.map(serviceLabels) };
  const scrape = (to: FlowParty, ports: number[]) => row(p, to, ports.map(tcp), "pod", "Prometheus scrapes its targets' endpoints");
  const grafanaToAlertmanager = GRAFANA_ALERTMANAGER_DATASOURCE
    ? [row(grafana, alertmanager, [tcp(ALERTMANAGER_PORT)], "service", "Grafana's Alertmanager data source")]
    : [];
  return [
    scrape(apps, [METRICS_PORT]),
    ...kindsInUse(services).flatMap((k) => {
      const metrics = datastoreRow(k).metrics;
      return metrics ? [scrape(datastoreParty(k, ""), [metrics.port])] : [];
    }),
    scrape(TRAEFIK, [TRAEFIK_METRICS.port]),
    scrape(certManager("controller"), [CERT_MANAGER_METRICS.port]),
    scrape(KUBE_SYSTEM_PARTIES.coredns, [COREDNS_METRICS_PORT]),
    scrape(KUBE_SYSTEM_PARTIES.karpenter, [KARPENTER_METRICS.port]),
    scrape(KUBE_SYSTEM_PARTIES.awsLoadBalancerController, [AWS_LOAD_BALANCER_CONTROLLER_METRICS.port]),
    row(grafana, p, [tcp(PROMETHEUS_PORT)], "service", "Grafana's Prometheus data source"),
    scrape(p, [PROMETHEUS_PORT, reloader]),
    // Alertmanager runs the same config reloader as Prometheus, on the same port.
    row(p, alertmanager, [tcp(ALERTMANAGER_PORT), tcp(reloader)], "pod", "alerts, and the reloader's metrics"),
    ...grafanaToAlertmanager,
    row(alertmanager, alertmanager, [tcp(mesh), udp(mesh)], "pod", "Alertmanager replicas gossip"),
    // The receiver (Slack or an HTTPS webhook) is on the internet.
    row(alertmanager, addresses("internet"), [tcp(ALERT_RECEIVER_PORT)], "outside", "notifications"),
    apiClient(grafana, "Grafana's sidecars load dashboards and data sources from ConfigMaps and Secrets"),
    scrape(grafana, [GRAFANA_PORT]),
    scrape(operator, [chartPort(M.operator, "http")]),
    apiClient(operator, "the operator turns monitors and rules into configuration"),
    scrape(kubeStateMetrics, [chartPort(M.kubeStateMetrics, "http")]),
    apiClient(kubeStateMetrics, "kube-state-metrics lists the API's objects"),
    // node-exporter and the kubelet listen on the nodes' own addresses: no selector reaches them.
    row(p, addresses("nodes"), [tcp(chartPort(M.nodeExporter, "http-metrics")), tcp(KUBELET_PORT)], "outside", "node metrics"),
    // Service discovery through the `kubernetes` Service, and the API server's own metrics from its endpoints.
    apiClient(p, "service discovery and the API server's metrics"),
  ];
}

/**
 * kube-system: every pod (and node) resolves names with CoreDNS, which forwards to the VPC's
 * resolver and watches the API server; the EBS CSI controller calls EC2 through NAT with
 * credentials from the Pod Identity agent; the node plugin reads its Node object.
 */
function kubeSystemFlows(): FlowIntent[] {
  const { coredns, ebsCsiController, ebsCsiNode } = KUBE_SYSTEM_PARTIES;
  const dns = [udp(DNS_PORT), tcp(DNS_PORT)];
  return [
    row(EVERY_POD, coredns, dns, "service", "cluster DNS (large answers fall back to TCP)"),
    // Under the EKS VPC CNI a namespaceSelector admits host-network pods by their node's address.
    row(addresses("nodes"), coredns, dns, "outside", "host-network pods resolving cluster names"),
    row(coredns, addresses("vpc-resolver"), dns, "outside", "CoreDNS forwards to the node's resolver"),
    apiClient(coredns, "CoreDNS watches Services and EndpointSlices"),
    apiClient(ebsCsiController, "the controller and its sidecars watch claims, attachments and nodes"),
    row(ebsCsiController, addresses("internet"), [tcp(AWS_API_PORT)], "outside", "EC2 through NAT"),
    row(ebsCsiController, addresses("pod-identity-agent"), [tcp(POD_IDENTITY_AGENT.port)], "outside", "credentials of its IAM role"),
    apiClient(ebsCsiNode, "the node plugin reads its Node object (IMDS is out of reach)"),
    ...karpenterFlows(),
    ...loadBalancerControllerFlows(),
  ];
}

/**
 * The AWS Load Balancer Controller: the API server calls its webhooks (pods' readiness gates,
 * TargetGroupBindings) through the Service `aws-load-balancer-webhook-service`, i.e. on the pod's
 * port (aws-load-balancer-controller v3.5.0 `helm/aws-load-balancer-controller/templates/service.yaml`
 * 22-41, `webhook.yaml`); it watches Services, EndpointSlices, pods and nodes; it calls
 * Elastic Load Balancing and EC2 (and WAF, WAFv2, Shield, ACM, which its reference policy grants:
 * `docs/install/iam_policy.json`) on their regional endpoints through NAT, with credentials from
 * the Pod Identity agent. Kubelet probes on its health port (61779, `values.yaml` 313-327) come
 * from its own node, which EKS admits.
 */
function loadBalancerControllerFlows(): FlowIntent[] {
  const { awsLoadBalancerController: lbc } = KUBE_SYSTEM_PARTIES;
  return [
    row(addresses("api-server"), lbc, [tcp(AWS_LOAD_BALANCER_CONTROLLER_PORTS.webhook)], "outside", "admission webhooks: readiness gates, TargetGroupBindings"),
    apiClient(lbc, "the controller watches Services, EndpointSlices, pods and nodes and writes TargetGroupBindings"),
    row(lbc, addresses("internet"), [tcp(AWS_API_PORT)], "outside", "Elastic Load Balancing, EC2, WAF and Shield through NAT"),
    row(lbc, addresses("pod-identity-agent"), [tcp(POD_IDENTITY_AGENT.port)], "outside", "credentials of its IAM role"),
  ];
}

/**
 * Karpenter's controller works through the API server and AWS only: it never calls a kubelet
 * (no `nodes/proxy` in its RBAC). EC2, EKS, SQS and SSM are regional, IAM is global and pricing
 * sits in another region, so they go through NAT (aws/karpenter-provider-aws v1.14.1
 * pkg/operator/operator.go, pkg/providers/pricing/pricing.go); credentials come from the Pod
 * Identity agent. Kubelet probes on its health port come from its own node, which EKS admits.
 */
function karpenterFlows(): FlowIntent[] {
  const { karpenter } = KUBE_SYSTEM_PARTIES;
  return [
    apiClient(karpenter, "Karpenter watches pods and nodes, writes NodeClaims and Nodes, evicts pods"),
    row(karpenter, addresses("internet"), [tcp(AWS_API_PORT)], "outside", "EC2, EKS, SQS, SSM, IAM and pricing through NAT"),
    row(karpenter, addresses("pod-identity-agent"), [tcp(POD_IDENTITY_AGENT.port)], "outside", "credentials of its IAM role"),
  ];
}

/**
 * metrics-server: the API server's aggregator proxies `metrics.k8s.io` to a ready pod's own
 * address on its secure port (EKS routes to endpoints: kubernetes-sigs/metrics-server#1010 shows
 * the control plane dialling the pod IP; kube-aggregator `resolvers.go`, `proxy.ResolveEndpoint`
 * maps the APIService's port 443 to the Service's `targetPort`), from its ENIs in the
 * control-plane subnets; it scrapes every node's kubelet on 10250 at the node's InternalIP
 * (chart 3.13.1 `values.yaml` 95-99 `--kubelet-preferred-address-types=InternalIP,...`), and
 * reads Nodes and Pods and delegates authentication and authorization to the API server.
 */
function metricsServerFlows(): FlowIntent[] {
  const { metricsServer } = KUBE_SYSTEM_PARTIES;
  return [
    row(addresses("api-server"), metricsServer, [tcp(METRICS_SERVER_PORT)], "outside", "the aggregator serves the metrics API from the pods"),
    row(metricsServer, addresses("nodes"), [tcp(KUBELET_PORT)], "outside", "every kubelet's resource metrics"),
    apiClient(metricsServer, "metrics-server lists Nodes and Pods and checks its callers' tokens"),
  ];
}

/** The Vault bootstrap Job's pods (components/secrets/bootstrap/job.ts `BOOTSTRAP_LABELS`). */
export const VAULT_BOOTSTRAP = pods("vault-bootstrap", "vault", { "app.kubernetes.io/name": "vault-bootstrap" });

/**
 * The bootstrap Job: its Vault steps call Vault (the in-cluster Service on 8200, or the existing
 * Vault's address), its kubectl step the API server (the recovery Secret, the status ConfigMap).
 * The platform adds these rows wherever Vault is used.
 */
export function vaultBootstrapFlows(vault: VaultLocation): FlowIntent[] {
  return [
    ...vaultClientFlow(VAULT_BOOTSTRAP, vault, "the bootstrap initialises and configures Vault"),
    apiClient(VAULT_BOOTSTRAP, "the bootstrap stores the encrypted recovery keys and its status"),
  ];
}

const ESO_ROLES = { controller: "external-secrets", webhook: "external-secrets-webhook", certController: "external-secrets-cert-controller" } as const;
export const EXTERNAL_SECRETS_PARTIES = {
  controller: pods(ESO_ROLES.controller, EXTERNAL_SECRETS_NAMESPACE, externalSecretsPodLabels("controller")),
  webhook: pods(ESO_ROLES.webhook, EXTERNAL_SECRETS_NAMESPACE, externalSecretsPodLabels("webhook")),
  certController: pods(ESO_ROLES.certController, EXTERNAL_SECRETS_NAMESPACE, externalSecretsPodLabels("certController")),
  reloader: pods("reloader", EXTERNAL_SECRETS_NAMESPACE, RELOADER_POD_LABELS),
};
/**
 * The External Secrets Operator (`secretsBackend: vault`): the controller reads Vault through its
 * Service and writes Secrets through the API server; the API server calls the webhook on its
 * pods' port (the chart's ValidatingWebhookConfiguration, `templates/validatingwebhook.yaml`);
 * the webhook reads its serving certificate and the cert controller writes it and patches the
 * webhook configuration and CRDs with its CA, all through the API server; Prometheus scrapes
 * the controller.
 */
export function externalSecretsFlows(vault: VaultLocation): FlowIntent[] {
  const { controller, webhook, certController, reloader } = EXTERNAL_SECRETS_PARTIES;
  return [
    apiClient(controller, "ESO reads its stores and ExternalSecrets, requests the consumers' tokens and writes Secrets"),
    ...vaultClientFlow(controller, vault, "ESO reads KV secrets and database credentials"),
    row(addresses("api-server"), webhook, [tcp(EXTERNAL_SECRETS_PORTS.webhook)], "outside", "admission webhook of the operator's resources"),
    apiClient(webhook, "the webhook reads its serving certificate"),
    apiClient(certController, "the cert controller writes the webhook's certificate and injects its CA"),
    row(MONITORING.prometheus, controller, [tcp(EXTERNAL_SECRETS_PORTS.metrics)], "pod", "Prometheus scrapes its targets' endpoints"),
    apiClient(reloader, "Reloader watches the synced Secrets and patches the workloads naming them"),
  ];
}


/**
 * What of a stack's shape the flows depend on: how the ACME issuers prove names (DNS-01 where the
 * stack has a hosted zone, HTTP-01 elsewhere), whether an NLB health-checks Traefik, and where
 * Vault is.
 */
export interface FlowContext {
  readonly challenge: AcmeChallenge;
  readonly edge: EdgeShape;
  readonly vault: VaultLocation;
}

/** Every allowed flow of the platform, in the order the policies list their rules. */
export function platformFlows(services: readonly ServiceSpec[], ctx: FlowContext): FlowIntent[] {
  const { challenge, vault } = ctx;
  const gateway = services.find((s) => s.role === "gateway")!;
  return [
    ...edgeFlows(gateway, ctx.edge, challenge),
    ...applicationFlows(services),
    ...certManagerFlows(challenge),
    ...monitoringFlows(services),
    ...kubeSystemFlows(),
    ...metricsServerFlows(),
    ...vaultFlows(vault, services),
    ...(vault.kind !== "none" ? vaultBootstrapFlows(vault) : []),
    ...(vault.kind !== "none" ? externalSecretsFlows(vault) : []),
  ];
}
