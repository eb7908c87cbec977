/**
 * The lint (eslint.config.mjs) over the repository, as `npm run lint` runs it: no error and no
 * warning. Its import-direction rule refuses an import that points the wrong way: planted in a
 * file of each layer, it must be reported.
 */
import { spawnSync } from "child_process";
import { PROJECT_DIR } from "../harness";

type Case = readonly [file: string, source: string];

/**
 * Lints each planted source as if it were that file of the repository, and the repository itself,
 * in one Node process outside jest (ESLint loads its flat config as an ES module).
 */
function lint(cases: readonly Case[]): { planted: string[][]; repository: string[] } {
  const script = `
    const { ESLint } = require("eslint");
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const pick = (r) => r.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
      const cases = JSON.parse(process.argv[1]);
      const planted = [];
      for (const [file, source] of cases) planted.push(pick((await eslint.lintText(source, { filePath: file }))[0]));
      const repository = (await eslint.lintFiles(["."])).flatMap((r) =>
        r.messages.map((m) => require("path").relative(process.cwd(), r.filePath) + ":" + m.line + ":" + m.column + " " + (m.ruleId ?? "eslint") + ": " + m.message));
      process.stdout.write(JSON.stringify({ planted, repository }));
    })().catch((e) => { console.error(e); process.exit(2); });`;
  const res = spawnSync(process.execPath, ["-e", script, JSON.stringify(cases)], { cwd: PROJECT_DIR, encoding: "utf8" });
  if (res.status !== 0) throw new Error(`eslint failed: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

const WRONG: Case[] = [
  ["components/foundation/planted.ts", 'import { runProgram } from "../../tools/render/engine";\nexport const x = runProgram;\n'],
  ["components/planted.ts", 'import type { Probe } from "../tools/netpol/types";\nexport type X = Probe;\n'],
  ["config/planted.ts", 'import { STACKS } from "../tests/harness";\nexport const x = STACKS;\n'],
  ["index.ts", 'import { policies } from "./policy/policies";\nexport const x = policies;\n'],
  ["lib/planted.ts", 'import { Platform } from "../components/platform";\nexport const x = Platform;\n'],
  ["policy/planted.ts", 'import { renderStack } from "../tools/render/render";\nexport const x = renderStack;\n'],
];
const RIGHT: Case[] = [
  ["tools/netpol/planted.ts", 'import { Platform } from "../../components/platform";\nexport const x = Platform;\n'],
  ["policy/planted.ts", 'import { SERVICES } from "../catalog";\nexport const x = SERVICES;\n'],
  ["components/planted.ts", 'import { parseIpv4Cidr } from "../lib/validate";\nexport const x = parseIpv4Cidr;\n'],
];
const result = lint([...WRONG, ...RIGHT]);

test.each(WRONG.map(([file], i) => [file, i] as const))("%s may not import its tooling", (_file, i) => {
  expect(result.planted[i]).toHaveLength(1);
  expect(result.planted[i][0]).toMatch(/never imports|imports neither|imports the product/);
});

test.each(RIGHT.map(([file], i) => [file, WRONG.length + i] as const))("%s may import the product", (_file, i) => {
  expect(result.planted[i]).toEqual([]);
});

test("the repository passes the lint: no error and no warning (eslint --max-warnings 0)", () => {
  expect(result.repository).toEqual([]);
});
