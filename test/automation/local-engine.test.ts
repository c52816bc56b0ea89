import { expect } from "chai";
import * as automation from "@pulumi/pulumi/automation";
import { CancelledError, CliMissingError, ConcurrentUpdateError, EngineFailedError, StackMissingError } from "../../automation/engine";
import { createLocalEngine, errorTranslator } from "../../automation/local-engine";
import { PROJECT_DIR, tempDir } from "../support/rollout";

// The SDK builds its errors from a CLI result; these are its own (internal) constructors, so the
// errors below are exactly what `LocalWorkspace` throws.
const { createCommandError } = require("@pulumi/pulumi/automation/errors");
const { CommandResult } = require("@pulumi/pulumi/automation/cmd");
/** A failed CLI call as the SDK reports it: `code` is always -2, the real exit code is in `err.exitCode`. */
const cliFailure = (stderr: string, exitCode?: number, code?: string) =>
    createCommandError(new CommandResult("", stderr, -2, Object.assign(new Error(stderr), { exitCode, code })));

describe("LocalWorkspace adapter", () => {
    const translate = errorTranslator(automation, "sit");

    it("maps the SDK's errors onto the driver's, with the CLI's real exit code", () => {
        expect(translate(cliFailure("error: [409] Conflict: Another update is currently in progress.", 255), "update")).to.be.instanceOf(ConcurrentUpdateError);
        expect(translate(cliFailure("error: the stack is currently locked by 1 lock(s)", 255), "update")).to.be.instanceOf(ConcurrentUpdateError);
        expect(translate(cliFailure("error: no stack named 'sit' found", 6), "selecting the stack")).to.be.instanceOf(StackMissingError);
        const failed = translate(cliFailure("error: update failed\n  aws:rds:Cluster data-aurora: InvalidParameterCombination", 255), "update");
        expect(failed).to.be.instanceOf(EngineFailedError).and.include({ cliExitCode: 255, exitCode: 1 });
        expect((failed as Error).message).to.include("InvalidParameterCombination");
    });

    it("says so when the CLI was killed, and what to check before retrying", () => {
        const killed = createCommandError(new CommandResult("", "Command was killed with SIGKILL (Forced termination): pulumi up", -2,
            Object.assign(new Error("killed"), { signal: "SIGKILL" })));
        const err = translate(killed, "update") as EngineFailedError;
        expect(err.message).to.match(/^update failed \(pulumi was killed by SIGKILL\)/);
        expect(err.fix).to.include("pulumi refresh");
    });

    it("reports a cancelled operation as cancelled: CLI exit code 8, or our own abort", () => {
        expect(translate(cliFailure("error: update canceled", 8), "update")).to.be.instanceOf(CancelledError);
        const aborted = new AbortController();
        aborted.abort();
        expect(translate(cliFailure("", 255), "update", aborted.signal)).to.be.instanceOf(CancelledError);
    });

    it("reports a missing or too old CLI as exit 2 with install instructions", () => {
        const missing = translate(cliFailure("Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT", undefined, "ENOENT"), "selecting the stack");
        expect(missing).to.be.instanceOf(CliMissingError).and.include({ exitCode: 2 });
        const old = translate(new Error("Minimum version requirement failed. The minimum CLI version requirement is 3.95.0"), "selecting the stack");
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
