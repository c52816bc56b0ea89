/**
 * Stack outputs shaped as contract-15's `ecs.oneOffTasks`, for the runner's tests, and a what-if for
 * rehearsals of a program that does not export it yet (the program side of issue 15 is a separate
 * branch): once `src/program.ts` exports `ecs.oneOffTasks`, `withOneOffTasks` leaves outputs as they are.
 */
import { mockClient } from "aws-sdk-client-mock";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { OneOffTask, OneOffTasks } from "../../automation/task/contract";
import { mocks } from "./verify/fixtures";

/**
 * The task tests' AWS mocks: the verify fixtures' ECS and S3 mocks (one sinon stub per client class
 * per process: a second `mockClient` of a class would silently detach the first) and CloudWatch Logs.
 */
export const taskMocks = { ecs: mocks.ecs, s3: mocks.s3, logs: mockClient(CloudWatchLogsClient) };

export const ACCOUNT = "815856636111";
export const REGION = "eu-west-1";

/** A contract-shaped task for `name` (`platform` or a tenant id) in `env`. */
export function oneOffTask(env: string, name: string, revision = 3): OneOffTask {
    return {
        taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/bbws-migration-${name}-${env}:${revision}`,
        containerName: "migration",
        securityGroupIds: [`sg-0${name.length}a1b2c3d4e5f6a7b8`],
        logGroupName: `/ecs/bbws-${env}/migration`,
        logStreamPrefix: name === "platform" ? "platform" : `tenant-${name}`,
    };
}

/** `ecs.oneOffTasks` for `tenants` in `env`. */
export function oneOffTasks(env: string, tenants: readonly string[]): OneOffTasks {
    return {
        clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/bbws-${env}`,
        subnetIds: ["subnet-0aa1", "subnet-0bb2", "subnet-0cc3"],
        platform: oneOffTask(env, "platform"),
        tenants: Object.fromEntries(tenants.map((t) => [t, oneOffTask(env, t)])),
    };
}

/** Outputs grouped by phase, as `Engine.outputs()` answers, with what the runner reads. */
export function stackOutputs(env: string, tenants: readonly string[]): Record<string, unknown> {
    return {
        ecs: { clusterName: `bbws-${env}`, oneOffTasks: oneOffTasks(env, tenants) },
        storage: { migrationBucketName: `bbws-migration-artifacts-${env}` },
    };
}

/**
 * The converged stack's outputs, plus `ecs.oneOffTasks` built from its own cluster and private
 * subnets when the program does not export it yet.
 */
export function withOneOffTasks(env: string, tenants: readonly string[]) {
    return (converged: Record<string, unknown>): Record<string, unknown> => {
        const ecs = (converged.ecs ?? {}) as Record<string, unknown>;
        if (ecs.oneOffTasks) return converged;
        const network = (converged.network ?? {}) as { privateSubnetIds?: string[] };
        const tasks = oneOffTasks(env, tenants);
        return {
            ...converged,
            ecs: { ...ecs, oneOffTasks: { ...tasks, subnetIds: network.privateSubnetIds ?? tasks.subnetIds } },
        };
    };
}
