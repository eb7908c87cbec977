/**
 * `npm run bench:test -- [--reps N] [--out out/bench-test.json]`
 *
 * Wall time of the README's test command (`npm test`: the lint, then every jest suite), run N
 * times in a row (default 5) from the project folder; prints each run and the median, and writes
 * them to out/bench-test.json. A measurement, not a test: it depends on the machine and its load,
 * so run it on an otherwise idle machine. A failing run stops the benchmark with its output.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = "usage: npm run bench:test -- [--reps N] [--out out/bench-test.json]";

function parseArgs(argv) {
  const values = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!["--reps", "--out"].includes(argv[i]) || argv[i + 1] === undefined) throw new Error(USAGE);
    values[argv[i]] = argv[i + 1];
  }
  const reps = Number(values["--reps"] ?? 5);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a whole number of runs, at least 1; ${USAGE}`);
  return { reps, out: values["--out"] ?? path.join("out", "bench-test.json") };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`error: ${err.message}`);
    process.exit(1);
  }
  const seconds = [];
  for (let i = 1; i <= args.reps; i++) {
    const started = process.hrtime.bigint();
    const run = spawnSync("npm", ["test", "--silent"], { cwd: PROJECT_DIR, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" } });
    const s = Number(process.hrtime.bigint() - started) / 1e9;
    if (run.status !== 0) {
      console.error(`run ${i} failed (exit ${run.status}):\n${run.stdout}${run.stderr}`);
      process.exit(1);
    }
    const summary = `${run.stdout}${run.stderr}`.match(/^tests: .*$/m)?.[0] ?? "";
    seconds.push(s);
    console.log(`run ${i}/${args.reps}: ${s.toFixed(1)} s  ${summary}`);
  }
  const result = {
    command: "npm test",
    cpus: os.cpus().length,
    node: process.version,
    runs: seconds.map((s) => Number(s.toFixed(2))),
    median: Number(median(seconds).toFixed(2)),
  };
  fs.mkdirSync(path.dirname(path.resolve(PROJECT_DIR, args.out)), { recursive: true });
  fs.writeFileSync(path.resolve(PROJECT_DIR, args.out), JSON.stringify(result, null, 2) + "\n");
  console.log(`npm test: median ${result.median.toFixed(1)} s of ${args.reps} runs on ${result.cpus} cores (${result.node}) -> ${args.out}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
