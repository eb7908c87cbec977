/**
 * Test helpers: run the real program (or one component) under Pulumi's mock engine and query
 * what it registered, e.g. `(await renderProgram("dev")).find("Namespace", "e-commerce")`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ServiceSpec } from "../catalog";
import { namespacesInUse } from "../catalog/namespaces";
import { Platform } from "../components/platform";
import { loadConfig } from "../config";
import { ProgramRun, RecordedResource, Rendered, runProgram } from "../tools/render/engine";
import { RenderRequest, requestJob, serviceRunning } from "./render-service";
import { RenderResult, renderStack } from "../tools/render/render";
import { loadStackConfig } from "../lib/stack-files";

export const PROJECT_DIR = path.resolve(__dirname, "..");
export const STACKS = ["dev", "staging", "prod"] as const;
export type StackName = (typeof STACKS)[number];

export interface ProgramOptions {
  /** Stack-file values to change (`ecommerce:key` -> value); `undefined` removes the key. */
  readonly overrides?: Record<string, unknown>;
  /** A different service catalog. */
  readonly services?: readonly ServiceSpec[];
}

/** A configuration value as the program reads it, parsed by the type Pulumi.yaml declares. */
export type Setting = string | number | boolean | unknown[];

const declaredTypes: Record<string, string> = Object.fromEntries(
  Object.entries(YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")).config ?? {}).map(
    ([key, decl]) => [`ecommerce:${key}`, (decl as { type: string }).type],
  ),
);
const stackConfigs = new Map<string, Record<string, string>>();

/**
 * The value the program reads for `key` (`aws:region`, or an `ecommerce:` key given with or
 * without its namespace) in a committed stack file, project defaults included: the stack file as
 * the CLI loads it (`loadStackConfig`), parsed by the key's declared type. A key that no stack
 * file or default sets is an error, so a misspelt key cannot make an expectation vacuous.
 */
export function stackSetting<T extends Setting = Setting>(stack: StackName, key: string): T {
  if (!stackConfigs.has(stack)) stackConfigs.set(stack, loadStackConfig(PROJECT_DIR, stack).config);
  const qualified = key.includes(":") ? key : `ecommerce:${key}`;
  const raw = stackConfigs.get(stack)![qualified];
  if (raw === undefined) throw new Error(`Pulumi.${stack}.yaml sets no '${qualified}' and Pulumi.yaml has no default for it`);
  switch (declaredTypes[qualified]) {
    case "integer":
      return Number(raw) as T;
    case "boolean":
      return (raw === "true") as T;
    case "array":
      return JSON.parse(raw) as T;
    default:
      return raw as T;
  }
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

/**
 * Runs the program exactly as index.ts does, for a stack, under mocks: what it registers (the
 * render's files and reports are not made; `stackRun` has them for the committed stacks). A
 * render costs seconds, so specs that ask for the same variant (the same stack, overrides and
 * catalog) in one suite share it; a render is never changed by the specs that read it.
 */
const variants = new Map<string, Promise<Rendered>>();
export function renderProgram(stack: string, opts: ProgramOptions = {}): Promise<Rendered> {
  const key = JSON.stringify([stack, opts.overrides ?? null, opts.services ?? null]);
  if (!variants.has(key)) variants.set(key, renderVariant(stack, opts));
  return variants.get(key)!;
}

async function renderVariant(stack: string, opts: ProgramOptions): Promise<Rendered> {
  // A removed key travels as null: JSON has no undefined.
  const overrides = opts.overrides && Object.fromEntries(Object.entries(opts.overrides).map(([k, v]) => [k, v === undefined ? null : v]));
  const request: RenderRequest = { stack, overrides, services: opts.services };
  return new Rendered((await rendered(request)).resources);
}

/**
 * Runs the program for a request here, in this process: the render service's renderer, and the
 * harness' own when no service runs.
 */
export function renderRequest(request: RenderRequest): Promise<ProgramRun> {
  const overrides = request.overrides && Object.fromEntries(Object.entries(request.overrides).map(([k, v]) => [k, v === null ? undefined : v]));
  const configFile = overrides ? stackFileWith(request.stack, overrides) : undefined;
  const { project, config, secretKeys } = loadStackConfig(PROJECT_DIR, request.stack, configFile);
  return runProgram({
    project,
    stack: request.stack,
    config,
    secretKeys,
    preview: request.preview,
    program: () => new Platform("ecommerce", { config: loadConfig(), services: request.services }).stackOutputs(),
  });
}

/** What the program registers and reads for a committed stack under `pulumi preview`. */
export function previewRun(stack: StackName): Promise<SavedRender> {
  return rendered({ stack, preview: true });
}

/** A request rendered by the render service, or here when none runs. */
function rendered(request: RenderRequest): Promise<SavedRender> {
  return serviceRunning() ? requestJob<SavedRender>({ job: "render", ...request }) : renderRequest(request);
}

/** What a render registered and read, as the render service answers it. */
export interface SavedRender {
  readonly resources: readonly RecordedResource[];
  readonly reads: readonly string[];
}

/**
 * The message the configuration is refused with for a stack file with these values (or "" if it
 * is accepted). Only `loadConfig` runs: it validates every key before the program declares any
 * resource, so nothing else can reject a configuration.
 */
export async function configError(stack: string, overrides: Record<string, unknown>): Promise<string> {
  try {
    // Reading the stack file checks the declared types first, as the CLI does.
    const { project, config, secretKeys } = loadStackConfig(PROJECT_DIR, stack, stackFileWith(stack, overrides));
    await runProgram({ project, stack, config, secretKeys, program: () => void loadConfig() });
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

/** Environment variable naming the folder of a run's renders (made by global-setup.ts, removed by the teardown). */
export const RENDERS_ENV = "ECOMMERCE_TEST_RENDERS";

/** Renders a committed stack file now, under mocks, exactly as `npm run synth` does. */
export function renderStackFresh(stack: string): Promise<RenderResult> {
  return renderStack({
    projectDir: PROJECT_DIR,
    stack,
    program: () => new Platform("ecommerce", { config: loadConfig() }).stackOutputs(),
  });
}

/** A committed stack's render: what the program registered, read and returned, and the render's files. */
export interface StackRun {
  readonly rendered: Rendered;
  readonly reads: readonly string[];
  readonly outputs: Record<string, any>;
  /** The render's files (resources.json, manifests/, flows.md ...) by relative path. */
  readonly files: ReadonlyMap<string, string>;
}

/** A stack's render as the render service saves it. */
interface SavedStackRun extends SavedRender {
  readonly outputs: Record<string, any>;
  readonly files: [string, string][];
}

/**
 * The render of a committed stack file, made once per test run by the render service (or here,
 * once per test file, when a file runs without global setup).
 */
const runs = new Map<string, Promise<StackRun>>();
export function stackRun(stack: StackName): Promise<StackRun> {
  if (!runs.has(stack)) {
    runs.set(
      stack,
      serviceRunning()
        ? requestJob<SavedStackRun>({ job: "stack", stack }).then((saved) => ({
            rendered: new Rendered(saved.resources),
            reads: saved.reads,
            outputs: saved.outputs,
            files: new Map(saved.files),
          }))
        : renderStackFresh(stack).then(({ run, rendered, files }) => ({ rendered, reads: run.reads, outputs: run.outputs, files })),
    );
  }
  return runs.get(stack)!;
}

export async function stackRender(stack: StackName): Promise<Rendered> {
  return (await stackRun(stack)).rendered;
}

/** The platform namespaces a committed stack creates (catalog/namespaces.ts `namespacesInUse`), from its stack file. */
export function stackNamespaces(stack: StackName): string[] {
  return namespacesInUse({ vault: stackSetting<string>(stack, "secretsBackend") === "vault" }).map((n) => n.name);
}
