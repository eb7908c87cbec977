/**
 * Application tier settings: where the images come from, how far each service may scale and what
 * its pods request. The same values apply to every catalog row, so a new service needs no key.
 */
import type { ConfigReader } from ".";
import { SERVICES, ServiceSpec } from "../catalog";
import { storageGiB } from "../lib/validate";

/** Registry host (optional port) and repository path, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop`. */
export const IMAGE_REGISTRY =
  /^(?=.{1,200}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
/** An OCI tag, or a content digest (pinned to the byte). */
export const IMAGE_TAG = /^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|sha256:[a-f0-9]{64})$/;
/** CPU quantity in millicores or cores: `250m`, `1`, `1.5`. */
export const CPU_QUANTITY = /^([1-9][0-9]{0,5}m|[0-9]{1,3}(\.[0-9]{1,3})?)$/;
/** Memory quantity in MiB or GiB. */
export const MEMORY_QUANTITY = /^[1-9][0-9]{0,5}(Mi|Gi)$/;

const TAG_HINT = "an image tag such as 1.4.2 or a digest sha256:<64 hex digits>";
/** `latest` moves: two nodes could run different code under one name, and a rollback means nothing. */
const MOVING_TAG = "a fixed version, not 'latest'";

export interface ImageSettings {
  readonly registry: string;
  /** Tag (or `sha256:` digest) of every service without an override. */
  readonly tag: string;
  /** Per-service tags, by service name. */
  readonly tagOverrides: Readonly<Record<string, string>>;
}

export interface ReplicaBounds {
  readonly min: number;
  readonly max: number;
}

/** Requests and limits of one application container (Kubernetes quantities). */
export interface PodResources {
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
}

export interface AppSettings {
  readonly images: ImageSettings;
  /** Autoscaling bounds of the API gateway. */
  readonly gatewayReplicas: ReplicaBounds;
  /** Autoscaling bounds of each microservice. */
  readonly serviceReplicas: ReplicaBounds;
  readonly resources: PodResources;
}

/** The image of a service: `<registry>/<service>:<tag>`, or `@sha256:...` for a digest. */
export function imageReference(images: ImageSettings, service: string): string {
  const tag = images.tagOverrides[service] ?? images.tag;
  return `${images.registry}/${service}${tag.startsWith("sha256:") ? "@" : ":"}${tag}`;
}

/** Services named by `imageTagOverrides` that the catalog does not have (a typo, or a removed row). */
export function unknownOverrideServices(images: ImageSettings, services: readonly ServiceSpec[]): string[] {
  const names = new Set(services.map((s) => s.name));
  return Object.keys(images.tagOverrides).filter((name) => !names.has(name));
}

/** Parses `service=tag`; returns what is allowed instead when the entry is malformed. */
export function parseTagOverride(entry: string, services: readonly ServiceSpec[]): [string, string] | string {
  const m = /^([a-z][a-z0-9-]*)=(.*)$/.exec(entry);
  if (!m) return "service=tag, such as cart-service=1.4.3,";
  if (!services.some((s) => s.name === m[1])) {
    return `a service of the catalog (${services.map((s) => s.name).join(", ")}) before '='`;
  }
  if (!IMAGE_TAG.test(m[2])) return `${TAG_HINT} after '='`;
  if (m[2].toLowerCase() === "latest") return `${MOVING_TAG} after '='`;
  return [m[1], m[2]];
}

function cpuCores(value: string): number {
  return value.endsWith("m") ? Number(value.slice(0, -1)) / 1000 : Number(value);
}

function readImages(r: ConfigReader, services: readonly ServiceSpec[]): ImageSettings {
  const registry = r.text("imageRegistry", IMAGE_REGISTRY, "a registry host and path such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop");
  const tag = r.text("imageTag", IMAGE_TAG, TAG_HINT);
  if (tag !== undefined && tag.toLowerCase() === "latest") r.reject("imageTag", tag, MOVING_TAG);
  const entries = r.list("imageTagOverrides", {
    minItems: 0,
    maxItems: services.length,
    what: "service=tag entries",
    check: (entry) => {
      const parsed = parseTagOverride(entry, services);
      return typeof parsed === "string" ? parsed : undefined;
    },
  });
  const tagOverrides: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const parsed = parseTagOverride(entry, services);
    if (typeof parsed === "string") continue;
    const [service, value] = parsed;
    if (service in tagOverrides) r.reject("imageTagOverrides", entry, `one entry per service ('${service}' is listed twice)`);
    tagOverrides[service] = value;
  }
  return { registry, tag, tagOverrides };
}

function readBounds(r: ConfigReader, prefix: "gateway" | "service"): ReplicaBounds {
  const lo = r.integer(`${prefix}MinReplicas`, 1, 100);
  const hi = r.integer(`${prefix}MaxReplicas`, 1, 100);
  if (lo !== undefined && hi !== undefined) {
    r.rule(
      lo <= hi,
      `Configuration '${r.fullKey(`${prefix}MinReplicas`)}' (${lo}) <= '${r.fullKey(`${prefix}MaxReplicas`)}' (${hi}) must hold`,
    );
  }
  return { min: lo, max: hi };
}

function readResources(r: ConfigReader): PodResources {
  const cpu = (key: string) => {
    const value = r.text(key, CPU_QUANTITY, "a CPU quantity such as 250m or 1");
    if (value !== undefined && !(cpuCores(value) > 0)) r.reject(key, value, "more than 0 CPU");
    return value;
  };
  const memory = (key: string) => r.text(key, MEMORY_QUANTITY, "a memory quantity such as 256Mi or 1Gi");
  const res: PodResources = {
    cpuRequest: cpu("appCpuRequest"),
    cpuLimit: cpu("appCpuLimit"),
    memoryRequest: memory("appMemoryRequest"),
    memoryLimit: memory("appMemoryLimit"),
  };
  if (res.cpuRequest && res.cpuLimit) {
    r.rule(
      cpuCores(res.cpuRequest) <= cpuCores(res.cpuLimit),
      `Configuration '${r.fullKey("appCpuRequest")}' (${res.cpuRequest}) must not exceed '${r.fullKey("appCpuLimit")}' (${res.cpuLimit})`,
    );
  }
  if (res.memoryRequest && res.memoryLimit) {
    r.rule(
      storageGiB(res.memoryRequest)! <= storageGiB(res.memoryLimit)!,
      `Configuration '${r.fullKey("appMemoryRequest")}' (${res.memoryRequest}) must not exceed '${r.fullKey("appMemoryLimit")}' (${res.memoryLimit})`,
    );
  }
  return res;
}

/**
 * @param services the catalog the overrides are checked against. @default SERVICES
 */
export function readApps(r: ConfigReader, services: readonly ServiceSpec[] = SERVICES): AppSettings {
  return {
    images: readImages(r, services),
    gatewayReplicas: readBounds(r, "gateway"),
    serviceReplicas: readBounds(r, "service"),
    resources: readResources(r),
  };
}
