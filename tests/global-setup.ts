/**
 * Renders each committed stack once per test run, before any test file starts, and leaves the
 * results where every jest worker can read them (`stackRun` in harness.ts). Rendering a stack
 * costs seconds; each test file used to render the stacks again.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import "../tools/render/reports";
import { formatSdkStacksPlainly } from "../tools/render/stack-traces";
import { RENDERS_ENV, STACKS, renderStackFresh, savedRunPath } from "./harness";

export default async function globalSetup(): Promise<void> {
  formatSdkStacksPlainly();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ecommerce-renders-"));
  for (const stack of STACKS) {
    const { run, files } = await renderStackFresh(stack);
    const saved = { resources: run.resources, reads: run.reads, outputs: run.outputs, files: [...files.entries()] };
    fs.writeFileSync(savedRunPath(dir, stack), JSON.stringify(saved));
  }
  // Workers start after this and inherit the environment.
  process.env[RENDERS_ENV] = dir;
}
