/**
 * The render command (`npm run synth`) run as a user runs it, each in a process of its own. Such a
 * process loads TypeScript and the program from scratch and costs seconds of CPU, so the render
 * service (render-service.ts) starts them when the run starts, beside its own renders, and the
 * specs read what they printed. Without global setup, a spec runs the command itself.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR, stackFileWith } from "./harness";
import { requestJob, serviceRunning } from "./render-service";

export interface CliRun {
  readonly args: readonly string[];
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The commands: each makes its own arguments (changed stack files, an output folder under `dir`). */
export const CLI_CASES = {
  /** dev rendered into a fresh folder (the `--out` argument). */
  renderDev: (dir: string) => ["--stack", "dev", "--out", path.join(dir, "cli-render-dev")],
  /** A stack file whose value has the wrong type. */
  wrongType: (dir: string) => ["--stack", "dev", "--config-file", stackFileWith("dev", { "ecommerce:nodeMaxSize": "many" }), "--out", path.join(dir, "cli-wrong-type")],
} satisfies Record<string, (dir: string) => string[]>;
export type CliCase = keyof typeof CLI_CASES;

const COMMAND = ["-r", "ts-node/register/transpile-only", "tools/render/synth.ts"];
const options = { cwd: PROJECT_DIR, env: { ...process.env, SYNTH_DEBUG: "" } };

/** Runs a case in a process of its own, with its output under `dir`. */
export function runCliCase(name: CliCase, dir: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const args = CLI_CASES[name](dir);
    const child = spawn(process.execPath, [...COMMAND, ...args], options);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ args, code, stdout, stderr }));
  });
}

/** What a case printed and returned: from the render service, or run now. */
export function cliRun(name: CliCase): Promise<CliRun> {
  if (serviceRunning()) return requestJob<CliRun>({ job: "cli", name });
  return runCliCase(name, fs.mkdtempSync(path.join(os.tmpdir(), "render-")));
}

/** The value of an option in a run's arguments (`--out`, `--config-file`). */
export function argOf(run: CliRun, option: string): string {
  const i = run.args.indexOf(option);
  if (i < 0) throw new Error(`the command ${run.args.join(" ")} has no ${option}`);
  return run.args[i + 1];
}
