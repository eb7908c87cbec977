/**
 * The policy pack's configuration for a stack, derived from the stack's own settings so that the
 * two never disagree. The policy pack runs outside the program and cannot read stack
 * configuration, so CI writes this file and passes it with `--policy-pack-config`:
 *
 *   node -r ts-node/register/transpile-only policy/stack-config.ts --stack prod --out policy-config.json
 */
import * as fs from "fs";
import * as path from "path";
import { loadStackConfig } from "../lib/stack-files";
import type { PackConfig } from "./evaluate";
import { statefulSetDataProtected } from "./workloads";

/** @param configFile stack file to read instead of `Pulumi.<stack>.yaml` */
export function policyConfigForStack(projectDir: string, stack: string, configFile?: string): PackConfig {
  const { project, config } = loadStackConfig(projectDir, stack, configFile);
  return {
    [statefulSetDataProtected.name]: { protectData: config[`${project}:protectData`] === "true" },
  };
}

function main(argv: readonly string[]): void {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const stack = value("--stack");
  if (!stack) throw new Error("usage: policy/stack-config.ts --stack <name> [--out <file>]");
  const json = `${JSON.stringify(policyConfigForStack(path.resolve(__dirname, ".."), stack), null, 2)}\n`;
  const out = value("--out");
  if (out) fs.writeFileSync(out, json);
  else process.stdout.write(json);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
