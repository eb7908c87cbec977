/**
 * Who may use the cluster, as the seed's RBAC section says: developers read, operators work
 * (fully on dev, restricted on prod), administrators own the cluster. IAM roles reach the cluster
 * through EKS access entries (no aws-auth ConfigMap); Kubernetes RBAC fills what the EKS access
 * policies cannot express.
 */
import type * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACES } from "../../catalog";
import type { AccessSettings, OperatorAccess } from "../../config/cluster";

const POLICY_PREFIX = "arn:aws:eks::aws:cluster-access-policy/";
export const EKS_ACCESS_POLICIES = {
  view: `${POLICY_PREFIX}AmazonEKSViewPolicy`,
  edit: `${POLICY_PREFIX}AmazonEKSEditPolicy`,
  admin: `${POLICY_PREFIX}AmazonEKSAdminPolicy`,
  clusterAdmin: `${POLICY_PREFIX}AmazonEKSClusterAdminPolicy`,
} as const;
export type EksAccessPolicy = keyof typeof EKS_ACCESS_POLICIES;

/** The EKS access policy an operator gets in the platform namespaces, per access level. */
export const OPERATOR_POLICY: Readonly<Record<OperatorAccess, EksAccessPolicy>> = {
  admin: "admin",
  edit: "edit",
  // Read through EKS; the few writes operating needs come from the `operate` ClusterRole below.
  operate: "view",
};

/** Kubernetes groups the access entries put principals in; RBAC bindings name them. */
export const ACCESS_GROUPS = { developers: "ecommerce-developers", operators: "ecommerce-operators" } as const;

/** Namespaces the namespaced roles are scoped to: every platform namespace of the catalog. */
export const PLATFORM_NAMESPACES: readonly string[] = Object.values(NAMESPACES).map((n) => n.name);

export const CLUSTER_READER_ROLE = "ecommerce-cluster-reader";
export const OPERATE_ROLE = "ecommerce-operate";

type AccessEntry = eks.types.input.AccessEntryArgs;

function namespacedEntry(principalArn: string, group: string, policy: EksAccessPolicy, namespaces: readonly string[]): AccessEntry {
  return {
    principalArn,
    kubernetesGroups: [group],
    accessPolicies: {
      [policy]: { policyArn: EKS_ACCESS_POLICIES[policy], accessScope: { type: "namespace", namespaces: [...namespaces] } },
    },
  };
}

/** The cluster's access entries, keyed by role; a role a stack leaves empty gets none. */
export function accessEntries(access: AccessSettings, namespaces: readonly string[] = PLATFORM_NAMESPACES): Record<string, AccessEntry> {
  const entries: Record<string, AccessEntry> = {
    admin: {
      principalArn: access.adminRoleArn,
      accessPolicies: {
        clusterAdmin: { policyArn: EKS_ACCESS_POLICIES.clusterAdmin, accessScope: { type: "cluster" } },
      },
    },
  };
  if (access.developerRoleArn) {
    entries.developer = namespacedEntry(access.developerRoleArn, ACCESS_GROUPS.developers, "view", namespaces);
  }
  if (access.operatorRoleArn) {
    entries.operator = namespacedEntry(access.operatorRoleArn, ACCESS_GROUPS.operators, OPERATOR_POLICY[access.operatorAccess], namespaces);
  }
  return entries;
}

/**
 * Cluster-scoped reads a namespaced EKS policy cannot grant, but `kubectl get nodes`, `get ns` and
 * a look at volumes need.
 */
export const CLUSTER_READER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  { apiGroups: [""], resources: ["nodes", "namespaces", "persistentvolumes"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["get", "list", "watch"] },
];

/**
 * Operating a production namespace without editing it: scale, evict (respects disruption budgets)
 * or delete a stuck pod. Not `patch` on workloads: `rollout restart` would need it, but it would
 * also allow changing images and mounting Secrets. No Secrets, no exec, no create.
 */
export const OPERATE_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  { apiGroups: ["apps"], resources: ["deployments/scale", "statefulsets/scale"], verbs: ["get", "update", "patch"] },
  { apiGroups: [""], resources: ["pods"], verbs: ["delete"] },
  { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
];

export interface ClusterAccessArgs {
  readonly access: AccessSettings;
  /** The platform's Namespace objects by name: the `operate` bindings go into each, once it exists. */
  readonly namespaces: Readonly<Record<string, k8s.core.v1.Namespace>>;
}

const group = (name: string) => ({ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name });

/** Kubernetes RBAC for the access entries' groups. The provider comes from `opts.providers`. */
export class ClusterAccess extends pulumi.ComponentResource {
  constructor(name: string, args: ClusterAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:cluster:ClusterAccess", name, {}, opts);
    const readers = [
      ...(args.access.developerRoleArn ? [ACCESS_GROUPS.developers] : []),
      ...(args.access.operatorRoleArn ? [ACCESS_GROUPS.operators] : []),
    ];
    if (readers.length > 0) {
      const reader = new k8s.rbac.v1.ClusterRole(
        CLUSTER_READER_ROLE,
        { metadata: { name: CLUSTER_READER_ROLE }, rules: CLUSTER_READER_RULES },
        { parent: this },
      );
      new k8s.rbac.v1.ClusterRoleBinding(
        CLUSTER_READER_ROLE,
        {
          metadata: { name: CLUSTER_READER_ROLE },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: CLUSTER_READER_ROLE },
          subjects: readers.map(group),
        },
        { parent: this, dependsOn: [reader] },
      );
    }
    if (args.access.operatorRoleArn && args.access.operatorAccess === "operate") {
      const operate = new k8s.rbac.v1.ClusterRole(
        OPERATE_ROLE,
        { metadata: { name: OPERATE_ROLE }, rules: OPERATE_RULES },
        { parent: this },
      );
      for (const [key, namespace] of Object.entries(args.namespaces)) {
        new k8s.rbac.v1.RoleBinding(
          `${OPERATE_ROLE}-${key}`,
          {
            metadata: { name: OPERATE_ROLE, namespace: namespace.metadata.name },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: OPERATE_ROLE },
            subjects: [group(ACCESS_GROUPS.operators)],
          },
          { parent: this, dependsOn: [operate] },
        );
      }
    }
    this.registerOutputs({});
  }
}
