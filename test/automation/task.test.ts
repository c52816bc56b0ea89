/**
 * The one-off task runner against aws-sdk-client-mock, answering with the real APIs' shapes (RunTask,
 * DescribeTasks, StopTask, GetLogEvents, PutObject and the multipart calls), and one real ECS client
 * over a scripted HTTP handler for the SDK's own retry on throttling.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import {
    AccessDeniedException,
    DescribeTasksCommand,
    DescribeTasksCommandOutput,
    ECSClient,
    InvalidParameterException,
    RunTaskCommand,
    StopTaskCommand,
    Task,
} from "@aws-sdk/client-ecs";
import { CloudWatchLogsClient, GetLogEventsCommand, ResourceNotFoundException } from "@aws-sdk/client-cloudwatch-logs";
import {
    CompleteMultipartUploadCommand,
    CreateMultipartUploadCommand,
    PutObjectCommand,
    S3Client,
    UploadPartCommand,
} from "@aws-sdk/client-s3";
import { FileLedger, TaskRecord } from "../../automation/ledger";
import { memoryIo } from "../../automation/io";
import { main } from "../../automation/task-cli";
import type { TaskCliDeps } from "../../automation/task/deps";
import { createTaskAws, MAX_ATTEMPTS, RETRY_MODE } from "../../automation/task/aws";
import { readTaskOutputs } from "../../automation/task/contract";
import { listStageFiles } from "../../automation/task/stage";
import { MAX_OVERRIDES_CHARS, parseTimeout, runTaskInput } from "../../automation/task/run-input";
import { DRAIN_MS, STREAM_WARNING_POLLS } from "../../automation/task/follow";
import {
    attachOneOffTask,
    EXIT_INTERRUPTED,
    EXIT_TIMED_OUT,
    OneOffTaskRequest,
    runOneOffTask,
    TaskRunnerDeps,
} from "../../automation/task/runner";
import { configFor, PROJECT_DIR } from "../support/pulumi";
import { tempDir } from "../support/temp";
import { ACCOUNT, REGION, stackOutputs, taskMocks } from "./task-fixtures";

const ENV = "sit";
const TENANTS = configFor(ENV).tenants.map((t) => t.id);
const TENANT = TENANTS[0];
const OUTPUTS = readTaskOutputs(stackOutputs(ENV, TENANTS), ENV);
const TASK_ID = "0f6c2e1d3a9b4c5d8e7f6a5b4c3d2e1f";
const TASK_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/bbws-${ENV}/${TASK_ID}`;
const DEFINITION = OUTPUTS.oneOffTasks.tenants[TENANT];
const STREAM = `${DEFINITION.logStreamPrefix}/migration/${TASK_ID}`;

const { ecs, logs, s3 } = taskMocks;

/** A task as DescribeTasks answers it. */
function task(lastStatus: string, extra: Partial<Task> = {}, container: Record<string, unknown> = {}): Task {
    return {
        taskArn: TASK_ARN,
        clusterArn: OUTPUTS.oneOffTasks.clusterArn,
        taskDefinitionArn: DEFINITION.taskDefinitionArn,
        lastStatus,
        desiredStatus: lastStatus === "STOPPED" ? "STOPPED" : "RUNNING",
        launchType: "FARGATE",
        containers: [{ name: "migration", lastStatus, ...container }],
        ...extra,
    };
}

const exited = (code: number) =>
    task("STOPPED", { stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" }, { exitCode: code });
const notFound = () =>
    new ResourceNotFoundException({ $metadata: { httpStatusCode: 400 }, message: "The specified log stream does not exist." });
const events = (...messages: string[]) =>
    messages.map((message, i) => ({ timestamp: 1764561600000 + i, message, ingestionTime: 1764561601000 + i }));

interface Harness {
    deps: TaskRunnerDeps;
    ledger: FileLedger;
    lines: string[];
    progress: string[];
    clock: { t: number };
}

function harness(overrides: Partial<TaskRunnerDeps> = {}): Harness {
    const ledger = new FileLedger(tempDir("bbws-task-"), () => undefined);
    const lines: string[] = [];
    const progress: string[] = [];
    const clock = { t: Date.parse("2026-12-01T10:00:00Z") };
    const deps: TaskRunnerDeps = {
        aws: {
            ecs: new ECSClient({ region: REGION }),
            logs: new CloudWatchLogsClient({ region: REGION }),
            s3: new S3Client({ region: REGION }),
        },
        ledger,
        now: () => clock.t,
        sleep: async (ms) => {
            clock.t += ms;
        },
        randomId: () => "3f9a1c",
        line: (t) => lines.push(t),
        progress: (t) => progress.push(t),
        interrupted: async () => {
            throw new Error("unexpected question");
        },
        pollMs: 5000,
        ...overrides,
    };
    return { deps, ledger, lines, progress, clock };
}

const request = (extra: Partial<OneOffTaskRequest> = {}): OneOffTaskRequest => ({
    env: ENV,
    target: { kind: "tenant", tenant: TENANT },
    command: ["wp", "search-replace", "http://old.example", "https://new.example", "--all-tables"],
    outputs: OUTPUTS,
    operator: `arn:aws:sts::${ACCOUNT}:assumed-role/ops/alice`,
    timeoutMs: 4 * 3600_000,
    ...extra,
});

const records = (h: Harness): Promise<TaskRecord[]> => h.ledger.readTasks(ENV);

beforeEach(() => {
    ecs.reset();
    logs.reset();
    s3.reset();
    ecs.on(RunTaskCommand).resolves({ tasks: [task("PROVISIONING")], failures: [] });
    ecs.on(StopTaskCommand).resolves({ task: task("RUNNING", { desiredStatus: "STOPPED" }) });
});

describe("one-off tasks: what RunTask is asked", () => {
    it("runs the tenant's task definition on Fargate in the private subnets with its groups, no public IP, the argv as command", () => {
        fc.assert(
            fc.property(
                fc.array(fc.string({ maxLength: 60 }), { minLength: 1, maxLength: 20 }),
                fc.constantFrom(...TENANTS),
                (argv, tenant) => {
                    const input = runTaskInput({
                        tasks: OUTPUTS.oneOffTasks,
                        task: OUTPUTS.oneOffTasks.tenants[tenant],
                        command: argv,
                        runId: "20261201T100000Z-3f9a1c",
                        deadline: Date.parse("2026-12-01T14:00:00Z"),
                    });
                    expect(input.launchType).to.equal("FARGATE");
                    expect(input.taskDefinition).to.equal(OUTPUTS.oneOffTasks.tenants[tenant].taskDefinitionArn);
                    expect(input.networkConfiguration?.awsvpcConfiguration).to.deep.equal({
                        subnets: OUTPUTS.oneOffTasks.subnetIds,
                        securityGroups: OUTPUTS.oneOffTasks.tenants[tenant].securityGroupIds,
                        assignPublicIp: "DISABLED",
                    });
                    expect(input.overrides?.containerOverrides?.[0].command).to.deep.equal(argv);
                    expect(input.startedBy).to.match(/^[A-Za-z0-9/_-]{1,128}$/);
                },
            ),
        );
    });

    it("runs a premium tenant's task in its own VPC's private subnets, which the stack output names with its task (ECS API reference, AwsVpcConfiguration: the groups must be of the subnets' VPC)", () => {
        const raw = stackOutputs(ENV, TENANTS) as { ecs: { oneOffTasks: any } };
        const premium = TENANTS[0];
        const own = ["subnet-0ee1", "subnet-0ff2"];
        raw.ecs.oneOffTasks.tenants[premium] = { ...raw.ecs.oneOffTasks.tenants[premium], subnetIds: own };
        // The contract keeps the key through its schema, which drops keys it does not name.
        const outputs = readTaskOutputs(raw, ENV);
        const subnetsOf = (tenant: string) =>
            runTaskInput({
                tasks: outputs.oneOffTasks,
                task: outputs.oneOffTasks.tenants[tenant],
                command: ["true"],
                runId: "20261201T100000Z-3f9a1c",
                deadline: 0,
            }).networkConfiguration?.awsvpcConfiguration?.subnets;
        expect(subnetsOf(premium)).to.deep.equal(own);
        for (const basic of TENANTS.slice(1)) expect(subnetsOf(basic)).to.deep.equal(outputs.oneOffTasks.subnetIds);
        const platform = runTaskInput({
            tasks: outputs.oneOffTasks,
            task: outputs.oneOffTasks.platform,
            command: ["true"],
            runId: "20261201T100000Z-3f9a1c",
            deadline: 0,
        });
        expect(platform.networkConfiguration?.awsvpcConfiguration?.subnets).to.deep.equal(outputs.oneOffTasks.subnetIds);
    });

    it("refuses (exit 2) overrides over ECS's 8192 characters, JSON included (RunTask API reference, `overrides`)", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 20000 }), (n) => {
                const parts = {
                    tasks: OUTPUTS.oneOffTasks,
                    task: DEFINITION,
                    command: ["x".repeat(n)],
                    runId: "20261201T100000Z-3f9a1c",
                    deadline: 0,
                };
                const size = JSON.stringify({
                    containerOverrides: [
                        {
                            name: "migration",
                            command: parts.command,
                            environment: [
                                { name: "BBWS_RUN_ID", value: parts.runId },
                                { name: "BBWS_DEADLINE", value: new Date(0).toISOString() },
                            ],
                        },
                    ],
                }).length;
                if (size <= MAX_OVERRIDES_CHARS) expect(() => runTaskInput(parts)).not.to.throw();
                else expect(() => runTaskInput(parts)).to.throw(/at most 8192/);
            }),
            { numRuns: 200 },
        );
    });

    it("reads --timeout as hours, minutes and seconds up to 24h, refusing zero, more, and other forms", () => {
        expect(parseTimeout("90m")).to.equal(90 * 60_000);
        expect(parseTimeout("8h")).to.equal(8 * 3600_000);
        expect(parseTimeout("1h30m")).to.equal(90 * 60_000);
        for (const bad of ["0m", "25h", "8", "1.5h", "30m1h", "-1h", ""]) expect(() => parseTimeout(bad), bad).to.throw(/--timeout/);
    });
});

describe("one-off tasks: following a task to its end", () => {
    it("exits with the container's exit code 3, every log line printed once, and records start and end with the same run id", async () => {
        ecs.on(DescribeTasksCommand)
            .resolvesOnce({ tasks: [task("RUNNING")] })
            .resolves({ tasks: [exited(3)] });
        logs.on(GetLogEventsCommand)
            .resolvesOnce({ events: events("importing"), nextForwardToken: "f/1" })
            .resolvesOnce({ events: [], nextForwardToken: "f/1" })
            .resolvesOnce({ events: events("ERROR 1045: access denied"), nextForwardToken: "f/2" })
            .resolves({ events: [], nextForwardToken: "f/2" });
        const h = harness();
        const result = await runOneOffTask(h.deps, request());
        expect(result.exitCode).to.equal(3);
        expect(result.outcome).to.equal("exited");
        expect(h.lines).to.deep.equal(["importing", "ERROR 1045: access denied"]);
        const [started, ended] = await records(h);
        expect(started).to.include({
            event: "started",
            taskArn: TASK_ARN,
            tenant: TENANT,
            platform: false,
            attach: `npm run task -- --env sit --attach ${TASK_ID}`,
        });
        expect(ended).to.include({
            event: "ended",
            runId: started.runId,
            outcome: "exited",
            exitCode: 3,
            stopCode: "EssentialContainerExited",
        });
        expect(ended.command).to.deep.equal(request().command);
        const get = logs.commandCalls(GetLogEventsCommand)[0].args[0].input;
        expect(get).to.deep.equal({
            logGroupName: DEFINITION.logGroupName,
            logStreamName: STREAM,
            startFromHead: true,
            nextToken: undefined,
        });
    });

    it("never started (CannotPullContainerError): exit 1 with stopCode and stoppedReason, no log stream ever, recorded as never-started", async () => {
        const reason =
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123.dkr.ecr/bbws/migration:1.4.2: not found";
        ecs.on(DescribeTasksCommand)
            .resolvesOnce({ tasks: [task("PENDING")] })
            .resolves({ tasks: [task("STOPPED", { stopCode: "TaskFailedToStart", stoppedReason: reason }, { reason })] });
        logs.on(GetLogEventsCommand).rejects(notFound());
        const h = harness();
        const result = await runOneOffTask(h.deps, request());
        expect(result).to.include({ exitCode: 1, outcome: "never-started", stopCode: "TaskFailedToStart", stoppedReason: reason });
        expect(h.lines).to.deep.equal([]);
        expect(h.progress.join("\n")).to.include(`never started: TaskFailedToStart: ${reason}`);
        expect((await records(h))[1])
            .to.include({ outcome: "never-started", stopCode: "TaskFailedToStart" })
            .and.not.have.property("exitCode");
    });

    it("the log stream appears late: ResourceNotFoundException until the container starts is waited out, not an error", async () => {
        ecs.on(DescribeTasksCommand)
            .resolvesOnce({ tasks: [task("PROVISIONING")] })
            .resolvesOnce({ tasks: [task("PENDING")] })
            .resolvesOnce({ tasks: [task("RUNNING")] })
            .resolves({ tasks: [exited(0)] });
        logs.on(GetLogEventsCommand)
            .rejectsOnce(notFound())
            .rejectsOnce(notFound())
            .resolvesOnce({ events: events("line 1", "line 2"), nextForwardToken: "f/2" })
            .resolves({ events: [], nextForwardToken: "f/2" });
        const h = harness();
        expect((await runOneOffTask(h.deps, request())).exitCode).to.equal(0);
        expect(h.lines).to.deep.equal(["line 1", "line 2"]);
        expect(logs.commandCalls(GetLogEventsCommand)[3].args[0].input.nextToken).to.equal("f/2");
    });

    it("after STOPPED, reads the log until two reads in a row are empty (the awslogs driver's last lines come after the exit), for at most 15 s", async () => {
        ecs.on(DescribeTasksCommand)
            .resolvesOnce({ tasks: [task("RUNNING")] })
            .resolves({ tasks: [exited(0)] });
        logs.on(GetLogEventsCommand)
            .resolvesOnce({ events: events("start"), nextForwardToken: "f/1" })
            .resolvesOnce({ events: [], nextForwardToken: "f/1" })
            .resolvesOnce({ events: [], nextForwardToken: "f/1" })
            .resolvesOnce({ events: events("last line"), nextForwardToken: "f/2" })
            .resolves({ events: [], nextForwardToken: "f/2" });
        const h = harness();
        expect((await runOneOffTask(h.deps, request())).exitCode).to.equal(0);
        expect(h.lines).to.deep.equal(["start", "last line"]);

        ecs.reset();
        logs.reset();
        ecs.on(RunTaskCommand).resolves({ tasks: [task("PROVISIONING")], failures: [] });
        ecs.on(DescribeTasksCommand).resolves({ tasks: [exited(0)] });
        // Every read brings one new line (a page with it, then the end-of-stream page with the same token).
        let calls = 0;
        logs.on(GetLogEventsCommand).callsFake(() => {
            const n = Math.ceil(++calls / 2);
            return calls % 2 ? { events: events(`line ${n}`), nextForwardToken: `f/${n}` } : { events: [], nextForwardToken: `f/${n}` };
        });
        const chatty = harness();
        const started = chatty.clock.t;
        await runOneOffTask(chatty.deps, request());
        expect(chatty.clock.t - started).to.be.at.most(DRAIN_MS + 2000);
    });

    it("tells the operator once which log stream is missing when a RUNNING task has written none for a minute", async () => {
        ecs.on(DescribeTasksCommand).callsFake(() => ({
            tasks: [ecs.commandCalls(DescribeTasksCommand).length > 20 ? exited(0) : task("RUNNING")],
        }));
        logs.on(GetLogEventsCommand).rejects(notFound());
        const h = harness();
        await runOneOffTask(h.deps, request());
        const warnings = h.progress.filter((p) => p.startsWith("no log stream"));
        expect(warnings).to.deep.equal([
            `no log stream ${DEFINITION.logGroupName}/${STREAM} yet, though the task is RUNNING: ` +
                "the container may not log to stdout, or its awslogs options may not match the stack output",
        ]);
        expect(STREAM_WARNING_POLLS * 5000).to.equal(60_000);
    });

    it("a RunTask that places no task (failures: RESOURCE:ENI) ends with exit 1 naming ECS RunTask, recorded as not-started", async () => {
        ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: "RESOURCE:ENI", detail: "no ENI" }] });
        const h = harness();
        const err = await runOneOffTask(h.deps, request()).catch((e) => e);
        expect(err).to.include({ code: "aws-error", exitCode: 1 });
        expect(err.message).to.equal("ECS RunTask failed: RESOURCE:ENI: no ENI");
        expect(await records(h))
            .to.have.length(1)
            .and.to.have.nested.property("[0].outcome", "not-started");
    });

    it("RunTask carries clientToken = the run id (ECS idempotency: a retried RunTask whose answer was lost starts no second task)", async () => {
        ecs.on(DescribeTasksCommand).resolves({ tasks: [exited(0)] });
        logs.on(GetLogEventsCommand).resolves({ events: [], nextForwardToken: "f/0" });
        const h = harness();
        const result = await runOneOffTask(h.deps, request());
        const input = ecs.commandCalls(RunTaskCommand)[0].args[0].input;
        expect(input.clientToken).to.equal(result.runId);
        // RunTask API reference, clientToken: "Up to 64 ASCII characters are allowed".
        expect(input.clientToken).to.match(/^[\x20-\x7e]{1,64}$/);
    });

    it("--detach --timeout: the container gets BBWS_DEADLINE (ISO-8601), counted from RunTask after staging, equal to the record's deadline", async () => {
        const h = harness({ partSize: 5 * 1024 * 1024 });
        const dir = tempDir("bbws-stage-");
        fs.writeFileSync(path.join(dir, "a.sql"), "select 1;\n");
        s3.on(PutObjectCommand).callsFake(() => {
            h.clock.t += 30 * 60_000; // a half-hour upload
            return { ETag: '"a"' };
        });
        await runOneOffTask(h.deps, request({ detach: true, timeoutMs: 3600_000, stage: listStageFiles(dir) }));
        const env = ecs.commandCalls(RunTaskCommand)[0].args[0].input.overrides?.containerOverrides?.[0].environment;
        const deadline = env?.find((e) => e.name === "BBWS_DEADLINE")?.value;
        expect(deadline).to.equal("2026-12-01T11:30:00.000Z");
        expect((await records(h))[0]).to.include({ event: "started", deadline });
    });

    it("RunTask with no answer (a timeout after the SDK's retries): recorded start-unknown, and the ListTasks --started-by check is printed", async () => {
        const timeout = Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
        ecs.on(RunTaskCommand).rejects(timeout);
        const h = harness();
        const err = await runOneOffTask(h.deps, request()).catch((e) => e);
        expect(err).to.include({ code: "aws-error", exitCode: 1 });
        const [ended] = await records(h);
        expect(ended).to.include({ event: "ended", outcome: "start-unknown" });
        expect(h.progress.join("\n")).to.include(
            `aws ecs list-tasks --cluster ${OUTPUTS.oneOffTasks.clusterArn} --started-by bbws-task/${ended.runId}`,
        );
    });

    it("RunTask refused with a 4xx (AccessDenied): recorded not-started, nothing runs", async () => {
        ecs.on(RunTaskCommand).rejects(new AccessDeniedException({ $metadata: { httpStatusCode: 400 }, message: "no ecs:RunTask" }));
        const h = harness();
        await runOneOffTask(h.deps, request()).catch((e) => e);
        expect((await records(h))[0]).to.include({ outcome: "not-started" });
        expect(h.progress.join("\n")).to.include("ECS refused RunTask: no task started");
    });

    it("an AWS error mid-run (AccessDenied on DescribeTasks) ends with service, operation and message; the started record and the attach command remain", async () => {
        ecs.on(DescribeTasksCommand).rejects(
            new AccessDeniedException({ $metadata: { httpStatusCode: 400 }, message: "not authorized to perform ecs:DescribeTasks" }),
        );
        const h = harness();
        const err = await runOneOffTask(h.deps, request()).catch((e) => e);
        expect(err.message).to.equal("ECS DescribeTasks failed: AccessDeniedException: not authorized to perform ecs:DescribeTasks");
        expect(err.exitCode).to.equal(1);
        const kept = await records(h);
        expect(kept.map((r) => r.event)).to.deep.equal(["started"]);
        expect(kept[0].attach).to.equal(`npm run task -- --env sit --attach ${TASK_ID}`);
        expect(h.progress.at(-1)).to.include(`--attach ${TASK_ID}`);
    });

    it("--timeout: at the deadline the runner calls StopTask, and the run exits 124 recorded as timed-out", async () => {
        ecs.on(DescribeTasksCommand).resolves({ tasks: [task("RUNNING")] });
        ecs.on(StopTaskCommand).callsFake(() => {
            ecs.on(DescribeTasksCommand).resolves({
                tasks: [
                    task("STOPPED", { stopCode: "UserInitiated", stoppedReason: "timed out (npm run task --timeout)" }, { exitCode: 143 }),
                ],
            });
            return { task: task("RUNNING") };
        });
        logs.on(GetLogEventsCommand).resolves({ events: [], nextForwardToken: "f/0" });
        const h = harness();
        const result = await runOneOffTask(h.deps, request({ timeoutMs: 60_000 }));
        expect(result).to.include({ exitCode: EXIT_TIMED_OUT, outcome: "timed-out", containerExitCode: 143 });
        expect(ecs.commandCalls(StopTaskCommand)[0].args[0].input).to.deep.equal({
            cluster: OUTPUTS.oneOffTasks.clusterArn,
            task: TASK_ARN,
            reason: "timed out (npm run task --timeout)",
        });
        expect(h.clock.t - Date.parse("2026-12-01T10:00:00Z")).to.be.within(60_000, 70_000);
        expect((await records(h))[1]).to.include({ outcome: "timed-out", exitCode: 143 });
    });
});

describe("one-off tasks: Ctrl-C", () => {
    function interruptedWhileRunning(choice: "stop" | "detach") {
        const controller = new AbortController();
        ecs.on(DescribeTasksCommand).callsFake(() => {
            controller.abort();
            return { tasks: [task("RUNNING")] };
        });
        ecs.on(StopTaskCommand).callsFake(() => {
            ecs.on(DescribeTasksCommand).resolves({ tasks: [task("STOPPED", { stopCode: "UserInitiated" }, { exitCode: 143 })] });
            return { task: task("RUNNING") };
        });
        logs.on(GetLogEventsCommand).resolves({ events: [], nextForwardToken: "f/0" });
        const asked: string[] = [];
        const h = harness({ signal: controller.signal, interrupted: async () => (asked.push(choice), choice) });
        return { h, asked };
    }

    it("→ stop: asks once, calls StopTask with the operator's reason, waits for STOPPED, exits 130 recorded as stopped", async () => {
        const { h, asked } = interruptedWhileRunning("stop");
        const result = await runOneOffTask(h.deps, request());
        expect(asked).to.have.length(1);
        expect(ecs.commandCalls(StopTaskCommand)[0].args[0].input.reason).to.equal("stopped by the operator (npm run task, Ctrl-C)");
        expect(result).to.include({ exitCode: EXIT_INTERRUPTED, outcome: "stopped" });
        expect((await records(h)).map((r) => r.outcome ?? r.event)).to.deep.equal(["started", "stopped"]);
    });

    it("→ stop, when the task had already exited on its own (stopCode EssentialContainerExited, ECS API `Task.stopCode`): the container's exit code, not 130", async () => {
        const { h } = interruptedWhileRunning("stop");
        ecs.on(StopTaskCommand).callsFake(() => {
            ecs.on(DescribeTasksCommand).resolves({ tasks: [exited(0)] });
            return { task: exited(0) };
        });
        const result = await runOneOffTask(h.deps, request());
        expect(result).to.include({ exitCode: 0, outcome: "exited" });
    });

    it("→ detach: no StopTask, exits 130, the record stays `started` with the attach command; --attach later completes it", async () => {
        const { h } = interruptedWhileRunning("detach");
        const result = await runOneOffTask(h.deps, request());
        expect(result).to.include({ outcome: "detached", exitCode: EXIT_INTERRUPTED });
        expect(ecs.commandCalls(StopTaskCommand)).to.have.length(0);
        expect((await records(h)).map((r) => r.event)).to.deep.equal(["started"]);
        expect(h.progress.at(-1)).to.equal(
            `detached: task ${TASK_ID} runs on; follow it again with: npm run task -- --env sit --attach ${TASK_ID}`,
        );

        ecs.reset();
        logs.reset();
        ecs.on(DescribeTasksCommand)
            .resolvesOnce({ tasks: [task("RUNNING")] })
            .resolvesOnce({ tasks: [task("RUNNING")] })
            .resolves({ tasks: [exited(0)] });
        logs.on(GetLogEventsCommand)
            .resolvesOnce({ events: events("done"), nextForwardToken: "f/1" })
            .resolves({ events: [], nextForwardToken: "f/1" });
        const later = harness({ ledger: h.ledger });
        const attached = await attachOneOffTask({ ...later.deps, ledger: h.ledger }, { env: ENV, task: TASK_ID, outputs: OUTPUTS });
        expect(attached).to.include({ exitCode: 0, outcome: "exited" });
        expect(later.lines).to.deep.equal(["done"]);
        const [started, ended] = await h.ledger.readTasks(ENV);
        expect(ended).to.include({ event: "ended", runId: started.runId, outcome: "exited", exitCode: 0 });
    });

    it("--attach follows a task running an older revision of the family (an ecs rollout moved it since the task started)", async () => {
        const older = DEFINITION.taskDefinitionArn.replace(/:\d+$/, ":1");
        expect(older).to.not.equal(DEFINITION.taskDefinitionArn);
        ecs.on(DescribeTasksCommand).resolves({ tasks: [exited(0)].map((t) => ({ ...t, taskDefinitionArn: older })) });
        logs.on(GetLogEventsCommand).resolves({ events: [], nextForwardToken: "f/0" });
        const h = harness();
        expect(await attachOneOffTask(h.deps, { env: ENV, task: TASK_ID, outputs: OUTPUTS })).to.include({
            exitCode: 0,
            outcome: "exited",
        });
    });

    it("--attach follows a task of another family when this environment's ledger has its started record", async () => {
        ecs.on(DescribeTasksCommand)
            .resolvesOnce({ tasks: [task("PROVISIONING")] })
            .resolvesOnce({ tasks: [task("PROVISIONING")] })
            .resolves({ tasks: [exited(0)] });
        logs.on(GetLogEventsCommand).resolves({ events: [], nextForwardToken: "f/0" });
        const h = harness();
        await runOneOffTask(h.deps, request({ detach: true }));
        ecs.on(DescribeTasksCommand).resolves({
            tasks: [{ ...exited(0), taskDefinitionArn: "arn:aws:ecs:eu-west-1:1:task-definition/bbws-migration-renamed:9" }],
        });
        const attached = await attachOneOffTask(h.deps, { env: ENV, task: TASK_ID, outputs: OUTPUTS });
        expect(attached).to.include({ exitCode: 0, outcome: "exited" });
        expect(logs.commandCalls(GetLogEventsCommand)[0].args[0].input.logStreamName).to.equal(STREAM);
    });

    it("--attach refuses (exit 2) a task ECS does not know, and one that runs another task definition", async () => {
        ecs.on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ arn: TASK_ID, reason: "MISSING" }] });
        const h = harness();
        expect(await attachOneOffTask(h.deps, { env: ENV, task: TASK_ID, outputs: OUTPUTS }).catch((e) => e)).to.include({
            code: "unknown-task",
            exitCode: 2,
        });
        ecs.on(DescribeTasksCommand).resolves({
            tasks: [task("RUNNING", { taskDefinitionArn: "arn:aws:ecs:eu-west-1:1:task-definition/bbws-wordpress-x:1" })],
        });
        expect(await attachOneOffTask(h.deps, { env: ENV, task: TASK_ID, outputs: OUTPUTS }).catch((e) => e)).to.include({
            code: "not-a-one-off-task",
            exitCode: 2,
        });
    });
});

describe("one-off tasks: staging", () => {
    it("uploads every file under tenants/<id>/<run id>/<relative path>, a large one as a multipart upload with progress, and tells the task where", async () => {
        const dir = tempDir("bbws-stage-");
        fs.mkdirSync(path.join(dir, "sql"));
        fs.writeFileSync(path.join(dir, "sql", "import.sql"), "select 1;\n");
        fs.writeFileSync(path.join(dir, "uploads.tar"), Buffer.alloc(11 * 1024 * 1024, 7));
        s3.on(PutObjectCommand).resolves({ ETag: '"a"' });
        s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "u-1", Bucket: OUTPUTS.migrationBucket, Key: "k" });
        s3.on(UploadPartCommand).resolves({ ETag: '"p"' });
        s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"m"' });
        ecs.on(DescribeTasksCommand).resolves({ tasks: [exited(0)] });
        logs.on(GetLogEventsCommand).resolves({ events: [], nextForwardToken: "f/0" });
        const h = harness();
        const result = await runOneOffTask(h.deps, request({ stage: listStageFiles(dir) }));
        const prefix = `tenants/${TENANT}/20261201T100000Z-3f9a1c/`;
        expect(result.stageUri).to.equal(`s3://${OUTPUTS.migrationBucket}/${prefix}`);
        expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).to.deep.equal([`${prefix}sql/import.sql`]);
        expect(s3.commandCalls(CreateMultipartUploadCommand)[0].args[0].input.Key).to.equal(`${prefix}uploads.tar`);
        expect(s3.commandCalls(UploadPartCommand)).to.have.length(3);
        expect(h.progress.filter((l) => l.includes("uploads.tar"))).to.include("  uploads.tar: 11.0 MiB uploaded");
        const env = ecs.commandCalls(RunTaskCommand)[0].args[0].input.overrides?.containerOverrides?.[0].environment;
        expect(env).to.deep.include({ name: "MIGRATION_STAGE_URI", value: result.stageUri });
        expect((await records(h))[0].stageUri).to.equal(result.stageUri);
    });
});

describe("one-off tasks: Ctrl-C while staging", () => {
    it("aborts the upload under way, starts nothing (no RunTask), exits 130 and records not-started", async () => {
        const dir = tempDir("bbws-stage-");
        fs.writeFileSync(path.join(dir, "a.sql"), "select 1;\n");
        fs.writeFileSync(path.join(dir, "uploads.tar"), Buffer.alloc(11 * 1024 * 1024, 7));
        fs.writeFileSync(path.join(dir, "z.sql"), "select 2;\n");
        const controller = new AbortController();
        s3.on(PutObjectCommand).resolves({ ETag: '"a"' });
        s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "u-1", Bucket: OUTPUTS.migrationBucket, Key: "k" });
        // Ctrl-C arrives while the parts are uploading; S3 answers never come.
        s3.on(UploadPartCommand).callsFake(() => {
            controller.abort();
            return new Promise(() => undefined);
        });
        const h = harness({ signal: controller.signal });
        const result = await runOneOffTask(h.deps, request({ stage: listStageFiles(dir) }));
        expect(result).to.include({ outcome: "not-started", exitCode: EXIT_INTERRUPTED });
        expect(ecs.commandCalls(RunTaskCommand)).to.have.length(0);
        expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).to.deep.equal([
            `${result.stageUri!.split("/").slice(3).join("/")}a.sql`,
        ]);
        expect(s3.commandCalls(CompleteMultipartUploadCommand)).to.have.length(0);
        expect(h.progress.at(-1)).to.include("nothing started");
        expect((await records(h))[0]).to.include({ event: "ended", outcome: "not-started" });
    });

    it("a Ctrl-C after staging, before RunTask, still starts nothing", async () => {
        const controller = new AbortController();
        controller.abort();
        const h = harness({ signal: controller.signal });
        const result = await runOneOffTask(h.deps, request());
        expect(result).to.include({ outcome: "not-started", exitCode: EXIT_INTERRUPTED });
        expect(ecs.commandCalls(RunTaskCommand)).to.have.length(0);
    });
});

describe("one-off tasks: the SDK's retry on throttling (a real ECS client, scripted HTTP answers)", () => {
    it("is adaptive with 8 attempts, and a DescribeTasks throttled twice then answered succeeds", async () => {
        const configured = (await createTaskAws(REGION)).ecs as ECSClient;
        expect(await configured.config.maxAttempts()).to.equal(MAX_ATTEMPTS);
        const mode = configured.config.retryMode;
        expect(typeof mode === "function" ? await mode() : mode).to.equal(RETRY_MODE);
        const { Readable } = await import("stream");
        const answers = [
            { statusCode: 400, body: { __type: "ThrottlingException", message: "Rate exceeded" } },
            { statusCode: 400, body: { __type: "ThrottlingException", message: "Rate exceeded" } },
            { statusCode: 200, body: { tasks: [exited(0)], failures: [] } },
        ];
        let calls = 0;
        const client = new ECSClient({
            region: REGION,
            maxAttempts: MAX_ATTEMPTS,
            retryMode: RETRY_MODE,
            credentials: { accessKeyId: "test", secretAccessKey: "test" },
            requestHandler: {
                handle: async () => {
                    const a = answers[Math.min(calls++, answers.length - 1)];
                    return {
                        response: {
                            statusCode: a.statusCode,
                            headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": `r-${calls}` },
                            body: Readable.from([Buffer.from(JSON.stringify(a.body))]),
                        },
                    };
                },
            },
        });
        // ECSClient.prototype.send is the mock's stub; the SDK's own send (and its retry middleware) is the base class's.
        const sdkSend = Object.getPrototypeOf(ECSClient.prototype).send as (
            command: DescribeTasksCommand,
        ) => Promise<DescribeTasksCommandOutput>;
        const answer = await sdkSend.call(client, new DescribeTasksCommand({ cluster: "c", tasks: [TASK_ARN] }));
        expect(calls).to.equal(3);
        expect(answer.tasks?.[0].containers?.[0].exitCode).to.equal(0);
    });
});

describe("npm run task: bad input exits 2 and starts nothing", () => {
    const cfg = configFor(ENV);
    const cliDeps = (extra: Partial<TaskCliDeps> = {}): Partial<TaskCliDeps> => ({
        projectDir: PROJECT_DIR,
        cwd: tempDir("bbws-task-cwd-"),
        readOutputs: async () => stackOutputs(ENV, TENANTS),
        aws: async () => ({
            ecs: new ECSClient({ region: REGION }),
            logs: new CloudWatchLogsClient({ region: REGION }),
            s3: new S3Client({ region: REGION }),
            sts: { send: async () => ({ Account: cfg.accountId, Arn: `arn:aws:sts::${cfg.accountId}:assumed-role/ops/alice` }) } as any,
        }),
        ...extra,
    });
    const cases: Array<[string, string[], RegExp, Partial<TaskCliDeps>?]> = [
        ["a command missing after --", ["--env", ENV, "--tenant", TENANT], /no command after --/],
        ["a command missing after a bare --", ["--env", ENV, "--tenant", TENANT, "--"], /no command after --/],
        ["an unknown environment", ["--env", "qa", "--tenant", TENANT, "--", "true"], /unknown environment 'qa'/],
        ["an unknown tenant", ["--env", ENV, "--tenant", "nobody", "--", "true"], /sit has no tenant 'nobody'/],
        ["neither --tenant nor --platform", ["--env", ENV, "--", "true"], /--tenant <id> or --platform/],
        ["both --tenant and --platform", ["--env", ENV, "--tenant", TENANT, "--platform", "--", "true"], /exclude each other/],
        [
            "a stage folder that does not exist",
            ["--env", ENV, "--tenant", TENANT, "--stage", "./nope", "--", "true"],
            /--stage .*nope does not exist/,
        ],
        ["--attach with a command", ["--env", ENV, "--attach", TASK_ID, "--", "true"], /takes no a command after --/],
        [
            "an --on-signal that is not stop, detach or ask",
            ["--env", ENV, "--tenant", TENANT, "--on-signal", "kill", "--", "true"],
            /on-signal/,
        ],
        ["--attach with something not a task id", ["--env", ENV, "--attach", "abc"], /not an ECS task id/],
        [
            "a timeout over 24h",
            ["--env", ENV, "--tenant", TENANT, "--timeout", "30h", "--", "true"],
            /between 1s and 1d|between 1s and 24h/,
        ],
        [
            "credentials for another account",
            ["--env", ENV, "--tenant", TENANT, "--", "true"],
            /AWS credentials are for account 111111111111/,
            {
                aws: async () =>
                    ({
                        sts: { send: async () => ({ Account: "111111111111", Arn: "arn:aws:sts::111111111111:assumed-role/x/y" }) },
                    }) as any,
            },
        ],
        [
            "a stack that does not export ecs.oneOffTasks",
            ["--env", ENV, "--tenant", TENANT, "--", "true"],
            /does not export what one-off tasks need/,
            { readOutputs: async () => ({ ecs: { clusterName: "bbws-sit" } }) },
        ],
    ];
    for (const [what, argv, message, extra] of cases) {
        it(what, async () => {
            const io = memoryIo();
            expect(await main(argv, io, cliDeps(extra))).to.equal(2);
            expect(io.stderr.join("\n")).to.match(message);
            expect(ecs.commandCalls(RunTaskCommand)).to.have.length(0);
            expect(s3.calls()).to.have.length(0);
        });
    }

    it("passes the argv after -- untouched: quotes, spaces and shell characters reach ECS as written", async () => {
        ecs.on(DescribeTasksCommand).resolves({ tasks: [exited(0)] });
        logs.on(GetLogEventsCommand).resolves({ events: [], nextForwardToken: "f/0" });
        const command = ["wp", "eval", "echo 'it''s'; $x = \"a b\" | tee /dev/null && `id`"];
        const io = memoryIo();
        const code = await main(["--env", ENV, "--tenant", TENANT, "--json", "--", ...command], io, {
            ...cliDeps(),
            sleep: async () => undefined,
        });
        expect(code).to.equal(0);
        expect(ecs.commandCalls(RunTaskCommand)[0].args[0].input.overrides?.containerOverrides?.[0].command).to.deep.equal(command);
        expect(JSON.parse(io.stdout.join(""))).to.include({ env: ENV, outcome: "exited", exitCode: 0 });
    });

    for (const [flags, stops, code] of [
        [["--on-signal", "stop"], 1, EXIT_INTERRUPTED],
        [["--on-signal", "detach"], 0, EXIT_INTERRUPTED],
        [[], 0, EXIT_INTERRUPTED],
    ] as const) {
        it(`without a terminal, a signal ${flags.length ? `with ${flags.join(" ")}` : "without --on-signal"} ${stops ? "stops the task (StopTask)" : "detaches"}: CI's SIGINT must not leave a task nobody follows`, async () => {
            const controller = new AbortController();
            ecs.on(DescribeTasksCommand).callsFake(() => {
                controller.abort();
                return { tasks: [task("RUNNING")] };
            });
            ecs.on(StopTaskCommand).callsFake(() => {
                ecs.on(DescribeTasksCommand).resolves({ tasks: [task("STOPPED", { stopCode: "UserInitiated" }, { exitCode: 143 })] });
                return { task: task("RUNNING") };
            });
            logs.on(GetLogEventsCommand).resolves({ events: [], nextForwardToken: "f/0" });
            const io = memoryIo();
            const argv = ["--env", ENV, "--tenant", TENANT, ...flags, "--", "true"];
            expect(await main(argv, io, { ...cliDeps(), sleep: async () => undefined, signal: controller.signal })).to.equal(code);
            expect(ecs.commandCalls(StopTaskCommand)).to.have.length(stops);
        });
    }

    it("an InvalidParameterException from RunTask ends with exit 1 naming ECS RunTask and AWS's message", async () => {
        ecs.on(RunTaskCommand).rejects(
            new InvalidParameterException({
                $metadata: { httpStatusCode: 400 },
                message: "No Container Instances were found in your cluster.",
            }),
        );
        const io = memoryIo();
        expect(await main(["--env", ENV, "--platform", "--", "true"], io, cliDeps())).to.equal(1);
        expect(io.stderr.join("\n")).to.include(
            "error: ECS RunTask failed: InvalidParameterException: No Container Instances were found in your cluster.",
        );
    });
});
