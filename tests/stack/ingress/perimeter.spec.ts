import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CHARTDATA_DIR, mergeValues } from "../../../lib/schema-check";
import { STACKS, StackName, renderProgram, stackRender, stackRun, stackSetting } from "../../harness";
import { TWO_SOURCE_RANGES, changedIngress } from "./helpers";

const RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const defaults = YAML.parse(fs.readFileSync(path.join(CHARTDATA_DIR, "traefik/values.yaml"), "utf8"));

/** Every ingress rule the render declares on any security group. */
function ingressRules(r: Awaited<ReturnType<typeof stackRender>>) {
  return [...r.ofType(RULE), ...r.ofType("aws:ec2/securityGroupRule:SecurityGroupRule").filter((x) => x.inputs.type === "ingress")];
}

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

  test("no rule is declared here: the cloud provider writes the node rules for the NLB, scoped by the source ranges", async () => {
    const r = await stackRender(stack);
    expect(ingressRules(r)).toEqual([]);
    const values = r.one("kubernetes:helm.sh/v4:Chart", "traefik").inputs.values;
    expect(values.service.spec.loadBalancerSourceRanges).toEqual(stackSetting(stack, "ingressSourceRanges"));
  });

  test("source ranges narrow who reaches the NLB", async () => {
    const r = await changedIngress(stack);
    expect(r.one("kubernetes:helm.sh/v4:Chart", "traefik").inputs.values.service.spec.loadBalancerSourceRanges).toEqual(TWO_SOURCE_RANGES);
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

  test("switching to node ports swaps the NLB for node rules", async () => {
    const r = await renderProgram(stack, { overrides: { "ecommerce:ingressServiceType": "NodePort" } });
    const { http, https } = nodePortsOf(stack);
    expect(ingressRules(r).map((x) => x.inputs.fromPort).sort()).toEqual([http, https].sort());
    expect(r.one("kubernetes:helm.sh/v4:Chart", "traefik").inputs.values.service.annotations).toEqual({});
  });
});
