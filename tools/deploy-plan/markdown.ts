/** `deploy-plan.md`: the deploy plan for reviewers (the JSON holds the same figures and more). */
import { shortUrn } from "./graph";
import type { DeployPlan, PlanStep } from "./deploy-plan";

/** `865` -> `14 min 25 s`. */
export function formatSeconds(total: number): string {
  const min = Math.floor(total / 60);
  const sec = total % 60;
  if (min === 0) return `${sec} s`;
  return sec === 0 ? `${min} min` : `${min} min ${sec} s`;
}

function stepsTable(steps: readonly PlanStep[]): string[] {
  const rows = steps.map(
    (s, i) =>
      `| ${i + 1} | \`${shortUrn(s.urn)}\` | ${s.kind} | ${formatSeconds(s.seconds)} | ` +
      `${formatSeconds(s.start)} | ${formatSeconds(s.finish)} |`,
  );
  return ["| # | resource | kind | duration | starts at | done at (cumulative) |", "|---|---|---|---|---|---|", ...rows];
}

export function deployPlanMarkdown(plan: DeployPlan): string {
  const s = plan.summary;
  const lines: string[] = [
    `# Deploy plan: stack \`${plan.stack}\``,
    "",
    "What a cold `pulumi up` creates, as the dependency graph it follows, weighted with typical create",
    "durations (`tools/deploy-plan/durations.ts`). `pulumi up` starts every operation whose dependencies have",
    "finished (its parallelism is unbounded by default), so it takes at least the critical path. Resources",
    "that run pods cannot finish before the node groups, even where the graph does not order them.",
    "",
    "| measure | value |",
    "|---|---|",
    `| resources registered | ${s.resources} |`,
    `| resources that take time (graph nodes) | ${s.nodes} |`,
    `| components (no time of their own) | ${s.components} |`,
    `| dependencies (graph edges) | ${s.dependencies} |`,
    `| depth (longest chain, in resources) | ${s.depth} |`,
    `| width (largest level ${s.widestLevel}: resources with no path between them) | ${s.width} |`,
    `| peak concurrency (weighted schedule) | ${s.peakConcurrency} |`,
    `| critical path | ${formatSeconds(s.criticalPathSeconds)} |`,
    `| lower bound | ${formatSeconds(s.lowerBoundSeconds)} |`,
    `| critical path / lower bound | ${s.ratio.toFixed(2)} |`,
    "",
    "## Critical path",
    "",
    ...stepsTable(plan.criticalPath),
    "",
    "## Lower bound",
    "",
    "The chain no ordering can avoid: everything up to the worker nodes (network, IAM, control plane, node",
    "group), then the slowest resource that needs nodes" +
      (plan.lowerBound.slowestNeedingNodes ? ` (\`${shortUrn(plan.lowerBound.slowestNeedingNodes)}\`).` : "."),
    "",
    ...stepsTable(plan.lowerBound.steps),
    "",
    "## Orderings that must hold",
    "",
    "| rule | why | pairs checked | out of order |",
    "|---|---|---|---|",
    ...plan.orderingChecks.map(
      (c) => `| ${c.rule} | ${c.why} | ${c.checked} | ${c.violations.length === 0 ? "none" : c.violations.join("<br>")} |`,
    ),
    "",
    "## Durations used",
    "",
    "| kind | seconds | resources | basis | what it covers | sources |",
    "|---|---|---|---|---|---|",
    ...plan.durations.map(
      (d) =>
        `| ${d.kind} | ${d.seconds} | ${d.resources} | ${d.basis} | ${d.description} | ` +
        `${d.sources.map((u, i) => `[${i + 1}](${u})`).join(" ")} |`,
    ),
    "",
    "## Types without a duration of their own",
    "",
    ...(plan.defaulted.length === 0
      ? ["None: every resource type of this stack is in the table."]
      : [
          "Weighted with the default; add them to `tools/deploy-plan/durations.ts`:",
          "",
          ...plan.defaulted.map((d) => `- \`${shortUrn(d.urn)}\` (${d.type})`),
        ]),
    "",
  ];
  return lines.join("\n");
}
