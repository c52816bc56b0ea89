/**
 * Ctrl-C as an operator sends it: a real SIGINT to a real `npm run rollout -- … --rehearse` process
 * (the CLI's own entry point, not `main`), while the scripted `pulumi` it runs is creating a slow
 * resource. Aborting an AbortController in-process (failures.test.ts) cannot show what execa's
 * signal-exit handler does to a process that receives a signal.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import type { LedgerRecord } from "../../automation/ledger";
import { readArgvLog } from "../../automation/rehearsal-engine/scenario";
import { memoryIo } from "../../automation/io";
import { Interrupted, interruptRehearsal, readJsonLines, RunResult, Stage, stage, textOf } from "../support/rehearsal";

/** The resource being created when the signal arrives, by its progress line. */
const SLOW = { resource: "network-flow-logs-role", line: "creating bbws-vpc-flow-logs-dev", ms: 4000 };

/** Signals to the rollout CLI, as `interruptRehearsal` sends them (test/support/rehearsal.ts). */
function interrupt(signals: NodeJS.Signals[], gapMs: number, options: { group?: boolean } = {}): Promise<Interrupted> {
    const argv = ["automation/rollout-cli.ts", "--env", "dev", "--phase", "network", "--yes", "--rehearse"];
    return interruptRehearsal(argv, SLOW, signals, gapMs, options);
}

function ledgerOf(dir: string): LedgerRecord[] {
    return readJsonLines(path.join(dir, "project", ".rollout", "dev.jsonl"));
}

/** Linux: a process that has exited but not been reaped (its parent gone, PID 1 not reaping) is a zombie, and not running. */
function running(pid: number): boolean {
    try {
        return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
        return false;
    }
}

describe("rehearsal: a real Ctrl-C (SIGINT) to the rollout process during up", function () {
    this.timeout(90_000);
    let run: Interrupted;
    before(async () => {
        run = await interrupt(["SIGINT"], 0);
    });
    after(() => fs.rmSync(run.dir, { recursive: true, force: true }));

    it("cancels: exit code 1, not 130, and the 'cancelled' line", () => {
        expect([run.code, run.signal], run.stderr).to.deep.equal([1, null]);
        expect(run.stderr).to.include("network: update was cancelled");
    });

    it("says what a second Ctrl-C would do", () => {
        expect(run.stderr)
            .to.include("SIGINT received: cancelling")
            .and.include("Press Ctrl-C again to stop waiting: pulumi is then terminated");
    });

    it("waits for pulumi to finish the resource in flight: the role is created, no later resource is, and nothing is pending", () => {
        const state = JSON.parse(fs.readFileSync(path.join(run.dir, "engine", "stacks", "dev.json"), "utf8"));
        const names = state.deployment.resources.map((r: { urn: string }) => r.urn.split("::").pop());
        expect(names).to.include(SLOW.resource).and.not.include("network-flow-log");
        expect(state.deployment.pending_operations ?? []).to.deep.equal([]);
        expect(run.stderr).to.include(`created ${SLOW.line.replace("creating ", "")}`);
    });

    it("records the phase as cancelled in the ledger", () => {
        expect(ledgerOf(run.dir).map((r) => [r.phase, r.result, r.error?.code])).to.deep.equal([["network", "cancelled", "cancelled"]]);
    });

    it("leaves the stack unlocked", () => {
        expect(fs.existsSync(path.join(run.dir, "engine", "locks", "dev.json"))).to.equal(false);
    });
});

describe("rehearsal: a second Ctrl-C, a second and a half after the first", function () {
    this.timeout(90_000);
    let run: Interrupted;
    before(async () => {
        run = await interrupt(["SIGINT", "SIGINT"], 1500);
    });
    after(() => fs.rmSync(run.dir, { recursive: true, force: true }));

    it("exits at once with 130, saying so, without waiting for the slow resource", () => {
        expect(run.code, run.stderr).to.equal(130);
        expect(run.stderr).to.include(
            "SIGINT received again: exiting now (exit 130); no ledger record is written, and pulumi is terminated",
        );
        expect(run.ms).to.be.below(SLOW.ms);
    });

    it("leaves no pulumi process running: execa's exit handler sent it SIGTERM", async () => {
        const up = readArgvLog(path.join(run.dir, "engine")).filter((c) => c.argv[0] === "up");
        expect(up).to.have.length(1);
        for (let waited = 0; running(up[0].pid) && waited < 3000; waited += 100) await new Promise((r) => setTimeout(r, 100));
        expect(running(up[0].pid)).to.equal(false);
    });

    it("writes no ledger record, as it said, but prints the attempt's record as failed (abandoned) on stderr, for the operator to add", () => {
        expect(ledgerOf(run.dir)).to.deep.equal([]);
        const line = run.stderr.split("\n").find((l) => l.startsWith('{"v":1'));
        expect(line, run.stderr).to.be.a("string");
        expect(JSON.parse(line!))
            .to.deep.include({ env: "dev", phase: "network", result: "failed" })
            .and.have.nested.property("error.code", "abandoned");
        expect(run.stderr).to.include("add that line to the ledger");
    });
});

describe("rehearsal: Ctrl-C at a terminal with stdin not a terminal: the SIGINT reaches the whole process group, pulumi included", function () {
    this.timeout(90_000);
    let run: Interrupted;
    before(async () => {
        run = await interrupt(["SIGINT"], 0, { group: true });
    });
    after(() => fs.rmSync(run.dir, { recursive: true, force: true }));

    // pulumi/pulumi pkg/backend/cancellation.go: a second SIGINT calls cancelSource.Terminate(), whatever the time between them.
    it("sends pulumi no second SIGINT (which would terminate it): the resource in flight is created, nothing is pending, the lock is released", () => {
        const state = JSON.parse(fs.readFileSync(path.join(run.dir, "engine", "stacks", "dev.json"), "utf8"));
        const names = state.deployment.resources.map((r: { urn: string }) => r.urn.split("::").pop());
        expect(names, run.stderr).to.include(SLOW.resource).and.not.include("network-flow-log");
        expect(state.deployment.pending_operations ?? []).to.deep.equal([]);
        expect(fs.existsSync(path.join(run.dir, "engine", "locks", "dev.json"))).to.equal(false);
    });

    it("cancels: exit 1 and a cancelled record, because pulumi cancelled cleanly (exit 8), not because the driver was signalled", () => {
        expect([run.code, run.signal], run.stderr).to.deep.equal([1, null]);
        expect(run.stderr).to.include("network: update was cancelled");
        expect(ledgerOf(run.dir).map((r) => [r.phase, r.result, r.error?.code])).to.deep.equal([["network", "cancelled", "cancelled"]]);
    });
});

describe("rehearsal: a pulumi that a second SIGINT terminated after the run was cancelled (in-process, through `main`)", function () {
    this.timeout(60_000);
    let dev: Stage;
    let run: RunResult;
    after(() => dev.dispose());

    before(async () => {
        dev = stage("dev");
        dev.scenario({ slow: { resource: SLOW.resource, ms: 3000 } });
        const controller = new AbortController();
        const io = memoryIo();
        const err = io.err;
        let sent = false;
        io.err = (text) => {
            err(text);
            if (sent || !text.includes(SLOW.line)) return;
            sent = true;
            // Two Ctrl-C at a terminal reach pulumi directly: the first cancels, the second terminates it.
            const up = dev
                .calls()
                .filter((c) => c.argv[0] === "up")
                .at(-1)!;
            controller.abort();
            process.kill(up.pid, "SIGINT");
            setTimeout(() => process.kill(up.pid, "SIGINT"), 100);
        };
        run = await dev.rollout(["--env", "dev", "--phase", "network", "--yes"], { signal: controller.signal, io });
    });

    // pulumi/pulumi pkg/backend/cancellation.go: the second signal calls cancelSource.Terminate(); what was in flight has no known outcome.
    it("records the phase as failed, not cancelled, and says how pulumi ended and what to check", () => {
        expect(run.code, textOf(run.io)).to.equal(1);
        expect(dev.ledger().map((r) => [r.phase, r.result, r.error?.code])).to.deep.equal([["network", "failed", "engine-failed"]]);
        expect(textOf(run.io)).to.include("received; terminating").and.include("pending operations");
    });
});
