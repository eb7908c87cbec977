/** Stops the render service and removes the renders global-setup.ts wrote. */
import * as fs from "fs";
import { RENDERS_ENV } from "./harness";
import { stopRenderService } from "./render-service";

export default async function globalTeardown(): Promise<void> {
  await stopRenderService();
  const dir = process.env[RENDERS_ENV];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
