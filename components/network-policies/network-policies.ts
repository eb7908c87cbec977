import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PolicyPlanInputs, networkPolicyPlan } from "./rules";

export interface NetworkPoliciesArgs extends PolicyPlanInputs {
  /** The platform's Namespace resources by name: each policy waits for its namespace only. */
  readonly namespaces: Readonly<Record<string, k8s.core.v1.Namespace>>;
}

/**
 * The zero-trust NetworkPolicies (components/network-policies/rules.ts). They depend on their
 * namespace only, so they are in place before any workload starts: a pod never runs unprotected.
 */
export class NetworkPolicies extends pulumi.ComponentResource {
  /** `namespace/name` of every policy. */
  readonly names: string[];

  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:network-policies:NetworkPolicies", name, {}, opts);
    const plan = networkPolicyPlan(args);
    for (const p of plan) {
      const ns = args.namespaces[p.namespace];
      if (!ns) throw new Error(`NetworkPolicy ${p.name} targets namespace '${p.namespace}', which the platform does not create`);
      new k8s.networking.v1.NetworkPolicy(
        `${p.namespace}-${p.name}`,
        // The spec's types mirror the Kubernetes API fields one to one.
        { metadata: { name: p.name, namespace: ns.metadata.name }, spec: p.spec as k8s.types.input.networking.v1.NetworkPolicySpec },
        { parent: this },
      );
    }
    this.names = plan.map((p) => `${p.namespace}/${p.name}`);
    this.registerOutputs({ names: this.names });
  }
}
