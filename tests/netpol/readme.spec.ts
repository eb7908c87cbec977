import * as fs from "fs";
import * as path from "path";
import { NAMESPACES, SERVICES } from "../../catalog";
import { allowedFlowsTable } from "../../tools/netpol/flow-table";
import { flowDiagram } from "../../tools/netpol/mermaid";
import { VERDICT_COLUMN, reportMatrices, shownMatrix } from "../../tools/netpol/report";
import { analysedStack } from "./render";
import { PROJECT_DIR, stackRender } from "../harness";

const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");

function section(start: string, end: string): string {
  const i = readme.indexOf(start);
  const j = readme.indexOf(end, i);
  if (i < 0 || j < 0) throw new Error(`README has no ${start} ... ${end}`);
  return readme.slice(i + start.length, j);
}

describe("README: zero-trust network policies", () => {
  const prodMatrix = async () => {
    const matrices = reportMatrices((await analysedStack("prod")).model);
    expect(matrices.cni).toBeDefined();
    return shownMatrix(matrices);
  };

  test("the diagram equals the one generated from the prod render, under the EKS VPC CNI model", async () => {
    const generated = "```mermaid\n" + flowDiagram(await prodMatrix()).text + "\n```";
    const shown = section("<!-- flows-diagram:prod -->\n", "\n<!-- /flows-diagram:prod -->");
    // On failure: `npm run synth -- --stack prod` and copy the diagram of out/prod/flows.md.
    expect(shown).toBe(generated);
  });

  test("the allowed flows' table, with each flow's paths and its CNI verdict, equals the one generated from the prod render", async () => {
    const generated = allowedFlowsTable(await prodMatrix(), VERDICT_COLUMN.cni);
    const shown = section("<!-- flows-table:prod -->\n", "\n<!-- /flows-table:prod -->");
    // On failure: `npm run synth -- --stack prod` and copy the table of out/prod/flows.md.
    expect(shown).toBe(generated);
    expect(shown).toContain("| traefik/traefik | kube-apiserver | 443/TCP | outside the pod network, Service default/kubernetes | allowed |");
  });

  // dev proves names by HTTP-01 (no hosted zone), prod by DNS-01: between them, every policy a stack can have.
  test("the policy table names exactly the policies rendered in dev and prod", async () => {
    const [dev, r] = await Promise.all([stackRender("dev"), stackRender("prod")]);
    const platformNs: string[] = Object.values(NAMESPACES).map((n) => n.name);
    // Per-service policy names are written with `<service>`; namespace-wide ones once for all.
    const generic = (name: string) => SERVICES.filter((s) => s.role === "microservice").reduce((n, s) => n.replace(new RegExp(`^allow-${s.name}-`), "allow-<service>-"), name);
    const rendered = new Set(
      [...dev.kind("NetworkPolicy"), ...r.kind("NetworkPolicy")].map((p) => {
        const name = generic(p.inputs.metadata.name);
        return ["deny-all-default", "allow-dns"].includes(name) ? `every platform namespace and kube-system ${name}` : `${p.inputs.metadata.namespace} ${name}`;
      }),
    );
    const table = section("| Namespace | Policy | Selects | Allows |", "\n\n")
      .split("\n")
      .filter((l) => l.startsWith("| ") && !l.startsWith("|---"))
      .map((l) => l.split("|").map((c) => c.trim().replace(/`/g, "")))
      .map((c) => `${c[1]} ${c[2]}`);
    expect(new Set(table)).toEqual(rendered);
    expect(table).toHaveLength(rendered.size);
    for (const ns of platformNs) expect(r.kind("NetworkPolicy").some((p) => p.inputs.metadata.namespace === ns)).toBe(true);
  });
});
