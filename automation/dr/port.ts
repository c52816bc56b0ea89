/**
 * The one thin adapter the dr command reaches AWS through. The real one (aws.ts) holds an SDK v3
 * client per service and region; the rehearsal's (doubles.ts) holds a scripted world with a clock of
 * its own. Each call names the region it is sent to: the steps decide, and the tests check, which
 * region each API must be called in.
 */

/** One member of an Aurora global database (RDS `GlobalClusterMember`). */
export interface GlobalMember {
    readonly clusterArn: string;
    /** The member's region, from its ARN. */
    readonly region: string;
    readonly isWriter: boolean;
    /**
     * `SynchronizationStatus` (RDS API reference, GlobalClusterMember): `connected`, or `pending-resync`
     * while Aurora rebuilds the member (an old primary coming back after a managed failover).
     */
    readonly synchronization?: string;
}

/**
 * A switchover or failover under way (RDS API reference, `FailoverState`: empty unless one is
 * scheduled or in progress).
 */
export interface FailoverStateView {
    /** `pending`, `failing-over` or `cancelling`. */
    readonly status: string;
    readonly fromArn?: string;
    readonly toArn?: string;
    /** True for a failover (`AllowDataLoss`), false for a switchover. */
    readonly dataLossAllowed: boolean;
}

/** An Aurora global database as `DescribeGlobalClusters` shows it. */
export interface GlobalClusterView {
    readonly identifier: string;
    /** `available`, `failing-over`, `switching-over`, … */
    readonly status: string;
    readonly members: readonly GlobalMember[];
    /** `EngineVersion` of the global database, e.g. `8.0.mysql_aurora.3.05.2`. */
    readonly engineVersion?: string;
    readonly failoverState?: FailoverStateView;
}

/** A DB cluster as `DescribeDBClusters` shows it. */
export interface ClusterView {
    readonly identifier: string;
    readonly arn: string;
    readonly status: string;
    /** Set while the cluster is a member of a global database. */
    readonly globalClusterIdentifier?: string;
    /**
     * It has a writer instance (`DBClusterMembers[].IsClusterWriter`): a standalone cluster or a global
     * database's primary does; a secondary is read-only, made up entirely of readers (Aurora user guide,
     * "Configuration requirements of an Amazon Aurora global database").
     */
    readonly writable: boolean;
    /** `EngineVersion`, e.g. `8.0.mysql_aurora.3.05.2`. */
    readonly engineVersion: string;
}

/** The newest `AuroraGlobalDBReplicationLag` datapoint. */
export interface LagDatapoint {
    readonly ms: number;
    /** The datapoint's timestamp: an outage stops the datapoints, so an old one says nothing about now. */
    readonly at: Date;
}

/** One instance of a DB cluster as `DescribeDBInstances` shows it. */
export interface InstanceView {
    readonly identifier: string;
    /** `available`, `creating`, `modifying`, … */
    readonly status: string;
}

/**
 * `8.0.mysql_aurora.3.05.2` → `8.0.mysql_aurora.3.05`: what must be equal for a managed switchover or
 * failover ("the same major and minor engine versions"; whether patch levels may differ depends on the
 * version: Aurora user guide, "Patch level compatibility for managed cross-Region switchovers and failovers").
 */
export const majorMinor = (engineVersion: string) => engineVersion.split(".").slice(0, -1).join(".");

/** An EFS replication's destination (`DescribeReplicationConfigurations`). */
export interface EfsReplicationView {
    readonly status: string;
    readonly destinationFileSystemId: string;
    readonly destinationRegion: string;
    /** Every change before this time is on the destination; `undefined` before the first sync. */
    readonly lastReplicated?: Date;
}

/** One ECS service's counts. */
export interface ServiceView {
    readonly name: string;
    readonly status: string;
    readonly desired: number;
    readonly running: number;
}

/**
 * An ECS service's Application Auto Scaling range and whether its scaling is suspended: what
 * RegisterScalableTarget sets (namespace `ecs`, dimension `ecs:service:DesiredCount`).
 */
export interface ScalingRange {
    readonly minCapacity: number;
    readonly maxCapacity: number;
    /** Dynamic scale-in, dynamic scale-out and scheduled scaling all suspended (`SuspendedState`). */
    readonly suspended: boolean;
}

/** An ECS service's scalable target id: `service/<cluster>/<service>` (Application Auto Scaling API reference, `ResourceId`). */
export const serviceResourceId = (cluster: string, service: string) => `service/${cluster}/${service}`;

/** A registered scalable target of an ECS service, as `DescribeScalableTargets` shows it. */
export interface ScalableTargetView extends ScalingRange {
    /** The service's name (its `ResourceId` is `service/<cluster>/<service>`). */
    readonly service: string;
}

/** A target group's target health: how many targets, how many `healthy`. */
export interface TargetHealthView {
    readonly healthy: number;
    readonly total: number;
}

/** Which side each failover record pair makes PRIMARY, and the health check's state. */
export interface DnsView {
    /** Per record name: the region whose load balancer the PRIMARY record points at, or `undefined` when the pair is incomplete. */
    readonly primaryRegionOf: Readonly<Record<string, string | undefined>>;
    /** Route 53 `GetHealthCheckStatus`: true when most checkers report healthy. */
    readonly primaryHealthy: boolean | undefined;
}

/** Where the failover records live and which load balancer is which region's. */
export interface DnsTarget {
    readonly hostedZoneId: string;
    readonly recordNames: readonly string[];
    /** Load balancer DNS name by region. */
    readonly loadBalancers: Readonly<Record<string, string>>;
    readonly healthCheckId: string;
}

/** What the dr command does in AWS. Every method rejects with the SDK's error (its `name` is AWS's code). */
export interface DrPort {
    /** Milliseconds since the epoch: the wall clock, or the rehearsal's. */
    now(): number;
    /** Waits `ms` (the rehearsal advances its clock instead). */
    sleep(ms: number): Promise<void>;
    /** RDS `DescribeGlobalClusters` sent to `region`. */
    globalCluster(region: string, identifier: string): Promise<GlobalClusterView | undefined>;
    /** RDS `DescribeDBClusters` sent to `region`. */
    cluster(region: string, identifier: string): Promise<ClusterView | undefined>;
    /** RDS `DescribeDBInstances` sent to `region`, filtered by `db-cluster-id` `clusterIdentifier`: the cluster's instances. */
    instances(region: string, clusterIdentifier: string): Promise<InstanceView[]>;
    /**
     * CloudWatch `GetMetricData` in `region`: the newest `AuroraGlobalDBReplicationLag` datapoint of the
     * secondary `clusterIdentifier` in the last 15 minutes, or `undefined` when there is none.
     */
    replicaLag(region: string, clusterIdentifier: string): Promise<LagDatapoint | undefined>;
    /** EFS `DescribeReplicationConfigurations` in `region` for the source `fileSystemId`. */
    efsReplication(region: string, fileSystemId: string): Promise<EfsReplicationView | undefined>;
    /** RDS `SwitchoverGlobalCluster` sent to `region`; `targetArn` is the secondary's ARN. */
    switchover(region: string, globalClusterIdentifier: string, targetArn: string): Promise<void>;
    /**
     * RDS `FailoverGlobalCluster` with `AllowDataLoss: true`, sent to `region` (the target's own: Aurora
     * user guide, "Performing managed failovers for Aurora global databases", `--region` of the selected
     * secondary); `targetArn` is the secondary's ARN.
     */
    failover(region: string, globalClusterIdentifier: string, targetArn: string): Promise<void>;
    /** RDS `RemoveFromGlobalCluster` sent to `region` (the detached cluster's own); `clusterArn` is its ARN. */
    detach(region: string, globalClusterIdentifier: string, clusterArn: string): Promise<void>;
    /**
     * EFS `DeleteReplicationConfiguration` sent to `region` for the source `sourceFileSystemId`: the
     * destination becomes writable. `localOnly` (`LOCAL_CONFIGURATION_ONLY`) when the other region
     * cannot be reached; the default deletes both sides.
     */
    deleteEfsReplication(region: string, sourceFileSystemId: string, localOnly: boolean): Promise<void>;
    /**
     * Makes the file system of the region left behind a replica of the serving one again, with the same
     * ids the program's state holds: EFS `UpdateFileSystemProtection` `ReplicationOverwriteProtection
     * DISABLED` on `destinationFileSystemId` (sent to `destinationRegion`; it becomes read-only), then
     * `CreateReplicationConfiguration` from `sourceFileSystemId` (sent to `sourceRegion`) to that
     * existing file system (EFS user guide, "Configuring replication to an existing EFS file system":
     * the destination's content is overwritten by the source's).
     */
    replicateToExisting(
        sourceRegion: string,
        sourceFileSystemId: string,
        destinationRegion: string,
        destinationFileSystemId: string,
    ): Promise<void>;
    /** ECS `DescribeServices` in `region`. */
    services(region: string, cluster: string, names: readonly string[]): Promise<ServiceView[]>;
    /** ECS `UpdateService` in `region`: sets `desiredCount`. */
    scale(region: string, cluster: string, service: string, desiredCount: number): Promise<void>;
    /** Application Auto Scaling `DescribeScalableTargets` in `region`: the registered targets of those of `services` that have one. */
    scalableTargets(region: string, cluster: string, services: readonly string[]): Promise<ScalableTargetView[]>;
    /**
     * Application Auto Scaling `RegisterScalableTarget` in `region` for `service/<cluster>/<service>`:
     * registers the target, or updates a registered one, with `range`.
     */
    registerScalableTarget(region: string, cluster: string, service: string, range: ScalingRange): Promise<void>;
    /** ELBv2 `DescribeTargetHealth` in `region`. */
    targetHealth(region: string, targetGroupArn: string): Promise<TargetHealthView>;
    /** Route 53 (global) `ListResourceRecordSets` and `GetHealthCheckStatus`. */
    dns(target: DnsTarget): Promise<DnsView>;
    /** Route 53 `ChangeResourceRecordSets`: one batch making the records of `region` PRIMARY and the others SECONDARY. */
    makePrimary(target: DnsTarget, region: string): Promise<void>;
}
