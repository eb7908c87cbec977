import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Name of the default StorageClass; the data tier's PersistentVolumeClaims ask for it by name. */
export const DEFAULT_STORAGE_CLASS = "gp3";
export const EBS_CSI_PROVISIONER = "ebs.csi.aws.com";

export interface Gp3StorageClassArgs {
  /** KMS key that encrypts every volume. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Keep the EBS volume when its claim is deleted (`Retain`) instead of deleting it. */
  readonly retainVolumes: boolean;
  /** AWS tags of every volume the class provisions (the backup selection finds volumes by them). */
  readonly volumeTags: Readonly<Record<string, string>>;
}

/**
 * The EBS CSI driver's tag parameters: every StorageClass parameter whose key starts with
 * `tagSpecification` is a `key=value` tag of the volumes it creates (kubernetes-sigs/
 * aws-ebs-csi-driver docs/tagging.md and pkg/driver/controller.go `TagKeyPrefix`, v1.64.0; the
 * value is split at the first `=`). Keys starting with `kubernetes.io` or `ebs.csi.aws.com/` are
 * reserved by the driver. Tags apply when a volume is created: existing volumes keep theirs.
 */
export function tagParameters(tags: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(tags)
      .sort()
      .map((key, i) => {
        if (key.startsWith("kubernetes.io") || key.startsWith("ebs.csi.aws.com/") || key.includes("=")) {
          throw new Error(`volume tag key '${key}' is reserved by the EBS CSI driver or contains '='`);
        }
        return [`tagSpecification_${i + 1}`, `${key}=${tags[key]}`];
      }),
  );
}

/** The StorageClass object: encrypted gp3, bound where the pod lands, expandable. */
export function gp3StorageClass(args: Gp3StorageClassArgs): k8s.types.input.storage.v1.StorageClass {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: {
      name: DEFAULT_STORAGE_CLASS,
      annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
    },
    provisioner: EBS_CSI_PROVISIONER,
    parameters: { type: "gp3", fsType: "ext4", encrypted: "true", kmsKeyId: args.kmsKeyArn, ...tagParameters(args.volumeTags) },
    // An EBS volume lives in one zone: create it where the scheduler put the pod, not before.
    volumeBindingMode: "WaitForFirstConsumer",
    allowVolumeExpansion: true,
    reclaimPolicy: args.retainVolumes ? "Retain" : "Delete",
  };
}

/**
 * The cluster's default StorageClass `gp3`. The Kubernetes provider comes from `opts.providers`.
 * It need not wait for the EBS CSI driver: the claims that use it do (EksCluster.storageReady).
 */
export class Gp3StorageClass extends pulumi.ComponentResource {
  readonly storageClassName: pulumi.Output<string>;
  readonly storageClass: k8s.storage.v1.StorageClass;

  constructor(name: string, args: Gp3StorageClassArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:cluster:Gp3StorageClass", name, {}, opts);
    // A component's dependsOn does not reach its children; the object itself must wait.
    this.storageClass = new k8s.storage.v1.StorageClass(DEFAULT_STORAGE_CLASS, gp3StorageClass(args), {
      parent: this,
      dependsOn: opts?.dependsOn,
    });
    this.storageClassName = this.storageClass.metadata.name;
    this.registerOutputs({ storageClassName: this.storageClassName });
  }
}
