import { restrictedViolations } from "../../../lib/pod-security";
import { claimRetention, dataSafety } from "../../../lib/stateful";
import { RecordedResource } from "../../../tools/render/engine";
import { dataObjects, dataTierResources, expectedStoreKeys, storeInstances } from "./fixtures";
import { stackRender, stackSetting } from "../../harness";

const DATA_NAMESPACES = ["e-commerce", "e-commerce-messaging"];
/** One StatefulSet per datastore instance of the catalog. */
const STATEFUL_SETS = storeInstances().length;

async function statefulSets(stack: "dev" | "prod") {
  const all = dataObjects(await stackRender(stack), "StatefulSet");
  expect(all.every((s) => DATA_NAMESPACES.includes(s.inputs.metadata.namespace))).toBe(true);
  return all;
}

const containersOf = (sts: RecordedResource) => {
  const spec = sts.inputs.spec.template.spec;
  return [...(spec.initContainers ?? []), ...spec.containers];
};

describe.each(["dev", "prod"] as const)("every data workload of %s", (stack) => {
  test("a StatefulSet per database and per shared store, each with a volume claim from gp3", async () => {
    const all = await statefulSets(stack);
    expect(all).toHaveLength(STATEFUL_SETS);
    for (const sts of all) {
      expect(sts.inputs.spec.volumeClaimTemplates).toHaveLength(1);
      expect(sts.inputs.spec.volumeClaimTemplates[0].spec.storageClassName).toBe("gp3");
    }
  });

  test("passes Pod Security restricted: non-root, no escalation, no capabilities, RuntimeDefault seccomp", async () => {
    for (const sts of await statefulSets(stack)) {
      const spec = sts.inputs.spec.template.spec;
      expect({ name: sts.name, problems: restrictedViolations(spec) }).toEqual({ name: sts.name, problems: [] });
      expect(spec.securityContext.runAsNonRoot).toBe(true);
      expect(spec.securityContext.fsGroup).toBeGreaterThan(0);
      expect(spec.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
      for (const c of containersOf(sts)) {
        expect(c.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
          seccompProfile: { type: "RuntimeDefault" },
        });
        expect(c.securityContext.runAsUser).toBeGreaterThan(0);
      }
    }
  });

  test("no service account token is mounted and no Service variables are injected", async () => {
    for (const sts of await statefulSets(stack)) {
      expect(sts.inputs.spec.template.spec.automountServiceAccountToken).toBe(false);
      expect(sts.inputs.spec.template.spec.enableServiceLinks).toBe(false);
    }
  });

  test("every container has CPU and memory requests and limits", async () => {
    for (const sts of await statefulSets(stack)) {
      for (const c of containersOf(sts)) {
        for (const kind of ["requests", "limits"]) {
          expect([sts.name, c.name, kind, Object.keys(c.resources[kind]).sort()]).toEqual([sts.name, c.name, kind, ["cpu", "memory"]]);
        }
      }
    }
  });

  test("every image is pinned to a release, never latest", async () => {
    for (const sts of await statefulSets(stack)) {
      for (const c of containersOf(sts)) {
        expect(c.image).toMatch(/^[a-z0-9./-]+:(\d+\.\d+\.\d+|RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ)$/);
      }
    }
  });

  test("main containers have liveness and readiness probes", async () => {
    for (const sts of await statefulSets(stack)) {
      for (const c of sts.inputs.spec.template.spec.containers) {
        expect([sts.name, Boolean(c.readinessProbe), Boolean(c.livenessProbe)]).toEqual([sts.name, true, true]);
      }
    }
  });

  test("no PodDisruptionBudget for a single replica; one for everything with more", async () => {
    const r = await stackRender(stack);
    const pdbs = dataObjects(r, "PodDisruptionBudget").map((p) => p.inputs.metadata.name);
    const multi = (await statefulSets(stack)).filter((s) => s.inputs.spec.replicas > 1).map((s) => s.inputs.metadata.name);
    expect(pdbs.sort()).toEqual(multi.sort());
  });
});

describe("data safety follows ecommerce:protectData", () => {
  test("prod: StatefulSets and their Secrets are protected and retained, passwords protected (none with Vault)", async () => {
    const r = await stackRender("prod");
    const data = dataTierResources(r);
    const kept = data.filter((x) => x.type === "kubernetes:apps/v1:StatefulSet" || x.type === "kubernetes:core/v1:Secret");
    // With Vault the Secrets are ExternalSecret targets and their values live in Vault: nothing to keep here.
    const vault = stackSetting("prod", "secretsBackend") === "vault";
    const expected = vault ? { secrets: [], passwords: [] } : expectedStoreKeys();
    expect(kept.filter((x) => x.type === "kubernetes:core/v1:Secret").map((x) => x.name).sort()).toEqual([...expected.secrets].sort());
    expect(kept.length).toBe(STATEFUL_SETS + expected.secrets.length);
    for (const x of kept) expect([x.name, x.protect, x.retainOnDelete]).toEqual([x.name, true, true]);
    const passwords = data.filter((x) => x.type === "random:index/randomPassword:RandomPassword");
    expect(passwords.map((p) => p.name).sort()).toEqual([...expected.passwords].sort());
    for (const p of passwords) expect([p.name, p.protect]).toEqual([p.name, true]);
    for (const sts of await statefulSets("prod")) {
      expect(sts.inputs.spec.persistentVolumeClaimRetentionPolicy.whenDeleted).toBe("Retain");
    }
  });

  test("dev: nothing is protected and volumes go with their StatefulSet", async () => {
    const r = await stackRender("dev");
    const data = dataTierResources(r);
    expect(data.length).toBeGreaterThan(STATEFUL_SETS * 3);
    // Claim size patches are kept on delete everywhere: the claim's lifetime is the StatefulSet's.
    const patches = data.filter((x) => x.type === "kubernetes:core/v1:PersistentVolumeClaimPatch");
    expect(patches.length).toBeGreaterThanOrEqual(STATEFUL_SETS);
    for (const x of patches) expect([x.name, x.protect, x.retainOnDelete]).toEqual([x.name, undefined, true]);
    for (const x of data.filter((d) => !patches.includes(d))) expect([x.name, x.protect, x.retainOnDelete]).toEqual([x.name, undefined, undefined]);
    for (const sts of await statefulSets("dev")) {
      expect(sts.inputs.spec.persistentVolumeClaimRetentionPolicy.whenDeleted).toBe("Delete");
    }
  });

  test("Services and StatefulSets carry fixed names, so a rename cannot replace a database silently", async () => {
    const r = await stackRender("prod");
    const objects = dataTierResources(r).filter((x) => x.type.startsWith("kubernetes:"));
    expect(objects.length).toBeGreaterThan(STATEFUL_SETS * 3);
    for (const x of objects) {
      expect(x.inputs.metadata.name).toBe(x.name);
    }
  });

  test.each([true, false])("the rules themselves (protectData %s)", (on) => {
    expect(dataSafety(on)).toEqual({ protect: on, retainOnDelete: on });
    for (const scaled of ["Retain", "Delete"] as const) {
      expect(claimRetention(on, scaled)).toEqual({ whenDeleted: on ? "Retain" : "Delete", whenScaled: scaled });
    }
  });
});

describe.each(["dev", "prod"] as const)("ordering with the other tiers (%s)", (stack) => {
  const dependencyNames = (r: Awaited<ReturnType<typeof stackRender>>, x: RecordedResource) =>
    x.dependsOn.map((u) => r.byUrn(u)).map((d) => `${d?.type}::${d?.name}`);

  test("each StatefulSet waits for the nodes, the gp3 StorageClass, the EBS CSI driver and its credentials", async () => {
    const r = await stackRender(stack);
    for (const sts of dataObjects(r, "StatefulSet")) {
      const deps = dependencyNames(r, sts);
      expect(deps).toContain("kubernetes:storage.k8s.io/v1:StorageClass::gp3");
      expect(deps).toContain("eks:index:ManagedNodeGroup::eks-nodes");
      expect(deps.some((d) => d.startsWith("aws:eks/addon:Addon::") && d.includes("ebs-csi"))).toBe(true);
      // The driver's controller gets its AWS credentials from the Pod Identity agent.
      expect(deps).toContain("aws:eks/addon:Addon::eks-addons-pod-identity-agent");
    }
  });

  test("an application Deployment waits for exactly the data tier Secrets it reads", async () => {
    const r = await stackRender(stack);
    const deployment = r.kind("Deployment", "e-commerce").find((d) => d.name === "auth-service")!;
    // A Secret, or the ExternalSecret making it (named after the Secret, `secrets-es-<namespace>-<name>`).
    const secrets = dependencyNames(r, deployment)
      .flatMap((d) => (d.startsWith("kubernetes:core/v1:Secret::") ? [d.split("::")[1]] : d.includes(":ExternalSecret::") ? [d.split("::")[1].replace(/^secrets-es-e-commerce-/, "")] : []))
      .sort();
    expect(secrets).toEqual(["auth-service-mysql-credentials", "rabbitmq-client-credentials", "redis-credentials"]);
  });
});
