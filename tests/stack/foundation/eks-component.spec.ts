/**
 * The eks.Cluster and eks.ManagedNodeGroup inputs of every stack against the checks the
 * pulumi-eks plugin runs (tools/upstream/pulumi-eks.ts), and those rules against inputs that break
 * them, so that each rule is shown to bite.
 */
import * as fs from "fs";
import * as path from "path";
import {
  CLUSTER_RULES,
  ComponentRule,
  MANAGED_NODE_GROUP_RULES,
  PULUMI_EKS_VERSION,
  componentProblems,
} from "../../../tools/upstream/pulumi-eks";
import { PROJECT_DIR, STACKS, renderProgram, stackRender } from "../../harness";
import { DEV_CLUSTER_CHANGED, NEXT_KUBERNETES } from "../../variants";

const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8"));

test("the rules were read at the pinned @pulumi/eks version", () => {
  expect(pkg.dependencies["@pulumi/eks"]).toBe(PULUMI_EKS_VERSION);
});

describe.each(STACKS)("pulumi-eks inputs of %s", (stack) => {
  test.each(CLUSTER_RULES.map((r) => [r.name, r] as const))("cluster: %s", async (_name, rule) => {
    const cluster = (await stackRender(stack)).one("eks:index:Cluster").inputs;
    expect(componentProblems([rule], cluster)).toEqual([]);
  });

  test.each(MANAGED_NODE_GROUP_RULES.map((r) => [r.name, r] as const))("node group: %s", async (_name, rule) => {
    const r = await stackRender(stack);
    const nodeGroup = r.one("eks:index:ManagedNodeGroup").inputs;
    expect(componentProblems([rule], nodeGroup, r.one("eks:index:Cluster").inputs)).toEqual([]);
  });
});

/** For each rule, inputs that break it (and the cluster the node group joins, where it matters). */
const BROKEN: Record<string, { inputs: Record<string, unknown>; cluster?: Record<string, unknown> }> = {
  "authenticationMode is one the component knows": { inputs: { authenticationMode: "IAM" } },
  "no roleMappings without the aws-auth ConfigMap": { inputs: { authenticationMode: "API", roleMappings: [{}] } },
  "no userMappings without the aws-auth ConfigMap": { inputs: { authenticationMode: "API", userMappings: [{}] } },
  "no instanceRoles without the aws-auth ConfigMap": { inputs: { authenticationMode: "API", instanceRoles: ["role"] } },
  "accessEntries only with an authentication mode that has them": { inputs: { accessEntries: {} } },
  "instanceRole and instanceRoles are exclusive": { inputs: { instanceRole: "a", instanceRoles: ["b"] } },
  "subnetIds or public/private subnet ids, not both": { inputs: { subnetIds: ["a"], privateSubnetIds: ["b"] } },
  "nodeGroupOptions or singular node options, not both": { inputs: { nodeGroupOptions: {}, minSize: 2 } },
  "EKS Auto Mode needs access entries": { inputs: { autoMode: { enabled: true }, authenticationMode: "CONFIG_MAP" } },
  "publicAccessCidrs only with the public endpoint on": { inputs: { publicAccessCidrs: ["1.2.3.0/24"], endpointPublicAccess: false } },
  "exactly one of nodeRole and nodeRoleArn": { inputs: {} },
  "amiId and gpu are exclusive": { inputs: { nodeRole: "r", amiId: "ami-1", gpu: true } },
  "amiId and amiType are exclusive": { inputs: { nodeRole: "r", amiId: "ami-1", amiType: "AL2023_x86_64_STANDARD" } },
  "a custom launch template carries the node options itself": { inputs: { nodeRole: "r", launchTemplate: { id: "lt" }, enableIMDSv2: true } },
  "userData or the user-data options, not both": { inputs: { nodeRole: "r", userData: "x", kubeletExtraArgs: "--v=2" } },
  "EFA needs a placement group zone": { inputs: { nodeRole: "r", enableEfaSupport: true } },
  "without access entries the node role must be among the cluster's instanceRoles": {
    inputs: { nodeRole: "r" },
    cluster: { authenticationMode: "CONFIG_MAP", instanceRoles: [] },
  },
  "with a launch template the node group names the cluster's Kubernetes version": {
    inputs: { nodeRole: "r", launchTemplate: { id: "lt" } },
    cluster: { authenticationMode: "API", version: "1.34" },
  },
};

describe("each rule rejects inputs that break it, and only that rule does", () => {
  const rules: ComponentRule[] = [...CLUSTER_RULES, ...MANAGED_NODE_GROUP_RULES];
  test("every rule has a breaking example", () => {
    expect(Object.keys(BROKEN).sort()).toEqual(rules.map((r) => r.name).sort());
  });
  test.each(rules.map((r) => [r.name, r] as const))("%s", (name, rule) => {
    const { inputs, cluster } = BROKEN[name];
    expect(componentProblems([rule], inputs, cluster)).toHaveLength(1);
  });
  test("the old cluster inputs (node role in instanceRoles with API authentication) are rejected with the plugin's message", () => {
    expect(componentProblems(CLUSTER_RULES, { authenticationMode: "API", instanceRoles: ["urn:role"] })).toEqual([
      "no instanceRoles without the aws-auth ConfigMap: The 'instanceRoles' property does not support non-empty values when 'authenticationMode' is set to 'API'.",
    ]);
  });
});

describe("a Kubernetes upgrade moves the control plane, the nodes and every add-on", () => {
  const ADDONS = ["eks-pod-identity-agent", "aws-ebs-csi-driver", "coredns"];
  // EKS upgrades one minor version at a time and never downgrades: the next minor is the change to prove.
  // dev on the next minor (with cluster changes that share its render, tests/variants.ts).
  test.each([NEXT_KUBERNETES])("kubernetesVersion %s", async (version) => {
    const before = await stackRender("dev");
    const after = await renderProgram("dev", { overrides: DEV_CLUSTER_CHANGED });
    const versions = (r: typeof before) => ({
      cluster: r.one("eks:index:Cluster").inputs.version,
      nodes: r.one("eks:index:ManagedNodeGroup").inputs.version,
      addons: Object.fromEntries(
        r.ofType("aws:eks/addon:Addon").map((a) => [a.inputs.addonName, a.inputs.addonVersion]),
      ),
    });
    const was = versions(before);
    const now = versions(after);
    expect(was.nodes).toBe(was.cluster);
    expect(now).toMatchObject({ cluster: version, nodes: version });
    expect(Object.keys(now.addons).sort()).toEqual([...ADDONS].sort());
    for (const addon of ADDONS) {
      // The mock's lookup names the Kubernetes version it was asked for.
      expect(now.addons[addon]).toMatch(new RegExp(`${addon}-k8s${version.replace(".", "\\.")}$`));
      expect(now.addons[addon]).not.toBe(was.addons[addon]);
    }
  });
});
