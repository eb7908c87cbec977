/** Data tier settings: a volume size per datastore kind, the size of the RabbitMQ cluster, backups. */
import type { ConfigReader } from ".";
import { DATASTORE_KINDS, DatastoreKind, storageSizeKey } from "../catalog";
import type { ProfileRows, WorkloadResources } from "../catalog/resource-profiles";
import { EMAIL, STORAGE_SIZE, storageGiB } from "../lib/validate";

/** EBS gp3 volumes are 1 GiB to 16 TiB; anything outside is rejected by the CSI driver at bind time. */
export const VOLUME_MIN_GIB = 1;
export const VOLUME_MAX_GIB = 16 * 1024;

export const RABBITMQ_MAX_REPLICAS = 7;

/** The volume of each instance (each node) of every datastore kind, from `<kind>StorageSize`. */
export type VolumeSizes = Readonly<Record<DatastoreKind, string>>;

/** AWS Backup of the cluster's volumes (components/foundation/backup.ts). */
export interface BackupSettings {
  /** A daily backup plan, its vault and its failure alerts exist. */
  readonly enabled: boolean;
  /** Days each daily recovery point is kept. */
  readonly retentionDays: number;
  /** Where failed backup jobs are reported (an SNS e-mail subscription); undefined: none. */
  readonly alertEmail?: string;
}

/** AWS Backup deletes a recovery point at the earliest one day after its creation. */
export const BACKUP_RETENTION_DAYS = { min: 1, max: 3650 } as const;

export interface DataSettings {
  readonly volumeSizes: VolumeSizes;
  /** Nodes of the RabbitMQ cluster: odd, so that a majority (quorum) always exists. */
  readonly rabbitmqReplicas: number;
  readonly backup: BackupSettings;
  /** Requests and limits of each kind's server container, from the resource profile. */
  readonly resources: Readonly<Record<DatastoreKind, WorkloadResources>>;
}

function readBackup(r: ConfigReader): BackupSettings {
  const alertEmail = r.text("backupAlertEmail", new RegExp(`^$|${EMAIL.source}`), "an e-mail address, or empty for none");
  return {
    enabled: r.boolean("backupEnabled"),
    retentionDays: r.integer("backupRetentionDays", BACKUP_RETENTION_DAYS.min, BACKUP_RETENTION_DAYS.max),
    alertEmail: alertEmail ? alertEmail : undefined,
  };
}

export function volumeSize(r: ConfigReader, key: string): string {
  const value = r.text(key, STORAGE_SIZE, "a volume size such as 20Gi (a whole number of Mi, Gi or Ti)");
  const gib = value === undefined ? undefined : storageGiB(value);
  if (gib !== undefined && (gib < VOLUME_MIN_GIB || gib > VOLUME_MAX_GIB)) {
    r.reject(key, value, `a size from ${VOLUME_MIN_GIB}Gi to ${VOLUME_MAX_GIB / 1024}Ti (the EBS volume limits)`);
  }
  return value;
}

export function readData(r: ConfigReader, rows: ProfileRows): DataSettings {
  const rabbitmqReplicas = r.integer("rabbitmqReplicas", 1, RABBITMQ_MAX_REPLICAS);
  if (rabbitmqReplicas !== undefined && Number.isInteger(rabbitmqReplicas) && rabbitmqReplicas % 2 === 0) {
    r.reject(
      "rabbitmqReplicas",
      rabbitmqReplicas,
      `an odd number from 1 to ${RABBITMQ_MAX_REPLICAS}: quorum queues need a majority, which an even count does not add`,
    );
  }
  // The claims take the class the cluster creates (components/foundation/storage-class.ts): a name of their
  // own could only differ from it, and a claim naming a class that does not exist stays Pending.
  r.retired("storageClass", "the data tier's volumes use the cluster's StorageClass (gp3); remove the key from the stack file");
  return {
    volumeSizes: Object.fromEntries(DATASTORE_KINDS.map((kind) => [kind, volumeSize(r, storageSizeKey(kind))])) as Record<DatastoreKind, string>,
    rabbitmqReplicas,
    backup: readBackup(r),
    resources: Object.fromEntries(DATASTORE_KINDS.map((kind) => [kind, rows[kind]])) as Record<DatastoreKind, WorkloadResources>,
  };
}
