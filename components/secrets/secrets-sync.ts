import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadResources } from "../../catalog";
import type { VaultTable } from "../../catalog/vault";
import { pinnedChart } from "../../lib/helm";
import { EXTERNAL_SECRETS, ExternalSecretsComponent } from "./external-secrets/chart";
import { RELOADER } from "./reloader/chart";
import { VaultEndpoint, isDatabaseTarget, syncPlan } from "./vault-sync";

export interface SecretsSyncArgs {
  /** What Vault holds and which Secrets are made from it (catalog/vault.ts `vaultTable`). */
  readonly table: VaultTable;
  readonly vault: VaultEndpoint;
  /** Namespace `external-secrets`, created by the Namespaces component. */
  readonly namespace: k8s.core.v1.Namespace;
  /** The namespaces of the Secrets, by name, so that every object waits for its namespace. */
  readonly namespaces: Readonly<Record<string, k8s.core.v1.Namespace>>;
  readonly resources: Readonly<Record<ExternalSecretsComponent, WorkloadResources>>;
  /** Reloader's row of the resource profile. */
  readonly reloaderResources: WorkloadResources;
  /** What the operator's pods need first (nodes). */
  readonly waitFor: pulumi.Resource[];
  /** cert-manager's chart: the Certificates bringing Vault's CA into the namespaces need its CRDs. */
  readonly certManager: pulumi.Resource;
  /** Namespaces beyond the synced Secrets' where workloads roll on a Secret's change (Vault's, for its certificate). */
  readonly reloadAlso: readonly string[];
  /** What makes Vault answer the stores (the bootstrap Job, which creates their roles). */
  readonly vaultReady: pulumi.Resource[];
}

/** `namespace/store|generator/name` of the store or generator an ExternalSecret reads. */
function sourceOf(es: { metadata: { namespace: string }; spec?: Record<string, any> }): string {
  const generator = es.spec?.dataFrom?.[0]?.sourceRef?.generatorRef?.name;
  return generator ? `${es.metadata.namespace}/generator/${generator}` : `${es.metadata.namespace}/store/${es.spec?.secretStoreRef?.name}`;
}

/**
 * The External Secrets Operator and the objects syncing Vault into the platform's Secrets. The
 * operator's custom resources wait for the chart: its CRDs and its webhook, which admits them
 * (`failurePolicy: Fail`, `values.yaml` 510), are up once the chart's Deployments are.
 */
export class SecretsSync extends pulumi.ComponentResource {
  readonly chart: k8s.helm.v4.Chart;
  /** The ExternalSecrets by the name of the Secret each one makes: a workload reading it waits for it. */
  readonly secretsByName: Readonly<Record<string, pulumi.Resource>>;
  /** The Secrets holding leased database credentials, renewed every half lease (vault-sync.ts `databaseRefresh`). */
  readonly leasedSecrets: readonly string[];
  /** Reloader, which rolls the workloads annotated with the Secrets they read (lib/reload.ts). */
  readonly reloader: k8s.helm.v4.Chart;

  constructor(name: string, args: SecretsSyncArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:secrets:SecretsSync", name, {}, opts);
    const plan = syncPlan(args.table, args.vault);
    this.chart = pinnedChart(
      name,
      { chart: EXTERNAL_SECRETS, namespace: args.namespace, values: EXTERNAL_SECRETS.values({ resources: args.resources }), after: args.waitFor },
      this,
    );
    const nsOf = (ns: string) => {
      const namespace = args.namespaces[ns];
      if (!namespace) throw new pulumi.ResourceError(`no Namespace '${ns}' for the Secrets synced there`, this);
      return namespace;
    };
    const at = (ns: string) => ({ parent: this, dependsOn: [nsOf(ns)] });
    const accounts = plan.serviceAccounts.map(
      (sa) => new k8s.core.v1.ServiceAccount(`${name}-${sa.metadata.namespace}-${sa.metadata.name}`, sa as k8s.core.v1.ServiceAccountArgs, at(sa.metadata.namespace)),
    );
    const grants = plan.tokenRoles.flatMap(({ role, binding }) => {
      const r = new k8s.rbac.v1.Role(`${name}-${role.metadata.namespace}-token-requests`, role as k8s.rbac.v1.RoleArgs, at(role.metadata.namespace));
      return [r, new k8s.rbac.v1.RoleBinding(`${name}-${binding.metadata.namespace}-token-requests`, binding as k8s.rbac.v1.RoleBindingArgs, { ...at(binding.metadata.namespace), dependsOn: [r] })];
    });
    const custom = (kind: string, m: { metadata: { name: string; namespace: string } }, after: pulumi.Resource[]) =>
      new k8s.apiextensions.CustomResource(`${name}-${kind}-${m.metadata.namespace}-${m.metadata.name}`, m as k8s.apiextensions.CustomResourceArgs, {
        parent: this,
        dependsOn: [nsOf(m.metadata.namespace), ...after],
      });
    // What a store or generator of a namespace needs to log in: the chart, the consumers'
    // accounts and token grants there, Vault's CA there.
    const inNs = <T extends pulumi.Resource>(items: readonly { ns: string; r: T }[], ns: string) => items.filter((x) => x.ns === ns).map((x) => x.r);
    const nsOfSa = plan.serviceAccounts.map((sa, i) => ({ ns: sa.metadata.namespace, r: accounts[i] as pulumi.Resource }));
    const nsOfGrant = plan.tokenRoles.flatMap((t, i) => [grants[2 * i], grants[2 * i + 1]].map((r) => ({ ns: t.role.metadata.namespace, r: r as pulumi.Resource })));
    const cas = [
      ...plan.caCertificates.map((c) => ({ ns: c.metadata.namespace, r: custom("ca", c, [args.certManager]) as pulumi.Resource })),
      ...plan.caSecrets.map((c) => ({
        ns: c.metadata.namespace,
        r: new k8s.core.v1.Secret(`${name}-ca-${c.metadata.namespace}`, c as k8s.core.v1.SecretArgs, at(c.metadata.namespace)) as pulumi.Resource,
      })),
    ];
    const auth = (ns: string) => [this.chart, ...inNs(nsOfSa, ns), ...inNs(nsOfGrant, ns), ...inNs(cas, ns), ...args.vaultReady];
    const sources = new Map<string, pulumi.Resource>();
    for (const s of plan.stores) sources.set(`${s.metadata.namespace}/store/${s.metadata.name}`, custom("store", s, auth(s.metadata.namespace)));
    for (const g of plan.generators) sources.set(`${g.metadata.namespace}/generator/${g.metadata.name}`, custom("generator", g, auth(g.metadata.namespace)));
    const byName: Record<string, pulumi.Resource> = {};
    for (const es of plan.externalSecrets) {
      if (byName[es.metadata.name]) throw new pulumi.ResourceError(`two Secrets named '${es.metadata.name}' are synced`, this);
      // Each ExternalSecret waits for its own store or generator only.
      byName[es.metadata.name] = custom("es", es, [sources.get(sourceOf(es))!]);
    }
    this.secretsByName = byName;
    this.leasedSecrets = args.table.secrets.filter(isDatabaseTarget).map((t) => t.name);
    this.reloader = pinnedChart(
      `${name}-reloader`,
      {
        chart: RELOADER,
        namespace: args.namespace,
        values: RELOADER.values({ namespaces: [...new Set([...plan.namespaces, ...args.reloadAlso])].sort(), resources: args.reloaderResources }),
        after: args.waitFor,
      },
      this,
    );
    this.registerOutputs({});
  }
}
