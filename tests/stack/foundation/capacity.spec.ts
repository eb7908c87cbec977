/**
 * The capacity guard: every committed stack fits its managed node group at minimum replicas on
 * the group's minimum size, and at maximum replicas on its maximum size (tools/capacity/plan.ts),
 * for CPU, memory and pods; and the render carries the plan (capacity.md, capacity.json).
 */
import { ProfiledWorkload, ResourceProfileName, containerResources, profileRows } from "../../../catalog";
import { guaranteedNode } from "../../../tools/capacity/nodes";
import { CAPACITY_JSON, CAPACITY_MD } from "../../../tools/capacity/report";
import { capacityPlan, nodePoolCapacity } from "../../../tools/capacity/plan";
import { STACKS, renderProgram, stackRender, stackRun, stackSetting } from "../../harness";
import { DEV_STANDARD_PROFILE } from "../../variants";

describe.each(STACKS)("the capacity plan of %s", (stack) => {
  test("fits at minimum and at maximum, every chart sized", async () => {
    const r = await stackRender(stack);
    expect(capacityPlan(r, nodePoolCapacity(r)).problems).toEqual([]);
  });

  test("checks the maximum against Karpenter's NodePool limits, as the stack file sets them", async () => {
    const capacity = nodePoolCapacity(await stackRender(stack));
    expect(capacity).toEqual({
      cpuMilli: stackSetting<number>(stack, "autoscalerCpuLimit") * 1000,
      memoryMiB: stackSetting<number>(stack, "autoscalerMemoryLimitGiB") * 1024,
    });
    const json = JSON.parse((await stackRun(stack)).files.get(CAPACITY_JSON)!);
    expect(json.autoscaler).toEqual(capacity);
  });

  test("counts Karpenter's controllers on the managed nodes, with their replicas and requests", async () => {
    const karpenter = capacityPlan(await stackRender(stack), undefined).workloads.find((w) => w.name === "karpenter")!;
    expect(karpenter).toMatchObject({ namespace: "kube-system", minReplicas: stackSetting(stack, "karpenterReplicas") });
    expect(karpenter.pod.cpuMilli).toBe(stackSetting(stack, "karpenterCpuMillicores"));
    expect(karpenter.pod.memoryMiB).toBe(stackSetting(stack, "karpenterMemoryMiB"));
  });

  test("reads the node group the stack file configures", async () => {
    const plan = capacityPlan(await stackRender(stack), undefined);
    expect(plan.nodeGroup).toEqual({
      instanceTypes: stackSetting(stack, "nodeInstanceTypes"),
      minSize: stackSetting(stack, "nodeMinSize"),
      desiredSize: stackSetting(stack, "nodeDesiredSize"),
      maxSize: stackSetting(stack, "nodeMaxSize"),
    });
    expect(plan.node).toEqual(guaranteedNode(stackSetting<string[]>(stack, "nodeInstanceTypes")));
    expect(plan.minimum.nodes).toBe(stackSetting(stack, "nodeMinSize"));
  });

  test("counts every StatefulSet and Deployment the program renders, and the charts' pods", async () => {
    const rendered = await stackRender(stack);
    const names = new Set(capacityPlan(rendered, undefined).workloads.map((w) => `${w.namespace}/${w.name}`));
    for (const kind of ["StatefulSet", "Deployment"]) {
      for (const r of rendered.kind(kind)) expect(names).toContain(`${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`);
    }
    for (const pod of ["monitoring/prometheus-monitoring", "traefik/traefik", "cert-manager/cert-manager-webhook", "kube-system/coredns", "kube-system/aws-node"]) {
      expect(names).toContain(pod);
    }
  });

  test("is in the render as capacity.md and capacity.json", async () => {
    const { files } = await stackRun(stack);
    expect(files.get(CAPACITY_MD)).toMatch(/^# Capacity plan: ecommerce-/);
    expect(files.get(CAPACITY_MD)).toContain("**The stack fits**");
    const json = JSON.parse(files.get(CAPACITY_JSON)!);
    expect(json.problems).toEqual([]);
    expect(json.minimum.requested.cpuMilli).toBeGreaterThan(0);
  });
});

describe("the guard", () => {
  test("refuses dev on the standard profile: its two nodes lack the CPU", async () => {
    const plan = capacityPlan(await renderProgram("dev", { overrides: DEV_STANDARD_PROFILE }), undefined);
    expect(plan.problems).toEqual([expect.stringMatching(/^at minimum replicas on the node group's minimum size \(2 nodes\): CPU requested [\d.]+ vCPU exceeds 3\.86 vCPU allocatable$/)]);
  });
});

describe.each(STACKS)("the resource profile of %s reaches every workload it sizes", (stack) => {
  const rows = () => profileRows(stackSetting<ResourceProfileName>(stack, "resourceProfile"));
  const expected = (w: ProfiledWorkload) => containerResources(rows()[w]);
  const chartValues = async (release: string) => (await stackRender(stack)).one("kubernetes:helm.sh/v4:Chart", release).inputs.values;

  test("the data stores' server containers", async () => {
    const rendered = await stackRender(stack);
    const servers = rendered.kind("StatefulSet").map((r) => r.inputs.spec.template.spec.containers[0]);
    for (const kind of ["mysql", "redis", "rabbitmq", "minio"] as const) {
      const ofKind = servers.filter((c) => c.name === kind);
      expect(ofKind.length).toBeGreaterThan(0);
      for (const c of ofKind) expect([kind, c.resources]).toEqual([kind, expected(kind)]);
    }
  });

  test("the charts' pods and CoreDNS", async () => {
    const traefik = await chartValues("traefik");
    expect(traefik.resources).toEqual(expected("traefik"));
    const cm = await chartValues("cert-manager");
    expect([cm.resources, cm.webhook.resources, cm.cainjector.resources]).toEqual([
      expected("certManagerController"),
      expected("certManagerWebhook"),
      expected("certManagerCainjector"),
    ]);
    const kps = await chartValues("monitoring");
    expect([
      kps.prometheus.prometheusSpec.resources,
      kps.alertmanager.alertmanagerSpec.resources,
      kps.grafana.resources,
      kps.prometheusOperator.resources,
      kps["kube-state-metrics"].resources,
      kps["prometheus-node-exporter"].resources,
    ]).toEqual(["prometheus", "alertmanager", "grafana", "prometheusOperator", "kubeStateMetrics", "nodeExporter"].map((w) => expected(w as ProfiledWorkload)));
    const coredns = (await stackRender(stack)).ofType("aws:eks/addon:Addon").find((a) => a.inputs.addonName === "coredns")!;
    expect(JSON.parse(coredns.inputs.configurationValues).resources).toEqual(expected("coredns"));
  });
});
