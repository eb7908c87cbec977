import { RETENTION } from "../config/monitoring";
import { configError } from "./harness";

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
