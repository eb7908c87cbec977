import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { asResourceError, credentialSecrets, dataSafety, generatedPassword, opaqueSecret, serviceArgs, servicePort } from "../../lib/stateful";
import { dataStatefulSet } from "../../lib/data-statefulset";
import {
  ENABLED_PLUGINS_FILE,
  RABBITMQ_PORTS,
  RABBITMQ_ROW,
  RABBITMQ_USERNAME,
  RabbitMqClusterArgs,
  checkRabbitMqReplicas,
  nodesServiceName,
  quorumOf,
  rabbitmqConfig,
} from "./rabbitmq-config";
import { rabbitmqStatefulSet } from "./rabbitmq-pod";

export * from "./rabbitmq-config";
export * from "./rabbitmq-pod";

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
      servicePort(RABBITMQ_ROW.metrics.portName, P.prometheus),
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
  readonly clientSecret: pulumi.Resource;
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
    const profile = args.resources;
    this.clientSecretName = instance.connection.secretName;

    const names = { defaultUser: `${instance.name}-default-user`, cookie: `${instance.name}-erlang-cookie`, client: this.clientSecretName };
    const secrets = asResourceError(this, () =>
      credentialSecrets(args.credentials, names, () => {
        const password = generatedPassword(`${instance.name}-password`, keyOpts);
        const cookie = generatedPassword(`${instance.name}-erlang-cookie`, keyOpts, 64);
        return rabbitmqSecrets(args, { password: password.result, cookie: cookie.result });
      }, { ...child, ...safety }),
    );
    this.clientSecret = secrets.resources.client;

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
      cookieSecret: secrets.names.cookie,
      config: config.metadata.name,
      defaultUser: secrets.names.defaultUser,
    };
    const shape = { ...rabbitmqStatefulSet(args, profile, configText, objects), annotations: secrets.reload };
    this.statefulSet = dataStatefulSet(shape, { ...child, ...safety, dependsOn: [...(args.waitFor ?? []), ...secrets.after] }).statefulSet;
    const budget = rabbitmqDisruptionBudget(args);
    if (budget) new k8s.policy.v1.PodDisruptionBudget(instance.name, budget, child);
    this.registerOutputs({});
  }
}
