import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { platformNamespaces } from "../../../catalog";
import { synth } from "../../../tools/render/synth";
import { PROJECT_DIR, STACKS, stackFileWith, stackRun, stackSetting } from "../../harness";
import { CliRun, argOf, cliRun } from "../../cli-runs";

function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else files.set(path.relative(dir, p), fs.readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return files;
}

/** Runs the same command in this process (its exit code and output), for the paths that stop before rendering. */
async function synthHere(args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await synth(args, { log: (line) => stdout.push(line), error: (line) => stderr.push(line) });
  return { code, stdout: stdout.map((l) => `${l}\n`).join(""), stderr: stderr.map((l) => `${l}\n`).join("") };
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "render-"));

describe("the render command, run as a user runs it (npm run synth)", () => {
  let first: CliRun;
  let out: string;
  beforeAll(async () => {
    first = await cliRun("renderDev");
    out = argOf(first, "--out");
  });

  test("succeeds and says what it wrote", () => {
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^rendered stack 'dev': \d+ resources, \d+ Kubernetes objects -> /);
  });

  test("is byte-for-byte deterministic: its files equal the run's own render of index.ts, made in another process", async () => {
    expect(readTree(out)).toEqual(new Map((await stackRun("dev")).files));
  });

  test("writes each Kubernetes object as a manifest under its namespace", () => {
    const manifest = fs.readFileSync(path.join(out, "manifests/_cluster/namespace-e-commerce.yaml"), "utf8");
    expect(manifest).toMatch(/^apiVersion: v1\nkind: Namespace\n/);
  });
});

describe.each(STACKS)("offline render of %s", (stack) => {
  let files: ReadonlyMap<string, string>;
  let resources: any[];

  beforeAll(async () => {
    files = (await stackRun(stack)).files;
    resources = JSON.parse(files.get("resources.json")!);
  });

  test("writes a manifest for each Kubernetes object, and nothing else under manifests/", async () => {
    const manifests = [...files.keys()].filter((f) => f.startsWith("manifests/"));
    expect(manifests.length).toBe((await stackRun(stack)).rendered.k8sObjects().length);
    for (const f of manifests) expect(f).toMatch(/^manifests\/[a-z0-9_-]+\/[a-z0-9.-]+\.yaml$/);
  });

  test("every entry follows the contract; parents and dependencies are entries", () => {
    const urns = new Set(resources.map((r) => r.urn));
    expect(urns.size).toBe(resources.length);
    for (const r of resources) {
      expect(Object.keys(r).filter((k) => !["protect", "retainOnDelete", "ignoreChanges"].includes(k))).toEqual([
        "urn", "type", "name", "parent", "dependsOn", "inputs",
      ]);
      if (r.parent !== null) expect(urns).toContain(r.parent);
      for (const d of r.dependsOn) expect(urns).toContain(d);
      if (r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm")) {
        expect(r.inputs.apiVersion).toBeDefined();
        expect(r.inputs.kind).toBeDefined();
      }
    }
    // Registration order: a parent is always registered before its children.
    const index = new Map(resources.map((r, i) => [r.urn, i]));
    for (const r of resources) if (r.parent) expect(index.get(r.parent)!).toBeLessThan(index.get(r.urn)!);
  });

  test("holds the cluster with policy enforcement, the node group, the provider and the namespaces", () => {
    const of = (type: string) => resources.filter((r) => r.type === type);
    expect(of("eks:index:Cluster")[0].inputs.vpcCniOptions.enableNetworkPolicy).toBe(true);
    expect(of("eks:index:ManagedNodeGroup")).toHaveLength(1);
    expect(of("pulumi:providers:kubernetes")).toHaveLength(1);
    expect(of("kubernetes:core/v1:Namespace").map((n) => n.inputs.metadata.name).sort()).toEqual(
      platformNamespaces(stackSetting(stack, "secretsBackend")).map((n) => n.name).sort(),
    );
  });

  test("masks secrets: the kubeconfig never appears", () => {
    const text = files.get("resources.json")!;
    expect(text).toContain('"kubeconfig": "[secret]"');
    expect(text).not.toContain("certificate-authority-data");
  });
});

describe("render input errors", () => {
  test("a secure: value never reaches the render", async () => {
    const out = tmp();
    const file = stackFileWith("dev", { "ecommerce:acmeEmail": { secure: "v1:c2VjcmV0LWNpcGhlcnRleHQ=" } });
    const res = await synthHere(["--stack", "dev", "--config-file", file, "--out", out]);
    // The placeholder is not an e-mail address, so validation names the key; the ciphertext is never echoed.
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/'ecommerce:acmeEmail'/);
    expect(res.stderr).not.toContain("c2VjcmV0");
  });

  test.each([
    ["a wrong type", { "ecommerce:nodeMaxSize": "many" }, /'ecommerce:nodeMaxSize' must be of type integer/],
    ["an out-of-range value", { "ecommerce:nodeMaxSize": 1000 }, /'ecommerce:nodeMaxSize' value '1000' is outside of the legal range/],
    ["a malformed value", { "ecommerce:vpcCidr": "10.0.0/16" }, /'ecommerce:vpcCidr' value "10.0.0\/16"/],
  ])("%s exits 1 with one clear message and no stack trace", async (_label, overrides, expected) => {
    const res = await synthHere(["--stack", "dev", "--config-file", stackFileWith("dev", overrides), "--out", tmp()]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(/^error: /);
    expect(res.stderr).toMatch(expected);
    expect(res.stderr).not.toMatch(/^\s+at /m);
  });

  test("a missing stack file and a usage mistake are reported plainly", async () => {
    expect(fs.existsSync(path.join(PROJECT_DIR, "Pulumi.qa.yaml"))).toBe(false);
    const missing = await synthHere(["--stack", "qa", "--out", tmp()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*Pulumi\.qa\.yaml/);
    const usage = await synthHere(["--stak", "dev"]);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/unknown argument '--stak'; usage: npm run synth/);
  });

  test("the process exits with the command's code, and prints the one line on stderr", async () => {
    const res = await cliRun("wrongType");
    const file = argOf(res, "--config-file");
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toBe(`error: ${file}: configuration key 'ecommerce:nodeMaxSize' must be of type integer (declared in Pulumi.yaml), got "many"\n`);
  });
});

describe("stack outputs of a render", () => {
  test.each(STACKS)("%s keeps their secretness: the kubeconfig output is masked", async (stack) => {
    const { outputs } = await stackRun(stack);
    expect(outputs.kubeconfig).toBe("[secret]");
    expect(outputs.clusterName).toBe(stackSetting(stack, "clusterName"));
  });
});
