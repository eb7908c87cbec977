/**
 * Changed stack settings that specs of several suites render. The render service makes each
 * variant once per run, whichever suite asks first, so settings that do not interact share one:
 * each entry says why its settings are independent.
 */
/** An existing Vault's address (external mode). */
export const EXTERNAL_VAULT_ADDRESS = "https://vault.shop.example.com:8200";

/**
 * prod with five RabbitMQ nodes (the messaging tier's quorum), a Slack receiver whose URL is a
 * secret (Alertmanager's configuration) and an existing Vault (nothing of Vault runs in the
 * cluster): the data tier's StatefulSets, the monitoring values and the secrets tier's Vault
 * share nothing the specs of the others read.
 */
export const PROD_CHANGED: Record<string, unknown> = {
  "ecommerce:rabbitmqReplicas": 5,
  "ecommerce:alertReceiver": "slack",
  "ecommerce:alertReceiverUrl": { secure: "v1:ciphertext" },
  "ecommerce:vaultAddress": EXTERNAL_VAULT_ADDRESS,
};

/**
 * dev with only an admin role (in another partition, with a path), another service range, and the
 * next Kubernetes minor version: access entries, the service range and the versions are separate
 * inputs of the cluster, and the NetworkPolicies read only the service range.
 */
export const ADMIN_ROLE = "arn:aws-us-gov:iam::123456789012:role/platform/break-glass";
export const OTHER_SERVICE_CIDR = "192.168.128.0/20";
export const NEXT_KUBERNETES = "1.35";
export const DEV_CLUSTER_CHANGED: Record<string, unknown> = {
  "ecommerce:developerRoleArn": "",
  "ecommerce:operatorRoleArn": "",
  "ecommerce:adminRoleArn": ADMIN_ROLE,
  "ecommerce:serviceCidr": OTHER_SERVICE_CIDR,
  "ecommerce:kubernetesVersion": NEXT_KUBERNETES,
};

/**
 * dev on the `standard` resource profile: a profile change, whose data safety the data suite
 * proves, and a stack that no longer fits its two nodes, which the capacity guard must refuse.
 */
export const DEV_STANDARD_PROFILE: Record<string, unknown> = { "ecommerce:resourceProfile": "standard" };

/**
 * staging (which syncs its credentials from Vault) with generated credentials instead: the same
 * stack with the program's passwords in its own Secrets, which the External Secrets Operator's
 * objects replace; the data, monitoring and secrets tiers read this one switch.
 */
export const STAGING_GENERATED_SECRETS: Record<string, unknown> = { "ecommerce:secretsBackend": "kubernetes" };
