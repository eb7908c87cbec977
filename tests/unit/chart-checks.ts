/**
 * Checks of a chart module (lib/helm.ts `ChartModule`) against what `chartdata/` holds: the
 * vendored chart is the pinned version, SOURCES.yaml records the tag the module names, and each
 * pod row cites files read at the version installed (a sub-chart's: the version the chart's own
 * Chart.yaml bundles). Pure functions returning one sentence per problem, so that a planted
 * mismatch can be shown to fail.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { ChartModule, ChartPod } from "../../lib/helm";
import { CHARTDATA_DIR } from "../../lib/schema-check";

export interface SourceEntry {
  readonly dir: string;
  readonly repo: string;
  readonly ref: string;
  /**
   * Files taken from a release job's commit rather than the tag: the branch `ref` holds the
   * tag's commit plus the published versions (Karpenter's `release-<tag>`).
   */
  readonly releaseOf?: { readonly tag: string; readonly commit: string };
  readonly upstreamPath: string;
  readonly files: readonly { readonly file: string; readonly bytes: number; readonly sha256: string }[];
}

/** Reads a file of chartdata/, or undefined when it is not there. */
export type ChartdataReader = (rel: string) => string | undefined;

export const readChartdata: ChartdataReader = (rel) => {
  const file = path.join(CHARTDATA_DIR, rel);
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
};

export const SOURCES: readonly SourceEntry[] = YAML.parse(readChartdata("SOURCES.yaml")!).entries;

/** `{name, version}` of a vendored chart: cert-manager's Chart.yaml holds placeholders, its chart-info.yaml the release. */
function vendoredMeta(dir: string, read: ChartdataReader): { file: string; name?: string; version?: string; dependencies?: { name: string; version: string }[] } {
  for (const file of [`${dir}/chart-info.yaml`, `${dir}/Chart.yaml`]) {
    const text = read(file);
    if (text === undefined) continue;
    const meta = YAML.parse(text);
    const chartYaml = read(`${dir}/Chart.yaml`);
    return { file, name: meta.chart ?? meta.name, version: meta.version, dependencies: chartYaml ? YAML.parse(chartYaml).dependencies : undefined };
  }
  return { file: `${dir}/Chart.yaml` };
}

/** The branch Karpenter's release job commits the published chart files to (hack/release/stable-pr.sh, v1.14.1). */
const releaseBranch = (tag: string) => `release-${tag}`;

const bare = (version: string) => version.replace(/^v/, "");

/** The pin against chartdata and SOURCES.yaml: every vendored folder at the module's tag, the vendored chart at the pinned version. */
export function pinProblems(chart: ChartModule, sources: readonly SourceEntry[], read: ChartdataReader): string[] {
  const { pin, source } = chart;
  const out: string[] = [];
  if (!bare(source.tag).endsWith(bare(pin.version))) out.push(`${pin.chart}: tag ${source.tag} does not name the pinned version ${pin.version}`);
  if (chart.chartdata.length === 0) out.push(`${pin.chart}: no folder of chartdata/ is vendored from the chart`);
  for (const dir of chart.chartdata) {
    const entry = sources.find((e) => e.dir === dir);
    if (!entry) {
      out.push(`${pin.chart}: SOURCES.yaml has no entry for chartdata/${dir}`);
      continue;
    }
    // A release commit counts as its tag only on the branch the release job names after the tag.
    const tag = entry.releaseOf && entry.ref === releaseBranch(entry.releaseOf.tag) ? entry.releaseOf.tag : entry.ref;
    if (entry.releaseOf && entry.ref !== releaseBranch(entry.releaseOf.tag)) {
      out.push(`${pin.chart}: chartdata/${dir} is recorded as the release of ${entry.releaseOf.tag} from ${entry.ref}, not from ${releaseBranch(entry.releaseOf.tag)}`);
    }
    if (entry.repo !== source.repo || tag !== source.tag) {
      out.push(`${pin.chart}: chartdata/${dir} comes from ${entry.repo}@${entry.ref}, the module pins ${source.repo}@${source.tag}`);
    }
  }
  const meta = vendoredMeta(chart.chartdata[0] ?? pin.chart, read);
  if (meta.name !== pin.chart || meta.version !== pin.version) {
    out.push(`${pin.chart}: chartdata/${meta.file} is ${meta.name} ${meta.version}, the module pins ${pin.chart} ${pin.version}`);
  }
  return out;
}

/** A sub-chart's release tag in the helm-charts repositories. */
const subchartTag = (name: string, version: string) => `${name}-${version}`;

/** Problems of one pod row's citation: the chart and version it names, the tags of its files. */
function podProblems(chart: ChartModule, pod: ChartPod, sources: readonly SourceEntry[], read: ChartdataReader): string[] {
  const where = `${chart.pin.chart} pod ${pod.name}`;
  const { source } = pod;
  const out: string[] = [];
  if (source.files.length === 0) out.push(`${where}: cites no file`);
  for (const f of source.files) if (!/^\d+(-\d+)?( \d+(-\d+)?)*$/.test(f.lines)) out.push(`${where}: ${f.path} cites lines '${f.lines}'`);
  // The tag each repository is read at: the chart's own, and a sub-chart's where the row is one.
  const tags = new Map<string, string>([[chart.source.repo, chart.source.tag]]);
  if (source.chart === chart.pin.chart) {
    if (source.version !== chart.pin.version) out.push(`${where}: read at ${source.chart} ${source.version}, the module pins ${chart.pin.version}`);
  } else {
    // A sub-chart: the version the vendored parent bundles, vendored beside it at that version.
    const parent = vendoredMeta(chart.chartdata[0], read);
    const dependency = (parent.dependencies ?? []).find((d) => d.name === source.chart);
    if (!dependency) return [...out, `${where}: ${source.chart} is not a dependency in chartdata/${chart.chartdata[0]}/Chart.yaml`];
    if (dependency.version !== source.version) out.push(`${where}: read at ${source.chart} ${source.version}, ${chart.pin.chart} ${chart.pin.version} bundles ${dependency.version}`);
    const dir = `${chart.chartdata[0]}/charts/${source.chart}`;
    const vendored = vendoredMeta(dir, read);
    if (vendored.version !== dependency.version) out.push(`${where}: chartdata/${dir} holds ${source.chart} ${vendored.version}, not ${dependency.version}`);
    const entry = sources.find((e) => e.dir === dir);
    const tag = subchartTag(source.chart, dependency.version);
    if (!entry || entry.ref !== tag) out.push(`${where}: SOURCES.yaml records chartdata/${dir} at ${entry?.ref}, not ${tag}`);
    if (entry) tags.set(entry.repo, entry.repo === chart.source.repo ? `${chart.source.tag} ${tag}` : tag);
  }
  for (const f of source.files) {
    const allowed = tags.get(f.repo)?.split(" ");
    if (allowed && !allowed.includes(f.tag)) out.push(`${where}: ${f.path} read at ${f.tag}, not ${allowed.join(" or ")}`);
  }
  return out;
}

/** Every pod row of the module against the pin and chartdata. */
export function citationProblems(chart: ChartModule, sources: readonly SourceEntry[], read: ChartdataReader): string[] {
  if (chart.pods.length === 0) return [`${chart.pin.chart}: the module lists no pod`];
  return chart.pods.flatMap((pod) => podProblems(chart, pod, sources, read));
}

/**
 * API groups of the CRDs vendored for the chart that its module does not list, and of the CRD
 * files a vendored `kustomization.yaml` lists by name (`<group>_<plural>.yaml`).
 */
export function crdGroupProblems(chart: ChartModule, read: ChartdataReader): string[] {
  const out: string[] = [];
  for (const dir of chart.chartdata) {
    const entry = SOURCES.find((e) => e.dir === dir);
    for (const f of (entry?.files ?? []).filter((x) => x.file === "kustomization.yaml")) {
      for (const listed of YAML.parse(read(`${dir}/${f.file}`) ?? "{}").resources ?? []) {
        const group = /^(.+)_[^_]+\.ya?ml$/.exec(listed)?.[1];
        if (!group || !chart.crdGroups.includes(group)) out.push(`${chart.pin.chart}: chartdata/${dir}/${f.file} lists ${listed}, of group ${group}, not in the module's crdGroups`);
      }
    }
    const crds = (entry?.files ?? []).filter((f) => /^kind: CustomResourceDefinition\s*$/m.test(read(`${dir}/${f.file}`) ?? ""));
    if (dir.endsWith("/crds") && crds.length === 0) out.push(`${chart.pin.chart}: chartdata/${dir} holds no CRD`);
    for (const f of crds) {
      // A CRD's `spec.group`, read from its text: the files are large, and only this line matters.
      for (const doc of (read(`${dir}/${f.file}`) ?? "").split(/^---\s*$/m)) {
        if (!/^kind: CustomResourceDefinition\s*$/m.test(doc)) continue;
        const group = /^ {2}group: ["']?([^"'\s]+)/m.exec(doc)?.[1];
        if (!group || !chart.crdGroups.includes(group)) out.push(`${chart.pin.chart}: chartdata/${dir}/${f.file} defines group ${group}, not in the module's crdGroups`);
      }
    }
  }
  return out;
}
