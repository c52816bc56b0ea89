/**
 * Storage layer (phase `storage`): EFS with one access point per tenant, the S3 buckets (tenant
 * media, migration artefacts, access logs), the ECR repositories and the AWS Backup plan covering
 * EFS and Aurora. The repositories are here, a phase before the services that pull from them, so
 * images can be pushed between the two on a first rollout.
 */
import type { TenantVpcOutputs } from "./tenant-vpc";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { DrConfig, ProtectionConfig, RetiredTenant, StorageConfig } from "../src/config";
import { DrStorage } from "./dr-storage";
import { ImageKind, REPOSITORIES } from "../src/images";
import { bucketName, privateBucket } from "./buckets";
import { bbwsName, serviceAssumeRolePolicy, statefulOptions } from "./shared";
import { backedUpByEnvironmentTag, backupPlanTag, encryptedFileSystem } from "./file-system";
import { backupVaultAndPlan, selectionOptions } from "./backup-plan";
import { AccessPointRef, StorageTenant, TenantDataRef, TenantStorage } from "./tenant-storage";

export interface StorageLayerArgs {
    /** Each premium tenant's own VPC, by tenant id (the network layer's `tenantVpcs`); basic tenants have none. */
    readonly tenantVpcs: Readonly<Record<string, TenantVpcOutputs>>;
    readonly env: string;
    /** Log delivery is allowed into this account's prefixes only. */
    readonly accountId: string;
    readonly storage: StorageConfig;
    readonly protection: ProtectionConfig;
    readonly tenants: readonly StorageTenant[];
    /** Offboarded tenants: their media prefixes expire `storage.retainTenantMediaDays` after the day each was retired. Default: none. */
    readonly retiredTenants?: readonly Pick<RetiredTenant, "id" | "date">[];
    /** The data layer's key: EFS, the media and migration buckets and the backup vault are encrypted with it. */
    readonly keyArn: pulumi.Input<string>;
    /** The private tier, one subnet per AZ: each gets a mount target. */
    readonly privateSubnetIds: pulumi.Input<string[]>;
    readonly azCount: number;
    readonly fileSystemSecurityGroupId: pulumi.Input<string>;
    /** The Aurora cluster the daily backup plan covers besides the file system. */
    readonly databaseClusterArn: pulumi.Input<string>;
    /**
     * Each enterprise tenant's own key and cluster, by tenant id (the data layer's `tenantClusters`): its
     * file system is encrypted with that key, and its own plan backs both up into its own vault
     * (`TenantStorage`). Required for every enterprise tenant, refused for any other. Default: none.
     */
    readonly tenantClusters?: Readonly<Record<string, TenantDataRef>>;
    /** `bbws:dr`, the primary region and the DR region's data key; absent: no DR side. */
    readonly dr?: {
        readonly config: DrConfig;
        readonly region: string;
        readonly keyArn: pulumi.Input<string>;
        /** The standby VPC's private subnets and `efs` group: the replica's mount targets. */
        readonly privateSubnetIds: pulumi.Input<string[]>;
        readonly fileSystemSecurityGroupId: pulumi.Input<string>;
    };
}

export interface BucketRef {
    readonly name: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
}

/** An ECR repository as the ECS layer uses it; the provider's `aws.ecr.Repository` has this shape. */
export interface RepositoryRef {
    /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`: what images are pushed to and task definitions name. */
    readonly repositoryUrl: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
}

/** Keeps the last 10 tagged images (rollback targets) and clears untagged layers after a week. */
export const ECR_LIFECYCLE_POLICY = {
    rules: [
        {
            rulePriority: 1,
            description: "Expire untagged images after 7 days",
            selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
            action: { type: "expire" },
        },
        {
            rulePriority: 2,
            description: "Keep the last 10 tagged images",
            selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 10 },
            action: { type: "expire" },
        },
    ],
};

/**
 * One lifecycle rule per retired tenant for the assets bucket: `tenants/<id>/` expires on the day it
 * was retired plus `days` (an expiration `Date` is midnight UTC, ISO 8601: S3 API reference,
 * LifecycleExpiration), and, the bucket being versioned, each noncurrent version `days` after it became
 * noncurrent (NoncurrentVersionExpiration), so nothing of the tenant outlives twice the retention.
 * Empty when no tenant is retired: S3 refuses a lifecycle configuration without rules.
 */
export function retiredMediaRules(
    retired: readonly Pick<RetiredTenant, "id" | "date">[],
    days: number,
): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    return retired.map((r) => ({
        id: `expire-retired-tenant-${r.id}`,
        status: "Enabled",
        filter: { prefix: `tenants/${r.id}/` },
        expiration: { date: new Date(Date.parse(`${r.date}T00:00:00Z`) + days * 86_400_000).toISOString().replace(".000Z", "Z") },
        noncurrentVersionExpiration: { noncurrentDays: days },
    }));
}

/**
 * The assets bucket's standing lifecycle rule, so its lifecycle configuration always exists and retiring
 * a tenant is an update of it, not the create of a platform resource (a pending platform create makes the
 * next `--tenant` rollout refuse: gates.ts `platformGate`). It removes what a versioned bucket otherwise
 * keeps forever: a delete marker left with no noncurrent version once a retired tenant's versions expire
 * (`ExpiredObjectDeleteMarker`, which cannot share an `Expiration` with a date: S3 user guide, "Lifecycle
 * configuration elements"), and abandoned multipart uploads of media.
 */
export const ASSETS_STANDING_RULE: aws.types.input.s3.BucketLifecycleConfigurationRule = {
    id: "expired-delete-markers-and-abandoned-uploads",
    status: "Enabled",
    filter: {},
    expiration: { expiredObjectDeleteMarker: true },
    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
};

export { BACKUP_SCHEDULE } from "./backup-plan";

/**
 * Phase `storage` (`bbws:storage:StorageLayer`), after database: encrypted EFS with one access point
 * per tenant (each tenant's under one `TenantStorage`, `<name>-<tenant id>`, components/tenant-storage.ts;
 * a premium tenant's on a file system of its own, in its own VPC), the assets, migration and logs
 * buckets, the ECR repositories and the AWS Backup vault and plan (an enterprise tenant's own vault and
 * plan under its `TenantStorage`, with the layer's one backup role). Exposes the file system, access
 * points (each naming the file system it is on), buckets and repositories to ECS, and the file system
 * id and vault name to monitoring.
 *
 * Throws `Error` when `tenantVpcs` or `tenantClusters` names a tenant `tenants` does not, or
 * (`TenantStorage`) when a premium or enterprise tenant has no VPC there or another tenant has one, or
 * an enterprise tenant has no entry in `tenantClusters`.
 */
export class StorageLayer extends pulumi.ComponentResource {
    readonly fileSystemId: pulumi.Output<string>;
    readonly fileSystemArn: pulumi.Output<string>;
    /** By tenant id. */
    readonly accessPoints: Readonly<Record<string, AccessPointRef>>;
    /** WordPress media, one prefix per tenant. */
    readonly assetsBucket: BucketRef;
    /** Scripts, dumps and archives staged for migrations. */
    readonly migrationBucket: BucketRef;
    /** Access logs: the load balancer's (under any prefix, in `AWSLogs/<account>/`) and the other buckets' (under `s3/`). */
    readonly logsBucket: BucketRef;
    readonly backupVaultName: pulumi.Output<string>;
    /** Each enterprise tenant's own vault's name, by tenant id; no entry for any other tenant. */
    readonly tenantBackupVaultNames: Readonly<Record<string, pulumi.Output<string>>>;
    /** `bbws/wordpress` and `bbws/migration`. */
    readonly repositories: Readonly<Record<ImageKind, RepositoryRef>>;
    /** The DR side (components/dr-storage.ts), when `bbws:dr` is set. */
    readonly dr: DrStorage | undefined;

    constructor(name: string, args: StorageLayerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("bbws:storage:StorageLayer", name, {}, opts);
        const { env, accountId } = args;
        for (const [arg, byTenant] of [
            ["tenantVpcs", args.tenantVpcs],
            ["tenantClusters", args.tenantClusters ?? {}],
        ] as const) {
            const strangers = Object.keys(byTenant).filter((id) => !args.tenants.some((t) => t.id === id));
            if (strangers.length > 0) throw new Error(`\`${arg}\` names ${strangers.join(", ")}, which \`tenants\` does not`);
        }

        const fileSystem = encryptedFileSystem(this, name, args, {
            part: "efs",
            privateSubnetIds: args.privateSubnetIds,
            securityGroupId: args.fileSystemSecurityGroupId,
        });
        this.fileSystemId = fileSystem.id;
        this.fileSystemArn = fileSystem.arn;

        const backupRole = this.backupRole(name, env);
        const accessPoints: Record<string, AccessPointRef> = {};
        const tenantBackupVaultNames: Record<string, pulumi.Output<string>> = {};
        for (const tenant of args.tenants) {
            const own = args.tenantClusters?.[tenant.id];
            const tenantStorage = new TenantStorage(
                `${name}-${tenant.id}`,
                {
                    env,
                    tenant,
                    sharedFileSystem: fileSystem,
                    layerName: name,
                    fileSystemSettings: args,
                    vpc: args.tenantVpcs[tenant.id],
                    ownData: own && {
                        ...own,
                        backupRoleArn: backupRole.arn,
                        backupRetentionDays: args.storage.backupRetentionDays,
                    },
                },
                { parent: this },
            );
            accessPoints[tenant.id] = tenantStorage.accessPoint;
            if (tenantStorage.backupVaultName) tenantBackupVaultNames[tenant.id] = tenantStorage.backupVaultName;
        }
        this.accessPoints = accessPoints;
        this.tenantBackupVaultNames = tenantBackupVaultNames;

        const assetsName = bucketName(env, accountId, "tenant-assets");
        const migrationName = bucketName(env, accountId, "migration-artifacts");
        const elbAccount = aws.elb.getServiceAccountOutput({}, { parent: this });
        const { bucket: logs } = privateBucket(this, name, args, {
            part: "logs",
            // ALB access-log delivery writes with SSE-S3 only.
            encryption: "s3",
            statements: (arn) => [
                {
                    Sid: "AllowLoadBalancerLogDelivery",
                    Effect: "Allow",
                    // Regions opened before December 2021 (eu-west-1, af-south-1) deliver as the region's
                    // ELB account; newer ones as the service principal. Both, so either kind of region works.
                    Principal: { AWS: elbAccount.arn, Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: [pulumi.interpolate`${arn}/AWSLogs/${accountId}/*`, pulumi.interpolate`${arn}/*/AWSLogs/${accountId}/*`],
                },
                {
                    Sid: "AllowServerAccessLogDelivery",
                    Effect: "Allow",
                    Principal: { Service: "logging.s3.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: pulumi.interpolate`${arn}/s3/*`,
                    Condition: {
                        ArnLike: { "aws:SourceArn": [assetsName, migrationName].map((b) => `arn:aws:s3:::${b}`) },
                        StringEquals: { "aws:SourceAccount": accountId },
                    },
                },
            ],
        });
        const { bucket: assets, versioning: assetsVersioning } = privateBucket(this, name, args, {
            part: "tenant-assets",
            encryption: "kms",
            logsTo: logs,
        });
        const { bucket: migration, versioning: migrationVersioning } = privateBucket(this, name, args, {
            part: "migration-artifacts",
            encryption: "kms",
            logsTo: logs,
        });
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-migration-artifacts-lifecycle`,
            {
                bucket: migration.id,
                rules: [
                    {
                        id: "expire-old-versions-and-abandoned-uploads",
                        status: "Enabled",
                        filter: {},
                        noncurrentVersionExpiration: { noncurrentDays: args.storage.migrationArtifactsNoncurrentDays },
                        // Dumps and archives arrive as multipart uploads; a failed one would otherwise be billed forever.
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            { parent: this },
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-tenant-assets-lifecycle`,
            {
                bucket: assets.id,
                rules: [ASSETS_STANDING_RULE, ...retiredMediaRules(args.retiredTenants ?? [], args.storage.retainTenantMediaDays)],
            },
            { parent: this },
        );
        const ref = (b: aws.s3.Bucket): BucketRef => ({ name: b.bucket, arn: b.arn });
        this.assetsBucket = ref(assets);
        this.migrationBucket = ref(migration);
        this.logsBucket = ref(logs);

        this.dr =
            args.dr &&
            new DrStorage(
                `${name}-dr`,
                {
                    ...args,
                    region: args.dr.region,
                    dr: args.dr.config,
                    drKeyArn: args.dr.keyArn,
                    fileSystemId: fileSystem.id,
                    standbyPrivateSubnetIds: args.dr.privateSubnetIds,
                    standbyFileSystemSecurityGroupId: args.dr.fileSystemSecurityGroupId,
                    buckets: [
                        { part: "tenant-assets", bucket: assets, versioning: assetsVersioning },
                        { part: "migration-artifacts", bucket: migration, versioning: migrationVersioning },
                    ],
                    backupRetentionDays: args.storage.backupRetentionDays,
                    repositoryLifecyclePolicy: ECR_LIFECYCLE_POLICY,
                },
                { parent: this },
            );
        this.backupVaultName = this.createBackups(name, args, fileSystem, backupRole, this.dr?.backupVaultArn);
        this.repositories = {
            wordpress: this.repository(name, args, "wordpress"),
            migration: this.repository(name, args, "migration"),
        };

        this.registerOutputs({
            fileSystemId: this.fileSystemId,
            fileSystemArn: this.fileSystemArn,
            accessPoints: this.accessPoints,
            assetsBucket: this.assetsBucket,
            migrationBucket: this.migrationBucket,
            logsBucket: this.logsBucket,
            backupVaultName: this.backupVaultName,
            tenantBackupVaultNames: this.tenantBackupVaultNames,
            repositories: this.repositories,
        });
    }

    private repository(name: string, args: StorageLayerArgs, kind: ImageKind): RepositoryRef {
        const repo = new aws.ecr.Repository(
            `${name}-${kind}-repo`,
            {
                name: REPOSITORIES[kind],
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.keyArn }],
                // An unprotected environment is torn down whole, images included.
                forceDelete: !args.protection.protect,
            },
            statefulOptions(this, args.protection),
        );
        new aws.ecr.LifecyclePolicy(
            `${name}-${kind}-lifecycle`,
            {
                repository: repo.name,
                policy: JSON.stringify(ECR_LIFECYCLE_POLICY),
            },
            { parent: this },
        );
        return { repositoryUrl: repo.repositoryUrl, arn: repo.arn };
    }

    /**
     * The role AWS Backup assumes for every plan of the environment, an enterprise tenant's included: IAM
     * roles per account are a quota (1,000 by default: IAM user guide, "IAM and AWS STS quotas"), so
     * tenants share this one rather than add one each.
     */
    private backupRole(name: string, env: string): aws.iam.Role {
        const role = new aws.iam.Role(
            `${name}-backup-role`,
            {
                name: bbwsName(env, "backup"),
                assumeRolePolicy: serviceAssumeRolePolicy("backup.amazonaws.com"),
            },
            { parent: this },
        );
        for (const policy of ["Backup", "Restores"]) {
            new aws.iam.RolePolicyAttachment(
                `${name}-backup-role-${policy.toLowerCase()}`,
                {
                    role: role.name,
                    policyArn: `arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyFor${policy}`,
                },
                { parent: this },
            );
        }
        return role;
    }

    /**
     * The vault, plan and selections; with `copyToVaultArn` (the DR vault) each recovery point is also
     * copied there. The tag selection takes premium tenants' file systems only: an enterprise tenant's
     * carries no `backupPlanTag` and is backed up by its own plan, into its own vault (`TenantStorage`).
     */
    private createBackups(
        name: string,
        args: StorageLayerArgs,
        fileSystem: aws.efs.FileSystem,
        role: aws.iam.Role,
        copyToVaultArn: pulumi.Output<string> | undefined,
    ): pulumi.Output<string> {
        const { env } = args;
        const { vault, plan } = backupVaultAndPlan(this, name, {
            vaultName: bbwsName(env, "backup-vault"),
            planName: bbwsName(env, "backup-plan"),
            keyArn: args.keyArn,
            retentionDays: args.storage.backupRetentionDays,
            copyToVaultArn,
            vaultOptions: statefulOptions(this, args.protection),
        });
        new aws.backup.Selection(
            `${name}-backup-selection`,
            {
                name: bbwsName(env, "backup"),
                planId: plan.id,
                iamRoleArn: role.arn,
                resources: [args.databaseClusterArn, fileSystem.arn],
            },
            selectionOptions(this),
        );
        if (args.tenants.some((t) => backedUpByEnvironmentTag(t.tier))) {
            const tag = backupPlanTag(env);
            new aws.backup.Selection(
                `${name}-backup-selection-tenant-efs`,
                {
                    name: bbwsName(env, "backup-tenant-efs"),
                    planId: plan.id,
                    iamRoleArn: role.arn,
                    // EFS file systems (a plan is regional: its own region's) AND the tag: "Resources" and
                    // "Conditions" combine like an IAM policy's (AWS Backup developer guide, "Assign resources
                    // with AWS CLI"), so nothing but a premium tenant's file system is selected. The role finds
                    // them by tag through AWSBackupServiceRolePolicyForBackup's `tag:GetResources`
                    // (GetResourcesPermissions: AWS Backup developer guide, "Managed policies for AWS Backup").
                    resources: [`arn:aws:elasticfilesystem:*:${args.accountId}:file-system/*`],
                    conditions: [{ stringEquals: [{ key: `aws:ResourceTag/${tag.key}`, value: tag.value }] }],
                },
                selectionOptions(this),
            );
        }
        return vault.name;
    }
}
