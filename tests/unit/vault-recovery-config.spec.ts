/**
 * `ecommerce:vaultRecoveryPgpKeys` (config/vault-recovery.ts): each entry must be what
 * `vault operator init -recovery-pgp-keys` reads (the base64 of a binary public key export; vault
 * helper/pgpkeys `ReadPGPFile`), the `vault` backend needs at least one, a majority of the shares
 * recovers, and the stack files' example key is recognised as one.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadConfig } from "../../config";
import { isExamplePgpKey } from "../../config/placeholders";
import { recoveryThreshold } from "../../config/vault-recovery";
import { pgpPublicKeyProblem, pgpUserIds } from "../../lib/pgp";
import { loadStackConfig } from "../../lib/stack-files";
import { runProgram } from "../../tools/render/engine";
import { PROJECT_DIR } from "../harness";
import { syntheticPgpKey } from "./pgp-fixtures";

describe("a recovery key entry", () => {
  test("a public key export with a user ID is accepted, and its user ID read", () => {
    const key = syntheticPgpKey("Alice <alice@acme-retail.eu>");
    expect(pgpPublicKeyProblem(key)).toBeUndefined();
    expect(pgpUserIds(key)).toEqual(["Alice <alice@acme-retail.eu>"]);
  });

  test.each([
    ["an armored block", "-----BEGIN PGP PUBLIC KEY BLOCK-----", /base64 of a binary public key/],
    ["a secret key", syntheticPgpKey("Alice <a@acme-retail.eu>", 5), /first packet must be a public key/],
    ["no user ID", Buffer.from([0xc6, 1, 4]).toString("base64"), /with its user ID/],
    ["a truncated export", Buffer.from([0xc6, 40, 4, 0]).toString("base64"), /runs past the end/],
    ["random text in base64", Buffer.from("hello world!").toString("base64"), /not an OpenPGP packet header/],
  ])("%s is refused, saying what is expected", (_what, value, message) => {
    expect(pgpPublicKeyProblem(value)).toMatch(message);
  });

  test("the stack files' example key is an example (user ID at example.com); an operator's is not", () => {
    const prod = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8")).config["ecommerce:vaultRecoveryPgpKeys"];
    expect(prod).toHaveLength(1);
    expect(pgpPublicKeyProblem(prod[0])).toBeUndefined();
    expect(isExamplePgpKey(prod[0])).toBe(true);
    expect(isExamplePgpKey(syntheticPgpKey("Alice <alice@acme-retail.eu>"))).toBe(false);
  });
});

test("a majority of the shares recovers", () => {
  expect([1, 2, 3, 4, 5].map(recoveryThreshold)).toEqual([1, 2, 2, 3, 3]);
});

async function load(overrides: Record<string, string>): Promise<string> {
  const { config, project } = loadStackConfig(PROJECT_DIR, "dev");
  try {
    await runProgram({ project, stack: "dev", config: { ...config, ...overrides }, program: () => void loadConfig({ rejectPlaceholders: false }) });
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

test("the vault backend without a key stops with a message naming both keys; with a bad entry, naming it", async () => {
  expect(await load({ "ecommerce:secretsBackend": "vault" })).toContain(
    "Configuration 'ecommerce:vaultRecoveryPgpKeys' is empty, but 'ecommerce:secretsBackend' is vault",
  );
  expect(await load({ "ecommerce:vaultRecoveryPgpKeys": JSON.stringify(["not-a-key"]) })).toContain(
    `Configuration 'ecommerce:vaultRecoveryPgpKeys' value "not-a-key" is not allowed; expected the base64 of a binary public key`,
  );
  expect(await load({ "ecommerce:vaultRecoveryPgpKeys": JSON.stringify([syntheticPgpKey("Alice <alice@acme-retail.eu>")]) })).toBe("");
});
