/**
 * The guardrails over the rendered platform of every stack: every resource the program declares
 * goes through every policy, with the policy configuration CI derives from the stack.
 */
import { NAMESPACES, platformNamespaces } from "../../../catalog";
import type { Rendered } from "../../../tools/render/engine";
import { fromRender, ResourceUnderTest, validatePack, validateResource, validateStack } from "../../../policy/evaluate";
import { DEFAULT_DENY_POLICY_NAME, namespacesDefaultDeny } from "../../../policy/exposure";
import { eksNetworkPolicyEnforcement } from "../../../policy/cluster";
import { policies } from "../../../policy/policies";
import { policyConfigForStack } from "../../../policy/stack-config";
import { statefulSetDataProtected } from "../../../policy/workloads";
import { PROJECT_DIR, STACKS, stackFileWith, stackRender, stackSetting } from "../../harness";

const resourcePolicies = policies.filter((p) => !("validateStack" in p));

describe("policy configuration from the stack", () => {
  test.each(STACKS)("%s: protectData as its stack file sets it", (stack) => {
    const protectData = stackSetting(stack, "protectData");
    expect(typeof protectData).toBe("boolean");
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
    for (const stack of STACKS) {
      const violations = await validateResource(statefulSetDataProtected, sts, policyConfigForStack(PROJECT_DIR, stack));
      expect({ stack, violations: violations.length }).toEqual({ stack, violations: stackSetting(stack, "protectData") ? 1 : 0 });
    }
  });
});

describe.each(STACKS)("the rendered %s platform", (stack) => {
  let render: Rendered;
  let resources: ResourceUnderTest[];
  // Read from the stack file once: a policy is judged against hundreds of resources.
  const packConfig = policyConfigForStack(PROJECT_DIR, stack);
  const config = () => packConfig;

  beforeAll(async () => {
    render = await stackRender(stack);
    resources = fromRender(render.resources);
  });

  test("passes every resource policy", async () => {
    const violations = [];
    for (const policy of resourcePolicies) {
      for (const r of resources) violations.push(...(await validateResource(policy, r, config())));
    }
    expect(violations.map((v) => v.message)).toEqual([]);
  });

  test("the Secrets encryption check bites on the render's own cluster", async () => {
    const cluster = resources.find((r) => r.type === "eks:index:Cluster")!;
    expect(cluster.props.encryptionConfigKeyArn).toBeDefined();
    const unencrypted = { ...cluster.props };
    delete unencrypted.encryptionConfigKeyArn;
    const messages = [];
    for (const policy of resourcePolicies) {
      messages.push(...(await validateResource(policy, { ...cluster, props: unencrypted }, config())).map((v) => v.message));
    }
    expect(messages).toEqual([
      `EKS cluster '${stackSetting(stack, "clusterName")}' does not encrypt Kubernetes Secrets: set encryptionConfigKeyArn to a KMS key`,
    ]);
  });

  test("passes the default-deny stack policy: every platform namespace, and kube-system, has its deny-all-default", async () => {
    const denyAll = render.kind("NetworkPolicy").filter((np) => np.inputs.metadata.name === DEFAULT_DENY_POLICY_NAME);
    expect(denyAll.map((np) => np.inputs.metadata.namespace).sort()).toEqual([...platformNamespaces(stackSetting(stack, "secretsBackend")).map((ns) => ns.name), "kube-system"].sort());
    const messages = (await validateStack(namespacesDefaultDeny, resources, config())).map((v) => v.message);
    expect(messages).toEqual([]);
  });

  test("the default-deny check bites when a namespace loses its deny-all-default", async () => {
    const namespace = NAMESPACES.app.name;
    const without = resources.filter((r) => !(r.props.metadata?.namespace === namespace && r.props.metadata?.name === DEFAULT_DENY_POLICY_NAME));
    expect(without).toHaveLength(resources.length - 1);
    const messages = (await validateStack(namespacesDefaultDeny, without, config())).map((v) => v.message);
    expect(messages).toEqual([`namespace '${namespace}' has no default-deny NetworkPolicy '${DEFAULT_DENY_POLICY_NAME}'`]);
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
    expect(rendered).toEqual(platformNamespaces(stackSetting(stack, "secretsBackend")).map((n) => n.name).sort());
  });
});
