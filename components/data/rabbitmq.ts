import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DATASTORES, WORKLOAD_LABELS } from "../../catalog";
import { storageGiB } from "../../lib/validate";
import {
  DataStoreArgs,
  ResourceProfile,
  configChecksum,
  containerPort,
  dataSafety,
  generatedPassword,
  hardenedContainer,
  memoryBytes,
  opaqueSecret,
  resourceRequirements,
  scratch,
  serviceArgs,
  servicePort,
  shellProbe,
} from "../../lib/stateful";
import { dataStatefulSet } from "../../lib/data-statefulset";

/**
 * RabbitMQ 4.1 or later: its Kubernetes peer discovery derives the seed node from the pod's own
 * name (`<statefulset>-0`) instead of listing endpoints, so the pods need no API access at all.
 */
export const RABBITMQ_IMAGE = "rabbitmq:4.1.4";
/** The `rabbitmq` user of the official image. */
export const RABBITMQ_UID = 999;
export const RABBITMQ_NAME = "rabbitmq-cluster";
export const RABBITMQ_NODES_SERVICE = `${RABBITMQ_NAME}-nodes`;
/** The user applications and operators log in with (its password is generated). */
export const RABBITMQ_USERNAME = "ecommerce";

export const RABBITMQ_PORTS = { amqp: DATASTORES.rabbitmq.port, management: 15672, prometheus: 15692, epmd: 4369, clustering: 25672 };
export const RABBITMQ_PLUGINS = ["rabbitmq_peer_discovery_k8s", "rabbitmq_management", "rabbitmq_prometheus"];
export const RABBITMQ_RESOURCES: ResourceProfile = { cpuRequest: "500m", memoryRequest: "1Gi", cpuLimit: "2", memoryLimit: "2Gi" };

/** How long a stopping node waits for every quorum queue to keep a majority without it. */
export const DRAIN_TIMEOUT_SECONDS = 600;

const HOME = "/var/lib/rabbitmq";
const COOKIE_MOUNT = "/run/erlang-cookie";

/** Nodes that must stay up for quorum queues (and the metadata store) to keep a majority. */
export function quorumOf(replicas: number): number {
  return Math.floor(replicas / 2) + 1;
}

export interface RabbitMqConfigInput {
  readonly memoryLimit: string;
  readonly volumeSize: string;
}

/**
 * rabbitmq.conf (no secrets: the default user comes from a Secret in conf.d). Memory and disk
 * alarms are computed from the container's limit and the volume, since the node would otherwise
 * size itself against the whole machine.
 */
export function rabbitmqConfig(input: RabbitMqConfigInput): string {
  const volumeMiB = Math.floor((storageGiB(input.volumeSize) ?? 1) * 1024);
  const diskFreeMiB = Math.max(100, Math.floor(volumeMiB / 10));
  return [
    "cluster_name = " + RABBITMQ_NAME,
    "cluster_formation.peer_discovery_backend = rabbit_peer_discovery_k8s",
    // A node cut off from the majority stops serving rather than diverging.
    "cluster_partition_handling = pause_minority",
    "default_queue_type = quorum",
    "queue_leader_locator = balanced",
    `listeners.tcp.default = ${RABBITMQ_PORTS.amqp}`,
    `management.tcp.port = ${RABBITMQ_PORTS.management}`,
    `prometheus.tcp.port = ${RABBITMQ_PORTS.prometheus}`,
    `total_memory_available_override_value = ${memoryBytes(input.memoryLimit)}`,
    "vm_memory_high_watermark.relative = 0.6",
    `disk_free_limit.absolute = ${diskFreeMiB}MiB`,
    "log.console = true",
    "log.console.level = info",
    "log.file = false",
    "",
  ].join("\n");
}

export interface RabbitMqClusterArgs extends DataStoreArgs {
  /** Namespace of the clients, where their copy of the credentials lives. */
  readonly clientNamespace: pulumi.Input<string>;
  /** Odd, checked by the configuration. */
  readonly replicas: number;
}

/**
 * The seed's RabbitMQ cluster: StatefulSet `rabbitmq-cluster` (pods `rabbitmq-cluster-0..n`),
 * client Service `rabbitmq-cluster` and headless Service `rabbitmq-cluster-nodes` for the
 * nodes' stable names. Quorum queues by default, a PodDisruptionBudget that keeps the majority,
 * one node per zone.
 */
export class RabbitMqCluster extends pulumi.ComponentResource {
  readonly clientSecret: k8s.core.v1.Secret;
  /** Its name, from the connection contract. */
  readonly clientSecretName: string;
  readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: RabbitMqClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:data:RabbitMqCluster", name, {}, opts);
    if (!Number.isInteger(args.replicas) || args.replicas < 1 || args.replicas % 2 === 0) {
      throw new pulumi.ResourceError(`RabbitMQ needs an odd number of nodes, got ${args.replicas}`, this);
    }
    const labels = WORKLOAD_LABELS.rabbitmq();
    const ns = args.namespace;
    const conn = args.connection;
    if (!conn.usernameKey) throw new pulumi.ResourceError("the RabbitMQ connection must name a username key", this);
    const safety = dataSafety(args.protectData);
    this.clientSecretName = conn.secretName;
    const keyOpts = { parent: this, protect: args.protectData };
    const profile = args.resources ?? RABBITMQ_RESOURCES;
    const P = RABBITMQ_PORTS;

    const password = generatedPassword(`${RABBITMQ_NAME}-password`, keyOpts);
    // Nodes and CLI tools authenticate to each other with the shared Erlang cookie.
    const cookie = generatedPassword(`${RABBITMQ_NAME}-erlang-cookie`, keyOpts, 64);
    // One generated password, two Secrets: a Pod can only read Secrets of its own namespace.
    const secret = (secretName: string, namespace: pulumi.Input<string>, stringData: Record<string, pulumi.Input<string>>) =>
      new k8s.core.v1.Secret(secretName, opaqueSecret(secretName, namespace, labels, stringData), { parent: this, ...safety });
    const defaultUser = secret(`${RABBITMQ_NAME}-default-user`, ns, {
      username: RABBITMQ_USERNAME,
      password: password.result,
      "default_user.conf": pulumi.interpolate`default_user = ${RABBITMQ_USERNAME}\ndefault_pass = ${password.result}\n`,
    });
    const cookieSecret = secret(`${RABBITMQ_NAME}-erlang-cookie`, ns, { cookie: cookie.result });
    this.clientSecret = secret(conn.secretName, args.clientNamespace, {
      [conn.usernameKey]: RABBITMQ_USERNAME,
      [conn.passwordKey]: password.result,
    });

    const configText = rabbitmqConfig({ memoryLimit: profile.memoryLimit, volumeSize: args.storageSize });
    const enabledPlugins = `[${RABBITMQ_PLUGINS.join(",")}].\n`;
    const config = new k8s.core.v1.ConfigMap(
      `${RABBITMQ_NAME}-config`,
      {
        metadata: { name: `${RABBITMQ_NAME}-config`, namespace: ns, labels },
        data: { "rabbitmq.conf": configText, enabled_plugins: enabledPlugins },
      },
      { parent: this },
    );

    new k8s.core.v1.Service(
      RABBITMQ_NAME,
      serviceArgs(RABBITMQ_NAME, ns, labels, [
        servicePort("amqp", P.amqp),
        servicePort("management", P.management),
        servicePort("prometheus", P.prometheus),
      ]),
      { parent: this },
    );
    const nodes = new k8s.core.v1.Service(
      RABBITMQ_NODES_SERVICE,
      serviceArgs(
        RABBITMQ_NODES_SERVICE,
        ns,
        labels,
        [servicePort("amqp", P.amqp), servicePort("epmd", P.epmd), servicePort("clustering", P.clustering)],
        // Peers must resolve each other while they boot, before any of them is ready.
        { clusterIP: "None", publishNotReadyAddresses: true },
      ),
      { parent: this },
    );

    // A dedicated identity without API rights or token: discovery only needs DNS.
    const account = new k8s.core.v1.ServiceAccount(
      RABBITMQ_NAME,
      { metadata: { name: RABBITMQ_NAME, namespace: ns, labels }, automountServiceAccountToken: false },
      { parent: this },
    );

    const home = scratch("home", HOME);
    const tmp = scratch("tmp", "/tmp");
    const clustered = args.replicas > 1;
    const fieldEnv = (envName: string, fieldPath: string) => ({ name: envName, valueFrom: { fieldRef: { fieldPath } } });

    this.statefulSet = dataStatefulSet(
      {
        name: RABBITMQ_NAME,
        namespace: ns,
        labels,
        serviceName: nodes.metadata.name,
        replicas: args.replicas,
        store: args,
        // A departed node's data must not come back: its peers forget it (forget_cluster_node)
        // and a node booting on a directory that still lists them fails with
        // inconsistent_cluster (rabbitmq-server v4.1.4 deps/rabbit/src/rabbit_mnesia.erl
        // check_cluster_consistency/0). An empty node joins through peer discovery; the quorum
        // queues keep their replicas on the remaining nodes.
        scaledDownClaims: "Delete",
        uid: RABBITMQ_UID,
        // With OrderedReady, a node restarting after a full stop waits for peers that are never
        // started. Parallel start is safe: discovery only lets `-0` form a new cluster.
        spec: { podManagementPolicy: "Parallel" },
        // A configuration change rolls the nodes, one at a time.
        podAnnotations: configChecksum(configText, enabledPlugins),
        pod: {
          serviceAccountName: account.metadata.name,
          terminationGracePeriodSeconds: clustered ? DRAIN_TIMEOUT_SECONDS + 60 : 60,
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: labels } },
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } },
          ],
          initContainers: [
            {
              // Erlang refuses a cookie file others can read; a Secret volume cannot give the
              // pod's user sole ownership, so the cookie is copied with mode 0600.
              name: "erlang-cookie",
              image: args.image ?? RABBITMQ_IMAGE,
              command: ["sh", "-c", `cp ${COOKIE_MOUNT}/cookie ${HOME}/.erlang.cookie && chmod 600 ${HOME}/.erlang.cookie`],
              securityContext: hardenedContainer(RABBITMQ_UID),
              resources: resourceRequirements({ cpuRequest: "10m", memoryRequest: "16Mi", cpuLimit: "100m", memoryLimit: "64Mi" }),
              volumeMounts: [home.mount, { name: "erlang-cookie", mountPath: COOKIE_MOUNT, readOnly: true }],
            },
          ],
          containers: [
            {
              name: "rabbitmq",
              image: args.image ?? RABBITMQ_IMAGE,
              ports: [
                containerPort("amqp", P.amqp),
                containerPort("management", P.management),
                containerPort("prometheus", P.prometheus),
                containerPort("epmd", P.epmd),
                containerPort("clustering", P.clustering),
              ],
              env: [
                fieldEnv("MY_POD_NAME", "metadata.name"),
                fieldEnv("MY_POD_NAMESPACE", "metadata.namespace"),
                { name: "HOME", value: HOME },
                { name: "RABBITMQ_USE_LONGNAME", value: "true" },
                // Stable names through the headless Service: a node keeps its identity (and data) across restarts.
                { name: "RABBITMQ_NODENAME", value: `rabbit@$(MY_POD_NAME).${RABBITMQ_NODES_SERVICE}.$(MY_POD_NAMESPACE)` },
              ],
              securityContext: hardenedContainer(RABBITMQ_UID),
              resources: resourceRequirements(profile),
              volumeMounts: [
                home.mount,
                { name: "data", mountPath: `${HOME}/mnesia` },
                { name: "config", mountPath: "/etc/rabbitmq", readOnly: true },
                tmp.mount,
              ],
              // `ping` answers as soon as the Erlang node runs, also while it waits for peers:
              // liveness never kills a node that is merely syncing. Ready once AMQP listens,
              // which the node does only after it has fully booted.
              startupProbe: shellProbe("rabbitmq-diagnostics -q ping", { periodSeconds: 10, timeoutSeconds: 20, failureThreshold: 30 }),
              livenessProbe: shellProbe("rabbitmq-diagnostics -q ping", { periodSeconds: 30, timeoutSeconds: 20, failureThreshold: 3 }),
              readinessProbe: { tcpSocket: { port: "amqp" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
              ...(clustered
                ? {
                    // Never stop a node while a quorum queue would lose its majority without it.
                    lifecycle: {
                      preStop: { exec: { command: ["rabbitmq-upgrade", "await_online_quorum_plus_one", "-t", String(DRAIN_TIMEOUT_SECONDS)] } },
                    },
                  }
                : {}),
            },
          ],
          volumes: [
            home.volume,
            tmp.volume,
            { name: "erlang-cookie", secret: { secretName: cookieSecret.metadata.name, defaultMode: 0o440 } },
            {
              name: "config",
              projected: {
                sources: [
                  { configMap: { name: config.metadata.name, items: [{ key: "rabbitmq.conf", path: "rabbitmq.conf" }, { key: "enabled_plugins", path: "enabled_plugins" }] } },
                  { secret: { name: defaultUser.metadata.name, items: [{ key: "default_user.conf", path: "conf.d/10-default-user.conf" }] } },
                ],
                defaultMode: 0o440,
              },
            },
          ],
        },
      },
      { parent: this, ...safety, dependsOn: args.waitFor },
    ).statefulSet;

    if (clustered) {
      new k8s.policy.v1.PodDisruptionBudget(
        RABBITMQ_NAME,
        {
          metadata: { name: RABBITMQ_NAME, namespace: ns, labels },
          spec: { minAvailable: quorumOf(args.replicas), selector: { matchLabels: labels } },
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
