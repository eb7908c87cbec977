/**
 * The pure builders of the domain's record, cert-manager's DNS-01 and the wildcard certificate,
 * and the configuration rules relating the hosted zone to the domain.
 * Upstream: cert-manager v1.21.1 (`pkg/issuer/acme/dns/route53/route53.go`, `pkg/issuer/acme/dns/util/wait.go`,
 * `deploy/charts/cert-manager/templates/deployment.yaml`), traefik v3.7.9 (`pkg/tls/tlsmanager.go`).
 */
import { certManagerValues } from "../../components/ingress/cert-manager/chart";
import { acmeChallengeRecordName, acmeSolvers, certManagerRoute53Policy, CERT_MANAGER_SERVICE_ACCOUNT } from "../../components/ingress/cert-manager/dns01";
import * as pulumi from "@pulumi/pulumi";
import { EdgeDns, aliasRecordArgs, certificateDnsNames } from "../../components/ingress/dns";
import { renderComponent } from "../harness";
import { TLS_STORE, WILDCARD_TLS_SECRET, tlsStoreSpec, wildcardCertificateSpec } from "../../components/ingress/wildcard";
import { dnsProblems, isInZone } from "../../config/dns";
import { profileRows } from "../../catalog/resource-profiles";
import { crdCheck } from "../../lib/schema-check";
import { valuesAt } from "../../tools/netpol/chart-workloads";
import { LOAD_BALANCER_ZONES, mockCall, mockHostedZoneId } from "../../tools/render/mocks";

describe("the hosted zone and the domain", () => {
  test.each([
    ["api.shop.example.com", "shop.example.com", true],
    ["shop.example.com", "shop.example.com", true],
    ["API.Shop.Example.com.", "shop.example.com", true],
    ["api.shop.example.com", "example.com", true],
    ["api.myshop.example.com", "shop.example.com", false],
    ["shop.example.com", "api.shop.example.com", false],
    ["api.shop.example.com", "", false],
  ])("%s in %s: %s", (name, zone, inside) => {
    expect(isInZone(name, zone)).toBe(inside);
  });

  test("a domain outside the zone is refused, naming both keys and values", () => {
    expect(dnsProblems("api.shop.example.com", { hostedZone: "shop.example.net", wildcardCertificate: false })).toEqual([
      expect.stringMatching(/'ecommerce:domain' \('api.shop.example.com'\) must be 'ecommerce:hostedZone' \('shop.example.net'\) or a name inside it/),
    ]);
  });

  test("a wildcard certificate needs a zone; none is fine without one, and both are fine with one", () => {
    expect(dnsProblems("api.dev.example.com", { hostedZone: "", wildcardCertificate: true })).toEqual([
      expect.stringMatching(/'ecommerce:wildcardCertificate' true needs 'ecommerce:hostedZone'.*DNS-01/),
    ]);
    expect(dnsProblems("api.dev.example.com", { hostedZone: "", wildcardCertificate: false })).toEqual([]);
    expect(dnsProblems("api.shop.example.com", { hostedZone: "shop.example.com", wildcardCertificate: true })).toEqual([]);
  });
});

describe("cert-manager's Route 53 permissions", () => {
  const policy = certManagerRoute53Policy({ partition: "aws", hostedZoneId: "Z0123456789ABCDEFGHIJ", dnsNames: ["*.api.shop.example.com", "api.shop.example.com"] }) as any;
  const [change, status] = policy.Statement;

  test("the challenge TXT records of the domain only, created, replaced or deleted, in this zone only", () => {
    expect(change.Action).toBe("route53:ChangeResourceRecordSets");
    expect(change.Resource).toBe("arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ");
    // A wildcard and its base domain are proved at the same name.
    expect(change.Condition["ForAllValues:StringEquals"]).toEqual({
      "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.api.shop.example.com"],
      "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
      "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE"],
    });
  });

  test("GetChange for the solver's wait until INSYNC (route53.go 299-313); no zone listing: the issuers give the zone's id", () => {
    expect(status).toEqual(expect.objectContaining({ Action: "route53:GetChange", Resource: "arn:aws:route53:::change/*" }));
    const actions = policy.Statement.flatMap((s: any) => [s.Action].flat());
    expect(actions.sort()).toEqual(["route53:ChangeResourceRecordSets", "route53:GetChange"]);
    expect(JSON.stringify(policy)).not.toMatch(/ListHostedZonesByName|"\*"/);
  });

  test("record names are normalized as IAM compares them", () => {
    expect(acmeChallengeRecordName("*.API.Shop.example.com.")).toBe("_acme-challenge.api.shop.example.com");
  });

  test("the controller's service account is the chart's release name", () => {
    expect(CERT_MANAGER_SERVICE_ACCOUNT).toBe("cert-manager");
  });
});

describe("the ClusterIssuers' solvers", () => {
  test("with a zone: DNS-01 with Route 53, selected for the zone, with its id and the region; no HTTP-01", () => {
    const solvers = acmeSolvers({ kind: "dns-01", zone: "shop.example.com", hostedZoneId: "Z1", region: "eu-west-1" }, "traefik");
    expect(solvers).toEqual([{ selector: { dnsZones: ["shop.example.com"] }, dns01: { route53: { hostedZoneID: "Z1", region: "eu-west-1" } } }]);
  });

  test("without one: HTTP-01 through the traefik class, on the web entry point", () => {
    expect(acmeSolvers({ kind: "http-01" }, "traefik")).toEqual([
      { http01: { ingress: { ingressClassName: "traefik", ingressTemplate: { metadata: { annotations: { "traefik.ingress.kubernetes.io/router.entrypoints": "web" } } } } } },
    ]);
  });

  test("the DNS-01 self check asks the recursive servers only (the cluster DNS); HTTP-01 leaves the chart's default", () => {
    const rows = profileRows("small");
    const resources = { controller: rows.certManagerController, webhook: rows.certManagerWebhook, cainjector: rows.certManagerCainjector };
    expect(certManagerValues({ replicas: 1, resources, challenge: "dns-01" })).toEqual(expect.objectContaining({ dns01RecursiveNameserversOnly: true }));
    const http = certManagerValues({ replicas: 1, resources, challenge: "http-01" });
    expect(http.dns01RecursiveNameserversOnly).toBeUndefined();
    // No list of servers: the pod's resolv.conf, the cluster DNS (wait.go 54-83); never a third party's.
    expect(certManagerValues({ replicas: 1, resources, challenge: "dns-01" }).dns01RecursiveNameservers).toBeUndefined();
  });
});

describe("the domain's record", () => {
  test("an alias A record to the NLB, in its canonical zone, evaluating the target's health", () => {
    expect(aliasRecordArgs({ domain: "api.shop.example.com", zoneId: "Z1", target: "nlb.elb.eu-west-1.amazonaws.com", targetZoneId: "Z2IFOLAFXWLO4F" })).toEqual({
      zoneId: "Z1",
      name: "api.shop.example.com",
      type: "A",
      aliases: [{ name: "nlb.elb.eu-west-1.amazonaws.com", zoneId: "Z2IFOLAFXWLO4F", evaluateTargetHealth: true }],
    });
  });

  test("certificates name the domain, and its wildcard when configured", () => {
    expect(certificateDnsNames("api.shop.example.com", false)).toEqual(["api.shop.example.com"]);
    expect(certificateDnsNames("api.shop.example.com", true)).toEqual(["*.api.shop.example.com", "api.shop.example.com"]);
  });
});

describe("a hosted zone with node ports", () => {
  // Accepted: DNS-01 and the wildcard need no load balancer; the record does, and the program knows no front door.
  test("DNS-01 credentials but no record, and the output says the record is the operator's", async () => {
    let description: pulumi.Output<string> | undefined;
    let solver: EdgeDns["solver"] | undefined;
    const r = await renderComponent(() => {
      const dns = new EdgeDns("dns", {
        settings: { hostedZone: "shop.example.com", wildcardCertificate: true },
        domain: "api.shop.example.com",
        region: "eu-west-1",
        serviceType: "NodePort",
        clusterName: "c",
        clusterResourceName: "c",
      });
      description = dns.recordDescription;
      solver = dns.solver;
    });
    expect(r.ofType("aws:route53/record:Record")).toEqual([]);
    expect(r.ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation")).toHaveLength(1);
    expect(solver).toEqual(expect.objectContaining({ kind: "dns-01", zone: "shop.example.com" }));
    const text = await new Promise<string>((resolve) => description!.apply(resolve));
    expect(text).toBe("none: node ports; point api.shop.example.com in shop.example.com at your front door yourself");
  });
});

describe("the wildcard certificate and Traefik's default store, against their vendored CRDs", () => {
  const checkCertificate = crdCheck("cert-manager/crds/cert-manager.io_certificates.yaml");
  const checkStore = crdCheck("traefik/crds/traefik.io_tlsstores.yaml");
  const certificate = { apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: "wildcard", namespace: "traefik" }, spec: wildcardCertificateSpec("api.shop.example.com", "letsencrypt-prod") };
  const store = { apiVersion: "traefik.io/v1alpha1", kind: "TLSStore", metadata: { name: TLS_STORE, namespace: "traefik" }, spec: tlsStoreSpec() };

  test("both pass", () => {
    expect(checkCertificate(certificate)).toEqual([]);
    expect(checkStore(store)).toEqual([]);
  });

  test("the store serves the Secret as its default and, for sniStrict, as one of its certificates (tlsmanager.go 272-292)", () => {
    expect(tlsStoreSpec()).toEqual({ defaultCertificate: { secretName: WILDCARD_TLS_SECRET }, certificates: [{ secretName: WILDCARD_TLS_SECRET }] });
  });

  test("misspelled fields fail the checks, so they are known to bite", () => {
    const badCert = structuredClone(certificate) as any;
    badCert.spec.dnsName = badCert.spec.dnsNames;
    delete badCert.spec.secretName;
    expect(checkCertificate(badCert).join("\n")).toMatch(/must have required property 'secretName'[\s\S]*additional properties 'dnsName'/);
    const badStore = structuredClone(store) as any;
    badStore.spec.defaultCertificate = { secret: WILDCARD_TLS_SECRET };
    expect(checkStore(badStore).join("\n")).toMatch(/defaultCertificate must have required property 'secretName'/);
  });
});

describe("the mock engine's DNS invokes", () => {
  test("a public zone by name: its id, the name without the final dot, four name servers", () => {
    const zone = mockCall({ token: "aws:route53/getZone:getZone", inputs: { name: "shop.example.com.", privateZone: false } } as any, { region: "eu-west-1" });
    expect(zone).toEqual(expect.objectContaining({ zoneId: mockHostedZoneId("shop.example.com"), name: "shop.example.com", privateZone: false }));
    expect(zone.zoneId).toMatch(/^Z[0-9A-Z]{20}$/);
    expect(zone.nameServers).toHaveLength(4);
    expect(() => mockCall({ token: "aws:route53/getZone:getZone", inputs: { name: "shop.example.com", privateZone: true } } as any, { region: "eu-west-1" })).toThrow(/public zones/);
  });

  test("the NLB's canonical zone of the region, and a refusal for a region it does not know", () => {
    const zone = mockCall({ token: "aws:lb/getHostedZoneId:getHostedZoneId", inputs: { loadBalancerType: "network", region: "eu-west-1" } } as any, { region: "eu-west-1" });
    expect(zone.id).toBe(LOAD_BALANCER_ZONES["eu-west-1"].network);
    expect(() => mockCall({ token: "aws:lb/getHostedZoneId:getHostedZoneId", inputs: { loadBalancerType: "network" } } as any, { region: "ap-south-2" })).toThrow(/ap-south-2/);
  });
});

describe("values at a path", () => {
  test("steps into objects and every item of a list", () => {
    const issuer = { spec: { acme: { solvers: [{ dns01: {} }, { http01: { ingress: {} } }] } } };
    expect(valuesAt(issuer, "spec.acme.solvers[].http01")).toEqual([{ ingress: {} }]);
    expect(valuesAt({ spec: { acme: { solvers: [{ dns01: {} }] } } }, "spec.acme.solvers[].http01")).toEqual([]);
    expect(valuesAt({ spec: { selfSigned: {} } }, "spec.acme.solvers[].http01")).toEqual([]);
  });
});
