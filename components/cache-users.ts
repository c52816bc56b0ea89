/**
 * Cache isolation (ElastiCache RBAC): who may use the shared Redis replication group and which keys
 * each may touch. Every tenant has its own user limited to its key prefix, the platform's one-off task
 * has its own, and the `default` user, which every client that sends no user name is, can do nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { bbwsName, jsonOf, SecretReplica, secretReplicas, secretWithValue } from "./shared";

/**
 * ElastiCache requires a user named `default` in every user group (CreateUserGroup:
 * `DefaultUserRequired`; CloudFormation `AWS::ElastiCache::UserGroup` `UserIds`: "A user named
 * default must be included"). Clients that authenticate with a password alone are this user.
 */
export const DEFAULT_CACHE_USER_NAME = "default";

/**
 * What the default user may do: nothing (`off`: it cannot authenticate; `-@all`: and would run no
 * command if it could). ElastiCache user guide, "Role-Based Access Control (RBAC)": a user is off
 * unless its access string says `on`.
 */
export const DEFAULT_USER_ACCESS_STRING = "off -@all";

/**
 * A tenant's key prefix, `<id>:`, which WordPress's object cache puts in front of every key
 * (`WP_REDIS_PREFIX`). A tenant id is a DNS label (no `:` and no glob character), so no tenant's
 * prefix starts another's: `a:` never begins `a-b:…`.
 */
export function tenantCachePrefix(tenantId: string): string {
    return `${tenantId}:`;
}

/**
 * What a tenant's user may do: authenticate (`on`); touch keys and Pub/Sub channels under its own
 * prefix only (`~<prefix>*`, `&<prefix>*`); run every command but the `@dangerous` ones (FLUSHALL,
 * FLUSHDB, SWAPDB, KEYS, MONITOR, CONFIG, RESTORE, SORT … by Redis 7.0's categories) except INFO,
 * which the object-cache drop-in sends on connect (`fetch_info`) and which shows counts, not data;
 * neither FUNCTION nor SCRIPT, whose FLUSH/DELETE/LOAD change what every user of the group runs; and
 * none of the commands that list key or channel names without naming a key, which key patterns do not
 * filter (KEYS again, should the categories change, SCAN, RANDOMKEY, PUBSUB): a tenant cannot list
 * another's key names. The Redis ACL rules this relies on are in src/policy/redis-acl.ts
 * (`NAME_LISTING_COMMANDS`); `-<command>` is plain Redis ACL syntax, which ElastiCache RBAC takes
 * (ElastiCache user guide, "Role-Based Access Control": only passwords and `reset` are refused).
 */
export function tenantAccessString(tenantId: string): string {
    const prefix = tenantCachePrefix(tenantId);
    return `on ~${prefix}* &${prefix}* +@all -@dangerous +info -function -script -keys -scan -randomkey -pubsub`;
}

/**
 * The platform one-off task's user: every key (it removes an offboarded tenant's keys and checks the
 * cache is reachable), still without the `@dangerous` commands.
 */
export const PLATFORM_ACCESS_STRING = "on ~* &* +@all -@dangerous +info -function -script";

/**
 * An ElastiCache user id, `bbws-<part>-<env>`. CreateUser: `[a-zA-Z][a-zA-Z0-9-]*`, stored in
 * lower case; ids are unique in the account and region (automation/aws-name-rules.ts). Tenants'
 * users are `bbws-t-<id>-<env>`: `t-` keeps a tenant called `platform` or `default` from taking
 * the platform's or the default user's id.
 */
export function cacheUserId(env: string, owner: { tenantId: string } | "platform" | "default"): string {
    return bbwsName(env, typeof owner === "string" ? owner : `t-${owner.tenantId}`);
}

/** The user group every user of the replication group is in, `bbws-redis-<env>` (`[a-z][a-z0-9-]*`). */
export function cacheUserGroupId(env: string): string {
    return bbwsName(env, "redis");
}

/** A cache user's credentials: its secret's JSON has `username` and `password`. */
export interface CacheCredentials {
    readonly userId: pulumi.Output<string>;
    /** The name the client sends in `AUTH <username> <password>` (the user id, here). */
    readonly username: string;
    readonly secretArn: pulumi.Output<string>;
}

/** Where a cache user's credentials live and how long a deleted secret stays recoverable. */
export interface CacheUserArgs {
    readonly env: string;
    readonly userId: string;
    readonly userName: string;
    readonly accessString: string;
    /** The secret holding the credentials; absent: none (the default user's password is never used). */
    readonly secret?: { readonly name: string; readonly description: string };
    readonly keyArn: pulumi.Input<string>;
    readonly recoveryWindowInDays: number;
    readonly tags: Record<string, string>;
    /** With `bbws:dr`: the secret's replica in the DR region. */
    readonly replica?: SecretReplica;
    /** The user's region; absent: the provider's (`aws:region`). */
    readonly region?: string;
    /**
     * With `bbws:dr`: the same user (id, name, access string and password) again in the DR region,
     * for the standby's Redis. ElastiCache users are regional, and the standby's tasks read the
     * secret's replica, which holds this one password.
     */
    readonly standbyRegion?: string;
}

/**
 * An ElastiCache user (`<name>`) with a generated 64-character password (`<name>-password`;
 * ElastiCache takes 16–128 characters, terraform-provider-aws `elasticache/user.go`) and, when
 * `secret` is given, the secret `<name>-secret` holding JSON `{username, password}` for ECS to
 * inject; with `standbyRegion`, its twin `<name>-dr` there. `parent` is the caller's component.
 */
export function createCacheUser(
    name: string,
    args: CacheUserArgs,
    parent: pulumi.Resource,
): { user: aws.elasticache.User; standbyUser?: aws.elasticache.User; secretArn?: pulumi.Output<string> } {
    const password = new random.RandomPassword(`${name}-password`, { length: 64, special: false }, { parent });
    const userIn = (logicalName: string, region: string | undefined) =>
        new aws.elasticache.User(
            logicalName,
            {
                ...(region === undefined ? {} : { region }),
                userId: args.userId,
                userName: args.userName,
                engine: "redis",
                accessString: args.accessString,
                // The top-level `passwords`, which the SDK marks secret; `authenticationMode.passwords` is not.
                passwords: [password.result],
                tags: args.tags,
            },
            { parent },
        );
    const user = userIn(name, args.region);
    const standbyUser = args.standbyRegion === undefined ? undefined : userIn(`${name}-dr`, args.standbyRegion);
    if (!args.secret) return { user, standbyUser };
    const { secret } = secretWithValue(
        `${name}-secret`,
        {
            name: args.secret.name,
            description: args.secret.description,
            kmsKeyId: args.keyArn,
            recoveryWindowInDays: args.recoveryWindowInDays,
            tags: args.tags,
            ...secretReplicas(args.replica),
        },
        jsonOf({ username: args.userName, password: password.result }),
        () => ({ parent }),
    );
    return { user, standbyUser, secretArn: secret.arn };
}

/** The Secrets Manager name of a tenant's cache credentials, `bbws/<env>/tenants/<id>/cache`. */
export function tenantCacheSecretName(env: string, tenantId: string): string {
    return `bbws/${env}/tenants/${tenantId}/cache`;
}
