import { SYNC_LABELS } from "../../../components/secrets/vault-sync";
import { DATASTORE_KINDS, DatastoreKind, METRICS_PORT, NAMESPACES, SERVICES, ServiceSpec, databaseName, serviceFqdn, serviceLabels } from "../../../catalog";
import { envPrefix } from "../../../components/app/application";
import { dataConnections } from "../../../catalog/contracts";
import { restrictedViolations } from "../../../lib/pod-security";
import { loadStackConfig } from "../../../lib/stack-files";
import { Rendered } from "../../../tools/render/engine";
import { dataTierResources } from "../data/fixtures";
import { PROJECT_DIR, STACKS, StackName, stackRender } from "../../harness";

const NS = NAMESPACES.app.name;
const KINDS = ["Deployment", "Service", "ServiceAccount", "HorizontalPodAutoscaler", "PodDisruptionBudget"];
const connections = dataConnections(SERVICES);

/** A stack file's value, as the program reads it (a string). */
const stackValue = (stack: StackName, key: string): string => loadStackConfig(PROJECT_DIR, stack).config[`ecommerce:${key}`];
const stackNumber = (stack: StackName, key: string): number => Number(stackValue(stack, key));

/** The application's objects of a kind: e-commerce also holds the data tier's MySQL and Redis. */
/** The application tier's objects in e-commerce: not the data tier's, nor the secrets sync's (its consumers' ServiceAccounts). */
const appObjects = (r: Rendered, kind: string) => {
  const data = new Set(dataTierResources(r).map((x) => x.urn));
  return r.kind(kind, NS).filter((o) => !data.has(o.urn) && o.inputs.metadata.labels?.["app.kubernetes.io/part-of"] !== SYNC_LABELS["app.kubernetes.io/part-of"]);
};

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

const envOf = (d: Record<string, any>): any[] => d.spec.template.spec.containers[0].env;
const envNames = (d: Record<string, any>) => envOf(d).map((e) => e.name);

describe.each(STACKS)("application tier of %s", (stack) => {
  const render = () => stackRender(stack);
  const deployment = async (s: ServiceSpec) => (await render()).find("Deployment", s.name, NS);

  test.each(KINDS)("one %s per catalog service, named as the service, in e-commerce", async (kind) => {
    const names = appObjects(await render(), kind).map((o) => o.inputs.metadata.name).sort();
    expect(names).toEqual(SERVICES.map((s) => s.name).sort());
    expect(names).toHaveLength(SERVICES.length);
  });

  test.each(SERVICES.map((s) => [s.name, s] as const))("%s: ClusterIP Service with named ports equal to the container's", async (_n, s) => {
    const svc = (await render()).find("Service", s.name, NS);
    expect(svc.spec.type).toBe("ClusterIP");
    expect(svc.metadata.labels).toEqual(serviceLabels(s));
    expect(svc.spec.ports).toEqual([
      { name: "http", port: s.httpPort, targetPort: s.httpPort, protocol: "TCP" },
      { name: "metrics", port: METRICS_PORT, targetPort: METRICS_PORT, protocol: "TCP" },
    ]);
    const ports = (await deployment(s)).spec.template.spec.containers[0].ports;
    for (const p of svc.spec.ports) {
      expect(ports).toContainEqual({ name: p.name, containerPort: p.targetPort, protocol: "TCP" });
    }
  });

  test("the gateway listens on 8100 and is labelled a gateway; the others on 8000 as microservices", async () => {
    const r = await render();
    expect(r.find("Service", "api-gateway", NS).spec.ports[0].port).toBe(8100);
    expect(r.find("Deployment", "api-gateway", NS).spec.template.metadata.labels).toEqual({ app: "api-gateway", component: "gateway" });
    for (const s of SERVICES.filter((x) => x.role === "microservice")) {
      expect(r.find("Service", s.name, NS).spec.ports[0].port).toBe(8000);
      expect(r.find("Deployment", s.name, NS).spec.template.metadata.labels).toEqual({ app: s.name, component: "microservice" });
    }
  });

  test("each Service, Deployment and PDB selects its own pods and no other service's", async () => {
    const r = await render();
    const pods = appObjects(r, "Deployment").map((d) => ({ name: d.inputs.metadata.name, labels: d.inputs.spec.template.metadata.labels }));
    const selectors: [string, string, Record<string, string>][] = [
      ...appObjects(r, "Service").map((o) => ["Service", o.inputs.metadata.name, o.inputs.spec.selector] as [string, string, any]),
      ...appObjects(r, "Deployment").map((o) => ["Deployment", o.inputs.metadata.name, o.inputs.spec.selector.matchLabels] as [string, string, any]),
      ...appObjects(r, "PodDisruptionBudget").map((o) => ["PDB", o.inputs.metadata.name, o.inputs.spec.selector.matchLabels] as [string, string, any]),
    ];
    for (const [kind, name, selector] of selectors) {
      expect(Object.keys(selector).length).toBeGreaterThan(0);
      expect([kind, pods.filter((p) => selects(selector, p.labels)).map((p) => p.name)]).toEqual([kind, [name]]);
    }
  });

  test("auth-service keeps client IP affinity for the catalog's timeout; the others have none", async () => {
    const r = await render();
    for (const s of SERVICES) {
      const spec = r.find("Service", s.name, NS).spec;
      if (s.clientIpAffinitySeconds) {
        expect(spec.sessionAffinity).toBe("ClientIP");
        expect(spec.sessionAffinityConfig.clientIP.timeoutSeconds).toBe(s.clientIpAffinitySeconds);
      } else {
        expect(spec.sessionAffinity).toBeUndefined();
      }
    }
    expect(r.find("Service", "auth-service", NS).spec.sessionAffinityConfig.clientIP.timeoutSeconds).toBe(3600);
  });

  test("autoscaling/v2 on CPU and memory, bounds from the stack file, replicas left to the autoscaler", async () => {
    const r = await render();
    for (const s of SERVICES) {
      const hpa = r.kind("HorizontalPodAutoscaler", NS).find((h) => h.inputs.metadata.name === s.name)!.inputs;
      const prefix = s.role === "gateway" ? "gateway" : "service";
      expect(hpa.apiVersion).toBe("autoscaling/v2");
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: s.name });
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([stackNumber(stack, `${prefix}MinReplicas`), stackNumber(stack, `${prefix}MaxReplicas`)]);
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.type])).toEqual([["cpu", "Utilization"], ["memory", "Utilization"]]);
      expect(r.find("Deployment", s.name, NS).spec.replicas).toBeUndefined();
    }
  });

  test("a PDB per service that always lets a node drain evict one pod, and rollouts that never drop a ready pod", async () => {
    const r = await render();
    for (const s of SERVICES) {
      const pdb = r.find("PodDisruptionBudget", s.name, NS).spec;
      const minReplicas = r.find("HorizontalPodAutoscaler", s.name, NS).spec.minReplicas;
      // Pods the budget lets go at the smallest size the autoscaler allows.
      const allowed = pdb.minAvailable !== undefined ? minReplicas - pdb.minAvailable : pdb.maxUnavailable;
      expect(allowed).toBeGreaterThanOrEqual(1);
      expect(pdb.unhealthyPodEvictionPolicy).toBe("AlwaysAllow");
      expect(r.find("Deployment", s.name, NS).spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    }
  });

  test("pods spread over zones and nodes", async () => {
    const r = await render();
    for (const s of SERVICES) {
      const spread = r.find("Deployment", s.name, NS).spec.template.spec.topologySpreadConstraints;
      expect(spread.map((c: any) => c.topologyKey)).toEqual(["topology.kubernetes.io/zone", "kubernetes.io/hostname"]);
      for (const c of spread) expect(c.labelSelector.matchLabels).toEqual(serviceLabels(s));
    }
  });

  test("every pod passes Pod Security restricted, with a read-only root and a writable /tmp", async () => {
    const r = await render();
    for (const s of SERVICES) {
      const pod = r.find("Deployment", s.name, NS).spec.template.spec;
      expect([s.name, restrictedViolations(pod)]).toEqual([s.name, []]);
      for (const c of pod.containers) {
        expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
        const tmp = c.volumeMounts.find((m: any) => m.mountPath === "/tmp");
        expect(pod.volumes.find((v: any) => v.name === tmp.name).emptyDir).toBeDefined();
      }
    }
  });

  test("a ServiceAccount per service whose token is never mounted", async () => {
    const r = await render();
    for (const s of SERVICES) {
      const pod = r.find("Deployment", s.name, NS).spec.template.spec;
      expect(pod.serviceAccountName).toBe(s.name);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(r.find("ServiceAccount", s.name, NS).automountServiceAccountToken).toBe(false);
    }
  });

  test("every container is probed on its http port, bounded, and drains before it stops", async () => {
    const r = await render();
    const resources = {
      requests: { cpu: stackValue(stack, "appCpuRequest"), memory: stackValue(stack, "appMemoryRequest") },
      limits: { cpu: stackValue(stack, "appCpuLimit"), memory: stackValue(stack, "appMemoryLimit") },
    };
    for (const s of SERVICES) {
      const pod = r.find("Deployment", s.name, NS).spec.template.spec;
      for (const c of pod.containers) {
        for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) {
          expect([c.name, probe, c[probe]?.httpGet?.port]).toEqual([c.name, probe, "http"]);
          expect(c.ports.map((p: any) => p.name)).toContain(c[probe].httpGet.port);
        }
        expect(c.resources).toEqual(resources);
        const sleep = c.lifecycle.preStop.sleep.seconds;
        expect(sleep).toBeGreaterThan(0);
        expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(sleep);
      }
    }
  });

  test("images come from the configured registry with a pinned tag, never latest", async () => {
    const r = await render();
    const registry = stackValue(stack, "imageRegistry");
    for (const d of r.kind("Deployment", NS)) {
      for (const c of d.inputs.spec.template.spec.containers) {
        expect(c.image).toBe(`${registry}/${d.inputs.metadata.name}:${stackValue(stack, "imageTag")}`);
        expect(c.image).not.toMatch(/:latest$/i);
      }
    }
  });

  describe("environment wiring", () => {
    const kindsIn = (names: string[]) =>
      DATASTORE_KINDS.filter((k: DatastoreKind) => names.some((n) => n.startsWith(`${envPrefix(k)}_`)));

    test.each(SERVICES.map((s) => [s.name, s] as const))("%s sees exactly its catalog datastores", async (_n, s) => {
      const d = await deployment(s);
      expect(kindsIn(envNames(d)).sort()).toEqual([...s.uses].sort());
      const env = envOf(d);
      for (const e of env.filter((x) => x.name.endsWith("_HOST"))) expect(e.value).toMatch(/\.svc\.cluster\.local$/);
      const refs = env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.valueFrom.secretKeyRef.name);
      const mysqlSecrets = refs.filter((n: string) => n.endsWith("-mysql-credentials"));
      expect(mysqlSecrets).toEqual(s.uses.includes("mysql") ? [`${databaseName(s.name)}-credentials`, `${databaseName(s.name)}-credentials`] : []);
      if (s.uses.includes("mysql")) {
        expect(env.find((e) => e.name === "MYSQL_HOST").value).toBe(serviceFqdn(databaseName(s.name), NS));
      }
    });

    test("credentials are references to the data tier's Secrets, never values", async () => {
      const r = await render();
      const secretNames = new Set(Object.values(connections).flatMap((instances) => instances.map((i) => i.connection.secretName)));
      for (const d of r.kind("Deployment", NS)) {
        for (const e of envOf(d.inputs)) {
          if (/PASSWORD|SECRET|USERNAME|ACCESS_KEY/.test(e.name)) {
            expect([e.name, e.value]).toEqual([e.name, undefined]);
            expect(secretNames).toContain(e.valueFrom.secretKeyRef.name);
          }
          if (e.valueFrom) expect(Object.keys(e.valueFrom)).toEqual(["secretKeyRef"]);
        }
      }
      const text = JSON.stringify(r.kind("Deployment", NS).map((d) => d.inputs));
      expect(text).not.toMatch(/mock-|\[secret\]/);
    });

    test("the gateway knows every microservice's URL and RabbitMQ, and no datastore", async () => {
      const gw = await deployment(SERVICES.find((s) => s.role === "gateway")!);
      const urls = envOf(gw).filter((e) => e.name.endsWith("_URL"));
      const micro = SERVICES.filter((s) => s.role === "microservice");
      expect(urls).toHaveLength(micro.length);
      expect(urls.map((e) => e.value).sort()).toEqual(micro.map((s) => `http://${s.name}.${NS}.svc.cluster.local:${s.httpPort}`).sort());
      expect(kindsIn(envNames(gw))).toEqual(["rabbitmq"]);
    });

    test("microservices do not get each other's addresses", async () => {
      for (const s of SERVICES.filter((x) => x.role === "microservice")) {
        expect(envNames(await deployment(s)).filter((n) => n.endsWith("_URL"))).toEqual([]);
      }
    });
  });

  test("every object waits for the e-commerce Namespace", async () => {
    const r = await render();
    const ns = r.kind("Namespace").find((n) => n.inputs.metadata.name === NS)!;
    for (const kind of KINDS) {
      for (const o of r.kind(kind, NS)) expect(r.dependsOnTransitively(o.urn)).toContain(ns.urn);
    }
  });
});

describe("stack differences", () => {
  test("prod runs the gateway with 3+ pods and microservices 2-10; dev is smaller", async () => {
    const [dev, prod] = await Promise.all([stackRender("dev"), stackRender("prod")]);
    const bounds = (r: typeof dev, name: string) => {
      const spec = r.find("HorizontalPodAutoscaler", name, NS).spec;
      return [spec.minReplicas, spec.maxReplicas];
    };
    expect(bounds(prod, "api-gateway")[0]).toBeGreaterThanOrEqual(3);
    for (const s of SERVICES.filter((x) => x.role === "microservice")) {
      expect(bounds(prod, s.name)).toEqual([2, 10]);
      expect(bounds(dev, s.name)[1]).toBeLessThan(10);
    }
    expect(bounds(dev, "api-gateway")[0]).toBeLessThan(bounds(prod, "api-gateway")[0]);
  });
});
