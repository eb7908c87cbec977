/**
 * The GitHub Actions workflows, checked for what delivery relies on: pinned actions, least token
 * permissions, OIDC credentials, one Pulumi token per environment, stacks created on first use,
 * failures reported, the promotion dev -> staging -> prod behind the environments, previews of every
 * stack, Node 24, and the policy pack on every Pulumi operation. actionlint runs in
 * workflows-lint.spec.ts; what the step scripts do when run is checked in workflow-steps.spec.ts
 * and workflow-report.spec.ts.
 */
import * as fs from "fs";
import * as path from "path";
import { STACKS } from "../harness";
import { findStep, PROJECT_DIR, pulumiJob, REUSABLE, workflow, workflowFiles, workflowText } from "./workflow-files";

const files = workflowFiles();
const text = workflowText;

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
        "actions/github-script",
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
  const job = pulumiJob();

  test("gets AWS credentials by OIDC from a role in a variable, never from stored keys", () => {
    const aws = findStep(job, "aws-actions/configure-aws-credentials");
    expect(aws.with["role-to-assume"]).toBe("${{ vars.AWS_ROLE_ARN }}");
    expect(aws.with["aws-region"]).toBe("${{ steps.stack.outputs.region }}");
    for (const file of files) expect(text(file)).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/);
  });

  test("logs in to the backend named by a variable", () => {
    expect(job.env.PULUMI_BACKEND_URL).toBe("${{ vars.PULUMI_BACKEND_URL }}");
    expect(findStep(job, "pulumi").run).toContain('pulumi login --non-interactive "$PULUMI_BACKEND_URL"');
    expect(job.steps[0].run).toContain('[ -z "$PULUMI_BACKEND_URL" ]');
  });

  test("runs the policy pack with the configuration derived from the stack", () => {
    const derive = findStep(job, "stack").run;
    expect(derive).toContain('policy/stack-config.ts --stack "$STACK" --out "$RUNNER_TEMP/policy-config.json"');
    expect(findStep(job, "pulumi").run).toContain('--policy-pack policy --policy-pack-config "$RUNNER_TEMP/policy-config.json"');
    expect(job.steps.find((s: any) => String(s.run).includes("--prefix policy"))).toBeDefined();
  });

  test("installs the Pulumi CLI of the SDK's version", () => {
    const sdk = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).dependencies["@pulumi/pulumi"];
    expect(String(findStep(job, "pulumi/actions").with["pulumi-version"])).toBe(sdk);
  });

  // pulumi/actions v7.0.0 selects the stack unless `upsert: true` (action.yml: default 'false';
  // src/main.ts: LocalWorkspace.selectStack), so a stack that does not exist yet fails the first run.
  test("creates the stack on first use", () => {
    const action = findStep(job, "pulumi/actions");
    if (action.with.command !== undefined) expect(String(action.with.upsert)).toBe("true");
    else expect(findStep(job, "pulumi").run).toMatch(/select=\(stack select [^)]*--create/);
  });

  // pulumi/actions v7.0.0 throws out of `await actions[config.command]()` before it comments or
  // writes the summary (src/main.ts), so the report must be a step of its own that runs on failure.
  test("reports after the operation whatever its outcome, except when the run is cancelled", () => {
    const ids = job.steps.map((s: any) => s.id ?? s.uses ?? s.name);
    const report = findStep(job, "actions/github-script");
    expect(ids.indexOf("pulumi")).toBeLessThan(job.steps.indexOf(report));
    expect(report.if).toBe("${{ !cancelled() }}");
    expect(report.env.OUTCOME).toBe("${{ steps.pulumi.outcome }}");
    expect(report.env.COMMENT).toBe("${{ inputs.command == 'preview' && github.event_name == 'pull_request' }}");
  });

  test("never runs two operations of one kind on a stack at once, and never cancels an update", () => {
    expect(job.concurrency.group).toContain("${{ inputs.stack }}");
    expect(job.concurrency["cancel-in-progress"]).toBe("${{ inputs.command != 'up' }}");
  });

  test("updates in the stack's environment, previews in '<stack>-preview'", () => {
    const environment = "${{ inputs.command == 'up' && inputs.stack || format('{0}-preview', inputs.stack) }}";
    expect(job.environment).toBe(environment);
    expect(job.env.ENVIRONMENT).toBe(environment);
  });

  test("hands the environment's Pulumi token to the Pulumi step alone, not to npm ci or the checks", () => {
    const holders = job.steps.filter((s: any) => JSON.stringify(s).includes("secrets.PULUMI_ACCESS_TOKEN }}"));
    expect(holders.map((s: any) => s.id)).toEqual(["pulumi"]);
    expect(findStep(job, "pulumi").env.PULUMI_ACCESS_TOKEN).toBe("${{ secrets.PULUMI_ACCESS_TOKEN }}");
    expect(JSON.stringify(job.env)).not.toContain("secrets.");
  });
});

describe("one Pulumi token per environment", () => {
  const callers = allJobs().filter(({ job }) => job.uses === REUSABLE);

  test("every caller passes the token by name only, so the called job's environment supplies it", () => {
    expect(callers.length).toBeGreaterThan(0);
    for (const { job } of callers) expect(job.secrets).toEqual({ PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" });
  });

  test("no caller inherits all secrets", () => {
    for (const file of files) expect(text(file)).not.toMatch(/secrets:\s*inherit/);
  });

  test("pull requests fail while a repository or organization secret PULUMI_ACCESS_TOKEN exists", () => {
    const guard = workflow("pull-request.yml").jobs["token-scope"];
    expect(guard.environment).toBeUndefined();
    expect(guard.steps[0].env).toEqual({ SHARED_TOKEN_SET: "${{ secrets.PULUMI_ACCESS_TOKEN != '' }}" });
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

  test("preview every stack after the checks, for pull requests of this repository only", () => {
    const preview = wf.jobs.preview;
    expect(preview.needs).toBe("checks");
    expect(preview.strategy.matrix.stack).toEqual([...STACKS]);
    expect(preview.strategy["fail-fast"]).toBe(false);
    expect(preview.with).toEqual({ stack: "${{ matrix.stack }}", command: "preview" });
    expect(preview.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
  });
});

describe("deployment on merge", () => {
  const wf = workflow("deploy.yml");

  test("runs on pushes to main only", () => {
    expect(wf.on).toEqual({ push: { branches: ["main"] } });
  });

  test("promotes after the checks from stack to stack in order: dev, staging, prod", () => {
    expect(wf.jobs.checks.steps.map((s: any) => s.run)).toContain("bash .ci/run");
    const updates = Object.entries<any>(wf.jobs).filter(([, job]) => job.uses === REUSABLE);
    expect(updates.map(([id]) => id)).toEqual([...STACKS]);
    STACKS.forEach((stack, i) => {
      expect(wf.jobs[stack]).toMatchObject({ needs: i === 0 ? "checks" : STACKS[i - 1], with: { stack, command: "up" } });
    });
  });
});

/** The least major version a range of the form ">=N" or ">=N.M.P" admits. */
function minimumMajor(range: string): number {
  const m = /^>=\s*(\d+)(?:\.\d+){0,2}$/.exec(range.trim());
  if (!m) throw new Error(`engines.node range '${range}' is not of the form >=N`);
  return Number(m[1]);
}

describe("Node.js", () => {
  const setups = allJobs().flatMap(({ file, id, job }) =>
    (job.steps ?? []).filter((s: any) => String(s.uses).startsWith("actions/setup-node@")).map((s: any) => ({ file, id, s })),
  );
  const engines = (file: string) => JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, file), "utf8")).engines?.node;

  test("every job with Node runs Node 24, the LTS line, spelled out rather than read from a file", () => {
    expect(setups.length).toBeGreaterThan(0);
    for (const { file, id, s } of setups) {
      expect({ file, id, with: s.with }).toMatchObject({ file, id, with: { "node-version": "24" } });
      expect(s.with["node-version-file"]).toBeUndefined();
    }
  });

  // @pulumi/pulumi 3.276.0's package.json declares engines.node ">=22".
  test("Node 24 meets what the Pulumi SDK and this package declare", () => {
    for (const manifest of ["node_modules/@pulumi/pulumi/package.json", "package.json"]) {
      expect({ manifest, minimum: minimumMajor(engines(manifest)) <= 24 }).toEqual({ manifest, minimum: true });
    }
  });
});

describe("README: delivery", () => {
  const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
  const start = readme.indexOf("## Delivery: previews on pull requests, updates on merge");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1)).replace(/\s+/g, " ");

  test("names every pinned action at the release it is pinned to", () => {
    expect(start).toBeGreaterThanOrEqual(0);
    for (const l of usesLines()) expect(section).toContain(`\`${l.action}\` ${l.comment}`);
  });

  test("lists every environment a job runs in, with its deployment branches", () => {
    for (const stack of STACKS) {
      expect(section).toMatch(new RegExp(`\\| \`${stack}\` \\| \`deploy\\.yml\`, \`pulumi up\` \\| \`main\` only \\|`));
      expect(section).toContain(`\`${stack}-preview\``);
    }
  });
});
