/**
 * Scaling RabbitMQ down and up again must not leave a node that cannot boot.
 *
 * RabbitMQ 4.1 keeps its cluster membership in Mnesia: the Khepri metadata store is an
 * experimental feature flag there, off unless enabled (rabbitmq-server v4.1.4
 * deps/rabbit/src/rabbit_core_ff.erl, `khepri_db`, `stability => experimental`). A node that
 * boots on an old data directory checks it against its peers (deps/rabbit/src/rabbit_mnesia.erl
 * `check_cluster_consistency/0` -> `check_nodes_consistency/2`): when the running peers no longer
 * list it (`rabbitmqctl forget_cluster_node` after a scale-down) the check throws
 * `{inconsistent_cluster, "Mnesia: node ... thinks it's clustered with node ..., but ...
 * disagrees"}` and the node never starts. A node with an empty data directory instead joins
 * through peer discovery; even when the cluster still lists its name, `rabbit_db_cluster:join/2`
 * leaves and rejoins on `inconsistent_cluster` (Mnesia case). So the claim of a departed node
 * must go with it; its quorum-queue replicas live on the remaining nodes.
 */
import { dataObjects } from "./fixtures";
import { STACKS, stackRender } from "../../harness";

const RABBITMQ = "rabbitmq-cluster";

describe.each(STACKS)("claims on scale-down in %s", (stack) => {
  test("RabbitMQ deletes a departed node's claim (whenScaled: Delete)", async () => {
    const sts = (await stackRender(stack)).find("StatefulSet", RABBITMQ, "e-commerce-messaging");
    expect(sts.spec.persistentVolumeClaimRetentionPolicy.whenScaled).toBe("Delete");
  });

  test("the single-replica stores keep theirs (they never scale: nothing else holds their data)", async () => {
    const others = dataObjects(await stackRender(stack), "StatefulSet").filter((s) => s.name !== RABBITMQ);
    expect(others.length).toBeGreaterThan(0);
    for (const sts of others) {
      expect([sts.name, sts.inputs.spec.replicas, sts.inputs.spec.persistentVolumeClaimRetentionPolicy.whenScaled]).toEqual([sts.name, 1, "Retain"]);
    }
  });

  test("deleting the whole StatefulSet still follows protectData, for RabbitMQ too", async () => {
    const r = await stackRender(stack);
    const kept = new Set(dataObjects(r, "StatefulSet").map((s) => s.inputs.spec.persistentVolumeClaimRetentionPolicy.whenDeleted));
    expect(kept.size).toBe(1);
    const sts = r.find("StatefulSet", RABBITMQ, "e-commerce-messaging");
    expect(["Retain", "Delete"]).toContain(sts.spec.persistentVolumeClaimRetentionPolicy.whenDeleted);
  });
});
