/**
 * Switchover, failover and failback as ordered steps, each gated on the roles `bbws:approvals` names
 * for the phases it touches, shown before it runs, and recorded in the ledger's DR stream
 * (`<env>.dr.jsonl`) with its start and end. A rerun of the same command after a failed, refused or
 * cancelled step continues the same operation from that step (the tenant steps' pattern,
 * automation/tenant/steps.ts); every step is safe to run again (it first reads whether its change is
 * already there).
 *
 * switchover: check → database (SwitchoverGlobalCluster) → scale → healthy → dns → drain (fence, then 0) → files → config
 * failover:   assess → database (FailoverGlobalCluster, AllowDataLoss; or, with --detach-and-promote, RemoveFromGlobalCluster)
 *             → files → scale → healthy → dns → config
 * failback:   rebuild (the old primary back as a secondary; storage rollout) → check → database → scale → healthy → dns → drain → files → config
 *             (SwitchoverGlobalCluster is "intended … to fall back to the original primary after a global
 *             database failover": RDS API reference, SwitchoverGlobalCluster)
 */
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { PhaseName } from "../../src/phases";
import { BbwsError, describeError, EXIT, ExitCode, UsageError } from "../errors";
import type { Io } from "../io";
import type { Approval, DrAction, DrStepLedger, DrStepRecord } from "../ledger";
import type { DrConfig, DrSettings } from "./config";
import type { DrOutputs } from "./contract";
import { LAG_FRESH_MS, LagEstimate, lagEstimate } from "./lag";
import type { DnsTarget, DrPort, EfsReplicationView, ScalingRange } from "./port";
import { majorMinor, serviceResourceId } from "./port";
import { direction, dnsTargetOf, Side, sidesOf } from "./sides";
import { writeDrState } from "./stack-edit";

/** What the command was asked. */
export interface DrRequest {
    readonly action: DrAction;
    readonly env: string;
    /** The region that serves afterwards. */
    readonly to: string;
}

/** How it runs, besides what it does. */
export interface DrRunOptions {
    /** Show every step, its gate and what it would do; change and record nothing. */
    readonly dryRun: boolean;
    /** `--approve role:name`: each step's gate needs one per role of the phases it touches. */
    readonly approvals: readonly Approval[];
    /** Run each step without asking at the terminal (the approvals still gate it). */
    readonly yes: boolean;
    /** Aborted by Ctrl-C or SIGTERM: the step under way stops at its next call or wait, and is recorded as cancelled. */
    readonly signal?: AbortSignal;
    /**
     * Failover only (`--primary-is-down`): the operator says the primary cannot serve although Route 53's
     * health check does not say so (healthy, or no observation). Without it such a failover is refused;
     * with it the override is recorded in the assess step's ledger record. Default false.
     */
    readonly primaryIsDown?: boolean;
    /**
     * Failover only (`--detach-and-promote`): the manual failover (RemoveFromGlobalCluster) instead of
     * the managed one, for when the managed one cannot be used, e.g. engine versions that differ in
     * major or minor (Aurora user guide, "Recovering an Amazon Aurora global database from an unplanned
     * outage"). It leaves `bbws:dr.globalDatabase: detached`, after which `failback` refuses (the
     * manual runbook in the README). Default false.
     */
    readonly detachAndPromote?: boolean;
}

/** How long each wait lasts, and how often it polls (milliseconds). */
export interface DrTimeouts {
    /** The global database's switchover or the detached cluster's promotion. */
    readonly databaseMs: number;
    /** Every standby target healthy. */
    readonly healthyMs: number;
    /** An EFS sync newer than the drain; failback's rebuilt replication. */
    readonly syncMs: number;
    readonly pollMs: number;
}

/** Defaults: AWS quotes a switchover in minutes and a first sync of a new EFS replica in hours for large file systems. */
export const DEFAULT_TIMEOUTS: DrTimeouts = { databaseMs: 30 * 60_000, healthyMs: 15 * 60_000, syncMs: 60 * 60_000, pollMs: 15_000 };

/** What the steps reach outside the process through. */
export interface DrDeps {
    readonly projectDir: string;
    readonly settings: DrSettings;
    readonly outputs: DrOutputs;
    readonly port: DrPort;
    readonly log: DrStepLedger;
    readonly io: Io;
    /** Who runs it (the AWS caller), asked once a step is about to run. */
    readonly operator: () => Promise<string>;
    /** Rolls the given phases out (`npm run rollout`, with this run's approvals); resolves to its exit code. */
    readonly rollout: (env: string, phases: readonly PhaseName[], approvals: readonly Approval[], yes: boolean) => Promise<number>;
    /** Commits the stack file alone; the commit's id, or undefined outside git. */
    readonly commitStackFile: (file: string, message: string) => Promise<string | undefined>;
    readonly runId?: string;
    readonly timeouts?: Partial<DrTimeouts>;
}

/** One step's line in the result. */
export interface DrStepReport {
    readonly step: string;
    readonly title: string;
    readonly status: "done before" | "succeeded" | "failed" | "refused" | "cancelled" | "to do" | "not reached";
    /** The roles its gate needs. */
    readonly roles: readonly string[];
    readonly startedAt?: string;
    readonly endedAt?: string;
    readonly durationMs?: number;
    /** Dry run: what it would do. */
    readonly plan?: readonly string[];
    readonly data?: Readonly<Record<string, string>>;
    readonly error?: string;
}

/** The outcome of a run, for the table or `--json`. */
export interface DrRunResult {
    readonly exitCode: ExitCode | 130;
    readonly env: string;
    readonly action: DrAction;
    readonly to: string;
    readonly from: string;
    readonly dryRun: boolean;
    readonly operationId: string;
    readonly steps: readonly DrStepReport[];
}

/** A step did not succeed; its code and message go into its record. */
export class DrStepError extends BbwsError {
    constructor(code: string, message: string, fix?: string, exitCode: ExitCode = EXIT.failed) {
        super(code, message, exitCode, fix);
        this.name = "DrStepError";
    }
}

/** Ctrl-C or SIGTERM stopped a step; what it had sent to AWS is in its record. */
class CancelledError extends Error {
    constructor() {
        super("cancelled by a signal");
        this.name = "CancelledError";
    }
}

interface StepContext {
    readonly req: DrRequest;
    readonly options: DrRunOptions;
    readonly deps: DrDeps;
    readonly dr: DrConfig;
    readonly from: Side;
    readonly to: Side;
    readonly dns: DnsTarget;
    readonly timeouts: DrTimeouts;
    /** What earlier steps of the operation recorded. */
    readonly data: Record<string, string>;
    /** The AWS changes this step has sent, for its record if it is cancelled or fails. */
    readonly sent: string[];
}

interface Step {
    readonly id: string;
    readonly title: string;
    /** The phases whose approval roles gate it; none for a step that only reads or writes the stack file. */
    readonly phases: readonly PhaseName[];
    plan(ctx: StepContext): string[];
    run(ctx: StepContext): Promise<Record<string, string> | void>;
}

const tenants = (ctx: StepContext) => Object.keys(ctx.deps.outputs.ecs.desiredCounts).sort();

function checkSignal(ctx: StepContext): void {
    if (ctx.options.signal?.aborted) throw new CancelledError();
}

/** Sends one change to AWS and remembers it for the record. */
async function send(ctx: StepContext, what: string, call: () => Promise<void>): Promise<void> {
    checkSignal(ctx);
    ctx.deps.io.err(`  → ${what}`);
    await call();
    ctx.sent.push(what);
}

/** Polls `probe` until it says done, printing what it sees when that changes; `DrStepError` `timed-out` after `timeoutMs`. */
async function waitFor(
    ctx: StepContext,
    what: string,
    timeoutMs: number,
    probe: () => Promise<{ done: boolean; seen: string }>,
): Promise<string> {
    const { port, io } = ctx.deps;
    const deadline = port.now() + timeoutMs;
    let last = "";
    for (;;) {
        checkSignal(ctx);
        const { done, seen } = await probe();
        if (seen !== last) io.err(`  ${what}: ${seen}`);
        last = seen;
        if (done) return seen;
        if (port.now() >= deadline) {
            throw new DrStepError(
                "timed-out",
                `${what} did not happen within ${Math.round(timeoutMs / 60_000)} min (last seen: ${seen})`,
                "look at the resource in the console; run the same command again to keep waiting from this step",
            );
        }
        await port.sleep(ctx.timeouts.pollMs);
    }
}

async function clusterArnOf(ctx: StepContext, side: Side): Promise<string> {
    if (side.clusterArn) return side.clusterArn;
    const cluster = await ctx.deps.port.cluster(side.region, side.clusterIdentifier);
    if (!cluster) throw new DrStepError("no-cluster", `the Aurora cluster ${side.clusterIdentifier} is not in ${side.region}`);
    return cluster.arn;
}

const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;

/** The estimate as step data (strings, for the ledger); `report.ts` reads the bounds back. */
function lagData(estimate: LagEstimate): Record<string, string> {
    return {
        auroraLag: estimate.text,
        ...(estimate.atLeastMs !== undefined ? { auroraLagAtLeastMs: String(estimate.atLeastMs) } : {}),
        ...(estimate.atMostMs !== undefined ? { auroraLagAtMostMs: String(estimate.atMostMs) } : {}),
    };
}

/**
 * Whether a managed switchover or failover can be used between clusters running `a` and `b`: their
 * major and minor versions must be equal; whether the patch levels may differ depends on the version
 * (Aurora user guide, "Performing managed failovers for Aurora global databases" and "Patch level
 * compatibility for managed cross-Region switchovers and failovers"), a table this command does not hold.
 */
export function engineCompatibility(a: string, b: string): "same" | "patch differs" | "incompatible" {
    if (a === b) return "same";
    return majorMinor(a) === majorMinor(b) ? "patch differs" : "incompatible";
}

/**
 * The failover's gate on the primary's health: Route 53's health check must say the primary is
 * unhealthy, or the operator must say it is down (`--primary-is-down`), which is then recorded as an
 * override. A healthy primary that can still write loses nothing with a switchover instead.
 */
export function primaryHealthGate(primaryHealthy: boolean | undefined, primaryIsDown: boolean): { proceed: boolean; override?: string } {
    if (primaryHealthy === false) return { proceed: true };
    const said = primaryHealthy === undefined ? "had no observation" : "said healthy";
    return primaryIsDown ? { proceed: true, override: `--primary-is-down (Route 53's health check ${said})` } : { proceed: false };
}

/** Checks, before a managed switchover, that both clusters are members in sync and the target side can serve. */
const CHECK: Step = {
    id: "check",
    title: "check the global database, file replication and target services",
    phases: [],
    plan: (ctx) => [
        `RDS DescribeGlobalClusters (${ctx.to.region}): ${ctx.deps.outputs.database.globalClusterIdentifier} available, ${ctx.to.clusterIdentifier} a secondary`,
        `RDS DescribeDBInstances (${ctx.to.region}): ${ctx.to.clusterIdentifier} has an available instance to become the writer`,
        `RDS DescribeDBClusters (${ctx.from.region}, ${ctx.to.region}): both clusters' engine versions equal in major and minor`,
        `CloudWatch AuroraGlobalDBReplicationLag of ${ctx.to.clusterIdentifier} (${ctx.to.region}): a datapoint of the last ${minutes(LAG_FRESH_MS)}, under ${ctx.dr.replication.rpoMinutes} min`,
        `EFS replication ${ctx.from.fileSystemId} → ${ctx.to.fileSystemId} enabled; ECS services of ${ctx.to.ecsCluster} present`,
    ],
    run: async (ctx) => {
        const { port, outputs } = ctx.deps;
        const gcId = outputs.database.globalClusterIdentifier;
        const targetArn = await clusterArnOf(ctx, ctx.to);
        const problems: string[] = [];
        const data: Record<string, string> = { targetArn };
        const gc = await port.globalCluster(ctx.to.region, gcId);
        if (!gc) problems.push(`the global database ${gcId} does not exist`);
        else {
            if (gc.status !== "available") problems.push(`the global database is ${gc.status}, not available`);
            const target = gc.members.find((m) => m.clusterArn === targetArn);
            if (!target) problems.push(`${ctx.to.clusterIdentifier} is not a member of ${gcId}`);
            else if (target.isWriter) problems.push(`${ctx.to.clusterIdentifier} is already the writer`);
            else if (target.synchronization !== undefined && target.synchronization !== "connected")
                problems.push(`${ctx.to.clusterIdentifier} is ${target.synchronization}, not connected: Aurora is still rebuilding it`);
        }
        // SwitchoverGlobalCluster needs the same major and minor engine versions on both clusters (Aurora user guide, "Performing switchovers").
        const source = await port.cluster(ctx.from.region, ctx.from.clusterIdentifier);
        const target = await port.cluster(ctx.to.region, ctx.to.clusterIdentifier);
        if (source && target) {
            const versions = `${ctx.from.clusterIdentifier} ${source.engineVersion}, ${ctx.to.clusterIdentifier} ${target.engineVersion}`;
            const compatibility = engineCompatibility(source.engineVersion, target.engineVersion);
            data.engineVersions = versions;
            if (compatibility === "incompatible")
                problems.push(`the engine versions differ in major or minor (${versions}): upgrade one to match first`);
            if (compatibility === "patch differs")
                ctx.deps.io.err(
                    `  warning: patch levels differ (${versions}): whether a switchover allows it depends on the version (Aurora user guide, "Patch level compatibility for managed cross-Region switchovers and failovers")`,
                );
        }
        // The managed switchover makes one of the secondary's instances the writer: a headless cluster has none to offer
        // (RDS API reference, SwitchoverGlobalCluster; Aurora user guide, "Creating a headless Aurora DB cluster in a secondary Region").
        const instances = await port.instances(ctx.to.region, ctx.to.clusterIdentifier);
        if (!instances.some((i) => i.status === "available")) {
            const seen = instances.map((i) => `${i.identifier} ${i.status}`).join(", ") || "none";
            problems.push(`${ctx.to.clusterIdentifier} has no available instance to become the writer (saw ${seen})`);
        }
        const lag = lagEstimate(await port.replicaLag(ctx.to.region, ctx.to.clusterIdentifier), port.now());
        if (!lag.known) problems.push(`the replica's lag is ${lag.text}: is ${ctx.to.clusterIdentifier} replicating?`);
        else if (lag.atLeastMs! > ctx.dr.replication.rpoMinutes * 60_000) {
            problems.push(
                `the replica lags ${minutes(lag.atLeastMs!)}, over the ${ctx.dr.replication.rpoMinutes} min RPO: a switchover would wait for it`,
            );
        }
        const efs = await port.efsReplication(ctx.from.region, ctx.from.fileSystemId);
        if (!efs || efs.status !== "ENABLED" || efs.destinationFileSystemId !== ctx.to.fileSystemId) {
            problems.push(
                `EFS replication ${ctx.from.fileSystemId} → ${ctx.to.fileSystemId} is ${efs ? `${efs.status} to ${efs.destinationFileSystemId}` : "absent"}`,
            );
        }
        const services = await port.services(ctx.to.region, ctx.to.ecsCluster, Object.values(ctx.to.serviceNames));
        const missing = Object.values(ctx.to.serviceNames).filter((n) => !services.some((s) => s.name === n && s.status === "ACTIVE"));
        if (missing.length > 0) problems.push(`services not active in ${ctx.to.region}: ${missing.join(", ")}`);
        if (problems.length > 0) {
            throw new DrStepError(
                "not-ready",
                `${ctx.to.region} is not ready to take over: ${problems.join("; ")}`,
                "fix what is listed, or fail over if the primary is down",
            );
        }
        return { ...data, auroraLag: lag.text, efsLastReplicated: efs?.lastReplicated?.toISOString() ?? "never" };
    },
};

/**
 * Before a failover: is the primary really down (Route 53's health check, or the operator's
 * `--primary-is-down`), can the managed failover be used (engine versions), and what will it give up
 * (the replica's lag, the files' last sync).
 */
const ASSESS: Step = {
    id: "assess",
    title: "check the primary is down and measure the data a failover gives up",
    phases: [],
    plan: (ctx) => [
        `Route 53 GetHealthCheckStatus ${ctx.dns.healthCheckId}: the primary must be unhealthy${ctx.options.primaryIsDown ? " (or --primary-is-down, recorded as an override)" : ", or pass --primary-is-down"}`,
        `RDS DescribeGlobalClusters and DescribeDBClusters in ${ctx.to.region}: ${ctx.to.clusterIdentifier}'s engine version equal to the global database's in major and minor${ctx.options.detachAndPromote ? " (not needed: --detach-and-promote)" : ""}`,
        `CloudWatch AuroraGlobalDBReplicationLag of ${ctx.to.clusterIdentifier} in ${ctx.to.region} (the secondary's region publishes it)`,
        `EFS DescribeReplicationConfigurations of ${ctx.to.fileSystemId} in ${ctx.to.region}: the last sync`,
    ],
    run: async (ctx) => {
        const { port, io } = ctx.deps;
        const view = await port.dns(ctx.dns);
        const gate = primaryHealthGate(view.primaryHealthy, ctx.options.primaryIsDown ?? false);
        if (!gate.proceed) {
            throw new DrStepError(
                "primary-healthy",
                `Route 53's health check ${ctx.dns.healthCheckId} ${view.primaryHealthy === undefined ? "has no observation of" : "finds"} ${ctx.from.region}${view.primaryHealthy === undefined ? "" : " healthy"}: a failover would give up data a switchover keeps`,
                `if ${ctx.from.region} can write, switch over (npm run dr -- switchover); if you know it cannot serve, run the same command with --primary-is-down`,
                EXIT.refused,
            );
        }
        const data: Record<string, string> = {
            primaryHealthCheck: view.primaryHealthy === undefined ? "unknown" : view.primaryHealthy ? "healthy" : "unhealthy",
            ...(gate.override ? { override: gate.override } : {}),
        };
        if (gate.override) io.err(`  override: ${gate.override}`);
        if (!ctx.options.detachAndPromote) {
            const gc = await port.globalCluster(ctx.to.region, ctx.deps.outputs.database.globalClusterIdentifier);
            const cluster = await port.cluster(ctx.to.region, ctx.to.clusterIdentifier);
            const versions = `${ctx.to.clusterIdentifier} ${cluster?.engineVersion ?? "absent"}, the global database ${gc?.engineVersion ?? "absent"}`;
            if (!gc?.engineVersion || !cluster || engineCompatibility(cluster.engineVersion, gc.engineVersion) === "incompatible") {
                throw new DrStepError(
                    "managed-failover-impossible",
                    `a managed failover needs the same major and minor engine versions (${versions})`,
                    "run the same command with --detach-and-promote (the manual failover; failback then follows the README's manual runbook)",
                    EXIT.refused,
                );
            }
            data.engineVersions = versions;
        }
        const lag = lagEstimate(await port.replicaLag(ctx.to.region, ctx.to.clusterIdentifier), port.now());
        const efs = await port.efsReplication(ctx.to.region, ctx.to.fileSystemId);
        Object.assign(data, lagData(lag), { efsLastReplicated: efs?.lastReplicated?.toISOString() ?? "never" });
        io.err(`  accepting database writes the replica lacks (${lag.text}) and the files since ${data.efsLastReplicated}`);
        return data;
    },
};

/** Managed switchover: Aurora syncs every secondary first, so nothing is lost (RDS API reference, SwitchoverGlobalCluster). */
const SWITCHOVER_DATABASE: Step = {
    id: "database",
    title: "switch the global database's writer over (no data loss)",
    phases: ["database"],
    plan: (ctx) => [
        `RDS SwitchoverGlobalCluster in ${ctx.to.region}: GlobalClusterIdentifier ${ctx.deps.outputs.database.globalClusterIdentifier}, TargetDbClusterIdentifier ${ctx.data.targetArn ?? ctx.to.clusterArn ?? `<ARN of ${ctx.to.clusterIdentifier}>`}`,
        `then waits up to ${minutes(ctx.timeouts.databaseMs)} for it to be available with ${ctx.to.clusterIdentifier} the writer`,
    ],
    run: async (ctx) => {
        const { port, outputs } = ctx.deps;
        const gcId = outputs.database.globalClusterIdentifier;
        const targetArn = await clusterArnOf(ctx, ctx.to);
        const writerIs = async () => (await port.globalCluster(ctx.to.region, gcId))?.members.find((m) => m.isWriter)?.clusterArn;
        if ((await writerIs()) !== targetArn) {
            await send(ctx, `SwitchoverGlobalCluster ${gcId} → ${targetArn}`, () => port.switchover(ctx.to.region, gcId, targetArn));
        }
        await waitFor(ctx, "global database", ctx.timeouts.databaseMs, async () => {
            const gc = await port.globalCluster(ctx.to.region, gcId);
            const writer = gc?.members.find((m) => m.isWriter)?.clusterArn;
            return {
                done: gc?.status === "available" && writer === targetArn,
                seen: `${gc?.status ?? "absent"}, writer ${writer ?? "none"}`,
            };
        });
        return { writer: targetArn };
    },
};

/**
 * Managed failover (RDS API reference, FailoverGlobalCluster with `AllowDataLoss`; Aurora user guide,
 * "Performing managed failovers for Aurora global databases"): sent to the target's region, it makes
 * the standby the global database's writer without waiting for the unreachable primary, keeps the
 * global database, and Aurora rebuilds the old primary as a secondary once its region answers again.
 * With `--detach-and-promote`, the manual failover instead: RemoveFromGlobalCluster sent to the
 * standby's own region makes it a standalone writable cluster (same guide, "Performing manual failovers").
 */
const FAILOVER_DATABASE: Step = {
    id: "database",
    title: "make the standby cluster the writer, accepting the lag",
    phases: ["database"],
    plan: (ctx) => {
        const gcId = ctx.deps.outputs.database.globalClusterIdentifier;
        return ctx.options.detachAndPromote
            ? [
                  `RDS RemoveFromGlobalCluster in ${ctx.to.region} (the detached cluster's region): GlobalClusterIdentifier ${gcId}, DbClusterIdentifier ${ctx.to.clusterArn}`,
                  `then waits up to ${minutes(ctx.timeouts.databaseMs)} for ${ctx.to.clusterIdentifier} to be a standalone, available, writable cluster`,
              ]
            : [
                  `RDS FailoverGlobalCluster in ${ctx.to.region} (the target's region): GlobalClusterIdentifier ${gcId}, TargetDbClusterIdentifier ${ctx.to.clusterArn}, AllowDataLoss true`,
                  `then waits up to ${minutes(ctx.timeouts.databaseMs)} for ${ctx.to.clusterIdentifier} to be the writer, available and writable`,
              ];
    },
    run: (ctx) => (ctx.options.detachAndPromote ? detachAndPromote(ctx) : managedFailover(ctx)),
};

async function managedFailover(ctx: StepContext): Promise<Record<string, string>> {
    const { port, outputs } = ctx.deps;
    const gcId = outputs.database.globalClusterIdentifier;
    const arn = await clusterArnOf(ctx, ctx.to);
    const gc = await port.globalCluster(ctx.to.region, gcId);
    if (!gc) throw new DrStepError("no-global-database", `the global database ${gcId} is not there (seen from ${ctx.to.region})`);
    const oldWriter = gc.members.find((m) => m.isWriter)?.clusterArn;
    if (oldWriter !== arn && gc.failoverState?.toArn !== arn) {
        await send(ctx, `FailoverGlobalCluster ${gcId} → ${arn} AllowDataLoss`, () => port.failover(ctx.to.region, gcId, arn));
    }
    await waitFor(ctx, "global database", ctx.timeouts.databaseMs, async () => {
        const now = await port.globalCluster(ctx.to.region, gcId);
        const c = await port.cluster(ctx.to.region, ctx.to.clusterIdentifier);
        const writer = now?.members.find((m) => m.isWriter);
        // Not on the global database's status or FailoverState: "as soon as the new primary writer is promoted and
        // available, the new primary Region's cluster can handle read and write operations" (Aurora user guide,
        // managed failovers), while what they show with the old primary unreachable is not documented.
        const state = now?.failoverState ? ` (FailoverState ${now.failoverState.status})` : "";
        return {
            done: writer?.clusterArn === arn && c?.status === "available" && c.writable,
            seen: `${now?.status ?? "absent"}${state}, writer in ${writer?.region ?? "none"}; ${ctx.to.clusterIdentifier} ${c?.status ?? "absent"}${c?.writable ? ", writable" : ""}`,
        };
    });
    return { method: "managed failover", writer: arn, ...(oldWriter && oldWriter !== arn ? { oldPrimary: oldWriter } : {}) };
}

async function detachAndPromote(ctx: StepContext): Promise<Record<string, string>> {
    const { port, outputs } = ctx.deps;
    const gcId = outputs.database.globalClusterIdentifier;
    const arn = await clusterArnOf(ctx, ctx.to);
    const before = await port.cluster(ctx.to.region, ctx.to.clusterIdentifier);
    if (!before) throw new DrStepError("no-cluster", `the standby cluster ${ctx.to.clusterIdentifier} is not in ${ctx.to.region}`);
    if (before.globalClusterIdentifier !== undefined) {
        await send(ctx, `RemoveFromGlobalCluster ${gcId} ${arn}`, () => port.detach(ctx.to.region, gcId, arn));
    }
    await waitFor(ctx, "standby cluster", ctx.timeouts.databaseMs, async () => {
        const c = await port.cluster(ctx.to.region, ctx.to.clusterIdentifier);
        const member = c?.globalClusterIdentifier ? `member of ${c.globalClusterIdentifier}` : "standalone";
        return {
            done: c?.status === "available" && !c.globalClusterIdentifier && c.writable,
            seen: `${c?.status ?? "absent"}, ${member}`,
        };
    });
    return { method: "detach-and-promote", promoted: arn };
}

/** Scales one side's services to the primary's desired counts (`ecs.dr.desiredCounts`). */
const SCALE: Step = {
    id: "scale",
    title: "scale the target region's services to the primary's counts",
    phases: ["ecs"],
    plan: (ctx) =>
        tenants(ctx).map(
            (t) =>
                `ECS UpdateService in ${ctx.to.region}: ${ctx.to.ecsCluster}/${ctx.to.serviceNames[t]} desiredCount ${ctx.deps.outputs.ecs.desiredCounts[t]}`,
        ),
    run: async (ctx) => {
        for (const t of tenants(ctx)) {
            const count = ctx.deps.outputs.ecs.desiredCounts[t];
            await send(ctx, `UpdateService ${ctx.to.serviceNames[t]} desiredCount ${count}`, () =>
                ctx.deps.port.scale(ctx.to.region, ctx.to.ecsCluster, ctx.to.serviceNames[t], count),
            );
        }
        return { tasks: String(tenants(ctx).reduce((n, t) => n + ctx.deps.outputs.ecs.desiredCounts[t], 0)) };
    },
};

const HEALTHY: Step = {
    id: "healthy",
    title: "wait for every target of the target region to be healthy",
    phases: [],
    plan: (ctx) => [
        `ELBv2 DescribeTargetHealth in ${ctx.to.region} for ${tenants(ctx).length} target group(s): each as many healthy targets as its desired count, up to ${minutes(ctx.timeouts.healthyMs)}`,
    ],
    run: async (ctx) => {
        const seen = await waitFor(ctx, "healthy targets", ctx.timeouts.healthyMs, async () => {
            let healthy = 0;
            let wanted = 0;
            for (const t of tenants(ctx)) {
                const want = ctx.deps.outputs.ecs.desiredCounts[t];
                const health = await ctx.deps.port.targetHealth(ctx.to.region, ctx.to.targetGroupArns[t]);
                healthy += Math.min(health.healthy, want);
                wanted += want;
            }
            return { done: healthy >= wanted, seen: `${healthy}/${wanted}` };
        });
        return { healthyTargets: seen };
    },
};

const DNS: Step = {
    id: "dns",
    title: "make the target region's failover records PRIMARY",
    phases: ["ecs"],
    plan: (ctx) => [
        `Route 53 (global) ChangeResourceRecordSets on ${ctx.dns.hostedZoneId}, one batch: ${ctx.dns.recordNames.join(", ")} → PRIMARY ${ctx.to.loadBalancerDnsName}, SECONDARY ${ctx.from.loadBalancerDnsName}`,
    ],
    run: async (ctx) => {
        const { port } = ctx.deps;
        const current = await port.dns(ctx.dns);
        if (!ctx.dns.recordNames.every((n) => current.primaryRegionOf[n] === ctx.to.region)) {
            await send(ctx, `ChangeResourceRecordSets ${ctx.dns.hostedZoneId}: PRIMARY ${ctx.to.region}`, () =>
                port.makePrimary(ctx.dns, ctx.to.region),
            );
        }
        await waitFor(ctx, "failover records", ctx.timeouts.healthyMs, async () => {
            const view = await port.dns(ctx.dns);
            const moved = ctx.dns.recordNames.filter((n) => view.primaryRegionOf[n] === ctx.to.region).length;
            return {
                done: moved === ctx.dns.recordNames.length,
                seen: `${moved}/${ctx.dns.recordNames.length} record(s) PRIMARY in ${ctx.to.region}`,
            };
        });
        return { serving: ctx.to.region };
    },
};

/**
 * The fence the program puts on the services of a region that does not serve (`primaryScaling` in
 * components/tenant-service.ts with `serving: standby`; test/automation/dr.test.ts checks they are
 * equal, so the ecs rollout after the config commit previews no change to it): range 0–0, target
 * tracking and scheduled scaling suspended.
 */
export const DRAIN_FENCE: ScalingRange = { minCapacity: 0, maxCapacity: 0, suspended: true };

const isFence = (t: ScalingRange) =>
    t.minCapacity === DRAIN_FENCE.minCapacity && t.maxCapacity === DRAIN_FENCE.maxCapacity && t.suspended === DRAIN_FENCE.suspended;

/**
 * `UpdateService desiredCount 0` alone is undone by auto-scaling's minimum, so each drained service
 * with a registered scalable target is fenced first: RegisterScalableTarget on a registered target
 * updates it, and moves the service's count into the new range (Application Auto Scaling API
 * reference, RegisterScalableTarget). A service without one (the standby's: the program gives them
 * none) has nothing that scales it, and none is created for it, which would be a target no stack
 * declares. A failure stops the step; its record's `sent` names the services fenced so far, and a
 * rerun fences only those not fenced yet.
 */
const DRAIN: Step = {
    id: "drain",
    title: "fence the region left behind's auto-scaling and scale it to zero tasks",
    phases: ["ecs"],
    plan: (ctx) => [
        `Application Auto Scaling DescribeScalableTargets in ${ctx.from.region}: ecs:service:DesiredCount of ${tenants(ctx).length} service(s) of ${ctx.from.ecsCluster}`,
        ...tenants(ctx).map(
            (t) =>
                `Application Auto Scaling RegisterScalableTarget in ${ctx.from.region}: ${serviceResourceId(ctx.from.ecsCluster, ctx.from.serviceNames[t])} MinCapacity 0, MaxCapacity 0, SuspendedState all true (if registered and not so yet)`,
        ),
        ...tenants(ctx).map(
            (t) => `ECS UpdateService in ${ctx.from.region}: ${ctx.from.ecsCluster}/${ctx.from.serviceNames[t]} desiredCount 0`,
        ),
    ],
    run: async (ctx) => {
        const { port } = ctx.deps;
        const { region, ecsCluster } = ctx.from;
        const names = tenants(ctx).map((t) => ctx.from.serviceNames[t]);
        const targets = await port.scalableTargets(region, ecsCluster, names);
        const fenced: string[] = [];
        for (const name of names) {
            const target = targets.find((t) => t.service === name);
            if (!target) continue;
            if (!isFence(target)) {
                await send(ctx, `RegisterScalableTarget ${serviceResourceId(ecsCluster, name)} 0–0 suspended`, () =>
                    port.registerScalableTarget(region, ecsCluster, name, DRAIN_FENCE),
                );
            }
            fenced.push(name);
        }
        for (const name of names) {
            await send(ctx, `UpdateService ${name} desiredCount 0`, () => port.scale(region, ecsCluster, name, 0));
        }
        return {
            fenced: fenced.length > 0 ? fenced.join(", ") : "none (no scalable target)",
            drainedAt: new Date(port.now()).toISOString(),
        };
    },
};

/**
 * The replica file system is read-only while replication runs (EFS user guide, "Deleting replication
 * configurations"): deleting the configuration from the destination's region makes it writable. A
 * planned move first waits for a sync that started after the drain, so no upload is lost.
 */
const PLANNED_FILES: Step = {
    id: "files",
    title: "let the files sync once more, make the target's file system writable, then replicate it back",
    phases: ["storage"],
    plan: (ctx) => [
        `EFS DescribeReplicationConfigurations in ${ctx.to.region}: waits up to ${minutes(ctx.timeouts.syncMs)} for a sync after the drain`,
        `EFS DeleteReplicationConfiguration in ${ctx.to.region}: source ${ctx.from.fileSystemId} (both sides)`,
        `EFS UpdateFileSystemProtection in ${ctx.from.region}: ${ctx.from.fileSystemId} ReplicationOverwriteProtection DISABLED; CreateReplicationConfiguration in ${ctx.to.region}: ${ctx.to.fileSystemId} → ${ctx.from.region} ${ctx.from.fileSystemId}`,
    ],
    run: async (ctx) => {
        const { port } = ctx.deps;
        const after = Date.parse(ctx.data.drainedAt ?? new Date(port.now()).toISOString());
        const done = { writableFileSystem: ctx.to.fileSystemId, replicatingTo: `${ctx.from.region} ${ctx.from.fileSystemId}` };
        const current = await port.efsReplication(ctx.to.region, ctx.to.fileSystemId);
        // A rerun after the replication back was created (its answer lost): nothing left to do.
        if (replicatesInto(current, ctx.from.fileSystemId)) return done;
        if (replicatesInto(current, ctx.to.fileSystemId)) {
            await waitFor(ctx, "file sync", ctx.timeouts.syncMs, async () => {
                const r = await port.efsReplication(ctx.to.region, ctx.to.fileSystemId);
                const last = r?.lastReplicated?.getTime();
                return { done: last !== undefined && last >= after, seen: `last sync ${r?.lastReplicated?.toISOString() ?? "never"}` };
            });
            await send(ctx, `DeleteReplicationConfiguration ${ctx.from.fileSystemId}`, () =>
                port.deleteEfsReplication(ctx.to.region, ctx.from.fileSystemId, false),
            );
        }
        // Each side of a deleted replication goes on its own time (terraform-provider-aws waits in both regions).
        await replicationGone(ctx, ctx.to);
        await replicationGone(ctx, ctx.from);
        await replicateBack(ctx, ctx.to, ctx.from);
        return done;
    },
};

/** Whether `view` is a live (not `DELETING`) replication into `fileSystemId`. */
function replicatesInto(view: EfsReplicationView | undefined, fileSystemId: string): boolean {
    return view !== undefined && view.status !== "DELETING" && view.destinationFileSystemId === fileSystemId;
}

/**
 * Waits until `side`'s file system is in no replication configuration, a `DELETING` one included:
 * a delete "can take several minutes to complete" (EFS user guide, "Deleting replication
 * configurations"), and a file system in one cannot be the source or destination of another
 * (EFS API reference, `CreateReplicationConfiguration`, `ReplicationAlreadyExists`).
 */
async function replicationGone(ctx: StepContext, side: Side): Promise<void> {
    await waitFor(ctx, `replication of ${side.fileSystemId} deleted`, ctx.timeouts.syncMs, async () => {
        const r = await ctx.deps.port.efsReplication(side.region, side.fileSystemId);
        return { done: r === undefined, seen: r ? `${r.status}` : "none" };
    });
}

/**
 * Makes `replica`'s file system (the same id the program's state holds) the destination of a
 * replication from `source`'s, unless one already runs: the region left behind is a replica again, so
 * the next move has a copy to move to (EFS user guide, "Configuring replication to an existing EFS file
 * system"). A rerun after a failure between the two calls repeats the first, which is idempotent.
 */
async function replicateBack(ctx: StepContext, source: Side, replica: Side): Promise<void> {
    const { port } = ctx.deps;
    const existing = await port.efsReplication(source.region, source.fileSystemId);
    if (replicatesInto(existing, replica.fileSystemId)) return;
    await send(ctx, `replicate ${source.fileSystemId} → ${replica.region} ${replica.fileSystemId}`, () =>
        port.replicateToExisting(source.region, source.fileSystemId, replica.region, replica.fileSystemId),
    );
}

/** In an outage the source region cannot be reached, so only the destination's side is deleted (`LOCAL_CONFIGURATION_ONLY`, EFS API reference). */
const FAILOVER_FILES: Step = {
    id: "files",
    title: "make the standby's file system writable (its last sync is what it has)",
    phases: ["storage"],
    plan: (ctx) => [
        `EFS DeleteReplicationConfiguration in ${ctx.to.region}: source ${ctx.from.fileSystemId}, DeletionMode LOCAL_CONFIGURATION_ONLY`,
    ],
    run: async (ctx) => {
        const { port } = ctx.deps;
        const current = await port.efsReplication(ctx.to.region, ctx.to.fileSystemId);
        if (current && current.status !== "DELETING") {
            await send(ctx, `DeleteReplicationConfiguration ${ctx.from.fileSystemId} (local only)`, () =>
                port.deleteEfsReplication(ctx.to.region, ctx.from.fileSystemId, true),
            );
        }
        // The replica turns writable when the delete completes, not when it is accepted.
        await replicationGone(ctx, ctx.to);
        return { writableFileSystem: ctx.to.fileSystemId, filesWrittenAt: new Date(port.now()).toISOString() };
    },
};

/**
 * Before a failback the primary region must be a replica again. Its database is Aurora's to rebuild:
 * after the managed failover it adds the old primary back as a secondary once its region answers,
 * first snapshotting the old volume as `rds:unplanned-global-failover-<cluster>-<timestamp>`, which
 * takes "a few minutes to several hours" (Aurora user guide, "Performing managed failovers for Aurora
 * global databases"); the global database never left the program, so no database rollout. Its files:
 * after a switchover the `files` step already replicates the serving region's file system back into
 * the primary's; after a failover it could not (the primary region was down), so this step does it
 * now (`replicateBack`). It also rolls the storage phase out with `serving: standby`, then waits for
 * both to have caught up.
 */
const REBUILD: Step = {
    id: "rebuild",
    title: "replicate files back, roll out storage, wait for Aurora's rebuild of the old primary",
    phases: ["storage"],
    plan: (ctx) => [
        `EFS DeleteReplicationConfiguration in ${ctx.to.region} (LOCAL_CONFIGURATION_ONLY) of a failover's leftover side, if any`,
        `unless it runs already: EFS UpdateFileSystemProtection in ${ctx.to.region}: ${ctx.to.fileSystemId} ReplicationOverwriteProtection DISABLED; CreateReplicationConfiguration in ${ctx.from.region}: ${ctx.from.fileSystemId} → ${ctx.to.region} ${ctx.to.fileSystemId}`,
        `npm run rollout -- --env ${ctx.req.env} --phase storage (with this run's approvals)`,
        `then waits up to ${minutes(ctx.timeouts.syncMs)} for ${ctx.to.clusterIdentifier} to be a connected secondary with a fresh lag under ${ctx.dr.replication.rpoMinutes} min, and for a first file sync`,
        `copy Aurora's snapshot of the old volume (rds:unplanned-global-failover-${ctx.to.clusterIdentifier}-…) to a manual one before the old primary's backup retention deletes it: it holds the writes the failover gave up`,
    ],
    run: async (ctx) => {
        const { deps } = ctx;
        checkSignal(ctx);
        // After a switchover the files step already replicates back; after a failover it could not.
        const back = await deps.port.efsReplication(ctx.from.region, ctx.from.fileSystemId);
        if (!replicatesInto(back, ctx.to.fileSystemId)) {
            // The failover deleted only eu-west-1's side (LOCAL_CONFIGURATION_ONLY); the primary region's side,
            // with its file system as the source, is left there and unrecoverable (EFS API reference,
            // DeleteReplicationConfiguration), and a file system in a replication cannot be a destination.
            const stale = await deps.port.efsReplication(ctx.to.region, ctx.to.fileSystemId);
            if (stale && stale.status !== "DELETING" && !replicatesInto(stale, ctx.to.fileSystemId)) {
                await send(ctx, `DeleteReplicationConfiguration ${ctx.to.fileSystemId} (local only, the failover's leftover)`, () =>
                    deps.port.deleteEfsReplication(ctx.to.region, ctx.to.fileSystemId, true),
                );
            }
            await replicationGone(ctx, ctx.to);
            await replicationGone(ctx, ctx.from);
            await replicateBack(ctx, ctx.from, ctx.to);
        }
        const code = await deps.rollout(ctx.req.env, ["storage"], ctx.options.approvals, ctx.options.yes);
        if (code !== EXIT.ok) {
            throw new DrStepError(
                "rollout-failed",
                `the storage rollout of ${ctx.req.env} ended with exit ${code}`,
                "fix what it reported, then run the same command again",
                code as ExitCode,
            );
        }
        ctx.sent.push("rollout storage");
        const gcId = deps.outputs.database.globalClusterIdentifier;
        const rpoMs = ctx.dr.replication.rpoMinutes * 60_000;
        await waitFor(ctx, "replication back to the primary region", ctx.timeouts.syncMs, async () => {
            const gc = await deps.port.globalCluster(ctx.from.region, gcId);
            const member = gc?.members.find((m) => m.region === ctx.to.region && !m.isWriter);
            const connected = member !== undefined && (member.synchronization ?? "connected") === "connected";
            const lag = connected
                ? lagEstimate(await deps.port.replicaLag(ctx.to.region, ctx.to.clusterIdentifier), deps.port.now())
                : undefined;
            const efs = await deps.port.efsReplication(ctx.from.region, ctx.from.fileSystemId);
            const inSync = lag?.known === true && lag.atLeastMs! <= rpoMs && efs?.lastReplicated !== undefined;
            const database = !member
                ? "no secondary yet"
                : connected
                  ? `secondary in ${ctx.to.region}, lag ${lag!.text}`
                  : `${ctx.to.region} ${member.synchronization} (Aurora rebuilding it)`;
            return {
                done: inSync,
                seen: `database ${database}; files ${efs ? `${efs.status}, last sync ${efs.lastReplicated?.toISOString() ?? "never"}` : "not replicating"}`,
            };
        });
    },
};

const CONFIG: Step = {
    id: "config",
    title: "record which region serves in the stack file",
    phases: [],
    plan: (ctx) => {
        const state = finalState(ctx);
        return [
            `Pulumi.${ctx.req.env}.yaml: bbws:dr.serving ${state.serving}, bbws:dr.globalDatabase ${state.globalDatabase}; then commit it`,
        ];
    },
    run: async (ctx) => {
        const file = path.join(ctx.deps.projectDir, `Pulumi.${ctx.req.env}.yaml`);
        const state = finalState(ctx);
        writeDrState(ctx.deps.projectDir, ctx.req.env, fs.readFileSync(file, "utf8"), state);
        const commit = await ctx.deps.commitStackFile(
            file,
            `dr ${ctx.req.action} in ${ctx.req.env}: ${ctx.to.region} serves (bbws:dr.serving ${state.serving})`,
        );
        ctx.deps.io.err(
            commit
                ? `  committed ${path.basename(file)} (${commit}): push it, so the next rollout keeps ${ctx.to.region} serving`
                : `  wrote ${file}: commit and push it (git commit -- ${path.basename(file)}), so the next rollout keeps ${ctx.to.region} serving`,
        );
        return { serving: state.serving, globalDatabase: state.globalDatabase, ...(commit ? { commit } : {}) };
    },
};

/**
 * What the stack file says afterwards. Only a detach-and-promote takes the DR cluster out of the
 * global database (as its `database` step recorded it, or, before it ran, as `--detach-and-promote` asks).
 */
function finalState(ctx: StepContext): { serving: "primary" | "standby"; globalDatabase: "attached" | "detached" } {
    if (ctx.req.action === "failback") return { serving: "primary", globalDatabase: ctx.dr.globalDatabase };
    const detached =
        ctx.req.action === "failover" &&
        (ctx.data.method ?? (ctx.options.detachAndPromote ? "detach-and-promote" : "")) === "detach-and-promote";
    return { serving: "standby", globalDatabase: detached ? "detached" : ctx.dr.globalDatabase };
}

/** The steps of each action, in order. */
export const STEPS: Readonly<Record<DrAction, readonly Step[]>> = {
    switchover: [CHECK, SWITCHOVER_DATABASE, SCALE, HEALTHY, DNS, DRAIN, PLANNED_FILES, CONFIG],
    failover: [ASSESS, FAILOVER_DATABASE, FAILOVER_FILES, SCALE, HEALTHY, DNS, CONFIG],
    failback: [REBUILD, CHECK, SWITCHOVER_DATABASE, SCALE, HEALTHY, DNS, DRAIN, PLANNED_FILES, CONFIG],
};

/** The roles a step's gate needs: the union of `bbws:approvals` for the phases it touches, in order. */
export function rolesFor(phases: readonly PhaseName[], approvals: DrSettings["approvals"]): string[] {
    return [...new Set(phases.flatMap((p) => approvals[p]))];
}

/** The roles of `roles` that no `--approve role:name` covers. */
export function missingApprovals(roles: readonly string[], given: readonly Approval[]): string[] {
    return roles.filter((r) => !given.some((a) => a.role === r && a.name.trim() !== ""));
}

/** The operation a run belongs to: the last one of the env, when it is unfinished, else a new one. */
export interface OperationState {
    readonly operationId: string;
    /** The last record of each step of the operation (empty for a new one). */
    readonly last: ReadonlyMap<string, DrStepRecord>;
    /** Every record of the operation, oldest first (earlier runs' too): its timeline. */
    readonly records: readonly DrStepRecord[];
}

/**
 * Finds the operation to continue. The env's last operation, if any of its steps has not succeeded,
 * is continued by the same action and `--to`; another action is refused (`unfinished-operation`,
 * exit 2), except a failover, which may take over from an unfinished switchover or failback (the
 * primary can fail in the middle of one).
 */
export function operationFor(req: DrRequest, history: readonly DrStepRecord[], newId: string): OperationState {
    const lastRecord = history[history.length - 1];
    if (lastRecord) {
        const records = history.filter((r) => r.operationId === lastRecord.operationId);
        const last = new Map(records.map((r) => [r.step, r]));
        const unfinished = STEPS[lastRecord.action].some((s) => last.get(s.id)?.result !== "succeeded");
        if (unfinished) {
            if (lastRecord.action === req.action && lastRecord.to === req.to) return { operationId: lastRecord.operationId, last, records };
            if (req.action !== "failover") {
                throw new UsageError(
                    "unfinished-operation",
                    `a ${lastRecord.action} of ${req.env} to ${lastRecord.to} is unfinished (step ${lastRecord.step} ${lastRecord.result} at ${lastRecord.at})`,
                    `finish it first: npm run dr -- ${lastRecord.action} --env ${req.env} --to ${lastRecord.to} (or fail over, if the primary region is down)`,
                );
            }
        }
    }
    return { operationId: newId, last: new Map(), records: [] };
}

/**
 * Runs (or, with `dryRun`, shows) the steps of `req`, continuing an unfinished operation. Bad input
 * throws `UsageError` before anything changes. A step whose gate lacks an approval is refused (exit 3);
 * a failing step ends the run with its exit code (1); a cancelled one with 130. Each is recorded, and
 * running the same command again continues from it.
 */
export async function runDrCommand(req: DrRequest, options: DrRunOptions, deps: DrDeps): Promise<DrRunResult> {
    const dr = deps.settings.dr!;
    const history = await deps.log.readDrSteps(req.env);
    const operation = operationFor(req, history, deps.runId ?? randomUUID());
    const resuming = operation.last.size > 0;
    // A resumed operation may have moved serving already; its direction was checked when it started.
    const sides = sidesOf(deps.settings, dr, deps.outputs);
    const { fromRole, toRole } = resuming
        ? {
              fromRole: req.action === "failback" ? ("standby" as const) : ("primary" as const),
              toRole: req.action === "failback" ? ("primary" as const) : ("standby" as const),
          }
        : direction(req.action, req.to, deps.settings, dr);
    const ctxBase = {
        req,
        options,
        deps,
        dr,
        from: sides[fromRole],
        to: sides[toRole],
        dns: dnsTargetOf(deps.outputs, sides.primary, sides.standby),
        timeouts: { ...DEFAULT_TIMEOUTS, ...deps.timeouts },
        data: Object.assign({}, ...[...operation.last.values()].filter((r) => r.result === "succeeded").map((r) => r.data ?? {})),
    };
    const steps = STEPS[req.action];
    const done = (s: Step) => operation.last.get(s.id)?.result === "succeeded";
    const base = {
        env: req.env,
        action: req.action,
        to: req.to,
        from: ctxBase.from.region,
        dryRun: options.dryRun,
        operationId: operation.operationId,
    };
    const reportOf = (s: Step, status: DrStepReport["status"], extra: Partial<DrStepReport> = {}): DrStepReport => ({
        step: s.id,
        title: s.title,
        status,
        roles: rolesFor(s.phases, deps.settings.approvals),
        ...extra,
    });
    const before = (s: Step): Partial<DrStepReport> => {
        const r = operation.last.get(s.id)!;
        return { startedAt: r.startedAt, endedAt: r.at, durationMs: r.durationMs, data: r.data };
    };

    if (options.dryRun) {
        return {
            ...base,
            exitCode: EXIT.ok,
            steps: steps.map((s) =>
                done(s) ? reportOf(s, "done before", before(s)) : reportOf(s, "to do", { plan: s.plan({ ...ctxBase, sent: [] }) }),
            ),
        };
    }

    const runId = deps.runId ?? randomUUID();
    const operator = await deps.operator();
    if (resuming) {
        const next = steps.find((s) => !done(s))!;
        const r = operation.last.get(next.id);
        deps.io.err(`continuing the ${req.action} of ${req.env} to ${req.to} at step ${next.id}${r ? ` (it ${r.result} at ${r.at})` : ""}`);
    }
    const reports: DrStepReport[] = [];
    for (const [index, step] of steps.entries()) {
        if (done(step)) {
            reports.push(reportOf(step, "done before", before(step)));
            continue;
        }
        const ctx: StepContext = { ...ctxBase, sent: [] };
        const roles = rolesFor(step.phases, deps.settings.approvals);
        deps.io.err(`\n[${index + 1}/${steps.length}] ${step.id}: ${step.title}`);
        for (const line of step.plan(ctx)) deps.io.err(`    ${line}`);
        const startedAt = deps.port.now();
        const approvals = options.approvals.filter((a) => roles.includes(a.role)).map((a) => `${a.role}:${a.name}`);
        const record = (result: DrStepRecord["result"], extra: Partial<DrStepRecord>) =>
            deps.log.appendDrStep({
                v: 1,
                kind: "dr-step",
                at: new Date(deps.port.now()).toISOString(),
                startedAt: new Date(startedAt).toISOString(),
                operationId: operation.operationId,
                runId,
                env: req.env,
                action: req.action,
                to: req.to,
                step: step.id,
                result,
                operator,
                ...(approvals.length > 0 ? { approvals } : {}),
                durationMs: deps.port.now() - startedAt,
                ...extra,
            });
        const stop = async (status: "failed" | "refused" | "cancelled", code: string, message: string, exitCode: ExitCode | 130) => {
            const data = ctx.sent.length > 0 ? { sent: ctx.sent.join("; ") } : undefined;
            await record(status, { error: { code, message }, ...(data ? { data } : {}) });
            reports.push(reportOf(step, status, { error: message, data, startedAt: new Date(startedAt).toISOString() }));
            for (const rest of steps.slice(index + 1)) reports.push(reportOf(rest, "not reached"));
            deps.io.err(`  ${step.id}: ${status}: ${message}\n  run the same command again to continue at ${step.id}`);
            return { ...base, exitCode, steps: reports };
        };
        const missing = missingApprovals(roles, options.approvals);
        if (missing.length > 0) {
            return stop(
                "refused",
                "not-approved",
                `step ${step.id} touches ${step.phases.join(" and ")}, which need ${roles.join(", ")}; missing ${missing.map((r) => `--approve ${r}:<name>`).join(" ")}`,
                EXIT.refused,
            );
        }
        if (deps.io.interactive && !options.yes && deps.io.prompt) {
            const answer = (await deps.io.prompt(`  run step ${step.id}? (yes/no) `)).trim().toLowerCase();
            if (answer !== "yes" && answer !== "y")
                return stop("refused", "not-confirmed", `step ${step.id} was not confirmed at the terminal`, EXIT.refused);
        }
        try {
            const data = (await step.run(ctx)) ?? {};
            Object.assign(ctxBase.data, data);
            await record("succeeded", Object.keys(data).length > 0 ? { data } : {});
            const endedAt = deps.port.now();
            reports.push(
                reportOf(step, "succeeded", {
                    data,
                    startedAt: new Date(startedAt).toISOString(),
                    endedAt: new Date(endedAt).toISOString(),
                    durationMs: endedAt - startedAt,
                }),
            );
            deps.io.err(`  ${step.id}: succeeded in ${((endedAt - startedAt) / 1000).toFixed(0)} s`);
        } catch (err) {
            if (err instanceof CancelledError) {
                return stop(
                    "cancelled",
                    "cancelled",
                    `cancelled by a signal${ctx.sent.length ? ` after sending: ${ctx.sent.join("; ")}` : " before it sent anything"}`,
                    130,
                );
            }
            if (err instanceof BbwsError)
                return stop(err.exitCode === EXIT.refused ? "refused" : "failed", err.code, describeError(err), err.exitCode);
            // An AWS or network error (its name is AWS's code, or the socket's) fails the step; a language error is a bug.
            if (err instanceof Error && !(err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError)) {
                return stop("failed", err.name, `${err.name}: ${err.message}`, EXIT.failed);
            }
            await record("failed", { error: { code: "internal", message: String(err) } });
            throw err;
        }
    }
    return { ...base, exitCode: EXIT.ok, steps: reports };
}
