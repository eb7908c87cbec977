/**
 * The schema check (tools/schema-check.mjs, an ES module run by `npm test` after jest) is driven
 * here as a process, to prove it rejects what it must and lists what it skips.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeRender } from "../../../tools/render/render";
import { PROJECT_DIR, stackRun } from "../../harness";

function schemaCheck(...args: string[]) {
  const res = spawnSync(process.execPath, ["tools/schema-check.mjs", ...args], { cwd: PROJECT_DIR, encoding: "utf8" });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "schema-"));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe("schema check", () => {
  test("rejects broken objects, names them, and lists custom resources as skipped", () => {
    const dir = folder({
      "e-commerce/service-ok.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: ok}\nspec:\n  ports: [{name: http, port: 8000, targetPort: 8000}]\n",
      "e-commerce/service-bad.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec:\n  ports: [{name: http, port: \"8000\"}]\n",
      "e-commerce/statefulset-typo.yaml": "apiVersion: apps/v1\nkind: StatefullSet\nmetadata: {name: typo}\n",
      "traefik/middleware-x.yaml": "apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata: {name: x, namespace: traefik}\nspec: {}\n",
    });
    const res = schemaCheck("--manifests", dir);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/FAILED v1 Service bad .*\/spec\/ports\/0\/port must be integer/);
    expect(res.out).toMatch(/FAILED apps\/v1 StatefullSet typo .*has no kind 'StatefullSet'/);
    expect(res.out).toMatch(/skipped traefik\.io\/v1alpha1 Middleware traefik\/x: custom resource/);
    expect(res.out.trim().split("\n").pop()).toBe("schema-check: 1 passed, 2 failed, 1 skipped");
    expect(res.out).toContain("skipped objects are custom resources, listed above");
  });

  test("its self-check runs first and a bad argument is refused", () => {
    const res = schemaCheck("--manifest", "x");
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/unknown argument '--manifest'/);
    expect(schemaCheck("--manifests", folder({})).out).toMatch(/^self-check: 6 known cases/);
  });

  test("the data tier's objects of a real render pass", async () => {
    const files = new Map((await stackRun("prod")).files);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "schema-render-"));
    writeRender(out, files);
    const res = schemaCheck("--manifests", path.join(out, "manifests/e-commerce-messaging"), "--manifests", path.join(out, "manifests/e-commerce"));
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/e-commerce-messaging: \d+ objects: \d+ passed, 0 failed/);
    // The ingress tier's Middlewares share `e-commerce`: custom resources are skipped, by name. So
    // are the External Secrets Operator's and the Certificates bringing Vault's CA (prod syncs its
    // Secrets from Vault), which tests/unit/external-secrets.spec.ts checks against their CRDs.
    expect(res.out.trim().split("\n").pop()).toMatch(/^schema-check: [1-9]\d+ passed, 0 failed, \d+ skipped$/);
    expect(res.out).not.toMatch(/^\s+skipped (?!traefik\.io\/|external-secrets\.io\/|generators\.external-secrets\.io\/|cert-manager\.io\/v1 Certificate [a-z-]+\/vault-ca:)/m);
  });
});
