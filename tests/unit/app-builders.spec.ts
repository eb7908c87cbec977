/**
 * The application tier's pure builders: each service's environment, derived from the datastore
 * table through the connection contract, and its Deployment, autoscaler and disruption budget.
 */
import { DATASTORE_KINDS, SERVICES } from "../../catalog";
import { dataConnections } from "../../catalog/contracts";
import { connectionOf, envPrefix, secretNamesOf, serviceEnv } from "../../components/app/application";
import { autoscalerSpec, deploymentSpec, disruptionBudgetSpec } from "../../components/app/microservice";

const connections = dataConnections(SERVICES);
const service = (name: string) => SERVICES.find((s) => s.name === name)!;

describe("a service's environment", () => {
  test("every kind's variables carry the kind's upper-case name", () => {
    expect((["mysql", "redis", "minio", "rabbitmq"] as const).map(envPrefix)).toEqual(["MYSQL", "REDIS", "MINIO", "RABBITMQ"]);
    for (const kind of DATASTORE_KINDS) expect(envPrefix(kind)).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });

  test("host, port and settings as values, credentials as references, kind by kind in the order its catalog row lists them", () => {
    const env = serviceEnv(service("products-service"), SERVICES, connections);
    expect(env.map((e) => e.name)).toEqual([
      ...["MYSQL_HOST", "MYSQL_PORT", "MYSQL_DATABASE", "MYSQL_USERNAME", "MYSQL_PASSWORD"],
      ...["REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD"],
      ...["RABBITMQ_HOST", "RABBITMQ_PORT", "RABBITMQ_USERNAME", "RABBITMQ_PASSWORD"],
      ...["MINIO_HOST", "MINIO_PORT", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "MINIO_BUCKET"],
    ]);
    const byName = Object.fromEntries(env.map((e) => [e.name, e]));
    expect(byName.MYSQL_HOST.value).toBe("products-service-mysql.e-commerce.svc.cluster.local");
    expect(byName.MYSQL_DATABASE.value).toBe("products_service");
    expect(byName.MINIO_BUCKET.value).toBe("product-images");
    expect(byName.MINIO_SECRET_KEY).toEqual({ name: "MINIO_SECRET_KEY", valueFrom: { secretKeyRef: { name: "minio-client-credentials", key: "secretKey" } } });
  });

  test("a per-service kind connects each client to its own instance only", () => {
    for (const s of SERVICES.filter((x) => x.uses.includes("mysql"))) {
      expect(connectionOf(s, "mysql", connections).secretName).toBe(`${s.name}-mysql-credentials`);
    }
    expect(() => connectionOf(service("cart-service"), "mysql", connections)).toThrow(/'cart-service' uses mysql, but the data tier offers no mysql connection/);
  });

  test("the Secrets a pod reads are its kinds' client Secrets", () => {
    expect(secretNamesOf(service("reviews-service"), connections)).toEqual(["reviews-service-mysql-credentials", "rabbitmq-client-credentials", "minio-client-credentials"]);
  });
});

describe("a service's workload", () => {
  const args = {
    spec: service("orders-service"),
    namespace: "e-commerce",
    image: "registry.example.com/orders-service:1.0.0",
    env: [],
    replicas: { min: 2, max: 10 },
    resources: { cpuRequest: "100m", cpuLimit: "500m", memoryRequest: "128Mi", memoryLimit: "256Mi" },
    metricsApi: [],
    reloadOnSecrets: [],
  };

  test("the Deployment leaves the count to the autoscaler and never goes below the ready pods it has", () => {
    const spec = deploymentSpec(args, "sa") as any;
    expect(spec.replicas).toBeUndefined();
    expect(spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(spec.selector.matchLabels).toEqual(spec.template.metadata.labels);
    expect(spec.template.spec.serviceAccountName).toBe("sa");
  });

  test("the autoscaler targets the Deployment by name within the replica bounds", () => {
    const spec = autoscalerSpec(args) as any;
    expect([spec.scaleTargetRef, spec.minReplicas, spec.maxReplicas]).toEqual([{ apiVersion: "apps/v1", kind: "Deployment", name: "orders-service" }, 2, 10]);
    expect(spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([["cpu", 70], ["memory", 80]]);
    expect((autoscalerSpec({ ...args, targetCpuUtilization: 50 }) as any).metrics[0].resource.target.averageUtilization).toBe(50);
  });

  test("the disruption budget lets one pod go at a time, and never blocks a drain on an unready pod", () => {
    expect(disruptionBudgetSpec(args.spec)).toEqual({
      selector: { matchLabels: { app: "orders-service", component: "microservice" } },
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    });
  });
});
