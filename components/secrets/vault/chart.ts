/**
 * HashiCorp Vault's server from its upstream chart: pin, release, namespace, pods and the values
 * the platform installs it with. A version bump is an edit here plus `chartdata/vault/`. Facts
 * read at hashicorp/vault-helm `v0.34.1` (cited by file and line below).
 *
 * The servers form one raft cluster (integrated storage: no Consul to run), unseal themselves
 * with a customer-managed KMS key (`seal "awskms"`, credentials from EKS Pod Identity), serve
 * TLS with a certificate cert-manager issues from a CA of Vault's own (./tls.ts), and keep their
 * data and audit log on volumes of the cluster's StorageClass. The injector and the CSI provider
 * stay off: ESO copies secrets into Kubernetes Secrets, no pod talks to Vault for itself.
 */
import type * as k8s from "@pulumi/kubernetes";
import { NAMESPACES } from "../../../catalog/namespaces";
import type { WorkloadResources } from "../../../catalog/resource-profiles";
import { containerResources } from "../../../catalog/resource-profiles";
import { ChartModule, UpstreamFile } from "../../../lib/helm";
import { claimRetention } from "../../../lib/stateful";
import { vaultServerConfig } from "./server-config";

export const VAULT_CHART = { chart: "vault", version: "0.34.1", repo: "https://helm.releases.hashicorp.com" } as const;
const SOURCE = { repo: "hashicorp/vault-helm", tag: "v0.34.1", path: "." } as const;

/** The chart's `appVersion` (`Chart.yaml` 7) and its image default (`values.yaml` 418-420), pinned explicitly. */
export const VAULT_APP_VERSION = "2.0.4";
export const VAULT_IMAGE = { repository: "hashicorp/vault", tag: VAULT_APP_VERSION } as const;

/** Release name; it contains the chart's name, so every object is named `vault` (`_helpers.tpl` 12-23). */
export const VAULT_NAME = "vault";
export const VAULT_NAMESPACE = NAMESPACES.vault.name;
/** The server's service account (`_helpers.tpl` 674-683: the fullname when `serviceAccount.name` is empty). */
export const VAULT_SERVICE_ACCOUNT = VAULT_NAME;
/** The headless Service giving each pod its name, `vault-N.vault-internal` (`server-headless-service.yaml` 14, 21). */
export const VAULT_INTERNAL_SERVICE = `${VAULT_NAME}-internal`;

/** Labels of the server pods (`server-statefulset.yaml` 38-45; `extraLabels` left empty). */
export const VAULT_POD_LABELS = {
  "app.kubernetes.io/name": VAULT_NAME,
  "app.kubernetes.io/instance": VAULT_NAME,
  component: "server",
} as const;

/** Container ports (`server-statefulset.yaml` 158-164, `https` while `global.tlsDisable` is false: `_helpers.tpl` 1077-1083). */
export const VAULT_PORTS = { api: 8200, cluster: 8201, replication: 8202 } as const;

/** Where the chart mounts the volumes (`values.yaml` 848, 877) and the platform mounts the server certificate. */
export const VAULT_PATHS = {
  data: "/vault/data",
  audit: "/vault/audit",
  /** The file audit device the bootstrap enables (the shared contract). */
  auditLog: "/vault/audit/audit.log",
  tls: "/vault/userconfig/vault-server-tls",
} as const;

/** The Secret cert-manager writes the server certificate to (tls.crt, tls.key, ca.crt). */
export const VAULT_TLS_SECRET = "vault-server-tls";

/** Vault's UID and GID in the image, as the chart runs it (`_helpers.tpl` 583-587: uid 100, gid 1000). */
export const VAULT_UID = 100;
export const VAULT_GID = 1000;

const ZONE = "topology.kubernetes.io/zone";
const HOST = "kubernetes.io/hostname";

/**
 * One server per node (the chart's own default anti-affinity, `values.yaml` 688-696, stated as an
 * object so that tests read it) and, from 3 replicas, one per zone at most one apart: a zone
 * outage then leaves a majority of the raft voters. config/vault.ts refuses counts the cluster
 * cannot place this way.
 */
export function vaultPlacement(replicas: number): Record<string, unknown> {
  const labelSelector = { matchLabels: { ...VAULT_POD_LABELS } };
  const affinity: k8s.types.input.core.v1.Affinity = {
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector, topologyKey: HOST }] },
  };
  const spread: k8s.types.input.core.v1.TopologySpreadConstraint[] =
    replicas > 1 ? [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: "DoNotSchedule", nodeTaintsPolicy: "Honor", labelSelector }] : [];
  return { affinity, topologySpreadConstraints: spread };
}

/**
 * Pod Security `restricted`: the chart's defaults (`_helpers.tpl` 583-587, 604-605) set the UID
 * and no escalation only; these add the seccomp profile, drop every capability and make the root
 * filesystem read-only. Vault needs no capability: `disable_mlock` (./server-config.ts) removes
 * its one use of IPC_LOCK, and `SKIP_SETCAP` / `SKIP_CHOWN` (`server-statefulset.yaml` 111-114)
 * keep the image's entrypoint from trying. The one file it writes outside its volumes is the
 * rendered configuration in /tmp (`_helpers.tpl` 226), an emptyDir here.
 */
export const VAULT_SECURITY_CONTEXT = {
  pod: {
    runAsNonRoot: true,
    runAsUser: VAULT_UID,
    runAsGroup: VAULT_GID,
    fsGroup: VAULT_GID,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  },
  container: {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  },
} as const;

export interface VaultValuesArgs {
  readonly replicas: number;
  /** Size of each server's data volume and of its audit volume. */
  readonly storageSize: string;
  /** The cluster's StorageClass (components/foundation/storage-class.ts). */
  readonly storageClass: string;
  /** Keep the claims when the StatefulSet goes (StackConfig.protectData). */
  readonly protectData: boolean;
  readonly resources: WorkloadResources;
  /** Region and id of the KMS key that seals Vault's root key. */
  readonly region: string;
  readonly kmsKeyId: string;
}

function volumes(): Record<string, unknown> {
  return {
    volumes: [
      { name: "tls", secret: { secretName: VAULT_TLS_SECRET, defaultMode: 0o440 } },
      { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
    ],
    volumeMounts: [
      { name: "tls", mountPath: VAULT_PATHS.tls, readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
    ],
  };
}

function storage(args: VaultValuesArgs): Record<string, unknown> {
  const volume = (mountPath: string) => ({ enabled: true, size: args.storageSize, storageClass: args.storageClass, accessMode: "ReadWriteOnce", mountPath });
  return {
    dataStorage: volume(VAULT_PATHS.data),
    auditStorage: volume(VAULT_PATHS.audit),
    // `server-statefulset.yaml` 28-30. A server scaled away keeps its volume: its raft data is
    // what it rejoins with if it comes back.
    persistentVolumeClaimRetentionPolicy: claimRetention(args.protectData, "Retain"),
  };
}

export function vaultValues(args: VaultValuesArgs): Record<string, unknown> {
  return {
    global: { enabled: true, tlsDisable: false, serverTelemetry: { prometheusOperator: false } },
    injector: { enabled: false },
    csi: { enabled: false },
    ui: { enabled: false },
    server: {
      image: { ...VAULT_IMAGE },
      // A rolling update is safe here: each restarted server unseals itself with KMS and rejoins,
      // and the next one waits until it is ready (unsealed: the readiness probe is `vault status`,
      // `server-statefulset.yaml` 176-182). The chart's OnDelete would leave every change undone.
      updateStrategyType: "RollingUpdate",
      resources: containerResources(args.resources),
      // No Ingress, route or UI: only the cluster's own clients reach Vault.
      ingress: { enabled: false },
      route: { enabled: false },
      // Kubernetes auth reviews the tokens of ESO's service accounts with Vault's own
      // (`server-clusterrolebinding.yaml`: system:auth-delegator).
      authDelegator: { enabled: true },
      ...vaultPlacement(args.replicas),
      ...volumes(),
      ...storage(args),
      extraEnvironmentVars: { VAULT_CACERT: `${VAULT_PATHS.tls}/ca.crt` },
      statefulSet: {
        annotations: {
          // The servers are ready only once the bootstrap has initialised Vault: awaiting the
          // StatefulSet would hold the bootstrap that makes it ready.
          "pulumi.com/skipAwait": "true",
          // The listener reads its certificate at start only: a renewed one rolls the servers
          // (the reloader of components/secrets/ honours this annotation).
          "secret.reloader.stakater.com/reload": VAULT_TLS_SECRET,
        },
        securityContext: VAULT_SECURITY_CONTEXT,
      },
      // A configuration change rolls the servers (`_helpers.tpl` 483-487).
      includeConfigAnnotation: true,
      networkPolicy: { enabled: false },
      serviceAccount: { create: true, serviceDiscovery: { enabled: true } },
      ha: {
        enabled: true,
        replicas: args.replicas,
        raft: { enabled: true, setNodeId: true, config: vaultServerConfig(args) },
        // `server-disruptionbudget.yaml`, maxUnavailable ⌊(n-1)/2⌋ (`_helpers.tpl` 136-146). One
        // server gets none: its budget would be maxUnavailable 0 and block every node drain.
        disruptionBudget: { enabled: args.replicas > 1 },
      },
    },
    serverTelemetry: { serviceMonitor: { enabled: false }, prometheusRules: { enabled: false } },
  };
}

/** The version the row below was read at: on a version bump, re-read each file cited at the new tag first. */
const READ_AT = "v0.34.1";
const file = (path: string, lines: string): UpstreamFile => ({ repo: SOURCE.repo, tag: READ_AT, path, lines });

const VAULT_POD = {
  name: "{release}",
  kind: "StatefulSet",
  labels: { ...VAULT_POD_LABELS },
  ports: [
    { name: "https", containerPort: VAULT_PORTS.api, protocol: "TCP" },
    { name: "https-internal", containerPort: VAULT_PORTS.cluster, protocol: "TCP" },
    { name: "https-rep", containerPort: VAULT_PORTS.replication, protocol: "TCP" },
  ],
  hostNetwork: false,
  purpose: "HashiCorp Vault servers (raft peers)",
  source: {
    chart: VAULT_CHART.chart,
    version: "0.34.1",
    files: [
      file("templates/server-statefulset.yaml", "38-45"),
      file("templates/server-statefulset.yaml", "61-63"),
      file("templates/server-statefulset.yaml", "158-164"),
      file("templates/_helpers.tpl", "1077-1083"),
    ],
  },
} as const;

export const VAULT: ChartModule<VaultValuesArgs> = {
  pin: VAULT_CHART,
  source: SOURCE,
  release: VAULT_NAME,
  namespace: VAULT_NAMESPACE,
  pods: [VAULT_POD],
  crdGroups: [],
  chartdata: ["vault"],
  values: vaultValues,
};
