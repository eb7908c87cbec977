/**
 * A volume size change is a routine `pulumi up`: rendered before and after, what would the
 * Kubernetes provider replace and what would it patch (tests/stack/data/plan-model.ts, after
 * pulumi-kubernetes provider/pkg/provider/diff.go)?
 *
 * `.spec.volumeClaimTemplates` is a forceNew path of apps/v1 StatefulSet, so a changed template
 * replaces the StatefulSet, delete-before-replace since its name is fixed: with `retainOnDelete`
 * (prod) the delete is skipped and the create fails with AlreadyExists; without it (dev) the
 * foreground delete takes the claims (`whenDeleted: Delete`) and their `Delete`-reclaimed
 * volumes with it. A claim's `spec.resources` is not forceNew: patching it expands the volume
 * online (the class allows expansion; kubernetes pkg/apis/core/validation/validation.go
 * `ValidatePersistentVolumeClaimUpdate` lets `resources.requests` of a bound claim change and
 * forbids a value below `status.capacity`).
 */
import { DATASTORE_KINDS, SERVICES, storageSizeKey } from "../../../catalog";
import { dataConnections } from "../../../catalog/contracts";
import { storageGiB } from "../../../lib/validate";
import { RecordedResource, Rendered } from "../../../tools/render/engine";
import { dataObjects, dataTierResources } from "./fixtures";
import { PlannedChange, plan } from "./plan-model";
import { STACKS, StackName, renderProgram, stackRender, stackSetting } from "../../harness";

/** Every datastore kind's size key, one size larger than the stack file's (about a fifth, at least 1Gi). */
const SIZE_KEYS = DATASTORE_KINDS.map(storageSizeKey);
const grownSize = (current: string) => {
  const gib = storageGiB(current)!;
  return `${Math.ceil(gib) + Math.max(1, Math.ceil(gib / 5))}Gi`;
};
const GROWN = Object.fromEntries(
  STACKS.map((stack) => [stack, Object.fromEntries(SIZE_KEYS.map((key) => [key, grownSize(stackSetting<string>(stack, key))]))]),
) as Record<StackName, Record<string, string>>;
/** The size key of each datastore instance, by its StatefulSet's name. */
const connections = dataConnections(SERVICES);
const KEY_OF_STORE: Record<string, string> = Object.fromEntries(
  DATASTORE_KINDS.flatMap((kind) => connections[kind].map((i) => [i.name, storageSizeKey(kind)])),
);
const overrides = (sizes: Record<string, string>) => Object.fromEntries(Object.entries(sizes).map(([k, v]) => [`ecommerce:${k}`, v]));

/** What holds data or the keys to it: none of these may be replaced or deleted by a resize. */
const HOLDS_DATA = (r: { type: string }) =>
  /:(StatefulSet|Secret|PersistentVolumeClaim|PersistentVolumeClaimPatch|RandomPassword)$/.test(r.type);

/** The claims the StatefulSet controller creates: `<template>-<statefulset>-<ordinal>` (kubernetes pkg/controller/statefulset/stateful_set_utils.go `getPersistentVolumeClaimName`). */
function claimsOf(sts: RecordedResource): string[] {
  const templates: any[] = sts.inputs.spec.volumeClaimTemplates;
  return templates.flatMap((t) => Array.from({ length: sts.inputs.spec.replicas }, (_, i) => `${t.metadata.name}-${sts.inputs.metadata.name}-${i}`));
}

const claimPatches = (r: Rendered) => dataTierResources(r).filter((x) => x.type === "kubernetes:core/v1:PersistentVolumeClaimPatch");
const summary = (changes: PlannedChange[]) => changes.map((c) => `${c.action} ${c.type}::${c.name} (${c.replaceBecause.join(", ")})`);

describe.each(["dev", "staging", "prod"] as const)("growing every data volume of %s", (stack) => {
  let before: Rendered;
  let after: Rendered;
  let changes: PlannedChange[];
  beforeAll(async () => {
    before = await stackRender(stack);
    after = await renderProgram(stack, { overrides: overrides(GROWN[stack]) });
    changes = plan(before, after);
  });

  test("replaces and deletes nothing that holds data: StatefulSets, claims, Secrets, passwords", () => {
    const destructive = changes.filter((c) => HOLDS_DATA(c) && (c.action === "replace" || c.action === "delete"));
    expect(summary(destructive)).toEqual([]);
  });

  test("the only replacements are configuration rebuilt from code (RabbitMQ's disk alarm follows the volume)", () => {
    const replaced = changes.filter((c) => c.action === "replace");
    for (const c of replaced) expect([c.name, c.type]).toEqual([c.name, "kubernetes:core/v1:ConfigMap"]);
  });

  test("every existing claim is patched in place to the new size, and only its size", () => {
    const byName = new Map(claimPatches(after).map((p) => [p.inputs.metadata.name, p]));
    const statefulSets = dataObjects(after, "StatefulSet");
    expect(statefulSets.length).toBeGreaterThan(0);
    for (const sts of statefulSets) {
      for (const claim of claimsOf(sts)) {
        const patch = byName.get(claim);
        expect({ claim, patched: patch !== undefined }).toEqual({ claim, patched: true });
        expect(patch!.inputs.metadata.namespace).toBe(sts.inputs.metadata.namespace);
        const change = changes.find((c) => c.urn === patch!.urn)!;
        expect([claim, change.action, change.paths]).toEqual([claim, "update", [".spec.resources.requests.storage"]]);
      }
    }
  });

  test("the patches ask for the configured sizes", () => {
    const sizeOf: Record<string, string> = {};
    for (const sts of dataObjects(after, "StatefulSet")) {
      const key = KEY_OF_STORE[sts.name];
      for (const claim of claimsOf(sts)) sizeOf[claim] = GROWN[stack][key];
    }
    const patches = claimPatches(after);
    expect(patches.map((p) => p.inputs.metadata.name).sort()).toEqual(Object.keys(sizeOf).sort());
    for (const p of patches) expect([p.name, p.inputs.spec.resources.requests.storage]).toEqual([p.name, sizeOf[p.name]]);
  });
});

describe("how the claims are patched", () => {
  test("a patch takes the size field over from the StatefulSet controller, after the StatefulSet, and leaves the claim alone when it goes", async () => {
    const r = await stackRender("prod");
    for (const p of claimPatches(r)) {
      // The controller created the claim, so it owns the field: without force the apply conflicts.
      // A bound claim is never Pending again, which the claim awaiter waits for on create.
      expect(p.inputs.metadata.annotations).toEqual({ "pulumi.com/patchForce": "true", "pulumi.com/skipAwait": "true" });
      // Deleting a patch would relinquish a required field, which the provider refuses
      // (provider.go: "this Patch resource is currently managing a required field").
      expect(p.retainOnDelete).toBe(true);
      const sts = dataObjects(r, "StatefulSet").find((s) => p.dependsOn.includes(s.urn));
      expect(sts).toBeDefined();
      expect(claimsOf(sts!)).toContain(p.inputs.metadata.name);
    }
  });

  test("each data StatefulSet keeps the claim template it was created with", async () => {
    for (const sts of dataObjects(await stackRender("prod"), "StatefulSet")) {
      expect([sts.name, sts.ignoreChanges]).toEqual([sts.name, ["spec.volumeClaimTemplates"]]);
    }
  });
});

describe("shrinking a volume", () => {
  test("reaches the API server as a claim update, which refuses it; nothing holding data is replaced", async () => {
    const before = await stackRender("prod");
    const after = await renderProgram("prod", { overrides: { "ecommerce:mysqlStorageSize": "40Gi" } });
    const changes = plan(before, after);
    expect(summary(changes.filter((c) => HOLDS_DATA(c) && (c.action === "replace" || c.action === "delete")))).toEqual([]);
    const updated = changes.filter((c) => c.action === "update" && c.type.startsWith("kubernetes:"));
    expect(updated.length).toBe(claimPatches(after).filter((p) => p.name.endsWith("-mysql-0")).length);
    for (const c of updated) {
      expect(c.type).toBe("kubernetes:core/v1:PersistentVolumeClaimPatch");
      expect(c.paths).toEqual([".spec.resources.requests.storage"]);
    }
  });
});
