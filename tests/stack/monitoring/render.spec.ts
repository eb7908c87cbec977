import { NAMESPACES } from "../../../catalog";
import { GRAFANA_ADMIN_SECRET, KUBE_PROMETHEUS_STACK, MONITORING_POD_LABELS } from "../../../components/monitoring/kube-prometheus-stack/chart";
import { STACKS, StackName, stackRender, stackRun, stackSetting } from "../../harness";

const MON = NAMESPACES.monitoring.name;

const expected: Record<StackName, { retention: string; storage: string; replicas: number; alertmanagers: number; grafana: string }> = {
  dev: { retention: "7d", storage: "20Gi", replicas: 1, alertmanagers: 1, grafana: "5Gi" },
  staging: { retention: "15d", storage: "50Gi", replicas: 1, alertmanagers: 1, grafana: "5Gi" },
  prod: { retention: "30d", storage: "200Gi", replicas: 2, alertmanagers: 3, grafana: "10Gi" },
};

describe.each(STACKS)("monitoring stack of %s", (stack) => {
  const chart = async () => (await stackRender(stack)).one("kubernetes:helm.sh/v4:Chart", "monitoring");

  test("kube-prometheus-stack is pinned, from its repository, in the monitoring namespace", async () => {
    const { inputs } = await chart();
    const { pin } = KUBE_PROMETHEUS_STACK;
    expect(inputs).toMatchObject({
      chart: pin.chart,
      version: pin.version,
      repositoryOpts: { repo: pin.repo },
      namespace: KUBE_PROMETHEUS_STACK.namespace,
      name: KUBE_PROMETHEUS_STACK.release,
    });
    expect(KUBE_PROMETHEUS_STACK.namespace).toBe(MON);
  });

  const vault = stackSetting(stack, "secretsBackend") === "vault";

  test("the chart waits for its namespace, the generated admin Secret (not a synced one, minutes later) and the nodes", async () => {
    const r = await stackRender(stack);
    const deps = (await chart()).dependsOn;
    expect(deps).toContain(r.one("kubernetes:core/v1:Namespace", MON).urn);
    if (vault) {
      const synced = r.kind("ExternalSecret", MON).find((e) => e.inputs.spec.target.name === GRAFANA_ADMIN_SECRET.name)!;
      expect(deps).not.toContain(synced.urn);
    } else {
      expect(deps).toContain(r.one("kubernetes:core/v1:Secret", "monitoring-grafana-admin").urn);
    }
    expect(deps).toContain(r.one("eks:index:ManagedNodeGroup").urn);
  });

  test("retention, storage and replicas come from the stack's configuration", async () => {
    const v = (await chart()).inputs.values;
    const e = expected[stack];
    expect(v.prometheus.prometheusSpec.retention).toBe(e.retention);
    expect(v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).toBe(e.storage);
    expect(v.prometheus.prometheusSpec.replicas).toBe(e.replicas);
    expect(v.alertmanager.alertmanagerSpec.replicas).toBe(e.alertmanagers);
    expect(v.grafana.persistence.size).toBe(e.grafana);
  });

  test("the Grafana admin password is generated and only stored in a Secret; from Vault, nothing is generated", async () => {
    const r = await stackRender(stack);
    if (vault) {
      expect(r.ofType("random:index/randomPassword:RandomPassword")).toEqual([]);
      expect(r.kind("Secret", MON).map((s) => s.inputs.metadata.name)).not.toContain(GRAFANA_ADMIN_SECRET.name);
      expect((await chart()).inputs.values.grafana.admin.existingSecret).toBe(GRAFANA_ADMIN_SECRET.name);
      return;
    }
    const password = r.one("random:index/randomPassword:RandomPassword", "monitoring-grafana-admin-password");
    expect(password.inputs.length).toBeGreaterThanOrEqual(32);
    const secret = r.find("Secret", GRAFANA_ADMIN_SECRET.name, MON);
    expect(secret.stringData).toBe("[secret]");
    expect(secret.metadata.namespace).toBe(MON);
    // The mock engine answers `mock-<name>` for a random result: it must appear nowhere.
    expect(JSON.stringify(r.resources)).not.toContain("mock-monitoring-grafana-admin-password");
    expect((await chart()).inputs.values.grafana.admin.existingSecret).toBe(GRAFANA_ADMIN_SECRET.name);
  });

  test("Service `prometheus` (the seed's name) reaches the Prometheus pods on 9090", async () => {
    const svc = (await stackRender(stack)).find("Service", "prometheus", MON);
    expect(svc.spec.type).toBe("ClusterIP");
    expect(svc.spec.selector).toEqual(MONITORING_POD_LABELS.prometheus);
    expect(svc.spec.ports).toEqual([{ name: "http-web", port: 9090, targetPort: 9090, protocol: "TCP" }]);
  });
});

test("a stack output tells how to reach Grafana", async () => {
  const { outputs } = await stackRun("dev");
  expect(outputs.grafanaPortForward).toBe("kubectl -n monitoring port-forward svc/monitoring-grafana 3000:3000");
});
