import * as pulumi from "@pulumi/pulumi";
import { DATASTORES, DatastoreInstance, DatastoreKind, NAMESPACES, ServiceSpec } from "../../catalog";
import type { DataSettings } from "../../config";
import { DataConnections, dataConnections } from "../../catalog/contracts";
import type { DataStoreArgs } from "../../lib/stateful";
import { DATASTORE_COMPONENTS, DataStore } from "./datastore-components";

export interface DataTierArgs {
  /** The service catalog: the instances of each datastore kind its rows need (catalog/datastores.ts). */
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
   * Namespace names by the catalog's name. Pass the Namespace resources' `metadata.name` so that
   * every object waits for its namespace. @default the catalog's names
   */
  readonly namespaces?: Readonly<Record<string, pulumi.Input<string>>>;
  /** What the StatefulSets wait for: nodes, the StorageClass and its CSI driver. @default none */
  readonly waitFor?: pulumi.Resource[];
}

/**
 * The arguments every store component of an instance takes, from the tier's: its namespace, the
 * clients' (the catalog's services run in `e-commerce`), its kind's volume size.
 */
export function storeArgs(instance: DatastoreInstance, args: DataTierArgs): Omit<DataStoreArgs, "instance"> {
  const namespace = (name: string) => args.namespaces?.[name] ?? name;
  return {
    storageClass: args.storageClass,
    protectData: args.protectData,
    waitFor: args.waitFor,
    namespace: namespace(instance.namespace),
    clientNamespace: namespace(NAMESPACES.app.name),
    storageSize: args.settings.volumeSizes[instance.kind],
    resources: args.settings.resources[instance.kind],
  };
}

/**
 * Kinds of the catalog's table that have no component. The table of components is a `Record`
 * over the kinds, so none compiles; a row that escapes the compiler fails here instead of going
 * undeployed.
 */
export function kindsWithoutComponent(): string[] {
  return Object.keys(DATASTORES).filter((kind) => !Object.hasOwn(DATASTORE_COMPONENTS, kind));
}

/**
 * The data and messaging tier: every instance of every datastore kind the catalog needs (a MySQL
 * per owning service, Redis, the RabbitMQ cluster, MinIO), with the client Secrets the
 * application tier reads (see catalog/contracts.ts).
 */
export class DataTier extends pulumi.ComponentResource {
  /** Hosts, ports and Secret names for the application tier. */
  readonly connections: DataConnections;
  /** The store components of each kind. */
  readonly stores: Readonly<Record<DatastoreKind, readonly DataStore[]>>;
  /** The client Secrets in `e-commerce`, for `dependsOn` by workloads that read them. */
  readonly secrets: pulumi.Resource[];
  /** The same Secrets by name, so that a workload waits only for those it reads. */
  readonly secretsByName: Readonly<Record<string, pulumi.Resource>>;

  constructor(name: string, args: DataTierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:data:DataTier", name, {}, opts);
    const missing = kindsWithoutComponent();
    if (missing.length > 0) {
      throw new pulumi.ResourceError(`datastore kinds without a component (components/data/datastore-components.ts): ${missing.join(", ")}`, this);
    }
    this.connections = dataConnections(args.services);
    const kinds = Object.keys(DATASTORE_COMPONENTS) as DatastoreKind[];
    const build = (kind: DatastoreKind) =>
      this.connections[kind].map((instance) => DATASTORE_COMPONENTS[kind](instance, storeArgs(instance, args), args.settings, { parent: this }));
    this.stores = Object.fromEntries(kinds.map((kind) => [kind, build(kind)])) as Record<DatastoreKind, DataStore[]>;
    const all = kinds.flatMap((kind) => this.stores[kind]);
    this.secrets = all.map((x) => x.clientSecret);
    this.secretsByName = Object.fromEntries(all.map((x) => [x.clientSecretName, x.clientSecret]));
    this.registerOutputs({ instances: Object.fromEntries(kinds.map((kind) => [kind, this.connections[kind].map((i) => i.name)])) });
  }
}
