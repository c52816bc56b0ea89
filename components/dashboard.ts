/**
 * The environment's CloudWatch dashboard, built from the same resolved resource ids as the alarms:
 * a row each for the ECS cluster, Aurora, Redis, EFS and the load balancer, then a row per tenant.
 */

export interface DashboardTenant {
    readonly id: string;
    readonly serviceName: string;
    readonly targetGroupArnSuffix: string;
    /** A premium tenant's own load balancer's ARN suffix; absent: the shared one's (`DashboardTargets.loadBalancerArnSuffix`). */
    readonly loadBalancerArnSuffix?: string;
}

/** Resolved ids: the component resolves the other layers' outputs before calling `dashboardBody`. */
export interface DashboardTargets {
    readonly region: string;
    /** Seconds per datapoint, the same as the alarms'. */
    readonly period: number;
    readonly clusterName: string;
    readonly tenants: readonly DashboardTenant[];
    readonly loadBalancerArnSuffix: string;
    readonly auroraClusterIdentifier: string;
    /**
     * Each enterprise tenant's own cluster's identifier, by tenant id: a line each, labelled with the
     * tenant, in the Aurora row's CPU and connections graphs (lines, not widgets: the dashboard's 500
     * widgets are a quota, CloudWatch user guide "CloudWatch service quotas"). Default: none.
     */
    readonly tenantAuroraClusterIdentifiers?: Readonly<Record<string, string>>;
    readonly redisMemberClusterIds: readonly string[];
    readonly fileSystemId: string;
    /** Adds the cross-region replication lag to the Aurora row. */
    readonly drReplica: boolean;
}

/** A CloudWatch dashboard metric line: namespace, name, dimension pairs, then optional rendering options. */
type MetricLine = Array<string | Record<string, unknown>>;

interface Graph {
    readonly title: string;
    readonly metrics: MetricLine[];
    readonly stat?: string;
}

const WIDTH = 24;
const GRAPH_HEIGHT = 6;

/**
 * The dashboard's body as an object (the caller `JSON.stringify`s it): a full-width text heading per row,
 * then that row's graphs splitting the 24-column grid evenly, 6 units high. Format: CloudWatch API
 * reference, "Dashboard Body Structure and Syntax" (CloudWatch-Dashboard-Body-Structure.html).
 */
export function dashboardBody(t: DashboardTargets): { widgets: object[] } {
    const ecs = (metricName: string, serviceName: string, label: string): MetricLine => [
        "AWS/ECS",
        metricName,
        "ClusterName",
        t.clusterName,
        "ServiceName",
        serviceName,
        { label },
    ];
    const tasks = (serviceName: string, label: string): MetricLine => [
        "ECS/ContainerInsights",
        "RunningTaskCount",
        "ClusterName",
        t.clusterName,
        "ServiceName",
        serviceName,
        { label },
    ];
    const rds = (metricName: string, extra: Record<string, unknown> = {}, cluster = t.auroraClusterIdentifier): MetricLine => [
        "AWS/RDS",
        metricName,
        "DBClusterIdentifier",
        cluster,
        { label: metricName, ...extra },
    ];
    // The shared cluster's line keeps its label; each enterprise tenant's own cluster's is labelled with the tenant.
    const everyCluster = (metricName: string): MetricLine[] => [
        rds(metricName),
        ...Object.entries(t.tenantAuroraClusterIdentifiers ?? {}).map(([id, cluster]) =>
            rds(metricName, { label: `${id}: ${metricName}` }, cluster),
        ),
    ];
    const redis = (metricName: string): MetricLine[] =>
        t.redisMemberClusterIds.map((id) => ["AWS/ElastiCache", metricName, "CacheClusterId", id, { label: id }]);
    const efs = (metricName: string, extra: Record<string, unknown> = {}): MetricLine => [
        "AWS/EFS",
        metricName,
        "FileSystemId",
        t.fileSystemId,
        { label: metricName, ...extra },
    ];
    const alb = (metricName: string, extra: Record<string, unknown> = {}): MetricLine => [
        "AWS/ApplicationELB",
        metricName,
        "LoadBalancer",
        t.loadBalancerArnSuffix,
        { label: metricName, ...extra },
    ];
    const targetGroup = (metricName: string, tenant: DashboardTenant, extra: Record<string, unknown> = {}): MetricLine => [
        "AWS/ApplicationELB",
        metricName,
        "TargetGroup",
        tenant.targetGroupArnSuffix,
        "LoadBalancer",
        tenant.loadBalancerArnSuffix ?? t.loadBalancerArnSuffix,
        { label: metricName, ...extra },
    ];

    const rows: Array<[string, Graph[]]> = [
        [
            "ECS cluster",
            [
                { title: "CPU (%)", stat: "Average", metrics: t.tenants.map((x) => ecs("CPUUtilization", x.serviceName, x.id)) },
                { title: "Memory (%)", stat: "Average", metrics: t.tenants.map((x) => ecs("MemoryUtilization", x.serviceName, x.id)) },
                { title: "Running tasks", stat: "Average", metrics: t.tenants.map((x) => tasks(x.serviceName, x.id)) },
            ],
        ],
        [
            "Aurora",
            [
                { title: "CPU (%)", stat: "Average", metrics: everyCluster("CPUUtilization") },
                { title: "Connections", stat: "Maximum", metrics: everyCluster("DatabaseConnections") },
                { title: "Latency (ms)", stat: "Average", metrics: [rds("SelectLatency"), rds("DMLLatency"), rds("CommitLatency")] },
                {
                    title: "Replica lag (ms)",
                    stat: "Maximum",
                    metrics: [rds("AuroraReplicaLag"), ...(t.drReplica ? [rds("AuroraGlobalDBReplicationLag")] : [])],
                },
            ],
        ],
        [
            "Redis",
            [
                { title: "Engine CPU (%)", stat: "Average", metrics: redis("EngineCPUUtilization") },
                { title: "Memory (%)", stat: "Maximum", metrics: redis("DatabaseMemoryUsagePercentage") },
                { title: "Cache hit rate (%)", stat: "Average", metrics: redis("CacheHitRate") },
            ],
        ],
        [
            "EFS",
            [
                {
                    title: "Throughput (% of permitted)",
                    metrics: [
                        [{ expression: "100 * (m1 / PERIOD(m1)) / m2", label: "Throughput utilisation", id: "e1" }],
                        efs("MeteredIOBytes", { id: "m1", stat: "Sum", visible: false }),
                        efs("PermittedThroughput", { id: "m2", stat: "Average", visible: false }),
                    ],
                },
                { title: "I/O limit (%)", stat: "Maximum", metrics: [efs("PercentIOLimit")] },
                { title: "Client connections", stat: "Sum", metrics: [efs("ClientConnections")] },
            ],
        ],
        [
            "Load balancer",
            [
                { title: "Requests", stat: "Sum", metrics: [alb("RequestCount")] },
                {
                    title: "Response time (s)",
                    metrics: [
                        alb("TargetResponseTime", { stat: "p50", label: "p50" }),
                        alb("TargetResponseTime", { stat: "p95", label: "p95" }),
                    ],
                },
                {
                    title: "Errors",
                    stat: "Sum",
                    metrics: [alb("HTTPCode_Target_5XX_Count"), alb("HTTPCode_ELB_5XX_Count"), alb("HTTPCode_Target_4XX_Count")],
                },
                {
                    title: "Healthy targets",
                    stat: "Minimum",
                    metrics: t.tenants.map((x) => targetGroup("HealthyHostCount", x, { label: x.id })),
                },
            ],
        ],
        ...t.tenants.map((x): [string, Graph[]] => [
            `Tenant ${x.id}`,
            [
                {
                    title: "CPU and memory (%)",
                    stat: "Average",
                    metrics: [ecs("CPUUtilization", x.serviceName, "CPU"), ecs("MemoryUtilization", x.serviceName, "Memory")],
                },
                { title: "Running tasks", stat: "Average", metrics: [tasks(x.serviceName, "Running tasks")] },
                { title: "Requests", stat: "Sum", metrics: [targetGroup("RequestCount", x)] },
                { title: "Response time p95 (s)", stat: "p95", metrics: [targetGroup("TargetResponseTime", x)] },
                {
                    title: "Targets",
                    stat: "Minimum",
                    metrics: [targetGroup("HealthyHostCount", x), targetGroup("UnHealthyHostCount", x, { stat: "Maximum" })],
                },
            ],
        ]),
    ];

    const widgets: object[] = [];
    let y = 0;
    for (const [heading, graphs] of rows) {
        widgets.push({ type: "text", x: 0, y, width: WIDTH, height: 1, properties: { markdown: `## ${heading}` } });
        y += 1;
        const width = Math.floor(WIDTH / graphs.length);
        graphs.forEach((g, i) =>
            widgets.push({
                type: "metric",
                x: i * width,
                y,
                width,
                height: GRAPH_HEIGHT,
                properties: {
                    title: g.title,
                    region: t.region,
                    view: "timeSeries",
                    period: t.period,
                    ...(g.stat ? { stat: g.stat } : {}),
                    metrics: g.metrics,
                },
            }),
        );
        y += GRAPH_HEIGHT;
    }
    return { widgets };
}
