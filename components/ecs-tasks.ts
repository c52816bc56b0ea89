/**
 * What the ECS layer and its tenants' services (components/tenant-service.ts) share: the layer's
 * arguments, the containers' settings and environment, the one-off tasks' contract, target group
 * names, and the log groups and task roles both create.
 */
import type { TenantVpcOutputs } from "./tenant-vpc";
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { CapacityProvider, EcsConfig, ProtectionConfig, TenantConfig } from "../src/config";
import { ImageKind, MIGRATION_TASK_ARCHITECTURE, WORDPRESS_SALT_KEYS, WP_CONTENT_PATH } from "../src/images";
import { REDIS_PORT } from "./data";
import { jsonOf, serviceAssumeRolePolicy } from "./shared";
import type { PolicyDocument } from "./ecs-policies";

export type In<T> = pulumi.Input<T>;

/** A cache user's credentials: the secret's JSON has `username` and `password` (components/cache-users.ts). */
export interface CacheSecret {
    readonly username: string;
    readonly secretArn: In<string>;
}

export interface TenantDatabaseSecret {
    /**
     * The secret `bbws/<env>/tenants/<id>/db`; its JSON has password, username, dbname, host and port.
     * Rotation alternates `username` (`wp_<id>`, `wp_<id>_clone`): containers read both from the secret.
     */
    readonly arn: In<string>;
    /** The first user, `wp_<id>`. */
    readonly username: string;
    readonly database: string;
    /** The tenant's own cache user, limited to its key prefix. */
    readonly cache: CacheSecret;
    /**
     * An enterprise tenant's own cluster (components/tenant-cluster.ts): the writer and port its WordPress and
     * one-off tasks connect to, as its secret's `host` and `port` say; absent: the environment's cluster.
     */
    readonly server?: { readonly host: In<string>; readonly port: In<number> };
}

export interface AccessPoint {
    readonly id: In<string>;
    readonly arn: In<string>;
    /**
     * The file system the access point is on: a premium tenant's own (its VPC's; Fargate mounts only a
     * file system of its own VPC), absent for a basic tenant's, which is on the shared `fileSystemId`.
     */
    readonly fileSystemId?: In<string>;
}

export interface Bucket {
    readonly name: In<string>;
    readonly arn: In<string>;
}

export interface Repository {
    /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`; task definitions name `<repositoryUrl>:<tag>`. */
    readonly repositoryUrl: In<string>;
    readonly arn: In<string>;
}

export interface EcsLayerArgs {
    /** Each premium tenant's own VPC, by tenant id (the network layer's `tenantVpcs`); basic tenants have none. */
    readonly tenantVpcs: Readonly<Record<string, TenantVpcOutputs>>;
    readonly env: string;
    readonly region: string;
    readonly accountId: string;
    /** The environment's domain: tenants are served at `<id>.<domain>` from its hosted zone. */
    readonly domain: string;
    readonly ecs: EcsConfig;
    readonly tenants: readonly TenantConfig[];
    readonly protection: ProtectionConfig;

    // From the network layer.
    readonly vpcId: In<string>;
    /** The load balancer's subnets. */
    readonly publicSubnetIds: In<string[]>;
    /** The tasks' subnets (no public IPs). */
    readonly privateSubnetIds: In<string[]>;
    readonly loadBalancerSecurityGroupId: In<string>;
    /** Each tenant's task security group, by tenant id: its service's tasks and its one-off tasks run in it. */
    readonly tenantSecurityGroupIds: Readonly<Record<string, In<string>>>;
    /** The platform one-off task's group, which the database and cache groups admit. */
    readonly platformTaskSecurityGroupId: In<string>;

    // From the data layer.
    /** The data key: encrypts logs, secrets and ECS Exec sessions. */
    readonly keyArn: In<string>;
    readonly dbWriterEndpoint: In<string>;
    readonly dbPort: In<number>;
    /** The RDS-managed secret of the master user (JSON with `username` and `password`): the platform task's login. */
    readonly masterSecretArn: In<string>;
    readonly redisPrimaryEndpoint: In<string>;
    /** The platform one-off task's cache user. */
    readonly platformCache: CacheSecret;
    readonly tenantDbSecrets: Readonly<Record<string, TenantDatabaseSecret>>;
    /** Days between rotations of the tenants' database secrets (`database.rotationDays`): services are redeployed in between. */
    readonly dbRotationDays: number;

    // From the storage layer.
    readonly fileSystemId: In<string>;
    readonly accessPoints: Readonly<Record<string, AccessPoint>>;
    /** WordPress media: each tenant owns `tenants/<id>/`. */
    readonly assetsBucket: Bucket;
    /** Scripts and dumps staged for migrations: each tenant's sidecar owns `tenants/<id>/`. */
    readonly migrationBucket: Bucket;
    /** Receives the load balancer's access logs. */
    readonly logsBucketName: In<string>;
    /** `bbws/wordpress` and `bbws/migration`; the images must be pushed before this layer is applied. */
    readonly registry: Readonly<Record<ImageKind, Repository>>;
}

/** EFS access points with IAM authorisation and the ECS Exec agent both need Fargate 1.4.0. */
export const FARGATE_PLATFORM_VERSION = "1.4.0";

/** TLS 1.3 with TLS 1.2 as the floor. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** The WordPress keys and salts (src/images.ts): their names, what each task's `WORDPRESS_<key>` secret reads. */
export { WORDPRESS_SALT_KEYS };

/** Where a tenant's EFS access point is mounted in both of its containers. */
export { WP_CONTENT_PATH };

/**
 * Where the bbws/wordpress and bbws/migration images keep the RDS CA bundle
 * (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem), which signs the certificate of
 * every Aurora endpoint (RDS user guide, "Using SSL/TLS to encrypt a connection to a DB cluster").
 */
export const RDS_CA_BUNDLE_PATH = "/opt/bbws/rds-global-bundle.pem";

/**
 * PHP that makes WordPress (and wp-cli) connect to Aurora over TLS and check the server's certificate
 * and name. `wpdb::db_connect` hands `MYSQL_CLIENT_FLAGS` to `mysqli_real_connect` and sets no CA, so
 * mysqlnd checks the server against PHP's `openssl.cafile`, which the image points at a bundle holding
 * {@link RDS_CA_BUNDLE_PATH}. `MYSQLI_CLIENT_SSL` alone would encrypt without checking anything:
 * mysqlnd verifies only when given a CA or `MYSQLI_CLIENT_SSL_VERIFY_SERVER_CERT`
 * (php-src `ext/mysqlnd/mysqlnd_vio.c`, `enable_ssl`).
 */
export const DB_TLS_PHP = "define('MYSQL_CLIENT_FLAGS', MYSQLI_CLIENT_SSL | MYSQLI_CLIENT_SSL_VERIFY_SERVER_CERT);";

/**
 * The longest a tenant's object-cache key lives, in seconds (`WP_REDIS_MAXTTL`): one day. The redis-cache
 * drop-in stores a key WordPress gives no expiry (most of them) with none at all, unless this constant is
 * defined, when `validate_expiration` caps every expiry, none included, at it (rhubarbgroup/redis-cache
 * includes/object-cache.php, read at e3c18baadbbb14649479f7edcbd02a6c21c79886). It matters here because a
 * tenant cannot flush its own keys: the drop-in's `flush()` and `flush_group()` walk the prefix with SCAN
 * inside a Lua script, and the tenant's cache user may not run SCAN (components/cache-users.ts). So a stale
 * entry lives at most this long; an operator flushes sooner with the purge task (README "Cache isolation").
 */
export const OBJECT_CACHE_MAX_TTL_SECONDS = 86_400;

/**
 * The Redis Object Cache plugin's settings (rhubarbgroup/redis-cache) that the platform sets, by the
 * PHP constant its drop-in reads, with the PHP cast of the value. The drop-in reads constants, not
 * the environment: `build_parameters` in includes/object-cache.php takes scheme, host, port, password
 * (and path, database, time-outs) from `WP_REDIS_<SETTING>` with `constant()`; only `WP_REDIS_PREFIX`
 * (and `WP_REDIS_SELECTIVE_FLUSH`) are also taken from `getenv` (`wp_cache_init`). So each travels as an
 * environment variable of the same name (the password as a secret), and {@link WORDPRESS_CONFIG_EXTRA_ENV}
 * defines the constant from it, by the PHP expression here. The password is the ACL form the plugin's
 * README documents ("Connecting using ACL authentication": `define('WP_REDIS_PASSWORD', ['username',
 * 'password'])`), which phpredis's `auth()` and Predis both take, so the tenant authenticates as its own
 * cache user (components/cache-users.ts); `WP_REDIS_USERNAME` is only the variable it is built from.
 */
export const REDIS_CACHE_CONSTANTS = {
    WP_REDIS_HOST: "getenv('WP_REDIS_HOST')",
    WP_REDIS_PORT: "(int) getenv('WP_REDIS_PORT')",
    WP_REDIS_SCHEME: "getenv('WP_REDIS_SCHEME')",
    WP_REDIS_PASSWORD: "[getenv('WP_REDIS_USERNAME'), getenv('WP_REDIS_PASSWORD')]",
    WP_REDIS_PREFIX: "getenv('WP_REDIS_PREFIX')",
    WP_REDIS_MAXTTL: "(int) getenv('WP_REDIS_MAXTTL')",
} as const;

/**
 * The one `WORDPRESS_CONFIG_EXTRA`, which the official image's wp-config.php evals
 * (docker-library/wordpress `wp-config-docker.php`): {@link DB_TLS_PHP}, then a `define` of each
 * Redis constant from the environment variable of the same name, so the AUTH token stays a secret the
 * task reads at start and is never written into the task definition.
 */
export const WORDPRESS_CONFIG_EXTRA_ENV = [
    {
        name: "WORDPRESS_CONFIG_EXTRA",
        value: [DB_TLS_PHP, ...Object.entries(REDIS_CACHE_CONSTANTS).map(([name, value]) => `define('${name}', ${value});`)].join("\n"),
    },
] as const;

/**
 * Environment the bbws/migration image writes into the `[client]` options of its MySQL 8 client
 * (`mysql`, `mysqldump`): `ssl-mode=VERIFY_IDENTITY` with `ssl-ca`, the certificate and the
 * endpoint's name both checked (Aurora user guide, "TLS connections to Aurora MySQL DB clusters").
 */
export const MYSQL_CLIENT_TLS_ENV = [
    { name: "DB_SSL_MODE", value: "VERIFY_IDENTITY" },
    { name: "DB_SSL_CA", value: RDS_CA_BUNDLE_PATH },
] as const;

/**
 * A path a container writes to although its root filesystem is read-only: a task volume with no
 * `host`, which on Fargate is an ephemeral bind mount removed with the task, mounted at `containerPath`
 * (ECS developer guide, "Use bind mounts with Amazon ECS"). ECS creates it owned by root with mode 0755
 * unless the image declares `VOLUME` at that exact path, whose contents and permissions are then
 * copied in (same page): the image contract (README, "The WordPress image contract") asks for 1777,
 * so a container running as any uid can write there.
 */
export interface ScratchPath {
    /** The task volume's name; containers of one task that mount the same path share it. */
    readonly volume: string;
    readonly containerPath: string;
}

/**
 * What WordPress under Apache writes besides wp-content: PHP sessions and uploads in progress in
 * `/tmp` (PHP's `session.save_path` and `upload_tmp_dir` default to the system temp directory), and
 * Apache's pid file and mutex in `APACHE_RUN_DIR` and `APACHE_LOCK_DIR` (Debian's `/etc/apache2/envvars`,
 * which the official php:apache image keeps and creates with mode 1777 for arbitrary users).
 */
export const WORDPRESS_SCRATCH_PATHS: readonly ScratchPath[] = [
    { volume: "tmp", containerPath: "/tmp" },
    { volume: "apache-run", containerPath: "/var/run/apache2" },
    { volume: "apache-lock", containerPath: "/var/lock/apache2" },
];

/** What the bbws/migration image writes: its clients' option file, wp-cli's cache and dumps in progress, all under `HOME=/tmp`. */
export const MIGRATION_SCRATCH_PATHS: readonly ScratchPath[] = [{ volume: "tmp", containerPath: "/tmp" }];

/**
 * Where the ECS Exec agent writes, mounted only in tasks with ECS Exec on. AWS does not support ECS
 * Exec with a read-only root filesystem (ECS developer guide, "Monitor Amazon ECS containers with ECS
 * Exec", considerations: the SSM agent must create directories and files); aws/containers-roadmap#1359
 * and aws-containers/amazon-ecs-exec-checker#71 report that these three paths as writable volumes make
 * it work. Not tried here (no AWS account): README, "The WordPress image contract".
 */
export const ECS_EXEC_SCRATCH_PATHS: readonly ScratchPath[] = [
    { volume: "ecs-exec-agents", containerPath: "/managed-agents" },
    { volume: "ecs-exec-ssm-state", containerPath: "/var/lib/amazon/ssm" },
    { volume: "ecs-exec-ssm-logs", containerPath: "/var/log/amazon/ssm" },
];

/** A container's `user`: `<uid>:<gid>`, numeric, so the image needs no passwd entry for it and ECS.20 can see it is not root. */
export function containerUser(posixId: number): string {
    return `${posixId}:${posixId}`;
}

/** A mount point as ECS takes it. */
export interface MountPoint {
    readonly sourceVolume: string;
    readonly containerPath: string;
    readonly readOnly: boolean;
}

/**
 * The settings every container of the platform shares, spread into its definition: a non-root
 * numeric `user`, a read-only root filesystem, every Linux capability dropped (a process on a port
 * of 1024 or more needs none), not privileged, an init process (it reaps the ECS Exec agent's
 * children and passes StopTask's SIGTERM on), and a mount for each scratch path after `mounts`.
 * Fargate accepts nothing stronger: `dockerSecurityOptions` (where `no-new-privileges` lives) is not
 * valid on Fargate, and `capabilities.add` takes only `SYS_PTRACE` there (ECS API reference,
 * ContainerDefinition and KernelCapabilities); `automation/aws-model.ts` refuses both.
 */
export function hardenedContainer(user: string, scratch: readonly ScratchPath[], mounts: readonly MountPoint[] = []) {
    return {
        user,
        privileged: false,
        readonlyRootFilesystem: true,
        linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
        mountPoints: [...mounts, ...scratch.map((p) => ({ sourceVolume: p.volume, containerPath: p.containerPath, readOnly: false }))],
    };
}

/** The task volumes (no `host`: ephemeral bind mounts) behind `scratch`, one per volume name, in first-seen order. */
export function scratchVolumes(scratch: readonly ScratchPath[]): { name: string }[] {
    return [...new Set(scratch.map((p) => p.volume))].map((name) => ({ name }));
}

/** Size of every one-off task (platform and tenant): enough for mysqldump and wp-cli on a large site. */
export const MIGRATION_TASK_SIZE = { cpu: 1024, memory: 2048 } as const;

/** What every one-off task definition (platform and tenant) shares: Fargate, awsvpc, its size and platform. */
export const ONE_OFF_TASK_SHAPE = {
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    cpu: String(MIGRATION_TASK_SIZE.cpu),
    memory: String(MIGRATION_TASK_SIZE.memory),
    runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: MIGRATION_TASK_ARCHITECTURE },
};

/** The container of every one-off task, the one `npm run task` overrides (`command`, environment). */
export const ONE_OFF_CONTAINER_NAME = "migration";

/**
 * The awslogs stream prefix of every one-off task: its stream is `one-off/migration/<task id>`
 * (ECS developer guide, "Using the awslogs log driver": `prefix-name/container-name/ecs-task-id`), apart
 * from the `wordpress/…` and sidecar `migration/…` streams in the same tenant log group.
 */
export const ONE_OFF_LOG_STREAM_PREFIX = "one-off";

/**
 * Environment the bbws/migration image's clients read: `mysql`/`mysqldump` (host, port and the TLS
 * settings of {@link MYSQL_CLIENT_TLS_ENV}) and `redis-cli` (host, port, and `REDIS_SCHEME=tls`: the
 * replication group refuses plain connections, so the image passes `--tls`). Users and passwords are
 * added by each task as `secrets` ({@link cacheClientSecrets}).
 */
export function clientEnvironment(db: { host: In<string>; port: In<number> }, redisHost: In<string>) {
    return [
        { name: "DB_HOST", value: db.host },
        { name: "DB_PORT", value: pulumi.interpolate`${db.port}` },
        ...MYSQL_CLIENT_TLS_ENV,
        { name: "REDIS_HOST", value: redisHost },
        { name: "REDIS_PORT", value: String(REDIS_PORT) },
        { name: "REDIS_SCHEME", value: "tls" },
    ];
}

/**
 * The `secrets` that give `redis-cli` (and wp-cli's drop-in) a cache user: `REDIS_USERNAME` and
 * `REDIS_PASSWORD` (the image passes `--user "$REDIS_USERNAME"` with `REDISCLI_AUTH`), and with
 * `wordpress`, `WP_REDIS_USERNAME`/`WP_REDIS_PASSWORD` for {@link REDIS_CACHE_CONSTANTS}, all from the
 * user's secret.
 */
export function cacheClientSecrets(cache: CacheSecret, which: { cli: boolean; wordpress: boolean }) {
    const username = pulumi.interpolate`${cache.secretArn}:username::`;
    const password = pulumi.interpolate`${cache.secretArn}:password::`;
    return [
        ...(which.wordpress
            ? [
                  { name: "WP_REDIS_USERNAME", valueFrom: username },
                  { name: "WP_REDIS_PASSWORD", valueFrom: password },
              ]
            : []),
        ...(which.cli
            ? [
                  { name: "REDIS_USERNAME", valueFrom: username },
                  { name: "REDIS_PASSWORD", valueFrom: password },
              ]
            : []),
    ];
}

/**
 * What `npm run task` needs to run one one-off task (the stack output `ecs.oneOffTasks`, issue 15's
 * contract): `RunTask` with this task definition in the private subnets with these groups and no
 * public IP, then the log stream `<logStreamPrefix>/<containerName>/<task id>` in `logGroupName`.
 */
export interface OneOffTask {
    /** `arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>`, the revision this rollout registered. */
    readonly taskDefinitionArn: pulumi.Output<string>;
    /** The container to override: {@link ONE_OFF_CONTAINER_NAME}. */
    readonly containerName: string;
    /** Groups the database, cache (and for a tenant, file-system) groups admit. */
    readonly securityGroupIds: pulumi.Output<string>[];
    /**
     * A premium tenant's task runs here, its own VPC's private subnets, where its group and file system
     * are: RunTask's security groups must be of the subnets' VPC (ECS API reference, AwsVpcConfiguration).
     * Absent: {@link OneOffTasks.subnetIds}, the environment's.
     */
    readonly subnetIds?: pulumi.Output<string[]>;
    readonly logGroupName: pulumi.Output<string>;
    /** {@link ONE_OFF_LOG_STREAM_PREFIX}. */
    readonly logStreamPrefix: string;
}

/** Every one-off task of the environment and where they run. */
export interface OneOffTasks {
    readonly clusterArn: pulumi.Output<string>;
    /** The private subnets: tasks run there with `assignPublicIp` DISABLED, unless the task names its own ({@link OneOffTask.subnetIds}). */
    readonly subnetIds: pulumi.Output<string[]>;
    /** `--platform`: spans tenants (a tenant's MySQL user, the connectivity check). */
    readonly platform: OneOffTask;
    /** By tenant id. */
    readonly tenants: Readonly<Record<string, OneOffTask>>;
}

/** The target group inputs whose change makes AWS replace the group (terraform-provider-aws internal/service/elbv2/target_group.go: ForceNew). */
export interface TargetGroupIdentity {
    readonly targetType: string;
    readonly protocol: string;
    readonly port: number;
    readonly vpcId: string;
}

/**
 * A tenant's target group name: its id cut to 23 characters, `-`, and 8 hex digits of a hash of
 * its slot and every input whose change replaces the group. Target group names are unique in the
 * account and region and at most 32 characters (ELB API CreateTargetGroup); Pulumi's auto-name
 * (`<logical name>-` and 7 random characters) does not fit a tenant id over 17 characters. A change
 * that replaces the group also changes its name, so the new group is created before the old one,
 * still attached to the listener and service, is deleted.
 */
export function targetGroupName(tenantId: string, slot: number, identity: TargetGroupIdentity): string {
    const digest = createHash("sha256")
        .update(JSON.stringify([slot, identity.targetType, identity.protocol, identity.port, identity.vpcId]))
        .digest("hex")
        .slice(0, 8);
    return `${tenantId.slice(0, 23).replace(/-+$/, "")}-${digest}`;
}

/** The capacity provider strategy in ECS's shape, for the cluster default and every service. */
export function capacityProviderStrategy(providers: readonly CapacityProvider[]) {
    return providers.map((p) => ({ capacityProvider: p.provider, weight: p.weight, base: p.base }));
}

/**
 * Rolling-deployment limits. A singleton holds an exclusive lock on EFS, so the old task must stop
 * (and release it) before the new one starts; otherwise the new task can never become healthy.
 */
export function deploymentLimits(tenant: Pick<TenantConfig, "singleton">): { minimumHealthyPercent: number; maximumPercent: number } {
    return tenant.singleton ? { minimumHealthyPercent: 0, maximumPercent: 100 } : { minimumHealthyPercent: 100, maximumPercent: 200 };
}

/** The account-wide Session Manager preferences: long sessions for migrations, logged and encrypted. */
export function sessionManagerPreferences(timeoutMinutes: number, logGroupName: In<string>) {
    return {
        schemaVersion: "1.0",
        description: `BBWS Session Manager preferences: ${timeoutMinutes}-minute sessions, transcripts to CloudWatch, encrypted`,
        sessionType: "Standard_Stream",
        inputs: {
            idleSessionTimeout: String(timeoutMinutes),
            maxSessionDuration: String(timeoutMinutes),
            cloudWatchLogGroupName: logGroupName,
            cloudWatchEncryptionEnabled: true,
            cloudWatchStreamingEnabled: true,
        },
    };
}

/** The image repositories, by image. */
export type Registry = EcsLayerArgs["registry"];

/** The cluster and what tenants' services reference of it. */
export interface Cluster {
    readonly cluster: aws.ecs.Cluster;
    readonly capacityProviders: aws.ecs.ClusterCapacityProviders;
    readonly sessionLogGroup: aws.cloudwatch.LogGroup;
    /** The role Scheduler redeploys the services with, so tasks re-read rotated secrets (components/secret-rotation.ts). */
    readonly recyclerRole: aws.iam.Role;
}

/** The load balancer and what tenants' target groups and rules reference of it. */
export interface LoadBalancer {
    readonly alb: aws.lb.LoadBalancer;
    readonly https: aws.lb.Listener;
    /** The environment's zone: `<id>.<domain>` records, whichever load balancer they point at. */
    readonly hostedZoneId: pulumi.Output<string>;
    /** The HTTPS listener's default certificate (`*.<domain>`); a premium tenant's own load balancer serves it too. */
    readonly certificateArn: In<string>;
}

/**
 * A log group `/aws/ecs/bbws-<env>/<leaf>`, encrypted with the data key. Platform groups use a leaf
 * starting with `_`, which a tenant id (a DNS label) cannot, so they never collide with a tenant's group.
 */
export function ecsLogGroup(
    logicalName: string,
    args: Pick<EcsLayerArgs, "env" | "ecs" | "keyArn">,
    leaf: string,
    opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.LogGroup {
    return new aws.cloudwatch.LogGroup(
        logicalName,
        {
            name: `/aws/ecs/bbws-${args.env}/${leaf}`,
            retentionInDays: args.ecs.logRetentionDays,
            kmsKeyId: args.keyArn,
        },
        opts,
    );
}

/**
 * A task or execution role (`logicalName`) and its inline policy (`<logicalName>-policy`). Role names
 * put the tenant id first and the kind (`-task`, `-exec`) last: IAM role names are unique in the
 * account (CreateRole: EntityAlreadyExists), and with the kind in front (`task-<id>`, `task-exec-<id>`)
 * tenant `exec-x`'s task role was tenant `x`'s execution role. Neither suffix ends the other, so no two
 * ids can meet.
 */
export function ecsTaskRole(
    logicalName: string,
    roleName: string,
    policy: PolicyDocument,
    opts: pulumi.CustomResourceOptions,
): aws.iam.Role {
    const role = new aws.iam.Role(
        logicalName,
        {
            name: roleName,
            assumeRolePolicy: serviceAssumeRolePolicy("ecs-tasks.amazonaws.com"),
        },
        opts,
    );
    new aws.iam.RolePolicy(`${logicalName}-policy`, { role: role.id, policy: jsonOf(policy) }, opts);
    return role;
}
