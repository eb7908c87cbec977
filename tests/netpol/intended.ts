/**
 * The intended flow matrix of DESIGN.md, written as a plain list of
 * `source workload -> destination workload : port/protocol`, from the catalog's rows and the
 * platform's release names. It knows nothing of selectors or of the policy generator: the proof
 * compares the two.
 */
import { DATASTORES, METRICS_PORT, NAMESPACES, SERVICES, ServiceSpec, databaseName } from "../../catalog";
import { CERT_MANAGER_NAME } from "../../components/ingress/cert-manager/chart";
import { MINIO_NAME } from "../../components/data/minio";
import { RELEASE } from "../../components/monitoring/kube-prometheus-stack/chart";
import { RABBITMQ_NAME } from "../../components/data/rabbitmq";
import { REDIS_NAME } from "../../components/data/redis";
import { TRAEFIK_NAME } from "../../components/ingress/traefik/chart";
import type { FlowKey } from "../../tools/netpol/matrix";
import { API_SERVER_ID, INTERNET_ID, KUBE_DNS_ID, PlatformModel } from "../../tools/netpol/model";
import type { Protocol } from "../../tools/netpol/types";

const app = (name: string) => `${NAMESPACES.app.name}/${name}`;
const messaging = (name: string) => `${NAMESPACES.messaging.name}/${name}`;
const mon = (name: string) => `${NAMESPACES.monitoring.name}/${name}`;
const cm = (name: string) => `${NAMESPACES.certManager.name}/${name}`;

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
};

const flow = (source: string, destination: string, port: number, protocol: Protocol = "TCP"): FlowKey => ({ source, destination, port, protocol });

/** Flows the policies open on purpose: DESIGN.md's list, row by row. */
export function intendedPlatformFlows(services: readonly ServiceSpec[] = SERVICES): FlowKey[] {
  const gateway = services.find((s) => s.role === "gateway")!;
  const micro = services.filter((s) => s.role === "microservice");
  const f: FlowKey[] = [];
  // The edge: the internet reaches Traefik's entry points only; Traefik, the gateway and the solvers.
  f.push(flow(INTERNET_ID, IDS.traefik, 8000), flow(INTERNET_ID, IDS.traefik, 8443));
  f.push(flow(IDS.traefik, app(gateway.name), gateway.httpPort), flow(IDS.traefik, IDS.solver, 8089), flow(IDS.traefik, API_SERVER_ID, 443));
  // The gateway to each microservice and to the broker.
  for (const s of micro) f.push(flow(app(gateway.name), app(s.name), s.httpPort));
  if (gateway.uses.includes("rabbitmq")) f.push(flow(app(gateway.name), IDS.rabbitmq, DATASTORES.rabbitmq.port));
  // A microservice to its own database and the stores its row lists.
  for (const s of micro) {
    if (s.uses.includes("mysql")) f.push(flow(app(s.name), app(databaseName(s.name)), DATASTORES.mysql.port));
    if (s.uses.includes("redis")) f.push(flow(app(s.name), IDS.redis, DATASTORES.redis.port));
    if (s.uses.includes("minio")) f.push(flow(app(s.name), IDS.minio, DATASTORES.minio.port));
    if (s.uses.includes("rabbitmq")) f.push(flow(app(s.name), IDS.rabbitmq, DATASTORES.rabbitmq.port));
  }
  // RabbitMQ clustering (epmd, inter-node).
  f.push(flow(IDS.rabbitmq, IDS.rabbitmq, 4369), flow(IDS.rabbitmq, IDS.rabbitmq, 25672));
  // Prometheus: metrics ports only, as the monitors and the chart scrape them.
  const p = IDS.prometheus;
  for (const s of services) f.push(flow(p, app(s.name), METRICS_PORT));
  f.push(
    flow(p, IDS.rabbitmq, 15692),
    flow(p, IDS.traefik, 9100),
    flow(p, IDS.certManager, 9402),
    flow(p, KUBE_DNS_ID, 9153),
    flow(p, IDS.kubeStateMetrics, 8080),
    flow(p, IDS.operator, 8080),
    flow(p, IDS.alertmanager, 9093),
    // Alertmanager's config reloader, which the chart's ServiceMonitor scrapes (kube-prometheus-stack
    // 88.5.3 `templates/alertmanager/servicemonitor.yaml` 48, `service.yaml` 47-52).
    flow(p, IDS.alertmanager, 8080),
    flow(p, IDS.grafana, 3000),
    flow(p, p, 9090),
    flow(p, p, 8080),
    flow(p, IDS.nodeExporter, 9100),
    flow(p, API_SERVER_ID, 443),
  );
  // Grafana queries Prometheus, and Alertmanager for its alerts and silences (the chart's
  // Alertmanager data source, kube-prometheus-stack 88.5.3 `templates/grafana/configmaps-datasources.yaml`).
  f.push(flow(IDS.grafana, p, 9090), flow(IDS.grafana, IDS.alertmanager, 9093), flow(IDS.grafana, API_SERVER_ID, 443));
  // Alertmanager notifies a receiver on the internet (Slack, an HTTPS webhook).
  f.push(flow(IDS.alertmanager, INTERNET_ID, 443));
  f.push(flow(IDS.operator, API_SERVER_ID, 443), flow(IDS.kubeStateMetrics, API_SERVER_ID, 443));
  f.push(flow(IDS.alertmanager, IDS.alertmanager, 9094, "TCP"), flow(IDS.alertmanager, IDS.alertmanager, 9094, "UDP"));
  // cert-manager: ACME on the internet (443, and 80 for the HTTP-01 self check), the API server, its webhook.
  f.push(flow(IDS.certManager, API_SERVER_ID, 443), flow(IDS.certManager, INTERNET_ID, 443), flow(IDS.certManager, INTERNET_ID, 80));
  f.push(flow(IDS.webhook, API_SERVER_ID, 443), flow(API_SERVER_ID, IDS.webhook, 10250));
  f.push(flow(IDS.cainjector, API_SERVER_ID, 443));
  return f;
}

const PLATFORM_NAMESPACES: readonly string[] = Object.values(NAMESPACES).map((n) => n.name);

/**
 * The whole intended matrix for a model: the platform's flows, DNS from every platform pod, and
 * what no policy of the platform governs: traffic between endpoints outside its namespaces
 * (kube-system, the outsider's namespace, host-network pods, the internet, the API server).
 */
export function intendedFlows(model: PlatformModel, services: readonly ServiceSpec[] = SERVICES): FlowKey[] {
  const f = intendedPlatformFlows(services);
  const governed = (w: PlatformModel["workloads"][number]) => PLATFORM_NAMESPACES.includes(w.namespace) && !w.hostNetwork;
  for (const w of model.workloads.filter(governed)) f.push(flow(w.id, KUBE_DNS_ID, 53, "UDP"), flow(w.id, KUBE_DNS_ID, 53, "TCP"));
  const outside = [
    ...model.workloads.filter((w) => !governed(w)).map((w) => ({ id: w.id, pod: true, ports: w.ports })),
    ...model.externals.map((x) => ({ id: x.id, pod: false, ports: x.ports })),
  ];
  for (const s of outside) {
    for (const d of outside) {
      if (!s.pod && !d.pod) continue;
      for (const port of d.ports) f.push(flow(s.id, d.id, port.containerPort, port.protocol));
    }
  }
  return f;
}
