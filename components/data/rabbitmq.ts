import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DATASTORES } from "../../catalog";
import { storageGiB } from "../../lib/validate";
import {
  DataStoreArgs,
  ResourceProfile,
  StatefulSetShape,
  asResourceError,
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

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

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

const ROW = DATASTORES.rabbitmq;
export const RABBITMQ_PORTS = {
  amqp: ROW.port,
  management: 15672,
  prometheus: ROW.metrics.port,
  epmd: ROW.peerPorts.epmd,
  clustering: ROW.peerPorts.clustering,
};
export const RABBITMQ_PLUGINS = ["rabbitmq_peer_discovery_k8s", "rabbitmq_management", "rabbitmq_prometheus"];
export const RABBITMQ_RESOURCES: ResourceProfile = { cpuRequest: "500m", memoryRequest: "1Gi", cpuLimit: "2", memoryLimit: "2Gi" };

/** How long a stopping node waits for every quorum queue to keep a majority without it. */
export const DRAIN_TIMEOUT_SECONDS = 600;

const HOME = "/var/lib/rabbitmq";
const COOKIE_MOUNT = "/run/erlang-cookie";

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

/** The key of the user name in the client Secret, which a RabbitMQ connection must name. */
export function rabbitmqUsernameKey(args: RabbitMqClusterArgs): string {
  const { usernameKey } = args.instance.connection;
  if (!usernameKey) throw new Error("the RabbitMQ connection must name a username key");
  return usernameKey;
}

export interface RabbitMqSecrets {
  /** The default user, also as the `conf.d` file the server reads. */
  readonly defaultUser: k8s.core.v1.SecretArgs;
  /** The Erlang cookie nodes and CLI tools authenticate to each other with. */
  readonly cookie: k8s.core.v1.SecretArgs;
  /** The clients' copy of the default user, in their namespace (a Pod reads only its own namespace's Secrets). */
  readonly client: k8s.core.v1.SecretArgs;
}

export function rabbitmqSecrets(args: RabbitMqClusterArgs, generated: { password: pulumi.Input<string>; cookie: pulumi.Input<string> }): RabbitMqSecrets {
  const { name, labels, connection } = args.instance;
  const { password, cookie } = generated;
  return {
    defaultUser: opaqueSecret(`${name}-default-user`, args.namespace, labels, {
      username: RABBITMQ_USERNAME,
      password,
      "default_user.conf": pulumi.interpolate`default_user = ${RABBITMQ_USERNAME}\ndefault_pass = ${password}\n`,
    }),
    cookie: opaqueSecret(`${name}-erlang-cookie`, args.namespace, labels, { cookie }),
    client: opaqueSecret(connection.secretName, args.clientNamespace, labels, {
      [rabbitmqUsernameKey(args)]: RABBITMQ_USERNAME,
      [connection.passwordKey]: password,
    }),
  };
}

/** The client Service (AMQP, management, Prometheus) and the headless one naming the nodes. */
export function rabbitmqServices(args: RabbitMqClusterArgs): { client: k8s.core.v1.ServiceArgs; nodes: k8s.core.v1.ServiceArgs } {
  const { name, labels } = args.instance;
  const P = RABBITMQ_PORTS;
  return {
    client: serviceArgs(name, args.namespace, labels, [
      servicePort("amqp", P.amqp),
      servicePort("management", P.management),
      servicePort(ROW.metrics.portName, P.prometheus),
    ]),
    nodes: serviceArgs(
      nodesServiceName(name),
      args.namespace,
      labels,
      [servicePort("amqp", P.amqp), servicePort("epmd", P.epmd), servicePort("clustering", P.clustering)],
      // Peers must resolve each other while they boot, before any of them is ready.
      { clusterIP: "None", publishNotReadyAddresses: true },
    ),
  };
}

/** The ConfigMap holding rabbitmq.conf and enabled_plugins. */
export function rabbitmqConfigMap(args: RabbitMqClusterArgs, configText: string): k8s.core.v1.ConfigMapArgs {
  const { name, labels } = args.instance;
  return {
    metadata: { name: `${name}-config`, namespace: args.namespace, labels },
    data: { "rabbitmq.conf": configText, enabled_plugins: ENABLED_PLUGINS_FILE },
  };
}

/** Erlang refuses a cookie file others can read; a Secret volume cannot give the pod's user sole ownership, so the cookie is copied with mode 0600. */
export function erlangCookieContainer(image: string, home: VolumeMount): Container {
  return {
    name: "erlang-cookie",
    image,
    command: ["sh", "-c", `cp ${COOKIE_MOUNT}/cookie ${HOME}/.erlang.cookie && chmod 600 ${HOME}/.erlang.cookie`],
    securityContext: hardenedContainer(RABBITMQ_UID),
    resources: resourceRequirements({ cpuRequest: "10m", memoryRequest: "16Mi", cpuLimit: "100m", memoryLimit: "64Mi" }),
    volumeMounts: [home, { name: "erlang-cookie", mountPath: COOKIE_MOUNT, readOnly: true }],
  };
}

/**
 * A RabbitMQ node. `ping` answers as soon as the Erlang node runs, also while it waits for peers:
 * liveness never kills a node that is merely syncing. Ready once AMQP listens, which the node
 * does only after it has fully booted. Clustered, a node never stops while a quorum queue would
 * lose its majority without it.
 */
export function rabbitmqContainer(args: RabbitMqClusterArgs, profile: ResourceProfile, mounts: { home: VolumeMount; tmp: VolumeMount }): Container {
  const P = RABBITMQ_PORTS;
  const fieldEnv = (envName: string, fieldPath: string) => ({ name: envName, valueFrom: { fieldRef: { fieldPath } } });
  const drain = { preStop: { exec: { command: ["rabbitmq-upgrade", "await_online_quorum_plus_one", "-t", String(DRAIN_TIMEOUT_SECONDS)] } } };
  return {
    name: "rabbitmq",
    image: args.image ?? RABBITMQ_IMAGE,
    ports: [
      containerPort("amqp", P.amqp),
      containerPort("management", P.management),
      containerPort(ROW.metrics.portName, P.prometheus),
      containerPort("epmd", P.epmd),
      containerPort("clustering", P.clustering),
    ],
    env: [
      fieldEnv("MY_POD_NAME", "metadata.name"),
      fieldEnv("MY_POD_NAMESPACE", "metadata.namespace"),
      { name: "HOME", value: HOME },
      { name: "RABBITMQ_USE_LONGNAME", value: "true" },
      // Stable names through the headless Service: a node keeps its identity (and data) across restarts.
      { name: "RABBITMQ_NODENAME", value: `rabbit@$(MY_POD_NAME).${nodesServiceName(args.instance.name)}.$(MY_POD_NAMESPACE)` },
    ],
    securityContext: hardenedContainer(RABBITMQ_UID),
    resources: resourceRequirements(profile),
    volumeMounts: [mounts.home, { name: "data", mountPath: `${HOME}/mnesia` }, { name: "config", mountPath: "/etc/rabbitmq", readOnly: true }, mounts.tmp],
    startupProbe: shellProbe("rabbitmq-diagnostics -q ping", { periodSeconds: 10, timeoutSeconds: 20, failureThreshold: 30 }),
    livenessProbe: shellProbe("rabbitmq-diagnostics -q ping", { periodSeconds: 30, timeoutSeconds: 20, failureThreshold: 3 }),
    readinessProbe: { tcpSocket: { port: "amqp" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    ...(args.replicas > 1 ? { lifecycle: drain } : {}),
  };
}

/** The objects a RabbitMQ pod refers to, by name (outputs, so that the StatefulSet waits for them). */
export interface RabbitMqPodObjects {
  readonly nodesService: pulumi.Input<string>;
  readonly serviceAccount: pulumi.Input<string>;
  readonly cookieSecret: pulumi.Input<string>;
  readonly config: pulumi.Input<string>;
  readonly defaultUser: pulumi.Input<string>;
}

/** The cookie, and rabbitmq.conf with enabled_plugins and the default user's `conf.d` file. */
export function rabbitmqVolumes(objects: RabbitMqPodObjects): Volume[] {
  return [
    { name: "erlang-cookie", secret: { secretName: objects.cookieSecret, defaultMode: 0o440 } },
    {
      name: "config",
      projected: {
        sources: [
          { configMap: { name: objects.config, items: [{ key: "rabbitmq.conf", path: "rabbitmq.conf" }, { key: "enabled_plugins", path: "enabled_plugins" }] } },
          { secret: { name: objects.defaultUser, items: [{ key: "default_user.conf", path: "conf.d/10-default-user.conf" }] } },
        ],
        defaultMode: 0o440,
      },
    },
  ];
}

/** One node per zone (hard) and per host (soft). */
export function rabbitmqSpread(labels: Readonly<Record<string, string>>): k8s.types.input.core.v1.TopologySpreadConstraint[] {
  return [
    { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: labels } },
    { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } },
  ];
}

/** The nodes' StatefulSet. */
export function rabbitmqStatefulSet(args: RabbitMqClusterArgs, profile: ResourceProfile, configText: string, objects: RabbitMqPodObjects): StatefulSetShape {
  const home = scratch("home", HOME);
  const tmp = scratch("tmp", "/tmp");
  return {
    name: args.instance.name,
    namespace: args.namespace,
    labels: args.instance.labels,
    serviceName: objects.nodesService,
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
    podAnnotations: configChecksum(configText, ENABLED_PLUGINS_FILE),
    pod: {
      serviceAccountName: objects.serviceAccount,
      terminationGracePeriodSeconds: args.replicas > 1 ? DRAIN_TIMEOUT_SECONDS + 60 : 60,
      topologySpreadConstraints: rabbitmqSpread(args.instance.labels),
      initContainers: [erlangCookieContainer(args.image ?? RABBITMQ_IMAGE, home.mount)],
      containers: [rabbitmqContainer(args, profile, { home: home.mount, tmp: tmp.mount })],
      volumes: [home.volume, tmp.volume, ...rabbitmqVolumes(objects)],
    },
  };
}

/** With more than one node, a budget that keeps the majority; none for a single node. */
export function rabbitmqDisruptionBudget(args: RabbitMqClusterArgs): k8s.policy.v1.PodDisruptionBudgetArgs | undefined {
  if (args.replicas <= 1) return undefined;
  const { name, labels } = args.instance;
  return {
    metadata: { name, namespace: args.namespace, labels },
    spec: { minAvailable: quorumOf(args.replicas), selector: { matchLabels: labels } },
  };
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
    asResourceError(this, () => (checkRabbitMqReplicas(args.replicas), rabbitmqUsernameKey(args)));
    const { instance, namespace } = args;
    const safety = dataSafety(args.protectData);
    const child = { parent: this };
    const keyOpts = { parent: this, protect: args.protectData };
    const profile = args.resources ?? RABBITMQ_RESOURCES;
    this.clientSecretName = instance.connection.secretName;

    const password = generatedPassword(`${instance.name}-password`, keyOpts);
    const cookie = generatedPassword(`${instance.name}-erlang-cookie`, keyOpts, 64);
    const secrets = rabbitmqSecrets(args, { password: password.result, cookie: cookie.result });
    const secret = (secretName: string, secretArgs: k8s.core.v1.SecretArgs) => new k8s.core.v1.Secret(secretName, secretArgs, { ...child, ...safety });
    const defaultUser = secret(`${instance.name}-default-user`, secrets.defaultUser);
    const cookieSecret = secret(`${instance.name}-erlang-cookie`, secrets.cookie);
    this.clientSecret = secret(this.clientSecretName, secrets.client);

    const configText = rabbitmqConfig({ clusterName: instance.name, memoryLimit: profile.memoryLimit, volumeSize: args.storageSize });
    const config = new k8s.core.v1.ConfigMap(`${instance.name}-config`, rabbitmqConfigMap(args, configText), child);
    const services = rabbitmqServices(args);
    new k8s.core.v1.Service(instance.name, services.client, child);
    const nodes = new k8s.core.v1.Service(nodesServiceName(instance.name), services.nodes, child);
    // A dedicated identity without API rights or token: discovery only needs DNS.
    const account = new k8s.core.v1.ServiceAccount(
      instance.name,
      { metadata: { name: instance.name, namespace, labels: instance.labels }, automountServiceAccountToken: false },
      child,
    );

    const objects = {
      nodesService: nodes.metadata.name,
      serviceAccount: account.metadata.name,
      cookieSecret: cookieSecret.metadata.name,
      config: config.metadata.name,
      defaultUser: defaultUser.metadata.name,
    };
    const shape = rabbitmqStatefulSet(args, profile, configText, objects);
    this.statefulSet = dataStatefulSet(shape, { ...child, ...safety, dependsOn: args.waitFor }).statefulSet;
    const budget = rabbitmqDisruptionBudget(args);
    if (budget) new k8s.policy.v1.PodDisruptionBudget(instance.name, budget, child);
    this.registerOutputs({});
  }
}
