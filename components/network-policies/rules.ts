/**
 * The zero-trust NetworkPolicies as data: a pure function of the catalog, the tiers' pod labels
 * and ports, and the network plan. Every namespace the platform owns denies everything
 * (`deny-all-default`), lets its pods resolve names (`allow-dns`), and then opens each intended
 * flow on BOTH sides: the source's egress and the destination's ingress, since under a default
 * deny a flow needs the two. tests/netpol/proof.spec.ts proves the result equals the intended
 * matrix of DESIGN.md, flow by flow.
 */
import { DATASTORES, DatastoreKind, KUBE_SYSTEM, METRICS_PORT, NAMESPACES, ServiceSpec, WORKLOAD_LABELS, databaseName, serviceLabels, usersOf } from "../../catalog";
import { ACME_HTTP01_SOLVER, CERT_MANAGER_METRICS, CERT_MANAGER_WEBHOOK_PORT, certManagerPodLabels } from "../ingress/cert-manager/chart";
import { ALERTMANAGER_PORT, GRAFANA_ALERTMANAGER_DATASOURCE, GRAFANA_PORT, PROMETHEUS_PORT, RELEASE } from "../monitoring/kube-prometheus-stack/chart";
import {
  ACME_PORTS,
  ALLOW_DNS,
  API_SERVER_PORT,
  DEFAULT_DENY,
  KUBELET_PORT,
  KUBE_DNS,
  M,
  NS,
  PolicyManifest,
  PolicyPlanInputs,
  addressPeers,
  chartPort,
  chartRow,
  podsIn,
  podsMatching,
  policy,
  prometheus,
  rabbitmq,
  selectorOf,
  tcp,
  traefik,
  udp,
} from "./peers";
import { RABBITMQ_PORTS } from "../data/rabbitmq";
import { ENTRYPOINTS, TRAEFIK_METRICS } from "../ingress/traefik/chart";
import type { NetworkPolicyEgressRule, NetworkPolicyPeer } from "../../lib/network-policy";

export { ALLOW_DNS, DEFAULT_DENY, selectorOf };
export type { PolicyManifest, PolicyPlanInputs };

/** Namespace-wide: deny everything, then DNS to kube-dns only, on UDP and TCP (large answers use TCP). */
function baseline(namespace: string): PolicyManifest[] {
  return [
    { namespace, name: DEFAULT_DENY, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
    policy(namespace, ALLOW_DNS, {}, { egress: [{ to: [podsIn(KUBE_SYSTEM, KUBE_DNS.labels)], ports: [udp(KUBE_DNS.port), tcp(KUBE_DNS.port)] }] }),
  ];
}

/** Where a shared datastore's pods are, by kind. */
function datastorePeer(kind: DatastoreKind): NetworkPolicyPeer {
  const labels = kind === "redis" ? WORKLOAD_LABELS.redis() : kind === "minio" ? WORKLOAD_LABELS.minio() : WORKLOAD_LABELS.rabbitmq();
  return podsIn(DATASTORES[kind].namespace, labels);
}

/** The application and data tiers: the catalog's rows, flow by flow. */
function applicationPolicies(inp: PolicyPlanInputs): PolicyManifest[] {
  const gateway = inp.services.find((s) => s.role === "gateway")!;
  const micro = inp.services.filter((s) => s.role === "microservice");
  const out: PolicyManifest[] = [];
  const clientsOf = (users: readonly ServiceSpec[]) => users.map((s) => podsIn(NS.app, serviceLabels(s)));

  out.push(
    policy(NS.app, "allow-api-gateway-ingress", selectorOf([serviceLabels(gateway)]), {
      ingress: [{ from: [traefik], ports: [tcp(gateway.httpPort)] }],
    }),
    policy(NS.app, "allow-api-gateway-egress", selectorOf([serviceLabels(gateway)]), {
      // One rule per service: each on its own HTTP port.
      egress: [
        ...micro.map((s) => ({ to: [podsIn(NS.app, serviceLabels(s))], ports: [tcp(s.httpPort)] })),
        ...gateway.uses
          .filter((k) => k !== "mysql")
          .map((k) => ({ to: [datastorePeer(k)], ports: [tcp(DATASTORES[k].port)] })),
      ],
    }),
  );
  if (micro.length > 0) {
    out.push(
      policy(NS.app, "allow-microservices-ingress", selectorOf(micro.map(serviceLabels)), {
        ingress: [{ from: [podsIn(NS.app, serviceLabels(gateway))], ports: [...new Set(micro.map((s) => s.httpPort))].map(tcp) }],
      }),
    );
  }
  out.push(
    policy(NS.app, "allow-monitoring-scraping", selectorOf(inp.services.map(serviceLabels)), {
      ingress: [{ from: [prometheus], ports: [tcp(METRICS_PORT)] }],
    }),
  );
  const brokerUsers = usersOf("rabbitmq", micro);
  if (brokerUsers.length > 0) {
    out.push(
      policy(NS.app, "allow-microservices-rabbitmq", selectorOf(brokerUsers.map(serviceLabels)), {
        egress: [{ to: [rabbitmq], ports: [tcp(DATASTORES.rabbitmq.port)] }],
      }),
    );
  }
  // Least privilege: each service its own database and the shared stores its row lists, nothing else.
  for (const s of micro) {
    const egress: NetworkPolicyEgressRule[] = s.uses
      .filter((k) => k !== "rabbitmq")
      .map((k) => ({
        to: [k === "mysql" ? podsIn(NS.app, WORKLOAD_LABELS.mysql(s.name)) : datastorePeer(k)],
        ports: [tcp(DATASTORES[k].port)],
      }));
    if (egress.length > 0) out.push(policy(NS.app, `allow-${s.name}-database`, selectorOf([serviceLabels(s)]), { egress }));
  }
  for (const s of usersOf("mysql", inp.services)) {
    out.push(
      policy(NS.app, `allow-${databaseName(s.name)}-ingress`, selectorOf([WORKLOAD_LABELS.mysql(s.name)]), {
        ingress: [{ from: [podsIn(NS.app, serviceLabels(s))], ports: [tcp(DATASTORES.mysql.port)] }],
      }),
    );
  }
  for (const kind of ["redis", "minio", "rabbitmq"] as const) {
    const users = usersOf(kind, inp.services);
    if (users.length === 0) continue;
    const peer = datastorePeer(kind);
    out.push(
      policy(DATASTORES[kind].namespace, `allow-${kind}-ingress`, peer.podSelector!, {
        ingress: [{ from: clientsOf(users), ports: [tcp(DATASTORES[kind].port)] }],
      }),
    );
  }
  const peers = [tcp(RABBITMQ_PORTS.epmd), tcp(RABBITMQ_PORTS.clustering)];
  out.push(
    // Peer discovery is by DNS (the headless Service): the nodes need each other, not the API server.
    policy(NS.messaging, "allow-rabbitmq-cluster", rabbitmq.podSelector!, {
      ingress: [{ from: [rabbitmq], ports: peers }],
      egress: [{ to: [rabbitmq], ports: peers }],
    }),
    policy(NS.messaging, "allow-monitoring-scraping", rabbitmq.podSelector!, {
      ingress: [{ from: [prometheus], ports: [tcp(RABBITMQ_PORTS.prometheus)] }],
    }),
  );
  return out;
}

/** Traefik and cert-manager: the edge, the ACME solvers, the webhook. */
function edgePolicies(inp: PolicyPlanInputs): PolicyManifest[] {
  const gateway = inp.services.find((s) => s.role === "gateway")!;
  const a = addressPeers(inp);
  const toApi: NetworkPolicyEgressRule = { to: a.apiServer, ports: [tcp(API_SERVER_PORT)] };
  const solver = podsIn(NS.app, ACME_HTTP01_SOLVER.labels);
  const traefikPods = traefik.podSelector!;
  const cm = (c: "controller" | "webhook" | "cainjector") => ({ matchLabels: certManagerPodLabels(c) });
  return [
    policy(NS.traefik, "allow-traefik-ingress", traefikPods, {
      // The NLB's instance targets keep the client's address (externalTrafficPolicy Local).
      ingress: [{ from: a.internet, ports: [tcp(ENTRYPOINTS.web.port), tcp(ENTRYPOINTS.websecure.port)] }],
    }),
    policy(NS.traefik, "allow-traefik-egress", traefikPods, {
      egress: [
        { to: [podsIn(NS.app, serviceLabels(gateway))], ports: [tcp(gateway.httpPort)] },
        { to: [solver], ports: [tcp(ACME_HTTP01_SOLVER.port)] },
        // Traefik watches Ingresses, Services and EndpointSlices.
        toApi,
      ],
    }),
    policy(NS.traefik, "allow-monitoring-scraping", traefikPods, { ingress: [{ from: [prometheus], ports: [tcp(TRAEFIK_METRICS.port)] }] }),
    policy(NS.app, "allow-acme-solver-ingress", { matchLabels: { ...ACME_HTTP01_SOLVER.labels } }, {
      ingress: [{ from: [traefik], ports: [tcp(ACME_HTTP01_SOLVER.port)] }],
    }),
    policy(NS.certManager, "allow-cert-manager-egress", cm("controller"), {
      egress: [toApi, { to: a.internet, ports: ACME_PORTS.map(tcp) }],
    }),
    policy(NS.certManager, "allow-cert-manager-webhook", cm("webhook"), {
      // The API server calls the webhook from its endpoint ENIs, straight on the pod's port.
      ingress: [{ from: a.apiServer, ports: [tcp(CERT_MANAGER_WEBHOOK_PORT)] }],
      // It keeps its serving certificate in a Secret.
      egress: [toApi],
    }),
    policy(NS.certManager, "allow-cert-manager-cainjector", cm("cainjector"), { egress: [toApi] }),
    policy(NS.certManager, "allow-monitoring-scraping", cm("controller"), {
      ingress: [{ from: [prometheus], ports: [tcp(CERT_MANAGER_METRICS.port)] }],
    }),
  ];
}

/** Port of the alert receivers Alertmanager may reach: HTTPS (Slack, webhooks). */
export const ALERT_RECEIVER_PORT = 443;

/** What the monitoring policies share: the API server rule, peers in `monitoring`, the chart's ports. */
function monitoringContext(inp: PolicyPlanInputs) {
  const a = addressPeers(inp);
  const mesh = chartPort(M.alertmanager, "mesh-tcp");
  return {
    a,
    toApi: { to: a.apiServer, ports: [tcp(API_SERVER_PORT)] } as NetworkPolicyEgressRule,
    mon: (labels: Readonly<Record<string, string>>) => podsIn(NS.monitoring, labels),
    reloader: chartPort(M.prometheus, "reloader-web"),
    operatorPort: chartPort(M.operator, "http"),
    ksmPort: chartPort(M.kubeStateMetrics, "http"),
    nodeExporterPort: chartPort(M.nodeExporter, "http-metrics"),
    meshPorts: [tcp(mesh), udp(mesh)],
  };
}

/** Prometheus scrapes every target and is queried by Grafana. */
function prometheusPolicies(inp: PolicyPlanInputs): PolicyManifest[] {
  const { a, toApi, mon, reloader, operatorPort, ksmPort, nodeExporterPort } = monitoringContext(inp);
  return [
    policy(NS.monitoring, "allow-prometheus-egress", { matchLabels: { ...M.prometheus } }, {
      egress: [
        { to: [podsMatching(NS.app, selectorOf(inp.services.map(serviceLabels)))], ports: [tcp(METRICS_PORT)] },
        { to: [rabbitmq], ports: [tcp(RABBITMQ_PORTS.prometheus)] },
        { to: [traefik], ports: [tcp(TRAEFIK_METRICS.port)] },
        { to: [podsIn(NS.certManager, certManagerPodLabels("controller"))], ports: [tcp(CERT_MANAGER_METRICS.port)] },
        { to: [podsIn(KUBE_SYSTEM, KUBE_DNS.labels)], ports: [tcp(KUBE_DNS.metricsPort)] },
        { to: [mon(M.prometheus)], ports: [tcp(PROMETHEUS_PORT), tcp(reloader)] },
        // Alertmanager runs the same config reloader as Prometheus, on the same port.
        { to: [mon(M.alertmanager)], ports: [tcp(ALERTMANAGER_PORT), tcp(reloader)] },
        { to: [mon(M.grafana)], ports: [tcp(GRAFANA_PORT)] },
        { to: [mon(M.operator)], ports: [tcp(operatorPort)] },
        { to: [mon(M.kubeStateMetrics)], ports: [tcp(ksmPort)] },
        // node-exporter and the kubelet listen on the nodes' own addresses: no selector reaches them.
        { to: a.nodes, ports: [tcp(nodeExporterPort), tcp(KUBELET_PORT)] },
        // Service discovery, and the API server's own metrics.
        toApi,
      ],
    }),
    policy(NS.monitoring, "allow-prometheus-ingress", { matchLabels: { ...M.prometheus } }, {
      ingress: [
        { from: [mon(M.grafana)], ports: [tcp(PROMETHEUS_PORT)] },
        { from: [mon(M.prometheus)], ports: [tcp(PROMETHEUS_PORT), tcp(reloader)] },
      ],
    }),
  ];
}

/** Alertmanager, Grafana, the operator and kube-state-metrics. */
function monitoringPolicies(inp: PolicyPlanInputs): PolicyManifest[] {
  const { a, toApi, mon, reloader, operatorPort, ksmPort, meshPorts } = monitoringContext(inp);
  // Grafana's server queries its Alertmanager data source (GRAFANA_ALERTMANAGER_DATASOURCE).
  const grafanaToAlertmanager = GRAFANA_ALERTMANAGER_DATASOURCE ? [tcp(ALERTMANAGER_PORT)] : [];
  return [
    ...prometheusPolicies(inp),
    policy(NS.monitoring, "allow-alertmanager", { matchLabels: { ...M.alertmanager } }, {
      ingress: [
        { from: [mon(M.prometheus)], ports: [tcp(ALERTMANAGER_PORT), tcp(reloader)] },
        ...(grafanaToAlertmanager.length > 0 ? [{ from: [mon(M.grafana)], ports: grafanaToAlertmanager }] : []),
        { from: [mon(M.alertmanager)], ports: meshPorts },
      ],
      egress: [
        { to: [mon(M.alertmanager)], ports: meshPorts },
        // The receiver (Slack or an HTTPS webhook) is on the internet.
        { to: a.internet, ports: [tcp(ALERT_RECEIVER_PORT)] },
      ],
    }),
    policy(NS.monitoring, "allow-grafana", { matchLabels: { ...M.grafana } }, {
      ingress: [{ from: [mon(M.prometheus)], ports: [tcp(GRAFANA_PORT)] }],
      // Its sidecars load dashboards and data sources from ConfigMaps and Secrets.
      egress: [
        { to: [mon(M.prometheus)], ports: [tcp(PROMETHEUS_PORT)] },
        ...(grafanaToAlertmanager.length > 0 ? [{ to: [mon(M.alertmanager)], ports: grafanaToAlertmanager }] : []),
        toApi,
      ],
    }),
    policy(NS.monitoring, "allow-prometheus-operator", { matchLabels: { ...M.operator } }, {
      ingress: [{ from: [mon(M.prometheus)], ports: [tcp(operatorPort)] }],
      egress: [toApi],
    }),
    policy(NS.monitoring, "allow-kube-state-metrics", { matchLabels: { ...M.kubeStateMetrics } }, {
      ingress: [{ from: [mon(M.prometheus)], ports: [tcp(ksmPort)] }],
      egress: [toApi],
    }),
  ];
}

/** Workloads that need no policy of their own in a default-deny namespace, and why. */
export const POLICY_EXEMPTIONS: readonly { readonly workload: string; readonly reason: string }[] = [
  {
    workload: `${NS.monitoring}/${chartRow(M.nodeExporter).name.replace("{release}", RELEASE)}`,
    reason: "runs on the node's network (hostNetwork): NetworkPolicies do not select it; Prometheus reaches it by the nodes' subnets",
  },
];

/** Policies whose ipBlocks cover pod addresses on purpose, and why. */
export const IPBLOCK_EXEMPTIONS: readonly { readonly policy: string; readonly reason: string }[] = [
  {
    policy: `${NS.monitoring}/allow-prometheus-egress`,
    reason:
      "node-exporter and the kubelet listen on the nodes' addresses, in the subnets the pods share; the rule opens only their two ports",
  },
];

/** Every NetworkPolicy of the platform, namespace by namespace. */
export function networkPolicyPlan(inp: PolicyPlanInputs): PolicyManifest[] {
  return [
    ...Object.values(NAMESPACES).flatMap((ns) => baseline(ns.name)),
    ...applicationPolicies(inp),
    ...edgePolicies(inp),
    ...monitoringPolicies(inp),
  ];
}
