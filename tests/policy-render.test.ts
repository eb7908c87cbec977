/**
 * The guardrails over the rendered platform of both stacks: every resource the program declares
 * goes through every policy, with the policy configuration CI derives from the stack.
 */
import { NAMESPACES } from "../catalog";
import type { Rendered } from "../tools/engine";
import { fromRender, ResourceUnderTest, validatePack, validateResource, validateStack } from "../policy/evaluate";
import { DEFAULT_DENY_POLICY_NAME, namespacesDefaultDeny } from "../policy/exposure";
import { eksNetworkPolicyEnforcement } from "../policy/cluster";
import { policies } from "../policy/policies";
import { policyConfigForStack } from "../policy/stack-config";
import { statefulSetDataProtected } from "../policy/workloads";
import { PROJECT_DIR, STACKS, stackFileWith, stackRender } from "./harness";

const resourcePolicies = policies.filter((p) => !("validateStack" in p));

/**
 * Tiers land separately. The zero-trust tier adds the `deny-all-default` NetworkPolicies; until
 * the render holds one, the stack policy must name every platform namespace as missing it.
 * From the first one on, every namespace must have a conforming one.
 */
function defaultDenyPoliciesRendered(r: Rendered): boolean {
  return r.kind("NetworkPolicy").some((np) => np.inputs.metadata?.name === DEFAULT_DENY_POLICY_NAME);
}

/**
 * The cluster's KMS key for Secrets comes with the cluster hardening; until the render's
 * `eks:index:Cluster` carries `encryptionConfigKeyArn`, the only violation allowed is that one.
 */
function clusterKeyRendered(r: Rendered): boolean {
  return r.ofType("eks:index:Cluster").every((c) => c.inputs.encryptionConfigKeyArn !== undefined);
}

describe("policy configuration from the stack", () => {
  test.each([
    ["dev", false],
    ["prod", true],
  ])("%s protects its data: %s", (stack, protectData) => {
    expect(policyConfigForStack(PROJECT_DIR, stack)).toEqual({ [statefulSetDataProtected.name]: { protectData } });
  });

  test("follows the stack file, and the project default when the key is absent", () => {
    expect(policyConfigForStack(PROJECT_DIR, "dev", stackFileWith("dev", { "ecommerce:protectData": true }))).toEqual({
      [statefulSetDataProtected.name]: { protectData: true },
    });
    expect(policyConfigForStack(PROJECT_DIR, "prod", stackFileWith("prod", { "ecommerce:protectData": undefined }))).toEqual({
      [statefulSetDataProtected.name]: { protectData: true },
    });
  });

  test("decides whether an unprotected data StatefulSet passes, per stack", async () => {
    const sts: ResourceUnderTest = {
      type: "kubernetes:apps/v1:StatefulSet",
      name: "redis",
      props: { metadata: { name: "redis", namespace: "e-commerce" }, spec: { volumeClaimTemplates: [{ metadata: { name: "data" } }] } },
    };
    const violations = async (stack: string) => validateResource(statefulSetDataProtected, sts, policyConfigForStack(PROJECT_DIR, stack));
    expect(await violations("dev")).toEqual([]);
    expect(await violations("prod")).toHaveLength(1);
  });
});

describe.each(STACKS)("the rendered %s platform", (stack) => {
  let render: Rendered;
  let resources: ResourceUnderTest[];
  const config = () => policyConfigForStack(PROJECT_DIR, stack);

  beforeAll(async () => {
    render = await stackRender(stack);
    resources = fromRender(render.resources);
  });

  test("passes every resource policy", async () => {
    const violations = [];
    for (const policy of resourcePolicies) {
      for (const r of resources) violations.push(...(await validateResource(policy, r, config())));
    }
    const clusterName = render.one("eks:index:Cluster").inputs.name;
    const pendingKey = clusterKeyRendered(render)
      ? []
      : [`EKS cluster '${clusterName}' does not encrypt Kubernetes Secrets: set encryptionConfigKeyArn to a KMS key`];
    expect(violations.map((v) => v.message)).toEqual(pendingKey);
  });

  test("passes the default-deny stack policy once the NetworkPolicies are rendered", async () => {
    const messages = (await validateStack(namespacesDefaultDeny, resources, config())).map((v) => v.message);
    if (defaultDenyPoliciesRendered(render)) {
      expect(messages).toEqual([]);
    } else {
      expect(messages).toEqual(
        Object.values(NAMESPACES).map((ns) => `namespace '${ns.name}' has no default-deny NetworkPolicy '${DEFAULT_DENY_POLICY_NAME}'`),
      );
    }
  });

  test("the check bites on the render's own objects", async () => {
    const weakened = resources.map((r) =>
      r.type === "eks:index:Cluster" ? { ...r, props: { ...r.props, vpcCniOptions: { enableNetworkPolicy: false } } } : r,
    );
    const violations = await validatePack([eksNetworkPolicyEnforcement], weakened, config());
    expect(violations).toHaveLength(1);
    expect(violations[0].urn).toBe(render.one("eks:index:Cluster").urn);
  });

  test("every platform namespace is rendered, so the stack policy judges real namespaces", () => {
    const rendered = render.kind("Namespace").map((n) => n.inputs.metadata.name).sort();
    expect(rendered).toEqual(Object.values(NAMESPACES).map((n) => n.name).sort());
  });
});
