import { quorumOf, rabbitmqConfig } from "../../../components/data/rabbitmq";
import { redisConfig } from "../../../components/data/redis";
import { renderProgram, stackRender } from "../../harness";
import { PROD_CHANGED } from "../../variants";
import { VARIANT_SERVICES, changedDataTier } from "./fixtures";

const MSG = "e-commerce-messaging";
const REPLICAS = { dev: 1, prod: 3 } as const;
const portsOf = (svc: any) => svc.spec.ports.map((p: any) => [p.name, p.port, p.targetPort]);

describe.each(["dev", "prod"] as const)("RabbitMQ cluster of %s", (stack) => {
  // The seed's label, as the README documents it.
  const rabbit = { "app.kubernetes.io/name": "rabbitmq-cluster" };

  test("client Service rabbitmq-cluster: AMQP, management, Prometheus; target port == port", async () => {
    const svc = (await stackRender(stack)).find("Service", "rabbitmq-cluster", MSG);
    expect(svc.spec.type).toBe("ClusterIP");
    expect(portsOf(svc)).toEqual([["amqp", 5672, 5672], ["management", 15672, 15672], ["prometheus", 15692, 15692]]);
    expect(svc.spec.selector).toEqual(rabbit);
    expect(svc.metadata.labels).toEqual(rabbit);
  });

  test("headless Service rabbitmq-cluster-nodes publishes peers before they are ready", async () => {
    const svc = (await stackRender(stack)).find("Service", "rabbitmq-cluster-nodes", MSG);
    expect(svc.spec.clusterIP).toBe("None");
    expect(svc.spec.publishNotReadyAddresses).toBe(true);
    expect(portsOf(svc)).toEqual([["amqp", 5672, 5672], ["epmd", 4369, 4369], ["clustering", 25672, 25672]]);
    expect(svc.spec.selector).toEqual({ "app.kubernetes.io/name": "rabbitmq-cluster" });
  });

  test(`StatefulSet rabbitmq-cluster: ${REPLICAS[stack]} node(s) named through the headless Service`, async () => {
    const sts = (await stackRender(stack)).find("StatefulSet", "rabbitmq-cluster", MSG);
    expect(sts.spec.replicas).toBe(REPLICAS[stack]);
    expect(sts.spec.serviceName).toBe("rabbitmq-cluster-nodes");
    expect(sts.spec.podManagementPolicy).toBe("Parallel");
    expect(sts.spec.template.metadata.labels).toEqual(rabbit);
    const c = sts.spec.template.spec.containers[0];
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
    expect(env.RABBITMQ_NODENAME).toBe("rabbit@$(MY_POD_NAME).rabbitmq-cluster-nodes.$(MY_POD_NAMESPACE)");
    expect(env.RABBITMQ_USE_LONGNAME).toBe("true");
    expect(c.image).toMatch(/^rabbitmq:4\.\d+\.\d+$/);
    expect(c.ports.map((p: any) => p.containerPort).sort((a: number, b: number) => a - b)).toEqual([4369, 5672, 15672, 15692, 25672]);
  });

  test("configuration: Kubernetes peer discovery, quorum queues by default, pause_minority", async () => {
    const r = await stackRender(stack);
    const cm = r.find("ConfigMap", "rabbitmq-cluster-config", MSG);
    const conf: string = cm.data["rabbitmq.conf"];
    expect(conf).toMatch(/^cluster_formation\.peer_discovery_backend = rabbit_peer_discovery_k8s$/m);
    expect(conf).toMatch(/^default_queue_type = quorum$/m);
    expect(conf).toMatch(/^cluster_partition_handling = pause_minority$/m);
    expect(cm.data.enabled_plugins).toBe("[rabbitmq_peer_discovery_k8s,rabbitmq_management,rabbitmq_prometheus].\n");
    expect(conf).not.toMatch(/default_pass|default_user/);
    // The default user is read from a Secret, mounted next to the ConfigMap.
    const projected = r.find("StatefulSet", "rabbitmq-cluster", MSG).spec.template.spec.volumes.find((v: any) => v.name === "config").projected;
    expect(projected.sources[1].secret).toEqual({ name: "rabbitmq-cluster-default-user", items: [{ key: "default_user.conf", path: "conf.d/10-default-user.conf" }] });
  });

  test("the Erlang cookie is copied from its Secret with owner-only permissions", async () => {
    const spec = (await stackRender(stack)).find("StatefulSet", "rabbitmq-cluster", MSG).spec.template.spec;
    expect(spec.volumes.find((v: any) => v.name === "erlang-cookie").secret.secretName).toBe("rabbitmq-cluster-erlang-cookie");
    expect(spec.initContainers[0].command.join(" ")).toMatch(/chmod 600 \/var\/lib\/rabbitmq\/\.erlang\.cookie/);
  });

  test("probes do not deadlock a restarting cluster: liveness pings the runtime, readiness waits for AMQP", async () => {
    const c = (await stackRender(stack)).find("StatefulSet", "rabbitmq-cluster", MSG).spec.template.spec.containers[0];
    expect(c.livenessProbe.exec.command.join(" ")).toMatch(/rabbitmq-diagnostics -q ping$/);
    expect(c.startupProbe.exec.command.join(" ")).toMatch(/rabbitmq-diagnostics -q ping$/);
    expect(c.readinessProbe.tcpSocket.port).toBe("amqp");
  });

  test("a dedicated ServiceAccount without token or API rights (discovery needs DNS only)", async () => {
    const r = await stackRender(stack);
    const sa = r.find("ServiceAccount", "rabbitmq-cluster", MSG);
    expect(sa.automountServiceAccountToken).toBe(false);
    const spec = r.find("StatefulSet", "rabbitmq-cluster", MSG).spec.template.spec;
    expect(spec.serviceAccountName).toBe("rabbitmq-cluster");
    expect(spec.automountServiceAccountToken).toBe(false);
    // No binding anywhere names it: it holds no API permission.
    const bindings = [...r.kind("RoleBinding"), ...r.kind("ClusterRoleBinding")];
    expect(bindings.length).toBeGreaterThan(0);
    const bound = bindings.filter((b) => (b.inputs.subjects ?? []).some((x: any) => x.kind === "ServiceAccount" && x.name === "rabbitmq-cluster"));
    expect(bound).toEqual([]);
  });

  test("nodes spread over zones (hard) and hosts (soft)", async () => {
    const spread = (await stackRender(stack)).find("StatefulSet", "rabbitmq-cluster", MSG).spec.template.spec.topologySpreadConstraints;
    expect(spread).toContainEqual({ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: rabbit } });
    expect(spread.find((s: any) => s.topologyKey === "kubernetes.io/hostname").whenUnsatisfiable).toBe("ScheduleAnyway");
  });
});

describe("RabbitMQ quorum protection", () => {
  test("prod: the PodDisruptionBudget keeps 2 of 3 nodes, and a stopping node waits for quorum + 1", async () => {
    const r = await stackRender("prod");
    const pdb = r.find("PodDisruptionBudget", "rabbitmq-cluster", MSG);
    expect(pdb.spec).toEqual({ minAvailable: 2, selector: { matchLabels: { "app.kubernetes.io/name": "rabbitmq-cluster" } } });
    const spec = r.find("StatefulSet", "rabbitmq-cluster", MSG).spec.template.spec;
    expect(spec.containers[0].lifecycle.preStop.exec.command.slice(0, 2)).toEqual(["rabbitmq-upgrade", "await_online_quorum_plus_one"]);
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(600);
  });

  test("dev: a single node gets neither a PodDisruptionBudget (it would block drains) nor the quorum wait", async () => {
    const r = await stackRender("dev");
    expect(r.kind("PodDisruptionBudget", MSG)).toEqual([]);
    expect(r.find("StatefulSet", "rabbitmq-cluster", MSG).spec.template.spec.containers[0].lifecycle).toBeUndefined();
  });

  test.each([[1, 1], [3, 2], [5, 3], [7, 4]])("quorum of %i nodes is %i", (n, q) => {
    expect(quorumOf(n)).toBe(q);
  });

  test("five nodes: PDB keeps 3", async () => {
    // prod with five nodes (and changes elsewhere that share its render, tests/variants.ts).
    expect(PROD_CHANGED["ecommerce:rabbitmqReplicas"]).toBe(5);
    const r = await renderProgram("prod", { overrides: PROD_CHANGED });
    expect(r.find("PodDisruptionBudget", "rabbitmq-cluster", MSG).spec.minAvailable).toBe(3);
    expect(r.find("StatefulSet", "rabbitmq-cluster", MSG).spec.replicas).toBe(5);
  });

  test("memory and disk alarms follow the container limit and the volume", () => {
    const conf = rabbitmqConfig({ clusterName: "rabbitmq-cluster", memoryLimit: "2Gi", volumeSize: "20Gi" });
    expect(conf).toMatch(/^total_memory_available_override_value = 2147483648$/m);
    expect(conf).toMatch(/^disk_free_limit\.absolute = 2048MiB$/m);
    expect(rabbitmqConfig({ clusterName: "rabbitmq-cluster", memoryLimit: "2Gi", volumeSize: "1Gi" })).toMatch(/^disk_free_limit\.absolute = 102MiB$/m);
  });
});

describe.each(["dev", "prod"] as const)("Redis and MinIO of %s", (stack) => {
  test("Redis: Service redis on 6379, password from a Secret, append-only file on its volume", async () => {
    const r = await stackRender(stack);
    const svc = r.find("Service", "redis", "e-commerce");
    expect(portsOf(svc)).toEqual([["redis", 6379, 6379]]);
    expect(svc.spec.selector).toEqual({ app: "redis", component: "cache" });
    const sts = r.find("StatefulSet", "redis", "e-commerce");
    expect(sts.spec.serviceName).toBe("redis");
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(stack === "prod" ? "10Gi" : "1Gi");
    const conf: string = r.find("ConfigMap", "redis-config", "e-commerce").data["redis.conf"];
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(conf).toMatch(/^dir \/data$/m);
    expect(conf).toMatch(/^include \/etc\/redis\/auth\/auth\.conf$/m);
    expect(conf).not.toMatch(/requirepass/);
    const spec = sts.spec.template.spec;
    expect(spec.volumes.find((v: any) => v.name === "auth").secret.secretName).toBe("redis-auth-config");
    expect(spec.containers[0].env).toEqual([{ name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: "redis-credentials", key: "password" } } }]);
    expect(spec.containers[0].readinessProbe.exec.command.join(" ")).toMatch(/redis-cli -h 127\.0\.0\.1 -p 6379 ping \| grep -q '\^PONG'/);
  });

  test("Redis keeps sessions and carts: no eviction, memory capped below the container limit", () => {
    const conf = redisConfig("512Mi");
    expect(conf).toMatch(/^maxmemory-policy noeviction$/m);
    expect(conf).toMatch(/^maxmemory 402653184$/m);
  });

  test("MinIO: Service minio with API 9000 and console 9001, root credentials from a Secret", async () => {
    const r = await stackRender(stack);
    const svc = r.find("Service", "minio", MSG);
    expect(portsOf(svc)).toEqual([["api", 9000, 9000], ["console", 9001, 9001]]);
    expect(svc.spec.selector).toEqual({ app: "minio", component: "object-storage" });
    const sts = r.find("StatefulSet", "minio", MSG);
    expect(sts.spec.serviceName).toBe("minio");
    const c = sts.spec.template.spec.containers[0];
    expect(c.args.slice(0, 2)).toEqual(["server", "/data"]);
    expect(c.env.map((e: any) => [e.name, e.valueFrom.secretKeyRef.name])).toEqual([
      ["MINIO_ROOT_USER", "minio-root-credentials"],
      ["MINIO_ROOT_PASSWORD", "minio-root-credentials"],
    ]);
    expect(c.readinessProbe.httpGet).toEqual({ path: "/minio/health/ready", port: "api" });
    expect(c.livenessProbe.httpGet).toEqual({ path: "/minio/health/live", port: "api" });
  });
});

describe("shared stores follow the catalog", () => {
  test("without a service using Redis or MinIO, neither is deployed", async () => {
    expect(VARIANT_SERVICES.filter((s) => s.uses.includes("redis") || s.uses.includes("minio"))).toEqual([]);
    const r = await changedDataTier();
    expect(r.kind("StatefulSet").map((s) => s.inputs.metadata.name)).not.toContain("redis");
    expect(r.kind("StatefulSet").map((s) => s.inputs.metadata.name)).not.toContain("minio");
    expect(r.find("StatefulSet", "rabbitmq-cluster", MSG)).toBeDefined();
  });
});
