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
  singleReplica,
} from "../../lib/stateful";
import { dataStatefulSet } from "../../lib/data-statefulset";

type Container = k8s.types.input.core.v1.Container;

export const MINIO_IMAGE = "quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z";
/** The image has no user of its own; any non-root UID owning the volume works. */
export const MINIO_UID = 1000;
export const MINIO_NAME = DATASTORES.minio.instanceName;
export const MINIO_PORTS = { api: DATASTORES.minio.port, console: 9001 };
/** The root user's name; its password is generated. */
export const MINIO_ROOT_USER = "ecommerce";
/** MinIO accepts secret keys of 8 to 40 characters. */
export const MINIO_SECRET_LENGTH = 40;

export type MinioStoreArgs = DataStoreArgs;

/** The key of the access key in the client Secret, which a MinIO connection must name. */
export function minioAccessKeyName(args: MinioStoreArgs): string {
  const { usernameKey } = args.instance.connection;
  if (!usernameKey) throw new Error("the MinIO connection must name an access key");
  return usernameKey;
}

/** The server's root credentials and the clients' copy of them: one generated value, two namespaces. */
export function minioSecrets(args: MinioStoreArgs, rootPassword: pulumi.Input<string>): { root: k8s.core.v1.SecretArgs; client: k8s.core.v1.SecretArgs } {
  const { name, labels, connection } = args.instance;
  return {
    root: opaqueSecret(`${name}-root-credentials`, args.namespace, labels, { rootUser: MINIO_ROOT_USER, rootPassword }),
    client: opaqueSecret(connection.secretName, args.clientNamespace, labels, {
      [minioAccessKeyName(args)]: MINIO_ROOT_USER,
      [connection.passwordKey]: rootPassword,
    }),
  };
}

/** The client Service: the S3 API and the console. */
export function minioService(args: MinioStoreArgs): k8s.core.v1.ServiceArgs {
  const { name, labels } = args.instance;
  return serviceArgs(name, args.namespace, labels, [servicePort("api", MINIO_PORTS.api), servicePort("console", MINIO_PORTS.console)]);
}

/** The MinIO server. The health endpoints need no credentials; `ready` also checks the drive is usable. */
export function minioContainer(args: MinioStoreArgs, rootSecret: pulumi.Input<string>, tmpMount: { name: string; mountPath: string }): Container {
  const P = MINIO_PORTS;
  const rootEnv = (envName: string, key: string) => ({ name: envName, valueFrom: { secretKeyRef: { name: rootSecret, key } } });
  const health = (endpoint: "live" | "ready") => ({ path: `/minio/health/${endpoint}`, port: "api" });
  return {
    name: "minio",
    image: args.image ?? MINIO_IMAGE,
    args: ["server", "/data", "--address", `:${P.api}`, "--console-address", `:${P.console}`, "--certs-dir", "/tmp/certs"],
    ports: [containerPort("api", P.api), containerPort("console", P.console)],
    env: [rootEnv("MINIO_ROOT_USER", "rootUser"), rootEnv("MINIO_ROOT_PASSWORD", "rootPassword")],
    securityContext: hardenedContainer(MINIO_UID),
    resources: resourceRequirements(args.resources),
    volumeMounts: [{ name: "data", mountPath: "/data" }, tmpMount],
    startupProbe: { httpGet: health("live"), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 },
    livenessProbe: { httpGet: health("live"), periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
    readinessProbe: { httpGet: health("ready"), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  };
}

/** The single-drive MinIO StatefulSet. */
export function minioStatefulSet(args: MinioStoreArgs, objects: { service: pulumi.Input<string>; rootSecret: pulumi.Input<string> }): StatefulSetShape {
  // MinIO keeps its TLS material under a certs directory it creates at start.
  const tmp = scratch("tmp", "/tmp");
  return {
    ...singleReplica(args, objects.service),
    uid: MINIO_UID,
    pod: {
      terminationGracePeriodSeconds: 30,
      containers: [minioContainer(args, objects.rootSecret, tmp.mount)],
      volumes: [tmp.volume],
    },
  };
}

/** Single-drive MinIO on its volume: Service `minio` with the S3 API on 9000 and the console on 9001. */
export class MinioStore extends pulumi.ComponentResource {
  /** The Secret clients read (`accessKey`, `secretKey`), in the clients' namespace. */
  readonly clientSecret: pulumi.Resource;
  /** Its name, from the connection contract. */
  readonly clientSecretName: string;
  readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: MinioStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:data:MinioStore", name, {}, opts);
    const store = args.instance.name;
    const safety = dataSafety(args.protectData);
    this.clientSecretName = args.instance.connection.secretName;

    asResourceError(this, () => minioAccessKeyName(args));
    const secrets = asResourceError(this, () =>
      credentialSecrets(args.credentials, { root: `${store}-root-credentials`, client: this.clientSecretName }, () => {
        const rootPassword = generatedPassword(`${store}-root-password`, { parent: this, protect: args.protectData }, MINIO_SECRET_LENGTH);
        return minioSecrets(args, rootPassword.result);
      }, { parent: this, ...safety }),
    );
    this.clientSecret = secrets.resources.client;
    const service = new k8s.core.v1.Service(store, minioService(args), { parent: this });

    const shape = { ...minioStatefulSet(args, { service: service.metadata.name, rootSecret: secrets.names.root }), annotations: secrets.reload };
    this.statefulSet = dataStatefulSet(shape, { parent: this, ...safety, dependsOn: [...(args.waitFor ?? []), ...secrets.after] }).statefulSet;
    this.registerOutputs({});
  }
}
