/**
 * A data StatefulSet whose volumes grow with a plain `pulumi up`.
 *
 * The claim template cannot carry a size change: `.spec.volumeClaimTemplates` is a forceNew path
 * of apps/v1 StatefulSet in the Kubernetes provider (pulumi-kubernetes
 * provider/pkg/provider/diff.go), and the API server forbids changing it anyway. A changed
 * template means delete-before-replace of a fixed name: with `retainOnDelete` the delete is
 * skipped and the create fails with AlreadyExists; without, the claims and their volumes go.
 *
 * So the StatefulSet keeps the template it was created with (`ignoreChanges`), and the size of
 * each existing claim is a server-side apply patch of that claim's `spec.resources` alone: not a
 * forceNew path of PersistentVolumeClaim (diff.go), and a field a bound claim may change, which
 * the EBS CSI driver then expands online (the class allows expansion).
 *
 * Why patches and not PersistentVolumeClaim resources: a Pulumi-owned claim would be deleted
 * when it leaves the program (a store dropped, a replica scaled away) and replaced on any
 * forceNew change (class, access modes); importing the claims the controller already created
 * would be a manual step per claim. A patch owns one field; the claims keep the lifecycle the
 * StatefulSet controller and its retention policy give them.
 *
 * A decrease cannot be caught here: the configuration only holds the wanted size, not the
 * deployed one. It reaches the API server as a patch asking for less, which
 * `ValidatePersistentVolumeClaimUpdate` (kubernetes pkg/apis/core/validation/validation.go)
 * refuses: "spec.resources.requests.storage: Forbidden: field can not be less than
 * status.capacity". That happens at `pulumi preview` already (updates are previewed as
 * server-side dry runs, provider.go `Update`), so `pulumi up` stops before changing anything.
 * The one decrease it lets through is back to a size above the current capacity, which is how a
 * failed expansion is recovered.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StatefulSetShape, claimName, statefulSetArgs } from "./stateful";

/** The StatefulSet input path that keeps its creation-time value. */
export const FROZEN_CLAIM_TEMPLATES = "spec.volumeClaimTemplates";

/**
 * The patch of one replica's claim: its size only. `patchForce` because the StatefulSet
 * controller created the claim and so owns the field (server-side apply would report a
 * conflict); `skipAwait` because the provider's claim awaiter waits, on create, for a
 * WaitForFirstConsumer claim to be Pending (provider/pkg/await/awaiters.go), which a bound claim
 * never is again.
 */
export function claimSizePatch(
  statefulSet: string,
  namespace: pulumi.Input<string>,
  ordinal: number,
  size: string,
): k8s.core.v1.PersistentVolumeClaimPatchArgs {
  return {
    metadata: {
      name: claimName(statefulSet, ordinal),
      namespace,
      annotations: { "pulumi.com/patchForce": "true", "pulumi.com/skipAwait": "true" },
    },
    spec: { resources: { requests: { storage: size } } },
  };
}

export interface DataStatefulSet {
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  /** One per replica, in ordinal order. */
  readonly claimPatches: k8s.core.v1.PersistentVolumeClaimPatch[];
}

/**
 * The StatefulSet of `shape` and a size patch for each replica's claim. The patches come after
 * the StatefulSet, whose readiness means its claims exist. They are `retainOnDelete`: the claim
 * outlives its patch (a scale-down, a store leaving the program), and deleting a patch would
 * relinquish a required field, which the provider refuses ("this Patch resource is currently
 * managing a required field", provider.go `Delete`).
 */
export function dataStatefulSet(shape: StatefulSetShape, opts: pulumi.CustomResourceOptions): DataStatefulSet {
  const statefulSet = new k8s.apps.v1.StatefulSet(shape.name, statefulSetArgs(shape), {
    ...opts,
    ignoreChanges: [...(opts.ignoreChanges ?? []), FROZEN_CLAIM_TEMPLATES],
  });
  const claimPatches = Array.from(
    { length: shape.replicas },
    (_, ordinal) =>
      new k8s.core.v1.PersistentVolumeClaimPatch(
        claimName(shape.name, ordinal),
        claimSizePatch(shape.name, shape.namespace, ordinal, shape.store.storageSize),
        { parent: opts.parent, dependsOn: [statefulSet], retainOnDelete: true },
      ),
  );
  return { statefulSet, claimPatches };
}
