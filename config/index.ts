/**
 * The only reader of `pulumi.Config`. Every key is validated here, before any resource is
 * declared, so that a bad value stops the program with one message and nothing half-applied.
 * Scalars go through Pulumi's own checks (`allowedValues`, `pattern`, `min`/`max`); lists and
 * cross-field rules are checked by hand. All problems are reported together.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppSettings, readApps } from "./apps";
import { AutoscalingSettings, readAutoscaling } from "./autoscaling";
import { ClusterSettings, readCluster } from "./cluster";
import { IngressSettings, readIngress } from "./ingress";
import { MonitoringSettings, readMonitoring } from "./monitoring";
import { DataSettings, readData } from "./data";
import { DnsSettings, readDns } from "./dns";
import { VaultSettings, readVault, vaultReplicaProblems } from "./vault";
import { VaultRecoverySettings, readVaultRecovery } from "./vault-recovery";
import { AWS_REGION, DNS_NAME, EMAIL, parseIpv4Cidr } from "../lib/validate";
import { placeholderProblems, runByPulumiEngine } from "./placeholders";
import { RESOURCE_PROFILES, ResourceProfileName, ProfileRows, profileRows } from "../catalog/resource-profiles";

export const PROJECT = "ecommerce";

export const CERT_ISSUERS = ["letsencrypt-staging", "letsencrypt-prod", "selfsigned"] as const;

/**
 * Where the platform's credentials come from: `kubernetes`, passwords the program generates and
 * writes into Secrets itself (a quick start); `vault`, HashiCorp Vault, synchronised into the same
 * Secrets by the External Secrets Operator.
 */
export const SECRETS_BACKENDS = ["kubernetes", "vault"] as const;
export type SecretsBackend = (typeof SECRETS_BACKENDS)[number];
export type CertIssuer = (typeof CERT_ISSUERS)[number];

export type { AppSettings, ImageSettings, PodResources, ReplicaBounds } from "./apps";
export type { AutoscalingSettings } from "./autoscaling";
export type { ClusterSettings, NodeGroupSettings } from "./cluster";
export type { IngressSettings } from "./ingress";
export type { MonitoringSettings } from "./monitoring";
export type { BackupSettings, DataSettings, VolumeSizes } from "./data";
export type { DnsSettings } from "./dns";
export type { ExternalVault, InClusterVault, VaultSettings } from "./vault";
export type { VaultRecoverySettings } from "./vault-recovery";

export interface StackConfig {
  readonly region: string;
  /** Public host name of the API, e.g. `api.shop.example.com`. */
  readonly domain: string;
  /** Contact address registered with the ACME account. */
  readonly acmeEmail: string;
  readonly certIssuer: CertIssuer;
  /**
   * Data must survive mistakes: StatefulSets and their Secrets are `protect`ed, volumes and the
   * StorageClass keep their disks on delete (`Retain`).
   */
  readonly protectData: boolean;
  readonly cluster: ClusterSettings;
  /** Images, replica bounds and pod resources of the gateway and the microservices. */
  readonly apps: AppSettings;
  readonly monitoring: MonitoringSettings;
  readonly data: DataSettings;
  readonly ingress: IngressSettings;
  /** The hosted zone of the domain (its record, DNS-01) and the wildcard certificate. */
  readonly dns: DnsSettings;
  /** Karpenter: its controller and the nodes it may launch. */
  readonly autoscaling: AutoscalingSettings;
  /** The resource profile every data store, chart pod and add-on is sized by (catalog/resource-profiles.ts). */
  readonly resourceProfile: ResourceProfileName;
  /** Where the credentials the applications and data stores read come from. */
  readonly secretsBackend: SecretsBackend;
  /** HashiCorp Vault, in the cluster or an existing one; used when `secretsBackend` is `vault`. */
  readonly vault: VaultSettings;
  /** The operators' PGP keys Vault's recovery key shares are encrypted to (the `vault` backend). */
  readonly vaultRecovery: VaultRecoverySettings;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message.split("\n")[0] : String(err);
}

/**
 * Reads keys of one namespace, remembers which were read (so unknown keys can be reported) and
 * collects problems instead of stopping at the first.
 */
export class ConfigReader {
  private readonly known = new Set<string>();
  private readonly cfg: pulumi.Config;

  /**
   * @param namespace the configuration namespace (`ecommerce`, `aws`).
   * @param problems where problems are collected; share one list between readers.
   */
  constructor(
    readonly namespace: string,
    private readonly problems: string[] = [],
  ) {
    this.cfg = new pulumi.Config(namespace);
  }

  fullKey(key: string): string {
    return `${this.namespace}:${key}`;
  }

  private attempt<T>(key: string, hint: string, read: () => T): T {
    this.known.add(key);
    try {
      return read();
    } catch (err) {
      this.problems.push(hint ? `${messageOf(err)}; expected ${hint}` : messageOf(err));
      return undefined as unknown as T;
    }
  }

  /** Records a problem with a key whose value was readable but is not acceptable. */
  reject(key: string, value: unknown, allowed: string): void {
    this.problems.push(
      `Configuration '${this.fullKey(key)}' value ${JSON.stringify(value)} is not allowed; expected ${allowed}`,
    );
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    return this.attempt(key, "", () => this.cfg.require<T>(key, { allowedValues: [...allowed] }));
  }

  text(key: string, pattern: RegExp, hint: string): string {
    return this.attempt(key, hint, () => this.cfg.require(key, { pattern }));
  }

  integer(key: string, min: number, max: number): number {
    const value = this.attempt(key, `a whole number from ${min} to ${max}`, () =>
      this.cfg.requireNumber(key, { min, max }),
    );
    if (value !== undefined && !Number.isInteger(value)) {
      this.reject(key, value, `a whole number from ${min} to ${max}`);
    }
    return value;
  }

  boolean(key: string): boolean {
    return this.attempt(key, "true or false", () => this.cfg.requireBoolean(key));
  }

  /** A list of strings, each checked by `check` (which returns what is allowed, or undefined). */
  list(
    key: string,
    opts: { minItems: number; maxItems: number; what: string; check: (item: string) => string | undefined },
  ): string[] {
    const value = this.attempt(key, `a list of ${opts.what}`, () => this.cfg.requireObject<unknown>(key));
    if (value === undefined) return undefined as unknown as string[];
    const bounds = `${opts.minItems} to ${opts.maxItems} ${opts.what}`;
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
      this.reject(key, value, `a list of ${bounds}`);
      return undefined as unknown as string[];
    }
    if (value.length < opts.minItems || value.length > opts.maxItems) {
      this.reject(key, value, `a list of ${bounds}`);
    }
    if (new Set(value).size !== value.length) {
      this.reject(key, value, `a list without duplicates`);
    }
    for (const item of value as string[]) {
      const problem = opts.check(item);
      if (problem) this.reject(key, item, `${problem} in every entry`);
    }
    return value as string[];
  }

  cidr(key: string): string {
    const value = this.attempt(key, "", () => this.cfg.require(key));
    if (value === undefined) return value;
    const parsed = parseIpv4Cidr(value);
    if (typeof parsed === "string") this.reject(key, value, parsed);
    return value;
  }

  /**
   * An optional value that must be stored encrypted (`pulumi config set --secret`); undefined when
   * unset or empty. Its value is never read here nor echoed in a message: the offline render only
   * sees a placeholder for it, and Alertmanager is what uses it.
   */
  secret(key: string): pulumi.Output<string> | undefined {
    this.known.add(key);
    const raw = this.cfg.get(key);
    if (raw === undefined || raw === "") return undefined;
    if (!isConfigSecret(this.fullKey(key))) {
      this.problems.push(
        `Configuration '${this.fullKey(key)}' is stored in plain text; expected a secret: remove it from the stack file and run \`pulumi config set --secret ${this.fullKey(key)} <value>\``,
      );
    }
    return this.cfg.requireSecret(key);
  }

  /**
   * A key the project no longer reads: setting it is an error that says why, instead of the
   * generic unknown-key message (or, worse, being silently ignored).
   */
  retired(key: string, why: string): void {
    this.known.add(key);
    if (this.cfg.get(key) !== undefined) this.problems.push(`Configuration '${this.fullKey(key)}' is no longer a setting: ${why}`);
  }

  /** A rule that relates several keys; `message` names them and says what is allowed. */
  rule(ok: boolean, message: string): void {
    if (!ok) this.problems.push(message);
  }

  /** Keys set in this namespace that no reader asked for: almost always a typo. */
  unknownKeys(): string[] {
    const prefix = `${this.namespace}:`;
    return Object.keys(pulumi.runtime.allConfig())
      .filter((k) => k.startsWith(prefix))
      .map((k) => k.slice(prefix.length))
      .filter((k) => !this.known.has(k))
      .sort();
  }

  /** Reports keys of this namespace that nothing reads. */
  rejectUnknownKeys(): void {
    for (const key of this.unknownKeys()) {
      this.problems.push(
        `Configuration '${this.fullKey(key)}' is not a setting of this project; known keys: ${[...this.known].sort().join(", ")}`,
      );
    }
  }
}

/**
 * Whether a key's value was set encrypted. The SDK keeps this to itself (`runtime/config.js`
 * `isConfigSecret` in @pulumi/pulumi 3.276.0 reads the CLI's `PULUMI_CONFIG_SECRET_KEYS`), so it
 * is looked up at run time; tests/unit/monitoring-config.spec.ts fails if a new SDK drops it.
 */
function isConfigSecret(fullKey: string): boolean {
  const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (k: string) => boolean };
  if (typeof runtimeConfig.isConfigSecret !== "function") {
    throw new Error("@pulumi/pulumi no longer exports runtime/config isConfigSecret: secret configuration keys cannot be checked");
  }
  return runtimeConfig.isConfigSecret(fullKey);
}

/** Throws one `RunError` (Pulumi prints it without a stack trace) listing every problem. */
export function reportProblems(problems: readonly string[]): void {
  if (problems.length === 1) {
    throw new pulumi.RunError(`Invalid stack configuration: ${problems[0]}`);
  }
  if (problems.length > 1) {
    throw new pulumi.RunError(`Invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
  }
}

/** The keys whose committed example values must be replaced before a real deployment. */
function placeholderValues(c: StackConfig): Record<string, string | readonly string[] | undefined> {
  return {
    adminRoleArn: c.cluster?.access?.adminRoleArn,
    operatorRoleArn: c.cluster?.access?.operatorRoleArn,
    developerRoleArn: c.cluster?.access?.developerRoleArn,
    domain: c.domain,
    hostedZone: c.dns?.hostedZone,
    acmeEmail: c.acmeEmail,
    backupAlertEmail: c.data?.backup?.alertEmail,
    imageRegistry: c.apps?.images?.registry,
    apiPublicAccessCidrs: c.cluster?.controlPlane?.publicAccessCidrs,
    adminAllowedCidrs: c.ingress?.adminAllowedCidrs,
    ingressSourceRanges: c.ingress?.sourceRanges,
    vaultRecoveryPgpKeys: c.vaultRecovery?.pgpKeys,
  };
}

export interface LoadOptions {
  /**
   * Refuse the stack files' example values (documentation account, domains and ranges).
   * @default true when a Pulumi engine runs the program (`pulumi preview`, `pulumi up`); false
   * under mocks (the offline render, unit tests), which render the committed examples.
   */
  readonly rejectPlaceholders?: boolean;
}

/**
 * Karpenter's chart requires one controller per host (podAntiAffinity on kubernetes.io/hostname,
 * aws/karpenter-provider-aws v1.14.1 charts/karpenter/values.yaml) and keeps it off its own
 * nodes, so the managed node group must always have a node for each.
 */
function karpenterFitsNodeGroup(r: ConfigReader, c: StackConfig): void {
  const replicas = c.autoscaling.karpenterReplicas;
  const min = c.cluster.nodeGroup.minSize;
  if (replicas === undefined || min === undefined) return;
  r.rule(
    replicas <= min,
    `Configuration 'ecommerce:karpenterReplicas' (${replicas}) <= 'ecommerce:nodeMinSize' (${min}) must hold: each Karpenter controller needs a managed node of its own`,
  );
}

/** Vault's replicas must fit the zones and nodes, where Vault runs in the cluster (config/vault.ts). */
function vaultFitsCluster(r: ConfigReader, c: StackConfig): void {
  if (c.secretsBackend !== "vault" || c.vault.mode !== "in-cluster" || c.vault.replicas === undefined) return;
  const zones = c.cluster.availabilityZones?.length;
  const nodeMinSize = c.cluster.nodeGroup.minSize;
  if (zones === undefined || nodeMinSize === undefined) return;
  for (const problem of vaultReplicaProblems(c.vault.replicas, { zones, nodeMinSize })) r.rule(false, problem);
}

/** Reads and validates the whole stack configuration; throws one clear error if anything is wrong. */
export function loadConfig(opts: LoadOptions = {}): StackConfig {
  const problems: string[] = [];
  // Other `aws:` keys (profile, default tags...) are the provider's business, so only the project
  // namespace is checked for unknown keys.
  const region = new ConfigReader("aws", problems).text("region", AWS_REGION, "an AWS region such as eu-west-1");

  const r = new ConfigReader(PROJECT, problems);
  const resourceProfile = r.oneOf("resourceProfile", RESOURCE_PROFILES);
  // A bad profile is reported with the other problems; the readers go on with some rows meanwhile.
  const rows: ProfileRows = profileRows(resourceProfile ?? RESOURCE_PROFILES[0]);
  const domain = r.text("domain", DNS_NAME, "a lower-case DNS name such as api.shop.example.com");
  const secretsBackend = r.oneOf("secretsBackend", SECRETS_BACKENDS);
  const config: StackConfig = {
    region,
    domain,
    acmeEmail: r.text("acmeEmail", EMAIL, "an e-mail address such as platform@example.com"),
    certIssuer: r.oneOf("certIssuer", CERT_ISSUERS),
    protectData: r.boolean("protectData"),
    cluster: readCluster(r, region, rows),
    apps: readApps(r),
    monitoring: readMonitoring(r, rows),
    data: readData(r, rows),
    ingress: readIngress(r, rows),
    dns: readDns(r, domain),
    autoscaling: readAutoscaling(r),
    resourceProfile,
    secretsBackend,
    vault: readVault(r, rows),
    vaultRecovery: readVaultRecovery(r, secretsBackend),
  };
  karpenterFitsNodeGroup(r, config);
  vaultFitsCluster(r, config);
  r.rejectUnknownKeys();
  if (opts.rejectPlaceholders ?? runByPulumiEngine()) problems.push(...placeholderProblems(placeholderValues(config)));
  reportProblems(problems);
  return config;
}
