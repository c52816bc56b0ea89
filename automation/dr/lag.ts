/**
 * What the newest `AuroraGlobalDBReplicationLag` datapoint says, for the dr steps and `dr status`: a
 * lag, or an unknown one with the bounds the datapoint still gives.
 */
import type { LagDatapoint } from "./port";

const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * How old the newest lag datapoint may be and still say what replication lags now: the metric has a
 * 60 s period (automation/dr/aws.ts `globalLagQuery`) and CloudWatch shows a datapoint a little after
 * its minute. Three periods is this project's margin, not an AWS figure.
 */
export const LAG_FRESH_MS = 3 * 60_000;

/** What the newest `AuroraGlobalDBReplicationLag` datapoint says about the data the replica lacks now. */
export interface LagEstimate {
    /** The datapoint is fresh (`LAG_FRESH_MS`): the replica lacks `atLeastMs` (= `atMostMs`) of writes. */
    readonly known: boolean;
    /** The last datapoint's lag: the replica lacked that much when it was taken. */
    readonly atLeastMs?: number;
    /**
     * The last datapoint's lag plus its age: no more is missing if the primary stopped taking writes
     * by now (replication may have stopped right after the datapoint). Undefined with no datapoint.
     */
    readonly atMostMs?: number;
    /** One line for the operator and the ledger. */
    readonly text: string;
}

/**
 * `datapoint` as of `now`. No datapoint in the query's 15 minutes, or one older than `LAG_FRESH_MS`,
 * is an unknown lag, never "no lag": the secondary's datapoints stop when the primary stops sending.
 */
export function lagEstimate(datapoint: LagDatapoint | undefined, now: number): LagEstimate {
    if (!datapoint) return { known: false, text: "unknown: no AuroraGlobalDBReplicationLag datapoint in the last 15 min" };
    const age = Math.max(0, now - datapoint.at.getTime());
    if (age <= LAG_FRESH_MS) return { known: true, atLeastMs: datapoint.ms, atMostMs: datapoint.ms, text: seconds(datapoint.ms) };
    return {
        known: false,
        atLeastMs: datapoint.ms,
        atMostMs: datapoint.ms + age,
        text: `unknown: the last datapoint (${seconds(datapoint.ms)} at ${datapoint.at.toISOString()}) is ${minutes(age)} old: between ${seconds(datapoint.ms)} and ${seconds(datapoint.ms + age)}`,
    };
}
