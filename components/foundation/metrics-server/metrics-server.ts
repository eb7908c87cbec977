import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { pinnedChart } from "../../../lib/helm";
import { METRICS_SERVER } from "./chart";

export interface MetricsServerArgs {
  /** Replicas; 2 or more run highly available (chart.ts, `metricsServerPlacement`). */
  readonly replicas: number;
  /** Resources that must exist before its pods can run (the node group). */
  readonly nodesReady: pulumi.Resource[];
}

/**
 * metrics-server from its upstream chart in kube-system. The chart is ready once its Deployment
 * is available and the `v1beta1.metrics.k8s.io` APIService reports Available: the
 * HorizontalPodAutoscalers wait for `chart`.
 */
export class MetricsServer extends pulumi.ComponentResource {
  readonly chart: k8s.helm.v4.Chart;

  constructor(name: string, args: MetricsServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:cluster:MetricsServer", name, {}, opts);
    this.chart = pinnedChart(
      name,
      { chart: METRICS_SERVER, namespace: METRICS_SERVER.namespace, values: METRICS_SERVER.values({ replicas: args.replicas }), after: args.nodesReady },
      this,
    );
    this.registerOutputs({});
  }
}
