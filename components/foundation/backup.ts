/**
 * Daily AWS Backup of the cluster's EBS volumes, and an alert when a backup job fails.
 *
 * Selection is by tag: the StorageClass puts `BACKUP_TAG_KEY=<plan>` on every volume it
 * provisions (components/foundation/storage-class.ts, the EBS CSI driver's `tagSpecification_<n>`
 * parameters), so a volume is covered from its creation, whichever workload claims it.
 *
 * Encryption: the vault has its own customer-managed key, but EBS is not one of the resource
 * types AWS Backup fully manages, so an EBS recovery point (a snapshot) keeps the encryption of
 * its volume, the cluster's volume key (AWS Backup developer guide, "Encryption for backups in
 * AWS Backup"). The backup role therefore needs that key as well, or jobs "succeed" without
 * backing anything up (same page). The vault key also encrypts the alert topic.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { BackupSettings } from "../../config";

/** Tag key the StorageClass puts on every volume; its value names the plan that backs it up. */
export const BACKUP_TAG_KEY = "ecommerce/backup-plan";
/** Every day at 03:00 UTC (AWS Backup cron: minutes hours day-of-month month day-of-week year). */
export const BACKUP_SCHEDULE = "cron(0 3 * * ? *)";
/**
 * Backup job states after which no recovery point exists (BackupJobState of the AWS Backup API:
 * CREATED, PENDING, RUNNING, ABORTING, ABORTED, COMPLETED, FAILED, EXPIRED, PARTIAL). EXPIRED
 * is a job that could not start within its window.
 */
export const FAILED_JOB_STATES = ["FAILED", "ABORTED", "EXPIRED", "PARTIAL"] as const;

export const AWS_BACKUP_POLICY_ARNS = [
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
] as const;

/** Name of a cluster's backup plan, vault and selection: the value of its volumes' tag. */
export function backupPlanName(clusterName: string): string {
  return `${clusterName}-data`;
}

/** The tags every volume of the cluster's StorageClass carries. */
export function backupVolumeTags(clusterName: string): Record<string, string> {
  return { [BACKUP_TAG_KEY]: backupPlanName(clusterName) };
}

/** The EventBridge pattern of a failed job of one vault ("Backup Job State Change" events). */
export function failedJobPattern(vaultName: string): Record<string, unknown> {
  return {
    source: ["aws.backup"],
    "detail-type": ["Backup Job State Change"],
    detail: { state: [...FAILED_JOB_STATES], backupVaultName: [vaultName] },
  };
}

/**
 * What the backup role may do with the cluster's volume key, found by the tags clusterKey puts
 * on it (components/foundation/kms-key.ts): use it, and grant EBS its use for snapshots and restores.
 */
export function volumeKeyAccess(clusterName: string): string {
  const tagged = { StringEquals: { "aws:ResourceTag/cluster": clusterName, "aws:ResourceTag/purpose": "ebs-volumes" } };
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: "*", Condition: tagged },
      { Effect: "Allow", Action: ["kms:CreateGrant"], Resource: "*", Condition: { ...tagged, Bool: { "kms:GrantIsForAWSResource": "true" } } },
    ],
  });
}

/** The vault key's policy: the account administers it; EventBridge may publish to the topic it encrypts. */
export function backupKeyPolicy(accountId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "Account", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" },
      {
        Sid: "EventBridgeToTopic",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
        Resource: "*",
      },
    ],
  });
}

/** Lets only the failure rule publish to the alert topic. */
export function alertTopicPolicy(topicArn: string, ruleArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
      },
    ],
  });
}

export interface DataBackupsArgs {
  /** The EKS cluster's configured name: names, tags and the volume key's tags. */
  readonly clusterName: string;
  readonly settings: BackupSettings;
  /** Keep the vault and its key (`protect`, `retainOnDelete`) when the stack goes. */
  readonly protectData: boolean;
}

type Parent = { readonly parent: pulumi.Resource };

/** The role AWS Backup assumes: its managed policies for backups and restores, and the volume key. */
function backupRole(name: string, clusterName: string, tags: Record<string, string>, child: Parent) {
  const role = new aws.iam.Role(
    `${name}-role`,
    {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      tags,
    },
    child,
  );
  const grants = [
    ...AWS_BACKUP_POLICY_ARNS.map((policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-role-policy-${i}`, { role: role.name, policyArn }, child)),
    new aws.iam.RolePolicy(`${name}-volume-key`, { role: role.name, policy: volumeKeyAccess(clusterName) }, child),
  ];
  return { role, grants };
}

/** Failed jobs of the vault -> EventBridge rule -> encrypted SNS topic (-> e-mail, if configured). */
function failureAlert(name: string, plan: string, key: aws.kms.Key, settings: BackupSettings, tags: Record<string, string>, child: Parent) {
  const topic = new aws.sns.Topic(`${name}-alerts`, { name: `${plan}-backup-alerts`, kmsMasterKeyId: key.arn, tags }, child);
  const rule = new aws.cloudwatch.EventRule(
    `${name}-failed-jobs`,
    {
      name: `${plan}-backup-failed`,
      description: `A backup job of the vault ${plan} ended without a recovery point`,
      eventPattern: JSON.stringify(failedJobPattern(plan)),
      tags,
    },
    child,
  );
  const policy = pulumi.all([topic.arn, rule.arn]).apply(([t, r]) => alertTopicPolicy(t, r));
  new aws.sns.TopicPolicy(`${name}-alerts-policy`, { arn: topic.arn, policy }, child);
  new aws.cloudwatch.EventTarget(`${name}-failed-jobs-alert`, { rule: rule.name, arn: topic.arn }, child);
  if (settings.alertEmail) {
    // E-mail subscriptions wait for the recipient to confirm the link AWS sends.
    new aws.sns.TopicSubscription(`${name}-alerts-email`, { topic: topic.arn, protocol: "email", endpoint: settings.alertEmail }, child);
  }
  return topic;
}

/** The daily plan into the vault, and its selection of every volume tagged for it. */
function dailyPlan(name: string, plan: string, vault: aws.backup.Vault, role: ReturnType<typeof backupRole>, settings: BackupSettings, tags: Record<string, string>, child: Parent) {
  const backupPlan = new aws.backup.Plan(
    `${name}-plan`,
    {
      name: plan,
      rules: [
        {
          ruleName: "daily",
          targetVaultName: vault.name,
          schedule: BACKUP_SCHEDULE,
          // Start within an hour of 03:00 UTC, finish within six.
          startWindow: 60,
          completionWindow: 360,
          lifecycle: { deleteAfter: settings.retentionDays },
          recoveryPointTags: tags,
        },
      ],
      tags,
    },
    child,
  );
  new aws.backup.Selection(
    `${name}-volumes`,
    {
      name: `${plan}-volumes`,
      planId: backupPlan.id,
      iamRoleArn: role.role.arn,
      selectionTags: [{ type: "STRINGEQUALS", key: BACKUP_TAG_KEY, value: plan }],
    },
    { ...child, dependsOn: role.grants },
  );
  return backupPlan;
}

/** The vault, its key, the daily plan, the tag selection with its role, and the failure alert. */
export class DataBackups extends pulumi.ComponentResource {
  readonly vaultName: pulumi.Output<string>;
  readonly planId: pulumi.Output<string>;
  /** SNS topic that receives every failed backup job of the vault. */
  readonly alertTopicArn: pulumi.Output<string>;
  /** The role AWS Backup assumes; restore jobs are started with it too. */
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: DataBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ecommerce:data:DataBackups", name, {}, opts);
    const plan = backupPlanName(args.clusterName);
    const tags = { cluster: args.clusterName, purpose: "backups" };
    const child = { parent: this };
    // The vault refuses deletion while it holds recovery points; prod keeps it and its key anyway.
    const kept = { parent: this, protect: args.protectData, retainOnDelete: args.protectData };

    const account = aws.getCallerIdentityOutput({}, child);
    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `AWS Backup vault ${plan} of the EKS cluster ${args.clusterName}, and its alert topic`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: account.accountId.apply(backupKeyPolicy),
        tags,
      },
      kept,
    );
    new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${args.clusterName}-backups`, targetKeyId: key.keyId }, child);
    const vault = new aws.backup.Vault(`${name}-vault`, { name: plan, kmsKeyArn: key.arn, tags }, kept);

    const role = backupRole(name, args.clusterName, tags, child);
    const backupPlan = dailyPlan(name, plan, vault, role, args.settings, tags, child);
    const topic = failureAlert(name, plan, key, args.settings, tags, child);

    this.vaultName = vault.name;
    this.planId = backupPlan.id;
    this.alertTopicArn = topic.arn;
    this.roleArn = role.role.arn;
    this.registerOutputs({ vaultName: this.vaultName, planId: this.planId, alertTopicArn: this.alertTopicArn, roleArn: this.roleArn });
  }
}
