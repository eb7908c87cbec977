import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadStackConfig } from "../../../lib/stack-files";
import { PROJECT_DIR, STACKS, configError, renderProgram, stackSetting } from "../../harness";

const KEYS = [
  "ingressServiceType",
  "ingressHttpNodePort",
  "ingressHttpsNodePort",
  "ingressSourceRanges",
  "traefikReplicas",
  "certManagerReplicas",
  "loadBalancerControllerReplicas",
  "rateLimitAverage",
  "rateLimitBurst",
  "adminAllowedCidrs",
  "hostedZone",
  "wildcardCertificate",
];

describe("ingress settings in the stack files", () => {
  const project = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"));

  test.each(KEYS)("%s is declared with a type, a description and a default, and set in every stack", (key) => {
    const decl = project.config[key];
    expect(decl).toEqual(expect.objectContaining({ type: expect.any(String), description: expect.any(String) }));
    expect(decl.default).toBeDefined();
    for (const stack of STACKS) {
      expect(loadStackConfig(PROJECT_DIR, stack).config[`ecommerce:${key}`]).toBeDefined();
    }
  });

  test("dev exposes node ports; staging and prod an NLB", () => {
    expect(STACKS.map((stack) => [stack, stackSetting(stack, "ingressServiceType")])).toEqual([
      ["dev", "NodePort"],
      ["staging", "LoadBalancer"],
      ["prod", "LoadBalancer"],
    ]);
  });

  test("dev has no hosted zone (HTTP-01, no record); staging and prod a zone holding their domain, and the wildcard", () => {
    expect(STACKS.map((stack) => [stack, stackSetting(stack, "hostedZone"), stackSetting(stack, "wildcardCertificate")])).toEqual([
      ["dev", "", false],
      ["staging", "staging.shop.example.com", true],
      ["prod", "shop.example.com", true],
    ]);
    for (const stack of ["staging", "prod"] as const) expect(stackSetting<string>(stack, "domain").endsWith(`.${stackSetting(stack, "hostedZone")}`)).toBe(true);
  });

  test.each(STACKS)("%s: on node ports, 30080 and 30443; behind an NLB, two replicas or more", (stack) => {
    if (stackSetting(stack, "ingressServiceType") === "NodePort") {
      expect([stackSetting(stack, "ingressHttpNodePort"), stackSetting(stack, "ingressHttpsNodePort")]).toEqual([30080, 30443]);
    } else {
      expect(stackSetting(stack, "traefikReplicas")).toBeGreaterThanOrEqual(2);
      expect(stackSetting(stack, "certManagerReplicas")).toBeGreaterThanOrEqual(2);
    }
  });

  test("the Pulumi.yaml defaults alone are a valid configuration", async () => {
    const overrides = Object.fromEntries(KEYS.map((k) => [`ecommerce:${k}`, undefined]));
    await expect(renderProgram("dev", { overrides })).resolves.toBeDefined();
  });
});

describe("a hosted zone is accepted in either service type", () => {
  test("node ports with a zone (dev's domain is inside it) and the wildcard: DNS-01 needs no load balancer", async () => {
    expect(await configError("dev", { "ecommerce:hostedZone": "shop.example.com", "ecommerce:wildcardCertificate": true })).toBe("");
    expect(await configError("dev", { "ecommerce:hostedZone": "api.dev.shop.example.com" })).toBe("");
  });
});

describe("each ingress rule rejects a bad value and names the key", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["unknown service type", { "ecommerce:ingressServiceType": "ClusterIP" }, /'ecommerce:ingressServiceType' value 'ClusterIP' is not a legal enum value.*LoadBalancer/],
    ["node port below the range", { "ecommerce:ingressHttpNodePort": 80 }, /'ecommerce:ingressHttpNodePort' value '80' is outside of the legal range/],
    ["node port above the range", { "ecommerce:ingressHttpsNodePort": 32768 }, /'ecommerce:ingressHttpsNodePort' value '32768' is outside of the legal range/],
    ["node port not a number", { "ecommerce:ingressHttpNodePort": "http" }, /'ecommerce:ingressHttpNodePort' must be of type integer/],
    ["the same node port twice", { "ecommerce:ingressHttpNodePort": 30443 }, /'ecommerce:ingressHttpNodePort' and 'ecommerce:ingressHttpsNodePort' must differ \(both are 30443\)/],
    ["source range malformed", { "ecommerce:ingressSourceRanges": ["0.0.0.0/33"] }, /'ecommerce:ingressSourceRanges' value "0.0.0.0\/33".*IPv4 CIDR/],
    ["source range with host bits", { "ecommerce:ingressSourceRanges": ["198.51.100.7/24"] }, /did you mean 198.51.100.0\/24/],
    ["no source range", { "ecommerce:ingressSourceRanges": [] }, /'ecommerce:ingressSourceRanges'.*1 to 10 IPv4 CIDRs/],
    ["no Traefik replica", { "ecommerce:traefikReplicas": 0 }, /'ecommerce:traefikReplicas' value '0' is outside of the legal range/],
    ["too many cert-manager replicas", { "ecommerce:certManagerReplicas": 6 }, /'ecommerce:certManagerReplicas' value '6' is outside of the legal range/],
    ["too many load balancer controllers", { "ecommerce:loadBalancerControllerReplicas": 4 }, /'ecommerce:loadBalancerControllerReplicas' value '4' is outside of the legal range/],
    ["rate limit of zero", { "ecommerce:rateLimitAverage": 0 }, /'ecommerce:rateLimitAverage' value '0' is outside of the legal range/],
    ["burst not a number", { "ecommerce:rateLimitBurst": "lots" }, /'ecommerce:rateLimitBurst' must be of type integer/],
    ["admin CIDR malformed", { "ecommerce:adminAllowedCidrs": ["office"] }, /'ecommerce:adminAllowedCidrs' value "office".*IPv4 CIDR/],
    ["a hosted zone that is not a DNS name", { "ecommerce:hostedZone": "Shop.Example.com" }, /'ecommerce:hostedZone' value 'Shop.Example.com' does not match the regular expression.*public Route 53 hosted zone/],
    ["a domain outside the hosted zone", { "ecommerce:hostedZone": "shop.example.net" }, /'ecommerce:domain' \('api.dev.shop.example.com'\) must be 'ecommerce:hostedZone' \('shop.example.net'\) or a name inside it/],
    ["a wildcard certificate without a zone", { "ecommerce:wildcardCertificate": true }, /'ecommerce:wildcardCertificate' true needs 'ecommerce:hostedZone'/],
    ["a wildcard flag that is not a boolean", { "ecommerce:wildcardCertificate": "yes" }, /'ecommerce:wildcardCertificate'.*boolean/],
    ["admin CIDR listed twice", { "ecommerce:adminAllowedCidrs": ["10.0.0.0/8", "10.0.0.0/8"] }, /'ecommerce:adminAllowedCidrs'.*without duplicates/],
  ];

  test.each(cases)("%s", async (_label, overrides, expected) => {
    const message = await configError("dev", overrides);
    expect(message).toMatch(expected);
    expect(message).not.toMatch(/\n\s+at /);
  });
});
