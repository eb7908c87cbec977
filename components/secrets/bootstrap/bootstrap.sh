#!/bin/sh
# Configures the platform's Vault from the table the program renders (catalog/vault.ts), as a
# Kubernetes Job in the namespace `vault` (components/secrets/bootstrap/job.ts). POSIX sh: the
# hashicorp/vault image is Alpine with BusyBox and the vault CLI, no bash and no JSON tool.
#
#   bootstrap.sh init       wait for Vault; initialise it if it is not: recovery keys encrypted to
#                           the operators' PGP keys, written as the Secret manifest the next step applies
#   bootstrap.sh configure  with the root token of this run's init, or else through Kubernetes auth
#                           as `bootstrap`: auth, audit, engines, policies, roles, KV secrets
#                           (generated once, never overwritten), database connections and roles;
#                           deletes what left the table; revokes the root token
#
# Every step is idempotent; any failure stops the run with a message naming the step.
set -eu

DATA=${BOOTSTRAP_DATA:-/bootstrap/data}
PGP_DIR=${BOOTSTRAP_PGP_DIR:-/bootstrap/pgp}
STATE=${BOOTSTRAP_STATE:-/run/bootstrap}
JWT_FILE=${VAULT_JWT_FILE:-/var/run/secrets/vault/token}
WAIT_ATTEMPTS=${BOOTSTRAP_WAIT_ATTEMPTS:-60}
WAIT_SECONDS=${BOOTSTRAP_WAIT_SECONDS:-5}
AUDIT_FILE=${BOOTSTRAP_AUDIT_FILE:-/vault/audit/audit.log}
RECOVERY_SECRET=${BOOTSTRAP_RECOVERY_SECRET:-vault-recovery-keys}
NAMESPACE=${BOOTSTRAP_NAMESPACE:-vault}
# in-cluster: the platform's own Vault; external: an existing Vault, whose Kubernetes auth and
# audit devices its operators keep (README, "An existing Vault").
VAULT_MODE=${BOOTSTRAP_VAULT_MODE:-in-cluster}
BOOTSTRAP_ROLE=bootstrap
TAB=$(printf '\t')

# shellcheck source=/dev/null
. "$DATA/mounts.env"
: "${KV_MOUNT:?}" "${DATABASE_MOUNT:?}" "${KUBERNETES_AUTH_MOUNT:?}"

log() { echo "vault-bootstrap: $*"; }
fail() {
  echo "vault-bootstrap: error: $*" >&2
  exit 1
}

# run WHAT COMMAND...: runs a command; on failure stops, naming the step and the command's exit status.
run() {
  what=$1
  shift
  if "$@"; then return 0; else
    rc=$?
    fail "$what failed (exit $rc)"
  fi
}

# Exit status of a command, without letting `set -e` stop the script.
status_of() {
  if "$@" >/dev/null 2>&1; then echo 0; else echo $?; fi
}

# `vault status`: 0 unsealed, 2 sealed, 1 unreachable or an error (vault command/status.go).
wait_for_vault() {
  want=$1
  i=0
  while :; do
    rc=$(status_of vault status)
    if [ "$rc" = 0 ] || { [ "$want" = reachable ] && [ "$rc" = 2 ]; }; then return 0; fi
    i=$((i + 1))
    [ "$i" -lt "$WAIT_ATTEMPTS" ] || fail "Vault at ${VAULT_ADDR:-?} is not $want after $i attempts (last 'vault status' exit $rc)"
    sleep "$WAIT_SECONDS"
  done
}

# ---- init -------------------------------------------------------------------------------------

pgp_key_files() {
  keys=""
  for f in "$PGP_DIR"/*; do
    [ -f "$f" ] || continue
    keys="${keys:+$keys,}$f"
  done
  [ -n "$keys" ] || fail "no operator PGP key in $PGP_DIR: set ecommerce:vaultRecoveryPgpKeys"
  echo "$keys"
}

# The Secret the next container applies: the recovery key shares, each PGP-encrypted to one
# operator's key and base64-encoded, in the order of the keys (vault command/operator_init.go).
recovery_manifest() {
  shares=$1
  json_keys=$(sed -n 's/^Recovery Key [0-9]*: \([A-Za-z0-9+/=]*\)$/\1/p' "$STATE/init.out" | awk 'BEGIN { ORS = "" } { if (NR > 1) print "\\n"; print }')
  [ -n "$json_keys" ] || fail "vault operator init printed no recovery key"
  cat <<EOF
{"apiVersion":"v1","kind":"Secret","type":"Opaque",
 "metadata":{"name":"$RECOVERY_SECRET","namespace":"$NAMESPACE","labels":{"app.kubernetes.io/name":"vault-bootstrap"}},
 "stringData":{"recovery-keys.txt":"$json_keys\n","recovery-shares":"$shares","recovery-threshold":"$RECOVERY_THRESHOLD"}}
EOF
}

# What the next container always applies: the table of this run, and whether it initialised Vault.
status_manifest() {
  cat <<EOF
{"apiVersion":"v1","kind":"ConfigMap",
 "metadata":{"name":"vault-bootstrap-status","namespace":"$NAMESPACE","labels":{"app.kubernetes.io/name":"vault-bootstrap"}},
 "data":{"table-digest":"${BOOTSTRAP_DATA_DIGEST:-unknown}","initialised-by-this-run":"$1"}}
EOF
}

do_init() {
  mkdir -p "$STATE/manifests"
  wait_for_vault reachable
  rc=$(status_of vault operator init -status)
  case $rc in
    0)
      log "Vault is initialised; nothing to initialise"
      status_manifest no >"$STATE/manifests/status.json"
      return 0
      ;;
    2) ;;
    *) fail "checking whether Vault is initialised failed (exit $rc)" ;;
  esac
  keys=$(pgp_key_files)
  shares=$(echo "$keys" | awk -F, '{ print NF }')
  : "${RECOVERY_THRESHOLD:?set RECOVERY_THRESHOLD}"
  if [ "$RECOVERY_THRESHOLD" -lt 1 ] || [ "$RECOVERY_THRESHOLD" -gt "$shares" ]; then
    fail "recovery threshold $RECOVERY_THRESHOLD must be between 1 and the $shares PGP keys"
  fi
  log "initialising Vault: $shares recovery shares, threshold $RECOVERY_THRESHOLD"
  umask 077
  run "vault operator init" vault operator init -recovery-shares="$shares" -recovery-threshold="$RECOVERY_THRESHOLD" \
    -recovery-pgp-keys="$keys" >"$STATE/init.out"
  sed -n 's/^Initial Root Token: \(.*\)$/\1/p' "$STATE/init.out" >"$STATE/root-token"
  [ -s "$STATE/root-token" ] || fail "vault operator init printed no root token"
  recovery_manifest "$shares" >"$STATE/manifests/recovery-keys.json"
  # The encrypted shares in the log too: only their PGP keys' owners can read them.
  sed -n 's/^\(Recovery Key [0-9]*: .*\)$/vault-bootstrap: \1/p' "$STATE/init.out"
  rm -f "$STATE/init.out"
  status_manifest yes >"$STATE/manifests/status.json"
  log "initialised; the encrypted recovery keys go to the Secret $NAMESPACE/$RECOVERY_SECRET"
}

# ---- configure --------------------------------------------------------------------------------

login() {
  if [ -s "$STATE/root-token" ]; then
    VAULT_TOKEN=$(cat "$STATE/root-token")
    ROOT=1
    log "configuring with the root token of this run's initialisation"
  else
    VAULT_TOKEN=$(vault write -field=token "auth/$KUBERNETES_AUTH_MOUNT/login" role="$BOOTSTRAP_ROLE" jwt=@"$JWT_FILE") ||
      fail "logging in as '$BOOTSTRAP_ROLE' through Kubernetes auth failed: if the first run stopped before configuring it, generate a root token with the recovery keys (README, Secrets)"
    ROOT=0
    log "logged in as $BOOTSTRAP_ROLE"
  fi
  export VAULT_TOKEN
}

enable_auth_and_engines() {
  if [ "$VAULT_MODE" = external ]; then
    log "an existing Vault: its Kubernetes auth and audit devices are its operators'"
  else
    enable_auth_and_audit
  fi
  if [ "$(status_of vault read "sys/mounts/$KV_MOUNT")" != 0 ]; then
    run "enabling KV v2 at $KV_MOUNT" vault secrets enable -path="$KV_MOUNT" -version=2 kv
  fi
  if [ "$(status_of vault read "sys/mounts/$DATABASE_MOUNT")" != 0 ]; then
    run "enabling the database engine at $DATABASE_MOUNT" vault secrets enable -path="$DATABASE_MOUNT" database
  fi
}

enable_auth_and_audit() {
  if [ "$(status_of vault read "sys/auth/$KUBERNETES_AUTH_MOUNT")" != 0 ]; then
    run "enabling Kubernetes auth" vault auth enable -path="$KUBERNETES_AUTH_MOUNT" kubernetes
  fi
  # Vault calls TokenReview with its own service account token and CA (the chart's auth-delegator binding).
  run "configuring Kubernetes auth" vault write "auth/$KUBERNETES_AUTH_MOUNT/config" kubernetes_host="https://kubernetes.default.svc" >/dev/null
  if ! vault audit list 2>/dev/null | grep -q '^file/'; then
    run "enabling the file audit device" vault audit enable file file_path="$AUDIT_FILE"
  fi
}

apply_policies_and_roles() {
  while IFS="$TAB" read -r name <&3; do
    run "writing password policy $name" vault write "sys/policies/password/$name" policy=@"$DATA/password-policy-$name.hcl" >/dev/null
  done 3<"$DATA/password-policies.tsv"
  while IFS="$TAB" read -r name <&3; do
    run "writing policy $name" vault policy write "$name" "$DATA/policy-$name.hcl" >/dev/null
  done 3<"$DATA/policies.tsv"
  while IFS="$TAB" read -r name accounts namespaces policies audience ttl <&3; do
    run "writing role $name" vault write "auth/$KUBERNETES_AUTH_MOUNT/role/$name" bound_service_account_names="$accounts" \
      bound_service_account_namespaces="$namespaces" audience="$audience" token_policies="$policies" token_ttl="$ttl" >/dev/null
  done 3<"$DATA/roles.tsv"
}

# The keys a KV secret was generated with, from its custom metadata (`keys`); empty if it has none.
recorded_keys() {
  vault kv metadata get -mount="$KV_MOUNT" -format=json -field=custom_metadata "platform/$1" 2>/dev/null |
    sed -n 's/.*"keys": *"\([^"]*\)".*/\1/p'
}

# Writes the missing keys of one KV secret: `put -cas=0` creates it only if it does not exist,
# `patch` adds keys without touching the others; no value is ever read or replaced. A `same` key
# takes the value this run gave another secret's key (kept in memory for the run only).
write_kv_secret() {
  name=$1
  keys=$2
  rc=$(status_of vault kv metadata get -mount="$KV_MOUNT" "platform/$name")
  case $rc in
    0)
      have=$(recorded_keys "$name")
      if [ -z "$have" ]; then
        log "platform/$name exists without the bootstrap's record: left as is"
        return 0
      fi
      ;;
    2) have="" ;;
    *) fail "reading the metadata of platform/$name failed (exit $rc)" ;;
  esac
  args=""
  missing=""
  mkdir -p "$STATE/values/$name"
  for entry in $keys; do
    key=${entry%%=*}
    spec=${entry#*=}
    case ",$have," in *",$key,"*) continue ;; esac
    case $spec in
      fixed:*) printf '%s' "${spec#fixed:}" >"$STATE/values/$name/$key" ;;
      random:*)
        vault read -field=password "sys/policies/password/${spec#random:}/generate" >"$STATE/values/$name/$key" ||
          fail "generating $name.$key with ${spec#random:} failed"
        ;;
      same:*)
        if [ ! -f "$STATE/values/${spec#same:}" ]; then
          log "platform/$name: $key copies platform/${spec#same:}, which an earlier run created and the bootstrap cannot read: write it by hand (README, Secrets)"
          return 0
        fi
        cp "$STATE/values/${spec#same:}" "$STATE/values/$name/$key"
        ;;
    esac
    args="$args $key=@$STATE/values/$name/$key"
    missing="${missing:+$missing,}$key"
  done
  [ -n "$missing" ] || return 0
  # shellcheck disable=SC2086 # one argument per key, none with spaces
  if [ -z "$have" ]; then
    run "creating platform/$name" vault kv put -mount="$KV_MOUNT" -cas=0 "platform/$name" $args >/dev/null
  else
    run "adding $missing to platform/$name" vault kv patch -mount="$KV_MOUNT" -method=patch "platform/$name" $args >/dev/null
  fi
  run "recording the keys of platform/$name" vault kv metadata put -mount="$KV_MOUNT" -custom-metadata=keys="${have:+$have,}$missing" "platform/$name" >/dev/null
  log "platform/$name: generated $missing"
}

apply_kv_secrets() {
  current=""
  entries=""
  while IFS="$TAB" read -r kv_name kv_key kv_kind kv_spec <&3; do
    if [ "$kv_name" != "$current" ] && [ -n "$current" ]; then
      write_kv_secret "$current" "$entries"
      entries=""
    fi
    current=$kv_name
    entries="$entries $kv_key=$kv_kind:$kv_spec"
  done 3<"$DATA/kv.tsv"
  if [ -n "$current" ]; then write_kv_secret "$current" "$entries"; fi
  rm -rf "$STATE/values"
  mkdir -p "$STATE/values"
}

# A connection is written once: its `vault` password may since have been rotated (rotate-root),
# which rewriting it from KV would undo.
apply_database() {
  while IFS="$TAB" read -r name plugin url username password_kv roles password_policy <&3; do
    if [ "$(status_of vault read "$DATABASE_MOUNT/config/$name")" = 0 ]; then continue; fi
    vault kv get -mount="$KV_MOUNT" -field=password "platform/$password_kv" >"$STATE/values/connection" ||
      fail "reading platform/$password_kv for the connection $name failed"
    run "writing the connection $name" vault write "$DATABASE_MOUNT/config/$name" plugin_name="$plugin" connection_url="$url" \
      username="$username" password=@"$STATE/values/connection" allowed_roles="$roles" password_policy="$password_policy" verify_connection=false >/dev/null
    rm -f "$STATE/values/connection"
    log "database connection $name written"
  done 3<"$DATA/connections.tsv"
  while IFS="$TAB" read -r name connection default_ttl max_ttl <&3; do
    run "writing the database role $name" vault write "$DATABASE_MOUNT/roles/$name" db_name="$connection" \
      creation_statements=@"$DATA/db-role-$name-creation.sql" revocation_statements=@"$DATA/db-role-$name-revocation.sql" \
      default_ttl="$default_ttl" max_ttl="$max_ttl" >/dev/null
  done 3<"$DATA/database-roles.tsv"
}

# Names of the first column of a table file, space-separated.
names_of() { cut -f1 "$1" | grep -v "^$BOOTSTRAP_ROLE\$" | tr '\n' ' '; }

# Deletes what an earlier run created and the table no longer has; KV secrets are kept (data).
remove_dropped() {
  policies=$(names_of "$DATA/policies.tsv")
  roles=$(names_of "$DATA/roles.tsv")
  database_roles=$(names_of "$DATA/database-roles.tsv")
  connections=$(names_of "$DATA/connections.tsv")
  for kind in policies roles database_roles connections; do
    case $kind in
      policies) now=$policies ;;
      roles) now=$roles ;;
      database_roles) now=$database_roles ;;
      connections) now=$connections ;;
    esac
    before=$(vault kv get -mount="$KV_MOUNT" -field="$kind" bootstrap/managed 2>/dev/null || true)
    for old in $before; do
      case " $now " in *" $old "*) continue ;; esac
      case $kind in
        policies) run "deleting policy $old" vault policy delete "$old" >/dev/null ;;
        roles) run "deleting role $old" vault delete "auth/$KUBERNETES_AUTH_MOUNT/role/$old" >/dev/null ;;
        database_roles) run "deleting database role $old" vault delete "$DATABASE_MOUNT/roles/$old" >/dev/null ;;
        connections) run "deleting connection $old" vault delete "$DATABASE_MOUNT/config/$old" >/dev/null ;;
      esac
      log "deleted $kind $old (no longer in the table)"
    done
  done
  run "recording what the bootstrap manages" vault kv put -mount="$KV_MOUNT" bootstrap/managed policies="$policies" roles="$roles" \
    database_roles="$database_roles" connections="$connections" >/dev/null
}

# The root token goes once the bootstrap's own role works, so that later runs can log in.
revoke_root() {
  [ "$ROOT" = 1 ] || return 0
  vault write -field=token "auth/$KUBERNETES_AUTH_MOUNT/login" role="$BOOTSTRAP_ROLE" jwt=@"$JWT_FILE" >/dev/null ||
    fail "the '$BOOTSTRAP_ROLE' role does not log in; the root token (accessor $(vault token lookup -field=accessor 2>/dev/null || echo ?)) is not revoked: revoke it once the cause is fixed"
  run "revoking the root token" vault token revoke -self >/dev/null
  rm -f "$STATE/root-token"
  log "root token revoked"
}

do_configure() {
  wait_for_vault unsealed
  mkdir -p "$STATE/values"
  login
  enable_auth_and_engines
  apply_policies_and_roles
  apply_kv_secrets
  apply_database
  remove_dropped
  revoke_root
  log "configured from the table (${BOOTSTRAP_DATA_DIGEST:-unknown digest})"
}

case ${1:-} in
  init) do_init ;;
  configure) do_configure ;;
  *) fail "usage: bootstrap.sh init|configure" ;;
esac
