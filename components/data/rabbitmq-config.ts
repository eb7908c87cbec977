/** RabbitMQ's pinned image, names, ports and rabbitmq.conf (components/data/rabbitmq.ts builds the cluster). */
import { DATASTORES } from "../../catalog";
import { storageGiB } from "../../lib/validate";
import { DataStoreArgs, memoryBytes } from "../../lib/stateful";

/**
 * RabbitMQ 4.1 or later: its Kubernetes peer discovery derives the seed node from the pod's own
 * name (`<statefulset>-0`) instead of listing endpoints, so the pods need no API access at all.
 */
export const RABBITMQ_IMAGE = "rabbitmq:4.1.4";
/** The `rabbitmq` user of the official image. */
export const RABBITMQ_UID = 999;
export const RABBITMQ_NAME = DATASTORES.rabbitmq.instanceName;

/** The headless Service that gives the nodes of cluster `name` their stable DNS names. */
export function nodesServiceName(name: string): string {
  return `${name}-nodes`;
}
export const RABBITMQ_NODES_SERVICE = nodesServiceName(RABBITMQ_NAME);
/** The user applications and operators log in with (its password is generated). */
export const RABBITMQ_USERNAME = "ecommerce";

/** The broker's row of the datastore table. */
export const RABBITMQ_ROW = DATASTORES.rabbitmq;
export const RABBITMQ_PORTS = {
  amqp: RABBITMQ_ROW.port,
  management: 15672,
  prometheus: RABBITMQ_ROW.metrics.port,
  epmd: RABBITMQ_ROW.peerPorts.epmd,
  clustering: RABBITMQ_ROW.peerPorts.clustering,
};
export const RABBITMQ_PLUGINS = ["rabbitmq_peer_discovery_k8s", "rabbitmq_management", "rabbitmq_prometheus"];

/** How long a stopping node waits for every quorum queue to keep a majority without it. */
export const DRAIN_TIMEOUT_SECONDS = 600;

/** The home of the `rabbitmq` user: the Erlang cookie and, below it, the node's data. */
export const RABBITMQ_HOME = "/var/lib/rabbitmq";
/** Where the cookie's Secret is mounted, for the init container to copy. */
export const ERLANG_COOKIE_MOUNT = "/run/erlang-cookie";

/** The enabled_plugins file: an Erlang list. */
export const ENABLED_PLUGINS_FILE = `[${RABBITMQ_PLUGINS.join(",")}].\n`;

/** Nodes that must stay up for quorum queues (and the metadata store) to keep a majority. */
export function quorumOf(replicas: number): number {
  return Math.floor(replicas / 2) + 1;
}

export interface RabbitMqConfigInput {
  readonly clusterName: string;
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
    "cluster_name = " + input.clusterName,
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
  /** Odd, checked by the configuration. */
  readonly replicas: number;
}

/** The node count must be odd: a majority (quorum) then always exists. */
export function checkRabbitMqReplicas(replicas: number): void {
  if (!Number.isInteger(replicas) || replicas < 1 || replicas % 2 === 0) {
    throw new Error(`RabbitMQ needs an odd number of nodes, got ${replicas}`);
  }
}

