import {
  DATASTORES,
  NAMESPACES,
  SERVICES,
  catalogProblems,
  databaseName,
  databaseOwners,
  usersOf,
} from "../../catalog";

/**
 * The seed's service table, written here independently of catalog/index.ts: what the default
 * catalog must be. A catalog row added on purpose is added here too; counts below derive from it.
 */
const SEED: Readonly<Record<string, readonly string[]>> = {
  "api-gateway": ["rabbitmq"],
  "auth-service": ["mysql", "redis", "rabbitmq"],
  "users-service": ["mysql", "rabbitmq"],
  "products-service": ["mysql", "redis", "rabbitmq", "minio"],
  "inventory-service": ["mysql", "rabbitmq"],
  "cart-service": ["redis", "rabbitmq"],
  "orders-service": ["mysql", "rabbitmq"],
  "payments-service": ["mysql", "rabbitmq"],
  "shipping-service": ["mysql", "rabbitmq"],
  "notifications-service": ["rabbitmq"],
  "reviews-service": ["mysql", "rabbitmq", "minio"],
  "search-service": ["mysql", "redis", "rabbitmq"],
  "promotions-service": ["mysql", "redis", "rabbitmq"],
  "recommendations-service": ["mysql", "rabbitmq"],
};
const seedUsersOf = (kind: string) => Object.keys(SEED).filter((name) => SEED[name].includes(kind));

describe("service catalog", () => {
  test("is the seed's table: the gateway and its microservices, unique names, each with the seed's datastores", () => {
    expect(new Set(SERVICES.map((s) => s.name)).size).toBe(SERVICES.length);
    expect(Object.fromEntries(SERVICES.map((s) => [s.name, [...s.uses].sort()]))).toEqual(
      Object.fromEntries(Object.entries(SEED).map(([name, uses]) => [name, [...uses].sort()])),
    );
    expect(SERVICES.filter((s) => s.role === "gateway").map((s) => s.name)).toEqual(["api-gateway"]);
    expect(SERVICES.filter((s) => s.role === "microservice")).toHaveLength(Object.keys(SEED).length - 1);
  });

  test("is sound by its own rules", () => {
    expect(catalogProblems(SERVICES)).toEqual([]);
  });

  test("a MySQL database per service that uses one, each owned by that service alone", () => {
    const owners = databaseOwners();
    expect(owners.map((s) => s.name).sort()).toEqual(seedUsersOf("mysql").sort());
    expect(new Set(owners.map((s) => databaseName(s.name))).size).toBe(owners.length);
    expect(owners.map((s) => databaseName(s.name))).toContain("auth-service-mysql");
  });

  test("only the gateway is public, on port 8100; the others listen on 8000", () => {
    const pub = SERVICES.filter((s) => s.public);
    expect(pub.map((s) => s.name)).toEqual(["api-gateway"]);
    expect(pub[0].httpPort).toBe(8100);
    expect(SERVICES.filter((s) => !s.public).every((s) => s.httpPort === 8000)).toBe(true);
  });

  test("every dependency is a known datastore in a platform namespace", () => {
    const namespaces = Object.values(NAMESPACES).map((n) => n.name);
    for (const s of SERVICES) {
      for (const kind of s.uses) {
        expect(DATASTORES[kind]).toBeDefined();
        expect(namespaces).toContain(DATASTORES[kind].namespace);
      }
    }
  });

  test("Redis, MinIO and RabbitMQ users match the design table", () => {
    for (const kind of ["redis", "minio", "rabbitmq"] as const) {
      expect(usersOf(kind).map((s) => s.name)).toEqual(seedUsersOf(kind));
    }
    // Every service publishes or consumes events.
    expect(usersOf("rabbitmq")).toHaveLength(SERVICES.length);
  });

  test("auth-service keeps client IP affinity for an hour", () => {
    expect(SERVICES.find((s) => s.name === "auth-service")?.clientIpAffinitySeconds).toBe(3600);
  });

  describe("rules catch mistakes", () => {
    const base = SERVICES;
    const gateway = base[0];
    const auth = base[1];
    test.each([
      ["duplicate name", [...base, auth], /'auth-service' is listed more than once/],
      ["unknown datastore", [...base, { ...auth, name: "x-service", uses: ["no-such-store" as any] }], /unknown datastore 'no-such-store'/],
      ["a second public service", [...base, { ...auth, name: "admin-service", public: true }], /only the gateway may be public/],
      ["no gateway", base.slice(1), /exactly one gateway/],
      ["bad name", [...base, { ...auth, name: "Bad_Name" }], /not a DNS label/],
      ["metrics port as HTTP port", [...base, { ...auth, name: "m-service", httpPort: 9090 }], /metrics port/],
      ["bucket without MinIO", [...base, { ...auth, name: "b-service", notes: { minioBucket: "b" } }], /does not use MinIO/],
      ["gateway twice", [...base, { ...gateway, name: "gw2" }], /exactly one gateway/],
    ])("%s", (_label, services, expected) => {
      expect(catalogProblems(services as any).join("\n")).toMatch(expected);
    });
  });
});
