import { NAMESPACES } from "../../catalog";
import type { IngressSettings } from "../../config";
import { traefikService } from "../../components/ingress/traefik/chart";
import { ResourceUnderTest, validateResource, validateStack } from "../../policy/evaluate";
import {
  DEFAULT_DENY_POLICY_NAME,
  ingressTls,
  loadBalancersOwned,
  namespacesDefaultDeny,
  noExternalServices,
  tlsHostCovers,
} from "../../policy/exposure";

const messages = async (...args: Parameters<typeof validateResource>) =>
  (await validateResource(...args)).map((v) => v.message);

describe("no-external-services", () => {
  const service = (namespace: string, type: string | undefined, labels: Record<string, string> = {}): ResourceUnderTest => ({
    type: "kubernetes:core/v1:Service",
    name: "svc",
    props: { kind: "Service", metadata: { name: "svc", namespace, labels }, spec: { ...(type ? { type } : {}), ports: [{ port: 80 }] } },
  });
  const traefikLabels = { "app.kubernetes.io/name": "traefik" };

  test.each([undefined, "ClusterIP"])("a Service of type %s passes", async (type) => {
    expect(await messages(noExternalServices, service("e-commerce", type))).toEqual([]);
  });

  test.each(["LoadBalancer", "NodePort"])("a %s Service of the application is rejected", async (type) => {
    expect(await messages(noExternalServices, service("e-commerce", type))).toEqual([
      `Service 'e-commerce/svc' is of type ${type}: only Traefik's Service in namespace 'traefik' may be reachable from outside the cluster; use ClusterIP behind an Ingress`,
    ]);
  });

  test.each(["LoadBalancer", "NodePort"])("Traefik's own %s Service passes", async (type) => {
    expect(await messages(noExternalServices, service(NAMESPACES.traefik.name, type, traefikLabels))).toEqual([]);
  });

  test("the exception needs both Traefik's namespace and its chart's label", async () => {
    expect(await messages(noExternalServices, service("traefik", "LoadBalancer"))).toHaveLength(1);
    expect(await messages(noExternalServices, service("monitoring", "NodePort", traefikLabels))).toHaveLength(1);
  });
});

describe("load-balancers-owned", () => {
  const SG = "sg-0123456789abcdef0";
  const lb = (spec: Record<string, unknown>, annotations: Record<string, string> = {}): ResourceUnderTest => ({
    type: "kubernetes:core/v1:Service",
    name: "traefik",
    props: { kind: "Service", metadata: { name: "traefik", namespace: "traefik", annotations }, spec: { ports: [{ port: 443 }], ...spec } },
  });
  /** The Service Traefik's chart renders from the platform's values (the chart copies `service.spec` and `service.annotations`). */
  const traefikRendered = (sg: string) => {
    const service = traefikService({ serviceType: "LoadBalancer" } as IngressSettings, sg) as { spec: Record<string, unknown>; annotations: Record<string, string> };
    return lb(service.spec, service.annotations);
  };

  test("Traefik's NLB, as its values render it, passes", async () => {
    expect(await messages(loadBalancersOwned, traefikRendered(SG))).toEqual([]);
  });

  test("the in-tree cloud provider's NLB (no class) and one without the program's security group are rejected", async () => {
    expect(await messages(loadBalancersOwned, lb({ type: "LoadBalancer" }, { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" }))).toEqual([
      "Service 'traefik/traefik' has loadBalancerClass unset: only 'service.k8s.aws/nlb' (the AWS Load Balancer Controller) may own its load balancer",
      "Service 'traefik/traefik' names no security group (annotation service.beta.kubernetes.io/aws-load-balancer-security-groups): the NLB must carry the one the program makes",
    ]);
    expect(await messages(loadBalancersOwned, lb({ type: "LoadBalancer", loadBalancerClass: "example.com/other" }, { "service.beta.kubernetes.io/aws-load-balancer-security-groups": SG }))).toEqual([
      "Service 'traefik/traefik' has loadBalancerClass 'example.com/other': only 'service.k8s.aws/nlb' (the AWS Load Balancer Controller) may own its load balancer",
    ]);
    expect(await messages(loadBalancersOwned, traefikRendered(" "))).toHaveLength(1);
  });

  test.each([undefined, "ClusterIP", "NodePort"])("a Service of type %s is not its concern", async (type) => {
    expect(await messages(loadBalancersOwned, lb(type ? { type } : {}))).toEqual([]);
  });
});

describe("ingress-tls", () => {
  const host = "api.shop.example.com";
  const ingress = (spec: Record<string, unknown>): ResourceUnderTest => ({
    type: "kubernetes:networking.k8s.io/v1:Ingress",
    name: "api-gateway-ingress",
    props: { kind: "Ingress", metadata: { name: "api-gateway-ingress", namespace: "e-commerce" }, spec },
  });
  const rules = [{ host, http: { paths: [{ path: "/", pathType: "Prefix" }] } }];

  test("TLS for the routed host with a certificate Secret passes", async () => {
    expect(await messages(ingressTls, ingress({ rules, tls: [{ hosts: [host], secretName: "api-tls-cert" }] }))).toEqual([]);
  });

  test("an Ingress without TLS is rejected", async () => {
    expect(await messages(ingressTls, ingress({ rules }))).toEqual([
      "Ingress 'e-commerce/api-gateway-ingress' serves plain HTTP: add spec.tls with its hosts and a certificate Secret",
    ]);
  });

  test("a host left out of TLS and an entry without Secret are rejected", async () => {
    const spec = { rules: [...rules, { host: "admin.shop.example.com" }], tls: [{ hosts: [host] }] };
    expect(await messages(ingressTls, ingress(spec))).toEqual([
      "Ingress 'e-commerce/api-gateway-ingress' spec.tls[0] names no certificate Secret (secretName)",
      "Ingress 'e-commerce/api-gateway-ingress' host 'admin.shop.example.com' has no TLS entry",
    ]);
  });

  test.each([
    ["api.shop.example.com", "api.shop.example.com", true],
    ["*.shop.example.com", "api.shop.example.com", true],
    ["*.shop.example.com", "a.api.shop.example.com", false],
    ["*.shop.example.com", "shop.example.com", false],
    ["api.shop.example.com", "www.shop.example.com", false],
  ])("TLS host %s covers %s: %s", (tlsHost, ruleHost, covers) => {
    expect(tlsHostCovers(tlsHost, ruleHost)).toBe(covers);
  });
});

describe("namespaces-default-deny", () => {
  const platformNamespaces = Object.values(NAMESPACES).map((n) => n.name);
  const denyAll = (namespace: string, spec: Record<string, unknown> = {}): ResourceUnderTest => ({
    type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    name: `${namespace}-deny-all`,
    urn: `urn:pulumi:test::ecommerce::kubernetes:networking.k8s.io/v1:NetworkPolicy::${namespace}-deny-all`,
    props: {
      kind: "NetworkPolicy",
      metadata: { name: DEFAULT_DENY_POLICY_NAME, namespace },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ...spec },
    },
  });
  const check = async (resources: ResourceUnderTest[]) =>
    (await validateStack(namespacesDefaultDeny, resources)).map((v) => v.message);

  test("a deny-all policy in every platform namespace passes", async () => {
    expect(await check(platformNamespaces.map((ns) => denyAll(ns)))).toEqual([]);
  });

  test("each namespace without one is named", async () => {
    const present = platformNamespaces.filter((ns) => ns !== "e-commerce" && ns !== "monitoring");
    expect(await check([...present.map((ns) => denyAll(ns)), denyAll("default")])).toEqual([
      "namespace 'e-commerce' has no default-deny NetworkPolicy 'deny-all-default'",
      "namespace 'monitoring' has no default-deny NetworkPolicy 'deny-all-default'",
    ]);
  });

  test("a policy with the name that does not deny everything is rejected, pointing at it", async () => {
    const weak = denyAll("e-commerce", {
      podSelector: { matchLabels: { app: "redis" } },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: {} }] }],
    });
    const others = platformNamespaces.filter((ns) => ns !== "e-commerce").map((ns) => denyAll(ns));
    const violations = await validateStack(namespacesDefaultDeny, [weak, ...others]);
    expect(violations.map((v) => v.message)).toEqual([
      "NetworkPolicy 'e-commerce/deny-all-default' must select every pod (podSelector: {})",
      "NetworkPolicy 'e-commerce/deny-all-default' must list policyTypes Ingress and Egress (missing Egress)",
      "NetworkPolicy 'e-commerce/deny-all-default' must not allow any traffic (no ingress or egress rules)",
    ]);
    expect(new Set(violations.map((v) => v.urn))).toEqual(new Set([weak.urn]));
  });

  test("a missing podSelector is not 'every pod'", async () => {
    const resources = platformNamespaces.map((ns) => denyAll(ns, ns === "traefik" ? { podSelector: undefined } : {}));
    expect(await check(resources)).toEqual(["NetworkPolicy 'traefik/deny-all-default' must select every pod (podSelector: {})"]);
  });
});
