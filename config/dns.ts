/**
 * DNS settings: the public Route 53 hosted zone the API's name lives in (the program writes the
 * domain's record there and cert-manager proves names by DNS-01 in it), and whether Traefik gets
 * a wildcard certificate for the domain's subdomains.
 */
import type { ConfigReader } from ".";
import { DNS_NAME } from "../lib/validate";

export interface DnsSettings {
  /**
   * DNS name of a public Route 53 hosted zone holding `ecommerce:domain`, or "" for none (HTTP-01
   * certificates, and the domain's record is the operator's).
   */
  readonly hostedZone: string;
  /** A cert-manager certificate for `*.<domain>` and `<domain>`, Traefik's default certificate. */
  readonly wildcardCertificate: boolean;
}

/** A zone name as Route 53 and cert-manager compare it: lower case, without the final dot. */
export function normalizeDnsName(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

/** Whether `name` is `zone` itself or a name inside it. */
export function isInZone(name: string, zone: string): boolean {
  const n = normalizeDnsName(name);
  const z = normalizeDnsName(zone);
  return z !== "" && (n === z || n.endsWith(`.${z}`));
}

/** The rules that relate the zone to the domain and to the wildcard certificate. */
export function dnsProblems(domain: string | undefined, s: Partial<DnsSettings>): string[] {
  const problems: string[] = [];
  const zone = s.hostedZone;
  if (zone && domain !== undefined && !isInZone(domain, zone)) {
    problems.push(
      `Configuration 'ecommerce:domain' ('${domain}') must be 'ecommerce:hostedZone' ('${zone}') or a name inside it: ` +
        `the program writes the domain's record in that zone and cert-manager proves the name there; set a zone that holds the domain, or "" for none`,
    );
  }
  if (s.wildcardCertificate === true && zone === "") {
    problems.push(
      `Configuration 'ecommerce:wildcardCertificate' true needs 'ecommerce:hostedZone': Let's Encrypt issues wildcard names by DNS-01 only, ` +
        `which cert-manager answers in the hosted zone; set the zone or set wildcardCertificate to false`,
    );
  }
  return problems;
}

/** `""` or a DNS name. */
const ZONE_NAME = new RegExp(`^$|${DNS_NAME.source}`);

export function readDns(r: ConfigReader, domain: string | undefined): DnsSettings {
  const settings: DnsSettings = {
    hostedZone: r.text("hostedZone", ZONE_NAME, `"" or the lower-case DNS name of a public Route 53 hosted zone, such as shop.example.com`),
    wildcardCertificate: r.boolean("wildcardCertificate"),
  };
  for (const problem of dnsProblems(domain, settings)) r.rule(false, problem);
  return settings;
}
