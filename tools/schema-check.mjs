/**
 * Validates every rendered Kubernetes object against the Kubernetes OpenAPI schema, with the
 * validators of `kubernetes-models` (an ES module, hence this script is one too; jest's CommonJS
 * loader cannot load it).
 *
 *   node tools/schema-check.mjs                      render dev and prod into a temporary folder, check both
 *   node tools/schema-check.mjs --manifests <dir>... check existing manifest folders (e.g. out/dev/manifests)
 *
 * Objects of API groups that kubernetes-models does not model (custom resources: Traefik,
 * cert-manager, monitoring) are skipped and listed, never passed silently. A built-in group with
 * an unknown kind or version fails. Values the render masks (`[secret]`) cannot be checked; type
 * errors on exactly those values are tolerated and counted. Before checking, a self-check proves
 * that broken objects are rejected. Exit code 1 on any failure.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

const PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const STACKS = ["dev", "prod"];
const MASKS = new Set(["[secret]", "[unknown]"]);

const MODELS_DIR = path.dirname(fileURLToPath(import.meta.resolve("kubernetes-models")));
/** API groups kubernetes-models ships validators for; the core group is its `v1` folder. */
const MODELED_GROUPS = new Set(
  fs
    .readdirSync(MODELS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("_") && e.name !== "v1")
    .map((e) => e.name)
    .concat([""]),
);

function splitApiVersion(apiVersion) {
  const i = apiVersion.lastIndexOf("/");
  return i < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

const modelCache = new Map();
async function modelFor(apiVersion, kind) {
  const key = `${apiVersion} ${kind}`;
  if (!modelCache.has(key)) {
    const { group, version } = splitApiVersion(apiVersion);
    const spec = group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
    modelCache.set(
      key,
      import(spec).then(
        (mod) => mod[kind] ?? null,
        () => null,
      ),
    );
  }
  return modelCache.get(key);
}

/** The value at a JSON pointer (`/spec/ports/0/port`). */
function at(obj, pointer) {
  let v = obj;
  for (const part of pointer.split("/").slice(1)) {
    if (v === null || typeof v !== "object") return undefined;
    v = v[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return v;
}

/**
 * Checks one object. Returns {status: "passed"|"failed"|"skipped", reason?, masked}.
 */
export async function checkObject(obj) {
  if (!obj || typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
    return { status: "failed", reason: "not a Kubernetes object (apiVersion and kind are required)", masked: 0 };
  }
  const { group } = splitApiVersion(obj.apiVersion);
  if (!MODELED_GROUPS.has(group)) {
    return { status: "skipped", reason: `custom resource: API group '${group}' is not part of the Kubernetes API`, masked: 0 };
  }
  const Model = await modelFor(obj.apiVersion, obj.kind);
  if (!Model) {
    return { status: "failed", reason: `${obj.apiVersion} has no kind '${obj.kind}' in the Kubernetes API`, masked: 0 };
  }
  try {
    new Model(obj).validate();
    return { status: "passed", masked: 0 };
  } catch (err) {
    const errors = err.errors ?? [];
    if (errors.length === 0) return { status: "failed", reason: err.message, masked: 0 };
    const real = errors.filter((e) => !(e.keyword === "type" && MASKS.has(at(obj, e.instancePath))));
    const masked = errors.length - real.length;
    if (real.length === 0) return { status: "passed", masked };
    return {
      status: "failed",
      reason: real.map((e) => `${e.instancePath || "/"} ${e.message}`).join("; "),
      masked,
    };
  }
}

function manifestFiles(dir) {
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) files.push(p);
    }
  };
  walk(dir);
  return files;
}

export async function checkFolder(dir) {
  const results = [];
  for (const file of manifestFiles(dir)) {
    const rel = path.relative(dir, file);
    let docs;
    try {
      docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8")).map((d) => d.toJS());
    } catch (err) {
      results.push({ file: rel, name: rel, status: "failed", reason: `not valid YAML: ${err.message}`, masked: 0 });
      continue;
    }
    for (const obj of docs) {
      const name = `${obj?.apiVersion ?? "?"} ${obj?.kind ?? "?"} ${obj?.metadata?.namespace ? obj.metadata.namespace + "/" : ""}${obj?.metadata?.name ?? "?"}`;
      results.push({ file: rel, name, ...(await checkObject(obj)) });
    }
  }
  return results;
}

/** Broken objects the check must reject, and a custom resource it must skip: proof that it bites. */
async function selfCheck() {
  const service = (port) => ({ apiVersion: "v1", kind: "Service", metadata: { name: "x" }, spec: { ports: [{ port }] } });
  const cases = [
    ["a valid Service", service(80), "passed"],
    ["a Service port given as a string", service("http"), "failed"],
    ["a StatefulSet without its required selector", { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "x" }, spec: { template: {} } }, "failed"],
    ["a misspelled built-in kind", { apiVersion: "apps/v1", kind: "StatefullSet", metadata: { name: "x" } }, "failed"],
    ["a custom resource", { apiVersion: "traefik.io/v1alpha1", kind: "Middleware", metadata: { name: "x" } }, "skipped"],
    ["a Secret whose stringData the render masks", { apiVersion: "v1", kind: "Secret", metadata: { name: "x" }, stringData: "[secret]" }, "passed"],
  ];
  const wrong = [];
  for (const [label, obj, expected] of cases) {
    const got = (await checkObject(obj)).status;
    if (got !== expected) wrong.push(`${label}: expected ${expected}, got ${got}`);
  }
  return { total: cases.length, wrong };
}

function renderStacks(outRoot) {
  const dirs = [];
  for (const stack of STACKS) {
    const out = path.join(outRoot, stack);
    const res = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/render/synth.ts", "--stack", stack, "--out", out], {
      cwd: PROJECT_DIR,
      encoding: "utf8",
    });
    if (res.status !== 0) {
      console.error(`schema check: rendering stack '${stack}' failed:\n${res.stderr || res.stdout}`);
      process.exit(1);
    }
    console.log(res.stdout.trim());
    dirs.push({ label: stack, dir: path.join(out, "manifests") });
  }
  return dirs;
}

function parseArgs(argv) {
  const dirs = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--manifests" && argv[i + 1]) {
      dirs.push({ label: argv[i + 1], dir: path.resolve(argv[i + 1]) });
      i++;
    } else {
      console.error(`schema check: unknown argument '${argv[i]}'; usage: node tools/schema-check.mjs [--manifests <dir>]...`);
      process.exit(1);
    }
  }
  return dirs;
}

async function main() {
  const given = parseArgs(process.argv.slice(2));
  const self = await selfCheck();
  if (self.wrong.length > 0) {
    console.error(`schema check: the self-check failed, the validator does not reject what it must:\n  - ${self.wrong.join("\n  - ")}`);
    process.exit(1);
  }
  console.log(`self-check: ${self.total} known cases (broken objects, a custom resource) judged as expected`);

  const outRoot = given.length > 0 ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "schema-check-"));
  process.on("exit", () => outRoot && fs.rmSync(outRoot, { recursive: true, force: true }));
  const targets = outRoot ? renderStacks(outRoot) : given;
  const totals = { passed: 0, failed: 0, skipped: 0, masked: 0 };
  for (const { label, dir } of targets) {
    if (!fs.existsSync(dir)) {
      console.error(`schema check: ${dir} does not exist`);
      process.exit(1);
    }
    const results = await checkFolder(dir);
    const count = (s) => results.filter((r) => r.status === s);
    const masked = results.reduce((n, r) => n + r.masked, 0);
    console.log(
      `${label}: ${results.length} objects: ${count("passed").length} passed, ${count("failed").length} failed, ` +
        `${count("skipped").length} skipped` + (masked ? ` (${masked} masked secret values not type-checked)` : ""),
    );
    for (const r of count("failed")) console.log(`  FAILED ${r.name} (${r.file}): ${r.reason}`);
    for (const r of count("skipped")) console.log(`  skipped ${r.name}: ${r.reason}`);
    totals.passed += count("passed").length;
    totals.failed += count("failed").length;
    totals.skipped += count("skipped").length;
    totals.masked += masked;
  }
  if (totals.skipped > 0) console.log("skipped objects are custom resources, listed above");
  // The last line is the plain `N passed, N failed` form CI logs are read for.
  console.log(`schema-check: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  process.exit(totals.failed > 0 ? 1 : 0);
}

await main();
