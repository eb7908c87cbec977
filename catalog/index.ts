/**
 * The platform as data: namespaces (namespaces.ts), datastore kinds (datastores.ts) and the 14
 * services with what each one uses. Everything else (Deployments, Services, databases,
 * NetworkPolicies, monitors) is derived from these tables; adding a service is one row in
 * `SERVICES`, a datastore kind one row in `DATASTORES`.
 */
import { DATASTORES, DatastoreKind } from "./datastores";

export * from "./namespaces";
export * from "./datastores";
export * from "./resource-profiles";

/** Port every workload exposes Prometheus metrics on. */
export const METRICS_PORT = 9090;
/**
 * Port names on containers and Services. Monitors select ports by name, and NetworkPolicies may
 * name container ports, so every workload uses these.
 */
export const PORT_NAMES = { http: "http", metrics: "metrics" } as const;

/** HTTP port of a microservice. */
export const SERVICE_HTTP_PORT = 8000;
/** HTTP port of the API gateway. */
export const GATEWAY_HTTP_PORT = 8100;

export type ServiceRole = "gateway" | "microservice";

export interface ServiceSpec {
  readonly name: string;
  readonly role: ServiceRole;
  /** HTTP port of the container and of its ClusterIP Service. */
  readonly httpPort: number;
  /** Datastores the service talks to; `mysql` means its own `<name>-mysql` database. */
  readonly uses: readonly DatastoreKind[];
  /** Why it uses Redis or MinIO, for documentation and bucket names. */
  readonly notes?: { readonly redis?: string; readonly minioBucket?: string };
  /** Reachable from the ingress controller. Only the gateway is. */
  readonly public: boolean;
  /** Session affinity on the ClusterIP Service, in seconds (the seed's auth-service). */
  readonly clientIpAffinitySeconds?: number;
}

const svc = (name: string, uses: DatastoreKind[], extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name,
  role: "microservice",
  httpPort: SERVICE_HTTP_PORT,
  uses,
  public: false,
  ...extra,
});

export const SERVICES: readonly ServiceSpec[] = [
  svc("api-gateway", ["rabbitmq"], { role: "gateway", httpPort: GATEWAY_HTTP_PORT, public: true }),
  svc("auth-service", ["mysql", "redis", "rabbitmq"], {
    notes: { redis: "sessions" },
    clientIpAffinitySeconds: 3600,
  }),
  svc("users-service", ["mysql", "rabbitmq"]),
  svc("products-service", ["mysql", "redis", "rabbitmq", "minio"], {
    notes: { redis: "cache", minioBucket: "product-images" },
  }),
  svc("inventory-service", ["mysql", "rabbitmq"]),
  svc("cart-service", ["redis", "rabbitmq"], { notes: { redis: "carts" } }),
  svc("orders-service", ["mysql", "rabbitmq"]),
  svc("payments-service", ["mysql", "rabbitmq"]),
  svc("shipping-service", ["mysql", "rabbitmq"]),
  svc("notifications-service", ["rabbitmq"]),
  svc("reviews-service", ["mysql", "rabbitmq", "minio"], { notes: { minioBucket: "review-photos" } }),
  svc("search-service", ["mysql", "redis", "rabbitmq"], { notes: { redis: "cache" } }),
  svc("promotions-service", ["mysql", "redis", "rabbitmq"], { notes: { redis: "cache" } }),
  svc("recommendations-service", ["mysql", "rabbitmq"]),
];

/** Name of the MySQL instance owned by a service (also its Service's DNS label). */
export function databaseName(service: string): string {
  return DATASTORES.mysql.instanceName(service);
}

/** The services that own a MySQL database, in catalog order. */
export function databaseOwners(services: readonly ServiceSpec[] = SERVICES): ServiceSpec[] {
  return services.filter((s) => s.uses.includes("mysql"));
}

/** Services that talk to a given shared datastore, in catalog order. */
export function usersOf(kind: DatastoreKind, services: readonly ServiceSpec[] = SERVICES): ServiceSpec[] {
  return services.filter((s) => s.uses.includes(kind));
}

/**
 * Pod labels of the catalog's workloads. NetworkPolicies, Services and monitors select on these,
 * so they are defined once, here; a datastore's come from its row (datastores.ts). The seed's
 * policies select `app` and `component`.
 */
export const WORKLOAD_LABELS = {
  gateway: (): Record<string, string> => ({ app: "api-gateway", component: "gateway" }),
  microservice: (name: string): Record<string, string> => ({ app: name, component: "microservice" }),
};

/** Labels of a catalog service's pods (the gateway's differ so that it is not a `microservice`). */
export function serviceLabels(s: ServiceSpec): Record<string, string> {
  return s.role === "gateway" ? WORKLOAD_LABELS.gateway() : WORKLOAD_LABELS.microservice(s.name);
}

/**
 * The catalog's rules. Returns every violation as a sentence naming the service and the rule;
 * an empty list means the catalog is sound.
 */
export function catalogProblems(services: readonly ServiceSpec[]): string[] {
  const problems: string[] = [];
  const names = services.map((s) => s.name);
  for (const name of new Set(names)) {
    if (names.filter((n) => n === name).length > 1) problems.push(`service '${name}' is listed more than once`);
  }
  for (const s of services) {
    if (!/^[a-z]([a-z0-9-]{0,40}[a-z0-9])?$/.test(s.name)) {
      problems.push(`service '${s.name}' is not a DNS label of at most 42 characters (its database adds '-mysql')`);
    }
    for (const kind of s.uses) {
      if (!(kind in DATASTORES)) problems.push(`service '${s.name}' uses unknown datastore '${kind}'`);
    }
    if (new Set(s.uses).size !== s.uses.length) problems.push(`service '${s.name}' lists a datastore twice`);
    if (s.public !== (s.role === "gateway")) {
      problems.push(`service '${s.name}': only the gateway may be public`);
    }
    if (s.httpPort === METRICS_PORT || s.httpPort < 1024 || s.httpPort > 65535) {
      problems.push(`service '${s.name}': HTTP port ${s.httpPort} must be 1024-65535 and not the metrics port`);
    }
    if (s.notes?.minioBucket && !s.uses.includes("minio")) {
      problems.push(`service '${s.name}' names a MinIO bucket but does not use MinIO`);
    }
    if (s.notes?.redis && !s.uses.includes("redis")) {
      problems.push(`service '${s.name}' describes a Redis use but does not use Redis`);
    }
  }
  const gateways = services.filter((s) => s.role === "gateway");
  if (gateways.length !== 1) problems.push(`exactly one gateway is required, found ${gateways.length}`);
  for (const s of services) {
    if (names.includes(databaseName(s.name)) && s.uses.includes("mysql")) {
      problems.push(`service '${s.name}': its database name '${databaseName(s.name)}' clashes with a service`);
    }
  }
  return problems;
}
