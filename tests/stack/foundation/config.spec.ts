import { loadStackConfig } from "../../../lib/stack-files";
import { PROJECT_DIR, STACKS, configError, stackRun, stackSetting } from "../../harness";

describe("stack files", () => {
  test.each(STACKS)("%s loads, validates and renders", async (stack) => {
    // The run's own render of the committed stack file (the render service, tests/render-service.ts), made by the program.
    expect((await stackRun(stack)).rendered.resources.length).toBeGreaterThan(0);
    await expect(configError(stack, {})).resolves.toBe("");
  });

  test("every stack declares the same keys, and sets each one itself; they differ only by values", () => {
    const YAML = require("yaml");
    const fs = require("fs");
    const keys = (stack: string) => Object.keys(YAML.parse(fs.readFileSync(`${PROJECT_DIR}/Pulumi.${stack}.yaml`, "utf8")).config).sort();
    for (const stack of STACKS) {
      expect(Object.keys(loadStackConfig(PROJECT_DIR, stack).config)).toEqual(Object.keys(loadStackConfig(PROJECT_DIR, "dev").config));
      expect({ stack, keys: keys(stack) }).toEqual({ stack, keys: keys("dev") });
    }
    expect(stackSetting("dev", "natGateways")).toBe("single");
    expect(stackSetting("prod", "natGateways")).toBe("perAz");
    expect(stackSetting("prod", "availabilityZones")).toHaveLength(3);
  });

  // Pulumi.staging.yaml: prod's shape at a smaller size, so that a change is rehearsed on prod's topology.
  test.each([
    "availabilityZones",
    "kubernetesVersion",
    "controlPlaneLogTypes",
    "nodeCapacityType",
    "kubeProxyMode",
    "corednsReplicas",
    "metricsServerReplicas",
    "protectData",
    "certIssuer",
    "ingressServiceType",
    "rabbitmqReplicas",
    "traefikReplicas",
    "certManagerReplicas",
  ])("staging has prod's %s", (key) => {
    expect(stackSetting("staging", key)).toEqual(stackSetting("prod", key));
  });

  test.each(["nodeMinSize", "nodeDesiredSize", "nodeMaxSize", "nodeDiskSizeGiB", "gatewayMaxReplicas", "serviceMaxReplicas", "prometheusStorageGiB"])(
    "staging's %s is no larger than prod's",
    (key) => {
      expect(stackSetting<number>("staging", key)).toBeLessThanOrEqual(stackSetting<number>("prod", key));
    },
  );

  test("Pulumi.yaml defaults fill keys a stack file leaves out", () => {
    const cfg = loadStackConfig(PROJECT_DIR, "dev", require("../../harness").stackFileWith("dev", { "ecommerce:nodeDiskSizeGiB": undefined })).config;
    expect(cfg["ecommerce:nodeDiskSizeGiB"]).toBe("50");
  });

  test("secure values become placeholders and are marked secret", () => {
    const file = require("../../harness").stackFileWith("dev", { "ecommerce:acmeEmail": { secure: "v1:abc" } });
    const loaded = loadStackConfig(PROJECT_DIR, "dev", file);
    expect(loaded.config["ecommerce:acmeEmail"]).not.toContain("v1:abc");
    expect(loaded.secretKeys).toContain("ecommerce:acmeEmail");
  });
});

describe("each rule rejects a bad value and names the key", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["wrong type (declared integer)", { "ecommerce:nodeMinSize": "two" }, /'ecommerce:nodeMinSize' must be of type integer/],
    ["wrong item type in a list", { "ecommerce:availabilityZones": ["eu-west-1a", 3] }, /'ecommerce:availabilityZones' item 1 must be of type string/],
    ["domain not a DNS name", { "ecommerce:domain": "not a domain" }, /'ecommerce:domain' value 'not a domain'.*DNS name/],
    ["domain with upper case", { "ecommerce:domain": "API.Example.com" }, /'ecommerce:domain'/],
    ["e-mail malformed", { "ecommerce:acmeEmail": "ops-at-example.com" }, /'ecommerce:acmeEmail' value 'ops-at-example.com'.*e-mail/],
    ["unknown issuer", { "ecommerce:certIssuer": "letsencrypt" }, /'ecommerce:certIssuer' value 'letsencrypt' is not a legal enum value.*letsencrypt-staging/],
    ["unknown Kubernetes version", { "ecommerce:kubernetesVersion": "1.20" }, /'ecommerce:kubernetesVersion' value '1.20'/],
    ["cluster name with capitals", { "ecommerce:clusterName": "Shop" }, /'ecommerce:clusterName' value 'Shop'/],
    ["CIDR malformed", { "ecommerce:vpcCidr": "10.0.0.0/33" }, /'ecommerce:vpcCidr' value "10.0.0.0\/33".*IPv4 CIDR/],
    ["CIDR with host bits", { "ecommerce:vpcCidr": "10.0.0.1/16" }, /did you mean 10.0.0.0\/16/],
    ["VPC too small", { "ecommerce:vpcCidr": "10.0.0.0/24" }, /'ecommerce:vpcCidr'.*\/16 to \/20/],
    ["zone of another region", { "ecommerce:availabilityZones": ["eu-west-1a", "us-east-1b"] }, /'ecommerce:availabilityZones' value "us-east-1b".*eu-west-1/],
    ["one zone only", { "ecommerce:availabilityZones": ["eu-west-1a"] }, /'ecommerce:availabilityZones'.*2 to 3 availability zones/],
    ["duplicate zones", { "ecommerce:availabilityZones": ["eu-west-1a", "eu-west-1a"] }, /'ecommerce:availabilityZones'.*without duplicates/],
    ["unknown NAT mode", { "ecommerce:natGateways": "none" }, /'ecommerce:natGateways' value 'none'/],
    ["instance type malformed", { "ecommerce:nodeInstanceTypes": ["large"] }, /'ecommerce:nodeInstanceTypes' value "large".*instance type/],
    ["capacity type", { "ecommerce:nodeCapacityType": "spot" }, /'ecommerce:nodeCapacityType' value 'spot'/],
    ["unknown resource profile", { "ecommerce:resourceProfile": "medium" }, /'ecommerce:resourceProfile' value 'medium' is not a legal enum value.*small/],
    ["unknown secrets backend", { "ecommerce:secretsBackend": "aws" }, /'ecommerce:secretsBackend' value 'aws' is not a legal enum value.*kubernetes.*vault/],
    ["node count out of range", { "ecommerce:nodeMaxSize": 500 }, /'ecommerce:nodeMaxSize' value '500' is outside of the legal range/],
    [
      "min above max",
      { "ecommerce:nodeMinSize": 5, "ecommerce:nodeMaxSize": 4 },
      new RegExp(`'ecommerce:nodeMinSize' \\(5\\) <= 'ecommerce:nodeDesiredSize' \\(${stackSetting("dev", "nodeDesiredSize")}\\) <= 'ecommerce:nodeMaxSize' \\(4\\)`),
    ],
    ["disk too small", { "ecommerce:nodeDiskSizeGiB": 5 }, /'ecommerce:nodeDiskSizeGiB' value '5'/],
    ["protectData not a boolean", { "ecommerce:protectData": "yes" }, /'ecommerce:protectData' must be of type boolean/],
    ["region malformed", { "aws:region": "Europe" }, /'aws:region' value 'Europe'/],
    ["unknown key (typo)", { "ecommerce:domian": "api.example.com" }, /'ecommerce:domian' is not a setting of this project/],
  ];

  test.each(cases)("%s", async (_label, overrides, expected) => {
    const message = await configError("dev", overrides);
    expect(message).toMatch(expected);
    expect(message).not.toMatch(/\n\s+at /); // no stack trace in the message
  });

  test("several problems are reported together, one line each", async () => {
    const message = await configError("prod", { "ecommerce:certIssuer": "x", "ecommerce:nodeMinSize": 0 });
    expect(message.split("\n").filter((l) => l.trim().startsWith("- "))).toHaveLength(2);
  });

  test("a rejected configuration registers no platform resource", async () => {
    const { runProgram } = await import("../../../tools/render/engine");
    const { loadConfig } = await import("../../../config");
    const { Platform } = await import("../../../components/platform");
    const stack = loadStackConfig(PROJECT_DIR, "dev", require("../../harness").stackFileWith("dev", { "ecommerce:natGateways": "none" }));
    const registered: string[] = [];
    await expect(
      runProgram({
        project: "ecommerce",
        stack: "dev",
        config: stack.config,
        program: () => new Platform("ecommerce", { config: loadConfig() }),
        onRegister: (r) => registered.push(r.type),
      }),
    ).rejects.toThrow(/natGateways/);
    // Only the root stack resource, which every Pulumi program has, was registered.
    expect(registered).toEqual(["pulumi:pulumi:Stack"]);
  });
});

describe("documentation", () => {
  test("every key declared in Pulumi.yaml has a description and appears in the README", () => {
    const fs = require("fs");
    const YAML = require("yaml");
    const declared = YAML.parse(fs.readFileSync(`${PROJECT_DIR}/Pulumi.yaml`, "utf8")).config as Record<string, any>;
    const readme: string = fs.readFileSync(`${PROJECT_DIR}/README.md`, "utf8");
    for (const [key, decl] of Object.entries(declared)) {
      expect(typeof decl.description).toBe("string");
      // The cluster's administrators have no safe default: each stack must name its own role.
      if (key !== "adminRoleArn") expect({ key, default: decl.default !== undefined }).toEqual({ key, default: true });
      expect({ key, documented: readme.includes(`\`ecommerce:${key}\``) || readme.includes(`\`${key}\``) }).toEqual({ key, documented: true });
    }
  });
});
