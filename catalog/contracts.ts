/**
 * What the data tier offers its clients, derived from the catalog with fixed names, so that the
 * application tier can be written against it and wired to the data tier's real resources.
 * Credentials live in Secrets in the clients' namespace (`e-commerce`); clients read them with
 * `secretKeyRef`, never by value.
 */
import { DATASTORE_KINDS, DatastoreInstance, DatastoreKind, datastoreInstances } from "./datastores";
import type { ServiceSpec } from "./index";

export { schemaName } from "./datastores";

export interface DatastoreConnection {
  /** Fully qualified host name, without the root dot (see serviceFqdn). */
  readonly host: string;
  readonly port: number;
  /** Secret in the `e-commerce` namespace holding the credentials. */
  readonly secretName: string;
  /** Key of the user name in the Secret, where the datastore has users. */
  readonly usernameKey?: string;
  readonly passwordKey: string;
  /** Further non-secret settings, e.g. the database name. */
  readonly settings?: Readonly<Record<string, string>>;
}

/** Every datastore instance of the catalog, by kind, each with its connection and its clients. */
export type DataConnections = Readonly<Record<DatastoreKind, readonly DatastoreInstance[]>>;

export function dataConnections(services: readonly ServiceSpec[]): DataConnections {
  return Object.fromEntries(DATASTORE_KINDS.map((kind) => [kind, datastoreInstances(kind, services)])) as Record<
    DatastoreKind,
    DatastoreInstance[]
  >;
}

/** The connection `client` uses for `kind` (its own database for a per-service kind), if any. */
export function connectionFor(connections: DataConnections, kind: DatastoreKind, client: string): DatastoreConnection | undefined {
  return connections[kind]?.find((i) => i.clients.some((c) => c.name === client))?.connection;
}
