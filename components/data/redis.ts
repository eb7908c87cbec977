import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DATASTORES } from "../../catalog";
import {
  DataStoreArgs,
  ResourceProfile,
  StatefulSetShape,
  configChecksum,
  asResourceError,
  containerPort,
  credentialSecrets,
  dataSafety,
  generatedPassword,
  hardenedContainer,
  memoryBytes,
  opaqueSecret,
  resourceRequirements,
  serviceArgs,
  servicePort,
  shellProbe,
  singleReplica,
} from "../../lib/stateful";
import { dataStatefulSet } from "../../lib/data-statefulset";

type Container = k8s.types.input.core.v1.Container;

export const REDIS_IMAGE = "redis:7.4.5";
/** The `redis` user of the official (Debian) image. */
export const REDIS_UID = 999;
export const REDIS_NAME = DATASTORES.redis.instanceName;

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

/** The client Secret (the password under the contract's key) and the server's `requirepass` include. */
export function redisSecrets(args: RedisArgs, password: pulumi.Input<string>): { client: k8s.core.v1.SecretArgs; auth: k8s.core.v1.SecretArgs } {
  const { name, labels, connection } = args.instance;
  return {
    client: opaqueSecret(connection.secretName, args.clientNamespace, labels, { [connection.passwordKey]: password }),
    auth: opaqueSecret(`${name}-auth-config`, args.namespace, labels, { "auth.conf": pulumi.interpolate`requirepass ${password}\n` }),
  };
}

/**
 * The Redis container. redis-cli reads the password from REDISCLI_AUTH, so it never shows on a
 * command line. Ready only on PONG; alive as long as it answers at all (LOADING while it replays
 * the AOF).
 */
export function redisContainer(args: RedisArgs, profile: ResourceProfile, clientSecret: pulumi.Input<string>): Container {
  const port = DATASTORES.redis.port;
  const ping = `redis-cli -h 127.0.0.1 -p ${port} ping`;
  const answers = `${ping} | grep -Eq '^(PONG|LOADING)'`;
  return {
    name: "redis",
    image: args.image ?? REDIS_IMAGE,
    // Through the image's entrypoint, which sets a private umask for the data files.
    args: ["redis-server", "/etc/redis/redis.conf"],
    ports: [containerPort("redis", port)],
    env: [{ name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: clientSecret, key: args.instance.connection.passwordKey } } }],
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
  };
}

/** The objects the Redis pod refers to, by name (outputs, so that the StatefulSet waits for them). */
export interface RedisPodObjects {
  readonly service: pulumi.Input<string>;
  readonly clientSecret: pulumi.Input<string>;
  readonly authSecret: pulumi.Input<string>;
  readonly config: pulumi.Input<string>;
}

/** The single-replica Redis StatefulSet; a changed redis.conf rolls the pod. */
export function redisStatefulSet(args: RedisArgs, profile: ResourceProfile, configText: string, objects: RedisPodObjects): StatefulSetShape {
  return {
    ...singleReplica(args, objects.service),
    uid: REDIS_UID,
    podAnnotations: configChecksum(configText),
    pod: {
      terminationGracePeriodSeconds: 30,
      containers: [redisContainer(args, profile, objects.clientSecret)],
      volumes: [
        { name: "config", configMap: { name: objects.config } },
        { name: "auth", secret: { secretName: objects.authSecret, defaultMode: 0o440 } },
      ],
    },
  };
}

/** Redis with a password and an append-only file on its volume; Service `redis` on 6379. */
export class Redis extends pulumi.ComponentResource {
  /** The Secret clients read (`password`). */
  readonly clientSecret: pulumi.Resource;
  /** Its name, from the connection contract. */
  readonly clientSecretName: string;
  readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:data:Redis", name, {}, opts);
    const { instance, namespace } = args;
    const safety = dataSafety(args.protectData);
    this.clientSecretName = instance.connection.secretName;
    const profile = args.resources;

    const secrets = asResourceError(this, () =>
      credentialSecrets(args.credentials, { client: this.clientSecretName, auth: `${instance.name}-auth-config` }, () => {
        const password = generatedPassword(`${instance.name}-password`, { parent: this, protect: args.protectData });
        return redisSecrets(args, password.result);
      }, { parent: this, ...safety }),
    );
    this.clientSecret = secrets.resources.client;
    const configText = redisConfig(profile.memoryLimit, DATASTORES.redis.port);
    const config = new k8s.core.v1.ConfigMap(
      `${instance.name}-config`,
      { metadata: { name: `${instance.name}-config`, namespace, labels: instance.labels }, data: { "redis.conf": configText } },
      { parent: this },
    );
    const service = new k8s.core.v1.Service(
      instance.name,
      serviceArgs(instance.name, namespace, instance.labels, [servicePort("redis", DATASTORES.redis.port)]),
      { parent: this },
    );
    const objects = {
      service: service.metadata.name,
      clientSecret: secrets.names.client,
      authSecret: secrets.names.auth,
      config: config.metadata.name,
    };
    this.statefulSet = dataStatefulSet({ ...redisStatefulSet(args, profile, configText, objects), annotations: secrets.reload }, {
      parent: this,
      ...safety,
      dependsOn: [...(args.waitFor ?? []), ...secrets.after],
    }).statefulSet;
    this.registerOutputs({});
  }
}
