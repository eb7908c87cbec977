import * as pulumi from "@pulumi/pulumi";
import { KUBE_SYSTEM, NAMESPACES, SERVICES, ServiceSpec, catalogProblems, profileRows } from "../catalog";
import { GRAFANA_ADMIN, vaultTable } from "../catalog/vault";
import type { StackConfig } from "../config";
import { Application } from "./app/application";
import { DataBackups } from "./foundation/backup";
import { EksCluster } from "./foundation/cluster";
import { ClusterAccess } from "./foundation/cluster-access";
import { KarpenterAws } from "./foundation/karpenter-aws";
import { Karpenter } from "./foundation/karpenter/karpenter";
import { DataTier } from "./data/data-tier";
import { IngressTier } from "./ingress/ingress-tier";
import { KUBE_PROMETHEUS_STACK } from "./monitoring/kube-prometheus-stack/chart";
import { Monitoring } from "./monitoring/monitoring";
import { Namespaces } from "./foundation/namespaces";
import { MetricsServer } from "./foundation/metrics-server/metrics-server";
import { Network } from "./foundation/network";
import { DEFAULT_STORAGE_CLASS } from "./foundation/storage-class";
import { NetworkPolicies } from "./network-policies/network-policies";
import { VaultMonitors } from "./secrets/vault/vault";
import { vaultLocationOf } from "../catalog/vault-flows";
import { namespacesInUse } from "../catalog/namespaces";
import { SecretsTier } from "./secrets/secrets-tier";
import { CERT_MANAGER } from "./ingress/cert-manager/chart";

export interface PlatformArgs {
  readonly config: StackConfig;
  /** The service catalog. @default SERVICES from catalog/index.ts */
  readonly services?: readonly ServiceSpec[];
}

/** The whole e-commerce platform of one stack: network, cluster, namespaces and the tiers. */
export class Platform extends pulumi.ComponentResource {
  readonly network: Network;
  readonly cluster: EksCluster;
  /** Karpenter's IAM, interruption queue and node role. */
  readonly karpenterAws: KarpenterAws;
  /** Karpenter's chart, EC2NodeClass and NodePool. */
  readonly karpenter: Karpenter;
  readonly namespaces: Namespaces;
  /** The metrics API the autoscalers read. */
  readonly metricsServer: MetricsServer;
  readonly data: DataTier;
  /** AWS Backup of the cluster's volumes, where `ecommerce:backupEnabled` is set. */
  readonly backups?: DataBackups;
  readonly ingress: IngressTier;
  readonly application: Application;
  readonly monitoring: Monitoring;
  /** Vault, its bootstrap and the External Secrets Operator, where `secretsBackend` is `vault`. */
  readonly secrets?: SecretsTier;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    const services = args.services ?? SERVICES;
    const problems = catalogProblems(services);
    if (problems.length > 0) {
      // Checked before anything is registered, so a bad catalog creates nothing.
      throw new pulumi.RunError(`Invalid service catalog:\n  - ${problems.join("\n  - ")}`);
    }
    super("ecommerce:platform:Platform", name, {}, opts);
    const cfg = args.config;

    this.network = new Network(
      "network",
      {
        clusterName: cfg.cluster.name,
        cidr: cfg.cluster.vpcCidr,
        availabilityZones: cfg.cluster.availabilityZones,
        natGateways: cfg.cluster.natGateways,
      },
      { parent: this },
    );
    this.cluster = new EksCluster(
      "eks",
      {
        settings: cfg.cluster,
        vpcId: this.network.vpcId,
        controlPlaneSubnetIds: this.network.controlPlaneSubnetIds,
        privateSubnetIds: this.network.privateSubnetIds,
        privateRoutingReady: this.network.privateRoutingReady,
        protectData: cfg.protectData,
      },
      { parent: this },
    );
    this.karpenterAws = new KarpenterAws(
      "karpenter",
      {
        clusterName: cfg.cluster.name,
        clusterResourceName: this.cluster.clusterName,
        region: cfg.region,
        nodeSecurityGroupId: this.cluster.managedNodeSecurityGroupId,
      },
      { parent: this },
    );
    const k8sOpts = { parent: this, providers: { kubernetes: this.cluster.provider } };
    this.namespaces = new Namespaces("namespaces", { namespaces: namespacesInUse({ vault: cfg.secretsBackend === "vault" }) }, k8sOpts);
    new ClusterAccess("cluster-access", { access: cfg.cluster.access, namespaces: this.namespaces.byName }, k8sOpts);
    this.metricsServer = new MetricsServer(
      "metrics-server",
      { replicas: cfg.cluster.metricsServerReplicas, nodesReady: this.cluster.nodesReady },
      k8sOpts,
    );

    // Node autoscaling: Karpenter on the managed nodes, launching nodes for pods that do not fit.
    this.karpenter = new Karpenter(
      "karpenter",
      {
        settings: cfg.autoscaling,
        clusterName: cfg.cluster.name,
        region: cfg.region,
        availabilityZones: cfg.cluster.availabilityZones,
        interruptionQueueName: this.karpenterAws.interruptionQueueName,
        nodeRoleName: this.karpenterAws.nodeRoleName,
        diskSizeGiB: cfg.cluster.nodeGroup.diskSizeGiB,
        kubeProxyMode: cfg.cluster.kubeProxyMode,
        waitFor: [...this.cluster.nodesReady, ...this.karpenterAws.ready],
      },
      k8sOpts,
    );

    // Ingress tier: cert-manager, the AWS Load Balancer Controller, Traefik behind its NLB, the gateway's Ingress.
    this.ingress = new IngressTier(
      "ingress",
      {
        settings: cfg.ingress,
        dns: cfg.dns,
        region: cfg.region,
        clusterName: cfg.cluster.name,
        clusterResourceName: this.cluster.clusterName,
        domain: cfg.domain,
        acmeEmail: cfg.acmeEmail,
        certIssuer: cfg.certIssuer,
        gateway: services.find((s) => s.role === "gateway")!,
        namespaces: this.namespaces.byName,
        nodeSecurityGroupId: this.cluster.managedNodeSecurityGroupId,
        aws: { clusterName: cfg.cluster.name, clusterResourceName: this.cluster.clusterName, region: cfg.region, vpcId: this.network.vpcId },
        nodesReady: this.cluster.nodesReady,
      },
      k8sOpts,
    );

    // With Vault, the credentials are ExternalSecret targets: Vault, its bootstrap, the operator and its objects first.
    const ns = this.namespaces.byName;
    if (cfg.secretsBackend === "vault") {
      const rows = profileRows(cfg.resourceProfile);
      this.secrets = new SecretsTier(
        "secrets",
        {
          vault: cfg.vault,
          recovery: cfg.vaultRecovery,
          table: vaultTable(services),
          namespaces: ns,
          clusterName: cfg.cluster.name,
          clusterResourceName: this.cluster.clusterName,
          region: cfg.region,
          storageClass: DEFAULT_STORAGE_CLASS,
          protectData: cfg.protectData,
          certManager: this.ingress.certManager.chart,
          certManagerNamespace: CERT_MANAGER.namespace,
          esoResources: { controller: rows.externalSecretsController, webhook: rows.externalSecretsWebhook, certController: rows.externalSecretsCertController },
          reloaderResources: rows.reloader,
          nodesReady: this.cluster.nodesReady,
          storageReady: this.cluster.storageReady,
        },
        k8sOpts,
      );
    }
    const credentials = this.secrets
      ? { backend: "vault" as const, synced: this.secrets.secretsByName, notRolling: this.secrets.sync.leasedSecrets }
      : { backend: "kubernetes" as const };

    // Data and messaging tier: MySQL per owning service, Redis, RabbitMQ, MinIO.
    this.data = new DataTier(
      "data",
      {
        services,
        settings: cfg.data,
        // The name the cluster's StorageClass is created with, as a plain value rather than its
        // output: a replacement of that object (its parameters are forceNew) must not make the
        // engine re-diff every StatefulSet with an unknown spec for dependent replacements
        // (pulumi/pulumi pkg/resource/deploy/step_generator.go calculateDependentReplacements).
        // The StatefulSets still wait for it (storageReady below).
        storageClass: DEFAULT_STORAGE_CLASS,
        protectData: cfg.protectData,
        namespaces: Object.fromEntries(Object.entries(ns).map(([nsName, namespace]) => [nsName, namespace.metadata.name])),
        // DNS as well: RabbitMQ's nodes find their peers by name. It costs nothing: CoreDNS is up
        // before the volume driver these StatefulSets wait for anyway.
        waitFor: [...this.cluster.nodesReady, ...this.cluster.dnsReady, ...this.cluster.storageReady],
        credentials,
      },
      k8sOpts,
    );

    // Daily AWS Backup of every volume the cluster's StorageClass tags for it.
    if (cfg.data.backup.enabled) {
      this.backups = new DataBackups(
        "backups",
        { clusterName: cfg.cluster.name, settings: cfg.data.backup, protectData: cfg.protectData },
        { parent: this },
      );
    }

    // Application tier: the gateway and the microservices of the catalog.
    this.application = new Application(
      "application",
      {
        services,
        settings: cfg.apps,
        connections: this.data.connections,
        // Each Deployment waits for the Secrets it reads.
        secrets: this.data.secretsByName,
        namespace: this.namespaces.byName[NAMESPACES.app.name].metadata.name,
        // The autoscalers are blind until the metrics API answers.
        metricsApi: [this.metricsServer.chart],
        rollOnSecretChange: cfg.secretsBackend === "vault",
      },
      k8sOpts,
    );

    // Monitoring: Prometheus, Grafana, monitors, dashboards and alerts.
    this.monitoring = new Monitoring(
      "monitoring",
      {
        settings: cfg.monitoring,
        namespace: this.namespaces.byName[KUBE_PROMETHEUS_STACK.namespace],
        services,
        rabbitmqNodes: cfg.data.rabbitmqReplicas,
        waitFor: this.cluster.nodesReady,
        syncedAdminSecret: this.secrets?.secretsByName[GRAFANA_ADMIN.name],
        secretsBackend: cfg.secretsBackend,
      },
      k8sOpts,
    );

    // Vault's scrape and alerts, once the monitoring chart's CRDs exist.
    if (this.secrets?.server) new VaultMonitors("vault-monitors", { namespace: ns[NAMESPACES.vault.name].metadata.name, monitoring: this.monitoring.chart }, k8sOpts);

    // Zero-trust NetworkPolicies, generated from the catalog.
    new NetworkPolicies(
      "network-policies",
      {
        services,
        acmeChallenge: this.ingress.edgeDns.solver.kind,
        vpcCidr: cfg.cluster.vpcCidr,
        serviceCidr: cfg.cluster.serviceCidr,
        controlPlaneCidrs: this.network.controlPlaneCidrs,
        nodeCidrs: this.network.privateCidrs,
        ingressSourceRanges: cfg.ingress.sourceRanges,
        loadBalancerSubnetCidrs: cfg.ingress.serviceType === "LoadBalancer" ? this.network.publicCidrs : [],
        namespaces: this.namespaces.byName,
        clusterNamespaces: [KUBE_SYSTEM],
        vault: vaultLocationOf(cfg.secretsBackend, cfg.vault),
      },
      k8sOpts,
    );

    this.registerOutputs(this.stackOutputs());
  }

  /** What `pulumi stack output` shows. */
  stackOutputs(): Record<string, pulumi.Output<unknown>> {
    return {
      clusterName: this.cluster.clusterName,
      clusterEndpoint: this.cluster.endpoint,
      oidcIssuer: this.cluster.oidcIssuer,
      kubeconfig: this.cluster.kubeconfig,
      nodeGroupName: this.cluster.nodeGroupName,
      vpcId: this.network.vpcId,
      grafanaPortForward: this.monitoring.grafanaPortForward,
      apiUrl: this.ingress.apiUrl,
      ingressEndpoint: this.ingress.endpoint,
      ingressNodePorts: this.ingress.nodePorts,
      dnsRecord: this.ingress.dnsRecord,
      ...(this.backups
        ? { backupVault: this.backups.vaultName, backupRoleArn: this.backups.roleArn, backupAlertTopicArn: this.backups.alertTopicArn }
        : {}),
    };
  }
}
