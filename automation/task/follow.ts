/**
 * Following a running task: poll DescribeTasks and the log stream until the task is STOPPED, print
 * each log line as it arrives, stop it at the deadline (`--timeout`), and on the operator's signal
 * either stop it or detach. No session is held open between polls, so nothing times out in hours.
 */
import type { ECSClient, Task } from "@aws-sdk/client-ecs";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { TaskOutcome } from "../ledger";
import { awsCall, AwsCallError } from "./aws";
import type { OneOffTask } from "./contract";
import { LogTail, logStreamName } from "./logs";

/** How often DescribeTasks and GetLogEvents are asked: 2 calls per 5 s stay far below either API's rate. */
export const POLL_MS = 5000;

/** What the operator chose after Ctrl-C. */
export type Interruption = "stop" | "detach";

export interface FollowOptions {
    readonly ecs: Pick<ECSClient, "send">;
    readonly logs: Pick<CloudWatchLogsClient, "send">;
    readonly clusterArn: string;
    readonly taskArn: string;
    readonly taskId: string;
    readonly task: OneOffTask;
    /** When to stop the task (epoch ms). */
    readonly deadline: number;
    /** Each log line, as it arrives. */
    readonly line: (text: string) => void;
    /** Status changes and what the runner does. */
    readonly progress: (text: string) => void;
    /** Aborted on Ctrl-C or SIGTERM; `interrupted` is then asked once what to do. */
    readonly signal?: AbortSignal;
    readonly interrupted: () => Promise<Interruption>;
    readonly now: () => number;
    /** Waits `ms`, or less when `signal` aborts. */
    readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
    readonly pollMs?: number;
}

/** How following ended. */
export type FollowResult =
    | {
          readonly kind: "stopped";
          readonly outcome: Exclude<TaskOutcome, "not-started" | "start-unknown">;
          /** The container's exit code, when it ran and reported one. */
          readonly exitCode?: number;
          readonly stopCode?: string;
          readonly stoppedReason?: string;
          /** The container's own reason (e.g. `CannotPullContainerError: …`, `OutOfMemoryError`). */
          readonly containerReason?: string;
          /** The last log lines, at most `TAIL_LINES`, for a summary. */
          readonly tail: readonly string[];
      }
    | { readonly kind: "detached"; readonly tail: readonly string[] };

/** Log lines kept for the summary (the workflow's job summary shows them). */
export const TAIL_LINES = 50;

/**
 * Follows the task to the end (or a detach). Throws `AwsCallError` when DescribeTasks, StopTask or
 * GetLogEvents fails after the SDK's retries, or when ECS no longer knows the task (it forgets
 * stopped tasks after about an hour: DescribeTasks answers a `MISSING` failure).
 */
export async function followTask(o: FollowOptions): Promise<FollowResult> {
    const { DescribeTasksCommand, StopTaskCommand } = await import("@aws-sdk/client-ecs");
    const tail = new LogTail(o.logs, o.task.logGroupName, logStreamName(o.task, o.taskId));
    const kept: string[] = [];
    /** Prints the lines that arrived since the last read; returns how many. */
    const show = async () => {
        const lines = await tail.read();
        for (const text of lines) {
            o.line(text);
            kept.push(text);
            if (kept.length > TAIL_LINES) kept.shift();
        }
        return lines.length;
    };
    const stop = (reason: string) =>
        awsCall("ECS", "StopTask", () => o.ecs.send(new StopTaskCommand({ cluster: o.clusterArn, task: o.taskArn, reason })));

    let lastStatus: string | undefined;
    let stoppedBy: "timed-out" | "stopped" | undefined;
    let asked = false;
    let runningPolls = 0;
    for (;;) {
        if (o.signal?.aborted && !asked) {
            asked = true;
            if ((await o.interrupted()) === "detach") return { kind: "detached", tail: kept };
            o.progress(`stopping task ${o.taskId} (asked by the operator)…`);
            await stop("stopped by the operator (npm run task, Ctrl-C)");
            stoppedBy ??= "stopped";
        }
        if (stoppedBy === undefined && o.now() >= o.deadline) {
            o.progress(`the deadline (--timeout) has passed: stopping task ${o.taskId}…`);
            await stop("timed out (npm run task --timeout)");
            stoppedBy = "timed-out";
        }
        const described = await awsCall("ECS", "DescribeTasks", () =>
            o.ecs.send(new DescribeTasksCommand({ cluster: o.clusterArn, tasks: [o.taskArn] })),
        );
        const task = described.tasks?.[0];
        if (!task) {
            const failure = described.failures?.[0];
            throw new AwsCallError(
                "ECS",
                "DescribeTasks",
                failure?.reason ?? "MISSING",
                `no task ${o.taskArn} in ${o.clusterArn}${failure?.detail ? ` (${failure.detail})` : ""}`,
                "ECS keeps a stopped task for about an hour; its logs stay in CloudWatch (the group and stream above)",
            );
        }
        if (task.lastStatus !== lastStatus) {
            lastStatus = task.lastStatus;
            o.progress(`task ${o.taskId}: ${lastStatus}`);
        }
        await show();
        if (task.lastStatus === "STOPPED") {
            await drain(show, o);
            return stoppedResult(task, o.task.containerName, stoppedBy, kept);
        }
        if (task.lastStatus === "RUNNING" && !tail.seen) {
            runningPolls++;
            if (runningPolls === STREAM_WARNING_POLLS)
                o.progress(
                    `no log stream ${tail.logGroupName}/${tail.logStreamName} yet, though the task is RUNNING: ` +
                        "the container may not log to stdout, or its awslogs options may not match the stack output",
                );
        }
        await o.sleep(o.pollMs ?? POLL_MS, asked ? undefined : o.signal);
    }
}

/** RUNNING polls without a log stream before the operator is told (12 × 5 s: a minute). */
export const STREAM_WARNING_POLLS = 12;

/** How long the log is read after the task STOPPED, at most (ms). */
export const DRAIN_MS = 15_000;

/**
 * Reads the log after the task stopped until two reads in a row bring nothing, or `DRAIN_MS` has
 * passed: the awslogs driver sends what the container wrote last after the container exits, and
 * CloudWatch Logs makes events readable a few seconds after they are put (one read could miss them).
 */
async function drain(show: () => Promise<number>, o: Pick<FollowOptions, "now" | "sleep" | "pollMs">): Promise<void> {
    const until = o.now() + DRAIN_MS;
    for (let empty = 0; empty < 2 && o.now() < until;) {
        await o.sleep(Math.min(o.pollMs ?? POLL_MS, 2000));
        empty = (await show()) === 0 ? empty + 1 : 0;
    }
}

/**
 * What a STOPPED task says: the container's exit code when it ran, else why it never started
 * (`stopCode` `TaskFailedToStart`, `stoppedReason` such as `CannotPullContainerError: …` or
 * `ResourceInitializationError: unable to pull secrets or registry auth: …`; ECS developer guide,
 * "Amazon ECS stopped task error messages"). `stoppedBy` is what the runner asked; it is the outcome
 * unless the task had already exited on its own (`stopCode` `EssentialContainerExited`).
 */
export function stoppedResult(
    task: Task,
    containerName: string,
    stoppedBy: "timed-out" | "stopped" | undefined,
    tail: readonly string[],
): FollowResult {
    const container = task.containers?.find((c) => c.name === containerName) ?? task.containers?.[0];
    const exitCode = container?.exitCode ?? undefined;
    // A task that exited on its own just before our StopTask keeps its own stop code (ECS API `Task.stopCode`:
    // `EssentialContainerExited`, not `UserInitiated`): its exit code is the result, not the stop.
    const ours = stoppedBy !== undefined && task.stopCode !== "EssentialContainerExited";
    const outcome = ours ? stoppedBy : exitCode === undefined ? "never-started" : "exited";
    return {
        kind: "stopped",
        outcome,
        exitCode,
        stopCode: task.stopCode,
        stoppedReason: task.stoppedReason,
        containerReason: container?.reason,
        tail,
    };
}

/** Resolves after `ms`, or at once when `signal` aborts (or has): the poll loop's wait, cut short by Ctrl-C. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener("abort", done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener("abort", done, { once: true });
    });
}
