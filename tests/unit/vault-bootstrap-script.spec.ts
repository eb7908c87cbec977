/**
 * The Vault bootstrap script (components/secrets/bootstrap/bootstrap.sh), run with BusyBox's `sh`
 * and applets as in the image (or the system's POSIX `sh` without BusyBox) against a stand-in `vault` CLI (tests/fixtures/vault-standin)
 * that keeps Vault's state in files and records every call: the first run initialises, configures
 * with the root token and revokes it; a second run logs in as `bootstrap`, changes nothing and
 * regenerates no secret; a consumer leaving the table loses its policy and role but not its data;
 * a failure stops the run naming the step. shellcheck checks the script where it is installed.
 */
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { SERVICES, ServiceSpec } from "../../catalog";
import { vaultTable } from "../../catalog/vault";
import { bootstrapFiles } from "../../components/secrets/bootstrap/data";
import { BOOTSTRAP_SCRIPT_PATH } from "../../components/secrets/bootstrap/job";
import { PROJECT_DIR } from "../harness";
import { tempDir } from "./workflow-files";

const STANDIN = path.join(PROJECT_DIR, "tests/fixtures/vault-standin");

/**
 * The image's shell and tools are BusyBox's (Alpine): where BusyBox is installed the script runs
 * under its `sh` with its applets first on the PATH; otherwise under the system's POSIX `sh`.
 */
const BUSYBOX = spawnSync("busybox", ["true"]).status === 0;
if (!BUSYBOX) console.warn("busybox is not on the PATH: the bootstrap script runs under the system's sh (apt-get install busybox runs it under the image's shell)");
const APPLETS = (() => {
  if (!BUSYBOX) return undefined;
  const dir = tempDir("busybox-");
  const busybox = spawnSync("sh", ["-c", "command -v busybox"], { encoding: "utf8" }).stdout.trim();
  for (const tool of ["sed", "awk", "grep", "cut", "tr", "cp", "mkdir", "rm", "cat", "sleep", "head"]) fs.symlinkSync(busybox, path.join(dir, tool));
  return dir;
})();
const gateway = SERVICES.find((s) => s.role === "gateway")!;
const owner: ServiceSpec = { ...SERVICES.find((s) => s.name === "auth-service")!, uses: ["mysql", "redis", "rabbitmq"] };
const SMALL = [gateway, owner];

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A Vault (the stand-in's state), and runs of the Job's two script steps against it. */
class Fixture {
  readonly vault = tempDir("vault-state-");
  private readonly jwt = path.join(tempDir("jwt-"), "token");
  private readonly pgp = tempDir("pgp-");
  constructor() {
    fs.writeFileSync(this.jwt, "a-projected-token");
    for (const op of ["alice", "bob", "carol"]) fs.writeFileSync(path.join(this.pgp, `${op}.asc`), `public key of ${op}`);
  }

  /** One pod of the Job: a fresh state directory, `init` then `configure`, for a catalog. */
  pod(services: readonly ServiceSpec[], env: Record<string, string> = {}): { init: Run; configure: Run; state: string } {
    const data = tempDir("data-");
    for (const [name, text] of Object.entries(bootstrapFiles(vaultTable(services)))) fs.writeFileSync(path.join(data, name), text);
    const state = tempDir("run-");
    const vars = {
      PATH: [...(APPLETS ? [APPLETS] : []), STANDIN, "/usr/bin", "/bin"].join(":"),
      VAULT_STANDIN_STATE: this.vault,
      VAULT_ADDR: "https://vault.vault.svc:8200",
      BOOTSTRAP_DATA: data,
      BOOTSTRAP_PGP_DIR: this.pgp,
      BOOTSTRAP_STATE: state,
      VAULT_JWT_FILE: this.jwt,
      BOOTSTRAP_WAIT_SECONDS: "0",
      BOOTSTRAP_WAIT_ATTEMPTS: "3",
      RECOVERY_THRESHOLD: "2",
      ...env,
    };
    const shell = BUSYBOX ? ["busybox", "sh"] : ["sh"];
    const step = (arg: string) => spawnSync(shell[0], [...shell.slice(1), path.join(PROJECT_DIR, BOOTSTRAP_SCRIPT_PATH), arg], { encoding: "utf8", env: vars });
    const init = step("init");
    const configure = init.status === 0 ? step("configure") : { status: null, stdout: "", stderr: "" };
    return { init, configure, state };
  }

  calls(): string[] {
    const file = path.join(this.vault, "calls.log");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : [];
  }
  resetCalls(): void {
    fs.rmSync(path.join(this.vault, "calls.log"), { force: true });
  }
  /** The stored fields of a path (the stand-in's file). */
  at(vaultPath: string): Record<string, string> | undefined {
    const file = path.join(this.vault, "store", vaultPath.replace(/\//g, "__"));
    if (!fs.existsSync(file)) return undefined;
    return Object.fromEntries(fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => [l.split("=")[0], l.slice(l.indexOf("=") + 1)]));
  }
  /** Every KV value of the platform, by path. */
  platformValues(): Record<string, Record<string, string> | undefined> {
    const dir = path.join(this.vault, "store");
    return Object.fromEntries(fs.readdirSync(dir).filter((f) => f.startsWith("secret__data__platform__")).map((f) => [f, this.at(f.replace(/__/g, "/"))]));
  }
  tokens(): string[] {
    return fs.readdirSync(path.join(this.vault, "tokens")).sort();
  }
}

describe("first run on an empty Vault", () => {
  const vault = new Fixture();
  const run = vault.pod(SMALL);
  const firstCalls = vault.calls();
  const table = vaultTable(SMALL);

  test("initialises with one recovery share per operator key, and hands the encrypted shares to the next step", () => {
    expect([run.init.status, run.init.stderr]).toEqual([0, ""]);
    const init = firstCalls.find((c) => c.includes("operator init -recovery"))!;
    expect(init).toContain("-recovery-shares=3 -recovery-threshold=2");
    expect(init).toMatch(/-recovery-pgp-keys=\S*alice\.asc,\S*bob\.asc,\S*carol\.asc/);
    const secret = JSON.parse(fs.readFileSync(path.join(run.state, "manifests/recovery-keys.json"), "utf8"));
    expect(secret.metadata).toMatchObject({ name: "vault-recovery-keys", namespace: "vault" });
    expect(secret.stringData["recovery-keys.txt"].trim().split("\n")).toHaveLength(3);
    expect(JSON.stringify(secret)).not.toContain("hvs.root");
    expect(JSON.parse(fs.readFileSync(path.join(run.state, "manifests/status.json"), "utf8")).data["initialised-by-this-run"]).toBe("yes");
  });

  test("configures everything with the root token, then revokes it; no root token remains on disk", () => {
    expect([run.configure.status, run.configure.stderr]).toEqual([0, ""]);
    expect(firstCalls.filter((c) => c.startsWith("token=hvs.root ")).pop()).toBe("token=hvs.root token revoke -self");
    expect(vault.tokens()).not.toContain("hvs.root");
    expect(fs.existsSync(path.join(run.state, "root-token"))).toBe(false);
    expect(vault.at("sys/auth/kubernetes")).toBeDefined();
    expect(vault.at("sys/audit/file")).toEqual({ file_path: "/vault/audit/audit.log" });
    expect(vault.at("sys/mounts/secret")).toBeDefined();
    expect(vault.at("sys/mounts/database")).toBeDefined();
  });

  test("a policy and a role per consumer and for the bootstrap, each role bound to its ServiceAccount with the vault audience", () => {
    for (const c of table.consumers) {
      expect(vault.at(`sys/policies/acl/${c.policy}`)).toBeDefined();
      expect(vault.at(`auth/kubernetes/role/${c.role}`)).toMatchObject({
        bound_service_account_names: c.serviceAccount,
        bound_service_account_namespaces: c.namespaces.join(","),
        token_policies: c.policy,
        audience: "vault",
      });
    }
    expect(vault.at("auth/kubernetes/role/bootstrap")).toMatchObject({ bound_service_account_names: "vault-bootstrap", bound_service_account_namespaces: "vault" });
  });

  test("every KV secret of the table with all its keys: fixed values as given, random ones generated by Vault", () => {
    for (const k of table.kvSecrets) {
      const stored = vault.at(`secret/data/platform/${k.name}`)!;
      expect([k.name, Object.keys(stored).sort()]).toEqual([k.name, Object.keys(k.keys).sort()]);
      for (const [key, value] of Object.entries(k.keys)) {
        expect([k.name, key, stored[key]]).toEqual([k.name, key, "fixed" in value ? value.fixed : expect.stringMatching(/^generated\d+$/)]);
      }
    }
  });

  test("a connection per MySQL with the `vault` user's KV password, not verified; a role per owner", () => {
    const [c] = table.connections;
    expect(vault.at(`database/config/${c.name}`)).toMatchObject({
      username: "vault",
      password: vault.at(`secret/data/platform/${c.passwordKv}`)!.password,
      allowed_roles: owner.name,
      verify_connection: "false",
    });
    expect(vault.at(`database/roles/${owner.name}`)).toMatchObject({ db_name: c.name, default_ttl: "1h", max_ttl: "24h" });
  });

  describe("a second run", () => {
    const before = vault.platformValues();
    vault.resetCalls();
    const again = vault.pod(SMALL);
    const calls = vault.calls();

    test("finds Vault initialised, logs in as bootstrap and ends with no token of root", () => {
      expect([again.init.status, again.configure.status, again.configure.stderr]).toEqual([0, 0, ""]);
      expect(again.init.stdout).toContain("Vault is initialised; nothing to initialise");
      expect(fs.existsSync(path.join(again.state, "manifests/recovery-keys.json"))).toBe(false);
      expect(calls.some((c) => c.includes("operator init -recovery"))).toBe(false);
      expect(calls.filter((c) => !/^token=none /.test(c)).every((c) => /^token=hvs\.bootstrap-\d+ /.test(c))).toBe(true);
    });

    test("regenerates no secret, overwrites no value and leaves the connections alone", () => {
      expect(calls.filter((c) => /generate|kv put -mount=secret -cas=0|kv patch|database\/config\/\S+ plugin_name/.test(c))).toEqual([]);
      expect(vault.platformValues()).toEqual(before);
    });
  });

  describe("a run against an existing Vault (BOOTSTRAP_VAULT_MODE external)", () => {
    vault.resetCalls();
    const external = vault.pod(SMALL, { BOOTSTRAP_VAULT_MODE: "external" });
    const calls = vault.calls();

    test("leaves its Kubernetes auth configuration and audit devices to its operators, and still applies the table", () => {
      expect([external.init.status, external.configure.status, external.configure.stderr]).toEqual([0, 0, ""]);
      expect(external.configure.stdout).toContain("an existing Vault: its Kubernetes auth and audit devices are its operators'");
      expect(calls.filter((c) => /auth enable|auth\/kubernetes\/config|audit enable/.test(c))).toEqual([]);
      expect(calls.some((c) => /policy write auth-service /.test(c))).toBe(true);
    });
  });

  // Later runs on the same Vault, in order (each test's run follows the previous one's).
  describe("later changes of the table", () => {
    const storeFile = (p: string) => path.join(vault.vault, "store", p.replace(/\//g, "__"));

    test("a key added to an existing secret is generated alone; the others keep their values", () => {
      // As if an earlier table had another key only: the record names it and not `password`.
      fs.writeFileSync(storeFile("secret/metadata/platform/redis-credentials"), "keys=other\n");
      fs.writeFileSync(storeFile("secret/data/platform/redis-credentials"), "other=kept\n");
      vault.resetCalls();
      expect(vault.pod(SMALL).configure.status).toBe(0);
      expect(vault.calls().filter((c) => c.includes("kv patch"))).toEqual([expect.stringContaining("platform/redis-credentials password=@")]);
      expect(vault.at("secret/data/platform/redis-credentials")).toEqual({ other: "kept", password: expect.stringMatching(/^generated\d+$/) });
      expect(vault.at("secret/metadata/platform/redis-credentials")).toEqual({ keys: "other,password" });
    });

    test("a KV secret an operator created is left as it is", () => {
      fs.writeFileSync(storeFile("secret/metadata/platform/grafana-admin"), "");
      fs.writeFileSync(storeFile("secret/data/platform/grafana-admin"), "admin-password=chosen-by-hand\n");
      const run = vault.pod(SMALL);
      expect(run.configure.stdout).toContain("platform/grafana-admin exists without the bootstrap's record: left as is");
      expect(vault.at("secret/data/platform/grafana-admin")).toEqual({ "admin-password": "chosen-by-hand" });
    });

    test("a consumer that leaves the table loses its policy, role and database objects; its KV secrets stay", () => {
      const kept = vault.platformValues();
      const run = vault.pod([gateway]);
      expect([run.configure.status, run.configure.stderr]).toEqual([0, ""]);
      expect(vault.at(`sys/policies/acl/${owner.name}`)).toBeUndefined();
      expect(vault.at(`auth/kubernetes/role/${owner.name}`)).toBeUndefined();
      expect(vault.at(`database/roles/${owner.name}`)).toBeUndefined();
      expect(vault.at(`database/config/${owner.name}-mysql`)).toBeUndefined();
      expect(vault.at(`sys/policies/acl/${gateway.name}`)).toBeDefined();
      expect(vault.at("sys/policies/acl/bootstrap")).toBeDefined();
      expect(vault.platformValues()).toEqual(kept);
    });
  });
});

describe("failures stop the run with a message naming the step", () => {
  test("a Vault that never answers", () => {
    const run = new Fixture();
    fs.writeFileSync(path.join(run.vault, "unreachable"), "99");
    const { init } = run.pod(SMALL);
    expect(init.status).toBe(1);
    expect(init.stderr).toBe("vault-bootstrap: error: Vault at https://vault.vault.svc:8200 is not reachable after 3 attempts (last 'vault status' exit 1)\n");
  });

  test("a failing write: nothing after it runs, and the root token is not revoked", () => {
    const vault = new Fixture();
    const { configure } = vault.pod(SMALL, { VAULT_STANDIN_FAIL: "policy write bootstrap" });
    expect(configure.status).toBe(1);
    expect(configure.stderr).toContain("vault-bootstrap: error: writing policy bootstrap failed (exit 2)");
    expect(vault.calls().some((c) => c.includes("kv put"))).toBe(false);
    expect(vault.tokens()).toContain("hvs.root");
  });

  test("no operator PGP key: Vault is not initialised", () => {
    const vault = new Fixture();
    const { init } = vault.pod(SMALL, { BOOTSTRAP_PGP_DIR: tempDir("no-keys-") });
    expect(init.status).toBe(1);
    expect(init.stderr).toContain("no operator PGP key in");
    expect(vault.calls().some((c) => c.includes("operator init -recovery"))).toBe(false);
  });

  test("a bootstrap role that does not log in: the root token is kept and its accessor named", () => {
    const vault = new Fixture();
    const { configure } = vault.pod(SMALL, { VAULT_STANDIN_FAIL: "role=bootstrap jwt" });
    expect(configure.status).toBe(1);
    expect(configure.stderr).toContain("the 'bootstrap' role does not log in; the root token (accessor accessor-of-hvs.root) is not revoked");
    expect(vault.tokens()).toContain("hvs.root");
  });
});

const SHELLCHECK = spawnSync("shellcheck", ["--version"], { encoding: "utf8" }).status === 0;
if (!SHELLCHECK) console.warn("shellcheck is not on the PATH: the bootstrap script's lint is SKIPPED (apt-get install shellcheck provides it)");
(SHELLCHECK ? test : test.skip)("shellcheck finds nothing in the script and the stand-in (POSIX sh)", () => {
  const res = spawnSync("shellcheck", ["-s", "sh", BOOTSTRAP_SCRIPT_PATH, "tests/fixtures/vault-standin/vault"], { cwd: PROJECT_DIR, encoding: "utf8" });
  expect(res.stdout).toBe("");
  expect(res.status).toBe(0);
});
