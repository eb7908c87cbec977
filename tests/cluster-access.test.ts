import {
  ACCESS_GROUPS,
  EKS_ACCESS_POLICIES,
  OPERATE_RULES,
  PLATFORM_NAMESPACES,
  accessEntries,
} from "../components/cluster-access";
import { NAMESPACES } from "../catalog";
import type { AccessSettings } from "../config/cluster";
import { stackRender } from "./harness";

const ARN = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
const namespaceScope = { type: "namespace", namespaces: [...PLATFORM_NAMESPACES] };

describe("access entries from the access settings", () => {
  const base: AccessSettings = { adminRoleArn: ARN("admin"), operatorAccess: "operate" };

  test("the namespaced scope covers every platform namespace of the catalog", () => {
    expect([...PLATFORM_NAMESPACES].sort()).toEqual(Object.values(NAMESPACES).map((n) => n.name).sort());
  });

  test("an admin only: one entry, cluster admin over the whole cluster", () => {
    expect(accessEntries(base)).toEqual({
      admin: {
        principalArn: ARN("admin"),
        accessPolicies: { clusterAdmin: { policyArn: EKS_ACCESS_POLICIES.clusterAdmin, accessScope: { type: "cluster" } } },
      },
    });
  });

  test("developers read the platform namespaces, in their own Kubernetes group", () => {
    const { developer } = accessEntries({ ...base, developerRoleArn: ARN("dev") });
    expect(developer).toEqual({
      principalArn: ARN("dev"),
      kubernetesGroups: [ACCESS_GROUPS.developers],
      accessPolicies: { view: { policyArn: EKS_ACCESS_POLICIES.view, accessScope: namespaceScope } },
    });
  });

  test.each([
    ["admin", EKS_ACCESS_POLICIES.admin],
    ["edit", EKS_ACCESS_POLICIES.edit],
    ["operate", EKS_ACCESS_POLICIES.view],
  ] as const)("operator access '%s' maps to %s in the platform namespaces", (level, policyArn) => {
    const { operator } = accessEntries({ ...base, operatorRoleArn: ARN("ops"), operatorAccess: level });
    expect(operator.kubernetesGroups).toEqual([ACCESS_GROUPS.operators]);
    expect(Object.values(operator.accessPolicies!)).toEqual([{ policyArn, accessScope: namespaceScope }]);
  });

  test("no namespaced entry reaches beyond the namespaces it is given", () => {
    const entries = accessEntries({ ...base, developerRoleArn: ARN("dev"), operatorRoleArn: ARN("ops") }, ["e-commerce"]);
    for (const key of ["developer", "operator"]) {
      for (const p of Object.values(entries[key].accessPolicies!)) {
        expect((p as any).accessScope).toEqual({ type: "namespace", namespaces: ["e-commerce"] });
      }
    }
  });
});

describe("access of each stack", () => {
  test("dev: developers read, operators administer the platform namespaces, admins own the cluster", async () => {
    const entries = (await stackRender("dev")).one("eks:index:Cluster").inputs.accessEntries;
    expect(Object.keys(entries).sort()).toEqual(["admin", "developer", "operator"]);
    expect(entries.developer.accessPolicies.view).toEqual({ policyArn: EKS_ACCESS_POLICIES.view, accessScope: namespaceScope });
    expect(entries.operator.accessPolicies.admin).toEqual({ policyArn: EKS_ACCESS_POLICIES.admin, accessScope: namespaceScope });
    expect(entries.admin.accessPolicies.clusterAdmin.accessScope).toEqual({ type: "cluster" });
  });

  test("prod: no developer access, operators read and operate, admins own the cluster", async () => {
    const entries = (await stackRender("prod")).one("eks:index:Cluster").inputs.accessEntries;
    expect(Object.keys(entries).sort()).toEqual(["admin", "operator"]);
    expect(entries.operator.accessPolicies).toEqual({ view: { policyArn: EKS_ACCESS_POLICIES.view, accessScope: namespaceScope } });
    expect(entries.admin.accessPolicies.clusterAdmin.policyArn).toBe(EKS_ACCESS_POLICIES.clusterAdmin);
  });

  test.each(["dev", "prod"] as const)("%s: API authentication only, no aws-auth ConfigMap, no role mappings", async (stack) => {
    const r = await stackRender(stack);
    const c = r.one("eks:index:Cluster").inputs;
    expect(c.authenticationMode).toBe("API");
    expect(c.roleMappings).toBeUndefined();
    expect(c.userMappings).toBeUndefined();
    expect(r.kind("ConfigMap").filter((m) => m.inputs.metadata?.name === "aws-auth")).toEqual([]);
  });

  test.each(["dev", "prod"] as const)("%s: the groups with namespaced access can read cluster-scoped objects", async (stack) => {
    const r = await stackRender(stack);
    const binding = r.find("ClusterRoleBinding", "ecommerce-cluster-reader");
    const groups = binding.subjects.map((s: any) => s.name).sort();
    expect(groups).toEqual(stack === "prod" ? [ACCESS_GROUPS.operators] : [ACCESS_GROUPS.developers, ACCESS_GROUPS.operators].sort());
    const rules = r.find("ClusterRole", binding.roleRef.name).rules;
    expect(rules.flatMap((x: any) => x.verbs)).not.toEqual(expect.arrayContaining(["create"]));
    expect(rules.flatMap((x: any) => x.resources)).toEqual(expect.arrayContaining(["nodes", "namespaces"]));
  });

  test("prod: operators may scale and evict in every platform namespace, once it exists", async () => {
    const r = await stackRender("prod");
    const bindings = r.kind("RoleBinding").filter((b) => b.inputs.metadata.name === "ecommerce-operate");
    expect(bindings.map((b) => b.inputs.metadata.namespace).sort()).toEqual([...PLATFORM_NAMESPACES].sort());
    for (const b of bindings) {
      expect(b.inputs.subjects).toEqual([{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: ACCESS_GROUPS.operators }]);
      expect(b.inputs.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "ecommerce-operate" });
      const namespace = r.kind("Namespace").find((n) => n.inputs.metadata.name === b.inputs.metadata.namespace)!;
      expect(b.dependsOn).toContain(namespace.urn);
    }
    expect(r.find("ClusterRole", "ecommerce-operate").rules).toEqual(OPERATE_RULES);
  });

  test("the operate role stays limited: no Secrets, no exec, no edits to workloads", () => {
    const resources = OPERATE_RULES.flatMap((rule) => rule.resources as string[]);
    for (const forbidden of ["secrets", "pods/exec", "pods/attach", "deployments", "statefulsets", "*"]) {
      expect(resources).not.toContain(forbidden);
    }
    expect(OPERATE_RULES.flatMap((rule) => rule.verbs as string[])).not.toContain("*");
  });

  test("dev: operators have the EKS admin policy, so no operate bindings", async () => {
    const r = await stackRender("dev");
    expect(r.kind("RoleBinding").filter((b) => b.inputs.metadata.name === "ecommerce-operate")).toEqual([]);
    expect(r.kind("ClusterRole").filter((c) => c.inputs.metadata.name === "ecommerce-operate")).toEqual([]);
    expect(r.find("ClusterRole", "ecommerce-cluster-reader")).toBeDefined();
  });
});
