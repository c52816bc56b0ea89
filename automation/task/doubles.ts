/**
 * The rehearsal's AWS for one-off tasks: ECS, CloudWatch Logs and S3 doubles that answer with the real
 * APIs' shapes and refuse what the real services refuse (an unknown cluster or task definition, an
 * override for a container the task definition does not have, overrides over 8192 characters, a
 * bucket that is not the migration bucket). The double's task runs nothing: it logs what it would
 * run and exits with the scenario's code. State is kept in memory, for one process.
 */
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { ECSClient, RunTaskCommandInput, Task } from "@aws-sdk/client-ecs";
import type { S3Client } from "@aws-sdk/client-s3";
import { createHash } from "crypto";
import type { OneOffTasks } from "./contract";
import { CLIENT_TOKEN, MAX_OVERRIDES_CHARS } from "./run-input";

/** What the rehearsed task does; every field is optional. */
export interface TaskScenario {
    /** The container's exit code; default 0. */
    readonly exitCode?: number;
    /** The task stops before the container runs, with this `stopCode` and `stoppedReason` (e.g. `TaskFailedToStart`, `CannotPullContainerError: …`). */
    readonly neverStarts?: { readonly stopCode: string; readonly stoppedReason: string };
    /** DescribeTasks calls the task spends RUNNING before it exits; default 2. */
    readonly runningPolls?: number;
    /** RunTask answers `failures` with this reason (e.g. `RESOURCE:ENI`) and starts nothing. */
    readonly runTaskFailure?: string;
}

/** What the doubles were asked, for tests and the transcript. */
export interface TaskDoubleLog {
    readonly runTasks: RunTaskCommandInput[];
    readonly uploads: { key: string; bytes: number }[];
    readonly stops: string[];
}

interface RehearsedTask {
    task: Task;
    polls: number;
    lines: string[];
    stopRequested?: string;
}

/** ECS (RunTask, DescribeTasks, StopTask), CloudWatch Logs (GetLogEvents) and an S3 upload sink over one in-memory world. */
export function taskDoubles(
    region: string,
    accountId: string,
    tasks: OneOffTasks,
    migrationBucket: string,
    scenario: TaskScenario = {},
): {
    ecs: Pick<ECSClient, "send">;
    logs: Pick<CloudWatchLogsClient, "send">;
    s3: (client: S3Client) => S3Client;
    log: TaskDoubleLog;
} {
    const world = new Map<string, RehearsedTask>();
    const log: TaskDoubleLog = { runTasks: [], uploads: [], stops: [] };
    const definitions = [tasks.platform, ...Object.values(tasks.tenants)];
    const invalid = async (message: string) => {
        const { InvalidParameterException } = await import("@aws-sdk/client-ecs");
        return new InvalidParameterException({ $metadata: { httpStatusCode: 400 }, message });
    };

    const ecsSend = async (command: { constructor: { name: string }; input: any }) => {
        const input = command.input;
        switch (command.constructor.name) {
            case "RunTaskCommand": {
                log.runTasks.push(input);
                if (input.cluster !== tasks.clusterArn) {
                    const { ClusterNotFoundException } = await import("@aws-sdk/client-ecs");
                    throw new ClusterNotFoundException({ $metadata: { httpStatusCode: 400 }, message: "Cluster not found." });
                }
                if (input.clientToken !== undefined && !CLIENT_TOKEN.test(input.clientToken)) throw await invalid("Invalid clientToken.");
                const definition = definitions.find((d) => d.taskDefinitionArn === input.taskDefinition);
                if (!definition) throw await invalid("TaskDefinition not found.");
                if (JSON.stringify(input.overrides ?? {}).length > MAX_OVERRIDES_CHARS) {
                    throw await invalid(`Container Overrides length must be at most ${MAX_OVERRIDES_CHARS}`);
                }
                for (const o of input.overrides?.containerOverrides ?? []) {
                    if (o.name !== definition.containerName)
                        throw await invalid(`Override for container named ${o.name} is not a container in the TaskDefinition.`);
                }
                if (scenario.runTaskFailure) {
                    return { tasks: [], failures: [{ reason: scenario.runTaskFailure, detail: "rehearsal scenario" }] };
                }
                const id = createHash("sha256").update(`${input.startedBy}`).digest("hex").slice(0, 32);
                const clusterName = tasks.clusterArn.split("/").pop();
                const override = input.overrides?.containerOverrides?.[0] ?? {};
                const task: Task = {
                    taskArn: `arn:aws:ecs:${region}:${accountId}:task/${clusterName}/${id}`,
                    clusterArn: tasks.clusterArn,
                    taskDefinitionArn: definition.taskDefinitionArn,
                    lastStatus: "PROVISIONING",
                    desiredStatus: "RUNNING",
                    launchType: "FARGATE",
                    startedBy: input.startedBy,
                    containers: [{ name: definition.containerName, lastStatus: "PENDING" }],
                };
                const exitCode = scenario.exitCode ?? 0;
                world.set(task.taskArn!, {
                    task,
                    polls: 0,
                    lines: [
                        `rehearsal: the task runs nothing; it would run ${JSON.stringify(override.command ?? [])}`,
                        ...(override.environment ?? []).map((e: { name: string; value: string }) => `rehearsal: with ${e.name}=${e.value}`),
                        `rehearsal: exiting with code ${exitCode}`,
                    ],
                });
                return { tasks: [task], failures: [] };
            }
            case "DescribeTasksCommand": {
                const found = (input.tasks as string[]).map((t) =>
                    [...world.values()].find((w) => w.task.taskArn === t || w.task.taskArn!.endsWith(`/${t}`)),
                );
                for (const w of found) if (w) advance(w);
                return {
                    tasks: found.filter((w): w is RehearsedTask => w !== undefined).map((w) => w.task),
                    failures: (input.tasks as string[]).filter((_, i) => !found[i]).map((arn) => ({ arn, reason: "MISSING" })),
                };
            }
            case "StopTaskCommand": {
                const w = world.get(input.task);
                if (!w) throw await invalid("The referenced task was not found.");
                log.stops.push(input.reason ?? "");
                w.stopRequested = input.reason ?? "Task stopped by user";
                return { task: w.task };
            }
        }
        throw new Error(`the rehearsal's ECS double does not answer ${command.constructor.name}`);
    };

    const advance = (w: RehearsedTask) => {
        w.polls++;
        const t = w.task;
        const container = t.containers![0];
        if (t.lastStatus === "STOPPED") return;
        if (scenario.neverStarts && w.polls >= 2) {
            Object.assign(t, { lastStatus: "STOPPED", desiredStatus: "STOPPED", ...scenario.neverStarts });
            Object.assign(container, { lastStatus: "STOPPED", reason: scenario.neverStarts.stoppedReason });
            return;
        }
        if (w.stopRequested && t.lastStatus === "RUNNING") {
            // SIGTERM, then the container exits as a process the signal ended: 128 + 15.
            Object.assign(t, {
                lastStatus: "STOPPED",
                desiredStatus: "STOPPED",
                stopCode: "UserInitiated",
                stoppedReason: w.stopRequested,
            });
            Object.assign(container, { lastStatus: "STOPPED", exitCode: 143 });
            return;
        }
        const order = ["PROVISIONING", "PENDING", "RUNNING"];
        const at = order.indexOf(t.lastStatus!);
        if (at < order.length - 1) {
            t.lastStatus = order[at + 1];
            if (t.lastStatus === "RUNNING") container.lastStatus = "RUNNING";
            return;
        }
        if (w.polls >= 2 + (scenario.runningPolls ?? 2)) {
            Object.assign(t, {
                lastStatus: "STOPPED",
                desiredStatus: "STOPPED",
                stopCode: "EssentialContainerExited",
                stoppedReason: "Essential container in task exited",
            });
            Object.assign(container, { lastStatus: "STOPPED", exitCode: scenario.exitCode ?? 0 });
        }
    };

    const logsSend = async (command: { constructor: { name: string }; input: any }) => {
        if (command.constructor.name !== "GetLogEventsCommand")
            throw new Error(`the rehearsal's Logs double does not answer ${command.constructor.name}`);
        const { logGroupName, logStreamName, nextToken } = command.input;
        const w = [...world.values()].find((x) => {
            const d = definitions.find((def) => def.taskDefinitionArn === x.task.taskDefinitionArn)!;
            return (
                d.logGroupName === logGroupName &&
                `${d.logStreamPrefix}/${d.containerName}/${x.task.taskArn!.split("/").pop()}` === logStreamName
            );
        });
        // awslogs creates the stream when the container starts: before that, and for a task that never starts, there is none.
        if (!w || w.task.containers![0].lastStatus === "PENDING" || (scenario.neverStarts && w.task.lastStatus === "STOPPED")) {
            const { ResourceNotFoundException } = await import("@aws-sdk/client-cloudwatch-logs");
            throw new ResourceNotFoundException({
                $metadata: { httpStatusCode: 400 },
                message: "The specified log stream does not exist.",
            });
        }
        const from = nextToken ? Number(String(nextToken).slice(2)) : 0;
        // A running container has logged its first line; the rest by the time it stopped.
        const upTo = w.task.lastStatus === "STOPPED" ? w.lines.length : Math.min(w.lines.length - 1, 1 + w.polls - 3);
        const events = w.lines
            .slice(from, Math.max(from, upTo))
            .map((message, i) => ({ timestamp: Date.now(), message, ingestionTime: Date.now() + i }));
        const token = `f/${from + events.length}`;
        return { events, nextForwardToken: token, nextBackwardToken: `b/${from}` };
    };

    const s3 = (client: S3Client): S3Client => {
        const uploads = new Map<string, number>();
        const refuse = async (bucket: string) => {
            const { NoSuchBucket } = await import("@aws-sdk/client-s3");
            return new NoSuchBucket({ $metadata: { httpStatusCode: 404 }, message: `The specified bucket does not exist: ${bucket}` });
        };
        const size = (body: unknown) =>
            (body as { length?: number; byteLength?: number })?.byteLength ?? (body as { length?: number })?.length ?? 0;
        const send = async (command: { constructor: { name: string }; input: any }) => {
            const { Bucket, Key, Body, UploadId } = command.input;
            if (Bucket !== migrationBucket) throw await refuse(Bucket);
            switch (command.constructor.name) {
                case "PutObjectCommand":
                    log.uploads.push({ key: Key, bytes: size(Body) });
                    return { ETag: '"rehearsal"' };
                case "CreateMultipartUploadCommand":
                    uploads.set(`${Key}`, 0);
                    return { Bucket, Key, UploadId: `rehearsal-${Key}` };
                case "UploadPartCommand":
                    uploads.set(Key, (uploads.get(Key) ?? 0) + size(Body));
                    return { ETag: `"part-${command.input.PartNumber}"` };
                case "CompleteMultipartUploadCommand":
                    log.uploads.push({ key: Key, bytes: uploads.get(Key) ?? 0 });
                    return { Bucket, Key, ETag: '"rehearsal-multipart"', Location: `https://${Bucket}.s3.amazonaws.com/${Key}` };
                case "AbortMultipartUploadCommand":
                    uploads.delete(Key);
                    return {};
            }
            throw new Error(`the rehearsal's S3 double does not answer ${command.constructor.name} (${UploadId ?? ""})`);
        };
        // lib-storage's Upload reads the client's config (endpoint, checksum mode): a real client whose `send` is the double.
        Object.assign(client, { send });
        return client;
    };

    return {
        ecs: { send: ecsSend } as unknown as Pick<ECSClient, "send">,
        logs: { send: logsSend } as unknown as Pick<CloudWatchLogsClient, "send">,
        s3,
        log,
    };
}
