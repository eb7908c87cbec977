/**
 * The zero-trust NetworkPolicies as data: a pure function of the catalog, the tiers' pod labels
 * and ports, and the network plan. Every namespace the platform owns denies everything
 * (`deny-all-default`), lets its pods resolve names (`allow-dns`), and then opens each intended
 * flow on BOTH sides: the source's egress and the destination's ingress, since under a default
 * deny a flow needs the two. tests/netpol/proof.spec.ts proves the result equals the intended
 * matrix of DESIGN.md, flow by flow.
 */
import {
  DATASTORES,
  DATASTORE_KINDS,
  DatastoreInstance,
  DatastoreKind,
  KUBE_SYSTEM,
  METRICS_PORT,
  NAMESPACES,
  ServiceSpec,
  datastoreInstances,
  datastoreRow,
  instanceServing,
  serviceLabels,
  usersOf,
} from "../../catalog";
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
  selectorOf,
  tcp,
  traefik,
  udp,
} from "./peers";
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

/** The pods of a datastore instance, by its own labels (catalog/datastores.ts). */
function storePods(store: DatastoreInstance): NetworkPolicyPeer {
  return podsIn(store.namespace, store.labels);
}

/** Egress from `client` to the instance of `kind` serving it (its own, for a per-service kind). */
function toStore(kind: DatastoreKind, client: ServiceSpec, services: readonly ServiceSpec[]): NetworkPolicyEgressRule {
  return { to: [storePods(instanceServing(kind, client, services))], ports: [tcp(DATASTORES[kind].port)] };
}

/** The ingress of each datastore instance from its clients; its pods among themselves; Prometheus on its metrics port. */
function datastorePolicies(services: readonly ServiceSpec[]): PolicyManifest[] {
  const instances = DATASTORE_KINDS.flatMap((kind) => datastoreInstances(kind, services));
  const clientsOf = (store: DatastoreInstance) => store.clients.map((s) => podsIn(NS.app, serviceLabels(s)));
  const out = instances.map((store) =>
    policy(store.namespace, `allow-${store.id}-ingress`, { matchLabels: { ...store.labels } }, {
      ingress: [{ from: clientsOf(store), ports: [tcp(DATASTORES[store.kind].port)] }],
    }),
  );
  for (const store of instances) {
    const row = datastoreRow(store.kind);
    const peers = Object.values(row.peerPorts).map(tcp);
    // Peer discovery is by DNS (the headless Service): the nodes need each other, not the API server.
    if (peers.length > 0) {
      out.push(
        policy(store.namespace, `allow-${store.name}`, { matchLabels: { ...store.labels } }, {
          ingress: [{ from: [storePods(store)], ports: peers }],
          egress: [{ to: [storePods(store)], ports: peers }],
        }),
      );
    }
    if (row.metrics) {
      out.push(
        policy(store.namespace, "allow-monitoring-scraping", { matchLabels: { ...store.labels } }, {
          ingress: [{ from: [prometheus], ports: [tcp(row.metrics.port)] }],
        }),
      );
    }
  }
  return out;
}

/** Prometheus to every datastore instance exporting metrics. */
function datastoreScrapes(services: readonly ServiceSpec[]): NetworkPolicyEgressRule[] {
  return DATASTORE_KINDS.flatMap((kind) => {
    const metrics = datastoreRow(kind).metrics;
    return metrics ? datastoreInstances(kind, services).map((store) => ({ to: [storePods(store)], ports: [tcp(metrics.port)] })) : [];
  });
}

/** The application and data tiers: the catalog's rows, flow by flow. */
function applicationPolicies(inp: PolicyPlanInputs): PolicyManifest[] {
  const gateway = inp.services.find((s) => s.role === "gateway")!;
  const micro = inp.services.filter((s) => s.role === "microservice");
  const out: PolicyManifest[] = [];

  out.push(
    policy(NS.app, "allow-api-gateway-ingress", selectorOf([serviceLabels(gateway)]), {
      ingress: [{ from: [traefik], ports: [tcp(gateway.httpPort)] }],
    }),
    policy(NS.app, "allow-api-gateway-egress", selectorOf([serviceLabels(gateway)]), {
      // One rule per service: each on its own HTTP port.
      egress: [
        ...micro.map((s) => ({ to: [podsIn(NS.app, serviceLabels(s))], ports: [tcp(s.httpPort)] })),
        // The shared stores its row lists: the gateway owns no database.
        ...gateway.uses.filter((k) => datastoreRow(k).scope === "shared").map((k) => toStore(k, gateway, inp.services)),
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
  // A store nearly every service uses (the broker): one policy for all its clients.
  for (const kind of DATASTORE_KINDS.filter((k) => datastoreRow(k).clientEgress === "sharedPolicy")) {
    const users = usersOf(kind, micro);
    if (users.length === 0) continue;
    // One rule per instance the clients reach (a shared store has one).
    const egress = [...new Map(users.map((s) => toStore(kind, s, inp.services)).map((r) => [JSON.stringify(r), r])).values()];
    out.push(policy(NS.app, `allow-microservices-${kind}`, selectorOf(users.map(serviceLabels)), { egress }));
  }
  // Least privilege: each service its own database and the shared stores its row lists, nothing else.
  for (const s of micro) {
    const egress = s.uses.filter((k) => datastoreRow(k).clientEgress === "ownPolicy").map((k) => toStore(k, s, inp.services));
    if (egress.length > 0) out.push(policy(NS.app, `allow-${s.name}-database`, selectorOf([serviceLabels(s)]), { egress }));
  }
  out.push(...datastorePolicies(inp.services));
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
        ...datastoreScrapes(inp.services),
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
