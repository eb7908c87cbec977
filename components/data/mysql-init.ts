/**
 * The first initialisation of a MySQL data directory, made atomic.
 *
 * The official image's entrypoint (docker-library/mysql, 8.4/docker-entrypoint.sh at the 8.4.6
 * commit 516237c) initialises a new data directory in steps: `mysqld --initialize-insecure`
 * (which creates `$DATADIR/mysql` first), a temporary server, the time zones, the root password,
 * then `CREATE DATABASE` and `CREATE USER`. Whether a directory is initialised it decides by
 * one test only, `docker_setup_env`: `if [ -d "$DATADIR/mysql" ]`. A first start interrupted
 * anywhere after `--initialize` (the pod evicted, the node lost, a probe that gave up) leaves a
 * directory that passes the test, so the next start skips the rest and the server runs without
 * the application's user or schema: readiness then fails forever. Interrupted earlier, the
 * directory holds files but no `mysql`, and `--initialize` refuses a non-empty directory.
 *
 * So an init container runs those same steps (the entrypoint's own functions: the script is
 * sourced, which its `_is_sourced` guard provides for) in a staging directory next to the data
 * directory, on the same volume, and renames it into place once they all succeeded. A rename is
 * atomic: the data directory exists complete or not at all, an interrupted attempt is thrown
 * away and redone, and no probe runs during it. MySQL finds a moved data directory's files by
 * the new `--datadir` (MySQL 8.4 manual, 17.6.3.6 "Moving Tablespace Files While the Server is
 * Offline"). The main container then starts on an initialised directory and its entrypoint goes
 * straight to `mysqld`.
 *
 * Directories a previous version left half-initialised cannot be fixed without a decision, so
 * the script stops on them with a message saying what to do (README, "Data and messaging tier").
 */

export interface MySqlInitPaths {
  /** The volume's mount point (it holds `lost+found`). */
  readonly volume: string;
  /** The data directory the server runs on, inside the volume. */
  readonly datadir: string;
  /** Where a first initialisation happens before it is renamed to `datadir`; same volume. */
  readonly staging: string;
  /** The image's entrypoint script. */
  readonly entrypoint: string;
}

export const MYSQL_ENTRYPOINT = "/usr/local/bin/docker-entrypoint.sh";

/** The entrypoint functions the initialisation runs, in the entrypoint's own order (`_main`). */
export const ENTRYPOINT_INIT_STEPS = [
  'mysql_check_config "$@"',
  'docker_setup_env "$@"',
  'docker_create_db_directories "$@"',
  "docker_verify_minimum_env",
  'docker_init_database_dir "$@"',
  'docker_temp_server_start "$@"',
  "mysql_socket_fix",
  "docker_setup_db",
  "docker_temp_server_stop",
] as const;

/**
 * Which users a first initialisation creates besides root: the application's (`MYSQL_USER`, the
 * `kubernetes` backend), or `vault` alone (the `vault` backend: Vault's database engine creates
 * the application's users per lease, catalog/vault.ts `databaseRoleFor`).
 */
export type MySqlInitUsers = "application" | "vault";

/** The MySQL user Vault manages the instance with (catalog/vault.ts `MYSQL_VAULT_USER`). */
export const VAULT_MYSQL_USER = "vault";

/**
 * Creates `vault` while the temporary server runs, through the entrypoint's `docker_process_sql`
 * (8.4.6 `docker_setup_db` does the same for `MYSQL_USER`, with the schema's `_` escaped in the
 * GRANT): every privilege on the schema with GRANT OPTION, to hand them to the users it creates,
 * and CREATE USER, to create, drop and re-password them (and itself: `rotate-root`). Nothing on
 * any other schema. The password (`MYSQL_VAULT_PASSWORD`) is generated alphanumeric by Vault; it
 * goes into a SQL literal, so anything else is refused.
 */
export function vaultUserSteps(): string[] {
  const fail = "echo \"mysql-init: MYSQL_VAULT_PASSWORD must be letters and digits\" >&2; exit 1";
  return [
    `  case "$MYSQL_VAULT_PASSWORD" in "" | *[!A-Za-z0-9]*) ${fail} ;; esac`,
    "  docker_process_sql --database=mysql <<EOSQL",
    `CREATE USER '${VAULT_MYSQL_USER}'@'%' IDENTIFIED BY '\${MYSQL_VAULT_PASSWORD}' ;`,
    `GRANT ALL PRIVILEGES ON \\\`\${MYSQL_DATABASE//_/\\\\_}\\\`.* TO '${VAULT_MYSQL_USER}'@'%' WITH GRANT OPTION ;`,
    `GRANT CREATE USER ON *.* TO '${VAULT_MYSQL_USER}'@'%' ;`,
    "EOSQL",
  ];
}

/**
 * The init container's bash script. `serverArgs` are the main container's `mysqld` arguments
 * other than `--datadir`, so that the temporary server runs as the real one will. The schema
 * (`MYSQL_DATABASE`) and credentials come from the container's environment, as for the image.
 */
export function mysqlInitScript(paths: MySqlInitPaths, serverArgs: readonly string[], users: MySqlInitUsers): string {
  const { datadir, staging } = paths;
  const steps = ENTRYPOINT_INIT_STEPS.flatMap((step) => [`  ${step}`, ...(step === "docker_setup_db" && users === "vault" ? vaultUserSteps() : [])]);
  const fail = (what: string) => `echo "mysql-init: ${what}; see the README, 'An interrupted first initialisation'" >&2; exit 1`;
  return [
    "set -eu",
    // Initialised: the entrypoint's own test, plus the application's schema, the last thing a
    // first initialisation creates before the user.
    `if [ -d "${datadir}/mysql" ] && [ -d "${datadir}/$MYSQL_DATABASE" ]; then exit 0; fi`,
    `if [ -d "${datadir}/mysql" ]; then ${fail(`${datadir} has the system schema but not $MYSQL_DATABASE: an earlier first start was interrupted; it holds no application data`)}; fi`,
    `if [ -n "$(ls -A "${datadir}" 2>/dev/null)" ]; then ${fail(`${datadir} holds files but no system schema: an earlier first start was interrupted`)}; fi`,
    // An empty directory (from an older entrypoint's mkdir) or nothing: start clean.
    `rm -rf "${staging}"`,
    `if [ -d "${datadir}" ]; then rmdir "${datadir}"; fi`,
    // The entrypoint runs without `set -u`: it tests optional variables that are usually unset.
    "(",
    "  set +u",
    `  . "${paths.entrypoint}"`,
    `  set -- mysqld --datadir="${staging}" ${serverArgs.map((a) => `"${a}"`).join(" ")}`,
    ...steps,
    ")",
    `mv "${staging}" "${datadir}"`,
    `echo "mysql-init: initialised ${datadir}"`,
    "",
  ].join("\n");
}
