/**
 * What the EKS network policy agent enforces on one pod, from the PolicyEndpoints the controller
 * wrote (cni-controller.ts): the pod's state, and per direction an LPM trie of CIDRs and ports
 * looked up with the peer's address. Every rule here follows aws/aws-network-policy-agent
 * v1.4.1: `controllers/policyendpoints_controller.go`, `pkg/rpc/rpc_handler.go`,
 * `pkg/fwruleprocessor/fw_rule_processor.go` (cited as fw_rule_processor.go) and
 * `pkg/ebpf/c/tc.v4egress.bpf.c` / `tc.v4ingress.bpf.c` (cited as the eBPF programs).
 */
import { ANYWHERE, EndpointInfo, L4Port, PolicyEndpoints } from "./cni-controller";
import { Range, cidrRange, inRange, intToIp, ipToInt } from "../../lib/ipv4";
import { Pod, PolicyType, Protocol } from "./types";

/** `NETWORK_POLICY_ENFORCING_MODE` of the VPC CNI. */
export type EnforcingMode = "strict" | "standard";

/**
 * `not-enforced`: a host-network pod has no veth, so no eBPF probe (the controller also skips
 * it, `computePodSelectorEndpoints` in endpoints.go). The other three are the eBPF `pod_state`.
 */
export type PodState = "not-enforced" | "default-allow" | "default-deny" | "policies-applied";

/** One key of a pod's LPM trie with its L4 entries. */
export interface TrieEntry {
  /** The network, normalised (`10.0.0.0/16`). */
  readonly cidr: string;
  readonly range: Range;
  readonly prefix: number;
  readonly ports: readonly L4Port[];
}

export interface DirectionFirewall {
  readonly state: PodState;
  /** `namespace/name` of the policies whose PolicyEndpoints select the pod (any policy type). */
  readonly policies: readonly string[];
  readonly entries: readonly TrieEntry[];
}

export interface FirewallVerdict {
  readonly allowed: boolean;
  readonly why: string;
}

const ALLOW_ALL: L4Port = { protocol: "ANY" };
const DENY_ALL: L4Port = { protocol: "DENY" };

interface Rule {
  readonly key: string;
  readonly range: Range;
  readonly prefix: number;
  ports: L4Port[];
  except: string[];
}

function parse(cidr: string): { range: Range; prefix: number; address: string } | undefined {
  const written = cidr.includes("/") ? cidr : `${cidr}/32`;
  const range = cidrRange(written);
  if (!range) return undefined;
  const [address, prefix] = written.split("/");
  return { range, prefix: Number(prefix), address };
}

function containedIn(value: number, cidr: string): boolean {
  const r = cidrRange(cidr);
  return r !== undefined && inRange(value, r);
}

/**
 * `ComputeMapEntriesFromEndpointRules` (fw_rule_processor.go): the node's own address admits
 * everything (rules naming it are skipped); rules are taken from the widest prefix down; rules
 * of one CIDR merge their ports and excepts; a narrower CIDR also inherits the ports of every
 * wider one containing its network address, unless that address is in the wider one's except;
 * every `except` of any rule that is not itself a rule's CIDR becomes a deny-all key. IPv6 and
 * malformed CIDRs are skipped (an IPv4 cluster).
 */
export function firewallMap(endpoints: readonly EndpointInfo[], nodeIp: string | undefined): TrieEntry[] {
  const out = new Map<string, TrieEntry>();
  const put = (range: Range, prefix: number, ports: L4Port[]) => {
    const cidr = `${intToIp(range.first)}/${prefix}`;
    out.set(cidr, { cidr, range, prefix, ports });
  };
  const node = nodeIp !== undefined ? parse(nodeIp) : undefined;
  if (node) put(node.range, 32, [ALLOW_ALL]);

  const rules = new Map<string, Rule>();
  const wider: Rule[] = [];
  // Excepts are gathered before rules are skipped, so a skipped rule's excepts still count.
  const excepts = new Set(endpoints.flatMap((e) => e.except));
  const parsed = endpoints
    .map((e) => ({ e, p: parse(e.cidr) }))
    .filter((x): x is { e: EndpointInfo; p: NonNullable<ReturnType<typeof parse>> } => x.p !== undefined && x.p.address !== nodeIp)
    .sort((a, b) => a.p.prefix - b.p.prefix);
  for (const { e, p } of parsed) {
    const key = e.cidr.includes("/") ? e.cidr : `${e.cidr}/32`;
    const ports = e.ports.length > 0 ? [...e.ports] : [ALLOW_ALL];
    const existing = rules.get(key);
    if (existing) {
      existing.ports.push(...ports);
      existing.except.push(...e.except);
      continue;
    }
    for (const w of wider) {
      if (inRange(p.range.first, w.range) && !w.except.some((x) => containedIn(p.range.first, x))) ports.push(...w.ports);
    }
    const rule: Rule = { key, range: p.range, prefix: p.prefix, ports, except: [...e.except] };
    rules.set(key, rule);
    if (p.prefix !== 32) wider.push(rule);
  }
  for (const x of excepts) {
    const p = parse(x);
    if (p && !rules.has(x)) rules.set(x, { key: x, range: p.range, prefix: p.prefix, ports: [DENY_ALL], except: [] });
  }
  for (const r of rules.values()) put(r.range, r.prefix, r.ports);
  return [...out.values()];
}

/** The eBPF port test: no start port is any port; else the start port, or above it up to endPort. */
function portMatches(entry: L4Port, port: number, protocol: Protocol): boolean {
  if (entry.protocol !== "ANY" && entry.protocol !== protocol) return false;
  const start = entry.port ?? 0;
  return start === 0 || port === start || (port > start && port <= (entry.endPort ?? 0));
}

/**
 * `evaluateNamespacePolicyByLookUp` (the eBPF programs): the longest prefix containing the
 * address decides; no key denies; a deny-all entry denies; else some entry must admit the port.
 */
export function lookupFirewall(entries: readonly TrieEntry[], ip: string, port: number, protocol: Protocol): FirewallVerdict {
  const value = ipToInt(ip);
  const hits = value === undefined ? [] : entries.filter((e) => inRange(value, e.range));
  if (hits.length === 0) return { allowed: false, why: `no entry holds ${ip}` };
  const best = hits.reduce((a, b) => (b.prefix > a.prefix ? b : a));
  for (const entry of best.ports) {
    if (entry.protocol === "DENY") return { allowed: false, why: `${best.cidr} is an except block` };
    if (portMatches(entry, port, protocol)) return { allowed: true, why: `${best.cidr} admits ${port}/${protocol}` };
  }
  return { allowed: false, why: `${best.cidr} does not admit ${port}/${protocol}` };
}

/**
 * One direction of one pod. Without a policy selecting it the pod keeps its start state: denied
 * in strict mode, allowed in standard mode, with empty maps, so its node gets no allowance either
 * (`EnforceNpToPod` in pkg/rpc/rpc_handler.go only writes the pod state then). With policies,
 * the rules of every selecting policy for the direction are merged; a direction without rules
 * gets a catch-all entry unless some policy lists it in podIsolation, which leaves only the node
 * entry (`deriveIngressAndEgressFirewallRules`, `deriveDefaultPodIsolation`,
 * `reconcilePolicyEndpoint` in controllers/policyendpoints_controller.go).
 */
export function podFirewall(pod: Pod, type: PolicyType, selecting: readonly PolicyEndpoints[], mode: EnforcingMode): DirectionFirewall {
  const policies = selecting.map((pe) => pe.policy);
  if (pod.hostNetwork) return { state: "not-enforced", policies: [], entries: [] };
  if (selecting.length === 0) return { state: mode === "strict" ? "default-deny" : "default-allow", policies, entries: [] };
  const rules = selecting.flatMap((pe) => (type === "Ingress" ? pe.ingress : pe.egress));
  const isolated = selecting.some((pe) => pe.podIsolation.includes(type));
  const effective = rules.length === 0 && !isolated ? [{ cidr: ANYWHERE, except: [], ports: [] }] : rules;
  return { state: "policies-applied", policies, entries: firewallMap(effective, pod.nodeIp) };
}

/** Whether the direction admits the peer's address and port. */
export function firewallAdmits(fw: DirectionFirewall, peerIp: string, port: number, protocol: Protocol): FirewallVerdict {
  switch (fw.state) {
    case "not-enforced":
      return { allowed: true, why: "host network: not enforced" };
    case "default-allow":
      return { allowed: true, why: "no policy selects it (standard mode: default allow)" };
    case "default-deny":
      return { allowed: false, why: "no policy selects it (strict mode: default deny)" };
    case "policies-applied": {
      const v = lookupFirewall(fw.entries, peerIp, port, protocol);
      return { allowed: v.allowed, why: `${v.why} (policies ${fw.policies.join(", ")})` };
    }
  }
}
