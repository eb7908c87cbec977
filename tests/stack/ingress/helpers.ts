/** Shared by the ingress tests: a chart of a stack's render and the values it was given. */
import { STACKS, stackRender } from "../../harness";

export const CHART_TYPE = "kubernetes:helm.sh/v4:Chart";

export async function chartOf(stack: (typeof STACKS)[number], name: string) {
  const r = await stackRender(stack);
  const chart = r.one(CHART_TYPE, name);
  return { r, chart, values: chart.inputs.values as Record<string, any> };
}
