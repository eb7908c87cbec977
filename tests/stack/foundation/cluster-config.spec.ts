import { OPERATE_ROLE } from "../../../components/foundation/cluster-access";
import { configError, renderProgram, stackRender } from "../../harness";
import { ADMIN_ROLE, DEV_CLUSTER_CHANGED, OTHER_SERVICE_CIDR } from "../../variants";

const ROLE = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

describe("cluster settings reject bad values with a message naming the key, the value and what is allowed", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["unknown kube-proxy mode", { "ecommerce:kubeProxyMode": "nftables" }, /'ecommerce:kubeProxyMode' value 'nftables' is not a legal enum value.*iptables.*ipvs/],
    ["malformed admin role ARN (short account)", { "ecommerce:adminRoleArn": "arn:aws:iam::12345:role/admin" }, /'ecommerce:adminRoleArn' value 'arn:aws:iam::12345:role\/admin'.*expected an IAM role ARN such as arn:aws:iam::123456789012:role\//],
    ["a user instead of a role", { "ecommerce:developerRoleArn": "arn:aws:iam::123456789012:user/bob" }, /'ecommerce:developerRoleArn' value 'arn:aws:iam::123456789012:user\/bob'.*IAM role ARN.*or empty/],
    ["a role name instead of an ARN", { "ecommerce:operatorRoleArn": "ecommerce-operator" }, /'ecommerce:operatorRoleArn' value 'ecommerce-operator'.*IAM role ARN/],
    ["no admin role", { "ecommerce:adminRoleArn": "" }, /'ecommerce:adminRoleArn' value ''.*IAM role ARN/],
    ["one role for two purposes", { "ecommerce:operatorRoleArn": ROLE("ecommerce-developer") }, /'ecommerce:developerRoleArn' and 'ecommerce:operatorRoleArn' name the same role 'arn:aws:iam::123456789012:role\/ecommerce-developer'.*one access entry per IAM principal/],
    ["unknown operator access level", { "ecommerce:operatorAccess": "root" }, /'ecommerce:operatorAccess' value 'root' is not a legal enum value.*admin.*edit.*operate/],
    ["malformed public access CIDR", { "ecommerce:apiPublicAccessCidrs": ["203.0.113.0/33"] }, /'ecommerce:apiPublicAccessCidrs' value "203.0.113.0\/33".*IPv4 CIDR/],
    ["public access CIDR with host bits", { "ecommerce:apiPublicAccessCidrs": ["203.0.113.7/24"] }, /'ecommerce:apiPublicAccessCidrs' value "203.0.113.7\/24".*did you mean 203.0.113.0\/24/],
    ["a private range for the public endpoint", { "ecommerce:apiPublicAccessCidrs": ["10.0.0.0/8"] }, /'ecommerce:apiPublicAccessCidrs' value "10.0.0.0\/8".*a public IPv4 CIDR \(10.0.0.0\/8 is private/],
    ["a host name for the public endpoint", { "ecommerce:apiPublicAccessCidrs": ["office.example.com"] }, /'ecommerce:apiPublicAccessCidrs' value "office.example.com".*IPv4 CIDR/],
    ["too many public access CIDRs", { "ecommerce:apiPublicAccessCidrs": Array.from({ length: 41 }, (_, i) => `198.51.${i}.0/24`) }, /'ecommerce:apiPublicAccessCidrs'.*0 to 40 IPv4 CIDRs/],
    ["audit log left out", { "ecommerce:controlPlaneLogTypes": ["api", "authenticator", "scheduler"] }, /'ecommerce:controlPlaneLogTypes' must include api, audit, authenticator \(missing: audit\)/],
    ["unknown log type", { "ecommerce:controlPlaneLogTypes": ["api", "audit", "authenticator", "kubelet"] }, /'ecommerce:controlPlaneLogTypes' value "kubelet".*one of api, audit, authenticator, controllerManager, scheduler/],
    ["retention CloudWatch does not offer", { "ecommerce:controlPlaneLogRetentionDays": 10 }, /'ecommerce:controlPlaneLogRetentionDays' value 10 is not allowed; expected a CloudWatch retention period: 1, 3, 5, 7, 14/],
    ["retention out of range", { "ecommerce:controlPlaneLogRetentionDays": 0 }, /'ecommerce:controlPlaneLogRetentionDays' value '0' is outside of the legal range/],
    ["a single CoreDNS replica", { "ecommerce:corednsReplicas": 1 }, /'ecommerce:corednsReplicas' value '1' is outside of the legal range/],
    ["no metrics-server", { "ecommerce:metricsServerReplicas": 0 }, /'ecommerce:metricsServerReplicas' value '0' is outside of the legal range/],
    ["six metrics-server replicas", { "ecommerce:metricsServerReplicas": 6 }, /'ecommerce:metricsServerReplicas' value '6' is outside of the legal range/],
    ["half a metrics-server replica", { "ecommerce:metricsServerReplicas": 1.5 }, /'ecommerce:metricsServerReplicas' must be of type integer.*got 1.5/],
    // Each replica requires a node of its own (required anti-affinity on the host name).
    ["more metrics-server replicas than nodes", { "ecommerce:metricsServerReplicas": 3, "ecommerce:nodeMinSize": 2 }, /'ecommerce:metricsServerReplicas' value '3' is more than 'ecommerce:nodeMinSize' \(2\); expected at most one replica per node/],
    // EKS's limits for kubernetesNetworkConfig.serviceIpv4Cidr (EKS API KubernetesNetworkConfigRequest).
    ["a public service range", { "ecommerce:serviceCidr": "100.64.0.0/16" }, /'ecommerce:serviceCidr' value "100.64.0.0\/16" is not allowed; expected a private range inside 10.0.0.0\/8, 172.16.0.0\/12, 192.168.0.0\/16/],
    ["a service range smaller than /24", { "ecommerce:serviceCidr": "172.20.0.0/25" }, /'ecommerce:serviceCidr' value "172.20.0.0\/25" is not allowed; expected a prefix from \/12 to \/24/],
    ["a service range larger than /12", { "ecommerce:serviceCidr": "10.0.0.0/8" }, /'ecommerce:serviceCidr' value "10.0.0.0\/8" is not allowed; expected a prefix from \/12 to \/24/],
    ["a service range across two private blocks", { "ecommerce:serviceCidr": "172.0.0.0/12" }, /'ecommerce:serviceCidr' value "172.0.0.0\/12".*a private range inside/],
    ["a service range overlapping the VPC", { "ecommerce:serviceCidr": "10.10.128.0/20" }, /'ecommerce:serviceCidr' value "10.10.128.0\/20" is not allowed; expected a range outside the VPC's 10.10.0.0\/16 \(ecommerce:vpcCidr\)/],
    ["a service range with host bits", { "ecommerce:serviceCidr": "172.20.0.1/16" }, /'ecommerce:serviceCidr' value "172.20.0.1\/16".*did you mean 172.20.0.0\/16/],
  ];

  test.each(cases)("%s", async (_label, overrides, expected) => {
    const message = await configError("dev", overrides);
    expect(message).toMatch(expected);
    expect(message).not.toMatch(/\n\s+at /);
  });
});

describe("cluster settings: what is allowed, and values not stack names decide", () => {
  // Settings that do not interact share a render.
  // dev with only an admin role (and cluster changes that share its render, tests/variants.ts).
  const gov = ADMIN_ROLE;
  const adminOnly = () => renderProgram("dev", { overrides: DEV_CLUSTER_CHANGED });
  const prodValues = () =>
    renderProgram("dev", {
      overrides: {
        "ecommerce:kubeProxyMode": "ipvs",
        "ecommerce:protectData": true,
        "ecommerce:operatorAccess": "operate",
        "ecommerce:apiPublicAccessCidrs": [],
      },
    });

  test("a stack may have no developer or operator role: only the admin gets an entry, and no RBAC", async () => {
    const r = await adminOnly();
    expect(Object.keys(r.one("eks:index:Cluster").inputs.accessEntries)).toEqual(["admin"]);
    expect(r.kind("ClusterRoleBinding").filter((b) => b.inputs.metadata.name.startsWith("ecommerce-"))).toEqual([]);
  });

  test("role ARNs may carry a path and another partition", async () => {
    expect((await adminOnly()).one("eks:index:Cluster").inputs.accessEntries.admin.principalArn).toBe(gov);
  });

  test("the service range is the cluster's, and its first address the kubernetes ClusterIP the policies name", async () => {
    expect(OTHER_SERVICE_CIDR).toBe("192.168.128.0/20");
    const r = await adminOnly();
    expect(r.one("eks:index:Cluster").inputs.kubernetesServiceIpAddressRange).toBe(OTHER_SERVICE_CIDR);
    const toApi = r.find("NetworkPolicy", "allow-grafana", "monitoring").spec.egress.flatMap((rule: any) => rule.to);
    expect(toApi).toContainEqual({ ipBlock: { cidr: "192.168.128.1/32" } });
  });

  test("no public access CIDR turns the public endpoint off", async () => {
    expect((await stackRender("dev")).one("eks:index:Cluster").inputs.endpointPublicAccess).toBe(true);
    const c = (await prodValues()).one("eks:index:Cluster").inputs;
    expect(c.endpointPublicAccess).toBe(false);
    expect(c.endpointPrivateAccess).toBe(true);
    expect(c.publicAccessCidrs).toBeUndefined();
  });

  test("dev with prod's values gets prod's behaviour (IPVS, retained volumes, the operate role)", async () => {
    const r = await prodValues();
    expect(r.one("eks:index:Cluster").inputs.kubeProxyAddonOptions.configurationValues.mode).toBe("ipvs");
    expect(r.one("aws:ec2/launchTemplate:LaunchTemplate").inputs.userData).toBeDefined();
    expect(r.find("StorageClass", "gp3").reclaimPolicy).toBe("Retain");
    // One binding per platform namespace.
    expect(r.kind("RoleBinding").filter((b) => b.inputs.metadata.name === OPERATE_ROLE)).toHaveLength(r.kind("Namespace").length);
  });
});
