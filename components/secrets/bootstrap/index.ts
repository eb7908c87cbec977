/**
 * The Vault bootstrap: a Job in Vault's namespace that initialises Vault (recovery keys encrypted
 * to the operators' PGP keys, kept in the Secret `vault-recovery-keys`) and configures it from
 * the platform's table (catalog/vault.ts) on every `pulumi up` that changes the script or the
 * table. The builders are in job.ts, policies.ts and data.ts; the script is bootstrap.sh.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BOOTSTRAP_IDENTITY, VaultTable } from "../../../catalog/vault";
import { bootstrapFiles } from "./data";
import { BOOTSTRAP_LABELS, bootstrapConfigData, bootstrapObjects, bootstrapRoleRules, bootstrapScript } from "./job";

export interface VaultBootstrapArgs {
  /** Vault's namespace (`vault`), where the Job, its ServiceAccount and the recovery Secret live. */
  readonly namespace: string;
  /** Vault's address for clients in the cluster (`https://vault.vault.svc:8200`), or an existing Vault's. */
  readonly vaultAddress: string;
  /** The platform's own Vault, or an existing one (its Kubernetes auth and audit devices are left alone). */
  readonly vaultMode: "in-cluster" | "external";
  /** The Secret in `namespace` whose `ca.crt` clients trust (`vault-server-tls`); undefined: the system's public roots. */
  readonly caSecret: string | undefined;
  /** The hashicorp/vault image the server runs: the bootstrap uses its CLI. */
  readonly vaultImage: string;
  /** The kubectl image that stores the recovery Secret (job.ts `KUBECTL_IMAGE`). */
  readonly kubectlImage: string;
  /** What Vault holds for the platform. */
  readonly table: VaultTable;
  /** The operators' PGP public keys and the shares needed to recover (config/vault-recovery.ts). */
  readonly recovery: { readonly pgpKeys: readonly string[]; readonly threshold: number };
  /** The Namespace object: every object here waits for it. */
  readonly namespaceObject: pulumi.Resource;
  /** What must exist before the Job runs: Vault's server, its Service and certificate. */
  readonly waitFor: pulumi.Resource[];
}

export class VaultBootstrap extends pulumi.ComponentResource {
  /** The Job's name, `vault-bootstrap-<digest of script and table>`. */
  readonly jobName: string;
  readonly job: k8s.batch.v1.Job;

  constructor(name: string, args: VaultBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:secrets:VaultBootstrap", name, {}, opts);
    const child = { parent: this, dependsOn: [args.namespaceObject] };
    const meta = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: { ...BOOTSTRAP_LABELS } });
    const account = new k8s.core.v1.ServiceAccount(
      `${name}-account`,
      { metadata: meta(BOOTSTRAP_IDENTITY.serviceAccount), automountServiceAccountToken: false },
      child,
    );
    const role = new k8s.rbac.v1.Role(`${name}-role`, { metadata: meta(BOOTSTRAP_IDENTITY.serviceAccount), rules: bootstrapRoleRules() }, child);
    const binding = new k8s.rbac.v1.RoleBinding(
      `${name}-binding`,
      {
        metadata: meta(BOOTSTRAP_IDENTITY.serviceAccount),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
      },
      child,
    );
    const objects = bootstrapObjects({
      namespace: args.namespace,
      vaultAddress: args.vaultAddress,
      caSecret: args.caSecret,
      vaultImage: args.vaultImage,
      kubectlImage: args.kubectlImage,
      data: bootstrapConfigData(bootstrapScript(), bootstrapFiles(args.table), args.recovery.pgpKeys),
      recoveryThreshold: args.recovery.threshold,
      vaultMode: args.vaultMode,
    });
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, objects.configMap, child);
    // Pulumi waits for the Job to complete (@pulumi/kubernetes 4.34.2 `batch/v1/job.d.ts`: Complete, or fail on Failed): whatever reads Vault can wait for it.
    this.job = new k8s.batch.v1.Job(`${name}-job`, objects.job, {
      ...child,
      dependsOn: [args.namespaceObject, account, binding, configMap, ...args.waitFor],
      customTimeouts: { create: "30m", update: "30m" },
    });
    this.jobName = objects.name;
    this.registerOutputs({ jobName: this.jobName });
  }
}
