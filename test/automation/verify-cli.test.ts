import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { GetBucketVersioningCommand } from "@aws-sdk/client-s3";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { PHASE_NAMES } from "../../src/phases";
import { EXIT } from "../../automation/errors";
import { memoryIo } from "../../automation/io";
import { automationOutputs, main, VerifyCliDeps } from "../../automation/verify-cli";
import { CHECKS } from "../../automation/verify";
import { createClients } from "../../automation/verify/clients";
import { configFor, PROJECT_DIR } from "../support/pulumi";
import { healthyProbe, mockHealthyEnvironment, mocks, outputsFor } from "./verify/fixtures";

const cfg = configFor("sit");
const outputs = outputsFor(cfg);

function deps(overrides: Partial<VerifyCliDeps> = {}): Partial<VerifyCliDeps> {
    return {
        projectDir: PROJECT_DIR,
        readOutputs: async () => outputs,
        sts: async () => stsAnswering(async () => ({ Account: cfg.accountId, Arn: `arn:aws:iam::${cfg.accountId}:user/ops` })),
        verify: { clients: createClients(cfg.region), probe: healthyProbe, retry: { sleep: async () => undefined } },
        ...overrides,
    };
}

const allCheckIds = PHASE_NAMES.flatMap((p) => CHECKS[p].map((c) => c.id));

/** An STS client whose every call answers with `answer` (GetCallerIdentity is the only one made). */
function stsAnswering(answer: () => Promise<{ Account: string; Arn: string }>): any {
    return { send: answer };
}

describe("npm run verify", () => {
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("exits 0 and prints every check of every phase, in phase order, when sit is healthy", async () => {
        const io = memoryIo();
        expect(await main(["--env", "sit"], io, deps())).to.equal(EXIT.ok);
        const text = io.stdout.join("\n");
        const positions = allCheckIds.map((id) => text.indexOf(id));
        expect(
            positions.every((p) => p >= 0),
            text,
        ).to.equal(true);
        expect(positions).to.deep.equal([...positions].sort((a, b) => a - b));
        expect(text).to.include(`sit: ${allCheckIds.length} checks, ${allCheckIds.length} passed, 0 warned, 0 failed`);
    });

    it("exits 1 when a check fails, and says which in the JSON report", async () => {
        mocks.s3.on(GetBucketVersioningCommand).resolves({ Status: "Suspended" });
        const io = memoryIo();
        expect(await main(["--env", "sit", "--phase", "storage", "--format", "json"], io, deps())).to.equal(EXIT.failed);
        const report = JSON.parse(io.stdout.join(""));
        expect(report.env).to.equal("sit");
        expect(report.checks.map((c: { id: string }) => c.id)).to.deep.equal(CHECKS.storage.map((c) => c.id));
        expect(report.summary).to.deep.equal({ pass: CHECKS.storage.length - 1, warn: 0, fail: 1 });
        expect(report.checks.find((c: { status: string }) => c.status === "fail").id).to.equal("storage-buckets-versioned");
    });

    it("exits 0 when checks only warn, and prints Markdown for a ticket", async () => {
        mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({
            MetricAlarms: (outputs.monitoring.alarmNames as string[]).map((AlarmName, i) => ({
                AlarmName,
                StateValue: i === 0 ? ("ALARM" as const) : ("OK" as const),
            })),
        });
        const io = memoryIo();
        expect(await main(["--env", "sit", "--phase", "monitoring", "--format", "markdown"], io, deps())).to.equal(EXIT.ok);
        const text = io.stdout.join("\n");
        expect(text).to.include("### Verification of sit").and.include("| monitoring | monitoring-alarms-quiet | warn |");
    });

    it("refuses credentials for another account before reading anything, exit 2", async () => {
        const io = memoryIo();
        expect(
            await main(
                ["--env", "sit"],
                io,
                deps({
                    sts: async () => stsAnswering(async () => ({ Account: "093646564004", Arn: "arn:aws:iam::093646564004:user/ops" })),
                }),
            ),
        ).to.equal(EXIT.usage);
        expect(io.stderr.join("\n")).to.include(
            "AWS credentials are for account 093646564004 (arn:aws:iam::093646564004:user/ops), but sit is account 815856636111",
        );
        expect(mocks.ec2.commandCalls(DescribeVpcsCommand)).to.have.length(0);
    });

    it("says so when there are no credentials at all, exit 2", async () => {
        const io = memoryIo();
        const sts = async () =>
            stsAnswering(async () => {
                throw new Error("Could not load credentials from any providers");
            });
        expect(await main(["--env", "sit"], io, deps({ sts }))).to.equal(EXIT.usage);
        expect(io.stderr.join("\n"))
            .to.include("AWS credentials do not work: Could not load credentials from any providers")
            .and.include("fix:");
    });

    for (const [argv, message] of [
        [["--env", "qa"], "unknown environment 'qa'"],
        [["--env", "sit", "--phase", "dns"], "unknown phase 'dns'"],
        [["--env", "sit", "--format", "html"], "Invalid values"],
        [["--phase", "ecs"], "Missing required argument: env"],
    ] as const) {
        it(`exits 2 on \`${argv.join(" ")}\`: ${message}`, async () => {
            const io = memoryIo();
            expect(await main(argv, io, deps())).to.equal(EXIT.usage);
            expect(io.stderr.join("\n")).to.include(message);
            expect(io.stdout).to.be.empty;
        });
    }
});

describe("npm run verify: reading the stack outputs", () => {
    let savedPath: string | undefined;
    let emptyDir: string;
    before(() => {
        savedPath = process.env.PATH;
        emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), "no-pulumi-"));
    });
    after(() => {
        process.env.PATH = savedPath;
        fs.rmSync(emptyDir, { recursive: true, force: true });
    });

    it("says clearly that the Pulumi CLI is missing, exit 2 (real Automation API, no pulumi on PATH)", async () => {
        process.env.PATH = emptyDir;
        const io = memoryIo();
        const code = await main(["--env", "sit"], io, deps({ readOutputs: automationOutputs }));
        process.env.PATH = savedPath;
        expect(code).to.equal(EXIT.usage);
        const text = io.stderr.join("\n");
        expect(text).to.include("the Pulumi CLI is not usable: no `pulumi` executable found").and.include("fix: install the Pulumi CLI");
    });
});
