/**
 * The platform's AWS Backup vaults and plans, one builder for both kinds: the environment's (storage.ts:
 * the shared cluster and file system, premium tenants' file systems by tag) and an enterprise tenant's own
 * (tenant-storage.ts: its cluster and file system, into its own vault, with its own key). One builder, so
 * a tenant's backups keep the environment's schedule and retention, and a change reaches both.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** Daily, after Aurora's default backup window and done before a Sunday maintenance window starts. */
export const BACKUP_SCHEDULE = "cron(0 2 * * ? *)";

/**
 * The name of an enterprise tenant's vault, plan and selection: `bbws-<id>-bkp-<env>`, at most 49
 * characters (tenant ids 3–23, stack names 2–16), within AWS Backup's 50 for each: a vault name matches
 * `^[a-zA-Z0-9\-\_]{2,50}$` (AWS Backup API reference, CreateBackupVault), a plan name 1–50 of
 * alphanumerics and `-_.` (BackupPlanInput; the API takes 200, the console 50), a selection name
 * `^[a-zA-Z0-9\-\_\.]{1,50}$` (BackupSelection). The three live in separate name spaces, so one name
 * serves. `-bkp` keeps it from ever equalling one of the environment's (`bbws-backup-vault-<env>`,
 * `bbws-backup-plan-<env>`, `bbws-backup-<env>`, `bbws-backup-tenant-efs-<env>`), whatever the id:
 * the environment's part never ends in `-bkp`; `backup` would not fit (52 characters at the maxima).
 */
export function tenantBackupName(env: string, tenantId: string): string {
    return `bbws-${tenantId}-bkp-${env}`;
}

/** One vault and the daily plan into it. */
export interface BackupPlanSpec {
    readonly vaultName: string;
    readonly planName: string;
    /** The vault's key: recovery points fully managed by AWS Backup (EFS) are encrypted with it. */
    readonly keyArn: pulumi.Input<string>;
    /** Days each recovery point is kept (`bbws:storage.backupRetentionDays`), and its copy too. */
    readonly retentionDays: number;
    /** With it, each recovery point is also copied to this vault (the DR region's: AWS Backup developer guide, "Cross-Region copy"). */
    readonly copyToVaultArn?: pulumi.Input<string>;
    /** The vault's protection: the environment's `statefulOptions`, or a tenant's `retainOnDelete` (`tenantBackups`). */
    readonly vaultOptions: pulumi.CustomResourceOptions;
    /** Tags besides `Name` on the vault and the plan. Default: none. */
    readonly tags?: Readonly<Record<string, string>>;
}

/** `<name>-backup-vault` and `<name>-backup-plan` under `parent`: one rule, `daily` at `BACKUP_SCHEDULE`, kept `retentionDays`. */
export function backupVaultAndPlan(
    parent: pulumi.Resource,
    name: string,
    spec: BackupPlanSpec,
): { readonly vault: aws.backup.Vault; readonly plan: aws.backup.Plan } {
    const vault = new aws.backup.Vault(
        `${name}-backup-vault`,
        { name: spec.vaultName, kmsKeyArn: spec.keyArn, tags: { Name: spec.vaultName, ...spec.tags } },
        { ...spec.vaultOptions, parent },
    );
    const deleteAfter = spec.retentionDays;
    const plan = new aws.backup.Plan(
        `${name}-backup-plan`,
        {
            name: spec.planName,
            rules: [
                {
                    ruleName: "daily",
                    targetVaultName: vault.name,
                    schedule: BACKUP_SCHEDULE,
                    startWindow: 60,
                    completionWindow: 480,
                    lifecycle: { deleteAfter },
                    copyActions: spec.copyToVaultArn
                        ? [{ destinationVaultArn: spec.copyToVaultArn, lifecycle: { deleteAfter } }]
                        : undefined,
                },
            ],
            ...(spec.tags ? { tags: spec.tags } : {}),
        },
        { parent },
    );
    return { vault, plan };
}

/** Options of a backup selection: every input replaces a selection, under the same name in the same plan; it holds no recovery point. */
export function selectionOptions(parent: pulumi.Resource): pulumi.CustomResourceOptions {
    return { parent, deleteBeforeReplace: true };
}
