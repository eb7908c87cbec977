/**
 * `npm run bench -- [--reps N] [--sizes 13,50,200] [--out out/bench.json]`
 *
 * Wall time of the offline render (program under mocks, report writers, files written), for the
 * dev and prod stacks and for synthetic catalogs of growing size on the prod configuration, so
 * that the growth with the number of services shows. Several repetitions in one process after a
 * warm-up render (module loading excluded); median and spread per case; results in out/bench.json.
 * A measurement, not a test: timings depend on the machine and its load.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SERVICES, ServiceSpec } from "../catalog";
import { Platform } from "../components/platform";
import { loadConfig } from "../config";
import { renderStack, writeRender } from "./render/render";
import "./render/reports";
import { syntheticCatalog } from "./synthetic-catalog";

const USAGE = "usage: npm run bench -- [--reps N] [--sizes 13,50,200] [--out out/bench.json]";
const PROJECT_DIR = path.resolve(__dirname, "..");

export interface BenchArgs {
  readonly reps: number;
  readonly sizes: readonly number[];
  readonly out: string;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!["--reps", "--sizes", "--out"].includes(argv[i]) || argv[i + 1] === undefined) throw new Error(USAGE);
    values[argv[i]] = argv[i + 1];
  }
  const reps = Number(values["--reps"] ?? 5);
  const sizes = (values["--sizes"] ?? "13,50,200").split(",").map(Number);
  if (!Number.isInteger(reps) || reps < 1 || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(USAGE);
  return { reps, sizes, out: values["--out"] ?? path.join("out", "bench.json") };
}

interface BenchCase {
  readonly name: string;
  readonly stack: string;
  readonly services: readonly ServiceSpec[];
}

export interface CaseResult {
  readonly name: string;
  readonly stack: string;
  /** Catalog rows, the gateway included. */
  readonly services: number;
  readonly resources: number;
  readonly runsMs: number[];
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** (max - min) / median, in percent. */
  readonly spreadPct: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** One render as `npm run synth` does it, written to a scratch folder; returns ms and resource count. */
async function timeRender(c: BenchCase, scratch: string): Promise<{ ms: number; resources: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const started = process.hrtime.bigint();
  const { rendered, files } = await renderStack({
    projectDir: PROJECT_DIR,
    stack: c.stack,
    program: () => new Platform("ecommerce", { config: loadConfig(), services: c.services }).stackOutputs(),
  });
  writeRender(scratch, files);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, resources: rendered.resources.length };
}

/**
 * Between consecutive synthetic sizes: the added milliseconds per added service, and the time
 * per service relative to the smallest size (1.0 is exactly linear).
 */
export function growth(results: readonly CaseResult[]) {
  const base = results[0];
  return results.slice(1).map((r, i) => {
    const prev = results[i];
    return {
      from: prev.services,
      to: r.services,
      msPerAddedService: round1((r.medianMs - prev.medianMs) / (r.services - prev.services)),
      perServiceVsSmallest: Math.round(((r.medianMs / r.services) / (base.medianMs / base.services)) * 100) / 100,
    };
  });
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
  const cases: BenchCase[] = [
    { name: "dev", stack: "dev", services: SERVICES },
    { name: "prod", stack: "prod", services: SERVICES },
    ...args.sizes.map((n) => ({ name: `prod, ${n} microservices`, stack: "prod", services: syntheticCatalog(n) })),
  ];
  const warmUp = await timeRender(cases[0], scratch);
  console.log(`warm-up render (loads the modules): ${(warmUp.ms / 1000).toFixed(2)} s, not counted`);

  const results: CaseResult[] = [];
  for (const c of cases) {
    const runs: number[] = [];
    let resources = 0;
    for (let i = 0; i < args.reps; i++) {
      const run = await timeRender(c, scratch);
      runs.push(round1(run.ms));
      resources = run.resources;
    }
    const med = median(runs);
    results.push({
      name: c.name,
      stack: c.stack,
      services: c.services.length,
      resources,
      runsMs: runs,
      medianMs: round1(med),
      minMs: Math.min(...runs),
      maxMs: Math.max(...runs),
      spreadPct: round1(((Math.max(...runs) - Math.min(...runs)) / med) * 100),
    });
  }
  fs.rmSync(scratch, { recursive: true, force: true });

  const synthetic = results.slice(2);
  const report = {
    reps: args.reps,
    node: process.version,
    cpus: os.cpus().length,
    warmUpMs: round1(warmUp.ms),
    cases: results,
    growth: growth(synthetic),
  };
  fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
  fs.writeFileSync(path.resolve(args.out), JSON.stringify(report, null, 2) + "\n");

  const pad = (s: string | number, n: number) => String(s).padEnd(n);
  console.log(`\n${pad("case", 28)}${pad("services", 10)}${pad("resources", 11)}${pad("median", 10)}${pad("min", 10)}${pad("max", 10)}spread`);
  for (const r of results) {
    const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(
      `${pad(r.name, 28)}${pad(r.services, 10)}${pad(r.resources, 11)}${pad(sec(r.medianMs), 10)}` +
        `${pad(sec(r.minMs), 10)}${pad(sec(r.maxMs), 10)}${r.spreadPct}%`,
    );
  }
  console.log("\ngrowth between synthetic sizes (services include the gateway):");
  for (const g of report.growth) {
    console.log(
      `  ${g.from} -> ${g.to}: ${g.msPerAddedService} ms per added service; ` +
        `time per service ${g.perServiceVsSmallest}x that of ${synthetic[0].services} services (1.0 = linear)`,
    );
  }
  if (new Set(synthetic.map((r) => r.resources)).size === 1 && synthetic.length > 1) {
    console.log("  note: the resource count does not change with the catalog; the growth above is noise");
  }
  console.log(`\n${args.reps} repetitions per case -> ${args.out}`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
