/**
 * Offboarding's stop waits for ECS to report the tenant's service runs nothing before the archive.
 * Sources: @aws-sdk/client-ecs models (Service `runningCount` counts RUNNING tasks only, `pendingCount`
 * PENDING ones; Deployment counts; Task `lastStatus`), ECS developer guide "Amazon ECS task lifecycle"
 * (DEACTIVATING and STOPPING tasks still have running containers until STOPPED).
 */
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand } from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { CancelledError } from "../../automation/engine";
import { BbwsError } from "../../automation/errors";
import { abortableSleep } from "../../automation/task/follow";
import type { ServiceStopState } from "../../automation/tenant/port";
import { oneOffFamilyFromOutputs, readStopStateFromEcs, serviceStopProblems, waitUntilStopped } from "../../automation/tenant/service-stop";

const ARN = "arn:aws:ecs:af-south-1:815856636111:task/bbws-sit/";
const STOPPED: ServiceStopState = {
    desiredCount: 0,
    runningCount: 0,
    pendingCount: 0,
    deployments: [{ id: "ecs-svc/1", runningCount: 0, pendingCount: 0, rolloutState: "COMPLETED" }],
    tasks: [{ taskArn: `${ARN}aaa`, lastStatus: "STOPPED", desiredStatus: "STOPPED" }],
    oneOffTasks: [],
};

describe("offboarding's stop: the service runs nothing before the archive", () => {
    it("is stopped only with desired, running and pending 0, no deployment with a task, and every listed task STOPPED", () => {
        expect(serviceStopProblems(STOPPED)).to.deep.equal([]);
        expect(serviceStopProblems({ ...STOPPED, desiredCount: 2 })).to.deep.equal([
            "desired count 2 (auto-scaling has not set it to 0 yet)",
        ]);
        expect(serviceStopProblems({ ...STOPPED, pendingCount: 1 })).to.deep.equal(["1 task(s) PENDING"]);
        expect(
            serviceStopProblems({
                ...STOPPED,
                deployments: [{ id: "ecs-svc/2", runningCount: 0, pendingCount: 1, rolloutState: "IN_PROGRESS" }],
            }),
        ).to.deep.equal(["deployment ecs-svc/2 (IN_PROGRESS) has 0 running and 1 pending"]);
    });

    it("runningCount 0 is not enough: a task DEACTIVATING or STOPPING still has its containers, so it still counts", () => {
        for (const lastStatus of ["DEACTIVATING", "STOPPING", "DEPROVISIONING"]) {
            const state = { ...STOPPED, tasks: [...STOPPED.tasks, { taskArn: `${ARN}bbb`, lastStatus, desiredStatus: "STOPPED" }] };
            expect(serviceStopProblems(state)).to.deep.equal([`task bbb is ${lastStatus}`]);
        }
    });

    it("waits until the tasks are STOPPED, returns at once for a service that is gone, and gives up with service-not-stopped", async () => {
        let t = 0;
        const clock = { now: () => t, sleep: async (ms: number) => void (t += ms) };
        const states: ServiceStopState[] = [
            {
                ...STOPPED,
                desiredCount: 1,
                runningCount: 1,
                tasks: [{ taskArn: `${ARN}bbb`, lastStatus: "RUNNING", desiredStatus: "RUNNING" }],
            },
            { ...STOPPED, tasks: [{ taskArn: `${ARN}bbb`, lastStatus: "STOPPING", desiredStatus: "STOPPED" }] },
            { ...STOPPED, tasks: [{ taskArn: `${ARN}bbb`, lastStatus: "STOPPED", desiredStatus: "STOPPED" }] },
        ];
        let reads = 0;
        const stopped = await waitUntilStopped("svc", async () => states[Math.min(reads++, 2)], 60_000, clock, { intervalMs: 10_000 });
        expect(stopped).to.deep.equal({ service: "svc", waitedForTasks: 1 });
        expect(reads).to.equal(3);
        expect(await waitUntilStopped("svc", async () => undefined, 60_000, clock)).to.deep.equal({ service: "svc", waitedForTasks: 0 });
        const stuck = await waitUntilStopped("svc", async () => states[1], 60_000, clock, { intervalMs: 10_000 }).catch((e: unknown) => e);
        expect(stuck).to.be.instanceOf(BbwsError);
        expect((stuck as BbwsError).code).to.equal("service-not-stopped");
        expect((stuck as BbwsError).message).to.include("so no archive is taken: task bbb is STOPPING");
    });

    it("prints what still runs whenever it changes, and the operator's first Ctrl-C ends the wait at once with the interrupted error", async () => {
        // Source: automation/task/follow.ts abortableSleep (resolves when the signal aborts); signals.ts aborts
        // the run's signal on the first SIGINT; engine.ts CancelledError is what an interrupted operation throws.
        let t = 0;
        const controller = new AbortController();
        const running = { ...STOPPED, tasks: [{ taskArn: `${ARN}bbb`, lastStatus: "RUNNING", desiredStatus: "STOPPED" }] };
        const stopping = { ...STOPPED, tasks: [{ taskArn: `${ARN}bbb`, lastStatus: "STOPPING", desiredStatus: "STOPPED" }] };
        const states = [running, running, stopping];
        const lines: string[] = [];
        let reads = 0;
        const clock = {
            now: () => t,
            sleep: async (ms: number, signal?: AbortSignal) => {
                // The third sleep is where the operator presses Ctrl-C: a real sleep would return at once.
                if (reads === 3) controller.abort();
                if (!signal?.aborted) t += ms;
            },
        };
        const caught = await waitUntilStopped("svc", async () => states[Math.min(reads++, 2)], 600_000, clock, {
            intervalMs: 10_000,
            signal: controller.signal,
            progress: (line) => lines.push(line),
        }).catch((e: unknown) => e);
        expect(caught).to.be.instanceOf(CancelledError);
        expect(reads).to.equal(3);
        expect(t).to.equal(20_000);
        expect(lines).to.deep.equal(["waiting for svc to stop: task bbb is RUNNING", "waiting for svc to stop: task bbb is STOPPING"]);
    });

    it("the real sleep it is given, abortableSleep, returns as soon as the signal aborts", async () => {
        const controller = new AbortController();
        const started = Date.now();
        setTimeout(() => controller.abort(), 20);
        await abortableSleep(60_000, controller.signal);
        expect(Date.now() - started).to.be.lessThan(5_000);
    });

    it("a tenant one-off task still running (npm run task, a detached archive) stops the archive as a service task does", () => {
        // Source: it mounts the same wp-content and logs in as the same MySQL user (components/tenant-service.ts,
        // its one-off task definition); the service's counts and ListTasks `serviceName` never include it.
        const state = { ...STOPPED, oneOffTasks: [{ taskArn: `${ARN}ccc`, lastStatus: "RUNNING", desiredStatus: "RUNNING" }] };
        expect(serviceStopProblems(state)).to.deep.equal(["one-off task ccc is RUNNING"]);
        expect(serviceStopProblems({ ...state, oneOffTasks: [{ ...state.oneOffTasks[0], lastStatus: "STOPPED" }] })).to.deep.equal([]);
    });

    it("reads the one-off tasks with ListTasks `family` (the tenant's one-off task definition, from the stack outputs), RUNNING and STOPPED", async () => {
        // Source: ECS API reference, ListTasks: `family` "limits the results to tasks that belong to that family";
        // `desiredStatus` filters by desired status (RUNNING by default), and a STOPPING task's is STOPPED.
        const family = oneOffFamilyFromOutputs(
            {
                ecs: {
                    oneOffTasks: {
                        tenants: {
                            newco: { taskDefinitionArn: "arn:aws:ecs:af-south-1:815856636111:task-definition/bbws-migration-newco-sit:7" },
                        },
                    },
                },
            },
            "newco",
        );
        expect(family).to.equal("bbws-migration-newco-sit");
        expect(oneOffFamilyFromOutputs({ ecs: {} }, "newco")).to.equal(undefined);
        const ecs = mockClient(ECSClient);
        try {
            ecs.on(DescribeServicesCommand).resolves({
                services: [{ status: "ACTIVE", desiredCount: 0, runningCount: 0, pendingCount: 0, deployments: [] }],
            });
            ecs.on(ListTasksCommand).resolves({ taskArns: [] });
            ecs.on(ListTasksCommand, { family, desiredStatus: "RUNNING" }).resolves({ taskArns: [`${ARN}ccc`] });
            ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: `${ARN}ccc`, lastStatus: "RUNNING", desiredStatus: "RUNNING" }] });
            const state = await readStopStateFromEcs("af-south-1", "bbws-sit", "bbws-wordpress-newco-sit", family);
            expect(state?.tasks).to.deep.equal([]);
            expect(state?.oneOffTasks).to.deep.equal([{ taskArn: `${ARN}ccc`, lastStatus: "RUNNING", desiredStatus: "RUNNING" }]);
            const listings = ecs.commandCalls(ListTasksCommand).map(({ args: [{ input }] }) => ({
                cluster: input.cluster,
                desiredStatus: input.desiredStatus,
                ...(input.family ? { family: input.family } : { serviceName: input.serviceName }),
            }));
            expect(listings).to.deep.include({ cluster: "bbws-sit", family, desiredStatus: "RUNNING" });
            expect(listings).to.deep.include({ cluster: "bbws-sit", family, desiredStatus: "STOPPED" });
            expect(listings).to.deep.include({ cluster: "bbws-sit", serviceName: "bbws-wordpress-newco-sit", desiredStatus: "RUNNING" });
            expect(serviceStopProblems(state!)).to.deep.equal(["one-off task ccc is RUNNING"]);
        } finally {
            ecs.restore();
        }
    });
});
