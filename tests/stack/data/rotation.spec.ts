/**
 * A rotation end to end over staging's render (`secretsBackend: vault`): what changes in Vault (a
 * new version of a KV secret, a new lease of a database role), which ExternalSecret ESO refreshes
 * and how soon, and which workloads Reloader rolls (those whose annotation names the Secret).
 * Every workload reading a Vault-backed Secret rolls on its change, but MySQL on the passwords
 * it initialises its data directory with, which from then on live in MySQL.
 */
import { DATABASE_TTL } from "../../../catalog/vault";
import { RELOADER } from "../../../components/secrets/reloader/chart";
import { durationSeconds } from "../../../components/secrets/vault-sync";
import { reloadSecretsOf } from "../../../lib/reload";
import { podSpecOf, secretsUsedBy } from "../../../tools/deploy-plan/order";
import type { RecordedResource, Rendered } from "../../../tools/render/engine";
import { stackRender } from "../../harness";

let r: Rendered;
beforeAll(async () => {
  r = await stackRender("staging");
});

interface Rotation {
  /** What changes in Vault. */
  readonly vault: string;
  /** The ExternalSecret ESO refreshes, and its interval. */
  readonly externalSecret: string;
  readonly refresh: string;
  /** `namespace/name` of the workloads that roll. */
  readonly rolls: string[];
}

const key = (ns: string, name: string) => `${ns}/${name}`;
const workloads = () => r.resources.filter((x) => ["Deployment", "StatefulSet"].includes(x.inputs.kind) && x.type.startsWith("kubernetes:apps/"));

/** What a rotation of the source of one synced Secret does, read from the render alone. */
function rotationOf(es: RecordedResource): Rotation {
  const ns = es.inputs.metadata.namespace;
  const secret = es.inputs.spec.target.name;
  const generator = es.inputs.spec.dataFrom[0].sourceRef?.generatorRef?.name;
  const vault = generator
    ? `a new lease of ${r.kind("VaultDynamicSecret", ns).find((g) => g.inputs.metadata.name === generator)!.inputs.spec.path}`
    : `a new version of secret/${es.inputs.spec.dataFrom[0].extract.key}`;
  const rolls = workloads()
    .filter((w) => w.inputs.metadata.namespace === ns && reloadSecretsOf(w.inputs.metadata.annotations).includes(secret))
    .map((w) => key(ns, w.inputs.metadata.name));
  return { vault, externalSecret: key(ns, es.inputs.metadata.name), refresh: es.inputs.spec.refreshInterval, rolls };
}

describe("a rotation in Vault reaches the running pods (staging)", () => {
  test("every workload reading a Vault-backed Secret rolls when ESO rewrites it", () => {
    const synced = new Map(r.kind("ExternalSecret").map((es) => [key(es.inputs.metadata.namespace, es.inputs.spec.target.name), rotationOf(es)]));
    const missed: string[] = [];
    let checked = 0;
    for (const w of workloads()) {
      const ns = w.inputs.metadata.namespace;
      for (const name of secretsUsedBy(podSpecOf(w.inputs)!)) {
        const rotation = synced.get(key(ns, name));
        if (!rotation) continue;
        checked++;
        const self = key(ns, w.inputs.metadata.name);
        // MySQL reads its own root and `vault` passwords to initialise its data directory once
        // (components/data/mysql-init.ts): from then on they live in MySQL, where they are rotated
        // (README, "Rotating MySQL's vault user"), so a new copy has nothing to restart for.
        const exempt = w.inputs.kind === "StatefulSet" && [`${self}-root`, `${self}-vault`].includes(key(ns, name));
        if (!rotation.rolls.includes(self) && !exempt) missed.push(`${self} reads ${name} but does not roll on it`);
      }
    }
    expect(checked).toBeGreaterThan(synced.size);
    expect(missed).toEqual([]);
  });

  test("rotating orders-service's database credentials: a new lease, refreshed within half the TTL, orders-service rolls", () => {
    const es = r.find("ExternalSecret", "orders-service-mysql-credentials", "e-commerce");
    const rotation = rotationOf({ inputs: es } as RecordedResource);
    expect(rotation).toEqual({
      vault: "a new lease of database/creds/orders-service",
      externalSecret: "e-commerce/orders-service-mysql-credentials",
      refresh: "30m",
      rolls: ["e-commerce/orders-service"],
    });
    expect(durationSeconds(rotation.refresh)).toBeLessThanOrEqual(durationSeconds(DATABASE_TTL.defaultTtl) / 2);
  });

  test("rotating Redis' password: a new KV version, refreshed within 5 minutes, Redis and each of its clients roll together", () => {
    const rotations = ["redis-credentials", "redis-auth-config"].map((n) => rotationOf({ inputs: r.find("ExternalSecret", n, "e-commerce") } as RecordedResource));
    for (const rotation of rotations) {
      expect(rotation.vault).toBe("a new version of secret/platform/redis-credentials");
      expect(rotation.refresh).toBe("5m");
    }
    const clients = r.kind("Deployment", "e-commerce").filter((d) => secretsUsedBy(podSpecOf(d.inputs)!).includes("redis-credentials"));
    expect(clients.length).toBeGreaterThan(0);
    expect(rotations[0].rolls.sort()).toEqual(["e-commerce/redis", ...clients.map((c) => `e-commerce/${c.inputs.metadata.name}`)].sort());
    expect(rotations[1].rolls).toEqual(["e-commerce/redis"]);
  });

  test("Reloader watches every namespace holding an annotated workload, and reads no other", () => {
    const chart = r.ofType("kubernetes:helm.sh/v4:Chart").find((c) => String(c.inputs.chart).endsWith(RELOADER.pin.chart))!;
    const watched: string[] = chart.inputs.values.reloader.namespaces;
    const annotated = [...new Set(workloads().filter((w) => reloadSecretsOf(w.inputs.metadata.annotations).length > 0).map((w) => w.inputs.metadata.namespace))];
    expect(annotated.length).toBeGreaterThan(0);
    for (const ns of annotated) expect(watched).toContain(ns);
    expect(chart.inputs.values.reloader.watchGlobally).toBe(false);
    expect(chart.inputs.values.reloader.autoReloadAll).toBe(false);
  });
});
