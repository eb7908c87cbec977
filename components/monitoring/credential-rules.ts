/**
 * "Database credentials near expiry" (the `vault` backend). Each service's MySQL credentials are
 * a lease of Vault's database engine (catalog/vault.ts: `default_ttl`, then revoked) that the
 * External Secrets Operator replaces every `refresh`; ESO renews nothing, so a Secret's
 * credentials expire one TTL after its last successful sync. A sync that fails turns the
 * ExternalSecret's Ready condition False at the refresh that failed, when its credentials have
 * `ttl - refresh` left; the alert fires `margin` before they expire, while an operator can still
 * fix Vault or the role. The metric: external-secrets helm-chart-2.9.0
 * `pkg/controllers/externalsecret/esmetrics/esmetrics.go` 52-76 (`externalsecret_status_condition`,
 * labels `name`, `namespace`, `condition`, `status`; `pkg/controllers/metrics/labels.go` 49-50).
 */
import type { VaultTable } from "../../catalog/vault";
import type { AlertRule } from "./rules";

/** Seconds of a Vault duration (`90s`, `30m`, `1h`). */
export function durationSeconds(duration: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(duration);
  if (!m) throw new Error(`duration '${duration}' must be whole seconds, minutes or hours (30m, 1h)`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"];
}

/** Warn this long before the credentials a failing sync left behind expire. */
export const EXPIRY_MARGIN_SECONDS = 15 * 60;

/**
 * The alert for the Secrets made from database leases. `refresh` is the ExternalSecrets' refresh
 * interval; the shortest lease TTL of the table decides the `for`.
 */
export function credentialExpiryRules(table: VaultTable, refresh: string): AlertRule[] {
  const targets = table.secrets.filter((s) => Object.values(s.data).some((v) => "databaseRole" in v));
  if (targets.length === 0) return [];
  const ttl = Math.min(...table.databaseRoles.map((r) => durationSeconds(r.defaultTtl)));
  const left = ttl - durationSeconds(refresh);
  const wait = left - EXPIRY_MARGIN_SECONDS;
  if (wait < 60) throw new Error(`a refresh of ${refresh} leaves ${left}s of a ${ttl}s lease: at least ${EXPIRY_MARGIN_SECONDS + 60}s are needed to warn ${EXPIRY_MARGIN_SECONDS / 60} minutes ahead`);
  const names = targets.map((t) => t.name).join("|");
  const namespaces = [...new Set(targets.map((t) => t.namespace))].join("|");
  return [
    {
      alert: "DatabaseCredentialsNearExpiry",
      expr: `max by (namespace, name) (externalsecret_status_condition{condition="Ready", status="False", namespace=~"${namespaces}", name=~"${names}"}) == 1`,
      for: `${Math.floor(wait / 60)}m`,
      labels: { severity: "critical" },
      annotations: {
        summary: "Database credentials expire soon",
        description:
          `ExternalSecret {{ $labels.namespace }}/{{ $labels.name }} has not renewed its database credentials from Vault since its last refresh: the lease it holds expires within ${EXPIRY_MARGIN_SECONDS / 60} minutes, and the service then loses its database. See \`kubectl describe externalsecret\` and \`vault read database/roles/<service>\` (README, "Secrets").`,
      },
    },
  ];
}
