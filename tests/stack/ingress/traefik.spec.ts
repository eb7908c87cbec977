import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { NAMESPACES, PORT_NAMES } from "../../../catalog";
import { ENTRYPOINTS, TRAEFIK, TRAEFIK_METRICS, TRAEFIK_POD_LABELS } from "../../../components/ingress/traefik/chart";
import { restrictedViolations } from "../../../lib/pod-security";
import { CHARTDATA_DIR, chartValuesCheck, crdCheck, mergeValues } from "../../../lib/schema-check";
import { chartOf, CHART_TYPE } from "./helpers";
import { STACKS, stackRender, stackSetting } from "../../harness";

const checkValues = chartValuesCheck("traefik");
const defaults = YAML.parse(fs.readFileSync(path.join(CHARTDATA_DIR, "traefik/values.yaml"), "utf8"));

const traefik = (stack: (typeof STACKS)[number]) => chartOf(stack, "traefik");

describe("the Traefik chart's own schema", () => {
  test.each(STACKS)("accepts the %s values", async (stack) => {
    expect(checkValues((await traefik(stack)).values)).toEqual([]);
  });

  test.each([
    ["a misspelled top-level key", (v: any) => ({ ...v, podDisruptionBudgets: v.podDisruptionBudget }), /'podDisruptionBudgets'/],
    ["a misspelled nested key", (v: any) => ({ ...v, ports: { ...v.ports, web: { ...v.ports.web, exposePort: 80 } } }), /\/ports\/web .*'exposePort'/],
    ["a key this chart version removed (logs, now log and accessLog)", (v: any) => ({ ...v, logs: { access: { enabled: true } } }), /'logs'/],
    ["a wrong type", (v: any) => ({ ...v, deployment: { ...v.deployment, replicas: "two" } }), /\/deployment\/replicas must be integer/],
  ])("rejects %s, so the check is known to bite", async (_label, breakIt, expected) => {
    const broken = breakIt(structuredClone((await traefik("prod")).values));
    expect(checkValues(broken).join("\n")).toMatch(expected);
  });
});

describe.each(STACKS)("Traefik in %s", (stack) => {
  test("the chart is pinned, from its repository, released as traefik in namespace traefik", async () => {
    const { r, chart } = await traefik(stack);
    const { pin } = TRAEFIK;
    expect(chart.inputs).toEqual(expect.objectContaining({ chart: pin.chart, version: pin.version, name: TRAEFIK.release, namespace: TRAEFIK.namespace }));
    expect(chart.inputs.repositoryOpts).toEqual({ repo: pin.repo });
    expect([TRAEFIK.release, TRAEFIK.namespace]).toEqual(["traefik", NAMESPACES.traefik.name]);
    expect(chart.dependsOn).toContain(r.kind("Namespace").find((n) => n.inputs.metadata.name === "traefik")!.urn);
  });

  test("entry points: 80 -> 8000 (web) and 443 -> 8443 (websecure) on the pinned node ports; nothing else exposed", async () => {
    const { values } = await traefik(stack);
    const ports = (mergeValues(defaults, values) as any).ports;
    const nodePorts = { web: stackSetting(stack, "ingressHttpNodePort"), websecure: stackSetting(stack, "ingressHttpsNodePort") };
    expect(ports.web).toEqual(expect.objectContaining({ port: 8000, exposedPort: 80, nodePort: nodePorts.web, protocol: "TCP" }));
    expect(ports.websecure).toEqual(expect.objectContaining({ port: 8443, exposedPort: 443, nodePort: nodePorts.websecure, protocol: "TCP" }));
    const exposed = Object.entries(ports).filter(([, p]: [string, any]) => p.expose?.default).map(([name]) => name);
    expect(exposed.sort()).toEqual(Object.keys(ENTRYPOINTS).sort());
  });

  test("client addresses are kept and never taken from forwarded headers", async () => {
    const { values } = await traefik(stack);
    expect(values.service.spec.externalTrafficPolicy).toBe("Local");
    for (const ep of Object.keys(ENTRYPOINTS)) {
      expect(values.ports[ep].forwardedHeaders).toEqual({ trustedIPs: [], insecure: false });
    }
  });

  test("pods are hardened: they pass Pod Security restricted", async () => {
    const { r, values } = await traefik(stack);
    const pod = { securityContext: values.podSecurityContext, containers: [{ name: "traefik", securityContext: values.securityContext }] };
    expect(restrictedViolations(pod)).toEqual([]);
    expect(values.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(r.find("Namespace", "traefik").metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  test("access logs on (JSON, request headers dropped) and Prometheus metrics on a `metrics` port and Service", async () => {
    const { values } = await traefik(stack);
    expect(values.accessLog).toEqual(expect.objectContaining({ enabled: true, format: "json" }));
    expect(values.accessLog.fields.headers.defaultMode).toBe("drop");
    expect(values.metrics.prometheus).toEqual(expect.objectContaining({ entryPoint: PORT_NAMES.metrics, service: { enabled: true } }));
    expect(values.ports[PORT_NAMES.metrics]).toEqual(expect.objectContaining({ port: TRAEFIK_METRICS.port, expose: { default: false } }));
    expect(values.fullnameOverride).toBe("traefik");
    expect(TRAEFIK_METRICS.service).toBe("traefik-metrics");
  });

  test("an IngressClass named traefik that is not the cluster default", async () => {
    const { values } = await traefik(stack);
    expect(values.ingressClass).toEqual({ enabled: true, isDefaultClass: false, name: "traefik" });
    expect(values.providers.kubernetesCRD.allowCrossNamespace).toBe(false);
  });
});

describe.each(STACKS)("Traefik exposure and availability in %s", (stack) => {
  const replicas = stackSetting<number>(stack, "traefikReplicas");

  if (stackSetting(stack, "ingressServiceType") === "LoadBalancer") {
    test("an NLB across zones, client IPs kept, the stack's source ranges applied", async () => {
      const { values } = await traefik(stack);
      expect(values.service.spec).toEqual({
        type: "LoadBalancer",
        externalTrafficPolicy: "Local",
        loadBalancerSourceRanges: stackSetting(stack, "ingressSourceRanges"),
      });
      expect(values.service.annotations).toEqual({
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
      });
      expect(values.providers.kubernetesIngress.publishedService.enabled).toBe(true);
    });
  } else {
    test("node ports only, no load balancer annotations, Ingress status names the stack's host", async () => {
      const { values } = await traefik(stack);
      expect(values.service.spec).toEqual({ type: "NodePort", externalTrafficPolicy: "Local" });
      expect(values.service.annotations).toEqual({});
      expect(values.providers.kubernetesIngress.ingressEndpoint).toEqual({ hostname: stackSetting(stack, "domain") });
      expect(values.providers.kubernetesIngress.publishedService.enabled).toBe(false);
    });
  }

  if (replicas >= 2) {
    test("the stack's replicas, a PodDisruptionBudget and a required spread over zones", async () => {
      const { values } = await traefik(stack);
      expect(values.deployment.replicas).toBe(replicas);
      expect(values.podDisruptionBudget).toEqual({ enabled: true, maxUnavailable: 1 });
      const zone = values.topologySpreadConstraints.find((c: any) => c.topologyKey === "topology.kubernetes.io/zone");
      expect(zone).toEqual(expect.objectContaining({ maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" }));
      expect(zone.labelSelector.matchLabels).toEqual(TRAEFIK_POD_LABELS);
    });
  } else {
    test("one replica and no budget that would block node drains", async () => {
      const { values } = await traefik(stack);
      expect(values.deployment.replicas).toBe(replicas);
      expect(values.podDisruptionBudget.enabled).toBe(false);
      expect(values.topologySpreadConstraints).toEqual([]);
    });
  }
});

describe.each(STACKS)("Traefik custom resources in %s", (stack) => {
  const checks = {
    TLSOption: crdCheck("traefik/crds/traefik.io_tlsoptions.yaml"),
    Middleware: crdCheck("traefik/crds/traefik.io_middlewares.yaml"),
    IngressRoute: crdCheck("traefik/crds/traefik.io_ingressroutes.yaml"),
  };

  test("pass their CRD schemas and are created after the chart", async () => {
    const r = await stackRender(stack);
    const chart = r.one(CHART_TYPE, "traefik");
    const objects = (Object.keys(checks) as (keyof typeof checks)[]).flatMap((kind) => r.kind(kind));
    expect(objects.length).toBeGreaterThanOrEqual(6);
    for (const o of objects) {
      expect({ name: o.inputs.metadata.name, problems: checks[o.inputs.kind as keyof typeof checks](o.inputs) }).toEqual({ name: o.inputs.metadata.name, problems: [] });
      expect(r.dependsOnTransitively(o.urn)).toContain(chart.urn);
    }
  });

  test("TLS 1.2+ with forward-secret AEAD suites only, as the cluster default", async () => {
    const tls = (await stackRender(stack)).find("TLSOption", "default", "traefik");
    expect(tls.spec.minVersion).toBe("VersionTLS12");
    for (const suite of tls.spec.cipherSuites) expect(suite).toMatch(/^TLS_ECDHE_(ECDSA|RSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305)$/);
    expect(tls.spec.sniStrict).toBe(true);
  });

  test("plain HTTP is redirected to HTTPS by the lowest-priority route, so ACME challenges still answer", async () => {
    const r = await stackRender(stack);
    const mw = r.find("Middleware", "redirect-https", "traefik");
    expect(mw.spec.redirectScheme).toEqual({ scheme: "https", permanent: true });
    const route = r.find("IngressRoute", "http-to-https", "traefik");
    expect(route.spec.entryPoints).toEqual(["web"]);
    expect(route.spec.routes).toEqual([expect.objectContaining({ priority: 1, middlewares: [{ name: "redirect-https" }] })]);
  });

  test("a broken Middleware fails the CRD check, so the check is known to bite", async () => {
    const mw = structuredClone((await stackRender(stack)).find("Middleware", "redirect-https", "traefik"));
    mw.spec.redirectScheme.permanant = true;
    expect(checks.Middleware(mw).join("\n")).toMatch(/\/spec\/redirectScheme must NOT have additional properties 'permanant'/);
  });
});
