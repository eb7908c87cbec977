import {
  DATASTORES,
  NAMESPACES,
  SERVICES,
  catalogProblems,
  databaseName,
  databaseOwners,
  usersOf,
} from "../catalog";

describe("service catalog", () => {
  test("has the gateway and 13 microservices with unique names", () => {
    expect(SERVICES).toHaveLength(14);
    expect(new Set(SERVICES.map((s) => s.name)).size).toBe(14);
    expect(SERVICES.filter((s) => s.role === "microservice")).toHaveLength(13);
  });

  test("is sound by its own rules", () => {
    expect(catalogProblems(SERVICES)).toEqual([]);
  });

  test("exactly 11 MySQL databases, each owned by one service", () => {
    const owners = databaseOwners();
    expect(owners).toHaveLength(11);
    expect(owners.map((s) => databaseName(s.name))).toContain("auth-service-mysql");
    expect(owners.map((s) => s.name)).not.toContain("cart-service");
    expect(owners.map((s) => s.name)).not.toContain("notifications-service");
    expect(owners.map((s) => s.name)).not.toContain("api-gateway");
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
    expect(usersOf("redis").map((s) => s.name)).toEqual([
      "auth-service", "products-service", "cart-service", "search-service", "promotions-service",
    ]);
    expect(usersOf("minio").map((s) => s.name)).toEqual(["products-service", "reviews-service"]);
    expect(usersOf("rabbitmq")).toHaveLength(14);
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
      ["unknown datastore", [...base, { ...auth, name: "x-service", uses: ["postgres" as any] }], /unknown datastore 'postgres'/],
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
