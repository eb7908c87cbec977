/**
 * The Kubernetes e2e NetworkPolicy truth tables (tests/fixtures/netpol-e2e-cases.yaml): every
 * tuple of every case, step, variant and update is one assertion on the evaluator.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PolicyEvaluator } from "../../tools/netpol/evaluate";
import { NetworkPolicy, NetworkPolicySpec, Pod, Protocol, namespaceWithAutomaticLabel } from "../../tools/netpol/types";

type Tuple = [string, string, number, Protocol, "allow" | "deny"];
interface RawPolicy {
  ns: string;
  name: string;
  spec: NetworkPolicySpec;
}
interface Change {
  podLabels?: Record<string, Record<string, string>>;
  namespaceLabels?: Record<string, Record<string, string>>;
}
interface RawCase {
  id?: string;
  pods?: string[];
  policies?: RawPolicy[];
  expect?: Tuple[];
  step1_policies?: RawPolicy[];
  step1_expect?: Tuple[];
  step2_add_policy?: RawPolicy[];
  step2_expect?: Tuple[];
  variants?: RawCase[];
  before?: Tuple[];
  change?: Change;
  after?: Tuple[];
  update?: { policies: RawPolicy[]; expect: Tuple[] };
}
interface Scenario {
  label: string;
  pods: string[];
  policies: RawPolicy[];
  expect: Tuple[];
  /** The expectations are the case's own, repeated for a variant that only changes the policies. */
  inherited?: boolean;
  change?: Change;
}

const FIXTURE = path.join(__dirname, "..", "fixtures", "netpol-e2e-cases.yaml");
const text = fs.readFileSync(FIXTURE, "utf8");
const cases: RawCase[] = YAML.parse(text);

function replaceByName(policies: RawPolicy[], updates: RawPolicy[]): RawPolicy[] {
  const key = (p: RawPolicy) => `${p.ns}/${p.name}`;
  const updated = new Map(updates.map((p) => [key(p), p]));
  return [...policies.map((p) => updated.get(key(p)) ?? p), ...updates.filter((u) => !policies.some((p) => key(p) === key(u)))];
}

/** Every scenario a case describes: base, steps, before/after a change, update, variants. */
function expand(c: RawCase, label: string, inherited: { pods: string[]; expect?: Tuple[] }): Scenario[] {
  const pods = c.pods ?? inherited.pods;
  const out: Scenario[] = [];
  if (c.policies && c.before) {
    out.push({ label: `${label} before the change`, pods, policies: c.policies, expect: c.before });
    out.push({ label: `${label} after the change`, pods, policies: c.policies, expect: c.after ?? [], change: c.change });
  } else if (c.policies) {
    out.push({ label, pods, policies: c.policies, expect: c.expect ?? inherited.expect ?? [], inherited: !c.expect });
  }
  if (c.update) {
    out.push({ label: `${label} after the update`, pods, policies: replaceByName(c.policies ?? [], c.update.policies), expect: c.update.expect });
  }
  if (c.step1_policies) {
    out.push({ label: `${label} step 1`, pods, policies: c.step1_policies, expect: c.step1_expect ?? [] });
    const step2 = [...c.step1_policies, ...(c.step2_add_policy ?? [])];
    out.push({ label: `${label} step 2`, pods, policies: step2, expect: c.step2_expect ?? [] });
  }
  (c.variants ?? []).forEach((v, i) => out.push(...expand(v, `${label} variant ${i + 1}`, { pods, expect: c.expect })));
  return out;
}

const PORTS = [80, 81].flatMap((port) =>
  (["TCP", "UDP", "SCTP"] as Protocol[]).map((protocol) => ({
    name: `serve-${port}-${protocol.toLowerCase()}`,
    containerPort: port,
    protocol,
  })),
);

/** `x/a`, `y/a(ip 10.0.1.10)` or `x/a(10.0.0.1)`. */
function parsePod(spec: string, index: number, change?: Change): Pod {
  const m = /^(\w+)\/(\w+)(?:\((?:ip )?([\d.]+)\))?$/.exec(spec);
  if (!m) throw new Error(`bad pod '${spec}' in ${FIXTURE}`);
  const [, namespace, name, ip] = m;
  const extra = change?.podLabels?.[`${namespace}/${name}`] ?? {};
  // Outside every ipBlock of the cases (0.0.0.0/4, 10.0.x.x).
  return { namespace, name, labels: { pod: name, ...extra }, ip: ip ?? `192.168.0.${10 + index}`, ports: PORTS };
}

function build(s: Scenario) {
  const pods = new Map(s.pods.map((spec, i) => parsePod(spec, i, s.change)).map((p) => [`${p.namespace}/${p.name}`, p]));
  const names = new Set([...pods.values()].map((p) => p.namespace));
  const namespaces = [...names].map((n) => namespaceWithAutomaticLabel(n, s.change?.namespaceLabels?.[n] ?? {}));
  const policies: NetworkPolicy[] = s.policies.map((p) => ({ namespace: p.ns, name: p.name, spec: p.spec }));
  return { pods, evaluator: new PolicyEvaluator(namespaces, policies) };
}

const scenarios = cases.flatMap((c) => expand(c, c.id!, { pods: c.pods ?? [] }));
const rows = scenarios.flatMap((s) => {
  const built = build(s);
  return s.expect.map((t) => ({ label: s.label, tuple: t, built, inherited: s.inherited ?? false }));
});

describe("the e2e fixture", () => {
  test("holds the 21 upstream cases, and every scenario asserts something", () => {
    expect(cases.map((c) => c.id)).toEqual(Array.from({ length: 21 }, (_, i) => `E2E-${String(i + 1).padStart(2, "0")}`));
    for (const s of scenarios) expect([s.label, s.expect.length > 0]).toEqual([s.label, true]);
  });

  test("every tuple written in the file is asserted exactly once", () => {
    const written = text
      .split("\n")
      .map((line) => line.replace(/#.*$/, ""))
      .join("\n")
      .match(/\[\w+\/\w+, \w+\/\w+, \d+, (TCP|UDP|SCTP), (allow|deny)\]/g);
    expect(rows.filter((r) => !r.inherited).length).toBe(written!.length);
    expect(written!.length).toBeGreaterThanOrEqual(80);
  });
});

describe.each(cases.map((c) => c.id!))("%s", (id) => {
  const mine = rows.filter((r) => r.label === id || r.label.startsWith(`${id} `));
  test.each(mine.map((r) => [r.label, ...r.tuple, r] as const))(
    "%s: %s -> %s %s/%s is %s",
    (_label, src, dst, port, protocol, expected, row) => {
      const from = row.built.pods.get(src);
      const to = row.built.pods.get(dst);
      expect(from && to).toBeDefined();
      const decision = row.built.evaluator.evaluate({ from: { pod: from! }, to: { pod: to! }, port, protocol });
      expect(decision.allowed ? "allow" : "deny").toBe(expected);
    },
  );
});
