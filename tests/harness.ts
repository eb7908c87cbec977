/**
 * Test helpers: run the real program (or one component) under Pulumi's mock engine and query
 * what it registered, e.g. `(await renderProgram("dev")).find("Namespace", "e-commerce")`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ServiceSpec } from "../catalog";
import { Platform } from "../components/platform";
import { loadConfig } from "../config";
import { Rendered, runProgram } from "../tools/engine";
import { renderStack } from "../tools/render";

export const PROJECT_DIR = path.resolve(__dirname, "..");
export const STACKS = ["dev", "staging", "prod"] as const;
export type StackName = (typeof STACKS)[number];

export interface ProgramOptions {
  /** Stack-file values to change (`ecommerce:key` -> value); `undefined` removes the key. */
  readonly overrides?: Record<string, unknown>;
  /** A different service catalog. */
  readonly services?: readonly ServiceSpec[];
}

/** Writes a copy of a stack file with some values changed, and returns its path. */
export function stackFileWith(stack: string, overrides: Record<string, unknown>): string {
  const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"));
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete doc.config[key];
    else doc.config[key] = value;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, YAML.stringify(doc));
  return file;
}

/** Runs the program exactly as index.ts does, for a stack, under mocks. */
export async function renderProgram(stack: string, opts: ProgramOptions = {}): Promise<Rendered> {
  const configFile = opts.overrides ? stackFileWith(stack, opts.overrides) : undefined;
  const { rendered } = await renderStack({
    projectDir: PROJECT_DIR,
    stack,
    configFile,
    program: () => new Platform("ecommerce", { config: loadConfig(), services: opts.services }).stackOutputs(),
  });
  return rendered;
}

/** The message the program fails with for a stack file with these values (or "" if it succeeds). */
export async function configError(stack: string, overrides: Record<string, unknown>): Promise<string> {
  try {
    await renderProgram(stack, { overrides });
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

/** Runs one component (or any code creating resources) under mocks with the given config. */
export async function renderComponent(
  create: () => unknown,
  config: Record<string, string> = { "aws:region": "eu-west-1" },
): Promise<Rendered> {
  const run = await runProgram({ project: "ecommerce", stack: "test", config, program: create });
  return new Rendered(run.resources);
}

/** Memoised renders of the committed stack files, shared by the tests of one file. */
const cache = new Map<string, Promise<Rendered>>();
export function stackRender(stack: StackName): Promise<Rendered> {
  if (!cache.has(stack)) cache.set(stack, renderProgram(stack));
  return cache.get(stack)!;
}
