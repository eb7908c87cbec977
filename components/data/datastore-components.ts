/**
 * The component of each datastore kind: the one thing a catalog row (catalog/datastores.ts)
 * cannot say. The table is a `Record` over the kinds, so a new kind does not compile until it
 * has its component here.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { DatastoreInstance, DatastoreKind } from "../../catalog";
import type { DataSettings } from "../../config";
import type { DataStoreArgs } from "../../lib/stateful";
import { MinioStore } from "./minio";
import { MySqlDatabase } from "./mysql";
import { RabbitMqCluster } from "./rabbitmq";
import { Redis } from "./redis";

/** What the data tier needs of every store component. */
export interface DataStore extends pulumi.ComponentResource {
  /** The Secret the clients read, in their namespace. */
  readonly clientSecret: pulumi.Resource;
  /** Its name, from the connection contract. */
  readonly clientSecretName: string;
  readonly statefulSet: k8s.apps.v1.StatefulSet;
}

/** Builds the component of one instance from the arguments every store takes and the tier's settings. */
export type DataStoreComponent = (
  instance: DatastoreInstance,
  args: Omit<DataStoreArgs, "instance">,
  settings: DataSettings,
  opts: pulumi.ComponentResourceOptions,
) => DataStore;

/** The component of each kind, in the order the data tier registers them. */
export const DATASTORE_COMPONENTS: Readonly<Record<DatastoreKind, DataStoreComponent>> = {
  mysql: (instance, args, _settings, opts) => new MySqlDatabase(instance.name, { ...args, instance }, opts),
  redis: (instance, args, _settings, opts) => new Redis(instance.name, { ...args, instance }, opts),
  rabbitmq: (instance, args, settings, opts) =>
    new RabbitMqCluster(instance.name, { ...args, instance, replicas: settings.rabbitmqReplicas }, opts),
  minio: (instance, args, _settings, opts) => new MinioStore(instance.name, { ...args, instance }, opts),
};
