/**
 * ECS layer (phase `ecs`): the cluster, the load balancer, the roles, one WordPress service per
 * tenant, and the one-off tasks `npm run task` runs (one per tenant, one for the platform). It takes
 * plain inputs from the network, data and storage layers (the storage layer owns the image
 * repositories) so it can be built and tested on its own.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import type { CapacityProvider, EcsConfig, ProtectionConfig, TenantConfig } from "../src/config";
import { ImageKind, MIGRATION_TASK_ARCHITECTURE, WP_CONTENT_PATH } from "../src/images";
import { REDIS_PORT, tenantDbSecretName } from "./data";
import { bbwsName, serviceAssumeRolePolicy } from "./shared";
import {
    executionRolePolicy,
    platformTaskPolicy,
    PolicyDocument,
    tenantDbSecretsArnPattern,
    tenantPrefix,
    tenantTaskPolicy,
} from "./ecs-policies";

type In<T> = pulumi.Input<T>;

export interface TenantDatabaseSecret {
    /** The secret `bbws/<env>/tenants/<id>/db`; its JSON has password, username, dbname, host and port. */
    readonly arn: In<string>;
    readonly username: string;
    readonly database: string;
}

export interface AccessPoint {
    readonly id: In<string>;
    readonly arn: In<string>;
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
    /** The secret holding the Redis AUTH token (the whole secret string). */
    readonly redisAuthSecretArn: In<string>;
    readonly tenantDbSecrets: Readonly<Record<string, TenantDatabaseSecret>>;

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

/** The WordPress keys and salts, one per constant wp-config.php defines. */
export const WORDPRESS_SALT_KEYS = [
    "AUTH_KEY",
    "SECURE_AUTH_KEY",
    "LOGGED_IN_KEY",
    "NONCE_KEY",
    "AUTH_SALT",
    "SECURE_AUTH_SALT",
    "LOGGED_IN_SALT",
    "NONCE_SALT",
] as const;

/** Where a tenant's EFS access point is mounted in both of its containers (src/images.ts: the one-off tasks mount it there too). */
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
 * The Redis Object Cache plugin's settings (rhubarbgroup/redis-cache) that the platform sets, by the
 * PHP constant its drop-in reads, with the PHP cast of the value. The drop-in reads constants, not
 * the environment: `build_parameters` in includes/object-cache.php takes scheme, host, port, password
 * (and path, database, time-outs) from `WP_REDIS_<SETTING>` with `constant()`; only `WP_REDIS_PREFIX`
 * (and `WP_REDIS_SELECTIVE_FLUSH`) are also taken from `getenv` (`wp_cache_init`). So each travels as an
 * environment variable of the same name (the password as a secret), and {@link WORDPRESS_CONFIG_EXTRA_ENV}
 * defines the constant from it.
 */
export const REDIS_CACHE_CONSTANTS = {
    WP_REDIS_HOST: "",
    WP_REDIS_PORT: "(int) ",
    WP_REDIS_SCHEME: "",
    WP_REDIS_PASSWORD: "",
    WP_REDIS_PREFIX: "",
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
        value: [
            DB_TLS_PHP,
            ...Object.entries(REDIS_CACHE_CONSTANTS).map(([name, cast]) => `define('${name}', ${cast}getenv('${name}'));`),
        ].join("\n"),
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

/** Size of every one-off task (platform and tenant): enough for mysqldump and wp-cli on a large site. */
export const MIGRATION_TASK_SIZE = { cpu: 1024, memory: 2048 } as const;

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
 * added by each task, passwords as `secrets`.
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
    readonly logGroupName: pulumi.Output<string>;
    /** {@link ONE_OFF_LOG_STREAM_PREFIX}. */
    readonly logStreamPrefix: string;
}

/** Every one-off task of the environment and where they run. */
export interface OneOffTasks {
    readonly clusterArn: pulumi.Output<string>;
    /** The private subnets: tasks run there with `assignPublicIp` DISABLED. */
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

type Registry = EcsLayerArgs["registry"];

interface Cluster {
    readonly cluster: aws.ecs.Cluster;
    readonly capacityProviders: aws.ecs.ClusterCapacityProviders;
    readonly sessionLogGroup: aws.cloudwatch.LogGroup;
}

interface LoadBalancer {
    readonly alb: aws.lb.LoadBalancer;
    readonly https: aws.lb.Listener;
    readonly hostedZoneId: pulumi.Output<string>;
}

/**
 * Phase `ecs` (`bbws:ecs:EcsLayer`), after storage: the cluster, the load balancer, the IAM roles, one
 * WordPress service per tenant and the migration task definition. Exposes the cluster and service names
 * and the load balancer and target group ARN suffixes to monitoring. Throws `Error` if `tenantSecurityGroupIds`,
 * `tenantDbSecrets` or `accessPoints` lacks an entry for a tenant.
 */
export class EcsLayer extends pulumi.ComponentResource {
    readonly clusterName: pulumi.Output<string>;
    readonly loadBalancerArn: pulumi.Output<string>;
    readonly loadBalancerArnSuffix: pulumi.Output<string>;
    readonly loadBalancerDnsName: pulumi.Output<string>;
    /** Each tenant's service, by tenant id. */
    readonly serviceNames: Readonly<Record<string, pulumi.Output<string>>>;
    readonly targetGroupArns: Readonly<Record<string, pulumi.Output<string>>>;
    readonly targetGroupArnSuffixes: Readonly<Record<string, pulumi.Output<string>>>;
    readonly logGroupNames: Readonly<Record<string, pulumi.Output<string>>>;
    /** The platform one-off task (`bbws-migration-<env>`); `oneOffTasks.platform` says how to run it. */
    readonly migrationTaskDefinitionArn: pulumi.Output<string>;
    /** The one-off tasks `npm run task` runs instead of long ECS Exec sessions. */
    readonly oneOffTasks: OneOffTasks;

    constructor(name: string, args: EcsLayerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("bbws:ecs:EcsLayer", name, {}, opts);
        for (const [field, byTenant] of Object.entries({
            tenantSecurityGroupIds: args.tenantSecurityGroupIds,
            tenantDbSecrets: args.tenantDbSecrets,
            accessPoints: args.accessPoints,
        })) {
            const missing = args.tenants.map((t) => t.id).filter((id) => !(id in byTenant));
            if (missing.length > 0) throw new Error(`\`${field}\` has no entry for tenant(s) ${missing.join(", ")}`);
        }

        const registry = args.registry;
        const cluster = this.createCluster(name, args);
        const lb = this.createLoadBalancer(name, args);

        const services: Record<string, pulumi.Output<string>> = {};
        const targetGroupArns: Record<string, pulumi.Output<string>> = {};
        const targetGroupArnSuffixes: Record<string, pulumi.Output<string>> = {};
        const logGroupNames: Record<string, pulumi.Output<string>> = {};
        const tenantOneOffTasks: Record<string, OneOffTask> = {};
        for (const tenant of args.tenants) {
            const site = this.createTenant(name, args, tenant, registry, cluster, lb);
            services[tenant.id] = site.service.name;
            targetGroupArns[tenant.id] = site.targetGroup.arn;
            targetGroupArnSuffixes[tenant.id] = site.targetGroup.arnSuffix;
            logGroupNames[tenant.id] = site.logGroup.name;
            tenantOneOffTasks[tenant.id] = site.oneOffTask;
        }

        this.clusterName = cluster.cluster.name;
        this.loadBalancerArn = lb.alb.arn;
        this.loadBalancerArnSuffix = lb.alb.arnSuffix;
        this.loadBalancerDnsName = lb.alb.dnsName;
        this.serviceNames = services;
        this.targetGroupArns = targetGroupArns;
        this.targetGroupArnSuffixes = targetGroupArnSuffixes;
        this.logGroupNames = logGroupNames;
        const platformTask = this.createMigrationTask(name, args, registry);
        this.migrationTaskDefinitionArn = platformTask.taskDefinitionArn;
        this.oneOffTasks = {
            clusterArn: cluster.cluster.arn,
            subnetIds: pulumi.output(args.privateSubnetIds),
            platform: platformTask,
            tenants: tenantOneOffTasks,
        };

        this.registerOutputs({
            clusterName: this.clusterName,
            loadBalancerArn: this.loadBalancerArn,
            loadBalancerArnSuffix: this.loadBalancerArnSuffix,
            loadBalancerDnsName: this.loadBalancerDnsName,
            serviceNames: this.serviceNames,
            targetGroupArns: this.targetGroupArns,
            targetGroupArnSuffixes: this.targetGroupArnSuffixes,
            logGroupNames: this.logGroupNames,
            migrationTaskDefinitionArn: this.migrationTaskDefinitionArn,
            oneOffTasks: this.oneOffTasks,
        });
    }

    private createCluster(name: string, args: EcsLayerArgs): Cluster {
        const { env, ecs } = args;
        const sessionLogGroup = this.logGroup(`${name}-sessions-logs`, args, "_sessions");
        const cluster = new aws.ecs.Cluster(
            `${name}-cluster`,
            {
                name: bbwsName(env, "ecs"),
                settings: [{ name: "containerInsights", value: "enabled" }],
                configuration: {
                    executeCommandConfiguration: {
                        kmsKeyId: args.keyArn,
                        logging: "OVERRIDE",
                        logConfiguration: { cloudWatchLogGroupName: sessionLogGroup.name, cloudWatchEncryptionEnabled: true },
                    },
                },
            },
            { parent: this },
        );
        const capacityProviders = new aws.ecs.ClusterCapacityProviders(
            `${name}-capacity-providers`,
            {
                clusterName: cluster.name,
                capacityProviders: ["FARGATE", "FARGATE_SPOT"],
                defaultCapacityProviderStrategies: capacityProviderStrategy(ecs.capacityProviders),
            },
            { parent: this },
        );
        // One document per account and region, so an existing one must be imported (see the README).
        new aws.ssm.Document(
            `${name}-session-preferences`,
            {
                name: "SSM-SessionManagerRunShell",
                documentType: "Session",
                documentFormat: "JSON",
                content: pulumi.jsonStringify(sessionManagerPreferences(ecs.sessionTimeoutMinutes, sessionLogGroup.name)),
            },
            { parent: this },
        );
        return { cluster, capacityProviders, sessionLogGroup };
    }

    private createLoadBalancer(name: string, args: EcsLayerArgs): LoadBalancer {
        const { env, ecs, domain } = args;
        const certificateArn =
            ecs.certificateArn ??
            aws.acm.getCertificateOutput({ domain: `*.${domain}`, statuses: ["ISSUED"], mostRecent: true }, { parent: this }).arn;
        const hostedZoneId =
            ecs.hostedZoneId === undefined
                ? aws.route53.getZoneOutput({ name: domain, privateZone: false }, { parent: this }).zoneId
                : pulumi.output(ecs.hostedZoneId);

        const alb = new aws.lb.LoadBalancer(
            `${name}-alb`,
            {
                name: bbwsName(env, "alb"),
                loadBalancerType: "application",
                internal: false,
                subnets: args.publicSubnetIds,
                securityGroups: [args.loadBalancerSecurityGroupId],
                dropInvalidHeaderFields: true,
                enableDeletionProtection: ecs.albDeletionProtection,
                accessLogs: { bucket: args.logsBucketName, prefix: "alb", enabled: true },
            },
            { parent: this },
        );
        const https = new aws.lb.Listener(
            `${name}-https`,
            {
                loadBalancerArn: alb.arn,
                port: 443,
                protocol: "HTTPS",
                sslPolicy: TLS_POLICY,
                certificateArn,
                // A host no tenant claims gets a plain 404, never some tenant's site.
                defaultActions: [
                    {
                        type: "fixed-response",
                        fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" },
                    },
                ],
            },
            { parent: this },
        );
        new aws.lb.Listener(
            `${name}-http`,
            {
                loadBalancerArn: alb.arn,
                port: 80,
                protocol: "HTTP",
                defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
            },
            { parent: this },
        );
        return { alb, https, hostedZoneId };
    }

    private createTenant(name: string, args: EcsLayerArgs, tenant: TenantConfig, registry: Registry, cluster: Cluster, lb: LoadBalancer) {
        const { env, ecs } = args;
        const id = tenant.id;
        const tn = `${name}-${id}`;
        const dbSecret = args.tenantDbSecrets[id];
        const accessPoint = args.accessPoints[id];
        const logGroup = this.logGroup(`${tn}-logs`, args, id);
        const salts = this.createSalts(tn, args, tenant);

        const executionRole = this.role(
            `${tn}-execution-role`,
            args,
            bbwsName(env, `${id}-exec`),
            executionRolePolicy({
                repositoryArns: [registry.wordpress.arn, registry.migration.arn],
                logGroupArns: [logGroup.arn],
                secretArns: [dbSecret.arn, args.redisAuthSecretArn, salts.arn],
                keyArn: args.keyArn,
            }),
        );
        const taskRole = this.role(
            `${tn}-task-role`,
            args,
            bbwsName(env, `${id}-task`),
            tenantTaskPolicy({
                tenantId: id,
                assetsBucketArn: args.assetsBucket.arn,
                fileSystemArn: pulumi.interpolate`arn:aws:elasticfilesystem:${args.region}:${args.accountId}:file-system/${args.fileSystemId}`,
                accessPointArn: accessPoint.arn,
                keyArn: args.keyArn,
                sessionLogGroupArn: cluster.sessionLogGroup.arn,
                migrationBucketArn: args.migrationBucket.arn,
            }),
        );

        // The cluster refuses connections without TLS (require_secure_transport), so the TLS settings
        // travel with the connection settings.
        const database = [
            { name: "WORDPRESS_DB_HOST", value: pulumi.interpolate`${args.dbWriterEndpoint}:${args.dbPort}` },
            { name: "WORDPRESS_DB_NAME", value: dbSecret.database },
            { name: "WORDPRESS_DB_USER", value: dbSecret.username },
            ...WORDPRESS_CONFIG_EXTRA_ENV,
        ];
        const dbPassword = { name: "WORDPRESS_DB_PASSWORD", valueFrom: pulumi.interpolate`${dbSecret.arn}:password::` };
        // The sidecar's wp-cli loads the same wp-config.php and object-cache drop-in, so it gets the same
        // cache: on another (or none) its writes would leave WordPress serving stale entries.
        const redis = [
            { name: "WP_REDIS_HOST", value: args.redisPrimaryEndpoint },
            { name: "WP_REDIS_PORT", value: String(REDIS_PORT) },
            // The replication group only accepts TLS connections (encryption in transit).
            { name: "WP_REDIS_SCHEME", value: "tls" },
            // Tenants share the replication group: without a prefix a single site's keys are named by its
            // table prefix alone (`wp:options:alloptions` for all of them), and one tenant would read
            // another's options. An id holds no ':'.
            { name: "WP_REDIS_PREFIX", value: `${id}:` },
        ];
        const redisPassword = { name: "WP_REDIS_PASSWORD", valueFrom: args.redisAuthSecretArn };
        const saltSecrets = WORDPRESS_SALT_KEYS.map((key) => ({
            name: `WORDPRESS_${key}`,
            valueFrom: pulumi.interpolate`${salts.arn}:${key}::`,
        }));
        const migration = [
            { name: "TENANT_ID", value: id },
            { name: "MIGRATION_BUCKET", value: args.migrationBucket.name },
            { name: "MIGRATION_PREFIX", value: tenantPrefix(id) },
        ];
        const wpContent = [{ sourceVolume: "wp-content", containerPath: WP_CONTENT_PATH, readOnly: false }];
        const volumes = [
            {
                name: "wp-content",
                efsVolumeConfiguration: {
                    fileSystemId: args.fileSystemId,
                    transitEncryption: "ENABLED",
                    authorizationConfig: { accessPointId: accessPoint.id, iam: "ENABLED" },
                },
            },
        ];
        const logs = (streamPrefix: string) => ({
            logDriver: "awslogs",
            options: { "awslogs-group": logGroup.name, "awslogs-region": args.region, "awslogs-stream-prefix": streamPrefix },
        });
        const containers: object[] = [
            {
                name: "wordpress",
                image: pulumi.interpolate`${registry.wordpress.repositoryUrl}:${tenant.imageTag}`,
                essential: true,
                privileged: false,
                // An init process reaps the ECS Exec agent's children, so exec sessions do not leak processes.
                linuxParameters: { initProcessEnabled: true },
                portMappings: [{ containerPort: tenant.containerPort, protocol: "tcp" }],
                healthCheck: {
                    command: [
                        "CMD-SHELL",
                        `curl -fs -o /dev/null http://localhost:${tenant.containerPort}${ecs.healthCheckPath} || exit 1`,
                    ],
                    interval: 30,
                    timeout: 5,
                    retries: 3,
                    startPeriod: 60,
                },
                environment: [...database, ...redis],
                secrets: [dbPassword, redisPassword, ...saltSecrets],
                mountPoints: wpContent,
                logConfiguration: logs("wordpress"),
            },
        ];
        if (tenant.migrationSidecar) {
            // Long migrations run here instead of in an ECS Exec session into WordPress, which times out.
            containers.push({
                name: "migration",
                image: pulumi.interpolate`${registry.migration.repositoryUrl}:${tenant.imageTag}`,
                essential: false,
                privileged: false,
                linuxParameters: { initProcessEnabled: true },
                environment: [...database, ...redis, ...MYSQL_CLIENT_TLS_ENV, ...migration],
                secrets: [dbPassword, redisPassword],
                mountPoints: wpContent,
                logConfiguration: logs("migration"),
            });
        }

        const taskDefinition = new aws.ecs.TaskDefinition(
            `${tn}-task`,
            {
                family: bbwsName(env, `wordpress-${id}`),
                networkMode: "awsvpc",
                requiresCompatibilities: ["FARGATE"],
                cpu: String(tenant.cpu),
                memory: String(tenant.memory),
                runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: tenant.architecture },
                executionRoleArn: executionRole.arn,
                taskRoleArn: taskRole.arn,
                volumes,
                containerDefinitions: pulumi.jsonStringify(containers),
            },
            { parent: this },
        );

        const replacedBy = { targetType: "ip", protocol: "HTTP", port: tenant.containerPort };
        const targetGroup = new aws.lb.TargetGroup(
            `${tn}-tg`,
            {
                ...replacedBy,
                name: pulumi.output(args.vpcId).apply((vpcId) => targetGroupName(id, tenant.slot, { ...replacedBy, vpcId })),
                vpcId: args.vpcId,
                deregistrationDelay: 30,
                healthCheck: {
                    enabled: true,
                    path: ecs.healthCheckPath,
                    protocol: "HTTP",
                    port: "traffic-port",
                    matcher: "200-399",
                    interval: 30,
                    timeout: 5,
                    healthyThreshold: 2,
                    unhealthyThreshold: 3,
                },
                tags: { Tenant: id },
            },
            { parent: this },
        );
        const rule = new aws.lb.ListenerRule(
            `${tn}-rule`,
            {
                listenerArn: lb.https.arn,
                // The tenant's permanent slot: unique, and unchanged when other tenants come and go.
                priority: tenant.slot,
                conditions: [{ hostHeader: { values: [...tenant.hostnames] } }],
                actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
            },
            { parent: this },
        );
        new aws.route53.Record(
            `${tn}-dns`,
            {
                zoneId: lb.hostedZoneId,
                // `<id>.<domain>`; custom domains live in their owners' zones.
                name: tenant.hostnames[0],
                type: "A",
                aliases: [{ name: lb.alb.dnsName, zoneId: lb.alb.zoneId, evaluateTargetHealth: true }],
            },
            { parent: this },
        );

        const limits = deploymentLimits(tenant);
        const service = new aws.ecs.Service(
            `${tn}-service`,
            {
                name: bbwsName(env, `wordpress-${id}`),
                cluster: cluster.cluster.arn,
                taskDefinition: taskDefinition.arn,
                desiredCount: tenant.minCapacity,
                capacityProviderStrategies: capacityProviderStrategy(ecs.capacityProviders),
                platformVersion: FARGATE_PLATFORM_VERSION,
                networkConfiguration: {
                    subnets: args.privateSubnetIds,
                    securityGroups: [args.tenantSecurityGroupIds[id]],
                    assignPublicIp: false,
                },
                loadBalancers: [{ targetGroupArn: targetGroup.arn, containerName: "wordpress", containerPort: tenant.containerPort }],
                healthCheckGracePeriodSeconds: ecs.healthCheckGracePeriodSeconds,
                deploymentCircuitBreaker: { enable: true, rollback: true },
                deploymentMinimumHealthyPercent: limits.minimumHealthyPercent,
                deploymentMaximumPercent: limits.maximumPercent,
                propagateTags: "SERVICE",
                enableEcsManagedTags: true,
                enableExecuteCommand: tenant.execEnabled,
                // Running tasks never pick up an ECS Exec change: changing the trigger redeploys them.
                forceNewDeployment: true,
                triggers: { execEnabled: String(tenant.execEnabled) },
                waitForSteadyState: ecs.waitForSteadyState,
                tags: { Tenant: id },
            },
            {
                parent: this,
                dependsOn: [cluster.capacityProviders, rule],
                // Auto-scaling owns the running count after creation; a preview must not flag it as drift.
                ignoreChanges: ["desiredCount"],
            },
        );

        const target = new aws.appautoscaling.Target(
            `${tn}-scaling`,
            {
                serviceNamespace: "ecs",
                scalableDimension: "ecs:service:DesiredCount",
                resourceId: pulumi.interpolate`service/${cluster.cluster.name}/${service.name}`,
                minCapacity: tenant.minCapacity,
                maxCapacity: tenant.maxCapacity,
            },
            { parent: this },
        );
        for (const [metric, predefinedMetricType, targetValue] of [
            ["cpu", "ECSServiceAverageCPUUtilization", ecs.cpuTargetPercent],
            ["memory", "ECSServiceAverageMemoryUtilization", ecs.memoryTargetPercent],
        ] as const) {
            new aws.appautoscaling.Policy(
                `${tn}-${metric}-scaling`,
                {
                    name: bbwsName(env, `wordpress-${id}-${metric}`),
                    policyType: "TargetTrackingScaling",
                    serviceNamespace: target.serviceNamespace,
                    scalableDimension: target.scalableDimension,
                    resourceId: target.resourceId,
                    targetTrackingScalingPolicyConfiguration: {
                        predefinedMetricSpecification: { predefinedMetricType },
                        targetValue,
                    },
                },
                { parent: this },
            );
        }

        // Its own task definition, because RunTask cannot change volumes: a task's overrides are
        // containers, cpu, memory, ephemeral storage and the two roles (ECS API reference, TaskOverride),
        // so only a definition of the tenant's own can mount its access point. The service's two roles,
        // not two more: their grants are exactly the tenant's, and IAM holds 1,000 roles per account (issue 21).
        const oneOffTask = new aws.ecs.TaskDefinition(
            `${tn}-migration`,
            {
                family: bbwsName(env, `migration-${id}`),
                networkMode: "awsvpc",
                requiresCompatibilities: ["FARGATE"],
                cpu: String(MIGRATION_TASK_SIZE.cpu),
                memory: String(MIGRATION_TASK_SIZE.memory),
                runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: MIGRATION_TASK_ARCHITECTURE },
                executionRoleArn: executionRole.arn,
                taskRoleArn: taskRole.arn,
                volumes,
                containerDefinitions: pulumi.jsonStringify([
                    {
                        name: ONE_OFF_CONTAINER_NAME,
                        // The tenant's tag: wp-cli runs the WordPress core its site runs.
                        image: pulumi.interpolate`${registry.migration.repositoryUrl}:${tenant.imageTag}`,
                        essential: true,
                        privileged: false,
                        // PID 1 passes StopTask's SIGTERM on to the command and reaps what it leaves.
                        linuxParameters: { initProcessEnabled: true },
                        environment: [
                            // wp-cli loads the same wp-config.php and object-cache drop-in as WordPress.
                            ...database,
                            ...redis,
                            ...clientEnvironment({ host: args.dbWriterEndpoint, port: args.dbPort }, args.redisPrimaryEndpoint),
                            { name: "DB_USER", value: dbSecret.username },
                            { name: "DB_NAME", value: dbSecret.database },
                            { name: "REDIS_PREFIX", value: `${id}:` },
                            ...migration,
                        ],
                        secrets: [
                            dbPassword,
                            redisPassword,
                            ...saltSecrets,
                            { name: "DB_PASSWORD", valueFrom: dbPassword.valueFrom },
                            { name: "REDIS_PASSWORD", valueFrom: redisPassword.valueFrom },
                        ],
                        mountPoints: wpContent,
                        logConfiguration: logs(ONE_OFF_LOG_STREAM_PREFIX),
                    },
                ]),
                tags: { Tenant: id },
            },
            { parent: this },
        );
        return {
            service,
            targetGroup,
            logGroup,
            oneOffTask: {
                taskDefinitionArn: oneOffTask.arn,
                containerName: ONE_OFF_CONTAINER_NAME,
                securityGroupIds: [pulumi.output(args.tenantSecurityGroupIds[id])],
                logGroupName: logGroup.name,
                logStreamPrefix: ONE_OFF_LOG_STREAM_PREFIX,
            } satisfies OneOffTask,
        };
    }

    /** One secret per tenant with its WordPress keys and salts, generated once and kept in state as secrets. */
    private createSalts(tn: string, args: EcsLayerArgs, tenant: TenantConfig): aws.secretsmanager.Secret {
        // The key's own upper-case name: a lower-case tenant id can never spell it, so tenant `a`'s
        // SECURE_AUTH_KEY and tenant `a-secure`'s AUTH_KEY are different resources.
        const values = Object.fromEntries(
            WORDPRESS_SALT_KEYS.map((key) => [
                key,
                new random.RandomPassword(
                    `${tn}-${key}`,
                    {
                        length: 64,
                        // No quotes, backslashes or `$`: the values pass through PHP and shell unescaped.
                        overrideSpecial: "!#%&()*+,-.:;<=>?@[]^_{|}~",
                    },
                    { parent: this },
                ).result,
            ]),
        );
        const secret = new aws.secretsmanager.Secret(
            `${tn}-salts`,
            {
                name: `bbws/${args.env}/tenants/${tenant.id}/wp-salts`,
                description: `WordPress keys and salts of tenant ${tenant.id}`,
                kmsKeyId: args.keyArn,
                recoveryWindowInDays: args.protection.secretRecoveryDays,
                tags: { Tenant: tenant.id },
            },
            { parent: this },
        );
        new aws.secretsmanager.SecretVersion(
            `${tn}-salts-value`,
            {
                secretId: secret.id,
                secretString: pulumi.jsonStringify(values),
            },
            { parent: this },
        );
        return secret;
    }

    /**
     * The platform one-off task, `bbws-migration-<env>`: the master user and the Redis AUTH token as
     * `secrets`, and a role that reads any tenant's database secret by name through one ARN pattern, so
     * nothing in it grows with the tenant count.
     */
    private createMigrationTask(name: string, args: EcsLayerArgs, registry: Registry): OneOffTask {
        const { env } = args;
        const logGroup = this.logGroup(`${name}-migration-logs`, args, "_migration");
        const executionRole = this.role(
            `${name}-migration-execution-role`,
            args,
            bbwsName(env, "migration-exec"),
            executionRolePolicy({
                repositoryArns: [registry.migration.arn],
                logGroupArns: [logGroup.arn],
                secretArns: [args.masterSecretArn, args.redisAuthSecretArn],
                keyArn: args.keyArn,
            }),
        );
        const taskRole = this.role(
            `${name}-migration-task-role`,
            args,
            bbwsName(env, "migration-task"),
            platformTaskPolicy({
                migrationBucketArn: args.migrationBucket.arn,
                tenantDbSecretsArnPattern: tenantDbSecretsArnPattern(args.region, args.accountId, env),
                keyArn: args.keyArn,
            }),
        );
        const taskDefinition = new aws.ecs.TaskDefinition(
            `${name}-migration-task`,
            {
                family: bbwsName(env, "migration"),
                networkMode: "awsvpc",
                requiresCompatibilities: ["FARGATE"],
                cpu: String(MIGRATION_TASK_SIZE.cpu),
                memory: String(MIGRATION_TASK_SIZE.memory),
                runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: MIGRATION_TASK_ARCHITECTURE },
                executionRoleArn: executionRole.arn,
                taskRoleArn: taskRole.arn,
                containerDefinitions: pulumi.jsonStringify([
                    {
                        name: ONE_OFF_CONTAINER_NAME,
                        image: pulumi.interpolate`${registry.migration.repositoryUrl}:${args.ecs.imageTag}`,
                        essential: true,
                        privileged: false,
                        linuxParameters: { initProcessEnabled: true },
                        environment: [
                            ...clientEnvironment({ host: args.dbWriterEndpoint, port: args.dbPort }, args.redisPrimaryEndpoint),
                            { name: "MIGRATION_BUCKET", value: args.migrationBucket.name },
                            // printf format of a tenant's secret name; the role reads any tenant's. Named without
                            // "SECRET": it is a name, and ecs-8 flags that word in `environment`.
                            { name: "TENANT_DB_LOOKUP_FORMAT", value: tenantDbSecretName(env, "%s") },
                        ],
                        // RDS keeps the master user's `username` and `password` in its secret (Aurora user guide,
                        // "Password management with Amazon RDS and AWS Secrets Manager").
                        secrets: [
                            { name: "DB_USER", valueFrom: pulumi.interpolate`${args.masterSecretArn}:username::` },
                            { name: "DB_PASSWORD", valueFrom: pulumi.interpolate`${args.masterSecretArn}:password::` },
                            { name: "REDIS_PASSWORD", valueFrom: args.redisAuthSecretArn },
                        ],
                        logConfiguration: {
                            logDriver: "awslogs",
                            options: {
                                "awslogs-group": logGroup.name,
                                "awslogs-region": args.region,
                                "awslogs-stream-prefix": ONE_OFF_LOG_STREAM_PREFIX,
                            },
                        },
                    },
                ]),
            },
            { parent: this },
        );
        return {
            taskDefinitionArn: taskDefinition.arn,
            containerName: ONE_OFF_CONTAINER_NAME,
            securityGroupIds: [pulumi.output(args.platformTaskSecurityGroupId)],
            logGroupName: logGroup.name,
            logStreamPrefix: ONE_OFF_LOG_STREAM_PREFIX,
        };
    }

    /**
     * A log group `/aws/ecs/bbws-<env>/<leaf>`. Platform groups use a leaf starting with `_`, which
     * a tenant id (a DNS label) cannot, so they never collide with a tenant's group.
     */
    private logGroup(logicalName: string, args: EcsLayerArgs, leaf: string): aws.cloudwatch.LogGroup {
        return new aws.cloudwatch.LogGroup(
            logicalName,
            {
                name: `/aws/ecs/bbws-${args.env}/${leaf}`,
                retentionInDays: args.ecs.logRetentionDays,
                kmsKeyId: args.keyArn,
            },
            { parent: this },
        );
    }

    /**
     * A task or execution role. Role names put the tenant id first and the kind (`-task`, `-exec`)
     * last: IAM role names are unique in the account (CreateRole: EntityAlreadyExists), and with the
     * kind in front (`task-<id>`, `task-exec-<id>`) tenant `exec-x`'s task role was tenant `x`'s
     * execution role. Neither suffix ends the other, so no two ids can meet.
     */
    private role(logicalName: string, args: EcsLayerArgs, roleName: string, policy: PolicyDocument): aws.iam.Role {
        const role = new aws.iam.Role(
            logicalName,
            {
                name: roleName,
                assumeRolePolicy: serviceAssumeRolePolicy("ecs-tasks.amazonaws.com"),
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(`${logicalName}-policy`, { role: role.id, policy: pulumi.jsonStringify(policy) }, { parent: this });
        return role;
    }
}
