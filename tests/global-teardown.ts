/** Removes the renders global-setup.ts wrote. */
import * as fs from "fs";
import { RENDERS_ENV } from "./harness";

export default async function globalTeardown(): Promise<void> {
  const dir = process.env[RENDERS_ENV];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
