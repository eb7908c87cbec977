import { PROFILE_TABLE, SERVICES } from "../../catalog";
import { DATABASE_TTL, VAULT_AUDIENCE, databaseCredsPath, vaultTable } from "../../catalog/vault";
import { EXTERNAL_SECRETS, externalSecretsValues } from "../../components/secrets/external-secrets/chart";
import { IN_CLUSTER_VAULT, databaseRefresh, durationSeconds, isDatabaseTarget, storeName, syncEndpoint, syncPlan } from "../../components/secrets/vault-sync";
import { vaultClientEndpoint } from "../../components/secrets/vault/endpoint";
import { chartValuesCheck, crdCheck } from "../../lib/schema-check";

const rows = PROFILE_TABLE.standard;
const values = externalSecretsValues({
  resources: { controller: rows.externalSecretsController, webhook: rows.externalSecretsWebhook, certController: rows.externalSecretsCertController },
});
const table = vaultTable(SERVICES);
const plan = syncPlan(table, IN_CLUSTER_VAULT);

/** The vendored CRD of each kind the plan creates (chartdata/external-secrets/crds, helm-chart-2.9.0). */
const CRDS: Record<string, string> = {
  ExternalSecret: "external-secrets/crds/external-secrets.io_externalsecrets.yaml",
  SecretStore: "external-secrets/crds/external-secrets.io_secretstores.yaml",
  VaultDynamicSecret: "external-secrets/crds/generators.external-secrets.io_vaultdynamicsecrets.yaml",
};
const checks = Object.fromEntries(Object.entries(CRDS).map(([kind, file]) => [kind, crdCheck(file)]));

describe("External Secrets Operator chart values", () => {
  const check = chartValuesCheck("external-secrets");

  test("pass the chart's values.schema.json at 2.9.0, and a planted wrong type does not", () => {
    expect(check(values)).toEqual([]);
    expect(check({ ...values, rbac: { serviceAccountTokenCreate: "no" } })).not.toEqual([]);
  });

  test("grant no cluster-wide token creation and process no cluster-scoped or push objects", () => {
    expect(values).toMatchObject({
      rbac: { serviceAccountTokenCreate: false },
      processClusterStore: false,
      processClusterExternalSecret: false,
      processPushSecret: false,
      processClusterPushSecret: false,
    });
  });

  test("every component runs under a restricted pod and container context", () => {
    for (const c of [values, values.webhook, values.certController] as Record<string, any>[]) {
      expect(c.podSecurityContext).toMatchObject({ enabled: true, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true });
    }
  });

  test("the module installs CRDs of both groups it lists", () => {
    expect(values.installCRDs).toBe(true);
    expect(EXTERNAL_SECRETS.crdGroups).toEqual(["external-secrets.io", "generators.external-secrets.io"]);
  });
});

describe("the objects syncing Vault's table", () => {
  // The Certificates bringing Vault's CA are cert-manager's: its Certificate CRD is not vendored.
  const all = [...plan.stores, ...plan.generators, ...plan.externalSecrets];

  test.each(all.map((m) => [`${m.kind} ${m.metadata.namespace}/${m.metadata.name}`, m] as const))("%s passes its vendored CRD", (_, m) => {
    expect(checks[m.kind](m as unknown as Record<string, unknown>)).toEqual([]);
  });

  test("a planted misspelled field fails the ExternalSecret CRD", () => {
    const es = plan.externalSecrets[0];
    expect(checks.ExternalSecret({ ...es, spec: { ...es.spec, refreshIntervall: "1m" } })).not.toEqual([]);
  });

  test("every Secret of the table has one ExternalSecret of the same name, namespace and keys", () => {
    expect(plan.externalSecrets.map((e) => `${e.metadata.namespace}/${e.metadata.name}`).sort()).toEqual(table.secrets.map((s) => `${s.namespace}/${s.name}`).sort());
    for (const target of table.secrets) {
      const es = plan.externalSecrets.find((e) => e.metadata.name === target.name && e.metadata.namespace === target.namespace)!;
      const spec = es.spec as any;
      expect(spec.target.name).toBe(target.name);
      expect(Object.keys(spec.target.template.data).sort()).toEqual(Object.keys(target.data).sort());
      // Replace (the default) keeps only the template's keys: no stray field of the KV secret.
      expect(spec.target.template.mergePolicy).toBeUndefined();
    }
  });

  test("each database Secret comes from a generator on database/creds/<service>, authenticating as that service", () => {
    const dbTargets = table.secrets.filter(isDatabaseTarget);
    expect(dbTargets.map((t) => t.consumer).sort()).toEqual(table.databaseRoles.map((r) => r.name).sort());
    for (const t of dbTargets) {
      const gen = plan.generators.find((g) => g.metadata.name === t.name && g.metadata.namespace === t.namespace)!;
      const spec = gen.spec as any;
      expect(spec.path).toBe(databaseCredsPath(t.consumer));
      expect(spec.provider.auth.kubernetes).toEqual({ mountPath: "kubernetes", role: t.consumer, serviceAccountRef: { name: `${t.consumer}-secrets`, audiences: [VAULT_AUDIENCE] } });
    }
  });

  test("each store reads KV v2 at `secret` as its consumer, its CA from its own namespace", () => {
    for (const s of plan.stores) {
      const vault = (s.spec as any).provider.vault;
      expect(vault).toMatchObject({ server: "https://vault.vault.svc:8200", path: "secret", version: "v2" });
      expect(s.metadata.name).toBe(storeName(vault.auth.kubernetes.role));
      // A namespaced store may not name another namespace for its CA (runtime/esutils/utils.go 661-666).
      expect(vault.caProvider.namespace).toBeUndefined();
      expect(plan.caCertificates.map((c) => c.metadata.namespace)).toContain(s.metadata.namespace);
    }
  });

  test("ESO may create tokens only for the ServiceAccounts its stores and generators name, each existing in that namespace", () => {
    for (const m of [...plan.stores, ...plan.generators]) {
      const auth = m.kind === "SecretStore" ? (m.spec as any).provider.vault.auth : (m.spec as any).provider.auth;
      const sa = auth.kubernetes.serviceAccountRef.name;
      const role = plan.tokenRoles.find((r) => r.role.metadata.namespace === m.metadata.namespace)!.role;
      expect((role.rules[0] as any).resourceNames).toContain(sa);
      expect(plan.serviceAccounts.some((a) => a.metadata.namespace === m.metadata.namespace && a.metadata.name === sa && !a.automountServiceAccountToken)).toBe(true);
    }
    for (const { role } of plan.tokenRoles) expect(role.rules).toEqual([expect.objectContaining({ resources: ["serviceaccounts/token"], verbs: ["create"] })]);
  });

  test("database credentials are renewed with half their lease left; KV secrets refresh sooner", () => {
    const ttl = durationSeconds(DATABASE_TTL.defaultTtl);
    for (const es of plan.externalSecrets) {
      const refresh = durationSeconds((es.spec as any).refreshInterval);
      expect(refresh).toBeLessThanOrEqual(ttl / 2);
      expect(refresh).toBeGreaterThan(0);
    }
    expect(databaseRefresh("1h")).toBe("30m");
    expect(() => databaseRefresh("3m")).toThrow("leaves no time to roll the pods");
    expect(() => durationSeconds("1d")).toThrow("not a duration");
  });

  test("a Secret naming a consumer the table lacks, or one not bound in its namespace, is an error", () => {
    const stray = { ...table.secrets[0], consumer: "nobody" };
    expect(() => syncPlan({ ...table, secrets: [stray] }, IN_CLUSTER_VAULT)).toThrow("names consumer 'nobody'");
    const elsewhere = { ...table.secrets[0], namespace: "monitoring" };
    expect(() => syncPlan({ ...table, secrets: [elsewhere] }, IN_CLUSTER_VAULT)).toThrow("is not bound in monitoring");
  });
});

describe("Vault's CA in each mode (vault/endpoint.ts)", () => {
  const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const planOf = (caCertificate: string | undefined) =>
    syncPlan(
      table,
      syncEndpoint(
        caCertificate === undefined
          ? vaultClientEndpoint({ mode: "in-cluster", replicas: 3, storageSize: "5Gi", resources: PROFILE_TABLE.standard.vault })
          : vaultClientEndpoint({ mode: "external", address: "https://vault.example.net:8200", host: "vault.example.net", port: 8200, caCertificate }),
      ),
    );
  const caOf = (p: ReturnType<typeof syncPlan>) => p.stores.map((s) => (s.spec as any).provider.vault.caProvider);

  test("in the cluster: a Certificate from Vault's ClusterIssuer per namespace, read by every store", () => {
    const p = planOf(undefined);
    expect(p.caCertificates.map((c) => c.metadata.namespace)).toEqual(p.namespaces);
    expect(p.caSecrets).toEqual([]);
    expect(new Set(caOf(p).map((c) => JSON.stringify(c)))).toEqual(new Set([JSON.stringify({ type: "Secret", name: "vault-ca", key: "ca.crt" })]));
  });

  test("an existing Vault with a CA of its own: that PEM as a Secret per namespace, no Certificate", () => {
    const p = planOf(PEM);
    expect(p.caCertificates).toEqual([]);
    expect(p.caSecrets.map((c) => [c.metadata.namespace, c.stringData["ca.crt"]])).toEqual(p.namespaces.map((ns) => [ns, PEM]));
    expect(p.stores.every((s) => (s.spec as any).provider.vault.server === "https://vault.example.net:8200")).toBe(true);
  });

  test("an existing Vault with a public certificate: no CA object and no caProvider", () => {
    const p = planOf("");
    expect([p.caCertificates, p.caSecrets]).toEqual([[], []]);
    expect(caOf(p).every((c) => c === undefined)).toBe(true);
    expect(p.generators.every((g) => (g.spec as any).provider.caProvider === undefined)).toBe(true);
  });
});
