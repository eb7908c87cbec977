/**
 * DatabaseCredentialsNearExpiry (components/monitoring/credential-rules.ts), with promtool: a
 * database-backed ExternalSecret whose sync fails fires once only the margin of its lease is
 * left; a recovered sync, a failing KV-backed one, or a Ready one stay silent.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { SERVICES } from "../../catalog";
import { vaultTable } from "../../catalog/vault";
import { EXPIRY_MARGIN_SECONDS, credentialExpiryRules, durationSeconds } from "../../components/monitoring/credential-rules";
import { fixed, promtoolVersion, testGroup } from "../stack/monitoring/promtool";
import { tempDir } from "./workflow-files";

const table = vaultTable(SERVICES);
/** ESO's refresh of database credentials: half the lease (the ExternalSecrets' builder). */
const REFRESH = "30m";
const [rule] = credentialExpiryRules(table, REFRESH);
const condition = (name: string, status: "True" | "False", values: string) => ({
  labels: { __name__: "externalsecret_status_condition", name, namespace: "e-commerce", condition: "Ready", status, job: "external-secrets" },
  values,
});

test("one rule for the Secrets made from database leases; its wait leaves the margin of the lease", () => {
  expect(rule.alert).toBe("DatabaseCredentialsNearExpiry");
  for (const t of table.secrets.filter((s) => s.name.endsWith("-mysql-credentials"))) expect(rule.expr).toContain(t.name);
  expect(rule.expr).not.toContain("redis-credentials");
  const ttl = durationSeconds(table.databaseRoles[0].defaultTtl);
  expect(durationSeconds(rule.for) + durationSeconds(REFRESH) + EXPIRY_MARGIN_SECONDS).toBe(ttl);
  expect(() => credentialExpiryRules(table, "50m")).toThrow(/a refresh of 50m leaves 600s of a 3600s lease/);
  expect(credentialExpiryRules(vaultTable(SERVICES.map((s) => ({ ...s, uses: s.uses.filter((k) => k !== "mysql") }))), REFRESH)).toEqual([]);
});

const PROMTOOL = promtoolVersion();
if (!PROMTOOL) console.warn("promtool is not on the PATH: the DatabaseCredentialsNearExpiry rule tests are SKIPPED (apt-get install prometheus provides it)");
(PROMTOOL ? test : test.skip)("promtool: fires when the failure has lasted its wait, not before, and never for a KV secret or a recovered sync", () => {
  const dir = tempDir("credential-rules-");
  fs.writeFileSync(path.join(dir, "rules.yaml"), YAML.stringify({ groups: [{ name: "ecommerce.secrets.leases", rules: [rule] }] }));
  const wait = durationSeconds(rule.for) / 60;
  const failing = "orders-service-mysql-credentials";
  const description = rule.annotations.description.replace("{{ $labels.namespace }}/{{ $labels.name }}", `e-commerce/${failing}`);
  const alert = { labels: { name: failing, namespace: "e-commerce", severity: "critical" }, annotations: { ...fixed(rule), description } };
  const minutes = wait + 10;
  const tests = [
    testGroup("DatabaseCredentialsNearExpiry", [condition(failing, "False", `1x${minutes}`), condition(failing, "True", `0x${minutes}`)], minutes, [
      { minute: wait - 1, alerts: [] },
      { minute: wait + 1, alerts: [alert] },
    ]),
    // A KV-backed Secret failing, and a database one that recovers before its wait is over.
    testGroup(
      "DatabaseCredentialsNearExpiry",
      [condition("redis-credentials", "False", `1x${minutes}`), condition(failing, "False", `1x${wait - 5} 0x15`)],
      minutes,
      [{ minute: wait + 1, alerts: [] }, { minute: minutes, alerts: [] }],
    ),
  ];
  fs.writeFileSync(path.join(dir, "tests.yaml"), YAML.stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests }));
  const res = spawnSync("promtool", ["test", "rules", "tests.yaml"], { cwd: dir, encoding: "utf8" });
  expect(`${res.stdout}${res.stderr}`).toContain("SUCCESS");
  expect(res.status).toBe(0);
});
