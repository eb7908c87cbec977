import { loadStackConfig } from "../../../lib/stack-files";
import { dataObjects } from "./fixtures";
import { PROJECT_DIR, STACKS, configError, stackRender } from "../../harness";

describe("data tier settings in the stack files", () => {
  test("dev is small, prod is sized for production", () => {
    const dev = loadStackConfig(PROJECT_DIR, "dev").config;
    const prod = loadStackConfig(PROJECT_DIR, "prod").config;
    expect(dev["ecommerce:rabbitmqReplicas"]).toBe("1");
    expect(prod["ecommerce:rabbitmqReplicas"]).toBe("3");
    expect(prod["ecommerce:mysqlStorageSize"]).toBe("50Gi");
    expect(dev["ecommerce:mysqlStorageSize"]).toBe("5Gi");
  });

  test("Pulumi.yaml defaults: three RabbitMQ nodes", () => {
    const file = require("../../harness").stackFileWith("dev", { "ecommerce:rabbitmqReplicas": undefined });
    expect(loadStackConfig(PROJECT_DIR, "dev", file).config["ecommerce:rabbitmqReplicas"]).toBe("3");
  });
});

describe("the data tier's StorageClass is the cluster's, never a name of its own", () => {
  // A claim naming a class that does not exist stays Pending forever: the PV controller finds
  // no provisioner for it. The cluster creates exactly one class (components/foundation/storage-class.ts).
  test.each(STACKS)("%s: every claim names the StorageClass object the render creates", async (stack) => {
    const r = await stackRender(stack);
    const classes = r.kind("StorageClass").map((c) => c.inputs.metadata.name);
    const claims = dataObjects(r, "StatefulSet").flatMap((s) => s.inputs.spec.volumeClaimTemplates);
    expect(claims.length).toBeGreaterThan(0);
    for (const c of claims) expect(classes).toContain(c.spec.storageClassName);
  });

  test("a stack file cannot point the claims at another class: the key is retired with a clear message", async () => {
    const message = await configError("prod", { "ecommerce:storageClass": "io2" });
    expect(message).toMatch(/'ecommerce:storageClass' is no longer a setting: the data tier's volumes use the cluster's StorageClass \(gp3\)/);
    expect(message).not.toMatch(/\n\s+at /);
  });
});

describe("each data tier rule rejects a bad value and names the key", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["even RabbitMQ node count", { "ecommerce:rabbitmqReplicas": 2 }, /'ecommerce:rabbitmqReplicas' value 2 is not allowed; expected an odd number from 1 to 7/],
    ["too many RabbitMQ nodes", { "ecommerce:rabbitmqReplicas": 9 }, /'ecommerce:rabbitmqReplicas' value '9' is outside of the legal range/],
    ["no RabbitMQ node", { "ecommerce:rabbitmqReplicas": 0 }, /'ecommerce:rabbitmqReplicas' value '0' is outside of the legal range/],
    ["RabbitMQ nodes not a number", { "ecommerce:rabbitmqReplicas": "three" }, /'ecommerce:rabbitmqReplicas' must be of type integer/],
    ["size without unit", { "ecommerce:mysqlStorageSize": "20" }, /'ecommerce:mysqlStorageSize' value '20'.*volume size such as 20Gi/],
    ["size in decimal units", { "ecommerce:redisStorageSize": "20GB" }, /'ecommerce:redisStorageSize' value '20GB'/],
    ["size below the EBS minimum", { "ecommerce:rabbitmqStorageSize": "512Mi" }, /'ecommerce:rabbitmqStorageSize' value "512Mi" is not allowed; expected a size from 1Gi to 16Ti/],
    ["size above the EBS maximum", { "ecommerce:minioStorageSize": "17Ti" }, /'ecommerce:minioStorageSize' value "17Ti".*1Gi to 16Ti/],
  ];

  test.each(cases)("%s", async (_label, overrides, expected) => {
    const message = await configError("prod", overrides);
    expect(message).toMatch(expected);
    expect(message).not.toMatch(/\n\s+at /);
  });

  test("the accepted edges pass: one node, seven nodes, 1Gi and 16Ti", async () => {
    expect(await configError("dev", { "ecommerce:rabbitmqReplicas": 7, "ecommerce:redisStorageSize": "1Gi", "ecommerce:minioStorageSize": "16Ti" })).toBe("");
    expect(await configError("prod", { "ecommerce:rabbitmqReplicas": 1, "ecommerce:mysqlStorageSize": "1024Mi" })).toBe("");
  });
});
