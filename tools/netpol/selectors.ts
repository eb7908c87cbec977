/** Label selector matching with the API's exact semantics (`metav1.LabelSelectorAsSelector`). */
import type { LabelSelector, LabelSelectorRequirement } from "./types";

type Labels = Readonly<Record<string, string>>;

function requirementMatches(req: LabelSelectorRequirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
      return has && values.includes(labels[req.key]);
    case "NotIn":
      // A pod without the key is "not in" any set: `NotIn` matches a missing key.
      return !has || !values.includes(labels[req.key]);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    default:
      // The API server rejects unknown operators; a selector it would reject selects nothing.
      return false;
  }
}

/** `{}` (no requirements) matches every label set; matchLabels and matchExpressions are ANDed. */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => requirementMatches(req, labels));
}

/** True for `{}`: a selector with no requirement at all. */
export function selectsEverything(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** Equality-based selector, as a Service's. */
export function labelsMatch(selector: Labels, labels: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
