import { planSubnets } from "../../../components/foundation/network";
import { cidrsOverlap, subnetOf } from "../../../lib/validate";
import { STACKS, stackRender, stackSetting } from "../../harness";

describe("subnet plan", () => {
  test.each([
    ["10.20.0.0/16", ["a", "b", "c"]],
    ["10.10.0.0/16", ["a", "b"]],
    ["172.16.0.0/20", ["a", "b", "c"]],
  ])("subnets of %s are inside the VPC and never overlap", (vpc, zones) => {
    const plan = planSubnets(vpc, zones);
    const all = plan.flatMap((p) => [p.privateCidr, p.publicCidr]);
    for (const c of all) expect(cidrsOverlap(c, vpc)).toBe(true);
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) expect(cidrsOverlap(all[i], all[j])).toBe(false);
    }
  });

  test("private subnets are large (/18 of a /16), public ones small (/22)", () => {
    const [first] = planSubnets("10.20.0.0/16", ["eu-west-1a"]);
    expect(first.privateCidr).toBe("10.20.0.0/18");
    expect(first.publicCidr).toBe("10.20.192.0/22");
  });

  test("subnetOf refuses a block outside the range", () => {
    expect(() => subnetOf("10.0.0.0/16", 18, 4)).toThrow(/does not fit/);
  });
});

describe.each(STACKS)("VPC of %s", (stack) => {
  const zoneNames = stackSetting<string[]>(stack, "availabilityZones");
  const zones = zoneNames.length;

  test("one public and one private subnet per zone, tagged for load balancers", async () => {
    const r = await stackRender(stack);
    const subnets = r.ofType("aws:ec2/subnet:Subnet");
    const priv = subnets.filter((s) => s.name.includes("private"));
    const pub = subnets.filter((s) => s.name.includes("public"));
    expect(priv).toHaveLength(zones);
    expect(pub).toHaveLength(zones);
    expect(new Set(priv.map((s) => s.inputs.availabilityZone)).size).toBe(zones);
    expect(priv.map((s) => s.inputs.availabilityZone).sort()).toEqual([...zoneNames].sort());
    expect(pub.map((s) => s.inputs.availabilityZone).sort()).toEqual([...zoneNames].sort());
    for (const s of pub) expect(s.inputs.tags["kubernetes.io/role/elb"]).toBe("1");
    for (const s of priv) expect(s.inputs.tags["kubernetes.io/role/internal-elb"]).toBe("1");
    for (const s of subnets) expect(s.inputs.mapPublicIpOnLaunch).toBe(false);
  });

  test("private route tables send internet traffic through NAT, never straight to the gateway", async () => {
    const r = await stackRender(stack);
    const tables = r.ofType("aws:ec2/routeTable:RouteTable").filter((t) => t.name.includes("private"));
    expect(tables).toHaveLength(zones);
    for (const t of tables) {
      expect(t.inputs.routes[0].natGatewayId).toBeDefined();
      expect(t.inputs.routes[0].gatewayId).toBeUndefined();
    }
  });

  test("NAT gateways: one for a single gateway, one per zone for perAz", async () => {
    const r = await stackRender(stack);
    const mode = stackSetting(stack, "natGateways");
    expect(["single", "perAz"]).toContain(mode);
    expect(r.ofType("aws:ec2/natGateway:NatGateway")).toHaveLength(mode === "perAz" ? zones : 1);
  });
});
