import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DATASTORES, WORKLOAD_LABELS } from "../catalog";
import {
  ResourceProfile,
  claimRetention,
  dataSafety,
  dataVolumeClaim,
  generatedPassword,
  hardenedContainer,
  hardenedPodSpec,
  resourceRequirements,
  scratch,
} from "../lib/stateful";
import { DatastoreConnection } from "./contracts";

export const MINIO_IMAGE = "quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z";
/** The image has no user of its own; any non-root UID owning the volume works. */
export const MINIO_UID = 1000;
export const MINIO_NAME = "minio";
export const MINIO_PORTS = { api: DATASTORES.minio.port, console: 9001 };
/** The root user's name; its password is generated. */
export const MINIO_ROOT_USER = "ecommerce";
/** MinIO accepts secret keys of 8 to 40 characters. */
export const MINIO_SECRET_LENGTH = 40;

export const MINIO_RESOURCES: ResourceProfile = { cpuRequest: "250m", memoryRequest: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" };

export interface MinioStoreArgs {
  /** Client Secret (`accessKey`, `secretKey`) created in the clients' namespace. */
  readonly connection: DatastoreConnection;
  readonly namespace: pulumi.Input<string>;
  readonly clientNamespace: pulumi.Input<string>;
  readonly storageClass: string;
  readonly storageSize: string;
  readonly protectData: boolean;
  /** @default MINIO_IMAGE */
  readonly image?: string;
  /** @default MINIO_RESOURCES */
  readonly resources?: ResourceProfile;
}

/** Single-drive MinIO on its volume: Service `minio` with the S3 API on 9000 and the console on 9001. */
export class MinioStore extends pulumi.ComponentResource {
  readonly clientSecret: k8s.core.v1.Secret;
  readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: MinioStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:data:MinioStore", name, {}, opts);
    const labels = WORKLOAD_LABELS.minio();
    const ns = args.namespace;
    const conn = args.connection;
    if (!conn.usernameKey) throw new pulumi.ResourceError("the MinIO connection must name an access key", this);
    const safety = dataSafety(args.protectData);
    const P = MINIO_PORTS;

    const rootPassword = generatedPassword(`${MINIO_NAME}-root-password`, { parent: this, protect: args.protectData }, MINIO_SECRET_LENGTH);
    const rootSecret = new k8s.core.v1.Secret(
      `${MINIO_NAME}-root-credentials`,
      {
        metadata: { name: `${MINIO_NAME}-root-credentials`, namespace: ns, labels },
        type: "Opaque",
        stringData: { rootUser: MINIO_ROOT_USER, rootPassword: rootPassword.result },
      },
      { parent: this, ...safety },
    );
    this.clientSecret = new k8s.core.v1.Secret(
      conn.secretName,
      {
        metadata: { name: conn.secretName, namespace: args.clientNamespace, labels },
        type: "Opaque",
        stringData: { [conn.usernameKey]: MINIO_ROOT_USER, [conn.passwordKey]: rootPassword.result },
      },
      { parent: this, ...safety },
    );

    const service = new k8s.core.v1.Service(
      MINIO_NAME,
      {
        metadata: { name: MINIO_NAME, namespace: ns, labels },
        spec: {
          type: "ClusterIP",
          selector: labels,
          ports: [
            { name: "api", port: P.api, targetPort: P.api, protocol: "TCP" },
            { name: "console", port: P.console, targetPort: P.console, protocol: "TCP" },
          ],
        },
      },
      { parent: this },
    );

    // MinIO keeps its TLS material under a certs directory it creates at start.
    const tmp = scratch("tmp", "/tmp");
    const rootEnv = (envName: string, key: string) => ({ name: envName, valueFrom: { secretKeyRef: { name: rootSecret.metadata.name, key } } });
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      MINIO_NAME,
      {
        metadata: { name: MINIO_NAME, namespace: ns, labels },
        spec: {
          serviceName: service.metadata.name,
          replicas: 1,
          selector: { matchLabels: labels },
          persistentVolumeClaimRetentionPolicy: claimRetention(args.protectData),
          volumeClaimTemplates: [dataVolumeClaim(args.storageSize, args.storageClass, labels)],
          template: {
            metadata: { labels },
            spec: {
              ...hardenedPodSpec(MINIO_UID),
              terminationGracePeriodSeconds: 30,
              containers: [
                {
                  name: "minio",
                  image: args.image ?? MINIO_IMAGE,
                  args: ["server", "/data", "--address", `:${P.api}`, "--console-address", `:${P.console}`, "--certs-dir", "/tmp/certs"],
                  ports: [
                    { name: "api", containerPort: P.api, protocol: "TCP" },
                    { name: "console", containerPort: P.console, protocol: "TCP" },
                  ],
                  env: [rootEnv("MINIO_ROOT_USER", "rootUser"), rootEnv("MINIO_ROOT_PASSWORD", "rootPassword")],
                  securityContext: hardenedContainer(MINIO_UID),
                  resources: resourceRequirements(args.resources ?? MINIO_RESOURCES),
                  volumeMounts: [{ name: "data", mountPath: "/data" }, tmp.mount],
                  // The health endpoints need no credentials; `ready` also checks the drive is usable.
                  startupProbe: { httpGet: { path: "/minio/health/live", port: "api" }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 },
                  livenessProbe: { httpGet: { path: "/minio/health/live", port: "api" }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
                  readinessProbe: { httpGet: { path: "/minio/health/ready", port: "api" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
                },
              ],
              volumes: [tmp.volume],
            },
          },
        },
      },
      { parent: this, ...safety },
    );
    this.registerOutputs({});
  }
}
