/**
 * The database side of disaster recovery (issue 17): the DR region's data key, the Aurora global
 * database with the primary cluster as its primary, and the secondary cluster in the DR region. Built
 * by the data layer (phase `database`) when `bbws:dr` is set. The DR region's Redis is not replicated:
 * an object cache rebuilds itself from the database, so the standby's starts cold (components/standby-cache.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { DrConfig, DatabaseConfig, ProtectionConfig } from "../src/config";
import { AURORA_LOG_EXPORTS, auroraClusterSettings } from "./aurora-cluster";
import { bbwsName, createDataKey, statefulOptions } from "./shared";

/** What the data layer hands its DR side. */
export interface GlobalDatabaseArgs {
    readonly env: string;
    readonly accountId: string;
    /** The primary region (`aws:region`): the secondary replicates from it (`sourceRegion`). */
    readonly region: string;
    readonly dr: DrConfig;
    readonly database: DatabaseConfig;
    readonly protection: ProtectionConfig;
    /** The primary cluster's ARN: the global database is created from it (`sourceDbClusterIdentifier`). */
    readonly primaryClusterArn: pulumi.Input<string>;
    /** The primary's instances: the secondary is added once the primary has a writer (terraform's documented order). */
    readonly primaryInstances: pulumi.Resource[];
    /** The standby VPC's isolated subnets and the database group, in the DR region. */
    readonly isolatedSubnetIds: pulumi.Input<string[]>;
    readonly databaseSecurityGroupId: pulumi.Input<string>;
    /** The cluster parameters, the same as the primary's so a promoted cluster behaves alike. */
    readonly clusterParameters: ReadonlyArray<{ name: string; value: string }>;
    /** The parameter group family of `database.engineVersion`. */
    readonly parameterFamily: string;
}

/** The global database's identifier, `bbws-aurora-<env>-global`. */
export function globalClusterIdentifier(env: string): string {
    return `${bbwsName(env, "aurora")}-global`;
}

/** The DR region's cluster, `bbws-aurora-<env>-dr`; its instances are `-dr-1` … `-dr-<n>`. */
export function standbyClusterIdentifier(env: string): string {
    return `${bbwsName(env, "aurora")}-dr`;
}

/**
 * Inputs of the secondary cluster the provider must not diff: after a switchover or failover AWS
 * changes them itself. terraform-provider-aws `website/docs/r/rds_cluster.html.markdown`
 * (`replication_source_identifier`: "If DB Cluster is part of a Global Cluster, use the lifecycle
 * configuration block `ignore_changes` argument to prevent Terraform from showing differences") and
 * `rds_global_cluster.html.markdown` ("New Global Cluster From Existing DB Cluster": the member's
 * `global_cluster_identifier` is ignored, never configured); `engineVersion` as on the primary
 * (minor upgrades move it).
 */
export const SECONDARY_IGNORED_CHANGES = ["replicationSourceIdentifier", "globalClusterIdentifier", "engineVersion"] as const;

/**
 * `bbws:data:GlobalDatabase` (`<data layer>-dr`): every child in `dr.region` through the resource's
 * own `region` input, except the global cluster, which is global. With `dr.globalDatabase: detached`
 * no global cluster is declared: it is `retainOnDelete`, so the rollout after a failover forgets it
 * and leaves it in AWS (deleting it is an operator step of the failback: README, DR design, "What it
 * does not cover yet") while the DR cluster keeps its URN and data.
 */
export class GlobalDatabase extends pulumi.ComponentResource {
    /** The DR region's data key: the secondary cluster, the EFS replica, the replica buckets and the DR vault. */
    readonly keyArn: pulumi.Output<string>;
    readonly globalClusterIdentifier: pulumi.Output<string>;
    readonly standbyClusterIdentifier: pulumi.Output<string>;
    readonly standbyClusterArn: pulumi.Output<string>;
    readonly standbyWriterEndpoint: pulumi.Output<string>;

    constructor(name: string, args: GlobalDatabaseArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("bbws:data:GlobalDatabase", name, {}, opts);
        const { env, dr, database, protection } = args;
        const region = dr.region;
        const key = createDataKey(this, name, {
            region,
            stackRegion: args.region,
            accountId: args.accountId,
            description: `BBWS ${env} data at rest in the DR region ${region}: Aurora, EFS, S3 and backups`,
            alias: `alias/bbws-${env}-data`,
            tags: { Name: bbwsName(env, "data-dr") },
            options: statefulOptions(this, protection, { retain: true }),
        });
        this.keyArn = key.arn;

        const global =
            dr.globalDatabase === "attached"
                ? new aws.rds.GlobalCluster(
                      `${name}-global`,
                      {
                          globalClusterIdentifier: globalClusterIdentifier(env),
                          sourceDbClusterIdentifier: args.primaryClusterArn,
                          // Required with sourceDbClusterIdentifier: destroy removes the members first.
                          forceDestroy: true,
                          deletionProtection: database.deletionProtection,
                      },
                      // Holds no data; forgotten, not deleted, when `detached` drops it from the program.
                      { parent: this, retainOnDelete: true, ignoreChanges: ["sourceDbClusterIdentifier"] },
                  )
                : undefined;
        this.globalClusterIdentifier = pulumi.output(globalClusterIdentifier(env));

        const identifier = standbyClusterIdentifier(env);
        const subnets = new aws.rds.SubnetGroup(
            `${name}-subnets`,
            { region, name: identifier, description: "BBWS Aurora MySQL DR: isolated subnets", subnetIds: args.isolatedSubnetIds },
            { parent: this },
        );
        const parameters = new aws.rds.ClusterParameterGroup(
            `${name}-cluster-params`,
            {
                region,
                family: args.parameterFamily,
                name: `${identifier}-cluster`,
                description: "BBWS Aurora MySQL DR cluster: the primary's parameters",
                parameters: [...args.clusterParameters],
            },
            { parent: this },
        );
        // The DR cluster exports what every cluster does (AURORA_LOG_EXPORTS), into groups made here.
        const logGroups = AURORA_LOG_EXPORTS.map(
            (log) =>
                new aws.cloudwatch.LogGroup(
                    `${name}-${log}-log`,
                    {
                        region,
                        name: `/aws/rds/cluster/${identifier}/${log}`,
                        retentionInDays: database.logRetentionDays,
                        kmsKeyId: key.arn,
                    },
                    { parent: this },
                ),
        );
        const cluster = new aws.rds.Cluster(
            `${name}-cluster`,
            {
                region,
                clusterIdentifier: identifier,
                engine: "aurora-mysql",
                engineVersion: database.engineVersion,
                globalClusterIdentifier: global?.id,
                sourceRegion: args.region,
                dbSubnetGroupName: subnets.name,
                vpcSecurityGroupIds: [args.databaseSecurityGroupId],
                dbClusterParameterGroupName: parameters.name,
                ...auroraClusterSettings(identifier, database, key.arn),
                tags: { Name: identifier },
            },
            {
                ...statefulOptions(this, protection),
                dependsOn: [...logGroups, ...args.primaryInstances],
                ignoreChanges: [...SECONDARY_IGNORED_CHANGES],
            },
        );
        for (let i = 0; i < dr.standby.auroraInstances; i++) {
            new aws.rds.ClusterInstance(
                `${name}-${i + 1}`,
                {
                    region,
                    identifier: `${identifier}-${i + 1}`,
                    clusterIdentifier: cluster.id,
                    engine: "aurora-mysql",
                    instanceClass: dr.standby.auroraInstanceClass,
                    publiclyAccessible: false,
                    autoMinorVersionUpgrade: true,
                    copyTagsToSnapshot: true,
                    tags: { Name: `${identifier}-${i + 1}` },
                },
                statefulOptions(this, protection),
            );
        }
        this.standbyClusterIdentifier = cluster.clusterIdentifier;
        this.standbyClusterArn = cluster.arn;
        this.standbyWriterEndpoint = cluster.endpoint;
        this.registerOutputs({
            keyArn: this.keyArn,
            globalClusterIdentifier: this.globalClusterIdentifier,
            standbyClusterIdentifier: this.standbyClusterIdentifier,
            standbyClusterArn: this.standbyClusterArn,
        });
    }
}
