import Ajv from "ajv";
import { PROFILE_TABLE, RESOURCE_PROFILES } from "../../../catalog";
import { EBS_CSI_POLICY_ARN, corednsConfiguration, kubeProxyConfiguration } from "../../../components/foundation/cluster-addons";
import { DEFAULT_STORAGE_CLASS } from "../../../components/foundation/storage-class";
import type { RecordedResource } from "../../../tools/render/engine";
import { STACKS, stackRender, stackSetting } from "../../harness";

/**
 * The add-ons' configuration schemas as `aws eks describe-addon-configuration` reports them
 * (coredns and kube-proxy), reduced to the properties and types: EKS rejects any other key.
 */
const resources = {
  type: "object",
  additionalProperties: false,
  properties: {
    limits: { type: "object", additionalProperties: false, properties: { cpu: { type: "string" }, memory: { type: "string" } } },
    requests: { type: "object", additionalProperties: false, properties: { cpu: { type: "string" }, memory: { type: "string" } } },
  },
};
const COREDNS_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    affinity: { type: ["object", "null"] },
    autoScaling: { type: "object", required: ["enabled"] },
    computeType: { type: "string" },
    corefile: { type: "string" },
    nodeSelector: { type: "object", additionalProperties: { type: "string" } },
    podAnnotations: { type: "object" },
    podDisruptionBudget: {
      type: "object",
      properties: { enabled: { type: "boolean" }, maxUnavailable: { anyOf: [{ type: "integer" }, { type: "string", pattern: ".*%$" }] } },
    },
    podLabels: { type: "object" },
    replicaCount: { type: "integer" },
    resources,
    tolerations: { type: "array", items: { type: "object" } },
    topologySpreadConstraints: { type: "array" },
  },
};
const KUBE_PROXY_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    ipvs: { type: "object", additionalProperties: false, properties: { scheduler: { type: "string" } } },
    mode: { enum: ["iptables", "ipvs"] },
    podAnnotations: { type: "object" },
    podLabels: { type: "object" },
    resources,
  },
};
const ajv = new Ajv({ allErrors: true, strict: false });
const validCoredns = ajv.compile(COREDNS_SCHEMA);
const validKubeProxy = ajv.compile(KUBE_PROXY_SCHEMA);

interface Directive {
  readonly name: string;
  readonly args: string[];
  readonly block?: Directive[];
}

/** A small Corefile parser: server blocks of directives, each with arguments and an optional block. */
function parseCorefile(text: string): { keys: string[]; directives: Directive[] }[] {
  const tokens = text.split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);
  let i = 0;
  const block = (): Directive[] => {
    const out: Directive[] = [];
    while (i < tokens.length && tokens[i] !== "}") {
      const words = tokens[i++].split(/\s+/);
      const opens = words[words.length - 1] === "{";
      const [name, ...args] = opens ? words.slice(0, -1) : words;
      out.push(opens ? { name, args, block: block() } : { name, args });
      if (opens && tokens[i++] !== "}") throw new Error(`unclosed block of ${name}`);
    }
    return out;
  };
  const servers: { keys: string[]; directives: Directive[] }[] = [];
  while (i < tokens.length) {
    const words = tokens[i++].split(/\s+/);
    if (words.pop() !== "{") throw new Error("server block without {");
    servers.push({ keys: words, directives: block() });
    if (tokens[i++] !== "}") throw new Error("unclosed server block");
  }
  return servers;
}

const addon = (resources: readonly RecordedResource[], name: string) => {
  const hits = resources.filter((r) => r.type === "aws:eks/addon:Addon" && r.inputs.addonName === name);
  expect(hits).toHaveLength(1);
  return hits[0];
};

describe("add-on configuration values fit the add-on schemas", () => {
  test.each([2, 3, 10])("CoreDNS with %i replicas", (replicas) => {
    for (const profile of RESOURCE_PROFILES) expect(validCoredns(corednsConfiguration(replicas, PROFILE_TABLE[profile].coredns))).toBe(true);
  });
  test.each(["iptables", "ipvs"] as const)("kube-proxy in %s mode", (mode) => {
    expect(validKubeProxy(kubeProxyConfiguration(mode))).toBe(true);
  });
  test("the schemas do reject unknown keys and modes", () => {
    expect(validCoredns({ replicas: 2 })).toBe(false);
    expect(validKubeProxy({ mode: "nftables" })).toBe(false);
  });
});

describe.each(STACKS)("add-ons of %s", (stack) => {
  test("CoreDNS has the seed's Corefile behaviour", async () => {
    const coredns = addon((await stackRender(stack)).resources, "coredns");
    const values = JSON.parse(coredns.inputs.configurationValues);
    expect(validCoredns(values)).toBe(true);
    const servers = parseCorefile(values.corefile);
    expect(servers.map((s) => s.keys)).toEqual([[".:53"]]);
    const plugins = new Map(servers[0].directives.map((d) => [d.name, d]));
    expect(plugins.get("cache")!.args).toEqual(["30"]);
    expect(plugins.get("prometheus")!.args).toEqual([":9153"]);
    expect(plugins.get("health")!.block).toEqual([{ name: "lameduck", args: ["5s"] }]);
    const kubernetes = plugins.get("kubernetes")!;
    expect(kubernetes.args).toEqual(["cluster.local", "in-addr.arpa", "ip6.arpa"]);
    expect(kubernetes.block).toEqual(
      expect.arrayContaining([{ name: "pods", args: ["insecure"] }, { name: "ttl", args: ["30"] }]),
    );
    const forward = plugins.get("forward")!;
    expect(forward.args).toEqual([".", "/etc/resolv.conf"]);
    expect(forward.block).toEqual([{ name: "max_concurrent", args: ["1000"] }]);
    for (const p of ["errors", "ready", "loop", "reload", "loadbalance"]) expect(plugins.has(p)).toBe(true);
  });

  test("CoreDNS runs the stack's replicas (two at least), spread over zones, after the node group", async () => {
    const r = await stackRender(stack);
    const coredns = addon(r.resources, "coredns");
    const values = JSON.parse(coredns.inputs.configurationValues);
    expect(values.replicaCount).toBe(stackSetting(stack, "corednsReplicas"));
    expect(values.replicaCount).toBeGreaterThanOrEqual(2);
    const zone = values.topologySpreadConstraints.find((c: any) => c.topologyKey === "topology.kubernetes.io/zone");
    expect(zone).toMatchObject({ maxSkew: 1, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { "k8s-app": "kube-dns" } } });
    expect(coredns.dependsOn).toContain(r.one("eks:index:ManagedNodeGroup").urn);
    expect(r.one("eks:index:Cluster").inputs.corednsAddonOptions.enabled).toBe(false);
  });

  test("kube-proxy runs in the stack's mode (IPVS with round robin)", async () => {
    const kubeProxy = (await stackRender(stack)).one("eks:index:Cluster").inputs.kubeProxyAddonOptions;
    // eks serialises these values itself; they arrive here as the object the add-on receives.
    const values = typeof kubeProxy.configurationValues === "string" ? JSON.parse(kubeProxy.configurationValues) : kubeProxy.configurationValues;
    expect(validKubeProxy(values)).toBe(true);
    const mode = stackSetting(stack, "kubeProxyMode");
    expect(values).toEqual(mode === "ipvs" ? { mode: "ipvs", ipvs: { scheduler: "rr" } } : { mode: "iptables" });
  });

  test("the Pod Identity agent is installed without waiting for nodes", async () => {
    const r = await stackRender(stack);
    const agent = addon(r.resources, "eks-pod-identity-agent");
    expect(agent.dependsOn).not.toContain(r.one("eks:index:ManagedNodeGroup").urn);
    expect(agent.dependsOn).toContain(r.one("eks:index:Cluster").urn);
  });

  test("the EBS CSI driver gets its role by Pod Identity, after the nodes, beside the agent", async () => {
    const r = await stackRender(stack);
    const csi = addon(r.resources, "aws-ebs-csi-driver");
    const role = r.one("aws:iam/role:Role", "eks-addons-ebs-csi-role");
    expect(csi.inputs.podIdentityAssociations).toEqual([
      { roleArn: `arn:aws:iam:${stackSetting(stack, "aws:region")}:123456789012:${role.name}`, serviceAccount: "ebs-csi-controller-sa" },
    ]);
    expect(csi.dependsOn).toContain(r.one("eks:index:ManagedNodeGroup").urn);
    // The claims wait for the agent instead (see "ordering with the other tiers" in data-safety).
    expect(csi.dependsOn).not.toContain(addon(r.resources, "eks-pod-identity-agent").urn);
    const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0].Principal).toEqual({ Service: "pods.eks.amazonaws.com" });
    expect(trust[0].Action).toEqual(["sts:AssumeRole", "sts:TagSession"]);
    expect(trust[0].Condition.StringEquals).toEqual({
      "aws:RequestTag/eks-cluster-name": stackSetting(stack, "clusterName"),
      "aws:RequestTag/kubernetes-namespace": "kube-system",
      "aws:RequestTag/kubernetes-service-account": "ebs-csi-controller-sa",
    });
    const attached = r.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.dependsOn.includes(role.urn));
    expect(attached.map((a) => a.inputs.policyArn)).toEqual([EBS_CSI_POLICY_ARN]);
  });

  test("the EBS CSI role may use the volume key, and grants only for AWS resources", async () => {
    const r = await stackRender(stack);
    const key = r.one("aws:kms/key:Key", "eks-addons-volume-key");
    expect(key.inputs.enableKeyRotation).toBe(true);
    const policy = JSON.parse(r.one("aws:iam/rolePolicy:RolePolicy", "eks-addons-ebs-csi-volume-key").inputs.policy).Statement;
    const keyArn = `arn:aws:kms:${stackSetting(stack, "aws:region")}:123456789012:${key.name}`;
    for (const statement of policy) expect(statement.Resource).toBe(keyArn);
    const grants = policy.find((s: any) => s.Action.includes("kms:CreateGrant"));
    expect(grants.Condition).toEqual({ Bool: { "kms:GrantIsForAWSResource": "true" } });
    expect(policy.flatMap((s: any) => s.Action)).toEqual(expect.arrayContaining(["kms:Decrypt", "kms:GenerateDataKey*"]));
    // Retained volumes must stay readable after the stack is gone.
    expect(key.retainOnDelete).toBe(stackSetting(stack, "protectData") ? true : undefined);
  });
});

describe.each(STACKS)("default StorageClass of %s", (stack) => {
  test("encrypted gp3 with the volume key, bound where the pod lands, expandable, default", async () => {
    const r = await stackRender(stack);
    const sc = r.find("StorageClass", DEFAULT_STORAGE_CLASS);
    expect(DEFAULT_STORAGE_CLASS).toBe("gp3");
    expect(sc.provisioner).toBe("ebs.csi.aws.com");
    expect(sc.parameters).toEqual({
      type: "gp3",
      fsType: "ext4",
      encrypted: "true",
      kmsKeyId: `arn:aws:kms:${stackSetting(stack, "aws:region")}:123456789012:eks-addons-volume-key`,
      // The backup selection finds every volume by this tag (components/foundation/backup.ts).
      tagSpecification_1: `ecommerce/backup-plan=${stackSetting(stack, "clusterName")}-data`,
    });
    expect(sc.volumeBindingMode).toBe("WaitForFirstConsumer");
    expect(sc.allowVolumeExpansion).toBe(true);
    expect(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"]).toBe("true");
    expect(r.kind("StorageClass").filter((c) => c.inputs.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true")).toHaveLength(1);
  });

  test("reclaim policy follows protectData: Retain when the stack protects its data, Delete otherwise", async () => {
    const sc = (await stackRender(stack)).find("StorageClass", "gp3");
    expect(sc.reclaimPolicy).toBe(stackSetting(stack, "protectData") ? "Retain" : "Delete");
  });

  test("the StorageClass is created without waiting for the EBS CSI driver; its claims wait for both", async () => {
    const r = await stackRender(stack);
    const sc = r.kind("StorageClass")[0];
    const driver = addon(r.resources, "aws-ebs-csi-driver").urn;
    expect(r.dependsOnTransitively(sc.urn)).not.toContain(driver);
    const claimed = r.kind("StatefulSet").filter((s) => (s.inputs.spec.volumeClaimTemplates ?? []).length > 0);
    expect(claimed.length).toBeGreaterThan(0);
    for (const sts of claimed) expect([...r.dependsOnTransitively(sts.urn)]).toEqual(expect.arrayContaining([sc.urn, driver]));
  });
});
