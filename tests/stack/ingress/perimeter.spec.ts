import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CHARTDATA_DIR, mergeValues } from "../../../lib/schema-check";
import { STACKS, StackName, renderProgram, stackRender, stackRun, stackSetting } from "../../harness";
import { TWO_SOURCE_RANGES, changedIngress } from "./helpers";

const RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const GROUP = "aws:ec2/securityGroup:SecurityGroup";
/** Where the NLB sends on the pods: Traefik's web and websecure entry points and its ping (traefik/chart.ts TRAEFIK_PING). */
const TARGET_PORTS = [8000, 8443, 8080];
const defaults = YAML.parse(fs.readFileSync(path.join(CHARTDATA_DIR, "traefik/values.yaml"), "utf8"));

/** Every ingress rule the render declares on any security group. */
function ingressRules(r: Awaited<ReturnType<typeof stackRender>>) {
  return [...r.ofType(RULE), ...r.ofType("aws:ec2/securityGroupRule:SecurityGroupRule").filter((x) => x.inputs.type === "ingress")];
}

/** The one security group the program creates: the NLB's. */
function nlbGroup(r: Awaited<ReturnType<typeof stackRender>>) {
  const groups = r.ofType(GROUP);
  expect(groups).toHaveLength(1);
  return { ...groups[0], id: `${groups[0].name}-id` };
}

/** The security group the pods' addresses carry: EKS's cluster group (mock: `sg-<cluster>-eks-cluster`). */
const nodeGroupOf = (stack: StackName) => `sg-${stackSetting(stack, "clusterName")}-eks-cluster`;

async function stackOutputs(stack: StackName): Promise<Record<string, any>> {
  return (await stackRun(stack)).outputs;
}

const exposedBy = (type: string) => STACKS.filter((stack) => stackSetting(stack, "ingressServiceType") === type);
const nodePortsOf = (stack: StackName) => ({
  http: stackSetting<number>(stack, "ingressHttpNodePort"),
  https: stackSetting<number>(stack, "ingressHttpsNodePort"),
});

describe.each(exposedBy("NodePort"))("perimeter with node ports (%s)", (stack) => {
  const { http, https } = nodePortsOf(stack);

  test("the nodes accept the two ingress node ports from the configured ranges, and nothing else", async () => {
    const rules = ingressRules(await stackRender(stack));
    const ranges = stackSetting<string[]>(stack, "ingressSourceRanges");
    expect(ranges.length).toBeGreaterThan(0);
    expect(rules.map((x) => [x.inputs.ipProtocol, x.inputs.fromPort, x.inputs.toPort, x.inputs.cidrIpv4]).sort()).toEqual(
      ranges.flatMap((cidr) => [["tcp", http, http, cidr], ["tcp", https, https, cidr]]).sort(),
    );
  });

  test("the rules go on the security group the managed nodes carry (EKS's cluster group), not pulumi-eks' node group", async () => {
    const rules = ingressRules(await stackRender(stack));
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule.inputs.securityGroupId).toBe(`sg-${stackSetting(stack, "clusterName")}-eks-cluster`);
    }
  });

  test("one rule per port and range", async () => {
    const rules = ingressRules(await changedIngress(stack));
    expect(rules).toHaveLength(2 * TWO_SOURCE_RANGES.length);
    expect(new Set(rules.map((x) => x.inputs.cidrIpv4))).toEqual(new Set(TWO_SOURCE_RANGES));
  });

  test("outputs: the node ports to target and the API URL", async () => {
    const out = await stackOutputs(stack);
    expect(out.apiUrl).toBe(`https://${stackSetting(stack, "domain")}/`);
    expect(out.ingressNodePorts).toEqual({ http, https });
    expect(out.ingressEndpoint).toBe(`node ports ${http} (HTTP) and ${https} (HTTPS) of every node`);
  });
});

describe.each(exposedBy("LoadBalancer"))("perimeter behind the NLB (%s)", (stack) => {
  test("the load balancer listens on 80 and 443 only", async () => {
    const values = (await stackRender(stack)).one("kubernetes:helm.sh/v4:Chart", "traefik").inputs.values;
    const ports = (mergeValues(defaults, values) as any).ports;
    const listeners = Object.values(ports).filter((p: any) => p.expose?.default).map((p: any) => p.exposedPort);
    expect(listeners.sort((a, b) => a - b)).toEqual([80, 443]);
    expect(values.service.spec.type).toBe("LoadBalancer");
  });

  test("the NLB's own security group admits 80 and 443 from each source range, and sends only to Traefik's target ports on the pods' group", async () => {
    const r = await stackRender(stack);
    const nlb = nlbGroup(r);
    const ranges = stackSetting<string[]>(stack, "ingressSourceRanges");
    // The mock engine gives a resource the id `<name>-id`.
    expect(nlb.inputs.vpcId).toBe(`${r.one("aws:ec2/vpc:Vpc").name}-id`);
    const onNlb = ingressRules(r).filter((x) => x.inputs.securityGroupId === nlb.id);
    expect(onNlb.map((x) => [x.inputs.ipProtocol, x.inputs.fromPort, x.inputs.toPort, x.inputs.cidrIpv4]).sort()).toEqual(
      ranges.flatMap((cidr) => [["tcp", 80, 80, cidr], ["tcp", 443, 443, cidr]]).sort(),
    );
    const egress = r.ofType(EGRESS).filter((x) => x.inputs.securityGroupId === nlb.id);
    expect(egress.map((x) => [x.inputs.fromPort, x.inputs.toPort, x.inputs.referencedSecurityGroupId, x.inputs.cidrIpv4]).sort()).toEqual(
      TARGET_PORTS.map((p) => [p, p, nodeGroupOf(stack), undefined]).sort(),
    );
    // No inline rule: the group holds the rules above and nothing else.
    expect(nlb.inputs.ingress ?? []).toEqual([]);
    expect(nlb.inputs.egress ?? []).toEqual([]);
  });

  test("the pods' security group (EKS's cluster group) admits Traefik's target ports from the NLB's group only, and no node port", async () => {
    const r = await stackRender(stack);
    const nlb = nlbGroup(r);
    const onNodes = ingressRules(r).filter((x) => x.inputs.securityGroupId === nodeGroupOf(stack));
    expect(onNodes.map((x) => [x.inputs.fromPort, x.inputs.toPort, x.inputs.referencedSecurityGroupId, x.inputs.cidrIpv4]).sort()).toEqual(
      TARGET_PORTS.map((p) => [p, p, nlb.id, undefined]).sort(),
    );
  });

  test("the Service names the group and tells the controller to write no node rules; it sets no source ranges the group would override", async () => {
    const r = await stackRender(stack);
    const values = r.one("kubernetes:helm.sh/v4:Chart", "traefik").inputs.values;
    expect(values.service.annotations["service.beta.kubernetes.io/aws-load-balancer-security-groups"]).toBe(nlbGroup(r).id);
    expect(values.service.annotations["service.beta.kubernetes.io/aws-load-balancer-manage-backend-security-group-rules"]).toBe("false");
    expect(values.service.spec.loadBalancerSourceRanges).toBeUndefined();
  });

  test("source ranges narrow who reaches the NLB", async () => {
    const r = await changedIngress(stack);
    const nlb = nlbGroup(r);
    const cidrs = ingressRules(r).filter((x) => x.inputs.securityGroupId === nlb.id).map((x) => x.inputs.cidrIpv4);
    expect(new Set(cidrs)).toEqual(new Set(TWO_SOURCE_RANGES));
    expect(cidrs).toHaveLength(2 * TWO_SOURCE_RANGES.length);
  });

  test("nodes have no public address, so the NLB is the only way in from the internet", async () => {
    expect((await stackRender(stack)).one("eks:index:Cluster").inputs.nodeAssociatePublicIpAddress).toBe(false);
  });

  test("outputs: the NLB's host name, read back from the chart's Service, and the API URL", async () => {
    const out = await stackOutputs(stack);
    expect(out.apiUrl).toBe(`https://${stackSetting(stack, "domain")}/`);
    expect(out.ingressEndpoint).toMatch(/^a[0-9a-f]{32}-[0-9a-f]{16}\.elb\.eu-west-1\.amazonaws\.com$/);
    expect(out.ingressNodePorts).toEqual(nodePortsOf(stack));
  });

  test("switching to node ports swaps the NLB and its group for node rules", async () => {
    const r = await renderProgram(stack, { overrides: { "ecommerce:ingressServiceType": "NodePort" } });
    const { http, https } = nodePortsOf(stack);
    expect(ingressRules(r).map((x) => x.inputs.fromPort).sort()).toEqual([http, https].sort());
    expect(r.ofType(GROUP)).toEqual([]);
    expect(r.ofType(EGRESS)).toEqual([]);
    expect(r.one("kubernetes:helm.sh/v4:Chart", "traefik").inputs.values.service.annotations).toEqual({});
  });
});
