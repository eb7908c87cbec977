import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DATASTORE_KINDS, DatastoreKind, PROFILE_TABLE, SERVICES } from "../../../catalog";
import { DataTier } from "../../../components/data/data-tier";
import { dataConnections } from "../../../catalog/contracts";
import { readData } from "../../../config/data";
import { dataObjects, dataTierResources, expectedStoreKeys } from "./fixtures";
import { PROJECT_DIR, STACKS, renderComponent, stackRun, stackSetting } from "../../harness";

const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

const valueOf = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply((v) => (resolve(v), v)));

interface SecretSeen {
  readonly name: string;
  readonly namespace: string;
  readonly data: Record<string, string>;
}

/** Builds the tier under mocks and reads back what each Secret really holds (the render masks it). */
async function secretsOfTier(): Promise<{ secrets: SecretSeen[]; clientNames: string[] }> {
  const seen: SecretSeen[] = [];
  let clientNames: string[] = [];
  await renderComponent(async () => {
    const inputs: pulumi.Input<any>[] = [];
    const tier = new DataTier(
      "data",
      {
        services: SERVICES,
        protectData: false,
        credentials: { backend: "kubernetes" },
        storageClass: "gp3",
        settings: {
          rabbitmqReplicas: 3,
          volumeSizes: Object.fromEntries(DATASTORE_KINDS.map((kind) => [kind, "1Gi"])) as Record<DatastoreKind, string>,
          backup: { enabled: false, retentionDays: 7 },
          resources: PROFILE_TABLE.small,
        },
      },
      {
        // Sees every Secret's inputs as the component passes them, before any masking.
        transformations: [
          (a) => {
            if (a.type === "kubernetes:core/v1:Secret") inputs.push({ metadata: a.props.metadata, stringData: a.props.stringData });
            return undefined;
          },
        ],
      },
    );
    clientNames = await Promise.all(tier.secrets.map((s) => valueOf((s as k8s.core.v1.Secret).metadata.name)));
    for (const input of inputs) {
      const v = await valueOf(pulumi.unsecret(pulumi.output(input)));
      seen.push({ name: v.metadata.name, namespace: v.metadata.namespace, data: v.stringData });
    }
  });
  return { secrets: seen, clientNames };
}

describe("credentials", () => {
  let seen: Awaited<ReturnType<typeof secretsOfTier>>;
  beforeAll(async () => {
    seen = await secretsOfTier();
  });
  const secret = (name: string, namespace: string) => {
    const hits = seen.secrets.filter((s) => s.name === name && s.namespace === namespace);
    expect(hits).toHaveLength(1);
    return hits[0].data;
  };

  test("every client Secret of the contract exists in e-commerce with the contract's keys", () => {
    const c = dataConnections(SERVICES);
    const expected = Object.values(c).flatMap((instances) => instances.map((i) => i.connection));
    expect([...seen.clientNames].sort()).toEqual(expected.map((x) => x.secretName).sort());
    for (const conn of expected) {
      const data = secret(conn.secretName, "e-commerce");
      expect(Object.keys(data).sort()).toEqual([conn.usernameKey, conn.passwordKey].filter(Boolean).sort());
      expect(data[conn.passwordKey]).toMatch(/^mock-/);
    }
  });

  test("RabbitMQ: clients and server read the same generated password, in their own namespaces", () => {
    const client = secret("rabbitmq-client-credentials", "e-commerce");
    const server = secret("rabbitmq-cluster-default-user", "e-commerce-messaging");
    expect(client.password).toBe("mock-rabbitmq-cluster-password");
    expect(server.password).toBe(client.password);
    expect(server.username).toBe(client.username);
    expect(server["default_user.conf"]).toBe(`default_user = ${client.username}\ndefault_pass = ${client.password}\n`);
    expect(secret("rabbitmq-cluster-erlang-cookie", "e-commerce-messaging").cookie).toBe("mock-rabbitmq-cluster-erlang-cookie");
  });

  test("MinIO: the clients' access key pair is the server's root credentials", () => {
    const client = secret("minio-client-credentials", "e-commerce");
    const server = secret("minio-root-credentials", "e-commerce-messaging");
    expect([client.accessKey, client.secretKey]).toEqual([server.rootUser, server.rootPassword]);
    expect(client.secretKey).toBe("mock-minio-root-password");
  });

  test("Redis and MySQL: the server side reads the clients' password; MySQL root stays apart", () => {
    expect(secret("redis-auth-config", "e-commerce")["auth.conf"]).toBe(`requirepass ${secret("redis-credentials", "e-commerce").password}\n`);
    const app = secret("auth-service-mysql-credentials", "e-commerce");
    expect(app).toEqual({ username: "auth_service", password: "mock-auth-service-mysql-password" });
    expect(secret("auth-service-mysql-root", "e-commerce").password).toBe("mock-auth-service-mysql-root-password");
  });
});

// Stacks syncing from Vault generate nothing: vault-backend.spec.ts shows no secret value in their inputs.
const GENERATING = STACKS.filter((s) => stackSetting(s, "secretsBackend") === "kubernetes");
describe.each(GENERATING)("no generated value in plain text (%s)", (stack) => {
  let files: ReadonlyMap<string, string>;
  let mockValues: string[];
  let dataValues: string[];
  let dataSecretFiles: string[];
  let outputs: string;
  beforeAll(async () => {
    // The run's own render of the stack (the render service, tests/render-service.ts): its files and outputs as written.
    const result = await stackRun(stack);
    files = result.files;
    outputs = JSON.stringify(result.outputs);
    // tools/render/mocks.ts answers every random resource with `mock-<name>`. Every tier's are looked for.
    mockValues = result.rendered.ofType(RANDOM_PASSWORD).map((r) => `mock-${r.name}`);
    dataValues = dataTierResources(result.rendered).filter((r) => r.type === RANDOM_PASSWORD).map((r) => `mock-${r.name}`);
    dataSecretFiles = dataObjects(result.rendered, "Secret").map((r) => `manifests/${r.inputs.metadata.namespace}/secret-${r.inputs.metadata.name}.yaml`);
  });

  test("there are generated passwords to look for: every one each datastore instance holds", () => {
    expect([...dataValues].sort()).toEqual(expectedStoreKeys().passwords.map((p) => `mock-${p}`).sort());
    expect(dataValues).toContain("mock-rabbitmq-cluster-erlang-cookie");
    expect(mockValues).toEqual(expect.arrayContaining(dataValues));
  });

  test("the render (resources.json and every manifest) never shows them", () => {
    expect(files.size).toBeGreaterThan(60);
    const leaks = [...files].flatMap(([file, text]) => mockValues.filter((v) => text.includes(v)).map((v) => `${file}: ${v}`));
    expect(leaks).toEqual([]);
  });

  test("the scan would notice a leak", () => {
    const planted = new Map(files).set("manifests/leak.yaml", `password: ${mockValues[0]}\n`);
    const leaks = [...planted].flatMap(([file, text]) => mockValues.filter((v) => text.includes(v)).map((v) => `${file}: ${v}`));
    expect(leaks).toEqual([`manifests/leak.yaml: ${mockValues[0]}`]);
  });

  test("the stack outputs hold none", () => {
    for (const v of mockValues) expect(outputs).not.toContain(v);
  });

  test("Secrets carry their values only as masked stringData", () => {
    expect(dataSecretFiles).toHaveLength(expectedStoreKeys().secrets.length);
    for (const file of dataSecretFiles) expect(files.get(file)).toMatch(/^stringData: "\[secret\]"$/m);
  });
});

test("the stack files hold no credentials: every data tier key is a size, a class or a count", () => {
  // Comments may explain how to set a secret; the values are what must hold none.
  for (const stack of STACKS) {
    const values: Record<string, unknown> = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")).config;
    expect(Object.keys(values).length).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(values)) {
      // `secretsBackend` names where the credentials live (`kubernetes` or `vault`), not one.
      if (/password|secret|cookie|accessKey|token|Url$/i.test(key) && key !== "ecommerce:secretsBackend") expect({ key, value }).toEqual({ key, value: { secure: expect.any(String) } });
      expect(JSON.stringify(value)).not.toMatch(/password|cookie|accessKey/i);
    }
  }
  // Reading the data section asks for no credential key.
  const asked: string[] = [];
  const reader: any = new Proxy({}, { get: (_t, method) => (key: string) => (asked.push(`${String(method)}:${key}`), method === "integer" ? 3 : "1Gi") });
  readData(reader, PROFILE_TABLE.small);
  expect(asked.join(" ")).not.toMatch(/password|secret|cookie/i);
});
