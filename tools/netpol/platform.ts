/**
 * How this platform's render is analysed: the API server sits in the control-plane subnets
 * (components/foundation/network.ts tags them), and the documented exemptions of the policy generator apply.
 * The `flows.md` writer and the proof test use the same options, so the report shows what the
 * proof checks.
 */
import { CONTROL_PLANE_SUBNET_TAG } from "../../components/foundation/network";
import { IPBLOCK_EXEMPTIONS, POLICY_EXEMPTIONS } from "../../components/network-policies/rules";
import type { Rendered } from "../render/engine";
import { cidrRange, intToIp } from "../../lib/ipv4";
import type { LintOptions } from "./lints";
import type { ModelOptions } from "./model";

/** CIDRs of the subnets tagged as the control plane's, in render order. */
export function controlPlaneCidrsOf(rendered: Rendered): string[] {
  const [key, value] = Object.entries(CONTROL_PLANE_SUBNET_TAG)[0];
  return rendered
    .ofType("aws:ec2/subnet:Subnet")
    .filter((s) => s.inputs.tags?.[key] === value && typeof s.inputs.cidrBlock === "string")
    .map((s) => s.inputs.cidrBlock as string);
}

/** An address the API server's endpoint ENIs may take: past the 4 addresses AWS reserves in a subnet. */
export function apiServerAddress(controlPlaneCidr: string): string {
  const range = cidrRange(controlPlaneCidr);
  if (!range) throw new Error(`control-plane subnet '${controlPlaneCidr}' is not an IPv4 CIDR`);
  return intToIp(range.first + 4);
}

export interface PlatformAnalysis {
  readonly controlPlaneCidrs: readonly string[];
  readonly modelOptions: ModelOptions;
  readonly lintOptions: LintOptions;
}

export function platformAnalysis(rendered: Rendered, overrides: ModelOptions = {}): PlatformAnalysis {
  const controlPlaneCidrs = controlPlaneCidrsOf(rendered);
  return {
    controlPlaneCidrs,
    modelOptions: {
      ...(controlPlaneCidrs.length > 0 ? { apiServer: { address: apiServerAddress(controlPlaneCidrs[0]) } } : {}),
      ...overrides,
    },
    lintOptions: { exemptions: POLICY_EXEMPTIONS, allowedCidrs: controlPlaneCidrs, ipBlockExemptions: IPBLOCK_EXEMPTIONS },
  };
}
