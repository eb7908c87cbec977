import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NamespaceSpec } from "../../catalog";

/** Labels of a platform namespace: `name` (the seed's policies select on it), Pod Security and the row's own. */
export function namespaceLabels(spec: NamespaceSpec): Record<string, string> {
  const labels: Record<string, string> = { ...spec.labels, name: spec.name };
  for (const mode of ["enforce", "audit", "warn"]) {
    labels[`pod-security.kubernetes.io/${mode}`] = spec.podSecurity;
    labels[`pod-security.kubernetes.io/${mode}-version`] = "latest";
  }
  return labels;
}

export interface NamespacesArgs {
  readonly namespaces: readonly NamespaceSpec[];
}

/** The platform's namespaces. The Kubernetes provider comes from `opts.providers`. */
export class Namespaces extends pulumi.ComponentResource {
  /** Namespace resources by name, for `dependsOn` and for reading the name as an output. */
  readonly byName: Readonly<Record<string, k8s.core.v1.Namespace>>;

  constructor(name: string, args: NamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:namespaces:Namespaces", name, {}, opts);
    const byName: Record<string, k8s.core.v1.Namespace> = {};
    for (const spec of args.namespaces) {
      byName[spec.name] = new k8s.core.v1.Namespace(
        spec.name,
        { metadata: { name: spec.name, labels: namespaceLabels(spec) } },
        { parent: this },
      );
    }
    this.byName = byName;
    this.registerOutputs({ names: Object.keys(byName) });
  }
}
