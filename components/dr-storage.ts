/**
 * The storage side of disaster recovery (issue 17), built by the storage layer (phase `storage`) when
 * `bbws:dr` is set: EFS replication to the DR region, the DR backup vault the daily plan copies to,
 * the media and migration buckets replicated (S3 Replication Time Control) to replicas in the DR
 * region, the DR region's access-log bucket for the standby load balancer, and ECR replication.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { DrConfig, ProtectionConfig } from "../src/config";
import { privateBucket } from "./buckets";
import { bbwsName, jsonOf, serviceAssumeRolePolicy, statefulOptions } from "./shared";

/** A source bucket to replicate: its name and ARN, its versioning (which replication must follow), and its part. */
export interface ReplicatedBucket {
    readonly part: string;
    readonly bucket: aws.s3.Bucket;
    readonly versioning: pulumi.Resource;
}

/** What the storage layer hands its DR side. */
export interface DrStorageArgs {
    readonly env: string;
    readonly accountId: string;
    /** The primary region: S3 decrypts source objects through its S3 endpoint there. */
    readonly region: string;
    readonly dr: DrConfig;
    readonly protection: ProtectionConfig;
    /** The primary data key (decrypts source objects) and the DR region's (encrypts replicas). */
    readonly keyArn: pulumi.Input<string>;
    readonly drKeyArn: pulumi.Input<string>;
    readonly fileSystemId: pulumi.Input<string>;
    /** The standby VPC's private subnets (one per `dr.network.azCount` AZ) and its `efs` group: where the standby's tasks mount the replica. */
    readonly standbyPrivateSubnetIds: pulumi.Input<string[]>;
    readonly standbyFileSystemSecurityGroupId: pulumi.Input<string>;
    readonly buckets: readonly ReplicatedBucket[];
    /** Days the DR vault keeps a copied recovery point: the primary's retention. */
    readonly backupRetentionDays: number;
    /** The repositories' lifecycle policy: the DR region's replicated repositories get the same. */
    readonly repositoryLifecyclePolicy: object;
}

/**
 * The minutes S3 Replication Time Control promises: 99.99 % of objects within 15 minutes (S3 user
 * guide, "Meeting compliance requirements with S3 Replication Time Control"); the only value the API
 * takes (`ReplicationTimeValue.Minutes`: 15).
 */
export const S3_RTC_MINUTES = 15;

/** The platform's repositories (`bbws/wordpress`, `bbws/migration`): the only ones ECR replication copies. */
export const ECR_REPLICATION_PREFIX = "bbws/";

/**
 * `bbws:storage:DrStorage` (`<storage layer>-dr`). The EFS replica is created by the replication
 * (read-only until a failover deletes the replication); the replica buckets, the DR vault and the
 * DR log bucket are in `dr.region`; the bucket replications, the replication role and the ECR
 * replication rule belong to the primary region (or to no region: IAM).
 */
export class DrStorage extends pulumi.ComponentResource {
    readonly fileSystemId: pulumi.Output<string>;
    readonly backupVaultName: pulumi.Output<string>;
    readonly backupVaultArn: pulumi.Output<string>;
    /** The replica of each source bucket, by its part (`tenant-assets`, `migration-artifacts`). */
    readonly replicaBucketNames: Readonly<Record<string, pulumi.Output<string>>>;
    /** Where the standby load balancer writes its access logs. */
    readonly logsBucketName: pulumi.Output<string>;

    constructor(name: string, args: DrStorageArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("bbws:storage:DrStorage", name, {}, opts);
        const { env, dr, protection } = args;
        const region = dr.region;

        // One replication per file system; its destination is a new read-only file system in `region`.
        const replication = new aws.efs.ReplicationConfiguration(
            `${name}-efs-replication`,
            { sourceFileSystemId: args.fileSystemId, destination: { region, kmsKeyId: args.drKeyArn } },
            statefulOptions(this, protection),
        );
        this.fileSystemId = replication.destination.fileSystemId;
        // A task reaches a file system only through a mount target in its VPC (EFS user guide, "Managing
        // mount targets"); the replica comes with none, so without these the standby's tasks could not
        // mount wp-content. One per standby AZ, in the private subnets the services run in, behind the
        // standby's `efs` group (2049 from its tasks only).
        const subnets = pulumi.output(args.standbyPrivateSubnetIds);
        for (let i = 0; i < dr.network.azCount; i++) {
            new aws.efs.MountTarget(
                `${name}-efs-mount-${i + 1}`,
                {
                    region,
                    fileSystemId: this.fileSystemId,
                    subnetId: subnets.apply((ids) => ids[i]),
                    securityGroups: [args.standbyFileSystemSecurityGroupId],
                },
                { parent: this },
            );
        }

        const vault = new aws.backup.Vault(
            `${name}-backup-vault`,
            { region, name: bbwsName(env, "backup-vault-dr"), kmsKeyArn: args.drKeyArn, tags: { Name: bbwsName(env, "backup-vault-dr") } },
            statefulOptions(this, protection),
        );
        this.backupVaultName = vault.name;
        this.backupVaultArn = vault.arn;

        const inDr = { env, accountId: args.accountId, protection, keyArn: args.drKeyArn, region };
        const elbAccount = aws.elb.getServiceAccountOutput({ region }, { parent: this });
        const logs = privateBucket(this, name, inDr, {
            part: "logs-dr",
            encryption: "s3",
            statements: (arn) => [
                {
                    Sid: "AllowLoadBalancerLogDelivery",
                    Effect: "Allow",
                    Principal: { AWS: elbAccount.arn, Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: [
                        pulumi.interpolate`${arn}/AWSLogs/${args.accountId}/*`,
                        pulumi.interpolate`${arn}/*/AWSLogs/${args.accountId}/*`,
                    ],
                },
            ],
        });
        this.logsBucketName = logs.bucket.bucket;

        const replicas = args.buckets.map((source) => ({
            source,
            replica: privateBucket(this, name, inDr, { part: `${source.part}-dr`, encryption: "kms" }),
        }));
        this.replicaBucketNames = Object.fromEntries(replicas.map(({ source, replica }) => [source.part, replica.bucket.bucket]));

        const role = new aws.iam.Role(
            `${name}-s3-replication-role`,
            { name: bbwsName(env, "s3-replication"), assumeRolePolicy: serviceAssumeRolePolicy("s3.amazonaws.com") },
            { parent: this },
        );
        new aws.iam.RolePolicy(
            `${name}-s3-replication-policy`,
            {
                role: role.id,
                policy: replicationRolePolicy({
                    sourceArns: args.buckets.map((b) => b.bucket.arn),
                    replicaArns: replicas.map((r) => r.replica.bucket.arn),
                    sourceKeyArn: args.keyArn,
                    replicaKeyArn: args.drKeyArn,
                    sourceRegion: args.region,
                    replicaRegion: region,
                }),
            },
            { parent: this },
        );
        for (const { source, replica } of replicas) {
            new aws.s3.BucketReplicationConfig(
                `${name}-${source.part}-replication`,
                {
                    bucket: source.bucket.id,
                    role: role.arn,
                    rules: [
                        {
                            id: "to-dr-region",
                            status: "Enabled",
                            filter: {},
                            deleteMarkerReplication: { status: "Enabled" },
                            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                            destination: {
                                bucket: replica.bucket.arn,
                                storageClass: "STANDARD",
                                encryptionConfiguration: { replicaKmsKeyId: args.drKeyArn },
                                replicationTime: { status: "Enabled", time: { minutes: S3_RTC_MINUTES } },
                                metrics: { status: "Enabled", eventThreshold: { minutes: S3_RTC_MINUTES } },
                            },
                        },
                    ],
                },
                // S3 refuses replication until versioning is on at both ends (terraform-provider-aws
                // s3_bucket_replication_configuration docs: `depends_on` the versioning of the source).
                { parent: this, dependsOn: [source.versioning, replica.versioning] },
            );
        }

        // Registry-level, so scoped: without a filter every repository of the account's registry would be
        // copied (ECR user guide, "Private image replication": repository filters; PREFIX_MATCH is the
        // only filter type, ECR API reference RepositoryFilter), not just the platform's.
        new aws.ecr.ReplicationConfiguration(
            `${name}-ecr-replication`,
            {
                replicationConfiguration: {
                    rules: [
                        {
                            destinations: [{ region, registryId: args.accountId }],
                            repositoryFilters: [{ filter: ECR_REPLICATION_PREFIX, filterType: "PREFIX_MATCH" }],
                        },
                    ],
                },
            },
            { parent: this },
        );

        // Replication creates the DR region's repositories on the first push, with these settings
        // (ECR user guide, "Repository creation templates"; prefix `bbws` covers `bbws/wordpress` and
        // `bbws/migration`). AES256, not the DR key: a template with a KMS key needs a custom role for
        // ECR to use it, which is not built yet (README, DR: what it does not cover).
        new aws.ecr.RepositoryCreationTemplate(
            `${name}-ecr-template`,
            {
                region,
                prefix: "bbws",
                appliedFors: ["REPLICATION"],
                description: "BBWS images replicated from the primary region",
                imageTagMutability: "IMMUTABLE",
                encryptionConfigurations: [{ encryptionType: "AES256" }],
                lifecyclePolicy: JSON.stringify(args.repositoryLifecyclePolicy),
            },
            { parent: this },
        );

        this.registerOutputs({
            fileSystemId: this.fileSystemId,
            backupVaultName: this.backupVaultName,
            replicaBucketNames: this.replicaBucketNames,
            logsBucketName: this.logsBucketName,
        });
    }
}

/** What the replication role's policy names. */
export interface ReplicationRoleScope {
    readonly sourceArns: pulumi.Input<string>[];
    readonly replicaArns: pulumi.Input<string>[];
    readonly sourceKeyArn: pulumi.Input<string>;
    readonly replicaKeyArn: pulumi.Input<string>;
    readonly sourceRegion: string;
    readonly replicaRegion: string;
}

/**
 * The S3 replication role's policy (S3 user guide, "Setting up permissions for live replication" and
 * "Replicating objects created with SSE-KMS"): read the sources' configuration and object versions,
 * replicate into the replicas, decrypt with the source key only through S3 in the source region and
 * encrypt with the replica key only through S3 in the DR region.
 */
export function replicationRolePolicy(scope: ReplicationRoleScope): pulumi.Output<string> {
    const objects = (arns: pulumi.Input<string>[]) => arns.map((arn) => pulumi.interpolate`${arn}/*`);
    return jsonOf({
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: scope.sourceArns },
            {
                Effect: "Allow",
                Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                Resource: objects(scope.sourceArns),
            },
            {
                Effect: "Allow",
                Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                Resource: objects(scope.replicaArns),
            },
            {
                Effect: "Allow",
                Action: "kms:Decrypt",
                Resource: scope.sourceKeyArn,
                Condition: { StringLike: { "kms:ViaService": `s3.${scope.sourceRegion}.amazonaws.com` } },
            },
            {
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:GenerateDataKey"],
                Resource: scope.replicaKeyArn,
                Condition: { StringLike: { "kms:ViaService": `s3.${scope.replicaRegion}.amazonaws.com` } },
            },
        ],
    });
}
