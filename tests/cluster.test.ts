import { NODE_POLICY_ARNS } from "../components/cluster";
import { stackRender } from "./harness";

describe.each(["dev", "prod"] as const)("EKS cluster of %s", (stack) => {
  test("API authentication, no default node group, OIDC provider", async () => {
    const c = (await stackRender(stack)).one("eks:index:Cluster").inputs;
    expect(c.authenticationMode).toBe("API");
    expect(c.skipDefaultNodeGroup).toBe(true);
    expect(c.createOidcProvider).toBe(true);
    expect(c.name).toBe(`ecommerce-${stack}`);
  });

  test("the VPC CNI enforces NetworkPolicies in strict mode", async () => {
    const c = (await stackRender(stack)).one("eks:index:Cluster").inputs;
    expect(c.vpcCniOptions.enableNetworkPolicy).toBe(true);
    expect(c.vpcCniOptions.configurationValues.env.NETWORK_POLICY_ENFORCING_MODE).toBe("strict");
  });

  test("nodes live in the private subnets only, without public IPs", async () => {
    const r = await stackRender(stack);
    const privateIds = r.ofType("aws:ec2/subnet:Subnet").filter((s) => s.name.includes("private")).map((s) => `${s.name}-id`);
    const ng = r.one("eks:index:ManagedNodeGroup").inputs;
    expect([...ng.subnetIds].sort()).toEqual(privateIds.sort());
    expect(r.one("eks:index:Cluster").inputs.nodeAssociatePublicIpAddress).toBe(false);
  });

  test("node group sizes come from the stack", async () => {
    const ng = (await stackRender(stack)).one("eks:index:ManagedNodeGroup").inputs;
    expect(ng.scalingConfig).toEqual(stack === "prod" ? { minSize: 3, desiredSize: 6, maxSize: 12 } : { minSize: 2, desiredSize: 2, maxSize: 4 });
    expect(ng.capacityType).toBe(stack === "prod" ? "ON_DEMAND" : "SPOT");
  });

  test("node role has exactly the worker policies and joins by access entry", async () => {
    const r = await stackRender(stack);
    const role = r.one("aws:iam/role:Role", "eks-node-role");
    expect(r.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn).sort()).toEqual([...NODE_POLICY_ARNS].sort());
    expect(r.one("eks:index:Cluster").inputs.instanceRoles).toEqual([role.urn]);
  });

  test("CoreDNS is created after the node group", async () => {
    const r = await stackRender(stack);
    const coredns = r.ofType("aws:eks/addon:Addon").find((a) => a.inputs.addonName === "coredns")!;
    expect(coredns.dependsOn).toContain(r.one("eks:index:ManagedNodeGroup").urn);
    expect(r.one("eks:index:Cluster").inputs.corednsAddonOptions.enabled).toBe(false);
  });

  test("every Kubernetes object uses the cluster's provider, built from its kubeconfig", async () => {
    const r = await stackRender(stack);
    const provider = r.one("pulumi:providers:kubernetes");
    expect(provider.dependsOn).toContain(r.one("eks:index:Cluster").urn);
    expect(provider.inputs.kubeconfig).toBe("[secret]");
    const k8s = r.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:"));
    expect(k8s.length).toBeGreaterThan(0);
    for (const obj of k8s) expect(obj.provider?.startsWith(provider.urn)).toBe(true);
  });
});
