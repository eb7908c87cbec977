/**
 * The pod rows of the Traefik and cert-manager modules against the charts: labels, container
 * ports and host network worked out from the vendored chart (`chartdata/`) and the values each
 * stack renders, following the templates the rows cite (traefik-helm-chart v41.3.0
 * `traefik/templates/_helpers.tpl`, `_podtemplate.tpl`; cert-manager v1.21.1
 * `deploy/charts/cert-manager/templates/{deployment,webhook-deployment,cainjector-deployment}.yaml`).
 */
import { CERT_MANAGER, CERT_MANAGER_METRICS, CERT_MANAGER_WEBHOOK_PORT } from "../../../components/ingress/cert-manager/chart";
import { TRAEFIK } from "../../../components/ingress/traefik/chart";
import type { ContainerPort } from "../../../lib/helm";
import type { Protocol } from "../../../lib/network-policy";
import { STACKS } from "../../harness";
import { ExpectedPod, chartdataYaml, helmDefault, mergedValues, podRow, rowProblems, tcp, truthy, udp } from "../chart-pods";
import { chartOf } from "./helpers";

/** `.Release.Service` (helm v3.20.2 `pkg/chartutil/values.go` 157). */
const MANAGED_BY = { "app.kubernetes.io/managed-by": "Helm" };

/** `traefik.portname`: lower case, no leading dash, at most 15 characters, no trailing dash. */
const traefikPortName = (name: string) => name.toLowerCase().replace(/^-+/, "").slice(0, 15).replace(/-+$/, "");

/** The Traefik pods a release gets with these values. */
function traefikPod(values: Record<string, any>, release: string, namespace: string): ExpectedPod {
  const v = mergedValues("traefik", values);
  if (truthy(v.hub?.token)) throw new Error("Traefik Hub's ports are not worked out here");
  const labels = {
    "app.kubernetes.io/name": helmDefault(chartdataYaml("traefik/Chart.yaml").name, v.nameOverride),
    "app.kubernetes.io/instance": helmDefault(`${release}-${namespace}`, v.instanceLabelOverride),
    ...MANAGED_BY,
    ...(v.commonLabels ?? {}),
    ...(v.deployment?.podLabels ?? {}),
    ...(truthy(v.global?.azure?.enabled) ? { "azure-extensions-usage-release-identifier": release } : {}),
  };
  // One port per entry of `ports`, in key order (Go ranges over a map's sorted keys).
  const ports = Object.keys(v.ports)
    .sort()
    .filter((name) => truthy(v.ports[name]))
    .flatMap((name) => {
      const c = v.ports[name];
      const port: ContainerPort = { name: traefikPortName(name), containerPort: helmDefault(c.port, c.containerPort), protocol: helmDefault<Protocol>("TCP", c.protocol) };
      return truthy(c.http3?.enabled) ? [port, udp(traefikPortName(`${name}-http3`), c.port)] : [port];
    });
  return { labels, ports, hostNetwork: v.hostNetwork === true };
}

/** The pods of cert-manager's three Deployments with these values, by row name. */
function certManagerPods(values: Record<string, any>, release: string): Record<string, ExpectedPod> {
  const v = mergedValues("cert-manager", values);
  const name = helmDefault(chartdataYaml("cert-manager/Chart.yaml").name, v.nameOverride);
  // `labels` (templates/_helpers.tpl): managed-by when the creator is Helm, then the common labels.
  const common = { ...(v.creator === "helm" ? MANAGED_BY : {}), ...(v.global?.commonLabels ?? {}) };
  const labels = (app: string, component: string, podLabels: Record<string, string> | undefined) => ({
    app,
    "app.kubernetes.io/name": app,
    "app.kubernetes.io/instance": release,
    "app.kubernetes.io/component": component,
    ...common,
    ...(podLabels ?? {}),
  });
  const metrics = truthy(v.prometheus?.enabled) ? [tcp("http-metrics", 9402)] : [];
  const config = v.webhook.config ?? {};
  const pods: Record<string, ExpectedPod> = {
    "{release}": { labels: labels(name, "controller", v.podLabels), ports: [tcp("http-metrics", 9402), tcp("http-healthz", 9403)], hostNetwork: false },
    "{release}-webhook": {
      labels: labels("webhook", "webhook", v.webhook.podLabels),
      ports: [tcp("https", helmDefault(helmDefault(6443, v.webhook.securePort), config.securePort)), tcp("healthcheck", helmDefault(6080, config.healthzPort)), ...metrics],
      hostNetwork: v.webhook.hostNetwork === true,
    },
  };
  if (truthy(v.cainjector?.enabled)) pods["{release}-cainjector"] = { labels: labels("cainjector", "cainjector", v.cainjector.podLabels), ports: metrics, hostNetwork: false };
  return pods;
}

describe.each(STACKS)("chart pods of %s", (stack) => {
  test("Traefik: the row is what the chart gives its pods with these values", async () => {
    const { values } = await chartOf(stack, "traefik");
    expect(rowProblems(podRow(TRAEFIK, "{release}"), traefikPod(values, TRAEFIK.release, TRAEFIK.namespace))).toEqual([]);
  });

  test("cert-manager: each Deployment's row is what the chart gives its pods, and every Deployment has one", async () => {
    const { values } = await chartOf(stack, "cert-manager");
    const expected = certManagerPods(values, CERT_MANAGER.release);
    const deployments = CERT_MANAGER.pods.filter((p) => p.kind === "Deployment");
    expect(deployments.map((p) => p.name).sort()).toEqual(Object.keys(expected).sort());
    for (const row of deployments) expect(rowProblems(row, expected[row.name])).toEqual([]);
  });
});

describe("the chart-pod checks bite", () => {
  test("a port the values move, a label they stop overriding, host network turned on", async () => {
    const { values } = await chartOf("prod", "traefik");
    const row = podRow(TRAEFIK, "{release}");
    const moved = { ...values, ports: { ...values.ports, web: { ...values.ports.web, containerPort: 9000 } } };
    expect(rowProblems(row, traefikPod(moved, TRAEFIK.release, TRAEFIK.namespace)).join("\n")).toMatch(/the chart declares port 9000\/TCP web, the row does not/);
    const { instanceLabelOverride: _dropped, ...plain } = values;
    expect(rowProblems(row, traefikPod(plain, TRAEFIK.release, TRAEFIK.namespace)).join("\n")).toMatch(/"app\.kubernetes\.io\/instance":"traefik-traefik"/);
    expect(rowProblems(row, traefikPod({ ...values, hostNetwork: true }, TRAEFIK.release, TRAEFIK.namespace))).toEqual(["{release}: hostNetwork false, the chart sets true"]);
  });

  test("a row without a port the chart declares, or with one it does not", async () => {
    const { values } = await chartOf("prod", "cert-manager");
    const webhook = podRow(CERT_MANAGER, "{release}-webhook");
    const expected = certManagerPods(values, CERT_MANAGER.release)["{release}-webhook"];
    expect(rowProblems({ ...webhook, ports: webhook.ports.slice(1) }, expected).join("\n")).toContain(`the chart declares port ${CERT_MANAGER_WEBHOOK_PORT}/TCP https`);
    expect(rowProblems(webhook, certManagerPods({ ...values, prometheus: { enabled: false } }, CERT_MANAGER.release)["{release}-webhook"])).toEqual([
      `{release}-webhook: the row declares port ${CERT_MANAGER_METRICS.port}/TCP ${CERT_MANAGER_METRICS.portName}, the chart does not`,
    ]);
  });
});
