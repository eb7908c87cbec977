import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DATASTORES, WORKLOAD_LABELS } from "../../catalog";
import {
  DataStoreArgs,
  ResourceProfile,
  configChecksum,
  containerPort,
  dataSafety,
  generatedPassword,
  hardenedContainer,
  memoryBytes,
  opaqueSecret,
  resourceRequirements,
  serviceArgs,
  servicePort,
  shellProbe,
} from "../../lib/stateful";
import { dataStatefulSet } from "../../lib/data-statefulset";

export const REDIS_IMAGE = "redis:7.4.5";
/** The `redis` user of the official (Debian) image. */
export const REDIS_UID = 999;
export const REDIS_NAME = "redis";

export const REDIS_RESOURCES: ResourceProfile = { cpuRequest: "100m", memoryRequest: "256Mi", cpuLimit: "500m", memoryLimit: "512Mi" };

const AUTH_DIR = "/etc/redis/auth";

/**
 * redis.conf without secrets (the password is `include`d from a Secret). Sessions and carts are
 * data, not cache: the append-only file is synced every second and a full memory refuses writes
 * (`noeviction`) rather than silently dropping keys. `maxmemory` leaves a quarter of the
 * container's limit for the fork that rewrites the AOF.
 */
export function redisConfig(memoryLimit: string, port: number = DATASTORES.redis.port): string {
  const maxmemory = Math.floor((memoryBytes(memoryLimit) * 3) / 4);
  return [
    "bind * -::*",
    `port ${port}`,
    "protected-mode yes",
    "dir /data",
    "appendonly yes",
    "appendfsync everysec",
    "save 3600 1 300 100 60 10000",
    `maxmemory ${maxmemory}`,
    "maxmemory-policy noeviction",
    `include ${AUTH_DIR}/auth.conf`,
    "",
  ].join("\n");
}

export type RedisArgs = DataStoreArgs;

/** Redis with a password and an append-only file on its volume; Service `redis` on 6379. */
export class Redis extends pulumi.ComponentResource {
  /** The Secret clients read (`password`). */
  readonly clientSecret: k8s.core.v1.Secret;
  /** Its name, from the connection contract. */
  readonly clientSecretName: string;
  readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:data:Redis", name, {}, opts);
    const labels = WORKLOAD_LABELS.redis();
    const port = DATASTORES.redis.port;
    const ns = args.namespace;
    const conn = args.connection;
    const safety = dataSafety(args.protectData);
    this.clientSecretName = conn.secretName;
    const profile = args.resources ?? REDIS_RESOURCES;

    const password = generatedPassword(`${REDIS_NAME}-password`, { parent: this, protect: args.protectData });
    this.clientSecret = new k8s.core.v1.Secret(
      conn.secretName,
      opaqueSecret(conn.secretName, ns, labels, { [conn.passwordKey]: password.result }),
      { parent: this, ...safety },
    );
    const authSecret = new k8s.core.v1.Secret(
      `${REDIS_NAME}-auth-config`,
      opaqueSecret(`${REDIS_NAME}-auth-config`, ns, labels, { "auth.conf": pulumi.interpolate`requirepass ${password.result}\n` }),
      { parent: this, ...safety },
    );
    const configText = redisConfig(profile.memoryLimit, port);
    const config = new k8s.core.v1.ConfigMap(
      `${REDIS_NAME}-config`,
      { metadata: { name: `${REDIS_NAME}-config`, namespace: ns, labels }, data: { "redis.conf": configText } },
      { parent: this },
    );
    const service = new k8s.core.v1.Service(REDIS_NAME, serviceArgs(REDIS_NAME, ns, labels, [servicePort("redis", port)]), { parent: this });

    // redis-cli reads the password from REDISCLI_AUTH, so it never shows on a command line.
    // Ready only on PONG; alive as long as it answers at all (LOADING while it replays the AOF).
    const ping = `redis-cli -h 127.0.0.1 -p ${port} ping`;
    const answers = `${ping} | grep -Eq '^(PONG|LOADING)'`;
    this.statefulSet = dataStatefulSet(
      {
        name: REDIS_NAME,
        namespace: ns,
        labels,
        serviceName: service.metadata.name,
        replicas: 1,
        store: args,
        scaledDownClaims: "Retain",
        uid: REDIS_UID,
        podAnnotations: configChecksum(configText),
        pod: {
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: "redis",
              image: args.image ?? REDIS_IMAGE,
              // Through the image's entrypoint, which sets a private umask for the data files.
              args: ["redis-server", "/etc/redis/redis.conf"],
              ports: [containerPort("redis", port)],
              env: [{ name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: this.clientSecret.metadata.name, key: conn.passwordKey } } }],
              securityContext: hardenedContainer(REDIS_UID),
              resources: resourceRequirements(profile),
              volumeMounts: [
                { name: "data", mountPath: "/data" },
                { name: "config", mountPath: "/etc/redis/redis.conf", subPath: "redis.conf", readOnly: true },
                { name: "auth", mountPath: AUTH_DIR, readOnly: true },
              ],
              startupProbe: shellProbe(answers, { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 }),
              readinessProbe: shellProbe(`${ping} | grep -q '^PONG'`, { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }),
              livenessProbe: shellProbe(answers, { periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 }),
            },
          ],
          volumes: [
            { name: "config", configMap: { name: config.metadata.name } },
            { name: "auth", secret: { secretName: authSecret.metadata.name, defaultMode: 0o440 } },
          ],
        },
      },
      { parent: this, ...safety, dependsOn: args.waitFor },
    ).statefulSet;
    this.registerOutputs({});
  }
}
