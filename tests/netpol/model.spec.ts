import * as k8s from "@pulumi/kubernetes";
import { KUBE_PROMETHEUS_STACK, MONITORING_POD_LABELS, RELEASE } from "../../components/monitoring/kube-prometheus-stack/chart";
import { TRAEFIK_POD_LABELS } from "../../components/ingress/traefik/chart";
import { CHART_WORKLOADS, ChartWorkload, chartName, chartReleases } from "../../tools/netpol/chart-workloads";
import { cidrRange, inRange, ipToInt } from "../../lib/ipv4";
import { API_SERVER_ID, INTERNET_ID, KUBE_DNS_ID, modelFromRender, modelPods, workloadName } from "../../tools/netpol/model";
import type { RecordedResource } from "../../tools/render/engine";
import { renderComponent } from "../harness";
import { chart, k8sObject, policy, rendered, shop, workload } from "./render";

describe("namespaces", () => {
  test("carry their labels plus the automatic name label; kube-system and the outsider's are added", () => {
    const m = modelFromRender(shop());
    expect(m.namespaces.map((n) => n.name)).toEqual(["app", "data", "kube-system", "outsider"]);
    expect(m.namespaces.find((n) => n.name === "app")!.labels).toEqual({ name: "app", "kubernetes.io/metadata.name": "app" });
    expect(m.namespaces.find((n) => n.name === "outsider")!.labels).toEqual({ "kubernetes.io/metadata.name": "outsider" });
  });

  test("a namespace used but not declared carries only the automatic label", () => {
    const m = modelFromRender(rendered(workload("Deployment", "elsewhere", "x", { app: "x" }, [])));
    expect(m.namespaces.find((n) => n.name === "elsewhere")!.labels).toEqual({ "kubernetes.io/metadata.name": "elsewhere" });
  });
});

describe("workloads", () => {
  test("Deployments, StatefulSets and DaemonSets with their pod labels and named ports", () => {
    const m = modelFromRender(
      shop(workload("DaemonSet", "app", "agent", { app: "agent" }, [["stats", 8125, "UDP"]], { hostNetwork: true })),
    );
    const byId = new Map(m.workloads.map((w) => [w.id, w]));
    expect([...byId.keys()]).toEqual(["app/agent", "app/web", "data/db", KUBE_DNS_ID, "outsider/outsider"]);
    expect(byId.get("app/web")).toMatchObject({
      kind: "Deployment",
      source: "render",
      labels: { app: "web" },
      ports: [
        { name: "http", containerPort: 8080, protocol: "TCP" },
        { name: "metrics", containerPort: 9090, protocol: "TCP" },
      ],
      hostNetwork: false,
    });
    expect(byId.get("app/agent")).toMatchObject({ hostNetwork: true, ports: [{ name: "stats", containerPort: 8125, protocol: "UDP" }] });
    expect(byId.get("app/agent")!.pods.every((p) => p.hostNetwork)).toBe(true);
  });

  test("each has two representative pods; StatefulSet pods carry their pod-name label", () => {
    const db = modelFromRender(shop()).workloads.find((w) => w.id === "data/db")!;
    expect(db.pods.map((p) => [p.name, p.labels["statefulset.kubernetes.io/pod-name"]])).toEqual([
      ["db-0", "db-0"],
      ["db-1", "db-1"],
    ]);
    expect(modelFromRender(shop(), { podsPerWorkload: 3 }).workloads[0].pods).toHaveLength(3);
  });

  test("Jobs, CronJobs, bare Pods and native sidecars are read too", () => {
    const template = { metadata: { labels: { app: "job" } }, spec: { containers: [{ name: "c" }], initContainers: [{ name: "proxy", restartPolicy: "Always", ports: [{ containerPort: 15001 }] }, { name: "init", ports: [{ containerPort: 1 }] }] } };
    const m = modelFromRender(
      rendered(
        k8sObject("batch/v1", "Job", "app", "migrate", { spec: { template } }),
        k8sObject("batch/v1", "CronJob", "app", "nightly", { spec: { jobTemplate: { spec: { template } } } }),
        k8sObject("v1", "Pod", "app", "debug", { metadata: { labels: { app: "debug" } }, spec: { containers: [{ name: "c" }] } }),
      ),
    );
    const ids = m.workloads.map((w) => w.id);
    expect(ids).toEqual(expect.arrayContaining(["app/migrate", "app/nightly", "app/debug"]));
    expect(m.workloads.find((w) => w.id === "app/nightly")!.ports).toEqual([{ containerPort: 15001, protocol: "TCP" }]);
    expect(m.workloads.find((w) => w.id === "app/debug")!.labels).toEqual({ app: "debug" });
  });

  test("pods get distinct addresses in the VPC's CIDR, avoiding the API server's", () => {
    const m = modelFromRender(shop(), { apiServer: { address: "10.10.1.0" } });
    expect(m.podCidr).toBe("10.10.0.0/16");
    const ips = modelPods(m).map((p) => p.ip);
    expect(new Set(ips).size).toBe(ips.length);
    expect(ips.every((ip) => inRange(ipToInt(ip)!, cidrRange("10.10.0.0/16")!))).toBe(true);
    expect(ips).not.toContain("10.10.1.0");
    expect(modelFromRender(rendered()).podCidr).toBe("10.0.0.0/16");
    expect(modelFromRender(shop(), { podCidr: "172.16.0.0/20" }).podCidr).toBe("172.16.0.0/20");
    expect(() => modelFromRender(shop(), { podCidr: "10.0.0.0/24" })).toThrow(/too small/);
  });
});

describe("Services and NetworkPolicies", () => {
  test("Service ports keep their targetPort, which defaults to the port", () => {
    const m = modelFromRender(shop());
    expect(m.services.filter((s) => s.namespace !== "kube-system")).toEqual([
      { namespace: "app", name: "web", selector: { app: "web" }, ports: [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }] },
      { namespace: "data", name: "db", selector: { app: "db" }, ports: [{ name: "mysql", port: 3306, targetPort: 3306, protocol: "TCP" }] },
    ]);
  });

  test("NetworkPolicies are read with their namespace and spec", () => {
    const spec = { podSelector: { matchLabels: { app: "db" } }, ingress: [{}] };
    expect(modelFromRender(shop(policy("data", "open-db", spec))).policies).toEqual([{ namespace: "data", name: "open-db", spec }]);
  });
});

describe("implicit actors", () => {
  test("CoreDNS in kube-system, an outsider pod whose namespace allows everything, and an internet address", () => {
    const m = modelFromRender(shop());
    expect(m.workloads.find((w) => w.id === KUBE_DNS_ID)).toMatchObject({
      source: "addon",
      labels: { "k8s-app": "kube-dns" },
      ports: [
        { containerPort: 53, protocol: "TCP" },
        { containerPort: 53, protocol: "UDP" },
        { containerPort: 9153, protocol: "TCP" },
      ],
    });
    expect(m.workloads.find((w) => w.id === "outsider/outsider")!.source).toBe("implicit");
    expect(m.implicitPolicies).toEqual([
      { namespace: "outsider", name: "allow-all", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] } },
    ]);
    expect(m.policies).toEqual([]);
    expect(m.externals.map((x) => [x.id, x.ip])).toEqual([[INTERNET_ID, "203.0.113.10"]]);
  });

  test("the API server is an actor only when its address is given", () => {
    const m = modelFromRender(shop(), { apiServer: { address: "10.10.255.10" } });
    expect(m.externals.find((x) => x.id === API_SERVER_ID)).toMatchObject({ ip: "10.10.255.10", ports: [{ containerPort: 443, protocol: "TCP" }] });
  });
});

describe("pods of Helm charts", () => {
  test("chart names are read from plain, repository and OCI references", () => {
    expect(["traefik", "traefik/traefik", "oci://ghcr.io/traefik/helm/traefik", "https://x/traefik-41.3.0.tgz"].map(chartName)).toEqual([
      "traefik", "traefik", "traefik", "traefik",
    ]);
    expect(chartReleases(rendered(chart("traefik", "traefik", "traefik"), chart("cm", "cert-manager", "cert-manager", "certs")))).toEqual([
      { chart: "traefik", release: "traefik", namespace: "traefik" },
      { chart: "cert-manager", release: "certs", namespace: "cert-manager" },
    ]);
  });

  test("a release adds its table rows' pods, with the release's name and namespace filled in", () => {
    const m = modelFromRender(rendered(chart("traefik", "traefik", "traefik"), chart("cm", "cert-manager", "cert-manager")));
    const traefik = m.workloads.find((w) => w.id === "traefik/traefik")!;
    // The ingress tier overrides the chart's instance label (`<release>-<namespace>`) with the release name.
    expect(traefik).toMatchObject({ source: "chart", labels: TRAEFIK_POD_LABELS });
    expect(traefik.ports.map((p) => p.containerPort)).toEqual([9100, 8080, 8000, 8443]);
    expect(m.workloads.filter((w) => w.namespace === "cert-manager").map((w) => w.name)).toEqual(["cm", "cm-cainjector", "cm-webhook"]);
  });

  test("kube-prometheus-stack's pods carry the monitoring tier's labels", () => {
    const m = modelFromRender(rendered(chart("monitoring", KUBE_PROMETHEUS_STACK.pin.chart, "monitoring", RELEASE)));
    const byName = new Map(m.workloads.filter((w) => w.source === "chart").map((w) => [w.name, w]));
    expect(byName.get(`prometheus-${RELEASE}`)!.labels).toMatchObject(MONITORING_POD_LABELS.prometheus);
    expect(byName.get(`${RELEASE}-grafana`)!.labels).toMatchObject(MONITORING_POD_LABELS.grafana);
    expect(byName.get(`${RELEASE}-prometheus-node-exporter`)!.hostNetwork).toBe(true);
    expect(byName.size).toBe(Object.keys(MONITORING_POD_LABELS).length);
  });

  test("every row of the table is sound", () => {
    const placeholders = (v: string) => (v.match(/\{[^}]*\}/g) ?? []).every((p) => p === "{release}" || p === "{namespace}");
    for (const row of CHART_WORKLOADS) {
      const where = `${row.chart}/${row.name}`;
      expect([where, Object.keys(row.labels).length > 0, row.purpose.length > 0]).toEqual([where, true, true]);
      expect([where, [row.name, ...Object.values(row.labels)].every(placeholders)]).toEqual([where, true]);
      const names = row.ports.map((p) => p.name);
      expect([where, new Set(names).size, names.every((n) => !!n && /^[a-z0-9-]{1,15}$/.test(n))]).toEqual([where, names.length, true]);
      for (const p of row.ports) expect([where, p.containerPort >= 1 && p.containerPort <= 65535, ["TCP", "UDP", "SCTP"].includes(p.protocol)]).toEqual([where, true, true]);
    }
    const keys = CHART_WORKLOADS.map((r) => `${r.chart}/${r.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test("without its chart in the render, a row adds nothing", () => {
    expect(modelFromRender(shop()).workloads.filter((w) => w.source === "chart")).toEqual([]);
  });

  const ingress = (ns: string, annotations: Record<string, string>) =>
    k8sObject("networking.k8s.io/v1", "Ingress", ns, `ing-${ns}`, { metadata: { annotations } });
  const issuer = (name: string, solvers: Record<string, unknown>[]) =>
    k8sObject("cert-manager.io/v1", "ClusterIssuer", undefined, name, { spec: { acme: { server: "https://acme.invalid/directory", solvers } } });
  const solversOf = (...extra: ReturnType<typeof issuer>[]) =>
    modelFromRender(
      rendered(
        chart("cm", "cert-manager", "cert-manager"),
        ingress("app", { "cert-manager.io/cluster-issuer": "letsencrypt-prod" }),
        ingress("other", { "traefik.ingress.kubernetes.io/router.tls": "true" }),
        ...extra,
      ),
    ).workloads.filter((w) => w.name === "cm-acme-http-solver").map((w) => w.id);

  test("solver pods run beside each annotated Ingress, where an issuer solves HTTP-01", () => {
    expect(solversOf(issuer("letsencrypt-prod", [{ http01: { ingress: { ingressClassName: "traefik" } } }]))).toEqual(["app/cm-acme-http-solver"]);
  });

  test("with DNS-01 issuers only, cert-manager starts no solver pod (pkg/issuer/acme/http/http.go 112-126 at v1.21.1)", () => {
    expect(solversOf(issuer("letsencrypt-prod", [{ dns01: { route53: {} }, selector: { dnsZones: ["shop.example.com"] } }]), issuer("selfsigned", []))).toEqual([]);
    expect(solversOf()).toEqual([]);
  });

  test("a tier's own table is used when given, and a clash with a rendered workload is an error", () => {
    const table: ChartWorkload[] = [
      { chart: "web", name: "web", kind: "Deployment", labels: { app: "web" }, ports: [], purpose: "test" },
    ];
    const r = shop(chart("web", "web", "app"));
    expect(() => modelFromRender(r, { chartWorkloads: table })).toThrow(/two workloads are named app\/web/);
    const m = modelFromRender(rendered(chart("web", "web", "app")), { chartWorkloads: table });
    expect(m.workloads.map((w) => w.id)).toContain("app/web");
  });
});

test("reads objects as the Kubernetes SDK registers them under mocks", async () => {
  const r = await renderComponent(() => {
    const labels = { app: "api" };
    new k8s.apps.v1.Deployment("api", {
      metadata: { name: "api", namespace: "app" },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "api", image: "api:1", ports: [{ name: "http", containerPort: 8000 }] }] } } },
    });
    new k8s.core.v1.Service("api", { metadata: { name: "api", namespace: "app" }, spec: { selector: labels, ports: [{ port: 8000, targetPort: "http" }] } });
    new k8s.networking.v1.NetworkPolicy("deny", { metadata: { name: "deny", namespace: "app" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } });
  });
  const m = modelFromRender(r);
  expect(m.workloads.find((w) => w.id === "app/api")!.ports).toEqual([{ name: "http", containerPort: 8000, protocol: "TCP" }]);
  expect(m.services[0].ports[0]).toEqual({ port: 8000, targetPort: "http", protocol: "TCP" });
  expect(m.policies.map((p) => `${p.namespace}/${p.name}`)).toEqual(["app/deny"]);
});


describe("what the EKS VPC CNI model needs: ClusterIPs, nodes, add-on pods", () => {
  const NODES = ["10.10.0.10", "10.10.64.10"];
  const withHeadless = () =>
    shop(
      k8sObject("v1", "Service", "data", "db-peers", { spec: { clusterIP: "None", selector: { app: "db" }, ports: [{ port: 3306 }] } }),
      workload("DaemonSet", "app", "agent", { app: "agent" }, [["stats", 8125, "UDP"]], { hostNetwork: true }),
    );

  test("kubernetes gets the range's first address, kube-dns its .10, the others from .100; a headless Service stays None", () => {
    const m = modelFromRender(withHeadless(), { serviceCidr: "172.20.0.0/16", apiServer: { address: "10.10.204.4" } });
    const ip = (ns: string, name: string) => m.services.find((s) => s.namespace === ns && s.name === name)?.clusterIP;
    expect(ip("default", "kubernetes")).toBe("172.20.0.1");
    expect(ip("kube-system", "kube-dns")).toBe("172.20.0.10");
    expect(ip("data", "db-peers")).toBe("None");
    expect([ip("app", "web"), ip("data", "db")]).toEqual(["172.20.0.100", "172.20.0.101"]);
    expect(m.services.find((s) => s.name === "kubernetes")).toMatchObject({ endpointAddresses: ["10.10.204.4"], ports: [{ port: 443, targetPort: 443 }] });
    // Without a range, no ClusterIP: the API semantics do not need one.
    expect(modelFromRender(withHeadless()).services.filter((s) => s.clusterIP !== undefined).map((s) => s.name)).toEqual(["db-peers"]);
  });

  test("pods are spread over the nodes; a host-network pod has its node's address; a node actor appears", () => {
    const m = modelFromRender(withHeadless(), { nodeAddresses: NODES });
    const web = m.workloads.find((w) => w.id === "app/web")!;
    expect(web.pods.map((p) => p.nodeIp)).toEqual(NODES);
    expect(web.pods.every((p) => !NODES.includes(p.ip))).toBe(true);
    expect(m.workloads.find((w) => w.id === "app/agent")!.pods.map((p) => p.ip)).toEqual(NODES);
    expect(m.externals.find((x) => x.id === "node")).toMatchObject({ ip: NODES[0], ports: [{ containerPort: 10250 }] });
    expect(m.nodeAddresses).toEqual(NODES);
  });

  test("the EBS CSI driver's pods join CoreDNS in kube-system when its add-on is in the render", () => {
    const addon = { urn: "urn:pulumi:test::ecommerce::aws:eks/addon:Addon::ebs", type: "aws:eks/addon:Addon", name: "ebs", parent: null, dependsOn: [], inputs: { addonName: "aws-ebs-csi-driver" }, custom: true, provider: null };
    const ids = (r: ReturnType<typeof shop>) => modelFromRender(r).workloads.filter((w) => w.namespace === "kube-system").map((w) => w.id);
    expect(ids(shop())).toEqual([KUBE_DNS_ID]);
    expect(ids(shop(addon))).toEqual([KUBE_DNS_ID, "kube-system/ebs-csi-controller", "kube-system/ebs-csi-node"]);
  });

  test("the chart Services clients dial come with their chart's release", () => {
    const names = (r: ReturnType<typeof shop>) => modelFromRender(r).services.filter((s) => s.namespace === "monitoring").map((s) => s.name);
    expect(names(shop())).toEqual([]);
    expect(names(shop(chart("monitoring", KUBE_PROMETHEUS_STACK.pin.chart, "monitoring", RELEASE)))).toEqual([`${RELEASE}-alertmanager`, `${RELEASE}-prometheus`]);
  });
});

describe("a Job whose name carries a digest", () => {
  const job = (name: string, label?: string) =>
    ({
      urn: `urn:${name}`,
      type: "kubernetes:batch/v1:Job",
      name,
      inputs: { kind: "Job", metadata: { name, namespace: "vault" }, spec: { template: { metadata: { labels: label ? { "app.kubernetes.io/name": label } : {} } } } },
      dependsOn: [],
    }) as unknown as RecordedResource;

  test("is named by its app.kubernetes.io/name label, so that its flows keep one name", () => {
    expect(workloadName(job("vault-bootstrap-57ccc1bd6e", "vault-bootstrap"), { "app.kubernetes.io/name": "vault-bootstrap" })).toBe("vault-bootstrap");
  });

  test("keeps its own name without the label, or when the label is no prefix of it, and other kinds always do", () => {
    expect(workloadName(job("migrate-1"), {})).toBe("migrate-1");
    expect(workloadName(job("other-1", "vault-bootstrap"), { "app.kubernetes.io/name": "vault-bootstrap" })).toBe("other-1");
    const deployment = { ...job("api-gateway-1"), inputs: { kind: "Deployment", metadata: { name: "api-gateway-1" } } } as unknown as RecordedResource;
    expect(workloadName(deployment, { "app.kubernetes.io/name": "api-gateway" })).toBe("api-gateway-1");
  });
});
