import { SYNC_LABELS } from "../../../components/secrets/vault-sync";
import * as k8s from "@pulumi/kubernetes";
import { NAMESPACES, SERVICES, ServiceSpec, serviceLabels } from "../../../catalog";
import { Application, connectionOf, envName, secretNamesOf, serviceEnv } from "../../../components/app/application";
import { dataConnections } from "../../../catalog/contracts";
import type { AppSettings } from "../../../config/apps";
import { dataTierResources } from "../data/fixtures";
import { renderComponent, renderProgram } from "../../harness";

const NS = NAMESPACES.app.name;
const KINDS = ["Deployment", "Service", "ServiceAccount", "HorizontalPodAutoscaler", "PodDisruptionBudget"];

const wishlist: ServiceSpec = {
  name: "wishlist-service",
  role: "microservice",
  httpPort: 8000,
  uses: ["mysql", "redis", "rabbitmq"],
  notes: { redis: "wishlists" },
  public: false,
};

const settings: AppSettings = {
  images: { registry: "registry.example.com/shop", tag: "2.0.0", tagOverrides: {} },
  gatewayReplicas: { min: 3, max: 6 },
  serviceReplicas: { min: 2, max: 4 },
  resources: { cpuRequest: "100m", cpuLimit: "500m", memoryRequest: "128Mi", memoryLimit: "256Mi" },
};

describe("a new catalog row", () => {
  const catalog = [...SERVICES, wishlist];
  const render = renderProgram("prod", { services: catalog });

  test.each(KINDS)("yields its %s", async (kind) => {
    const r = await render;
    // e-commerce also holds the data tier's MySQL and Redis, and the secrets sync's ServiceAccounts.
    const data = new Set(dataTierResources(r).map((x) => x.urn));
    const sync = (o: { inputs: Record<string, any> }) => o.inputs.metadata.labels?.["app.kubernetes.io/part-of"] === SYNC_LABELS["app.kubernetes.io/part-of"];
    expect(r.kind(kind, NS).filter((o) => !data.has(o.urn) && !sync(o))).toHaveLength(15);
    expect(r.find(kind, wishlist.name, NS).metadata.labels).toEqual(serviceLabels(wishlist));
  });

  test("is wired to its own database, Redis and RabbitMQ, and reachable from the gateway", async () => {
    const r = await render;
    const env = r.find("Deployment", wishlist.name, NS).spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === "MYSQL_HOST").value).toBe("wishlist-service-mysql.e-commerce.svc.cluster.local");
    expect(env.find((e: any) => e.name === "MYSQL_PASSWORD").valueFrom.secretKeyRef.name).toBe("wishlist-service-mysql-credentials");
    expect(env.map((e: any) => e.name)).not.toContain("MINIO_HOST");
    const gateway = r.find("Deployment", "api-gateway", NS).spec.template.spec.containers[0].env;
    expect(gateway).toContainEqual({ name: "WISHLIST_SERVICE_URL", value: "http://wishlist-service.e-commerce.svc.cluster.local:8000" });
    expect(r.find("Service", wishlist.name, NS).spec.selector).toEqual(r.find("Deployment", wishlist.name, NS).spec.template.metadata.labels);
    expect(r.find("HorizontalPodAutoscaler", wishlist.name, NS).spec.minReplicas).toBe(2);
  });
});

describe("Application on its own", () => {
  const connections = dataConnections(SERVICES);
  const secretsByName = () =>
    Object.fromEntries(
      Object.values(connections).flatMap((instances) => instances.map((i) => i.connection)).map((c) => [
        c.secretName,
        new k8s.core.v1.Secret(c.secretName, { metadata: { name: c.secretName, namespace: NS } }),
      ]),
    );

  test("Secrets given by name: each Deployment waits for exactly the Secrets it reads", async () => {
    const r = await renderComponent(() => new Application("app", { services: SERVICES, settings, connections, namespace: NS, secrets: secretsByName(), metricsApi: [], rollOnSecretChange: false }));
    const secretUrn = new Map(r.kind("Secret").map((s) => [s.urn, s.inputs.metadata.name]));
    for (const s of SERVICES) {
      const d = r.kind("Deployment", NS).find((x) => x.inputs.metadata.name === s.name)!;
      const waited = d.dependsOn.filter((u) => secretUrn.has(u)).map((u) => secretUrn.get(u)).sort();
      expect([s.name, waited]).toEqual([s.name, [...new Set(secretNamesOf(s, connections))].sort()]);
    }
    // Only the pods need the Secrets; the Services and the rest do not wait for them.
    for (const svc of r.kind("Service", NS)) expect(svc.dependsOn.some((u) => secretUrn.has(u))).toBe(false);
  });

  test("Secrets given as a list: every Deployment waits for all of them", async () => {
    const r = await renderComponent(() =>
      new Application("app", { services: SERVICES, settings, connections, namespace: NS, secrets: Object.values(secretsByName()), metricsApi: [], rollOnSecretChange: false }),
    );
    const secrets = r.kind("Secret").map((s) => s.urn);
    for (const d of r.kind("Deployment", NS)) expect(d.dependsOn).toEqual(expect.arrayContaining(secrets));
  });

  test("images: the default tag, a per-service override, a digest", async () => {
    const digest = `sha256:${"a".repeat(64)}`;
    const images = { ...settings.images, tagOverrides: { "cart-service": "2.1.0", "orders-service": digest } };
    const r = await renderComponent(() => new Application("app", { services: SERVICES, settings: { ...settings, images }, connections, namespace: NS, metricsApi: [], rollOnSecretChange: false }));
    const image = (name: string) => r.find("Deployment", name, NS).spec.template.spec.containers[0].image;
    expect(image("cart-service")).toBe("registry.example.com/shop/cart-service:2.1.0");
    expect(image("orders-service")).toBe(`registry.example.com/shop/orders-service@${digest}`);
    expect(image("users-service")).toBe("registry.example.com/shop/users-service:2.0.0");
  });

  test("an override for a service the catalog does not have is refused", async () => {
    const images = { ...settings.images, tagOverrides: { "cart-service": "2.1.0" } };
    const catalog = SERVICES.filter((s) => s.name !== "cart-service");
    await expect(
      renderComponent(() => new Application("app", { services: catalog, settings: { ...settings, images }, connections, namespace: NS, metricsApi: [], rollOnSecretChange: false })),
    ).rejects.toThrow(/'ecommerce:imageTagOverrides' names services the catalog does not have: cart-service/);
  });

  test("replica bounds a component cannot honour are refused", async () => {
    await expect(
      renderComponent(() =>
        new Application("app", { services: SERVICES, settings: { ...settings, serviceReplicas: { min: 5, max: 2 } }, connections, namespace: NS, metricsApi: [], rollOnSecretChange: false }),
      ),
    ).rejects.toThrow(/replicas 5-2 need 1 <= min <= max/);
  });
});

describe("wiring rules", () => {
  const connections = dataConnections(SERVICES);

  test("a service without a database connection in the data tier is reported by name", () => {
    expect(() => connectionOf(wishlist, "mysql", connections)).toThrow(/'wishlist-service' uses mysql, but the data tier offers no mysql connection/);
  });

  test("environment names are upper snake case of the parts", () => {
    expect(envName("auth-service", "url")).toBe("AUTH_SERVICE_URL");
    expect(envName("MINIO", "accessKey")).toBe("MINIO_ACCESS_KEY");
  });

  test("MinIO users get their bucket; others do not", () => {
    const products = SERVICES.find((s) => s.name === "products-service")!;
    const auth = SERVICES.find((s) => s.name === "auth-service")!;
    expect(serviceEnv(products, SERVICES, connections)).toContainEqual({ name: "MINIO_BUCKET", value: "product-images" });
    expect(serviceEnv(auth, SERVICES, connections).map((e) => e.name)).not.toContain("MINIO_BUCKET");
  });
});
