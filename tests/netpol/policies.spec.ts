import * as fs from "fs";
import * as path from "path";
import { NAMESPACES, SERVICES, ServiceSpec, databaseOwners } from "../../catalog";
import { namespacesInUse } from "../../catalog/namespaces";
import { CERT_MANAGER_WEBHOOK_PORT } from "../../components/ingress/cert-manager/chart";
import { planSubnets } from "../../components/foundation/network";
import { ALLOW_DNS, DEFAULT_DENY, PolicyManifest, networkPolicyPlan, selectorOf } from "../../components/network-policies/rules";
import { cidrsOverlap } from "../../lib/validate";
import { defaultDenyProblems } from "../../policy/exposure";
import { PROJECT_DIR, STACKS, stackRender, stackSetting } from "../harness";

const inputs = (services: readonly ServiceSpec[] = SERVICES, secretsBackend: "kubernetes" | "vault" = "kubernetes") => ({
  services,
  acmeChallenge: "http-01" as const,
  vpcCidr: "10.20.0.0/16",
  serviceCidr: "172.20.0.0/16",
  controlPlaneCidrs: planSubnets("10.20.0.0/16", ["a", "b"]).map((p) => p.controlPlaneCidr),
  nodeCidrs: planSubnets("10.20.0.0/16", ["a", "b"]).map((p) => p.privateCidr),
  vault: secretsBackend === "vault" ? ({ kind: "in-cluster" } as const) : ({ kind: "none" } as const),
  ingressSourceRanges: ["0.0.0.0/0"],
  loadBalancerSubnetCidrs: planSubnets("10.20.0.0/16", ["a", "b"]).map((p) => p.publicCidr),
});
const plan = networkPolicyPlan(inputs());
const find = (ns: string, name: string): PolicyManifest => {
  const p = plan.find((x) => x.namespace === ns && x.name === name);
  if (!p) throw new Error(`no policy ${ns}/${name}`);
  return p;
};

describe("generated NetworkPolicies", () => {
  // The vault backend's namespaces have theirs tested with that backend below.
  test.each(namespacesInUse({ vault: false }).map((n) => n.name))("%s denies everything by default and opens DNS to kube-dns on UDP and TCP", (ns) => {
    expect(defaultDenyProblems(find(ns, DEFAULT_DENY).spec)).toEqual([]);
    const dns = find(ns, ALLOW_DNS).spec;
    expect(dns.podSelector).toEqual({});
    expect(dns.policyTypes).toEqual(["Egress"]);
    expect(dns.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ]);
  });

  test("the seed's policy names are kept", () => {
    for (const name of ["allow-api-gateway-ingress", "allow-api-gateway-egress", "allow-microservices-rabbitmq", "allow-monitoring-scraping"]) {
      expect(find(NAMESPACES.app.name, name)).toBeDefined();
    }
    expect(find(NAMESPACES.messaging.name, "allow-rabbitmq-cluster")).toBeDefined();
  });

  test("names are unique per namespace and DNS labels", () => {
    const keys = plan.map((p) => `${p.namespace}/${p.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const p of plan) expect(p.name).toMatch(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/);
  });

  test("each database accepts its owner only, and each owner reaches its own database only", () => {
    for (const s of databaseOwners()) {
      const ingress = find(NAMESPACES.app.name, `allow-${s.name}-mysql-ingress`).spec;
      expect(ingress.podSelector.matchLabels).toMatchObject({ owner: s.name });
      expect(ingress.ingress).toHaveLength(1);
      expect(ingress.ingress![0].from!.map((f) => f.podSelector!.matchLabels!.app)).toEqual([s.name]);
      const egress = find(NAMESPACES.app.name, `allow-${s.name}-database`).spec.egress!;
      const mysql = egress.filter((r) => r.ports![0].port === 3306);
      expect(mysql.map((r) => r.to![0].podSelector!.matchLabels!.owner)).toEqual([s.name]);
    }
  });

  test("a new catalog row yields its policies; a service without datastores gets no database policy", () => {
    const extra = [...SERVICES, { ...SERVICES[1], name: "wishlist-service", uses: ["mysql", "rabbitmq"] } as ServiceSpec];
    const p = networkPolicyPlan(inputs(extra)).map((x) => x.name);
    expect(p).toEqual(expect.arrayContaining(["allow-wishlist-service-database", "allow-wishlist-service-mysql-ingress"]));
    expect(plan.map((x) => x.name)).not.toContain("allow-notifications-service-database");
  });

  test("the internet is everything outside the VPC, the service range and link-local addresses; the API server its control-plane subnets", () => {
    const traefik = find(NAMESPACES.traefik.name, "allow-traefik-ingress").spec;
    // A ClusterIP is "the internet" to the EKS VPC CNI unless excluded: ipBlocks are taken literally
    // (amazon-network-policy-controller-k8s v1.1.7 pkg/resolvers/endpoints.go buildIPBlockEndpoint),
    // and egress is judged before kube-proxy's DNAT. 169.254.0.0/16 holds the Pod Identity agent and IMDS.
    expect(traefik.ingress![0].from).toEqual([{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.20.0.0/16", "172.20.0.0/16", "169.254.0.0/16"] } }]);
    const webhook = find(NAMESPACES.certManager.name, "allow-cert-manager-webhook").spec;
    expect(webhook.ingress![0].from).toEqual(inputs().controlPlaneCidrs.map((cidr) => ({ ipBlock: { cidr } })));
    expect(webhook.ingress![0].ports).toEqual([{ protocol: "TCP", port: CERT_MANAGER_WEBHOOK_PORT }]);
  });

  test("no app or data policy reaches an address block (no internet, no API server)", () => {
    const appNs: string[] = [NAMESPACES.app.name, NAMESPACES.messaging.name];
    for (const p of plan.filter((x) => appNs.includes(x.namespace))) {
      for (const r of p.spec.egress ?? []) for (const peer of r.to ?? []) expect(peer.ipBlock).toBeUndefined();
    }
  });

  test("the webhook port is the chart's default securePort", () => {
    const schema = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "chartdata/cert-manager/values.schema.json"), "utf8"));
    expect(schema.$defs["helm-values.webhook.securePort"].default).toBe(CERT_MANAGER_WEBHOOK_PORT);
  });

  test("selectorOf: one set is its labels; several keep equal labels and put differing ones in In", () => {
    expect(selectorOf([{ a: "1" }])).toEqual({ matchLabels: { a: "1" } });
    expect(selectorOf([{ app: "x", c: "m" }, { app: "y", c: "m" }])).toEqual({
      matchLabels: { c: "m" },
      matchExpressions: [{ key: "app", operator: "In", values: ["x", "y"] }],
    });
  });
});

describe("the External Secrets Operator's policies (secretsBackend vault)", () => {
  const vault = networkPolicyPlan(inputs(SERVICES, "vault"));
  const eso = (name: string) => vault.find((p) => p.namespace === "external-secrets" && p.name === name)!;

  test("its namespace denies by default and opens DNS; the kubernetes backend has neither", () => {
    expect(vault.filter((p) => p.namespace === "external-secrets").map((p) => p.name)).toEqual(
      expect.arrayContaining([DEFAULT_DENY, ALLOW_DNS, "allow-external-secrets-egress", "allow-external-secrets-webhook", "allow-monitoring-scraping", "allow-reloader-egress"]),
    );
    expect(plan.filter((p) => p.namespace === "external-secrets")).toEqual([]);
    // Every other policy is the same in both backends, but Vault's own, each MySQL's ingress from Vault
    // and Prometheus' egress, which scrapes the controller and Vault.
    const apart = ["allow-prometheus-egress", "allow-vault-database-ingress"];
    const others = (ps: PolicyManifest[]) => ps.filter((p) => !["external-secrets", "vault"].includes(p.namespace) && !apart.includes(p.name)).map((p) => JSON.stringify(p));
    expect(others(vault)).toEqual(others(plan));
  });

  test("the controller reaches Vault's server pods on 8200 and the API server, nothing else", () => {
    const egress = eso("allow-external-secrets-egress").spec.egress!;
    const toVault = egress.find((r) => r.to!.some((t) => t.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "vault"))!;
    expect(toVault.ports).toEqual([{ protocol: "TCP", port: 8200 }]);
    expect(toVault.to![0].podSelector!.matchLabels).toEqual({ "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": "vault", component: "server" });
    expect(egress.filter((r) => r !== toVault).map((r) => r.ports)).toEqual([[{ protocol: "TCP", port: 443 }]]);
  });

  test("only the API server's addresses reach the webhook, on its port", () => {
    const ingress = eso("allow-external-secrets-webhook").spec.ingress!;
    expect(ingress.map((r) => r.ports)).toEqual([[{ protocol: "TCP", port: 10250 }]]);
    expect(ingress[0].from!.every((f) => f.ipBlock !== undefined)).toBe(true);
  });
});

describe("control-plane subnets", () => {
  test.each([
    ["10.20.0.0/16", ["a", "b", "c"]],
    ["172.16.0.0/20", ["a", "b", "c"]],
  ])("of %s: one /28 per zone, in the public quarter, overlapping no other subnet", (vpc, zones) => {
    const p = planSubnets(vpc, zones);
    const others = p.flatMap((x) => [x.privateCidr, x.publicCidr]);
    for (const x of p) {
      expect(x.controlPlaneCidr).toMatch(/\/28$/);
      expect(cidrsOverlap(x.controlPlaneCidr, vpc)).toBe(true);
      for (const o of others) expect(cidrsOverlap(x.controlPlaneCidr, o)).toBe(false);
    }
    expect(new Set(p.map((x) => x.controlPlaneCidr)).size).toBe(zones.length);
  });

  test("a /16 puts them right after the public subnets", () => {
    expect(planSubnets("10.20.0.0/16", ["a", "b"]).map((p) => p.controlPlaneCidr)).toEqual(["10.20.204.0/28", "10.20.204.16/28"]);
  });

  test.each(STACKS)("%s: the cluster gets only the control-plane subnets; they carry no load-balancer tag", async (stack) => {
    const r = await stackRender(stack);
    const cp = r.ofType("aws:ec2/subnet:Subnet").filter((s) => s.name.includes("control-plane"));
    expect(cp).toHaveLength(stackSetting<string[]>(stack, "availabilityZones").length);
    const cluster = r.one("eks:index:Cluster").inputs;
    expect([...cluster.subnetIds].sort()).toEqual(cp.map((s) => `${s.name}-id`).sort());
    expect(cluster.publicSubnetIds).toBeUndefined();
    expect(cluster.privateSubnetIds).toBeUndefined();
    for (const s of cp) {
      expect(Object.keys(s.inputs.tags).filter((t) => t.startsWith("kubernetes.io/role"))).toEqual([]);
    }
  });

  test.each(STACKS)("%s: every NetworkPolicy depends on its namespace only; kube-system's on nothing but the cluster", async (stack) => {
    const r = await stackRender(stack);
    const nsUrn = new Map(r.kind("Namespace").map((n) => [n.inputs.metadata.name, n.urn]));
    const policies = r.kind("NetworkPolicy");
    expect(policies.filter((p) => p.inputs.metadata.namespace === "kube-system").length).toBeGreaterThan(0);
    for (const p of policies) {
      const own = p.inputs.metadata.namespace === "kube-system" ? [] : [nsUrn.get(p.inputs.metadata.namespace)!];
      expect(p.dependsOn.filter((d) => !d.includes("pulumi:providers"))).toStrictEqual(own);
    }
  });
});
