/**
 * The render of the domain's record, cert-manager's Route 53 role and DNS-01 issuers, and the
 * wildcard certificate Traefik serves. dev has no hosted zone (HTTP-01, no record); staging and
 * prod have one (DNS-01, the record, the wildcard). Each check is a function returning problems,
 * fed a deliberately broken copy once so that it is known to bite.
 * Upstream: cert-manager v1.21.1 `pkg/issuer/acme/dns/route53/route53.go`, `deploy/charts/cert-manager/templates/_helpers.tpl` 13-35;
 * traefik v3.7.9 `pkg/tls/tlsmanager.go` 272-292; Route 53 API `AliasTarget`.
 */
import { isDeepStrictEqual } from "util";
import { CERT_MANAGER_SERVICE_ACCOUNT } from "../../../components/ingress/cert-manager/dns01";
import { TRAEFIK_NAME } from "../../../components/ingress/traefik/chart";
import { TLS_STORE, WILDCARD_CERTIFICATE, WILDCARD_TLS_SECRET } from "../../../components/ingress/wildcard";
import { crdCheck } from "../../../lib/schema-check";
import type { Rendered, RecordedResource } from "../../../tools/render/engine";
import { LOAD_BALANCER_ZONES, mockHostedZoneId } from "../../../tools/render/mocks";
import { CHART_TYPE } from "./helpers";
import { STACKS, StackName, stackRun, stackSetting } from "../../harness";

const RECORD = "aws:route53/record:Record";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation";
const checkIssuer = crdCheck("cert-manager/crds/cert-manager.io_clusterissuers.yaml");
const checkCertificate = crdCheck("cert-manager/crds/cert-manager.io_certificates.yaml");
const checkStore = crdCheck("traefik/crds/traefik.io_tlsstores.yaml");

const zoneOf = (stack: StackName) => stackSetting<string>(stack, "hostedZone");
const domainOf = (stack: StackName) => stackSetting<string>(stack, "domain");
const ZONED = STACKS.filter((s) => zoneOf(s) !== "");

/** The alias record: the domain, A, to the Traefik Service's host name in the region's NLB zone, health evaluated. */
function recordProblems(record: RecordedResource, stack: StackName, nlbHostname: string): string[] {
  const p: string[] = [];
  const i = record.inputs;
  if (i.name !== domainOf(stack) || i.type !== "A") p.push(`record is ${i.type} ${i.name}, expected A ${domainOf(stack)}`);
  if (i.zoneId !== mockHostedZoneId(zoneOf(stack))) p.push(`record is in zone ${i.zoneId}, not ${zoneOf(stack)}'s`);
  const alias = i.aliases?.[0] ?? {};
  if (i.aliases?.length !== 1) p.push(`record has ${i.aliases?.length ?? 0} alias targets`);
  if (alias.name !== nlbHostname) p.push(`alias target ${alias.name} is not the Traefik Service's host name ${nlbHostname}`);
  if (alias.zoneId !== LOAD_BALANCER_ZONES[stackSetting<string>(stack, "aws:region")].network) p.push(`alias zone ${alias.zoneId} is not the region's NLB zone`);
  if (alias.evaluateTargetHealth !== true) p.push("target health is not evaluated");
  if (i.ttl !== undefined || i.records !== undefined) p.push("an alias record has no TTL or records of its own");
  return p;
}

/** The role: Pod Identity for cert-manager's controller only; its policy: the zone's challenge TXT records and GetChange. */
function credentialProblems(r: Rendered, stack: StackName): string[] {
  const p: string[] = [];
  const trust = JSON.parse(r.one(ROLE, "dns-cert-manager").inputs.assumeRolePolicy).Statement;
  const conditions = trust[0]?.Condition?.StringEquals ?? {};
  if (trust.length !== 1 || trust[0].Principal?.Service !== "pods.eks.amazonaws.com") p.push("the role is not trusted by Pod Identity alone");
  if (conditions["aws:RequestTag/kubernetes-namespace"] !== "cert-manager" || conditions["aws:RequestTag/kubernetes-service-account"] !== CERT_MANAGER_SERVICE_ACCOUNT) {
    p.push(`the trust names ${conditions["aws:RequestTag/kubernetes-namespace"]}/${conditions["aws:RequestTag/kubernetes-service-account"]}`);
  }
  if (conditions["aws:RequestTag/eks-cluster-name"] !== stackSetting(stack, "clusterName")) p.push("the trust does not name the cluster");
  const statements = JSON.parse(r.one(ROLE_POLICY, "dns-cert-manager-route53").inputs.policy).Statement;
  const change = statements.find((s: any) => s.Action === "route53:ChangeResourceRecordSets");
  if (change?.Resource !== `arn:aws:route53:::hostedzone/${mockHostedZoneId(zoneOf(stack))}`) p.push(`changes allowed on ${change?.Resource}`);
  const c = change?.Condition?.["ForAllValues:StringEquals"] ?? {};
  if (JSON.stringify(c["route53:ChangeResourceRecordSetsNormalizedRecordNames"]) !== JSON.stringify([`_acme-challenge.${domainOf(stack)}`])) p.push("record names not limited to the challenge");
  if (JSON.stringify(c["route53:ChangeResourceRecordSetsRecordTypes"]) !== '["TXT"]') p.push("record types not limited to TXT");
  if (JSON.stringify(c["route53:ChangeResourceRecordSetsActions"]) !== '["UPSERT","DELETE"]') p.push("actions not limited to UPSERT and DELETE");
  const others = statements.filter((s: any) => s !== change).map((s: any) => `${s.Action} ${s.Resource}`);
  if (JSON.stringify(others) !== JSON.stringify(["route53:GetChange arn:aws:route53:::change/*"])) p.push(`other statements: ${others.join(", ")}`);
  const association = r.one(ASSOCIATION, "dns-cert-manager");
  if (association.inputs.namespace !== "cert-manager" || association.inputs.serviceAccount !== CERT_MANAGER_SERVICE_ACCOUNT) p.push("the association names another service account");
  // EKS injects the credentials' environment when a pod is created: the controller must start after.
  if (!r.one(CHART_TYPE, "cert-manager").dependsOn.includes(association.urn)) p.push("cert-manager's chart does not wait for the association");
  return p;
}

/** Both Let's Encrypt issuers solve DNS-01 for the zone with its id, and nothing else. */
function issuerProblems(issuer: Record<string, any>, stack: StackName): string[] {
  const solvers = issuer.spec.acme.solvers;
  const expected = [{ selector: { dnsZones: [zoneOf(stack)] }, dns01: { route53: { hostedZoneID: mockHostedZoneId(zoneOf(stack)), region: stackSetting(stack, "aws:region") } } }];
  return [...checkIssuer(issuer), ...(isDeepStrictEqual(solvers, expected) ? [] : [`solvers ${JSON.stringify(solvers)}`])];
}

function wildcardProblems(r: Rendered, stack: StackName): string[] {
  const cert = r.find("Certificate", WILDCARD_CERTIFICATE, "traefik");
  const store = r.find("TLSStore", TLS_STORE, "traefik");
  const p = [...checkCertificate(cert), ...checkStore(store)];
  if (JSON.stringify(cert.spec.dnsNames) !== JSON.stringify([`*.${domainOf(stack)}`, domainOf(stack)])) p.push(`names ${cert.spec.dnsNames}`);
  if (cert.spec.issuerRef?.name !== stackSetting(stack, "certIssuer") || cert.spec.issuerRef?.kind !== "ClusterIssuer") p.push("not signed by the stack's ClusterIssuer");
  if (cert.spec.secretName !== WILDCARD_TLS_SECRET || store.spec.defaultCertificate?.secretName !== cert.spec.secretName) p.push("the store's default is not the certificate's Secret");
  if (!store.spec.certificates?.some((c: any) => c.secretName === cert.spec.secretName)) p.push("under sniStrict the store must list the certificate");
  return p;
}

describe.each(ZONED)("the domain in its hosted zone: %s", (stack) => {
  test("an alias A record of the domain to the NLB, from the Traefik Service's status host name, after Traefik's chart", async () => {
    const { rendered: r, outputs } = await stackRun(stack);
    const record = r.one(RECORD);
    expect(recordProblems(record, stack, outputs.ingressEndpoint)).toEqual([]);
    expect(outputs.ingressEndpoint).toMatch(/\.elb\.eu-west-1\.amazonaws\.com$/);
    expect(record.dependsOn).toContain(r.one(CHART_TYPE, TRAEFIK_NAME).urn);
    expect(outputs.dnsRecord).toBe(`${domainOf(stack)} A alias to ${outputs.ingressEndpoint} in ${zoneOf(stack)} (${mockHostedZoneId(zoneOf(stack))})`);
  });

  test("cert-manager's role: Pod Identity for its controller, the zone's challenge records only", async () => {
    expect(credentialProblems((await stackRun(stack)).rendered, stack)).toEqual([]);
  });

  test("both Let's Encrypt issuers solve DNS-01 in the zone; the self check asks the cluster DNS only", async () => {
    const r = (await stackRun(stack)).rendered;
    for (const name of ["letsencrypt-staging", "letsencrypt-prod"]) expect(issuerProblems(r.find("ClusterIssuer", name), stack)).toEqual([]);
    expect(r.one(CHART_TYPE, "cert-manager").inputs.values.dns01RecursiveNameserversOnly).toBe(true);
  });

  test("the wildcard certificate and Traefik's default store pass their CRDs and serve *.<domain>", async () => {
    const r = (await stackRun(stack)).rendered;
    expect(wildcardProblems(r, stack)).toEqual([]);
    const cert = r.kind("Certificate").find((c) => c.inputs.metadata.name === WILDCARD_CERTIFICATE)!;
    expect(cert.dependsOn).toEqual(expect.arrayContaining([r.one(CHART_TYPE, "cert-manager").urn]));
  });
});

describe("dev, without a hosted zone", () => {
  test("no record, no Route 53 role, HTTP-01 issuers, no wildcard; the output says the record is the operator's", async () => {
    const { rendered: r, outputs } = await stackRun("dev");
    expect(zoneOf("dev")).toBe("");
    expect(r.ofType(RECORD)).toEqual([]);
    expect(r.ofType(ROLE).filter((x) => x.name.includes("cert-manager"))).toEqual([]);
    expect(r.ofType(ASSOCIATION).filter((x) => x.inputs.namespace === "cert-manager")).toEqual([]);
    expect(r.find("ClusterIssuer", "letsencrypt-prod").spec.acme.solvers[0].http01).toBeDefined();
    expect(r.kind("Certificate")).toEqual([]);
    expect(r.kind("TLSStore")).toEqual([]);
    expect(r.one(CHART_TYPE, "cert-manager").inputs.values.dns01RecursiveNameserversOnly).toBeUndefined();
    expect(outputs.dnsRecord).toMatch(/^none: no ecommerce:hostedZone/);
  });
});

describe("each check bites on a broken copy", () => {
  test("the record: an ALB zone, no health, a CNAME-like TTL", async () => {
    const { rendered: r, outputs } = await stackRun("prod");
    const record = structuredClone(r.one(RECORD));
    record.inputs.aliases[0] = { ...record.inputs.aliases[0], zoneId: LOAD_BALANCER_ZONES["eu-west-1"].application, evaluateTargetHealth: false };
    record.inputs.ttl = 300;
    expect(recordProblems(record, "prod", outputs.ingressEndpoint)).toEqual([
      "alias zone Z32O12XQLNTSW2 is not the region's NLB zone",
      "target health is not evaluated",
      "an alias record has no TTL or records of its own",
    ]);
  });

  test("the role: every record name, a second service account, no wait in the chart", async () => {
    const r = (await stackRun("prod")).rendered;
    const broken = new (r.constructor as typeof Rendered)(
      r.resources.map((x) => {
        if (x.type === ROLE_POLICY && x.name === "dns-cert-manager-route53") {
          const doc = JSON.parse(x.inputs.policy);
          delete doc.Statement[0].Condition["ForAllValues:StringEquals"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"];
          doc.Statement.push({ Effect: "Allow", Action: "route53:ListHostedZonesByName", Resource: "*" });
          return { ...x, inputs: { ...x.inputs, policy: JSON.stringify(doc) } };
        }
        if (x.type === CHART_TYPE && x.name === "cert-manager") return { ...x, dependsOn: x.dependsOn.filter((d) => !d.includes("podIdentityAssociation")) };
        return x;
      }),
    );
    expect(credentialProblems(broken, "prod")).toEqual([
      "record names not limited to the challenge",
      "other statements: route53:GetChange arn:aws:route53:::change/*, route53:ListHostedZonesByName *",
      "cert-manager's chart does not wait for the association",
    ]);
  });

  test("the issuers: a misspelled zone id field, and an HTTP-01 solver left beside DNS-01", async () => {
    const issuer = structuredClone((await stackRun("prod")).rendered.find("ClusterIssuer", "letsencrypt-prod"));
    issuer.spec.acme.solvers[0].dns01.route53.hostedZoneId = issuer.spec.acme.solvers[0].dns01.route53.hostedZoneID;
    issuer.spec.acme.solvers.push({ http01: { ingress: { ingressClassName: "traefik" } } });
    const problems = issuerProblems(issuer, "prod").join("\n");
    expect(problems).toMatch(/route53 must NOT have additional properties 'hostedZoneId'/);
    expect(problems).toMatch(/^solvers /m);
  });

  test("the wildcard: a store without the certificate, a misspelled field", async () => {
    const r = (await stackRun("prod")).rendered;
    const broken = new (r.constructor as typeof Rendered)(
      r.resources.map((x) =>
        x.inputs.kind === "TLSStore" ? { ...x, inputs: { ...x.inputs, spec: { defaultCertificate: { secretName: WILDCARD_TLS_SECRET }, defaultCertficate: {} } } } : x,
      ),
    );
    const problems = wildcardProblems(broken, "prod").join("\n");
    expect(problems).toMatch(/additional properties 'defaultCertficate'/);
    expect(problems).toMatch(/under sniStrict the store must list the certificate/);
  });
});
