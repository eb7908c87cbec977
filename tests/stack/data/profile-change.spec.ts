/**
 * A resource profile change is a routine `pulumi up`: rendered before and after (dev from `small`
 * to `standard`), what would the Kubernetes provider replace (tests/stack/data/plan-model.ts,
 * after pulumi-kubernetes provider/pkg/provider/diff.go)? A container's `resources` is no forceNew
 * path of a StatefulSet, so the StatefulSets are updated in place and roll their pods onto the
 * same claims; the configuration files derived from the limits (RabbitMQ's memory alarm, Redis'
 * maxmemory) are immutable ConfigMaps, rebuilt.
 */
import { PROFILE_TABLE } from "../../../catalog";
import { Rendered } from "../../../tools/render/engine";
import { dataObjects } from "./fixtures";
import { PlannedChange, plan } from "./plan-model";
import { renderProgram, stackRender, stackSetting } from "../../harness";
import { DEV_STANDARD_PROFILE } from "../../variants";

const HOLDS_DATA = (r: { type: string }) => /:(StatefulSet|Secret|PersistentVolumeClaim|PersistentVolumeClaimPatch|RandomPassword)$/.test(r.type);

describe("changing dev's resource profile from small to standard", () => {
  let after: Rendered;
  let changes: PlannedChange[];
  beforeAll(async () => {
    expect(stackSetting("dev", "resourceProfile")).toBe("small");
    after = await renderProgram("dev", { overrides: DEV_STANDARD_PROFILE });
    changes = plan(await stackRender("dev"), after);
  });

  test("replaces and deletes nothing that holds data", () => {
    const destructive = changes.filter((c) => HOLDS_DATA(c) && (c.action === "replace" || c.action === "delete"));
    expect(destructive.map((c) => `${c.action} ${c.name} (${c.replaceBecause.join(", ")})`)).toEqual([]);
  });

  test("every data StatefulSet is updated in place, in its containers' resources (and the config checksum) only", () => {
    const statefulSets = changes.filter((c) => c.type === "kubernetes:apps/v1:StatefulSet");
    expect(statefulSets.length).toBe(dataObjects(after, "StatefulSet").length);
    for (const c of statefulSets) {
      expect([c.name, c.action]).toEqual([c.name, "update"]);
      const other = c.paths.filter((p) => !/\.resources\.(requests|limits)\.(cpu|memory)$/.test(p) && !p.endsWith(".annotations.checksum/config"));
      expect([c.name, other]).toEqual([c.name, []]);
    }
  });

  test("the only replacements are configuration rebuilt from the new limits", () => {
    for (const c of changes.filter((x) => x.action === "replace")) expect([c.name, c.type]).toEqual([c.name, "kubernetes:core/v1:ConfigMap"]);
  });

  test("the servers run with the new profile's rows", () => {
    for (const sts of dataObjects(after, "StatefulSet")) {
      const kind = (["mysql", "redis", "rabbitmq", "minio"] as const).find((k) => sts.inputs.spec.template.spec.containers[0].name === k)!;
      expect([sts.name, sts.inputs.spec.template.spec.containers[0].resources.requests.cpu]).toEqual([sts.name, PROFILE_TABLE.standard[kind].cpuRequest]);
    }
  });
});
