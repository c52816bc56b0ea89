/**
 * One tenant's part of the data layer (`bbws:data:TenantDatabase`): the generated password and the
 * Secrets Manager secret the tenant's WordPress reads its database credentials from, the rotation of
 * that secret, and the tenant's own cache user with its secret.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { jsonOf, SecretReplica, secretReplicas, secretWithValue, TenantComponent } from "./shared";
import { CacheCredentials, cacheUserId, createCacheUser, tenantAccessString, tenantCacheSecretName } from "./cache-users";
import { ROTATION_ENGINE } from "./secret-rotation";
import { TenantCluster, TenantClusterArgs } from "./tenant-cluster";
import { ROTATION_PAUSED_TAG } from "../src/config";

export interface TenantDatabaseArgs {
    readonly tenantId: string;
    readonly env: string;
    /** The secret's name, `bbws/<env>/tenants/<id>/db` (`tenantDbSecretName`, which the platform task reads too). */
    readonly secretName: string;
    /** The MySQL user and schema, `wp_<id>` (`tenantDatabaseName`). */
    readonly database: string;
    /** The data key: the secret is encrypted with it. */
    readonly keyArn: pulumi.Input<string>;
    /** Days a deleted secret stays recoverable (`protection.secretRecoveryDays`). */
    readonly recoveryWindowInDays: number;
    /** The shared cluster's writer endpoint and port, written into the secret for WordPress. */
    readonly host: pulumi.Input<string>;
    readonly port: pulumi.Input<number>;
    /** The master secret (RDS-managed, or the platform's with `bbws:dr`): the rotation function creates and changes users with it (`masterarn`). */
    readonly masterSecretArn: pulumi.Input<string>;
    /** The rotation function and schedule; absent: the secret is not rotated. */
    readonly rotation?: {
        readonly lambdaArn: pulumi.Input<string>;
        readonly days: number;
        /** What the function needs before it can rotate (its settings): the rotation waits for it. */
        readonly ready: pulumi.Resource;
    };
    /**
     * The tenant is stopped (src/config.ts `databaseRotationPaused`): its secret gets
     * no `SecretRotation` and is tagged `RotationPaused: true` (`ROTATION_PAUSED_TAG`); its values stay as
     * they are (Pulumi still ignores them once the environment rotates).
     */
    readonly rotationPaused?: boolean;
    /**
     * An enterprise tenant's own cluster (`TenantCluster`, the child `<name>-cluster`): then its writer
     * endpoint, port, master secret and rotation function take the place of `host`, `port`,
     * `masterSecretArn` and `rotation`'s function (its schedule stays `rotation.days`).
     */
    readonly ownCluster?: Omit<TenantClusterArgs, "tenantId" | "env" | "secretKeyArn">;
    /** The replication group's user group, which the tenant's cache user joins. */
    readonly cacheUserGroupId: pulumi.Input<string>;
    /**
     * The replication group using that user group: the membership waits for it, because adding a user
     * (ModifyUserGroup) is refused while the group is `modifying`, which it is while the replication
     * group takes it on (see the membership below).
     */
    readonly cacheReplicationGroup: pulumi.Resource;
    /** The layer's name: the children keep the names they had under it (`<layer>-tenant-<id>-db…`). */
    readonly layerName: string;
    /** With `bbws:dr`: the database and cache secrets' replicas in the DR region, where the standby's tasks read them. */
    readonly replica?: SecretReplica;
    /**
     * With `bbws:dr`: the standby's Redis (components/standby-cache.ts), which the tenant's cache user
     * joins too, as its twin in that region (ElastiCache users and user groups are regional).
     */
    readonly standbyCache?: {
        readonly region: string;
        readonly userGroupId: pulumi.Input<string>;
        readonly replicationGroup: pulumi.Resource;
    };
}

/**
 * The tenant's credentials: a 40-character password (`<layer>-tenant-<id>-db-password`) and the secret
 * `bbws/<env>/tenants/<id>/db` (`<layer>-tenant-<id>-db`, value `…-db-value`) holding JSON
 * `{password, username, dbname, host, port, engine, masterarn}` (what the AWS rotation function
 * expects), tag `Tenant=<id>`; with `rotation`, its schedule (`…-db-rotation`, none while `rotationPaused`) and the same JSON
 * again as `…-db-rotatable-value`, created once so that secrets older than rotation gain the fields
 * the function needs; Pulumi ignores both values' changes after that. The cache user
 * `bbws-t-<id>-<env>` (`…-cache-user`), its secret `bbws/<env>/tenants/<id>/cache` and its membership
 * of the user group (`…-cache-user-membership`). The database children keep the names they had as the
 * layer's own, each with an alias naming the layer as its former parent, so moving them here replaced
 * nothing. An enterprise tenant's own cluster is the child `<name>-cluster` (`ownCluster`), so the
 * tenant stays one subtree of the database phase (README "A tenant is one subtree per phase").
 */
export class TenantDatabase extends TenantComponent {
    /** The secret's ARN: the tenant's container reads it. */
    readonly secretArn: pulumi.Output<string>;
    /** The tenant's cache user and its secret. */
    readonly cache: CacheCredentials;
    /** An enterprise tenant's own cluster; undefined for the others. */
    readonly cluster?: TenantCluster;

    constructor(name: string, args: TenantDatabaseArgs, opts: pulumi.ComponentResourceOptions) {
        super("bbws:data:TenantDatabase", name, opts);
        const { tenantId: t, database } = args;
        const base = `${args.layerName}-tenant-${t}-db`;
        const own =
            args.ownCluster &&
            new TenantCluster(
                `${name}-cluster`,
                { ...args.ownCluster, env: args.env, tenantId: t, secretKeyArn: args.keyArn },
                { parent: this },
            );
        this.cluster = own;
        const password = new random.RandomPassword(`${base}-password`, { length: 40, special: false }, this.moved());
        const value = jsonOf({
            password: password.result,
            username: database,
            dbname: database,
            host: own ? own.writerEndpoint : args.host,
            port: own ? own.port : args.port,
            engine: ROTATION_ENGINE,
            masterarn: own ? own.masterSecretArn : args.masterSecretArn,
        });
        // Once rotated, the secret's current value is the rotation's (the other user, a new password):
        // writing the first value again would hand new tasks a password that no longer works.
        const rotationOwnsValue: pulumi.CustomResourceOptions = args.rotation ? { ignoreChanges: ["secretString"] } : {};
        const { secret, version } = secretWithValue(
            base,
            {
                name: args.secretName,
                description: `Database credentials of tenant ${t}`,
                kmsKeyId: args.keyArn,
                recoveryWindowInDays: args.recoveryWindowInDays,
                tags: { Tenant: t, ...(args.rotation && args.rotationPaused ? { [ROTATION_PAUSED_TAG]: "true" } : {}) },
                ...secretReplicas(args.replica),
            },
            value,
            (suffix) => this.moved(suffix === "-value" ? rotationOwnsValue : {}),
        );
        this.secretArn = secret.arn;
        if (args.rotation) {
            // Secrets created before rotation was turned on hold {password, username, dbname, host, port}:
            // `engine` and `masterarn` came with rotation, in the same update that made Pulumi ignore the
            // value, so `-value` never gained them, and the function refuses a secret without `engine`
            // (get_secret_dict's required fields) and reads `masterarn` in set_secret. This version,
            // under a name of its own, is created once in every tenant's secret with the whole JSON and
            // becomes AWSCURRENT (after `-value`, so it wins for a new tenant too); then it is ignored like
            // `-value`. Its first user and password are still current: no rotation can have succeeded on a
            // secret without `engine`, and a new tenant's first rotation is `rotationDays` away.
            const rotatable = new aws.secretsmanager.SecretVersion(
                `${base}-rotatable-value`,
                { secretId: secret.id, secretString: value },
                { ...rotationOwnsValue, parent: this, dependsOn: [version] },
            );
            // Paused: the resource's delete is CancelRotateSecret, its create RotateSecret (terraform-provider-aws
            // secretsmanager/secret_rotation.go), so the start's rollout configures it again.
            if (!args.rotationPaused) {
                new aws.secretsmanager.SecretRotation(
                    `${base}-rotation`,
                    {
                        secretId: secret.id,
                        rotationLambdaArn: own ? own.rotation.lambdaArn : args.rotation.lambdaArn,
                        rotationRules: { automaticallyAfterDays: args.rotation.days },
                        // The first rotation is `days` away. Secrets Manager still tests the configuration with
                        // the function's testSecret, which logs in as the secret's user: hence none while paused.
                        rotateImmediately: false,
                    },
                    { parent: this, dependsOn: [rotatable, own ? own.rotation.settings : args.rotation.ready] },
                );
            }
        }

        const userId = cacheUserId(args.env, { tenantId: t });
        const cacheUser = createCacheUser(
            `${args.layerName}-tenant-${t}-cache-user`,
            {
                env: args.env,
                userId,
                userName: userId,
                accessString: tenantAccessString(t),
                secret: { name: tenantCacheSecretName(args.env, t), description: `Redis credentials of tenant ${t}: its own keys only` },
                keyArn: args.keyArn,
                recoveryWindowInDays: args.recoveryWindowInDays,
                tags: { Tenant: t },
                replica: args.replica,
                standbyRegion: args.standbyCache?.region,
            },
            this,
        );
        new aws.elasticache.UserGroupAssociation(
            `${args.layerName}-tenant-${t}-cache-user-membership`,
            { userGroupId: args.cacheUserGroupId, userId: cacheUser.user.userId },
            // The provider retries ModifyUserGroup on InvalidUserGroupState for a fixed 10 minutes and
            // declares no timeouts to raise (terraform-provider-aws elasticache/user_group_association.go,
            // RetryWhenIsA[*awstypes.InvalidUserGroupStateFault]); after the replication group is done
            // with the user group, only the other tenants' memberships compete for it.
            { parent: this, dependsOn: [args.cacheReplicationGroup] },
        );
        if (args.standbyCache && cacheUser.standbyUser) {
            new aws.elasticache.UserGroupAssociation(
                `${args.layerName}-tenant-${t}-cache-user-dr-membership`,
                { region: args.standbyCache.region, userGroupId: args.standbyCache.userGroupId, userId: cacheUser.standbyUser.userId },
                { parent: this, dependsOn: [args.standbyCache.replicationGroup] },
            );
        }
        this.cache = { userId: cacheUser.user.userId, username: userId, secretArn: cacheUser.secretArn! };
        this.registerOutputs({ secretArn: this.secretArn, cacheSecretArn: this.cache.secretArn });
    }
}
