import {
  defaultDenyNamespaces,
  formatFindings,
  lintDnsProtocols,
  lintIpBlocks,
  lintModel,
  lintPodsWithoutPolicy,
  lintPoliciesSelectingNothing,
  lintServicePorts,
} from "../../tools/netpol/lints";
import { modelFromRender } from "../../tools/netpol/model";
import { ALLOW_DNS, DENY_ALL, policy, service, shop, workload } from "./render";

const model = (...more: Parameters<typeof shop>) => modelFromRender(shop(...more));
const dnsTo = (ports: object[]) => ({ ...ALLOW_DNS, egress: [{ ...ALLOW_DNS.egress[0], ports }] });

describe("DNS opened on one protocol only", () => {
  test("both protocols: clean", () => {
    expect(lintDnsProtocols(model(policy("app", "deny", DENY_ALL), policy("app", "allow-dns", ALLOW_DNS)))).toEqual([]);
  });

  test("a rule with only UDP 53 is named, and so is every workload that cannot use TCP", () => {
    const findings = lintDnsProtocols(model(policy("app", "deny", DENY_ALL), policy("app", "allow-dns", dnsTo([{ port: 53, protocol: "UDP" }]))));
    expect(findings.map((f) => [f.lint, f.subject])).toEqual([
      ["dns-one-protocol", "policy app/allow-dns"],
      ["dns-one-protocol", "app/web"],
    ]);
    expect(findings[0].message).toBe("egress rule 1 of app/allow-dns opens port 53 over UDP only: add TCP 53 (large answers fall back to TCP)");
    expect(findings[1].message).toBe("app/web reaches kube-dns over UDP 53 but not TCP");
  });

  test("`port: 53` alone means TCP", () => {
    const findings = lintDnsProtocols(model(policy("app", "allow-dns", dnsTo([{ port: 53 }]))));
    expect(findings.map((f) => f.message)).toContain("egress rule 1 of app/allow-dns opens port 53 over TCP only: add UDP 53 (large answers fall back to TCP)");
  });

  test("a workload without any DNS access is no protocol mismatch", () => {
    expect(lintDnsProtocols(model(policy("app", "deny", DENY_ALL)))).toEqual([]);
  });
});

describe("Service port differing from its targetPort", () => {
  const mismatched = service("data", "db-proxy", { app: "db" }, [{ name: "sql", port: 80, targetPort: 3306 }]);
  const egressToDb = (ports?: object[]) =>
    policy("app", "to-db", {
      podSelector: { matchLabels: { app: "web" } },
      policyTypes: ["Egress"],
      egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: "db" } } }], ...(ports ? { ports } : {}) }],
    });

  test("an egress rule reaching pods behind such a Service is named", () => {
    const findings = lintServicePorts(model(mismatched, egressToDb([{ port: 3306 }])));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ lint: "service-port-mismatch", subject: "policy app/to-db" });
    expect(findings[0].message).toMatch(/^egress rule 1 of app\/to-db reaches Service data\/db-proxy port 80, which forwards to targetPort 3306: .*make the Service port 3306$/);
  });

  test("a rule naming the Service port is told that policies see the pod port", () => {
    const [f] = lintServicePorts(model(mismatched, egressToDb([{ port: 80 }])));
    expect(f.message).toMatch(/the rule names the Service port 80, but policies see the pod port 3306/);
  });

  test("an ingress rule protecting such pods is named too", () => {
    const ingress = policy("data", "db-in", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ ports: [{ port: 3306 }] }] });
    expect(lintServicePorts(model(mismatched, ingress)).map((f) => f.subject)).toEqual(["policy data/db-in"]);
  });

  test("matching ports, other ports and other pods are clean", () => {
    expect(lintServicePorts(model(egressToDb([{ port: 3306 }])))).toEqual([]);
    expect(lintServicePorts(model(mismatched, egressToDb([{ port: 9999 }])))).toEqual([]);
    const toWeb = policy("app", "to-web", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: { matchLabels: { app: "web" } } }] }] });
    expect(lintServicePorts(model(mismatched, toWeb))).toEqual([]);
    // The named targetPort `http` of Service app/web resolves to 8080, its own port.
    expect(lintServicePorts(model(policy("app", "web-in", { podSelector: {}, ingress: [{}] })))).toEqual([]);
  });
});

describe("policies selecting no pod", () => {
  test("a selector matching nothing in its namespace is named", () => {
    const typo = policy("data", "allow-dbb", { podSelector: { matchLabels: { app: "dbb" } }, ingress: [{}] });
    const otherNs = policy("app", "db-in-app", { podSelector: { matchLabels: { app: "db" } }, ingress: [{}] });
    const fine = policy("data", "allow-db", { podSelector: { matchLabels: { app: "db" } }, ingress: [{}] });
    expect(lintPoliciesSelectingNothing(model(typo, otherNs, fine)).map((f) => f.message)).toEqual([
      "policy data/allow-dbb selects no pod in namespace data",
      "policy app/db-in-app selects no pod in namespace app",
    ]);
  });
});

describe("pods without a policy of their own in a default-deny namespace", () => {
  const cache = workload("Deployment", "data", "cache", { app: "cache" }, [["redis", 6379]]);
  const dbIn = policy("data", "db-in", { podSelector: { matchLabels: { app: "db" } }, ingress: [{}] });

  test("default-deny namespaces are those with a select-all policy admitting nothing in a direction", () => {
    const m = model(policy("data", "deny", DENY_ALL), policy("app", "allow-all", { podSelector: {}, ingress: [{}] }));
    expect(defaultDenyNamespaces(m)).toEqual(["data"]);
  });

  test("a workload only namespace-wide policies select is named; one with its own policy is not", () => {
    const findings = lintPodsWithoutPolicy(model(cache, policy("data", "deny", DENY_ALL), policy("data", "dns", ALLOW_DNS), dbIn));
    expect(findings.map((f) => f.subject)).toEqual(["data/cache"]);
    expect(findings[0].message).toMatch(/no policy of its own in default-deny namespace data/);
  });

  test("an exemption with a reason silences it; one without a reason or for an unknown workload is named", () => {
    const m = model(cache, policy("data", "deny", DENY_ALL), dbIn);
    expect(lintPodsWithoutPolicy(m, [{ workload: "data/cache", reason: "warms itself from disk, talks to nobody" }])).toEqual([]);
    expect(lintPodsWithoutPolicy(m, [{ workload: "data/cache", reason: " " }, { workload: "data/gone", reason: "old" }]).map((f) => [f.lint, f.subject])).toEqual([
      ["exemption-invalid", "data/cache"],
      ["exemption-invalid", "data/gone"],
      ["pod-without-policy", "data/cache"],
    ]);
  });

  test("namespaces without a default deny are not checked", () => {
    expect(lintPodsWithoutPolicy(model(cache))).toEqual([]);
  });
});

describe("ipBlocks covering pod addresses", () => {
  const egressTo = (cidr: string, except?: string[]) =>
    policy("app", "to-net", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr, ...(except ? { except } : {}) } }] }] });

  test("0.0.0.0/0 covers the VPC; excepting it, or an outside range, is clean", () => {
    const [f] = lintIpBlocks(model(egressTo("0.0.0.0/0")));
    expect(f).toMatchObject({ lint: "ipblock-covers-pods", subject: "policy app/to-net" });
    expect(f.message).toBe("egress rule 1 of app/to-net: ipBlock 0.0.0.0/0 covers pod addresses (10.10.0.0-10.10.255.255 of 10.10.0.0/16); add them to except and select pods by label");
    expect(lintIpBlocks(model(egressTo("0.0.0.0/0", ["10.0.0.0/8"])))).toEqual([]);
    expect(lintIpBlocks(model(egressTo("198.51.100.0/24")))).toEqual([]);
  });

  test("only the uncovered part is reported, and allowed ranges are skipped", () => {
    const m = model(egressTo("10.10.0.0/16", ["10.10.0.0/17"]));
    expect(lintIpBlocks(m)[0].message).toMatch(/\(10\.10\.128\.0-10\.10\.255\.255 of/);
    expect(lintIpBlocks(m, ["10.10.0.0/16"], ["10.10.128.0/17"])).toEqual([]);
    expect(lintIpBlocks(m, ["172.16.0.0/12"])).toEqual([]);
  });
});

test("lintModel runs every lint in a stable order; formatFindings prints one a line", () => {
  const m = model(policy("app", "deny", DENY_ALL), policy("app", "allow-dns", dnsTo([{ port: 53, protocol: "UDP" }])), policy("app", "dbb", { podSelector: { matchLabels: { app: "dbb" } } }));
  const findings = lintModel(m);
  expect(findings.map((f) => f.lint)).toEqual(["dns-one-protocol", "dns-one-protocol", "pod-without-policy", "policy-selects-nothing"]);
  expect(formatFindings(findings).split("\n")).toHaveLength(4);
  expect(formatFindings(findings)).toMatch(/^\[dns-one-protocol\] /);
});
