/**
 * Renders each committed stack once per test run, before any test file starts, and leaves the
 * results where every jest worker can read them (`stackRun` in harness.ts). Rendering a stack
 * costs seconds; each test file used to render the stacks again. The render command's own
 * processes (cli-runs.ts) run meanwhile.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import "../tools/render/reports";
import { formatSdkStacksPlainly } from "../tools/render/stack-traces";
import { startCliRuns } from "./cli-runs";
import { RENDERS_ENV, STACKS, renderRequest, renderStackFresh, savedRunPath } from "./harness";
import { RENDER_SERVICE_ENV, startRenderService } from "./render-service";

export default async function globalSetup(): Promise<void> {
  formatSdkStacksPlainly();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ecommerce-renders-"));
  // The CLI's processes use the second core while this one renders.
  const cli = startCliRuns(dir);
  for (const stack of STACKS) {
    const { run, files } = await renderStackFresh(stack);
    const saved = { resources: run.resources, reads: run.reads, outputs: run.outputs, files: [...files.entries()] };
    fs.writeFileSync(savedRunPath(dir, stack), JSON.stringify(saved));
  }
  await cli;
  // Workers start after this and inherit the environment.
  process.env[RENDERS_ENV] = dir;
  process.env[RENDER_SERVICE_ENV] = await startRenderService(dir, renderRequest);
}
