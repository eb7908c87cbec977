/**
 * Checks what the program hands to Kubernetes against upstream schemas kept in `chartdata/`:
 * Helm values against a chart's `values.schema.json` (what `helm install` validates) and custom
 * resources against their CRD's `openAPIV3Schema` (what the API server validates). Every check
 * returns sentences naming the path and the problem; an empty list means the object is valid.
 */
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

export const CHARTDATA_DIR = path.resolve(__dirname, "..", "chartdata");

/** Kubernetes' own schema extensions: meaningful to the API server, not to JSON Schema. */
const KUBERNETES_KEYWORDS = [
  "x-kubernetes-validations",
  "x-kubernetes-int-or-string",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-embedded-resource",
  // OpenAPI's sample value, which the API server accepts in a CRD schema and never validates.
  "example",
];

function readChartFile(rel: string): string {
  return fs.readFileSync(path.join(CHARTDATA_DIR, rel), "utf8");
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const where = e.instancePath || "/";
    const extra = e.keyword === "additionalProperties" ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'` : "";
    return `${where} ${e.message}${extra}`;
  });
}

/** Recursively merges `over` into `base` as Helm merges user values into a chart's defaults. */
export function mergeValues(base: unknown, over: unknown): unknown {
  const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeValues(base[k], v) : v;
  return out;
}

export interface ValuesCheck {
  /** Problems of the values alone. */
  (values: unknown): string[];
}

/**
 * A checker for a chart's values: `chart` is the folder under `chartdata/`. The values are merged
 * over the chart's `values.yaml` first, as Helm does before it validates.
 */
export function chartValuesCheck(chart: string): ValuesCheck {
  const schema = JSON.parse(readChartFile(`${chart}/values.schema.json`));
  // Ajv knows draft-07 by its canonical `http://` id only; hashicorp/vault-helm v0.34.1 names it
  // `https://json-schema.org/draft-07/schema#`, the same draft.
  if (schema.$schema === "https://json-schema.org/draft-07/schema#") schema.$schema = "http://json-schema.org/draft-07/schema#";
  const draft2020 = String(schema.$schema ?? "").includes("2020-12");
  // Upstream schemas use union types (`type: [string, null]`), which strict mode only allows on request.
  const ajv = draft2020
    ? new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true })
    : new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  const validate: ValidateFunction = ajv.compile(schema);
  const defaults = YAML.parse(readChartFile(`${chart}/values.yaml`)) ?? {};
  return (values: unknown) => (validate(mergeValues(defaults, values)) ? [] : describe(validate.errors));
}

/**
 * Makes the schema reject unknown fields: the API server prunes them silently (or rejects them
 * with strict field validation), and either way a misspelled field is a setting that never applies.
 */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (typeof node !== "object" || node === null) return node;
  const obj: Record<string, unknown> = {};
  // `enum`, `required` and `default` hold data, not schemas.
  for (const [k, v] of Object.entries(node)) obj[k] = ["enum", "required", "default"].includes(k) ? v : closeObjects(v);
  if (obj.properties && obj.additionalProperties === undefined && !obj["x-kubernetes-preserve-unknown-fields"]) {
    obj.additionalProperties = false;
  }
  return obj;
}

/** CRD patterns are Go RE2, which writes case-insensitivity inline as `(?i)`; JavaScript takes a flag. */
function re2(source: string, flags: string): RegExp {
  return source.includes("(?i)") ? new RegExp(source.replace(/\(\?i\)/g, ""), `${flags}i`) : new RegExp(source, flags);
}
re2.code = "re2";

/** A checker for custom resources of one CRD file under `chartdata/` (its served storage version). */
export function crdCheck(crdFile: string): (resource: Record<string, unknown>) => string[] {
  // Some upstream files hold several YAML documents (a leading `---`, a trailing empty one).
  const crd = YAML.parseAllDocuments(readChartFile(crdFile))
    .map((d) => d.toJS())
    .find((d) => d?.kind === "CustomResourceDefinition");
  const version = crd.spec.versions.find((v: { storage: boolean }) => v.storage);
  const root = closeObjects(version.schema.openAPIV3Schema) as Record<string, any>;
  // Object metadata is the API server's to check, not the CRD's.
  root.properties.metadata = { type: "object" };
  // Upstream CRDs put `pattern` on int-or-string fields without a type: not a strict-types schema.
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true, code: { regExp: re2 } });
  addFormats(ajv);
  ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** 31 });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  ajv.addVocabulary(KUBERNETES_KEYWORDS);
  const validate = ajv.compile(root);
  const apiVersion = `${crd.spec.group}/${version.name}`;
  const kind = crd.spec.names.kind;
  return (resource) => {
    const problems: string[] = [];
    if (resource.apiVersion !== apiVersion) problems.push(`apiVersion is ${resource.apiVersion}, the CRD serves ${apiVersion}`);
    if (resource.kind !== kind) problems.push(`kind is ${resource.kind}, the CRD defines ${kind}`);
    return validate(resource) ? problems : [...problems, ...describe(validate.errors)];
  };
}
