/**
 * Karpenter in kube-system: the chart (controller and CRDs), then the default EC2NodeClass and
 * NodePool it launches nodes from. The AWS side (roles, queue, access entry) is `KarpenterAws`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AutoscalingSettings } from "../../../config";
import type { KubeProxyMode } from "../../../config/cluster";
import { pinnedChart } from "../../../lib/helm";
import { KARPENTER } from "./chart";
import { DEFAULT_NODE_CLASS, DEFAULT_NODE_POOL, EC2_NODE_CLASS_API_VERSION, NODE_POOL_API_VERSION, ec2NodeClassSpec, nodePoolSpec } from "./node-pool";

export interface KarpenterArgs {
  readonly settings: AutoscalingSettings;
  readonly clusterName: string;
  readonly region: string;
  readonly availabilityZones: readonly string[];
  readonly interruptionQueueName: pulumi.Input<string>;
  readonly nodeRoleName: pulumi.Input<string>;
  /** Root volume of each node, GiB: the managed nodes' size. */
  readonly diskSizeGiB: number;
  readonly kubeProxyMode: KubeProxyMode;
  /** The managed node group (the controller runs there) and the controller's credentials. */
  readonly waitFor: pulumi.Resource[];
}

/** The Karpenter chart, its EC2NodeClass and its NodePool. The provider comes from `opts.providers`. */
export class Karpenter extends pulumi.ComponentResource {
  readonly chart: k8s.helm.v4.Chart;

  constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:cluster:Karpenter", name, {}, opts);
    const values = pulumi
      .output(args.interruptionQueueName)
      .apply((interruptionQueue) => KARPENTER.values({ settings: args.settings, clusterName: args.clusterName, region: args.region, interruptionQueue }));
    this.chart = pinnedChart(name, { chart: KARPENTER, namespace: KARPENTER.namespace, values, after: args.waitFor }, this);
    const afterChart = { parent: this, dependsOn: [this.chart] };
    const spec = pulumi.output(args.nodeRoleName).apply((nodeRoleName) =>
      ec2NodeClassSpec({ clusterName: args.clusterName, nodeRoleName, amiAlias: args.settings.amiAlias, diskSizeGiB: args.diskSizeGiB, kubeProxyMode: args.kubeProxyMode }),
    );
    const nodeClass = new k8s.apiextensions.CustomResource(
      `${name}-nodeclass`,
      { apiVersion: EC2_NODE_CLASS_API_VERSION, kind: "EC2NodeClass", metadata: { name: DEFAULT_NODE_CLASS }, spec },
      afterChart,
    );
    new k8s.apiextensions.CustomResource(
      `${name}-nodepool`,
      {
        apiVersion: NODE_POOL_API_VERSION,
        kind: "NodePool",
        metadata: { name: DEFAULT_NODE_POOL },
        spec: nodePoolSpec({ settings: args.settings, availabilityZones: args.availabilityZones }),
      },
      { parent: this, dependsOn: [this.chart, nodeClass] },
    );
    this.registerOutputs({});
  }
}
