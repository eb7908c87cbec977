/**
 * The offline render: what `pulumi up` would create for a stack, as files reviewers and other
 * tools read (see the README's "Offline render" section for the contract).
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ProgramRun, RecordedResource, Rendered, runProgram } from "./engine";
import { loadStackConfig } from "../../lib/stack-files";

export interface RenderOptions {
  readonly projectDir: string;
  readonly stack: string;
  /** Stack file to read instead of `Pulumi.<stack>.yaml`. */
  readonly configFile?: string;
  /** The program to run. @default requiring the project's `index.ts` */
  readonly program?: () => unknown;
  /** Run as `pulumi preview` does. @default false */
  readonly preview?: boolean;
}

export interface RenderResult {
  readonly run: ProgramRun;
  readonly rendered: Rendered;
  /** Relative path -> file content, in a stable order. */
  readonly files: Map<string, string>;
}

/** Recursively sorts object keys so that the output does not depend on registration details. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(obj)
      .sort()
      .map((k) => [k, sortKeys(obj[k])]),
  );
}

/** The entry of `resources.json` for one resource (the documented contract, nothing more). */
export function contractEntry(r: RecordedResource): Record<string, unknown> {
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    parent: r.parent,
    dependsOn: r.dependsOn,
    inputs: sortKeys(r.inputs),
    ...(r.protect ? { protect: true } : {}),
    ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
    ...(r.ignoreChanges ? { ignoreChanges: r.ignoreChanges } : {}),
  };
}

/** `manifests/<namespace or _cluster>/<kind>-<name>.yaml` for a Kubernetes object. */
export function manifestPath(obj: Record<string, any>): string {
  const ns = obj.metadata?.namespace ?? "_cluster";
  return path.posix.join("manifests", ns, `${String(obj.kind).toLowerCase()}-${obj.metadata?.name}.yaml`);
}

function requireIndex(projectDir: string): () => unknown {
  return () => require(path.join(projectDir, "index.ts"));
}

/** Extra report writers (flow matrix, deploy plan...) register here to add files to the render. */
export type ReportWriter = (rendered: Rendered, files: Map<string, string>) => void;
const reportWriters: ReportWriter[] = [];
export function addReportWriter(writer: ReportWriter): void {
  reportWriters.push(writer);
}

export async function renderStack(opts: RenderOptions): Promise<RenderResult> {
  const stackConfig = loadStackConfig(opts.projectDir, opts.stack, opts.configFile);
  const run = await runProgram({
    project: stackConfig.project,
    stack: opts.stack,
    config: stackConfig.config,
    secretKeys: stackConfig.secretKeys,
    program: opts.program ?? requireIndex(opts.projectDir),
    preview: opts.preview,
  });
  const rendered = new Rendered(run.resources);
  const files = new Map<string, string>();
  files.set("resources.json", JSON.stringify(run.resources.map(contractEntry), null, 2) + "\n");
  const manifests = new Map<string, string>();
  for (const r of rendered.k8sObjects()) {
    const file = manifestPath(r.inputs);
    if (manifests.has(file)) {
      throw new Error(`two Kubernetes objects render to ${file}: ${manifests.get(file)} and ${r.urn}`);
    }
    manifests.set(file, r.urn);
    files.set(file, YAML.stringify(sortKeys(r.inputs), { lineWidth: 0 }));
  }
  for (const writer of reportWriters) writer(rendered, files);
  return { run, rendered, files: new Map([...files.entries()].sort(([a], [b]) => a.localeCompare(b))) };
}

/** Writes the render, replacing what an earlier render left in the same folder. */
export function writeRender(outDir: string, files: Map<string, string>): void {
  fs.mkdirSync(outDir, { recursive: true });
  const tops = new Set([...files.keys()].map((f) => f.split("/")[0]));
  for (const top of tops) fs.rmSync(path.join(outDir, top), { recursive: true, force: true });
  for (const [rel, content] of files) {
    const file = path.join(outDir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}
