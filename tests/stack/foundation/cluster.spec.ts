import { NODE_POLICY_ARNS, controlPlaneLogGroupName } from "../../../components/foundation/cluster";
import { IPVS_KERNEL_MODULES } from "../../../components/foundation/cluster-nodes";
import { CONTROL_PLANE_LOG_TYPES } from "../../../config/cluster";
import { STACKS, stackRender, stackRun, stackSetting } from "../../harness";

/** Parses a user-data MIME multi-part document into its parts (content type and body). */
function mimeParts(base64: string): { type: string; body: string }[] {
  const text = Buffer.from(base64, "base64").toString("utf8");
  const boundary = /boundary="([^"]+)"/.exec(text)?.[1];
  if (!boundary) throw new Error("user data is not MIME multi-part");
  return text
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const [head, ...body] = part.replace(/^\n/, "").split("\n\n");
      return { type: /Content-Type: ([^;\n]+)/.exec(head)![1], body: body.join("\n\n") };
    });
}

describe.each(STACKS)("EKS cluster of %s", (stack) => {
  test("API authentication, no default node group, OIDC provider", async () => {
    const c = (await stackRender(stack)).one("eks:index:Cluster").inputs;
    expect(c.authenticationMode).toBe("API");
    expect(c.skipDefaultNodeGroup).toBe(true);
    expect(c.createOidcProvider).toBe(true);
    expect(c.name).toBe(stackSetting(stack, "clusterName"));
  });

  test("the VPC CNI enforces NetworkPolicies in strict mode", async () => {
    const c = (await stackRender(stack)).one("eks:index:Cluster").inputs;
    expect(c.vpcCniOptions.enableNetworkPolicy).toBe(true);
    expect(c.vpcCniOptions.configurationValues.env.NETWORK_POLICY_ENFORCING_MODE).toBe("strict");
    // The node agent's decision logs follow the stack's setting.
    expect(c.vpcCniOptions.configurationValues.nodeAgent?.enablePolicyEventLogs === "true").toBe(stackSetting(stack, "networkPolicyEventLogs"));
  });

  test("the cluster gets the stack's service range", async () => {
    expect((await stackRender(stack)).one("eks:index:Cluster").inputs.kubernetesServiceIpAddressRange).toBe(stackSetting(stack, "serviceCidr"));
  });

  test("nodes live in the private subnets only, without public IPs", async () => {
    const r = await stackRender(stack);
    const privateIds = r.ofType("aws:ec2/subnet:Subnet").filter((s) => s.name.includes("private")).map((s) => `${s.name}-id`);
    const ng = r.one("eks:index:ManagedNodeGroup").inputs;
    expect([...ng.subnetIds].sort()).toEqual(privateIds.sort());
    expect(r.one("eks:index:Cluster").inputs.nodeAssociatePublicIpAddress).toBe(false);
  });

  test("node group sizes come from the stack", async () => {
    const ng = (await stackRender(stack)).one("eks:index:ManagedNodeGroup").inputs;
    expect(ng.scalingConfig).toEqual({
      minSize: stackSetting(stack, "nodeMinSize"),
      desiredSize: stackSetting(stack, "nodeDesiredSize"),
      maxSize: stackSetting(stack, "nodeMaxSize"),
    });
    expect(ng.capacityType).toBe(stackSetting(stack, "nodeCapacityType"));
  });

  test("node role has exactly the worker policies and joins by the access entry EKS creates for it", async () => {
    const r = await stackRender(stack);
    const role = r.one("aws:iam/role:Role", "eks-node-role");
    const nodePolicies = r
      .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .filter((a) => a.dependsOn.includes(role.urn))
      .map((a) => a.inputs.policyArn);
    expect(nodePolicies.sort()).toEqual([...NODE_POLICY_ARNS].sort());
    // pulumi-eks v4.3.0 refuses instanceRoles with API authentication
    // (nodejs/eks/cluster/authenticationMode.ts); the node group hands the role to EKS instead.
    expect(r.one("eks:index:Cluster").inputs.instanceRoles).toBeUndefined();
    expect(r.one("eks:index:ManagedNodeGroup").inputs.nodeRole).toBe(role.urn);
  });

  test("every Kubernetes object uses the cluster's provider, built from its kubeconfig", async () => {
    const r = await stackRender(stack);
    const provider = r.one("pulumi:providers:kubernetes");
    expect(provider.dependsOn).toContain(r.one("eks:index:Cluster").urn);
    expect(provider.inputs.kubeconfig).toBe("[secret]");
    const k8s = r.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:"));
    expect(k8s.length).toBeGreaterThan(0);
    for (const obj of k8s) expect(obj.provider?.startsWith(provider.urn)).toBe(true);
  });
});

describe.each(STACKS)("control plane of %s", (stack) => {
  test("Secrets are encrypted with a customer-managed key that rotates", async () => {
    const r = await stackRender(stack);
    const key = r.one("aws:kms/key:Key", "eks-secrets-key");
    expect(key.inputs.enableKeyRotation).toBe(true);
    const cluster = r.one("eks:index:Cluster");
    expect(cluster.inputs.encryptionConfigKeyArn).toBe(`arn:aws:kms:${stackSetting(stack, "aws:region")}:123456789012:${key.name}`);
    expect(cluster.dependsOn).toContain(key.urn);
    const alias = r.one("aws:kms/alias:Alias", "eks-secrets-key-alias").inputs;
    expect(alias).toEqual({ name: `alias/${stackSetting(stack, "clusterName")}-eks-secrets`, targetKeyId: key.name });
  });

  test("control-plane logs: the stack's types, in a log group created first with the stack's retention", async () => {
    const r = await stackRender(stack);
    const cluster = r.one("eks:index:Cluster");
    const logTypes = stackSetting<string[]>(stack, "controlPlaneLogTypes");
    expect(cluster.inputs.enabledClusterLogTypes).toEqual(logTypes);
    expect(logTypes).toEqual(expect.arrayContaining(["api", "audit", "authenticator"]));
    // A stack that keeps real data keeps the whole control-plane trail.
    if (stackSetting(stack, "protectData")) expect([...logTypes].sort()).toEqual([...CONTROL_PLANE_LOG_TYPES].sort());
    const clusterName = stackSetting<string>(stack, "clusterName");
    const group = r.one("aws:cloudwatch/logGroup:LogGroup");
    expect(group.inputs.name).toBe(controlPlaneLogGroupName(clusterName));
    expect(group.inputs.name).toBe(`/aws/eks/${clusterName}/cluster`);
    expect(group.inputs.retentionInDays).toBe(stackSetting(stack, "controlPlaneLogRetentionDays"));
    expect(cluster.dependsOn).toContain(group.urn);
  });

  test("private endpoint on; public endpoint restricted to the stack's CIDRs", async () => {
    const c = (await stackRender(stack)).one("eks:index:Cluster").inputs;
    expect(c.endpointPrivateAccess).toBe(true);
    expect(c.endpointPublicAccess).toBe(true);
    expect(c.publicAccessCidrs).toEqual(stackSetting(stack, "apiPublicAccessCidrs"));
  });
});

describe.each(STACKS)("worker nodes of %s", (stack) => {
  test("boot from a launch template that requires IMDSv2 tokens with hop limit 1", async () => {
    const r = await stackRender(stack);
    const lt = r.one("aws:ec2/launchTemplate:LaunchTemplate");
    expect(lt.inputs.metadataOptions).toEqual({
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: "disabled",
    });
    const ng = r.one("eks:index:ManagedNodeGroup");
    expect(ng.inputs.launchTemplate).toEqual({ id: `lt-${lt.name}`, version: "1" });
    expect(ng.dependsOn).toContain(lt.urn);
  });

  test("the root disk moves into the launch template: encrypted gp3 of the stack's size", async () => {
    const r = await stackRender(stack);
    const ng = r.one("eks:index:ManagedNodeGroup").inputs;
    expect(ng.diskSize).toBeUndefined(); // conflicts with a launch template
    expect(ng.operatingSystem).toBe("AL2023");
    const disks = r.one("aws:ec2/launchTemplate:LaunchTemplate").inputs.blockDeviceMappings;
    expect(disks).toEqual([
      {
        deviceName: "/dev/xvda",
        ebs: { volumeSize: stackSetting(stack, "nodeDiskSizeGiB"), volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
      },
    ]);
  });

  test("the launch template leaves the AMI and security groups to EKS", async () => {
    const lt = (await stackRender(stack)).one("aws:ec2/launchTemplate:LaunchTemplate").inputs;
    expect(lt.imageId).toBeUndefined();
    expect(lt.vpcSecurityGroupIds).toBeUndefined();
  });

  test("IPVS nodes load the kernel modules at boot; iptables nodes get no extra user data", async () => {
    const lt = (await stackRender(stack)).one("aws:ec2/launchTemplate:LaunchTemplate").inputs;
    const mode = stackSetting(stack, "kubeProxyMode");
    if (mode === "iptables") {
      expect(lt.userData).toBeUndefined();
      return;
    }
    expect(mode).toBe("ipvs");
    const parts = mimeParts(lt.userData);
    expect(parts.map((p) => p.type)).toEqual(["text/x-shellscript"]);
    const script = parts[0].body;
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    const persisted = /printf '%s\\n' (.+) > \/etc\/modules-load\.d\/ipvs\.conf/.exec(script)?.[1].split(" ");
    const loaded = /for m in (.+); do modprobe "\$m"; done/.exec(script)?.[1].split(" ");
    expect(persisted).toEqual([...IPVS_KERNEL_MODULES]);
    expect(loaded).toEqual([...IPVS_KERNEL_MODULES]);
    expect(IPVS_KERNEL_MODULES).toEqual(expect.arrayContaining(["ip_vs", "ip_vs_rr", "nf_conntrack"]));
  });
});

describe("outputs", () => {
  test("cluster name, endpoint, OIDC issuer, node group name, and the kubeconfig as a secret", async () => {
    // The run's render of prod (the render service, tests/render-service.ts): outputs serialized as the engine receives them.
    const { outputs } = await stackRun("prod");
    // A secret output reaches the engine wrapped as a secret, which the render writes as "[secret]".
    expect(outputs.kubeconfig).toBe("[secret]");
    const clusterName = stackSetting("prod", "clusterName");
    const region = stackSetting<string>("prod", "aws:region");
    expect(outputs).toMatchObject({
      clusterName,
      clusterEndpoint: expect.stringMatching(/^https:\/\/.+\.eks\.amazonaws\.com$/),
      nodeGroupName: `${clusterName}-nodes`,
    });
    const issuerPrefix = `oidc.eks.${region}.amazonaws.com/id/`;
    expect(String(outputs.oidcIssuer).slice(0, issuerPrefix.length)).toBe(issuerPrefix);
  });
});
