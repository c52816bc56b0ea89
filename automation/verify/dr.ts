/**
 * The DR side of the database, storage and ecs phases (issue 17), run only where `bbws:dr` is set:
 * the global database's members, writer and lag, the standby cluster's instances, the file
 * replication's state and last sync, and the standby's services. The standby's resources are read in the DR region (`ctx.dr.aws`), the
 * replication's source in the primary's.
 */
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { DescribeReplicationConfigurationsCommand } from "@aws-sdk/client-efs";
import { DescribeDBInstancesCommand, DescribeGlobalClustersCommand } from "@aws-sdk/client-rds";
import type { PhaseName } from "../../src/phases";
import { Check, CheckContext, DrCheckContext, verdict, warn } from "./check";
import type { AwsClients } from "./clients";
import { globalLagQuery } from "../dr/aws";

function drOf(ctx: CheckContext): DrCheckContext {
    if (!ctx.dr) throw new Error("a DR check ran without bbws:dr");
    return ctx.dr;
}

/** `AuroraGlobalDBReplicationLag` (ms) of `clusterId`, the newest datapoint of the last 15 minutes, from CloudWatch in the secondary's region. */
async function replicaLag(ctx: CheckContext, clients: AwsClients, clusterId: string): Promise<number | undefined> {
    const answer = await ctx.read(`cloudwatch:global-lag:${clusterId}`, () =>
        clients.cloudwatch.send(new GetMetricDataCommand(globalLagQuery(clusterId, new Date()))),
    );
    return answer.MetricDataResults?.[0]?.Values?.[0];
}

const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;

/** The DR checks, by the phase they belong to. */
export const DR_CHECKS: Readonly<Partial<Record<PhaseName, readonly Check[]>>> = {
    database: [
        {
            id: "database-dr-global-cluster",
            phase: "database",
            info: "DR: the global database has the primary and the standby cluster, its writer in the serving region, the replica's lag under the RPO.",
            explanation:
                "A standby cluster outside the global database, or lagging beyond bbws:dr.replication.rpoMinutes, cannot take over within the RPO; " +
                "`npm run dr -- status` shows the same from the operator's side.",
            async check(ctx) {
                const dr = drOf(ctx);
                const out = dr.outputs().database;
                if (dr.config.globalDatabase === "detached") {
                    return warn(
                        `bbws:dr.globalDatabase is detached (after a failover --detach-and-promote): ${out.standbyClusterIdentifier} serves alone until the manual failback (README, "What it does not cover yet") rebuilds the global database`,
                    );
                }
                const answer = await ctx.read("rds:global-cluster", () =>
                    dr.aws.rds.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: out.globalClusterIdentifier })),
                );
                const gc = answer.GlobalClusters?.[0];
                if (!gc) return verdict([`global cluster ${out.globalClusterIdentifier} not found`], "");
                const members = gc.GlobalClusterMembers ?? [];
                const regionOf = (arn?: string) => arn?.split(":")[3];
                const servingRegion = dr.config.serving === "standby" ? dr.config.region : dr.primaryRegion;
                const writer = members.find((m) => m.IsWriter);
                const problems: string[] = [];
                if (gc.Status !== "available") problems.push(`${gc.GlobalClusterIdentifier} is ${gc.Status}`);
                if (!members.some((m) => m.DBClusterArn === out.standbyClusterArn))
                    problems.push(`${out.standbyClusterIdentifier} is not a member`);
                if (!members.some((m) => regionOf(m.DBClusterArn) === dr.primaryRegion)) problems.push(`no member in ${dr.primaryRegion}`);
                if (regionOf(writer?.DBClusterArn) !== servingRegion)
                    problems.push(
                        `the writer is in ${regionOf(writer?.DBClusterArn) ?? "no region"}, bbws:dr.serving says ${servingRegion}`,
                    );
                const secondary = members.find((m) => !m.IsWriter);
                const secondaryRegion = regionOf(secondary?.DBClusterArn);
                const secondaryId = secondary?.DBClusterArn?.split(":cluster:")[1];
                const findings: string[] = [];
                let lagSeen = "lag not read";
                if (secondaryId && secondaryRegion) {
                    const clients = secondaryRegion === dr.config.region ? dr.aws : ctx.aws;
                    const lag = await replicaLag(ctx, clients, secondaryId);
                    const rpo = dr.config.replication.rpoMinutes * 60_000;
                    if (lag === undefined)
                        findings.push(`no AuroraGlobalDBReplicationLag datapoint for ${secondaryId} in ${secondaryRegion} in 15 min`);
                    else if (lag > rpo)
                        problems.push(`${secondaryId} lags ${minutes(lag)}, over the ${dr.config.replication.rpoMinutes} min RPO`);
                    else lagSeen = `lag ${(lag / 1000).toFixed(1)} s`;
                }
                return verdict(
                    problems,
                    `${gc.GlobalClusterIdentifier} available; writer in ${servingRegion}; ${members.length} members; ${lagSeen}`,
                    findings,
                );
            },
        },
        {
            id: "database-dr-instances",
            phase: "database",
            info: "DR: the standby cluster has at least bbws:dr.standby.auroraInstances instances, each available, in the DR region.",
            explanation:
                "A secondary with no available instance keeps only storage in sync: a switchover or a detach-and-promote needs an instance " +
                "to become the writer, and creating one during an outage is not in the RTO (src/config.ts, standby.auroraInstances).",
            async check(ctx) {
                const dr = drOf(ctx);
                const id = dr.outputs().database.standbyClusterIdentifier;
                const needed = dr.config.standby.auroraInstances;
                const answer = await ctx.read("rds:dr-instances", () =>
                    dr.aws.rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: "db-cluster-id", Values: [id] }] })),
                );
                const instances = answer.DBInstances ?? [];
                const available = instances.filter((i) => i.DBInstanceStatus === "available").length;
                const seen = instances.map((i) => `${i.DBInstanceIdentifier} ${i.DBInstanceStatus}`).join(", ") || "none";
                return verdict(
                    available >= needed
                        ? []
                        : [`${id} (${dr.config.region}) has ${available} available instance(s), needs ${needed} (saw ${seen})`],
                    `${id} (${dr.config.region}): ${available}/${needed} instance(s) available (${seen})`,
                );
            },
        },
    ],
    storage: [
        {
            id: "storage-dr-efs-replication",
            phase: "storage",
            info: "DR: the file system replicates to the standby's, enabled, its last sync within the RPO.",
            explanation:
                "EFS replication is what keeps the standby's wp-content within the RPO (a daily backup copy does not); " +
                "a replication in ERROR or PAUSED needs the EFS console's replication tab.",
            async check(ctx) {
                const dr = drOf(ctx);
                const out = dr.outputs();
                if (dr.config.serving === "standby") {
                    return warn(
                        `the standby serves: its files replicate back into ${out.primary.storage.fileSystemId} once the switchover's files step or, after a failover, the failback's rebuild has run (npm run dr -- status shows it)`,
                    );
                }
                const answer = await ctx.read("efs:replication", () =>
                    ctx.aws.efs.send(new DescribeReplicationConfigurationsCommand({ FileSystemId: out.primary.storage.fileSystemId })),
                );
                const destination = answer.Replications?.[0]?.Destinations?.find((d) => d.FileSystemId === out.storage.fileSystemId);
                if (!destination)
                    return verdict([`${out.primary.storage.fileSystemId} does not replicate to ${out.storage.fileSystemId}`], "");
                const problems: string[] = [];
                if (destination.Region !== dr.config.region)
                    problems.push(`the replica is in ${destination.Region}, not ${dr.config.region}`);
                if (destination.Status !== "ENABLED") problems.push(`replication is ${destination.Status}`);
                const last = destination.LastReplicatedTimestamp;
                const age = last ? Date.now() - last.getTime() : undefined;
                const findings = age === undefined ? ["no sync has completed yet (a new replica's first copy can take hours)"] : [];
                if (age !== undefined && age > dr.config.replication.rpoMinutes * 60_000)
                    problems.push(`the last sync was ${minutes(age)} ago, over the RPO`);
                return verdict(
                    problems,
                    `${out.primary.storage.fileSystemId} → ${out.storage.fileSystemId} (${dr.config.region}) ENABLED, last sync ${age === undefined ? "never" : `${minutes(age)} ago`}`,
                    findings,
                );
            },
        },
    ],
    ecs: [
        {
            id: "ecs-dr-standby-services",
            phase: "ecs",
            info: "DR: every tenant's standby service exists in the DR region, at zero tasks while the primary serves (at the primary's counts while the standby does).",
            explanation:
                "A switchover or failover scales these services up; a missing one means a tenant without a standby, and tasks running while the primary serves cost money for nothing.",
            async check(ctx) {
                const dr = drOf(ctx);
                const out = dr.outputs().ecs;
                const names = Object.entries(out.serviceNames);
                const services = [];
                for (let i = 0; i < names.length; i += 10) {
                    const batch = names.slice(i, i + 10).map(([, n]) => n);
                    const answer = await ctx.read(`ecs:dr-services:${i}`, () =>
                        dr.aws.ecs.send(new DescribeServicesCommand({ cluster: out.clusterName, services: batch })),
                    );
                    services.push(...(answer.services ?? []));
                }
                const problems: string[] = [];
                for (const [tenant, name] of names) {
                    const s = services.find((x) => x.serviceName === name);
                    const want = dr.config.serving === "standby" ? out.desiredCounts[tenant] : 0;
                    if (!s || s.status !== "ACTIVE") problems.push(`${tenant}: ${name} is ${s?.status ?? "missing"} in ${out.clusterName}`);
                    else if (s.desiredCount !== want) problems.push(`${tenant}: desired ${s.desiredCount}, expected ${want}`);
                }
                return verdict(
                    problems,
                    `${names.length} standby service(s) in ${out.clusterName} (${dr.config.region}) at ${dr.config.serving === "standby" ? "the primary's counts" : "zero"}`,
                );
            },
        },
    ],
};
