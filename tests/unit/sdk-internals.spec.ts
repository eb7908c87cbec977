/**
 * Canary for the @pulumi/pulumi internals the offline render uses (tools/render/sdk-internals.ts).
 * After an SDK upgrade, a failure here names the internal that moved.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { runProgram } from "../../tools/render/engine";
import { SDK_INTERNALS_VERSION, withLocalStorage } from "../../tools/render/sdk-internals";
import { PROJECT_DIR } from "../harness";

const installed = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "node_modules/@pulumi/pulumi/package.json"), "utf8")).version;
const pinned = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).dependencies["@pulumi/pulumi"];

test("the internals were read at the SDK version installed and pinned", () => {
  expect({ installed, pinned }).toEqual({ installed: SDK_INTERNALS_VERSION, pinned: SDK_INTERNALS_VERSION });
});

test("runtime/state still exports withLocalStorage, and it isolates a run", async () => {
  expect(typeof withLocalStorage).toBe("function");
  const inside = await withLocalStorage(async () => {
    pulumi.runtime.setAllConfig({ "canary:key": "inside" });
    return pulumi.runtime.allConfig()["canary:key"];
  });
  expect(inside).toBe("inside");
  expect(pulumi.runtime.allConfig()["canary:key"]).toBeUndefined();
});

class Thing extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super("canary:index:Thing", name, props, opts);
  }
}

test("the mock monitor still lets the render see registrations, reads and live objects", async () => {
  let monitorShape: Record<string, string> = {};
  const run = await runProgram({
    project: "canary",
    stack: "test",
    config: {},
    program: () => {
      const m = pulumi.runtime.getMonitor() as any;
      monitorShape = {
        newUrn: typeof m.newUrn,
        resources: m.resources?.constructor?.name,
        registerResource: typeof m.registerResource,
        readResource: typeof m.readResource,
      };
      const res = new Thing("a", { size: 1 }, { protect: true, retainOnDelete: true, ignoreChanges: ["size"] });
      new Thing("b", {}, { id: "b-id" });
      return { urn: res.urn };
    },
  });
  expect(monitorShape).toEqual({ newUrn: "function", resources: "Map", registerResource: "function", readResource: "function" });
  expect(run.resources.map((r) => [r.type, r.name, r.protect, r.retainOnDelete, r.ignoreChanges, r.inputs])).toEqual([
    ["pulumi:pulumi:Stack", "canary-test", undefined, undefined, undefined, {}],
    ["canary:index:Thing", "a", true, true, ["size"], { size: 1 }],
  ]);
  expect(run.reads).toEqual(["canary:index:Thing::b::b-id"]);
  expect(run.outputs.urn).toBe("urn:pulumi:test::canary::pulumi:pulumi:Stack$canary:index:Thing::a");
  expect(run.resources[1].urn).toBe(run.outputs.urn);
});
