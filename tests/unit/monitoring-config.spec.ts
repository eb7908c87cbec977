import { RETENTION } from "../../config/monitoring";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR, STACKS, configError } from "../harness";

describe("monitoring settings reject bad values and name the key", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["retention in words", { "ecommerce:prometheusRetention": "15 days" }, /'ecommerce:prometheusRetention' value '15 days'.*hours, days or weeks/],
    ["retention in minutes", { "ecommerce:prometheusRetention": "90m" }, /'ecommerce:prometheusRetention' value '90m'/],
    ["retention of zero", { "ecommerce:prometheusRetention": "0d" }, /'ecommerce:prometheusRetention' value '0d'/],
    ["storage too small", { "ecommerce:prometheusStorageGiB": 5 }, /'ecommerce:prometheusStorageGiB' value '5' is outside of the legal range/],
    ["storage not a number", { "ecommerce:prometheusStorageGiB": "big" }, /'ecommerce:prometheusStorageGiB' must be of type integer/],
    ["too many Prometheus replicas", { "ecommerce:prometheusReplicas": 4 }, /'ecommerce:prometheusReplicas' value '4'/],
    ["no Alertmanager", { "ecommerce:alertmanagerReplicas": 0 }, /'ecommerce:alertmanagerReplicas' value '0'/],
    ["Grafana volume too large", { "ecommerce:grafanaStorageGiB": 500 }, /'ecommerce:grafanaStorageGiB' value '500'/],
    ["a fractional size", { "ecommerce:grafanaStorageGiB": 2.5 }, /'ecommerce:grafanaStorageGiB'/],
  ];

  test.each(cases)("%s", async (_label, overrides, expected) => {
    const message = await configError("dev", overrides);
    expect(message).toMatch(expected);
    expect(message).not.toMatch(/\n\s+at /);
  });

  test.each(["2h", "15d", "4w", "365d"])("retention %s is accepted", (value) => {
    expect(RETENTION.test(value)).toBe(true);
  });
});

describe("the alert receiver", () => {
  const url = "ecommerce:alertReceiverUrl";
  const encrypted = { secure: "v1:ciphertext-as-pulumi-config-set-secret-writes-it" };

  test.each([
    ["an unknown receiver", { "ecommerce:alertReceiver": "email" }, /'ecommerce:alertReceiver' value 'email' is not a legal enum value.*"none","webhook","slack"/],
    ["a receiver without its URL", { "ecommerce:alertReceiver": "slack" }, /'ecommerce:alertReceiver' is 'slack' but 'ecommerce:alertReceiverUrl' is not set.*pulumi config set --secret ecommerce:alertReceiverUrl/],
    ["a URL in plain text", { "ecommerce:alertReceiver": "webhook", [url]: "https://hooks.example.com/t0k3n" }, /'ecommerce:alertReceiverUrl' is stored in plain text.*pulumi config set --secret/],
    ["a URL without a receiver", { [url]: encrypted }, /'ecommerce:alertReceiverUrl' is set but 'ecommerce:alertReceiver' is 'none'/],
  ])("%s is refused", async (_label, overrides, expected) => {
    const message = await configError("prod", overrides);
    expect(message).toMatch(expected);
    expect(message).not.toMatch(/\n\s+at /);
  });

  test("a plain-text URL is never echoed in the message", async () => {
    const message = await configError("prod", { "ecommerce:alertReceiver": "webhook", [url]: "https://hooks.example.com/t0k3n" });
    expect(message).not.toContain("t0k3n");
  });

  test.each(["webhook", "slack"])("%s with an encrypted URL is accepted", async (kind) => {
    expect(await configError("prod", { "ecommerce:alertReceiver": kind, [url]: encrypted })).toBe("");
  });

  test("every committed stack file leaves the URL out (it can only be a secret)", () => {
    for (const stack of STACKS) {
      const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"));
      expect(doc.config["ecommerce:alertReceiver"]).toBe("none");
      expect(doc.config[url] === undefined || typeof doc.config[url] === "object").toBe(true);
    }
  });
});

