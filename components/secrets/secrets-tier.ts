/**
 * The secrets tier (`secretsBackend: vault`): HashiCorp Vault in the cluster, or an existing one
 * by address; the bootstrap Job that initialises and configures it from the platform's table;
 * the External Secrets Operator and the objects that sync the table's Secrets from it.
 *
 * Nothing here waits for the monitoring chart: Grafana's admin Secret is one of the synced ones,
 * so a wait the other way round would never end on a real `pulumi up`. Vault's monitors are
 * `VaultMonitors`, which the platform creates once the monitoring chart exists.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadResources } from "../../catalog";
import type { VaultTable } from "../../catalog/vault";
import type { VaultRecoverySettings, VaultSettings } from "../../config";
import { VaultBootstrap } from "./bootstrap";
import { KUBECTL_IMAGE } from "./bootstrap/job";
import type { ExternalSecretsComponent } from "./external-secrets/chart";
import { SecretsSync } from "./secrets-sync";
import { VAULT_IMAGE, VAULT_NAMESPACE } from "./vault/chart";
import { vaultClientEndpoint } from "./vault/endpoint";
import { VaultServer } from "./vault/vault";
import { syncEndpoint } from "./vault-sync";

export interface SecretsTierArgs {
  readonly vault: VaultSettings;
  readonly recovery: VaultRecoverySettings;
  /** What Vault holds for the platform (catalog/vault.ts `vaultTable`). */
  readonly table: VaultTable;
  /** The platform's namespaces by name (`vault`, `external-secrets` and the Secrets' own). */
  readonly namespaces: Readonly<Record<string, k8s.core.v1.Namespace>>;
  readonly clusterName: string;
  readonly clusterResourceName: pulumi.Input<string>;
  readonly region: string;
  /** The cluster's StorageClass name. */
  readonly storageClass: string;
  readonly protectData: boolean;
  /** cert-manager's chart and namespace: Vault's CA and certificates. */
  readonly certManager: pulumi.Resource;
  readonly certManagerNamespace: string;
  readonly esoResources: Readonly<Record<ExternalSecretsComponent, WorkloadResources>>;
  readonly reloaderResources: WorkloadResources;
  /** The node group: before any pod. */
  readonly nodesReady: pulumi.Resource[];
  /** The volume driver and StorageClass: before Vault's claims. */
  readonly storageReady: pulumi.Resource[];
}

export class SecretsTier extends pulumi.ComponentResource {
  /** Vault's servers, where Vault runs in the cluster. */
  readonly server?: VaultServer;
  readonly bootstrap: VaultBootstrap;
  readonly sync: SecretsSync;

  constructor(name: string, args: SecretsTierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:secrets:SecretsTier", name, {}, opts);
    const child = { parent: this };
    const vaultNamespace = args.namespaces[VAULT_NAMESPACE];
    if (!vaultNamespace) throw new pulumi.ResourceError(`the secrets tier needs namespace '${VAULT_NAMESPACE}'`, this);
    const endpoint = vaultClientEndpoint(args.vault);
    let serverReady: pulumi.Resource[] = [];
    if (args.vault.mode === "in-cluster") {
      this.server = new VaultServer(
        "vault",
        {
          settings: args.vault,
          clusterName: args.clusterName,
          clusterResourceName: args.clusterResourceName,
          region: args.region,
          storageClass: args.storageClass,
          protectData: args.protectData,
          namespace: vaultNamespace,
          certManager: args.certManager,
          caNamespace: args.certManagerNamespace,
          waitFor: [...args.nodesReady, ...args.storageReady],
        },
        child,
      );
      serverReady = [this.server.chart, this.server.certificate];
    }
    const caSecret = bootstrapCa(endpoint.ca, vaultNamespace, this);
    this.bootstrap = new VaultBootstrap(
      "vault-bootstrap",
      {
        namespace: VAULT_NAMESPACE,
        vaultAddress: endpoint.address,
        vaultMode: args.vault.mode,
        caSecret: caSecret?.name,
        vaultImage: `${VAULT_IMAGE.repository}:${VAULT_IMAGE.tag}`,
        kubectlImage: KUBECTL_IMAGE,
        table: args.table,
        recovery: args.recovery,
        namespaceObject: vaultNamespace,
        waitFor: [ ...args.nodesReady, ...serverReady, ...(caSecret ? [caSecret.resource] : [])],
      },
      child,
    );
    this.sync = new SecretsSync(
      "secrets",
      {
        table: args.table,
        vault: syncEndpoint(endpoint),
        namespace: args.namespaces["external-secrets"],
        namespaces: args.namespaces,
        resources: args.esoResources,
        reloaderResources: args.reloaderResources,
        // The servers read their certificate at start: a renewal must roll them.
        reloadAlso: this.server ? [VAULT_NAMESPACE] : [],
        waitFor: args.nodesReady,
        certManager: args.certManager,
        // The stores' roles exist once the bootstrap has run.
        vaultReady: [this.bootstrap.job],
      },
      child,
    );
    this.registerOutputs({});
  }

  /** The synced Secrets by name: a workload reading one waits for it. */
  get secretsByName(): Readonly<Record<string, pulumi.Resource>> {
    return this.sync.secretsByName;
  }
}

/**
 * The CA the bootstrap trusts, as a Secret of Vault's namespace: the servers' certificate's in
 * the cluster, a Secret of the configured PEM for an existing Vault, none for a public CA.
 */
function bootstrapCa(
  ca: ReturnType<typeof vaultClientEndpoint>["ca"],
  namespace: k8s.core.v1.Namespace,
  parent: pulumi.Resource,
): { name: string; resource: pulumi.Resource } | undefined {
  if (ca.kind === "public") return undefined;
  if (ca.kind === "secret") return { name: ca.name, resource: namespace };
  const name = "vault-ca";
  const secret = new k8s.core.v1.Secret(
    name,
    { metadata: { name, namespace: namespace.metadata.name }, type: "Opaque", stringData: { "ca.crt": ca.pem } },
    { parent, dependsOn: [namespace] },
  );
  return { name, resource: secret };
}
