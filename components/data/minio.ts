import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DATASTORES, WORKLOAD_LABELS } from "../../catalog";
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
} from "../../lib/stateful";
import { dataStatefulSet } from "../../lib/data-statefulset";

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

export interface MinioStoreArgs extends DataStoreArgs {
  /** Namespace of the clients, where their copy of the credentials lives. */
  readonly clientNamespace: pulumi.Input<string>;
}

/** Single-drive MinIO on its volume: Service `minio` with the S3 API on 9000 and the console on 9001. */
export class MinioStore extends pulumi.ComponentResource {
  /** The Secret clients read (`accessKey`, `secretKey`), in the clients' namespace. */
  readonly clientSecret: k8s.core.v1.Secret;
  /** Its name, from the connection contract. */
  readonly clientSecretName: string;
  readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: MinioStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:data:MinioStore", name, {}, opts);
    const labels = WORKLOAD_LABELS.minio();
    const ns = args.namespace;
    const conn = args.connection;
    if (!conn.usernameKey) throw new pulumi.ResourceError("the MinIO connection must name an access key", this);
    const safety = dataSafety(args.protectData);
    this.clientSecretName = conn.secretName;
    const P = MINIO_PORTS;

    const rootPassword = generatedPassword(`${MINIO_NAME}-root-password`, { parent: this, protect: args.protectData }, MINIO_SECRET_LENGTH);
    // One generated value, two Secrets: a Pod can only read Secrets of its own namespace.
    const rootSecret = new k8s.core.v1.Secret(
      `${MINIO_NAME}-root-credentials`,
      opaqueSecret(`${MINIO_NAME}-root-credentials`, ns, labels, { rootUser: MINIO_ROOT_USER, rootPassword: rootPassword.result }),
      { parent: this, ...safety },
    );
    this.clientSecret = new k8s.core.v1.Secret(
      conn.secretName,
      opaqueSecret(conn.secretName, args.clientNamespace, labels, {
        [conn.usernameKey]: MINIO_ROOT_USER,
        [conn.passwordKey]: rootPassword.result,
      }),
      { parent: this, ...safety },
    );
    const service = new k8s.core.v1.Service(
      MINIO_NAME,
      serviceArgs(MINIO_NAME, ns, labels, [servicePort("api", P.api), servicePort("console", P.console)]),
      { parent: this },
    );

    // MinIO keeps its TLS material under a certs directory it creates at start.
    const tmp = scratch("tmp", "/tmp");
    const rootEnv = (envName: string, key: string) => ({ name: envName, valueFrom: { secretKeyRef: { name: rootSecret.metadata.name, key } } });
    const health = (endpoint: "live" | "ready") => ({ path: `/minio/health/${endpoint}`, port: "api" });
    this.statefulSet = dataStatefulSet(
      {
        name: MINIO_NAME,
        namespace: ns,
        labels,
        serviceName: service.metadata.name,
        replicas: 1,
        store: args,
        scaledDownClaims: "Retain",
        uid: MINIO_UID,
        pod: {
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: "minio",
              image: args.image ?? MINIO_IMAGE,
              args: ["server", "/data", "--address", `:${P.api}`, "--console-address", `:${P.console}`, "--certs-dir", "/tmp/certs"],
              ports: [containerPort("api", P.api), containerPort("console", P.console)],
              env: [rootEnv("MINIO_ROOT_USER", "rootUser"), rootEnv("MINIO_ROOT_PASSWORD", "rootPassword")],
              securityContext: hardenedContainer(MINIO_UID),
              resources: resourceRequirements(args.resources ?? MINIO_RESOURCES),
              volumeMounts: [{ name: "data", mountPath: "/data" }, tmp.mount],
              // The health endpoints need no credentials; `ready` also checks the drive is usable.
              startupProbe: { httpGet: health("live"), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 },
              livenessProbe: { httpGet: health("live"), periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
              readinessProbe: { httpGet: health("ready"), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
            },
          ],
          volumes: [tmp.volume],
        },
      },
      { parent: this, ...safety, dependsOn: args.waitFor },
    ).statefulSet;
    this.registerOutputs({});
  }
}
