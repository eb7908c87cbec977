/**
 * What Vault holds for the platform, as data derived from the catalog: who reads what (the
 * consumers, each with its policy, Kubernetes-auth role and bound ServiceAccount), the KV v2
 * secrets with how each key is generated, the Kubernetes Secrets made from them (the same names
 * and keys the `kubernetes` backend writes today), and the database engine's connections and
 * roles. The bootstrap (components/secrets/bootstrap/) applies it to Vault; the External Secrets
 * Operator's objects are built from it. A new service or store is a catalog row; this table follows.
 */
import { DATASTORES, DatastoreInstance, schemaName } from "./datastores";
import { dataConnections } from "./contracts";
import type { ServiceSpec } from "./index";
import { NAMESPACES } from "./namespaces";

/** Namespace of the Vault server and of the bootstrap Job. */
export const VAULT_NAMESPACE = "vault";
/** Where clients in the cluster reach Vault. */
export const VAULT_ADDRESS = `https://vault.${VAULT_NAMESPACE}.svc:8200`;
/** Mount paths of the engines and the auth method. */
export const VAULT_MOUNTS = { kv: "secret", database: "database", kubernetesAuth: "kubernetes" } as const;
/**
 * The audience of the ServiceAccount tokens Kubernetes-auth roles accept: ESO requests its tokens
 * for it (SecretStore `auth.kubernetes.serviceAccountRef.audiences`), and the bootstrap projects one.
 */
export const VAULT_AUDIENCE = "vault";
/** Folder of the platform's secrets in the KV mount: `secret/platform/<name>`. */
export const KV_FOLDER = "platform";

/** The bootstrap's own identity in Vault (after the first run, which uses the root token). */
export const BOOTSTRAP_IDENTITY = { policy: "bootstrap", role: "bootstrap", serviceAccount: "vault-bootstrap", namespace: VAULT_NAMESPACE } as const;

/** Lifetime of a database lease: renewed by ESO's refresh well within the hour, never beyond a day. */
export const DATABASE_TTL = { defaultTtl: "1h", maxTtl: "24h" } as const;

/** Letters and digits only: the values go into redis.conf, rabbitmq.conf and connection strings unquoted (lib/stateful.ts). */
export const ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/**
 * How one KV key gets its value: generated inside Vault once, a fixed value such as a user name,
 * or the value another secret's key got when both were created (a copy that then lives on its own).
 */
export type KvValue =
  | { readonly random: { readonly length: number; readonly alphabet: "alphanumeric" } }
  | { readonly fixed: string }
  | { readonly sameAs: { readonly secret: string; readonly key: string } };

const random = (length: number): KvValue => ({ random: { length, alphabet: "alphanumeric" } });
/** Lengths the `kubernetes` backend generates (lib/stateful.ts `generatedPassword`, its callers in components/data/). */
export const GENERATED_LENGTHS = { password: 32, minioSecretKey: 40, erlangCookie: 64 } as const;
/**
 * Fixed user names the `kubernetes` backend writes; the table cannot import components/, so a unit
 * test checks these against components/data/rabbitmq-config.ts `RABBITMQ_USERNAME`,
 * components/data/minio.ts `MINIO_ROOT_USER` and components/monitoring/monitoring.ts.
 */
export const FIXED_USERS = { rabbitmq: "ecommerce", minio: "ecommerce", grafana: "admin" } as const;
/** Grafana's admin Secret (components/monitoring/kube-prometheus-stack/chart.ts `GRAFANA_ADMIN_SECRET`). */
export const GRAFANA_ADMIN = { name: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" } as const;

/** A KV v2 secret at `secret/platform/<name>`. */
export interface KvSecret {
  readonly name: string;
  readonly keys: Readonly<Record<string, KvValue>>;
}

/** Where a key of a Kubernetes Secret comes from. */
export type SecretValueSource =
  /** A key of a KV secret, copied. */
  | { readonly kv: string; readonly key: string }
  /** A file built from a KV secret's keys: an External Secrets template (Go template, `.<key>`). */
  | { readonly kv: string; readonly template: string }
  /** A field of a database role's lease (`database/creds/<role>`: `username`, `password`). */
  | { readonly databaseRole: string; readonly field: "username" | "password" };

/** A Kubernetes Secret made from Vault, by the consumer whose identity reads it. */
export interface SecretTarget {
  readonly name: string;
  readonly namespace: string;
  readonly consumer: string;
  readonly data: Readonly<Record<string, SecretValueSource>>;
}

export type ConsumerKind = "service" | "datastore" | "monitoring";

/** One identity in Vault: a policy and a Kubernetes-auth role of the same name. */
export interface VaultConsumer {
  readonly name: string;
  readonly kind: ConsumerKind;
  readonly policy: string;
  readonly role: string;
  /** `<consumer>-secrets`, which no pod runs as: ESO authenticates as it. */
  readonly serviceAccount: string;
  /** Namespaces of the Secrets it feeds (the role binds its ServiceAccount in each). */
  readonly namespaces: readonly string[];
  /** KV secrets it reads, by name. */
  readonly kvSecrets: readonly string[];
  /** The database role whose credentials it reads (a service owning a MySQL). */
  readonly databaseRole: string | undefined;
}

/** A database engine connection: one per MySQL instance, as the user `vault`. */
export interface DatabaseConnection {
  readonly name: string;
  readonly plugin: "mysql-database-plugin";
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** KV secret holding the user's initial password (key `password`); MySQL's init script reads it too. */
  readonly passwordKv: string;
  readonly schema: string;
  readonly allowedRoles: readonly string[];
}

/** A database role: one per owning service, granting only its schema. */
export interface DatabaseRole {
  readonly name: string;
  readonly connection: string;
  readonly schema: string;
  readonly defaultTtl: string;
  readonly maxTtl: string;
  readonly creationStatements: readonly string[];
  readonly revocationStatements: readonly string[];
}

export interface VaultTable {
  readonly consumers: readonly VaultConsumer[];
  readonly kvSecrets: readonly KvSecret[];
  readonly secrets: readonly SecretTarget[];
  readonly connections: readonly DatabaseConnection[];
  readonly databaseRoles: readonly DatabaseRole[];
}

/** The MySQL user Vault manages each instance with (created by components/data/mysql-init.ts). */
export const MYSQL_VAULT_USER = "vault";

/** The KV path of a secret as policies and the HTTP API name it: `secret/data/platform/<name>`. */
export function kvDataPath(name: string): string {
  return `${VAULT_MOUNTS.kv}/data/${KV_FOLDER}/${name}`;
}

/** The path a database role's credentials are read at. */
export function databaseCredsPath(role: string): string {
  return `${VAULT_MOUNTS.database}/creds/${role}`;
}

/** The ServiceAccount a consumer's role is bound to. */
export function consumerServiceAccount(consumer: string): string {
  return `${consumer}-secrets`;
}

/**
 * A schema name as a GRANT names it: `_` is a wildcard there, escaped as the MySQL image's
 * entrypoint does for its own user (docker-library/mysql 8.4/docker-entrypoint.sh `docker_setup_db`).
 */
export function grantSchema(schema: string): string {
  return `\`${schema.replace(/_/g, "\\_")}\``;
}

/** The role of one owning service: its user may do anything in its schema and nothing elsewhere. */
export function databaseRoleFor(service: string, connection: string): DatabaseRole {
  const schema = schemaName(service);
  // `{{name}}`/`{{password}}`: the database engine's statement placeholders (Vault docs, MySQL/MariaDB database secrets engine).
  return {
    name: service,
    connection,
    schema,
    ...DATABASE_TTL,
    creationStatements: [
      "CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';",
      `GRANT ALL PRIVILEGES ON ${grantSchema(schema)}.* TO '{{name}}'@'%';`,
    ],
    revocationStatements: ["DROP USER IF EXISTS '{{name}}'@'%';"],
  };
}

const copyOf = (kv: string, keys: readonly string[]): Record<string, SecretValueSource> => Object.fromEntries(keys.map((key) => [key, { kv, key }]));

interface Part {
  readonly consumer: VaultConsumer;
  readonly kvSecrets: KvSecret[];
  readonly secrets: SecretTarget[];
}

function consumer(name: string, kind: ConsumerKind, namespaces: readonly string[], kvSecrets: readonly string[], databaseRole?: string): VaultConsumer {
  return { name, kind, policy: name, role: name, serviceAccount: consumerServiceAccount(name), namespaces: [...new Set(namespaces)], kvSecrets, databaseRole };
}

/** A MySQL instance's own secrets: its root password and the `vault` user's initial password. */
function mysqlPart(instance: DatastoreInstance): Part {
  const root = `${instance.name}-root`;
  const vault = `${instance.name}-vault`;
  const ns = instance.namespace;
  return {
    consumer: consumer(instance.id, "datastore", [ns], [root, vault]),
    kvSecrets: [
      { name: root, keys: { password: random(GENERATED_LENGTHS.password) } },
      { name: vault, keys: { password: random(GENERATED_LENGTHS.password) } },
    ],
    secrets: [
      { name: root, namespace: ns, consumer: instance.id, data: copyOf(root, ["password"]) },
      { name: vault, namespace: ns, consumer: instance.id, data: copyOf(vault, ["password"]) },
    ],
  };
}

/** Redis: one password, the clients' Secret and the server's `requirepass` include (components/data/redis.ts). */
function redisPart(instance: DatastoreInstance, clientNamespace: string): Part {
  const kv = instance.connection.secretName;
  const key = instance.connection.passwordKey;
  return {
    consumer: consumer(instance.id, "datastore", [clientNamespace, instance.namespace], [kv]),
    kvSecrets: [{ name: kv, keys: { [key]: random(GENERATED_LENGTHS.password) } }],
    secrets: [
      { name: kv, namespace: clientNamespace, consumer: instance.id, data: copyOf(kv, [key]) },
      { name: `${instance.name}-auth-config`, namespace: instance.namespace, consumer: instance.id, data: { "auth.conf": { kv, template: `requirepass {{ .${key} }}\n` } } },
    ],
  };
}

/** RabbitMQ: the default user (clients' copy, the server's conf.d file) and the Erlang cookie (components/data/rabbitmq.ts). */
function rabbitmqPart(instance: DatastoreInstance, clientNamespace: string): Part {
  const { secretName: kv, usernameKey, passwordKey } = instance.connection;
  const user = usernameKey ?? "username";
  const cookie = `${instance.name}-erlang-cookie`;
  const ns = instance.namespace;
  const conf = `default_user = {{ .${user} }}\ndefault_pass = {{ .${passwordKey} }}\n`;
  return {
    consumer: consumer(instance.id, "datastore", [clientNamespace, ns], [kv, cookie]),
    kvSecrets: [
      { name: kv, keys: { [user]: { fixed: FIXED_USERS.rabbitmq }, [passwordKey]: random(GENERATED_LENGTHS.password) } },
      { name: cookie, keys: { cookie: random(GENERATED_LENGTHS.erlangCookie) } },
    ],
    secrets: [
      { name: kv, namespace: clientNamespace, consumer: instance.id, data: copyOf(kv, [user, passwordKey]) },
      {
        name: `${instance.name}-default-user`,
        namespace: ns,
        consumer: instance.id,
        data: { username: { kv, key: user }, password: { kv, key: passwordKey }, "default_user.conf": { kv, template: conf } },
      },
      { name: cookie, namespace: ns, consumer: instance.id, data: copyOf(cookie, ["cookie"]) },
    ],
  };
}

/**
 * MinIO (components/data/minio.ts): the root user, and the clients' credentials, created equal to
 * it (as the `kubernetes` backend has it) but kept apart, so that clients can move to an access
 * key of their own without touching root (README, "Rotating a secret").
 */
function minioPart(instance: DatastoreInstance, clientNamespace: string): Part {
  const { secretName: kv, usernameKey, passwordKey } = instance.connection;
  const access = usernameKey ?? "accessKey";
  const root = `${instance.name}-root-credentials`;
  return {
    consumer: consumer(instance.id, "datastore", [clientNamespace, instance.namespace], [root, kv]),
    kvSecrets: [
      { name: root, keys: { rootUser: { fixed: FIXED_USERS.minio }, rootPassword: random(GENERATED_LENGTHS.minioSecretKey) } },
      { name: kv, keys: { [access]: { sameAs: { secret: root, key: "rootUser" } }, [passwordKey]: { sameAs: { secret: root, key: "rootPassword" } } } },
    ],
    secrets: [
      { name: kv, namespace: clientNamespace, consumer: instance.id, data: copyOf(kv, [access, passwordKey]) },
      { name: root, namespace: instance.namespace, consumer: instance.id, data: copyOf(root, ["rootUser", "rootPassword"]) },
    ],
  };
}

/** Grafana's admin login (components/monitoring/monitoring.ts). */
function grafanaPart(): Part {
  const ns = NAMESPACES.monitoring.name;
  const { name, userKey, passwordKey } = GRAFANA_ADMIN;
  return {
    consumer: consumer("grafana", "monitoring", [ns], [name]),
    kvSecrets: [{ name, keys: { [userKey]: { fixed: FIXED_USERS.grafana }, [passwordKey]: random(GENERATED_LENGTHS.password) } }],
    secrets: [{ name, namespace: ns, consumer: "grafana", data: copyOf(name, [userKey, passwordKey]) }],
  };
}

const SHARED_PARTS = { redis: redisPart, rabbitmq: rabbitmqPart, minio: minioPart } as const;

/** The table for a catalog: consumers in catalog order (services, then stores, then Grafana). */
export function vaultTable(services: readonly ServiceSpec[]): VaultTable {
  const connections = dataConnections(services);
  const clientNamespace = NAMESPACES.app.name;
  const parts: Part[] = [];
  for (const instance of connections.mysql) parts.push(mysqlPart(instance));
  for (const kind of Object.keys(SHARED_PARTS) as (keyof typeof SHARED_PARTS)[]) {
    for (const instance of connections[kind]) parts.push(SHARED_PARTS[kind](instance, clientNamespace));
  }
  parts.push(grafanaPart());

  const databaseConnections: DatabaseConnection[] = [];
  const databaseRoles: DatabaseRole[] = [];
  const serviceConsumers: VaultConsumer[] = [];
  const dbSecrets: SecretTarget[] = [];
  for (const service of services) {
    const own = connections.mysql.find((i) => i.owner === service.name);
    const shared = (Object.keys(SHARED_PARTS) as (keyof typeof SHARED_PARTS)[])
      .flatMap((kind) => connections[kind].filter((i) => i.clients.some((c) => c.name === service.name)))
      .map((i) => i.connection.secretName);
    serviceConsumers.push(consumer(service.name, "service", [clientNamespace], shared, own ? service.name : undefined));
    if (!own) continue;
    databaseConnections.push({
      name: own.name,
      plugin: "mysql-database-plugin",
      host: own.connection.host,
      port: own.connection.port,
      username: MYSQL_VAULT_USER,
      passwordKv: `${own.name}-vault`,
      schema: schemaName(service.name),
      allowedRoles: [service.name],
    });
    databaseRoles.push(databaseRoleFor(service.name, own.name));
    const { secretName, usernameKey, passwordKey } = own.connection;
    dbSecrets.push({
      name: secretName,
      namespace: clientNamespace,
      consumer: service.name,
      data: { [usernameKey ?? DATASTORES.mysql.usernameKey]: { databaseRole: service.name, field: "username" }, [passwordKey]: { databaseRole: service.name, field: "password" } },
    });
  }
  return {
    consumers: [...serviceConsumers, ...parts.map((p) => p.consumer)],
    kvSecrets: parts.flatMap((p) => p.kvSecrets),
    secrets: [...dbSecrets, ...parts.flatMap((p) => p.secrets)],
    connections: databaseConnections,
    databaseRoles,
  };
}
