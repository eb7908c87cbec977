import { VPC_CNI_NETWORK_POLICY, vpcCniNetworkPolicy } from "../../components/foundation/cluster";

describe("the VPC CNI add-on's policy settings", () => {
  test("strict enforcement either way; the node agent's decision logs only when asked for", () => {
    expect(vpcCniNetworkPolicy(false)).toEqual(VPC_CNI_NETWORK_POLICY);
    expect(vpcCniNetworkPolicy(false).configurationValues).not.toHaveProperty("nodeAgent");
    const on = vpcCniNetworkPolicy(true);
    expect(on.enableNetworkPolicy).toBe(true);
    // The add-on's values are the chart's: a string (aws/amazon-vpc-cni-k8s v1.21.1 charts/aws-vpc-cni/values.yaml).
    expect(on.configurationValues).toEqual({ env: { NETWORK_POLICY_ENFORCING_MODE: "strict" }, nodeAgent: { enablePolicyEventLogs: "true" } });
  });
});
