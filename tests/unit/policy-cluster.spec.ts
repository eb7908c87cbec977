import { VPC_CNI_NETWORK_POLICY } from "../../components/foundation/cluster";
import { validateResource } from "../../policy/evaluate";
import { AWS_EKS_CLUSTER, EKS_COMPONENT, EKS_VPC_CNI_ADDON, eksNetworkPolicyEnforcement, eksSecretsEncryption } from "../../policy/cluster";

const messages = async (...args: Parameters<typeof validateResource>) =>
  (await validateResource(...args)).map((v) => v.message);

const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e";
const component = (props: Record<string, unknown>) => ({
  type: EKS_COMPONENT,
  name: "eks",
  props: { name: "ecommerce-prod", vpcCniOptions: VPC_CNI_NETWORK_POLICY, ...props },
});

describe("eks-secrets-encryption", () => {
  test("the component with a KMS key passes", async () => {
    expect(await messages(eksSecretsEncryption, component({ encryptionConfigKeyArn: keyArn }))).toEqual([]);
  });

  test("the component without a key is rejected", async () => {
    expect(await messages(eksSecretsEncryption, component({}))).toEqual([
      "EKS cluster 'ecommerce-prod' does not encrypt Kubernetes Secrets: set encryptionConfigKeyArn to a KMS key",
    ]);
  });

  test("the AWS cluster needs a key and the 'secrets' resource", async () => {
    const cluster = (encryptionConfig?: unknown) => ({ type: AWS_EKS_CLUSTER, name: "eks-eksCluster", props: { name: "ecommerce-dev", encryptionConfig } });
    expect(await messages(eksSecretsEncryption, cluster({ provider: { keyArn }, resources: ["secrets"] }))).toEqual([]);
    const rejected =
      'EKS cluster \'ecommerce-dev\' does not encrypt Kubernetes Secrets: encryptionConfig needs a provider keyArn and resources ["secrets"]';
    expect(await messages(eksSecretsEncryption, cluster(undefined))).toEqual([rejected]);
    expect(await messages(eksSecretsEncryption, cluster({ provider: { keyArn }, resources: [] }))).toEqual([rejected]);
  });

  test("other resources are not judged", async () => {
    expect(await messages(eksSecretsEncryption, { type: "aws:kms/key:Key", name: "k", props: {} })).toEqual([]);
  });
});

describe("eks-network-policy-enforcement", () => {
  test("the cluster's own VPC CNI settings pass", async () => {
    expect(await messages(eksNetworkPolicyEnforcement, component({}))).toEqual([]);
  });

  test.each([undefined, { enableNetworkPolicy: false }, { enableNetworkPolicy: "true" }])(
    "vpcCniOptions %p is rejected",
    async (vpcCniOptions) => {
      expect(await messages(eksNetworkPolicyEnforcement, component({ vpcCniOptions }))).toEqual([
        "EKS cluster 'ecommerce-prod' does not enforce NetworkPolicies: set vpcCniOptions.enableNetworkPolicy to true",
      ]);
    },
  );

  test("the VPC CNI add-on component is judged too", async () => {
    const addon = (enableNetworkPolicy?: boolean) => ({ type: EKS_VPC_CNI_ADDON, name: "eks-vpc-cni", props: { enableNetworkPolicy } });
    expect(await messages(eksNetworkPolicyEnforcement, addon(true))).toEqual([]);
    expect(await messages(eksNetworkPolicyEnforcement, addon(undefined))).toEqual([
      "VPC CNI add-on 'eks-vpc-cni' does not enforce NetworkPolicies: set enableNetworkPolicy to true",
    ]);
  });
});
