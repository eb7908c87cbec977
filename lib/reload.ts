/**
 * The annotation a workload carries to be rolled by Stakater Reloader when one of the named
 * Secrets changes (comma separated): Reloader v1.4.21 `internal/pkg/options/flags.go` 22,
 * `SecretUpdateOnChangeAnnotation`; the chart module is components/secrets/reloader/chart.ts.
 */
export const RELOAD_ON_SECRETS_ANNOTATION = "secret.reloader.stakater.com/reload";

/** The workload annotations rolling it on a change of these Secrets; none for none. */
export function reloadAnnotations(secrets: readonly string[]): Record<string, string> {
  const names = [...new Set(secrets)].sort();
  return names.length > 0 ? { [RELOAD_ON_SECRETS_ANNOTATION]: names.join(",") } : {};
}

/** The Secrets an annotated workload rolls on (the inverse of `reloadAnnotations`). */
export function reloadSecretsOf(annotations: Readonly<Record<string, string>> | undefined): string[] {
  const value = annotations?.[RELOAD_ON_SECRETS_ANNOTATION];
  return value ? value.split(",").map((s) => s.trim()).filter((s) => s.length > 0) : [];
}

/** Object metadata with these annotations added; unchanged (no empty map) when there are none. */
export function withAnnotations<M extends object>(metadata: M, annotations: Record<string, string>): M & { annotations?: Record<string, string> } {
  return Object.keys(annotations).length > 0 ? { ...metadata, annotations } : metadata;
}
