/**
 * The EKS VPC CNI model against the API semantics: small policy sets whose verdict differs.
 * Upstream read: aws/amazon-network-policy-controller-k8s v1.1.7 (the controller, cited as
 * "controller") and aws/aws-network-policy-agent v1.4.1 (the node agent, cited as "agent").
 */
import { CniEvaluator, connectionEvaluator } from "../../tools/netpol/cni";
import { resolvePolicyEndpoints } from "../../tools/netpol/cni-controller";
import { Service } from "../../tools/netpol/types";
import {
  API_SERVER_CIDR,
  API_SERVER_ENIS,
  DNS,
  KUBERNETES,
  KUBERNETES_CLUSTER_IP,
  NODE_A,
  NODE_B,
  cluster,
  openEgress,
  openIngress,
  pathVerdicts,
  pod,
  policy,
  verdicts,
} from "./cni-fixtures";

const client = pod("app", "client");
const egressOnly = (name: string, to: object[], ports?: object[]) =>
  policy("app", name, { podSelector: { matchLabels: { app: "client" } }, policyTypes: ["Egress"], egress: [{ to: to as never, ...(ports ? { ports: ports as never } : {}) }] });
const toKubernetes = { service: KUBERNETES, port: 443 };

describe("(a) the kubernetes Service: egress is judged on its ClusterIP (controller pkg/resolvers/endpoints.go, getMatchingServiceClusterIPs)", () => {
  const enis = egressOnly("api-server", [{ ipBlock: { cidr: API_SERVER_CIDR } }], [{ port: 443 }]);

  test("an ipBlock on the API server's ENIs: the API allows the Service, the CNI model denies its ClusterIP", () => {
    const v = verdicts(cluster([client], [enis]), client, toKubernetes);
    expect([v.api, v.cni]).toEqual([true, false]);
    expect(v.apiVerdict.paths.map((p) => p.ip)).toEqual(API_SERVER_ENIS);
    expect(v.cniVerdict.paths[0].egress.why).toContain(`no entry holds ${KUBERNETES_CLUSTER_IP}`);
    // Dialing an ENI directly passes under both.
    expect(verdicts(cluster([client], [enis]), client, { ip: API_SERVER_ENIS[0], port: 443 })).toMatchObject({ api: true, cni: true });
  });

  test("an ipBlock on the ClusterIP as well lets it out under the CNI model", () => {
    const both = egressOnly("api-server", [{ ipBlock: { cidr: API_SERVER_CIDR } }, { ipBlock: { cidr: `${KUBERNETES_CLUSTER_IP}/32` } }], [{ port: 443 }]);
    expect(verdicts(cluster([client], [both]), client, toKubernetes)).toMatchObject({ api: true, cni: true });
  });

  test("a peer without podSelector matches a selector-less Service: its ClusterIP joins the rule (the API admits no ENI)", () => {
    // The peer's selector, `{}` when missing, is matched against the Service's selector as a label set; `{}` matches the empty set.
    const defaultNs = egressOnly("default-ns", [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "default" } } }], [{ port: 443 }]);
    expect(verdicts(cluster([client], [defaultNs]), client, toKubernetes)).toMatchObject({ api: false, cni: true });
    const labelled = egressOnly("labelled", [{ namespaceSelector: {}, podSelector: { matchLabels: { component: "apiserver" } } }], [{ port: 443 }]);
    expect(verdicts(cluster([client], [labelled]), client, toKubernetes)).toMatchObject({ api: false, cni: false });
  });
});

describe("(b) strict mode denies every pod no policy selects, kube-system included (agent pkg/rpc/rpc_handler.go, EnforceNpToPod)", () => {
  const coredns = pod("kube-system", "coredns", { "k8s-app": "kube-dns" }, { ports: DNS });
  const state = cluster([client, coredns], []);

  test("DNS to a CoreDNS pod: open under the API, denied under strict, open under standard", () => {
    const to = { pod: coredns, port: 53 };
    expect(verdicts(state, client, to, "UDP")).toMatchObject({ api: true, cni: false });
    expect(verdicts(state, client, to, "UDP", "standard").cni).toBe(true);
    expect(verdicts(state, client, to, "UDP").cniVerdict.paths[0]).toMatchObject({ egress: { allowed: false }, ingress: { allowed: false } });
  });

  test("CoreDNS' own egress to the VPC resolver is denied too", () => {
    expect(verdicts(state, coredns, { ip: "10.0.0.2", port: 53 }, "UDP")).toMatchObject({ api: true, cni: false });
  });

  test("one policy of any type selecting the pod lifts the default deny for the other direction (agent controllers/policyendpoints_controller.go)", () => {
    const ingressOnly = policy("kube-system", "dns-in", { podSelector: { matchLabels: { "k8s-app": "kube-dns" } }, policyTypes: ["Ingress"], ingress: [{ ports: [{ port: 53, protocol: "UDP" }] }] });
    const withPolicy = cluster([client, coredns], [ingressOnly, openEgress("app")]);
    expect(verdicts(withPolicy, client, { pod: coredns, port: 53 }, "UDP").cni).toBe(true);
    expect(verdicts(withPolicy, coredns, { ip: "10.0.0.2", port: 53 }, "UDP").cni).toBe(true);
  });
});

describe("(c) a headless Service never joins an egress rule: its clients reach pods by their addresses (controller pkg/k8s/service_utils.go, IsServiceHeadless)", () => {
  const db = pod("data", "db", { role: "primary" }, { ports: [{ name: "mysql", containerPort: 3306, protocol: "TCP" }] });
  const headless: Service = { namespace: "data", name: "db-peers", selector: { app: "db" }, clusterIP: "None", ports: [{ port: 3306 }] };
  const normal: Service = { namespace: "data", name: "db", selector: { app: "db" }, clusterIP: "172.20.5.5", ports: [{ port: 3306 }] };
  const dataNs = { "kubernetes.io/metadata.name": "data" };
  const toDb = egressOnly("to-db", [{ namespaceSelector: { matchLabels: dataNs }, podSelector: { matchLabels: { app: "db" } } }], [{ port: 3306 }]);

  test("the rule holds the pod addresses and the ClusterIP of the selector Service, nothing for the headless one", () => {
    const pe = resolvePolicyEndpoints(toDb, cluster([client, db], [toDb], [headless, normal]));
    expect(pe.egress.map((e) => e.cidr).sort()).toEqual([db.ip, normal.clusterIP].sort());
    const state = cluster([client, db], [toDb, openIngress("data")], [headless]);
    expect(verdicts(state, client, { pod: db, port: 3306 })).toMatchObject({ api: true, cni: true });
    expect(() => new CniEvaluator(state, "strict").evaluate({ from: { pod: client }, to: { service: headless, port: 3306 } })).toThrow(/headless/);
  });

  test("the peer's selector is matched against the Service's selector, not against its pods", () => {
    const narrower = egressOnly("to-primary", [{ namespaceSelector: { matchLabels: dataNs }, podSelector: { matchLabels: { app: "db", role: "primary" } } }], [{ port: 3306 }]);
    const state = cluster([client, db], [narrower, openIngress("data")], [normal]);
    expect(verdicts(state, client, { service: normal, port: 3306 })).toMatchObject({ api: true, cni: false });
    expect(verdicts(state, client, { pod: db, port: 3306 })).toMatchObject({ api: true, cni: true });
  });
});

describe("(d) host-network pods are never enforced (controller endpoints.go computePodSelectorEndpoints; agent controllers/policyendpoints_controller.go deriveTargetPods)", () => {
  const exporter = pod("monitoring", "node-exporter", {}, { hostNetwork: true, ip: NODE_B, nodeIp: NODE_B, ports: [{ name: "metrics", containerPort: 9100, protocol: "TCP" }] });
  const denyAll = policy("monitoring", "deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });

  test("a deny-all selecting it changes nothing, in either direction", () => {
    const state = cluster([client, exporter], [denyAll, openEgress("app")]);
    expect(verdicts(state, client, { pod: exporter, port: 9100 })).toMatchObject({ api: true, cni: true });
    expect(verdicts(state, exporter, { ip: "203.0.113.7", port: 443 })).toMatchObject({ api: true, cni: true });
    expect(new CniEvaluator(state, "strict").firewall(exporter, "Ingress").state).toBe("not-enforced");
  });

  test("but selectors do match it, by its node's address: a namespaceSelector peer admits it under the CNI model only", () => {
    const web = pod("app", "web");
    const fromMonitoring = policy("app", "from-monitoring", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }] }] });
    expect(verdicts(cluster([web, exporter], [fromMonitoring]), exporter, { pod: web, port: 8080 })).toMatchObject({ api: false, cni: true });
  });
});

describe("(e) a pod's own node (agent pkg/fwruleprocessor/fw_rule_processor.go, ComputeMapEntriesFromEndpointRules)", () => {
  const web = pod("app", "web");
  const denyAll = policy("app", "deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });

  test("kubelet probes from the pod's node pass a deny-all under both; another node's do not", () => {
    const state = cluster([web], [denyAll]);
    expect(verdicts(state, { ip: NODE_A }, { pod: web, port: 8080 })).toMatchObject({ api: true, cni: true });
    expect(verdicts(state, { ip: NODE_B }, { pod: web, port: 8080 })).toMatchObject({ api: false, cni: false });
    expect(verdicts(state, web, { ip: NODE_A, port: 10250 })).toMatchObject({ api: true, cni: true });
  });

  test("under strict mode a pod no policy selects gets no node entry: its probes fail (agent pkg/rpc/rpc_handler.go)", () => {
    const state = cluster([web], []);
    expect(verdicts(state, { ip: NODE_A }, { pod: web, port: 8080 })).toMatchObject({ api: true, cni: false });
    expect(verdicts(state, { ip: NODE_A }, { pod: web, port: 8080 }, "TCP", "standard").cni).toBe(true);
  });
});

describe("(f) Service port versus target port (controller endpoints.go getMatchingServicePort, pkg/k8s/service_utils.go LookupServiceListenPort)", () => {
  const web = pod("app", "web");
  const svc: Service = { namespace: "app", name: "web", selector: { app: "web" }, clusterIP: "172.20.3.3", ports: [{ name: "http", port: 80, targetPort: 8080 }, { name: "alt", port: 8000, targetPort: 8080 }] };
  const toWeb = (ports: object[]) => [egressOnly("to-web", [{ podSelector: { matchLabels: { app: "web" } } }], ports), openIngress("app")];

  test("a rule naming the container port admits the ClusterIP on the Service port that targets it; one naming the Service port admits neither", () => {
    // Upstream maps the rule's port to the listen port of the Service port whose targetPort it is.
    expect(verdicts(cluster([client, web], toWeb([{ port: 8080 }]), [svc]), client, { service: svc, port: 80 })).toMatchObject({ api: true, cni: true });
    expect(verdicts(cluster([client, web], toWeb([{ port: 80 }]), [svc]), client, { service: svc, port: 80 })).toMatchObject({ api: false, cni: false });
    expect(verdicts(cluster([client, web], toWeb([{ port: "http" }]), [svc]), client, { service: svc, port: 80 })).toMatchObject({ api: true, cni: true });
  });

  test("only the first Service port targeting the rule's port is admitted", () => {
    const v = verdicts(cluster([client, web], toWeb([{ port: 8080 }]), [svc]), client, { service: svc, port: 8000 });
    expect(v).toMatchObject({ api: true, cni: false });
    expect(v.cniVerdict.paths[0].egress.why).toContain(`${svc.clusterIP}/32 does not admit 8000/TCP`);
  });

  test("a port range is not mapped: only a start port that is a targetPort maps", () => {
    expect(verdicts(cluster([client, web], toWeb([{ port: 8000, endPort: 8100 }]), [svc]), client, { service: svc, port: 80 })).toMatchObject({ api: true, cni: false });
  });

  test("a named targetPort some backend resolves outside the rule's ports drops the ClusterIP for every backend (hasTargetPortBypass)", () => {
    const canary = pod("app", "web-canary", { app: "web" }, { ports: [{ name: "http", containerPort: 9090, protocol: "TCP" }] });
    const named: Service = { ...svc, ports: [{ name: "http", port: 80, targetPort: "http" }] };
    const v = verdicts(cluster([client, web, canary], toWeb([{ port: 8080 }]), [named]), client, { service: named, port: 80 });
    expect([pathVerdicts(v.apiVerdict), pathVerdicts(v.cniVerdict)]).toEqual([[true, false], [false, false]]);
  });
});

describe("egress rules the agent reads differently", () => {
  const server = pod("data", "server");

  test("a named port in a rule without `to` admits nothing: there is no pod to resolve it on (controller endpoints.go buildAllowAllEgress)", () => {
    const named = policy("app", "named", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ port: "http" }] }] });
    const v = verdicts(cluster([client, server], [named, openIngress("data")]), client, { pod: server, port: 8080 });
    expect(v).toMatchObject({ api: true, cni: false });
    expect(v.cniVerdict.paths[0]).toMatchObject({ egress: { allowed: false }, ingress: { allowed: true } });
  });

  test("an except block of one rule denies its range for every rule of the pod (agent fw_rule_processor.go)", () => {
    const kubeDns: Service = { namespace: "kube-system", name: "kube-dns", selector: { "k8s-app": "kube-dns" }, clusterIP: "172.20.0.10", ports: [{ name: "dns", port: 53, protocol: "UDP" }] };
    const internet = { ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] } };
    const p = policy("app", "out", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [internet], ports: [{ port: 443 }] }, { ports: [{ port: 53, protocol: "UDP" }] }] });
    const coredns = pod("kube-system", "coredns", { "k8s-app": "kube-dns" }, { ports: DNS });
    const state = cluster([client, coredns], [p], [kubeDns]);
    expect(verdicts(state, client, { service: kubeDns, port: 53 }, "UDP", "standard")).toMatchObject({ api: true, cni: false });
    expect(verdicts(state, client, { ip: "203.0.113.7", port: 53 }, "UDP", "standard")).toMatchObject({ api: true, cni: true });
  });

  test("egress rules of an Ingress-only policy are enforced, the API ignores them (controller endpoints.go Resolve)", () => {
    const p = policy("app", "in-only", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}], egress: [{ ports: [{ port: 443 }] }] });
    const v = verdicts(cluster([client, server], [p, openIngress("data")]), client, { pod: server, port: 8080 });
    expect(v).toMatchObject({ api: true, cni: false });
    expect(v.cniVerdict.paths[0].egress.why).toContain("0.0.0.0/0 does not admit 8080/TCP");
  });
});

test("the evaluator is chosen by semantics, and the CNI model refuses Services without a ClusterIP", () => {
  const state = cluster([client], []);
  expect(connectionEvaluator(state, { kind: "kubernetes-api" }).semantics).toBe("kubernetes-api");
  expect(connectionEvaluator(state, { kind: "eks-vpc-cni", enforcingMode: "strict" }).semantics).toBe("eks-vpc-cni");
  const unknown: Service = { namespace: "app", name: "web", selector: { app: "web" }, ports: [{ port: 80 }] };
  expect(() => connectionEvaluator(cluster([client], [], [unknown]), { kind: "eks-vpc-cni", enforcingMode: "strict" })).toThrow(/clusterIP .* missing for app\/web/);
  expect(connectionEvaluator(cluster([client], [], [unknown]), { kind: "kubernetes-api" }).evaluate({ from: { pod: client }, to: { service: unknown, port: 80 } }).paths).toEqual([]);
});
