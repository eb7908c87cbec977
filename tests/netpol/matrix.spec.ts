import { computeMatrix, diffMatrix, explainFlow, flowKey, formatDiff, FlowKey } from "../../tools/netpol/matrix";
import { modelFromRender } from "../../tools/netpol/model";
import { ALLOW_DNS, DENY_ALL, policy, shop, webToDb } from "./render";

/** `app/web` may reach `data/db` on 3306; `data` denies everything else; `app` has no policy. */
const zeroTrustData = () =>
  shop(
    policy("data", "deny-all-default", DENY_ALL),
    policy("data", "allow-dns", ALLOW_DNS),
    policy("data", "allow-web", webToDb("ingress")),
  );

const verdicts = (r = zeroTrustData(), options = {}) => {
  const m = computeMatrix(modelFromRender(r, options));
  return new Map(m.flows.map((f) => [flowKey(f), f.verdict]));
};

describe("the matrix", () => {
  test("covers every source, destination and declared port, plus the outsider and the internet", () => {
    const v = verdicts();
    expect(v.get("app/web -> data/db 3306/TCP")).toBe("allowed");
    expect(v.get("outsider/outsider -> data/db 3306/TCP")).toBe("denied");
    expect(v.get("internet -> data/db 3306/TCP")).toBe("denied");
    expect(v.get("data/db -> internet 443/TCP")).toBe("denied");
    expect(v.get("data/db -> kube-system/kube-dns 53/UDP")).toBe("allowed");
    expect(v.get("data/db -> kube-system/kube-dns 9153/TCP")).toBe("denied");
    expect(v.get("app/web -> data/db 9090/TCP")).toBeUndefined();
    expect(v.get("app/web -> app/web 9090/TCP")).toBe("allowed");
    expect(v.get("internet -> app/web 8080/TCP")).toBe("allowed");
    // Between two replicas of a workload: both sides apply.
    expect(v.get("data/db -> data/db 3306/TCP")).toBe("denied");
    // Outside addresses talk to each other without crossing the cluster.
    expect([...v.keys()].some((k) => k.startsWith("internet -> internet"))).toBe(false);
  });

  test("has one flow per (source, destination, port, protocol), in a stable order", () => {
    const m = computeMatrix(modelFromRender(zeroTrustData()));
    const keys = m.flows.map(flowKey);
    expect(new Set(keys).size).toBe(keys.length);
    // 4 workloads and the internet as sources; ports: web 2, db 1, kube-dns 3, outsider 1, internet 2.
    expect(m.flows).toHaveLength(4 * 9 + 7);
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
  const key = (source: string, destination: string, port: number, protocol: "TCP" | "UDP" = "TCP"): FlowKey => ({ source, destination, port, protocol });

  test("a matrix equals itself", () => {
    const d = diffMatrix(actual, actual);
    expect(d).toEqual({ missing: [], extra: [], ok: true });
    expect(formatDiff(d)).toBe("the matrix equals the intended flows");
  });

  test("reports intended flows that are denied or absent as missing, and unintended allowed flows as extra", () => {
    const intended = actual.flows.filter((f) => f.verdict === "allowed" && f.source !== "internet").map(({ verdict: _v, ...k }) => k);
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

  test("denied entries of an intended matrix are ignored; a partial flow is never enough", () => {
    const intended = [{ ...key("app/web", "data/db", 3306), verdict: "denied" as const }];
    const d = diffMatrix(actual, intended);
    expect(d.extra.map(flowKey)).toContain("app/web -> data/db 3306/TCP");
  });

  test("the failure message names each flow, its verdict and the deciding policies", () => {
    const model = modelFromRender(zeroTrustData());
    const d = diffMatrix(actual, [key("outsider/outsider", "data/db", 3306)]);
    const text = formatDiff(d, model);
    expect(text).toMatch(/^1 missing flow \(intended, not allowed\):\n  outsider\/outsider -> data\/db 3306\/TCP \(mysql\): denied \[egress open \(no policy selects it\); ingress denied \(selected by data\/deny-all-default, data\/allow-web; no rule admits it\)\]$/m);
    expect(text).toMatch(/\d+ extra flows \(allowed, not intended\):\n  app\/web -> app\/web 8080\/TCP \(http\): allowed/);
  });

  test("explainFlow names the policies on each side", () => {
    const model = modelFromRender(zeroTrustData());
    expect(explainFlow(model, key("app/web", "data/db", 3306))).toBe("egress open (no policy selects it); ingress allowed by data/allow-web");
    expect(explainFlow(model, key("nobody/x", "data/db", 3306))).toBe("no nobody/x in the model");
  });
});
