/**
 * The zero-trust NetworkPolicies as data: a pure function of the flows of catalog/flows.ts and
 * the network plan. Every namespace the platform governs denies everything (`deny-all-default`),
 * and each flow is opened on BOTH sides from its one row: the source's egress and the
 * destination's ingress, since under a default deny a flow needs the two. The policies the
 * sides go into are laid out in layout.ts. tests/netpol/proof.spec.ts proves the result equals
 * the intended matrix of DESIGN.md, flow by flow and path by path, under the NetworkPolicy
 * API's semantics and the EKS VPC CNI's.
 */
import { NAMESPACES } from "../../catalog";
import { FlowIntent, FlowParty, platformFlows } from "../../catalog/flows";
import { chartRow } from "../chart-pods";
import { MONITORING_POD_LABELS, RELEASE } from "../monitoring/kube-prometheus-stack/chart";
import { ALLOW_DNS, DEFAULT_DENY, GOVERNED_NAMESPACES, PolicyHome, governedNamespaces, policyLayout } from "./layout";
import {
  LabelSelector,
  NetworkPolicyEgressRule,
  NetworkPolicyIngressRule,
  PolicyManifest,
  PolicyPlanInputs,
  peersOf,
  selectorOf,
} from "./peers";

export { ALLOW_DNS, DEFAULT_DENY, GOVERNED_NAMESPACES, selectorOf };
export type { PolicyManifest, PolicyPlanInputs };

type Side = "egress" | "ingress";

/** The side of a row whose pods a policy selects: the source for egress, the destination for ingress. */
const ownSide = (row: FlowIntent, side: Side): FlowParty => (side === "egress" ? row.from : row.to);
const peerSide = (row: FlowIntent, side: Side): FlowParty => (side === "egress" ? row.to : row.from);

function describe(row: FlowIntent): string {
  const name = (p: FlowParty) => (p.kind === "pods" ? `${p.namespace}/${p.role}${p.service ? `(${p.service})` : ""}` : p.kind === "addresses" ? p.of : "every pod");
  return `${name(row.from)} -> ${name(row.to)} (${row.why})`;
}

/** The pods a policy selects: the union of its rows' own sides (every pod when one of them is). */
function podSelector(home: PolicyHome, held: readonly [FlowIntent, Side][]): LabelSelector {
  const sets: Readonly<Record<string, string>>[] = [];
  for (const [row, side] of held) {
    const own = ownSide(row, side);
    if (own.kind === "every-pod") return {};
    if (own.kind !== "pods" || own.namespace !== home.namespace) {
      throw new Error(`policy ${home.namespace}/${home.name} cannot hold the ${side} of ${describe(row)}: its pods are not in ${home.namespace}`);
    }
    for (const l of own.labelSets) if (!sets.some((s) => JSON.stringify(s) === JSON.stringify(l))) sets.push(l);
  }
  return selectorOf(sets);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** One rule per row; ingress rules on the same ports share one rule (peers ORed), identical egress rules are one. */
function rules(inp: PolicyPlanInputs, rows: readonly FlowIntent[], side: Side): (NetworkPolicyIngressRule & NetworkPolicyEgressRule)[] {
  const out: { peers: ReturnType<typeof peersOf>; ports: FlowIntent["ports"] }[] = [];
  for (const row of rows) {
    const peers = peersOf(inp, peerSide(row, side), row.path);
    const merge = out.find((r) => same(r.ports, row.ports) && (side === "ingress" || same(r.peers, peers)));
    if (!merge) out.push({ peers: [...peers], ports: row.ports });
    else for (const p of peers) if (!merge.peers.some((q) => same(q, p))) merge.peers.push(p);
  }
  const key = side === "egress" ? "to" : "from";
  return out.map((r) => ({ [key]: r.peers, ports: r.ports.map((p) => ({ ...p })) }));
}

function assemble(inp: PolicyPlanInputs, home: PolicyHome, flows: readonly FlowIntent[]): PolicyManifest[] {
  const ingress = home.ingressOf ? flows.filter(home.ingressOf) : [];
  const egress = home.egressOf ? flows.filter(home.egressOf) : [];
  if (ingress.length === 0 && egress.length === 0) return [];
  const held = [...ingress.map((r) => [r, "ingress"] as [FlowIntent, Side]), ...egress.map((r) => [r, "egress"] as [FlowIntent, Side])];
  const spec = {
    podSelector: podSelector(home, held),
    policyTypes: [...(ingress.length > 0 ? ["Ingress"] : []), ...(egress.length > 0 ? ["Egress"] : [])],
    ...(ingress.length > 0 ? { ingress: rules(inp, ingress, "ingress") } : {}),
    ...(egress.length > 0 ? { egress: rules(inp, egress, "egress") } : {}),
  };
  return [{ namespace: home.namespace, name: home.name, spec }];
}

/**
 * Every pod side of every flow must be written by exactly one policy (flows from every pod by
 * one policy per governed namespace): a side held twice or not at all is a layout mistake.
 */
function checkLayout(homes: readonly PolicyHome[], flows: readonly FlowIntent[], governed: readonly string[]): void {
  for (const row of flows) {
    for (const side of ["egress", "ingress"] as const) {
      const own = ownSide(row, side);
      if (own.kind === "addresses") continue;
      // Pods of a namespace the platform does not govern (Vault's, until its server joins) hold their own side.
      if (own.kind === "pods" && !governed.includes(own.namespace)) continue;
      const holders = homes.filter((h) => (side === "egress" ? h.egressOf : h.ingressOf)?.(row));
      const expected = own.kind === "every-pod" ? governed.length : 1;
      if (holders.length !== expected) {
        throw new Error(`the ${side} of ${describe(row)} is written by ${holders.length} policies (${holders.map((h) => `${h.namespace}/${h.name}`).join(", ") || "none"}); expected ${expected}`);
      }
    }
  }
}

/** The policies of a layout for a set of flows, in the layout's order. */
export function policiesOf(inp: PolicyPlanInputs, flows: readonly FlowIntent[], layout: ReturnType<typeof policyLayout>): PolicyManifest[] {
  checkLayout(layout.filter((h): h is PolicyHome => !("denyAll" in h)), flows, governedNamespaces(inp.vault));
  return layout.flatMap((h) =>
    "denyAll" in h ? [{ namespace: h.denyAll, name: DEFAULT_DENY, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }] : assemble(inp, h, flows),
  );
}

/** Every NetworkPolicy of the platform, in creation order. */
export function networkPolicyPlan(inp: PolicyPlanInputs): PolicyManifest[] {
  const ctx = { challenge: inp.acmeChallenge, edge: { nlbHealthChecks: inp.loadBalancerSubnetCidrs.length > 0 }, vault: inp.vault };
  return policiesOf(inp, platformFlows(inp.services, ctx), policyLayout(inp.services, inp.vault));
}

const NODE_EXPORTER = chartRow(MONITORING_POD_LABELS.nodeExporter);

/** Workloads that need no policy of their own in a default-deny namespace, and why. */
export const POLICY_EXEMPTIONS: readonly { readonly workload: string; readonly reason: string }[] = [
  {
    workload: `${NAMESPACES.monitoring.name}/${NODE_EXPORTER.name.replace("{release}", RELEASE)}`,
    reason: "runs on the node's network (hostNetwork): NetworkPolicies do not select it; Prometheus reaches it by the nodes' subnets",
  },
];

/** Policies whose ipBlocks cover pod addresses on purpose, and why. */
export const IPBLOCK_EXEMPTIONS: readonly { readonly policy: string; readonly reason: string }[] = [
  {
    policy: `${NAMESPACES.monitoring.name}/allow-prometheus-egress`,
    reason:
      "node-exporter and the kubelet listen on the nodes' addresses, in the subnets the pods share; the rule opens only their two ports",
  },
  {
    policy: "kube-system/allow-metrics-server",
    reason: "the kubelets listen on the nodes' addresses, in the subnets the pods share; the rule opens only the kubelet's port 10250",
  },
  {
    policy: "kube-system/allow-coredns",
    reason:
      "host-network pods resolve cluster names from their node's address, in the subnets the pods share; every pod may query DNS anyway, and the rule opens only port 53",
  },
];
