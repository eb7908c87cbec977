import { ADMIN_PATH } from "../../../components/ingress/api-ingress";
import { CLUSTER_ISSUER_ANNOTATION } from "../../../components/ingress/cert-manager/chart";
import { crdCheck } from "../../../lib/schema-check";
import { STACKS, stackRender, stackSetting } from "../../harness";
import { ADMIN_CIDRS, GATEWAY_PORT, changedIngress } from "./helpers";

const checkMiddleware = crdCheck("traefik/crds/traefik.io_middlewares.yaml");

/** The `<namespace>-<name>@kubernetescrd` middleware references of an Ingress, in order. */
function middlewareRefs(ingress: Record<string, any>): string[] {
  const value: string = ingress.metadata.annotations["traefik.ingress.kubernetes.io/router.middlewares"] ?? "";
  return value.split(",").filter(Boolean);
}

describe.each(STACKS)("the gateway's Ingress in %s", (stack) => {
  const domain = stackSetting<string>(stack, "domain");
  const issuer = stackSetting<string>(stack, "certIssuer");

  test("is the seed's api-gateway-ingress, for the stack's host", async () => {
    const ing = (await stackRender(stack)).find("Ingress", "api-gateway-ingress", "e-commerce");
    expect(ing.spec).toEqual({
      ingressClassName: "traefik",
      tls: [{ hosts: [domain], secretName: "api-tls-cert" }],
      rules: [
        {
          host: domain,
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "api-gateway", port: { number: 8100 } } } }],
          },
        },
      ],
    });
  });

  test("HTTPS only, TLS, certificate from the stack's issuer, with security headers and the rate limit", async () => {
    const ing = (await stackRender(stack)).find("Ingress", "api-gateway-ingress", "e-commerce");
    expect(ing.metadata.annotations).toEqual({
      "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
      "traefik.ingress.kubernetes.io/router.tls": "true",
      [CLUSTER_ISSUER_ANNOTATION]: issuer,
      "traefik.ingress.kubernetes.io/router.middlewares": "e-commerce-security-headers@kubernetescrd,e-commerce-rate-limit@kubernetescrd",
    });
  });

  test("every middleware an Ingress names exists, in the Ingress's namespace, and passes the CRD schema", async () => {
    const r = await stackRender(stack);
    const ingresses = r.kind("Ingress");
    expect(ingresses.length).toBe(2);
    for (const { inputs: ing } of ingresses) {
      const refs = middlewareRefs(ing);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        const mw = r.kind("Middleware", ing.metadata.namespace).find((m) => `${m.inputs.metadata.namespace}-${m.inputs.metadata.name}@kubernetescrd` === ref);
        expect({ ref, found: Boolean(mw) }).toEqual({ ref, found: true });
        expect(checkMiddleware(mw!.inputs)).toEqual([]);
      }
    }
  });

  test("the admin endpoints sit behind the IP allowlist, checked first, and share the certificate", async () => {
    const r = await stackRender(stack);
    const admin = r.find("Ingress", "api-gateway-admin-ingress", "e-commerce");
    expect(admin.spec.rules[0].http.paths).toEqual([
      { path: ADMIN_PATH, pathType: "Prefix", backend: { service: { name: "api-gateway", port: { number: 8100 } } } },
    ]);
    expect(admin.spec.tls).toEqual([{ hosts: [domain], secretName: "api-tls-cert" }]);
    expect(middlewareRefs(admin)[0]).toBe("e-commerce-admin-allowlist@kubernetescrd");
    expect(admin.metadata.annotations["traefik.ingress.kubernetes.io/router.entrypoints"]).toBe("websecure");
    // One Ingress owns the Certificate; two would fight over it.
    expect(admin.metadata.annotations[CLUSTER_ISSUER_ANNOTATION]).toBeUndefined();
    expect(r.find("Middleware", "admin-allowlist", "e-commerce").spec).toEqual({
      ipAllowList: { sourceRange: stackSetting(stack, "adminAllowedCidrs") },
    });
  });

  test("HSTS for a year on every response, and the per-IP rate limit of the stack", async () => {
    const r = await stackRender(stack);
    const headers = r.find("Middleware", "security-headers", "e-commerce").spec.headers;
    expect(headers).toEqual(expect.objectContaining({ stsSeconds: 31536000, stsIncludeSubdomains: true, forceSTSHeader: true }));
    const limit = r.find("Middleware", "rate-limit", "e-commerce").spec.rateLimit;
    expect(limit).toEqual({ average: stackSetting(stack, "rateLimitAverage"), burst: stackSetting(stack, "rateLimitBurst"), period: "1s" });
    // No sourceCriterion: Traefik uses the connection's remote address, the client's own here.
    expect(limit.sourceCriterion).toBeUndefined();
  });

  test("the Ingresses wait for Traefik, the issuer and their middlewares", async () => {
    const r = await stackRender(stack);
    const traefik = r.one("kubernetes:helm.sh/v4:Chart", "traefik").urn;
    const issuerUrn = r.kind("ClusterIssuer").find((i) => i.inputs.metadata.name === issuer)!.urn;
    for (const ing of r.kind("Ingress")) {
      const deps = r.dependsOnTransitively(ing.urn);
      expect(deps).toContain(traefik);
      expect(deps).toContain(issuerUrn);
      for (const mw of r.kind("Middleware", "e-commerce")) expect(deps).toContain(mw.urn);
    }
  });
});

describe("the Ingress follows the configuration and the catalog", () => {
  test("another issuer and other limits are applied as configured", async () => {
    const r = await changedIngress("prod");
    expect(r.find("Ingress", "api-gateway-ingress").metadata.annotations[CLUSTER_ISSUER_ANNOTATION]).toBe("selfsigned");
    expect(r.find("Middleware", "rate-limit").spec.rateLimit).toEqual({ average: 7, burst: 9, period: "1s" });
    expect(r.find("Middleware", "admin-allowlist").spec.ipAllowList.sourceRange).toEqual(ADMIN_CIDRS);
  });

  test("the backend is the catalog's gateway, whatever its port", async () => {
    const r = await changedIngress("dev");
    expect(r.kind("Ingress").length).toBeGreaterThan(0);
    for (const ing of r.kind("Ingress")) {
      expect(ing.inputs.spec.rules[0].http.paths[0].backend.service).toEqual({ name: "api-gateway", port: { number: GATEWAY_PORT } });
    }
  });
});
