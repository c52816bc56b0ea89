/**
 * The two regions of a DR environment as the steps see them: what lives where (cluster, file system,
 * ECS services, target groups, load balancer), and which one an operation moves serving from and to.
 */
import { UsageError } from "../errors";
import type { DrAction } from "../ledger";
import type { DrConfig, DrSettings } from "./config";
import type { DrOutputs } from "./contract";
import type { DnsTarget } from "./port";

/** One region's part of the platform. */
export interface Side {
    readonly role: "primary" | "standby";
    readonly region: string;
    readonly clusterIdentifier: string;
    /** Known from the outputs for the standby; the primary's is read from RDS (`DescribeDBClusters`). */
    readonly clusterArn?: string;
    readonly fileSystemId: string;
    readonly ecsCluster: string;
    /** By tenant id. */
    readonly serviceNames: Readonly<Record<string, string>>;
    /** By tenant id. */
    readonly targetGroupArns: Readonly<Record<string, string>>;
    readonly loadBalancerDnsName: string;
}

/** Both sides, from the config and the stack's outputs. */
export function sidesOf(settings: DrSettings, dr: DrConfig, outputs: DrOutputs): { primary: Side; standby: Side } {
    return {
        primary: {
            role: "primary",
            region: settings.primaryRegion,
            clusterIdentifier: outputs.database.primaryClusterIdentifier,
            fileSystemId: outputs.primary.storage.fileSystemId,
            ecsCluster: outputs.primary.ecs.clusterName,
            serviceNames: outputs.primary.ecs.serviceNames,
            targetGroupArns: outputs.primary.ecs.targetGroupArns,
            loadBalancerDnsName: outputs.primary.ecs.loadBalancerDnsName,
        },
        standby: {
            role: "standby",
            region: dr.region,
            clusterIdentifier: outputs.database.standbyClusterIdentifier,
            clusterArn: outputs.database.standbyClusterArn,
            fileSystemId: outputs.storage.fileSystemId,
            ecsCluster: outputs.ecs.clusterName,
            serviceNames: outputs.ecs.serviceNames,
            targetGroupArns: outputs.ecs.targetGroupArns,
            loadBalancerDnsName: outputs.ecs.loadBalancerDnsName,
        },
    };
}

/** The Route 53 side of both: the zone, the failover records, each region's load balancer, the primary's health check. */
export function dnsTargetOf(outputs: DrOutputs, primary: Side, standby: Side): DnsTarget {
    return {
        hostedZoneId: outputs.ecs.hostedZoneId,
        recordNames: outputs.ecs.recordNames,
        loadBalancers: { [primary.region]: primary.loadBalancerDnsName, [standby.region]: standby.loadBalancerDnsName },
        healthCheckId: outputs.ecs.primaryHealthCheckId,
    };
}

/**
 * Which way an action moves serving: switchover and failover from the primary region to the standby
 * (`serving: primary` → `standby`), failback back (`standby` → `primary`). `--to` must name the region
 * that would serve afterwards; anything else is a `UsageError` (exit 2) saying what would be valid, as
 * is a failback after a detach-and-promote (`globalDatabase: detached`: its runbook is manual).
 */
export function direction(
    action: DrAction,
    to: string,
    settings: DrSettings,
    dr: DrConfig,
): { readonly fromRole: "primary" | "standby"; readonly toRole: "primary" | "standby" } {
    const regions = [settings.primaryRegion, dr.region];
    if (!regions.includes(to)) {
        throw new UsageError(
            "unknown-region",
            `--to ${to} is neither the primary region ${settings.primaryRegion} nor the standby region ${dr.region} of ${settings.env}`,
            `use --to ${action === "failback" ? settings.primaryRegion : dr.region}`,
        );
    }
    const toRole = action === "failback" ? "primary" : "standby";
    const expected = toRole === "primary" ? settings.primaryRegion : dr.region;
    if (to !== expected) {
        throw new UsageError(
            "wrong-direction",
            action === "failback"
                ? `failback returns serving to the primary region ${settings.primaryRegion}, not to ${to}`
                : `${action} moves serving to the standby region ${dr.region}, not to ${to}`,
            `use --to ${expected}`,
        );
    }
    const serving = dr.serving === "standby" ? "standby" : "primary";
    if (action === "failback" && dr.globalDatabase === "detached") {
        // After a detach-and-promote the old global database still holds the stale primary: re-creating replication is manual.
        throw new UsageError(
            "failback-after-detach",
            `the DR cluster was detached from the global database (bbws:dr.globalDatabase: detached in ${settings.file}): a failback cannot switch back over a global database it is not in`,
            'follow the README\'s manual runbook (DR design, "Failback after a detach-and-promote"), then set bbws:dr.globalDatabase: attached',
        );
    }
    if (serving === toRole) {
        throw new UsageError(
            "already-serving",
            `${to} already serves ${settings.env} (bbws:dr.serving: ${dr.serving} in ${settings.file})`,
            toRole === "standby"
                ? `to return to ${settings.primaryRegion}: npm run dr -- failback --env ${settings.env} --to ${settings.primaryRegion}`
                : "nothing to do; `npm run dr -- status` shows the replication",
        );
    }
    return { fromRole: serving, toRole };
}
