/** The pod of a RabbitMQ node: its containers, volumes and spread, as pure builders. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  ResourceProfile,
  StatefulSetShape,
  configChecksum,
  containerPort,
  hardenedContainer,
  resourceRequirements,
  scratch,
  shellProbe,
} from "../../lib/stateful";
import {
  DRAIN_TIMEOUT_SECONDS,
  ENABLED_PLUGINS_FILE,
  ERLANG_COOKIE_MOUNT,
  RABBITMQ_HOME,
  RABBITMQ_IMAGE,
  RABBITMQ_PORTS,
  RABBITMQ_ROW,
  RABBITMQ_UID,
  RabbitMqClusterArgs,
  nodesServiceName,
} from "./rabbitmq-config";

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** Erlang refuses a cookie file others can read; a Secret volume cannot give the pod's user sole ownership, so the cookie is copied with mode 0600. */
export function erlangCookieContainer(image: string, home: VolumeMount): Container {
  return {
    name: "erlang-cookie",
    image,
    command: ["sh", "-c", `cp ${ERLANG_COOKIE_MOUNT}/cookie ${RABBITMQ_HOME}/.erlang.cookie && chmod 600 ${RABBITMQ_HOME}/.erlang.cookie`],
    securityContext: hardenedContainer(RABBITMQ_UID),
    resources: resourceRequirements({ cpuRequest: "10m", memoryRequest: "16Mi", cpuLimit: "100m", memoryLimit: "64Mi" }),
    volumeMounts: [home, { name: "erlang-cookie", mountPath: ERLANG_COOKIE_MOUNT, readOnly: true }],
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
      containerPort(RABBITMQ_ROW.metrics.portName, P.prometheus),
      containerPort("epmd", P.epmd),
      containerPort("clustering", P.clustering),
    ],
    env: [
      fieldEnv("MY_POD_NAME", "metadata.name"),
      fieldEnv("MY_POD_NAMESPACE", "metadata.namespace"),
      { name: "HOME", value: RABBITMQ_HOME },
      { name: "RABBITMQ_USE_LONGNAME", value: "true" },
      // Stable names through the headless Service: a node keeps its identity (and data) across restarts.
      { name: "RABBITMQ_NODENAME", value: `rabbit@$(MY_POD_NAME).${nodesServiceName(args.instance.name)}.$(MY_POD_NAMESPACE)` },
    ],
    securityContext: hardenedContainer(RABBITMQ_UID),
    resources: resourceRequirements(profile),
    volumeMounts: [mounts.home, { name: "data", mountPath: `${RABBITMQ_HOME}/mnesia` }, { name: "config", mountPath: "/etc/rabbitmq", readOnly: true }, mounts.tmp],
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
  const home = scratch("home", RABBITMQ_HOME);
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

