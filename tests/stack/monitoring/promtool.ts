/**
 * Prometheus' own rule unit tests (`promtool test rules`) for the platform's alerts: the rules
 * files come from a stack's render, the input series are written as the exporters emit them and
 * Prometheus stores them after a scrape. promtool comes with Debian's `prometheus` package.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import type { AlertRule } from "../../../components/monitoring/rules";

export type Labels = Record<string, string>;

/** `promtool --version`'s first line, or undefined when promtool is not on the PATH. */
export function promtoolVersion(): string | undefined {
  const run = spawnSync("promtool", ["--version"], { encoding: "utf8" });
  return run.status === 0 ? `${run.stdout}${run.stderr}`.split("\n")[0] : undefined;
}

/**
 * One series of a test: its labels (with `__name__`) and either one value held every minute, or
 * `values` in promtool's expanding notation (`0+1x30` a counter rising by one a minute, `1x8 stale`
 * a series that stops, as a scrape target's does when the exporter drops it).
 */
export type Series = { readonly labels: Labels; readonly value: number } | { readonly labels: Labels; readonly values: string };

export interface ExpectedAlert {
  /** Every label of the alert but `alertname` (promtool adds it). */
  readonly labels: Labels;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Annotations without templates, as promtool renders them. */
export const fixed = (rule: AlertRule) => Object.fromEntries(Object.entries(rule.annotations).filter(([, v]) => !v.includes("{{")));

/** What a scenario knows of the stack under test. */
export interface Context {
  /** The rules of the render named after the alert under test. */
  readonly rules: readonly AlertRule[];
  readonly rabbitmqNodes: number;
  /** Vault servers of the stack (0 without Vault in the cluster). */
  readonly vaultServers: number;
  /** Replica bounds of the render's HorizontalPodAutoscalers, by name. */
  readonly autoscalers: ReadonlyMap<string, { readonly min: number; readonly max: number }>;
  /** Target labels and honor_labels of a platform monitor's scrape, as the operator configures it. */
  readonly target: (monitor: string, service: string, pod: string, instance: string) => { labels: Labels; honor: boolean };
}

/** An alert's proof: a situation that makes it fire, and situations in which it must stay silent. */
export interface Scenario {
  /**
   * Series that make the alert's condition true from minute `start` (0 unless said: a rate needs
   * two samples), and the alerts expected `minute`s in, once its `for` has passed.
   */
  readonly firing: (c: Context) => { series: Series[]; alerts: (minute: number) => ExpectedAlert[]; start?: number };
  /** Situations in which the alert must never fire. */
  readonly quiet: (c: Context) => { label: string; series: Series[] }[];
}

export interface AlertCheck {
  readonly minute: number;
  readonly alerts: readonly ExpectedAlert[];
}

/**
 * The labels Prometheus stores for a sample the exporter exposes with `exposed`, scraped from a
 * target labelled `target`: with `honor_labels` the exporter's labels win; otherwise the
 * target's do and a clashing exporter label is kept as `exported_<name>` (prometheus v3.14.0
 * `scrape/scrape.go`, `mutateSampleLabels`).
 */
export function scraped(exposed: Labels, target: Labels, honorLabels: boolean): Labels {
  if (honorLabels) return { ...target, ...exposed };
  const out: Labels = { ...exposed };
  for (const [k, v] of Object.entries(target)) {
    if (k in exposed) out[`exported_${k}`] = exposed[k];
    out[k] = v;
  }
  return out;
}

/** A series as promtool's `input_series` writes it: `name{label="value", ...}`. */
export function seriesSelector(labels: Labels): string {
  const { __name__: name, ...rest } = labels;
  const inner = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${JSON.stringify(rest[k])}`)
    .join(", ");
  return `${name}{${inner}}`;
}

/** Duration of a rule's `for` (`90s`, `5m`, `1h`) in whole minutes, promtool's evaluation step. */
export function minutesOf(duration: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(duration);
  if (!m) throw new Error(`unsupported duration ${duration}`);
  const seconds = Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"];
  if (seconds % 60 !== 0) throw new Error(`duration ${duration} is not whole minutes`);
  return seconds / 60;
}

/** One promtool test group: the series, held for `minutes`, and what `alertname` does meanwhile. */
export function testGroup(alertname: string, series: readonly Series[], minutes: number, checks: readonly AlertCheck[]) {
  return {
    interval: "1m",
    input_series: series.map((s) => ({ series: seriesSelector(s.labels), values: "values" in s ? s.values : `${s.value}x${minutes}` })),
    alert_rule_test: checks.map((c) => ({
      eval_time: `${c.minute}m`,
      alertname,
      exp_alerts: c.alerts.map((a) => ({ exp_labels: a.labels, exp_annotations: a.annotations })),
    })),
  };
}

export interface PromtoolRun {
  readonly ok: boolean;
  readonly output: string;
}

function run(args: string[], cwd: string): PromtoolRun {
  const r = spawnSync("promtool", args, { cwd, encoding: "utf8" });
  return { ok: r.status === 0, output: `promtool ${args.join(" ")}\n${r.stdout}${r.stderr}` };
}

const folders: string[] = [];

/** Removes the folders writeRuleFiles made. */
export function removeRuleFiles(): void {
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** The rules files of a render, one per rule group. */
export interface RuleFiles {
  readonly dir: string;
  readonly files: readonly string[];
  /** The files whose group holds a rule named `alertname`. */
  readonly holding: (alertname: string) => string[];
}

interface RuleGroup {
  readonly name: string;
  readonly rules: readonly { readonly alert?: string; readonly record?: string }[];
}

/**
 * A folder holding one rules file per group of each PrometheusRule (`<rule>.<group>.rules.yaml`,
 * the group as Prometheus loads it). Prometheus evaluates each group on its own
 * (prometheus v3.14.0 `rules/manager.go`: one `Group.run` loop per group), so an alert's test
 * needs only its own group, unless an expression reads another group's recorded series or the
 * `ALERTS` series; `recordedOrAlertsReads` finds those. promtool evaluates every rule of the files
 * it loads at every step, so loading one group rather than all keeps the runs short.
 */
export function writeRuleFiles(rules: readonly { name: string; spec: { groups: readonly RuleGroup[] } }[]): RuleFiles {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
  folders.push(dir);
  const alertsOf = new Map<string, Set<string>>();
  for (const r of rules) {
    for (const group of r.spec.groups) {
      const file = `${r.name}.${group.name}.rules.yaml`;
      fs.writeFileSync(path.join(dir, file), YAML.stringify({ groups: [group] }));
      alertsOf.set(file, new Set(group.rules.flatMap((x) => (x.alert ? [x.alert] : []))));
    }
  }
  const files = [...alertsOf.keys()];
  return { dir, files, holding: (alertname) => files.filter((f) => alertsOf.get(f)!.has(alertname)) };
}

/** Rules reading a recorded series or `ALERTS`/`ALERTS_FOR_STATE`: those need the other groups loaded too. */
export function recordedOrAlertsReads(groups: readonly RuleGroup[]): string[] {
  const rules = groups.flatMap((g) => g.rules) as { alert?: string; record?: string; expr: string }[];
  const read = ["ALERTS", "ALERTS_FOR_STATE", ...rules.flatMap((x) => (x.record ? [x.record] : []))];
  return rules.filter((x) => read.some((name) => new RegExp(`(^|[^\\w:])${name}($|[^\\w:])`).test(x.expr))).map((x) => x.alert ?? x.record!);
}

export function checkRules(dir: string, files: readonly string[]): PromtoolRun {
  return run(["check", "rules", ...files], dir);
}

/** A test file of a batch: the rules files it loads and its test groups. */
export interface BatchEntry {
  readonly ruleFiles: readonly string[];
  readonly groups: readonly unknown[];
}

/**
 * Runs `promtool test rules` once over several test files (name -> rules files and test groups)
 * in `dir`, and returns each file's verdict with its part of the output. One process for all of
 * a stack's scenarios: promtool reports each file under `Unit Testing:  <file>`, with SUCCESS or
 * FAILED (promtool 2.42.0, as Debian ships it; the bite test below holds the parse to it), on one
 * stream when both of its outputs go to the same file.
 */
export function testRulesBatch(dir: string, tests: ReadonlyMap<string, BatchEntry>): Map<string, PromtoolRun> {
  const testFiles = [...tests].map(([name, entry]) => {
    const file = `${name}.test.yaml`;
    fs.writeFileSync(path.join(dir, file), YAML.stringify({ rule_files: entry.ruleFiles, evaluation_interval: "1m", tests: entry.groups }));
    return [name, file] as const;
  });
  const log = path.join(dir, "promtool.log");
  const fd = fs.openSync(log, "w");
  try {
    spawnSync("promtool", ["test", "rules", ...testFiles.map(([, file]) => file)], { cwd: dir, stdio: ["ignore", fd, fd] });
  } finally {
    fs.closeSync(fd);
  }
  const sections = new Map<string, string>();
  for (const part of fs.readFileSync(log, "utf8").split(/^(?=Unit Testing:)/m)) {
    const m = /^Unit Testing:\s+(\S+)/.exec(part);
    if (m) sections.set(m[1], part);
  }
  return new Map(
    testFiles.map(([name, file]) => {
      const output = sections.get(file) ?? `promtool reported nothing for ${file}:\n${fs.readFileSync(log, "utf8")}`;
      return [name, { ok: /^\s+SUCCESS\s*$/m.test(output) && !/FAILED/.test(output), output: `promtool test rules ${file}\n${output}` }];
    }),
  );
}

/** Runs `promtool test rules` on the groups, against the rules files of `dir`. */
export function testRules(dir: string, files: readonly string[], name: string, groups: readonly unknown[]): PromtoolRun {
  const file = `${name}.test.yaml`;
  fs.writeFileSync(path.join(dir, file), YAML.stringify({ rule_files: files, evaluation_interval: "1m", tests: groups }));
  return run(["test", "rules", file], dir);
}
