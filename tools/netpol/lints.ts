/**
 * Mistakes that NetworkPolicies let through silently: each lint returns findings (an empty list
 * means clean), so that tests can fail on them and the flow report can list them.
 */
import { PolicyEvaluator, effectivePolicyTypes, portsAdmit, serviceBackends, serviceTargetPort } from "./evaluate";
import { Range, cidrRange, formatRange, intersectRanges, subtractRanges } from "../../lib/ipv4";
import { KUBE_DNS_ID, PlatformModel, evaluatorOf, modelPods } from "./model";
import { selectorMatches, selectsEverything } from "./selectors";
import { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Pod, Protocol, compareText } from "./types";

export type LintId =
  | "dns-one-protocol"
  | "service-port-mismatch"
  | "policy-selects-nothing"
  | "pod-without-policy"
  | "ipblock-covers-pods"
  | "exemption-invalid";

export interface Finding {
  readonly lint: LintId;
  /** The policy (`policy ns/name`) or workload (`ns/name`) at fault. */
  readonly subject: string;
  readonly message: string;
}

/** A workload that needs no policy of its own in a default-deny namespace, and why. */
export interface PolicyExemption {
  /** `namespace/name` of the workload. */
  readonly workload: string;
  readonly reason: string;
}

export interface LintOptions {
  readonly exemptions?: readonly PolicyExemption[];
  /** Address ranges of pods that ipBlocks must not cover. @default [model.podCidr] */
  readonly podCidrs?: readonly string[];
  /** Ranges inside the pod network an ipBlock may cover, e.g. the API server's endpoints. */
  readonly allowedCidrs?: readonly string[];
  /**
   * Policies whose ipBlocks may cover pod addresses, each with its reason (e.g. scraping
   * host-network targets on the nodes, which share the pods' subnets).
   */
  readonly ipBlockExemptions?: readonly IpBlockExemption[];
}

export interface IpBlockExemption {
  /** `namespace/name` of the policy. */
  readonly policy: string;
  readonly reason: string;
}

interface Rule {
  readonly policy: NetworkPolicy;
  readonly direction: "ingress" | "egress";
  /** 1-based, as people count rules in a manifest. */
  readonly number: number;
  readonly peers?: readonly NetworkPolicyPeer[];
  readonly ports?: readonly NetworkPolicyPort[];
}

/** The rules that take effect: those of the directions in the policy's (defaulted) types. */
function rulesOf(p: NetworkPolicy): Rule[] {
  const types = effectivePolicyTypes(p.spec);
  const ingress = types.includes("Ingress") ? (p.spec.ingress ?? []) : [];
  const egress = types.includes("Egress") ? (p.spec.egress ?? []) : [];
  return [
    ...ingress.map((r, i) => ({ policy: p, direction: "ingress" as const, number: i + 1, peers: r.from, ports: r.ports })),
    ...egress.map((r, i) => ({ policy: p, direction: "egress" as const, number: i + 1, peers: r.to, ports: r.ports })),
  ];
}

const policyName = (p: NetworkPolicy) => `policy ${p.namespace}/${p.name}`;
const ruleName = (r: Rule) => `${r.direction} rule ${r.number} of ${r.policy.namespace}/${r.policy.name}`;

/** DNS answers too large for UDP are retried over TCP: a resolver needs both. */
export function lintDnsProtocols(model: PlatformModel): Finding[] {
  const findings: Finding[] = [];
  for (const r of model.policies.flatMap(rulesOf)) {
    if (!(r.ports ?? []).some((p) => p.port === 53)) continue;
    const udp = portsAdmit(r.ports, undefined, 53, "UDP");
    const tcp = portsAdmit(r.ports, undefined, 53, "TCP");
    if (udp !== tcp) {
      findings.push({
        lint: "dns-one-protocol",
        subject: policyName(r.policy),
        message: `${ruleName(r)} opens port 53 over ${udp ? "UDP" : "TCP"} only: add ${udp ? "TCP" : "UDP"} 53 (large answers fall back to TCP)`,
      });
    }
  }
  const dns = model.workloads.find((w) => w.id === KUBE_DNS_ID)?.pods[0];
  if (!dns) return findings;
  const ev = evaluatorOf(model);
  for (const w of model.workloads.filter((x) => x.source !== "implicit" && !x.hostNetwork && x.pods.length > 0)) {
    const reach = (protocol: Protocol) => ev.evaluate({ from: { pod: w.pods[0] }, to: { pod: dns }, port: 53, protocol }).allowed;
    const udp = reach("UDP");
    const tcp = reach("TCP");
    if (udp !== tcp) {
      findings.push({
        lint: "dns-one-protocol",
        subject: w.id,
        message: `${w.id} reaches kube-dns over ${udp ? "UDP" : "TCP"} 53 but not ${udp ? "TCP" : "UDP"}`,
      });
    }
  }
  return findings;
}

/** Pods a rule sends traffic to (egress) or protects (ingress); undefined when it means "anything". */
function ruleTargets(r: Rule, ev: PolicyEvaluator, pods: readonly Pod[]): Pod[] | undefined {
  if (r.direction === "ingress") {
    return pods.filter((p) => p.namespace === r.policy.namespace && !p.hostNetwork && selectorMatches(r.policy.spec.podSelector, p.labels));
  }
  if (!r.peers || r.peers.length === 0) return (r.ports ?? []).length > 0 ? [...pods] : undefined;
  return pods.filter((p) => r.peers!.some((peer) => !peer.ipBlock && ev.peerMatches(peer, r.policy.namespace, { pod: p })));
}

/**
 * EKS's network policy controller only lets traffic through a Service whose port equals its
 * targetPort; and a rule naming the Service port never matches, since policies see pod ports.
 */
export function lintServicePorts(model: PlatformModel): Finding[] {
  const ev = evaluatorOf(model);
  const pods = modelPods(model);
  const findings = new Map<string, Finding>();
  for (const r of model.policies.flatMap(rulesOf)) {
    const targets = ruleTargets(r, ev, pods);
    if (!targets || targets.length === 0) continue;
    for (const svc of model.services) {
      for (const pod of serviceBackends(svc, targets)) {
        for (const sp of svc.ports) {
          const protocol = sp.protocol ?? "TCP";
          const target = serviceTargetPort(sp, pod);
          if (target === undefined || target === sp.port) continue;
          const namesServicePort = portsAdmit(r.ports, pod, sp.port, protocol) && !portsAdmit(r.ports, pod, target, protocol);
          if (!portsAdmit(r.ports, pod, target, protocol) && !namesServicePort) continue;
          const key = `${ruleName(r)}|${svc.namespace}/${svc.name}|${sp.port}`;
          findings.set(key, {
            lint: "service-port-mismatch",
            subject: policyName(r.policy),
            message:
              `${ruleName(r)} reaches Service ${svc.namespace}/${svc.name} port ${sp.port}, which forwards to ` +
              `targetPort ${target}: EKS's policy controller drops such traffic; make the Service port ${target}` +
              (namesServicePort ? ` (the rule names the Service port ${sp.port}, but policies see the pod port ${target})` : ""),
          });
        }
      }
    }
  }
  return [...findings.values()];
}

/** A policy whose podSelector matches no pod protects nothing: a typo, or its workload is gone. */
export function lintPoliciesSelectingNothing(model: PlatformModel): Finding[] {
  const pods = modelPods(model).filter((p) => !p.hostNetwork);
  return model.policies
    .filter((p) => !pods.some((pod) => pod.namespace === p.namespace && selectorMatches(p.spec.podSelector, pod.labels)))
    .map((p) => ({
      lint: "policy-selects-nothing" as const,
      subject: policyName(p),
      message: `${policyName(p)} selects no pod in namespace ${p.namespace}`,
    }));
}

/** Namespaces with a policy that selects every pod and admits nothing in some direction. */
export function defaultDenyNamespaces(model: PlatformModel): string[] {
  const denies = (p: NetworkPolicy) => {
    const types = effectivePolicyTypes(p.spec);
    return (
      selectsEverything(p.spec.podSelector) &&
      ((types.includes("Ingress") && (p.spec.ingress ?? []).length === 0) ||
        (types.includes("Egress") && (p.spec.egress ?? []).length === 0))
    );
  };
  return [...new Set(model.policies.filter(denies).map((p) => p.namespace))].sort();
}

/**
 * In a default-deny namespace, a workload that no policy of its own selects (namespace-wide
 * policies aside) can do only what every pod may: usually DNS, nothing else. It needs a policy,
 * or an exemption that says why not.
 */
export function lintPodsWithoutPolicy(model: PlatformModel, exemptions: readonly PolicyExemption[] = []): Finding[] {
  const findings: Finding[] = [];
  for (const e of exemptions) {
    if (!model.workloads.some((w) => w.id === e.workload)) {
      findings.push({ lint: "exemption-invalid", subject: e.workload, message: `exemption for ${e.workload}, which is not in the model` });
    } else if (!e.reason.trim()) {
      findings.push({ lint: "exemption-invalid", subject: e.workload, message: `exemption for ${e.workload} gives no reason` });
    }
  }
  const exempt = new Set(exemptions.filter((e) => e.reason.trim()).map((e) => e.workload));
  const denying = new Set(defaultDenyNamespaces(model));
  for (const w of model.workloads) {
    if (w.source === "implicit" || w.hostNetwork || !denying.has(w.namespace) || exempt.has(w.id) || w.pods.length === 0) continue;
    const own = model.policies.filter(
      (p) => p.namespace === w.namespace && !selectsEverything(p.spec.podSelector) && selectorMatches(p.spec.podSelector, w.pods[0].labels),
    );
    if (own.length === 0) {
      findings.push({
        lint: "pod-without-policy",
        subject: w.id,
        message: `${w.id} is selected by no policy of its own in default-deny namespace ${w.namespace}: give it one, or an exemption with a reason`,
      });
    }
  }
  return findings;
}

/** An ipBlock over pod addresses matches pods whatever their labels, bypassing the selectors. */
export function lintIpBlocks(
  model: PlatformModel,
  podCidrs: readonly string[] = [model.podCidr],
  allowedCidrs: readonly string[] = [],
  exemptions: readonly IpBlockExemption[] = [],
): Finding[] {
  const exempt = new Set(exemptions.filter((e) => e.reason.trim()).map((e) => e.policy));
  const ranges = (cidrs: readonly string[]) => cidrs.map(cidrRange).filter((r): r is Range => r !== undefined);
  const podRanges = ranges(podCidrs);
  const allowed = ranges(allowedCidrs);
  const findings: Finding[] = [];
  for (const e of exemptions) {
    if (!model.policies.some((p) => `${p.namespace}/${p.name}` === e.policy) || !e.reason.trim()) {
      findings.push({ lint: "exemption-invalid", subject: e.policy, message: `ipBlock exemption for ${e.policy}: no such policy, or no reason` });
    }
  }
  for (const r of model.policies.flatMap(rulesOf)) {
    if (exempt.has(`${r.policy.namespace}/${r.policy.name}`)) continue;
    for (const peer of r.peers ?? []) {
      if (!peer.ipBlock) continue;
      const block = subtractRanges(ranges([peer.ipBlock.cidr]), ranges(peer.ipBlock.except ?? []));
      const covered = subtractRanges(intersectRanges(block, podRanges), allowed);
      if (covered.length === 0) continue;
      const shown = covered.slice(0, 3).map(formatRange).join(", ") + (covered.length > 3 ? ", ..." : "");
      findings.push({
        lint: "ipblock-covers-pods",
        subject: policyName(r.policy),
        message: `${ruleName(r)}: ipBlock ${peer.ipBlock.cidr} covers pod addresses (${shown} of ${podCidrs.join(", ")}); add them to except and select pods by label`,
      });
    }
  }
  return findings;
}

/** Every lint, in a stable order. */
export function lintModel(model: PlatformModel, options: LintOptions = {}): Finding[] {
  return [
    ...lintDnsProtocols(model),
    ...lintServicePorts(model),
    ...lintPoliciesSelectingNothing(model),
    ...lintPodsWithoutPolicy(model, options.exemptions),
    ...lintIpBlocks(model, options.podCidrs, options.allowedCidrs, options.ipBlockExemptions),
  ].sort((a, b) => compareText(a.lint, b.lint) || compareText(a.subject, b.subject) || compareText(a.message, b.message));
}

/** One finding a line, for failure messages and the report. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `[${f.lint}] ${f.message}`).join("\n");
}
