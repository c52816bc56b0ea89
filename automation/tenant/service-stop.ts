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
import { BbwsError, EXIT } from "../errors";
import type { ServiceStopState, ServiceStopped } from "./port";

/**
 * What still runs, or may still start, in a service that should be stopped; empty when nothing does.
 * Sources: @aws-sdk/client-ecs models, Service `desiredCount`, `runningCount` ("in the RUNNING state"),
 * `pendingCount` ("in the PENDING state"); Deployment `runningCount`/`pendingCount` (a deployment still
 * in progress starts tasks); Task `lastStatus` (ListTasks `desiredStatus` STOPPED lists tasks ECS is
 * stopping as well as stopped ones).
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
    for (const t of state.tasks) {
        if (t.lastStatus !== "STOPPED") problems.push(`task ${t.taskArn.slice(t.taskArn.lastIndexOf("/") + 1)} is ${t.lastStatus}`);
    }
    return problems;
}

/** Reads a service's stop state once; undefined when the service does not exist (never created, or deleted). */
export type ReadStopState = () => Promise<ServiceStopState | undefined>;

/**
 * Polls `read` every `intervalMs` until `serviceStopProblems` finds nothing (or the service is gone);
 * after `timeoutMs` a `BbwsError` `service-not-stopped` (exit 1) naming what still runs.
 */
export async function waitUntilStopped(
    service: string,
    read: ReadStopState,
    timeoutMs: number,
    clock: { now: () => number; sleep: (ms: number) => Promise<void> },
    intervalMs = 10_000,
): Promise<ServiceStopped> {
    const deadline = clock.now() + timeoutMs;
    const seen = new Set<string>();
    for (;;) {
        const state = await read();
        if (state === undefined) return { service, waitedForTasks: seen.size };
        for (const t of state.tasks) if (t.lastStatus !== "STOPPED") seen.add(t.taskArn);
        const problems = serviceStopProblems(state);
        if (problems.length === 0) return { service, waitedForTasks: seen.size };
        if (clock.now() + intervalMs > deadline) {
            throw new BbwsError(
                "service-not-stopped",
                `${service} still runs after ${Math.round(timeoutMs / 60_000)} min, so no archive is taken: ${problems.join("; ")}`,
                EXIT.failed,
                "read the service's events (a deployment or a scaling activity still starting tasks?), then run the same command again",
            );
        }
        await clock.sleep(intervalMs);
    }
}

/** The stop state of `service` in `cluster` through the ECS SDK: DescribeServices, ListTasks (RUNNING and STOPPED), DescribeTasks. */
export async function readStopStateFromEcs(region: string, cluster: string, service: string): Promise<ServiceStopState | undefined> {
    const { ECSClient, DescribeServicesCommand, DescribeTasksCommand, paginateListTasks } = await import("@aws-sdk/client-ecs");
    const ecs = new ECSClient({ region });
    const described = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services?.[0];
    // A deleted service is INACTIVE (DescribeServices keeps it for a while), a missing one a failure entry.
    if (!described || described.status === "INACTIVE") return undefined;
    const arns: string[] = [];
    for (const desiredStatus of ["RUNNING", "STOPPED"] as const) {
        for await (const page of paginateListTasks({ client: ecs }, { cluster, serviceName: service, desiredStatus })) {
            arns.push(...(page.taskArns ?? []));
        }
    }
    const tasks: Array<{ taskArn: string; lastStatus: string; desiredStatus: string }> = [];
    // DescribeTasks takes at most 100 tasks a call (ECS API reference, DescribeTasks `tasks`).
    for (let i = 0; i < arns.length; i += 100) {
        const page = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }));
        for (const t of page.tasks ?? []) {
            tasks.push({ taskArn: t.taskArn ?? "", lastStatus: t.lastStatus ?? "UNKNOWN", desiredStatus: t.desiredStatus ?? "UNKNOWN" });
        }
    }
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
        tasks,
    };
}
