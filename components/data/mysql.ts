import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DATASTORES } from "../../catalog";
import {
  DataStoreArgs,
  StatefulSetShape,
  asResourceError,
  containerPort,
  credentialSecrets,
  dataSafety,
  generatedPassword,
  hardenedContainer,
  opaqueSecret,
  resourceRequirements,
  scratch,
  serviceArgs,
  servicePort,
  shellProbe,
  singleReplica,
} from "../../lib/stateful";
import { dataStatefulSet } from "../../lib/data-statefulset";
import { MYSQL_ENTRYPOINT, MySqlInitUsers, mysqlInitScript } from "./mysql-init";

type Container = k8s.types.input.core.v1.Container;
type EnvVar = k8s.types.input.core.v1.EnvVar;
type Volume = k8s.types.input.core.v1.Volume;

/** MySQL 8.4 is the long-term support series. */
export const MYSQL_IMAGE = "mysql:8.4.6";
/** The `mysql` user of the official image. */
export const MYSQL_UID = 999;
/** MySQL user names are at most 32 characters. */
export const MYSQL_USERNAME_MAX = 32;

/** The volume root holds `lost+found`, which `mysqld --initialize` refuses; data lives one level down. */
const VOLUME_PATH = "/var/lib/mysql";
export const MYSQL_DATADIR = `${VOLUME_PATH}/data`;
/** Where the init container builds a new data directory before renaming it to MYSQL_DATADIR. */
export const MYSQL_STAGING_DIR = `${VOLUME_PATH}/initializing`;

/** The application's MySQL user: the schema name, cut to MySQL's limit. */
export function mysqlUsername(schema: string): string {
  return schema.slice(0, MYSQL_USERNAME_MAX);
}

export type MySqlDatabaseArgs = DataStoreArgs;

/** The schema and the client Secret's keys, which a MySQL connection must name. */
export function mysqlContract(args: MySqlDatabaseArgs): { database: string; usernameKey: string; passwordKey: string; secretName: string } {
  const { name, connection } = args.instance;
  const database = connection.settings?.database;
  if (!database || !connection.usernameKey) throw new Error(`the connection of ${name} must name a database and a username key`);
  return { database, usernameKey: connection.usernameKey, passwordKey: connection.passwordKey, secretName: connection.secretName };
}

/** Root stays with the server; clients only get their own user. */
export function mysqlSecrets(
  args: MySqlDatabaseArgs,
  passwords: { root: pulumi.Input<string>; app: pulumi.Input<string> },
): { root: k8s.core.v1.SecretArgs; client: k8s.core.v1.SecretArgs } {
  const { name, labels } = args.instance;
  const c = mysqlContract(args);
  return {
    root: opaqueSecret(`${name}-root`, args.namespace, labels, { password: passwords.root }),
    client: opaqueSecret(c.secretName, args.clientNamespace, labels, { [c.usernameKey]: mysqlUsername(c.database), [c.passwordKey]: passwords.app }),
  };
}

/** Names of the root and client Secrets the containers read. */
export interface MySqlSecretNames {
  readonly root: pulumi.Input<string>;
  readonly client: pulumi.Input<string>;
}

/**
 * Who the pod's users are: the application's user from the client Secret (the `kubernetes`
 * backend), or, with Vault, the user `vault` (its initial password in the Secret `<instance>-vault`)
 * and no application user: Vault creates one per lease, so the client Secret exists only once
 * MySQL runs and the pod must not wait for it; the probes then log in as root.
 */
export type MySqlUsers = { readonly kind: "application" } | { readonly kind: "vault"; readonly vaultSecret: pulumi.Input<string> };

/** What `users` means for the init script. */
const initUsers = (users: MySqlUsers): MySqlInitUsers => (users.kind === "vault" ? "vault" : "application");

const secretEnv = (envName: string, secret: pulumi.Input<string>, key: string): EnvVar => ({
  name: envName,
  valueFrom: { secretKeyRef: { name: secret, key } },
});

/** The server's arguments other than `--datadir`, shared by the init container's temporary server. */
export const MYSQL_SERVER_ARGS = ["--skip-name-resolve"];

/**
 * The init container (a first start initialises the data directory, atomically:
 * components/data/mysql-init.ts) and the server, which reads its schema and user from the
 * client Secret.
 */
export function mysqlContainers(
  args: MySqlDatabaseArgs,
  secrets: MySqlSecretNames,
  users: MySqlUsers,
): { init: Container; server: Container; volumes: Volume[] } {
  const c = mysqlContract(args);
  const run = scratch("run", "/var/run/mysqld");
  const tmp = scratch("tmp", "/tmp", "256Mi");
  // The client reads the password from MYSQL_PWD, so it never shows on a command line. The
  // readiness check logs in as the application over TCP and opens its schema: exactly what a
  // client does (over TLS: the CLI prefers it and the server has its generated certificate).
  // With Vault there is no lasting application user: root (root@'%', the entrypoint's
  // MYSQL_ROOT_HOST default) opens the schema the same way.
  const appQuery =
    users.kind === "vault"
      ? 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysql --protocol=tcp -h 127.0.0.1 -u root -D "$MYSQL_DATABASE" -e "SELECT 1"'
      : 'MYSQL_PWD="$MYSQL_PASSWORD" mysql --protocol=tcp -h 127.0.0.1 -u "$MYSQL_USER" -D "$MYSQL_DATABASE" -e "SELECT 1"';
  const rootEnv = secretEnv("MYSQL_ROOT_PASSWORD", secrets.root, "password");
  const appEnv =
    users.kind === "vault"
      ? [{ name: "MYSQL_DATABASE", value: c.database }, rootEnv]
      : [{ name: "MYSQL_DATABASE", value: c.database }, secretEnv("MYSQL_USER", secrets.client, c.usernameKey), secretEnv("MYSQL_PASSWORD", secrets.client, c.passwordKey)];
  const initEnv =
    users.kind === "vault" ? [...appEnv, secretEnv("MYSQL_VAULT_PASSWORD", users.vaultSecret, "password")] : [rootEnv, ...appEnv];
  const common = {
    image: args.image ?? MYSQL_IMAGE,
    securityContext: hardenedContainer(MYSQL_UID),
    resources: resourceRequirements(args.resources),
    volumeMounts: [{ name: "data", mountPath: VOLUME_PATH }, run.mount, tmp.mount],
  };
  const initScript = mysqlInitScript(
    { volume: VOLUME_PATH, datadir: MYSQL_DATADIR, staging: MYSQL_STAGING_DIR, entrypoint: MYSQL_ENTRYPOINT },
    MYSQL_SERVER_ARGS,
    initUsers(users),
  );
  const init = { name: "mysql-init", command: ["bash", "-c", initScript], env: initEnv, ...common };
  const server = {
    name: "mysql",
    // Through the image's entrypoint, which finds the directory initialised and runs mysqld.
    args: [`--datadir=${MYSQL_DATADIR}`, ...MYSQL_SERVER_ARGS],
    ports: [containerPort("mysql", DATASTORES.mysql.port)],
    env: appEnv,
    ...common,
    // Crash recovery after an unclean stop: up to 5 minutes before liveness applies.
    startupProbe: shellProbe(appQuery, { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 }),
    readinessProbe: shellProbe(appQuery, { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }),
    // `mysqladmin ping` succeeds whenever the server answers, even refusing a login:
    // a restart would not fix a credentials problem, only a hung server.
    livenessProbe: shellProbe("mysqladmin --protocol=tcp -h 127.0.0.1 ping", { periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 }),
  };
  return { init, server, volumes: [run.volume, tmp.volume] };
}

/** The synced Secret of the `vault` user's initial password, with the `vault` backend; an unsynced one is an error naming it. */
function vaultUserSecret(credentials: DataStoreArgs["credentials"], name: string): pulumi.Resource[] {
  if (credentials.backend !== "vault") return [];
  const synced = credentials.synced[name];
  if (!synced) throw new Error(`Secret '${name}' is not synced from Vault (catalog/vault.ts has no target of that name)`);
  return [synced];
}

/** The single-replica MySQL StatefulSet. */
export function mysqlStatefulSet(
  args: MySqlDatabaseArgs,
  objects: MySqlSecretNames & { service: pulumi.Input<string> },
  users: MySqlUsers,
): StatefulSetShape {
  const { init, server, volumes } = mysqlContainers(args, objects, users);
  return {
    ...singleReplica(args, objects.service),
    uid: MYSQL_UID,
    pod: {
      // InnoDB flushes its buffer pool on a clean shutdown; killing it means crash recovery.
      terminationGracePeriodSeconds: 60,
      initContainers: [init],
      containers: [server],
      volumes,
    },
  };
}

/**
 * The MySQL instance of one service: a single-replica StatefulSet with its volume, a ClusterIP
 * Service `<owner>-mysql` on 3306, and generated root and application passwords kept in Secrets.
 * The client Secret (`username`, `password`) is named by the connection contract; the schema
 * name comes from its `settings.database`.
 */
export class MySqlDatabase extends pulumi.ComponentResource {
  readonly serviceName: string;
  /** The Secret clients read, in the clients' namespace. */
  readonly clientSecret: pulumi.Resource;
  /** Its name, from the connection contract. */
  readonly clientSecretName: string;
  readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: MySqlDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:data:MySqlDatabase", name, {}, opts);
    const { instance, namespace } = args;
    this.clientSecretName = asResourceError(this, () => mysqlContract(args)).secretName;
    const safety = dataSafety(args.protectData);
    const keyOpts = { parent: this, protect: args.protectData };

    const secrets = asResourceError(this, () =>
      credentialSecrets(args.credentials, { root: `${instance.name}-root`, client: this.clientSecretName }, () => {
        const rootPassword = generatedPassword(`${instance.name}-root-password`, keyOpts);
        const appPassword = generatedPassword(`${instance.name}-password`, keyOpts);
        return mysqlSecrets(args, { root: rootPassword.result, app: appPassword.result });
      }, { parent: this, ...safety }),
    );
    this.clientSecret = secrets.resources.client;
    const service = new k8s.core.v1.Service(
      instance.name,
      serviceArgs(instance.name, namespace, instance.labels, [servicePort("mysql", DATASTORES.mysql.port)]),
      { parent: this },
    );

    const objects = { service: service.metadata.name, root: secrets.names.root, client: secrets.names.client };
    // With Vault the pod waits for root's and the `vault` user's Secrets, never for the client's:
    // Vault makes the client's user in this MySQL, so that Secret exists only once MySQL runs.
    const vaultSecret = `${instance.name}-vault`;
    const users: MySqlUsers = args.credentials.backend === "vault" ? { kind: "vault", vaultSecret } : { kind: "application" };
    const dependsOn = [...(args.waitFor ?? []), ...secrets.after.filter((r) => r !== secrets.resources.client), ...vaultUserSecret(args.credentials, vaultSecret)];
    const shape = { ...mysqlStatefulSet(args, objects, users), annotations: secrets.reload };
    this.statefulSet = dataStatefulSet(shape, { parent: this, ...safety, dependsOn }).statefulSet;
    this.serviceName = instance.name;
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
