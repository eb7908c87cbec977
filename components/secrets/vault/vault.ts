import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { InClusterVault } from "../../../config";
import { chartLocation } from "../../../lib/helm";
import { dataSafety } from "../../../lib/stateful";
import { prometheusRuleManifest } from "../../monitoring/rules";
import { VAULT } from "./chart";
import { vaultMonitorManifest, vaultRuleGroups } from "./monitoring";
import { vaultTlsObjects } from "./tls";
import { VaultAws } from "./vault-aws";

export interface VaultServerArgs {
  readonly settings: InClusterVault;
  readonly clusterName: string;
  readonly clusterResourceName: pulumi.Input<string>;
  readonly region: string;
  /** The cluster's StorageClass name. */
  readonly storageClass: string;
  /** Protect the release (its StatefulSet) and the seal key, keep the volumes (StackConfig.protectData). */
  readonly protectData: boolean;
  readonly namespace: k8s.core.v1.Namespace;
  /** cert-manager's chart: its CRDs and webhook admit the Issuers and Certificates. */
  readonly certManager: pulumi.Resource;
  /** cert-manager's namespace, where Vault's CA lives (its cluster resource namespace: tls.ts). */
  readonly caNamespace: string;
  /** What the servers need before they start: nodes and the volume driver. */
  readonly waitFor: pulumi.Resource[];
}

/**
 * HashiCorp Vault in the cluster (chart.ts): its KMS key and Pod Identity role, its CA and
 * certificate, the release, its scrape and alerts. The release is `protect`ed like the data
 * tier's StatefulSets (lib/stateful.ts `dataSafety`): the engine protects a component's children
 * with it, so neither `pulumi destroy` nor a replacement deletes the StatefulSet, and its claims
 * outlive it (the chart's retention policy).
 */
export class VaultServer extends pulumi.ComponentResource {
  readonly chart: k8s.helm.v4.Chart;
  readonly aws: VaultAws;
  /** The servers' certificate: its Secret holds the CA clients trust. */
  readonly certificate: k8s.apiextensions.CustomResource;

  constructor(name: string, args: VaultServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:secrets:VaultServer", name, {}, opts);
    const ns = args.namespace.metadata.name;
    this.aws = new VaultAws(
      `${name}-aws`,
      { clusterName: args.clusterName, clusterResourceName: args.clusterResourceName, protectData: args.protectData },
      { parent: this },
    );
    const tls = vaultTlsObjects(ns, args.caNamespace).reduce<k8s.apiextensions.CustomResource[]>((made, obj) => {
      const previous = made.length > 0 ? [made[made.length - 1]] : [];
      made.push(new k8s.apiextensions.CustomResource(`${name}-${obj.kind.toLowerCase()}-${obj.metadata.name}`, obj, { parent: this, dependsOn: [args.certManager, ...previous] }));
      return made;
    }, []);
    this.certificate = tls[tls.length - 1];
    const s = args.settings;
    const values = this.aws.keyId.apply((kmsKeyId) =>
      VAULT.values({ replicas: s.replicas, storageSize: s.storageSize, storageClass: args.storageClass, protectData: args.protectData, resources: s.resources, region: args.region, kmsKeyId }),
    );
    // Not after the certificate: the servers' pods wait for its Secret to mount (the kubelet
    // retries), while the release is installed beside cert-manager's issuance; the bootstrap,
    // Vault's first client, waits for both (secrets-tier.ts).
    // As lib/helm.ts `pinnedChart`, with the data tier's protection: a component's children
    // inherit `protect`, also those a provider constructs (pulumi/pulumi v3.259.0
    // `sdk/go/pulumi/context.go` 417, 1434-1436), so it reaches the StatefulSet.
    this.chart = new k8s.helm.v4.Chart(
      name,
      { ...chartLocation(VAULT.pin), version: VAULT.pin.version, name: VAULT.release, namespace: ns, values },
      { parent: this, dependsOn: [args.namespace, ...args.waitFor, ...this.aws.ready], ...dataSafety(args.protectData) },
    );
    this.registerOutputs({});
  }
}

/**
 * Vault's scrape and alerts, once the monitoring chart's CRDs admit them. Apart from the servers,
 * which must not wait for that chart: it waits for Grafana's admin Secret, which Vault feeds.
 */
export class VaultMonitors extends pulumi.ComponentResource {
  constructor(name: string, args: { readonly namespace: pulumi.Input<string>; readonly monitoring: pulumi.Resource }, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:secrets:VaultMonitors", name, {}, opts);
    const monitorOpts = { parent: this, dependsOn: [args.monitoring] };
    new k8s.apiextensions.CustomResource(`${name}-servicemonitor`, vaultMonitorManifest(args.namespace), monitorOpts);
    new k8s.apiextensions.CustomResource(`${name}-alerts`, prometheusRuleManifest("ecommerce-vault-alerts", args.namespace, vaultRuleGroups()), monitorOpts);
    this.registerOutputs({});
  }
}
