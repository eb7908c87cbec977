import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PolicyPlanInputs, networkPolicyPlan } from "./rules";

export interface NetworkPoliciesArgs extends PolicyPlanInputs {
  /** The platform's Namespace resources by name: each policy waits for its namespace only. */
  readonly namespaces: Readonly<Record<string, k8s.core.v1.Namespace>>;
  /** Namespaces the cluster comes with (kube-system): their policies wait for nothing but the cluster. */
  readonly clusterNamespaces: readonly string[];
}

/**
 * The zero-trust NetworkPolicies (components/network-policies/rules.ts). They depend on their
 * namespace only, so they are in place before any workload starts: a pod never runs unprotected
 * (and, in strict mode, the EKS add-ons' pods of kube-system are not left denied).
 */
export class NetworkPolicies extends pulumi.ComponentResource {
  /** `namespace/name` of every policy. */
  readonly names: string[];

  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:network-policies:NetworkPolicies", name, {}, opts);
    const plan = networkPolicyPlan(args);
    for (const p of plan) {
      const ns = args.namespaces[p.namespace];
      if (!ns && !args.clusterNamespaces.includes(p.namespace)) {
        throw new Error(`NetworkPolicy ${p.name} targets namespace '${p.namespace}', which neither the platform nor the cluster creates`);
      }
      new k8s.networking.v1.NetworkPolicy(
        `${p.namespace}-${p.name}`,
        { metadata: { name: p.name, namespace: ns ? ns.metadata.name : p.namespace }, spec: p.spec },
        { parent: this },
      );
    }
    this.names = plan.map((p) => `${p.namespace}/${p.name}`);
    this.registerOutputs({ names: this.names });
  }
}
