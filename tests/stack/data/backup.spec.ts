/**
 * Backups a restore can use: every volume of the cluster's StorageClass is tagged at creation
 * (EBS CSI driver `tagSpecification_<n>` parameters, kubernetes-sigs/aws-ebs-csi-driver
 * docs/tagging.md v1.64.0: `key=value`, split at the first `=`), and AWS Backup selects by that
 * tag into a vault with its own customer-managed key, daily, kept per stack; a failed job reaches
 * an SNS topic through EventBridge ("Backup Job State Change", AWS Backup developer guide,
 * "Monitoring AWS Backup events using Amazon EventBridge").
 */
import { BACKUP_SCHEDULE, FAILED_JOB_STATES } from "../../../components/foundation/backup";
import { tagParameters } from "../../../components/foundation/storage-class";
import { RecordedResource, Rendered } from "../../../tools/render/engine";
import { loadStackConfig } from "../../../lib/stack-files";
import { PROJECT_DIR, STACKS, StackName, configError, stackRender } from "../../harness";
import { changedDataTier } from "./fixtures";

const stackValue = (stack: StackName, key: string) => loadStackConfig(PROJECT_DIR, stack).config[`ecommerce:${key}`];

/** The tags the EBS CSI driver puts on every volume of a StorageClass. */
function volumeTags(r: Rendered): Record<string, string> {
  const [sc] = r.kind("StorageClass");
  return Object.fromEntries(
    Object.entries(sc.inputs.parameters as Record<string, string>)
      .filter(([k]) => k.startsWith("tagSpecification"))
      .map(([, v]) => [v.slice(0, v.indexOf("=")), v.slice(v.indexOf("=") + 1)]),
  );
}

/** The one resource of a type among the backup component's (other components make EventBridge rules too). */
const only = (r: Rendered, type: string): RecordedResource => {
  const hits = r.ofType(type).filter((x) => x.urn.includes("ecommerce:data:DataBackups$"));
  if (hits.length !== 1) throw new Error(`expected one ${type} of the backups, found ${hits.length}`);
  return hits[0];
};
const policyOf = (x: RecordedResource, field = "policy") => JSON.parse(x.inputs[field]);

describe.each(STACKS)("volume tags of %s", (stack) => {
  test("the StorageClass tags every volume it provisions with the cluster's backup plan", async () => {
    const r = await stackRender(stack);
    expect(r.kind("StorageClass")).toHaveLength(1);
    expect(volumeTags(r)).toEqual({ "ecommerce/backup-plan": `${stackValue(stack, "clusterName")}-data` });
  });
});

describe.each(["staging", "prod"] as const)("AWS Backup of %s", (stack) => {
  const render = () => stackRender(stack);

  test("the selection takes exactly the volumes the StorageClass tags", async () => {
    const r = await render();
    const selection = only(r, "aws:backup/selection:Selection");
    const tags = volumeTags(r);
    expect(selection.inputs.selectionTags).toEqual(Object.entries(tags).map(([key, value]) => ({ type: "STRINGEQUALS", key, value })));
    expect(selection.inputs.resources).toBeUndefined();
  });

  test("a daily plan into the vault, kept for the stack's retention", async () => {
    const r = await render();
    const plan = only(r, "aws:backup/plan:Plan");
    const vault = only(r, "aws:backup/vault:Vault");
    expect(plan.inputs.rules).toHaveLength(1);
    const [rule] = plan.inputs.rules;
    expect(rule.targetVaultName).toBe(vault.inputs.name);
    expect(rule.schedule).toBe(BACKUP_SCHEDULE);
    expect(rule.schedule).toMatch(/^cron\(\d+ \d+ \* \* \? \*\)$/);
    expect(rule.lifecycle).toEqual({ deleteAfter: Number(stackValue(stack, "backupRetentionDays")) });
    expect(only(r, "aws:backup/selection:Selection").inputs.planId).toBe(`${plan.name}-id`);
  });

  test("the vault is encrypted with its own rotated customer-managed key, kept with the data", async () => {
    const r = await render();
    const vault = only(r, "aws:backup/vault:Vault");
    const key = r.ofType("aws:kms/key:Key").find((k) => vault.inputs.kmsKeyArn.endsWith(`:${k.name}`));
    expect(key).toBeDefined();
    expect(key!.inputs.enableKeyRotation).toBe(true);
    expect(key!.inputs.tags.purpose).toBe("backups");
    for (const x of [vault, key!]) expect([x.name, x.protect, x.retainOnDelete]).toEqual([x.name, true, true]);
  });

  test("the backup role can use the volume key (EBS recovery points keep the volume's encryption)", async () => {
    const r = await render();
    const volumeKey = r.ofType("aws:kms/key:Key").find((k) => k.inputs.tags?.purpose === "ebs-volumes")!;
    const access = r.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name.startsWith("backups"))!;
    const statements = policyOf(access).Statement;
    for (const st of statements) {
      expect(st.Condition.StringEquals).toEqual({ "aws:ResourceTag/cluster": volumeKey.inputs.tags.cluster, "aws:ResourceTag/purpose": "ebs-volumes" });
    }
    expect(statements.flatMap((s: any) => s.Action)).toEqual(expect.arrayContaining(["kms:CreateGrant", "kms:Decrypt", "kms:GenerateDataKey*"]));
    const role = r.ofType("aws:iam/role:Role").find((x) => x.name === "backups-role")!;
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).toEqual({ Service: "backup.amazonaws.com" });
    const attached = r.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.name.startsWith("backups-"));
    expect(attached.map((a) => a.inputs.policyArn).sort()).toEqual([
      "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
      "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    ]);
  });

  test("a failed job of the vault is published to the alert topic, which only that rule may use", async () => {
    const r = await render();
    const vault = only(r, "aws:backup/vault:Vault");
    const rule = only(r, "aws:cloudwatch/eventRule:EventRule");
    const pattern = JSON.parse(rule.inputs.eventPattern);
    expect(pattern.source).toEqual(["aws.backup"]);
    expect(pattern["detail-type"]).toEqual(["Backup Job State Change"]);
    expect(pattern.detail.backupVaultName).toEqual([vault.inputs.name]);
    expect(pattern.detail.state).toEqual(expect.arrayContaining(["FAILED", "ABORTED", "EXPIRED"]));
    expect(pattern.detail.state).not.toContain("COMPLETED");
    expect(pattern.detail.state).toEqual([...FAILED_JOB_STATES]);
    const topic = only(r, "aws:sns/topic:Topic");
    const target = only(r, "aws:cloudwatch/eventTarget:EventTarget");
    expect(target.inputs.arn).toBe(`arn:aws:sns:eu-west-1:123456789012:${topic.name}`);
    expect(target.inputs.rule).toBe(rule.inputs.name);
    const publish = policyOf(only(r, "aws:sns/topicPolicy:TopicPolicy")).Statement[0];
    expect(publish.Principal).toEqual({ Service: "events.amazonaws.com" });
    expect(publish.Condition.ArnEquals["aws:SourceArn"]).toBe(`arn:aws:cloudwatch:eu-west-1:123456789012:${rule.name}`);
    // The topic is encrypted with the vault's key, whose policy lets EventBridge use it.
    const key = r.ofType("aws:kms/key:Key").find((k) => k.inputs.tags?.purpose === "backups")!;
    expect(topic.inputs.kmsMasterKeyId).toBe(`arn:aws:kms:eu-west-1:123456789012:${key.name}`);
    const keyPolicy = policyOf(key).Statement.find((s: any) => s.Principal.Service === "events.amazonaws.com");
    expect(keyPolicy.Action).toEqual(expect.arrayContaining(["kms:GenerateDataKey*", "kms:Decrypt"]));
  });

  test("the alert reaches the configured address, or nobody where none is set", async () => {
    const subscriptions = (await render()).ofType("aws:sns/topicSubscription:TopicSubscription");
    const email = stackValue(stack, "backupAlertEmail");
    expect(subscriptions.map((s) => [s.inputs.protocol, s.inputs.endpoint])).toEqual(email ? [["email", email]] : []);
  });
});

describe("backups are optional by configuration", () => {
  const backupResources = (r: Rendered) => r.resources.filter((x) => x.type.startsWith("aws:backup/"));

  test("dev has none: its stack file turns them off", async () => {
    expect(stackValue("dev", "backupEnabled")).toBe("false");
    expect(backupResources(await stackRender("dev"))).toEqual([]);
  });

  test("dev gets the same plan when the key is set", async () => {
    const r = await changedDataTier();
    expect(backupResources(r).map((x) => x.type).sort()).toEqual(["aws:backup/plan:Plan", "aws:backup/selection:Selection", "aws:backup/vault:Vault"]);
    expect(only(r, "aws:backup/plan:Plan").inputs.rules[0].lifecycle.deleteAfter).toBe(Number(stackValue("dev", "backupRetentionDays")));
  });

  test.each([
    [{ "ecommerce:backupRetentionDays": 0 }, /'ecommerce:backupRetentionDays' value '0' is outside of the legal range/],
    [{ "ecommerce:backupAlertEmail": "ops" }, /'ecommerce:backupAlertEmail' value 'ops'.*an e-mail address, or empty for none/],
    [{ "ecommerce:backupEnabled": "daily" }, /'ecommerce:backupEnabled' must be of type boolean/],
  ])("a bad value is refused with the key named: %j", async (overrides, expected) => {
    expect(await configError("prod", overrides)).toMatch(expected);
  });
});

describe("volume tag parameters", () => {
  test("one tagSpecification per tag, key=value; the driver's reserved keys are refused", () => {
    expect(tagParameters({ b: "2", a: "1=x" })).toEqual({ tagSpecification_1: "a=1=x", tagSpecification_2: "b=2" });
    expect(() => tagParameters({ "kubernetes.io/created-for/pvc/name": "x" })).toThrow(/reserved/);
    expect(() => tagParameters({ "ebs.csi.aws.com/cluster": "x" })).toThrow(/reserved/);
  });
});
