/**
 * The rehearsal's AWS for disaster recovery: RDS, CloudWatch, EFS, ECS, Application Auto Scaling,
 * ELBv2 and Route 53 over one scripted world with a clock of its own, kept as JSON in the rehearsal
 * folder so a rerun (a resumed step, a failback after a failover) continues it. Waiting advances the clock; each change takes the
 * scripted time before AWS would show it (`SCRIPTED_MS`), so the rehearsal's timeline is measured,
 * not typed. The doubles refuse what the services refuse, as far as their API references say:
 * SwitchoverGlobalCluster, FailoverGlobalCluster and RemoveFromGlobalCluster take the cluster's ARN,
 * RemoveFromGlobalCluster is sent to the detached cluster's own region, a switchover needs an available
 * global database whose writer's region answers, a switchover or failover needs the two clusters' major
 * and minor engine versions equal and a target with an available instance; a managed failover leaves the
 * old primary a member, rebuilt as a secondary once its region answers again (Aurora user guide,
 * "Performing managed failovers for Aurora global databases"), UpdateService and RegisterScalableTarget need the service in that region's
 * cluster, deleting an EFS replication from both sides needs both regions. A service's registered,
 * unsuspended scalable target brings a count outside its range back into it (`SCRIPTED_MS.autoScaling`
 * after the change), so a drain without the fence sees its tasks come back. A region listed in `down`
 * answers nothing.
 */
import * as fs from "fs";
import type { DrOutputs } from "./contract";
import type {
    ClusterView,
    DnsTarget,
    DnsView,
    DrPort,
    EfsReplicationView,
    GlobalClusterView,
    InstanceView,
    LagDatapoint,
    ScalableTargetView,
    ScalingRange,
    ServiceView,
    TargetHealthView,
} from "./port";
import { majorMinor, serviceResourceId } from "./port";

/** How long each change takes in the rehearsal, milliseconds (AWS quotes switchovers and promotions in minutes; a Fargate task's first health checks in tens of seconds). */
export const SCRIPTED_MS = {
    switchover: 2 * 60_000,
    /** "Typically, the chosen secondary cluster assumes the primary role within a few minutes" (Aurora user guide, managed failovers). */
    failover: 2 * 60_000,
    detach: 3 * 60_000,
    taskStart: 75_000,
    /** After the task starts: the target group's health check interval × healthy threshold. */
    targetHealthy: 60_000,
    dnsChange: 45_000,
    efsDelete: 2 * 60_000,
    /** Each rehearsed rollout (failback's rebuild). */
    rollout: 6 * 60_000,
    /** An old primary's rebuild as a secondary ("a few minutes to several hours": same guide), and a new EFS replica's first sync. */
    rebuildCopy: 20 * 60_000,
    /**
     * A count moved outside an unsuspended scalable target's range coming back into it: the next
     * scaling activity of its target tracking policy (whose alarms evaluate each minute) stays within
     * MinCapacity–MaxCapacity (Application Auto Scaling API reference, RegisterScalableTarget).
     */
    autoScaling: 3 * 60_000,
} as const;

/** The secondary's `AuroraGlobalDBReplicationLag` while both regions answer, ms. */
const NORMAL_LAG_MS = 850;

interface ClusterState {
    id: string;
    region: string;
    arn: string;
    /** When it is available after a change (`modifying` until then). */
    readyAt: number;
    globalId?: string;
    /** A standalone cluster or the global writer takes writes. */
    writable: boolean;
    /** Its instances (`DescribeDBInstances`). */
    instances?: { id: string; status: string }[];
    engineVersion: string;
    /** An old primary after a managed failover while its region is down: Aurora rebuilds it when the region answers again. */
    awaitingRebuild?: boolean;
}

interface EfsState {
    source: string;
    sourceRegion: string;
    destination: string;
    destinationRegion: string;
    createdAt: number;
    /** Syncs happen every `everyMs` from `createdAt`, while the source's region answers. */
    everyMs: number;
    /** Set by a delete: listed as `DELETING` until then, and still counted as the file systems' one replication. */
    deletingUntil?: number;
}

interface ServiceState {
    region: string;
    cluster: string;
    name: string;
    desired: number;
    changedAt: number;
    /** Tasks running before the last change, until it takes effect. */
    before: number;
    /** Its Application Auto Scaling target, when one is registered. */
    scaling?: ScalingRange;
}

/** The rehearsal's AWS, as JSON. */
export interface DrWorld {
    now: number;
    /** Regions that answer nothing (an outage). */
    down: string[];
    /** When the outage began: the standby's replica stops receiving then. */
    downSince?: number;
    globalCluster?: {
        id: string;
        busyUntil: number;
        writerArn: string;
        memberArns: string[];
        engineVersion: string;
        /** The operation under way until `busyUntil` (`FailoverState`). */
        operation?: { fromArn: string; toArn: string; dataLossAllowed: boolean };
    };
    clusters: ClusterState[];
    /** The secondary's `AuroraGlobalDBReplicationLag`, ms. */
    lagMs: number;
    efs: EfsState[];
    /** File systems whose ReplicationOverwriteProtection is DISABLED: the only ones a replication may write into. */
    overwritable?: string[];
    services: ServiceState[];
    records: { names: string[]; primaryRegion: string; changedAt: number; previous: string };
    /** Each region's file system (the storage rollout replicates the standby's back). */
    fileSystems: Record<string, string>;
    /** Target group ARN → the service whose tasks register in it. */
    targetGroups: Record<string, { region: string; cluster: string; name: string }>;
    /** Scripted failures, each consumed by the first call that matches `call` (and `region`, and a `detail` containing `detailHas`, when given). */
    failures: { call: string; region?: string; detailHas?: string; name: string; message: string }[];
    /** Every call, for tests and the transcript. */
    calls: { at: string; region: string; call: string; detail: string }[];
}

/**
 * A world where the primary serves, everything replicates and the standby runs nothing. The primary's
 * services have the scalable target the program gives them with `serving: primary`, ranged at their
 * count (the outputs carry the minimum only); the standby's have none, as in the program. The standby
 * cluster has `standbyInstances` available instances (`bbws:dr.standby.auroraInstances`); the
 * primary's one (a failback's check reads it: the writer it switches back to).
 */
export function initialWorld(
    outputs: DrOutputs,
    primaryRegion: string,
    accountId: string,
    now: number,
    standbyInstances: number,
    engineVersion: string,
): DrWorld {
    const standby = outputs.database;
    const primaryArn = `arn:aws:rds:${primaryRegion}:${accountId}:cluster:${standby.primaryClusterIdentifier}`;
    const instances = (cluster: string, count: number) =>
        Array.from({ length: count }, (_, i) => ({ id: `${cluster}-${i + 1}`, status: "available" }));
    const services = (
        region: string,
        cluster: string,
        names: Record<string, string>,
        counts: (t: string) => number,
        scaled: boolean,
    ): ServiceState[] =>
        Object.entries(names).map(([t, name]) => ({
            region,
            cluster,
            name,
            desired: counts(t),
            changedAt: 0,
            before: counts(t),
            ...(scaled ? { scaling: { minCapacity: counts(t), maxCapacity: counts(t), suspended: false } } : {}),
        }));
    return {
        now,
        down: [],
        globalCluster: {
            id: standby.globalClusterIdentifier,
            busyUntil: 0,
            writerArn: primaryArn,
            memberArns: [primaryArn, standby.standbyClusterArn],
            engineVersion,
        },
        clusters: [
            {
                id: standby.primaryClusterIdentifier,
                region: primaryRegion,
                arn: primaryArn,
                readyAt: 0,
                globalId: standby.globalClusterIdentifier,
                writable: true,
                instances: instances(standby.primaryClusterIdentifier, 1),
                engineVersion,
            },
            {
                id: standby.standbyClusterIdentifier,
                region: standby.region,
                arn: standby.standbyClusterArn,
                readyAt: 0,
                globalId: standby.globalClusterIdentifier,
                writable: false,
                instances: instances(standby.standbyClusterIdentifier, standbyInstances),
                engineVersion,
            },
        ],
        lagMs: NORMAL_LAG_MS,
        efs: [
            {
                source: outputs.primary.storage.fileSystemId,
                sourceRegion: primaryRegion,
                destination: outputs.storage.fileSystemId,
                destinationRegion: outputs.storage.region,
                createdAt: 0,
                everyMs: 10 * 60_000,
            },
        ],
        services: [
            ...services(
                primaryRegion,
                outputs.primary.ecs.clusterName,
                outputs.primary.ecs.serviceNames,
                (t) => outputs.ecs.desiredCounts[t] ?? 1,
                true,
            ),
            ...services(outputs.ecs.region, outputs.ecs.clusterName, outputs.ecs.serviceNames, () => 0, false),
        ],
        records: { names: [...outputs.ecs.recordNames], primaryRegion, changedAt: 0, previous: primaryRegion },
        fileSystems: { [primaryRegion]: outputs.primary.storage.fileSystemId, [outputs.storage.region]: outputs.storage.fileSystemId },
        targetGroups: Object.fromEntries([
            ...Object.entries(outputs.primary.ecs.targetGroupArns).map(([t, arn]) => [
                arn,
                { region: primaryRegion, cluster: outputs.primary.ecs.clusterName, name: outputs.primary.ecs.serviceNames[t] },
            ]),
            ...Object.entries(outputs.ecs.targetGroupArns).map(([t, arn]) => [
                arn,
                { region: outputs.ecs.region, cluster: outputs.ecs.clusterName, name: outputs.ecs.serviceNames[t] },
            ]),
        ]),
        failures: [],
        calls: [],
    };
}

/** An AWS-shaped error: `name` is the service's code, as the SDK raises it. */
function awsError(name: string, message: string, status = 400): Error {
    return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

const regionOfArn = (arn: string) => arn.split(":")[3];

/** A `DrPort` over the world in `file` (read on every call, written after every change). */
export function rehearsalPort(file: string): DrPort & { world(): DrWorld; rollout(phase: string): void } {
    const load = (): DrWorld => JSON.parse(fs.readFileSync(file, "utf8"));
    const save = (w: DrWorld) => fs.writeFileSync(file, `${JSON.stringify(w, null, 2)}\n`);
    /** Runs `body` against the world as `region` sees it: refused when the region is down or a scripted failure matches. */
    const call = <T>(region: string, name: string, detail: string, body: (w: DrWorld) => T): Promise<T> => {
        const w = load();
        w.calls.push({ at: new Date(w.now).toISOString(), region, call: name, detail });
        const fail = w.failures.findIndex(
            (f) =>
                f.call === name &&
                (f.region === undefined || f.region === region) &&
                (f.detailHas === undefined || detail.includes(f.detailHas)),
        );
        try {
            if (w.down.includes(region))
                throw awsError("TimeoutError", `connect ETIMEDOUT ${name.toLowerCase()}.${region}.amazonaws.com:443`, 0);
            if (fail >= 0) {
                const [f] = w.failures.splice(fail, 1);
                throw awsError(f.name, f.message, 403);
            }
            autoScale(w);
            rebuildReturned(w);
            purgeDeleted(w);
            return Promise.resolve(body(w));
        } catch (err) {
            return Promise.reject(err);
        } finally {
            // Every call is logged, and a change is kept even when the same call then fails.
            save(w);
        }
    };
    const lastSync = (w: DrWorld, e: EfsState): number | undefined => {
        const until = w.down.includes(e.sourceRegion) ? (w.downSince ?? w.now) : w.now;
        const syncs = Math.floor((until - e.createdAt) / e.everyMs);
        return syncs >= 1 ? e.createdAt + syncs * e.everyMs : undefined;
    };
    const runningAt = (at: number, s: ServiceState) => (at - s.changedAt >= SCRIPTED_MS.taskStart ? s.desired : s.before);
    const running = (w: DrWorld, s: ServiceState) => runningAt(w.now, s);
    /** The service is told to run `desired` tasks from `at`; what ran until then runs until the change takes effect. */
    const setDesired = (s: ServiceState, desired: number, at: number) => {
        s.before = runningAt(at, s);
        s.desired = desired;
        s.changedAt = at;
    };
    const inRange = (count: number, range: ScalingRange) => Math.min(Math.max(count, range.minCapacity), range.maxCapacity);
    /** Application Auto Scaling's part: an unsuspended target moves a count outside its range into it, `SCRIPTED_MS.autoScaling` after the change. */
    function autoScale(w: DrWorld): void {
        for (const s of w.services) {
            if (!s.scaling || s.scaling.suspended) continue;
            const within = inRange(s.desired, s.scaling);
            const at = s.changedAt + SCRIPTED_MS.autoScaling;
            if (within !== s.desired && w.now >= at) setDesired(s, within, at);
        }
    }
    /** EFS's part: a deleted replication is gone `SCRIPTED_MS.efsDelete` after the delete ("can take several minutes"). */
    function purgeDeleted(w: DrWorld): void {
        w.efs = w.efs.filter((e) => e.deletingUntil === undefined || w.now < e.deletingUntil);
    }
    /** Aurora's part after a managed failover: an old primary whose region answers again is rebuilt as a secondary. */
    function rebuildReturned(w: DrWorld): void {
        for (const c of w.clusters) {
            if (!c.awaitingRebuild || w.down.includes(c.region)) continue;
            c.awaitingRebuild = false;
            c.readyAt = w.now + SCRIPTED_MS.rebuildCopy;
            w.lagMs = NORMAL_LAG_MS;
        }
    }
    /** The refusals SwitchoverGlobalCluster and FailoverGlobalCluster share (RDS API reference, Errors). */
    const refuseManaged = (w: DrWorld, id: string, targetArn: string) => {
        const gc = w.globalCluster;
        if (!targetArn.startsWith("arn:")) throw awsError("InvalidParameterValue", "TargetDbClusterIdentifier must be the cluster's ARN");
        if (!gc || gc.id !== id) throw awsError("GlobalClusterNotFoundFault", `global cluster ${id} not found`, 404);
        if (!gc.memberArns.includes(targetArn)) throw awsError("DBClusterNotFoundFault", `${targetArn} is not a member of ${id}`, 404);
        if (w.now < gc.busyUntil)
            throw awsError("InvalidGlobalClusterStateFault", `${id} is ${gc.operation ? "failing over" : "switching over"}`);
        const target = w.clusters.find((c) => c.arn === targetArn)!;
        if (majorMinor(target.engineVersion) !== majorMinor(gc.engineVersion))
            throw awsError(
                "InvalidGlobalClusterStateFault",
                `${targetArn} runs ${target.engineVersion}, the global database ${gc.engineVersion}: a managed switchover or failover needs the same major and minor version`,
            );
        if (!(target.instances ?? []).some((i) => i.status === "available"))
            throw awsError("InvalidDBClusterStateFault", `${targetArn} has no available instance to make the writer`);
        return { gc, target };
    };
    const service = (w: DrWorld, region: string, cluster: string, name: string) =>
        w.services.find((s) => s.region === region && s.cluster === cluster && s.name === name);

    const port = {
        world: load,
        now: () => load().now,
        sleep: async (ms: number) => {
            const w = load();
            w.now += ms;
            save(w);
        },
        globalCluster: (region: string, id: string) =>
            call(region, "DescribeGlobalClusters", id, (w): GlobalClusterView | undefined => {
                const gc = w.globalCluster;
                if (!gc || gc.id !== id) return undefined;
                const busy = w.now < gc.busyUntil;
                const op = busy ? gc.operation : undefined;
                return {
                    identifier: gc.id,
                    status: busy ? (op ? "failing-over" : "switching-over") : "available",
                    members: gc.memberArns.map((arn) => {
                        const c = w.clusters.find((x) => x.arn === arn);
                        const rebuilding = c !== undefined && (c.awaitingRebuild === true || w.now < c.readyAt);
                        return {
                            clusterArn: arn,
                            region: regionOfArn(arn),
                            isWriter: arn === gc.writerArn,
                            synchronization: rebuilding && arn !== gc.writerArn ? "pending-resync" : "connected",
                        };
                    }),
                    engineVersion: gc.engineVersion,
                    ...(op ? { failoverState: { status: "failing-over", ...op } } : {}),
                };
            }),
        cluster: (region: string, id: string) =>
            call(region, "DescribeDBClusters", id, (w): ClusterView | undefined => {
                const c = w.clusters.find((x) => x.region === region && x.id === id);
                if (!c) return undefined;
                const ready = w.now >= c.readyAt;
                // A detach shows the cluster standalone only once the promotion is done.
                return {
                    identifier: c.id,
                    arn: c.arn,
                    status: ready ? "available" : "modifying",
                    globalClusterIdentifier: ready ? c.globalId : w.globalCluster?.id,
                    writable: ready && c.writable,
                    engineVersion: c.engineVersion,
                };
            }),
        instances: (region: string, id: string) =>
            call(region, "DescribeDBInstances", `db-cluster-id ${id}`, (w): InstanceView[] => {
                const c = w.clusters.find((x) => x.region === region && x.id === id);
                return (c?.instances ?? []).map((i) => ({ identifier: i.id, status: i.status }));
            }),
        replicaLag: (region: string, id: string) =>
            call(region, "GetMetricData", `AuroraGlobalDBReplicationLag DBClusterIdentifier=${id}`, (w): LagDatapoint | undefined => {
                const c = w.clusters.find((x) => x.region === region && x.id === id);
                const gc = w.globalCluster;
                // Only a secondary in this region publishes the metric, once it replicates.
                if (!c || !c.globalId || !gc || gc.writerArn === c.arn || c.awaitingRebuild || w.now < c.readyAt) return undefined;
                // Its datapoints stop when the writer's region stops sending; the query looks 15 minutes back.
                const at = w.down.includes(regionOfArn(gc.writerArn)) ? (w.downSince ?? w.now) : w.now;
                return w.now - at <= 15 * 60_000 ? { ms: w.lagMs, at: new Date(at) } : undefined;
            }),
        efsReplication: (region: string, fileSystemId: string) =>
            call(region, "DescribeReplicationConfigurations", fileSystemId, (w): EfsReplicationView | undefined => {
                const e = w.efs.find(
                    (x) =>
                        (x.source === fileSystemId && x.sourceRegion === region) ||
                        (x.destination === fileSystemId && x.destinationRegion === region),
                );
                if (!e) return undefined;
                const last = lastSync(w, e);
                return {
                    status: e.deletingUntil === undefined ? "ENABLED" : "DELETING",
                    destinationFileSystemId: e.destination,
                    destinationRegion: e.destinationRegion,
                    lastReplicated: last === undefined ? undefined : new Date(last),
                };
            }),
        switchover: (region: string, id: string, targetArn: string) =>
            call(region, "SwitchoverGlobalCluster", `${id} → ${targetArn}`, (w) => {
                const { gc } = refuseManaged(w, id, targetArn);
                if (w.down.includes(regionOfArn(gc.writerArn)))
                    throw awsError(
                        "InvalidGlobalClusterStateFault",
                        `the writer's region ${regionOfArn(gc.writerArn)} does not answer: a switchover needs it`,
                    );
                for (const c of w.clusters) if (gc.memberArns.includes(c.arn)) c.writable = c.arn === targetArn;
                gc.writerArn = targetArn;
                gc.busyUntil = w.now + SCRIPTED_MS.switchover;
                gc.operation = undefined;
            }),
        failover: (region: string, id: string, targetArn: string) =>
            call(region, "FailoverGlobalCluster", `${id} → ${targetArn} AllowDataLoss`, (w) => {
                const { gc, target } = refuseManaged(w, id, targetArn);
                const old = w.clusters.find((c) => c.arn === gc.writerArn);
                gc.operation = { fromArn: gc.writerArn, toArn: targetArn, dataLossAllowed: true };
                gc.writerArn = targetArn;
                gc.busyUntil = w.now + SCRIPTED_MS.failover;
                target.writable = true;
                target.readyAt = gc.busyUntil;
                if (old) {
                    // Write fencing is best effort; the old primary stays a member and is rebuilt once its region answers.
                    old.writable = false;
                    old.awaitingRebuild = true;
                }
            }),
        detach: (region: string, id: string, clusterArn: string) =>
            call(region, "RemoveFromGlobalCluster", `${id} ${clusterArn}`, (w) => {
                if (!clusterArn.startsWith("arn:"))
                    throw awsError("InvalidParameterValue", "DbClusterIdentifier must be the cluster's ARN");
                const c = w.clusters.find((x) => x.arn === clusterArn);
                if (!c || !w.globalCluster || w.globalCluster.id !== id || c.globalId !== id)
                    throw awsError("DBClusterNotFoundFault", `${clusterArn} is not a member of ${id}`, 404);
                if (regionOfArn(clusterArn) !== region)
                    throw awsError(
                        "InvalidParameterValue",
                        `send RemoveFromGlobalCluster to the cluster's own region ${regionOfArn(clusterArn)}, not ${region}`,
                    );
                c.globalId = undefined;
                c.writable = true;
                c.readyAt = w.now + SCRIPTED_MS.detach;
                w.globalCluster.memberArns = w.globalCluster.memberArns.filter((a) => a !== clusterArn);
            }),
        deleteEfsReplication: (region: string, source: string, localOnly: boolean) =>
            call(region, "DeleteReplicationConfiguration", `${source}${localOnly ? " LOCAL_CONFIGURATION_ONLY" : ""}`, (w) => {
                const e = w.efs.find((x) => x.source === source && x.deletingUntil === undefined);
                if (!e) throw awsError("ReplicationNotFound", `no replication of ${source}`, 404);
                const other = region === e.sourceRegion ? e.destinationRegion : e.sourceRegion;
                if (!localOnly && w.down.includes(other))
                    throw awsError("InternalServerError", `cannot reach ${other} to delete its side: use LOCAL_CONFIGURATION_ONLY`, 500);
                e.deletingUntil = w.now + SCRIPTED_MS.efsDelete;
            }),
        replicateToExisting: async (sourceRegion: string, source: string, destinationRegion: string, destination: string) => {
            await call(destinationRegion, "UpdateFileSystemProtection", `${destination} ReplicationOverwriteProtection DISABLED`, (w) => {
                w.overwritable = [...new Set([...(w.overwritable ?? []), destination])];
            });
            await call(sourceRegion, "CreateReplicationConfiguration", `${source} → ${destinationRegion} ${destination}`, (w) => {
                // A file system is in one replication at most, a deleting one included (EFS API reference, CreateReplicationConfiguration).
                if (w.efs.some((e) => [e.source, e.destination].some((f) => f === source || f === destination)))
                    throw awsError("ReplicationAlreadyExists", `${source} or ${destination} is already in a replication configuration`);
                if (!(w.overwritable ?? []).includes(destination))
                    throw awsError("ValidationException", `${destination}'s ReplicationOverwriteProtection is ENABLED: disable it first`);
                if (w.down.includes(destinationRegion))
                    throw awsError("InternalServerError", `cannot reach ${destinationRegion} to replicate into ${destination}`, 500);
                w.overwritable = w.overwritable!.filter((f) => f !== destination);
                // The first copy overwrites the whole destination: its first sync comes after the scripted copy.
                w.efs.push({
                    source,
                    sourceRegion,
                    destination,
                    destinationRegion,
                    createdAt: w.now + SCRIPTED_MS.rebuildCopy - 10 * 60_000,
                    everyMs: 10 * 60_000,
                });
            });
        },
        services: (region: string, cluster: string, names: readonly string[]) =>
            call(region, "DescribeServices", `${cluster}: ${names.join(", ")}`, (w): ServiceView[] =>
                names.flatMap((n) => {
                    const s = service(w, region, cluster, n);
                    return s ? [{ name: n, status: "ACTIVE", desired: s.desired, running: running(w, s) }] : [];
                }),
            ),
        scale: (region: string, cluster: string, name: string, desired: number) =>
            call(region, "UpdateService", `${cluster}/${name} desiredCount ${desired}`, (w) => {
                if (!w.services.some((s) => s.region === region && s.cluster === cluster))
                    throw awsError("ClusterNotFoundException", `cluster ${cluster} not found in ${region}`);
                const s = service(w, region, cluster, name);
                if (!s) throw awsError("ServiceNotFoundException", `service ${name} not found in ${cluster}`);
                if (s.desired !== desired) setDesired(s, desired, w.now);
            }),
        scalableTargets: (region: string, cluster: string, names: readonly string[]) =>
            call(region, "DescribeScalableTargets", `ecs ${names.map((n) => serviceResourceId(cluster, n)).join(", ")}`, (w) =>
                names.flatMap((n): ScalableTargetView[] => {
                    const s = service(w, region, cluster, n);
                    return s?.scaling ? [{ service: n, ...s.scaling }] : [];
                }),
            ),
        registerScalableTarget: (region: string, cluster: string, name: string, range: ScalingRange) =>
            call(
                region,
                "RegisterScalableTarget",
                `${serviceResourceId(cluster, name)} ${range.minCapacity}–${range.maxCapacity}${range.suspended ? " suspended" : ""}`,
                (w) => {
                    // Errors: ValidationException (Application Auto Scaling API reference, RegisterScalableTarget).
                    const s = service(w, region, cluster, name);
                    if (!s) throw awsError("ValidationException", `ECS service doesn't exist: ${serviceResourceId(cluster, name)}`);
                    if (range.minCapacity > range.maxCapacity)
                        throw awsError("ValidationException", "MinCapacity must be less than or equal to MaxCapacity");
                    s.scaling = { ...range };
                    // "it changes the resource's current capacity to a value that is inside of this range" (same reference).
                    const within = inRange(s.desired, range);
                    if (within !== s.desired) setDesired(s, within, w.now);
                },
            ),
        targetHealth: (region: string, targetGroupArn: string) =>
            call(region, "DescribeTargetHealth", targetGroupArn, (w): TargetHealthView => {
                const tg = w.targetGroups[targetGroupArn];
                if (!tg || tg.region !== region)
                    throw awsError("TargetGroupNotFound", `target group ${targetGroupArn} not found in ${region}`);
                const s = service(w, tg.region, tg.cluster, tg.name)!;
                const total = running(w, s);
                const healthy =
                    w.now - s.changedAt >= SCRIPTED_MS.taskStart + SCRIPTED_MS.targetHealthy ? total : s.changedAt === 0 ? total : 0;
                return { healthy, total };
            }),
        dns: (target: DnsTarget) =>
            call("us-east-1", "ListResourceRecordSets", target.hostedZoneId, (w): DnsView => {
                const visible = w.now - w.records.changedAt >= SCRIPTED_MS.dnsChange ? w.records.primaryRegion : w.records.previous;
                const primaryRegion = Object.keys(target.loadBalancers)[0];
                return {
                    primaryRegionOf: Object.fromEntries(
                        target.recordNames.map((n) => [n, w.records.names.includes(n) ? visible : undefined]),
                    ),
                    primaryHealthy: !w.down.includes(primaryRegion),
                };
            }),
        makePrimary: (target: DnsTarget, region: string) =>
            call("us-east-1", "ChangeResourceRecordSets", `${target.hostedZoneId}: PRIMARY ${region}`, (w) => {
                const unknown = target.recordNames.filter((n) => !w.records.names.includes(n));
                if (unknown.length > 0) throw awsError("InvalidChangeBatch", `no failover records named ${unknown.join(", ")}`);
                w.records.previous = w.records.primaryRegion;
                w.records.primaryRegion = region;
                w.records.changedAt = w.now;
            }),
        /**
         * What the program does when failback's rebuild rolls out the storage phase with the standby
         * serving: it replicates the standby's files back.
         */
        rollout: (phase: string) => {
            const w = load();
            w.now += SCRIPTED_MS.rollout;
            w.calls.push({ at: new Date(w.now).toISOString(), region: "-", call: "rollout", detail: phase });
            save(w);
        },
    };
    return port;
}
