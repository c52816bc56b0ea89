/**
 * The standby region's Redis (issue 17), built by the data layer (phase `database`) when `bbws:dr` is
 * set: a cold object cache for the standby's WordPress. An object cache holds nothing the database
 * does not, so it is not replicated; it is the primary's replication group again (`createRedisGroup`:
 * same engine, size and parameters) in the standby VPC, under the DR key, with the same RBAC users.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { DrConfig } from "../src/config";
import { cacheUserGroupId, cacheUserId, createCacheUser, DEFAULT_CACHE_USER_NAME, DEFAULT_USER_ACCESS_STRING } from "./cache-users";
import { createRedisGroup, RedisGroupArgs } from "./redis-group";
import { bbwsName } from "./shared";

/** What the data layer hands the standby's Redis. */
export interface StandbyCacheArgs {
    readonly env: string;
    readonly dr: DrConfig;
    /** The primary's engine, size, port, parameter group and availability (components/data.ts `redisGroupShape`). */
    readonly shape: Pick<RedisGroupArgs, "cache" | "port" | "parameterGroup" | "highAvailability">;
    /** The standby VPC's isolated subnets and its `cache` group (components/standby-network.ts). */
    readonly isolatedSubnetIds: pulumi.Input<string[]>;
    readonly securityGroupId: pulumi.Input<string>;
    /** The DR region's data key. */
    readonly keyArn: pulumi.Input<string>;
}

/**
 * `bbws:data:StandbyCache` (`<data layer>-dr-cache`), every child in `dr.region`: the `default` user
 * that can do nothing, the user group `bbws-redis-<env>` (ids are unique per region, so the primary's
 * id again) and the replication group `bbws-redis-dr-<env>`. Each tenant's user joins the group from
 * the tenant's own subtree (components/tenant-database.ts), as in the primary region; the platform
 * task's user does not: the standby runs no platform task.
 */
export class StandbyCache extends pulumi.ComponentResource {
    readonly userGroupId: pulumi.Output<string>;
    /** The memberships wait for it: ModifyUserGroup is refused while the replication group takes the group on. */
    readonly replicationGroup: aws.elasticache.ReplicationGroup;
    readonly primaryEndpoint: pulumi.Output<string>;

    constructor(name: string, args: StandbyCacheArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("bbws:data:StandbyCache", name, {}, opts);
        const { env } = args;
        const region = args.dr.region;
        const defaultUser = createCacheUser(
            `${name}-default-user`,
            {
                env,
                region,
                userId: cacheUserId(env, "default"),
                userName: DEFAULT_CACHE_USER_NAME,
                accessString: DEFAULT_USER_ACCESS_STRING,
                keyArn: args.keyArn,
                recoveryWindowInDays: 0,
                tags: {},
            },
            this,
        );
        // Tenants join through their own associations, so `userIds` is ignored, as on the primary's group.
        const group = new aws.elasticache.UserGroup(
            `${name}-users`,
            { region, userGroupId: cacheUserGroupId(env), engine: "redis", userIds: [defaultUser.user.userId] },
            { parent: this, ignoreChanges: ["userIds"] },
        );
        this.replicationGroup = createRedisGroup(
            `${name}-redis`,
            {
                ...args.shape,
                region,
                identifier: bbwsName(env, "redis-dr"),
                subnetIds: args.isolatedSubnetIds,
                securityGroupId: args.securityGroupId,
                keyArn: args.keyArn,
                userGroupId: group.userGroupId,
                description: `BBWS ${env} WordPress object cache, standby region (cold)`,
            },
            this,
            {},
        );
        this.userGroupId = group.userGroupId;
        this.primaryEndpoint = this.replicationGroup.primaryEndpointAddress;
        this.registerOutputs({ userGroupId: this.userGroupId, primaryEndpoint: this.primaryEndpoint });
    }
}
