import {
  ACCESS_GROUPS,
  EKS_ACCESS_POLICIES,
  OPERATE_RULES,
  PLATFORM_NAMESPACES,
  accessEntries,
} from "../../../components/foundation/cluster-access";
import { NAMESPACES } from "../../../catalog";
import type { AccessSettings } from "../../../config/cluster";
import { STACKS, StackName, stackNamespaces, stackRender, stackSetting } from "../../harness";

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

/** The EKS access policy each `ecommerce:operatorAccess` level grants (operate reads through EKS). */
const OPERATOR_EKS_POLICY = { admin: "admin", edit: "edit", operate: "view" } as const;

/**
 * The seed's RBAC: developers read-only on dev and staging; operators full on dev and staging,
 * limited in production. A new stack must say where it stands.
 */
const SEED_ACCESS: Record<StackName, { developersRead: boolean; operatorAccess: keyof typeof OPERATOR_EKS_POLICY }> = {
  dev: { developersRead: true, operatorAccess: "admin" },
  staging: { developersRead: true, operatorAccess: "admin" },
  prod: { developersRead: false, operatorAccess: "operate" },
};

test.each(STACKS)("the %s stack file grants the seed's access", (stack) => {
  expect({ developersRead: stackSetting(stack, "developerRoleArn") !== "", operatorAccess: stackSetting(stack, "operatorAccess") }).toEqual(
    SEED_ACCESS[stack],
  );
  expect(stackSetting(stack, "operatorRoleArn")).toMatch(/^arn:aws:iam::\d{12}:role\//);
});

describe.each(STACKS)("access of %s", (stack) => {
  const developerRoleArn = stackSetting<string>(stack, "developerRoleArn");
  const operatorRoleArn = stackSetting<string>(stack, "operatorRoleArn");
  const operatorAccess = stackSetting<keyof typeof OPERATOR_EKS_POLICY>(stack, "operatorAccess");
  const operates = operatorRoleArn !== "" && operatorAccess === "operate";

  test("developers read, operators get the stack's access level, admins own the cluster", async () => {
    const entries = (await stackRender(stack)).one("eks:index:Cluster").inputs.accessEntries;
    const roles = ["admin", ...(developerRoleArn ? ["developer"] : []), ...(operatorRoleArn ? ["operator"] : [])];
    expect(Object.keys(entries).sort()).toEqual(roles.sort());
    expect(entries.admin.principalArn).toBe(stackSetting(stack, "adminRoleArn"));
    expect(entries.admin.accessPolicies).toEqual({
      clusterAdmin: { policyArn: EKS_ACCESS_POLICIES.clusterAdmin, accessScope: { type: "cluster" } },
    });
    if (developerRoleArn) {
      expect(entries.developer.principalArn).toBe(developerRoleArn);
      expect(entries.developer.accessPolicies).toEqual({ view: { policyArn: EKS_ACCESS_POLICIES.view, accessScope: namespaceScope } });
    }
    if (operatorRoleArn) {
      const policy = OPERATOR_EKS_POLICY[operatorAccess];
      expect(entries.operator.principalArn).toBe(operatorRoleArn);
      expect(entries.operator.accessPolicies).toEqual({ [policy]: { policyArn: EKS_ACCESS_POLICIES[policy], accessScope: namespaceScope } });
    }
  });

  test("API authentication only, no aws-auth ConfigMap, no role mappings", async () => {
    const r = await stackRender(stack);
    const c = r.one("eks:index:Cluster").inputs;
    expect(c.authenticationMode).toBe("API");
    expect(c.roleMappings).toBeUndefined();
    expect(c.userMappings).toBeUndefined();
    expect(r.kind("ConfigMap").filter((m) => m.inputs.metadata?.name === "aws-auth")).toEqual([]);
  });

  test("the groups with namespaced access can read cluster-scoped objects", async () => {
    const r = await stackRender(stack);
    const binding = r.find("ClusterRoleBinding", "ecommerce-cluster-reader");
    const groups = binding.subjects.map((s: any) => s.name).sort();
    const expected = [...(developerRoleArn ? [ACCESS_GROUPS.developers] : []), ...(operatorRoleArn ? [ACCESS_GROUPS.operators] : [])];
    expect(groups).toEqual(expected.sort());
    const rules = r.find("ClusterRole", binding.roleRef.name).rules;
    expect(rules.flatMap((x: any) => x.verbs)).not.toEqual(expect.arrayContaining(["create"]));
    expect(rules.flatMap((x: any) => x.resources)).toEqual(expect.arrayContaining(["nodes", "namespaces"]));
  });

  if (operates) {
    test("operate access: operators may scale and evict in every platform namespace, once it exists", async () => {
      const r = await stackRender(stack);
      const bindings = r.kind("RoleBinding").filter((b) => b.inputs.metadata.name === "ecommerce-operate");
      // Every namespace the stack creates, the secrets backend's included.
      const created = stackNamespaces(stack);
      expect(bindings.map((b) => b.inputs.metadata.namespace).sort()).toEqual(created.sort());
      for (const b of bindings) {
        expect(b.inputs.subjects).toEqual([{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: ACCESS_GROUPS.operators }]);
        expect(b.inputs.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "ecommerce-operate" });
        const namespace = r.kind("Namespace").find((n) => n.inputs.metadata.name === b.inputs.metadata.namespace)!;
        expect(b.dependsOn).toContain(namespace.urn);
      }
      expect(r.find("ClusterRole", "ecommerce-operate").rules).toEqual(OPERATE_RULES);
    });
  } else {
    test("operators hold an EKS policy only, so no operate bindings", async () => {
      const r = await stackRender(stack);
      expect(r.kind("RoleBinding").filter((b) => b.inputs.metadata.name === "ecommerce-operate")).toEqual([]);
      expect(r.kind("ClusterRole").filter((c) => c.inputs.metadata.name === "ecommerce-operate")).toEqual([]);
      expect(r.find("ClusterRole", "ecommerce-cluster-reader")).toBeDefined();
    });
  }
});

describe("the operate role", () => {
  test("the operate role stays limited: no Secrets, no exec, no edits to workloads", () => {
    const resources = OPERATE_RULES.flatMap((rule) => rule.resources as string[]);
    for (const forbidden of ["secrets", "pods/exec", "pods/attach", "deployments", "statefulsets", "*"]) {
      expect(resources).not.toContain(forbidden);
    }
    expect(OPERATE_RULES.flatMap((rule) => rule.verbs as string[])).not.toContain("*");
  });
});
