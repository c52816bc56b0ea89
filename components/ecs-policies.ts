/**
 * The ECS layer's IAM policy documents, one per purpose, as plain objects: the component serialises
 * them with `jsonOf` (shared.ts), and tests read them directly (tenant isolation is proved here).
 */
import * as pulumi from "@pulumi/pulumi";
import { tenantDbSecretName } from "./data";
import { tenantClusterIdentifier } from "./tenant-cluster";

type Arn = pulumi.Input<string>;

export interface PolicyStatement {
    readonly Sid: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action: string[];
    readonly Resource: Arn | Arn[];
    readonly Condition?: Record<string, Record<string, Arn | Arn[]>>;
}

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: PolicyStatement[];
}

const document = (...statements: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });

/** The S3 key prefix a tenant owns in the assets and migration buckets. */
export function tenantPrefix(tenantId: string): string {
    return `tenants/${tenantId}/`;
}

/**
 * The S3 key prefix of a tenant's offboarding archives in the migration bucket (`archive/<id>/`, then
 * one `<take>/` per take: automation/tenant/scripts.ts `archivePrefix`). The archive task runs with the tenant's task
 * role, so the role may write here; it may not delete or overwrite-by-delete, so an archive outlives the tenant.
 */
export function tenantArchivePrefix(tenantId: string): string {
    return `archive/${tenantId}/`;
}

/** What a task definition's execution role reaches in one region. */
export interface ExecutionResources {
    /** Repositories the task's images come from. */
    readonly repositoryArns: Arn[];
    /** Log groups the task's containers write to. */
    readonly logGroupArns: Arn[];
    /** The secrets referenced in the task's container `secrets`; none for a task without secrets. */
    readonly secretArns: Arn[];
    /** The data key the secrets are encrypted with. */
    readonly keyArn: Arn;
}

export interface ExecutionPolicyArgs extends ExecutionResources {
    /**
     * With `bbws:dr`: the same resources in the DR region, which the standby's copy of the task
     * definition (components/standby-ecs.ts) names with this same role. Absent: the document is the
     * primary's alone, statement for statement.
     */
    readonly standby?: ExecutionResources;
}

/**
 * What the ECS agent needs to start one task definition: pull, log, and resolve its own secrets, in
 * the primary region and, with `standby`, in the DR region too. One role for both regions: IAM is
 * global and ECS in any region assumes a role by its ARN, while a standby role per tenant would
 * double the roles that grow with tenants (1,000 per account: README "Where the single stack breaks").
 */
export function executionRolePolicy(args: ExecutionPolicyArgs): PolicyDocument {
    const { standby } = args;
    const statements: PolicyStatement[] = [
        // GetAuthorizationToken is account-wide: it has no resource to scope to.
        { Sid: "RegistryLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
        {
            Sid: "PullImages",
            Effect: "Allow",
            Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            Resource: [...args.repositoryArns, ...(standby?.repositoryArns ?? [])],
        },
        {
            Sid: "WriteLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: [...args.logGroupArns, ...(standby?.logGroupArns ?? [])].map(logStreams),
        },
    ];
    if (args.secretArns.length > 0) {
        statements.push(
            {
                Sid: "ReadTaskSecrets",
                Effect: "Allow",
                Action: ["secretsmanager:GetSecretValue"],
                Resource: [...args.secretArns, ...(standby?.secretArns ?? [])],
            },
            { Sid: "DecryptTaskSecrets", Effect: "Allow", Action: ["kms:Decrypt"], Resource: withStandby(args.keyArn, standby?.keyArn) },
        );
    }
    return document(...statements);
}

/** `primary` alone without a standby (the document unchanged), else both: one statement covers the two regions. */
function withStandby(primary: Arn, standby: Arn | undefined): Arn | Arn[] {
    return standby === undefined ? primary : [primary, standby];
}

export interface TenantTaskPolicyArgs {
    readonly tenantId: string;
    readonly assetsBucketArn: Arn;
    readonly fileSystemArn: Arn;
    /** The tenant's own access point: the only way its tasks may mount the file system. */
    readonly accessPointArn: Arn;
    /** The data key: encrypts the assets bucket and ECS Exec sessions. */
    readonly keyArn: Arn;
    /** Where ECS Exec writes session transcripts. */
    readonly sessionLogGroupArn: Arn;
    /**
     * Where `npm run task --stage` puts a run's files (`tenants/<id>/<run-id>/`): the tenant's one-off
     * task, which runs with this role, and its migration sidecar read and write the tenant's prefix.
     */
    readonly migrationBucketArn: Arn;
    /**
     * With `bbws:dr`: what the standby's copy of the service's task definition uses in the DR region
     * with this same role (one role for both regions, as `executionRolePolicy`). Absent: the document
     * is the primary's alone, statement for statement.
     */
    readonly standby?: TenantTaskStandby;
}

/** The DR region's counterparts of a tenant's task grants. */
export interface TenantTaskStandby {
    /** The replica buckets (`bbws-tenant-assets-dr-…`, `bbws-migration-artifacts-dr-…`): the tenant's prefixes there. */
    readonly assetsBucketArn: Arn;
    readonly migrationBucketArn: Arn;
    /**
     * The EFS replica. It has no access points (components/standby-ecs.ts `standbyVolumes`), so the
     * grant cannot be narrowed to one: the standby mounts the tenant's directory by path.
     */
    readonly fileSystemArn: Arn;
    /** The DR data key, which encrypts the replica buckets. */
    readonly keyArn: Arn;
}

/**
 * A tenant's task role, shared by its WordPress service and its one-off task: its own S3 prefixes, its
 * own access point, and ECS Exec. Nothing of another tenant, and nothing that grows with the tenant count.
 */
export function tenantTaskPolicy(args: TenantTaskPolicyArgs): PolicyDocument {
    const prefix = tenantPrefix(args.tenantId);
    const { standby } = args;
    const buckets = [
        { sid: "Assets", arn: args.assetsBucketArn, replica: standby?.assetsBucketArn },
        { sid: "MigrationArtifacts", arn: args.migrationBucketArn, replica: standby?.migrationBucketArn },
    ];
    return document(
        ...buckets.flatMap(({ sid, arn, replica }): PolicyStatement[] => [
            {
                Sid: `List${sid}`,
                Effect: "Allow",
                Action: ["s3:ListBucket"],
                Resource: withStandby(arn, replica),
                Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}*`] } },
            },
            {
                Sid: `ReadWrite${sid}`,
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                Resource: withStandby(objectsUnder(arn, prefix), replica && objectsUnder(replica, prefix)),
            },
        ]),
        // Offboarding's archive task (automation/tenant/steps.ts) uploads the dump and wp-content here with
        // this role; `aws s3 cp` needs only PutObject (a multipart upload is authorised by PutObject: S3 API
        // reference, CreateMultipartUpload "Permissions"), and GetObject to read each back and check its
        // SHA-256 before SHA256SUMS goes up. Listing lets the operator's check find the files.
        {
            Sid: "ListOwnArchive",
            Effect: "Allow",
            Action: ["s3:ListBucket"],
            Resource: args.migrationBucketArn,
            Condition: { StringLike: { "s3:prefix": [tenantArchivePrefix(args.tenantId), `${tenantArchivePrefix(args.tenantId)}*`] } },
        },
        {
            Sid: "WriteOwnArchive",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject"],
            Resource: objectsUnder(args.migrationBucketArn, tenantArchivePrefix(args.tenantId)),
        },
        {
            Sid: "MountOwnAccessPoint",
            Effect: "Allow",
            Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            Resource: args.fileSystemArn,
            Condition: { StringEquals: { "elasticfilesystem:AccessPointArn": args.accessPointArn } },
        },
        ...(standby
            ? [
                  {
                      Sid: "MountStandbyReplica",
                      Effect: "Allow" as const,
                      Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                      Resource: standby.fileSystemArn,
                  },
              ]
            : []),
        ...execStatements({ sessionLogGroupArn: args.sessionLogGroupArn, keyArns: withStandby(args.keyArn, standby?.keyArn) }),
    );
}

/** ECS Exec: the SSM channels (no resource to scope to), the session log, and the data keys (sessions, buckets). */
function execStatements(args: { sessionLogGroupArn: Arn; keyArns: Arn | Arn[] }): PolicyStatement[] {
    return [
        {
            Sid: "EcsExecChannels",
            Effect: "Allow",
            Action: [
                "ssmmessages:CreateControlChannel",
                "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel",
                "ssmmessages:OpenDataChannel",
            ],
            Resource: "*",
        },
        { Sid: "EcsExecFindLogGroup", Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: "*" },
        {
            Sid: "EcsExecSessionLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            Resource: logStreams(args.sessionLogGroupArn),
        },
        { Sid: "UseDataKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: args.keyArns },
    ];
}

/**
 * The ARN pattern of every tenant's database secret in one environment: the name
 * `bbws/<env>/tenants/<any id>/db` (`tenantDbSecretName` with `*` for the id), then `-??????`. Secrets Manager ends a secret's ARN
 * with `-` and six random characters (Secrets Manager user guide, "Permissions reference": "appending a
 * dash and six random alphanumeric characters"), and `-??????` matches exactly those six where `-*`
 * would also match any longer name that starts the same ("Limiting access to specific secrets").
 * One pattern, whatever the tenant count: IAM's 10,240 characters of inline policy per role (issue 21).
 */
export function tenantDbSecretsArnPattern(region: string, accountId: string, env: string): string {
    return `arn:aws:secretsmanager:${region}:${accountId}:secret:${tenantDbSecretName(env, "*")}-??????`;
}

/**
 * What the platform task may read of the enterprise tenants' own clusters in one environment: each one's
 * RDS-managed master secret and the tenant's key that encrypts it (components/tenant-cluster.ts), so that
 * onboarding's database step logs in there (automation/tenant/scripts.ts `USE_TENANT_CLUSTER`). Patterns and
 * conditions, never one ARN per tenant: the document stays within IAM's 10,240 characters per role whatever
 * the tenant count (issue 21), and onboarding an enterprise tenant changes no platform resource (its
 * `--tenant` rollout would otherwise be refused by the rollout's platform gate).
 */
export interface TenantClusterGrants {
    /**
     * `arn:aws:secretsmanager:<region>:<account>:secret:rds!cluster-*`: RDS names the secret it manages for a
     * cluster `rds!cluster-<id>` (Aurora user guide, "Password management with Amazon Aurora and AWS Secrets
     * Manager"; AWS managed policy reference, AmazonRDSServiceRolePolicy: RDS acts on `secret:rds!*` only).
     */
    readonly masterSecretsArnPattern: string;
    /**
     * `arn:aws:rds:<region>:<account>:cluster:bbws-tenant-*-aurora-<env>`, matched against the secret's
     * `aws:rds:primaryDBClusterArn` tag: RDS tags its secrets with the cluster's ARN (AmazonRDSServiceRolePolicy,
     * `secretsmanager:TagResource` of `aws:rds:primaryDBClusterArn`), and no one else can set or edit an `aws:` tag
     * (Secrets Manager API reference, TagResource: the `aws:` prefix is reserved for AWS use). The shared
     * cluster, `bbws-aurora-<env>`, does not match: its master secret stays with the execution role.
     */
    readonly clusterArnPattern: string;
    /** `arn:aws:kms:<region>:<account>:key/*`: a key is named by its id in `Resource`, never by its alias (KMS developer guide, "Use aliases to control access to KMS keys"). */
    readonly keysArnPattern: string;
    /** `alias/bbws-<env>-tenant-*`, matched against `kms:ResourceAliases`: the alias each tenant's key has (components/tenant-cluster.ts). */
    readonly keyAliasPattern: string;
    /** `secretsmanager.<region>.amazonaws.com` as `kms:ViaService`: the key decrypts only for Secrets Manager on the task's behalf (KMS developer guide, "kms:ViaService"). */
    readonly viaService: string;
}

/** The `TenantClusterGrants` of environment `env` in `region` of account `accountId`. */
export function tenantClusterGrants(region: string, accountId: string, env: string): TenantClusterGrants {
    return {
        masterSecretsArnPattern: `arn:aws:secretsmanager:${region}:${accountId}:secret:rds!cluster-*`,
        clusterArnPattern: `arn:aws:rds:${region}:${accountId}:cluster:${tenantClusterIdentifier(env, "*")}`,
        keysArnPattern: `arn:aws:kms:${region}:${accountId}:key/*`,
        keyAliasPattern: `alias/bbws-${env}-tenant-*`,
        viaService: `secretsmanager.${region}.amazonaws.com`,
    };
}

export interface PlatformTaskPolicyArgs {
    readonly migrationBucketArn: Arn;
    /** `tenantDbSecretsArnPattern`: the platform task reads whichever tenant's secret a run names. */
    readonly tenantDbSecretsArnPattern: string;
    readonly keyArn: Arn;
    /** `tenantClusterGrants`: the enterprise tenants' own clusters' master secrets and keys. */
    readonly tenantClusters: TenantClusterGrants;
}

/**
 * The platform one-off task's role (`bbws-migration-task-<env>`). It is an operator's tool that spans
 * tenants by design (a tenant's MySQL user is created with the master secret, which its execution role
 * resolves), which is why it is a separate task definition and never attached to a tenant's service.
 */
export function platformTaskPolicy(args: PlatformTaskPolicyArgs): PolicyDocument {
    return document(
        { Sid: "ListArtifacts", Effect: "Allow", Action: ["s3:ListBucket"], Resource: args.migrationBucketArn },
        {
            Sid: "ReadWriteArtifacts",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject"],
            Resource: objectsUnder(args.migrationBucketArn, ""),
        },
        {
            Sid: "ReadTenantDatabaseSecrets",
            Effect: "Allow",
            Action: ["secretsmanager:GetSecretValue"],
            Resource: args.tenantDbSecretsArnPattern,
        },
        { Sid: "UseDataKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: args.keyArn },
        {
            Sid: "ReadTenantClusterMasterSecrets",
            Effect: "Allow",
            Action: ["secretsmanager:GetSecretValue"],
            Resource: args.tenantClusters.masterSecretsArnPattern,
            Condition: { StringLike: { "secretsmanager:ResourceTag/aws:rds:primaryDBClusterArn": args.tenantClusters.clusterArnPattern } },
        },
        {
            // Decrypt only: the task reads those secrets and writes none.
            Sid: "DecryptTenantClusterMasterSecrets",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: args.tenantClusters.keysArnPattern,
            Condition: {
                "ForAnyValue:StringLike": { "kms:ResourceAliases": args.tenantClusters.keyAliasPattern },
                StringEquals: { "kms:ViaService": args.tenantClusters.viaService },
            },
        },
    );
}

function objectsUnder(bucketArn: Arn, prefix: string): Arn {
    return pulumi.interpolate`${bucketArn}/${prefix}*`;
}

function logStreams(logGroupArn: Arn): Arn {
    return pulumi.interpolate`${logGroupArn}:*`;
}
