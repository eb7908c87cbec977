/**
 * DNS-01 with Route 53, as cert-manager v1.21.1 does it: what its controller calls, the IAM policy
 * that allows exactly that in one hosted zone, and the ACME solvers of the ClusterIssuers.
 *
 * The Route 53 solver (`pkg/issuer/acme/dns/route53/route53.go` at v1.21.1) calls
 * `ChangeResourceRecordSets` (UPSERT in `Present`, DELETE in `CleanUp`, one TXT record set whose
 * set identifier is the challenge value, TTL 10: 250-259, 261-282, 360-370), then `GetChange` until
 * INSYNC (299-313); `ListHostedZonesByName` only when the solver has no `hostedZoneID` (316-330),
 * which these issuers always set. It calls STS only to assume a role named in the issuer or with a
 * web identity token (148-184): with EKS Pod Identity the SDK's default chain gets the credentials
 * from the Pod Identity agent (ambient credentials, 130-137), which ClusterIssuers may use by
 * default (`internal/apis/config/controller/v1alpha1/defaults.go` 68). cert-manager's
 * documentation (cert-manager/website `content/docs/configuration/acme/dns01/route53.md`, the
 * v1.21 pages: "Set up an IAM Policy", "EKS Pod Identity", "Region") lists the same calls plus
 * `ListResourceRecordSets`, which the v1.21.1 solver never calls, and allows dropping
 * `ListHostedZonesByName` when `hostedZoneID` is given; aws-sdk-go-v2 v1.42.0 / config v1.32.25
 * (go.mod at v1.21.1) read Pod Identity's container credentials.
 */
import type * as pulumi from "@pulumi/pulumi";
import { CERT_MANAGER_NAME } from "./chart";

/**
 * The controller's service account: the chart names it `cert-manager.fullname`, the release name
 * here (`deploy/charts/cert-manager/templates/_helpers.tpl` 13-35, `values.yaml` 249-251
 * `serviceAccount.create: true`, `templates/serviceaccount.yaml` 10).
 */
export const CERT_MANAGER_SERVICE_ACCOUNT = CERT_MANAGER_NAME;

/** How the ClusterIssuers prove a name: HTTP-01 through Traefik, or DNS-01 in a Route 53 zone. */
export type AcmeSolver =
  | { readonly kind: "http-01" }
  | {
      readonly kind: "dns-01";
      /** DNS name of the hosted zone (the solver's `dnsZones` selector). */
      readonly zone: string;
      /** Its Route 53 id (`Z...`). */
      readonly hostedZoneId: pulumi.Input<string>;
      /** The stack's region: a hint for the SDK's credential scope (Route 53 itself is global). */
      readonly region: string;
    };

export type AcmeChallenge = AcmeSolver["kind"];

/**
 * The name of the TXT record DNS-01 writes for a DNS name: `_acme-challenge.` and the name, a
 * wildcard's `*.` dropped (RFC 8555 section 8.4: a wildcard's authorization names the base domain;
 * cert-manager `pkg/issuer/acme/dns/util/dns.go` 21-22), lower case, without the final dot, as IAM's normalized record names are.
 */
export function acmeChallengeRecordName(dnsName: string): string {
  return `_acme-challenge.${dnsName.toLowerCase().replace(/\.$/, "").replace(/^\*\./, "")}`;
}

export interface Route53PolicyScope {
  readonly partition: string;
  /** Route 53 id of the hosted zone, without `/hostedzone/`. */
  readonly hostedZoneId: string;
  /** The DNS names certificates are requested for (`<domain>`, and `*.<domain>` with the wildcard). */
  readonly dnsNames: readonly string[];
}

/**
 * cert-manager's Route 53 permissions narrowed to the zone and to the challenge records: only
 * TXT records named `_acme-challenge.<name>`, only created, replaced or deleted (IAM condition keys
 * `route53:ChangeResourceRecordSetsNormalizedRecordNames`, `...RecordTypes`, `...Actions`, Service
 * Authorization Reference "Amazon Route 53"). `GetChange` takes change ids, unknown beforehand.
 */
export function certManagerRoute53Policy(s: Route53PolicyScope): Record<string, unknown> {
  const names = [...new Set(s.dnsNames.map(acmeChallengeRecordName))].sort();
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ChallengeRecords",
        Effect: "Allow",
        Action: "route53:ChangeResourceRecordSets",
        Resource: `arn:${s.partition}:route53:::hostedzone/${s.hostedZoneId}`,
        Condition: {
          "ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
            "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
            "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE"],
          },
        },
      },
      { Sid: "ChangeStatus", Effect: "Allow", Action: "route53:GetChange", Resource: `arn:${s.partition}:route53:::change/*` },
    ],
  };
}

/** Challenges are answered on port 80 only, where Let's Encrypt asks. */
export const HTTP01_ENTRYPOINT_ANNOTATION = { "traefik.ingress.kubernetes.io/router.entrypoints": "web" } as const;

/**
 * The ACME solvers of a Let's Encrypt ClusterIssuer. DNS-01 is selected for the zone's names
 * (`CertificateDNSNameSelector.dnsZones` matches the zone and its subdomains,
 * `pkg/apis/acme/v1/types_issuer.go` 205-233), with the zone's id and the region
 * (`ACMEIssuerDNS01ProviderRoute53` `hostedZoneID`, `region`: 660, 686); without a zone, HTTP-01
 * through Traefik's class.
 */
export function acmeSolvers(solver: AcmeSolver, ingressClassName: string): Record<string, unknown>[] {
  if (solver.kind === "dns-01") {
    return [{ selector: { dnsZones: [solver.zone] }, dns01: { route53: { hostedZoneID: solver.hostedZoneId, region: solver.region } } }];
  }
  return [{ http01: { ingress: { ingressClassName, ingressTemplate: { metadata: { annotations: { ...HTTP01_ENTRYPOINT_ANNOTATION } } } } } }];
}
