/**
 * The GitHub Actions workflows as the tests read them, and a way to run one of their `run:`
 * scripts as the runner does, in an environment built from scratch: nothing of the caller's
 * environment (NODE_OPTIONS, TS_NODE_*, BASH_ENV, a stray GITHUB_* variable) reaches the script.
 */
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
export const WORKFLOW_DIR = path.join(PROJECT_DIR, ".github", "workflows");
export const REUSABLE = "./.github/workflows/pulumi-stack.yml";

export const workflowFiles = (): string[] => fs.readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
export const workflowText = (file: string): string => fs.readFileSync(path.join(WORKFLOW_DIR, file), "utf8");
export const workflow = (file: string): any => YAML.parse(workflowText(file));

/** The single job of the reusable workflow. */
export const pulumiJob = (): any => Object.values<any>(workflow("pulumi-stack.yml").jobs)[0];

/** The step of a job that has this id, or uses this action (`owner/name`). */
export function findStep(job: any, idOrAction: string): any {
  const found = (job.steps ?? []).find((s: any) => s.id === idOrAction || String(s.uses).startsWith(`${idOrAction}@`));
  if (!found) throw new Error(`no step with id or action '${idOrAction}'`);
  return found;
}

export const tempDir = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** An environment holding only what a script needs: this Node first on the PATH, then the system's. */
export function isolatedEnv(vars: Record<string, string>, binDirs: readonly string[] = []): Record<string, string> {
  const PATH = [...binDirs, path.dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(":");
  return { PATH, HOME: tempDir("home-"), LANG: "C.UTF-8", ...vars };
}

/**
 * Runs a step's script as a GitHub-hosted Linux runner runs a `run:` step without `shell:`
 * (`bash -e {0}`), in `cwd`, with `vars` as its only environment besides PATH, HOME and LANG.
 */
export function runStep(script: string, cwd: string, vars: Record<string, string>, binDirs: readonly string[] = []): SpawnSyncReturns<string> {
  const file = path.join(tempDir("step-"), "step.sh");
  fs.writeFileSync(file, script);
  return spawnSync("bash", ["--noprofile", "--norc", "-e", file], { cwd, encoding: "utf8", env: isolatedEnv(vars, binDirs) });
}
