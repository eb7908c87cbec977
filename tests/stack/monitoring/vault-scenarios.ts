/**
 * The Vault alerts' scenarios (components/secrets/vault/monitoring.ts), for the stacks that run
 * Vault. Series as Vault exposes them on `/v1/sys/metrics?format=prometheus` with
 * `disable_hostname` (hashicorp/vault `vault/core_metrics.go` `metricsLoop`: `vault.core.unsealed`,
 * `vault.core.active`, refreshed on every server), labelled with the target labels the platform's
 * `vault` ServiceMonitor gives them (job `vault-internal`, the headless Service), and `up`, which
 * Prometheus writes per target.
 */
import type { AlertRule } from "../../../components/monitoring/rules";
import { VAULT_INTERNAL_SERVICE, VAULT_NAME } from "../../../components/secrets/vault/chart";
import { Context, Scenario, Series, fixed, scraped } from "./promtool";

export const VAULT_ALERTS = ["VaultSealed", "VaultServerDown", "VaultNoActiveServer"] as const;

const pod = (i: number) => `${VAULT_NAME}-${i}`;

/** One series per server: `value(i)` for server i, none where it returns undefined. */
function perServer(c: Context, metric: string, value: (i: number) => number | undefined): Series[] {
  return Array.from({ length: c.vaultServers }, (_, i) => {
    const { labels, honor } = c.target(VAULT_NAME, VAULT_INTERNAL_SERVICE, pod(i), `10.10.4.${10 + i}:8200`);
    const v = value(i);
    return v === undefined ? [] : [{ labels: scraped({ __name__: metric }, labels, honor), value: v }];
  }).flat();
}

const withPod = (rule: AlertRule, podName: string) => ({ ...fixed(rule), description: rule.annotations.description.replace("{{ $labels.pod }}", podName) });
const without = ({ __name__: _n, ...rest }: Record<string, string>) => rest;

export const VAULT_SCENARIOS: Record<(typeof VAULT_ALERTS)[number], Scenario> = {
  VaultSealed: {
    firing: (c) => {
      const series = perServer(c, "vault_core_unsealed", (i) => (i === c.vaultServers - 1 ? 0 : 1));
      const sealed = series[series.length - 1];
      return { series, alerts: () => [{ labels: { ...without(sealed.labels), ...c.rules[0].labels }, annotations: withPod(c.rules[0], pod(c.vaultServers - 1)) }] };
    },
    quiet: (c) => [{ label: "every server unsealed", series: perServer(c, "vault_core_unsealed", () => 1) }],
  },
  VaultServerDown: {
    firing: (c) => {
      const series = perServer(c, "up", (i) => (i === 0 ? 0 : 1));
      return { series, alerts: () => [{ labels: { ...without(series[0].labels), ...c.rules[0].labels }, annotations: withPod(c.rules[0], pod(0)) }] };
    },
    quiet: (c) => [{ label: "every server scraped", series: perServer(c, "up", () => 1) }],
  },
  VaultNoActiveServer: {
    firing: (c) => ({
      series: perServer(c, "vault_core_active", () => 0),
      alerts: () => [{ labels: { ...c.rules[0].labels }, annotations: fixed(c.rules[0]) }],
    }),
    quiet: (c) => [
      { label: "one active server", series: perServer(c, "vault_core_active", (i) => (i === 0 ? 1 : 0)) },
    ],
  },
};
