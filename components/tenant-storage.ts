/**
 * One tenant's part of the storage layer (`bbws:storage:TenantStorage`): the tenant's EFS access point,
 * for a premium or enterprise tenant the file system it is on, and for an enterprise tenant its own
 * AWS Backup vault and plan. Its media prefix in the shared assets bucket is
 * not a resource; the bucket stays the layer's.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { TenantTier } from "../src/config";
import { backedUpByEnvironmentTag, backupPlanTag, encryptedFileSystem, FileSystemRef, FileSystemSettings } from "./file-system";
import { backupVaultAndPlan, selectionOptions, tenantBackupName } from "./backup-plan";
import { bbwsName, TenantComponent } from "./shared";
import type { TenantVpcOutputs } from "./tenant-vpc";
import { hasOwnDatabase, hasOwnVpc } from "../src/tiers";

export interface StorageTenant {
    readonly id: string;
    /** POSIX uid and gid of the tenant's files, unique and stable per tenant. */
    readonly posixId: number;
    /** `premium`, `enterprise`: its files are on a file system of its own, in its own VPC. */
    readonly tier: TenantTier;
}

/** Every tenant's files live under this directory; no access point exposes the file system's root. */
export const TENANT_ROOT = "/tenants";

/**
 * A tenant's access point and the file system it is on, which later layers mount and grant through:
 * the shared one for a basic tenant, its own for a premium tenant.
 */
export interface AccessPointRef {
    readonly id: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
    readonly fileSystemId: pulumi.Output<string>;
    readonly fileSystemArn: pulumi.Output<string>;
}

/**
 * A tenant's access point: its own directory, created owned by the tenant and closed to others
 * (0750), and every NFS operation performed as the tenant's uid/gid whatever the container runs as.
 */
export function accessPointSpec(
    tenant: Pick<StorageTenant, "id" | "posixId">,
): Pick<aws.efs.AccessPointArgs, "posixUser" | "rootDirectory"> {
    return {
        posixUser: { uid: tenant.posixId, gid: tenant.posixId },
        rootDirectory: {
            path: `${TENANT_ROOT}/${tenant.id}`,
            creationInfo: { ownerUid: tenant.posixId, ownerGid: tenant.posixId, permissions: "750" },
        },
    };
}

/** An enterprise tenant's own key and Aurora cluster (the data layer's `TenantCluster`). */
export interface TenantDataRef {
    /** The tenant's KMS key: its file system and its vault are encrypted with it. */
    readonly keyArn: pulumi.Input<string>;
    /** Its cluster, which its own plan selects by ARN. */
    readonly clusterArn: pulumi.Input<string>;
}

/** What an enterprise tenant's own backups take: its key and cluster, and the environment's role and retention. */
export interface TenantBackupArgs extends TenantDataRef {
    /** The environment's AWS Backup role (storage.ts `backupRole`): shared, IAM roles per account being a quota. */
    readonly backupRoleArn: pulumi.Input<string>;
    /** `bbws:storage.backupRetentionDays`, as the environment's plan keeps. */
    readonly backupRetentionDays: number;
}

export interface TenantStorageArgs {
    readonly env: string;
    readonly tenant: StorageTenant;
    /** The layer's shared file system: a basic tenant's access point is on it. */
    readonly sharedFileSystem: FileSystemRef;
    /** The layer's name: the access point keeps the name it had under it, `<layer>-efs-<id>`. */
    readonly layerName: string;
    /** The settings of the shared file system, which a premium tenant's own file system takes too. */
    readonly fileSystemSettings: FileSystemSettings;
    /**
     * A premium tenant's own VPC (the network layer's `tenantVpcs[id]`): its file system's mount targets
     * go in its private subnets, in its `fileSystemSecurityGroupId`. Required for a premium tenant, refused
     * for any other.
     */
    readonly vpc?: TenantVpcOutputs;
    /** An enterprise tenant's own key and cluster, and what its own backups take. Required for an enterprise tenant, refused for any other. */
    readonly ownData?: TenantBackupArgs;
}

/**
 * The `part` of a tenant's own file system's creation token and Name tag (`bbws-<part>-<env>`): `efs-<id>` under the
 * environment's key (premium), `efs-<id>.own-key` under the tenant's own (enterprise). EFS sets a file system's key only
 * when it creates it (CreateFileSystem `KmsKeyId`), so a move from premium into enterprise replaces the file system, and
 * the two tokens differ so that the new one can be created while the old one still exists (CreateFileSystem refuses a
 * token in use: `FileSystemAlreadyExists`): a create-first replacement, which never deletes the file system's dependents
 * (the ecs phase's task definitions) as a delete-first one would (pulumi/pulumi tests/integration/delete_before_create),
 * and which leaves the old one, with its recovery points, where `bbws:protection.retainOnDelete` retains. The `.` is
 * outside a tenant id's alphabet (a DNS label), so no premium tenant's token equals an enterprise tenant's.
 */
export function tenantFileSystemPart(tenantId: string, ownKey: boolean): string {
    return ownKey ? `efs-${tenantId}.own-key` : `efs-${tenantId}`;
}

/**
 * The tenant's access point (`<layer>-efs-<id>`, Name `bbws-efs-<id>-<env>`, tag `Tenant=<id>`),
 * rooted at `/tenants/<id>` as the tenant's uid and gid (`accessPointSpec`). It keeps the name it had
 * as the layer's own, with an alias naming the layer as its former parent, so moving it here replaced
 * nothing.
 *
 * A premium tenant's access point is on a file system of its own (`<name>-efs`, `bbws-efs-<id>-<env>`,
 * built as the shared one is: `encryptedFileSystem`), mounted in its own VPC: Fargate mounts a file
 * system only in the task's VPC ("Your Amazon EFS file system, Amazon ECS cluster, and Fargate tasks must
 * all be in the same VPC": AWS knowledge center, ecs-fargate-mount-efs-containers-tasks), EFS mount
 * target DNS names do not resolve from another VPC (EFS user guide, "Mounting EFS file systems from a
 * different VPC"), and a file system has mount targets in one VPC only (EFS user guide, "Creating mount
 * targets"). A premium tenant's carries `backupPlanTag`, by which the platform's backup plan selects it.
 *
 * An enterprise tenant's file system is encrypted with its own key (`ownData.keyArn`), carries no
 * `backupPlanTag` and has EFS automatic backups off, so no copy of it lands outside its own vault:
 * `tenantBackups` makes that vault (its key), a daily plan as the environment's (`backupVaultAndPlan`) and
 * one selection of its cluster and file system by ARN, under the environment's role.
 *
 * Throws `Error` when `vpc` is given for a tenant that is neither premium nor enterprise, or missing for
 * one that is; or `ownData` given for a tenant that is not enterprise, or missing for one that is.
 */
export class TenantStorage extends TenantComponent {
    readonly accessPoint: AccessPointRef;
    /** An enterprise tenant's own vault's name (`tenantBackupName`); undefined for any other tenant. */
    readonly backupVaultName: pulumi.Output<string> | undefined;

    constructor(name: string, args: TenantStorageArgs, opts: pulumi.ComponentResourceOptions) {
        super("bbws:storage:TenantStorage", name, opts);
        const { env, tenant, vpc } = args;
        if (hasOwnVpc(tenant.tier) !== (vpc !== undefined)) {
            throw new Error(
                `tenant \`${tenant.id}\` is ${tenant.tier} and ${vpc ? "has" : "has no"} \`vpc\`: a premium or enterprise tenant's file system is ` +
                    `mounted in its own VPC, every other tenant's access point is on the shared file system`,
            );
        }
        const own = args.ownData;
        if (hasOwnDatabase(tenant.tier) !== (own !== undefined)) {
            throw new Error(
                `tenant \`${tenant.id}\` is ${tenant.tier} and ${own ? "has" : "has no"} \`ownData\`: an enterprise tenant's file system ` +
                    `and backups are under its own key, every other tenant's under the environment's`,
            );
        }
        const backup = backupPlanTag(env);
        const fileSystem = vpc
            ? encryptedFileSystem(this, name, own ? { ...args.fileSystemSettings, keyArn: own.keyArn } : args.fileSystemSettings, {
                  part: tenantFileSystemPart(tenant.id, own !== undefined),
                  tags: { Tenant: tenant.id, ...(backedUpByEnvironmentTag(tenant.tier) ? { [backup.key]: backup.value } : {}) },
                  privateSubnetIds: vpc.privateSubnetIds,
                  securityGroupId: vpc.fileSystemSecurityGroupId,
                  removedWithTenant: true,
                  automaticBackups: own === undefined,
              })
            : args.sharedFileSystem;
        this.backupVaultName = own && this.tenantBackups(name, env, tenant.id, own, fileSystem.arn);
        const accessPoint = new aws.efs.AccessPoint(
            `${args.layerName}-efs-${tenant.id}`,
            {
                fileSystemId: fileSystem.id,
                ...accessPointSpec(tenant),
                tags: { Name: bbwsName(env, `efs-${tenant.id}`), Tenant: tenant.id },
            },
            this.moved(),
        );
        this.accessPoint = { id: accessPoint.id, arn: accessPoint.arn, fileSystemId: fileSystem.id, fileSystemArn: fileSystem.arn };
        this.registerOutputs({ accessPoint: this.accessPoint, backupVaultName: this.backupVaultName });
    }

    /**
     * The tenant's vault, plan and selection, each `tenantBackupName` (`bbws-<id>-bkp-<env>`), tagged
     * `Tenant`. The vault is encrypted with the tenant's key: EFS recovery points take the vault's key,
     * Aurora's the cluster's, which is the tenant's too (AWS Backup developer guide, "Encryption for
     * backups in AWS"). The plan and selection go with the tenant; the vault stays in AWS
     * (`retainOnDelete`, never `protect`, which would stop offboarding): AWS Backup refuses to delete a
     * vault that still holds recovery points (AWS Backup API reference, DeleteBackupVault), and those
     * must outlive the tenant for `backupRetentionDays`, as its key does (`TenantCluster`).
     */
    private tenantBackups(
        name: string,
        env: string,
        tenantId: string,
        own: TenantBackupArgs,
        fileSystemArn: pulumi.Input<string>,
    ): pulumi.Output<string> {
        const backupName = tenantBackupName(env, tenantId);
        const tags = { Tenant: tenantId };
        const { vault, plan } = backupVaultAndPlan(this, name, {
            vaultName: backupName,
            planName: backupName,
            keyArn: own.keyArn,
            retentionDays: own.backupRetentionDays,
            vaultOptions: { protect: false, retainOnDelete: true },
            tags,
        });
        new aws.backup.Selection(
            `${name}-backup-selection`,
            { name: backupName, planId: plan.id, iamRoleArn: own.backupRoleArn, resources: [own.clusterArn, fileSystemArn] },
            selectionOptions(this),
        );
        return vault.name;
    }
}
