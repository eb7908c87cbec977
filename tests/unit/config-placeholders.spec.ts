/**
 * Example values in the stack files render offline but never deploy: a real preview or update
 * stops with one message per key that still holds one.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../../config";
import { isDocumentationCidr, isExampleDomain, placeholderProblems, runByPulumiEngine } from "../../config/placeholders";
import { runProgram } from "../../tools/render/engine";
import { loadStackConfig } from "../../lib/stack-files";
import { PROJECT_DIR, STACKS } from "../harness";
import { syntheticPgpKey } from "./pgp-fixtures";

/** Loads a stack's configuration as the program does, with the given overrides and options. */
async function load(stack: string, overrides: Record<string, string>, rejectPlaceholders?: boolean): Promise<string> {
  const { config, project } = loadStackConfig(PROJECT_DIR, stack);
  try {
    await runProgram({ project, stack, config: { ...config, ...overrides }, program: () => void loadConfig({ rejectPlaceholders }) });
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

/** The start of the example PGP key the stack files carry (its user ID, at example.com, is not visible in base64). */
const EXAMPLE_PGP_KEY = "mQENBGsO+7ABCADPpCY315pGS+wCw8RrPCH9TFkl";

/** Keys of a stack file whose value visibly holds an example, found by plain text search. */
function exampleKeys(stack: string): string[] {
  const { config } = loadStackConfig(PROJECT_DIR, stack);
  const markers = ["123456789012", "example.com", "192.0.2.", "198.51.100.", "203.0.113.", EXAMPLE_PGP_KEY];
  return Object.entries(config)
    .filter(([key, value]) => key.startsWith("ecommerce:") && markers.some((m) => value.includes(m)))
    .map(([key]) => key)
    .sort();
}

/** Real-looking values for every key that holds an example in the committed files. */
const REAL: Record<string, string> = {
  "ecommerce:adminRoleArn": "arn:aws:iam::210987654321:role/platform-admin",
  "ecommerce:operatorRoleArn": "arn:aws:iam::210987654321:role/platform-operator",
  "ecommerce:developerRoleArn": "arn:aws:iam::210987654321:role/platform-developer",
  "ecommerce:domain": "api.shop.acme-retail.eu",
  "ecommerce:hostedZone": "shop.acme-retail.eu",
  "ecommerce:acmeEmail": "platform@acme-retail.eu",
  "ecommerce:backupAlertEmail": "oncall@acme-retail.eu",
  "ecommerce:imageRegistry": "210987654321.dkr.ecr.eu-west-1.amazonaws.com/ecommerce",
  "ecommerce:apiPublicAccessCidrs": JSON.stringify(["81.2.69.0/24"]),
  "ecommerce:adminAllowedCidrs": JSON.stringify(["81.2.69.0/24"]),
  "ecommerce:ingressSourceRanges": JSON.stringify(["0.0.0.0/0"]),
  "ecommerce:vaultRecoveryPgpKeys": JSON.stringify([syntheticPgpKey("Alice Operator <alice@acme-retail.eu>")]),
};

describe.each(STACKS)("the committed %s stack file", (stack) => {
  test("holds examples, so the check below is exercised", () => {
    expect(exampleKeys(stack).length).toBeGreaterThan(0);
  });

  test("a real run refuses it with one message per key that holds an example", async () => {
    const message = await load(stack, {}, true);
    const named = [...message.matchAll(/Configuration '(ecommerce:[A-Za-z]+)' still holds the example value/g)].map((m) => m[1]);
    expect(named.sort()).toEqual(exampleKeys(stack));
    // Each message says what belongs there.
    for (const line of message.split("\n").filter((l) => l.includes("still holds"))) expect(line).toMatch(/; set .+ \(pulumi config set /);
  });

  test("with every example replaced, a real run accepts it", async () => {
    const overrides = Object.fromEntries(exampleKeys(stack).map((k) => [k, REAL[k]]));
    expect(await load(stack, overrides, true)).toBe("");
  });

  test("under mocks (offline render, unit tests) the examples render", async () => {
    expect(await load(stack, {})).toBe("");
  });
});

describe("what counts as an example", () => {
  test.each([
    ["api.shop.example.com", true],
    ["example.org", true],
    ["shop.example", true],
    ["api.examples.com", false],
    ["api.example.com.eu", false],
  ])("domain %s: %s", (name, expected) => expect(isExampleDomain(name)).toBe(expected));

  test.each([
    ["203.0.113.0/24", true],
    ["198.51.100.128/25", true],
    ["192.0.2.10/32", true],
    ["198.51.0.0/16", false],
    ["0.0.0.0/0", false],
    ["81.2.69.0/24", false],
  ])("CIDR %s: %s", (cidr, expected) => expect(isDocumentationCidr(cidr)).toBe(expected));

  test("role ARNs in the documentation account, not others; an empty optional role is fine", () => {
    expect(placeholderProblems({ adminRoleArn: "arn:aws:iam::123456789012:role/admin", developerRoleArn: "" })).toHaveLength(1);
    expect(placeholderProblems({ adminRoleArn: "arn:aws:iam::210987654321:role/admin" })).toEqual([]);
  });

  test("a list names only its example entries", () => {
    const [message] = placeholderProblems({ apiPublicAccessCidrs: ["81.2.69.0/24", "203.0.113.0/24"] });
    expect(message).toContain("'203.0.113.0/24'");
    expect(message).not.toContain("81.2.69.0/24");
  });
});

describe("whether a Pulumi engine runs the program", () => {
  test("not under mocks", async () => {
    let seen: boolean | undefined;
    await runProgram({ project: "p", stack: "s", config: {}, program: () => void (seen = runByPulumiEngine()) });
    expect(seen).toBe(false);
  });

  test("yes when the CLI has handed the program an engine address", () => {
    // What the language host does for `pulumi preview`/`up`; no connection is made until an RPC.
    pulumi.runtime.resetOptions("ecommerce", "dev", -1, "127.0.0.1:1", "127.0.0.1:2", true, "organization");
    try {
      expect(runByPulumiEngine()).toBe(true);
    } finally {
      pulumi.runtime.resetOptions("", "", -1, "", "", false, "");
    }
  });
});
