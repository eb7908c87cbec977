/**
 * MySQL with the `vault` backend (components/data/mysql-init.ts `vaultUserSteps`,
 * components/data/mysql.ts `MySqlUsers`): the first initialisation creates the user `vault` with
 * CREATE USER and every privilege on its own schema WITH GRANT OPTION, and no application user;
 * the `kubernetes` backend's script and containers stay as they were. The script runs with bash
 * against a stand-in of the entrypoint's functions (docker-library/mysql 8.4/docker-entrypoint.sh,
 * 8.4.6 commit 516237c: `docker_setup_db`, `docker_process_sql` reading SQL on stdin).
 */
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { SERVICES } from "../../catalog";
import { dataConnections } from "../../catalog/contracts";
import { MYSQL_VAULT_USER, databaseRoleFor } from "../../catalog/vault";
import { ENTRYPOINT_INIT_STEPS, VAULT_MYSQL_USER, mysqlInitScript } from "../../components/data/mysql-init";
import { mysqlContainers } from "../../components/data/mysql";
import type { DataStoreArgs } from "../../lib/stateful";
import { tempDir } from "./workflow-files";

const STAND_IN = `
docker_setup_db() { mkdir -p "$DATADIR/$MYSQL_DATABASE"; echo "\${MYSQL_USER:-}" > "$OUT/application-user"; }
docker_process_sql() { echo "args: $*" >> "$OUT/sql"; cat >> "$OUT/sql"; }
docker_setup_env() { for a; do case "$a" in --datadir=*) DATADIR="\${a#--datadir=}";; esac; done; }
${ENTRYPOINT_INIT_STEPS.map((s) => s.split(" ")[0]).filter((f) => !["docker_setup_db", "docker_setup_env"].includes(f)).map((f) => `${f}() { :; }`).join("\n")}
`;

function initialise(users: "application" | "vault", env: Record<string, string>) {
  const root = tempDir("mysql-vault-");
  const volume = path.join(root, "volume");
  fs.mkdirSync(volume);
  fs.writeFileSync(path.join(root, "entrypoint.sh"), STAND_IN);
  const script = mysqlInitScript({ volume, datadir: path.join(volume, "data"), staging: path.join(volume, "initializing"), entrypoint: path.join(root, "entrypoint.sh") }, [], users);
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH, OUT: root, MYSQL_DATABASE: "orders_service", ...env } });
  const read = (f: string) => (fs.existsSync(path.join(root, f)) ? fs.readFileSync(path.join(root, f), "utf8") : undefined);
  return { status: r.status, stderr: r.stderr, sql: read("sql"), applicationUser: read("application-user"), initialised: fs.existsSync(path.join(volume, "data", "orders_service")) };
}

describe("the first initialisation with the vault backend", () => {
  test("creates `vault` with its schema's privileges and GRANT OPTION, and CREATE USER; the schema's `_` escaped as the entrypoint does", () => {
    const r = initialise("vault", { MYSQL_VAULT_PASSWORD: "Abc123xyz", MYSQL_ROOT_PASSWORD: "r" });
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(r.sql).toBe(
      [
        "args: --database=mysql",
        "CREATE USER 'vault'@'%' IDENTIFIED BY 'Abc123xyz' ;",
        "GRANT ALL PRIVILEGES ON `orders\\_service`.* TO 'vault'@'%' WITH GRANT OPTION ;",
        "GRANT CREATE USER ON *.* TO 'vault'@'%' ;",
        "",
      ].join("\n"),
    );
    expect(r.applicationUser).toBe("\n");
    expect(VAULT_MYSQL_USER).toBe(MYSQL_VAULT_USER);
  });

  test("grants nothing on another schema: the only global privilege is CREATE USER", () => {
    const sql = initialise("vault", { MYSQL_VAULT_PASSWORD: "Abc123xyz" }).sql!;
    const grants = sql.split("\n").filter((l) => l.startsWith("GRANT"));
    expect(grants.filter((g) => g.includes("*.*"))).toEqual(["GRANT CREATE USER ON *.* TO 'vault'@'%' ;"]);
  });

  test.each(["p'w", "", "a b"])("a password that is not letters and digits (%j) stops it before any SQL, with a message", (password) => {
    const r = initialise("vault", { MYSQL_VAULT_PASSWORD: password });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("mysql-init: MYSQL_VAULT_PASSWORD must be letters and digits\n");
    expect([r.sql, r.initialised]).toEqual([undefined, false]);
  });

  test("the kubernetes backend's initialisation runs no SQL of its own and creates its application user as before", () => {
    const r = initialise("application", { MYSQL_USER: "orders_service", MYSQL_PASSWORD: "p" });
    expect([r.status, r.sql, r.applicationUser]).toEqual([0, undefined, "orders_service\n"]);
    expect(mysqlInitScript({ volume: "/v", datadir: "/v/data", staging: "/v/i", entrypoint: "/e" }, [], "application")).not.toContain("vault");
  });

  test("Vault's leases get the same privileges as the application user had: ALL on the schema, escaped the same way", () => {
    expect(databaseRoleFor("orders-service", "orders-service-mysql").creationStatements[1]).toBe("GRANT ALL PRIVILEGES ON `orders\\_service`.* TO '{{name}}'@'%';");
  });
});

describe("the MySQL containers with the vault backend", () => {
  const instance = dataConnections(SERVICES).mysql[0];
  const args = { instance, namespace: "e-commerce", clientNamespace: "e-commerce", storageClass: "gp3", storageSize: "1Gi", protectData: false, resources: { cpuRequest: "1", memoryRequest: "1Gi", cpuLimit: null, memoryLimit: "1Gi" } } as DataStoreArgs;
  const secrets = { root: `${instance.name}-root`, client: `${instance.name}-credentials` };
  const vault = mysqlContainers(args, secrets, { kind: "vault", vaultSecret: `${instance.name}-vault` }) as any;
  const names = (env: any[]) => env.map((e) => e.name);
  const refs = (c: any) => c.env.filter((e: any) => e.valueFrom).map((e: any) => e.valueFrom.secretKeyRef.name);

  test("read no client Secret (Vault writes it once MySQL runs): root and the `vault` password only", () => {
    expect(names(vault.init.env)).toEqual(["MYSQL_DATABASE", "MYSQL_ROOT_PASSWORD", "MYSQL_VAULT_PASSWORD"]);
    expect(refs(vault.init)).toEqual([`${instance.name}-root`, `${instance.name}-vault`]);
    expect(refs(vault.server)).toEqual([`${instance.name}-root`]);
    expect(vault.init.command[2]).toContain("CREATE USER 'vault'");
  });

  test("probe the schema as root, since no lasting application user exists", () => {
    expect(vault.server.readinessProbe.exec.command[2]).toContain('-u root -D "$MYSQL_DATABASE"');
  });

  test("the kubernetes backend's containers are unchanged: the application's user from the client Secret", () => {
    const app = mysqlContainers(args, secrets, { kind: "application" }) as any;
    expect(names(app.init.env)).toEqual(["MYSQL_ROOT_PASSWORD", "MYSQL_DATABASE", "MYSQL_USER", "MYSQL_PASSWORD"]);
    expect(names(app.server.env)).toEqual(["MYSQL_DATABASE", "MYSQL_USER", "MYSQL_PASSWORD"]);
    expect(app.server.readinessProbe.exec.command[2]).toContain('-u "$MYSQL_USER"');
  });
});
