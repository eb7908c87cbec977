import { loadStackConfig } from "../tools/stack-config";
import { PROJECT_DIR, configError } from "./harness";

describe("data tier settings in the stack files", () => {
  test("dev is small, prod is sized for production; both use the cluster's gp3 class", () => {
    const dev = loadStackConfig(PROJECT_DIR, "dev").config;
    const prod = loadStackConfig(PROJECT_DIR, "prod").config;
    expect(dev["ecommerce:rabbitmqReplicas"]).toBe("1");
    expect(prod["ecommerce:rabbitmqReplicas"]).toBe("3");
    for (const cfg of [dev, prod]) expect(cfg["ecommerce:storageClass"]).toBe("gp3");
    expect(prod["ecommerce:mysqlStorageSize"]).toBe("50Gi");
    expect(dev["ecommerce:mysqlStorageSize"]).toBe("5Gi");
  });

  test("Pulumi.yaml defaults: gp3 and three RabbitMQ nodes", () => {
    const file = require("./harness").stackFileWith("dev", {
      "ecommerce:storageClass": undefined,
      "ecommerce:rabbitmqReplicas": undefined,
    });
    const cfg = loadStackConfig(PROJECT_DIR, "dev", file).config;
    expect(cfg["ecommerce:storageClass"]).toBe("gp3");
    expect(cfg["ecommerce:rabbitmqReplicas"]).toBe("3");
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
    ["StorageClass with capitals", { "ecommerce:storageClass": "GP3" }, /'ecommerce:storageClass' value 'GP3'.*StorageClass name/],
    ["StorageClass with a space", { "ecommerce:storageClass": "gp 3" }, /'ecommerce:storageClass'/],
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
