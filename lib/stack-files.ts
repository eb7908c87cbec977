/**
 * Reads `Pulumi.yaml` and a stack file the way the Pulumi CLI does before it starts the program:
 * project defaults, the stack's values, the declared types checked, `secure:` values replaced by
 * opaque placeholders. Produces the flat string map the program's `pulumi.Config` reads.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

export class StackFileError extends Error {}

type Declared = { type: "string" | "integer" | "boolean" | "array"; items?: { type: string }; default?: unknown; secret?: boolean };

export interface StackConfigFiles {
  readonly project: string;
  /** Every configuration value as the program sees it: strings, JSON for lists and maps. */
  readonly config: Record<string, string>;
  /** Keys whose values are secrets (declared `secret`, or `secure:` in the stack file). */
  readonly secretKeys: string[];
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new StackFileError(`cannot read ${file}: no such file`);
  }
  try {
    return YAML.parse(text) ?? {};
  } catch (err) {
    throw new StackFileError(`${file} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function typeOk(type: string, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    default:
      return false;
  }
}

function checkType(file: string, key: string, decl: Declared, value: unknown): void {
  if (!typeOk(decl.type, value)) {
    throw new StackFileError(
      `${file}: configuration key '${key}' must be of type ${decl.type} (declared in Pulumi.yaml), got ${JSON.stringify(value)}`,
    );
  }
  if (decl.type === "array" && decl.items) {
    (value as unknown[]).forEach((item, i) => {
      if (!typeOk(decl.items!.type, item)) {
        throw new StackFileError(
          `${file}: configuration key '${key}' item ${i} must be of type ${decl.items!.type} (declared in Pulumi.yaml), got ${JSON.stringify(item)}`,
        );
      }
    });
  }
}

function encode(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Placeholder the render uses for a `secure:` value; it never holds the ciphertext. */
export function secretPlaceholder(key: string): string {
  return `secret-placeholder-for-${key.replace(":", "-")}`;
}

/**
 * @param projectDir folder holding `Pulumi.yaml`
 * @param stack stack name; its file is `Pulumi.<stack>.yaml` unless `configFile` is given
 */
export function loadStackConfig(projectDir: string, stack: string, configFile?: string): StackConfigFiles {
  const projectFile = path.join(projectDir, "Pulumi.yaml");
  const project = readYaml(projectFile);
  if (!isPlainObject(project) || typeof project.name !== "string") {
    throw new StackFileError(`${projectFile} has no project name`);
  }
  const projectName = project.name;
  const stackFile = configFile ?? path.join(projectDir, `Pulumi.${stack}.yaml`);
  const stackDoc = readYaml(stackFile);
  if (!isPlainObject(stackDoc)) throw new StackFileError(`${stackFile} must be a YAML mapping with a 'config:' key`);
  const stackValues = stackDoc.config ?? {};
  if (!isPlainObject(stackValues)) throw new StackFileError(`${stackFile}: 'config' must be a mapping of keys to values`);

  const qualify = (key: string) => (key.includes(":") ? key : `${projectName}:${key}`);
  const declared = new Map<string, Declared>();
  const config: Record<string, string> = {};
  const secretKeys = new Set<string>();

  const projectConfig = project.config ?? {};
  if (!isPlainObject(projectConfig)) throw new StackFileError(`${projectFile}: 'config' must be a mapping`);
  for (const [rawKey, decl] of Object.entries(projectConfig)) {
    const key = qualify(rawKey);
    if (isPlainObject(decl) && "type" in decl) {
      const d = decl as Declared;
      declared.set(key, d);
      if (d.secret) secretKeys.add(key);
      if (d.default !== undefined) {
        checkType(projectFile, key, d, d.default);
        config[key] = encode(d.default);
      }
    } else if (isPlainObject(decl) && "value" in decl) {
      config[key] = encode(decl.value);
    } else {
      config[key] = encode(decl);
    }
  }

  for (const [rawKey, value] of Object.entries(stackValues)) {
    const key = qualify(rawKey);
    if (isPlainObject(value) && "secure" in value) {
      config[key] = secretPlaceholder(key);
      secretKeys.add(key);
      continue;
    }
    const decl = declared.get(key);
    if (decl) checkType(stackFile, key, decl, value);
    if (value === null || value === undefined) {
      throw new StackFileError(`${stackFile}: configuration key '${key}' has no value`);
    }
    config[key] = encode(value);
  }

  for (const key of declared.keys()) {
    if (!(key in config)) {
      throw new StackFileError(
        `${stackFile}: missing required configuration value '${key}' (declared in Pulumi.yaml without a default)`,
      );
    }
  }
  const sorted = Object.fromEntries(Object.entries(config).sort(([a], [b]) => a.localeCompare(b)));
  return { project: projectName, config: sorted, secretKeys: [...secretKeys].sort() };
}
