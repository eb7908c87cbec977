import { CNI_STRICT, computeMatrix, diffMatrix, explainFlow, flowKey, flowPathKey, formatDiff, PathFlowKey, verdictDifferences } from "../../tools/netpol/matrix";
import { modelFromRender } from "../../tools/netpol/model";
import { POD_PATH, servicePath } from "../../tools/netpol/paths";
import { ALLOW_DNS, DENY_ALL, policy, shop, webToDb, zeroTrustShop } from "./render";

/** `app/web` may reach `data/db` on 3306; `data` denies everything else; `app` has no policy. */
const zeroTrustData = () =>
  shop(
    policy("data", "deny-all-default", DENY_ALL),
    policy("data", "allow-dns", ALLOW_DNS),
    policy("data", "allow-web", webToDb("ingress")),
  );

/** Verdicts on pod IPs, by flow key. */
const verdicts = (r = zeroTrustData(), options = {}) => {
  const m = computeMatrix(modelFromRender(r, options));
  return new Map(m.flows.filter((f) => f.path.via !== "service").map((f) => [flowKey(f), f.verdict]));
};

describe("the matrix", () => {
  test("covers every source, destination and declared port, plus the outsider and the internet", () => {
    const v = verdicts();
    expect(v.get("app/web -> data/db 3306/TCP")).toBe("allowed");
    expect(v.get("outsider/outsider -> data/db 3306/TCP")).toBe("denied");
    expect(v.get("internet -> data/db 3306/TCP")).toBe("denied");
    expect(v.get("data/db -> internet 443/TCP")).toBe("denied");
    expect(v.get("data/db -> kube-system/coredns 53/UDP")).toBe("allowed");
    expect(v.get("data/db -> kube-system/coredns 9153/TCP")).toBe("denied");
    expect(v.get("app/web -> data/db 9090/TCP")).toBeUndefined();
    expect(v.get("app/web -> app/web 9090/TCP")).toBe("allowed");
    expect(v.get("internet -> app/web 8080/TCP")).toBe("allowed");
    // Between two replicas of a workload: both sides apply.
    expect(v.get("data/db -> data/db 3306/TCP")).toBe("denied");
    // Outside addresses talk to each other without crossing the cluster.
    expect([...v.keys()].some((k) => k.startsWith("internet -> internet"))).toBe(false);
  });

  test("has one flow per (source, destination, port, protocol, path), in a stable order", () => {
    const m = computeMatrix(modelFromRender(zeroTrustData()));
    const keys = m.flows.map(flowPathKey);
    expect(new Set(keys).size).toBe(keys.length);
    // 4 workloads and the internet as sources; ports: web 2, db 1, kube-dns 3, outsider 1, internet 2.
    const direct = m.flows.filter((f) => f.path.via !== "service");
    expect(direct).toHaveLength(4 * 9 + 7);
    // Through a Service: web's http (its Service), db's mysql and kube-dns' three ports, from each of the 4 workloads.
    expect(m.flows.filter((f) => f.path.via === "service")).toHaveLength(4 * 5);
    expect(computeMatrix(modelFromRender(zeroTrustData())).flows).toEqual(m.flows);
    expect(m.flows[0].source <= m.flows[m.flows.length - 1].source).toBe(true);
  });

  test("a workload with a single pod is not probed against itself", () => {
    expect(verdicts(zeroTrustData(), { podsPerWorkload: 1 }).get("data/db -> data/db 3306/TCP")).toBeUndefined();
  });

  test("flows allowed for some pods only are partial", () => {
    // Policies do not change the addresses the model gives pods.
    const firstWebPod = modelFromRender(shop()).workloads.find((w) => w.id === "app/web")!.pods[0].ip;
    const onePod = policy("data", "one-pod", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: `${firstWebPod}/32` } }] }] });
    expect(verdicts(shop(policy("data", "deny-all-default", DENY_ALL), onePod)).get("app/web -> data/db 3306/TCP")).toBe("partial");
  });

  test("the API server is a source and a destination when modelled", () => {
    const v = verdicts(zeroTrustData(), { apiServer: { address: "10.10.200.1" } });
    expect(v.get("kube-apiserver -> data/db 3306/TCP")).toBe("denied");
    expect(v.get("app/web -> kube-apiserver 443/TCP")).toBe("allowed");
  });
});

describe("diffMatrix", () => {
  const actual = computeMatrix(modelFromRender(zeroTrustData()));
  const key = (source: string, destination: string, port: number, protocol: "TCP" | "UDP" = "TCP"): PathFlowKey & { path: typeof POD_PATH } => ({ source, destination, port, protocol, path: POD_PATH });

  test("a matrix equals itself", () => {
    const d = diffMatrix(actual, actual.flows.filter((f) => f.verdict === "allowed"));
    expect(d).toEqual({ missing: [], extra: [], ok: true });
    expect(formatDiff(d)).toBe("the matrix equals the intended flows");
  });

  test("reports intended flows that are denied or absent as missing, and unintended allowed flows as extra", () => {
    const intended: PathFlowKey[] = actual.flows.filter((f) => f.verdict === "allowed" && f.source !== "internet").map(({ verdict: _v, ...k }) => k);
    intended.push(key("outsider/outsider", "data/db", 3306), key("app/web", "data/db", 5432));
    const d = diffMatrix(actual, intended);
    expect(d.ok).toBe(false);
    expect(d.missing).toEqual([
      { ...key("app/web", "data/db", 5432), actual: "absent" },
      { ...key("outsider/outsider", "data/db", 3306), portName: "mysql", actual: "denied" },
    ]);
    expect(d.extra.length).toBeGreaterThan(0);
    expect(d.extra.every((f) => f.source === "internet" && f.actual === "allowed")).toBe(true);
  });

  test("an intended flow must pass on its path; its other paths are not extra; without a path it must pass on every one", () => {
    const viaService = { ...key("app/web", "data/db", 3306), path: servicePath("data", "db") };
    expect(diffMatrix(actual, [viaService]).missing).toEqual([]);
    // The pod IPs are open too, which is the same flow: not an extra one.
    expect(diffMatrix(actual, [viaService]).extra.map(flowKey)).not.toContain("app/web -> data/db 3306/TCP");
    expect(diffMatrix(actual, [{ ...viaService, path: servicePath("data", "other") }]).missing).toEqual([
      { ...viaService, path: servicePath("data", "other"), actual: "absent" },
    ]);
    const onePod = policy("data", "web-0-only", { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ ipBlock: { cidr: "10.10.1.0/32" } }] }] });
    const m = computeMatrix(modelFromRender(shop(policy("data", "deny-all-default", DENY_ALL), onePod)));
    const anyPath = diffMatrix(m, [{ source: "app/web", destination: "data/db", port: 3306, protocol: "TCP" }]);
    expect(anyPath.missing.map((x) => [x.path, x.actual])).toEqual([
      [POD_PATH, "partial"],
      [servicePath("data", "db"), "partial"],
    ]);
  });

  test("the failure message names each flow, its path, its verdict and the deciding policies", () => {
    const model = modelFromRender(zeroTrustData());
    const d = diffMatrix(actual, [key("outsider/outsider", "data/db", 3306)]);
    const text = formatDiff(d, model);
    expect(text).toMatch(
      /^1 missing flow \(intended, not allowed\):\n  outsider\/outsider -> data\/db 3306\/TCP via pod IPs \(mysql\): denied \[egress allowed by outsider\/allow-all; ingress denied \(selected by data\/deny-all-default, data\/allow-web; no rule admits it\)\]$/m,
    );
    expect(text).toMatch(/\d+ extra flows \(allowed, not intended\):\n  app\/web -> app\/web 8080\/TCP via pod IPs \(http\): allowed/);
  });

  test("explainFlow names the policies on each side", () => {
    const model = modelFromRender(zeroTrustData());
    expect(explainFlow(model, key("app/web", "data/db", 3306))).toBe("egress open (no policy selects it); ingress allowed by data/allow-web");
    expect(explainFlow(model, key("nobody/x", "data/db", 3306))).toBe("no nobody/x in the model");
    expect(explainFlow(model, { ...key("app/web", "data/db", 3306), path: servicePath("data", "nope") })).toBe("no path Service data/nope from app/web to data/db");
  });
});

describe("paths, under both semantics", () => {
  const NODES = ["10.10.0.10", "10.10.64.10"];
  /** Both sides of web -> db written; kube-system has no policy. */
  const bothSides = zeroTrustShop;
  const withCluster = (r: ReturnType<typeof shop>) => modelFromRender(r, { serviceCidr: "172.20.0.0/16", nodeAddresses: NODES, apiServer: { address: "10.10.204.4" } });
  const byPath = (m: ReturnType<typeof computeMatrix>) => new Map(m.flows.map((f) => [flowPathKey(f), f.verdict]));

  test("a Service is probed on its ClusterIP, the nodes on the pod's own node and from another one", () => {
    const v = byPath(computeMatrix(withCluster(bothSides()), CNI_STRICT));
    expect(v.get("app/web -> data/db 3306/TCP via pod")).toBe("allowed");
    expect(v.get("app/web -> data/db 3306/TCP via service:data/db")).toBe("allowed");
    expect(v.get("node -> app/web 8080/TCP via node-local")).toBe("allowed");
    expect(v.get("node -> data/db 3306/TCP via outside")).toBe("denied");
    expect(v.get("app/web -> node 10250/TCP via node-local")).toBe("allowed");
    expect(v.get("app/web -> kube-apiserver 443/TCP via service:default/kubernetes")).toBe("denied");
  });

  test("strict mode denies a namespace without policy, its node's probes included: the API leaves it open", () => {
    const v = byPath(computeMatrix(withCluster(zeroTrustData()), CNI_STRICT));
    expect(v.get("app/web -> data/db 3306/TCP via pod")).toBe("denied");
    expect(v.get("node -> app/web 8080/TCP via node-local")).toBe("denied");
    expect(byPath(computeMatrix(withCluster(zeroTrustData()))).get("node -> app/web 8080/TCP via node-local")).toBe("allowed");
  });

  test("verdictDifferences lists the flows the two semantics judge differently, path by path", () => {
    const m = withCluster(bothSides());
    const lines = verdictDifferences(computeMatrix(m, CNI_STRICT), computeMatrix(m)).map((d) => `${flowPathKey(d.flow)}: ${d.flow.verdict} -> ${d.other}`);
    // CoreDNS has no policy: strict mode denies it everything, the API leaves it open.
    expect(lines).toContain("app/web -> kube-system/coredns 53/UDP via service:kube-system/kube-dns: denied -> allowed");
    expect(lines).toContain("node -> kube-system/coredns 53/UDP via node-local: denied -> allowed");
    // The flows both sides of which the policies decide are judged alike.
    expect(lines.filter((l) => l.includes("-> data/db") || l.includes("-> app/web"))).toEqual([]);
  });
});
