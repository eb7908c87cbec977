/** Focused tests of each NetworkPolicy rule the evaluator implements. */
import { PolicyEvaluator, effectivePolicyTypes, probeService } from "../../tools/netpol/evaluate";
import { selectorMatches } from "../../tools/netpol/selectors";
import {
  ContainerPort,
  Endpoint,
  NetworkPolicy,
  NetworkPolicySpec,
  Pod,
  Protocol,
  Service,
  namespaceWithAutomaticLabel,
} from "../../tools/netpol/types";

const HTTP: ContainerPort[] = [
  { name: "http", containerPort: 8080, protocol: "TCP" },
  { name: "dns", containerPort: 53, protocol: "UDP" },
];
let nextIp = 10;
const pod = (ns: string, name: string, labels: Record<string, string> = {}, extra: Partial<Pod> = {}): Pod => ({
  namespace: ns,
  name,
  labels: { app: name, ...labels },
  ip: `10.1.0.${nextIp++}`,
  ports: HTTP,
  ...extra,
});
const np = (ns: string, name: string, spec: NetworkPolicySpec): NetworkPolicy => ({ namespace: ns, name, spec });

const A = pod("a", "client", { role: "client" });
const A2 = pod("a", "other");
const B = pod("b", "server", { role: "server" });
const C = pod("c", "third", { role: "client" });
const INTERNET: Endpoint = { ip: "203.0.113.7" };
const namespaces = [
  namespaceWithAutomaticLabel("a", { team: "shop" }),
  namespaceWithAutomaticLabel("b", { team: "shop" }),
  namespaceWithAutomaticLabel("c"),
];

function allowed(policies: NetworkPolicy[], from: Endpoint | Pod, to: Endpoint | Pod, port = 8080, protocol: Protocol = "TCP") {
  const ep = (e: Endpoint | Pod): Endpoint => ("namespace" in e ? { pod: e } : e);
  return new PolicyEvaluator(namespaces, policies).evaluate({ from: ep(from), to: ep(to), port, protocol }).allowed;
}

const denyIngressB = np("b", "deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] });
const denyEgressA = np("a", "deny-egress", { podSelector: {}, policyTypes: ["Egress"] });

describe("both sides must allow", () => {
  test("the source's egress and the destination's ingress are both required", () => {
    const openIngress = np("b", "from-a", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: {} }] }] });
    const openEgress = np("a", "to-all", { podSelector: {}, policyTypes: ["Egress"], egress: [{}] });
    expect(allowed([denyEgressA, openIngress], A, B)).toBe(false);
    expect(allowed([openEgress, denyIngressB], A, B)).toBe(false);
    expect(allowed([openEgress, openIngress], A, B)).toBe(true);
    expect(allowed([], A, B)).toBe(true);
  });

  test("policies add up: any policy selecting the pod may admit the connection", () => {
    const fromA = np("b", "from-a", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "a" } } }] }] });
    const d = new PolicyEvaluator(namespaces, [denyIngressB, fromA]).evaluate({ from: { pod: A }, to: { pod: B }, port: 8080 });
    expect(d.allowed).toBe(true);
    expect(d.ingress).toEqual({ isolated: true, allowed: true, selectedBy: ["b/deny-ingress", "b/from-a"], allowedBy: ["b/from-a"] });
    expect(d.egress.isolated).toBe(false);
  });

  test("a pod talking to itself is always allowed", () => {
    const d = new PolicyEvaluator(namespaces, [denyEgressA, np("a", "deny-all-in", { podSelector: {} })]).evaluate({ from: { pod: A }, to: { pod: A }, port: 8080 });
    expect(d).toMatchObject({ allowed: true, self: true });
    expect(allowed([denyEgressA], A, A2)).toBe(false);
  });
});

describe("isolation and policyTypes", () => {
  test("a policy isolates only for the types it has", () => {
    const egressOnly = np("b", "egress-only", { podSelector: {}, policyTypes: ["Egress"], ingress: [], egress: [{}] });
    expect(allowed([egressOnly], A, B)).toBe(true);
  });

  test.each([
    ["no rules", {}, ["Ingress"]],
    ["ingress rules", { ingress: [{}] }, ["Ingress"]],
    ["egress rules", { egress: [{}] }, ["Ingress", "Egress"]],
    ["an empty egress list", { egress: [] }, ["Ingress"]],
    ["explicit types", { policyTypes: ["Egress"], ingress: [{}] }, ["Egress"]],
  ])("without policyTypes, %s default to the right types", (_l, extra, expected) => {
    expect(effectivePolicyTypes({ podSelector: {}, ...(extra as object) })).toEqual(expected);
  });

  test("a defaulted policy with egress rules also isolates ingress", () => {
    const p = np("b", "egress-rules", { podSelector: {}, egress: [{ to: [{ podSelector: {} }] }] });
    expect(allowed([p], A, B)).toBe(false);
    expect(allowed([np("a", "egress-empty", { podSelector: {}, egress: [] })], A, B)).toBe(true);
  });
});

describe("selectors: empty versus missing", () => {
  test("podSelector {} selects every pod of the policy's namespace only", () => {
    expect(allowed([denyIngressB], A, B)).toBe(false);
    expect(allowed([denyIngressB], B, A)).toBe(true);
  });

  test("a peer with only a podSelector means the policy's own namespace", () => {
    const p = np("b", "clients", { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { role: "client" } } }] }] });
    const local = pod("b", "local-client", { role: "client" });
    expect(allowed([p], local, B)).toBe(true);
    expect(allowed([p], A, B)).toBe(false);
  });

  test("namespaceSelector {} means every namespace, but no address outside the pod network", () => {
    const p = np("b", "all-ns", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] });
    expect(allowed([p], A, B)).toBe(true);
    expect(allowed([p], C, B)).toBe(true);
    expect(allowed([p], INTERNET, B)).toBe(false);
  });

  test("namespaceSelector and podSelector in one peer are ANDed; separate peers are ORed", () => {
    const and = np("b", "and", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "shop" } }, podSelector: { matchLabels: { role: "client" } } }] }] });
    const or = np("b", "or", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "shop" } } }, { podSelector: { matchLabels: { role: "client" } } }] }] });
    expect(allowed([and], A, B)).toBe(true);
    expect(allowed([and], A2, B)).toBe(false);
    expect(allowed([and], C, B)).toBe(false);
    expect(allowed([or], A2, B)).toBe(true);
    expect(allowed([or], C, B)).toBe(false);
  });

  test("a peer with no selector and no ipBlock matches nothing (the API server rejects it)", () => {
    expect(allowed([np("b", "empty-peer", { podSelector: {}, ingress: [{ from: [{}] }] })], A, B)).toBe(false);
  });

  test("from/to missing or empty admit every source and destination, addresses included", () => {
    for (const ingress of [[{}], [{ from: [] }]]) {
      expect(allowed([np("b", "any", { podSelector: {}, ingress })], INTERNET, B)).toBe(true);
    }
    for (const egress of [[{}], [{ to: [] }]]) {
      expect(allowed([np("a", "any", { podSelector: {}, policyTypes: ["Egress"], egress })], A, INTERNET, 443)).toBe(true);
    }
  });
});

describe("label selector operators", () => {
  const labels = { app: "web", tier: "front" };
  test.each([
    ["In", { key: "app", operator: "In", values: ["web", "api"] }, true],
    ["In, other value", { key: "app", operator: "In", values: ["api"] }, false],
    ["In, missing key", { key: "zone", operator: "In", values: ["a"] }, false],
    ["NotIn", { key: "app", operator: "NotIn", values: ["api"] }, true],
    ["NotIn, listed value", { key: "app", operator: "NotIn", values: ["web"] }, false],
    ["NotIn, missing key", { key: "zone", operator: "NotIn", values: ["a"] }, true],
    ["Exists", { key: "tier", operator: "Exists" }, true],
    ["Exists, missing key", { key: "zone", operator: "Exists" }, false],
    ["DoesNotExist", { key: "zone", operator: "DoesNotExist" }, true],
    ["DoesNotExist, present key", { key: "app", operator: "DoesNotExist" }, false],
    ["an unknown operator", { key: "app", operator: "Equals", values: ["web"] }, false],
  ])("%s", (_label, req, expected) => {
    expect(selectorMatches({ matchExpressions: [req] }, labels)).toBe(expected);
  });

  test("matchLabels and matchExpressions are ANDed; {} matches everything", () => {
    const expr = [{ key: "tier", operator: "Exists" }];
    expect(selectorMatches({ matchLabels: { app: "web" }, matchExpressions: expr }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: "api" }, matchExpressions: expr }, labels)).toBe(false);
    expect(selectorMatches({}, {})).toBe(true);
  });

  test("NotIn on a missing key selects a namespace without that label", () => {
    const p = np("b", "not-prod", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "team", operator: "NotIn", values: ["shop"] }] } }] }] });
    expect(allowed([p], C, B)).toBe(true);
    expect(allowed([p], A, B)).toBe(false);
  });
});

describe("ports", () => {
  const ingressOn = (ports: object[]) => np("b", "ports", { podSelector: {}, ingress: [{ ports: ports as never }] });

  test("ports missing or empty admit every port and protocol", () => {
    expect(allowed([np("b", "p", { podSelector: {}, ingress: [{ ports: [] }] })], A, B, 53, "UDP")).toBe(true);
    expect(allowed([np("b", "p", { podSelector: {}, ingress: [{}] })], A, B, 9999, "SCTP")).toBe(true);
  });

  test("the protocol defaults to TCP", () => {
    expect(allowed([ingressOn([{ port: 53 }])], A, B, 53, "TCP")).toBe(true);
    expect(allowed([ingressOn([{ port: 53 }])], A, B, 53, "UDP")).toBe(false);
    expect(allowed([ingressOn([{ protocol: "UDP" }])], A, B, 5353, "UDP")).toBe(true);
  });

  test("endPort makes an inclusive range", () => {
    const range = ingressOn([{ port: 8000, endPort: 8080 }]);
    expect([7999, 8000, 8050, 8080, 8081].map((p) => allowed([range], A, B, p))).toEqual([false, true, true, true, false]);
  });

  test("a named port resolves on the destination pod, with its protocol", () => {
    const odd = pod("b", "odd", {}, { ports: [{ name: "http", containerPort: 9000, protocol: "TCP" }] });
    const named = ingressOn([{ port: "http" }]);
    expect(allowed([named], A, B, 8080)).toBe(true);
    expect(allowed([named], A, odd, 9000)).toBe(true);
    expect(allowed([named], A, odd, 8080)).toBe(false);
    expect(allowed([ingressOn([{ port: "http", protocol: "UDP" }])], A, B, 8080, "UDP")).toBe(false);
    expect(allowed([ingressOn([{ port: "dns", protocol: "UDP" }])], A, B, 53, "UDP")).toBe(true);
    expect(allowed([ingressOn([{ port: "missing" }])], A, B, 8080)).toBe(false);
  });

  test("an egress named port resolves on the destination too, never on the source or an address", () => {
    const src = pod("a", "src", {}, { ports: [{ name: "web", containerPort: 7000, protocol: "TCP" }] });
    const dst = pod("b", "dst", {}, { ports: [{ name: "web", containerPort: 9000, protocol: "TCP" }] });
    const egress = np("a", "web", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ port: "web" }] }] });
    expect(allowed([egress], src, dst, 9000)).toBe(true);
    expect(allowed([egress], src, dst, 7000)).toBe(false);
    expect(allowed([egress], src, INTERNET, 9000)).toBe(false);
  });
});

describe("ipBlock", () => {
  const egressTo = (cidr: string, except?: string[]) =>
    np("a", "cidr", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr, except } }] }] });

  test("matches addresses outside the cluster, minus except", () => {
    expect(allowed([egressTo("0.0.0.0/0")], A, INTERNET, 443)).toBe(true);
    expect(allowed([egressTo("0.0.0.0/0", ["203.0.113.0/24"])], A, INTERNET, 443)).toBe(false);
    expect(allowed([egressTo("198.51.100.0/24")], A, INTERNET, 443)).toBe(false);
  });

  test("matches pod addresses too", () => {
    expect(allowed([egressTo(`${B.ip}/32`)], A, B)).toBe(true);
    expect(allowed([egressTo("10.1.0.0/16", [`${B.ip}/32`])], A, B)).toBe(false);
    expect(allowed([egressTo("2001:db8::/32")], A, B)).toBe(false);
  });

  test("ingress from an address block", () => {
    const p = np("b", "from-net", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "203.0.113.0/24" } }] }] });
    expect(allowed([p], INTERNET, B)).toBe(true);
    expect(allowed([p], A, B)).toBe(false);
  });
});

describe("host-network pods", () => {
  test("are neither isolated nor matched by selectors", () => {
    const node = pod("b", "exporter", { role: "client" }, { hostNetwork: true });
    const fromClients = np("b", "clients", { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { role: "client" } } }] }] });
    expect(allowed([fromClients], A, node)).toBe(true);
    expect(allowed([fromClients], node, B)).toBe(false);
  });
});

describe("through a Service", () => {
  const backend = pod("b", "api", { app: "api" }, { ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }] });
  const backend2 = pod("b", "api-2", { app: "api" }, { ports: [{ name: "http", containerPort: 8081, protocol: "TCP" }] });
  const svc: Service = { namespace: "b", name: "api", selector: { app: "api" }, ports: [{ name: "http", port: 80, targetPort: "http" }, { port: 8443 }] };
  const onPort = (port: number) => np("b", "p", { podSelector: {}, ingress: [{ ports: [{ port }] }] });

  test("is evaluated on the pod's target port, resolved per pod for a named targetPort", () => {
    const ev = new PolicyEvaluator(namespaces, [onPort(8080)]);
    const results = probeService(ev, { pod: A }, svc, 80, [backend, backend2, B]);
    expect(results.map((r) => [r.pod.name, r.port, r.decision?.allowed])).toEqual([
      ["api", 8080, true],
      ["api-2", 8081, false],
    ]);
    const servicePortOnly = new PolicyEvaluator(namespaces, [onPort(80)]);
    expect(probeService(servicePortOnly, { pod: A }, svc, 80, [backend]).map((r) => r.decision?.allowed)).toEqual([false]);
  });

  test("a targetPort defaults to the Service port; a selector-less Service has no backends", () => {
    const ev = new PolicyEvaluator(namespaces, [onPort(8443)]);
    expect(probeService(ev, { pod: A }, svc, 8443, [backend]).map((r) => [r.port, r.decision?.allowed])).toEqual([[8443, true]]);
    expect(probeService(ev, { pod: A }, { ...svc, selector: undefined }, 80, [backend])).toEqual([]);
    expect(() => probeService(ev, { pod: A }, svc, 81, [backend])).toThrow(/no port 81\/TCP/);
  });
});
