import { NAMESPACES, SERVICES, databaseName, databaseOwners } from "../../../catalog";
import { platformDashboards } from "../../../components/monitoring/dashboards";
import { platformRuleGroups, quorum } from "../../../components/monitoring/rules";
import { GRAFANA_DASHBOARD_LABEL, MONITORING_API_VERSION, PROMETHEUS_DATASOURCE_UID } from "../../../components/monitoring/kube-prometheus-stack/chart";
import { STACKS, stackRender } from "../../harness";
import { crdProblems, promqlErrors } from "./schemas";

const MON = NAMESPACES.monitoring.name;

describe("PromQL check", () => {
  test.each([
    ["an unclosed call", "sum(rate(x[5m])"],
    ["a misspelled function", "histogram_quantil(0.9, x)"],
    ["a dangling operator", "up == 1 or"],
    ["a Grafana-only variable", "rate(x[$__rate_interval])"],
  ])("rejects %s", (_label, expr) => {
    expect(promqlErrors(expr).length).toBeGreaterThan(0);
  });
});

describe.each(STACKS)("alert rules of %s", (stack) => {
  async function rule() {
    return (await stackRender(stack)).find("PrometheusRule", "ecommerce-platform-alerts", MON);
  }
  const alerts = async () => (await rule()).spec.groups.flatMap((g: any) => g.rules);

  test("the PrometheusRule passes the CRD schema", async () => {
    expect(crdProblems(await rule())).toEqual([]);
  });

  test("every expression parses as PromQL", async () => {
    for (const a of await alerts()) expect([a.alert, a.expr, promqlErrors(a.expr)]).toEqual([a.alert, a.expr, []]);
  });

  test("each catalog service has a no-ready-replica alert on its Deployment", async () => {
    const rules = (await alerts()).filter((a: any) => a.alert === "ServiceNoReadyReplica");
    expect(rules.map((a: any) => a.labels.service)).toEqual(SERVICES.map((s) => s.name));
    for (const a of rules) {
      expect(a.expr).toContain(`deployment="${a.labels.service}"`);
      expect(a.labels.severity).toBe("critical");
    }
  });

  test("RabbitMQ below quorum: fewer than a majority of the stack's own RabbitMQ nodes up", async () => {
    const nodes = (await stackRender(stack)).find("StatefulSet", "rabbitmq-cluster", NAMESPACES.messaging.name).spec.replicas;
    const majority = Math.floor(nodes / 2) + 1;
    const a = (await alerts()).find((x: any) => x.alert === "RabbitMQBelowQuorum");
    expect(a.expr).toMatch(/up\{namespace="e-commerce-messaging", job="rabbitmq-cluster"\} == 1/);
    expect(a.expr).toMatch(new RegExp(`< ${majority}$`));
    expect(a.annotations.description).toContain(`Fewer than ${majority} of ${nodes} RabbitMQ nodes`);
  });

  test("a PVC nearly full warns at 85% of its capacity", async () => {
    const a = (await alerts()).find((x: any) => x.alert === "PersistentVolumeNearlyFull");
    expect(a.expr).toBe("kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes > 0.85");
  });

  test("a certificate expiring within 14 days warns, from cert-manager's metric", async () => {
    const a = (await alerts()).find((x: any) => x.alert === "CertificateExpiringSoon");
    // A certificate never issued exports 0 (cert-manager v1.21.1 internal/collectors/certificate_collector.go).
    expect(a.expr).toBe("(certmanager_certificate_expiration_timestamp_seconds > 0) - time() < 14 * 24 * 3600");
  });

  test("every alert has a severity, a summary and a description", async () => {
    for (const a of await alerts()) {
      expect(["warning", "critical"]).toContain(a.labels.severity);
      expect(a.annotations.summary).toBeTruthy();
      expect(a.annotations.description).toBeTruthy();
    }
  });
});

test("the CRD check rejects a rule whose duration is not one", () => {
  const groups = [{ name: "g", rules: [{ alert: "A", expr: "up == 0", for: "5 minutes", labels: {}, annotations: {} }] }];
  const bad = { apiVersion: MONITORING_API_VERSION, kind: "PrometheusRule", metadata: { name: "r" }, spec: { groups } };
  expect(crdProblems(bad).join("\n")).toMatch(/\/spec\/groups\/0\/rules\/0\/for/);
});

describe("rule arithmetic", () => {
  test.each([
    [1, 1],
    [3, 2],
    [4, 3],
    [5, 3],
  ])("quorum of %i nodes is %i", (nodes, q) => expect(quorum(nodes)).toBe(q));

  test.each([0, -1, 2.5, NaN])("a RabbitMQ cluster of %p nodes is refused", (nodes) => {
    expect(() => platformRuleGroups(SERVICES, { rabbitmqNodes: nodes, secretsBackend: "kubernetes" })).toThrow(/rabbitmqNodes must be a whole number of at least 1/);
  });

  test("a five-node RabbitMQ cluster needs three nodes up", () => {
    const groups = platformRuleGroups(SERVICES, { rabbitmqNodes: 5, secretsBackend: "kubernetes" });
    const a = groups.flatMap((g) => g.rules).find((r) => r.alert === "RabbitMQBelowQuorum")!;
    expect(a.expr).toMatch(/< 3$/);
  });
});

describe.each(STACKS)("dashboards of %s", (stack) => {
  async function dashboards() {
    const maps = (await stackRender(stack)).kind("ConfigMap", MON).filter((c) => c.inputs.metadata.name.startsWith("dashboard-"));
    return maps.map((c) => ({ labels: c.inputs.metadata.labels, json: JSON.parse(Object.values(c.inputs.data)[0] as string) }));
  }

  test("golden signals, RabbitMQ, MySQL and scaling, each a ConfigMap Grafana's sidecar loads", async () => {
    const all = await dashboards();
    expect(all.map((d) => d.json.uid).sort()).toEqual(["ecommerce-golden-signals", "ecommerce-mysql", "ecommerce-rabbitmq", "ecommerce-scaling"]);
    for (const d of all) expect(d.labels).toMatchObject(GRAFANA_DASHBOARD_LABEL);
  });

  test("every panel queries the provisioned Prometheus data source with PromQL that parses", async () => {
    for (const d of await dashboards()) {
      for (const p of d.json.panels) {
        for (const t of p.targets) {
          expect(t.datasource.uid).toBe(PROMETHEUS_DATASOURCE_UID);
          expect([p.title, t.expr, promqlErrors(t.expr)]).toEqual([p.title, t.expr, []]);
        }
      }
    }
  });

  test("the golden signals offer every catalog service and show rate, errors and latency", async () => {
    const d = (await dashboards()).find((x) => x.json.uid === "ecommerce-golden-signals")!.json;
    const variable = d.templating.list.find((v: any) => v.name === "service");
    expect(variable.options.map((o: any) => o.value)).toEqual(SERVICES.map((s) => s.name));
    const exprs = d.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr)).join("\n");
    expect(exprs).toMatch(/rate\(http_requests_total\{/);
    expect(exprs).toMatch(/status=~"5\.\."/);
    expect(exprs).toMatch(/histogram_quantile\(0\.95, .*http_request_duration_seconds_bucket/);
  });

  test("MySQL up covers the database of every owning service", async () => {
    const d = (await dashboards()).find((x) => x.json.uid === "ecommerce-mysql")!.json;
    const up = d.panels[0].targets[0].expr;
    expect(up).toMatch(/kube_statefulset_status_replicas_ready/);
    for (const s of databaseOwners(SERVICES)) expect(up).toContain(databaseName(s.name));
  });

  test("RabbitMQ shows its queues", async () => {
    const d = (await dashboards()).find((x) => x.json.uid === "ecommerce-rabbitmq")!.json;
    const exprs = d.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr)).join("\n");
    expect(exprs).toMatch(/rabbitmq_queue_messages_ready/);
    expect(exprs).toMatch(/rabbitmq_queue_messages_unacked/);
  });
});

test("dashboards follow the catalog", () => {
  const extra = { ...SERVICES[4], name: "loyalty-service" };
  const [golden, , mysql] = platformDashboards([...SERVICES, extra]);
  expect(golden.serviceVariable).toContain("loyalty-service");
  expect(mysql.panels[0].queries[0].expr).toContain("loyalty-service-mysql");
});
