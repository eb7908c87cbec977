/**
 * The Vault table (catalog/vault.ts) against what the `kubernetes` backend writes: the data
 * tier's Secret builders (components/data/*.ts, pure functions called here with the catalog's
 * instances) and Grafana's admin Secret; and its own rules (each consumer reads only its own
 * paths, names fit Vault's, MySQL's and Kubernetes' limits).
 */
import { DATASTORES, NAMESPACES, SERVICES, ServiceSpec } from "../../catalog";
import { dataConnections } from "../../catalog/contracts";
import { FIXED_USERS, GENERATED_LENGTHS, GRAFANA_ADMIN, KvSecret, MYSQL_VAULT_USER, VaultTable, grantSchema, vaultTable } from "../../catalog/vault";
import { mysqlSecrets } from "../../components/data/mysql";
import { redisSecrets } from "../../components/data/redis";
import { RABBITMQ_USERNAME, rabbitmqSecrets } from "../../components/data/rabbitmq";
import { MINIO_ROOT_USER, MINIO_SECRET_LENGTH, minioSecrets } from "../../components/data/minio";
import { GRAFANA_ADMIN_SECRET } from "../../components/monitoring/kube-prometheus-stack/chart";
import { storeArgs } from "../../components/data/data-tier";
import { DataStoreArgs } from "../../lib/stateful";

type SecretArgs = { metadata?: unknown; stringData?: unknown };
const table = vaultTable(SERVICES);

/** Name, namespace and keys of a Secret the `kubernetes` backend builds. */
function shape(s: SecretArgs): string {
  const m = s.metadata as { name: string; namespace: string };
  return `${m.namespace}/${m.name}: ${Object.keys(s.stringData as object).sort().join(",")}`;
}
const tableShape = (t: VaultTable) => t.secrets.map((s) => `${s.namespace}/${s.name}: ${Object.keys(s.data).sort().join(",")}`);

/** Every Secret the data tier's builders and the monitoring tier write today, for a catalog. */
function kubernetesBackendSecrets(services: readonly ServiceSpec[]): string[] {
  const c = dataConnections(services);
  const tierArgs = { services, protectData: false, storageClass: "gp3", settings: { volumeSizes: {}, resources: {} } } as never;
  const args = (i: (typeof c.mysql)[number]): DataStoreArgs => ({ ...storeArgs(i, tierArgs), instance: i }) as DataStoreArgs;
  const rabbit = (i: (typeof c.mysql)[number]) => ({ ...args(i), replicas: 1 });
  return [
    ...c.mysql.flatMap((i) => Object.values(mysqlSecrets(args(i), { root: "r", app: "a" })).map(shape)),
    ...c.redis.flatMap((i) => Object.values(redisSecrets(args(i), "p")).map(shape)),
    ...c.rabbitmq.flatMap((i) => Object.values(rabbitmqSecrets(rabbit(i), { password: "p", cookie: "c" })).map(shape)),
    ...c.minio.flatMap((i) => Object.values(minioSecrets(args(i), "p")).map(shape)),
    `${NAMESPACES.monitoring.name}/${GRAFANA_ADMIN_SECRET.name}: ${[GRAFANA_ADMIN_SECRET.userKey, GRAFANA_ADMIN_SECRET.passwordKey].sort().join(",")}`,
  ];
}

const kv = (name: string): KvSecret => {
  const found = table.kvSecrets.find((k) => k.name === name);
  if (!found) throw new Error(`no KV secret ${name}`);
  return found;
};

describe("the table covers what the kubernetes backend writes", () => {
  test("every Secret of the data and monitoring tiers, with the same name, namespace and keys; plus each MySQL's `vault` password", () => {
    const vaultOnly = dataConnections(SERVICES).mysql.map((i) => `${i.namespace}/${i.name}-vault: password`);
    expect(tableShape(table).sort()).toEqual([...kubernetesBackendSecrets(SERVICES), ...vaultOnly].sort());
  });

  test("a catalog with one more service gets its database, consumer and Secrets", () => {
    const services = [...SERVICES, { ...SERVICES[1], name: "wishlist-service", uses: ["mysql", "redis"] } as ServiceSpec];
    const t = vaultTable(services);
    expect(tableShape(t).sort()).toEqual([...kubernetesBackendSecrets(services), ...dataConnections(services).mysql.map((i) => `${i.namespace}/${i.name}-vault: password`)].sort());
    expect(t.consumers.find((c) => c.name === "wishlist-service")).toMatchObject({ databaseRole: "wishlist-service", kvSecrets: ["redis-credentials"] });
  });

  test("fixed values and lengths are the ones the components generate", () => {
    expect(FIXED_USERS).toEqual({ rabbitmq: RABBITMQ_USERNAME, minio: MINIO_ROOT_USER, grafana: "admin" });
    expect(GRAFANA_ADMIN).toEqual(GRAFANA_ADMIN_SECRET);
    expect(GENERATED_LENGTHS.minioSecretKey).toBe(MINIO_SECRET_LENGTH);
    expect(kv("minio-root-credentials").keys).toEqual({ rootUser: { fixed: MINIO_ROOT_USER }, rootPassword: { random: { length: MINIO_SECRET_LENGTH, alphabet: "alphanumeric" } } });
    // The clients' copy starts equal to root, as the kubernetes backend has it, and lives apart.
    expect(kv("minio-client-credentials").keys).toEqual({
      accessKey: { sameAs: { secret: "minio-root-credentials", key: "rootUser" } },
      secretKey: { sameAs: { secret: "minio-root-credentials", key: "rootPassword" } },
    });
    expect(kv("rabbitmq-cluster-erlang-cookie").keys.cookie).toEqual({ random: { length: 64, alphabet: "alphanumeric" } });
    expect(kv("rabbitmq-client-credentials").keys.username).toEqual({ fixed: RABBITMQ_USERNAME });
  });

  test("every Secret's values come from a KV secret its consumer reads, or from its consumer's database role", () => {
    for (const s of table.secrets) {
      const c = table.consumers.find((x) => x.name === s.consumer)!;
      expect([s.name, c.namespaces.includes(s.namespace)]).toEqual([s.name, true]);
      for (const [key, source] of Object.entries(s.data)) {
        if ("databaseRole" in source) expect([s.name, key, source.databaseRole]).toEqual([s.name, key, c.databaseRole]);
        else {
          expect([s.name, key, c.kvSecrets.includes(source.kv)]).toEqual([s.name, key, true]);
          if ("key" in source) expect(Object.keys(kv(source.kv).keys)).toContain(source.key);
          else for (const m of source.template.matchAll(/\{\{ \.(\w+) \}\}/g)) expect(Object.keys(kv(source.kv).keys)).toContain(m[1]);
        }
      }
    }
  });
});

describe("consumers and their paths", () => {
  test("one consumer per service, per data store instance, and Grafana; policy and role named after it", () => {
    const c = dataConnections(SERVICES);
    const stores = [...c.mysql, ...c.redis, ...c.rabbitmq, ...c.minio].map((i) => i.id);
    expect(table.consumers.map((x) => x.name).sort()).toEqual([...SERVICES.map((s) => s.name), ...stores, "grafana"].sort());
    for (const x of table.consumers) expect([x.policy, x.role, x.serviceAccount]).toEqual([x.name, x.name, `${x.name}-secrets`]);
  });

  test("a service reads its own database role and the shared stores it uses, nothing else", () => {
    const c = dataConnections(SERVICES);
    for (const s of SERVICES) {
      const x = table.consumers.find((y) => y.name === s.name)!;
      expect(x.databaseRole).toBe(s.uses.includes("mysql") ? s.name : undefined);
      const shared = (["redis", "rabbitmq", "minio"] as const).filter((k) => s.uses.includes(k)).map((k) => c[k][0].connection.secretName);
      expect([s.name, [...x.kvSecrets].sort()]).toEqual([s.name, shared.sort()]);
    }
  });

  test("no KV secret of a store is read by a consumer other than the store and its clients", () => {
    for (const k of table.kvSecrets) {
      const readers = table.consumers.filter((x) => x.kvSecrets.includes(k.name)).map((x) => x.name);
      const owner = table.secrets.find((s) => s.data && Object.values(s.data).some((v) => "kv" in v && v.kv === k.name))!.consumer;
      expect(readers).toContain(owner);
      for (const r of readers.filter((n) => n !== owner)) {
        const service = SERVICES.find((s) => s.name === r);
        expect([k.name, r, service !== undefined]).toEqual([k.name, r, true]);
      }
      if (k.name.endsWith("-root") || k.name.endsWith("-vault") || k.name.endsWith("-erlang-cookie")) expect(readers).toEqual([owner]);
    }
  });

  test("names fit the limits: DNS labels for ServiceAccounts, Vault path segments, MySQL's 32-character user names", () => {
    for (const x of table.consumers) expect(x.serviceAccount).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    for (const k of table.kvSecrets) expect(k.name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    for (const c of table.connections) expect(c.username.length).toBeLessThanOrEqual(32);
    expect(new Set(table.kvSecrets.map((k) => k.name)).size).toBe(table.kvSecrets.length);
    expect(new Set(table.consumers.map((k) => k.name)).size).toBe(table.consumers.length);
  });
});

describe("database connections and roles", () => {
  test("one connection per MySQL instance as `vault`, allowing only its owner's role; one role per owner with its TTLs", () => {
    const mysql = dataConnections(SERVICES).mysql;
    expect(table.connections.map((c) => [c.name, c.host, c.port, c.username, c.allowedRoles])).toEqual(
      mysql.map((i) => [i.name, i.connection.host, DATASTORES.mysql.port, MYSQL_VAULT_USER, [i.owner]]),
    );
    expect(table.databaseRoles.map((r) => [r.name, r.connection, r.defaultTtl, r.maxTtl])).toEqual(mysql.map((i) => [i.owner, i.name, "1h", "24h"]));
  });

  test("a role grants only its schema, with `_` escaped so that it matches no other schema", () => {
    for (const r of table.databaseRoles) {
      const grants = r.creationStatements.filter((s) => /^GRANT/.test(s));
      expect(grants).toEqual([`GRANT ALL PRIVILEGES ON ${grantSchema(r.schema)}.* TO '{{name}}'@'%';`]);
      expect(grants.join("")).not.toMatch(/\*\.\*|WITH GRANT OPTION/);
    }
    expect(grantSchema("auth_service")).toBe("`auth\\_service`");
  });
});
