/**
 * The capacity plan's rules (tools/capacity/), without a render: the node bootstrap's reservation
 * formulas against the cases nodeadm's own tests give, the pod request rule, and the fit rules on
 * small made-up stacks. The resource profile table's own rules are here too.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROFILED_WORKLOADS, PROFILE_TABLE, RESOURCE_PROFILES, profileRows } from "../../catalog";
import { rabbitmqConfig } from "../../components/data/rabbitmq-config";
import { redisConfig } from "../../components/data/redis";
import { memoryBytes } from "../../lib/stateful";
import { EKS_ADDON_PODS } from "../../tools/capacity/eks-pods";
import { INSTANCE_TYPES, guaranteedNode, kubeReservedCpuMilli, kubeReservedMemoryMiB, maxPods, nodeAllocatable } from "../../tools/capacity/nodes";
import { NodeGroupShape, planOf } from "../../tools/capacity/plan";
import { CapacityWorkload, cpuMilli, memoryMiB, podRequest, requestOf } from "../../tools/capacity/workload";

describe("what a node offers (nodeadm at amazon-eks-ami v20260724)", () => {
  test("max pods: ENIs x (IPs per ENI - 1) + 2, e.g. 58 for 4 ENIs of 15 addresses (m4.xlarge-like)", () => {
    expect(maxPods({ enis: 4, ipsPerEni: 15 })).toBe(58);
    expect(maxPods(INSTANCE_TYPES["t3.large"])).toBe(35);
    expect(maxPods(INSTANCE_TYPES["m6i.large"])).toBe(29);
    expect(maxPods(INSTANCE_TYPES["m6i.xlarge"])).toBe(58);
  });

  test("kube-reserved memory is 11 MiB per pod + 255 MiB: 893Mi at 58 pods (e2e kubelet-config-dir), 915Mi at 60", () => {
    expect(kubeReservedMemoryMiB(58)).toBe(893);
    expect(kubeReservedMemoryMiB(60)).toBe(915);
  });

  test("kube-reserved CPU by tiers: 2 -> 70m, 4 -> 80m, 8 -> 90m, 1 -> 60m", () => {
    expect([1, 2, 4, 8].map(kubeReservedCpuMilli)).toEqual([60, 70, 80, 90]);
  });

  test("allocatable takes kube-reserved, the 100Mi hard eviction and 7.5% memory overhead off the capacity", () => {
    const t3 = nodeAllocatable("t3.large", INSTANCE_TYPES["t3.large"]);
    expect(t3).toEqual({ instanceType: "t3.large", cpuMilli: 1930, memoryMiB: Math.floor(8192 * 0.925) - 640 - 100, pods: 35 });
  });

  test("a node group guarantees the least of its types, resource by resource", () => {
    const g = guaranteedNode(["c6i.xlarge", "r6i.xlarge", "t3.large"]);
    expect([g.cpuMilli, g.memoryMiB, g.pods]).toEqual([1930, nodeAllocatable("c6i.xlarge", INSTANCE_TYPES["c6i.xlarge"]).memoryMiB, 35]);
    expect(() => guaranteedNode(["x9.huge"])).toThrow(/instance type 'x9.huge' is not in tools\/capacity\/nodes.ts/);
  });
});

describe("what a pod requests", () => {
  test("quantities: millicores and cores, Mi and Gi", () => {
    expect([cpuMilli("250m"), cpuMilli("1"), cpuMilli("1.5"), cpuMilli(undefined)]).toEqual([250, 1000, 1500, 0]);
    expect([memoryMiB("128Mi"), memoryMiB("2Gi"), memoryMiB(undefined)]).toEqual([128, 2048, 0]);
    expect(() => cpuMilli("lots")).toThrow(/not understood/);
  });

  test("the sum of its containers, or its largest init container where that is more", () => {
    const c = (cpu: string, memory: string) => ({ resources: { requests: { cpu, memory } } });
    expect(podRequest([c("100m", "64Mi"), c("50m", "32Mi")], [c("10m", "512Mi")])).toEqual({ cpuMilli: 150, memoryMiB: 512 });
  });

  test("the EKS DaemonSets' rows: aws-node's two containers at 25m, ebs-csi-node's three", () => {
    const row = (name: string) => EKS_ADDON_PODS.find((w) => w.name === name)!.pod;
    expect(row("aws-node")).toEqual({ cpuMilli: 50, memoryMiB: 0 });
    expect(row("ebs-csi-node")).toEqual({ cpuMilli: 30, memoryMiB: 104 });
  });
});

describe("the fit rules", () => {
  const node = { instanceType: "test", cpuMilli: 1000, memoryMiB: 4096, pods: 10 };
  const group: NodeGroupShape = { instanceTypes: ["test"], minSize: 2, desiredSize: 2, maxSize: 4 };
  const w = (name: string, kind: CapacityWorkload["kind"], cpu: string, mem: string, min: number, max: number): CapacityWorkload => ({
    name,
    namespace: "ns",
    kind,
    owner: "program",
    pod: requestOf([cpu, mem]),
    minReplicas: min,
    maxReplicas: max,
    source: "test",
  });
  const daemon = w("agent", "DaemonSet", "100m", "128Mi", 1, 1);

  test("DaemonSets count once per node; a stack within every bound fits", () => {
    const plan = planOf(group, node, [daemon, w("app", "Deployment", "400m", "1Gi", 2, 4)], [], undefined);
    expect(plan.minimum.daemonSets).toEqual({ cpuMilli: 200, memoryMiB: 256, pods: 2 });
    expect(plan.minimum.headroom).toEqual({ cpuMilli: 2000 - 200 - 800, memoryMiB: 8192 - 256 - 2048, pods: 20 - 4 });
    expect(plan.maximum.requested.cpuMilli).toBe(400 + 1600);
    expect(plan.problems).toEqual([]);
  });

  test("too much CPU, memory or pods at minimum each fail, naming the figures", () => {
    expect(planOf(group, node, [w("cpu", "Deployment", "600m", "0", 4, 4)], [], undefined).problems).toContain(
      "at minimum replicas on the node group's minimum size (2 nodes): CPU requested 2.40 vCPU exceeds 2.00 vCPU allocatable",
    );
    expect(planOf(group, node, [w("mem", "Deployment", "0", "3Gi", 3, 3)], [], undefined).problems[0]).toMatch(/minimum.*memory requested 9.00 GiB exceeds 8.00 GiB/);
    expect(planOf(group, node, [w("many", "Deployment", "0", "0", 21, 21)], [], undefined).problems[0]).toMatch(/minimum.*21 pods exceed 20 pod slots/);
  });

  test("the maximum fails on the node group alone, and an autoscaler's limits count towards it", () => {
    const scaling = [w("app", "Deployment", "500m", "0", 1, 10)];
    expect(planOf(group, node, scaling, [], undefined).problems).toEqual([
      "at maximum replicas on the node group's maximum size (4 nodes): CPU requested 5.00 vCPU exceeds 4.00 vCPU allocatable",
    ]);
    expect(planOf(group, node, scaling, [], { cpuMilli: 2000, memoryMiB: 8192 }).problems).toEqual([]);
  });

  test("a pod larger than a node beside its DaemonSets fails even when the sums fit", () => {
    const plan = planOf(group, node, [daemon, w("big", "StatefulSet", "950m", "1Gi", 1, 1)], [], undefined);
    expect(plan.problems).toEqual([expect.stringMatching(/^ns\/big: one pod requests 0.95 vCPU/)]);
  });

  test("dev as it was sized before the profiles (the figures of issue 17) does not fit two t3.large at rest", () => {
    const many = (name: string, n: number, cpu: string, mem: string) => w(name, "StatefulSet", cpu, mem, n, n);
    const before = [
      many("mysql", 11, "250m", "512Mi"),
      w("services", "Deployment", "100m", "128Mi", 14, 42),
      many("rabbitmq", 1, "500m", "1Gi"),
      many("minio", 1, "250m", "512Mi"),
      many("redis", 1, "100m", "256Mi"),
    ];
    const t3 = guaranteedNode(["t3.large", "t3a.large"]);
    const plan = planOf({ instanceTypes: ["t3.large", "t3a.large"], minSize: 2, desiredSize: 2, maxSize: 4 }, t3, before, [], undefined);
    expect(plan.minimum.requested.cpuMilli).toBe(5000);
    expect(plan.problems[0]).toBe("at minimum replicas on the node group's minimum size (2 nodes): CPU requested 5.00 vCPU exceeds 3.86 vCPU allocatable");
  });

  test("a chart the plan cannot size fails by name", () => {
    expect(planOf(group, node, [], ["karpenter"], undefined).problems).toEqual(["chart 'karpenter' is in the render but tools/capacity/charts.ts cannot size its pods"]);
  });
});

describe("the resource profiles (catalog/resource-profiles.ts)", () => {
  test.each(RESOURCE_PROFILES)("%s: every request is at most its limit", (profile) => {
    for (const workload of PROFILED_WORKLOADS) {
      const row = profileRows(profile)[workload];
      if (row.cpuLimit !== null) expect([workload, cpuMilli(row.cpuRequest) <= cpuMilli(row.cpuLimit)]).toEqual([workload, true]);
      expect([workload, memoryMiB(row.memoryRequest) <= memoryMiB(row.memoryLimit)]).toEqual([workload, true]);
    }
  });

  test("the profiles grow: no workload requests less in a larger profile", () => {
    for (const workload of PROFILED_WORKLOADS) {
      const [small, standard, large] = RESOURCE_PROFILES.map((p) => PROFILE_TABLE[p][workload]);
      expect([workload, cpuMilli(small.cpuRequest) <= cpuMilli(standard.cpuRequest), cpuMilli(standard.cpuRequest) <= cpuMilli(large.cpuRequest)]).toEqual([workload, true, true]);
      expect([workload, memoryMiB(small.memoryRequest) <= memoryMiB(standard.memoryRequest), memoryMiB(standard.memoryRequest) <= memoryMiB(large.memoryRequest)]).toEqual([workload, true, true]);
    }
  });

  test("an unknown profile is an error naming the profiles", () => {
    expect(() => profileRows("huge" as never)).toThrow("unknown resource profile 'huge': the profiles are small, standard, large");
  });

  test.each(RESOURCE_PROFILES)("%s: RabbitMQ's memory alarm and Redis' maxmemory follow the profile's limits", (profile) => {
    const rows = profileRows(profile);
    const conf = rabbitmqConfig({ clusterName: "c", memoryLimit: rows.rabbitmq.memoryLimit, volumeSize: "1Gi" });
    expect(conf).toContain(`total_memory_available_override_value = ${memoryBytes(rows.rabbitmq.memoryLimit)}\n`);
    expect(redisConfig(rows.redis.memoryLimit)).toContain(`maxmemory ${Math.floor((memoryBytes(rows.redis.memoryLimit) * 3) / 4)}\n`);
  });
});

describe("the chart defaults the plan falls back on (chartdata/)", () => {
  const values = (file: string) => YAML.parse(fs.readFileSync(path.join(__dirname, "../../chartdata", file), "utf8"));
  test("one replica where the program sets none: Traefik, cert-manager's three, Grafana, kube-state-metrics", () => {
    const cm = values("cert-manager/values.yaml");
    expect([values("traefik/values.yaml").deployment.replicas, cm.replicaCount, cm.webhook.replicaCount, cm.cainjector.replicaCount]).toEqual([1, 1, 1, 1]);
    expect(values("kube-prometheus-stack/charts/grafana/values.yaml").replicas).toBe(1);
    expect(values("kube-prometheus-stack/charts/kube-state-metrics/values.yaml").replicas).toBe(1);
    expect(values("metrics-server/values.yaml").replicas).toBe(1);
  });

  test("the sub-charts and the config reloader request nothing of their own: the program sizes them, or they count as 0", () => {
    expect(values("kube-prometheus-stack/charts/kube-state-metrics/values.yaml").resources).toEqual({});
    expect(values("kube-prometheus-stack/charts/prometheus-node-exporter/values.yaml").resources).toEqual({});
    expect(values("kube-prometheus-stack/charts/grafana/values.yaml").sidecar.resources).toEqual({});
    expect(values("kube-prometheus-stack/values.yaml").prometheusOperator.prometheusConfigReloader.resources).toEqual({});
  });
});
