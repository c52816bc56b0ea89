/**
 * The one-off task runner as a library: `runOneOffTask` stages, starts, records and follows one task;
 * `attachOneOffTask` follows one that is already running. `npm run task` (task-cli.ts) and the tenant
 * lifecycle command call these; `verify --in-vpc` runs its connectivity check through them.
 */
import type { RunTaskCommandOutput } from "@aws-sdk/client-ecs";
import { BbwsError, EXIT, UsageError } from "../errors";
import type { TaskLedger, TaskOutcome, TaskRecord } from "../ledger";
import { awsCall, AwsCallError, refusedByAws, TaskAws } from "./aws";
import { OneOffTask, selectTask, TaskStackOutputs, TaskTarget, taskIdOf } from "./contract";
import { FollowResult, followTask, Interruption } from "./follow";
import { listTasksCommand, newRunId, runTaskInput, stagePrefix } from "./run-input";
import { StagedFile, stageFiles, StagingInterrupted } from "./stage";

/** Exit code of a run `--timeout` stopped: GNU `timeout`'s ("if the command times out … exit with status 124"). */
export const EXIT_TIMED_OUT = 124;
/** Exit code of a run the operator stopped or left with a signal: a shell's for SIGINT (128 + 2). */
export const EXIT_INTERRUPTED = 130;

/** What the runner reaches outside the process through. */
export interface TaskRunnerDeps {
    readonly aws: Pick<TaskAws, "ecs" | "logs" | "s3">;
    readonly ledger: TaskLedger;
    readonly now: () => number;
    /** Waits `ms`, or less when `signal` aborts. */
    readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
    /** Six hex digits for the run id. */
    readonly randomId: () => string;
    /** Each log line of the task, as it arrives. */
    readonly line: (text: string) => void;
    /** What the runner is doing: staging, starting, status changes, how to attach. */
    readonly progress: (text: string) => void;
    /** Aborted on Ctrl-C or SIGTERM. */
    readonly signal?: AbortSignal;
    /** Asked once after `signal` aborts: stop the task or detach from it. */
    readonly interrupted: () => Promise<Interruption>;
    /** Called once the `started` record is written: what a second Ctrl-C prints before it exits. */
    readonly onStarted?: (record: TaskRecord) => void;
    /** DescribeTasks/GetLogEvents interval; default `POLL_MS`. */
    readonly pollMs?: number;
    /** Multipart part size for staging; default lib-storage's. */
    readonly partSize?: number;
}

/** One run. */
export interface OneOffTaskRequest {
    readonly env: string;
    readonly target: TaskTarget;
    /** The container's command, one argv element each (no shell). */
    readonly command: readonly string[];
    /** Environment overrides for the container besides `BBWS_RUN_ID` (the tenant lifecycle passes its scripts' values this way). */
    readonly environment?: Readonly<Record<string, string>>;
    readonly outputs: TaskStackOutputs;
    /** Who runs it (the AWS caller's ARN), for the ledger. */
    readonly operator: string;
    /** Files to stage first (`listStageFiles`). */
    readonly stage?: readonly StagedFile[];
    /** After this long (ms) the runner stops the task. */
    readonly timeoutMs: number;
    /** Return once the task is started and recorded. */
    readonly detach?: boolean;
}

/** How a run (or an attach) ended. */
export interface OneOffTaskResult {
    readonly runId?: string;
    readonly taskArn?: string;
    readonly taskId?: string;
    /** `detached`: the task still runs (`--detach`, or detached after Ctrl-C). */
    readonly outcome: TaskOutcome | "detached";
    /**
     * What the command exits with: the container's exit code; 1 when the task never started; 124
     * when `--timeout` stopped it; 130 when the operator stopped it, detached after a signal, or
     * interrupted staging (then nothing started); 0 for `--detach`.
     */
    readonly exitCode: number;
    /** The container's own code, when it ran. */
    readonly containerExitCode?: number;
    readonly stopCode?: string;
    readonly stoppedReason?: string;
    readonly stageUri?: string;
    /** The command that resumes following it. */
    readonly attach?: string;
    /** The last log lines (at most 50). */
    readonly tail: readonly string[];
}

/** `npm run task -- --env <env> --attach <task id>`. */
export function attachCommand(env: string, taskId: string): string {
    return `npm run task -- --env ${env} --attach ${taskId}`;
}

/**
 * Runs one one-off task: checks the ledger can be written, stages `request.stage` (if any) under
 * `tenants/<id>/<run id>/` or `platform/<run id>/` of the migration bucket, calls RunTask (see
 * `runTaskInput`), appends the `started` record (task ARN, how to attach), then, unless `detach`,
 * streams the task's log lines until it stops, stopping it at the deadline or when the operator
 * chooses to, and appends the `ended` record. Errors: `UsageError` (exit 2, nothing started) for an
 * unknown tenant, overrides over ECS's limit or an unwritable ledger; `AwsCallError` (exit 1) for an
 * AWS call that failed after the SDK's retries (after RunTask the task may still run: the progress
 * says how to attach); `TaskLedgerWriteError` (exit 1) when a record cannot be written.
 */
export async function runOneOffTask(deps: TaskRunnerDeps, request: OneOffTaskRequest): Promise<OneOffTaskResult> {
    const { oneOffTasks, migrationBucket } = request.outputs;
    const task = selectTask(oneOffTasks, request.target, request.env);
    const runId = newRunId(deps.now(), deps.randomId);
    const prefix = stagePrefix(request.target, runId);
    const stageUri = request.stage ? `s3://${migrationBucket}/${prefix}` : undefined;
    // Built now so that overrides over ECS's limit are refused before anything is staged; built again
    // with the deadline counted from RunTask, not from before a long upload.
    const inputAt = (now: number) =>
        runTaskInput({
            tasks: oneOffTasks,
            task,
            command: request.command,
            runId,
            stageUri,
            deadline: now + request.timeoutMs,
            environment: request.environment,
        });
    inputAt(deps.now());
    await deps.ledger.checkTasksWritable(request.env);

    const startedAt = deps.now();
    const base = {
        v: 1,
        kind: "one-off-task",
        runId,
        env: request.env,
        ...(request.target.kind === "tenant" ? { tenant: request.target.tenant, platform: false } : { platform: true }),
        command: [...request.command],
        operator: request.operator,
        startedAt: new Date(startedAt).toISOString(),
        ...(stageUri ? { stageUri } : {}),
    } as const;

    const interruptedBeforeStart = async (): Promise<OneOffTaskResult> => {
        const at = new Date(deps.now()).toISOString();
        await deps.ledger.appendTask({
            ...base,
            deadline: new Date(startedAt + request.timeoutMs).toISOString(),
            event: "ended",
            at,
            endedAt: at,
            outcome: "not-started",
            error: { code: "interrupted", message: "interrupted before RunTask" },
        });
        deps.progress(
            `interrupted before the task was started: nothing started${stageUri ? ` (files staged so far stay under ${stageUri})` : ""}`,
        );
        return { runId, outcome: "not-started", exitCode: EXIT_INTERRUPTED, stageUri, tail: [] };
    };
    if (request.stage) {
        try {
            await stageFiles({
                s3: deps.aws.s3,
                bucket: migrationBucket,
                prefix,
                files: request.stage,
                progress: deps.progress,
                partSize: deps.partSize,
                signal: deps.signal,
            });
        } catch (err) {
            if (err instanceof StagingInterrupted) return interruptedBeforeStart();
            throw err;
        }
    }
    // The last moment a Ctrl-C can still mean "start nothing".
    if (deps.signal?.aborted) return interruptedBeforeStart();

    const { RunTaskCommand } = await import("@aws-sdk/client-ecs");
    // The deadline counts from RunTask, not from before the upload: the record, the runner and the
    // container (BBWS_DEADLINE) share it.
    const sentAt = deps.now();
    const deadline = sentAt + request.timeoutMs;
    const input = inputAt(sentAt);
    deps.progress(
        `starting ${describeTarget(request.target)} task (${task.taskDefinitionArn.split("/").pop()}) in ${request.env}, run ${runId}`,
    );
    let answer: RunTaskCommandOutput;
    try {
        answer = await awsCall("ECS", "RunTask", () => deps.aws.ecs.send(new RunTaskCommand(input)));
        const failure = answer.failures?.[0];
        if (!answer.tasks?.[0]?.taskArn) {
            // RunTask answers 200 with `failures` (e.g. RESOURCE:ENI, AGENT) when it could not place the task.
            throw new AwsCallError(
                "ECS",
                "RunTask",
                failure?.reason ?? "NoTask",
                failure?.detail ?? "RunTask started no task",
                undefined,
                answer.$metadata?.httpStatusCode ?? 200,
            );
        }
    } catch (err) {
        const e = err as BbwsError;
        // Only an answer that refused proves nothing started; without one the task may run (with the
        // clientToken, at most one), and the record must not claim otherwise.
        const refused = refusedByAws(err);
        await deps.ledger.appendTask({
            ...base,
            deadline: new Date(deadline).toISOString(),
            event: "ended",
            at: new Date(deps.now()).toISOString(),
            endedAt: new Date(deps.now()).toISOString(),
            outcome: refused ? "not-started" : "start-unknown",
            error: { code: e.code ?? "error", message: e.message },
        });
        deps.progress(
            refused
                ? `ECS refused RunTask: no task started for run ${runId}`
                : `RunTask got no answer: whether a task started for run ${runId} is unknown; check with: ${listTasksCommand(oneOffTasks.clusterArn, runId)}`,
        );
        throw err;
    }

    const taskArn = answer.tasks[0].taskArn!;
    const taskId = taskIdOf(taskArn);
    const attach = attachCommand(request.env, taskId);
    const started: TaskRecord = {
        ...base,
        deadline: new Date(deadline).toISOString(),
        event: "started",
        at: new Date(deps.now()).toISOString(),
        taskArn,
        attach,
    };
    await deps.ledger.appendTask(started);
    deps.onStarted?.(started);
    deps.progress(`started task ${taskArn}`);
    deps.progress(`  logs: ${task.logGroupName} ${task.logStreamPrefix}/${task.containerName}/${taskId}`);
    if (request.detach) {
        deps.progress(`detached: the task runs on; follow it with: ${attach}`);
        return { runId, taskArn, taskId, outcome: "detached", exitCode: EXIT.ok, stageUri, attach, tail: [] };
    }
    return follow(deps, { env: request.env, started, task, clusterArn: oneOffTasks.clusterArn, deadline });
}

/** Following a task that is already running. */
export interface AttachRequest {
    readonly env: string;
    /** The task's id (or its whole ARN). */
    readonly task: string;
    readonly outputs: TaskStackOutputs;
    /** Overrides the deadline the `started` record set (ms from now). */
    readonly timeoutMs?: number;
}

/**
 * Resumes following a task started by `runOneOffTask` (after `--detach`, a detach, a crash or a lost
 * connection): finds its `started` record, streams its log from the start, enforces the record's
 * deadline (or `timeoutMs` from now), and appends the `ended` record the run could not. The task is
 * recognised by its task definition's family (any revision: a rollout since it started moves the
 * revision), or by a `started` record in this environment's ledger. A task this
 * environment's ledger has no record of is followed but not recorded (a warning says so). Throws
 * `UsageError` (exit 2) when ECS does not know the task or it is not one of this environment's one-off tasks.
 */
export async function attachOneOffTask(deps: TaskRunnerDeps, request: AttachRequest): Promise<OneOffTaskResult> {
    const { oneOffTasks } = request.outputs;
    const { DescribeTasksCommand } = await import("@aws-sdk/client-ecs");
    const described = await awsCall("ECS", "DescribeTasks", () =>
        deps.aws.ecs.send(new DescribeTasksCommand({ cluster: oneOffTasks.clusterArn, tasks: [request.task] })),
    );
    const running = described.tasks?.[0];
    if (!running?.taskArn) {
        throw new UsageError(
            "unknown-task",
            `ECS has no task '${request.task}' in ${oneOffTasks.clusterArn}`,
            "give the task id the run printed (ECS forgets a stopped task after about an hour; its logs stay in CloudWatch)",
        );
    }
    const candidates: Array<[TaskTarget, OneOffTask]> = [
        [{ kind: "platform" }, oneOffTasks.platform],
        ...Object.entries(oneOffTasks.tenants).map(([tenant, t]): [TaskTarget, OneOffTask] => [{ kind: "tenant", tenant }, t]),
    ];
    const taskArn = running.taskArn;
    const records = await deps.ledger.readTasks(request.env);
    const started = records.find((r) => r.event === "started" && r.taskArn === taskArn);
    // Every `ecs` rollout registers a new revision: a task started before it runs the old one, so
    // the family is what says whose task it is.
    const family = taskDefinitionFamily(running.taskDefinitionArn ?? "");
    // A task this environment's ledger recorded as started is its own, whatever its definition says
    // now (a renamed family, say); its record names the tenant whose log group and stream to read.
    const recorded =
        started && candidates.find(([target]) => (target.kind === "tenant" ? target.tenant === started.tenant : started.platform));
    const match = candidates.find(([, t]) => taskDefinitionFamily(t.taskDefinitionArn) === family) ?? recorded;
    if (!match) {
        throw new UsageError(
            "not-a-one-off-task",
            `task ${request.task} runs ${running.taskDefinitionArn}, which is not one of ${request.env}'s one-off task definitions`,
            "attach to a task `npm run task` started in this environment",
        );
    }
    const ended = started && records.some((r) => r.event === "ended" && r.runId === started.runId);
    if (!started)
        deps.progress(`warning: the ledger at ${deps.ledger.location} has no record of ${taskArn}; following it without recording`);
    const deadline =
        request.timeoutMs !== undefined
            ? deps.now() + request.timeoutMs
            : started
              ? Date.parse(started.deadline)
              : Number.POSITIVE_INFINITY;
    deps.progress(
        `attached to ${describeTarget(match[0])} task ${taskArn}${started ? `, run ${started.runId}: ${started.command.join(" ")}` : ""}`,
    );
    return follow(deps, {
        env: request.env,
        started: ended ? undefined : started,
        task: match[1],
        clusterArn: oneOffTasks.clusterArn,
        deadline,
        taskArn,
    });
}

interface Following {
    readonly env: string;
    /** The record to complete; none when the ledger has no (open) record of the task. */
    readonly started?: TaskRecord;
    readonly task: OneOffTask;
    readonly clusterArn: string;
    readonly deadline: number;
    readonly taskArn?: string;
}

async function follow(deps: TaskRunnerDeps, f: Following): Promise<OneOffTaskResult> {
    const taskArn = (f.started?.taskArn ?? f.taskArn)!;
    const taskId = taskIdOf(taskArn);
    const attach = attachCommand(f.env, taskId);
    let result: FollowResult;
    try {
        result = await followTask({
            ecs: deps.aws.ecs,
            logs: deps.aws.logs,
            clusterArn: f.clusterArn,
            taskArn,
            taskId,
            task: f.task,
            deadline: f.deadline,
            line: deps.line,
            progress: deps.progress,
            signal: deps.signal,
            interrupted: deps.interrupted,
            now: deps.now,
            sleep: deps.sleep,
            pollMs: deps.pollMs,
        });
    } catch (err) {
        deps.progress(`the task may still be running in AWS; follow it again with: ${attach}`);
        throw err;
    }
    const common = { runId: f.started?.runId, taskArn, taskId, stageUri: f.started?.stageUri, attach, tail: result.tail };
    if (result.kind === "detached") {
        deps.progress(`detached: task ${taskId} runs on; follow it again with: ${attach}`);
        return { ...common, outcome: "detached", exitCode: EXIT_INTERRUPTED };
    }
    const exitCode =
        result.outcome === "exited"
            ? result.exitCode!
            : result.outcome === "timed-out"
              ? EXIT_TIMED_OUT
              : result.outcome === "stopped"
                ? EXIT_INTERRUPTED
                : EXIT.failed;
    const why = [result.stopCode, result.stoppedReason, result.containerReason].filter(Boolean).join(": ");
    deps.progress(
        result.outcome === "exited"
            ? `task ${taskId} exited with code ${result.exitCode}`
            : result.outcome === "never-started"
              ? `task ${taskId} never started: ${why || "no reason given"}`
              : `task ${taskId} ${result.outcome === "timed-out" ? "timed out" : "was stopped"}${why ? ` (${why})` : ""}` +
                (result.exitCode === undefined ? "" : `; the container exited with code ${result.exitCode}`),
    );
    if (f.started) {
        const at = new Date(deps.now()).toISOString();
        const { attach: _, ...started } = f.started;
        await deps.ledger.appendTask({
            ...started,
            event: "ended",
            at,
            endedAt: at,
            outcome: result.outcome,
            ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
            ...(result.stopCode ? { stopCode: result.stopCode } : {}),
            ...(result.stoppedReason ? { stoppedReason: result.stoppedReason } : {}),
        });
    }
    return {
        ...common,
        outcome: result.outcome,
        exitCode,
        containerExitCode: result.exitCode,
        stopCode: result.stopCode,
        stoppedReason: result.stoppedReason,
    };
}

/**
 * A task definition ARN without its revision: `arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>`
 * (ECS API reference, TaskDefinition `taskDefinitionArn`, "The full Amazon Resource Name (ARN) of the task definition").
 */
export function taskDefinitionFamily(arn: string): string {
    return arn.replace(/:\d+$/, "");
}

function describeTarget(target: TaskTarget): string {
    return target.kind === "tenant" ? `tenant ${target.tenant}'s` : "the platform";
}
