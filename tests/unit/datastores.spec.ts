/**
 * The datastore table (catalog/datastores.ts) and what is derived from it: instances, labels,
 * the connection contract, the volume size keys, and the policies and monitors of each kind.
 * Expected values are written here from the README's data tier section, not read from the table.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { DATASTORES, DATASTORE_KINDS, DatastoreKind, NAMESPACES, PROFILE_TABLE, SERVICES, ServiceSpec, datastoreInstances, datastoreRow, storageSizeKey } from "../../catalog";
import { dataConnections } from "../../catalog/contracts";
import { planSubnets } from "../../components/foundation/network";
import { DATASTORE_COMPONENTS } from "../../components/data/datastore-components";
import { kindsWithoutComponent, storeArgs } from "../../components/data/data-tier";
import { networkPolicyPlan } from "../../components/network-policies/rules";
import { scrapeTargets } from "../../components/monitoring/targets";
import { PROJECT_DIR, STACKS } from "../harness";

/** A kind no row of the table has (planted by the tests below, then removed). */
const PLANTED = "planted-kind";

const usersOf = (kind: string) => SERVICES.filter((s) => (s.uses as readonly string[]).includes(kind)).map((s) => s.name);
const planOf = (services: readonly ServiceSpec[]) =>
  networkPolicyPlan({
    services,
    acmeChallenge: "http-01",
    vpcCidr: "10.20.0.0/16",
    serviceCidr: "172.20.0.0/16",
    controlPlaneCidrs: planSubnets("10.20.0.0/16", ["a", "b"]).map((p) => p.controlPlaneCidr),
    nodeCidrs: planSubnets("10.20.0.0/16", ["a", "b"]).map((p) => p.privateCidr),
    vault: { kind: "none" },
    ingressSourceRanges: ["0.0.0.0/0"],
    loadBalancerSubnetCidrs: planSubnets("10.20.0.0/16", ["a", "b"]).map((p) => p.publicCidr),
  });

describe("datastore instances", () => {
  const c = dataConnections(SERVICES);

  test("a MySQL per owning service, one Redis, one RabbitMQ cluster, one MinIO, each serving the services whose row lists it", () => {
    expect(c.mysql.map((i) => [i.name, i.owner, i.clients.map((s) => s.name)])).toEqual(usersOf("mysql").map((o) => [`${o}-mysql`, o, [o]]));
    for (const [kind, name] of [["redis", "redis"], ["rabbitmq", "rabbitmq-cluster"], ["minio", "minio"]] as const) {
      expect(c[kind].map((i) => [i.name, i.owner, i.clients.map((s) => s.name)])).toEqual([[name, undefined, usersOf(kind)]]);
    }
  });

  test("a kind no service uses has no instance", () => {
    const withoutMinio = SERVICES.map((s) => ({ ...s, uses: s.uses.filter((k) => k !== "minio"), notes: undefined }));
    expect(datastoreInstances("minio", withoutMinio)).toEqual([]);
    expect(dataConnections(withoutMinio).minio).toEqual([]);
  });

  test("the seed's labels, and no instance's selector matches another instance's pods", () => {
    expect(c.rabbitmq[0].labels).toEqual({ "app.kubernetes.io/name": "rabbitmq-cluster" });
    expect(c.redis[0].labels).toEqual({ app: "redis", component: "cache" });
    expect(c.minio[0].labels).toEqual({ app: "minio", component: "object-storage" });
    expect(c.mysql[0].labels).toEqual({ app: `${c.mysql[0].owner}-mysql`, component: "database", owner: c.mysql[0].owner });
    const all = DATASTORE_KINDS.flatMap((k) => c[k]);
    const selects = (selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>) =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    for (const a of all) {
      for (const b of all) if (a !== b) expect([a.name, b.name, selects(a.labels, b.labels)]).toEqual([a.name, b.name, false]);
    }
  });

  test("the connection contract the README documents: hosts, ports, Secrets and their keys", () => {
    const contract = (i: (typeof c)[DatastoreKind][number]) => [i.connection.host, i.connection.port, i.connection.secretName, i.connection.usernameKey, i.connection.passwordKey];
    expect(contract(c.redis[0])).toEqual(["redis.e-commerce.svc.cluster.local", 6379, "redis-credentials", undefined, "password"]);
    expect(contract(c.rabbitmq[0])).toEqual(["rabbitmq-cluster.e-commerce-messaging.svc.cluster.local", 5672, "rabbitmq-client-credentials", "username", "password"]);
    expect(contract(c.minio[0])).toEqual(["minio.e-commerce-messaging.svc.cluster.local", 9000, "minio-client-credentials", "accessKey", "secretKey"]);
    const auth = c.mysql.find((i) => i.owner === "auth-service")!;
    expect(contract(auth)).toEqual(["auth-service-mysql.e-commerce.svc.cluster.local", 3306, "auth-service-mysql-credentials", "username", "password"]);
    expect(auth.connection.settings).toEqual({ database: "auth_service" });
  });

  test("every row's pods live in a platform namespace and its ports are distinct", () => {
    const namespaces = Object.values(NAMESPACES).map((n) => n.name);
    for (const kind of DATASTORE_KINDS) {
      const row = datastoreRow(kind);
      expect(namespaces).toContain(row.namespace);
      const ports = [row.port, ...Object.values(row.peerPorts), ...(row.metrics ? [row.metrics.port] : [])];
      expect([kind, new Set(ports).size]).toEqual([kind, ports.length]);
      for (const p of ports) expect(p >= 1 && p <= 65535).toBe(true);
    }
  });
});

describe("what each kind needs besides its row", () => {
  const pulumiYaml = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"));
  const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");

  test.each(DATASTORE_KINDS)("%s: its volume size key is declared, set in every stack file and documented", (kind) => {
    const key = storageSizeKey(kind);
    expect(pulumiYaml.config[key]).toMatchObject({ type: "string" });
    for (const stack of STACKS) {
      const file = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"));
      expect([stack, file.config[`ecommerce:${key}`]]).toEqual([stack, expect.stringMatching(/^\d+(Mi|Gi|Ti)$/)]);
    }
    expect(readme).toContain(`\`ecommerce:${key}\``);
  });

  test("every kind of the catalog's table has its component, and nothing else does", () => {
    expect(Object.keys(DATASTORE_COMPONENTS).sort()).toEqual([...DATASTORE_KINDS].sort());
    expect(kindsWithoutComponent()).toEqual([]);
  });

  test("each instance gets its kind's volume size and its namespace's resource", () => {
    const size = (kind: DatastoreKind) => `${DATASTORE_KINDS.indexOf(kind) + 1}Gi`;
    const volumeSizes = Object.fromEntries(DATASTORE_KINDS.map((kind) => [kind, size(kind)])) as Record<DatastoreKind, string>;
    const settings = { volumeSizes, rabbitmqReplicas: 3, backup: { enabled: false, retentionDays: 7 }, resources: PROFILE_TABLE.small };
    const namespaces = { "e-commerce": "ns-app", "e-commerce-messaging": "ns-messaging" };
    const base = { services: SERVICES, settings, storageClass: "gp3", protectData: true, namespaces, credentials: { backend: "kubernetes" as const } };
    const c = dataConnections(SERVICES);
    expect(storeArgs(c.rabbitmq[0], base)).toMatchObject({ storageSize: size("rabbitmq"), namespace: "ns-messaging", clientNamespace: "ns-app" });
    expect(storeArgs(c.mysql[0], base)).toMatchObject({ storageSize: size("mysql"), namespace: "ns-app", clientNamespace: "ns-app" });
    expect(new Set(DATASTORE_KINDS.map(size)).size).toBe(DATASTORE_KINDS.length);
    // Without the Namespace resources, the catalog's names.
    expect(storeArgs(c.minio[0], { ...base, namespaces: undefined })).toMatchObject({ namespace: "e-commerce-messaging", clientNamespace: "e-commerce" });
  });

  test("a ServiceMonitor for every instance whose row names a metrics endpoint, on that port's name; none for the others", () => {
    const c = dataConnections(SERVICES);
    const targets = scrapeTargets(SERVICES, "kubernetes");
    for (const kind of DATASTORE_KINDS) {
      const metrics = datastoreRow(kind).metrics;
      for (const i of c[kind]) {
        const monitors = targets.filter((t) => t.name === i.name).map((t) => [t.kind, t.namespace, t.port, t.selector]);
        expect([i.name, monitors]).toEqual([i.name, metrics ? [["ServiceMonitor", i.namespace, metrics.portName, i.labels]] : []]);
      }
    }
    // The Prometheus plugin's port on the broker's client Service (the README's table).
    expect(targets.find((t) => t.name === "rabbitmq-cluster")?.port).toBe("prometheus");
  });
});

/**
 * A kind nobody special-cased: before the table, the policy generator chose labels by an if-chain
 * whose last branch was RabbitMQ's, so a new kind's clients were sent to the broker's pods.
 */
describe("a datastore kind is its own row, never another kind's", () => {
  const rabbitLabels = { "app.kubernetes.io/name": "rabbitmq-cluster" };
  const wishlist = (uses: string[]) => ({ ...SERVICES[1], name: "wishlist-service", uses, notes: undefined, clientIpAffinitySeconds: undefined }) as ServiceSpec;
  const egressOf = (plan: ReturnType<typeof planOf>, service: string) => plan.find((p) => p.name === `allow-${service}-database`)?.spec.egress ?? [];

  test("a service using a kind the table lacks is an error naming the kinds, not a broker client", () => {
    expect(() => planOf([...SERVICES, wishlist([PLANTED])])).toThrow(`unknown datastore kind '${PLANTED}': the kinds are ${DATASTORE_KINDS.join(", ")}`);
    expect(() => datastoreRow(PLANTED as DatastoreKind)).toThrow(`unknown datastore kind '${PLANTED}'`);
  });

  test("a new row's clients reach its own pods on its own port", () => {
    const table = DATASTORES as unknown as Record<string, unknown>;
    expect(table[PLANTED]).toBeUndefined();
    table[PLANTED] = {
      ...DATASTORES.redis,
      kind: PLANTED,
      perService: false,
      port: 5432,
      instanceName: PLANTED,
      podLabels: (instance: string) => ({ app: instance, component: "sql" }),
      secretName: `${PLANTED}-credentials`,
    };
    try {
      const egress = egressOf(planOf([...SERVICES, wishlist([PLANTED])]), "wishlist-service");
      expect(egress).toHaveLength(1);
      expect(egress[0].ports).toEqual([{ protocol: "TCP", port: 5432 }]);
      expect(egress[0].to![0].podSelector).toEqual({ matchLabels: { app: PLANTED, component: "sql" } });
      expect(egress[0].to![0].podSelector).not.toEqual({ matchLabels: rabbitLabels });
    } finally {
      delete table[PLANTED];
    }
  });
});
