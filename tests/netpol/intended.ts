/**
 * The intended flow matrix of DESIGN.md, written as a plain list of
 * `source workload -> destination workload : port/protocol`, each with the path its client
 * takes: through a Service's ClusterIP, straight to pod IPs, from or to an address outside the
 * pod network, or between a pod and its own node. It is written from the catalog's rows, the
 * platform's release names and what each component does; it knows nothing of selectors, of the
 * policy generator or of catalog/flows.ts: the proof compares the two.
 */
import { DATASTORES, METRICS_PORT, NAMESPACES, SERVICES, ServiceSpec, databaseName } from "../../catalog";
import { COREDNS, EBS_CSI_CONTROLLER, EBS_CSI_NODE } from "../../components/foundation/kube-system-pods";
import { METRICS_SERVER_NAME } from "../../components/foundation/metrics-server/chart";
import { CERT_MANAGER_NAME } from "../../components/ingress/cert-manager/chart";
import { KARPENTER_NAME } from "../../components/foundation/karpenter/chart";
import { AWS_LOAD_BALANCER_CONTROLLER_NAME } from "../../components/foundation/aws-load-balancer-controller/chart";
import { MINIO_NAME } from "../../components/data/minio";
import { MONITORING_SERVICES, RELEASE } from "../../components/monitoring/kube-prometheus-stack/chart";
import { RABBITMQ_NAME } from "../../components/data/rabbitmq";
import { REDIS_NAME } from "../../components/data/redis";
import { TRAEFIK_NAME } from "../../components/ingress/traefik/chart";
import { EXTERNAL_SECRETS_NAME } from "../../components/secrets/external-secrets/chart";
import { RELOADER_NAME } from "../../components/secrets/reloader/chart";
import { VAULT_NAMESPACE } from "../../catalog/vault";
import type { PathFlowKey } from "../../tools/netpol/matrix";
import { API_SERVER_ID, INTERNET_ID, KUBELET_PORT, NODE_ID, PlatformModel } from "../../tools/netpol/model";
import { FlowPath, NODE_LOCAL_PATH, OUTSIDE_PATH, POD_PATH, servicePath } from "../../tools/netpol/paths";
import { LOAD_BALANCER_ID, POD_IDENTITY_AGENT_ID, VPC_RESOLVER_ID } from "../../tools/netpol/platform";
import type { Protocol } from "../../tools/netpol/types";
import type { VaultLocation } from "../../catalog/flows";
import { vaultEndpoint } from "../../config/vault";
import { StackName, stackSetting } from "../harness";

const APP = NAMESPACES.app.name;
const MESSAGING = NAMESPACES.messaging.name;
const MON = NAMESPACES.monitoring.name;
const app = (name: string) => `${APP}/${name}`;
const messaging = (name: string) => `${MESSAGING}/${name}`;
const mon = (name: string) => `${MON}/${name}`;
const cm = (name: string) => `${NAMESPACES.certManager.name}/${name}`;
const kubeSystem = (name: string) => `kube-system/${name}`;
const ESO_NAMESPACE = "external-secrets";
const eso = (name: string) => `${ESO_NAMESPACE}/${name}`;

export const IDS = {
  traefik: `${NAMESPACES.traefik.name}/${TRAEFIK_NAME}`,
  solver: app("cm-acme-http-solver"),
  certManager: cm(CERT_MANAGER_NAME),
  webhook: cm(`${CERT_MANAGER_NAME}-webhook`),
  cainjector: cm(`${CERT_MANAGER_NAME}-cainjector`),
  prometheus: mon(`prometheus-${RELEASE}`),
  alertmanager: mon(`alertmanager-${RELEASE}`),
  grafana: mon(`${RELEASE}-grafana`),
  operator: mon(`${RELEASE}-operator`),
  kubeStateMetrics: mon(`${RELEASE}-kube-state-metrics`),
  nodeExporter: mon(`${RELEASE}-prometheus-node-exporter`),
  redis: app(REDIS_NAME),
  minio: messaging(MINIO_NAME),
  rabbitmq: messaging(RABBITMQ_NAME),
  coredns: kubeSystem(COREDNS.name),
  ebsController: kubeSystem(EBS_CSI_CONTROLLER.name),
  ebsNode: kubeSystem(EBS_CSI_NODE.name),
  metricsServer: kubeSystem(METRICS_SERVER_NAME),
  karpenter: kubeSystem(KARPENTER_NAME),
  // The vault chart's StatefulSet, named after its release (hashicorp/vault-helm v0.34.1 `templates/server-statefulset.yaml` 15).
  vault: `${NAMESPACES.vault.name}/vault`,
  externalSecrets: eso(EXTERNAL_SECRETS_NAME),
  esoWebhook: eso(`${EXTERNAL_SECRETS_NAME}-webhook`),
  esoCertController: eso(`${EXTERNAL_SECRETS_NAME}-cert-controller`),
  loadBalancerController: kubeSystem(AWS_LOAD_BALANCER_CONTROLLER_NAME),
  reloader: eso(RELOADER_NAME),
};

/** The paths of DESIGN.md: clients of a Service dial its ClusterIP; API clients the `kubernetes` Service. */
export const PATHS = {
  kubernetes: servicePath("default", "kubernetes"),
  kubeDns: servicePath("kube-system", "kube-dns"),
  ofService: (name: string, namespace: string = APP) => servicePath(namespace, name),
};

const flow = (source: string, destination: string, port: number, path: FlowPath, protocol: Protocol = "TCP"): PathFlowKey => ({
  source,
  destination,
  port,
  protocol,
  path,
});
const apiClient = (source: string) => flow(source, API_SERVER_ID, 443, PATHS.kubernetes);

/**
 * How a stack's certificates are proved: by HTTP-01 (Let's Encrypt fetches a token through the
 * load balancer from a solver pod cert-manager starts) or by DNS-01 (a TXT record in the stack's
 * Route 53 zone, no solver pod), as its `ecommerce:hostedZone` says.
 */
export type Challenge = "http-01" | "dns-01";

export function challengeOf(hostedZone: string): Challenge {
  return hostedZone === "" ? "http-01" : "dns-01";
}

/** How a stack is exposed: behind the NLB, or on node ports. */
export interface Exposure {
  readonly nlb: boolean;
}

/** What of a stack the intended flows depend on: how certificates are proved, and whether an NLB fronts Traefik. */
export interface IntendedContext {
  readonly challenge: Challenge;
  readonly exposure: Exposure;
}

/** The edge, the gateway, the microservices and the data tier. */
function applicationFlows(services: readonly ServiceSpec[], ctx: IntendedContext): PathFlowKey[] {
  const gateway = services.find((s) => s.role === "gateway")!;
  const micro = services.filter((s) => s.role === "microservice");
  const broker = PATHS.ofService(RABBITMQ_NAME, MESSAGING);
  const f: PathFlowKey[] = [];
  // The internet (every stack's source ranges hold the model's internet address) reaches Traefik's
  // entry points only, with its own address (client IP preservation, or node ports' Local policy).
  f.push(flow(INTERNET_ID, IDS.traefik, 8000, OUTSIDE_PATH), flow(INTERNET_ID, IDS.traefik, 8443, OUTSIDE_PATH));
  // The NLB checks Traefik's /ping on its `traefik` entry point (traefik chart 41.3.0 `ports.traefik.port`).
  if (ctx.exposure.nlb) f.push(flow(LOAD_BALANCER_ID, IDS.traefik, 8080, OUTSIDE_PATH));
  f.push(flow(IDS.traefik, app(gateway.name), gateway.httpPort, POD_PATH), apiClient(IDS.traefik));
  // HTTP-01: Traefik routes the challenge to the solver pod's port 8089 (cert-manager v1.21.1 pkg/issuer/acme/http/pod.go).
  if (ctx.challenge === "http-01") f.push(flow(IDS.traefik, IDS.solver, 8089, POD_PATH));
  // The gateway to each microservice and to the broker, by their Services.
  for (const s of micro) f.push(flow(app(gateway.name), app(s.name), s.httpPort, PATHS.ofService(s.name)));
  if (gateway.uses.includes("rabbitmq")) f.push(flow(app(gateway.name), IDS.rabbitmq, DATASTORES.rabbitmq.port, broker));
  // A microservice to its own database and the stores its row lists.
  for (const s of micro) {
    if (s.uses.includes("mysql")) f.push(flow(app(s.name), app(databaseName(s.name)), DATASTORES.mysql.port, PATHS.ofService(databaseName(s.name))));
    if (s.uses.includes("redis")) f.push(flow(app(s.name), IDS.redis, DATASTORES.redis.port, PATHS.ofService(REDIS_NAME)));
    if (s.uses.includes("minio")) f.push(flow(app(s.name), IDS.minio, DATASTORES.minio.port, PATHS.ofService(MINIO_NAME, MESSAGING)));
    if (s.uses.includes("rabbitmq")) f.push(flow(app(s.name), IDS.rabbitmq, DATASTORES.rabbitmq.port, broker));
  }
  // RabbitMQ clustering (epmd, inter-node), peers found by the headless Service: pod IPs.
  f.push(flow(IDS.rabbitmq, IDS.rabbitmq, 4369, POD_PATH), flow(IDS.rabbitmq, IDS.rabbitmq, 25672, POD_PATH));
  return f;
}

/** Prometheus scrapes endpoints (pod IPs), the nodes and the API server; Grafana queries by Service. */
function monitoringFlows(services: readonly ServiceSpec[]): PathFlowKey[] {
  const p = IDS.prometheus;
  const scrape = (destination: string, port: number) => flow(p, destination, port, POD_PATH);
  const f: PathFlowKey[] = services.map((s) => scrape(app(s.name), METRICS_PORT));
  f.push(
    scrape(IDS.rabbitmq, 15692),
    scrape(IDS.traefik, 9100),
    scrape(IDS.certManager, 9402),
    scrape(IDS.coredns, 9153),
    // Karpenter's metrics port (aws/karpenter-provider-aws v1.14.1 charts/karpenter/values.yaml controller.metrics.port).
    scrape(IDS.karpenter, 8080),
    // The controller's metrics port (aws-load-balancer-controller chart 3.5.0 `deployment.yaml` 250-252, default 8080).
    scrape(IDS.loadBalancerController, 8080),
    scrape(IDS.kubeStateMetrics, 8080),
    scrape(IDS.operator, 8080),
    scrape(IDS.alertmanager, 9093),
    // Alertmanager's config reloader, which the chart's ServiceMonitor scrapes (kube-prometheus-stack
    // 88.5.3 `templates/alertmanager/servicemonitor.yaml` 48, `service.yaml` 47-52).
    scrape(IDS.alertmanager, 8080),
    scrape(IDS.grafana, 3000),
    scrape(p, 9090),
    scrape(p, 8080),
    scrape(IDS.nodeExporter, 9100),
    // The kubelet (and cAdvisor through it) of every node.
    flow(p, NODE_ID, KUBELET_PORT, OUTSIDE_PATH),
    // Service discovery through the `kubernetes` Service; the API server's own metrics from its endpoints.
    apiClient(p),
    flow(p, API_SERVER_ID, 443, OUTSIDE_PATH),
  );
  // Grafana's data sources: Prometheus and Alertmanager by the chart's Services
  // (kube-prometheus-stack 88.5.3 `templates/grafana/configmaps-datasources.yaml`); its sidecars watch the API.
  f.push(
    flow(IDS.grafana, p, 9090, PATHS.ofService(MONITORING_SERVICES.chartPrometheus, MON)),
    flow(IDS.grafana, IDS.alertmanager, 9093, PATHS.ofService(MONITORING_SERVICES.alertmanager, MON)),
    apiClient(IDS.grafana),
  );
  // Alertmanager notifies a receiver on the internet (Slack, an HTTPS webhook) and gossips with its peers.
  f.push(flow(IDS.alertmanager, INTERNET_ID, 443, OUTSIDE_PATH));
  f.push(flow(IDS.alertmanager, IDS.alertmanager, 9094, POD_PATH, "TCP"), flow(IDS.alertmanager, IDS.alertmanager, 9094, POD_PATH, "UDP"));
  f.push(apiClient(IDS.operator), apiClient(IDS.kubeStateMetrics));
  return f;
}

/**
 * cert-manager: ACME on the internet (443), the API server, its webhook. HTTP-01 checks its own
 * challenge through the load balancer (80); DNS-01 calls Route 53 (443, a global endpoint on the
 * internet) with credentials from the Pod Identity agent (80), and checks the record through the
 * cluster DNS, which every pod reaches anyway.
 */
function certManagerFlows(challenge: Challenge): PathFlowKey[] {
  const byChallenge =
    challenge === "http-01" ? [flow(IDS.certManager, INTERNET_ID, 80, OUTSIDE_PATH)] : [flow(IDS.certManager, POD_IDENTITY_AGENT_ID, 80, OUTSIDE_PATH)];
  return [
    apiClient(IDS.certManager),
    flow(IDS.certManager, INTERNET_ID, 443, OUTSIDE_PATH),
    ...byChallenge,
    apiClient(IDS.webhook),
    // The API server calls the webhook from its ENIs, straight on the pod's port.
    flow(API_SERVER_ID, IDS.webhook, 10250, OUTSIDE_PATH),
    apiClient(IDS.cainjector),
  ];
}

/**
 * kube-system: CoreDNS resolves through the VPC's resolver and watches the API server; the EBS
 * CSI controller calls EC2 through NAT with credentials from the Pod Identity agent; the node
 * plugin reads its Node object; the API server calls metrics-server, which scrapes the kubelets.
 */
function kubeSystemFlows(): PathFlowKey[] {
  const dns = (source: string, path: FlowPath) => [flow(source, VPC_RESOLVER_ID, 53, path, "UDP"), flow(source, VPC_RESOLVER_ID, 53, path, "TCP")];
  return [
    ...dns(IDS.coredns, OUTSIDE_PATH),
    apiClient(IDS.coredns),
    apiClient(IDS.ebsController),
    flow(IDS.ebsController, INTERNET_ID, 443, OUTSIDE_PATH),
    flow(IDS.ebsController, POD_IDENTITY_AGENT_ID, 80, OUTSIDE_PATH),
    apiClient(IDS.ebsNode),
    // metrics-server: the API server proxies the metrics API to the pods' secure port (chart
    // 3.13.1 `values.yaml` 68, `deployment.yaml` 81-84); it scrapes every kubelet and reads the API.
    flow(API_SERVER_ID, IDS.metricsServer, 10250, OUTSIDE_PATH),
    flow(IDS.metricsServer, NODE_ID, KUBELET_PORT, OUTSIDE_PATH),
    apiClient(IDS.metricsServer),
    // Karpenter: the API server, AWS's APIs through NAT (pricing and IAM have no regional
    // endpoint in the VPC), and its credentials from the Pod Identity agent.
    apiClient(IDS.karpenter),
    flow(IDS.karpenter, INTERNET_ID, 443, OUTSIDE_PATH),
    flow(IDS.karpenter, POD_IDENTITY_AGENT_ID, 80, OUTSIDE_PATH),
    // The AWS Load Balancer Controller: the API server calls its webhook port (chart 3.5.0
    // `deployment.yaml` 247-249, 9443) on the pods; it reads the API, calls ELB and EC2 through NAT
    // with credentials from the Pod Identity agent.
    flow(API_SERVER_ID, IDS.loadBalancerController, 9443, OUTSIDE_PATH),
    apiClient(IDS.loadBalancerController),
    flow(IDS.loadBalancerController, INTERNET_ID, 443, OUTSIDE_PATH),
    flow(IDS.loadBalancerController, POD_IDENTITY_AGENT_ID, 80, OUTSIDE_PATH),
  ];
}

/**
 * The External Secrets Operator, where the stack syncs its Secrets from Vault: the controller to
 * Vault's Service on 8200 and to the API server; the API server to the webhook's pods on 10250
 * (the chart's `webhook.port`); the webhook and the cert controller to the API server;
 * Prometheus to the controller's metrics on 8080 (`metrics.listen.port`).
 */
function externalSecretsFlows(model: PlatformModel): PathFlowKey[] {
  // Vault's server pods, where the stack runs them (an external Vault is outside the cluster).
  const vault = model.workloads.some((w) => w.id === IDS.vault) ? [flow(IDS.externalSecrets, IDS.vault, 8200, PATHS.ofService("vault", VAULT_NAMESPACE))] : [];
  return [
    apiClient(IDS.externalSecrets),
    ...vault,
    flow(API_SERVER_ID, IDS.esoWebhook, 10250, OUTSIDE_PATH),
    apiClient(IDS.esoWebhook),
    apiClient(IDS.esoCertController),
    flow(IDS.prometheus, IDS.externalSecrets, 8080, POD_PATH),
    // Reloader, beside the operator, watches Secrets and patches workloads through the API server.
    apiClient(IDS.reloader),
  ];
}

/**
 * The bootstrap Job (named in the matrix by its label, tools/netpol/model.ts `workloadName`): to Vault's
 * Service on 8200 where Vault runs in the cluster, and to the API server (the recovery Secret).
 */
function bootstrapFlows(model: PlatformModel): PathFlowKey[] {
  const job = model.workloads.find((w) => w.id === `${VAULT_NAMESPACE}/vault-bootstrap`);
  if (!job) return [];
  const vault = model.workloads.some((w) => w.id === IDS.vault) ? [flow(job.id, IDS.vault, 8200, PATHS.ofService("vault", VAULT_NAMESPACE))] : [];
  return [...vault, apiClient(job.id)];
}

/**
 * Vault in the cluster: its peers on the API port (retry_join) and the cluster port (raft, forwarding),
 * Prometheus scraping each server, the API server (TokenReview, pod labels), KMS through NAT with
 * Pod Identity credentials, and each service's MySQL by its Service (the database engine).
 */
function vaultFlows(services: readonly ServiceSpec[]): PathFlowKey[] {
  const v = IDS.vault;
  const f = [flow(v, v, 8200, POD_PATH), flow(v, v, 8201, POD_PATH), flow(IDS.prometheus, v, 8200, POD_PATH), apiClient(v)];
  f.push(flow(v, INTERNET_ID, 443, OUTSIDE_PATH), flow(v, POD_IDENTITY_AGENT_ID, 80, OUTSIDE_PATH));
  for (const s of services.filter((x) => x.uses.includes("mysql"))) {
    f.push(flow(v, app(databaseName(s.name)), DATASTORES.mysql.port, PATHS.ofService(databaseName(s.name))));
  }
  return f;
}

/** Where a committed stack puts Vault, from its stack file alone. */
export function stackVaultLocation(stack: StackName): VaultLocation {
  if (stackSetting<string>(stack, "secretsBackend") !== "vault") return { kind: "none" };
  const address = stackSetting<string>(stack, "vaultAddress");
  return address ? { kind: "external", port: vaultEndpoint(address).port } : { kind: "in-cluster" };
}

/** Flows the policies open on purpose: DESIGN.md's list, row by row. Vault's where the model runs it. */
export function intendedPlatformFlows(ctx: IntendedContext, services: readonly ServiceSpec[] = SERVICES, vaultRuns = false): PathFlowKey[] {
  return [
    ...applicationFlows(services, ctx),
    ...monitoringFlows(services),
    ...certManagerFlows(ctx.challenge),
    ...kubeSystemFlows(),
    ...(vaultRuns ? vaultFlows(services) : []),
  ];
}

/** Namespaces whose pods the platform's policies govern: its own, kube-system, and the operator's where it runs. */
export const GOVERNED_NAMESPACES: readonly string[] = [...Object.values(NAMESPACES).map((n) => n.name), "kube-system", ESO_NAMESPACE];

/**
 * The whole intended matrix for a model: the platform's flows; every pod of the cluster (the
 * outsider and host-network pods included) and every node to kube-dns on 53; each pod with its
 * own node (kubelet probes one way, anything the pod dials on its node the other), which no
 * NetworkPolicy can close on EKS; and what no policy of the platform governs: traffic among the
 * outsider, host-network pods and outside actors, as either side allows it.
 */
export function intendedFlows(model: PlatformModel, ctx: IntendedContext, services: readonly ServiceSpec[] = SERVICES): PathFlowKey[] {
  const f = intendedPlatformFlows(ctx, services, model.workloads.some((w) => w.id === IDS.vault));
  // The operator runs only where the stack's Secrets come from Vault.
  if (model.workloads.some((w) => w.id === IDS.externalSecrets)) f.push(...externalSecretsFlows(model));
  f.push(...bootstrapFlows(model));
  for (const w of model.workloads) f.push(flow(w.id, IDS.coredns, 53, PATHS.kubeDns, "UDP"), flow(w.id, IDS.coredns, 53, PATHS.kubeDns, "TCP"));
  if (model.nodeAddresses.length > 0) {
    f.push(flow(NODE_ID, IDS.coredns, 53, OUTSIDE_PATH, "UDP"), flow(NODE_ID, IDS.coredns, 53, OUTSIDE_PATH, "TCP"));
    for (const w of model.workloads.filter((x) => !x.hostNetwork)) {
      for (const port of w.ports) f.push(flow(NODE_ID, w.id, port.containerPort, NODE_LOCAL_PATH, port.protocol));
      f.push(flow(w.id, NODE_ID, KUBELET_PORT, NODE_LOCAL_PATH));
    }
  }
  const governed = (w: PlatformModel["workloads"][number]) => GOVERNED_NAMESPACES.includes(w.namespace) && !w.hostNetwork;
  const outside = [
    ...model.workloads.filter((w) => !governed(w)).map((w) => ({ id: w.id, pod: true, ports: w.ports, client: true })),
    ...model.externals.map((x) => ({ id: x.id, pod: false, ports: x.ports, client: !x.answersOnly })),
  ];
  for (const s of outside.filter((x) => x.client)) {
    for (const d of outside) {
      if (!s.pod && !d.pod) continue;
      // Every path the matrix probes: none of them crosses a policy of the platform.
      for (const port of d.ports) f.push({ source: s.id, destination: d.id, port: port.containerPort, protocol: port.protocol });
    }
  }
  return f;
}
