/**
 * A suite file runs every `*.spec.ts` of its folder in one jest module registry.
 *
 * jest gives each test file a registry of its own, and loading the Pulumi SDK, the providers and
 * the program into one costs seconds; with a suite per folder that cost is paid a few times per
 * run rather than once per spec. Each spec becomes a `describe` named after its path, so a
 * failure still says which file it is in. `tests/unit/suites.spec.ts` checks that every spec file
 * sits in a folder whose suite runs it.
 */
import * as fs from "fs";
import * as path from "path";

export const SPEC_SUFFIX = ".spec.ts";

/** The spec files of a folder, in a stable order. */
export function specFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(SPEC_SUFFIX))
    .sort();
}

/** Declares every spec of `dir` (a suite file passes its own `__dirname`). */
export function includeSpecs(dir: string): void {
  const specs = specFiles(dir);
  if (specs.length === 0) throw new Error(`${dir} holds no ${SPEC_SUFFIX} file for its suite to run`);
  const root = path.resolve(__dirname, "..");
  for (const spec of specs) {
    describe(path.relative(root, path.join(dir, spec)), () => {
      require(path.join(dir, spec));
    });
  }
}
