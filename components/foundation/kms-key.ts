import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

export interface ClusterKeyArgs {
  readonly clusterName: string;
  /** What the key protects; also the alias suffix: `alias/<cluster>-<purpose>`. */
  readonly purpose: string;
  readonly description: string;
}

/**
 * A customer-managed KMS key of the cluster, rotated yearly, with an alias people can find it by.
 * The 30-day deletion window leaves time to notice a key deleted by mistake.
 */
export function clusterKey(name: string, args: ClusterKeyArgs, opts: pulumi.CustomResourceOptions): aws.kms.Key {
  const key = new aws.kms.Key(
    name,
    {
      description: args.description,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags: { cluster: args.clusterName, purpose: args.purpose },
    },
    opts,
  );
  // The alias goes with the stack even when the key is retained: a new stack can take its name.
  new aws.kms.Alias(`${name}-alias`, { name: `alias/${args.clusterName}-${args.purpose}`, targetKeyId: key.keyId }, { parent: opts.parent });
  return key;
}
