/**
 * `npm run verify -- --in-vpc`: the runbook's connectivity check (tests 9 and 11) as a platform
 * one-off task through the task runner, reported as two database checks.
 */
import { expect } from "chai";
import { DescribeTasksCommand, ECSClient, RunTaskCommand } from "@aws-sdk/client-ecs";
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { S3Client } from "@aws-sdk/client-s3";
import { memoryIo } from "../../automation/io";
import { main } from "../../automation/verify-cli";
import { IN_VPC_COMMAND, inVpcResults } from "../../automation/verify/in-vpc";
import { createClients } from "../../automation/verify/clients";
import { configFor, PROJECT_DIR } from "../support/pulumi";
import { tempDir } from "../support/temp";
import { healthyProbe, mockHealthyEnvironment, outputsFor } from "./verify/fixtures";
import { stackOutputs, taskMocks } from "./task-fixtures";

const cfg = configFor("sit");
const outputs = { ...outputsFor(cfg) } as Record<string, any>;
const extra = stackOutputs(
    "sit",
    cfg.tenants.map((t) => t.id),
) as Record<string, any>;
outputs.ecs = { ...outputs.ecs, oneOffTasks: extra.ecs.oneOffTasks };
const TASK_ARN = "arn:aws:ecs:eu-west-1:815856636111:task/bbws-sit/0f6c2e1d3a9b4c5d8e7f6a5b4c3d2e1f";

describe("npm run verify -- --in-vpc", () => {
    it("connects with TLS that verifies the server's name and CA, and to Redis with TLS and AUTH, passwords never in argv", () => {
        const script = IN_VPC_COMMAND[2];
        expect(IN_VPC_COMMAND.slice(0, 2)).to.deep.equal(["sh", "-c"]);
        expect(script).to.include('--ssl-mode=VERIFY_IDENTITY --ssl-ca="$DB_SSL_CA"');
        expect(script).to.include('MYSQL_PWD="$DB_PASSWORD" mysql');
        expect(script).to.include('REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --tls --user "$REDIS_USERNAME"');
        expect(script).not.to.match(/--password|-a "\$REDIS/);
    });

    it("reads each verdict from the log; a task that never started fails both, naming why", () => {
        const ok = inVpcResults({ outcome: "exited", taskId: "t1" }, [
            "BBWS-CHECK aurora pass Ssl_version\tTLSv1.3",
            "BBWS-CHECK redis fail NOAUTH",
        ]);
        expect(ok.map((c) => [c.id, c.status])).to.deep.equal([
            ["database-aurora-tls-from-vpc", "pass"],
            ["database-redis-auth-from-vpc", "fail"],
        ]);
        const never = inVpcResults(
            { outcome: "never-started", stopCode: "TaskFailedToStart", stoppedReason: "ResourceInitializationError: x", taskId: "t2" },
            [],
        );
        expect(never.every((c) => c.status === "fail" && c.detail.includes("ResourceInitializationError"))).to.equal(true);
    });

    it("runs the platform task, prints both checks in the report, and fails (exit 1) when one connection fails", async () => {
        mockHealthyEnvironment(cfg, outputs as any);
        const { ecs, logs } = taskMocks;
        logs.reset();
        ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: "PROVISIONING" }], failures: [] });
        ecs.on(DescribeTasksCommand).resolves({
            tasks: [
                {
                    taskArn: TASK_ARN,
                    lastStatus: "STOPPED",
                    stopCode: "EssentialContainerExited",
                    containers: [{ name: "migration", exitCode: 0 }],
                },
            ],
        });
        logs.on(GetLogEventsCommand)
            .resolvesOnce({
                events: [
                    { message: "BBWS-CHECK aurora pass Ssl_version\tTLSv1.3" },
                    { message: "BBWS-CHECK redis fail (error) NOAUTH Authentication required." },
                ],
                nextForwardToken: "f/2",
            })
            .resolves({ events: [], nextForwardToken: "f/2" });
        const io = memoryIo();
        const code = await main(["--env", "sit", "--phase", "database", "--in-vpc", "--format", "json"], io, {
            projectDir: tempProject(),
            readOutputs: async () => outputs,
            sts: async () => ({ send: async () => ({ Account: cfg.accountId, Arn: `arn:aws:iam::${cfg.accountId}:user/ops` }) }) as any,
            verify: { clients: createClients(cfg.region), probe: healthyProbe, retry: { sleep: async () => undefined } },
            task: async () => ({ ecs: new ECSClient({}), logs: new CloudWatchLogsClient({}), s3: new S3Client({}), sts: {} as any }),
            sleep: async () => undefined,
        });
        expect(code).to.equal(1);
        const report = JSON.parse(io.stdout.join(""));
        const checks = report.checks.filter((c: { id: string }) => c.id.endsWith("-from-vpc"));
        expect(checks.map((c: { id: string; status: string }) => [c.id, c.status])).to.deep.equal([
            ["database-aurora-tls-from-vpc", "pass"],
            ["database-redis-auth-from-vpc", "fail"],
        ]);
        expect(ecs.commandCalls(RunTaskCommand)[0].args[0].input.taskDefinition).to.equal(extra.ecs.oneOffTasks.platform.taskDefinitionArn);
    });
});

/** The project's stack files in a folder of their own, so the check's ledger record lands there. */
function tempProject(): string {
    const dir = tempDir("bbws-verify-in-vpc-");
    const fs = require("fs") as typeof import("fs");
    const path = require("path") as typeof import("path");
    for (const f of fs.readdirSync(PROJECT_DIR).filter((x: string) => /^Pulumi(\.[^.]+)?\.yaml$/.test(x))) {
        fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(dir, f));
    }
    return dir;
}
