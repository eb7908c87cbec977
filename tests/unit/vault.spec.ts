/**
 * Vault's pure builders: the configuration rules, the chart values (against the vendored
 * hashicorp/vault-helm v0.34.1 schema), Pod Security `restricted`, placement, the server
 * configuration, TLS names, the seal key's IAM, the flows in both modes.
 */
import { DATASTORES, NAMESPACES, SERVICES, datastoreInstances } from "../../catalog";
import { FlowIntent, platformFlows } from "../../catalog/flows";
import { vaultClientFlow, vaultFlows, vaultLocationOf } from "../../catalog/vault-flows";
import { PEM_CERTIFICATES, VAULT_ADDRESS, vaultEndpoint, vaultReplicaProblems } from "../../config/vault";
import { networkPolicyPlan } from "../../components/network-policies/rules";
import { VAULT, VAULT_POD_LABELS, VAULT_SECURITY_CONTEXT, VaultValuesArgs, vaultValues } from "../../components/secrets/vault/chart";
import { VAULT_SCRAPE_SERVER_NAME, vaultMonitorManifest, vaultRules } from "../../components/secrets/vault/monitoring";
import { peerHost, vaultServerConfig } from "../../components/secrets/vault/server-config";
import { vaultClientEndpoint } from "../../components/secrets/vault/endpoint";
import { VAULT_DNS_NAMES, VAULT_IP_ADDRESSES, vaultTlsObjects } from "../../components/secrets/vault/tls";
import { VAULT_SEAL_ACTIONS, vaultSealPolicy } from "../../components/secrets/vault/vault-aws";
import { podIdentityTrustPolicy } from "../../components/foundation/cluster-addons";
import { profileRows } from "../../catalog/resource-profiles";
import { planSubnets } from "../../components/foundation/network";
import { restrictedViolations } from "../../lib/pod-security";
import { chartValuesCheck } from "../../lib/schema-check";

const ARGS: VaultValuesArgs = {
  replicas: 3,
  storageSize: "10Gi",
  storageClass: "gp3",
  protectData: true,
  resources: profileRows("standard").vault,
  region: "eu-west-1",
  kmsKeyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
};
const server = (args: VaultValuesArgs = ARGS) => vaultValues(args).server as Record<string, any>;

/** The pod the chart renders from the values (`server-statefulset.yaml` 60, 85, 64-67, 154-157). */
function renderedPod(sc: { pod: unknown; container: unknown }, values = server()): Record<string, any> {
  return {
    securityContext: sc.pod,
    hostNetwork: false,
    volumes: [...values.volumes, { name: "home", emptyDir: {} }],
    containers: [{ name: "vault", securityContext: sc.container, ports: VAULT.pods[0].ports }],
  };
}

/** Whether a certificate name (possibly `*.`) covers a host, as TLS clients match them (one label per wildcard). */
const covers = (name: string, host: string) => (name.startsWith("*.") ? host.split(".").slice(1).join(".") === name.slice(2) && host.split(".").length === name.split(".").length : name === host);

describe("configuration", () => {
  test("3 replicas need 3 zones and 3 managed nodes; 1 replica fits anywhere", () => {
    expect(vaultReplicaProblems(3, { zones: 3, nodeMinSize: 4 })).toEqual([]);
    expect(vaultReplicaProblems(1, { zones: 2, nodeMinSize: 1 })).toEqual([]);
    expect(vaultReplicaProblems(3, { zones: 2, nodeMinSize: 4 }).join()).toMatch(/'ecommerce:vaultReplicas' \(3\) needs 3 'ecommerce:availabilityZones' \(has 2\)/);
    expect(vaultReplicaProblems(5, { zones: 3, nodeMinSize: 4 }).join()).toMatch(/'ecommerce:vaultReplicas' \(5\) <= 'ecommerce:nodeMinSize' \(4\)/);
  });

  test("an existing Vault's address is an https URL with an optional port and no path", () => {
    expect(vaultEndpoint("https://vault.example.com:8200/")).toEqual({ address: "https://vault.example.com:8200", host: "vault.example.com", port: 8200 });
    expect(vaultEndpoint("https://vault.example.com").port).toBe(443);
    for (const bad of ["http://vault.example.com", "https://vault.example.com/v1", "https://Vault.example.com", "vault.example.com:8200"]) {
      expect(VAULT_ADDRESS.test(bad)).toBe(false);
    }
  });

  test("the CA is one or more PEM certificates, nothing else", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
    expect(PEM_CERTIFICATES.test(pem)).toBe(true);
    expect(PEM_CERTIFICATES.test(pem + pem)).toBe(true);
    expect(PEM_CERTIFICATES.test("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n")).toBe(false);
  });
});

describe("chart values", () => {
  const check = chartValuesCheck("vault");

  test.each([1, 3, 5])("pass the chart's values.schema.json with %i replicas", (replicas) => {
    expect(check(vaultValues({ ...ARGS, replicas }))).toEqual([]);
  });

  test("the schema check bites on a value of the wrong type", () => {
    const broken = vaultValues(ARGS) as any;
    broken.server.ha.replicas = "three";
    expect(check(broken).join("\n")).toMatch(/\/server\/ha\/replicas must be integer/);
  });

  test("HA raft, no injector, CSI or UI; TLS on; the image is the chart's appVersion", () => {
    const v = vaultValues(ARGS) as any;
    expect(v.injector.enabled).toBe(false);
    expect(v.csi.enabled).toBe(false);
    expect(v.ui.enabled).toBe(false);
    expect(v.global.tlsDisable).toBe(false);
    expect(v.server.ha).toMatchObject({ enabled: true, replicas: 3, raft: { enabled: true, setNodeId: true } });
    expect(v.server.image).toEqual({ repository: "hashicorp/vault", tag: "2.0.4" });
  });

  test("data and audit volumes on the cluster's StorageClass, claims kept when protected", () => {
    const s = server();
    for (const volume of [s.dataStorage, s.auditStorage]) expect(volume).toMatchObject({ enabled: true, size: "10Gi", storageClass: "gp3" });
    expect(s.auditStorage.mountPath).toBe("/vault/audit");
    expect(s.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(server({ ...ARGS, protectData: false }).persistentVolumeClaimRetentionPolicy.whenDeleted).toBe("Delete");
  });

  test("meets Pod Security restricted, which the chart's own defaults do not", () => {
    expect(restrictedViolations(renderedPod(VAULT_SECURITY_CONTEXT))).toEqual([]);
    expect(server().statefulSet.securityContext).toEqual(VAULT_SECURITY_CONTEXT);
    // `_helpers.tpl` 583-587 and 604-605: what the chart sets when the values set nothing.
    const chartDefaults = { pod: { runAsNonRoot: true, runAsGroup: 1000, runAsUser: 100, fsGroup: 1000 }, container: { allowPrivilegeEscalation: false } };
    expect(restrictedViolations(renderedPod(chartDefaults))).toEqual([
      "container 'vault' does not drop ALL capabilities",
      "container 'vault' has no RuntimeDefault seccomp profile",
    ]);
  });

  test("one server per node, and from 3 replicas a zone spread that refuses to stack them", () => {
    const s = server();
    const [anti] = s.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    expect(anti).toEqual({ labelSelector: { matchLabels: VAULT_POD_LABELS }, topologyKey: "kubernetes.io/hostname" });
    expect(s.topologySpreadConstraints).toEqual([
      expect.objectContaining({ topologyKey: "topology.kubernetes.io/zone", maxSkew: 1, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: VAULT_POD_LABELS } }),
    ]);
    expect(server({ ...ARGS, replicas: 1 }).topologySpreadConstraints).toEqual([]);
  });

  test("the chart's budget from 3 replicas; none for 1, whose budget would block every drain", () => {
    expect(server().ha.disruptionBudget.enabled).toBe(true);
    expect(server({ ...ARGS, replicas: 1 }).ha.disruptionBudget.enabled).toBe(false);
  });

  test("the pod row's labels are those the placement selects", () => {
    expect(VAULT.pods[0].labels).toEqual(VAULT_POD_LABELS);
    expect(VAULT.pods[0].ports.map((p) => p.containerPort)).toEqual([8200, 8201, 8202]);
  });
});

describe("server configuration", () => {
  const config = vaultServerConfig(ARGS);

  test("integrated storage with mlock off, the KMS seal, TLS, metrics without a token", () => {
    expect(config).toMatch(/^disable_mlock = true$/m);
    expect(config).toContain('storage "raft" {');
    expect(config).toContain(`seal "awskms" {\n  region = "eu-west-1"\n  kms_key_id = "${ARGS.kmsKeyId}"\n}`);
    expect(config).toMatch(/tls_cert_file = "\/vault\/userconfig\/vault-server-tls\/tls\.crt"/);
    expect(config).not.toMatch(/tls_disable/);
    expect(config).toMatch(/telemetry \{\n {4}unauthenticated_metrics_access = true/);
  });

  test.each([1, 3, 5])("%i replicas: one retry_join per server, each verified for a name its certificate holds", (replicas) => {
    const c = vaultServerConfig({ ...ARGS, replicas });
    const names = [...c.matchAll(/leader_tls_servername = "([^"]+)"/g)].map((m) => m[1]);
    expect(names).toEqual(Array.from({ length: replicas }, (_, i) => peerHost(i)));
    for (const host of names) expect(VAULT_DNS_NAMES.some((n) => covers(n, host))).toBe(true);
    expect([...c.matchAll(/leader_ca_cert_file = "([^"]+)"/g)].every((m) => m[1].endsWith("/ca.crt"))).toBe(true);
  });
});

describe("what clients are given", () => {
  test("in the cluster: the vault Service's address, and the CA of the servers' Secret", () => {
    expect(vaultClientEndpoint({ mode: "in-cluster", replicas: 3, storageSize: "10Gi", resources: ARGS.resources })).toEqual({
      address: "https://vault.vault.svc:8200",
      ca: { kind: "secret", namespace: "vault", name: "vault-server-tls", key: "ca.crt" },
    });
  });

  test("an existing Vault: its address, and its CA from config or the public roots", () => {
    const external = { mode: "external", ...vaultEndpoint("https://vault.example.com:8200"), caCertificate: "" } as const;
    expect(vaultClientEndpoint(external)).toEqual({ address: "https://vault.example.com:8200", ca: { kind: "public" } });
    expect(vaultClientEndpoint({ ...external, caCertificate: "PEM" }).ca).toEqual({ kind: "pem", pem: "PEM" });
  });

  test("the in-cluster address is a name the servers' certificate holds", () => {
    expect(VAULT_DNS_NAMES).toContain(new URL(vaultClientEndpoint({ mode: "in-cluster", replicas: 1, storageSize: "1Gi", resources: ARGS.resources }).address).hostname);
  });
});

describe("TLS", () => {
  test("the server certificate covers the Service, every server, the scrape's name and 127.0.0.1", () => {
    const cert = vaultTlsObjects("vault", "cert-manager").find((o) => o.kind === "Certificate" && o.metadata.name === "vault-server-tls")!;
    const spec = cert.spec as { dnsNames: string[]; ipAddresses: string[]; issuerRef: { name: string } };
    for (const host of ["vault", "vault.vault.svc", VAULT_SCRAPE_SERVER_NAME, "vault-2.vault-internal", "vault-0.vault-internal.vault.svc"]) {
      expect(spec.dnsNames.some((n) => covers(n, host))).toBe(true);
    }
    expect(spec.ipAddresses).toEqual([...VAULT_IP_ADDRESSES]);
    expect(spec.issuerRef.name).toBe("vault-ca");
  });

  test("a self-signed issuer signs the CA in cert-manager's namespace, whose Secret backs the vault-ca ClusterIssuer", () => {
    const objects = vaultTlsObjects("vault", "cert-manager");
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? "-"}/${o.metadata.name}`)).toEqual([
      "Issuer/cert-manager/vault-selfsigned",
      "Certificate/cert-manager/vault-ca",
      "ClusterIssuer/-/vault-ca",
      "Certificate/vault/vault-server-tls",
    ]);
    expect(objects[1].spec).toMatchObject({ isCA: true, secretName: "vault-ca", issuerRef: { name: "vault-selfsigned", kind: "Issuer" } });
    expect(objects[2].spec).toEqual({ ca: { secretName: "vault-ca" } });
    expect(objects[3].spec).toMatchObject({ issuerRef: { name: "vault-ca", kind: "ClusterIssuer" } });
  });
});

describe("monitoring", () => {
  test("the monitor scrapes every server over HTTPS, verified with Vault's CA", () => {
    const [endpoint] = vaultMonitorManifest("vault").spec.endpoints;
    expect(endpoint).toMatchObject({ scheme: "https", path: "/v1/sys/metrics", params: { format: ["prometheus"] } });
    expect(endpoint.tlsConfig).toEqual({ ca: { secret: { name: "vault-server-tls", key: "ca.crt" } }, serverName: VAULT_SCRAPE_SERVER_NAME });
    expect(endpoint.tlsConfig.insecureSkipVerify).toBeUndefined();
  });

  test("the alerts read the job of that monitor", () => {
    for (const rule of vaultRules()) expect(rule.expr).toContain('job="vault-internal"');
    expect(vaultRules().map((r) => r.alert)).toEqual(["VaultSealed", "VaultServerDown", "VaultNoActiveServer"]);
  });
});

describe("the seal key's IAM", () => {
  test("the role may encrypt, decrypt and describe the one key, nothing else", () => {
    const arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const doc = JSON.parse(vaultSealPolicy(arn));
    expect(doc.Statement).toEqual([{ Sid: "VaultAutoUnseal", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], Resource: arn }]);
    expect(VAULT_SEAL_ACTIONS).toHaveLength(3);
  });

  test("Pod Identity hands it to vault/vault only", () => {
    const trust = JSON.parse(podIdentityTrustPolicy("ecommerce", "vault", "vault"));
    expect(trust.Statement[0].Condition.StringEquals).toMatchObject({ "aws:RequestTag/kubernetes-namespace": "vault", "aws:RequestTag/kubernetes-service-account": "vault" });
  });
});

describe("flows in both modes", () => {
  const mysql = datastoreInstances("mysql", SERVICES);
  const subnets = planSubnets("10.20.0.0/16", ["a", "b", "c"]);
  const plan = (kind: "none" | "in-cluster" | "external") =>
    networkPolicyPlan({
      services: SERVICES,
      acmeChallenge: "http-01",
      vpcCidr: "10.20.0.0/16",
      serviceCidr: "172.20.0.0/16",
      controlPlaneCidrs: subnets.map((p) => p.controlPlaneCidr),
      nodeCidrs: subnets.map((p) => p.privateCidr),
      ingressSourceRanges: ["0.0.0.0/0"],
      loadBalancerSubnetCidrs: [],
      vault: kind === "external" ? { kind, port: 8200 } : { kind },
    });

  test("the location follows the backend and the address", () => {
    expect(vaultLocationOf("kubernetes", { mode: "in-cluster" })).toEqual({ kind: "none" });
    expect(vaultLocationOf("vault", { mode: "in-cluster" })).toEqual({ kind: "in-cluster" });
    expect(vaultLocationOf("vault", { mode: "external", port: 8443 })).toEqual({ kind: "external", port: 8443 });
  });

  test("in the cluster, Vault reaches every MySQL on its port, and nothing of Vault exists otherwise", () => {
    const toMysql = vaultFlows({ kind: "in-cluster" }, SERVICES).filter((f) => f.to.kind === "pods" && f.to.role === "mysql");
    expect(toMysql.map((f) => (f.to.kind === "pods" ? f.to.service : ""))).toEqual(mysql.map((i) => i.owner));
    expect(toMysql.every((f) => f.ports.length === 1 && f.ports[0].port === DATASTORES.mysql.port)).toBe(true);
    expect(vaultFlows({ kind: "none" }, SERVICES)).toEqual([]);
    expect(vaultFlows({ kind: "external", port: 8200 }, SERVICES)).toEqual([]);
    const inVaultNamespace = (f: FlowIntent) => [f.from, f.to].some((p) => p.kind === "pods" && p.namespace === NAMESPACES.vault.name);
    expect(platformFlows(SERVICES, { challenge: "http-01", edge: { nlbHealthChecks: false }, vault: { kind: "none" } }).filter(inVaultNamespace)).toEqual([]);
    expect(platformFlows(SERVICES, { challenge: "http-01", edge: { nlbHealthChecks: false }, vault: { kind: "in-cluster" } })).toEqual(expect.arrayContaining(vaultFlows({ kind: "in-cluster" }, SERVICES)));
  });

  test("the vault namespace and its policies exist only with Vault", () => {
    const vaultPolicies = (kind: "none" | "in-cluster" | "external") => plan(kind).filter((p) => p.namespace === "vault" || p.name.includes("vault")).map((p) => `${p.namespace}/${p.name}`);
    expect(vaultPolicies("none")).toEqual([]);
    // The bootstrap Job runs in `vault` in both modes; the servers only in the cluster.
    expect(vaultPolicies("external")).toEqual(["vault/deny-all-default", "vault/allow-dns", "vault/allow-vault-bootstrap"]);
    expect(vaultPolicies("in-cluster").sort()).toEqual([
      "e-commerce/allow-vault-database-ingress",
      "vault/allow-dns",
      "vault/allow-vault",
      "vault/allow-vault-bootstrap",
      "vault/deny-all-default",
    ]);
  });

  test("each MySQL admits Vault on 3306 from Vault's pods only", () => {
    const p = plan("in-cluster").find((x) => x.name === "allow-vault-database-ingress")!;
    expect(p.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "vault" } }, podSelector: { matchLabels: VAULT_POD_LABELS } }], ports: [{ protocol: "TCP", port: 3306 }] },
    ]);
  });

  test("a client reaches an in-cluster Vault by its Service, an existing one on its port outside the cluster", () => {
    const client = { kind: "pods", role: "vault", namespace: "vault", labelSets: [{ app: "client" }] } as const;
    expect(vaultClientFlow(client, { kind: "in-cluster" }, "why")[0]).toMatchObject({ to: { role: "vault" }, ports: [{ port: 8200 }], path: "service" });
    expect(vaultClientFlow(client, { kind: "external", port: 8443 }, "why")[0]).toMatchObject({ to: { kind: "addresses", of: "internet" }, ports: [{ port: 8443 }], path: "outside" });
    expect(vaultClientFlow(client, { kind: "none" }, "why")).toEqual([]);
  });
});
