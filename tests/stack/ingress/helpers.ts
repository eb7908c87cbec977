/** Shared by the ingress tests: a chart of a stack's render and the values it was given. */
import { SERVICES } from "../../../catalog";
import { STACKS, StackName, renderProgram, stackRender } from "../../harness";

export const CHART_TYPE = "kubernetes:helm.sh/v4:Chart";

export async function chartOf(stack: (typeof STACKS)[number], name: string) {
  const r = await stackRender(stack);
  const chart = r.one(CHART_TYPE, name);
  return { r, chart, values: chart.inputs.values as Record<string, any> };
}

/**
 * Changed configurations the ingress specs share, so that each costs one render per suite: the
 * settings in one variant do not interact (source ranges, the ACME contact, the issuer and the
 * rate limits, the gateway's port).
 */
export const TWO_SOURCE_RANGES = ["10.10.0.0/16", "198.51.100.0/24"];
export const ADMIN_CIDRS = ["198.51.100.0/24", "192.0.2.0/24"];
export const ACME_EMAIL = "certs@example.org";
export const GATEWAY_PORT = 8200;

export function changedIngress(stack: StackName) {
  return renderProgram(stack, {
    overrides: {
      "ecommerce:ingressSourceRanges": TWO_SOURCE_RANGES,
      "ecommerce:acmeEmail": ACME_EMAIL,
      "ecommerce:certIssuer": "selfsigned",
      "ecommerce:rateLimitAverage": 7,
      "ecommerce:rateLimitBurst": 9,
      "ecommerce:adminAllowedCidrs": ADMIN_CIDRS,
    },
    services: SERVICES.map((s) => (s.role === "gateway" ? { ...s, httpPort: GATEWAY_PORT } : s)),
  });
}
