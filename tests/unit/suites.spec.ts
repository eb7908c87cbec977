/**
 * Every spec runs: jest only collects `*.test.ts`, and a suite file runs the specs of its own
 * folder, so a spec in a folder without a suite, or a test file that is not a suite, would not
 * run as designed.
 */
import * as fs from "fs";
import * as path from "path";
import { SPEC_SUFFIX, specFiles } from "../suite";

const TESTS_DIR = path.resolve(__dirname, "..");
const SUITE = "suite.test.ts";

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [path.relative(TESTS_DIR, p)];
  });
}
const files = walk(TESTS_DIR);

describe("test suites", () => {
  test("every folder holding specs has a suite file that runs them", () => {
    const folders = [...new Set(files.filter((f) => f.endsWith(SPEC_SUFFIX)).map((f) => path.dirname(f)))].sort();
    expect(folders.length).toBeGreaterThan(1);
    for (const folder of folders) expect({ folder, suite: files.includes(path.join(folder, SUITE)) }).toEqual({ folder, suite: true });
  });

  test("the only test files are suites, each with specs to run", () => {
    const testFiles = files.filter((f) => f.endsWith(".test.ts"));
    for (const f of testFiles) {
      expect(path.basename(f)).toBe(SUITE);
      expect(specFiles(path.join(TESTS_DIR, path.dirname(f))).length).toBeGreaterThan(0);
    }
  });

  test("this spec is one the unit suite runs", () => {
    expect(specFiles(__dirname)).toContain(path.basename(__filename));
  });
});
