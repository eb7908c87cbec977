/**
 * The report step of pulumi-stack.yml, run as actions/github-script v8.0.0 runs its `script`: an
 * async function body whose arguments are named after what the action passes (src/main.ts,
 * src/async-function.ts: require, github, context, core, ...). `process` is passed too, so the
 * step's environment is given here and the test process's own is never read. The GitHub client
 * and the job summary are stand-ins that record what the script does with them.
 */
import * as fs from "fs";
import * as path from "path";
import { findStep, pulumiJob, tempDir } from "./workflow-files";

/** The arguments actions/github-script v8.0.0 gives a script (src/main.ts, callAsyncFunction). */
const GITHUB_SCRIPT_ARGUMENTS = ["require", "__original_require__", "github", "octokit", "context", "core", "exec", "glob", "io"];
const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;

const COMMENT_LIMIT = 65536; // GitHub's limit on a comment body, in characters
const BOT = "github-actions[bot]";

interface Comment {
  readonly id: number;
  readonly user: { readonly login: string };
  readonly body: string;
}

interface Report {
  readonly summary: string;
  readonly calls: Array<[string, Record<string, unknown>]>;
}

async function report(opts: { command: "preview" | "up"; outcome: string; log?: string; comments?: Comment[]; comment?: boolean }): Promise<Report> {
  const step = findStep(pulumiJob(), "actions/github-script");
  const tmp = tempDir("report-");
  if (opts.log !== undefined) fs.writeFileSync(path.join(tmp, "pulumi.log"), opts.log);
  const env = {
    STACK_NAME: "acme/dev",
    COMMAND: opts.command,
    OUTCOME: opts.outcome,
    COMMENT: String(opts.comment ?? opts.command === "preview"),
    RUN_URL: "https://github.com/acme/shop/actions/runs/42",
    RUNNER_TEMP: tmp,
  };
  const calls: Array<[string, Record<string, unknown>]> = [];
  const listComments = async () => [];
  const github = {
    paginate: async (method: unknown, params: Record<string, unknown>) => {
      expect(method).toBe(listComments);
      calls.push(["list", params]);
      return opts.comments ?? [];
    },
    rest: {
      issues: {
        listComments,
        createComment: async (params: Record<string, unknown>) => void calls.push(["create", params]),
        updateComment: async (params: Record<string, unknown>) => void calls.push(["update", params]),
      },
    },
  };
  let summary = "";
  const core = {
    summary: {
      addRaw(text: string, eol: boolean) {
        summary += eol ? `${text}\n` : text;
        return this;
      },
      async write() {
        return this;
      },
    },
  };
  const context = { repo: { owner: "acme", repo: "shop" }, payload: { pull_request: { number: 7 } } };
  const args: Record<string, unknown> = { require, __original_require__: require, github, octokit: github, context, core, exec: {}, glob: {}, io: {} };
  expect(Object.keys(args)).toEqual(GITHUB_SCRIPT_ARGUMENTS);
  await new AsyncFunction(...Object.keys(args), "process", step.with.script)(...Object.values(args), { env });
  return { summary, calls };
}

const body = (r: Report) => String(r.calls.find(([kind]) => kind === "create" || kind === "update")?.[1].body);

// pulumi v3.259.0 pkg/backend/display/diff.go renderDiffPolicyViolationEvent (--diff display): the
// pack, the level, the policy and the resource, the message right after it on the same line.
const DIFF_VIOLATION =
  "    ecommerce-guardrails@v1.0.0 [mandatory]  images-pinned  (kubernetes:apps/v1:Deployment: orders)image orders:latest is not pinned";
// pulumi v3.259.0 pkg/backend/display/progress.go printPolicies (default display): the Policies
// section, each violation a "- [level]  policy  (resource)" line with its message indented below.
const POLICIES_SECTION = [
  "Policies:",
  "    ❌ ecommerce-guardrails@v1.0.0 (local: policy)",
  "        - [mandatory]  eks-secrets-encryption  (eks:index:Cluster: ecommerce)",
  "          the cluster must encrypt Secrets with KMS",
  "          set encryptionConfigKeyArn",
  "",
  "Diagnostics:",
  "  pulumi:pulumi:Stack (ecommerce-platform-dev):",
  "    error: preview failed",
].join("\n");

describe("the report of a Pulumi operation", () => {
  test("a failed preview is commented on the pull request: what failed and the policy violations", async () => {
    const log = `Previewing update (acme/dev):\n${DIFF_VIOLATION}\nerror: preview failed\nResources:\n    + 212 to create\n`;
    const r = await report({ command: "preview", outcome: "failure", log });
    expect(r.calls.map(([kind]) => kind)).toEqual(["list", "create"]);
    expect(r.calls[0][1]).toMatchObject({ owner: "acme", repo: "shop", issue_number: 7 });
    expect(r.calls[1][1]).toMatchObject({ owner: "acme", repo: "shop", issue_number: 7 });
    const text = body(r);
    expect(text.split("\n").slice(0, 2)).toEqual(["<!-- pulumi preview acme/dev -->", "### ❌ `pulumi preview` of `acme/dev` failed"]);
    expect(text).toContain(`**Policy violations**\n\n<pre>\n${DIFF_VIOLATION}\n</pre>`);
    expect(text).toContain("**Errors**\n\n<pre>\nerror: preview failed\n</pre>");
    expect(text).toContain("[Run log](https://github.com/acme/shop/actions/runs/42)");
    expect(text).toContain("+ 212 to create");
    expect(r.summary).toBe(`${text}\n`);
  });

  test("the default display's Policies section gives each violation with its whole message", async () => {
    const text = body(await report({ command: "preview", outcome: "failure", log: POLICIES_SECTION }));
    const violations = /\*\*Policy violations\*\*\n\n<pre>\n([^]*?)\n<\/pre>/.exec(text)?.[1];
    expect(violations).toBe(POLICIES_SECTION.split("\n").slice(2, 5).join("\n"));
    expect(text).toContain("<pre>\n    error: preview failed\n</pre>");
  });

  test("the comment of the stack's previous run is edited, nobody else's", async () => {
    const marker = "<!-- pulumi preview acme/dev -->";
    const comments = [
      { id: 1, user: { login: BOT }, body: `${marker}\nold` },
      { id: 2, user: { login: "octocat" }, body: `${marker}\nquoted by a person` },
      { id: 3, user: { login: BOT }, body: "<!-- pulumi preview acme/prod -->\nother stack" },
    ];
    const r = await report({ command: "preview", outcome: "success", log: "Resources:\n    212 unchanged\n", comments });
    expect(r.calls.map(([kind, params]) => [kind, params.comment_id])).toEqual([["list", undefined], ["update", 1]]);
    expect(body(r)).toContain("### ✅ `pulumi preview` of `acme/dev` succeeded");
    expect(body(r)).not.toContain("**Errors**");
  });

  test("a preview that never started (an earlier step failed) is reported too", async () => {
    const text = body(await report({ command: "preview", outcome: "skipped" }));
    expect(text).toContain("### ❌ `pulumi preview` of `acme/dev` did not run: an earlier step failed");
    expect(text).toContain("[Run log](https://github.com/acme/shop/actions/runs/42)");
  });

  test("a failure without an error line still says where to look", async () => {
    const text = body(await report({ command: "preview", outcome: "failure", log: "killed\n" }));
    expect(text).toContain("No error line in the output: see the output below and the run log.");
  });

  test("an update goes to the job summary only", async () => {
    const r = await report({ command: "up", outcome: "failure", log: "error: update failed\n", comment: false });
    expect(r.calls).toEqual([]);
    expect(r.summary).toContain("### ❌ `pulumi up` of `acme/dev` failed");
    expect(r.summary).toContain("<pre>\nerror: update failed\n</pre>");
  });

  test("output is escaped, and a long one is cut to fit in a comment, keeping its end", async () => {
    const long = Array.from({ length: 20000 }, (_, i) => `    ~ kubernetes:core/v1:ConfigMap <cm-${i}> update`).join("\n");
    const text = body(await report({ command: "preview", outcome: "failure", log: `${long}\nerror: preview failed & stopped` }));
    expect(text.length).toBeLessThan(COMMENT_LIMIT);
    expect(text).toContain("&lt;cm-19999&gt; update");
    expect(text).not.toContain("&lt;cm-0&gt;");
    expect(text).not.toContain("<cm-");
    expect(text).toContain("error: preview failed &amp; stopped");
  });
});
