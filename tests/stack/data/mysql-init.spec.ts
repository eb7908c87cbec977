/**
 * An interrupted first initialisation must not leave a MySQL pod that never turns ready.
 *
 * The image's entrypoint (docker-library/mysql 8.4/docker-entrypoint.sh, 8.4.6 commit 516237c)
 * treats a data directory as initialised as soon as `$DATADIR/mysql` exists
 * (`docker_setup_env`), and `--initialize` creates that directory before the root password, the
 * schema and the application's user exist. The init script is run here with bash against a
 * stand-in for the entrypoint that keeps exactly that contract (same function names, `mysql/`
 * first, the schema in `docker_setup_db`, a failure anywhere exits), so that interruptions can be
 * injected at every step.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENTRYPOINT_INIT_STEPS, MYSQL_ENTRYPOINT, mysqlInitScript } from "../../../components/data/mysql-init";
import { MYSQL_DATADIR } from "../../../components/data/mysql";
import { stackRender, stackSetting } from "../../harness";

const SCHEMA = "orders_service";

/** The entrypoint's contract, as far as the init script relies on it. `FAIL_AT` kills a step. */
const STAND_IN = `
set -eo pipefail
step() { echo "$1" >> "$LOG"; if [ "\${FAIL_AT:-}" = "$1" ]; then echo "killed in $1" >&2; exit 137; fi; }
mysql_check_config() { step check_config; }
docker_setup_env() { step setup_env; for a; do case "$a" in --datadir=*) declare -g DATADIR="\${a#--datadir=}";; esac; done; }
docker_create_db_directories() { step create_dirs; mkdir -p "$DATADIR"; }
# The entrypoint reads optional variables that are usually unset (it runs without set -u).
docker_verify_minimum_env() { step verify_env; [ -n "$MYSQL_ROOT_PASSWORD" -o -n "$MYSQL_ALLOW_EMPTY_PASSWORD" ]; }
docker_init_database_dir() { mkdir -p "$DATADIR/mysql" "$DATADIR/sys"; touch "$DATADIR/ibdata1"; step init_dir; }
docker_temp_server_start() { step server_start; }
mysql_socket_fix() { step socket_fix; }
docker_setup_db() { [ -z "$MYSQL_INITDB_SKIP_TZINFO" ]; mkdir -p "$DATADIR/$MYSQL_DATABASE"; step setup_db; echo "$MYSQL_USER" > "$DATADIR/users"; }
docker_temp_server_stop() { step server_stop; }
`;

interface Sandbox {
  readonly volume: string;
  readonly datadir: string;
  readonly log: string;
  run(failAt?: string): { status: number | null; stderr: string; steps: string[] };
}

const sandboxes: string[] = [];
afterAll(() => sandboxes.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function sandbox(): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "mysql-init-"));
  sandboxes.push(root);
  const volume = path.join(root, "volume");
  fs.mkdirSync(volume);
  const entrypoint = path.join(root, "docker-entrypoint.sh");
  fs.writeFileSync(entrypoint, STAND_IN);
  const datadir = path.join(volume, "data");
  const log = path.join(root, "steps.log");
  const script = mysqlInitScript({ volume, datadir, staging: path.join(volume, "initializing"), entrypoint }, ["--skip-name-resolve"], "application");
  return {
    volume,
    datadir,
    log,
    run(failAt) {
      fs.writeFileSync(log, "");
      const env = { PATH: process.env.PATH, LOG: log, FAIL_AT: failAt ?? "", MYSQL_DATABASE: SCHEMA, MYSQL_USER: "orders", MYSQL_PASSWORD: "p", MYSQL_ROOT_PASSWORD: "r" };
      const r = spawnSync("bash", ["-c", script], { env, encoding: "utf8" });
      return { status: r.status, stderr: r.stderr, steps: fs.readFileSync(log, "utf8").split("\n").filter(Boolean) };
    },
  };
}

/** What the image's entrypoint would conclude on its next start (`docker_setup_env`). */
const entrypointSeesInitialised = (s: Sandbox) => fs.existsSync(path.join(s.datadir, "mysql"));
const complete = (s: Sandbox) => fs.existsSync(path.join(s.datadir, SCHEMA)) && fs.existsSync(path.join(s.datadir, "users"));

describe("the first initialisation of a MySQL volume", () => {
  test("a fresh volume is initialised through the entrypoint's steps, in its order, then renamed into place", () => {
    const s = sandbox();
    const r = s.run();
    expect(r.status).toBe(0);
    expect(r.steps).toEqual(["check_config", "setup_env", "create_dirs", "verify_env", "init_dir", "server_start", "socket_fix", "setup_db", "server_stop"]);
    expect(complete(s)).toBe(true);
    expect(fs.readdirSync(s.volume).sort()).toEqual(["data"]);
  });

  const interruptions = ["create_dirs", "init_dir", "server_start", "setup_db", "server_stop"];
  test.each(interruptions)("interrupted in %s: no half-initialised data directory is left, and the next start completes", (step) => {
    const s = sandbox();
    expect(s.run(step).status).not.toBe(0);
    // The old layout left `mysql/` behind here, which the entrypoint takes for initialised.
    expect(entrypointSeesInitialised(s)).toBe(false);
    const again = s.run();
    expect(again.status).toBe(0);
    expect(complete(s)).toBe(true);
  });

  test("an initialised volume is left alone: nothing runs, nothing moves", () => {
    const s = sandbox();
    s.run();
    fs.writeFileSync(path.join(s.datadir, SCHEMA, "orders.ibd"), "rows");
    const r = s.run();
    expect([r.status, r.steps]).toEqual([0, []]);
    expect(fs.readFileSync(path.join(s.datadir, SCHEMA, "orders.ibd"), "utf8")).toBe("rows");
  });

  test("a directory an older version left half-initialised stops the pod with a message, untouched", () => {
    const s = sandbox();
    fs.mkdirSync(path.join(s.datadir, "mysql"), { recursive: true });
    const r = s.run();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/has the system schema but not orders_service: an earlier first start was interrupted; it holds no application data; see the README/);
    expect(fs.existsSync(path.join(s.datadir, "mysql"))).toBe(true);

    const t = sandbox();
    fs.mkdirSync(t.datadir);
    fs.writeFileSync(path.join(t.datadir, "ibdata1"), "");
    expect(t.run().stderr).toMatch(/holds files but no system schema/);
    expect(fs.existsSync(path.join(t.datadir, "ibdata1"))).toBe(true);
  });

  test("an empty data directory (an older entrypoint's mkdir) is initialised", () => {
    const s = sandbox();
    fs.mkdirSync(s.datadir);
    expect(s.run().status).toBe(0);
    expect(complete(s)).toBe(true);
  });

  test("the script is valid bash", () => {
    const script = mysqlInitScript({ volume: "/v", datadir: "/v/data", staging: "/v/initializing", entrypoint: MYSQL_ENTRYPOINT }, ["--skip-name-resolve"], "application");
    expect(() => execFileSync("bash", ["-n", "-c", script])).not.toThrow();
    for (const step of ENTRYPOINT_INIT_STEPS) expect(script).toContain(step);
  });
});

describe.each(["dev", "prod"] as const)("MySQL pods of %s", (stack) => {
  test("initialise in an init container of the same image, on the same volume, before the server starts", async () => {
    const sts = (await stackRender(stack)).find("StatefulSet", "orders-service-mysql", "e-commerce");
    const spec = sts.spec.template.spec;
    const init = (spec.initContainers ?? []).find((c: any) => c.name === "mysql-init");
    expect(init).toBeDefined();
    const server = spec.containers[0];
    expect(init.image).toBe(server.image);
    expect(init.command.slice(0, 2)).toEqual(["bash", "-c"]);
    expect(init.command[2]).toContain(`mv "/var/lib/mysql/initializing" "${MYSQL_DATADIR}"`);
    expect(init.volumeMounts).toEqual(expect.arrayContaining(server.volumeMounts.filter((m: any) => m.name === "data")));
    expect(server.args).toContain(`--datadir=${MYSQL_DATADIR}`);
    // The init container runs the temporary server with the real server's other arguments.
    for (const arg of server.args.filter((a: string) => !a.startsWith("--datadir="))) expect(init.command[2]).toContain(`"${arg}"`);
    const env = (c: any) => c.env.map((e: any) => e.name).sort();
    if (stackSetting(stack, "secretsBackend") === "vault") {
      // With Vault the init container creates the user `vault` (Vault makes the application's
      // users per lease), and the probes log in as root, there being no lasting application user.
      expect(env(init)).toEqual(["MYSQL_DATABASE", "MYSQL_ROOT_PASSWORD", "MYSQL_VAULT_PASSWORD"]);
      expect(env(server)).toEqual(["MYSQL_DATABASE", "MYSQL_ROOT_PASSWORD"]);
    } else {
      expect(env(init)).toEqual(["MYSQL_DATABASE", "MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD", "MYSQL_USER"]);
      // The server itself no longer needs root's password: it only starts on initialised data.
      expect(env(server)).not.toContain("MYSQL_ROOT_PASSWORD");
    }
  });
});
