import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DATASTORES, WORKLOAD_LABELS } from "../catalog";
import {
  ResourceProfile,
  claimRetention,
  configChecksum,
  dataSafety,
  dataVolumeClaim,
  generatedPassword,
  hardenedContainer,
  hardenedPodSpec,
  memoryBytes,
  resourceRequirements,
  shellProbe,
} from "../lib/stateful";
import { DatastoreConnection } from "./contracts";

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

export interface RedisArgs {
  /** The Secret clients read (`password`). */
  readonly connection: DatastoreConnection;
  readonly namespace: pulumi.Input<string>;
  readonly storageClass: string;
  readonly storageSize: string;
  readonly protectData: boolean;
  /** @default REDIS_IMAGE */
  readonly image?: string;
  /** @default REDIS_RESOURCES */
  readonly resources?: ResourceProfile;
}

/** Redis with a password and an append-only file on its volume; Service `redis` on 6379. */
export class Redis extends pulumi.ComponentResource {
  readonly clientSecret: k8s.core.v1.Secret;
  readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:data:Redis", name, {}, opts);
    const labels = WORKLOAD_LABELS.redis();
    const port = DATASTORES.redis.port;
    const conn = args.connection;
    const safety = dataSafety(args.protectData);
    const profile = args.resources ?? REDIS_RESOURCES;

    const password = generatedPassword(`${REDIS_NAME}-password`, { parent: this, protect: args.protectData });
    this.clientSecret = new k8s.core.v1.Secret(
      conn.secretName,
      {
        metadata: { name: conn.secretName, namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { [conn.passwordKey]: password.result },
      },
      { parent: this, ...safety },
    );
    const authSecret = new k8s.core.v1.Secret(
      `${REDIS_NAME}-auth-config`,
      {
        metadata: { name: `${REDIS_NAME}-auth-config`, namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { "auth.conf": pulumi.interpolate`requirepass ${password.result}\n` },
      },
      { parent: this, ...safety },
    );
    const configText = redisConfig(profile.memoryLimit, port);
    const config = new k8s.core.v1.ConfigMap(
      `${REDIS_NAME}-config`,
      {
        metadata: { name: `${REDIS_NAME}-config`, namespace: args.namespace, labels },
        data: { "redis.conf": configText },
      },
      { parent: this },
    );
    const service = new k8s.core.v1.Service(
      REDIS_NAME,
      {
        metadata: { name: REDIS_NAME, namespace: args.namespace, labels },
        spec: { type: "ClusterIP", selector: labels, ports: [{ name: "redis", port, targetPort: port, protocol: "TCP" }] },
      },
      { parent: this },
    );

    // redis-cli reads the password from REDISCLI_AUTH, so it never shows on a command line.
    // Ready only on PONG; alive as long as it answers at all (LOADING while it replays the AOF).
    const ping = `redis-cli -h 127.0.0.1 -p ${port} ping`;
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      REDIS_NAME,
      {
        metadata: { name: REDIS_NAME, namespace: args.namespace, labels },
        spec: {
          serviceName: service.metadata.name,
          replicas: 1,
          selector: { matchLabels: labels },
          persistentVolumeClaimRetentionPolicy: claimRetention(args.protectData),
          volumeClaimTemplates: [dataVolumeClaim(args.storageSize, args.storageClass, labels)],
          template: {
            metadata: { labels, annotations: configChecksum(configText) },
            spec: {
              ...hardenedPodSpec(REDIS_UID),
              terminationGracePeriodSeconds: 30,
              containers: [
                {
                  name: "redis",
                  image: args.image ?? REDIS_IMAGE,
                  command: ["redis-server", "/etc/redis/redis.conf"],
                  ports: [{ name: "redis", containerPort: port, protocol: "TCP" }],
                  env: [{ name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: this.clientSecret.metadata.name, key: conn.passwordKey } } }],
                  securityContext: hardenedContainer(REDIS_UID),
                  resources: resourceRequirements(profile),
                  volumeMounts: [
                    { name: "data", mountPath: "/data" },
                    { name: "config", mountPath: "/etc/redis/redis.conf", subPath: "redis.conf", readOnly: true },
                    { name: "auth", mountPath: AUTH_DIR, readOnly: true },
                  ],
                  startupProbe: shellProbe(`${ping} | grep -Eq '^(PONG|LOADING)'`, { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 }),
                  readinessProbe: shellProbe(`${ping} | grep -q '^PONG'`, { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }),
                  livenessProbe: shellProbe(`${ping} | grep -Eq '^(PONG|LOADING)'`, { periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 }),
                },
              ],
              volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                { name: "auth", secret: { secretName: authSecret.metadata.name, defaultMode: 0o440 } },
              ],
            },
          },
        },
      },
      { parent: this, ...safety },
    );
    this.registerOutputs({});
  }
}
