/**
 * The bootstrap Job's objects as pure builders: the ConfigMap holding the script and the table's
 * files, the Job whose name carries their digest (a change to either runs it again; an unchanged
 * program leaves the finished Job alone), and the Role of its ServiceAccount.
 *
 * One pod, three steps in order: `init` (the Vault image: initialise if needed, write the
 * encrypted recovery keys as a manifest on a memory volume), `store` (kubectl: apply that
 * manifest, so the keys are kept before anything else happens), `configure` (the Vault image:
 * everything else, then revoke the root token).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type * as k8s from "@pulumi/kubernetes";
import { BOOTSTRAP_IDENTITY, VAULT_AUDIENCE } from "../../../catalog/vault";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../../lib/pod-security";
import type { BootstrapFiles } from "./data";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;

/** The script, relative to the project; the ConfigMap carries its text. */
export const BOOTSTRAP_SCRIPT_PATH = "components/secrets/bootstrap/bootstrap.sh";
export const BOOTSTRAP_NAME = "vault-bootstrap";
export const BOOTSTRAP_LABELS = { "app.kubernetes.io/name": BOOTSTRAP_NAME } as const;
/** The Secret holding the encrypted recovery keys, and the ConfigMap recording the last run. */
export const RECOVERY_SECRET = "vault-recovery-keys";
export const STATUS_CONFIGMAP = "vault-bootstrap-status";

/**
 * The Vault server's image, whose CLI the bootstrap runs: hashicorp/vault-helm v0.34.1 (commit
 * aa1c92e) `values.yaml` 418-420 `server.image` (`hashicorp/vault`, `2.0.4`). The image is
 * Alpine with BusyBox (hashicorp/vault `Dockerfile`: `FROM alpine:3`, `apk add libcap su-exec
 * dumb-init tzdata`): `sh`, `sed`, `awk`, no bash, curl or jq. The server's module pins the
 * same; the integration passes it.
 */
export const VAULT_CLI_IMAGE = "hashicorp/vault:2.0.4";

/**
 * kubectl of the cluster's minor version: registry.k8s.io publishes an image of it for every
 * release since 1.28 (kubernetes/kubernetes#116672, #116667). Distroless: kubectl and no shell,
 * so its step is one `kubectl apply`.
 */
export const KUBECTL_IMAGE = "registry.k8s.io/kubectl:v1.34.0";
/**
 * The one non-root UID of every step: they only read their mounts and write their own volumes,
 * so any UID works, but it must be the same: `init` writes the recovery keys with umask 077 and
 * `store` (kubectl, which runs as any UID) reads them.
 */
export const BOOTSTRAP_UID = 100;

/** A short-lived Job, the same in every stack: it sizes nothing the capacity plan counts at rest. */
const RESOURCES = { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } };

const DATA_DIR = "/bootstrap/data";
const PGP_DIR = "/bootstrap/pgp";
const STATE_DIR = "/run/bootstrap";
const VAULT_TOKEN_DIR = "/var/run/secrets/vault";
const VAULT_CA_DIR = "/vault/tls";

export function bootstrapScript(): string {
  return fs.readFileSync(path.join(__dirname, "..", "..", "..", BOOTSTRAP_SCRIPT_PATH), "utf8");
}

/** The ConfigMap's data: the script, the table's files and the operators' public keys (`pgp-<n>.asc`). */
export function bootstrapConfigData(script: string, files: BootstrapFiles, pgpKeys: readonly string[]): Record<string, string> {
  const keys = Object.fromEntries(pgpKeys.map((k, i) => [`pgp-${i + 1}.asc`, `${k}\n`]));
  return { "bootstrap.sh": script, ...files, ...keys };
}

/**
 * Digest of everything the Job runs (its files in key order, images, address): the suffix of its
 * name and its ConfigMap's. A Job's pod template cannot change, so any change is a new Job.
 */
export function bootstrapDigest(data: Readonly<Record<string, string>>, settings: Readonly<Record<string, string | number>>): string {
  const hash = crypto.createHash("sha256");
  for (const key of Object.keys(data).sort()) hash.update(`${key}\0${data[key]}\0`);
  for (const key of Object.keys(settings).sort()) hash.update(`${key}\0${settings[key]}\0`);
  return hash.digest("hex").slice(0, 10);
}

export interface BootstrapJobInputs {
  readonly namespace: string;
  /** Vault's address for clients in the cluster. */
  readonly vaultAddress: string;
  /**
   * The Secret holding the CA clients trust (`ca.crt`), in the Job's namespace; undefined: an
   * existing Vault whose certificate a public CA signed (the image's system roots).
   */
  readonly caSecret: string | undefined;
  readonly vaultImage: string;
  readonly kubectlImage: string;
  /** Keys of the ConfigMap (the table's files and the operators' keys). */
  readonly data: Readonly<Record<string, string>>;
  readonly recoveryThreshold: number;
  /** The platform's own Vault, or an existing one whose auth configuration and audit devices its operators keep. */
  readonly vaultMode: "in-cluster" | "external";
}

function vaultContainer(name: string, step: "init" | "configure", inputs: BootstrapJobInputs, digest: string): Container {
  return {
    name,
    image: inputs.vaultImage,
    command: ["sh", `${DATA_DIR}/bootstrap.sh`, step],
    env: [
      { name: "VAULT_ADDR", value: inputs.vaultAddress },
      ...(inputs.caSecret ? [{ name: "VAULT_CACERT", value: `${VAULT_CA_DIR}/ca.crt` }] : []),
      { name: "VAULT_JWT_FILE", value: `${VAULT_TOKEN_DIR}/token` },
      { name: "BOOTSTRAP_DATA", value: DATA_DIR },
      { name: "BOOTSTRAP_PGP_DIR", value: PGP_DIR },
      { name: "BOOTSTRAP_STATE", value: STATE_DIR },
      { name: "BOOTSTRAP_NAMESPACE", value: inputs.namespace },
      { name: "BOOTSTRAP_RECOVERY_SECRET", value: RECOVERY_SECRET },
      { name: "BOOTSTRAP_DATA_DIGEST", value: digest },
      { name: "BOOTSTRAP_VAULT_MODE", value: inputs.vaultMode },
      { name: "RECOVERY_THRESHOLD", value: String(inputs.recoveryThreshold) },
      // The CLI keeps nothing in its home with -field/VAULT_TOKEN, but a writable one costs nothing.
      { name: "HOME", value: "/tmp" },
    ],
    securityContext: restrictedContainerSecurityContext({ runAsUser: BOOTSTRAP_UID }),
    resources: RESOURCES,
    volumeMounts: [
      { name: "data", mountPath: DATA_DIR, readOnly: true },
      { name: "pgp", mountPath: PGP_DIR, readOnly: true },
      { name: "state", mountPath: STATE_DIR },
      { name: "tmp", mountPath: "/tmp" },
      { name: "vault-token", mountPath: VAULT_TOKEN_DIR, readOnly: true },
      ...(inputs.caSecret ? [{ name: "vault-ca", mountPath: VAULT_CA_DIR, readOnly: true }] : []),
    ],
  };
}

/** kubectl applies what `init` wrote: the recovery Secret (first run only) and the status ConfigMap. */
function storeContainer(inputs: BootstrapJobInputs): Container {
  return {
    name: "store",
    image: inputs.kubectlImage,
    command: ["kubectl", "apply", "--server-side", `--field-manager=${BOOTSTRAP_NAME}`, "--cache-dir=/tmp/kube", "-f", `${STATE_DIR}/manifests`],
    securityContext: restrictedContainerSecurityContext({ runAsUser: BOOTSTRAP_UID }),
    resources: RESOURCES,
    volumeMounts: [
      { name: "state", mountPath: STATE_DIR, readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
      { name: "kube-api", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true },
    ],
  };
}

/**
 * The pod. No token is mounted by default: the Vault steps get one for the audience `vault`
 * (Kubernetes auth), kubectl one for the API server; neither sees the other's.
 */
export function bootstrapPodSpec(inputs: BootstrapJobInputs, configMap: string, digest: string): PodSpec {
  const pgpItems = Object.keys(inputs.data).filter((k) => /^pgp-\d+\.asc$/.test(k)).map((k) => ({ key: k, path: k }));
  const dataItems = Object.keys(inputs.data).filter((k) => !/^pgp-\d+\.asc$/.test(k)).map((k) => ({ key: k, path: k }));
  return {
    serviceAccountName: BOOTSTRAP_IDENTITY.serviceAccount,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    restartPolicy: "OnFailure",
    securityContext: restrictedPodSecurityContext(),
    initContainers: [vaultContainer("init", "init", inputs, digest), storeContainer(inputs)],
    containers: [vaultContainer("configure", "configure", inputs, digest)],
    volumes: [
      { name: "data", configMap: { name: configMap, items: dataItems } },
      { name: "pgp", configMap: { name: configMap, items: pgpItems } },
      // The root token lives here between `init` and `configure`: in memory, in this pod only.
      { name: "state", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
      { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
      { name: "vault-token", projected: { sources: [{ serviceAccountToken: { audience: VAULT_AUDIENCE, expirationSeconds: 600, path: "token" } }] } },
      ...(inputs.caSecret ? [{ name: "vault-ca", secret: { secretName: inputs.caSecret, items: [{ key: "ca.crt", path: "ca.crt" }] } }] : []),
      {
        name: "kube-api",
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 600, path: "token" } },
            { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
            { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
          ],
        },
      },
    ],
  };
}

export interface BootstrapObjects {
  readonly configMap: k8s.core.v1.ConfigMapArgs;
  readonly job: k8s.batch.v1.JobArgs;
  readonly name: string;
}

/** The ConfigMap and the Job, both named `vault-bootstrap-<digest>`; the ConfigMap is immutable. */
export function bootstrapObjects(inputs: BootstrapJobInputs): BootstrapObjects {
  const { data, caSecret, ...settings } = inputs;
  const digest = bootstrapDigest(data, { ...settings, caSecret: caSecret ?? "" });
  const name = `${BOOTSTRAP_NAME}-${digest}`;
  const metadata = { name, namespace: inputs.namespace, labels: { ...BOOTSTRAP_LABELS } };
  return {
    name,
    configMap: { metadata, immutable: true, data: { ...inputs.data } },
    job: {
      metadata,
      spec: {
        backoffLimit: 6,
        activeDeadlineSeconds: 1800,
        template: { metadata: { labels: { ...BOOTSTRAP_LABELS } }, spec: bootstrapPodSpec(inputs, name, digest) },
      },
    },
  };
}

/**
 * What the ServiceAccount may do: write the recovery Secret and the status ConfigMap, nothing
 * else. RBAC cannot limit `create` to a name (a create request names no existing object), so
 * `create` covers any Secret or ConfigMap of `vault`; reads and changes are limited to the two.
 */
export function bootstrapRoleRules(): k8s.types.input.rbac.v1.PolicyRule[] {
  return [
    { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
    { apiGroups: [""], resources: ["secrets"], resourceNames: [RECOVERY_SECRET], verbs: ["get", "patch"] },
    { apiGroups: [""], resources: ["configmaps"], verbs: ["create"] },
    { apiGroups: [""], resources: ["configmaps"], resourceNames: [STATUS_CONFIGMAP], verbs: ["get", "patch"] },
  ];
}
