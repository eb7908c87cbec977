/**
 * The External Secrets Operator chart: its pin, release, namespace, the pods it runs, its CRD
 * groups and the values the platform installs it with. A version bump is an edit here plus
 * `chartdata/external-secrets/`. Facts read at external-secrets/external-secrets
 * `helm-chart-2.9.0` (the chart's release commit of v2.9.0), `deploy/charts/external-secrets/`,
 * cited by file and line below.
 */
import type { WorkloadResources } from "../../../catalog";
import { NAMESPACES, containerResources } from "../../../catalog";
import { ChartModule, ChartPod, HELM_MANAGED_BY, UpstreamFile } from "../../../lib/helm";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../../lib/pod-security";

export const EXTERNAL_SECRETS_CHART = {
  chart: "external-secrets",
  version: "2.9.0",
  // The chart's README (`helm repo add external-secrets https://charts.external-secrets.io`).
  repo: "https://charts.external-secrets.io",
} as const;
const SOURCE = { repo: "external-secrets/external-secrets", tag: "helm-chart-2.9.0", path: "deploy/charts/external-secrets" } as const;
/** The tag the pod rows below were read at: on a version bump, re-read each file cited at the new tag first. */
const READ_AT = "helm-chart-2.9.0";

/** Namespace of the operator's pods. */
export const EXTERNAL_SECRETS_NAMESPACE = NAMESPACES.externalSecrets.name;

/**
 * Release name. It contains the chart's name, so the fullname is the release itself
 * (`_helpers.tpl` 13-24): Deployments `external-secrets`, `external-secrets-webhook`,
 * `external-secrets-cert-controller`.
 */
export const EXTERNAL_SECRETS_NAME = "external-secrets";

/**
 * API groups of the CRDs the chart installs with `installCRDs: true` (`config/crds/bases/`:
 * `external-secrets.io_*.yaml`, `generators.external-secrets.io_*.yaml`).
 */
export const EXTERNAL_SECRETS_API_GROUP = "external-secrets.io";
export const GENERATORS_API_GROUP = `generators.${EXTERNAL_SECRETS_API_GROUP}`;
/** The served storage versions of the CRDs used (chartdata/external-secrets/crds/). */
export const EXTERNAL_SECRETS_API_VERSION = `${EXTERNAL_SECRETS_API_GROUP}/v1`;
export const GENERATORS_API_VERSION = `${GENERATORS_API_GROUP}/v1alpha1`;

/** The chart's three Deployments and the `app.kubernetes.io/name` of each one's pods (`_helpers.tpl` 141-152). */
const COMPONENTS = {
  controller: EXTERNAL_SECRETS_NAME,
  webhook: `${EXTERNAL_SECRETS_NAME}-webhook`,
  certController: `${EXTERNAL_SECRETS_NAME}-cert-controller`,
} as const;

export type ExternalSecretsComponent = keyof typeof COMPONENTS;

/** The selector labels of each component's pods (`_helpers.tpl` 141-152): NetworkPolicies and monitors select on them. */
export function externalSecretsPodLabels(component: ExternalSecretsComponent): Record<string, string> {
  return { "app.kubernetes.io/name": COMPONENTS[component], "app.kubernetes.io/instance": EXTERNAL_SECRETS_NAME };
}

/**
 * Ports of the pods: every component serves metrics on 8080 (`values.yaml` 347, 643, 860); the
 * webhook its admission endpoint on 10250 (`values.yaml` 550) and readiness on 8081 (684), the
 * cert controller readiness on 8081 (900).
 */
export const EXTERNAL_SECRETS_PORTS = { metrics: 8080, webhook: 10250, ready: 8081 } as const;

/** The controller's metrics port name on its pod (`templates/deployment.yaml` 162-165). */
export const EXTERNAL_SECRETS_METRICS = { portName: "metrics", port: EXTERNAL_SECRETS_PORTS.metrics } as const;

export interface ExternalSecretsValuesArgs {
  /** Each component's row of the resource profile. */
  readonly resources: Readonly<Record<ExternalSecretsComponent, WorkloadResources>>;
}

/** Values every component takes: Pod Security `restricted` at pod and container level, the profile's resources. */
function componentValues(resources: WorkloadResources): Record<string, unknown> {
  return {
    replicaCount: 1,
    // The chart renders a pod security context only with a key besides `enabled`
    // (`templates/deployment.yaml` 55-60); its container default already meets `restricted`
    // (`values.yaml` 275-285: no escalation, ALL dropped, non-root UID 1000, RuntimeDefault).
    podSecurityContext: { enabled: true, ...restrictedPodSecurityContext() },
    securityContext: { enabled: true, ...restrictedContainerSecurityContext({ runAsUser: 1000 }) },
    resources: containerResources(resources),
  };
}

/**
 * Helm values of the operator. One replica of each: the controller reconciles on a timer and
 * catches up after a restart (a Secret already written stays), the webhook only admits changes
 * to the operator's own resources. No cluster-wide token creation: the controller may create
 * tokens only for the `<consumer>-secrets` service accounts the SecretStores name (a Role per
 * namespace, components/secrets/vault-sync.ts), `rbac.serviceAccountTokenCreate` (`values.yaml`
 * 221-224, `templates/rbac.yaml` 185-192).
 */
export function externalSecretsValues(args: ExternalSecretsValuesArgs): Record<string, unknown> {
  return {
    installCRDs: true,
    ...componentValues(args.resources.controller),
    rbac: { create: true, serviceAccountTokenCreate: false },
    // Only namespaced SecretStores: no ClusterSecretStore, ClusterExternalSecret or PushSecret
    // (nothing is written back into Vault).
    processClusterStore: false,
    processClusterExternalSecret: false,
    processClusterPushSecret: false,
    processPushSecret: false,
    webhook: { ...componentValues(args.resources.webhook), port: EXTERNAL_SECRETS_PORTS.webhook },
    certController: componentValues(args.resources.certController),
    // Monitors belong to the monitoring tier, which owns their CRD.
    serviceMonitor: { enabled: false },
  };
}

const file = (path: string, lines: string, repoPath: string = SOURCE.path): UpstreamFile => ({
  repo: SOURCE.repo,
  tag: READ_AT,
  path: repoPath ? `${repoPath}/${path}` : path,
  lines,
});
const source = (...files: UpstreamFile[]) => ({ chart: EXTERNAL_SECRETS_CHART.chart, version: READ_AT.replace("helm-chart-", ""), files });
const tcp = (name: string, containerPort: number) => ({ name, containerPort, protocol: "TCP" as const });
/**
 * Pod labels: each component's `labels` helper (selector labels and `managed-by`; without a
 * ServiceMonitor no `app.kubernetes.io/metrics`, `_helpers.tpl` 61-128), no `podLabels`.
 */
const podLabels = (c: ExternalSecretsComponent) => ({ ...externalSecretsPodLabels(c), ...HELM_MANAGED_BY });

const PODS: readonly ChartPod[] = [
  {
    name: "{release}",
    kind: "Deployment",
    labels: podLabels("controller"),
    // The health port `live` only with a probe enabled (`deployment.yaml` 166-174); both are off.
    ports: [tcp("metrics", EXTERNAL_SECRETS_PORTS.metrics)],
    hostNetwork: false,
    purpose: "syncs ExternalSecrets from Vault into Secrets",
    source: source(
      file("templates/_helpers.tpl", "61-71"),
      file("templates/_helpers.tpl", "141-144"),
      file("templates/deployment.yaml", "33-39"),
      file("templates/deployment.yaml", "61"),
      file("templates/deployment.yaml", "162-174"),
    ),
  },
  {
    name: "{release}-webhook",
    kind: "Deployment",
    labels: podLabels("webhook"),
    ports: [tcp("metrics", EXTERNAL_SECRETS_PORTS.metrics), tcp("webhook", EXTERNAL_SECRETS_PORTS.webhook), tcp("ready", EXTERNAL_SECRETS_PORTS.ready)],
    hostNetwork: false,
    purpose: "admission webhook the API server calls for the operator's resources",
    source: source(
      file("templates/_helpers.tpl", "73-90"),
      file("templates/_helpers.tpl", "145-148"),
      file("templates/webhook-deployment.yaml", "32-38"),
      file("templates/webhook-deployment.yaml", "47"),
      file("templates/webhook-deployment.yaml", "103-112"),
    ),
  },
  {
    name: "{release}-cert-controller",
    kind: "Deployment",
    labels: podLabels("certController"),
    ports: [tcp("metrics", EXTERNAL_SECRETS_PORTS.metrics), tcp("ready", EXTERNAL_SECRETS_PORTS.ready)],
    hostNetwork: false,
    purpose: "issues the webhook's certificate and injects its CA bundle through the API server",
    source: source(
      file("templates/_helpers.tpl", "114-128"),
      file("templates/_helpers.tpl", "149-152"),
      file("templates/cert-controller-deployment.yaml", "32-38"),
      file("templates/cert-controller-deployment.yaml", "60"),
      file("templates/cert-controller-deployment.yaml", "111-117"),
    ),
  },
];

export const EXTERNAL_SECRETS: ChartModule<ExternalSecretsValuesArgs> = {
  pin: EXTERNAL_SECRETS_CHART,
  source: SOURCE,
  release: EXTERNAL_SECRETS_NAME,
  namespace: EXTERNAL_SECRETS_NAMESPACE,
  pods: PODS,
  crdGroups: [EXTERNAL_SECRETS_API_GROUP, GENERATORS_API_GROUP],
  chartdata: ["external-secrets", "external-secrets/crds"],
  values: externalSecretsValues,
};
