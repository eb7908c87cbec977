/**
 * The data tier's pure builders (components/data/*.ts), called without an engine: what each
 * store's Secrets, Services, containers and StatefulSet are, from an instance of the catalog.
 */
import { PROFILE_TABLE, SERVICES } from "../../catalog";
import { dataConnections } from "../../catalog/contracts";
import { MINIO_ROOT_USER, minioAccessKeyName, minioContainer, minioSecrets, minioService } from "../../components/data/minio";
import { MYSQL_DATADIR, MYSQL_SERVER_ARGS, mysqlContainers, mysqlContract, mysqlSecrets, mysqlStatefulSet, mysqlUsername } from "../../components/data/mysql";
import {
  DRAIN_TIMEOUT_SECONDS,
  RABBITMQ_USERNAME,
  checkRabbitMqReplicas,
  rabbitmqContainer,
  rabbitmqDisruptionBudget,
  rabbitmqSecrets,
  rabbitmqServices,
  rabbitmqStatefulSet,
} from "../../components/data/rabbitmq";
import { redisContainer, redisSecrets, redisStatefulSet } from "../../components/data/redis";
import { statefulSetArgs } from "../../lib/stateful";

const c = dataConnections(SERVICES);
const ROWS = PROFILE_TABLE.standard;
const RABBITMQ_RESOURCES = ROWS.rabbitmq;
const REDIS_RESOURCES = ROWS.redis;
const base = { namespace: "server-ns", clientNamespace: "client-ns", storageClass: "gp3", storageSize: "8Gi", protectData: true, resources: ROWS.mysql, credentials: { backend: "kubernetes" as const } };
const portsOf = (ports: any[]) => ports.map((p) => [p.name, p.port ?? p.containerPort]);
const mount = (name: string, mountPath: string) => ({ name, mountPath });

describe("RabbitMQ", () => {
  const args = (replicas: number) => ({ ...base, resources: ROWS.rabbitmq, instance: c.rabbitmq[0], replicas });
  const objects = { nodesService: "nodes-svc", serviceAccount: "sa", cookieSecret: "cookie", config: "cfg", defaultUser: "user" };
  const sts = (replicas: number, configText = "conf") => statefulSetArgs(rabbitmqStatefulSet(args(replicas), RABBITMQ_RESOURCES, configText, objects)).spec as any;

  test("only an odd node count from 1 forms a cluster with a majority", () => {
    for (const n of [1, 3, 5, 7]) expect(() => checkRabbitMqReplicas(n)).not.toThrow();
    for (const n of [0, 2, 4, 1.5, -1]) expect(() => checkRabbitMqReplicas(n)).toThrow(`RabbitMQ needs an odd number of nodes, got ${n}`);
  });

  test("the client Service and the headless one naming the nodes; every Service port is a container port", () => {
    const { client, nodes } = rabbitmqServices(args(3));
    expect([client.metadata, (client.spec as any).selector]).toEqual([{ name: "rabbitmq-cluster", namespace: "server-ns", labels: c.rabbitmq[0].labels }, c.rabbitmq[0].labels]);
    expect(portsOf((client.spec as any).ports)).toEqual([["amqp", 5672], ["management", 15672], ["prometheus", 15692]]);
    expect((nodes.metadata as any).name).toBe("rabbitmq-cluster-nodes");
    expect(nodes.spec).toMatchObject({ clusterIP: "None", publishNotReadyAddresses: true });
    expect(portsOf((nodes.spec as any).ports)).toEqual([["amqp", 5672], ["epmd", 4369], ["clustering", 25672]]);
    const containerPorts = portsOf(rabbitmqContainer(args(3), RABBITMQ_RESOURCES, { home: mount("home", "/h"), tmp: mount("tmp", "/tmp") }).ports as any[]);
    for (const p of [...portsOf((client.spec as any).ports), ...portsOf((nodes.spec as any).ports)]) expect(containerPorts).toContainEqual(p);
  });

  test("the clients' Secret is in their namespace under the contract's keys; the server's stay in its own", () => {
    const s = rabbitmqSecrets(args(3), { password: "pw", cookie: "ck" });
    expect([s.client.metadata, s.client.stringData]).toEqual([
      { name: "rabbitmq-client-credentials", namespace: "client-ns", labels: c.rabbitmq[0].labels },
      { username: RABBITMQ_USERNAME, password: "pw" },
    ]);
    expect([(s.defaultUser.metadata as any).namespace, (s.cookie.metadata as any).namespace]).toEqual(["server-ns", "server-ns"]);
    expect(s.cookie.stringData).toEqual({ cookie: "ck" });
    expect(Object.keys(s.defaultUser.stringData as object)).toEqual(["username", "password", "default_user.conf"]);
  });

  test("a single node stops at once; a clustered one drains its quorum queues first, and its grace period covers the drain", () => {
    const single = sts(1).template.spec;
    expect(single.containers[0].lifecycle).toBeUndefined();
    expect(single.terminationGracePeriodSeconds).toBe(60);
    const clustered = sts(3).template.spec;
    expect(clustered.containers[0].lifecycle.preStop.exec.command).toEqual(["rabbitmq-upgrade", "await_online_quorum_plus_one", "-t", String(DRAIN_TIMEOUT_SECONDS)]);
    expect(clustered.terminationGracePeriodSeconds).toBeGreaterThan(DRAIN_TIMEOUT_SECONDS);
  });

  test("the StatefulSet: named nodes through the headless Service, parallel start, claims of removed nodes deleted", () => {
    const spec = sts(3);
    expect([spec.serviceName, spec.replicas, spec.podManagementPolicy]).toEqual(["nodes-svc", 3, "Parallel"]);
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Delete" });
    expect(spec.template.spec.serviceAccountName).toBe("sa");
    const env = Object.fromEntries(spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.RABBITMQ_NODENAME).toBe("rabbit@$(MY_POD_NAME).rabbitmq-cluster-nodes.$(MY_POD_NAMESPACE)");
    expect(spec.template.spec.volumes.find((v: any) => v.name === "erlang-cookie").secret.secretName).toBe("cookie");
  });

  test("a configuration change changes the pods' checksum, so the nodes roll", () => {
    expect(sts(3, "a").template.metadata.annotations).not.toEqual(sts(3, "b").template.metadata.annotations);
    expect(sts(3, "a").template.metadata.annotations).toEqual(sts(3, "a").template.metadata.annotations);
  });

  test("a disruption budget keeping the majority, none for a single node", () => {
    expect(rabbitmqDisruptionBudget(args(1))).toBeUndefined();
    expect((rabbitmqDisruptionBudget(args(3))!.spec as any).minAvailable).toBe(2);
    expect((rabbitmqDisruptionBudget(args(5))!.spec as any).minAvailable).toBe(3);
  });
});

describe("Redis", () => {
  const args = { ...base, resources: ROWS.redis, instance: c.redis[0] };
  const objects = { service: "svc", clientSecret: "client-secret", authSecret: "auth", config: "cfg" };

  test("the clients' password Secret in their namespace; the server's include in its own", () => {
    const s = redisSecrets(args, "pw");
    expect([s.client.metadata, s.client.stringData]).toEqual([{ name: "redis-credentials", namespace: "client-ns", labels: c.redis[0].labels }, { password: "pw" }]);
    expect((s.auth.metadata as any).namespace).toBe("server-ns");
  });

  test("the CLI reads the password from the clients' Secret; ready on PONG only, alive while it loads", () => {
    const container = redisContainer(args, REDIS_RESOURCES, "client-secret") as any;
    expect(container.env).toEqual([{ name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: "client-secret", key: "password" } } }]);
    expect(container.readinessProbe.exec.command[2]).toMatch(/grep -q '\^PONG'$/);
    expect(container.livenessProbe.exec.command[2]).toMatch(/PONG\|LOADING/);
    expect(container.startupProbe.exec.command[2]).toMatch(/PONG\|LOADING/);
  });

  test("one replica keeping its claim, rolled by a changed redis.conf", () => {
    const spec = statefulSetArgs(redisStatefulSet(args, REDIS_RESOURCES, "conf", objects)).spec as any;
    expect([spec.replicas, spec.serviceName, spec.persistentVolumeClaimRetentionPolicy.whenScaled]).toEqual([1, "svc", "Retain"]);
    const other = statefulSetArgs(redisStatefulSet(args, REDIS_RESOURCES, "other", objects)).spec as any;
    expect(spec.template.metadata.annotations).not.toEqual(other.template.metadata.annotations);
  });
});

describe("MySQL", () => {
  const instance = c.mysql.find((i) => i.owner === "recommendations-service")!;
  const args = { ...base, instance };

  test("a connection without a schema or a user name key is refused by the instance's name", () => {
    const bare = { ...args, instance: { ...instance, connection: { ...instance.connection, settings: {} } } };
    expect(() => mysqlContract(bare)).toThrow("the connection of recommendations-service-mysql must name a database and a username key");
    expect(mysqlContract(args)).toMatchObject({ database: "recommendations_service", usernameKey: "username" });
  });

  test("the clients get their own user, cut to MySQL's limit; root stays in the server's Secret", () => {
    const s = mysqlSecrets(args, { root: "r", app: "a" });
    expect(s.client.stringData).toEqual({ username: mysqlUsername("recommendations_service"), password: "a" });
    expect((s.client.metadata as any).namespace).toBe("client-ns");
    expect([(s.root.metadata as any).name, s.root.stringData]).toEqual(["recommendations-service-mysql-root", { password: "r" }]);
  });

  test("the init container initialises with the server's own arguments; only it sees the root password", () => {
    const { init, server } = mysqlContainers(args, { root: "root-secret", client: "client-secret" }, { kind: "application" }) as any;
    expect(server.args).toEqual([`--datadir=${MYSQL_DATADIR}`, ...MYSQL_SERVER_ARGS]);
    for (const a of MYSQL_SERVER_ARGS) expect(init.command[2]).toContain(`"${a}"`);
    expect(init.env.map((e: any) => e.name)).toContain("MYSQL_ROOT_PASSWORD");
    expect(server.env.map((e: any) => e.name)).not.toContain("MYSQL_ROOT_PASSWORD");
    expect([init.image, init.volumeMounts, init.securityContext]).toEqual([server.image, server.volumeMounts, server.securityContext]);
  });

  test("one replica named after the instance, selecting its labels", () => {
    const sts = statefulSetArgs(mysqlStatefulSet(args, { service: "svc", root: "r", client: "c" }, { kind: "application" }));
    expect([(sts.metadata as any).name, (sts.spec as any).selector.matchLabels, (sts.spec as any).replicas]).toEqual([
      "recommendations-service-mysql",
      instance.labels,
      1,
    ]);
  });
});

describe("MinIO", () => {
  const args = { ...base, resources: ROWS.minio, instance: c.minio[0] };

  test("the clients' access key pair is the root user and its generated password", () => {
    const s = minioSecrets(args, "pw");
    expect(s.client.stringData).toEqual({ accessKey: MINIO_ROOT_USER, secretKey: "pw" });
    expect(s.root.stringData).toEqual({ rootUser: MINIO_ROOT_USER, rootPassword: "pw" });
    expect([(s.client.metadata as any).namespace, (s.root.metadata as any).namespace]).toEqual(["client-ns", "server-ns"]);
  });

  test("a connection without an access key is refused", () => {
    const bare = { ...args, instance: { ...c.minio[0], connection: { ...c.minio[0].connection, usernameKey: undefined } } };
    expect(() => minioAccessKeyName(bare)).toThrow("the MinIO connection must name an access key");
  });

  test("the S3 API on the instance's port, probed on its health endpoints; the Service's ports are the container's", () => {
    const container = minioContainer(args, "root", mount("tmp", "/tmp")) as any;
    expect(container.readinessProbe.httpGet).toEqual({ path: "/minio/health/ready", port: "api" });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/minio/health/live", port: "api" });
    expect(portsOf(container.ports)).toEqual(portsOf((minioService(args).spec as any).ports));
    expect(portsOf(container.ports)[0]).toEqual(["api", c.minio[0].connection.port]);
  });
});
