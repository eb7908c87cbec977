import * as k8s from "@pulumi/kubernetes";
/**
 * The bootstrap Job's builders (components/secrets/bootstrap/job.ts): its name follows the
 * script and the table (a change runs it again, nothing else does), Pod Security `restricted`,
 * the order of its steps, which token each step sees, and its ServiceAccount's rights.
 */
import { SERVICES } from "../../catalog";
import { FlowIntent, VAULT_BOOTSTRAP, vaultBootstrapFlows } from "../../catalog/flows";
import { vaultTable } from "../../catalog/vault";
import { bootstrapFiles } from "../../components/secrets/bootstrap/data";
import { VaultBootstrap } from "../../components/secrets/bootstrap";
import {
  BOOTSTRAP_LABELS,
  BootstrapJobInputs,
  KUBECTL_IMAGE,
  VAULT_CLI_IMAGE,
  RECOVERY_SECRET,
  STATUS_CONFIGMAP,
  bootstrapConfigData,
  bootstrapObjects,
  bootstrapRoleRules,
  bootstrapScript,
} from "../../components/secrets/bootstrap/job";
import { restrictedViolations } from "../../lib/pod-security";
import { renderComponent } from "../harness";

const files = bootstrapFiles(vaultTable(SERVICES));
const inputs = (over: Partial<BootstrapJobInputs> = {}): BootstrapJobInputs => ({
  namespace: "vault",
  vaultAddress: "https://vault.vault.svc:8200",
  vaultMode: "in-cluster",
  caSecret: "vault-server-tls",
  vaultImage: "hashicorp/vault:2.0.4",
  kubectlImage: "registry.k8s.io/kubectl:v1.34.0",
  data: bootstrapConfigData(bootstrapScript(), files, ["a2V5LW9uZQ==", "a2V5LXR3bw=="]),
  recoveryThreshold: 2,
  ...over,
});
const objects = bootstrapObjects(inputs());
const pod = (objects.job.spec as any).template.spec;

describe("the Job's name", () => {
  test("carries a digest of the script and the table: the same program keeps it, a change gets a new one", () => {
    expect(bootstrapObjects(inputs()).name).toBe(objects.name);
    expect(objects.name).toMatch(/^vault-bootstrap-[0-9a-f]{10}$/);
    const changedScript = bootstrapConfigData(`${bootstrapScript()}\n# changed\n`, files, ["a2V5LW9uZQ==", "a2V5LXR3bw=="]);
    expect(bootstrapObjects(inputs({ data: changedScript })).name).not.toBe(objects.name);
    const changedTable = bootstrapConfigData(bootstrapScript(), bootstrapFiles(vaultTable(SERVICES.slice(0, 3))), ["a2V5LW9uZQ=="]);
    expect(bootstrapObjects(inputs({ data: changedTable })).name).not.toBe(objects.name);
  });

  test("names its immutable ConfigMap too, which holds the script, every table file and the keys", () => {
    expect(objects.configMap.metadata).toMatchObject({ name: objects.name, namespace: "vault", labels: { "app.kubernetes.io/name": "vault-bootstrap" } });
    expect(objects.configMap.immutable).toBe(true);
    const data = objects.configMap.data as Record<string, string>;
    expect(data["bootstrap.sh"]).toBe(bootstrapScript());
    for (const name of Object.keys(files)) expect(data[name]).toBe(files[name]);
    expect(Object.keys(data).filter((k) => k.startsWith("pgp-"))).toEqual(["pgp-1.asc", "pgp-2.asc"]);
  });
});

describe("the pod", () => {
  test("passes Pod Security restricted, runs as the bootstrap's ServiceAccount with no default token", () => {
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod).toMatchObject({ serviceAccountName: "vault-bootstrap", automountServiceAccountToken: false, restartPolicy: "OnFailure" });
    expect((objects.job.spec as any).template.metadata.labels).toEqual({ "app.kubernetes.io/name": "vault-bootstrap" });
  });

  test("every step runs as the same non-root UID: kubectl reads the files init writes with umask 077", () => {
    const uids = [...pod.initContainers, ...pod.containers].map((c: any) => c.securityContext.runAsUser);
    expect(new Set(uids)).toEqual(new Set([uids[0]]));
    expect(uids[0]).toBeGreaterThan(0);
    expect(bootstrapScript()).toContain("umask 077");
  });

  test("init, then kubectl stores what init wrote, then configure", () => {
    expect(pod.initContainers.map((c: any) => [c.name, c.image])).toEqual([
      ["init", "hashicorp/vault:2.0.4"],
      ["store", "registry.k8s.io/kubectl:v1.34.0"],
    ]);
    expect(pod.containers.map((c: any) => [c.name, c.command.slice(-1)[0]])).toEqual([["configure", "configure"]]);
    expect(pod.initContainers[0].command).toEqual(["sh", "/bootstrap/data/bootstrap.sh", "init"]);
    expect(pod.initContainers[1].command).toEqual(expect.arrayContaining(["apply", "--server-side", "/run/bootstrap/manifests"]));
  });

  test("the Vault steps see only a token for the `vault` audience and Vault's CA; kubectl only an API server token", () => {
    const volumes = Object.fromEntries(pod.volumes.map((v: any) => [v.name, v]));
    const mounted = (c: any) => c.volumeMounts.map((m: any) => m.name).sort();
    expect(volumes["vault-token"].projected.sources).toEqual([{ serviceAccountToken: { audience: "vault", expirationSeconds: 600, path: "token" } }]);
    expect(volumes["kube-api"].projected.sources[0].serviceAccountToken.audience).toBeUndefined();
    expect(volumes["vault-ca"].secret).toEqual({ secretName: "vault-server-tls", items: [{ key: "ca.crt", path: "ca.crt" }] });
    for (const c of [pod.initContainers[0], pod.containers[0]]) {
      expect(mounted(c)).toEqual(["data", "pgp", "state", "tmp", "vault-ca", "vault-token"]);
      expect(c.env).toEqual(expect.arrayContaining([{ name: "VAULT_ADDR", value: "https://vault.vault.svc:8200" }, { name: "RECOVERY_THRESHOLD", value: "2" }]));
    }
    expect(mounted(pod.initContainers[1])).toEqual(["kube-api", "state", "tmp"]);
    // The root token between the steps stays in memory.
    expect(volumes.state.emptyDir.medium).toBe("Memory");
  });
});

test("the ServiceAccount may write the recovery Secret and the status ConfigMap, and read or change nothing else", () => {
  const rules = bootstrapRoleRules();
  for (const r of rules) {
    expect(r.apiGroups).toEqual([""]);
    if (r.resourceNames === undefined) expect(r.verbs).toEqual(["create"]);
    else expect(r.verbs).toEqual(["get", "patch"]);
  }
  expect(rules.flatMap((r) => (r.resourceNames as string[] | undefined) ?? []).sort()).toEqual([RECOVERY_SECRET, STATUS_CONFIGMAP].sort());
  expect(rules.flatMap((r) => r.verbs as string[])).not.toContain("list");
});

test("a change of image or address is a new Job too (a Job's pod template cannot change)", () => {
  expect(bootstrapObjects(inputs({ vaultImage: "hashicorp/vault:2.0.5" })).name).not.toBe(objects.name);
  expect(bootstrapObjects(inputs({ vaultAddress: "https://vault.example.net:8200" })).name).not.toBe(objects.name);
  expect(bootstrapObjects(inputs({ vaultMode: "external" })).name).not.toBe(objects.name);
});

test("the component: ServiceAccount without a token, Role and binding, the ConfigMap, and the Job after them", async () => {
  const rendered = await renderComponent(
    () =>
      new VaultBootstrap("vault-bootstrap", {
        namespace: "vault",
        namespaceObject: new k8s.core.v1.Namespace("vault", { metadata: { name: "vault" } }),
        vaultAddress: "https://vault.vault.svc:8200",
        vaultMode: "in-cluster",
        caSecret: "vault-server-tls",
        vaultImage: VAULT_CLI_IMAGE,
        kubectlImage: KUBECTL_IMAGE,
        table: vaultTable(SERVICES),
        recovery: { pgpKeys: ["a2V5LW9uZQ=="], threshold: 1 },
        waitFor: [],
      }),
  );
  const byKind = (kind: string) => rendered.resources.filter((r) => r.inputs.kind === kind);
  expect(byKind("ServiceAccount").map((r) => [r.inputs.metadata.name, r.inputs.automountServiceAccountToken])).toEqual([["vault-bootstrap", false]]);
  expect(byKind("RoleBinding")[0].inputs.subjects).toEqual([{ kind: "ServiceAccount", name: "vault-bootstrap", namespace: "vault" }]);
  const [job] = byKind("Job");
  expect(job.inputs.metadata.name).toMatch(/^vault-bootstrap-[0-9a-f]{10}$/);
  expect(byKind("ConfigMap").map((r) => r.inputs.metadata.name)).toEqual([job.inputs.metadata.name]);
  const before = new Set(job.dependsOn);
  for (const kind of ["ServiceAccount", "RoleBinding", "ConfigMap"]) expect([kind, byKind(kind).every((r) => before.has(r.urn))]).toEqual([kind, true]);
});

test("the Job's flows: Vault (its Service on 8200, or an existing Vault's port) and the API server on 443, from the Job's pods only", () => {
  const target = (f: FlowIntent) => [f.to.kind === "pods" ? f.to.role : f.to.kind === "addresses" ? f.to.of : "every-pod", f.ports, f.path];
  const inCluster = vaultBootstrapFlows({ kind: "in-cluster" });
  expect(inCluster.map(target)).toEqual([
    ["vault", [{ protocol: "TCP", port: 8200 }], "service"],
    ["api-server", [{ protocol: "TCP", port: 443 }], "service"],
  ]);
  expect(vaultBootstrapFlows({ kind: "external", port: 8443 }).map(target)[0]).toEqual(["internet", [{ protocol: "TCP", port: 8443 }], "outside"]);
  expect(vaultBootstrapFlows({ kind: "none" }).map(target)).toEqual([["api-server", [{ protocol: "TCP", port: 443 }], "service"]]);
  for (const f of inCluster) expect(f.from).toEqual(VAULT_BOOTSTRAP);
  expect(VAULT_BOOTSTRAP.labelSets).toEqual([BOOTSTRAP_LABELS]);
  expect((objects.job.spec as any).template.metadata.labels).toEqual(BOOTSTRAP_LABELS);
});

describe("the table's files", () => {
  test("each KV key as one line: fixed values, password policies for random ones, and copies of a key created before", () => {
    const lines = files["kv.tsv"].trim().split("\n").map((l) => l.split("\t"));
    expect(lines).toContainEqual(["rabbitmq-client-credentials", "username", "fixed", "ecommerce"]);
    expect(lines).toContainEqual(["rabbitmq-cluster-erlang-cookie", "cookie", "random", "platform-alnum-64"]);
    expect(lines).toContainEqual(["minio-client-credentials", "secretKey", "same", "minio-root-credentials/rootPassword"]);
    const names = lines.map((l) => l[0]);
    expect(names.indexOf("minio-root-credentials")).toBeLessThan(names.indexOf("minio-client-credentials"));
    expect(files["password-policies.tsv"].trim().split("\n")).toEqual(["platform-alnum-32", "platform-alnum-40", "platform-alnum-64"]);
    expect(files["password-policy-platform-alnum-40.hcl"]).toContain("length = 40");
  });

  test("a copy of a key that is not created before it is refused", () => {
    const table = vaultTable(SERVICES);
    const reordered = { ...table, kvSecrets: [...table.kvSecrets].reverse() };
    expect(() => bootstrapFiles(reordered)).toThrow(/copies minio-root-credentials\.rootUser, which must be a key of a secret listed before it/);
  });
});
