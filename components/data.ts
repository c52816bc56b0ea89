/**
 * Data layer (phase `database`): the customer-managed data key, Aurora MySQL, ElastiCache Redis and
 * the secrets the tenants' WordPress containers read their credentials from.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import {
    CacheConfig,
    DatabaseConfig,
    databaseRotationPaused,
    DrConfig,
    masterPasswordKeeper,
    MAX_TENANT_ID_LENGTH,
    ProtectionConfig,
    ROTATION_CLONE_SUFFIX,
    tenantDatabaseName,
} from "../src/config";
import { GlobalDatabase, SECONDARY_IGNORED_CHANGES } from "./global-database";
import {
    AURORA_LOG_EXPORTS,
    AuroraClusterSpec,
    AuroraSharedSettings,
    createAuroraCluster,
    createAuroraInstances,
    instanceZones,
    MASTER_USERNAME,
} from "./aurora-cluster";
import { createRedisGroup, RedisGroupArgs } from "./redis-group";
import { StandbyCache } from "./standby-cache";
import { bbwsName, createDataKey, jsonOf, secretWithValue, serviceAssumeRolePolicy, statefulOptions } from "./shared";
import { TenantDatabase, TenantDatabaseArgs } from "./tenant-database";
import { TenantCluster, TenantClusterNetwork } from "./tenant-cluster";
import { hasOwnDatabase, TenantTier } from "../src/tiers";
import { RotationFunction, ROTATION_ENGINE, ROTATION_USERNAME_LIMIT, usernamesTooLongToRotate } from "./secret-rotation";
import {
    CacheCredentials,
    cacheUserGroupId,
    cacheUserId,
    createCacheUser,
    DEFAULT_CACHE_USER_NAME,
    DEFAULT_USER_ACCESS_STRING,
    PLATFORM_ACCESS_STRING,
} from "./cache-users";

export interface DataTenant {
    readonly id: string;
    /** An enterprise tenant (`hasOwnDatabase`) gets its own cluster (`TenantCluster`). */
    readonly tier: TenantTier;
    /** While `npm run tenant -- remove` offboards it: an own cluster's deletion protection is off. */
    readonly offboarding?: boolean;
    /** Its service runs no tasks: its secret's rotation is paused (src/config.ts `databaseRotationPaused`). */
    readonly stopped?: boolean;
}

export interface DataLayerArgs {
    readonly env: string;
    /** The environment's account: the key policy hands the key's administration to its IAM policies. */
    readonly accountId: string;
    /** CloudWatch Logs is a regional principal in the key policy. */
    readonly region: string;
    readonly database: DatabaseConfig;
    readonly cache: CacheConfig;
    readonly protection: ProtectionConfig;
    readonly tenants: readonly DataTenant[];
    /** The isolated tier, one subnet per AZ. */
    readonly isolatedSubnetIds: pulumi.Input<string[]>;
    /** AZs the VPC spans: Aurora instances are spread over the same first `azCount` zones. */
    readonly azCount: number;
    readonly databaseSecurityGroupId: pulumi.Input<string>;
    readonly cacheSecurityGroupId: pulumi.Input<string>;
    /** `bbws:dr` and the standby VPC's isolated subnets, database and cache groups; absent: no DR side. */
    readonly dr?: {
        readonly config: DrConfig;
        readonly isolatedSubnetIds: pulumi.Input<string[]>;
        readonly databaseSecurityGroupId: pulumi.Input<string>;
        readonly cacheSecurityGroupId: pulumi.Input<string>;
    };
    /** Each enterprise tenant's own VPC, by tenant id (the network layer's `tenantVpcs`): its cluster's network. Absent: none. */
    readonly tenantVpcs?: Readonly<Record<string, Partial<TenantClusterNetwork>>>;
    /** Where the password rotation function runs. */
    readonly vpcId: pulumi.Input<string>;
    readonly privateSubnetIds: pulumi.Input<string[]>;
}

/**
 * A tenant's credentials. The database secret's JSON has keys password, username, dbname, host, port,
 * engine and masterarn; rotation alternates `username` between `wp_<id>` and `wp_<id>_clone`, so a
 * container reads the user from the secret too. The cache secret's JSON has username and password.
 */
export interface TenantSecret {
    readonly arn: pulumi.Output<string>;
    /** The user the secret starts with, `wp_<id>`. */
    readonly username: string;
    readonly database: string;
    /** The tenant's own cache user (components/cache-users.ts). */
    readonly cache: CacheCredentials;
    /** An enterprise tenant's own cluster's writer and port, which its secret names; absent: the environment's cluster. */
    readonly server?: { readonly host: pulumi.Output<string>; readonly port: pulumi.Output<number> };
}

export { AURORA_LOG_EXPORTS, instanceZones, MASTER_USERNAME };

const SLOW_QUERY_LOG = [
    { name: "slow_query_log", value: "1" },
    { name: "long_query_time", value: "2" },
    // CloudWatch export reads the log files; a TABLE log would never leave the database.
    { name: "log_output", value: "FILE" },
];

/** Cluster-wide settings: WordPress's character set, TLS for every client, and the audit log. */
export const CLUSTER_PARAMETERS: ReadonlyArray<{ name: string; value: string }> = [
    { name: "character_set_server", value: "utf8mb4" },
    { name: "collation_server", value: "utf8mb4_unicode_520_ci" },
    { name: "require_secure_transport", value: "ON" },
    { name: "server_audit_logging", value: "1" },
    // Connections, grants and schema changes, not every query: the audit trail a reviewer asks for at a bearable volume.
    { name: "server_audit_events", value: "CONNECT,QUERY_DCL,QUERY_DDL" },
    ...SLOW_QUERY_LOG,
];

/** Instance settings: an instance group's own value wins over the cluster's, so the slow log is set here too. */
export const INSTANCE_PARAMETERS: ReadonlyArray<{ name: string; value: string }> = SLOW_QUERY_LOG;

/** `8.0.mysql_aurora.3.08.2` → `aurora-mysql8.0`, the parameter-group family of that engine. */
export function auroraParameterFamily(engineVersion: string): string {
    const match = /^(\d+\.\d+)\.mysql_aurora\./.exec(engineVersion);
    if (!match) throw new Error(`\`engineVersion\` '${engineVersion}' is not an Aurora MySQL version such as 8.0.mysql_aurora.3.08.2`);
    return `aurora-mysql${match[1]}`;
}

/** The port the Redis replication group listens on; WordPress is told it (components/ecs.ts). */
export const REDIS_PORT = 6379;

/** `7.1` → `redis7`, `6.2` → `redis6.x`: the parameter-group family of a Redis engine version. */
export function redisParameterFamily(engineVersion: string): string {
    const major = Number(engineVersion.split(".")[0]);
    if (!Number.isInteger(major) || major < 6) {
        throw new Error(`\`engineVersion\` '${engineVersion}' is not a Redis version this platform supports (6.x or later)`);
    }
    return major >= 7 ? `redis${major}` : `redis${major}.x`;
}

/** The inputs besides its name whose change makes AWS replace a parameter group (automation/replacement.ts). */
export interface ParameterGroupIdentity {
    readonly family: string;
    readonly description: string;
}

/**
 * A parameter group's name, `bbws-<part>-<8 hex digits>-<env>`: the digits hash the family and the
 * description, the inputs besides the name that replace the group (terraform-provider-aws
 * internal/service/rds/parameter_group.go, cluster_parameter_group.go, elasticache/parameter_group.go:
 * ForceNew). Pulumi creates the replacement first, while the cluster still uses the old group, which
 * RDS and ElastiCache refuse to delete; a major engine upgrade (a new family) needs the new group
 * beside the old one, under another name.
 */
export function parameterGroupName(env: string, part: string, identity: ParameterGroupIdentity): string {
    const digest = createHash("sha256")
        .update(JSON.stringify([identity.family, identity.description]))
        .digest("hex")
        .slice(0, 8);
    return bbwsName(env, `${part}-${digest}`);
}

/** The MySQL user and schema of a tenant, `wp_<id>` (src/config.ts: the one-off tasks create and drop them by it). */
export { tenantDatabaseName };

/** The master user's own secret where the platform keeps the password (`bbws:dr` set): `bbws/<env>/aurora/master`. */
export function masterSecretName(env: string): string {
    return `bbws/${env}/aurora/master`;
}

/**
 * The Secrets Manager name of a tenant's database credentials, `bbws/<env>/tenants/<id>/db`. The
 * platform one-off task finds any tenant's secret by this name (components/ecs.ts), so it is made here once.
 */
export function tenantDbSecretName(env: string, tenantId: string): string {
    return `bbws/${env}/tenants/${tenantId}/db`;
}

/** Failover and multi-AZ need a replica to fail over to. */
export function redisHighAvailability(nodes: number): boolean {
    return nodes >= 2;
}

/**
 * What the primary's and the standby's replication groups share (`createRedisGroup`): engine and
 * size from `bbws:cache`, the port, the parameter group (same name in each region: names are per
 * region) and high availability by node count.
 */
export function redisGroupShape(
    env: string,
    cache: CacheConfig,
): Pick<RedisGroupArgs, "cache" | "port" | "parameterGroup" | "highAvailability"> {
    const identity = {
        family: redisParameterFamily(cache.engineVersion),
        description: "BBWS Redis: object cache that evicts the least recently used key when full",
    };
    return {
        cache,
        port: REDIS_PORT,
        parameterGroup: { ...identity, name: parameterGroupName(env, "redis", identity) },
        highAvailability: redisHighAvailability(cache.nodes),
    };
}

/**
 * Phase `database` (`bbws:data:DataLayer`), after network: the KMS data key, the Aurora MySQL cluster
 * and instances, ElastiCache Redis, and each tenant's database secret under one `TenantDatabase`
 * (`<name>-<tenant id>`, components/tenant-database.ts), rotated by the function `<name>-rotation`
 * (components/secret-rotation.ts); the cache's RBAC users (components/cache-users.ts). Exposes the key
 * (storage encrypts with it), endpoints, port and secret ARNs (ECS), and cluster and Redis ids
 * (monitoring). Throws `Error` before creating anything if a tenant id makes the rotated MySQL user
 * `wp_<id>_clone` longer than MySQL's 32 characters.
 */
export class DataLayer extends pulumi.ComponentResource {
    /** The customer-managed key encrypting the database, cache, secrets, file system and backups. */
    readonly keyArn: pulumi.Output<string>;
    readonly clusterIdentifier: pulumi.Output<string>;
    /** AWS Backup selects the cluster by ARN. */
    readonly clusterArn: pulumi.Output<string>;
    readonly writerEndpoint: pulumi.Output<string>;
    readonly readerEndpoint: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    /** The master user's secret: RDS-managed, or the platform's own with `bbws:dr` (`masterPasswordKeeper`). */
    readonly masterSecretArn: pulumi.Output<string>;
    /** The writer first, then the readers. */
    readonly instanceIdentifiers: pulumi.Output<string>[];
    readonly redisReplicationGroupId: pulumi.Output<string>;
    readonly redisPrimaryEndpoint: pulumi.Output<string>;
    /** The platform one-off task's cache user; its secret's JSON has `username` and `password`. */
    readonly platformCache: CacheCredentials;
    /** The password rotation function, `bbws-rotation-<env>` (`npm run verify` reads its settings). */
    readonly rotationFunctionName: string;
    /** By tenant id. */
    readonly tenantSecrets: Readonly<Record<string, TenantSecret>>;
    /** Each enterprise tenant's own cluster, by tenant id; `{}` without enterprise tenants. */
    readonly tenantClusters: Readonly<Record<string, TenantCluster>>;
    /** The DR side (components/global-database.ts), when `bbws:dr` is set. */
    readonly dr: GlobalDatabase | undefined;
    /** The standby region's cold Redis (components/standby-cache.ts), when `bbws:dr` is set. */
    readonly standbyCache: StandbyCache | undefined;

    constructor(name: string, args: DataLayerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("bbws:data:DataLayer", name, {}, opts);
        const tooLong = args.tenants.filter(
            (t) => usernamesTooLongToRotate([tenantDatabaseName(t.id)], ROTATION_USERNAME_LIMIT).length > 0,
        );
        if (tooLong.length > 0) {
            throw new Error(
                `tenant id(s) ${tooLong.map((t) => `\`${t.id}\``).join(", ")} too long: the rotated MySQL user ` +
                    `\`wp_<id>${ROTATION_CLONE_SUFFIX}\` must fit in ${ROTATION_USERNAME_LIMIT} characters (ids of at most ${MAX_TENANT_ID_LENGTH})`,
            );
        }
        const { env, protection } = args;

        const key = createDataKey(this, name, {
            stackRegion: args.region,
            accountId: args.accountId,
            description: `BBWS ${env} data at rest: Aurora, Redis, secrets, EFS, S3 and backups`,
            alias: `alias/bbws-${env}-data`,
            tags: { Name: bbwsName(env, "data") },
            options: statefulOptions(this, protection, { retain: true }),
        });
        this.keyArn = key.arn;

        // 41 is Aurora MySQL's longest master password (CreateDBCluster, MasterUserPassword); no specials,
        // so no '/', '"' or '@', which RDS refuses.
        const masterPassword =
            masterPasswordKeeper(args.dr?.config) === "platform"
                ? new random.RandomPassword(`${name}-aurora-master-password`, { length: 40, special: false }, { parent: this })
                : undefined;
        const settings = this.createAuroraSharedSettings(name, args);
        const spec: AuroraClusterSpec = {
            ...settings,
            identifier: bbwsName(env, "aurora"),
            database: args.database,
            keyArn: key.arn,
            subnetIds: args.isolatedSubnetIds,
            securityGroupId: args.databaseSecurityGroupId,
            azCount: args.azCount,
            masterPassword: masterPassword?.result,
            // Instances take automatic minor upgrades, which move the cluster's version past the one
            // configured: without this, drift would report it and the next `up` would try to downgrade.
            // A major upgrade is still a deliberate config change (the parameter family follows it).
            // With `bbws:dr` the global database makes it a member (terraform-provider-aws
            // rds_global_cluster.html.markdown, "New Global Cluster From Existing DB Cluster": ignore it),
            // and after a switchover or managed failover it is a secondary replicating from eu-west-1 until
            // the failback, which sets its replicationSourceIdentifier: both are the secondary's
            // SECONDARY_IGNORED_CHANGES, so the primary ignores them too.
            ignoreChanges: args.dr ? [...SECONDARY_IGNORED_CHANGES] : ["engineVersion"],
            stateful: statefulOptions(this, protection),
        };
        const cluster = createAuroraCluster(this, name, spec);
        this.clusterIdentifier = cluster.clusterIdentifier;
        this.clusterArn = cluster.arn;
        this.writerEndpoint = cluster.endpoint;
        this.readerEndpoint = cluster.readerEndpoint;
        this.port = cluster.port;
        const instances = createAuroraInstances(this, name, spec, cluster);
        this.instanceIdentifiers = instances.map((instance) => instance.identifier);
        this.dr =
            args.dr &&
            new GlobalDatabase(
                `${name}-dr`,
                {
                    ...args,
                    dr: args.dr.config,
                    primaryClusterArn: cluster.arn,
                    primaryInstances: instances,
                    isolatedSubnetIds: args.dr.isolatedSubnetIds,
                    databaseSecurityGroupId: args.dr.databaseSecurityGroupId,
                    clusterParameters: CLUSTER_PARAMETERS,
                    parameterFamily: auroraParameterFamily(args.database.engineVersion),
                },
                { parent: this },
            );
        this.masterSecretArn =
            masterPassword && this.dr
                ? this.platformMasterSecret(name, args, key, cluster, masterPassword.result, this.dr.keyArn)
                : cluster.masterUserSecrets.apply((secrets) => secrets[0].secretArn);

        const redis = this.createRedis(name, args, key);
        this.redisReplicationGroupId = redis.group.replicationGroupId;
        this.redisPrimaryEndpoint = redis.group.primaryEndpointAddress;
        this.platformCache = redis.platformCache;
        this.standbyCache =
            args.dr &&
            this.dr &&
            new StandbyCache(
                `${name}-dr-cache`,
                {
                    env,
                    dr: args.dr.config,
                    shape: redisGroupShape(env, {
                        ...args.cache,
                        nodeType: args.dr.config.standby.cacheNodeType ?? args.cache.nodeType,
                        nodes: args.dr.config.standby.cacheNodes,
                    }),
                    isolatedSubnetIds: args.dr.isolatedSubnetIds,
                    securityGroupId: args.dr.cacheSecurityGroupId,
                    keyArn: this.dr.keyArn,
                },
                { parent: this },
            );

        const rotation = new RotationFunction(
            `${name}-rotation`,
            {
                env,
                region: args.region,
                accountId: args.accountId,
                vpcId: args.vpcId,
                privateSubnetIds: args.privateSubnetIds,
                databaseSecurityGroupId: args.databaseSecurityGroupId,
                masterSecretArn: this.masterSecretArn,
                keyArn: key.arn,
            },
            { parent: this },
        );

        this.rotationFunctionName = rotation.functionName;
        const tenantSecrets: Record<string, TenantSecret> = {};
        const tenantClusters: Record<string, TenantCluster> = {};
        for (const tenant of args.tenants) {
            const database = tenantDatabaseName(tenant.id);
            const ownCluster = hasOwnDatabase(tenant.tier) ? this.tenantClusterArgs(args, tenant, settings) : undefined;
            const tenantDatabase = new TenantDatabase(
                `${name}-${tenant.id}`,
                {
                    tenantId: tenant.id,
                    secretName: tenantDbSecretName(env, tenant.id),
                    database,
                    keyArn: key.arn,
                    recoveryWindowInDays: protection.secretRecoveryDays,
                    host: cluster.endpoint,
                    port: cluster.port,
                    ownCluster,
                    layerName: name,
                    env,
                    cacheUserGroupId: redis.userGroupId,
                    cacheReplicationGroup: redis.group,
                    masterSecretArn: this.masterSecretArn,
                    rotation: { lambdaArn: rotation.lambdaArn, days: args.database.rotationDays, ready: rotation.settings },
                    rotationPaused: databaseRotationPaused(tenant),
                    replica: this.dr && { region: args.dr!.config.region, kmsKeyId: this.dr.keyArn },
                    standbyCache: this.standbyCache && {
                        region: args.dr!.config.region,
                        userGroupId: this.standbyCache.userGroupId,
                        replicationGroup: this.standbyCache.replicationGroup,
                    },
                },
                { parent: this },
            );
            const own = tenantDatabase.cluster;
            tenantSecrets[tenant.id] = {
                arn: tenantDatabase.secretArn,
                username: database,
                database,
                cache: tenantDatabase.cache,
                ...(own ? { server: { host: own.writerEndpoint, port: own.port } } : {}),
            };
            if (own) tenantClusters[tenant.id] = own;
        }
        this.tenantSecrets = tenantSecrets;
        this.tenantClusters = tenantClusters;

        this.registerOutputs({
            keyArn: this.keyArn,
            clusterIdentifier: this.clusterIdentifier,
            clusterArn: this.clusterArn,
            writerEndpoint: this.writerEndpoint,
            readerEndpoint: this.readerEndpoint,
            port: this.port,
            masterSecretArn: this.masterSecretArn,
            instanceIdentifiers: this.instanceIdentifiers,
            redisReplicationGroupId: this.redisReplicationGroupId,
            redisPrimaryEndpoint: this.redisPrimaryEndpoint,
            platformCacheSecretArn: this.platformCache.secretArn,
            rotationFunctionName: this.rotationFunctionName,
            tenantSecretArns: Object.fromEntries(Object.entries(tenantSecrets).map(([id, s]) => [id, s.arn])),
        });
    }

    /**
     * The master user's secret when the platform keeps the password (see `masterPasswordKeeper`): the
     * JSON the rotation function and the platform task read (username, password, engine, host, port,
     * dbClusterIdentifier), encrypted with the data key and replicated to the DR region under that
     * region's data key, so the standby reads it there under the same name after a failover. Not
     * rotated by a schedule: a new password is `--replace` of the RandomPassword, which updates the
     * cluster and this value in one rollout (README, DR design).
     */
    private platformMasterSecret(
        name: string,
        args: DataLayerArgs,
        key: aws.kms.Key,
        cluster: aws.rds.Cluster,
        password: pulumi.Output<string>,
        drKeyArn: pulumi.Input<string>,
    ): pulumi.Output<string> {
        const { secret } = secretWithValue(
            `${name}-aurora-master`,
            {
                name: masterSecretName(args.env),
                description: "Aurora master user: kept by the platform, since a global database cannot have an RDS-managed one",
                kmsKeyId: key.arn,
                recoveryWindowInDays: args.protection.secretRecoveryDays,
                replicas: [{ region: args.dr!.config.region, kmsKeyId: drKeyArn }],
            },
            jsonOf({
                username: MASTER_USERNAME,
                password,
                engine: ROTATION_ENGINE,
                host: cluster.endpoint,
                port: cluster.port,
                dbClusterIdentifier: cluster.clusterIdentifier,
            }),
            () => ({ parent: this }),
        );
        return secret.arn;
    }

    /**
     * What an enterprise tenant's own cluster is built from (its `TenantDatabase` builds it, as the
     * child `<layer>-<id>-cluster`). Throws `Error` when `tenantVpcs` has no VPC with a database group
     * for it (the network layer builds one for every enterprise tenant).
     */
    private tenantClusterArgs(
        args: DataLayerArgs,
        tenant: DataTenant,
        shared: AuroraSharedSettings,
    ): NonNullable<TenantDatabaseArgs["ownCluster"]> {
        const vpc = args.tenantVpcs?.[tenant.id];
        if (!vpc?.vpcId || !vpc.privateSubnetIds || !vpc.isolatedSubnetIds || !vpc.databaseSecurityGroupId) {
            throw new Error(
                `tenant \`${tenant.id}\` is ${tenant.tier}: its cluster needs its own VPC with a database group in \`tenantVpcs\``,
            );
        }
        return {
            region: args.region,
            accountId: args.accountId,
            offboarding: tenant.offboarding === true,
            database: args.database,
            azCount: args.azCount,
            network: {
                vpcId: vpc.vpcId,
                privateSubnetIds: vpc.privateSubnetIds,
                isolatedSubnetIds: vpc.isolatedSubnetIds,
                databaseSecurityGroupId: vpc.databaseSecurityGroupId,
            },
            shared,
        };
    }

    /**
     * The parameter groups every cluster of the environment uses (the shared one and each enterprise
     * tenant's), and the enhanced-monitoring role when `monitoringIntervalSeconds` is above 0.
     */
    private createAuroraSharedSettings(name: string, args: DataLayerArgs): AuroraSharedSettings {
        const { env, database } = args;
        const family = auroraParameterFamily(database.engineVersion);
        const clusterGroup = { family, description: "BBWS Aurora MySQL cluster: utf8mb4, TLS only, audit and slow-query logs" };
        const clusterParameters = new aws.rds.ClusterParameterGroup(
            `${name}-aurora-cluster-params`,
            {
                ...clusterGroup,
                name: parameterGroupName(env, "aurora-cluster", clusterGroup),
                parameters: [...CLUSTER_PARAMETERS],
            },
            { parent: this },
        );
        const instanceGroup = { family, description: "BBWS Aurora MySQL instances: slow-query log" };
        const instanceParameters = new aws.rds.ParameterGroup(
            `${name}-aurora-instance-params`,
            {
                ...instanceGroup,
                name: parameterGroupName(env, "aurora-instance", instanceGroup),
                parameters: [...INSTANCE_PARAMETERS],
            },
            { parent: this },
        );
        const monitoringRole = database.monitoringIntervalSeconds > 0 ? this.monitoringRole(name, env) : undefined;
        return {
            clusterParameterGroupName: clusterParameters.name,
            instanceParameterGroupName: instanceParameters.name,
            monitoringRoleArn: monitoringRole?.arn,
        };
    }

    private monitoringRole(name: string, env: string): aws.iam.Role {
        const role = new aws.iam.Role(
            `${name}-rds-monitoring-role`,
            {
                name: bbwsName(env, "rds-monitoring"),
                assumeRolePolicy: serviceAssumeRolePolicy("monitoring.rds.amazonaws.com"),
            },
            { parent: this },
        );
        new aws.iam.RolePolicyAttachment(
            `${name}-rds-monitoring-policy`,
            {
                role: role.name,
                policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
            },
            { parent: this },
        );
        return role;
    }

    private createRedis(name: string, args: DataLayerArgs, key: aws.kms.Key) {
        const users = this.createCacheUsers(name, args, key);
        const group = createRedisGroup(
            `${name}-redis`,
            {
                ...redisGroupShape(args.env, args.cache),
                identifier: bbwsName(args.env, "redis"),
                subnetIds: args.isolatedSubnetIds,
                securityGroupId: args.cacheSecurityGroupId,
                keyArn: key.arn,
                userGroupId: users.userGroupId,
                description: `BBWS ${args.env} WordPress object cache`,
            },
            this,
            statefulOptions(this, args.protection),
        );
        return { group, userGroupId: users.userGroupId, platformCache: users.platformCache };
    }

    /**
     * The user group `bbws-redis-<env>` with the `default` user that can do nothing and the platform
     * task's user. Tenants' users join it through their own `UserGroupAssociation` (components/
     * tenant-database.ts), so adding a tenant stays in the tenant's subtree; `userIds` is therefore
     * ignored here, as the provider's documentation asks of a group with associations.
     */
    private createCacheUsers(name: string, args: DataLayerArgs, key: aws.kms.Key) {
        const { env } = args;
        const common = { env, keyArn: key.arn, recoveryWindowInDays: args.protection.secretRecoveryDays };
        const defaultUser = createCacheUser(
            `${name}-redis-default-user`,
            {
                ...common,
                userId: cacheUserId(env, "default"),
                userName: DEFAULT_CACHE_USER_NAME,
                accessString: DEFAULT_USER_ACCESS_STRING,
                tags: {},
            },
            this,
        );
        const platformUserId = cacheUserId(env, "platform");
        const platform = createCacheUser(
            `${name}-redis-platform-user`,
            {
                ...common,
                userId: platformUserId,
                userName: platformUserId,
                accessString: PLATFORM_ACCESS_STRING,
                secret: {
                    name: `bbws/${env}/redis/platform`,
                    description: "Redis user of the platform one-off task: every key, no dangerous command",
                },
                tags: {},
            },
            this,
        );
        const group = new aws.elasticache.UserGroup(
            `${name}-redis-users`,
            {
                userGroupId: cacheUserGroupId(env),
                engine: "redis",
                userIds: [defaultUser.user.userId, platform.user.userId],
            },
            { parent: this, ignoreChanges: ["userIds"] },
        );
        return {
            userGroupId: group.userGroupId,
            platformCache: { userId: platform.user.userId, username: platformUserId, secretArn: platform.secretArn! },
        };
    }
}
