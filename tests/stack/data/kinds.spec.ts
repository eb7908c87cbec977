/**
 * The data tier deploys every instance the datastore table derives from the catalog, and a kind
 * without a component is refused rather than left undeployed.
 */
import { DATASTORES, DATASTORE_KINDS, DatastoreKind, PROFILE_TABLE, SERVICES, ServiceSpec } from "../../../catalog";
import { dataConnections } from "../../../catalog/contracts";
import { DataTier } from "../../../components/data/data-tier";
import { dataObjects } from "./fixtures";
import { renderComponent, stackRender } from "../../harness";

/** A kind no row of the table has (planted by the tests below, then removed). */
const PLANTED = "planted-kind";

const settings = {
  rabbitmqReplicas: 1,
  volumeSizes: Object.fromEntries(DATASTORE_KINDS.map((kind) => [kind, "1Gi"])) as Record<DatastoreKind, string>,
  backup: { enabled: false, retentionDays: 7 },
  resources: PROFILE_TABLE.small,
};

describe.each(["dev", "prod"] as const)("the data tier of %s", (stack) => {
  test("one StatefulSet per datastore instance, named after it, in its namespace, selecting its labels; nothing else", async () => {
    const c = dataConnections(SERVICES);
    const instances = DATASTORE_KINDS.flatMap((kind) => c[kind]);
    const sets = dataObjects(await stackRender(stack), "StatefulSet").map((s) => s.inputs);
    const shape = (name: string, namespace: string, labels: unknown) => ({ name, namespace, labels });
    expect(sets.map((s) => shape(s.metadata.name, s.metadata.namespace, s.spec.selector.matchLabels))).toEqual(
      expect.arrayContaining(instances.map((i) => shape(i.name, i.namespace, i.labels))),
    );
    expect(sets).toHaveLength(instances.length);
  });

  test("each client Secret of the contract is created once (or synced from Vault once), in the clients' namespace", async () => {
    const c = dataConnections(SERVICES);
    const r = await stackRender(stack);
    const secrets = [
      ...dataObjects(r, "Secret").map((s) => `${s.inputs.metadata.namespace}/${s.inputs.metadata.name}`),
      ...r.kind("ExternalSecret").map((e) => `${e.inputs.metadata.namespace}/${e.inputs.spec.target.name}`),
    ];
    for (const kind of DATASTORE_KINDS) {
      for (const i of c[kind]) expect(secrets.filter((s) => s === `e-commerce/${i.connection.secretName}`)).toHaveLength(1);
    }
  });
});

describe("a kind without a component", () => {
  test("is refused by name instead of going undeployed", async () => {
    const table = DATASTORES as unknown as Record<string, unknown>;
    expect(table[PLANTED]).toBeUndefined();
    table[PLANTED] = { ...DATASTORES.redis, kind: PLANTED, port: 5432, instanceName: PLANTED, secretName: `${PLANTED}-credentials` };
    const wishlist = { ...SERVICES[1], name: "wishlist-service", uses: [PLANTED], notes: undefined } as unknown as ServiceSpec;
    try {
      await expect(
        renderComponent(() => new DataTier("data", { services: [...SERVICES, wishlist], settings, storageClass: "gp3", protectData: false, credentials: { backend: "kubernetes" } })),
      ).rejects.toThrow(/datastore kinds without a component \(components\/data\/datastore-components\.ts\): planted-kind/);
    } finally {
      delete table[PLANTED];
    }
  });
});
