/**
 * The monitoring side of disaster recovery (issue 17), built by the monitoring layer (phase
 * `monitoring`) when `bbws:dr` is set. Each alarm lives in the region whose CloudWatch receives its
 * metric, and notifies a topic in that region (an alarm action must be in the alarm's region:
 * CloudWatch user guide, "Using Amazon CloudWatch alarms").
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { GLOBAL_DB_LAG_METRIC, type DrConfig } from "../src/config";
import { bbwsName } from "./shared";

/** Route 53 publishes health-check metrics only in us-east-1 (Route 53 developer guide, "Monitoring health checks using CloudWatch"). */
export const ROUTE53_METRICS_REGION = "us-east-1";

/** What the DR alarms watch. */
export interface DrAlarmsArgs {
    readonly env: string;
    /** The primary region: EFS publishes `TimeSinceLastSync` there, for the source file system. */
    readonly region: string;
    readonly dr: DrConfig;
    /** The primary region's critical topic. */
    readonly criticalTopicArn: pulumi.Input<string>;
    readonly criticalEmails: readonly string[];
    readonly standbyClusterIdentifier: pulumi.Input<string>;
    /** The primary region's cluster: the secondary whose lag is watched while the standby serves. */
    readonly primaryClusterIdentifier: pulumi.Input<string>;
    readonly fileSystemId: pulumi.Input<string>;
    readonly replicaFileSystemId: pulumi.Input<string>;
    readonly healthCheckId: pulumi.Input<string>;
    /**
     * The key policy (JSON) of the key that encrypts the critical topic in `region`: CloudWatch must be
     * allowed to use it to publish the alarms (the monitoring layer's `topicKeyPolicy`).
     */
    readonly topicKeyPolicy: (region: string) => string;
}

/** One DR alarm as data: where it is, what it measures, when it fires (tested directly). */
export interface DrAlarmSpec {
    readonly what: string;
    /** `primary`, `standby` or `route53`: the region whose CloudWatch holds the metric. */
    readonly where: "primary" | "standby" | "route53";
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Readonly<Record<string, pulumi.Input<string>>>;
    readonly statistic: string;
    readonly comparison: string;
    readonly threshold: number;
    readonly description: string;
}

/**
 * The DR alarms: replication lag of the global database and of EFS against `rpoMinutes`, and the
 * primary's health check. `AuroraGlobalDBReplicationLag` (milliseconds) is published by the
 * secondary cluster, in the secondary's region, under its own `DBClusterIdentifier` (Aurora user
 * guide, "Metrics reference for Amazon Aurora", cluster-level metrics: "For an Aurora global database,
 * the amount of lag when replicating updates from the primary AWS Region"); after a detach there is
 * no replication, so no alarm. `TimeSinceLastSync` (seconds) has the dimensions `FileSystemId` (the
 * source) and `DestinationFileSystemId` (EFS user guide, "CloudWatch metrics for Amazon EFS").
 * `HealthCheckStatus` is 1 healthy, 0 unhealthy. Both replication alarms watch the replica side that
 * `serving` implies: with `serving: standby` the af-south-1 cluster is the secondary (after a switchover,
 * or once Aurora rebuilds it after a failover) and the dr command replicates eu-west-1's file system
 * into af-south-1's, so the writer's side, which publishes neither metric, is never watched.
 */
export function drAlarmSpecs(args: Omit<DrAlarmsArgs, "topicKeyPolicy">): DrAlarmSpec[] {
    const rpoSeconds = args.dr.replication.rpoMinutes * 60;
    const standbyServes = args.dr.serving === "standby";
    const replica = standbyServes
        ? { where: "primary" as const, cluster: args.primaryClusterIdentifier, name: "af-south-1 side" }
        : { where: "standby" as const, cluster: args.standbyClusterIdentifier, name: "DR" };
    const files = standbyServes
        ? { where: "standby" as const, source: args.replicaFileSystemId, destination: args.fileSystemId }
        : { where: "primary" as const, source: args.fileSystemId, destination: args.replicaFileSystemId };
    return [
        ...(args.dr.globalDatabase === "attached"
            ? [
                  {
                      what: "dr-aurora-replication-lag",
                      where: replica.where,
                      namespace: GLOBAL_DB_LAG_METRIC.namespace,
                      metricName: GLOBAL_DB_LAG_METRIC.metricName,
                      dimensions: { [GLOBAL_DB_LAG_METRIC.dimension]: replica.cluster },
                      statistic: GLOBAL_DB_LAG_METRIC.statistic,
                      comparison: "GreaterThanThreshold",
                      threshold: rpoSeconds * 1000,
                      description: `Aurora global database: the ${replica.name} cluster lags more than the RPO (${args.dr.replication.rpoMinutes} min) behind the writer`,
                  } satisfies DrAlarmSpec,
              ]
            : []),
        {
            what: "dr-efs-replication-lag",
            where: files.where,
            namespace: "AWS/EFS",
            metricName: "TimeSinceLastSync",
            dimensions: { FileSystemId: files.source, DestinationFileSystemId: files.destination },
            statistic: "Maximum",
            comparison: "GreaterThanThreshold",
            threshold: rpoSeconds,
            description: `EFS replication: the last sync to the replica region is older than the RPO (${args.dr.replication.rpoMinutes} min)`,
        },
        {
            what: "dr-primary-health",
            where: "route53",
            namespace: "AWS/Route53",
            metricName: "HealthCheckStatus",
            dimensions: { HealthCheckId: args.healthCheckId },
            statistic: "Minimum",
            comparison: "LessThanThreshold",
            threshold: 1,
            description: "Route 53: the primary region's load balancer fails its health check; DNS is failing over to the standby",
        },
    ];
}

/**
 * `bbws:monitoring:DrAlarms` (`<monitoring layer>-dr`): the alarms of `drAlarmSpecs`, named
 * `bbws-<env>-<what>`, each missing datum counted as breaching (a replication that stops reporting is
 * not healthy), and a critical topic (a customer managed key CloudWatch may use, e-mail subscriptions)
 * in each region other than the primary's that holds one.
 */
export class DrAlarms extends pulumi.ComponentResource {
    readonly alarmNames: pulumi.Output<string>[];

    constructor(name: string, args: DrAlarmsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("bbws:monitoring:DrAlarms", name, {}, opts);
        const regions = { primary: undefined, standby: args.dr.region, route53: ROUTE53_METRICS_REGION } as const;
        const topics = new Map<string, pulumi.Input<string>>();
        const topicIn = (where: keyof typeof regions): pulumi.Input<string> => {
            if (where === "primary") return args.criticalTopicArn;
            const region = regions[where];
            if (!topics.has(region)) {
                // A key of our own in the topic's region: CloudWatch cannot use the AWS-managed alias/aws/sns,
                // so alarms could not publish to a topic it encrypts (SNS developer guide, key management).
                const key = new aws.kms.Key(
                    `${name}-critical-${where}-key`,
                    {
                        region,
                        description: `BBWS ${args.env}: encrypts the critical topic of the DR alarms in ${region}`,
                        enableKeyRotation: true,
                        policy: args.topicKeyPolicy(region),
                    },
                    { parent: this },
                );
                const topic = new aws.sns.Topic(
                    `${name}-critical-${where}`,
                    { region, name: bbwsName(args.env, `critical-${region}`), kmsMasterKeyId: key.arn },
                    { parent: this },
                );
                args.criticalEmails.forEach(
                    (email, i) =>
                        new aws.sns.TopicSubscription(
                            `${name}-critical-${where}-${i}`,
                            { region, topic: topic.arn, protocol: "email", endpoint: email },
                            { parent: this },
                        ),
                );
                topics.set(region, topic.arn);
            }
            return topics.get(region)!;
        };
        this.alarmNames = drAlarmSpecs(args).map((spec) => {
            const alarmName = `bbws-${args.env}-${spec.what}`;
            const topic = topicIn(spec.where);
            return new aws.cloudwatch.MetricAlarm(
                `${name}-${spec.what}`,
                {
                    region: regions[spec.where],
                    name: alarmName,
                    alarmDescription: spec.description,
                    namespace: spec.namespace,
                    metricName: spec.metricName,
                    dimensions: spec.dimensions,
                    statistic: spec.statistic,
                    period: 60,
                    evaluationPeriods: 3,
                    comparisonOperator: spec.comparison,
                    threshold: spec.threshold,
                    treatMissingData: "breaching",
                    alarmActions: [topic],
                    okActions: [topic],
                },
                { parent: this },
            ).name;
        });
        this.registerOutputs({ alarmNames: this.alarmNames });
    }
}
