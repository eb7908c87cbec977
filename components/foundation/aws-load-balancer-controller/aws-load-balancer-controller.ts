/**
 * The AWS Load Balancer Controller in kube-system: its IAM role, handed to the chart's service
 * account by EKS Pod Identity (as Karpenter's, components/foundation/karpenter-aws.ts), and the
 * chart. Whatever its webhooks admit (the pods of Traefik, whose namespace asks for readiness
 * gates) waits for `chart`.
 */
import * as aws from "@pulumi/aws";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadResources } from "../../../catalog/resource-profiles";
import { pinnedChart } from "../../../lib/helm";
import { podIdentityRole } from "../pod-identity";
import { AWS_LOAD_BALANCER_CONTROLLER, AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT } from "./chart";
import { loadBalancerControllerPolicy } from "./iam-policy";

export interface AwsLoadBalancerControllerArgs {
  readonly replicas: number;
  readonly resources: WorkloadResources;
  /** The cluster's name as configured: the chart's `clusterName` and the trust policy's condition. */
  readonly clusterName: string;
  /** The cluster's name as an output, so that the association waits for the cluster. */
  readonly clusterResourceName: pulumi.Input<string>;
  readonly region: string;
  readonly vpcId: pulumi.Input<string>;
  /** Resources that must exist before its pods can run (the node group). */
  readonly nodesReady: pulumi.Resource[];
}

export class AwsLoadBalancerController extends pulumi.ComponentResource {
  readonly chart: k8s.helm.v4.Chart;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: AwsLoadBalancerControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:ingress:AwsLoadBalancerController", name, {}, opts);
    const child = { parent: this };
    const tags = { cluster: args.clusterName };
    const namespace = AWS_LOAD_BALANCER_CONTROLLER.namespace;

    const { role, association } = podIdentityRole(
      { role: `${name}-role`, association: `${name}-identity` },
      { clusterName: args.clusterName, clusterResourceName: args.clusterResourceName, namespace, serviceAccount: AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT },
      (r) => {
        const partition = aws.getPartitionOutput({}, child);
        const policy = new aws.iam.Policy(
          `${name}-policy`,
          {
            description: `AWS Load Balancer Controller of ${args.clusterName} (reference policy of ${AWS_LOAD_BALANCER_CONTROLLER.source.tag})`,
            policy: partition.partition.apply((p) => JSON.stringify(loadBalancerControllerPolicy(p))),
            tags,
          },
          child,
        );
        return [new aws.iam.RolePolicyAttachment(`${name}-policy`, { role: r.name, policyArn: policy.arn }, child)];
      },
      this,
    );

    const values = pulumi.output(args.vpcId).apply((vpcId) =>
      AWS_LOAD_BALANCER_CONTROLLER.values({ replicas: args.replicas, clusterName: args.clusterName, region: args.region, vpcId, resources: args.resources }),
    );
    this.chart = pinnedChart(
      name,
      { chart: AWS_LOAD_BALANCER_CONTROLLER, namespace, values, after: [...args.nodesReady, association] },
      this,
    );
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
