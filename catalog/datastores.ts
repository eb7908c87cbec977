/**
 * The datastore kinds, one row each. Everything a kind means elsewhere is derived from its row:
 * its instances and their names, the pod labels NetworkPolicies and monitors select, the client
 * Secret and its keys, the clients' environment (`<KIND>_HOST`, ...), the volume size key
 * (`<kind>StorageSize`), the ports its pods open to each other and its metrics endpoint. A new
 * kind is a row here; the compiler then asks for what no row can say: its component
 * (components/data/datastore-components.ts).
 */
import type { DatastoreConnection } from "./contracts";
import type { ServiceSpec } from "./index";
import { NAMESPACES, serviceFqdn } from "./namespaces";

export type DatastoreKind = "mysql" | "redis" | "minio" | "rabbitmq";

type Labels = Readonly<Record<string, string>>;

/** A port of a datastore's client Service and pods serving Prometheus metrics. */
export interface MetricsEndpoint {
  readonly portName: string;
  readonly port: number;
}

/**
 * Where the clients' egress to a store is opened: in each client's own policy
 * (`allow-<service>-database`), or in one policy selecting every client
 * (`allow-microservices-<kind>`), for a store nearly every service uses.
 */
export type ClientEgress = "ownPolicy" | "sharedPolicy";

interface DatastoreRow {
  /** Namespace of its pods and Services. */
  readonly namespace: string;
  /** Port clients connect to, on the Service and on the pods. */
  readonly port: number;
  /** Key of the user name (or access key) in the client Secret; undefined: the store has no users. */
  readonly usernameKey: string | undefined;
  /** Key of the password (or secret key) in the client Secret. */
  readonly passwordKey: string;
  /** Named ports its pods open to each other (clustering), and to nothing else. */
  readonly peerPorts: Readonly<Record<string, number>>;
  /** Its Prometheus endpoint, on the client Service; undefined: it exports no metrics. */
  readonly metrics: MetricsEndpoint | undefined;
  readonly clientEgress: ClientEgress;
  /** Non-secret settings of one client, given as `<KIND>_<KEY>` environment variables. */
  readonly clientSettings: (client: ServiceSpec) => Readonly<Record<string, string>>;
}

/** A kind with one instance per service that uses it, owned by that service alone. */
export interface PerServiceDatastore extends DatastoreRow {
  readonly scope: "perService";
  readonly instanceName: (owner: string) => string;
  readonly podLabels: (instance: string, owner: string) => Labels;
  /** The client Secret of an instance. */
  readonly secretName: (instance: string) => string;
  /** Non-secret settings of the owner's connection (its schema). */
  readonly settings: (owner: string) => Readonly<Record<string, string>>;
}

/** A kind with one instance that every service using it shares. */
export interface SharedDatastore extends DatastoreRow {
  readonly scope: "shared";
  readonly instanceName: string;
  readonly podLabels: (instance: string) => Labels;
  readonly secretName: string;
  readonly settings: Readonly<Record<string, string>>;
}

export type DatastoreSpec = PerServiceDatastore | SharedDatastore;

/** The database (schema) name inside a service's MySQL: `auth-service` -> `auth_service`. */
export function schemaName(service: string): string {
  return service.replace(/-/g, "_");
}

const noClientSettings = (): Readonly<Record<string, string>> => ({});

/**
 * The kinds, in the order their policies are generated. Names are fixed (Services, Secrets):
 * a rename would replace a database. The seed's labels: `app`/`component`, and
 * `app.kubernetes.io/name: rabbitmq-cluster` for the broker.
 */
export const DATASTORES = {
  mysql: {
    scope: "perService",
    namespace: NAMESPACES.app.name,
    port: 3306,
    instanceName: (owner: string) => `${owner}-mysql`,
    podLabels: (instance: string, owner: string) => ({ app: instance, component: "database", owner }),
    secretName: (instance: string) => `${instance}-credentials`,
    usernameKey: "username",
    passwordKey: "password",
    settings: (owner: string) => ({ database: schemaName(owner) }),
    peerPorts: {},
    // No exporter: the MySQL dashboard reads kube-state-metrics (components/monitoring/dashboards.ts).
    metrics: undefined,
    clientEgress: "ownPolicy",
    clientSettings: noClientSettings,
  },
  redis: {
    scope: "shared",
    namespace: NAMESPACES.app.name,
    port: 6379,
    instanceName: "redis",
    podLabels: (instance: string) => ({ app: instance, component: "cache" }),
    secretName: "redis-credentials",
    usernameKey: undefined,
    passwordKey: "password",
    settings: {},
    peerPorts: {},
    metrics: undefined,
    clientEgress: "ownPolicy",
    clientSettings: noClientSettings,
  },
  minio: {
    scope: "shared",
    namespace: NAMESPACES.messaging.name,
    port: 9000,
    instanceName: "minio",
    podLabels: (instance: string) => ({ app: instance, component: "object-storage" }),
    secretName: "minio-client-credentials",
    usernameKey: "accessKey",
    passwordKey: "secretKey",
    settings: {},
    peerPorts: {},
    metrics: undefined,
    clientEgress: "ownPolicy",
    // `MINIO_BUCKET`: the bucket the catalog row names.
    clientSettings: (client: ServiceSpec): Readonly<Record<string, string>> =>
      client.notes?.minioBucket ? { bucket: client.notes.minioBucket } : {},
  },
  rabbitmq: {
    scope: "shared",
    namespace: NAMESPACES.messaging.name,
    port: 5672,
    instanceName: "rabbitmq-cluster",
    podLabels: (instance: string) => ({ "app.kubernetes.io/name": instance }),
    secretName: "rabbitmq-client-credentials",
    usernameKey: "username",
    passwordKey: "password",
    settings: {},
    // Erlang's port mapper and the inter-node (distribution) port.
    peerPorts: { epmd: 4369, clustering: 25672 },
    // The Prometheus plugin's default port (rabbitmq-server v4.1.4 `deps/rabbitmq_prometheus/Makefile`).
    metrics: { portName: "prometheus", port: 15692 },
    clientEgress: "sharedPolicy",
    clientSettings: noClientSettings,
  },
} as const satisfies Readonly<Record<DatastoreKind, DatastoreSpec>>;

/** Every kind, in the table's order. */
export const DATASTORE_KINDS = Object.keys(DATASTORES) as readonly DatastoreKind[];

/** The configuration key of a kind's volume size (each instance, each replica): `mysqlStorageSize`. */
export function storageSizeKey(kind: DatastoreKind): `${DatastoreKind}StorageSize` {
  return `${kind}StorageSize`;
}

/** The row of a kind; an unknown kind is an error, never another kind's row. */
export function datastoreRow(kind: DatastoreKind): DatastoreSpec {
  const row: DatastoreSpec | undefined = (DATASTORES as Readonly<Record<string, DatastoreSpec>>)[kind];
  if (!row) throw new Error(`unknown datastore kind '${kind}': the kinds are ${DATASTORE_KINDS.join(", ")} (catalog/datastores.ts)`);
  return row;
}

/** One StatefulSet of a kind with its Service, and the catalog services that connect to it. */
export interface DatastoreInstance {
  readonly kind: DatastoreKind;
  /** Names it among all datastores: its kind when shared (`rabbitmq`), its name when per service. */
  readonly id: string;
  /** Name of its Service and StatefulSet (the Service's DNS label). */
  readonly name: string;
  readonly namespace: string;
  /** Labels of its pods and objects; Services, NetworkPolicies and monitors select on them. */
  readonly labels: Labels;
  /** The service owning a per-service instance; undefined for a shared one. */
  readonly owner: string | undefined;
  /** What its clients connect with. */
  readonly connection: DatastoreConnection;
  /** The services connecting to it, in catalog order. */
  readonly clients: readonly ServiceSpec[];
}

function connectionTo(row: DatastoreSpec, name: string, secretName: string, settings: Readonly<Record<string, string>>): DatastoreConnection {
  return {
    host: serviceFqdn(name, row.namespace),
    port: row.port,
    secretName,
    usernameKey: row.usernameKey,
    passwordKey: row.passwordKey,
    settings,
  };
}

/** The instance of `kind` a client connects to: its own for a per-service kind, else the shared one. */
function instanceFor(kind: DatastoreKind, client: string): Omit<DatastoreInstance, "clients"> {
  const row = datastoreRow(kind);
  const base = { kind, namespace: row.namespace };
  if (row.scope === "perService") {
    const name = row.instanceName(client);
    const connection = connectionTo(row, name, row.secretName(name), row.settings(client));
    return { ...base, id: name, name, labels: row.podLabels(name, client), owner: client, connection };
  }
  const name = row.instanceName;
  const connection = connectionTo(row, name, row.secretName, row.settings);
  return { ...base, id: kind, name, labels: row.podLabels(name), owner: undefined, connection };
}

/** The instances of `kind` the catalog needs (none when no service uses it), in catalog order. */
export function datastoreInstances(kind: DatastoreKind, services: readonly ServiceSpec[]): DatastoreInstance[] {
  datastoreRow(kind);
  const byName = new Map<string, { instance: Omit<DatastoreInstance, "clients">; clients: ServiceSpec[] }>();
  for (const client of services.filter((s) => s.uses.includes(kind))) {
    const instance = instanceFor(kind, client.name);
    const entry = byName.get(instance.name) ?? byName.set(instance.name, { instance, clients: [] }).get(instance.name)!;
    entry.clients.push(client);
  }
  return [...byName.values()].map(({ instance, clients }) => ({ ...instance, clients }));
}

/** The instance of `kind` that serves `client`; an error if its row does not list the kind. */
export function instanceServing(kind: DatastoreKind, client: ServiceSpec, services: readonly ServiceSpec[]): DatastoreInstance {
  const instance = datastoreInstances(kind, services).find((i) => i.clients.some((c) => c.name === client.name));
  if (!instance) throw new Error(`service '${client.name}' does not use ${kind}: no ${kind} instance serves it`);
  return instance;
}
