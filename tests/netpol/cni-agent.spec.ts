/**
 * The pieces of the EKS VPC CNI model: the controller's PolicyEndpoints
 * (aws/amazon-network-policy-controller-k8s v1.1.7) and the agent's eBPF maps and lookups
 * (aws/aws-network-policy-agent v1.4.1). The files cited are those repositories' at those tags.
 */
import { EnforcingMode, firewallMap, lookupFirewall, podFirewall } from "../../tools/netpol/cni-agent";
import { EndpointInfo, containerPortAndName, isHeadless, matchingServicePort, resolvePolicyEndpoints } from "../../tools/netpol/cni-controller";
import { Protocol, Service } from "../../tools/netpol/types";
import { NODE_A, cluster, openEgress, pod, policy, verdicts } from "./cni-fixtures";

const entry = (cidr: string, ports: EndpointInfo["ports"] = [], except: string[] = []): EndpointInfo => ({ cidr, except, ports });
const admits = (entries: EndpointInfo[], ip: string, port: number, protocol: Protocol = "TCP") => lookupFirewall(firewallMap(entries, NODE_A), ip, port, protocol).allowed;

describe("the agent's map (pkg/fwruleprocessor/fw_rule_processor.go, ComputeMapEntriesFromEndpointRules; lookups as pkg/ebpf/c/tc.v4egress.bpf.c)", () => {
  test("the node's address admits everything, and a rule naming it is skipped", () => {
    expect(admits([], NODE_A, 22, "UDP")).toBe(true);
    expect(admits([entry(`${NODE_A}/32`, [{ protocol: "TCP", port: 80 }])], NODE_A, 22)).toBe(true);
    expect(admits([], "10.0.0.11", 22)).toBe(false);
  });

  test("an address no key holds is denied; the longest prefix decides", () => {
    const entries = [entry("10.0.0.0/8", [{ protocol: "TCP", port: 443 }]), entry("10.1.0.0/16", [{ protocol: "UDP", port: 53 }])];
    expect(admits(entries, "192.168.1.1", 443)).toBe(false);
    expect(admits(entries, "10.2.0.1", 443)).toBe(true);
    // A narrower key inherits the ports of the wider keys holding it: the union the API gives.
    expect([admits(entries, "10.1.0.1", 53, "UDP"), admits(entries, "10.1.0.1", 443)]).toEqual([true, true]);
  });

  test("an except becomes a deny-all key, not inherited by narrower keys inside it", () => {
    const entries = [entry("0.0.0.0/0", [{ protocol: "TCP", port: 443 }], ["10.0.0.0/8"]), entry("10.0.1.5", [{ protocol: "TCP", port: 80 }])];
    expect(admits(entries, "203.0.113.1", 443)).toBe(true);
    expect(admits(entries, "10.0.2.1", 443)).toBe(false);
    expect([admits(entries, "10.0.1.5", 80), admits(entries, "10.0.1.5", 443)]).toEqual([true, false]);
  });

  test("a wider key whose network address lies in an except inherits nothing, for the whole of its range", () => {
    const entries = [entry("0.0.0.0/0", [], ["10.0.0.0/24"]), entry("10.0.0.0/16", [{ protocol: "TCP", port: 443 }])];
    // The API admits 10.0.200.1 on every port through the first block; the agent's /16 key holds only 443.
    expect([admits(entries, "10.0.200.1", 80), admits(entries, "10.0.200.1", 443)]).toEqual([false, true]);
    // And 10.0.0.5:443, which the second block admits under the API, hits the except's deny-all key.
    expect(admits(entries, "10.0.0.5", 443)).toBe(false);
  });

  test("ports: no port is every port of the protocol; a range runs from its start port to endPort", () => {
    const entries = [entry("10.9.0.0/16", [{ protocol: "UDP" }, { protocol: "TCP", port: 8000, endPort: 8010 }, { protocol: "TCP", port: 9000, endPort: 80 }])];
    expect([admits(entries, "10.9.0.1", 5353, "UDP"), admits(entries, "10.9.0.1", 5353)]).toEqual([true, false]);
    expect([7999, 8000, 8010, 8011].map((p) => admits(entries, "10.9.0.1", p))).toEqual([false, true, true, false]);
    expect([admits(entries, "10.9.0.1", 9000), admits(entries, "10.9.0.1", 8500)]).toEqual([true, false]);
  });
});

describe("a pod's state (controllers/policyendpoints_controller.go, pkg/rpc/rpc_handler.go)", () => {
  const web = pod("app", "web");
  const pe = (podIsolation: ("Ingress" | "Egress")[], ingress: EndpointInfo[] = [], egress: EndpointInfo[] = []) => ({ policy: "app/p", podIsolation, ingress, egress });
  const state = (p = web, selecting: ReturnType<typeof pe>[] = [], mode: EnforcingMode = "strict") => podFirewall(p, "Egress", selecting, mode).state;

  test("host network, then the mode for an unselected pod, then policies applied", () => {
    expect(state({ ...web, hostNetwork: true }, [pe(["Egress"])])).toBe("not-enforced");
    expect([state(web, [], "strict"), state(web, [], "standard")]).toEqual(["default-deny", "default-allow"]);
    expect(state(web, [pe(["Ingress"])])).toBe("policies-applied");
  });

  test("a direction without rules gets a catch-all unless a policy isolates it, which leaves the node only", () => {
    const open = podFirewall(web, "Egress", [pe(["Ingress"])], "strict");
    expect(lookupFirewall(open.entries, "203.0.113.1", 443, "TCP").allowed).toBe(true);
    const isolated = podFirewall(web, "Egress", [pe(["Egress"])], "strict");
    expect(isolated.entries.map((e) => e.cidr)).toEqual([`${NODE_A}/32`]);
  });
});

describe("the controller's resolution (pkg/resolvers/endpoints.go, pkg/k8s/pod_utils.go, pkg/k8s/service_utils.go)", () => {
  const web = pod("app", "web");
  test("a numeric port resolves to itself even where no container declares it; a name only where one does", () => {
    expect(containerPortAndName(web, 9999, "TCP")).toEqual({ port: 9999 });
    expect(containerPortAndName(web, "http", "TCP")).toEqual({ port: 8080, name: "http" });
    expect(containerPortAndName(web, "http", "UDP")).toBeUndefined();
  });

  test("a rule's port maps to the Service port whose targetPort it is, directly or through the pods", () => {
    const numeric: Service = { namespace: "app", name: "n", clusterIP: "172.20.1.1", ports: [{ port: 80, targetPort: 8080 }] };
    const named: Service = { ...numeric, ports: [{ port: 81, targetPort: "http" }] };
    expect([matchingServicePort(numeric, 8080, "TCP", []), matchingServicePort(numeric, 80, "TCP", [web])]).toEqual([80, undefined]);
    expect([matchingServicePort(numeric, "http", "TCP", []), matchingServicePort(numeric, "http", "TCP", [web])]).toEqual([undefined, 80]);
    expect([matchingServicePort(named, "http", "TCP", []), matchingServicePort(named, 8080, "TCP", [web])]).toEqual([81, 81]);
  });

  test("headless means no ClusterIP or None", () => {
    const s: Service = { namespace: "a", name: "s", ports: [] };
    expect([isHeadless({ ...s, clusterIP: "None" }), isHeadless({ ...s, clusterIP: "" }), isHeadless({ ...s, clusterIP: "172.20.0.9" })]).toEqual([true, true, false]);
  });

  test("an ipBlock peer with only named ports is left out of an egress rule", () => {
    const p = policy("app", "named-out", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: "https" }] }] });
    expect(resolvePolicyEndpoints(p, cluster([web], [p])).egress).toEqual([]);
  });

  test("an ingress named port resolves on every pod the policy selects, and each of them admits all the numbers", () => {
    const canary = pod("app", "web-canary", { tier: "web" }, { ports: [{ name: "http", containerPort: 9090, protocol: "TCP" }, { name: "admin", containerPort: 8080, protocol: "TCP" }] });
    const main = pod("app", "web-main", { tier: "web" });
    const client = pod("app", "client");
    const byName = policy("app", "http-in", { podSelector: { matchLabels: { tier: "web" } }, policyTypes: ["Ingress"], ingress: [{ ports: [{ port: "http" }] }] });
    const pe = resolvePolicyEndpoints(byName, cluster([canary, main, client], [byName]));
    expect(pe.ingress[0].ports.map((p) => p.port).sort()).toEqual([8080, 9090]);
    // The canary's 8080 is named admin: the API keeps it closed, the agent opens it.
    expect(verdicts(cluster([canary, main, client], [byName, openEgress("app")]), client, { pod: canary, port: 8080 })).toMatchObject({ api: false, cni: true });
  });
});
