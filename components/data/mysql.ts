import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DATASTORES, WORKLOAD_LABELS, databaseName } from "../../catalog";
import {
  DataStoreArgs,
  ResourceProfile,
  containerPort,
  dataSafety,
  generatedPassword,
  hardenedContainer,
  opaqueSecret,
  resourceRequirements,
  scratch,
  serviceArgs,
  servicePort,
  shellProbe,
} from "../../lib/stateful";
import { dataStatefulSet } from "../../lib/data-statefulset";
import { MYSQL_ENTRYPOINT, mysqlInitScript } from "./mysql-init";

/** MySQL 8.4 is the long-term support series. */
export const MYSQL_IMAGE = "mysql:8.4.6";
/** The `mysql` user of the official image. */
export const MYSQL_UID = 999;
/** MySQL user names are at most 32 characters. */
export const MYSQL_USERNAME_MAX = 32;

export const MYSQL_RESOURCES: ResourceProfile = { cpuRequest: "250m", memoryRequest: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" };

/** The volume root holds `lost+found`, which `mysqld --initialize` refuses; data lives one level down. */
const VOLUME_PATH = "/var/lib/mysql";
export const MYSQL_DATADIR = `${VOLUME_PATH}/data`;
/** Where the init container builds a new data directory before renaming it to MYSQL_DATADIR. */
export const MYSQL_STAGING_DIR = `${VOLUME_PATH}/initializing`;

/** The application's MySQL user: the schema name, cut to MySQL's limit. */
export function mysqlUsername(schema: string): string {
  return schema.slice(0, MYSQL_USERNAME_MAX);
}

export interface MySqlDatabaseArgs extends DataStoreArgs {
  /** The catalog service that owns the database. */
  readonly owner: string;
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
  readonly clientSecret: k8s.core.v1.Secret;
  /** Its name, from the connection contract. */
  readonly clientSecretName: string;
  readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: MySqlDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:data:MySqlDatabase", name, {}, opts);
    const fullName = databaseName(args.owner);
    const labels = WORKLOAD_LABELS.mysql(args.owner);
    const port = DATASTORES.mysql.port;
    const ns = args.namespace;
    const conn = args.connection;
    const database = conn.settings?.database;
    if (!database || !conn.usernameKey) {
      throw new pulumi.ResourceError(`the connection of ${fullName} must name a database and a username key`, this);
    }
    const safety = dataSafety(args.protectData);
    this.clientSecretName = conn.secretName;
    const keyOpts = { parent: this, protect: args.protectData };

    const rootPassword = generatedPassword(`${fullName}-root-password`, keyOpts);
    const appPassword = generatedPassword(`${fullName}-password`, keyOpts);
    // Root stays with the server; clients only get their own user.
    const rootSecret = new k8s.core.v1.Secret(
      `${fullName}-root`,
      opaqueSecret(`${fullName}-root`, ns, labels, { password: rootPassword.result }),
      { parent: this, ...safety },
    );
    this.clientSecret = new k8s.core.v1.Secret(
      conn.secretName,
      opaqueSecret(conn.secretName, ns, labels, {
        [conn.usernameKey]: mysqlUsername(database),
        [conn.passwordKey]: appPassword.result,
      }),
      { parent: this, ...safety },
    );
    const service = new k8s.core.v1.Service(fullName, serviceArgs(fullName, ns, labels, [servicePort("mysql", port)]), { parent: this });

    const secretEnv = (envName: string, secret: pulumi.Input<string>, key: string) => ({
      name: envName,
      valueFrom: { secretKeyRef: { name: secret, key } },
    });
    const run = scratch("run", "/var/run/mysqld");
    const tmp = scratch("tmp", "/tmp", "256Mi");
    // The client reads the password from MYSQL_PWD, so it never shows on a command line. The
    // readiness check logs in as the application over TCP and opens its schema: exactly what a
    // client does (over TLS: the CLI prefers it and the server has its generated certificate).
    const appQuery = 'MYSQL_PWD="$MYSQL_PASSWORD" mysql --protocol=tcp -h 127.0.0.1 -u "$MYSQL_USER" -D "$MYSQL_DATABASE" -e "SELECT 1"';
    const image = args.image ?? MYSQL_IMAGE;
    const serverArgs = ["--skip-name-resolve"];
    const appEnv = [
      { name: "MYSQL_DATABASE", value: database },
      secretEnv("MYSQL_USER", this.clientSecret.metadata.name, conn.usernameKey),
      secretEnv("MYSQL_PASSWORD", this.clientSecret.metadata.name, conn.passwordKey),
    ];
    const common = {
      image,
      securityContext: hardenedContainer(MYSQL_UID),
      resources: resourceRequirements(args.resources ?? MYSQL_RESOURCES),
      volumeMounts: [{ name: "data", mountPath: VOLUME_PATH }, run.mount, tmp.mount],
    };
    const initScript = mysqlInitScript(
      { volume: VOLUME_PATH, datadir: MYSQL_DATADIR, staging: MYSQL_STAGING_DIR, entrypoint: MYSQL_ENTRYPOINT },
      serverArgs,
    );

    this.statefulSet = dataStatefulSet(
      {
        name: fullName,
        namespace: ns,
        labels,
        serviceName: service.metadata.name,
        replicas: 1,
        store: args,
        scaledDownClaims: "Retain",
        uid: MYSQL_UID,
        pod: {
          // InnoDB flushes its buffer pool on a clean shutdown; killing it means crash recovery.
          terminationGracePeriodSeconds: 60,
          // A first start initialises the data directory here, atomically (components/data/mysql-init.ts).
          initContainers: [
            {
              name: "mysql-init",
              command: ["bash", "-c", initScript],
              env: [secretEnv("MYSQL_ROOT_PASSWORD", rootSecret.metadata.name, "password"), ...appEnv],
              ...common,
            },
          ],
          containers: [
            {
              name: "mysql",
              // Through the image's entrypoint, which finds the directory initialised and runs mysqld.
              args: [`--datadir=${MYSQL_DATADIR}`, ...serverArgs],
              ports: [containerPort("mysql", port)],
              env: appEnv,
              ...common,
              // Crash recovery after an unclean stop: up to 5 minutes before liveness applies.
              startupProbe: shellProbe(appQuery, { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 }),
              readinessProbe: shellProbe(appQuery, { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }),
              // `mysqladmin ping` succeeds whenever the server answers, even refusing a login:
              // a restart would not fix a credentials problem, only a hung server.
              livenessProbe: shellProbe("mysqladmin --protocol=tcp -h 127.0.0.1 ping", {
                periodSeconds: 20,
                timeoutSeconds: 5,
                failureThreshold: 3,
              }),
            },
          ],
          volumes: [run.volume, tmp.volume],
        },
      },
      { parent: this, ...safety, dependsOn: args.waitFor },
    ).statefulSet;

    this.serviceName = fullName;
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
