/**
 * The monitoring layer's alarms as data: one row per alarm with its metric (or metric math over
 * several), the threshold from config, the comparison, how missing data counts, and the topic it
 * notifies. The component turns each row into a `MetricAlarm`; tests read the rows directly.
 */
import * as pulumi from "@pulumi/pulumi";
import type { MonitoringConfig } from "../src/config";

export type AlarmTopic = "alerts" | "critical";

/**
 * How a period without data counts. `missing` for metrics AWS publishes every minute while the
 * resource runs (a gap is itself news, shown as INSUFFICIENT_DATA); `notBreaching` where no data
 * means no traffic or no tasks (not an outage); `breaching` where silence means the thing is gone.
 */
export type MissingData = "missing" | "notBreaching" | "breaching";

/** One CloudWatch metric. */
export interface MetricSpec {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Readonly<Record<string, pulumi.Input<string>>>;
    /** `Average`, `Sum`, `Maximum`… or a percentile such as `p95`. */
    readonly stat: string;
}

/** Metric math: the expression over the metrics it names by id (`m1`, `m2`…). */
export interface MetricMathSpec {
    readonly expression: string;
    readonly label: string;
    readonly metrics: Readonly<Record<string, MetricSpec>>;
}

export interface AlarmSpec {
    /** Name suffix: the alarm is `bbws-<env>-<what>`. */
    readonly what: string;
    readonly description: string;
    readonly topic: AlarmTopic;
    /** The tenant a per-tenant alarm watches. */
    readonly tenant?: string;
    readonly comparison: "GreaterThanThreshold" | "LessThanThreshold";
    readonly threshold: number;
    readonly treatMissingData: MissingData;
    readonly metric: MetricSpec | MetricMathSpec;
}

/** What the alarms watch, as the other layers expose it. */
export interface AlarmTargets {
    readonly clusterName: pulumi.Input<string>;
    /** ECS service name by tenant id. */
    readonly serviceNames: Readonly<Record<string, pulumi.Input<string>>>;
    /** The load balancer's ARN suffix (`app/<name>/<id>`), its CloudWatch dimension. */
    readonly loadBalancerArnSuffix: pulumi.Input<string>;
    /** A premium tenant's own load balancer's ARN suffix, by tenant id; a tenant without one is on `loadBalancerArnSuffix`. */
    readonly tenantLoadBalancerArnSuffixes?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Target group ARN suffix (`targetgroup/<name>/<id>`) by tenant id. */
    readonly targetGroupArnSuffixes: Readonly<Record<string, pulumi.Input<string>>>;
    readonly auroraClusterIdentifier: pulumi.Input<string>;
    /** An enterprise tenant's own Aurora cluster's identifier, by tenant id; a tenant without one is on `auroraClusterIdentifier`. */
    readonly tenantAuroraClusterIdentifiers?: Readonly<Record<string, pulumi.Input<string>>>;
    /** ElastiCache publishes per node, never per replication group: one id per member cluster. */
    readonly redisMemberClusterIds: readonly pulumi.Input<string>[];
    readonly fileSystemId: pulumi.Input<string>;
}

/**
 * A replication group's member clusters are `<group>-001`, `<group>-002`…, one per node, so their
 * ids are known before the group exists.
 */
export function redisMemberClusterIds(replicationGroupId: pulumi.Input<string>, nodes: number): pulumi.Output<string>[] {
    return Array.from({ length: nodes }, (_, i) => pulumi.interpolate`${replicationGroupId}-${String(i + 1).padStart(3, "0")}`);
}

/** Every alarm of an environment: per-tenant ones for exactly `tenantIds`, then the shared ones. */
export function alarmSpecs(
    tenantIds: readonly string[],
    targets: AlarmTargets,
    monitoring: Pick<MonitoringConfig, "thresholds" | "drReplica">,
): AlarmSpec[] {
    const t = monitoring.thresholds;
    const lb = { LoadBalancer: targets.loadBalancerArnSuffix };
    const aurora = { DBClusterIdentifier: targets.auroraClusterIdentifier };
    const efs = { FileSystemId: targets.fileSystemId };
    const metric = (namespace: string, metricName: string, dimensions: MetricSpec["dimensions"], stat: string): MetricSpec => ({
        namespace,
        metricName,
        dimensions,
        stat,
    });
    // The busiest node decides: one hot primary is the problem even when the replicas idle.
    const redisBusiest = (metricName: string, stat: string, label: string): MetricMathSpec => {
        const ids = targets.redisMemberClusterIds.map((_, i) => `m${i + 1}`);
        return {
            expression: `MAX([${ids.join(", ")}])`,
            label,
            metrics: Object.fromEntries(
                targets.redisMemberClusterIds.map((id, i) => [ids[i], metric("AWS/ElastiCache", metricName, { CacheClusterId: id }, stat)]),
            ),
        };
    };

    // A shared resource's alarms, or a tenant's own resource's (`whose`): the same checks, the tenant's
    // named `<id>-<check>` and tagged with it, so they join its other alarms (and go quiet with them).
    const owned = (whose: string | undefined, resource: string) => ({
        what: (check: string) => (whose === undefined ? check : `${whose}-${check}`),
        about: (text: string) => (whose === undefined ? text : `Tenant ${whose}'s own ${resource}: ${text}`),
        scope: whose === undefined ? {} : { tenant: whose },
    });

    // The shared load balancer's, and a premium tenant's own.
    const loadBalancerAlarms = (dimensions: MetricSpec["dimensions"], whose?: string): AlarmSpec[] => {
        const { what, about, scope } = owned(whose, "load balancer");
        return [
            {
                what: what("alb-5xx-rate"),
                ...scope,
                topic: "critical",
                description: about(
                    `More than ${t.alb5xxPercent} % of load balancer requests answered 5xx (targets' and the load balancer's own); no requests is not an outage`,
                ),
                comparison: "GreaterThanThreshold",
                threshold: t.alb5xxPercent,
                treatMissingData: "notBreaching",
                metric: {
                    expression: "100 * (FILL(m1, 0) + FILL(m2, 0)) / m3",
                    label: "5xx responses (% of requests)",
                    metrics: {
                        m1: metric("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", dimensions, "Sum"),
                        m2: metric("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", dimensions, "Sum"),
                        m3: metric("AWS/ApplicationELB", "RequestCount", dimensions, "Sum"),
                    },
                },
            },
            {
                what: what("alb-p95-latency"),
                ...scope,
                topic: "alerts",
                description: about(`Load balancer p95 target response time above ${t.albP95Seconds} s`),
                comparison: "GreaterThanThreshold",
                threshold: t.albP95Seconds,
                treatMissingData: "notBreaching",
                metric: metric("AWS/ApplicationELB", "TargetResponseTime", dimensions, "p95"),
            },
        ];
    };

    // The shared cluster's, and an enterprise tenant's own.
    const auroraAlarms = (dimensions: MetricSpec["dimensions"], whose?: string): AlarmSpec[] => {
        const { what, about, scope } = owned(whose, "Aurora cluster");
        return [
            {
                what: what("aurora-cpu"),
                ...scope,
                topic: "alerts",
                description: about(`Aurora cluster CPU above ${t.auroraCpuPercent} %`),
                comparison: "GreaterThanThreshold",
                threshold: t.auroraCpuPercent,
                treatMissingData: "missing",
                metric: metric("AWS/RDS", "CPUUtilization", dimensions, "Average"),
            },
            {
                what: what("aurora-connections"),
                ...scope,
                topic: "alerts",
                description: about(`Aurora connections above ${t.auroraConnections}`),
                comparison: "GreaterThanThreshold",
                threshold: t.auroraConnections,
                treatMissingData: "missing",
                metric: metric("AWS/RDS", "DatabaseConnections", dimensions, "Maximum"),
            },
        ];
    };

    const perTenant = tenantIds.flatMap((tenant): AlarmSpec[] => {
        const service = { ClusterName: targets.clusterName, ServiceName: targets.serviceNames[tenant] };
        // A target group's metrics carry the load balancer it serves: a premium tenant's own.
        const tenantLb = targets.tenantLoadBalancerArnSuffixes?.[tenant];
        const tenantCluster = targets.tenantAuroraClusterIdentifiers?.[tenant];
        const targetGroup = {
            TargetGroup: targets.targetGroupArnSuffixes[tenant],
            ...(tenantLb === undefined ? lb : { LoadBalancer: tenantLb }),
        };
        return [
            {
                what: `${tenant}-ecs-cpu`,
                tenant,
                topic: "alerts",
                description: `Tenant ${tenant}: ECS service CPU above ${t.ecsCpuPercent} % (no tasks is the healthy-targets alarm's concern)`,
                comparison: "GreaterThanThreshold",
                threshold: t.ecsCpuPercent,
                treatMissingData: "notBreaching",
                metric: metric("AWS/ECS", "CPUUtilization", service, "Average"),
            },
            {
                what: `${tenant}-ecs-memory`,
                tenant,
                topic: "alerts",
                description: `Tenant ${tenant}: ECS service memory above ${t.ecsMemoryPercent} %`,
                comparison: "GreaterThanThreshold",
                threshold: t.ecsMemoryPercent,
                treatMissingData: "notBreaching",
                metric: metric("AWS/ECS", "MemoryUtilization", service, "Average"),
            },
            {
                what: `${tenant}-healthy-targets`,
                tenant,
                topic: "critical",
                description: `Tenant ${tenant}: fewer than ${t.healthyTargetsPercent} % of targets healthy; no targets, or no data at all, counts as down`,
                comparison: "LessThanThreshold",
                threshold: t.healthyTargetsPercent,
                treatMissingData: "breaching",
                metric: {
                    expression: "IF(m1 + m2 > 0, 100 * m1 / (m1 + m2), 0)",
                    label: "Healthy targets (%)",
                    metrics: {
                        m1: metric("AWS/ApplicationELB", "HealthyHostCount", targetGroup, "Average"),
                        m2: metric("AWS/ApplicationELB", "UnHealthyHostCount", targetGroup, "Average"),
                    },
                },
            },
            // The shared load balancer's alarms do not see a premium tenant's traffic: its own do.
            ...(tenantLb === undefined ? [] : loadBalancerAlarms({ LoadBalancer: tenantLb }, tenant)),
            // Nor the shared cluster's an enterprise tenant's database: its own cluster's do.
            ...(tenantCluster === undefined ? [] : auroraAlarms({ DBClusterIdentifier: tenantCluster }, tenant)),
        ];
    });

    const shared: AlarmSpec[] = [
        ...auroraAlarms(aurora),
        ...(monitoring.drReplica
            ? [
                  {
                      what: "aurora-replica-lag",
                      topic: "critical",
                      description: `Aurora cross-region (DR) replication lag above ${t.replicaLagSeconds} s; a replica that stops reporting counts as lagging`,
                      comparison: "GreaterThanThreshold",
                      // The metric is in milliseconds; the config speaks seconds.
                      threshold: t.replicaLagSeconds * 1000,
                      treatMissingData: "breaching",
                      metric: metric("AWS/RDS", "AuroraGlobalDBReplicationLag", aurora, "Maximum"),
                  } satisfies AlarmSpec,
              ]
            : []),
        {
            what: "redis-cpu",
            topic: "alerts",
            description: `Redis engine CPU above ${t.redisCpuPercent} % on any node`,
            comparison: "GreaterThanThreshold",
            threshold: t.redisCpuPercent,
            treatMissingData: "missing",
            metric: redisBusiest("EngineCPUUtilization", "Average", "Redis engine CPU, busiest node (%)"),
        },
        {
            what: "redis-memory",
            topic: "alerts",
            description: `Redis memory above ${t.redisMemoryPercent} % on any node`,
            comparison: "GreaterThanThreshold",
            threshold: t.redisMemoryPercent,
            treatMissingData: "missing",
            metric: redisBusiest("DatabaseMemoryUsagePercentage", "Maximum", "Redis memory, fullest node (%)"),
        },
        {
            what: "efs-throughput",
            topic: "alerts",
            description: `EFS throughput above ${t.efsThroughputPercent} % of the permitted throughput`,
            comparison: "GreaterThanThreshold",
            threshold: t.efsThroughputPercent,
            treatMissingData: "notBreaching",
            metric: {
                // MeteredIOBytes is a sum per period; PermittedThroughput is bytes per second.
                expression: "100 * (m1 / PERIOD(m1)) / m2",
                label: "EFS throughput utilisation (%)",
                metrics: {
                    m1: metric("AWS/EFS", "MeteredIOBytes", efs, "Sum"),
                    m2: metric("AWS/EFS", "PermittedThroughput", efs, "Average"),
                },
            },
        },
        {
            what: "efs-io-limit",
            topic: "alerts",
            description: `EFS above ${t.efsThroughputPercent} % of the General Purpose I/O limit`,
            comparison: "GreaterThanThreshold",
            threshold: t.efsThroughputPercent,
            treatMissingData: "notBreaching",
            metric: metric("AWS/EFS", "PercentIOLimit", efs, "Maximum"),
        },
        ...loadBalancerAlarms(lb),
    ];
    return [...perTenant, ...shared];
}

/** Whether an alarm watches a metric-math expression (built as `metricQueries`) rather than one metric (`namespace`/`metricName`/`statistic`). */
export function isMetricMath(metric: AlarmSpec["metric"]): metric is MetricMathSpec {
    return "expression" in metric;
}
