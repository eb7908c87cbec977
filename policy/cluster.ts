/**
 * Policies on the EKS cluster: Kubernetes Secrets encrypted with a KMS key, and the VPC CNI
 * enforcing NetworkPolicies (without it every NetworkPolicy of the platform is decoration).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";

/** The `eks` component, and the AWS cluster it creates (a child in a real preview). */
export const EKS_COMPONENT = "eks:index:Cluster";
export const AWS_EKS_CLUSTER = "aws:eks/cluster:Cluster";
/** The VPC CNI add-on the `eks` component creates from `vpcCniOptions`. */
export const EKS_VPC_CNI_ADDON = "eks:index:VpcCniAddon";

export const eksSecretsEncryption: ResourceValidationPolicy = {
  name: "eks-secrets-encryption",
  description: "EKS encrypts Kubernetes Secrets with a KMS key.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const cluster = args.props.name ?? args.name;
    if (args.type === EKS_COMPONENT && !args.props.encryptionConfigKeyArn) {
      reportViolation(`EKS cluster '${cluster}' does not encrypt Kubernetes Secrets: set encryptionConfigKeyArn to a KMS key`);
    }
    if (args.type === AWS_EKS_CLUSTER) {
      const config = args.props.encryptionConfig;
      if (!config?.provider?.keyArn || !(config.resources ?? []).includes("secrets")) {
        reportViolation(
          `EKS cluster '${cluster}' does not encrypt Kubernetes Secrets: encryptionConfig needs a provider keyArn and resources ["secrets"]`,
        );
      }
    }
  },
};

export const eksNetworkPolicyEnforcement: ResourceValidationPolicy = {
  name: "eks-network-policy-enforcement",
  description: "The EKS VPC CNI enforces Kubernetes NetworkPolicies.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type === EKS_COMPONENT && args.props.vpcCniOptions?.enableNetworkPolicy !== true) {
      reportViolation(
        `EKS cluster '${args.props.name ?? args.name}' does not enforce NetworkPolicies: set vpcCniOptions.enableNetworkPolicy to true`,
      );
    }
    if (args.type === EKS_VPC_CNI_ADDON && args.props.enableNetworkPolicy !== true) {
      reportViolation(`VPC CNI add-on '${args.name}' does not enforce NetworkPolicies: set enableNetworkPolicy to true`);
    }
  },
};
