/**
 * The AWS Load Balancer Controller's module, values and IAM policy
 * (components/foundation/aws-load-balancer-controller/) against the vendored chart and reference
 * policy (kubernetes-sigs/aws-load-balancer-controller v3.5.0 `helm/aws-load-balancer-controller/`
 * and `docs/install/iam_policy.json`): the policy is the reference statement for statement, the
 * values are keys the chart has (it ships no values.schema.json), the controller never needs IMDS,
 * and its pod meets Pod Security `restricted`.
 */
import * as YAML from "yaml";
import { KUBE_SYSTEM } from "../../catalog";
import { PROFILE_TABLE } from "../../catalog/resource-profiles";
import { CHART_WORKLOADS } from "../../components/chart-pods";
import {
  AWS_LOAD_BALANCER_CONTROLLER,
  AWS_LOAD_BALANCER_CONTROLLER_IMAGE,
  AWS_LOAD_BALANCER_CONTROLLER_POD_LABELS,
  AWS_LOAD_BALANCER_CONTROLLER_PORTS,
  awsLoadBalancerControllerValues,
} from "../../components/foundation/aws-load-balancer-controller/chart";
import { CONTROLLER_CLUSTER_TAG, loadBalancerControllerPolicy } from "../../components/foundation/aws-load-balancer-controller/iam-policy";
import { restrictedViolations } from "../../lib/pod-security";
import { mergeValues } from "../../lib/schema-check";
import { unknownValueKeys } from "../stack/monitoring/schemas";
import { readChartdata } from "./chart-checks";

const chartYaml = YAML.parse(readChartdata("aws-load-balancer-controller/Chart.yaml")!);
const chartValues = YAML.parse(readChartdata("aws-load-balancer-controller/values.yaml")!);
const reference = JSON.parse(readChartdata("aws-load-balancer-controller/iam/iam_policy.json")!);

const valuesOf = (replicas: number) =>
  awsLoadBalancerControllerValues({ replicas, clusterName: "shop-test", region: "eu-west-3", vpcId: "vpc-0123", resources: PROFILE_TABLE.small.awsLoadBalancerController }) as Record<string, any>;

/** The container the chart renders (`deployment.yaml` 56-60, 64-78, 235-252) as far as the checks read it. */
function renderedPod(values: Record<string, any>): Record<string, any> {
  const v = mergeValues(chartValues, values) as Record<string, any>;
  const args = [`--cluster-name=${v.clusterName}`, ...(v.region ? [`--aws-region=${v.region}`] : []), ...(v.vpcId ? [`--aws-vpc-id=${v.vpcId}`] : [])];
  return {
    securityContext: v.podSecurityContext,
    ...(v.hostNetwork ? { hostNetwork: true } : {}),
    containers: [{ name: "aws-load-balancer-controller", args, securityContext: v.securityContext }],
  };
}

describe("the AWS Load Balancer Controller's IAM policy", () => {
  test("is the reference policy of the release, statement for statement, in the standard partition", () => {
    expect(loadBalancerControllerPolicy("aws")).toEqual(reference);
  });

  test("other partitions change the ARNs' partition and nothing else", () => {
    const gov = JSON.stringify(loadBalancerControllerPolicy("aws-us-gov"));
    expect(gov).not.toContain("arn:aws:");
    expect(JSON.parse(gov.replace(/arn:aws-us-gov:/g, "arn:aws:"))).toEqual(reference);
  });

  test("every creation and change of a load balancer, target group or security group is conditioned on the controller's cluster tag", () => {
    const owned = ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:DeleteTargetGroup", "ec2:DeleteSecurityGroup"];
    for (const action of owned) {
      const granting = loadBalancerControllerPolicy("aws").Statement.filter((s) => [s.Action].flat().includes(action));
      expect(granting.length).toBeGreaterThan(0);
      for (const s of granting) expect(JSON.stringify(s.Condition ?? {})).toContain(CONTROLLER_CLUSTER_TAG);
    }
  });

  test("fits a managed policy (6144 characters without whitespace)", () => {
    expect(JSON.stringify(loadBalancerControllerPolicy("aws-us-gov")).length).toBeLessThan(6144);
  });

  test("a changed statement is seen: the comparison bites", () => {
    const dropped = { ...reference, Statement: reference.Statement.slice(1) };
    expect(loadBalancerControllerPolicy("aws")).not.toEqual(dropped);
  });
});

describe("the AWS Load Balancer Controller's module", () => {
  test("pins the vendored chart's version and its appVersion's image, in kube-system", () => {
    expect(AWS_LOAD_BALANCER_CONTROLLER.pin.version).toBe(chartYaml.version);
    expect(AWS_LOAD_BALANCER_CONTROLLER_IMAGE).toEqual({ repository: chartValues.image.repository, tag: chartYaml.appVersion });
    expect(valuesOf(2).image).toEqual(AWS_LOAD_BALANCER_CONTROLLER_IMAGE);
    expect(AWS_LOAD_BALANCER_CONTROLLER.namespace).toBe(KUBE_SYSTEM);
  });

  test("its pod row: the selector labels, the webhook and metrics ports the chart's defaults give", () => {
    const rows = CHART_WORKLOADS.filter((w) => w.chart === AWS_LOAD_BALANCER_CONTROLLER.pin.chart);
    expect(rows.map((r) => [r.labels, r.ports.map((p) => p.containerPort).sort(), r.hostNetwork])).toEqual([
      [AWS_LOAD_BALANCER_CONTROLLER_POD_LABELS, [AWS_LOAD_BALANCER_CONTROLLER_PORTS.metrics, AWS_LOAD_BALANCER_CONTROLLER_PORTS.webhook], false],
    ]);
    // `deployment.yaml` 248, 251: `webhookBindPort | default 9443`, the port of `metricsBindAddr` or 8080; the values set neither.
    const v = mergeValues(chartValues, valuesOf(2)) as Record<string, any>;
    expect([v.webhookBindPort, v.metricsBindAddr]).toEqual([null, ""]);
  });

  test("never asks IMDS: cluster name, region and VPC are flags (pkg/aws/cloud.go 63-77, 126-150)", () => {
    const args = renderedPod(valuesOf(1)).containers[0].args;
    expect(args).toEqual(["--cluster-name=shop-test", "--aws-region=eu-west-3", "--aws-vpc-id=vpc-0123"]);
    // Without them the chart renders no flag, and the controller would ask IMDS for both.
    expect(renderedPod({ clusterName: "shop-test" }).containers[0].args).toEqual(["--cluster-name=shop-test"]);
  });

  test("no webhook that would stand in the way of objects it does not own, and its certificate kept across renders", () => {
    const v = valuesOf(2);
    expect(v.enableServiceMutatorWebhook).toBe(false);
    expect(v.webhookConfig).toEqual({ disableIngressValidation: true });
    expect([v.createIngressClassResource, v.ingressClassParams]).toEqual([false, { create: false }]);
    expect([v.enableCertManager, v.keepTLSSecret]).toEqual([false, true]);
    // The chart's defaults would do the opposite of each.
    expect([chartValues.enableServiceMutatorWebhook, chartValues.createIngressClassResource, chartValues.keepTLSSecret]).toEqual([true, true, false]);
  });

  test("one replica: no budget, no spread; two: a budget of one and a zone spread", () => {
    expect([valuesOf(1).podDisruptionBudget, valuesOf(1).topologySpreadConstraints]).toEqual([{}, []]);
    const two = valuesOf(2);
    expect(two.podDisruptionBudget).toEqual({ maxUnavailable: 1 });
    expect(two.topologySpreadConstraints).toEqual([expect.objectContaining({ topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: AWS_LOAD_BALANCER_CONTROLLER_POD_LABELS } })]);
  });

  test("the pod meets Pod Security restricted, which the chart's own contexts do not", () => {
    for (const replicas of [1, 2]) expect(restrictedViolations(renderedPod(valuesOf(replicas)))).toEqual([]);
    expect(restrictedViolations(renderedPod({ clusterName: "x" }))).toEqual([
      "container 'aws-load-balancer-controller' does not drop ALL capabilities",
      "container 'aws-load-balancer-controller' has no RuntimeDefault seccomp profile",
    ]);
  });

  test("every key the values set is one the chart's values.yaml has (3.5.0 ships no values.schema.json), and a misspelled one is reported", () => {
    // The contexts are copied into the pod as they are (`deployment.yaml` 56-57, 235-236 `toYaml`): any field of the API's.
    const opaque = { opaque: ["podSecurityContext", "securityContext"] };
    for (const replicas of [1, 2]) expect(unknownValueKeys(valuesOf(replicas), chartValues, opaque)).toEqual([]);
    expect(unknownValueKeys({ ...valuesOf(2), webhookConfig: { disableIngressValidaton: true } }, chartValues, opaque)).toEqual(["webhookConfig.disableIngressValidaton"]);
    expect(unknownValueKeys({ ...valuesOf(2), enableServiceMutatorWebhooks: false }, chartValues, opaque)).toEqual(["enableServiceMutatorWebhooks"]);
    expect(readChartdata("aws-load-balancer-controller/values.schema.json")).toBeUndefined();
  });
});
