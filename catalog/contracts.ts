/**
 * What the data tier offers its clients, derived from the catalog with fixed names, so that the
 * application tier can be written against it and wired to the data tier's real resources.
 * Credentials live in Secrets in the clients' namespace (`e-commerce`); clients read them with
 * `secretKeyRef`, never by value.
 */
import { DATASTORES, NAMESPACES, ServiceSpec, databaseName, serviceFqdn } from ".";

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

export interface DataConnections {
  /** MySQL connection of each owning service, by service name. */
  readonly mysql: Readonly<Record<string, DatastoreConnection>>;
  readonly redis: DatastoreConnection;
  readonly rabbitmq: DatastoreConnection;
  readonly minio: DatastoreConnection;
}

/** The database (schema) name inside a service's MySQL: `auth-service` -> `auth_service`. */
export function schemaName(service: string): string {
  return service.replace(/-/g, "_");
}

export function dataConnections(services: readonly ServiceSpec[]): DataConnections {
  const app = NAMESPACES.app.name;
  const messaging = NAMESPACES.messaging.name;
  const mysql: Record<string, DatastoreConnection> = {};
  for (const s of services.filter((x) => x.uses.includes("mysql"))) {
    mysql[s.name] = {
      host: serviceFqdn(databaseName(s.name), app),
      port: DATASTORES.mysql.port,
      secretName: `${databaseName(s.name)}-credentials`,
      usernameKey: "username",
      passwordKey: "password",
      settings: { database: schemaName(s.name) },
    };
  }
  return {
    mysql,
    redis: { host: serviceFqdn("redis", app), port: DATASTORES.redis.port, secretName: "redis-credentials", passwordKey: "password" },
    rabbitmq: {
      host: serviceFqdn("rabbitmq-cluster", messaging),
      port: DATASTORES.rabbitmq.port,
      secretName: "rabbitmq-client-credentials",
      usernameKey: "username",
      passwordKey: "password",
    },
    minio: {
      host: serviceFqdn("minio", messaging),
      port: DATASTORES.minio.port,
      secretName: "minio-client-credentials",
      usernameKey: "accessKey",
      passwordKey: "secretKey",
    },
  };
}
