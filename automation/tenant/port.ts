/**
 * Everything onboarding and offboarding reach outside the process through, as one interface: the
 * steps (steps.ts) are tested against a fake of it, `--rehearse` gives them doubles, and the real
 * implementation (real-port.ts) wires the rollout, the one-off task runner, ELB and S3.
 */
import type { PhaseName } from "../../src/phases";
import type { TenantTier } from "../../src/tiers";
import type { Approval } from "../ledger";
import type { TaskCommand } from "./scripts";

/** Cancels the work in flight (the first Ctrl-C), and what a second signal must print before exiting (the rollout and the task runner set it). */
export interface Cancellation {
    readonly signal?: AbortSignal;
    readonly inFlight?: { lastWords?: () => string };
}

/** A `--tenant` rollout: only the tenant's resources, phase by phase, through the rollout's gates, approvals and ledger. */
export interface TenantRolloutRequest {
    readonly env: string;
    readonly tenant: string;
    readonly approvals: readonly Approval[];
    /** Apply without asking where no role must approve (the rollout's `--yes`). */
    readonly yes: boolean;
    /**
     * The tenant's own stateful resources (its EFS access point, its secrets) may be deleted: set only
     * by offboarding, after the operator confirmed by typing the tenant's id.
     */
    readonly allowStatefulDeletes: boolean;
    /**
     * Roll out this phase of the platform instead of the tenant's resources (`--phase <phase>`, no
     * `--tenant`): offboarding's `media` step applies the assets bucket's lifecycle rule that expires
     * the retired tenant's media, a platform resource no `--tenant` rollout selects.
     */
    readonly platformPhase?: PhaseName;
    /** Only this phase of the tenant's resources (`--phase <phase> --tenant <id>`); all its phases when absent. */
    readonly phase?: PhaseName;
    /**
     * The tenant's tier migration instead (`--phase all --migrate-tier <id>`, no `--tenant`: an environment's
     * first premium tenant needs platform resources created with it), with `--allow-replace` for exactly these URNs.
     */
    readonly migrateTier?: { readonly allowReplace: readonly string[] };
}

/** A one-off Fargate task (issue 15): the platform's (master database user) or one tenant's (its user, files, secrets). */
export interface OneOffTaskRequest {
    readonly env: string;
    /** `platform`, or the tenant whose task definition runs. */
    readonly scope: { readonly kind: "platform" } | { readonly kind: "tenant"; readonly tenant: string };
    readonly command: TaskCommand;
    /** What the task is for, in the operator's words (ledger and progress lines). */
    readonly purpose: string;
}

/** How a one-off task ended. */
export interface OneOffTaskResult {
    /** The container's exit code; undefined when it never started (see `stoppedReason`). */
    readonly exitCode?: number;
    readonly taskArn?: string;
    /** ECS's reason when the task stopped without the container exiting (image pull, capacity, …). */
    readonly stoppedReason?: string;
}

/** The stack outputs a tenant's steps read (src/program.ts). */
export interface TenantStackOutputs {
    /** `storage.migrationBucketName`: where archives go. */
    readonly migrationBucket: string;
    /** `database.tenantSecretArns[id]`: the tenant's database credentials; absent before its database phase. */
    readonly tenantSecretArn?: string;
    /** `database.tenantClusters[id]`: an enterprise tenant's own Aurora cluster; absent for other tiers and before its database phase. */
    readonly tenantCluster?: TenantClusterOutputs;
    /** `ecs.targetGroupArns[id]`: the tenant's target group; absent before its ecs phase. */
    readonly targetGroupArn?: string;
    /** The tier it is deployed at (rollout.ts `deployedTiersOf`: `network.tenantTiers[id]`); absent when it is not deployed. */
    readonly deployedTier?: TenantTier;
    /** `ecs.customDomains[id]`: its custom domains as the ECS layer reports them (components/tenant-domains.ts); empty when none. */
    readonly customDomains: readonly CustomDomainReport[];
}

/** An enterprise tenant's own cluster, as the stack output `database.tenantClusters[id]` has it (src/program.ts, components/tenant-cluster.ts). */
export interface TenantClusterOutputs {
    /** `bbws-tenant-<id>-aurora-<env>`. */
    readonly clusterIdentifier: string;
    /** Its writer's DNS name (port as the environment's cluster: the same `bbws:database`). */
    readonly writerEndpoint: string;
    /** Its RDS-managed master secret, `rds!cluster-…` (JSON with `username` and `password`), encrypted with `keyArn`. */
    readonly masterSecretArn: string;
    /** The tenant's own KMS key (alias `alias/bbws-<env>-tenant-<id>`). */
    readonly keyArn: string;
    readonly rotationFunctionName: string;
}

/** One custom domain in the stack output `ecs.customDomains[id]` (components/tenant-domains.ts `CustomDomainStatus`, resolved). */
export interface CustomDomainReport {
    readonly name: string;
    /** `ours`: the rollout keeps its records in our Route 53 zone; `owner`: the owner creates them. */
    readonly dns: string;
    /** `pending` or `issued` (owner's zone), `validated-by-rollout` (ours). */
    readonly certificate: string;
    /** Whether the listener rule names it yet. */
    readonly served: boolean;
    readonly certificateArn?: string;
    /** The CNAME ACM checks: the owner creates it (and keeps it, for renewals). */
    readonly validationRecord?: { readonly name: string; readonly type: string; readonly value: string };
    /** The load balancer's DNS name the owner points the domain at. */
    readonly target?: string;
}

/** An object of an archive, as S3 reports it (HeadObject with checksum mode). */
export interface ArchiveObject {
    readonly key: string;
    /** Bytes. */
    readonly size: number;
    /** S3's CRC64NVME of the object, base64 (HeadObject `ChecksumCRC64NVME`); absent when it was uploaded without one. */
    readonly checksumCrc64nvme?: string;
    /** HeadObject `ChecksumType`: `FULL_OBJECT` is a checksum of the whole object; `COMPOSITE` one of a multipart upload's parts. */
    readonly checksumType?: string;
}

/** The targets of a target group once they are all healthy (or the wait gave up: `TargetsNotHealthyError`). */
export interface TargetHealth {
    readonly healthy: number;
    readonly total: number;
}

/**
 * A tenant's service while it stops, as ECS reports it: DescribeServices' counts and deployments, and
 * the tasks ListTasks finds for the service (desired status RUNNING or STOPPED) with DescribeTasks' statuses.
 */
export interface ServiceStopState {
    readonly desiredCount: number;
    /** Tasks in the RUNNING state (ECS API reference, Service `runningCount`). */
    readonly runningCount: number;
    /** Tasks in the PENDING state (Service `pendingCount`). */
    readonly pendingCount: number;
    readonly deployments: ReadonlyArray<{
        readonly id: string;
        readonly runningCount: number;
        readonly pendingCount: number;
        readonly rolloutState?: string;
    }>;
    /** The service's tasks ECS still lists, with their `lastStatus` (a task is gone only once STOPPED). */
    readonly tasks: readonly ListedTask[];
    /**
     * The tenant's one-off tasks ECS still lists (ListTasks `family` of its one-off task definition): an
     * `npm run task` or a detached archive may still run and write to its wp-content and schema, outside the service.
     */
    readonly oneOffTasks: readonly ListedTask[];
}

/** A task as ListTasks and DescribeTasks report it. */
export interface ListedTask {
    readonly taskArn: string;
    readonly lastStatus: string;
    readonly desiredStatus: string;
}

/** How a stopped service was found: `none` when the stack has no service for the tenant (its ecs phase never ran). */
export interface ServiceStopped {
    readonly service: string;
    /** Tasks seen stopping since the wait began (0 when it was stopped already). */
    readonly waitedForTasks: number;
}

/** A tenant's database secret to point at its own cluster (`TenantPort.repointDatabaseSecret`). */
export interface RepointDatabaseSecretRequest {
    readonly env: string;
    /** The secret `bbws/<env>/tenants/<id>/db` (stack output `database.tenantSecretArns[id]`). */
    readonly secretArn: string;
    /** The tenant's own cluster's writer endpoint (`database.tenantClusters[id].writerEndpoint`). */
    readonly host: string;
    /** That cluster's RDS-managed master secret (`database.tenantClusters[id].masterSecretArn`): the secret's new `masterarn`. */
    readonly masterSecretArn: string;
    /** The canonical MySQL user `wp_<id>` (src/config.ts `tenantDatabaseName`), which the secret names afterwards. */
    readonly username: string;
    /** PutSecretValue's ClientRequestToken, 32–64 characters (secret-repoint.ts `repointToken`): the same for a re-run. */
    readonly token: string;
}

/** How the repoint went. */
export interface RepointDatabaseSecretResult {
    /** The AWSCURRENT version afterwards: the new one (its id is the token), or the one that already pointed there. */
    readonly versionId: string;
    /** The host AWSCURRENT named before (the shared cluster's writer; the target itself when `alreadyRepointed`). */
    readonly previousHost: string;
    /** AWSCURRENT already named `host` and `masterSecretArn`: nothing was written. */
    readonly alreadyRepointed: boolean;
    /**
     * The new version holds a fresh password (40 letters and digits, never the one before): true
     * whenever a version was written, false when `alreadyRepointed`. The password itself is never returned.
     */
    readonly passwordReplaced: boolean;
}

/** Whether a rotation of a secret is half done (`TenantPort.databaseSecretRotation`). */
export interface DatabaseSecretRotation {
    /** secret-repoint.ts `rotationInProgress`'s sentence naming the AWSPENDING version; absent when no rotation is pending. */
    readonly pending?: string;
}

/** What the tenant command needs of the world. Each method throws a `BbwsError` for an expected failure. */
export interface TenantPort {
    /** The URNs of the tenant's resources in the stack's state (under its per-phase components): what offboarding deletes. */
    tenantResources(env: string, tenant: string): Promise<string[]>;
    /** Rolls out the tenant's resources (`npm run rollout -- --env <env> --tenant <id>`); returns the rollout's exit code. */
    rolloutTenant(request: TenantRolloutRequest): Promise<number>;
    /** Runs a one-off task to its end, streaming its log (issue 15). */
    runTask(request: OneOffTaskRequest): Promise<OneOffTaskResult>;
    /** The stack outputs the steps read, for tenant `tenant`. */
    stackOutputs(env: string, tenant: string): Promise<TenantStackOutputs>;
    /** Waits until every registered target of the group is healthy and there is at least one; `timeoutMs` at most. */
    waitForHealthyTargets(targetGroupArn: string, timeoutMs: number): Promise<TargetHealth>;
    /**
     * Waits until the tenant's service runs nothing: desired, running and pending counts 0, no deployment
     * with a running or pending task, and every task ECS lists for it STOPPED (`serviceStopProblems`);
     * `timeoutMs` at most, then a `BbwsError` `service-not-stopped` naming what still runs.
     */
    waitForServiceStopped(env: string, tenant: string, timeoutMs: number): Promise<ServiceStopped>;
    /** GETs `url` without following redirects; the status code. */
    httpGet(url: string): Promise<number>;
    /** The objects under `s3://bucket/prefix`, with their CRC64NVME checksums. */
    listArchive(bucket: string, prefix: string): Promise<ArchiveObject[]>;
    /** An object's text (the archive's SHA256SUMS). */
    readText(bucket: string, key: string): Promise<string>;
    /**
     * Commits the edited stack file alone (`git commit -- <file>`), so the rollout's clean-commit
     * check passes and its ledger records the commit that holds the change; returns the commit.
     */
    commitStackFile(file: string, message: string): Promise<string | undefined>;
    /**
     * Points the tenant's database secret at its own cluster after a migration into `enterprise`
     * (Pulumi ignores the secret's value once rotation owns it, so the rollout leaves it naming the
     * shared cluster). Reads DescribeSecret and refuses with `rotation-in-progress` (EXIT.failed, a fix
     * saying how to let it finish or cancel it) when a version is AWSPENDING without being AWSCURRENT;
     * reads AWSCURRENT (GetSecretValue); when it names `host` and `masterSecretArn` already, answers
     * `alreadyRepointed` with that version, asks for no password and writes nothing; otherwise asks for a
     * fresh password (GetRandomPassword: PasswordLength 40, ExcludePunctuation, no IncludeSpace,
     * RequireEachIncludedType) and writes PutSecretValue of the same JSON with `host`, `masterarn`,
     * `username` and `password` replaced (dbname, port, engine kept), with ClientRequestToken `token` and
     * VersionStages ["AWSCURRENT"]: Secrets Manager moves AWSCURRENT to the new version and AWSPREVIOUS to
     * the one it left; the answer says `passwordReplaced`. A value without the rotation function's fields
     * is `secret-value-invalid`; a token that already names a version with another value is
     * `repoint-token-used`. The password is never logged, nor put in an error or the answer.
     * (secret-repoint.ts `repointWith`, which both implementations run.)
     */
    repointDatabaseSecret(request: RepointDatabaseSecretRequest): Promise<RepointDatabaseSecretResult>;
    /**
     * Whether a rotation of secret `secretArn` is half done, read before anything stops the tenant (a
     * tier migration refuses then, rather than after its downtime at `repointDatabaseSecret`):
     * DescribeSecret's `VersionIdsToStages`, and `pending` set to secret-repoint.ts
     * `rotationInProgress`'s sentence when a version is AWSPENDING without being AWSCURRENT. Reads only.
     */
    databaseSecretRotation(secretArn: string): Promise<DatabaseSecretRotation>;
}
