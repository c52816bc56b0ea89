/**
 * The real `DrPort`: AWS SDK v3 clients, one per service and region, credentials from the default
 * chain, the SDK's own adaptive retry (throttling and 5xx). Route 53 is a global service: its API is
 * answered in us-east-1 whatever the stack's region (Route 53 API reference, "Endpoints").
 */
import {
    ApplicationAutoScalingClient,
    paginateDescribeScalableTargets,
    RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandInput } from "@aws-sdk/client-cloudwatch";
import { ECSClient, DescribeServicesCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import {
    CreateReplicationConfigurationCommand,
    DeleteReplicationConfigurationCommand,
    DescribeReplicationConfigurationsCommand,
    EFSClient,
    UpdateFileSystemProtectionCommand,
} from "@aws-sdk/client-efs";
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
    DescribeDBClustersCommand,
    DescribeGlobalClustersCommand,
    FailoverGlobalClusterCommand,
    paginateDescribeDBInstances,
    RDSClient,
    RemoveFromGlobalClusterCommand,
    SwitchoverGlobalClusterCommand,
} from "@aws-sdk/client-rds";
import {
    ChangeResourceRecordSetsCommand,
    GetHealthCheckStatusCommand,
    ListResourceRecordSetsCommand,
    ResourceRecordSet,
    Route53Client,
    RRType,
} from "@aws-sdk/client-route-53";
import type { DnsTarget, DrPort, InstanceView, ScalableTargetView } from "./port";
import { serviceResourceId } from "./port";
import { GLOBAL_DB_LAG_METRIC } from "../../src/config";

/**
 * GetMetricData's input for the global database's lag (`GLOBAL_DB_LAG_METRIC`) of the secondary
 * `clusterIdentifier`, newest first, over the 15 minutes before `end`: the one query `dr status`, the
 * dr steps and verify send (to CloudWatch in the secondary's region, where it is published).
 */
export function globalLagQuery(clusterIdentifier: string, end: Date): GetMetricDataCommandInput {
    return {
        StartTime: new Date(end.getTime() - 15 * 60_000),
        EndTime: end,
        ScanBy: "TimestampDescending",
        MetricDataQueries: [
            {
                Id: "lag",
                MetricStat: {
                    Metric: {
                        Namespace: GLOBAL_DB_LAG_METRIC.namespace,
                        MetricName: GLOBAL_DB_LAG_METRIC.metricName,
                        Dimensions: [{ Name: GLOBAL_DB_LAG_METRIC.dimension, Value: clusterIdentifier }],
                    },
                    Period: 60,
                    Stat: GLOBAL_DB_LAG_METRIC.statistic,
                },
            },
        ],
    };
}

/** The namespace and dimension of an ECS service's desired count (Application Auto Scaling API reference, `ScalableDimension`). */
const ECS_DESIRED_COUNT = { ServiceNamespace: "ecs", ScalableDimension: "ecs:service:DesiredCount" } as const;

/** Route 53's API endpoint region (a global service). */
export const ROUTE53_REGION = "us-east-1";

const SDK = { maxAttempts: 8, retryMode: "adaptive" } as const;

/**
 * `name.` and `dualstack.name.` (an alias target's form) → `name`, lower case, with Route 53's octal
 * escapes decoded: its API returns any character but a–z, 0–9, `-` and `_` as `\` and three octal
 * digits, `*` as `\052` (Route 53 developer guide, "DNS domain name format").
 */
export function normalizeDnsName(name: string): string {
    return name
        .replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))
        .toLowerCase()
        .replace(/\.$/, "")
        .replace(/^dualstack\./, "");
}

/** The region whose load balancer a failover record points at (by its alias target), or undefined. */
export function regionOfRecord(record: ResourceRecordSet, loadBalancers: Readonly<Record<string, string>>): string | undefined {
    const target = record.AliasTarget?.DNSName;
    if (!target) return undefined;
    return Object.entries(loadBalancers).find(([, dns]) => normalizeDnsName(dns) === normalizeDnsName(target))?.[0];
}

/**
 * The failover record sets of `names` in the zone (both of each pair): the whole zone read page by page
 * (`ListResourceRecordSets`, 300 records a page, continued from `NextRecordName`/`Type`/`Identifier`), not
 * one call per name, since Route 53 answers 5 requests a second per account (Route 53 developer guide,
 * "Quotas", API requests) and the dns step polls this for every tenant's pair.
 */
async function failoverRecords(route53: Route53Client, target: DnsTarget): Promise<ResourceRecordSet[]> {
    const names = new Set(target.recordNames.map(normalizeDnsName));
    const found: ResourceRecordSet[] = [];
    let next: { StartRecordName?: string; StartRecordType?: RRType; StartRecordIdentifier?: string } = {};
    for (;;) {
        const page = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: target.hostedZoneId, MaxItems: 300, ...next }));
        found.push(...(page.ResourceRecordSets ?? []).filter((r) => r.Failover !== undefined && names.has(normalizeDnsName(r.Name ?? ""))));
        if (!page.IsTruncated) return found;
        next = {
            StartRecordName: page.NextRecordName,
            StartRecordType: page.NextRecordType,
            StartRecordIdentifier: page.NextRecordIdentifier,
        };
    }
}

/** The port over real AWS. */
export function awsDrPort(): DrPort {
    const cache = new Map<string, unknown>();
    const client = <T>(kind: string, region: string, create: () => T): T => {
        const key = `${kind}:${region}`;
        if (!cache.has(key)) cache.set(key, create());
        return cache.get(key) as T;
    };
    const rds = (region: string) => client("rds", region, () => new RDSClient({ region, ...SDK }));
    const ecs = (region: string) => client("ecs", region, () => new ECSClient({ region, ...SDK }));
    const efs = (region: string) => client("efs", region, () => new EFSClient({ region, ...SDK }));
    const elb = (region: string) => client("elb", region, () => new ElasticLoadBalancingV2Client({ region, ...SDK }));
    const cloudwatch = (region: string) => client("cw", region, () => new CloudWatchClient({ region, ...SDK }));
    const scaling = (region: string) => client("aas", region, () => new ApplicationAutoScalingClient({ region, ...SDK }));
    const route53 = () => client("route53", ROUTE53_REGION, () => new Route53Client({ region: ROUTE53_REGION, ...SDK }));

    return {
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        async globalCluster(region, identifier) {
            const answer = await rds(region)
                .send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: identifier }))
                .catch((err) => {
                    if ((err as Error).name === "GlobalClusterNotFoundFault") return { GlobalClusters: [] };
                    throw err;
                });
            const gc = answer.GlobalClusters?.[0];
            if (!gc) return undefined;
            return {
                identifier: gc.GlobalClusterIdentifier ?? identifier,
                status: gc.Status ?? "unknown",
                members: (gc.GlobalClusterMembers ?? []).map((m) => ({
                    clusterArn: m.DBClusterArn ?? "",
                    region: (m.DBClusterArn ?? "").split(":")[3] ?? "",
                    isWriter: Boolean(m.IsWriter),
                    synchronization: m.SynchronizationStatus,
                })),
                engineVersion: gc.EngineVersion,
                failoverState: gc.FailoverState?.Status
                    ? {
                          status: gc.FailoverState.Status,
                          fromArn: gc.FailoverState.FromDbClusterArn,
                          toArn: gc.FailoverState.ToDbClusterArn,
                          dataLossAllowed: Boolean(gc.FailoverState.IsDataLossAllowed),
                      }
                    : undefined,
            };
        },
        async cluster(region, identifier) {
            const answer = await rds(region)
                .send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }))
                .catch((err) => {
                    if ((err as Error).name === "DBClusterNotFoundFault") return { DBClusters: [] };
                    throw err;
                });
            const c = answer.DBClusters?.[0];
            if (!c) return undefined;
            return {
                identifier: c.DBClusterIdentifier ?? identifier,
                arn: c.DBClusterArn ?? "",
                status: c.Status ?? "unknown",
                globalClusterIdentifier: c.GlobalClusterIdentifier,
                writable: (c.DBClusterMembers ?? []).some((m) => m.IsClusterWriter),
                engineVersion: c.EngineVersion ?? "",
            };
        },
        async instances(region, clusterIdentifier) {
            const views: InstanceView[] = [];
            for await (const page of paginateDescribeDBInstances(
                { client: rds(region) },
                { Filters: [{ Name: "db-cluster-id", Values: [clusterIdentifier] }] },
            )) {
                for (const i of page.DBInstances ?? []) {
                    views.push({ identifier: i.DBInstanceIdentifier ?? "", status: i.DBInstanceStatus ?? "unknown" });
                }
            }
            return views;
        },
        async replicaLag(region, clusterIdentifier) {
            const answer = await cloudwatch(region).send(new GetMetricDataCommand(globalLagQuery(clusterIdentifier, new Date())));
            const result = answer.MetricDataResults?.[0];
            const ms = result?.Values?.[0];
            const at = result?.Timestamps?.[0];
            return ms === undefined || at === undefined ? undefined : { ms, at };
        },
        async efsReplication(region, fileSystemId) {
            const answer = await efs(region)
                .send(new DescribeReplicationConfigurationsCommand({ FileSystemId: fileSystemId }))
                .catch((err) => {
                    if ((err as Error).name === "ReplicationNotFound") return { Replications: [] };
                    throw err;
                });
            const destination = answer.Replications?.[0]?.Destinations?.[0];
            if (!destination) return undefined;
            return {
                status: destination.Status ?? "unknown",
                destinationFileSystemId: destination.FileSystemId ?? "",
                destinationRegion: destination.Region ?? "",
                lastReplicated: destination.LastReplicatedTimestamp,
            };
        },
        async switchover(region, globalClusterIdentifier, targetArn) {
            await rds(region).send(
                new SwitchoverGlobalClusterCommand({
                    GlobalClusterIdentifier: globalClusterIdentifier,
                    TargetDbClusterIdentifier: targetArn,
                }),
            );
        },
        async failover(region, globalClusterIdentifier, targetArn) {
            await rds(region).send(
                new FailoverGlobalClusterCommand({
                    GlobalClusterIdentifier: globalClusterIdentifier,
                    TargetDbClusterIdentifier: targetArn,
                    // A failover, not a switchover: it does not wait for the unreachable primary (RDS API reference, FailoverGlobalCluster).
                    AllowDataLoss: true,
                }),
            );
        },
        async detach(region, globalClusterIdentifier, clusterArn) {
            await rds(region).send(
                new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: globalClusterIdentifier, DbClusterIdentifier: clusterArn }),
            );
        },
        async deleteEfsReplication(region, sourceFileSystemId, localOnly) {
            await efs(region).send(
                new DeleteReplicationConfigurationCommand({
                    SourceFileSystemId: sourceFileSystemId,
                    ...(localOnly ? { DeletionMode: "LOCAL_CONFIGURATION_ONLY" as const } : {}),
                }),
            );
        },
        async replicateToExisting(sourceRegion, sourceFileSystemId, destinationRegion, destinationFileSystemId) {
            await efs(destinationRegion).send(
                new UpdateFileSystemProtectionCommand({
                    FileSystemId: destinationFileSystemId,
                    ReplicationOverwriteProtection: "DISABLED",
                }),
            );
            await efs(sourceRegion).send(
                new CreateReplicationConfigurationCommand({
                    SourceFileSystemId: sourceFileSystemId,
                    Destinations: [{ Region: destinationRegion, FileSystemId: destinationFileSystemId }],
                }),
            );
        },
        async services(region, cluster, names) {
            const views = [];
            // DescribeServices takes at most 10 services per call (ECS API reference).
            for (let i = 0; i < names.length; i += 10) {
                const answer = await ecs(region).send(new DescribeServicesCommand({ cluster, services: names.slice(i, i + 10) }));
                views.push(
                    ...(answer.services ?? []).map((s) => ({
                        name: s.serviceName ?? "",
                        status: s.status ?? "unknown",
                        desired: s.desiredCount ?? 0,
                        running: s.runningCount ?? 0,
                    })),
                );
            }
            return views;
        },
        async scale(region, cluster, service, desiredCount) {
            await ecs(region).send(new UpdateServiceCommand({ cluster, service, desiredCount }));
        },
        async scalableTargets(region, cluster, services) {
            const byId = new Map(services.map((s) => [serviceResourceId(cluster, s), s]));
            const views: ScalableTargetView[] = [];
            // Without ResourceIds the call lists every target of the namespace.
            if (byId.size === 0) return views;
            for await (const page of paginateDescribeScalableTargets(
                { client: scaling(region) },
                { ...ECS_DESIRED_COUNT, ResourceIds: [...byId.keys()] },
            )) {
                for (const t of page.ScalableTargets ?? []) {
                    const service = byId.get(t.ResourceId ?? "");
                    if (!service) continue;
                    const s = t.SuspendedState;
                    views.push({
                        service,
                        minCapacity: t.MinCapacity ?? 0,
                        maxCapacity: t.MaxCapacity ?? 0,
                        suspended: Boolean(s?.DynamicScalingInSuspended && s.DynamicScalingOutSuspended && s.ScheduledScalingSuspended),
                    });
                }
            }
            return views;
        },
        async registerScalableTarget(region, cluster, service, range) {
            await scaling(region).send(
                new RegisterScalableTargetCommand({
                    ...ECS_DESIRED_COUNT,
                    ResourceId: serviceResourceId(cluster, service),
                    MinCapacity: range.minCapacity,
                    MaxCapacity: range.maxCapacity,
                    SuspendedState: {
                        DynamicScalingInSuspended: range.suspended,
                        DynamicScalingOutSuspended: range.suspended,
                        ScheduledScalingSuspended: range.suspended,
                    },
                }),
            );
        },
        async targetHealth(region, targetGroupArn) {
            const answer = await elb(region).send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
            const targets = answer.TargetHealthDescriptions ?? [];
            return { healthy: targets.filter((t) => t.TargetHealth?.State === "healthy").length, total: targets.length };
        },
        async dns(target) {
            const records = await failoverRecords(route53(), target);
            const primaryRegionOf = Object.fromEntries(
                target.recordNames.map((name) => {
                    const primary = records.find(
                        (r) => normalizeDnsName(r.Name ?? "") === normalizeDnsName(name) && r.Failover === "PRIMARY",
                    );
                    return [name, primary ? regionOfRecord(primary, target.loadBalancers) : undefined];
                }),
            );
            const status = await route53().send(new GetHealthCheckStatusCommand({ HealthCheckId: target.healthCheckId }));
            const observations = status.HealthCheckObservations ?? [];
            const healthy = observations.filter((o) => o.StatusReport?.Status?.startsWith("Success")).length;
            // Route 53 considers an endpoint healthy when more than 18 % of its checkers do (Route 53 developer guide, "How Route 53 determines whether a health check is healthy").
            return { primaryRegionOf, primaryHealthy: observations.length === 0 ? undefined : healthy / observations.length > 0.18 };
        },
        async makePrimary(target, region) {
            const records = await failoverRecords(route53(), target);
            const pairs = new Map<string, ResourceRecordSet[]>();
            for (const r of records) {
                const name = normalizeDnsName(r.Name ?? "");
                pairs.set(name, [...(pairs.get(name) ?? []), r]);
            }
            const role = (r: ResourceRecordSet) =>
                regionOfRecord(r, target.loadBalancers) === region ? ("PRIMARY" as const) : ("SECONDARY" as const);
            // One batch per name: Route 53 applies a batch's changes all or none (ChangeResourceRecordSets),
            // so no name is ever left with two PRIMARY records or none, and no batch nears the request
            // size limit (32,000 characters: Route 53 developer guide, "Quotas") at 50 tenants. The
            // demotion comes first within the batch.
            for (const [name, pair] of pairs) {
                const changes = [...pair]
                    .sort((a, b) => Number(role(a) === "PRIMARY") - Number(role(b) === "PRIMARY"))
                    .map((r) => ({ Action: "UPSERT" as const, ResourceRecordSet: { ...r, Failover: role(r) } }));
                await route53().send(
                    new ChangeResourceRecordSetsCommand({
                        HostedZoneId: target.hostedZoneId,
                        ChangeBatch: { Comment: `bbws dr: ${region} serves ${name}`, Changes: changes },
                    }),
                );
            }
        },
    };
}
