/**
 * The workflows' step scripts, run: the checks before any Pulumi operation, the Pulumi step with a
 * stand-in `pulumi` on the PATH (which records its arguments and plays back an output and an exit
 * status), and the report script with stand-ins for the GitHub client. Each script runs in an
 * environment built from scratch (workflow-files.ts), never the caller's.
 */
import * as fs from "fs";
import * as path from "path";
import { policyConfigForStack } from "../../policy/stack-config";
import { findStep, PROJECT_DIR, pulumiJob, runStep, tempDir, workflow } from "./workflow-files";

const job = pulumiJob();

describe("the checks before a Pulumi operation", () => {
  const check = (vars: Record<string, string>) =>
    runStep(job.steps[0].run, PROJECT_DIR, { COMMAND: "preview", ENVIRONMENT: "prod-preview", HAS_TOKEN: "true", ...vars });

  test("a Pulumi Cloud backend without the environment's token stops the job, naming the environment", () => {
    const res = check({ PULUMI_BACKEND_URL: "https://api.pulumi.com", HAS_TOKEN: "false" });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain("::error::set the secret PULUMI_ACCESS_TOKEN in the environment 'prod-preview'");
    expect(check({ PULUMI_BACKEND_URL: "https://api.pulumi.com" }).status).toBe(0);
  });

  test("an S3 backend needs no token; a missing backend or an unknown command stops the job", () => {
    expect(check({ PULUMI_BACKEND_URL: "s3://state?region=eu-west-1", HAS_TOKEN: "false" }).status).toBe(0);
    expect(check({ PULUMI_BACKEND_URL: "" }).stdout).toContain("::error::set the repository variable PULUMI_BACKEND_URL");
    expect(check({ PULUMI_BACKEND_URL: "s3://state", COMMAND: "destroy" }).stdout).toContain("::error::command must be preview or up, got 'destroy'");
  });

  test("pull requests fail while a repository or organization secret PULUMI_ACCESS_TOKEN exists", () => {
    const guard = workflow("pull-request.yml").jobs["token-scope"].steps[0].run;
    const res = runStep(guard, PROJECT_DIR, { SHARED_TOKEN_SET: "true" });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain("::error::delete the repository or organization secret PULUMI_ACCESS_TOKEN");
    expect(runStep(guard, PROJECT_DIR, { SHARED_TOKEN_SET: "false" }).status).toBe(0);
  });
});

describe("the checks job of pull requests", () => {
  test("uploads the render and summarises each stack's flows.md when it exists", () => {
    const steps = workflow("pull-request.yml").jobs.checks.steps;
    expect(findStep({ steps }, "actions/upload-artifact").with.path).toBe("out/");
    const summary = steps.find((s: any) => String(s.run).includes("GITHUB_STEP_SUMMARY")).run;
    const tmp = tempDir("summary-");
    fs.mkdirSync(path.join(tmp, "out", "dev"), { recursive: true });
    fs.mkdirSync(path.join(tmp, "out", "prod"), { recursive: true });
    fs.writeFileSync(path.join(tmp, "out", "prod", "flows.md"), "| from | to |\n");
    const file = path.join(tmp, "summary.md");
    expect(runStep(summary, tmp, { GITHUB_STEP_SUMMARY: file }).status).toBe(0);
    expect(fs.readFileSync(file, "utf8")).toBe("## Network flows: prod\n\n| from | to |\n\n");
  });
});

describe("the derivation step", () => {
  test("gives the stack's region and policy configuration", () => {
    const tmp = tempDir("wf-");
    const output = path.join(tmp, "output");
    const res = runStep(findStep(job, "stack").run, PROJECT_DIR, { STACK: "prod", RUNNER_TEMP: tmp, GITHUB_OUTPUT: output });
    expect(res.stderr).toBe("");
    expect(fs.readFileSync(output, "utf8")).toBe("region=eu-west-1\n");
    expect(JSON.parse(fs.readFileSync(path.join(tmp, "policy-config.json"), "utf8"))).toEqual(policyConfigForStack(PROJECT_DIR, "prod"));
  });

  test("does not depend on the caller's environment", () => {
    const saved = { ...process.env };
    Object.assign(process.env, { NODE_OPTIONS: "--require /nonexistent/preload.js", TS_NODE_COMPILER_OPTIONS: "{", STACK: "dev" });
    try {
      const tmp = tempDir("wf-");
      const res = runStep(findStep(job, "stack").run, PROJECT_DIR, { STACK: "prod", RUNNER_TEMP: tmp, GITHUB_OUTPUT: path.join(tmp, "output") });
      expect({ status: res.status, stderr: res.stderr }).toEqual({ status: 0, stderr: "" });
      expect(fs.readFileSync(path.join(tmp, "output"), "utf8")).toBe("region=eu-west-1\n");
    } finally {
      for (const key of ["NODE_OPTIONS", "TS_NODE_COMPILER_OPTIONS", "STACK"]) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

interface PulumiRun {
  readonly status: number | null;
  readonly calls: string[];
  readonly log: string;
}

/** Runs the Pulumi step with a stand-in CLI whose preview/up prints `output` and exits with `exit`. */
function runPulumiStep(vars: Record<string, string>, stackFile: string, output = "", exit = 0): PulumiRun {
  const tmp = tempDir("pulumi-step-");
  const bin = path.join(tmp, "bin");
  const work = path.join(tmp, "work");
  fs.mkdirSync(bin);
  fs.mkdirSync(work);
  fs.writeFileSync(path.join(work, `Pulumi.${vars.STACK}.yaml`), stackFile);
  fs.writeFileSync(path.join(tmp, "output"), output);
  fs.writeFileSync(
    path.join(bin, "pulumi"),
    [
      "#!/bin/bash",
      `printf '%s\\n' "$*" >> ${JSON.stringify(path.join(tmp, "calls"))}`,
      'case "$1" in',
      `  preview|up) cat ${JSON.stringify(path.join(tmp, "output"))}; exit ${exit} ;;`,
      '  *) echo "pulumi $1: ok" ;;',
      "esac",
    ].join("\n"),
    { mode: 0o755 },
  );
  const res = runStep(findStep(job, "pulumi").run, work, { RUNNER_TEMP: tmp, ...vars }, [bin]);
  const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
  return { status: res.status, calls: read(path.join(tmp, "calls")).trimEnd().split("\n").filter(Boolean), log: read(path.join(tmp, "pulumi.log")) };
}

describe("the Pulumi step", () => {
  const cloud = { STACK: "dev", STACK_NAME: "acme/dev", PULUMI_BACKEND_URL: "https://api.pulumi.com", PULUMI_SECRETS_PROVIDER: "" };
  const stackFile = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");

  // pulumi v3.259.0 pkg/cmd/pulumi/stack/stack_select.go: --create creates the stack when the
  // backend has none; --secrets-provider is used only then.
  test("logs in, creates the stack on first use, then previews with the policy pack", () => {
    const run = runPulumiStep({ ...cloud, COMMAND: "preview" }, stackFile);
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([
      "login --non-interactive https://api.pulumi.com",
      "stack select --non-interactive --create --stack acme/dev",
      expect.stringMatching(/^preview --non-interactive --stack acme\/dev .*--policy-pack policy --policy-pack-config \S+\/policy-config\.json$/),
    ]);
    expect(run.calls[2]).toContain("--diff");
    expect(run.calls[2]).not.toContain("--yes");
  });

  test("an update confirms itself, and a new stack gets the configured secrets provider", () => {
    const provider = "awskms://alias/pulumi?region=eu-west-1";
    const run = runPulumiStep(
      { ...cloud, COMMAND: "up", PULUMI_BACKEND_URL: "s3://state", PULUMI_SECRETS_PROVIDER: provider },
      `secretsprovider: ${provider}\nencryptedkey: AQICAHh0\n${stackFile}`,
    );
    expect(run.status).toBe(0);
    expect(run.calls[1]).toBe(`stack select --non-interactive --create --stack acme/dev --secrets-provider ${provider}`);
    expect(run.calls[2]).toMatch(/^up .* --yes$/);
  });

  test("a failed preview fails the step with the CLI's status and keeps its output for the report", () => {
    const output = "    ecommerce-guardrails@v1.0.0 [mandatory]  images-pinned  (kubernetes:apps/v1:Deployment: orders)tag 'latest'\nerror: preview failed\n";
    const run = runPulumiStep({ ...cloud, COMMAND: "preview" }, stackFile, output, 255);
    expect(run.status).toBe(255);
    expect(run.log).toBe(`pulumi login: ok\npulumi stack: ok\n${output}`);
  });

  test("a secrets provider whose data key is not in the stack file stops before touching the backend", () => {
    const run = runPulumiStep({ ...cloud, COMMAND: "preview", PULUMI_SECRETS_PROVIDER: "awskms://alias/pulumi" }, stackFile);
    expect(run.status).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.log).toMatch(/^error: Pulumi\.dev\.yaml holds no data key for the secrets provider awskms:\/\/alias\/pulumi; create the stack once with: pulumi stack init acme\/dev/);
  });
});
