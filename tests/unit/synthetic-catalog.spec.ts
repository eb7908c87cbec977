import { SERVICES, catalogProblems, databaseOwners } from "../../catalog";
import { syntheticCatalog } from "../../tools/synthetic-catalog";

describe("synthetic catalogs for the benchmark", () => {
  test("13 microservices is the real catalog", () => {
    expect(syntheticCatalog(13)).toEqual(SERVICES);
  });

  test.each([50, 200])("%i microservices: a valid catalog with one gateway and the real mix of datastores", (n) => {
    const catalog = syntheticCatalog(n);
    expect(catalogProblems(catalog)).toEqual([]);
    expect(catalog).toHaveLength(n + 1);
    expect(catalog.filter((s) => s.role === "gateway")).toHaveLength(1);
    const buckets = catalog.map((s) => s.notes?.minioBucket).filter(Boolean);
    expect(new Set(buckets).size).toBe(buckets.length);
    // Whole rounds of the 13 rows keep the real catalog's share of database owners.
    const rounds = Math.floor(n / 13);
    expect(databaseOwners(catalog).length).toBeGreaterThanOrEqual(rounds * databaseOwners(SERVICES).length);
  });
});
