import * as pulumi from "@pulumi/pulumi";
import { DATASTORES, NAMESPACES, ServiceSpec, databaseName, databaseOwners, usersOf } from "../../catalog";
import type { DataSettings } from "../../config";
import { DataConnections, dataConnections } from "../../catalog/contracts";
import { MinioStore } from "./minio";
import { MySqlDatabase } from "./mysql";
import { RabbitMqCluster } from "./rabbitmq";
import { Redis } from "./redis";

export interface DataTierArgs {
  /** The service catalog: one MySQL per owner, the shared stores where some service uses them. */
  readonly services: readonly ServiceSpec[];
  readonly settings: DataSettings;
  /**
   * The StorageClass every claim asks for: the cluster's own (components/foundation/storage-class.ts), so
   * that no claim can name a class that does not exist.
   */
  readonly storageClass: string;
  /** Protect StatefulSets and Secrets, retain volumes (StackConfig.protectData). */
  readonly protectData: boolean;
  /**
   * Namespace names. Pass the Namespace resources' `metadata.name` so that every object waits for
   * its namespace. @default the catalog's names
   */
  readonly namespaces?: { readonly app?: pulumi.Input<string>; readonly messaging?: pulumi.Input<string> };
  /** What the StatefulSets wait for: nodes, the StorageClass and its CSI driver. @default none */
  readonly waitFor?: pulumi.Resource[];
}

/**
 * The data and messaging tier: a MySQL per owning service, Redis, the RabbitMQ cluster and MinIO,
 * with the client Secrets the application tier reads (see catalog/contracts.ts).
 */
export class DataTier extends pulumi.ComponentResource {
  /** Hosts, ports and Secret names for the application tier. */
  readonly connections: DataConnections;
  /** The client Secrets in `e-commerce`, for `dependsOn` by workloads that read them. */
  readonly secrets: pulumi.Resource[];
  /** The same Secrets by name, so that a workload waits only for those it reads. */
  readonly secretsByName: Readonly<Record<string, pulumi.Resource>>;
  readonly databases: MySqlDatabase[];
  readonly redis?: Redis;
  readonly rabbitmq?: RabbitMqCluster;
  readonly minio?: MinioStore;

  constructor(name: string, args: DataTierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:data:DataTier", name, {}, opts);
    const s = args.settings;
    const connections = dataConnections(args.services);
    const appNs = args.namespaces?.app ?? NAMESPACES.app.name;
    const messagingNs = args.namespaces?.messaging ?? NAMESPACES.messaging.name;
    const namespaceOf = (kind: keyof typeof DATASTORES) => (DATASTORES[kind].namespace === NAMESPACES.app.name ? appNs : messagingNs);
    const common = { storageClass: args.storageClass, protectData: args.protectData, waitFor: args.waitFor };
    const child = { parent: this };

    this.databases = databaseOwners(args.services).map(
      (owner) =>
        new MySqlDatabase(
          databaseName(owner.name),
          {
            ...common,
            owner: owner.name,
            connection: connections.mysql[owner.name],
            namespace: namespaceOf("mysql"),
            storageSize: s.volumeSizes.mysql,
          },
          child,
        ),
    );
    if (usersOf("redis", args.services).length > 0) {
      this.redis = new Redis(
        "redis",
        { ...common, connection: connections.redis, namespace: namespaceOf("redis"), storageSize: s.volumeSizes.redis },
        child,
      );
    }
    if (usersOf("rabbitmq", args.services).length > 0) {
      this.rabbitmq = new RabbitMqCluster(
        "rabbitmq-cluster",
        {
          ...common,
          connection: connections.rabbitmq,
          namespace: namespaceOf("rabbitmq"),
          clientNamespace: appNs,
          replicas: s.rabbitmqReplicas,
          storageSize: s.volumeSizes.rabbitmq,
        },
        child,
      );
    }
    if (usersOf("minio", args.services).length > 0) {
      this.minio = new MinioStore(
        "minio",
        {
          ...common,
          connection: connections.minio,
          namespace: namespaceOf("minio"),
          clientNamespace: appNs,
          storageSize: s.volumeSizes.minio,
        },
        child,
      );
    }

    this.connections = connections;
    const stores = [...this.databases, this.redis, this.rabbitmq, this.minio].filter((x) => x !== undefined);
    this.secrets = stores.map((x) => x.clientSecret);
    this.secretsByName = Object.fromEntries(stores.map((x) => [x.clientSecretName, x.clientSecret]));
    this.registerOutputs({ databases: this.databases.map((d) => d.serviceName) });
  }
}
