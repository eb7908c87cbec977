import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { NAMESPACES, PORT_NAMES } from "../../../catalog";
import { ENTRYPOINTS, TRAEFIK, TRAEFIK_METRICS, TRAEFIK_PING, TRAEFIK_POD_LABELS } from "../../../components/ingress/traefik/chart";
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

  test("entry points: 80 -> 8000 (web) and 443 -> 8443 (websecure), on the pinned node ports with node ports only; nothing else exposed", async () => {
    const { values } = await traefik(stack);
    const ports = (mergeValues(defaults, values) as any).ports;
    const nodePorts =
      stackSetting(stack, "ingressServiceType") === "NodePort"
        ? { web: stackSetting(stack, "ingressHttpNodePort"), websecure: stackSetting(stack, "ingressHttpsNodePort") }
        : { web: undefined, websecure: undefined };
    expect(ports.web).toEqual(expect.objectContaining({ port: 8000, exposedPort: 80, protocol: "TCP" }));
    expect(ports.websecure).toEqual(expect.objectContaining({ port: 8443, exposedPort: 443, protocol: "TCP" }));
    // The chart defaults `nodePort` to null: unset, the API allocates none (`allocateLoadBalancerNodePorts: false`).
    expect([ports.web.nodePort ?? undefined, ports.websecure.nodePort ?? undefined]).toEqual([nodePorts.web, nodePorts.websecure]);
    const exposed = Object.entries(ports).filter(([, p]: [string, any]) => p.expose?.default).map(([name]) => name);
    expect(exposed.sort()).toEqual(Object.keys(ENTRYPOINTS).sort());
  });

  test("client addresses are kept (node ports: Local traffic policy; NLB: client IP preservation) and never taken from forwarded headers", async () => {
    const { values } = await traefik(stack);
    if (stackSetting(stack, "ingressServiceType") === "NodePort") expect(values.service.spec.externalTrafficPolicy).toBe("Local");
    else expect(values.service.annotations["service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"]).toMatch(/(^|,)preserve_client_ip\.enabled=true(,|$)/);
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
    test("an NLB of the AWS Load Balancer Controller: ip targets, internet-facing, across zones, health checked on Traefik's ping", async () => {
      const { values } = await traefik(stack);
      expect(values.service.spec).toEqual({
        type: "LoadBalancer",
        // The controller's class (its chart's `loadBalancerClass`), no node ports: the targets are the pods.
        loadBalancerClass: "service.k8s.aws/nlb",
        allocateLoadBalancerNodePorts: false,
        externalTrafficPolicy: "Cluster",
      });
      const a = "service.beta.kubernetes.io/aws-load-balancer";
      expect(values.service.annotations).toEqual(
        expect.objectContaining({
          [`${a}-type`]: "external",
          [`${a}-nlb-target-type`]: "ip",
          [`${a}-scheme`]: "internet-facing",
          [`${a}-attributes`]: "load_balancing.cross_zone.enabled=true",
          [`${a}-healthcheck-protocol`]: "http",
          [`${a}-healthcheck-port`]: String(TRAEFIK_PING.port),
          [`${a}-healthcheck-path`]: "/ping",
        }),
      );
      // The ping port is the chart's `traefik` entry point, which its own probes ask /ping on (_podtemplate.tpl 81-93).
      expect((mergeValues(defaults, values) as any).ports.traefik.port).toBe(TRAEFIK_PING.port);
      expect(values.providers.kubernetesIngress.publishedService.enabled).toBe(true);
    });

    test("Traefik waits for the controller's chart, and its namespace asks for readiness gates", async () => {
      const { r, chart } = await traefik(stack);
      const controller = r.one(CHART_TYPE, "aws-load-balancer-controller");
      expect(chart.dependsOn).toContain(controller.urn);
      expect(r.find("Namespace", "traefik").metadata.labels["elbv2.k8s.aws/pod-readiness-gate-inject"]).toBe("enabled");
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
