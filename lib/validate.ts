/**
 * Pure format checks shared by the configuration reader and the tools. Each returns `undefined`
 * when the value is acceptable, or a short phrase saying what is allowed.
 */
import * as ipaddr from "ipaddr.js";
import { cidrRange, intToIp, ipToInt } from "./ipv4";

/** RFC 1123 host name, at least two labels, lower case (what Let's Encrypt and Ingress accept). */
export const DNS_NAME = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** A pragmatic e-mail check: one `@`, a local part without spaces, and a DNS domain. */
export const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** EC2 instance type such as `m6i.large`, `t3.medium` or `c7g.2xlarge`. */
export const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

/** AWS region such as `eu-west-1` or `us-gov-west-1`. */
export const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Kubernetes quantity for storage, restricted to binary units people use for volumes. */
export const STORAGE_SIZE = /^[1-9][0-9]{0,5}(Mi|Gi|Ti)$/;

/** A DNS-1123 label, as Kubernetes names for Services and Namespaces. */
export const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
}

/** Parses an IPv4 CIDR in canonical form (host bits zero). */
export function parseIpv4Cidr(value: string): Cidr | string {
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(value)) {
    return "an IPv4 CIDR such as 10.0.0.0/16";
  }
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(value);
  } catch {
    return "an IPv4 CIDR such as 10.0.0.0/16";
  }
  const [addr, prefix] = parsed;
  if (addr.kind() !== "ipv4") {
    return "an IPv4 CIDR such as 10.0.0.0/16";
  }
  const network = ipaddr.IPv4.networkAddressFromCIDR(value).toString();
  if (network !== addr.toString()) {
    return `a network address with its host bits zero (did you mean ${network}/${prefix}?)`;
  }
  return { address: network, prefix };
}

/** Storage quantity in GiB (for comparisons); `undefined` for a malformed value. */
export function storageGiB(value: string): number | undefined {
  const m = /^(\d+)(Mi|Gi|Ti)$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === "Mi" ? n / 1024 : m[2] === "Ti" ? n * 1024 : n;
}

/**
 * The `index`-th block of `newPrefix` bits inside `cidr`. Throws when the block does not fit,
 * which configuration validation rules out before any resource is declared.
 */
export function subnetOf(cidr: string, newPrefix: number, index: number): string {
  const parsed = parseIpv4Cidr(cidr);
  if (typeof parsed === "string") throw new Error(`${cidr} is not ${parsed}`);
  const blocks = 2 ** (newPrefix - parsed.prefix);
  if (newPrefix < parsed.prefix || newPrefix > 28 || index < 0 || index >= blocks) {
    throw new Error(`block ${index} of /${newPrefix} does not fit in ${cidr}`);
  }
  const base = ipToInt(parsed.address)! + index * 2 ** (32 - newPrefix);
  return `${intToIp(base)}/${newPrefix}`;
}

/** True when the two IPv4 CIDRs share at least one address. */
export function cidrsOverlap(a: string, b: string): boolean {
  if (typeof parseIpv4Cidr(a) === "string" || typeof parseIpv4Cidr(b) === "string") return false;
  const ra = cidrRange(a)!;
  const rb = cidrRange(b)!;
  return ra.first <= rb.last && rb.first <= ra.last;
}
