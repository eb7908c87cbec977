/**
 * The Vault module's pod row against the chart: labels, container ports and host network worked
 * out from the vendored chart and the values staging and prod render, following the templates
 * the row cites (hashicorp/vault-helm v0.34.1 `templates/server-statefulset.yaml` 38-45, 61-63,
 * 158-164; `_helpers.tpl` 35-37 `vault.name`, 1077-1083 `vault.scheme`).
 */
import { VAULT } from "../../../components/secrets/vault/chart";
import { STACKS, stackRender, stackSetting } from "../../harness";
import { ExpectedPod, chartdataYaml, helmDefault, mergedValues, podRow, rowProblems, tcp, truthy } from "../chart-pods";

/** The server pods a release gets with these values. */
function vaultServerPod(values: Record<string, any>, release: string): ExpectedPod {
  const v = mergedValues("vault", values);
  const scheme = truthy(v.global.tlsDisable) ? "http" : "https";
  return {
    labels: {
      "app.kubernetes.io/name": helmDefault(chartdataYaml("vault/Chart.yaml").name, v.nameOverride),
      "app.kubernetes.io/instance": release,
      component: "server",
      ...(v.server.extraLabels ?? {}),
    },
    ports: [tcp(scheme, 8200), tcp("https-internal", 8201), tcp(`${scheme}-rep`, 8202), ...(v.server.extraPorts ?? [])],
    hostNetwork: v.global.openshift ? false : v.server.hostNetwork === true,
  };
}

const WITH_VAULT = STACKS.filter((s) => stackSetting(s, "secretsBackend") === "vault" && stackSetting(s, "vaultAddress") === "");

describe.each(WITH_VAULT)("chart pods of %s", (stack) => {
  test("Vault: the row is what the chart gives its server pods with these values", async () => {
    const chart = (await stackRender(stack)).ofType("kubernetes:helm.sh/v4:Chart").find((c) => c.inputs.chart === "vault")!;
    expect(rowProblems(podRow(VAULT, "{release}"), vaultServerPod(chart.inputs.values, VAULT.release))).toEqual([]);
  });
});

describe("the Vault chart-pod check bites", () => {
  test("TLS turned off renames the ports; a pod label added by values is missing from the row", async () => {
    const chart = (await stackRender("prod")).ofType("kubernetes:helm.sh/v4:Chart").find((c) => c.inputs.chart === "vault")!;
    const row = podRow(VAULT, "{release}");
    const values = chart.inputs.values;
    expect(rowProblems(row, vaultServerPod({ ...values, global: { ...values.global, tlsDisable: true } }, VAULT.release)).join("\n")).toMatch(/http/);
    expect(rowProblems(row, vaultServerPod({ ...values, server: { ...values.server, extraLabels: { tier: "secrets" } } }, VAULT.release)).join("\n")).toMatch(/tier/);
  });
});
