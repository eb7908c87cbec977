/**
 * The builders of Karpenter's chart values, EC2NodeClass and NodePool, against the rules of
 * aws/karpenter-provider-aws v1.14.1 (charts/karpenter/values.yaml; pkg/apis/crds; concepts/
 * nodeclasses.md, nodepools.md, disruption.md).
 */
import type { AutoscalingSettings } from "../../config";
import { KARPENTER_IMAGE, karpenterResources, karpenterValues } from "../../components/foundation/karpenter/chart";
import { DISRUPTION_BUDGETS, ec2NodeClassSpec, nodePoolSpec } from "../../components/foundation/karpenter/node-pool";
import { IPVS_KERNEL_MODULES } from "../../components/foundation/cluster-nodes";

const settings: AutoscalingSettings = {
  karpenterReplicas: 2,
  karpenterCpuMillicores: 300,
  karpenterMemoryMiB: 700,
  amiAlias: "al2023@v20260724",
  cpuLimit: 40,
  memoryLimitGiB: 160,
  instanceFamilies: ["m6i", "c7i"],
  capacityTypes: ["spot", "on-demand"],
};
const nodeClass = (kubeProxyMode: "ipvs" | "iptables") =>
  ec2NodeClassSpec({ clusterName: "shop-test", nodeRoleName: "shop-test-nodes", amiAlias: settings.amiAlias, diskSizeGiB: 80, kubeProxyMode }) as Record<string, any>;

test("chart values: the cluster, the queue by name, AWS_REGION, the image by digest, no zonal shift", () => {
  const v = karpenterValues({ settings, clusterName: "shop-test", region: "eu-west-3", interruptionQueue: "shop-test" }) as Record<string, any>;
  expect(v.settings).toEqual({ clusterName: "shop-test", interruptionQueue: "shop-test", enableZonalShift: false });
  expect(v.controller.env).toEqual([{ name: "AWS_REGION", value: "eu-west-3" }]);
  expect(v.controller.image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(v.controller.image).toEqual(KARPENTER_IMAGE);
  expect(v.replicas).toBe(2);
  // No value that would move the controller onto the nodes it manages: the chart's affinity stays.
  expect(v.affinity).toBeUndefined();
  expect(v.nodeSelector).toBeUndefined();
});

test("the controller's requests equal its limits", () => {
  expect(karpenterResources(settings)).toEqual({ requests: { cpu: "300m", memory: "700Mi" }, limits: { cpu: "300m", memory: "700Mi" } });
});

test("the node class adds the IPVS modules before Karpenter's NodeConfig only when kube-proxy runs IPVS", () => {
  const ipvs = nodeClass("ipvs");
  expect(ipvs.userData).toMatch(/^MIME-Version: 1\.0\nContent-Type: multipart\/mixed; boundary="[^"]+"\n/);
  for (const m of IPVS_KERNEL_MODULES) expect(ipvs.userData).toContain(m);
  // Karpenter's own NodeConfig is appended by Karpenter: none here, so nothing can fight it.
  expect(ipvs.userData).not.toContain("NodeConfig");
  expect(nodeClass("iptables").userData).toBeUndefined();
});

test("the node class selects by the discovery tag, uses the node role, one alias term, and the managed nodes' disk", () => {
  const spec = nodeClass("iptables");
  expect(spec.role).toBe("shop-test-nodes");
  expect(spec.instanceProfile).toBeUndefined();
  expect(spec.amiSelectorTerms).toEqual([{ alias: "al2023@v20260724" }]);
  expect(spec.subnetSelectorTerms).toEqual([{ tags: { "karpenter.sh/discovery": "shop-test" } }]);
  expect(spec.blockDeviceMappings[0].ebs).toMatchObject({ volumeSize: "80Gi", volumeType: "gp3", encrypted: true });
  expect(spec.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
});

test("the pool: the settings' families and capacity types, the cluster's zones, its limits, consolidation with budgets", () => {
  const spec = nodePoolSpec({ settings, availabilityZones: ["eu-west-3a", "eu-west-3b"] }) as Record<string, any>;
  const byKey = Object.fromEntries(spec.template.spec.requirements.map((r: { key: string; operator: string; values: string[] }) => [r.key, r]));
  expect(byKey["karpenter.k8s.aws/instance-family"]).toEqual({ key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["m6i", "c7i"] });
  expect(byKey["karpenter.sh/capacity-type"].values).toEqual(["spot", "on-demand"]);
  expect(byKey["topology.kubernetes.io/zone"].values).toEqual(["eu-west-3a", "eu-west-3b"]);
  expect(byKey["kubernetes.io/arch"].values).toEqual(["amd64"]);
  expect(spec.limits).toEqual({ cpu: "40", memory: "160Gi" });
  expect(spec.template.spec.terminationGracePeriod).toBeUndefined();
  expect(spec.disruption.consolidationPolicy).toBe("WhenEmptyOrUnderutilized");
  expect(spec.disruption.consolidateAfter).toMatch(/^(([0-9]+(s|m|h))+|Never)$/);
  // The CRD's pattern of a budget's nodes, and drift limited more tightly than the general budget.
  for (const b of spec.disruption.budgets) expect(b.nodes).toMatch(/^((100|[0-9]{1,2})%|[0-9]+)$/);
  expect(spec.disruption.budgets).toEqual(DISRUPTION_BUDGETS.map((b) => ({ ...b })));
  expect(spec.disruption.budgets.find((b: { reasons?: string[] }) => b.reasons?.includes("Drifted"))).toEqual({ nodes: "1", reasons: ["Drifted"] });
});
