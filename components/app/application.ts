/**
 * The application tier: one `Microservice` per catalog row (the API gateway and the
 * microservices), each wired to exactly the datastores its row lists.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DatastoreKind, NAMESPACES, ServiceSpec, datastoreRow, serviceFqdn } from "../../catalog";
import type { AppSettings } from "../../config/apps";
import { imageReference, unknownOverrideServices } from "../../config/apps";
import { DataConnections, DatastoreConnection, connectionFor } from "../../catalog/contracts";
import { Microservice } from "./microservice";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** `auth-service` -> `AUTH_SERVICE`, `accessKey` -> `ACCESS_KEY`. */
export function envName(...parts: string[]): string {
  return parts
    .map((p) => p.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/-/g, "_").toUpperCase())
    .join("_");
}

/** Prefix of a datastore kind's environment variables: `mysql` -> `MYSQL_HOST`, `MYSQL_PASSWORD`, ... */
export function envPrefix(kind: DatastoreKind): string {
  return envName(kind);
}

/** The connection a service uses for a datastore kind (its own instance of a per-service kind). */
export function connectionOf(spec: ServiceSpec, kind: DatastoreKind, connections: DataConnections): DatastoreConnection {
  const conn = connectionFor(connections, kind, spec.name);
  if (!conn) throw new Error(`service '${spec.name}' uses ${kind}, but the data tier offers no ${kind} connection for it`);
  return conn;
}

/** Host, port and settings as values; user name and password as references to the Secret. */
export function connectionEnv(prefix: string, conn: DatastoreConnection): EnvVar[] {
  const fromSecret = (key: string): EnvVar => ({
    name: envName(prefix, key),
    valueFrom: { secretKeyRef: { name: conn.secretName, key } },
  });
  return [
    { name: `${prefix}_HOST`, value: conn.host },
    { name: `${prefix}_PORT`, value: String(conn.port) },
    ...Object.entries(conn.settings ?? {}).map(([key, value]) => ({ name: envName(prefix, key), value })),
    ...(conn.usernameKey ? [fromSecret(conn.usernameKey)] : []),
    fromSecret(conn.passwordKey),
  ];
}

/** Base URL of a catalog service as other pods reach it (absolute DNS name). */
export function serviceUrl(spec: ServiceSpec): string {
  return `http://${serviceFqdn(spec.name, NAMESPACES.app.name)}:${spec.httpPort}`;
}

/** The settings a datastore kind's row gives this client (`MINIO_BUCKET`), as values. */
export function clientSettingsEnv(spec: ServiceSpec, kind: DatastoreKind): EnvVar[] {
  return Object.entries(datastoreRow(kind).clientSettings(spec)).map(([key, value]) => ({ name: envName(envPrefix(kind), key), value }));
}

/**
 * A service's environment: its catalog datastores, in catalog order, and for the gateway the URL
 * of every microservice (`AUTH_SERVICE_URL`, ...).
 */
export function serviceEnv(spec: ServiceSpec, services: readonly ServiceSpec[], connections: DataConnections): EnvVar[] {
  const env = spec.uses.flatMap((kind) => [
    ...connectionEnv(envPrefix(kind), connectionOf(spec, kind, connections)),
    ...clientSettingsEnv(spec, kind),
  ]);
  if (spec.role === "gateway") {
    for (const target of services.filter((s) => s.role === "microservice")) {
      env.push({ name: envName(target.name, "url"), value: serviceUrl(target) });
    }
  }
  return env;
}

/** Names of the Secrets a service's pods read. */
export function secretNamesOf(spec: ServiceSpec, connections: DataConnections): string[] {
  return spec.uses.map((kind) => connectionOf(spec, kind, connections).secretName);
}

export interface ApplicationArgs {
  /** The catalog: one Microservice per row. */
  readonly services: readonly ServiceSpec[];
  readonly settings: AppSettings;
  /** Where the datastores are and which Secrets hold their credentials. */
  readonly connections: DataConnections;
  /** The application namespace; pass the Namespace's output so that objects wait for it. */
  readonly namespace: pulumi.Input<string>;
  /**
   * The data tier's Secrets, for the pods to start after them. By Secret name, each Deployment
   * waits only for the Secrets it reads; as a list, every Deployment waits for all of them.
   * @default none
   */
  readonly secrets?: readonly pulumi.Resource[] | Readonly<Record<string, pulumi.Resource>>;
  /** What serves the metrics API (metrics-server's chart): every HorizontalPodAutoscaler waits for it. */
  readonly metricsApi: readonly pulumi.Resource[];
  /** The Secrets are synced and may change under running pods: each Deployment rolls on a change of those it reads. */
  readonly rollOnSecretChange: boolean;
}

/** The Secret resources a service's Deployment must wait for. */
export function secretDependencies(
  spec: ServiceSpec,
  connections: DataConnections,
  secrets: ApplicationArgs["secrets"],
): pulumi.Resource[] {
  if (!secrets) return [];
  if (Array.isArray(secrets)) return [...secrets];
  const byName = secrets as Readonly<Record<string, pulumi.Resource>>;
  return secretNamesOf(spec, connections).flatMap((n) => (byName[n] ? [byName[n]] : []));
}

/** The gateway and the microservices of the catalog. The Kubernetes provider comes from `opts.providers`. */
export class Application extends pulumi.ComponentResource {
  /** Every service's component, by service name. */
  readonly services: Readonly<Record<string, Microservice>>;

  constructor(name: string, args: ApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:application:Application", name, {}, opts);
    const { settings, connections } = args;
    const unknown = unknownOverrideServices(settings.images, args.services);
    if (unknown.length > 0) {
      throw new pulumi.ResourceError(
        `Configuration 'ecommerce:imageTagOverrides' names services the catalog does not have: ${unknown.join(", ")}`,
        this,
      );
    }
    const services: Record<string, Microservice> = {};
    for (const spec of args.services) {
      services[spec.name] = new Microservice(
        spec.name,
        {
          spec,
          namespace: args.namespace,
          image: imageReference(settings.images, spec.name),
          env: serviceEnv(spec, args.services, connections),
          replicas: spec.role === "gateway" ? settings.gatewayReplicas : settings.serviceReplicas,
          resources: settings.resources,
          secrets: secretDependencies(spec, connections, args.secrets),
          reloadOnSecrets: args.rollOnSecretChange ? secretNamesOf(spec, connections) : [],
          metricsApi: args.metricsApi,
        },
        { parent: this },
      );
    }
    this.services = services;
    this.registerOutputs({ services: Object.keys(services) });
  }
}
