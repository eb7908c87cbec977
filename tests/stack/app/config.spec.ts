import { NAMESPACES, SERVICES } from "../../../catalog";
import { ImageSettings, imageReference, parseTagOverride } from "../../../config/apps";
import { configError, renderProgram } from "../../harness";

describe("application settings reject bad values and name the key", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["registry with upper case", { "ecommerce:imageRegistry": "Registry.example.com/shop" }, /'ecommerce:imageRegistry' value 'Registry.example.com\/shop'.*registry host and path/],
    ["registry with a trailing slash", { "ecommerce:imageRegistry": "registry.example.com/" }, /'ecommerce:imageRegistry'/],
    ["registry with a tag", { "ecommerce:imageRegistry": "registry.example.com/shop:1.0" }, /'ecommerce:imageRegistry'/],
    ["tag latest", { "ecommerce:imageTag": "latest" }, /'ecommerce:imageTag' value "latest" is not allowed; expected a fixed version, not 'latest'/],
    ["tag LATEST", { "ecommerce:imageTag": "LATEST" }, /'ecommerce:imageTag' value "LATEST".*not 'latest'/],
    ["empty tag", { "ecommerce:imageTag": "" }, /'ecommerce:imageTag'.*image tag such as 1.4.2/],
    ["tag with a space", { "ecommerce:imageTag": "1.0 beta" }, /'ecommerce:imageTag' value '1.0 beta'/],
    ["malformed digest", { "ecommerce:imageTag": "sha256:abc" }, /'ecommerce:imageTag' value 'sha256:abc'/],
    ["override without '='", { "ecommerce:imageTagOverrides": ["cart-service"] }, /'ecommerce:imageTagOverrides' value "cart-service".*service=tag/],
    ["override of an unknown service", { "ecommerce:imageTagOverrides": ["carts-service=1.0.0"] }, /'ecommerce:imageTagOverrides' value "carts-service=1.0.0".*a service of the catalog \(api-gateway, auth-service/],
    ["override to latest", { "ecommerce:imageTagOverrides": ["cart-service=latest"] }, /'ecommerce:imageTagOverrides' value "cart-service=latest".*not 'latest'/],
    ["override with an empty tag", { "ecommerce:imageTagOverrides": ["cart-service="] }, /'ecommerce:imageTagOverrides' value "cart-service=".*image tag/],
    ["service overridden twice", { "ecommerce:imageTagOverrides": ["cart-service=1.0.1", "cart-service=1.0.2"] }, /one entry per service \('cart-service' is listed twice\)/],
    ["overrides not a list", { "ecommerce:imageTagOverrides": "cart-service=1.0.1" }, /'ecommerce:imageTagOverrides' must be of type array/],
    ["no gateway pod", { "ecommerce:gatewayMinReplicas": 0 }, /'ecommerce:gatewayMinReplicas' value '0' is outside of the legal range/],
    ["too many pods", { "ecommerce:serviceMaxReplicas": 500 }, /'ecommerce:serviceMaxReplicas' value '500' is outside of the legal range/],
    ["replicas not a number", { "ecommerce:serviceMinReplicas": "two" }, /'ecommerce:serviceMinReplicas' must be of type integer/],
    ["gateway min above max", { "ecommerce:gatewayMinReplicas": 4, "ecommerce:gatewayMaxReplicas": 3 }, /'ecommerce:gatewayMinReplicas' \(4\) <= 'ecommerce:gatewayMaxReplicas' \(3\) must hold/],
    ["service min above max", { "ecommerce:serviceMinReplicas": 5, "ecommerce:serviceMaxReplicas": 3 }, /'ecommerce:serviceMinReplicas' \(5\) <= 'ecommerce:serviceMaxReplicas' \(3\) must hold/],
    ["CPU in words", { "ecommerce:appCpuRequest": "2 cores" }, /'ecommerce:appCpuRequest' value '2 cores'.*CPU quantity/],
    ["zero CPU", { "ecommerce:appCpuRequest": "0" }, /'ecommerce:appCpuRequest' value "0".*more than 0 CPU/],
    ["memory in MB", { "ecommerce:appMemoryLimit": "512MB" }, /'ecommerce:appMemoryLimit' value '512MB'.*memory quantity/],
    ["CPU request above limit", { "ecommerce:appCpuRequest": "2", "ecommerce:appCpuLimit": "500m" }, /'ecommerce:appCpuRequest' \(2\) must not exceed 'ecommerce:appCpuLimit' \(500m\)/],
    ["memory request above limit", { "ecommerce:appMemoryRequest": "1Gi", "ecommerce:appMemoryLimit": "512Mi" }, /'ecommerce:appMemoryRequest' \(1Gi\) must not exceed 'ecommerce:appMemoryLimit' \(512Mi\)/],
  ];

  test.each(cases)("%s", async (_label, overrides, expected) => {
    const message = await configError("dev", overrides);
    expect(message).toMatch(expected);
    expect(message).not.toMatch(/\n\s+at /);
  });
});

describe("image settings", () => {
  const images: ImageSettings = { registry: "localhost:5000/shop", tag: "1.2.3", tagOverrides: { "cart-service": "1.2.4" } };

  test("image references: registry, service, tag or digest", () => {
    expect(imageReference(images, "users-service")).toBe("localhost:5000/shop/users-service:1.2.3");
    expect(imageReference(images, "cart-service")).toBe("localhost:5000/shop/cart-service:1.2.4");
    const digest = `sha256:${"0".repeat(64)}`;
    expect(imageReference({ ...images, tag: digest }, "users-service")).toBe(`localhost:5000/shop/users-service@${digest}`);
  });

  test("overrides are checked against the catalog", () => {
    expect(parseTagOverride("cart-service=1.4.3", SERVICES)).toEqual(["cart-service", "1.4.3"]);
    expect(parseTagOverride("cart-service=1.4.3", SERVICES.filter((s) => s.name !== "cart-service"))).toMatch(/a service of the catalog/);
  });

  test("a stack file's overrides reach the Deployments; other services keep the default tag", async () => {
    const r = await renderProgram("dev", {
      overrides: { "ecommerce:imageRegistry": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop", "ecommerce:imageTagOverrides": ["cart-service=1.4.3"] },
    });
    const image = (name: string) => r.find("Deployment", name, NAMESPACES.app.name).spec.template.spec.containers[0].image;
    expect(image("cart-service")).toBe("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/cart-service:1.4.3");
    expect(image("auth-service")).toMatch(/^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/shop\/auth-service:/);
    expect(image("auth-service")).not.toMatch(/:1\.4\.3$/);
  });
});
