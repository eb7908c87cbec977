/**
 * Starts the render service (render-service.ts) and returns once it listens: the workers start
 * loading and running specs while each committed stack is rendered there, once per run, and the
 * render command's processes (cli-runs.ts) run beside it. Rendering a stack costs seconds; each
 * test file used to render the stacks again.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RENDERS_ENV } from "./harness";
import { RENDER_SERVICE_ENV, launchRenderService } from "./render-service";

export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ecommerce-renders-"));
  // Workers start after this returns and inherit the environment.
  process.env[RENDERS_ENV] = dir;
  await launchRenderService(dir);
  process.env[RENDER_SERVICE_ENV] = dir;
}
