/**
 * One catalog service on Kubernetes: its ServiceAccount, Deployment, ClusterIP Service,
 * HorizontalPodAutoscaler and PodDisruptionBudget. The gateway and every microservice are built
 * by it; what differs between them comes from their catalog row and their environment.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { reloadAnnotations, withAnnotations } from "../../lib/reload";
import { METRICS_PORT, PORT_NAMES, ServiceSpec, serviceLabels } from "../../catalog";
import type { PodResources, ReplicaBounds } from "../../config/apps";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../lib/pod-security";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/**
 * What every service image must serve (the platform's contract with the application): liveness
 * on `/health`, readiness on `/ready`, both on the HTTP port; Prometheus metrics on 9090.
 */
export const PROBE_PATHS = { live: "/health", ready: "/ready" } as const;
/** Non-root UID the containers run as, whatever the image declares. */
export const APP_UID = 10001;
/** The only writable path: the root filesystem is read-only. */
export const TMP_MOUNT = "/tmp";

/**
 * The pods' resolver `ndots`. A name with at least this many dots is queried as is before any
 * search domain (glibc `resolv/res_query.c` `__res_context_search`: `dots >= statp->ndots`;
 * musl 1.2.5 `src/network/lookup_name.c`: no search list at all then). Every host a service is
 * given, `<name>.<namespace>.svc.cluster.local`, has four dots: one query, no search walk, and
 * no trailing dot for clients to disagree on. Kubernetes' default of 5 would try
 * `<host>.<namespace>.svc.cluster.local` and two more suffixes first.
 */
export const DNS_NDOTS = 2;

export interface MicroserviceArgs {
  /** The service's catalog row. */
  readonly spec: ServiceSpec;
  /** Namespace of every object; pass the Namespace's output so that they wait for it. */
  readonly namespace: pulumi.Input<string>;
  /** Full image reference, pinned to a tag or digest. */
  readonly image: string;
  /** Addresses and credentials the service needs; credentials by `secretKeyRef` only. */
  readonly env: readonly EnvVar[];
  /** Autoscaling bounds. */
  readonly replicas: ReplicaBounds;
  readonly resources: PodResources;
  /** Resources the pods read at start (the Secrets of their environment). @default [] */
  /** Secrets whose change rolls the Deployment (synced ones, lib/reload.ts); none where the program writes them. */
  readonly reloadOnSecrets: readonly string[];
  readonly secrets?: readonly pulumi.Resource[];
  /**
   * What serves the metrics API the autoscaler reads CPU and memory from (metrics-server's
   * chart): the HorizontalPodAutoscaler waits for it. Empty only where the cluster serves it already.
   */
  readonly metricsApi: readonly pulumi.Resource[];
  /** Seconds a terminating pod keeps serving while it is removed from the endpoints. @default 10 */
  readonly preStopSleepSeconds?: number;
  /** Seconds the process has, after SIGTERM, to finish in-flight work. @default 30 */
  readonly shutdownSeconds?: number;
  /** Average CPU use, in percent of the request, the autoscaler aims at. @default 70 */
  readonly targetCpuUtilization?: number;
  /** Average memory use, in percent of the request, the autoscaler aims at. @default 80 */
  readonly targetMemoryUtilization?: number;
}

const httpProbe = (path: string, periodSeconds: number, failureThreshold: number) => ({
  httpGet: { path, port: PORT_NAMES.http },
  periodSeconds,
  timeoutSeconds: 2,
  failureThreshold,
});

/**
 * Spread over zones first (a zone outage must leave pods elsewhere), then over nodes.
 * `pod-template-hash` makes a rollout's new pods spread among themselves, not around the old
 * ones; `nodeTaintsPolicy: Honor` leaves unreachable (tainted) nodes of a lost zone out.
 * The node spread is a preference so that a full node never leaves a pod pending.
 */
export function topologySpread(labels: Record<string, string>): k8s.types.input.core.v1.TopologySpreadConstraint[] {
  const common = { maxSkew: 1, labelSelector: { matchLabels: labels }, matchLabelKeys: ["pod-template-hash"] };
  return [
    { ...common, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", nodeTaintsPolicy: "Honor" },
    { ...common, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" },
  ];
}

/** The pod of a service: restricted, probed, bounded, and draining before it stops. */
export function podSpec(args: MicroserviceArgs, serviceAccountName: pulumi.Input<string>): PodSpec {
  const { spec, resources } = args;
  const preStop = args.preStopSleepSeconds ?? 10;
  const shutdown = args.shutdownSeconds ?? 30;
  return {
    serviceAccountName,
    automountServiceAccountToken: false,
    // Kubernetes would inject `<SERVICE>_PORT=tcp://...` for every Service of the namespace,
    // which clashes with variables such as REDIS_PORT and leaks the namespace's layout.
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext({ runAsUser: APP_UID }),
    // Dependency hosts are cluster FQDNs (four dots): with ndots 2 they, and any other name with
    // two dots or more, are looked up as is instead of after the search domains.
    dnsConfig: { options: [{ name: "ndots", value: String(DNS_NDOTS) }] },
    // The preStop sleep counts against the grace period, so the process still gets `shutdown`.
    terminationGracePeriodSeconds: preStop + shutdown,
    topologySpreadConstraints: topologySpread(serviceLabels(spec)),
    containers: [
      {
        name: spec.name,
        image: args.image,
        imagePullPolicy: "IfNotPresent",
        ports: [
          { name: PORT_NAMES.http, containerPort: spec.httpPort, protocol: "TCP" },
          { name: PORT_NAMES.metrics, containerPort: METRICS_PORT, protocol: "TCP" },
        ],
        env: [
          { name: "SERVICE_NAME", value: spec.name },
          { name: "HTTP_PORT", value: String(spec.httpPort) },
          { name: "METRICS_PORT", value: String(METRICS_PORT) },
          ...args.env,
        ],
        resources: {
          requests: { cpu: resources.cpuRequest, memory: resources.memoryRequest },
          limits: { cpu: resources.cpuLimit, memory: resources.memoryLimit },
        },
        securityContext: restrictedContainerSecurityContext(),
        // Up to 2.5 minutes to start (migrations, caches) before liveness may restart it.
        startupProbe: httpProbe(PROBE_PATHS.live, 5, 30),
        livenessProbe: httpProbe(PROBE_PATHS.live, 10, 3),
        readinessProbe: httpProbe(PROBE_PATHS.ready, 5, 3),
        // Endpoint removal reaches kube-proxy and Traefik asynchronously: keep serving meanwhile.
        // The kubelet's own sleep (Kubernetes >= 1.30) needs no shell or binary in the image.
        lifecycle: { preStop: { sleep: { seconds: preStop } } },
        volumeMounts: [{ name: "tmp", mountPath: TMP_MOUNT }],
      },
    ],
    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
  };
}

/** The ClusterIP Service: named as the service (its DNS name), ports equal to the container's. */
export function serviceSpec(spec: ServiceSpec): k8s.types.input.core.v1.ServiceSpec {
  // targetPort equals port: the EKS network policy agent matches the Service port against
  // policies written for the pod port, so both must be the same number.
  const port = (name: string, number: number) => ({ name, port: number, targetPort: number, protocol: "TCP" });
  return {
    type: "ClusterIP",
    selector: serviceLabels(spec),
    ports: [port(PORT_NAMES.http, spec.httpPort), port(PORT_NAMES.metrics, METRICS_PORT)],
    ...(spec.clientIpAffinitySeconds !== undefined
      ? { sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: spec.clientIpAffinitySeconds } } }
      : {}),
  };
}

/**
 * The Deployment's spec. No `replicas`: the autoscaler owns the count, and a declared one would
 * be re-applied, shrinking the service, on every update.
 */
export function deploymentSpec(args: MicroserviceArgs, serviceAccount: pulumi.Input<string>): k8s.types.input.apps.v1.DeploymentSpec {
  const labels = serviceLabels(args.spec);
  return {
    selector: { matchLabels: labels },
    revisionHistoryLimit: 5,
    // A new pod must be ready before an old one goes: never below the disruption budget.
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
    template: { metadata: { labels }, spec: podSpec(args, serviceAccount) },
  };
}

/** CPU and memory scaling between the replica bounds; it names the Deployment, so it does not wait for its rollout. */
export function autoscalerSpec(args: MicroserviceArgs): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
  const utilization = (name: string, averageUtilization: number) => ({ type: "Resource", resource: { name, target: { type: "Utilization", averageUtilization } } });
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: args.spec.name },
    minReplicas: args.replicas.min,
    maxReplicas: args.replicas.max,
    metrics: [utilization("cpu", args.targetCpuUtilization ?? 70), utilization("memory", args.targetMemoryUtilization ?? 80)],
  };
}

/**
 * One pod at a time, whatever the count: a node drain always proceeds, even with a single
 * replica (dev), while a larger service keeps all but one pod serving. A pod that is not ready
 * serves nothing; evicting it must not block a drain.
 */
export function disruptionBudgetSpec(spec: ServiceSpec): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
  return { selector: { matchLabels: serviceLabels(spec) }, maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" };
}

/** A catalog service's workload and its Service. The Kubernetes provider comes from `opts.providers`. */
export class Microservice extends pulumi.ComponentResource {
  /** In-cluster DNS name of the Service. */
  readonly serviceName: pulumi.Output<string>;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;

  constructor(name: string, args: MicroserviceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:microservice:Microservice", name, {}, opts);
    const { spec, replicas } = args;
    if (replicas.min < 1 || replicas.min > replicas.max) {
      throw new pulumi.ResourceError(`service '${spec.name}': replicas ${replicas.min}-${replicas.max} need 1 <= min <= max`, this);
    }
    const metadata = { name: spec.name, namespace: args.namespace, labels: serviceLabels(spec) };
    const child = { parent: this };

    const account = new k8s.core.v1.ServiceAccount(name, { metadata, automountServiceAccountToken: false }, child);
    this.deployment = new k8s.apps.v1.Deployment(
      name,
      { metadata: withAnnotations(metadata, reloadAnnotations(args.reloadOnSecrets)), spec: deploymentSpec(args, account.metadata.name) },
      // Pods that start before their Secrets fail with CreateContainerConfigError.
      { parent: this, dependsOn: [...(args.secrets ?? [])] },
    );
    this.service = new k8s.core.v1.Service(name, { metadata, spec: serviceSpec(spec) }, child);
    // Created before the metrics API answers, it reports FailedGetResourceMetric and holds its minimum.
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(name, { metadata, spec: autoscalerSpec(args) }, { parent: this, dependsOn: [...args.metricsApi] });
    new k8s.policy.v1.PodDisruptionBudget(name, { metadata, spec: disruptionBudgetSpec(spec) }, child);

    this.serviceName = this.service.metadata.apply((m) => `${m.name}.${m.namespace}.svc.cluster.local`);
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
