/**
 * The pack as the Pulumi CLI runs it: `policy/index.ts` started in its folder serves the
 * analyzer gRPC protocol on the port it prints; the CLI then asks for its policies, configures
 * them and sends resources. This test plays the CLI's part.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as YAML from "yaml";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as clusterPolicies from "../../policy/cluster";
import * as exposurePolicies from "../../policy/exposure";
import { POLICY_PACK_NAME, policies } from "../../policy/policies";
import * as workloadPolicies from "../../policy/workloads";
import { PROJECT_DIR } from "../harness";

const POLICY_DIR = path.join(PROJECT_DIR, "policy");
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"));

describe("the policy list", () => {
  test("holds every policy the modules define, once, under a valid name", () => {
    const defined = [workloadPolicies, exposurePolicies, clusterPolicies]
      .flatMap((m) => Object.values(m))
      .filter((v): v is { name: string } => typeof v === "object" && v !== null && ("validateResource" in v || "validateStack" in v));
    expect(defined.length).toBeGreaterThan(0);
    expect(new Set(policies)).toEqual(new Set(defined));
    const names = policies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(names).not.toContain("all");
  });

  test("every policy is mandatory and says what it requires", () => {
    for (const p of policies) {
      expect(p.enforcementLevel).toBe("mandatory");
      expect(p.description.length).toBeGreaterThan(20);
    }
  });
});

describe("the pack's own package", () => {
  test("runs on Node with the SDK versions the tests exercise", () => {
    const pack = readJson(path.join(POLICY_DIR, "package.json"));
    const root = readJson(path.join(PROJECT_DIR, "package.json"));
    expect(YAML.parse(fs.readFileSync(path.join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8")).runtime).toBe("nodejs");
    expect(pack.version).toMatch(/^\d+\.\d+\.\d+$/);
    for (const dep of ["@pulumi/policy", "@pulumi/pulumi"]) {
      expect(pack.dependencies[dep]).toBe(root.dependencies[dep]);
    }
    for (const dep of ["typescript", "ts-node", "@types/node"]) {
      expect(pack.devDependencies[dep]).toBe(root.devDependencies[dep]);
    }
    expect(pack.engines).toEqual(root.engines);
  });

  test("its lockfile matches its package.json", () => {
    const pack = readJson(path.join(POLICY_DIR, "package.json"));
    const lock = readJson(path.join(POLICY_DIR, "package-lock.json"));
    expect(lock.packages[""].dependencies).toEqual(pack.dependencies);
    expect(lock.packages[""].devDependencies).toEqual(pack.devDependencies);
    expect(lock.packages["node_modules/@pulumi/policy"].version).toBe(pack.dependencies["@pulumi/policy"]);
  });
});

/** Calls one unary method of the analyzer client as a promise. */
function call<Req, Res>(client: any, method: string, request: Req): Promise<Res> {
  return new Promise((resolve, reject) =>
    client[method](request, (err: Error | null, res: Res) => (err ? reject(err) : resolve(res))),
  );
}

describe("the pack served to the CLI", () => {
  let child: ChildProcess;
  let client: any;

  beforeAll(async () => {
    child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], {
      cwd: POLICY_DIR,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout!.once("data", (d) => resolve(String(d).trim()));
      child.once("exit", (code) => reject(new Error(`policy pack exited with ${code}: ${stderr}`)));
    });
    expect(port).toMatch(/^\d+$/);
    client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  afterAll(() => {
    client?.close();
    child?.kill();
  });

  test("announces the pack and its policies, all mandatory", async () => {
    const info = await call<Empty, analyzerproto.AnalyzerInfo>(client, "getAnalyzerInfo", new Empty());
    expect(info.getName()).toBe(POLICY_PACK_NAME);
    expect(info.getVersion()).toBe(readJson(path.join(POLICY_DIR, "package.json")).version);
    const announced = info.getPoliciesList();
    expect(announced.map((p) => p.getName())).toEqual(policies.map((p) => p.name));
    for (const p of announced) expect(p.getEnforcementlevel()).toBe(analyzerproto.EnforcementLevel.MANDATORY);
  });

  function analyzeRequest(type: string, name: string, props: Record<string, unknown>, protect = false) {
    const req = new analyzerproto.AnalyzeRequest();
    req.setType(type);
    req.setName(name);
    req.setUrn(`urn:pulumi:prod::ecommerce::${type}::${name}`);
    req.setProperties(Struct.fromJavaScript(props as any));
    const opts = new analyzerproto.AnalyzerResourceOptions();
    opts.setProtect(protect);
    req.setOptions(opts);
    return req;
  }
  /** The analyzer reports a policy's description, then the violation's message on the next line. */
  const messagesOf = (res: analyzerproto.AnalyzeResponse) =>
    res.getDiagnosticsList().map((d) => {
      const [description, ...message] = d.getMessage().split("\n");
      expect(description).toBe(policies.find((p) => p.name === d.getPolicyname())?.description);
      return message.join("\n");
    });

  test("rejects a workload with an unpinned image, as `pulumi preview` would show it", async () => {
    const deployment = {
      kind: "Deployment",
      metadata: { name: "cart-service", namespace: "e-commerce" },
      spec: { template: { spec: { containers: [{ name: "app", image: "shop/cart:latest" }] } } },
    };
    const res = await call<analyzerproto.AnalyzeRequest, analyzerproto.AnalyzeResponse>(
      client,
      "analyze",
      analyzeRequest("kubernetes:apps/v1:Deployment", "cart-service", deployment),
    );
    const messages = messagesOf(res);
    expect(messages).toContain(
      "Deployment 'e-commerce/cart-service': container 'app' image 'shop/cart:latest' uses the moving tag 'latest': pin a version or a digest",
    );
    expect(res.getDiagnosticsList().every((d) => d.getPolicypackname() === POLICY_PACK_NAME)).toBe(true);
  });

  test("takes the stack's data protection from `--policy-pack-config`", async () => {
    const statefulSet = {
      kind: "StatefulSet",
      metadata: { name: "redis", namespace: "e-commerce" },
      spec: { volumeClaimTemplates: [{ metadata: { name: "data" } }], template: { spec: {} } },
    };
    const analyze = () =>
      call<analyzerproto.AnalyzeRequest, analyzerproto.AnalyzeResponse>(
        client,
        "analyze",
        analyzeRequest("kubernetes:apps/v1:StatefulSet", "redis", statefulSet),
      );
    const protectionMessages = async () =>
      messagesOf(await analyze()).filter((m) => m.startsWith("StatefulSet 'e-commerce/redis' keeps data"));
    expect(await protectionMessages()).toHaveLength(1);

    const configure = new analyzerproto.ConfigureAnalyzerRequest();
    const config = new analyzerproto.PolicyConfig();
    config.setEnforcementlevel(analyzerproto.EnforcementLevel.MANDATORY);
    config.setProperties(Struct.fromJavaScript({ protectData: false }));
    configure.getPolicyconfigMap().set(workloadPolicies.statefulSetDataProtected.name, config);
    await call(client, "configure", configure);
    expect(await protectionMessages()).toEqual([]);
  });

  test("runs the stack policy over the whole stack", async () => {
    const res = await call<analyzerproto.AnalyzeStackRequest, analyzerproto.AnalyzeResponse>(
      client,
      "analyzeStack",
      new analyzerproto.AnalyzeStackRequest(),
    );
    expect(messagesOf(res)).toContain("namespace 'e-commerce' has no default-deny NetworkPolicy 'deny-all-default'");
  });
});
