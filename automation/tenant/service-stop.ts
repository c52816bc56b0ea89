/**
 * Offboarding's wait for a tenant's service to run nothing before its archive is taken. Stopping is a
 * rollout that sets the service's auto-scaling range to 0–0 (src/config.ts `stopped`): Application Auto
 * Scaling then moves the desired count into the range (API reference, RegisterScalableTarget: "it changes
 * the resource's current capacity to a value that is inside of this range"), and ECS stops the tasks, all
 * after the rollout has returned. A task that is no longer RUNNING may still write: it deregisters from
 * the load balancer (DEACTIVATING), then its containers get SIGTERM and up to their stop timeout
 * (STOPPING), and only a STOPPED task has no container left (ECS developer guide, "Amazon ECS task
 * lifecycle"). So the archive waits for more than `runningCount` 0, which counts RUNNING tasks only.
 */
import { CancelledError } from "../engine";
import { BbwsError, EXIT } from "../errors";
import type { ListedTask, ServiceStopState, ServiceStopped } from "./port";

/** `task bbb is STOPPING` for each task not STOPPED yet, `what` naming whose (`task`, `one-off task`). */
function unstopped(tasks: readonly ListedTask[], what: string): string[] {
    return tasks
        .filter((t) => t.lastStatus !== "STOPPED")
        .map((t) => `${what} ${t.taskArn.slice(t.taskArn.lastIndexOf("/") + 1)} is ${t.lastStatus}`);
}

/**
 * What still runs, or may still start, in a service that should be stopped; empty when nothing does.
 * Sources: @aws-sdk/client-ecs models, Service `desiredCount`, `runningCount` ("in the RUNNING state"),
 * `pendingCount` ("in the PENDING state"); Deployment `runningCount`/`pendingCount` (a deployment still
 * in progress starts tasks); Task `lastStatus` (ListTasks `desiredStatus` STOPPED lists tasks ECS is
 * stopping as well as stopped ones). The tenant's one-off tasks (`state.oneOffTasks`) count as the
 * service's tasks do: one still running writes to the same wp-content and schema.
 */
export function serviceStopProblems(state: ServiceStopState): string[] {
    const problems: string[] = [];
    if (state.desiredCount !== 0) problems.push(`desired count ${state.desiredCount} (auto-scaling has not set it to 0 yet)`);
    if (state.runningCount !== 0) problems.push(`${state.runningCount} task(s) RUNNING`);
    if (state.pendingCount !== 0) problems.push(`${state.pendingCount} task(s) PENDING`);
    for (const d of state.deployments) {
        if (d.runningCount !== 0 || d.pendingCount !== 0) {
            problems.push(
                `deployment ${d.id}${d.rolloutState ? ` (${d.rolloutState})` : ""} has ${d.runningCount} running and ${d.pendingCount} pending`,
            );
        }
    }
    problems.push(...unstopped(state.tasks, "task"), ...unstopped(state.oneOffTasks, "one-off task"));
    return problems;
}

/** Reads a service's stop state once; undefined when the service does not exist (never created, or deleted). */
export type ReadStopState = () => Promise<ServiceStopState | undefined>;

/** How the wait tells the operator what it waits for, and how the operator stops it. */
export interface StopWaitOptions {
    /** Between two reads; 10 s by default. */
    readonly intervalMs?: number;
    /** Aborted on the operator's first Ctrl-C: the wait ends at once with `CancelledError`. */
    readonly signal?: AbortSignal;
    /** Gets a line naming what still runs, each time that list changes (the wait may last minutes). */
    readonly progress?: (line: string) => void;
}

/**
 * Polls `read` every `options.intervalMs` until `serviceStopProblems` finds nothing (or the service is
 * gone), printing the problems through `options.progress` whenever they change. After `timeoutMs` a
 * `BbwsError` `service-not-stopped` (exit 1) naming what still runs; once `options.signal` aborts, a
 * `CancelledError` (the step is recorded cancelled and the run exits 130).
 */
export async function waitUntilStopped(
    service: string,
    read: ReadStopState,
    timeoutMs: number,
    clock: { now: () => number; sleep: (ms: number, signal?: AbortSignal) => Promise<void> },
    options: StopWaitOptions = {},
): Promise<ServiceStopped> {
    const intervalMs = options.intervalMs ?? 10_000;
    const deadline = clock.now() + timeoutMs;
    const seen = new Set<string>();
    let reported = "";
    for (;;) {
        if (options.signal?.aborted) throw new CancelledError(`the wait for ${service} to stop`);
        const state = await read();
        if (state === undefined) return { service, waitedForTasks: seen.size };
        for (const t of [...state.tasks, ...state.oneOffTasks]) if (t.lastStatus !== "STOPPED") seen.add(t.taskArn);
        const problems = serviceStopProblems(state);
        if (problems.length === 0) return { service, waitedForTasks: seen.size };
        if (problems.join("; ") !== reported) {
            reported = problems.join("; ");
            options.progress?.(`waiting for ${service} to stop: ${reported}`);
        }
        if (clock.now() + intervalMs > deadline) {
            throw new BbwsError(
                "service-not-stopped",
                `${service} still runs after ${Math.round(timeoutMs / 60_000)} min, so no archive is taken: ${reported}`,
                EXIT.failed,
                "read the service's events (a deployment or a scaling activity still starting tasks?), then run the same command again",
            );
        }
        await clock.sleep(intervalMs, options.signal);
    }
}

/**
 * The family of a tenant's one-off task definition, from the stack output `ecs.oneOffTasks.tenants.<id>`
 * (`arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>`); undefined when the stack
 * exports none for it (its ecs phase never ran), so no such task can run.
 */
export function oneOffFamilyFromOutputs(outputs: Readonly<Record<string, unknown>>, id: string): string | undefined {
    const ecs = outputs.ecs as { oneOffTasks?: { tenants?: Record<string, { taskDefinitionArn?: unknown }> } } | undefined;
    const arn = ecs?.oneOffTasks?.tenants?.[id]?.taskDefinitionArn;
    const match = typeof arn === "string" ? /:task-definition\/([^:]+):\d+$/.exec(arn) : null;
    return match?.[1] ?? undefined;
}

/**
 * The stop state of `service` in `cluster` through the ECS SDK: DescribeServices; ListTasks of the
 * service (`serviceName`) and of the tenant's one-off tasks (`family`, when `oneOffFamily` is given), each
 * for desired status RUNNING and STOPPED (a STOPPING task's desired status is STOPPED already; ListTasks
 * lists stopped tasks for at least an hour, ECS API reference, ListTasks); DescribeTasks for their `lastStatus`.
 */
export async function readStopStateFromEcs(
    region: string,
    cluster: string,
    service: string,
    oneOffFamily: string | undefined,
): Promise<ServiceStopState | undefined> {
    const { ECSClient, DescribeServicesCommand, DescribeTasksCommand, paginateListTasks } = await import("@aws-sdk/client-ecs");
    const ecs = new ECSClient({ region });
    const described = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services?.[0];
    // A deleted service is INACTIVE (DescribeServices keeps it for a while), a missing one a failure entry.
    if (!described || described.status === "INACTIVE") return undefined;
    const listed = async (filter: { serviceName: string } | { family: string }): Promise<ListedTask[]> => {
        const arns: string[] = [];
        for (const desiredStatus of ["RUNNING", "STOPPED"] as const) {
            for await (const page of paginateListTasks({ client: ecs }, { cluster, ...filter, desiredStatus })) {
                arns.push(...(page.taskArns ?? []));
            }
        }
        const tasks: ListedTask[] = [];
        // DescribeTasks takes at most 100 tasks a call (ECS API reference, DescribeTasks `tasks`).
        for (let i = 0; i < arns.length; i += 100) {
            const page = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }));
            for (const t of page.tasks ?? []) {
                tasks.push({
                    taskArn: t.taskArn ?? "",
                    lastStatus: t.lastStatus ?? "UNKNOWN",
                    desiredStatus: t.desiredStatus ?? "UNKNOWN",
                });
            }
        }
        return tasks;
    };
    return {
        desiredCount: described.desiredCount ?? 0,
        runningCount: described.runningCount ?? 0,
        pendingCount: described.pendingCount ?? 0,
        deployments: (described.deployments ?? []).map((d) => ({
            id: d.id ?? "",
            runningCount: d.runningCount ?? 0,
            pendingCount: d.pendingCount ?? 0,
            rolloutState: d.rolloutState,
        })),
        tasks: await listed({ serviceName: service }),
        oneOffTasks: oneOffFamily === undefined ? [] : await listed({ family: oneOffFamily }),
    };
}
