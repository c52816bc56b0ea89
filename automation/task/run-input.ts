/**
 * The RunTask request of a one-off task, built from the stack's outputs and the command line: pure,
 * so each value handed to ECS has its rule and its source next to it. Also the small pure helpers
 * the command shares: the run id, the staging prefix, and `--timeout`.
 */
import type { RunTaskCommandInput } from "@aws-sdk/client-ecs";
import { UsageError } from "../errors";
import type { OneOffTask, OneOffTasks, TaskTarget } from "./contract";

/**
 * ECS counts at most 8192 characters of overrides, "including the JSON formatting characters of the
 * override structure" (RunTask API reference, `overrides`; @aws-sdk/client-ecs `RunTaskRequest.overrides`).
 */
export const MAX_OVERRIDES_CHARS = 8192;

/** `startedBy`: "Up to 128 letters (uppercase and lowercase), numbers, hyphens (-), forward slash (/), and underscores (_)" (RunTask API reference). */
export const STARTED_BY = /^[A-Za-z0-9/_-]{1,128}$/;

/**
 * `clientToken`: "An identifier that you provide to ensure the idempotency of the request. It must be
 * unique and is case sensitive. Up to 64 ASCII characters are allowed" (RunTask API reference,
 * `clientToken`; @aws-sdk/client-ecs `RunTaskRequest.clientToken`; "Ensuring idempotency", ECS API
 * reference). The SDK resends the same input on a retry, so a lost answer does not start a second task.
 */
export const CLIENT_TOKEN = /^[\x20-\x7e]{1,64}$/;

/** What one run asks for. */
export interface RunRequestParts {
    readonly tasks: OneOffTasks;
    readonly task: OneOffTask;
    readonly command: readonly string[];
    readonly runId: string;
    /** `s3://…/` of the staged files, with `--stage`. */
    readonly stageUri?: string;
    /** Values the command reads from its environment (the tenant lifecycle's scripts), so none is put into a shell's text. */
    readonly environment?: Readonly<Record<string, string>>;
    /** When `--timeout` runs out (epoch ms): handed to the container, which must enforce it after `--detach`. */
    readonly deadline: number;
}

/**
 * RunTask for one Fargate task in the private subnets (the task's own, a premium tenant's VPC's, when it
 * names them: RunTask's security groups must be of the subnets' VPC, ECS API reference
 * AwsVpcConfiguration; else the environment's), `assignPublicIp: DISABLED` (the subnets route
 * through NAT and the VPC endpoints; a public IP is neither needed nor wanted), the task's security
 * groups, and one container override: `command` as an argv list (ECS passes it to the container as
 * Docker's exec form, no shell: ContainerOverride `command`) and `BBWS_RUN_ID`, `BBWS_DEADLINE` (plus
 * `MIGRATION_STAGE_URI` with `--stage`) as environment. `startedBy` = `bbws-task/<run id>`, so
 * `ListTasks --started-by` finds a run; `clientToken` = the run id, so the SDK's retries of a RunTask
 * whose answer was lost start no second task (`CLIENT_TOKEN`). Throws `UsageError` `overrides-too-long` (exit 2) over
 * `MAX_OVERRIDES_CHARS`: ECS would refuse it with an InvalidParameterException.
 */
export function runTaskInput(parts: RunRequestParts): RunTaskCommandInput {
    const environment = [
        { name: "BBWS_RUN_ID", value: parts.runId },
        // ISO-8601 UTC: with --detach nobody calls StopTask, so the image's entrypoint enforces it.
        { name: "BBWS_DEADLINE", value: new Date(parts.deadline).toISOString() },
        ...(parts.stageUri ? [{ name: "MIGRATION_STAGE_URI", value: parts.stageUri }] : []),
        ...Object.entries(parts.environment ?? {}).map(([name, value]) => ({ name, value })),
    ];
    const overrides = { containerOverrides: [{ name: parts.task.containerName, command: [...parts.command], environment }] };
    const size = JSON.stringify(overrides).length;
    if (size > MAX_OVERRIDES_CHARS) {
        throw new UsageError(
            "overrides-too-long",
            `the command and its environment come to ${size} characters of container overrides; ECS accepts at most ${MAX_OVERRIDES_CHARS}`,
            "put long input in a file and pass it with --stage; the task finds it under $MIGRATION_STAGE_URI",
        );
    }
    const startedBy = `bbws-task/${parts.runId}`;
    if (!STARTED_BY.test(startedBy)) throw new Error(`run id ${parts.runId} makes an invalid startedBy`);
    if (!CLIENT_TOKEN.test(parts.runId)) throw new Error(`run id ${parts.runId} is not a valid clientToken`);
    return {
        clientToken: parts.runId,
        cluster: parts.tasks.clusterArn,
        taskDefinition: parts.task.taskDefinitionArn,
        launchType: "FARGATE",
        count: 1,
        startedBy,
        networkConfiguration: {
            awsvpcConfiguration: {
                subnets: [...(parts.task.subnetIds ?? parts.tasks.subnetIds)],
                securityGroups: [...parts.task.securityGroupIds],
                assignPublicIp: "DISABLED",
            },
        },
        overrides,
        // The task definition's tags (environment, tenant) on the task, so cost and audit see whose it was.
        propagateTags: "TASK_DEFINITION",
    };
}

/**
 * A run's id: `<UTC time to the second>-<6 hex>`, e.g. `20261201T101502Z-3f9a1c`: sorts by time, is a
 * valid S3 key segment and `startedBy` suffix, and tells two runs of one second apart.
 */
export function newRunId(now: number, random: () => string): string {
    const stamp = new Date(now)
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "Z");
    return `${stamp}-${random()}`;
}

/** The AWS CLI command that lists the tasks of one run, running or stopped (`startedBy` = `bbws-task/<run id>`). */
export function listTasksCommand(clusterArn: string, runId: string, region?: string): string {
    return `aws ecs list-tasks --cluster ${clusterArn} --started-by bbws-task/${runId} --desired-status RUNNING${region ? ` --region ${region}` : ""} (and again with --desired-status STOPPED)`;
}

/** Where a run's staged files go: `tenants/<id>/<run id>/` (the tenant task's `MIGRATION_PREFIX` + run id) or `platform/<run id>/`. */
export function stagePrefix(target: TaskTarget, runId: string): string {
    return target.kind === "tenant" ? `tenants/${target.tenant}/${runId}/` : `platform/${runId}/`;
}

/** `--timeout` when not given: long enough for a large import, short enough that a forgotten task is stopped the same day. */
export const DEFAULT_TIMEOUT_MS = 4 * 3600_000;
/** The longest `--timeout`: a task meant to run longer is a service, not a one-off task. */
export const MAX_TIMEOUT_MS = 24 * 3600_000;

/**
 * `--timeout` as milliseconds: one or more `<n>h`, `<n>m`, `<n>s` in that order (`90m`, `8h`, `1h30m`).
 * Throws `UsageError` `invalid-timeout` (exit 2) for anything else, zero, or more than `MAX_TIMEOUT_MS`.
 */
export function parseTimeout(text: string): number {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
    const ms = m ? Number(m[1] ?? 0) * 3600_000 + Number(m[2] ?? 0) * 60_000 + Number(m[3] ?? 0) * 1000 : NaN;
    if (!m || !(ms > 0) || ms > MAX_TIMEOUT_MS) {
        throw new UsageError(
            "invalid-timeout",
            `--timeout '${text}' is not a duration between 1s and ${formatDuration(MAX_TIMEOUT_MS)}`,
            "write it as hours, minutes and seconds, e.g. 90m, 8h or 1h30m",
        );
    }
    return ms;
}

/** Milliseconds as `1h30m`, `45s`, `0s`: the form `parseTimeout` reads. */
export function formatDuration(ms: number): string {
    const s = Math.round(ms / 1000);
    const parts = [
        [Math.floor(s / 3600), "h"],
        [Math.floor((s % 3600) / 60), "m"],
        [s % 60, "s"],
    ].filter(([n]) => n !== 0);
    return parts.length === 0 ? "0s" : parts.map(([n, unit]) => `${n}${unit}`).join("");
}
