/**
 * One Redis replication group as the platform runs it, shared by the primary region's object cache
 * (components/data.ts) and the standby region's cold one (components/standby-cache.ts), so the two
 * cannot drift: the same engine, node type and count, parameters, encryption and RBAC settings.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { CacheConfig } from "../src/config";

/** Everything a replication group takes that its caller decides. */
export interface RedisGroupArgs {
    /** `bbws-redis-<env>` (primary) or `bbws-redis-dr-<env>`: the group's, subnet group's and slow log's name. */
    readonly identifier: string;
    /** The standby region; absent: the provider's (`aws:region`). */
    readonly region?: string;
    readonly cache: CacheConfig;
    readonly port: number;
    /** The parameter group's name, family and description (components/data.ts `parameterGroupName`). */
    readonly parameterGroup: { readonly name: string; readonly family: string; readonly description: string };
    /** Failover and multi-AZ (`redisHighAvailability`). */
    readonly highAvailability: boolean;
    readonly subnetIds: pulumi.Input<string[]>;
    readonly securityGroupId: pulumi.Input<string>;
    /** The data key of the group's region: at-rest encryption. */
    readonly keyArn: pulumi.Input<string>;
    /** The RBAC user group of the group's region (user groups are regional). */
    readonly userGroupId: pulumi.Input<string>;
    readonly description: string;
}

/**
 * The subnet group (`<prefix>-subnets`), parameter group (`<prefix>-params`, `maxmemory-policy
 * allkeys-lru`), slow-log group (`<prefix>-slow-log`) and replication group (`<prefix>`, options
 * `groupOptions`), every child parented to `parent` and in `args.region`.
 */
export function createRedisGroup(
    prefix: string,
    args: RedisGroupArgs,
    parent: pulumi.Resource,
    groupOptions: pulumi.CustomResourceOptions,
): aws.elasticache.ReplicationGroup {
    const { cache, identifier } = args;
    const inRegion = args.region === undefined ? {} : { region: args.region };
    const subnetGroup = new aws.elasticache.SubnetGroup(
        `${prefix}-subnets`,
        { ...inRegion, name: identifier, description: "BBWS Redis: isolated subnets", subnetIds: args.subnetIds },
        { parent },
    );
    const parameters = new aws.elasticache.ParameterGroup(
        `${prefix}-params`,
        { ...inRegion, ...args.parameterGroup, parameters: [{ name: "maxmemory-policy", value: "allkeys-lru" }] },
        { parent },
    );
    const slowLog = new aws.cloudwatch.LogGroup(
        `${prefix}-slow-log`,
        { ...inRegion, name: `/aws/elasticache/${identifier}/slow-log`, retentionInDays: cache.slowLogRetentionDays },
        { parent },
    );
    return new aws.elasticache.ReplicationGroup(
        prefix,
        {
            ...inRegion,
            replicationGroupId: identifier,
            description: args.description,
            engine: "redis",
            engineVersion: cache.engineVersion,
            nodeType: cache.nodeType,
            numCacheClusters: cache.nodes,
            port: args.port,
            parameterGroupName: parameters.name,
            subnetGroupName: subnetGroup.name,
            securityGroupIds: [args.securityGroupId],
            atRestEncryptionEnabled: true,
            kmsKeyId: args.keyArn,
            transitEncryptionEnabled: true,
            // RBAC instead of one AUTH token every tenant shared. On a group created with a token,
            // adding a user group and removing the token is one in-place ModifyReplicationGroup with
            // AuthTokenUpdateStrategy DELETE (terraform-provider-aws elasticache/replication_group.go:
            // `auth_token` conflicts with `user_group_ids`, neither is ForceNew; "Transitioning to RBAC").
            userGroupIds: [args.userGroupId],
            authTokenUpdateStrategy: "DELETE",
            // The provider sends user-group and other changes in one ModifyReplicationGroup with
            // ApplyImmediately = this (terraform-provider-aws elasticache/replication_group.go, default
            // false), and ElastiCache may hold them as PendingModifiedValues.UserGroups until the
            // maintenance window (ElastiCache API, ReplicationGroupPendingModifiedValues). The ecs phase
            // hands tasks their RBAC users at once, so the switch must happen now, not up to a week
            // later; node type and engine changes then also apply at rollout (README "Cache isolation").
            applyImmediately: true,
            automaticFailoverEnabled: args.highAvailability,
            multiAzEnabled: args.highAvailability,
            snapshotRetentionLimit: cache.snapshotRetentionDays,
            autoMinorVersionUpgrade: true,
            logDeliveryConfigurations: [
                {
                    destination: slowLog.name,
                    destinationType: "cloudwatch-logs",
                    logFormat: "json",
                    logType: "slow-log",
                },
            ],
            tags: { Name: identifier },
        },
        { ...groupOptions, parent },
    );
}
