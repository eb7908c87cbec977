/**
 * What each workload the program runs requests and may use, per resource profile. A stack picks
 * one profile (`ecommerce:resourceProfile`); every data store, chart pod and add-on takes its row
 * of that profile from this one table. The table is a `Record` over the workload names and over
 * the profiles, so a new workload does not compile until each profile has its row.
 *
 * The application tier is not here: its pods are sized by their own keys (`appCpuRequest`, ...),
 * since the HorizontalPodAutoscalers' targets are relative to those requests.
 */

import type { DatastoreKind } from "./datastores";

export const RESOURCE_PROFILES = ["small", "standard", "large"] as const;
export type ResourceProfileName = (typeof RESOURCE_PROFILES)[number];

/**
 * Requests and limits of one container. `cpuLimit: null` leaves the CPU unlimited (the pod may
 * use idle CPU of its node and is never throttled); memory is always limited, because memory, unlike
 * CPU, cannot be taken back without killing the process.
 */
export interface WorkloadResources {
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  readonly cpuLimit: string | null;
  readonly memoryLimit: string;
}

/** The workloads sized by a profile: every datastore kind's pods, the charts' pods and CoreDNS. */
export type ProfiledWorkload =
  | DatastoreKind
  | "traefik"
  | "certManagerController"
  | "certManagerWebhook"
  | "certManagerCainjector"
  | "awsLoadBalancerController"
  | "prometheus"
  | "alertmanager"
  | "grafana"
  | "prometheusOperator"
  | "kubeStateMetrics"
  | "nodeExporter"
  | "coredns"
  | "vault"
  | "externalSecretsController"
  | "externalSecretsWebhook"
  | "externalSecretsCertController"
  | "reloader";

export type ProfileRows = Readonly<Record<ProfiledWorkload, WorkloadResources>>;

const r = (cpuRequest: string, memoryRequest: string, cpuLimit: string | null, memoryLimit: string): WorkloadResources => ({
  cpuRequest,
  memoryRequest,
  cpuLimit,
  memoryLimit,
});

/**
 * The rows. `small` is a development cluster that only has to start and serve tests; `standard`
 * a rehearsal of production at lower load; `large` production's. Requests are what a workload
 * uses at steady load (eleven MySQL instances of one service each are small databases), limits
 * what it may burst to. The data stores keep a CPU limit (a runaway query must not starve the
 * services next to it); the charts' pods do not (their CPU is bursty and small).
 *
 * - Requests: what the scheduler reserves; the capacity plan (tools/capacity/) sums them.
 * - Memory limits: RabbitMQ's memory high watermark and Redis' `maxmemory` are computed from
 *   them (components/data/rabbitmq-config.ts, components/data/redis.ts), so they follow a profile
 *   change; MySQL keeps its default 128 MiB buffer pool (mysql 8.4 `innodb_buffer_pool_size`),
 *   which fits every row's limit.
 * - AWS Load Balancer Controller: its chart sets none and suggests 100m / 128Mi
 *   (aws-load-balancer-controller chart 3.5.0 `values.yaml` 62-72); it reconciles one Service.
 * - Vault: its memory holds the raft cache and leases (hashicorp/vault-helm v0.34.1 `values.yaml`
 *   439-446 suggests 256Mi / 250m and sets nothing); CPU goes to TLS and the KMS seal's requests.
 * - External Secrets Operator (only with `secretsBackend: vault`): its controller holds every
 *   synced Secret in its informer cache, so its memory grows with their number; the webhook and
 *   cert controller only watch the operator's own objects. The chart sets no requests
 *   (external-secrets helm-chart-2.9.0 `values.yaml` 287, 744, 956). Reloader caches the Secrets
 *   of the namespaces it watches; its chart sets no requests either (stakater/Reloader
 *   chart-v2.2.16 `values.yaml` 190).
 * - CoreDNS: EKS' own manifest requests 100m / 70Mi with a 170Mi limit (eksctl v0.230.0
 *   `pkg/addons/default/assets/coredns-1.34.json` 217-225); `standard` keeps it.
 */
export const PROFILE_TABLE: Readonly<Record<ResourceProfileName, ProfileRows>> = {
  small: {
    mysql: r("50m", "256Mi", "500m", "512Mi"),
    redis: r("25m", "64Mi", "250m", "256Mi"),
    rabbitmq: r("100m", "512Mi", "1", "1Gi"),
    minio: r("50m", "128Mi", "500m", "512Mi"),
    traefik: r("50m", "64Mi", null, "256Mi"),
    certManagerController: r("10m", "48Mi", null, "256Mi"),
    certManagerWebhook: r("10m", "32Mi", null, "128Mi"),
    certManagerCainjector: r("10m", "48Mi", null, "256Mi"),
    awsLoadBalancerController: r("20m", "64Mi", null, "256Mi"),
    prometheus: r("100m", "512Mi", null, "2Gi"),
    alertmanager: r("10m", "32Mi", null, "128Mi"),
    grafana: r("50m", "128Mi", null, "512Mi"),
    prometheusOperator: r("20m", "64Mi", null, "256Mi"),
    kubeStateMetrics: r("10m", "64Mi", null, "256Mi"),
    nodeExporter: r("10m", "24Mi", null, "64Mi"),
    coredns: r("50m", "70Mi", null, "170Mi"),
    vault: r("50m", "128Mi", null, "256Mi"),
    externalSecretsController: r("10m", "64Mi", null, "256Mi"),
    externalSecretsWebhook: r("10m", "32Mi", null, "128Mi"),
    externalSecretsCertController: r("10m", "32Mi", null, "128Mi"),
    reloader: r("10m", "32Mi", null, "128Mi"),
  },
  standard: {
    mysql: r("100m", "512Mi", "1", "1Gi"),
    redis: r("50m", "256Mi", "500m", "512Mi"),
    rabbitmq: r("250m", "1Gi", "2", "2Gi"),
    minio: r("100m", "512Mi", "1", "1Gi"),
    traefik: r("100m", "128Mi", null, "256Mi"),
    certManagerController: r("10m", "64Mi", null, "256Mi"),
    certManagerWebhook: r("10m", "64Mi", null, "256Mi"),
    certManagerCainjector: r("10m", "64Mi", null, "256Mi"),
    awsLoadBalancerController: r("50m", "128Mi", null, "256Mi"),
    prometheus: r("200m", "1Gi", null, "4Gi"),
    alertmanager: r("20m", "64Mi", null, "256Mi"),
    grafana: r("50m", "256Mi", null, "1Gi"),
    prometheusOperator: r("50m", "128Mi", null, "512Mi"),
    kubeStateMetrics: r("20m", "128Mi", null, "512Mi"),
    nodeExporter: r("20m", "32Mi", null, "128Mi"),
    coredns: r("100m", "70Mi", null, "170Mi"),
    vault: r("100m", "256Mi", null, "512Mi"),
    externalSecretsController: r("20m", "96Mi", null, "384Mi"),
    externalSecretsWebhook: r("10m", "48Mi", null, "192Mi"),
    externalSecretsCertController: r("10m", "48Mi", null, "192Mi"),
    reloader: r("10m", "64Mi", null, "256Mi"),
  },
  large: {
    mysql: r("250m", "1Gi", "2", "2Gi"),
    redis: r("200m", "512Mi", "1", "1Gi"),
    rabbitmq: r("1", "2Gi", "2", "4Gi"),
    minio: r("500m", "1Gi", "2", "2Gi"),
    traefik: r("200m", "256Mi", null, "512Mi"),
    certManagerController: r("20m", "128Mi", null, "512Mi"),
    certManagerWebhook: r("20m", "64Mi", null, "256Mi"),
    certManagerCainjector: r("20m", "128Mi", null, "512Mi"),
    awsLoadBalancerController: r("100m", "256Mi", null, "512Mi"),
    prometheus: r("500m", "2Gi", null, "8Gi"),
    alertmanager: r("20m", "64Mi", null, "256Mi"),
    grafana: r("200m", "512Mi", null, "1Gi"),
    prometheusOperator: r("100m", "256Mi", null, "512Mi"),
    kubeStateMetrics: r("50m", "256Mi", null, "1Gi"),
    nodeExporter: r("20m", "32Mi", null, "128Mi"),
    coredns: r("100m", "128Mi", null, "256Mi"),
    vault: r("250m", "512Mi", null, "1Gi"),
    externalSecretsController: r("50m", "128Mi", null, "512Mi"),
    externalSecretsWebhook: r("20m", "64Mi", null, "256Mi"),
    externalSecretsCertController: r("20m", "64Mi", null, "256Mi"),
    reloader: r("20m", "128Mi", null, "512Mi"),
  },
};

/** Every workload a profile sizes, in the table's order. */
export const PROFILED_WORKLOADS = Object.keys(PROFILE_TABLE.small) as readonly ProfiledWorkload[];

/** The rows of a profile; an unknown name is an error, never another profile's rows. */
export function profileRows(profile: ResourceProfileName): ProfileRows {
  const rows: ProfileRows | undefined = (PROFILE_TABLE as Readonly<Record<string, ProfileRows>>)[profile];
  if (!rows) throw new Error(`unknown resource profile '${profile}': the profiles are ${RESOURCE_PROFILES.join(", ")} (catalog/resource-profiles.ts)`);
  return rows;
}

/** Kubernetes `resources` of a row: no CPU limit when the row has none. */
export function containerResources(row: WorkloadResources): {
  requests: { cpu: string; memory: string };
  limits: { cpu?: string; memory: string };
} {
  return {
    requests: { cpu: row.cpuRequest, memory: row.memoryRequest },
    limits: { ...(row.cpuLimit === null ? {} : { cpu: row.cpuLimit }), memory: row.memoryLimit },
  };
}
