import { NAMESPACES } from "../../../catalog";
import { ACME_SERVERS, accountKeySecret } from "../../../components/ingress/cert-manager/cert-manager";
import { CERT_MANAGER } from "../../../components/ingress/cert-manager/chart";
import { CERT_ISSUERS } from "../../../config";
import { restrictedViolations } from "../../../lib/pod-security";
import { chartValuesCheck, crdCheck } from "../../../lib/schema-check";
import { ACME_EMAIL, changedIngress, chartOf } from "./helpers";
import { STACKS, stackRender, stackSetting } from "../../harness";

const checkValues = chartValuesCheck("cert-manager");
const checkIssuer = crdCheck("cert-manager/crds/cert-manager.io_clusterissuers.yaml");

const certManager = (stack: (typeof STACKS)[number]) => chartOf(stack, "cert-manager");

describe("the cert-manager chart's own schema", () => {
  test.each(STACKS)("accepts the %s values", async (stack) => {
    expect(checkValues((await certManager(stack)).values)).toEqual([]);
  });

  test.each([
    ["a misspelled top-level key", (v: any) => ({ ...v, replicas: v.replicaCount }), /'replicas'/],
    ["a misspelled nested key", (v: any) => ({ ...v, crds: { enable: true } }), /\/crds must NOT have additional properties 'enable'/],
    ["a misspelled component key", (v: any) => ({ ...v, webhook: { ...v.webhook, podDisruptionBudgets: {} } }), /\/webhook .*'podDisruptionBudgets'/],
  ])("rejects %s, so the check is known to bite", async (_label, breakIt, expected) => {
    const broken = breakIt(structuredClone((await certManager("prod")).values));
    expect(checkValues(broken).join("\n")).toMatch(expected);
  });
});

describe.each(STACKS)("cert-manager in %s", (stack) => {
  test("the chart is pinned, installs its CRDs, in namespace cert-manager", async () => {
    const { r, chart, values } = await certManager(stack);
    const { pin } = CERT_MANAGER;
    expect(chart.inputs).toEqual(expect.objectContaining({ chart: pin.chart, version: pin.version, name: CERT_MANAGER.release, namespace: CERT_MANAGER.namespace }));
    expect(chart.inputs.repositoryOpts).toEqual({ repo: pin.repo });
    expect([CERT_MANAGER.release, CERT_MANAGER.namespace]).toEqual(["cert-manager", NAMESPACES.certManager.name]);
    expect(values.crds).toEqual({ enabled: true, keep: true });
    expect(values.installCRDs).toBeUndefined();
    expect(chart.dependsOn).toContain(r.kind("Namespace").find((n) => n.inputs.metadata.name === "cert-manager")!.urn);
  });

  test("controller, webhook and CA injector pass Pod Security restricted", async () => {
    const { values } = await certManager(stack);
    for (const [name, v] of [["controller", values], ["webhook", values.webhook], ["cainjector", values.cainjector]] as const) {
      const pod = { securityContext: v.securityContext, containers: [{ name, securityContext: v.containerSecurityContext }] };
      expect({ name, problems: restrictedViolations(pod) }).toEqual({ name, problems: [] });
    }
  });

  test("Prometheus metrics stay on; no ServiceMonitor before the monitoring tier brings its CRD", async () => {
    const { values } = await certManager(stack);
    expect(values.prometheus).toEqual({ enabled: true, servicemonitor: { enabled: false }, podmonitor: { enabled: false } });
  });

  test("replicas from the stack, with budgets only when a pod can be spared", async () => {
    const { values } = await certManager(stack);
    const replicas = stackSetting<number>(stack, "certManagerReplicas");
    for (const v of [values, values.webhook, values.cainjector]) {
      expect(v.replicaCount).toBe(replicas);
      expect(v.podDisruptionBudget.enabled).toBe(replicas > 1);
    }
  });

  test("three ClusterIssuers pass the ClusterIssuer CRD schema and are created after the chart", async () => {
    const { r, chart } = await certManager(stack);
    // Vault's CA issuer, where Vault runs, is the secrets tier's (tests/stack/secrets/vault.spec.ts).
    const issuers = r.kind("ClusterIssuer").filter((i) => i.inputs.metadata.name !== "vault-ca");
    expect(issuers.map((i) => i.inputs.metadata.name).sort()).toEqual([...CERT_ISSUERS].sort());
    for (const issuer of issuers) {
      expect(checkIssuer(issuer.inputs)).toEqual([]);
      expect(issuer.dependsOn).toContain(chart.urn);
    }
  });

  // With a hosted zone the issuers solve DNS-01 there (tests/stack/ingress/edge-dns.spec.ts).
  test("Let's Encrypt issuers: the right directory, the stack's e-mail; without a hosted zone, HTTP-01 through the traefik class on port 80", async () => {
    const r = await stackRender(stack);
    for (const name of ["letsencrypt-staging", "letsencrypt-prod"] as const) {
      const acme = r.find("ClusterIssuer", name).spec.acme;
      expect(acme.server).toBe(ACME_SERVERS[name]);
      expect(acme.email).toBe(stackSetting(stack, "acmeEmail"));
      expect(acme.privateKeySecretRef).toEqual({ name: accountKeySecret(name) });
      expect(acme.solvers).toHaveLength(1);
      if (stackSetting(stack, "hostedZone") !== "") {
        expect(acme.solvers[0].dns01.route53).toBeDefined();
        continue;
      }
      expect(acme.solvers[0].http01.ingress.ingressClassName).toBe("traefik");
      expect(acme.solvers[0].http01.ingress.ingressTemplate.metadata.annotations).toEqual({
        "traefik.ingress.kubernetes.io/router.entrypoints": "web",
      });
    }
    expect(r.find("ClusterIssuer", "selfsigned").spec).toEqual({ selfSigned: {} });
  });
});

describe("issuers follow the configuration", () => {
  test("the ACME e-mail comes from ecommerce:acmeEmail", async () => {
    expect((await stackRender("dev")).find("ClusterIssuer", "letsencrypt-prod").spec.acme.email).not.toBe(ACME_EMAIL);
    const r = await changedIngress("dev");
    expect(r.find("ClusterIssuer", "letsencrypt-prod").spec.acme.email).toBe(ACME_EMAIL);
  });

  test("a misspelled issuer field fails the CRD check, so the check is known to bite", async () => {
    const issuer = structuredClone((await stackRender("dev")).find("ClusterIssuer", "letsencrypt-prod"));
    issuer.spec.acme.solvers[0].http01.ingress.ingressClass = "traefik";
    delete issuer.spec.acme.server;
    const problems = checkIssuer(issuer).join("\n");
    expect(problems).toMatch(/\/spec\/acme must have required property 'server'/);
    expect(problems).toMatch(/\/spec\/acme\/solvers\/0\/http01\/ingress must NOT have additional properties 'ingressClass'/);
  });
});
