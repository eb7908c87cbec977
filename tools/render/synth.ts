/**
 * `npm run synth -- --stack <name> [--config-file <path>] [--out <dir>]`
 *
 * Runs the real program (index.ts) under Pulumi's mock engine with the stack's configuration
 * and writes what `pulumi up` would create. Exit code 1 with one message on bad input.
 */
import * as path from "path";
import { loadStackConfig } from "../../lib/stack-files";
import { formatSdkStacksPlainly } from "./stack-traces";

const USAGE = "usage: npm run synth -- --stack <name> [--config-file <path>] [--out <dir>]";

export class UsageError extends Error {}

export interface SynthArgs {
  readonly stack: string;
  readonly configFile?: string;
  readonly out: string;
}

export function parseArgs(argv: readonly string[]): SynthArgs {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!["--stack", "--config-file", "--out"].includes(flag)) {
      throw new UsageError(`unknown argument '${flag}'; ${USAGE}`);
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value; ${USAGE}`);
    values[flag] = value;
    i++;
  }
  const stack = values["--stack"];
  if (!stack) throw new UsageError(`--stack is required; ${USAGE}`);
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
    throw new UsageError(`--stack '${stack}' is not a stack name (letters, digits, '-', '_' and '.')`);
  }
  return { stack, configFile: values["--config-file"], out: values["--out"] ?? path.join("out", stack) };
}

/** Where the command writes: the process's streams, or a test's. */
export interface SynthOutput {
  log(line: string): void;
  error(line: string): void;
}

/**
 * The command: renders the stack and writes its files, and returns the exit code. Configuration
 * and usage errors are the user's to fix: one line on `error`, no stack trace (set SYNTH_DEBUG
 * to see it).
 */
export async function synth(argv: readonly string[], output: SynthOutput): Promise<number> {
  const projectDir = path.resolve(__dirname, "..", "..");
  const started = process.hrtime.bigint();
  try {
    const args = parseArgs(argv);
    const configFile = args.configFile ? path.resolve(args.configFile) : undefined;
    // A stack file that cannot be read, or a value of the wrong type, is reported before the
    // program and the providers are loaded (seconds).
    loadStackConfig(projectDir, args.stack, configFile);
    const { renderStack, writeRender } = await import("./render");
    await import("./reports");
    const { rendered, files } = await renderStack({ projectDir, stack: args.stack, configFile });
    writeRender(path.resolve(args.out), files);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    output.log(
      `rendered stack '${args.stack}': ${rendered.resources.length} resources, ` +
        `${rendered.k8sObjects().length} Kubernetes objects -> ${args.out} (${(ms / 1000).toFixed(1)} s)`,
    );
    return 0;
  } catch (err: unknown) {
    output.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.SYNTH_DEBUG && err instanceof Error && err.stack) output.error(err.stack);
    return 1;
  }
}

if (require.main === module) {
  formatSdkStacksPlainly();
  synth(process.argv.slice(2), console).then((code) => process.exit(code));
}
