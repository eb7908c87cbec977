/**
 * Every Kubernetes object of every committed stack's render against the Kubernetes OpenAPI schema
 * (tools/schema-check.mjs, on kubernetes-models' validators; an ES module, so it runs in a process
 * of its own), on the run's own renders rather than rendering again.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeRender } from "../../../tools/render/render";
import { PROJECT_DIR, STACKS, stackRun } from "../../harness";

describe("schema check of the committed stacks' renders", () => {
  let result: { code: number | null; out: string; err: string };
  const objects = new Map<string, number>();

  beforeAll(async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "schema-stacks-"));
    const args: string[] = [];
    for (const stack of STACKS) {
      const { files, rendered } = await stackRun(stack);
      writeRender(path.join(root, stack), new Map(files));
      args.push("--manifests", path.join(root, stack, "manifests"));
      objects.set(stack, rendered.k8sObjects().length);
    }
    const res = spawnSync(process.execPath, ["tools/schema-check.mjs", ...args], { cwd: PROJECT_DIR, encoding: "utf8" });
    result = { code: res.status, out: res.stdout, err: res.stderr };
    fs.rmSync(root, { recursive: true, force: true });
  });

  test("the validator's self-check passes first: it rejects the broken objects it must", () => {
    expect(result.out).toMatch(/^self-check: \d+ known cases .* judged as expected$/m);
  });

  test.each(STACKS)("every object of %s is checked, and none fails", (stack) => {
    const line = new RegExp(`${stack}/manifests: (\\d+) objects: (\\d+) passed, (\\d+) failed, (\\d+) skipped`).exec(result.out);
    expect(line).not.toBeNull();
    const [, total, passed, failed] = line!.map(Number);
    expect({ total, failed, failures: result.out.split("\n").filter((l) => l.includes("FAILED")) }).toEqual({
      total: objects.get(stack),
      failed: 0,
      failures: [],
    });
    expect(passed).toBeGreaterThan(0);
  });

  test("the check exits 0 and ends with its one-line summary", () => {
    expect({ code: result.code, err: result.err }).toEqual({ code: 0, err: "" });
    expect(result.out.trim().split("\n").pop()).toMatch(/^schema-check: \d+ passed, 0 failed, \d+ skipped$/);
  });
});
