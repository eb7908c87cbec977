/**
 * Vault's AWS side: the customer-managed KMS key that seals Vault's root key (auto-unseal), and
 * the IAM role EKS Pod Identity hands to Vault's service account, allowed to use that key only.
 *
 * Pod Identity reaches the AWS SDK through `AWS_CONTAINER_CREDENTIALS_FULL_URI` and
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`. The awskms seal (hashicorp/go-kms-wrapping
 * `wrappers/awskms`) takes its credentials from hashicorp/go-secure-stdlib `awsutil`
 * `GenerateCredentialChain`, whose last provider is aws-sdk-go's `defaults.RemoteCredProvider`:
 * the container provider reading both variables from aws-sdk-go v1.47.11 on (AWS, "EKS Pod
 * Identity: supported SDK versions"); go-kms-wrapping raised the wrapper to v1.55.5
 * (hashicorp/go-kms-wrapping#268).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { podIdentityRole } from "../../foundation/pod-identity";
import { clusterKey } from "../../foundation/kms-key";
import { VAULT_NAMESPACE, VAULT_SERVICE_ACCOUNT } from "./chart";

/** What the seal does with the key (go-kms-wrapping awskms: Encrypt, Decrypt; DescribeKey at start). */
export const VAULT_SEAL_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"] as const;

/** The role's policy: the seal's actions on the one key. */
export function vaultSealPolicy(keyArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "VaultAutoUnseal", Effect: "Allow", Action: [...VAULT_SEAL_ACTIONS], Resource: keyArn }],
  });
}

export interface VaultAwsArgs {
  /** The cluster's name as configured (trust policy conditions, key alias). */
  readonly clusterName: string;
  /** The cluster's name as an output, so that the association waits for the cluster. */
  readonly clusterResourceName: pulumi.Input<string>;
  /** Keep the key when the stack goes (StackConfig.protectData): without it Vault's data cannot be unsealed. */
  readonly protectData: boolean;
}

export class VaultAws extends pulumi.ComponentResource {
  /** Id of the seal key (`seal "awskms"` `kms_key_id`). */
  readonly keyId: pulumi.Output<string>;
  readonly keyArn: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;
  /** What Vault needs before it can unseal: its credentials. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: VaultAwsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:secrets:VaultAws", name, {}, opts);
    const key = clusterKey(
      `${name}-seal`,
      { clusterName: args.clusterName, purpose: "vault-seal", description: `Seals the root key of Vault in ${args.clusterName}` },
      { parent: this, protect: args.protectData, retainOnDelete: args.protectData },
    );
    const { role, association } = podIdentityRole(
      { role: `${name}-role`, association: `${name}-server` },
      { clusterName: args.clusterName, clusterResourceName: args.clusterResourceName, namespace: VAULT_NAMESPACE, serviceAccount: VAULT_SERVICE_ACCOUNT },
      (r) => [new aws.iam.RolePolicy(`${name}-seal`, { role: r.name, policy: key.arn.apply(vaultSealPolicy) }, { parent: this })],
      this,
    );
    this.keyId = key.keyId;
    this.keyArn = key.arn;
    this.roleArn = role.arn;
    this.ready = [association];
    this.registerOutputs({ keyId: this.keyId, keyArn: this.keyArn, roleArn: this.roleArn });
  }
}
