/**
 * The committed stack files carry example values (RFC 2606 domains, RFC 5737 documentation
 * ranges, the documentation AWS account 123456789012) so that the offline render and the tests
 * run as they are. A real preview or update must not deploy them: each one left is reported by
 * key, with what belongs there.
 */
import * as ipaddr from "ipaddr.js";
import * as pulumi from "@pulumi/pulumi";
import { pgpUserIds } from "../lib/pgp";

/** The account number AWS's own documentation uses in example ARNs. */
export const EXAMPLE_ACCOUNT = "123456789012";

/** Domains reserved for documentation (RFC 2606 section 3, RFC 6761 section 6.5). */
export const EXAMPLE_DOMAINS = ["example.com", "example.net", "example.org", "example"] as const;

/** IPv4 blocks reserved for documentation (RFC 5737 section 3). */
export const DOCUMENTATION_RANGES = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"] as const;

export function isExampleDomain(name: string): boolean {
  const host = name.toLowerCase().replace(/\.$/, "");
  return EXAMPLE_DOMAINS.some((d) => host === d || host.endsWith(`.${d}`));
}

/** Whether a CIDR lies inside (or covers only) a documentation range. */
export function isDocumentationCidr(cidr: string): boolean {
  try {
    const [address, prefix] = ipaddr.parseCIDR(cidr);
    return DOCUMENTATION_RANGES.some((range) => {
      const [net, bits] = ipaddr.parseCIDR(range);
      return prefix >= bits && address.kind() === net.kind() && address.match(net, bits);
    });
  } catch {
    return false;
  }
}

type Value = string | readonly string[] | undefined;

/** One kind of example value: how to spot it in a key's value, and what to put there instead. */
interface PlaceholderRule {
  readonly keys: readonly string[];
  readonly isExample: (value: string) => boolean;
  readonly replaceWith: string;
}

const hostOf = (value: string) => value.split("/")[0].split("@").pop() ?? value;

/** A PGP key whose every user ID is a mail address at an example domain (the stack files' placeholder key). */
export function isExamplePgpKey(value: string): boolean {
  const mails = pgpUserIds(value).map((id) => /<([^>]+)>/.exec(id)?.[1] ?? id);
  return mails.length > 0 && mails.every((m) => isExampleDomain(hostOf(m)));
}

export const PLACEHOLDER_RULES: readonly PlaceholderRule[] = [
  {
    keys: ["adminRoleArn", "operatorRoleArn", "developerRoleArn"],
    isExample: (v) => v.split(":")[4] === EXAMPLE_ACCOUNT,
    replaceWith: "the ARN of an IAM role of your AWS account (arn:aws:iam::<account>:role/<name>), or \"\" where the key allows none",
  },
  {
    keys: ["domain"],
    isExample: isExampleDomain,
    replaceWith: "the API's host name in a DNS zone you control",
  },
  {
    keys: ["hostedZone"],
    isExample: isExampleDomain,
    replaceWith: "the DNS name of a public Route 53 hosted zone of your account that holds ecommerce:domain, or \"\" for none",
  },
  {
    keys: ["acmeEmail", "backupAlertEmail"],
    isExample: (v) => isExampleDomain(hostOf(v)),
    replaceWith: "a mailbox of your team (Let's Encrypt's expiry notices, failed backup jobs), or \"\" where the key allows none",
  },
  {
    keys: ["imageRegistry"],
    isExample: (v) => isExampleDomain(hostOf(v)),
    replaceWith: "the registry and path holding the service images, such as <account>.dkr.ecr.<region>.amazonaws.com/ecommerce",
  },
  {
    keys: ["apiPublicAccessCidrs", "adminAllowedCidrs", "ingressSourceRanges"],
    isExample: isDocumentationCidr,
    replaceWith: "the public CIDRs that may connect (your office, VPN or CI egress ranges)",
  },
  {
    keys: ["vaultRecoveryPgpKeys"],
    isExample: isExamplePgpKey,
    replaceWith: "your operators' PGP public keys (gpg --export <key id> | base64 -w0), one per operator, before Vault is first initialised",
  },
];

/**
 * One message per key that still holds an example value. `values` maps a key (without the
 * `ecommerce:` prefix) to what the stack set; keys not given are not checked.
 */
export function placeholderProblems(values: Readonly<Record<string, Value>>): string[] {
  const problems: string[] = [];
  for (const rule of PLACEHOLDER_RULES) {
    for (const key of rule.keys) {
      const value = values[key];
      const items = value === undefined ? [] : typeof value === "string" ? [value] : value;
      const examples = items.filter((item) => item !== "" && rule.isExample(item));
      if (examples.length === 0) continue;
      problems.push(
        `Configuration 'ecommerce:${key}' still holds the example value ${examples.map((e) => `'${e}'`).join(", ")}; ` +
          `set ${rule.replaceWith} (pulumi config set ecommerce:${key} ... --stack <stack>)`,
      );
    }
  }
  return problems;
}

/**
 * Whether a Pulumi engine (the CLI's `preview` or `up`) runs the program. Under Pulumi's mocks, as
 * in the offline render and the unit tests, no engine address is set and the SDK has no engine.
 */
export function runByPulumiEngine(): boolean {
  return pulumi.runtime.getEngine() !== undefined;
}
