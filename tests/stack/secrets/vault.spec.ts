/**
 * Vault in the renders: in the cluster for staging and prod (secretsBackend vault), nowhere in
 * dev (kubernetes), and only as an address with an existing Vault (the one variant render).
 */
import type { RecordedResource, Rendered } from "../../../tools/render/engine";
import { VAULT_POD_LABELS } from "../../../components/secrets/vault/chart";
import { chartValuesCheck } from "../../../lib/schema-check";
import { STACKS, StackName, configError, renderProgram, stackRender, stackSetting } from "../../harness";
import { PROD_CHANGED } from "../../variants";

const VAULT_CHART = (r: Rendered) => r.ofType("kubernetes:helm.sh/v4:Chart").filter((c) => c.inputs.chart === "vault");
const sealKeys = (r: Rendered) => r.ofType("aws:kms/key:Key").filter((k) => k.inputs.tags?.purpose === "vault-seal");
const runsVault = (stack: StackName) => stackSetting(stack, "secretsBackend") === "vault";
const IN_CLUSTER = STACKS.filter(runsVault);
const WITHOUT = STACKS.filter((s) => !runsVault(s));

describe("configuration", () => {
  test("an even number of servers is refused, naming the key", async () => {
    expect(await configError("staging", { "ecommerce:vaultReplicas": 2 })).toMatch(
      /'ecommerce:vaultReplicas' value 2 is not allowed; expected 1, 3, 5 \(raft needs an odd number of voters\)/,
    );
  });

  test("3 servers over dev's two zones are refused where Vault runs, and ignored where it does not", async () => {
    expect(await configError("dev", { "ecommerce:secretsBackend": "vault", "ecommerce:vaultReplicas": 3 })).toMatch(/needs 3 'ecommerce:availabilityZones' \(has 2\)/);
    expect(await configError("dev", { "ecommerce:vaultReplicas": 3 })).toBe("");
  });

  test("an address must be https, and a CA needs an address", async () => {
    expect(await configError("staging", { "ecommerce:vaultAddress": "http://vault.example.com" })).toMatch(/'ecommerce:vaultAddress'.*expected "" \(Vault runs in the cluster\) or an https URL/);
    expect(await configError("staging", { "ecommerce:vaultAddress": "https://vault.example.com/v1/" })).toMatch(/'ecommerce:vaultAddress' value .* no path/);
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    expect(await configError("staging", { "ecommerce:vaultCaCertificate": pem })).toMatch(/'ecommerce:vaultCaCertificate' is set but 'ecommerce:vaultAddress' is ""/);
    expect(await configError("staging", { "ecommerce:vaultAddress": "https://vault.example.com", "ecommerce:vaultCaCertificate": pem })).toBe("");
  });
});

describe.each(IN_CLUSTER)("Vault in the cluster of %s", (stack) => {
  const chart = async (): Promise<RecordedResource> => {
    const charts = VAULT_CHART(await stackRender(stack));
    expect(charts).toHaveLength(1);
    return charts[0];
  };

  test("the release is in namespace vault, its values pass the chart's schema, with the stack's servers and volume size", async () => {
    const c = await chart();
    expect(c.inputs).toMatchObject({ name: "vault", namespace: "vault", version: "0.34.1" });
    expect(chartValuesCheck("vault")(c.inputs.values)).toEqual([]);
    expect(c.inputs.values.server.ha.replicas).toBe(stackSetting(stack, "vaultReplicas"));
    expect(c.inputs.values.server.dataStorage.size).toBe(stackSetting(stack, "vaultStorageSize"));
  });

  test("protected as the data tier's StatefulSets are, where protectData is set", async () => {
    const c = await chart();
    const protectData = stackSetting<boolean>(stack, "protectData");
    expect(c.protect === true).toBe(protectData);
    expect(sealKeys(await stackRender(stack)).map((k) => k.protect === true && k.retainOnDelete === true)).toEqual([protectData]);
    expect(c.inputs.values.server.persistentVolumeClaimRetentionPolicy.whenDeleted).toBe(protectData ? "Retain" : "Delete");
  });

  test("the servers wait for their Pod Identity association and the volume driver, not for their certificate", async () => {
    const r = await stackRender(stack);
    const deps = r.dependsOnTransitively((await chart()).urn);
    const association = r.ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation").find((a) => a.inputs.namespace === "vault")!;
    expect(association.inputs.serviceAccount).toBe("vault");
    expect(deps.has(association.urn)).toBe(true);
    // The pods wait for the certificate's Secret to mount; the release does not wait for its issuance.
    const certificate = r.kind("Certificate", "vault").find((x) => x.inputs.metadata.name === "vault-server-tls")!;
    expect(deps.has(certificate.urn)).toBe(false);
    expect([...deps].some((u) => u.includes("ebs-csi"))).toBe(true);
  });

  test("a renewal of the servers' certificate rolls them: their annotation names it and Reloader watches vault", async () => {
    const r = await stackRender(stack);
    const values = (await chart()).inputs.values;
    expect(values.server.statefulSet.annotations["secret.reloader.stakater.com/reload"]).toBe("vault-server-tls");
    const reloader = r.ofType("kubernetes:helm.sh/v4:Chart").find((c) => c.inputs.chart === "reloader")!;
    expect(reloader.inputs.values.reloader.namespaces).toContain("vault");
  });

  test("the seal's role may use its key only, and the seal names that key", async () => {
    const r = await stackRender(stack);
    const [key] = sealKeys(r);
    const policies = r.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => p.name.startsWith("vault-aws"));
    expect(policies).toHaveLength(1);
    expect(JSON.stringify(policies[0].inputs.policy)).toMatch(/kms:Encrypt.*kms:Decrypt.*kms:DescribeKey/);
    const config: string = (await chart()).inputs.values.server.ha.raft.config;
    expect(config).toContain(`region = "${stackSetting(stack, "aws:region")}"`);
    expect(key.name).toBe("vault-aws-seal");
  });

  test("the CA (in cert-manager's namespace, behind the ClusterIssuer vault-ca) and the server certificate (in vault) come before the bootstrap", async () => {
    const r = await stackRender(stack);
    expect(r.kind("Issuer", "cert-manager").map((i) => i.inputs.metadata.name)).toEqual(["vault-selfsigned"]);
    expect(r.kind("Certificate", "cert-manager").map((i) => i.inputs.metadata.name)).toEqual(["vault-ca"]);
    expect(r.kind("ClusterIssuer").filter((i) => i.inputs.metadata.name === "vault-ca").map((i) => i.inputs.spec)).toEqual([{ ca: { secretName: "vault-ca" } }]);
    const server = r.find("Certificate", "vault-server-tls", "vault");
    expect(server.spec.issuerRef).toMatchObject({ kind: "ClusterIssuer", name: "vault-ca" });
    const serverUrn = r.k8sObjects().find((o) => o.inputs.kind === "Certificate" && o.inputs.metadata.name === "vault-server-tls")!.urn;
    const job = r.k8sObjects().find((o) => o.inputs.kind === "Job" && String(o.inputs.metadata.name).startsWith("vault-bootstrap-"))!;
    expect(job.dependsOn).toEqual(expect.arrayContaining([serverUrn, ...VAULT_CHART(r).map((c) => c.urn)]));
  });

  test("Vault's policy selects its servers, and its monitor and alerts sit beside them", async () => {
    const r = await stackRender(stack);
    expect(r.find("NetworkPolicy", "allow-vault", "vault").spec.podSelector).toEqual({ matchLabels: VAULT_POD_LABELS });
    expect(r.find("ServiceMonitor", "vault", "vault").spec.endpoints[0].scheme).toBe("https");
    expect(r.find("PrometheusRule", "ecommerce-vault-alerts", "vault").spec.groups[0].rules.map((x: any) => x.alert)).toContain("VaultSealed");
  });
});

describe.each(WITHOUT)("no Vault in %s (secretsBackend kubernetes)", (stack) => {
  test("no chart, no seal key, no vault namespace, no Vault policy", async () => {
    const r = await stackRender(stack);
    expect(VAULT_CHART(r)).toEqual([]);
    expect(sealKeys(r)).toEqual([]);
    expect(r.kind("Namespace").map((n) => n.inputs.metadata.name)).not.toContain("vault");
    expect(r.kind("NetworkPolicy").filter((p) => p.inputs.metadata.name.includes("vault"))).toEqual([]);
  });
});

describe("an existing Vault (vaultAddress set)", () => {
  // prod's variant with an existing Vault (tests/variants.ts), shared with the data and monitoring suites.
  const external = () => renderProgram("prod", { overrides: PROD_CHANGED });

  test("nothing of Vault runs in the cluster: no chart, no seal key, no role, no certificates, no monitor", async () => {
    const r = await external();
    expect(VAULT_CHART(r)).toEqual([]);
    expect(sealKeys(r)).toEqual([]);
    expect(r.ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation").filter((a) => a.inputs.namespace === "vault")).toEqual([]);
    expect(r.kind("Certificate", "vault")).toEqual([]);
    expect(r.kind("ServiceMonitor", "vault")).toEqual([]);
  });

  test("the vault namespace stays for the bootstrap, denied by default, with the bootstrap's policy and no server policy", async () => {
    const r = await external();
    expect(r.kind("NetworkPolicy", "vault").map((p) => p.inputs.metadata.name).sort()).toEqual(["allow-dns", "allow-vault-bootstrap", "deny-all-default"]);
    expect(r.kind("NetworkPolicy").filter((p) => p.inputs.metadata.name === "allow-vault-database-ingress")).toEqual([]);
  });
});
