/**
 * The platform's encrypted EFS file system, one builder for both kinds: the storage layer's shared one
 * (every basic tenant's access point is on it) and a premium tenant's own, in its own VPC
 * (`TenantStorage`, components/tenant-storage.ts). One builder, so a premium tenant's files get the
 * settings, policy and protection of everyone else's, and a change to them reaches both.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { ProtectionConfig } from "../src/config";
import { bbwsName, denyInsecureTransport, jsonOf, statefulOptions } from "./shared";
import { hasOwnDatabase, hasOwnVpc, TenantTier } from "../src/tiers";

/** What every platform file system takes from its environment. */
export interface FileSystemSettings {
    readonly env: string;
    /** `protect` on the file system (components/shared.ts `statefulOptions`): sit and prod. */
    readonly protection: ProtectionConfig;
    /** The key the file system is encrypted at rest with: the data layer's, or an enterprise tenant's own. */
    readonly keyArn: pulumi.Input<string>;
    /** The AZs of the private subnets: one mount target each. */
    readonly azCount: number;
}

/** Where one file system is reached from, and what it is called. */
export interface FileSystemSpec {
    /** `bbws-<part>-<env>`: its creation token and Name tag (`efs` for the shared one, `efs-<tenant id>` for a premium tenant's). */
    readonly part: string;
    /** Tags besides Name. Default: none. */
    readonly tags?: Readonly<Record<string, string>>;
    /**
     * Private subnets of one VPC, one per AZ in AZ order (`azCount` of them): a mount target in each.
     * EFS puts all of a file system's mount targets in one VPC and at most one in each AZ
     * (CreateMountTarget: MountTargetConflict; EFS user guide, "Creating mount targets").
     */
    readonly privateSubnetIds: pulumi.Input<string[]>;
    /** The group of the mount targets: NFS (2049) from the tasks that may mount the file system. */
    readonly securityGroupId: pulumi.Input<string>;
    /**
     * A premium tenant's own: offboarding deletes it with the tenant (`npm run tenant -- remove`, step
     * `rollout`), which `protect` would stop after the tenant's files were already archived and deleted.
     * It is kept instead by `retainOnDelete` where `bbws:protection` retains: the rollout forgets it and
     * leaves it, with its recovery points, in AWS. Default: false (protected as `bbws:protection` says).
     */
    readonly removedWithTenant?: boolean;
    /**
     * EFS automatic backups (`aws.efs.BackupPolicy`), which AWS Backup keeps in the account's
     * `aws/efs/automatic-backup-vault` (EFS user guide, "Backing up EFS file systems"), not in a vault
     * of ours. Off for an enterprise tenant's file system, whose own plan backs it up into its own vault
     * with its own key: a second copy elsewhere would not be under that key. Default: true.
     */
    readonly automaticBackups?: boolean;
}

/** The file system as later layers name it: the task definitions' volume and the task role's EFS grant. */
export interface FileSystemRef {
    readonly id: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
}

/**
 * The tag by which the platform's backup plan selects a premium tenant's file system (storage.ts,
 * `createBackups`): one tag-based resource assignment for every tenant, because a plan takes at most
 * 10 assignments, not adjustable (AWS Backup developer guide, "AWS Backup quotas"), and an assignment
 * selecting by tag needs no change when a tenant comes or goes ("Assigning resources to a backup plan").
 */
export function backupPlanTag(env: string): { readonly key: string; readonly value: string } {
    return { key: "bbws:backup-plan", value: bbwsName(env, "backup-plan") };
}

/**
 * Whether a tenant of `tier` has a file system of its own that the environment's plan selects by
 * `backupPlanTag`: premium (own VPC, shared database). Not enterprise: its own plan backs it up, into
 * its own vault with its own key, and the environment's plan must not also copy it into the shared
 * vault under the shared key.
 */
export function backedUpByEnvironmentTag(tier: TenantTier): boolean {
    return hasOwnVpc(tier) && !hasOwnDatabase(tier);
}

/**
 * `<name>-efs` under `parent`: encrypted with the data key, general purpose, elastic throughput, files
 * to Infrequent Access after 30 days, `protect` from `settings.protection` (or retained, `removedWithTenant`); its mount targets
 * (`<name>-efs-mount-<n>`), automatic backups as `spec.automaticBackups` says (`<name>-efs-backup-policy`), and the policy
 * (`<name>-efs-policy`) that allows mounting and writing only through a mount target, grants no root
 * access, and denies every request made without TLS.
 */
export function encryptedFileSystem(
    parent: pulumi.Resource,
    name: string,
    settings: FileSystemSettings,
    spec: FileSystemSpec,
): aws.efs.FileSystem {
    const fileSystem = new aws.efs.FileSystem(
        `${name}-efs`,
        {
            creationToken: bbwsName(settings.env, spec.part),
            encrypted: true,
            kmsKeyId: settings.keyArn,
            performanceMode: "generalPurpose",
            throughputMode: "elastic",
            lifecyclePolicies: [{ transitionToIa: "AFTER_30_DAYS" }],
            tags: { Name: bbwsName(settings.env, spec.part), ...spec.tags },
        },
        // A tenant's own is never delete-first: the engine would delete its dependents with it, the ecs phase's task
        // definitions included, whatever the targets (pulumi/pulumi tests/integration/delete_before_create); a replacement
        // gets a new creation token instead (components/tenant-storage.ts `tenantFileSystemPart`). Said explicitly: the AWS
        // provider asks for a delete-first replacement of a resource whose name the program sets (pulumi-terraform-bridge
        // nameRequiresDeleteBeforeReplace) unless the program says otherwise.
        spec.removedWithTenant
            ? { parent, protect: false, retainOnDelete: settings.protection.retainOnDelete, deleteBeforeReplace: false }
            : statefulOptions(parent, settings.protection),
    );
    for (let i = 0; i < settings.azCount; i++) {
        new aws.efs.MountTarget(
            `${name}-efs-mount-${i + 1}`,
            {
                fileSystemId: fileSystem.id,
                subnetId: pulumi.output(spec.privateSubnetIds).apply((ids) => ids[i]),
                securityGroups: [spec.securityGroupId],
            },
            {
                parent,
                // EFS allows one mount target per AZ (MountTargetConflict), and the data is in the file system.
                deleteBeforeReplace: true,
            },
        );
    }
    new aws.efs.BackupPolicy(
        `${name}-efs-backup-policy`,
        {
            fileSystemId: fileSystem.id,
            backupPolicy: { status: spec.automaticBackups === false ? "DISABLED" : "ENABLED" },
        },
        { parent },
    );
    new aws.efs.FileSystemPolicy(
        `${name}-efs-policy`,
        {
            fileSystemId: fileSystem.id,
            policy: jsonOf({
                Version: "2012-10-17",
                Statement: [
                    {
                        // No ClientRootAccess: tenants reach their files through access points as their own uid.
                        Sid: "MountThroughMountTargets",
                        Effect: "Allow",
                        Principal: { AWS: "*" },
                        Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                        Resource: fileSystem.arn,
                        Condition: { Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" } },
                    },
                    denyInsecureTransport("*", [fileSystem.arn]),
                ],
            }),
        },
        { parent },
    );
    return fileSystem;
}
