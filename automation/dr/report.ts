/**
 * What an operation's records say: the step timeline, and the recovery time and recovery point it
 * implies against `bbws:dr.replication` (the promotion plan's 1 h / 15 min).
 *
 * RTO: to the end of the `dns` step (the records point at the new region), from the failover's first
 * step, or from a planned move's `database` step (writes pause when the switchover starts; failback's
 * rebuild runs while the standby still serves), plus the records' TTL that resolvers may still hold,
 * which is not measured here. A failover's outage began before anyone ran the command (Route 53
 * declares the primary unhealthy after its failure threshold), so its RTO is a lower bound.
 * RPO: a switchover or failback loses nothing of the database (Aurora syncs every secondary before
 * the writer moves: RDS API reference, SwitchoverGlobalCluster) nor of the files (the last sync
 * started after the drain); a failover loses the replica's lag as measured just before it
 * (`AuroraGlobalDBReplicationLag`) and the files written since the replica's last sync. A lag whose
 * newest datapoint is stale or missing is unknown (automation/dr/lag.ts): the RPO is then judged on
 * its bounds, and "not measured" when they straddle the target or there are none.
 */
import type { DrAction } from "../ledger";
import { renderTable } from "../table";
import type { DrRunResult, DrStepReport } from "./steps";

/** One objective, measured and judged. */
export interface Objective {
    readonly name: "RTO" | "RPO (database)" | "RPO (files)";
    /** `undefined` when the operation has not got that far, or AWS gave no figure. */
    readonly measuredMs: number | undefined;
    readonly targetMs: number;
    readonly verdict: "within" | "over" | "not measured";
    /** What the figure rests on. */
    readonly basis: string;
}

/** The timeline of the steps that ran, offsets from the operation's first step. */
export interface TimelineEntry {
    readonly step: string;
    readonly offsetMs: number;
    readonly durationMs: number;
}

/** The steps with a start and an end, in order, as offsets from the first one's start. */
export function timelineOf(steps: readonly DrStepReport[]): TimelineEntry[] {
    const timed = steps.filter((s) => s.startedAt !== undefined && s.endedAt !== undefined);
    if (timed.length === 0) return [];
    const origin = Date.parse(timed[0].startedAt!);
    return timed.map((s) => ({
        step: s.step,
        offsetMs: Date.parse(s.startedAt!) - origin,
        durationMs: Date.parse(s.endedAt!) - Date.parse(s.startedAt!),
    }));
}

const judge = (measured: number | undefined, target: number): Objective["verdict"] =>
    measured === undefined ? "not measured" : measured <= target ? "within" : "over";

/** RTO and RPO of an operation from its steps' timings and data (see the module comment for what each rests on). */
export function objectivesOf(
    action: DrAction,
    steps: readonly DrStepReport[],
    target: { rtoMinutes: number; rpoMinutes: number },
): Objective[] {
    // A failover's outage is on before its first step; a planned move interrupts writes only when the database step starts.
    const first =
        action === "failover"
            ? steps.find((s) => s.startedAt !== undefined)
            : steps.find((s) => s.step === "database" && s.startedAt !== undefined);
    const dns = steps.find((s) => s.step === "dns" && s.endedAt !== undefined);
    const rto = first && dns ? Date.parse(dns.endedAt!) - Date.parse(first.startedAt!) : undefined;
    const rtoMs = target.rtoMinutes * 60_000;
    const rpoMs = target.rpoMinutes * 60_000;
    const objectives: Objective[] = [
        {
            name: "RTO",
            measuredMs: rto,
            targetMs: rtoMs,
            verdict: judge(rto, rtoMs),
            basis:
                action === "failover"
                    ? "first step's start to the records' change; add detection before it and the records' TTL after"
                    : "the switchover's start (writes pause) to the records' change; add the records' TTL",
        },
    ];
    if (action !== "failover") {
        objectives.push(
            {
                name: "RPO (database)",
                measuredMs: 0,
                targetMs: rpoMs,
                verdict: "within",
                basis: "managed switchover: secondaries synced before the writer moves",
            },
            {
                name: "RPO (files)",
                measuredMs: 0,
                targetMs: rpoMs,
                verdict: "within",
                basis: "a sync that started after the drain, before the replica was made writable",
            },
        );
        return objectives;
    }
    const data = Object.assign({}, ...steps.map((s) => s.data ?? {})) as Record<string, string>;
    const bound = (key: string) => (/^\d+(\.\d+)?$/.test(data[key] ?? "") ? Number(data[key]) : undefined);
    const atLeast = bound("auroraLagAtLeastMs");
    const atMost = bound("auroraLagAtMostMs");
    const lagKnown = atLeast !== undefined && atLeast === atMost;
    const lastSync = Date.parse(data.efsLastReplicated ?? "");
    const filesAt = Date.parse(data.filesWrittenAt ?? "");
    const files = Number.isNaN(lastSync) || Number.isNaN(filesAt) ? undefined : filesAt - lastSync;
    objectives.push(
        {
            name: "RPO (database)",
            measuredMs: atMost,
            targetMs: rpoMs,
            verdict:
                atMost !== undefined && atMost <= rpoMs ? "within" : atLeast !== undefined && atLeast > rpoMs ? "over" : "not measured",
            basis: lagKnown
                ? "AuroraGlobalDBReplicationLag just before the failover"
                : atMost !== undefined
                  ? "at most: the last lag datapoint plus its age (no fresh datapoint before the failover)"
                  : "no lag datapoint in the 15 min before the failover: unknown",
        },
        {
            name: "RPO (files)",
            measuredMs: files,
            targetMs: rpoMs,
            verdict: judge(files, rpoMs),
            basis: "the replica's last sync to when it was made writable",
        },
    );
    return objectives;
}

/** `1 h 02 min`, `4 min 10 s`, `12 s`. */
export function duration(ms: number): string {
    const s = Math.round(ms / 1000);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (h > 0) return `${h} h ${String(m).padStart(2, "0")} min`;
    return m > 0 ? `${m} min ${String(s % 60).padStart(2, "0")} s` : `${s} s`;
}

/** The run as text: the steps table, then (once anything ran) the timeline and the objectives. */
export function renderDrRun(result: DrRunResult, target: { rtoMinutes: number; rpoMinutes: number }): string {
    const title = `${result.dryRun ? "dry run: " : ""}${result.action} of ${result.env} from ${result.from} to ${result.to} (operation ${result.operationId})`;
    const rows = result.steps.map((s, i) => [
        String(i + 1),
        s.step,
        s.title,
        s.roles.join(", ") || "-",
        s.status,
        s.error ??
            Object.entries(s.data ?? {})
                .map(([k, v]) => `${k}: ${v}`)
                .join("; "),
    ]);
    const parts = [title, renderTable(["#", "step", "what", "approved by", "status", "detail"], rows)];
    if (result.dryRun) {
        parts.push(
            `what each step would do:\n${result.steps
                .filter((s) => s.plan)
                .map((s) => `${s.step}:\n${s.plan!.map((l) => `    ${l}`).join("\n")}`)
                .join("\n")}`,
        );
        return parts.join("\n\n");
    }
    const timeline = timelineOf(result.steps);
    if (timeline.length > 0) {
        parts.push(
            `timeline (from the operation's first step):\n${renderTable(
                ["step", "start", "took"],
                timeline.map((t) => [t.step, `+${duration(t.offsetMs)}`, duration(t.durationMs)]),
            )}`,
        );
        const objectives = objectivesOf(result.action, result.steps, target);
        parts.push(
            renderTable(
                ["objective", "measured", "target", "verdict", "rests on"],
                objectives.map((o) => [
                    o.name,
                    o.measuredMs === undefined ? "-" : duration(o.measuredMs),
                    duration(o.targetMs),
                    o.verdict,
                    o.basis,
                ]),
            ),
        );
    }
    return parts.join("\n\n");
}
