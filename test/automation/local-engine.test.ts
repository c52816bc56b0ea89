import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as automation from "@pulumi/pulumi/automation";
import {
    CancelledError,
    CliMissingError,
    ConcurrentUpdateError,
    EngineFailedError,
    PlanMismatchError,
    StackMissingError,
} from "../../automation/engine";
import { cancelForwarder, createLocalEngine, errorTranslator } from "../../automation/local-engine";
import { PROJECT_DIR, tempDir } from "../support/rollout";

// The SDK builds its errors from a CLI result; these are its own (internal) constructors, so the
// errors below are exactly what `LocalWorkspace` throws.
const { createCommandError } = require("@pulumi/pulumi/automation/errors");
const { CommandResult } = require("@pulumi/pulumi/automation/cmd");
/** A failed CLI call as the SDK reports it: `code` is always -2, the real exit code is in `err.exitCode`. */
const cliFailure = (stderr: string, exitCode?: number, code?: string) =>
    createCommandError(new CommandResult("", stderr, -2, Object.assign(new Error(stderr), { exitCode, code })));

describe("LocalWorkspace adapter", () => {
    const translate = errorTranslator(automation, "sit", "3.248.0");

    it("maps the SDK's errors onto the driver's, with the CLI's real exit code", () => {
        expect(translate(cliFailure("error: [409] Conflict: Another update is currently in progress.", 255), "update")).to.be.instanceOf(
            ConcurrentUpdateError,
        );
        expect(translate(cliFailure("error: the stack is currently locked by 1 lock(s)", 255), "update")).to.be.instanceOf(
            ConcurrentUpdateError,
        );
        expect(translate(cliFailure("error: no stack named 'sit' found", 6), "selecting the stack")).to.be.instanceOf(StackMissingError);
        const failed = translate(
            cliFailure("error: update failed\n  aws:rds:Cluster data-aurora: InvalidParameterCombination", 255),
            "update",
        );
        expect(failed).to.be.instanceOf(EngineFailedError).and.include({ cliExitCode: 255, exitCode: 1 });
        expect((failed as Error).message).to.include("InvalidParameterCombination");
    });

    it("says so when the CLI was killed, keeping the process runner's first line however long the output, and what to check", () => {
        const output = [
            "Command was killed with SIGKILL (Forced termination): /opt/pulumi/bin/pulumi up --yes --target urn:pulumi:sit::p::t::a",
            ...Array.from({ length: 40 }, (_, i) => `progress ${i}`),
        ];
        const killed = createCommandError(
            new CommandResult("", output.join("\n"), -2, Object.assign(new Error("killed"), { signal: "SIGKILL" })),
        );
        const err = translate(killed, "update") as EngineFailedError;
        expect(err.message).to.match(
            /^update failed \(the pulumi CLI was killed by SIGKILL\):\n {4}Command was killed with SIGKILL \(Forced termination\): pulumi up …\n {4}…\n/,
        );
        expect(err.message).to.include("progress 39").and.not.include("progress 24\n");
        expect(err.fix).to.include("pulumi refresh");
    });

    it("keeps the lines in which the backend names its lock: the service's 409, the self-managed lock file and holder", () => {
        const service = translate(
            cliFailure(
                "Command failed with exit code 255: pulumi preview\nerror: [409] Conflict: Another update is currently in progress.\n" +
                    "To learn more about possible reasons and resolution, visit https://www.pulumi.com/docs/common-errors/#conflict\nPreviewing update (sit):",
                255,
            ),
            "preview",
        );
        expect((service as Error).message).to.equal(
            "another update of stack 'sit' is in progress; the backend says:\n" +
                "    [409] Conflict: Another update is currently in progress.\n" +
                "    To learn more about possible reasons and resolution, visit https://www.pulumi.com/docs/common-errors/#conflict",
        );
        const file = translate(
            cliFailure(
                "Command failed with exit code 255: pulumi preview\nerror: the stack is currently locked by 1 lock(s). Either wait for " +
                    "the other process(es) to end or delete the lock file with `pulumi cancel`.\n  s3://state/.pulumi/locks/organization/bbws-platform/sit/" +
                    "1f.json: created by carol@laptop (pid 4242) at 2026-11-23T09:14:02Z",
                255,
            ),
            "preview",
        );
        expect((file as Error).message)
            .to.include("delete the lock file with `pulumi cancel`")
            .and.include("    s3://state/.pulumi/locks/organization/bbws-platform/sit/1f.json: created by carol@laptop (pid 4242)");
    });

    it("reports an up the saved plan does not allow as a plan mismatch, not as any engine failure", () => {
        const err = translate(
            cliFailure(
                "Command failed with exit code 255: pulumi up\nerror: update is not allowed by the plan: this resource is constrained to same",
                255,
            ),
            "update",
        );
        expect(err).to.be.instanceOf(PlanMismatchError).and.include({ code: "plan-mismatch", exitCode: 1 });
        expect((err as Error).message).to.include("update is not allowed by the plan");
    });

    it("reports a cancelled operation as cancelled: CLI exit code 8 (3.227+), or our own abort on an older CLI, which exits 255 either way", () => {
        expect(translate(cliFailure("error: update canceled", 8), "update")).to.be.instanceOf(CancelledError);
        const aborted = new AbortController();
        aborted.abort();
        expect(errorTranslator(automation, "sit", "3.200.0")(cliFailure("", 255), "update", aborted.signal)).to.be.instanceOf(
            CancelledError,
        );
    });

    it(
        "reports a CLI killed or terminated after our abort as failed, with the pending-operations advice, not as a clean cancel " +
            "(pulumi/pulumi pkg/backend/cancellation.go: a second signal terminates at once)",
        () => {
            const aborted = new AbortController();
            aborted.abort();
            const killed = createCommandError(
                new CommandResult(
                    "",
                    "Command was killed with SIGINT (User interruption with CTRL-C): pulumi up",
                    -2,
                    Object.assign(new Error("killed"), { signal: "SIGINT" }),
                ),
            );
            const byKill = translate(killed, "update", aborted.signal) as EngineFailedError;
            expect(byKill).to.be.instanceOf(EngineFailedError);
            expect(byKill.message).to.include("killed by SIGINT");
            expect(byKill.fix).to.include("pending operations");
            const terminated = translate(cliFailure("error: update failed", 255), "update", aborted.signal, {
                terminated: () => true,
            }) as EngineFailedError;
            expect(terminated).to.be.instanceOf(EngineFailedError);
            expect(terminated.message).to.include("received; terminating");
            expect(terminated.fix).to.include("pending operations");
            expect(translate(cliFailure("error: update failed", 255), "update", aborted.signal))
                .to.be.instanceOf(EngineFailedError)
                .and.not.be.instanceOf(CancelledError);
        },
    );

    describe("passing the run's cancel on to the CLI: exactly one SIGINT reaches pulumi (a second terminates it)", () => {
        const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

        it("sends none when pulumi already printed that it got a Ctrl-C from the terminal (the whole process group gets it)", async () => {
            const run = new AbortController();
            const forwarder = cancelForwarder(run.signal, 50);
            forwarder.onOutput("  creating bbws-vpc-flow-logs-dev\n^C received; cance");
            forwarder.onOutput("lling. If you would like to terminate immediately, press ^C again.\n");
            run.abort();
            await wait(100);
            expect(forwarder.signal.aborted).to.equal(false);
            forwarder.dispose();
        });

        it("sends none when pulumi's line comes within the grace period after the driver's own signal", async () => {
            const run = new AbortController();
            const forwarder = cancelForwarder(run.signal, 50);
            run.abort();
            await wait(10);
            forwarder.onOutput("SIGTERM received; cancelling. If you would like to terminate immediately, send SIGTERM again.\n");
            await wait(100);
            expect(forwarder.signal.aborted).to.equal(false);
            forwarder.dispose();
        });

        it("sends one when pulumi says nothing within the grace period (a signal to the driver alone: SIGTERM, kill <pid>)", async () => {
            const run = new AbortController();
            const forwarder = cancelForwarder(run.signal, 50);
            run.abort();
            expect(forwarder.signal.aborted).to.equal(false);
            await wait(100);
            expect(forwarder.signal.aborted).to.equal(true);
            expect(forwarder.terminated()).to.equal(false);
            forwarder.onOutput("^C received; terminating\n");
            expect(forwarder.terminated()).to.equal(true);
            forwarder.dispose();
        });
    });

    it("reports a missing or too old CLI as exit 2 with install instructions", () => {
        const missing = translate(
            cliFailure("Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT", undefined, "ENOENT"),
            "selecting the stack",
        );
        expect(missing).to.be.instanceOf(CliMissingError).and.include({ exitCode: 2 });
        const old = translate(
            new Error("Minimum version requirement failed. The minimum CLI version requirement is 3.95.0"),
            "selecting the stack",
        );
        expect(old).to.be.instanceOf(CliMissingError);
    });

    it("leaves other errors (bugs) as they are", () => {
        const bug = new TypeError("x is undefined");
        expect(translate(bug, "update")).to.equal(bug);
    });

    it("fails with CliMissingError when no pulumi executable is there", async () => {
        const err = await createLocalEngine({ projectDir: PROJECT_DIR, stack: "sit", pulumiRoot: tempDir() }).catch((e) => e);
        expect(err).to.be.instanceOf(CliMissingError);
    });
});

describe("the adapter's own CLI calls (stack output, stack export): one call each, failures classified as the SDK's", () => {
    /** A `pulumi` that logs its argv and environment and answers `stack output` with `answer` (a shell snippet). */
    function fakeCli(answer: string): { root: string; log: () => string[] } {
        const root = tempDir("bbws-fake-pulumi-");
        fs.mkdirSync(path.join(root, "bin"));
        const log = path.join(root, "argv.log");
        fs.writeFileSync(
            path.join(root, "bin", "pulumi"),
            [
                "#!/bin/sh",
                `echo "$* | $PULUMI_AUTOMATION_API | \${PATH%%:*}" >> '${log}'`,
                'case "$1 $2" in',
                '  "version "*) echo "v3.248.0"; exit 0;;',
                '  "stack select") exit 0;;',
                `  "stack output") ${answer};;`,
                "esac",
                "exit 1",
            ].join("\n"),
            { mode: 0o755 },
        );
        return { root, log: () => fs.readFileSync(log, "utf8").trim().split("\n") };
    }

    it("reads the outputs with one `stack output --json --show-secrets`, started as the SDK starts the CLI", async () => {
        const cli = fakeCli(`echo '{"network":{"vpcId":"vpc-1"},"token":"s3cr3t"}'; exit 0`);
        const engine = await createLocalEngine({ projectDir: PROJECT_DIR, stack: "dev", pulumiRoot: cli.root });
        expect(await engine.outputs()).to.deep.equal({ network: { vpcId: "vpc-1" }, token: "s3cr3t" });
        const outputCalls = cli.log().filter((l) => l.startsWith("stack output"));
        expect(outputCalls).to.deep.equal([
            `stack output --json --show-secrets --stack dev --non-interactive | true | ${path.join(cli.root, "bin")}`,
        ]);
    });

    it("says the stack is missing (exit 2) and the stack locked, as for the SDK's own calls; anything else is the CLI's failure", async () => {
        const failing = async (stderr: string) => {
            const cli = fakeCli(`echo "${stderr}" >&2; exit 255`);
            const engine = await createLocalEngine({ projectDir: PROJECT_DIR, stack: "dev", pulumiRoot: cli.root });
            return engine.outputs().catch((e: Error) => e);
        };
        expect(await failing("error: no stack named 'dev' found"))
            .to.be.instanceOf(StackMissingError)
            .and.include({ exitCode: 2 });
        const locked = await failing("error: the stack is currently locked by 1 lock(s)");
        expect(locked).to.be.instanceOf(ConcurrentUpdateError);
        expect((locked as Error).message).to.include("the stack is currently locked by 1 lock(s)");
        expect(await failing("error: [403] Forbidden"))
            .to.be.instanceOf(EngineFailedError)
            .and.include({ exitCode: 1 });
    });
});
