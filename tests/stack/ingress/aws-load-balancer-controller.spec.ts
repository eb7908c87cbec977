/**
 * The AWS Load Balancer Controller in each stack's render: the pinned chart in kube-system with
 * the stack's cluster, region and VPC (so that it never asks IMDS: aws-load-balancer-controller
 * v3.5.0 `pkg/aws/cloud.go` 63-77, 126-150), after the nodes and its Pod Identity association;
 * its role trusted for kube-system/aws-load-balancer-controller only, holding the release's
 * reference policy (`docs/install/iam_policy.json`); its pod row what the chart's templates give
 * the pods with the rendered values (`templates/_helpers.tpl` 64-67, `deployment.yaml` 24-30,
 * 58-60, 246-252).
 */
import * as YAML from "yaml";
import { KUBE_SYSTEM } from "../../../catalog";
import { AWS_LOAD_BALANCER_CONTROLLER, AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT } from "../../../components/foundation/aws-load-balancer-controller/chart";
import { profileRows } from "../../../catalog/resource-profiles";
import { containerResources } from "../../../catalog";
import { STACKS, stackRender, stackSetting } from "../../harness";
import { ExpectedPod, chartdataYaml, helmDefault, mergedValues, podRow, rowProblems, tcp } from "../chart-pods";
import { unknownValueKeys } from "../monitoring/schemas";
import { readChartdata } from "../../unit/chart-checks";
import { CHART_TYPE } from "./helpers";

const DIR = "aws-load-balancer-controller";
const reference = JSON.parse(readChartdata(`${DIR}/iam/iam_policy.json`)!);

async function controllerOf(stack: (typeof STACKS)[number]) {
  const r = await stackRender(stack);
  const chart = r.one(CHART_TYPE, "aws-load-balancer-controller");
  return { r, chart, values: chart.inputs.values as Record<string, any> };
}

/** The pods the chart gives a release with these values. */
function controllerPod(values: Record<string, any>, release: string): ExpectedPod {
  const v = mergedValues(DIR, values);
  const metricsPort = Number(String(v.metricsBindAddr ?? "").split(":")[1] || 8080);
  return {
    labels: { "app.kubernetes.io/name": helmDefault(chartdataYaml(`${DIR}/Chart.yaml`).name, v.nameOverride), "app.kubernetes.io/instance": release, ...(v.podLabels ?? {}) },
    ports: [tcp("webhook-server", helmDefault(9443, v.webhookBindPort)), tcp("metrics-server", metricsPort)],
    hostNetwork: v.hostNetwork === true,
  };
}

describe.each(STACKS)("the AWS Load Balancer Controller in %s", (stack) => {
  const clusterName = stackSetting<string>(stack, "clusterName");

  test("the pinned chart, release aws-load-balancer-controller in kube-system, told its cluster, region and VPC", async () => {
    const { r, chart, values } = await controllerOf(stack);
    const { pin } = AWS_LOAD_BALANCER_CONTROLLER;
    expect(chart.inputs).toEqual(expect.objectContaining({ chart: pin.chart, version: pin.version, name: "aws-load-balancer-controller", namespace: KUBE_SYSTEM }));
    expect(chart.inputs.repositoryOpts).toEqual({ repo: "https://aws.github.io/eks-charts" });
    // The mock engine gives a resource the id `<name>-id`.
    expect(values).toMatchObject({ clusterName, region: stackSetting(stack, "aws:region"), vpcId: `${r.one("aws:ec2/vpc:Vpc").name}-id` });
    expect(values.replicaCount).toBe(stackSetting(stack, "loadBalancerControllerReplicas"));
    expect(values.resources).toEqual(containerResources(profileRows(stackSetting(stack, "resourceProfile")).awsLoadBalancerController));
  });

  test("after the node group and its Pod Identity association, which waits for the policy attachment", async () => {
    const { r, chart } = await controllerOf(stack);
    const association = r.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "aws-load-balancer-controller-identity");
    expect(chart.dependsOn).toEqual(expect.arrayContaining([r.one("eks:index:ManagedNodeGroup").urn, association.urn]));
    expect(association.dependsOn).toContain(r.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws-load-balancer-controller-policy").urn);
  });

  test("its role is trusted by Pod Identity for kube-system/aws-load-balancer-controller only and holds the reference policy", async () => {
    const { r } = await controllerOf(stack);
    const role = r.one("aws:iam/role:Role", "aws-load-balancer-controller-role");
    const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement;
    expect(trust).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:RequestTag/eks-cluster-name": clusterName,
            "aws:RequestTag/kubernetes-namespace": KUBE_SYSTEM,
            "aws:RequestTag/kubernetes-service-account": AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
          },
        },
      },
    ]);
    expect(JSON.parse(r.one("aws:iam/policy:Policy", "aws-load-balancer-controller-policy").inputs.policy)).toEqual(reference);
    const attached = r.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.dependsOn.includes(role.urn));
    expect(attached.map((a) => a.name)).toEqual(["aws-load-balancer-controller-policy"]);
    const association = r.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "aws-load-balancer-controller-identity");
    expect(association.inputs).toMatchObject({ clusterName, namespace: KUBE_SYSTEM, serviceAccount: AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT });
  });

  test("the service account Pod Identity names is the chart's: its fullname, the values naming none (`_helpers.tpl` 14-25, 72-78)", async () => {
    const { chart, values } = await controllerOf(stack);
    const v = mergedValues(DIR, values);
    expect([v.serviceAccount.create, v.serviceAccount.name ?? null, v.fullnameOverride]).toEqual([true, null, ""]);
    expect(chart.inputs.name).toContain(chartdataYaml(`${DIR}/Chart.yaml`).name);
    expect(AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT).toBe(chart.inputs.name);
  });

  test("its pod row is what the chart gives the pods with these values, and a planted difference is reported", async () => {
    const { chart, values } = await controllerOf(stack);
    const row = podRow(AWS_LOAD_BALANCER_CONTROLLER, "{release}");
    expect(rowProblems(row, controllerPod(values, chart.inputs.name))).toEqual([]);
    expect(rowProblems(row, controllerPod({ ...values, webhookBindPort: 10443 }, chart.inputs.name))).toEqual([
      "{release}: the chart declares port 10443/TCP webhook-server, the row does not",
      "{release}: the row declares port 9443/TCP webhook-server, the chart does not",
    ]);
  });

  test("every value is a key of the chart's values.yaml (it ships no schema)", async () => {
    const { values } = await controllerOf(stack);
    expect(unknownValueKeys(values, YAML.parse(readChartdata(`${DIR}/values.yaml`)!), { opaque: ["podSecurityContext", "securityContext"] })).toEqual([]);
  });
});
