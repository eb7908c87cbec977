/**
 * Karpenter in each stack's render: the chart's values (aws/karpenter-provider-aws v1.14.1
 * charts/karpenter/values.yaml and templates/deployment.yaml), the EC2NodeClass and NodePool
 * against the CRD schemas the chart installs (chartdata/karpenter/crds, pkg/apis/crds at v1.14.1),
 * and the configuration rules of its keys.
 */
import { KARPENTER_IMAGE } from "../../../components/foundation/karpenter/chart";
import { KARPENTER_DISCOVERY_TAG } from "../../../components/foundation/karpenter-policy";
import { crdCheck } from "../../../lib/schema-check";
import { STACKS, configError, stackRender, stackSetting } from "../../harness";

const CHART_TYPE = "kubernetes:helm.sh/v4:Chart";
const checks = {
  EC2NodeClass: crdCheck("karpenter/crds/karpenter.k8s.aws_ec2nodeclasses.yaml"),
  NodePool: crdCheck("karpenter/crds/karpenter.sh_nodepools.yaml"),
};

describe.each(STACKS)("Karpenter in %s", (stack) => {
  const setting = <T extends string | number | boolean | unknown[]>(key: string) => stackSetting<T>(stack, key);

  test("the pinned OCI chart in kube-system, with the published image by digest", async () => {
    const chart = (await stackRender(stack)).one(CHART_TYPE, "karpenter").inputs;
    expect(chart).toMatchObject({ chart: "oci://public.ecr.aws/karpenter/karpenter", version: "1.14.1", namespace: "kube-system", name: "karpenter" });
    expect(chart.repositoryOpts).toBeUndefined();
    expect(chart.values.controller.image).toEqual(KARPENTER_IMAGE);
  });

  test("names the cluster and its interruption queue, and the region, without which the controller exits", async () => {
    const r = await stackRender(stack);
    const values = r.one(CHART_TYPE, "karpenter").inputs.values;
    const queue = r.one("aws:sqs/queue:Queue", "karpenter-interruption").inputs.name;
    expect(values.settings).toEqual({ clusterName: setting("clusterName"), interruptionQueue: queue, enableZonalShift: false });
    expect(values.controller.env).toEqual([{ name: "AWS_REGION", value: setting("aws:region") }]);
  });

  test("replicas and resources from the stack, requests equal to limits, as a critical cluster component", async () => {
    const values = (await stackRender(stack)).one(CHART_TYPE, "karpenter").inputs.values;
    const replicas = setting<number>("karpenterReplicas");
    expect(values.replicas).toBe(replicas);
    const amounts = { cpu: `${setting("karpenterCpuMillicores")}m`, memory: `${setting("karpenterMemoryMiB")}Mi` };
    expect(values.controller.resources).toEqual({ requests: amounts, limits: amounts });
    expect(values.priorityClassName).toBe("system-cluster-critical");
    expect(values.dnsPolicy).toBe("ClusterFirst");
    // The chart's required anti-affinity puts each replica on its own managed node (Karpenter's nodes are excluded).
    expect(replicas).toBeLessThanOrEqual(setting<number>("nodeMinSize"));
  });

  test("the EC2NodeClass and NodePool pass the CRD schemas and wait for the chart", async () => {
    const r = await stackRender(stack);
    const chart = r.one(CHART_TYPE, "karpenter");
    const objects = [...r.kind("EC2NodeClass"), ...r.kind("NodePool")];
    expect(objects.map((o) => o.inputs.kind).sort()).toEqual(["EC2NodeClass", "NodePool"]);
    for (const o of objects) {
      expect({ kind: o.inputs.kind, problems: checks[o.inputs.kind as keyof typeof checks](o.inputs) }).toEqual({ kind: o.inputs.kind, problems: [] });
      expect(r.dependsOnTransitively(o.urn)).toContain(chart.urn);
    }
  });

  test("nodes boot the pinned AMI with the managed nodes' disk, IMDS settings and kube-proxy modules", async () => {
    const r = await stackRender(stack);
    const spec = r.find("EC2NodeClass", "default").spec;
    expect(spec.amiSelectorTerms).toEqual([{ alias: setting("karpenterAmiAlias") }]);
    expect(spec.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
    expect(spec.blockDeviceMappings).toEqual([
      { deviceName: "/dev/xvda", rootVolume: true, ebs: { volumeSize: `${setting("nodeDiskSizeGiB")}Gi`, volumeType: "gp3", encrypted: true, deleteOnTermination: true } },
    ]);
    const discovery = [{ tags: { [KARPENTER_DISCOVERY_TAG]: setting("clusterName") } }];
    expect(spec.subnetSelectorTerms).toEqual(discovery);
    expect(spec.securityGroupSelectorTerms).toEqual(discovery);
    expect(spec.role).toBe(r.one("aws:iam/role:Role", "karpenter-node-role").inputs.name ?? "karpenter-node-role");
    if (setting("kubeProxyMode") === "ipvs") {
      expect(spec.userData).toMatch(/^MIME-Version: 1\.0\nContent-Type: multipart\/mixed/);
      expect(spec.userData).toContain("modprobe");
    } else {
      expect(spec.userData).toBeUndefined();
    }
  });

  test("the NodePool launches only the stack's families and capacity types, up to its limits, and consolidates under budgets", async () => {
    const spec = (await stackRender(stack)).find("NodePool", "default").spec;
    const requirement = (key: string) => spec.template.spec.requirements.find((q: { key: string }) => q.key === key)?.values;
    expect(requirement("karpenter.k8s.aws/instance-family")).toEqual(setting("autoscalerInstanceFamilies"));
    expect(requirement("karpenter.sh/capacity-type")).toEqual(setting("autoscalerCapacityTypes"));
    expect(requirement("topology.kubernetes.io/zone")).toEqual(setting("availabilityZones"));
    expect(spec.limits).toEqual({ cpu: String(setting("autoscalerCpuLimit")), memory: `${setting("autoscalerMemoryLimitGiB")}Gi` });
    expect(spec.disruption).toMatchObject({ consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: "5m" });
    expect(spec.disruption.budgets).toContainEqual({ nodes: "1", reasons: ["Drifted"] });
  });
});

describe("Karpenter's settings reject bad values with a message naming the key, the value and what is allowed", () => {
  let message = "";
  beforeAll(async () => {
    // One load: the reader reports every problem at once.
    message = await configError("dev", {
      "ecommerce:karpenterReplicas": 4,
      "ecommerce:karpenterCpuMillicores": 50,
      "ecommerce:karpenterMemoryMiB": 100000,
      "ecommerce:karpenterAmiAlias": "al2023@latest",
      "ecommerce:autoscalerCpuLimit": 0,
      "ecommerce:autoscalerMemoryLimitGiB": 2,
      "ecommerce:autoscalerInstanceFamilies": ["m6i.large"],
      "ecommerce:autoscalerCapacityTypes": ["spot", "reserved"],
    });
  });
  test("more controllers than the managed node group's minimum is refused: each needs a node of its own", async () => {
    expect(await configError("dev", { "ecommerce:karpenterReplicas": 3, "ecommerce:nodeMinSize": 2 })).toMatch(
      /'ecommerce:karpenterReplicas' \(3\) <= 'ecommerce:nodeMinSize' \(2\) must hold/,
    );
  });
  test.each([
    ["three controllers at most", /'ecommerce:karpenterReplicas' value '4' is outside of the legal range/],
    ["a CPU too small to run the controller", /'ecommerce:karpenterCpuMillicores' value '50' is outside of the legal range/],
    ["memory out of range", /'ecommerce:karpenterMemoryMiB' value '100000' is outside of the legal range/],
    ["a floating AMI alias", /'ecommerce:karpenterAmiAlias' value 'al2023@latest'.*expected a pinned AL2023 alias such as al2023@v20260724/],
    ["no CPU for nodes", /'ecommerce:autoscalerCpuLimit' value '0' is outside of the legal range/],
    ["too little memory for one node", /'ecommerce:autoscalerMemoryLimitGiB' value '2' is outside of the legal range/],
    ["an instance type for a family", /'ecommerce:autoscalerInstanceFamilies' value "m6i.large" is not allowed; expected an x86 EC2 instance family such as m6i/],
    ["a capacity type the pool does not use", /'ecommerce:autoscalerCapacityTypes' value "reserved" is not allowed; expected one of spot, on-demand/],
  ])("%s", (_label, expected) => {
    expect(message).toMatch(expected);
  });
});
