import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { memoryIo } from "../../automation/io";
import { main, parseApproval } from "../../automation/rollout-cli";
import type { CliDeps } from "../../automation/rollout-deps";
import { serviceQuotasDouble } from "../../automation/quotas";
import { DEFAULT_QUOTAS, QuotaKey, QuotaNeed } from "../../src/policy/rules/quotas-1-default-service-quotas";
import { FakeEngine, FakeEngineOptions } from "../support/fake-engine";
import { COMMIT, configOf, PROJECT_DIR, tempDir, textOf } from "../support/rollout";

describe("rollout CLI", () => {
    const sts = mockClient(STSClient);
    let projectDir: string;
    let engine: FakeEngine;

    beforeEach(() => {
        sts.reset();
        projectDir = tempDir();
        for (const f of fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi(\.[a-z]+)?\.yaml$/.test(f))) {
            fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(projectDir, f));
        }
    });

    async function cli(argv: string[], engineOptions: Partial<FakeEngineOptions> = {}, deps: Partial<CliDeps> = {}) {
        const env = argv[argv.indexOf("--env") + 1];
        const account = ["dev", "sit", "prod"].includes(env) ? configOf(env).accountId : "000000000000";
        sts.on(GetCallerIdentityCommand).resolves({ Account: account, Arn: `arn:aws:sts::${account}:assumed-role/deployer/alice` });
        engine = new FakeEngine({ stack: env, ...engineOptions });
        const io = memoryIo();
        const code = await main(argv, io, {
            projectDir,
            cwd: projectDir,
            createEngine: async () => engine,
            sts: async (region) => new STSClient({ region }),
            git: async () => ({ commit: COMMIT, dirty: false }),
            verify: async () => async () => ({ checks: [] }),
            // The Service Quotas preflight has its own tests below and in quotas.test.ts.
            quotas: undefined,
            ...deps,
        });
        return { code, io, text: textOf(io) };
    }

    it("answers --help with the options and exit codes, exit 0", async () => {
        const { code, io } = await cli(["--help"]);
        expect(code).to.equal(0);
        expect(io.stdout.join("\n"))
            .to.include("--allow-replace")
            .and.include("--preview-only")
            .and.include("--tenant")
            .and.include("3 refused by a gate");
    });

    const usage: Array<[string, string[], RegExp]> = [
        [
            "an unknown flag (one line, not the whole help)",
            ["--env", "sit", "--phase", "network", "--yolo"],
            /^error: Unknown argument: yolo\n  fix: see --help$/,
        ],
        [
            "a switch given 'maybe' (yargs would read it as false)",
            ["--env", "sit", "--phase", "network", "--yes=maybe"],
            /--yes is a switch: it takes no value \(or true\/false\), got 'maybe'/,
        ],
        ["no --env", ["--phase", "network"], /Missing required argument: env/],
        ["no --phase", ["--env", "sit"], /--phase is required/],
        ["an unknown phase", ["--env", "sit", "--phase", "dns"], /unknown phase 'dns'/],
        ["a --tenant that is no tenant id", ["--env", "sit", "--tenant", "Au_pair"], /--tenant expects a tenant id \(a DNS label/],
        ["--resume with a named phase", ["--env", "sit", "--phase", "network", "--resume"], /cannot be combined/],
        ["a malformed approval", ["--env", "sit", "--phase", "network", "--approve", "alice"], /role:name/],
        [
            "--allow-replace without a URN",
            ["--env", "sit", "--phase", "network", "--allow-replace", "data-aurora"],
            /expects a resource URN/,
        ],
        ["an unknown format", ["--env", "sit", "--phase", "network", "--format", "html"], /Invalid values/],
        ["an unknown environment", ["--env", "qa", "--phase", "network"], /unknown environment 'qa'[\s\S]*dev, sit, prod/],
        [
            "--ledger with a scheme other than a lower-case s3://",
            ["--env", "dev", "--phase", "network", "--ledger", "S3://bbws-ledger/platform"],
            /--ledger S3:\/\/bbws-ledger\/platform: the scheme 'S3:' is not one the ledger knows[\s\S]*fix: for S3 write the scheme in lower case/,
        ],
        [
            "--rehearse with an S3 ledger",
            ["--env", "dev", "--phase", "network", "--rehearse", "--ledger", "s3://bbws-ledger/platform"],
            /--rehearse keeps its ledger in its own temporary folder[\s\S]*the order gate of a real ledger would count them/,
        ],
        [
            "--rehearse with a local ledger",
            ["--env", "dev", "--phase", "network", "--rehearse", "--ledger", ".rollout"],
            /--rehearse keeps its ledger/,
        ],
    ];
    for (const [what, argv, message] of usage) {
        it(`rejects ${what} with exit 2 and no stack trace, before any engine call`, async () => {
            const { code, text } = await cli(argv);
            expect(code).to.equal(2);
            expect(text)
                .to.match(message)
                .and.not.match(/\n\s+at /);
            expect(engine.calls).to.have.length(0);
        });
    }

    it("parses approvals, optionally pinned to a plan hash", () => {
        expect(parseApproval("dba:bob")).to.deep.equal({ role: "dba", name: "bob", planHash: undefined });
        expect(parseApproval("tech-lead:alice@3f9a1c0d")).to.deep.equal({ role: "tech-lead", name: "alice", planHash: "3f9a1c0d" });
    });

    it("rolls out sit's network with the tech-lead's approval: exit 0, one ledger line in <project>/.rollout/sit.jsonl", async () => {
        const { code, text } = await cli(["--env", "sit", "--phase", "network", "--approve", "tech-lead:alice"]);
        expect(code, text).to.equal(0);
        expect(text).to.include("preflight for sit").and.include("network: succeeded");
        const lines = fs
            .readFileSync(path.join(projectDir, ".rollout", "sit.jsonl"), "utf8")
            .trim()
            .split("\n");
        expect(lines).to.have.length(1);
        expect(JSON.parse(lines[0])).to.include({ result: "succeeded", operator: "alice", commit: COMMIT });
    });

    it("takes --tenant without --phase as all of the tenant, phase by phase", async () => {
        const { code, text } = await cli(["--env", "sit", "--tenant", "tutorhub"]);
        expect(code, text).to.equal(0);
        expect(text).to.include("tutorhub has nothing in network, database, storage, ecs, monitoring (skipped)");
    });

    it("exits 2 on an unknown --tenant, suggesting the closest, with nothing targeted or recorded", async () => {
        const { code, text } = await cli(["--env", "sit", "--tenant", "tutorhib", "--approve", "tech-lead:alice"]);
        expect(code, text).to.equal(2);
        expect(text)
            .to.include("error: no tenant 'tutorhib' in sit")
            .and.include("did you mean 'tutorhub'?")
            .and.not.match(/\n\s+at /);
        expect(engine.calls.filter((c) => c.target)).to.deep.equal([]);
        expect(
            fs.existsSync(path.join(projectDir, ".rollout", "sit.jsonl")) &&
                fs.readFileSync(path.join(projectDir, ".rollout", "sit.jsonl"), "utf8"),
        ).to.not.be.ok;
    });

    it("exits 3 when a gate refuses, naming the gate and what would let it pass", async () => {
        const { code, text } = await cli(["--env", "sit", "--phase", "network"]);
        expect(code).to.equal(3);
        expect(text).to.include("refused by the approval gate").and.include("--approve tech-lead:<name>");
        expect(engine.ups).to.have.length(0);
    });

    it("exits 2 with install instructions when the Pulumi CLI is missing", async () => {
        const { code, text } = await cli(["--env", "dev", "--phase", "network", "--yes"], { cliMissing: true });
        expect(code).to.equal(2);
        expect(text).to.include("the Pulumi CLI is not usable").and.include("fix: install the Pulumi CLI");
    });

    it("exits 2 when preflight fails: prod from a local backend", async () => {
        const { code, text } = await cli(["--env", "prod", "--phase", "network"], { backend: { user: "alice", url: "file://~" } });
        expect(code).to.equal(2);
        expect(text).to.include("prod needs a shared state backend");
    });

    it("exits 2 when the stack has pending operations, after one read of the state and before any engine operation", async () => {
        const pendingOperations = [
            { type: "creating", urn: "urn:pulumi:dev::bbws-platform::bbws:network:NetworkLayer$aws:ec2/flowLog:FlowLog::network-flow-log" },
        ];
        const { code, text } = await cli(["--env", "dev", "--phase", "network", "--yes"], { pendingOperations });
        expect(code, text).to.equal(2);
        expect(text).to.include("error: stack 'dev' has 1 pending operation(s)").and.include("fix: 1. check in AWS");
        expect([engine.stateReads, engine.calls.length]).to.deep.equal([1, 0]);
    });

    describe('the Service Quotas preflight (automation/quotas.ts; README "The Service Quotas preflight")', () => {
        const SG = "urn:pulumi:sit::bbws-platform::bbws:data:DataLayer$aws:ec2/securityGroup:SecurityGroup::data-db-sg";
        const needs = async (): Promise<Record<QuotaKey, QuotaNeed>> => ({
            ...(Object.fromEntries(Object.keys(DEFAULT_QUOTAS).map((k) => [k, { need: 0 }])) as Record<QuotaKey, QuotaNeed>),
            rulesPerSecurityGroup: { need: 61, urn: SG },
        });

        it("refuses a plan over a quota with exit 2 before anything is previewed or recorded, with the increase request", async () => {
            const quotas = { serviceQuotas: serviceQuotasDouble(), needs };
            const { code, text } = await cli(["--env", "sit", "--phase", "network", "--approve", "tech-lead:alice"], {}, { quotas });
            expect(code, text).to.equal(2);
            expect(text)
                .to.include("error: the plan needs more than a quota allows:")
                .and.include("the plan needs 61 (" + SG + "), the account has 60 (AWS's default)")
                .and.include("--service-code vpc --quota-code L-0EA8095F --desired-value 61 --region eu-west-1");
            expect(engine.calls).to.have.length(0);
            expect(fs.existsSync(path.join(projectDir, ".rollout", "sit.jsonl"))).to.equal(false);
        });

        it("passes with the account's applied value (GetServiceQuota) above the need, and logs need/current", async () => {
            const quotas = { serviceQuotas: serviceQuotasDouble({ "L-0EA8095F": 120 }), needs };
            const { code, text } = await cli(["--env", "sit", "--phase", "network", "--approve", "tech-lead:alice"], {}, { quotas });
            expect(code, text).to.equal(0);
            expect(text).to.include("quotas: L-0EA8095F 61/120");
        });

        it("reads no quota for --preview-only: nothing is applied, and a pull request's read-only role may not read them", async () => {
            let asked = 0;
            const quotas = { serviceQuotas: serviceQuotasDouble(), needs: async () => (asked++, needs()) };
            const { code, text } = await cli(["--env", "sit", "--phase", "network", "--preview-only"], {}, { quotas });
            expect(code, text).to.equal(0);
            expect(asked).to.equal(0);
        });
    });

    it("exits 1 when the update fails", async () => {
        const { code } = await cli(["--env", "dev", "--phase", "network", "--yes"], { failOn: "network-vpc" });
        expect(code).to.equal(1);
    });

    it("prints the preview-only summary as JSON on stdout, everything else on stderr", async () => {
        const { code, io } = await cli(["--env", "dev", "--phase", "network", "--preview-only", "--format", "json"]);
        expect(code).to.equal(0);
        expect(io.stdout).to.have.length(1);
        expect(JSON.parse(io.stdout[0])).to.include({ env: "dev", phase: "network" });
    });

    it("does not take S3://… for a folder: nothing named S3: is created", async () => {
        await cli(["--env", "dev", "--phase", "network", "--yes", "--ledger", "S3://bbws-ledger/platform"]);
        expect(fs.readdirSync(projectDir).filter((f) => /^s3:/i.test(f))).to.deep.equal([]);
    });

    it("exits 2 on a ledger it cannot write, in preflight, before anything is previewed", async () => {
        fs.writeFileSync(path.join(projectDir, "a-file"), "");
        const { code, text } = await cli(["--env", "dev", "--phase", "network", "--yes", "--ledger", "a-file/audit"]);
        expect(code, text).to.equal(2);
        expect(text)
            .to.include(`error: the ledger ${path.join(projectDir, "a-file", "audit", "dev.jsonl")} cannot be written: ENOTDIR`)
            .and.include("fix: every attempt is recorded")
            .and.not.match(/\n\s+at /);
        expect(engine.calls).to.have.length(0);
    });

    it("exits 2 on a corrupt ledger before anything is previewed, naming the line", async () => {
        fs.mkdirSync(path.join(projectDir, ".rollout"));
        fs.writeFileSync(
            path.join(projectDir, ".rollout", "dev.jsonl"),
            `${JSON.stringify({ v: 1, phase: "network", result: "succeeded" })}\n`,
        );
        const { code, text } = await cli(["--env", "dev", "--phase", "database", "--yes"]);
        expect(code, text).to.equal(2);
        expect(text).to.include(`error: the ledger is corrupt at ${path.join(projectDir, ".rollout", "dev.jsonl")}:1: not a ledger record`);
        expect(engine.calls).to.have.length(0);
    });

    it("when the record cannot be written after the apply, prints it as JSON on stderr with what to do, exit 1, no stack trace", async () => {
        const audit = path.join(projectDir, "audit");
        // The ledger folder becomes a file between the preflight check and the record: as a disk or a mount can fail mid-run.
        const { code, text, io } = await cli(
            ["--env", "dev", "--phase", "network", "--yes", "--ledger", "audit"],
            {},
            {
                verify: async () => async () => {
                    fs.rmSync(audit, { recursive: true });
                    fs.writeFileSync(audit, "");
                    return { checks: [] };
                },
            },
        );
        expect(code, text).to.equal(1);
        expect(engine.ups).to.have.length(1);
        const lines = io.stderr.join("\n").split("\n");
        const record = JSON.parse(lines[lines.indexOf("  the record that was not written:") + 1]);
        expect(record).to.include({ env: "dev", phase: "network", result: "succeeded" });
        expect(text)
            .to.include("error: could not write the ledger record of network in dev (succeeded)")
            .and.include("fix: add that line to the ledger once it is writable")
            .and.not.match(/\n\s+at /);
    });

    it("keeps the ledger where --ledger says, relative to the working directory", async () => {
        await cli(["--env", "dev", "--phase", "network", "--yes", "--ledger", "audit"]);
        expect(fs.existsSync(path.join(projectDir, "audit", "dev.jsonl"))).to.equal(true);
    });
});
