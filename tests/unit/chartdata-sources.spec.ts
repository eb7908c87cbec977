/**
 * chartdata/ holds upstream files at the pinned chart versions; SOURCES.yaml says where each came
 * from. A file edited by hand, added without a source, or left behind by a version bump fails here,
 * and so does a chart module (components/charts.ts) whose pin is not what chartdata/ holds.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { CHARTS } from "../../components/charts";
import { CHARTDATA_DIR } from "../../lib/schema-check";
import { ChartdataReader, SOURCES, pinProblems, readChartdata } from "./chart-checks";

const listed = SOURCES.flatMap((e) => e.files.map((f) => ({ ...f, path: path.posix.join(e.dir, f.file) })));

function filesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(CHARTDATA_DIR, dir), { withFileTypes: true }).flatMap((d) => {
    const rel = path.posix.join(dir, d.name);
    return d.isDirectory() ? filesUnder(rel) : [rel];
  });
}

test("every vendored file has a source, and every source names a file that is there", () => {
  const present = filesUnder("").map((f) => f.replace(/^\//, "")).filter((f) => f !== "SOURCES.yaml");
  expect(present.sort()).toEqual(listed.map((f) => f.path).sort());
});

test.each(listed.map((f) => [f.path, f] as const))("%s has the size and sha256 SOURCES.yaml records", (file, entry) => {
  const content = fs.readFileSync(path.join(CHARTDATA_DIR, file));
  expect({ bytes: content.length, sha256: createHash("sha256").update(content).digest("hex") }).toEqual({
    bytes: entry.bytes,
    sha256: entry.sha256,
  });
});

describe.each(CHARTS.map((c) => [c.pin.chart, c] as const))("the %s module", (_name, chart) => {
  test("pins the version vendored in chartdata/, from the tag SOURCES.yaml records", () => {
    expect(pinProblems(chart, SOURCES, readChartdata)).toEqual([]);
  });
});

describe("a pin that disagrees with chartdata/ is reported", () => {
  const traefik = CHARTS.find((c) => c.pin.chart === "traefik")!;
  const { version } = traefik.pin;
  const { repo, tag } = traefik.source;
  const other = `${version}-rc.1`;
  test.each([
    ["a version bump without new chartdata", { ...traefik, pin: { ...traefik.pin, version: other } }, `Chart.yaml is traefik ${version}, the module pins traefik ${other}`],
    ["a tag that is not the version's", { ...traefik, source: { ...traefik.source, tag: "v0.0.1" } }, `tag v0.0.1 does not name the pinned version ${version}`],
    ["chartdata from another tag", { ...traefik, source: { ...traefik.source, tag: `${tag}.0` } }, `chartdata/traefik comes from ${repo}@${tag}, the module pins ${repo}@${tag}.0`],
    ["a folder SOURCES.yaml does not list", { ...traefik, chartdata: [...traefik.chartdata, "traefik/extra"] }, "no entry for chartdata/traefik/extra"],
  ])("%s", (_label, planted, message) => {
    expect(pinProblems(planted, SOURCES, readChartdata).join("\n")).toContain(message);
  });

  test("a release commit stands for its tag only on the branch the release job names after it (Karpenter's release-<tag>)", () => {
    const karpenter = CHARTS.find((c) => c.pin.chart === "karpenter")!;
    const released = SOURCES.map((e) => (e.dir === "karpenter" ? { ...e, ref: "main" } : e));
    expect(pinProblems(karpenter, released, readChartdata).join("\n")).toContain(
      `chartdata/karpenter is recorded as the release of ${karpenter.source.tag} from main, not from release-${karpenter.source.tag}`,
    );
    const unreleased = SOURCES.map((e) => (e.dir === "karpenter" ? { ...e, releaseOf: undefined } : e));
    expect(pinProblems(karpenter, unreleased, readChartdata).join("\n")).toContain(`comes from ${karpenter.source.repo}@release-${karpenter.source.tag}, the module pins`);
  });

  test("the tag's own Chart.yaml, which still names the previous release, fails the pin", () => {
    const karpenter = CHARTS.find((c) => c.pin.chart === "karpenter")!;
    const tagFiles: ChartdataReader = (rel) => (rel === "karpenter/Chart.yaml" ? readChartdata(rel)!.replace(/^version: .*$/m, "version: 1.13.0") : readChartdata(rel));
    expect(pinProblems(karpenter, SOURCES, tagFiles).join("\n")).toContain(`Chart.yaml is karpenter 1.13.0, the module pins karpenter ${karpenter.pin.version}`);
  });

  test("chart-info.yaml (cert-manager's published version) is read before Chart.yaml's placeholder", () => {
    const certManager = CHARTS.find((c) => c.pin.chart === "cert-manager")!;
    const withoutInfo: ChartdataReader = (rel) => (rel.endsWith("chart-info.yaml") ? undefined : readChartdata(rel));
    expect(pinProblems(certManager, SOURCES, withoutInfo).join("\n")).toContain(`Chart.yaml is cert-manager v0.0.0, the module pins cert-manager ${certManager.pin.version}`);
  });
});
