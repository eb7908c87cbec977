/** Queries over a render restricted to the data tier, shared by the data tier's tests. */
import { DATASTORE_KINDS, DatastoreInstance, DatastoreKind, SERVICES, ServiceSpec } from "../../../catalog";
import { dataConnections } from "../../../catalog/contracts";
import { RecordedResource, Rendered } from "../../../tools/render/engine";
import { renderProgram } from "../../harness";

/** Resources below the DataTier component (URNs only name the direct parent's type). */
export function dataTierResources(r: Rendered): RecordedResource[] {
  const below = (x: RecordedResource): boolean => {
    const parent = x.parent ? r.byUrn(x.parent) : undefined;
    return parent !== undefined && (parent.type === "ecommerce:data:DataTier" || below(parent));
  };
  return r.resources.filter(below);
}

/** The data tier's Kubernetes objects of a kind. */
export function dataObjects(r: Rendered, kind: string): RecordedResource[] {
  return dataTierResources(r).filter((x) => x.inputs.kind === kind && x.inputs.apiVersion);
}

/** The Secrets and generated values one instance holds, by name: what each kind's component creates. */
export interface StoreKeys {
  readonly secrets: readonly string[];
  readonly passwords: readonly string[];
}

/**
 * Each kind's Secrets and generated values, written here from the README's data tier section. A
 * `Record` over the kinds: a new kind states what its component keeps secret.
 */
export const STORE_KEYS: Readonly<Record<DatastoreKind, (i: DatastoreInstance) => StoreKeys>> = {
  // Root stays with the server; the client gets its own user.
  mysql: (i) => ({ secrets: [`${i.name}-root`, i.connection.secretName], passwords: [`${i.name}-root-password`, `${i.name}-password`] }),
  // The client's password, and the server's `requirepass` include.
  redis: (i) => ({ secrets: [i.connection.secretName, `${i.name}-auth-config`], passwords: [`${i.name}-password`] }),
  // The root credentials and the clients' copy of them.
  minio: (i) => ({ secrets: [`${i.name}-root-credentials`, i.connection.secretName], passwords: [`${i.name}-root-password`] }),
  // The default user, the Erlang cookie, and the clients' copy of the user.
  rabbitmq: (i) => ({
    secrets: [`${i.name}-default-user`, `${i.name}-erlang-cookie`, i.connection.secretName],
    passwords: [`${i.name}-password`, `${i.name}-erlang-cookie`],
  }),
};

/** Every datastore instance the catalog needs. */
export function storeInstances(services: readonly ServiceSpec[] = SERVICES): DatastoreInstance[] {
  const c = dataConnections(services);
  return DATASTORE_KINDS.flatMap((kind) => c[kind]);
}

/** The names of every Secret and generated value of the data tier. */
export function expectedStoreKeys(services: readonly ServiceSpec[] = SERVICES): StoreKeys {
  const keys = storeInstances(services).map((i) => STORE_KEYS[i.kind](i));
  return { secrets: keys.flatMap((k) => k.secrets), passwords: keys.flatMap((k) => k.passwords) };
}

/**
 * dev with a changed catalog and backups on, shared by the data specs so that it costs one render
 * per suite: one more owning service (`wishlist-service`, a copy of an owning row), no service
 * using Redis or MinIO, and `ecommerce:backupEnabled`. The three changes do not interact: MySQL
 * instances follow owners, the shared stores follow their users, the backup plan follows the key.
 */
export const WISHLIST = "wishlist-service";
export const VARIANT_SERVICES: readonly ServiceSpec[] = (() => {
  const withoutShared = SERVICES.map((s) => ({ ...s, uses: s.uses.filter((u) => u !== "redis" && u !== "minio"), notes: undefined }));
  const owner = withoutShared.find((s) => s.uses.includes("mysql"))!;
  return [...withoutShared, { ...owner, name: WISHLIST }];
})();
export const changedDataTier = () =>
  renderProgram("dev", { overrides: { "ecommerce:backupEnabled": true }, services: VARIANT_SERVICES });
