/**
 * IPv4 addresses and CIDRs as integer intervals, on ipaddr.js: containment, `except` subtraction
 * and overlap. The one place the project converts addresses; configuration checks and the flow
 * analyzer both use it.
 */
import * as ipaddr from "ipaddr.js";

/** Inclusive range of IPv4 addresses as unsigned integers. */
export interface Range {
  readonly first: number;
  readonly last: number;
}

function toInt(addr: ipaddr.IPv4): number {
  return addr.toByteArray().reduce((acc, octet) => acc * 256 + octet, 0);
}

/**
 * Parsed CIDRs and addresses by their text. Policies name a few dozen blocks and the model a few
 * hundred addresses, and the flow matrix asks about each of them hundreds of thousands of times;
 * parsing is pure, so each text is parsed once.
 */
const parsedCidrs = new Map<string, Range | undefined>();
const parsedIps = new Map<string, number | undefined>();

/** The addresses of an IPv4 CIDR, or undefined when it is not one (IPv6 blocks never match IPv4 pods). */
export function cidrRange(cidr: string): Range | undefined {
  if (!parsedCidrs.has(cidr)) parsedCidrs.set(cidr, parseCidr(cidr));
  return parsedCidrs.get(cidr);
}

function parseCidr(cidr: string): Range | undefined {
  try {
    const [addr, prefix] = ipaddr.parseCIDR(cidr);
    if (addr.kind() !== "ipv4") return undefined;
    const size = 2 ** (32 - prefix);
    const first = Math.floor(toInt(addr as ipaddr.IPv4) / size) * size;
    return { first, last: first + size - 1 };
  } catch {
    return undefined;
  }
}

export function ipToInt(ip: string): number | undefined {
  if (!parsedIps.has(ip)) parsedIps.set(ip, ipaddr.IPv4.isValidFourPartDecimal(ip) ? toInt(ipaddr.IPv4.parse(ip)) : undefined);
  return parsedIps.get(ip);
}

export function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

export function inRange(value: number, r: Range): boolean {
  return value >= r.first && value <= r.last;
}

/** `ipBlock` semantics: inside `cidr` and inside none of `except`. */
export function ipInBlock(ip: string, cidr: string, except: readonly string[] = []): boolean {
  const value = ipToInt(ip);
  const block = cidrRange(cidr);
  if (value === undefined || block === undefined || !inRange(value, block)) return false;
  return !except.some((e) => {
    const r = cidrRange(e);
    return r !== undefined && inRange(value, r);
  });
}

/** `ranges` minus `holes`, as sorted disjoint ranges. */
export function subtractRanges(ranges: readonly Range[], holes: readonly Range[]): Range[] {
  let out = [...ranges];
  for (const h of holes) {
    out = out.flatMap((r) => {
      if (h.last < r.first || h.first > r.last) return [r];
      const parts: Range[] = [];
      if (h.first > r.first) parts.push({ first: r.first, last: h.first - 1 });
      if (h.last < r.last) parts.push({ first: h.last + 1, last: r.last });
      return parts;
    });
  }
  return out.sort((a, b) => a.first - b.first);
}

/** The parts of `a` that are also in `b`. */
export function intersectRanges(a: readonly Range[], b: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const x of a) {
    for (const y of b) {
      const first = Math.max(x.first, y.first);
      const last = Math.min(x.last, y.last);
      if (first <= last) out.push({ first, last });
    }
  }
  return out.sort((p, q) => p.first - q.first);
}

/** `10.0.0.0-10.0.255.255` or a single address, for messages. */
export function formatRange(r: Range): string {
  return r.first === r.last ? intToIp(r.first) : `${intToIp(r.first)}-${intToIp(r.last)}`;
}
