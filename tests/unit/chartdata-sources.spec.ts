/**
 * chartdata/ holds upstream files at the pinned chart versions; SOURCES.yaml says where each came
 * from. A file edited by hand, added without a source, or left behind by a version bump fails here.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CERT_MANAGER_CHART } from "../../components/ingress/cert-manager/cert-manager";
import { TRAEFIK_CHART } from "../../components/ingress/traefik/values";
import { KUBE_PROMETHEUS_STACK } from "../../components/monitoring/kube-prometheus-stack/values";
import { CHARTDATA_DIR } from "../../lib/schema-check";

interface SourceEntry {
  readonly dir: string;
  readonly repo: string;
  readonly ref: string;
  readonly files: readonly { readonly file: string; readonly bytes: number; readonly sha256: string }[];
}

const sources: SourceEntry[] = YAML.parse(fs.readFileSync(path.join(CHARTDATA_DIR, "SOURCES.yaml"), "utf8")).entries;
const listed = sources.flatMap((e) => e.files.map((f) => ({ ...f, path: path.posix.join(e.dir, f.file) })));

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

test.each([
  ["traefik", TRAEFIK_CHART.version],
  ["cert-manager", CERT_MANAGER_CHART.version],
  ["kube-prometheus-stack", KUBE_PROMETHEUS_STACK.version],
])("%s is vendored at the version the program pins (%s)", (dir, version) => {
  const refs = sources.filter((e) => e.dir === dir || e.dir.startsWith(`${dir}/`)).map((e) => e.ref);
  expect(refs.length).toBeGreaterThan(0);
  // Release tags are `v<version>` (traefik, cert-manager) or `<chart>-<version>` (prometheus-community).
  const bare = version.replace(/^v/, "");
  for (const ref of refs) expect([`v${bare}`, `${dir}-${bare}`]).toContain(ref);
});
