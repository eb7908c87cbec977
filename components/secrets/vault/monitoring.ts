/**
 * Vault's scrape and alerts. Every server is scraped through the headless Service (its pods,
 * ready or not: `publishNotReadyAddresses`, hashicorp/vault-helm v0.34.1
 * `templates/server-headless-service.yaml` 21, 34) on `/v1/sys/metrics?format=prometheus`, which
 * the listener serves without a token (./server-config.ts), over HTTPS verified against Vault's
 * CA. The chart's own monitor is off: it selects the active server only
 * (`templates/prometheus-servicemonitor.yaml` 33-34), which would hide a sealed standby.
 *
 * Metric names: Vault's core refreshes `vault.core.unsealed` (1 unsealed, 0 sealed) and
 * `vault.core.active` (1 on the active server) on every server (hashicorp/vault
 * `vault/core_metrics.go` `metricsLoop`); with `disable_hostname` Prometheus reads them as
 * `vault_core_unsealed` and `vault_core_active`. A server that is sealed may also refuse the
 * scrape: its target is then down, which the second alert catches.
 */
import type * as pulumi from "@pulumi/pulumi";
import { MONITORING_API_VERSION } from "../../monitoring/kube-prometheus-stack/chart";
import type { AlertRule, RuleGroup } from "../../monitoring/rules";
import { OperatorResource, PLATFORM_MONITORING_LABELS, SCRAPE } from "../../monitoring/targets";
import { VAULT_INTERNAL_SERVICE, VAULT_NAMESPACE, VAULT_TLS_SECRET } from "./chart";

/** The `job` of Vault's targets: the headless Service's name (the operator's default for a ServiceMonitor). */
export const VAULT_JOB = VAULT_INTERNAL_SERVICE;
/** The name the scrape verifies the servers' certificate for: one of its DNS names (./tls.ts). */
export const VAULT_SCRAPE_SERVER_NAME = `vault.${VAULT_NAMESPACE}.svc`;

/** The ServiceMonitor, in Vault's namespace: the CA it trusts is a Secret there. */
export function vaultMonitorManifest(namespace: pulumi.Input<string>): OperatorResource {
  return {
    apiVersion: MONITORING_API_VERSION,
    kind: "ServiceMonitor",
    metadata: { name: "vault", namespace, labels: { ...PLATFORM_MONITORING_LABELS } },
    spec: {
      namespaceSelector: { matchNames: [VAULT_NAMESPACE] },
      // `server-headless-service.yaml` 16-21.
      selector: { matchLabels: { "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": "vault", "vault-internal": "true" } },
      endpoints: [
        {
          port: "https",
          scheme: "https",
          path: "/v1/sys/metrics",
          params: { format: ["prometheus"] },
          interval: SCRAPE.interval,
          scrapeTimeout: SCRAPE.scrapeTimeout,
          tlsConfig: { ca: { secret: { name: VAULT_TLS_SECRET, key: "ca.crt" } }, serverName: VAULT_SCRAPE_SERVER_NAME },
        },
      ],
    },
  };
}

/** Vault's alerts: a sealed server, an unreachable one, no active server. */
export function vaultRules(): AlertRule[] {
  const ns = VAULT_NAMESPACE;
  const sel = `namespace="${ns}", job="${VAULT_JOB}"`;
  return [
    {
      alert: "VaultSealed",
      expr: `vault_core_unsealed{${sel}} == 0`,
      for: "2m",
      labels: { severity: "critical", namespace: ns },
      annotations: {
        summary: "A Vault server is sealed",
        description:
          "Vault server {{ $labels.pod }} has been sealed for 2 minutes: it serves no secret. It unseals itself with KMS at start; a server that stays sealed cannot reach KMS or its key (README, \"Secrets: HashiCorp Vault\").",
      },
    },
    {
      alert: "VaultServerDown",
      expr: `up{${sel}} == 0`,
      for: "5m",
      labels: { severity: "critical", namespace: ns },
      annotations: {
        summary: "A Vault server does not answer",
        description: "Prometheus has not scraped Vault server {{ $labels.pod }} for 5 minutes: it is down, sealed or not initialised.",
      },
    },
    {
      alert: "VaultNoActiveServer",
      // `or vector(0)`: no series at all (every server down) counts as no active server.
      expr: `(sum(vault_core_active{${sel}}) or vector(0)) < 1`,
      for: "2m",
      labels: { severity: "critical", namespace: ns },
      annotations: {
        summary: "Vault has no active server",
        description: "No Vault server has been active for 2 minutes: the raft cluster has no leader (quorum lost, or every server sealed). Nothing can read or renew a secret.",
      },
    },
  ];
}

export function vaultRuleGroups(): RuleGroup[] {
  return [{ name: "ecommerce.vault", rules: vaultRules() }];
}
