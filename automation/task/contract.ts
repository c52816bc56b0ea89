/**
 * The stack output the one-off task runner reads: `ecs.oneOffTasks` (contract of issue 15), checked
 * at run time, since a stack rolled out by an older commit lacks it. The types are the program's own
 * (`PlatformOutputs`), so a renamed output fails `tsc` here.
 */
import { z } from "zod";
import type { PlatformOutputs } from "../../src/program";
import { UsageError } from "../errors";

/** `ecs.oneOffTasks`: the cluster, the private subnets, and a task per tenant plus the platform's (a premium tenant's with subnets of its own). */
export type OneOffTasks = PlatformOutputs["ecs"]["oneOffTasks"];

/** One task definition the runner can start, with what RunTask and the log reader need. */
export type OneOffTask = OneOffTasks["platform"];

const ONE_OFF_TASK = z.object({
    taskDefinitionArn: z.string().startsWith("arn:"),
    containerName: z.string().min(1),
    securityGroupIds: z.array(z.string().min(1)).min(1),
    logGroupName: z.string().min(1),
    logStreamPrefix: z.string().min(1),
    // A premium tenant's own VPC's private subnets; zod drops a key the schema does not name, so it is named.
    subnetIds: z.array(z.string().min(1)).min(1).optional(),
});

const ONE_OFF_TASKS = z.object({
    clusterArn: z.string().startsWith("arn:"),
    subnetIds: z.array(z.string().min(1)).min(1),
    platform: ONE_OFF_TASK,
    tenants: z.record(ONE_OFF_TASK),
});

/** Which task a run uses: one tenant's, or the platform's. */
export type TaskTarget = { readonly kind: "tenant"; readonly tenant: string } | { readonly kind: "platform" };

/** What the runner needs of the stack: the tasks and the staging bucket. */
export interface TaskStackOutputs {
    readonly oneOffTasks: OneOffTasks;
    /** `storage.migrationBucketName`: where `--stage` uploads. */
    readonly migrationBucket: string;
}

/**
 * `ecs.oneOffTasks` and `storage.migrationBucketName` from the stack's outputs (grouped by phase).
 * Throws `UsageError` `no-one-off-tasks` (exit 2) when either is missing or not of the contract's
 * shape: the ecs phase of a commit that exports them has not been rolled out to `env`.
 */
export function readTaskOutputs(outputs: Readonly<Record<string, unknown>>, env: string): TaskStackOutputs {
    const ecs = (outputs.ecs ?? {}) as Record<string, unknown>;
    const storage = (outputs.storage ?? {}) as Record<string, unknown>;
    const tasks = ONE_OFF_TASKS.safeParse(ecs.oneOffTasks);
    const bucket = z.string().min(3).safeParse(storage.migrationBucketName);
    if (!tasks.success || !bucket.success) {
        const problems = [
            ...(tasks.success ? [] : tasks.error.issues.map((i) => `ecs.oneOffTasks${i.path.map((p) => `.${p}`).join("")}: ${i.message}`)),
            ...(bucket.success ? [] : ["storage.migrationBucketName: missing"]),
        ];
        throw new UsageError(
            "no-one-off-tasks",
            `the stack ${env} does not export what one-off tasks need (${problems.slice(0, 3).join("; ")})`,
            `roll out the storage and ecs phases of this commit to ${env} first: npm run rollout -- --env ${env} --phase ecs`,
        );
    }
    return { oneOffTasks: tasks.data, migrationBucket: bucket.data };
}

/** The task for `target`; an unknown tenant is a `UsageError` `unknown-tenant` (exit 2) listing the known ones. */
export function selectTask(tasks: OneOffTasks, target: TaskTarget, env: string): OneOffTask {
    if (target.kind === "platform") return tasks.platform;
    const task = tasks.tenants[target.tenant];
    if (task) return task;
    throw unknownTenant(target.tenant, env, Object.keys(tasks.tenants));
}

/** `unknown-tenant` (exit 2): `tenant` is not one of `known` in `env`. */
export function unknownTenant(tenant: string, env: string, known: readonly string[]): UsageError {
    return new UsageError(
        "unknown-tenant",
        `${env} has no tenant '${tenant}'`,
        known.length > 0 ? `use one of: ${[...known].sort().join(", ")}` : `${env} has no tenants: use --platform`,
    );
}

/** A task's id: the last segment of its ARN (`arn:aws:ecs:<region>:<account>:task/<cluster>/<id>`). */
export function taskIdOf(taskArn: string): string {
    return taskArn.slice(taskArn.lastIndexOf("/") + 1);
}
