/**
 * What `pulumi up` would do to each resource between two renders of the program, modelled on the
 * Kubernetes provider's diff (pulumi-kubernetes provider/pkg/provider/diff.go and provider.go
 * `Diff`; v4.34.2 is not tagged in the mirror, read at v4.32.0 and at HEAD 9497796, where the
 * rules are the same):
 * - a change under one of the kind's `forceNew` paths replaces the object; any other change is
 *   an in-place update (a server-side apply patch);
 * - `Patch` resources are only replaced when their name or namespace changes ("Patch resources
 *   can be updated in place for all other properties");
 * - paths under the resource's `ignoreChanges` keep their old value (the engine substitutes it
 *   before the provider diffs, and the provider drops them from the detailed diff);
 * - a replaced object that keeps its name is deleted before it is re-created.
 * Resources of other providers are only reported as changed or not.
 */
import { RecordedResource, Rendered } from "../../../tools/render/engine";

/**
 * The forceNew paths of the kinds the data tier and its neighbours render (diff.go `forceNew`),
 * as written there; `[*]` stands for any array element. Secrets and ConfigMaps are immutable by
 * default (`enableSecretMutable` and `enableConfigMapMutable` are off in components/foundation/cluster.ts).
 */
const SELECTOR = [".matchExpressions", ".matchLabels"];
export const FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
  "apps/v1 StatefulSet": [
    ".spec.podManagementPolicy",
    ".spec.revisionHistoryLimit",
    ".spec.selector",
    ".spec.serviceName",
    ".spec.volumeClaimTemplates",
    ...SELECTOR.map((p) => `.spec.selector${p}`),
  ],
  "apps/v1 Deployment": [".spec.selector", ...SELECTOR.map((p) => `.spec.selector${p}`)],
  "v1 PersistentVolumeClaim": [".spec.accessModes", ".spec.selector", ".spec.storageClassName", ".spec.volumeName"],
  "v1 Secret": [".type", ".stringData", ".data"],
  "v1 ConfigMap": [".binaryData", ".data"],
  "v1 Service": [".spec.clusterIP"],
  "storage.k8s.io/v1 StorageClass": [".parameters", ".provisioner"],
};
const METADATA_FORCE_NEW = [".metadata.name", ".metadata.namespace"];

export type Action = "create" | "delete" | "same" | "update" | "replace";

export interface PlannedChange {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly action: Action;
  /** Changed input paths (after ignoreChanges), e.g. `.spec.resources.requests.storage`. */
  readonly paths: string[];
  /** The changed paths that force the replacement. */
  readonly replaceBecause: string[];
  readonly deleteBeforeReplace: boolean;
}

/** Leaf paths where two JSON values differ, in the provider's `.a.b[0].c` notation. */
export function changedPaths(before: unknown, after: unknown, at = ""): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((b, i) => changedPaths(b, after[i], `${at}[${i}]`));
  }
  if (isObj(before) && isObj(after)) {
    const a = before as Record<string, unknown>;
    const b = after as Record<string, unknown>;
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().flatMap((k) => changedPaths(a[k], b[k], `${at}.${k}`));
  }
  return [at];
}

/** Whether `path` lies at or below `rule` (a diff.go path, `[*]` matching any index). */
export function under(path: string, rule: string): boolean {
  const pattern = rule.replace(/[.$^()|+?{}\\]/g, "\\$&").replace(/\[\*\]/g, "\\[\\d+\\]");
  return new RegExp(`^${pattern}(\\.|\\[|$)`).test(path);
}

/** An engine ignoreChanges path (`spec.volumeClaimTemplates`) in the provider's notation. */
const asProviderPath = (p: string) => `.${p}`;

function kindKey(r: RecordedResource): string | undefined {
  return r.inputs.apiVersion && r.inputs.kind ? `${r.inputs.apiVersion} ${r.inputs.kind}` : undefined;
}

function planOne(before: RecordedResource, after: RecordedResource): PlannedChange {
  const ignored = (after.ignoreChanges ?? []).map(asProviderPath);
  const paths = changedPaths(before.inputs, after.inputs).filter((p) => !ignored.some((i) => under(p, i)));
  const base = { urn: after.urn, type: after.type, name: after.name, paths };
  if (paths.length === 0) return { ...base, action: "same", replaceBecause: [], deleteBeforeReplace: false };
  const kind = kindKey(after);
  if (!kind || !after.type.startsWith("kubernetes:")) return { ...base, action: "update", replaceBecause: [], deleteBeforeReplace: false };
  const rules = after.type.endsWith("Patch") ? METADATA_FORCE_NEW : [...METADATA_FORCE_NEW, ...(FORCE_NEW[kind] ?? [])];
  const replaceBecause = paths.filter((p) => rules.some((rule) => under(p, rule)));
  const replaced = replaceBecause.length > 0;
  const sameName = before.inputs.metadata?.name === after.inputs.metadata?.name && before.inputs.metadata?.namespace === after.inputs.metadata?.namespace;
  return { ...base, action: replaced ? "replace" : "update", replaceBecause, deleteBeforeReplace: replaced && sameName };
}

/** Every resource's planned action going from `before` to `after`, `same` ones included. */
export function plan(before: Rendered, after: Rendered): PlannedChange[] {
  const old = new Map(before.resources.map((r) => [r.urn, r]));
  const next = new Set(after.resources.map((r) => r.urn));
  const created = (r: RecordedResource): PlannedChange => ({ urn: r.urn, type: r.type, name: r.name, action: "create", paths: [], replaceBecause: [], deleteBeforeReplace: false });
  return [
    ...after.resources.map((r) => (old.has(r.urn) ? planOne(old.get(r.urn)!, r) : created(r))),
    ...before.resources.filter((r) => !next.has(r.urn)).map((r) => ({ ...created(r), action: "delete" as const })),
  ];
}
