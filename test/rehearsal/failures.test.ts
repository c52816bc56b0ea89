/**
 * Scenarios 5 to 8 and 11: what goes wrong during a rollout, through the real adapter and CLI — a
 * resource failing mid-update, a locked stack (and two updates at once), Ctrl-C, a plan that no longer
 * matches, and a pending operation left by a crash.
 */
import { expect } from "chai";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { memoryIo } from "../../automation/io";
import { flagValues, operations, phaseOfUrn, RunResult, Stage, stage, textOf } from "../support/rehearsal";
import { Lock, lockFile, writeLock } from "../../automation/rehearsal-engine/scenario";
import { readHistory } from "../../automation/rehearsal-engine/state";

describe("rehearsal: a resource fails mid-update", function () {
    // A rollout of dev's whole platform that fails at the database phase, then its resume, through the scripted
    // engine: about 35 s on this 2-core machine alone (2026-12-01), over 60 s when the full suite runs beside other work.
    this.timeout(180_000);
    let dev: Stage;
    after(() => dev.dispose());
    let failed: RunResult;
    let resumed: RunResult;

    before(async () => {
        dev = stage("dev");
        dev.scenario({
            failOn: {
                resource: "data-aurora",
                message: "api error InvalidParameterCombination: Cannot find version 8.0.mysql_aurora.3.08.2 for aurora-mysql",
            },
        });
        failed = await dev.rollout(["--env", "dev", "--phase", "all", "--yes"]);
        dev.scenario({});
        resumed = await dev.rollout(["--env", "dev", "--resume", "--yes"]);
    });

    it("fails the phase with exit code 1, naming the resource and the engine's message", () => {
        const text = textOf(failed.io);
        expect(failed.code, text).to.equal(1);
        expect(text).to.include("database: update failed");
        expect(text).to.include("urn:pulumi:dev::bbws-platform::bbws:data:DataLayer$aws:rds/cluster:Cluster::data-aurora");
        expect(text).to.include("creating RDS Cluster (bbws-aurora-dev): operation error RDS");
        expect(text).to.include("Cannot find version 8.0.mysql_aurora.3.08.2 for aurora-mysql");
    });

    it("stops there: no later phase is previewed", () => {
        const phases = operations(failed.calls).flatMap((c) => flagValues(c.argv, "--target").map(phaseOfUrn));
        expect(new Set(phases)).to.deep.equal(new Set(["network", "database"]));
    });

    it("records the failure in the ledger, after network's success", () => {
        expect(
            dev
                .ledger()
                .slice(0, 2)
                .map((r) => [r.phase, r.result]),
        ).to.deep.equal([
            ["network", "succeeded"],
            ["database", "failed"],
        ]);
        expect(dev.ledger()[1].error?.message).to.include("data-aurora");
    });

    it("--resume picks up from the failed phase, not from the start, and completes", () => {
        expect(resumed.code, textOf(resumed.io)).to.equal(0);
        const targeted = operations(resumed.calls).filter((c) => flagValues(c.argv, "--target").length > 0);
        expect(phaseOfUrn(flagValues(targeted[0].argv, "--target").find(phaseOfUrn)!)).to.equal("database");
        expect(targeted.flatMap((c) => flagValues(c.argv, "--target").map(phaseOfUrn))).not.to.include("network");
    });
});

describe("rehearsal: the stack is locked by another update", function () {
    this.timeout(60_000);
    // What each backend says about its lock, in its own words: the service names no holder.
    const LOCKS: Array<{ lock: Lock; says: string[] }> = [
        {
            lock: { backend: "service", holder: "ci@runner-7" },
            says: [
                "[409] Conflict: Another update is currently in progress.",
                "https://www.pulumi.com/docs/common-errors/#conflict",
                "the service does not",
            ],
        },
        {
            lock: { backend: "self-managed", holder: "carol@laptop (pid 4242)" },
            says: [
                "delete the lock file with `pulumi cancel`",
                "/.pulumi/locks/organization/bbws-platform/dev/",
                "created by carol@laptop (pid 4242)",
            ],
        },
    ];

    for (const { lock, says } of LOCKS) {
        describe(`locked on the ${lock.backend} backend`, () => {
            let dev: Stage;
            after(() => dev.dispose());
            let run: RunResult;
            let before_: string;

            before(async () => {
                dev = stage("dev");
                dev.converge();
                before_ = JSON.stringify(dev.state().deployment.resources);
                writeLock(dev.engineHome, "dev", lock);
                run = await dev.rollout(["--env", "dev", "--phase", "network", "--yes"]);
            });

            it("fails with a message that says another update holds the stack and how to clear it", () => {
                const text = textOf(run.io);
                expect(run.code, text).to.not.equal(0);
                expect(text).to.match(/another update of stack 'dev' is in progress/);
                expect(text).to.include("pulumi cancel");
            });

            it("applies nothing: no up, and the state is as it was", () => {
                expect(operations(run.calls).filter((c) => c.argv[0] === "up")).to.deep.equal([]);
                expect(JSON.stringify(dev.state().deployment.resources)).to.equal(before_);
            });

            it(`names the lock as the ${lock.backend} backend reports it: ${lock.backend === "service" ? "its 409 and help link" : "the lock file and its holder"}`, () => {
                for (const words of says) expect(textOf(run.io)).to.include(words);
            });
        });
    }
});

describe("rehearsal: Ctrl-C during up", function () {
    this.timeout(60_000);
    let dev: Stage;
    after(() => dev.dispose());
    let run: RunResult;

    before(async () => {
        dev = stage("dev");
        // The flow-log role takes a while; the operator presses Ctrl-C while it is being created.
        dev.scenario({ slow: { resource: "network-flow-logs-role", ms: 800 } });
        const controller = new AbortController();
        const io = memoryIo();
        const err = io.err;
        io.err = (text) => {
            err(text);
            if (text.includes("creating bbws-vpc-flow-logs")) controller.abort();
        };
        run = await dev.rollout(["--env", "dev", "--phase", "network", "--yes"], { signal: controller.signal, io });
    });

    it("cancels the update and exits non-zero", () => {
        expect(run.code, textOf(run.io)).to.equal(1);
        expect(textOf(run.io)).to.include("network: update was cancelled");
    });

    it("records the phase as cancelled in the ledger", () => {
        expect(dev.ledger().slice(-1)[0]).to.include({ phase: "network", result: "cancelled" });
    });

    it("lets the operation in flight finish and starts no new one: the state is consistent", () => {
        const state = dev.state();
        const urns = state.deployment.resources.map((r) => r.urn);
        expect(urns.some((u) => u.endsWith("::network-flow-logs-role"))).to.equal(true);
        expect(urns.some((u) => u.endsWith("::network-flow-log"))).to.equal(false);
        expect(state.deployment.pending_operations ?? []).to.deep.equal([]);
    });
});

describe("rehearsal: Ctrl-C reaching only the CLI (the terminal signals its whole process group)", function () {
    this.timeout(60_000);
    let dev: Stage;
    after(() => dev.dispose());
    let run: RunResult;

    before(async () => {
        dev = stage("dev");
        dev.scenario({ interruptAfter: 3 });
        run = await dev.rollout(["--env", "dev", "--phase", "network", "--yes"]);
    });

    it("is told apart from a failure by the CLI's exit code 8, and recorded as cancelled", () => {
        expect(run.code, textOf(run.io)).to.equal(1);
        expect(textOf(run.io)).to.include("network: update was cancelled");
        expect(dev.ledger().slice(-1)[0]).to.include({ phase: "network", result: "cancelled" });
    });

    it("keeps exactly the three operations that had finished, and starts no other", () => {
        expect(dev.state().deployment.resources).to.have.length(3);
        expect(dev.state().deployment.pending_operations ?? []).to.deep.equal([]);
    });
});

describe("rehearsal: the state changed between preview and up", function () {
    this.timeout(60_000);
    let dev: Stage;
    after(() => dev.dispose());
    let run: RunResult;

    before(async () => {
        dev = stage("dev");
        dev.converge();
        // Someone else's update retags the ALB security group after our preview saved its plan.
        dev.scenario({ changeStateBeforeUp: { resource: "network-alb-sg", key: "tags", value: { Name: "changed-elsewhere" } } });
        run = await dev.rollout(["--env", "dev", "--phase", "network", "--yes"]);
    });

    it("the engine refuses the saved plan, and the driver fails the phase with exit code 1", () => {
        expect(run.code, textOf(run.io)).to.equal(1);
        expect(
            operations(run.calls)
                .map((c) => c.argv[0])
                .slice(-1),
        ).to.deep.equal(["up"]);
    });

    it("says why: the plan no longer matches the resource", () => {
        expect(textOf(run.io)).to.include("update is not allowed by the plan: this resource is constrained to same");
        expect(textOf(run.io)).to.include("network-alb-sg");
    });

    it("says the state changed since the preview and asks for a new preview and approval", () => {
        expect(textOf(run.io)).to.include(
            "network: the update no longer matches the approved plan: the stack's state (or the program) changed since the preview",
        );
        expect(textOf(run.io)).to.include("the new plan needs a new approval");
    });

    it("records the phase as failed with the code plan-mismatch", () => {
        const last = dev.ledger().slice(-1)[0];
        expect([last.phase, last.result, last.error?.code]).to.deep.equal(["network", "failed", "plan-mismatch"]);
    });
});

describe("rehearsal: a pending operation left by a crash", function () {
    this.timeout(60_000);
    let dev: Stage;
    after(() => dev.dispose());
    let crashed: RunResult;
    let next: RunResult;

    before(async () => {
        dev = stage("dev");
        dev.scenario({ crashOn: "network-flow-log" });
        crashed = await dev.rollout(["--env", "dev", "--phase", "network", "--yes"]);
        dev.scenario({});
        next = await dev.rollout(["--env", "dev", "--phase", "network", "--yes"]);
    });

    it("the crash fails the phase, and the state keeps a pending create for the resource in flight", () => {
        expect(crashed.code, textOf(crashed.io)).to.equal(1);
        expect(textOf(crashed.io)).to.include("network: update failed");
        expect(dev.state().deployment.pending_operations?.map((p) => [p.type, p.resource.urn.split("::").pop()])).to.deep.equal([
            ["creating", "network-flow-log"],
        ]);
    });

    it("says the CLI was killed, keeping the process runner's own first line", () => {
        expect(textOf(crashed.io)).to.include("network: update failed (the pulumi CLI was killed by SIGKILL)");
        expect(textOf(crashed.io)).to.include("Command was killed with SIGKILL");
    });

    it("the next run stops in preflight (exit 2), having read the state with `stack export`, before the first preview", () => {
        expect(next.code, textOf(next.io)).to.equal(2);
        expect(next.calls.map((c) => c.argv.slice(0, 4).join(" "))).to.include("stack export --stack dev");
        // The state is read without --show-secrets: the pending operations need no secret in the clear.
        expect(next.calls.filter((c) => c.argv.includes("--show-secrets"))).to.deep.equal([]);
        expect(operations(next.calls)).to.deep.equal([]);
        expect(dev.state().deployment.pending_operations).to.have.length(1);
    });

    it("names the interrupted create and says how to recover with the CLI: import it by id if it exists, else clear it", () => {
        const text = textOf(next.io);
        expect(text).to.include("stack 'dev' has 1 pending operation(s)");
        expect(text).to.match(/::network-flow-log, interrupted while creating/);
        expect(text).to.match(
            /pulumi refresh --stack dev --import-pending-creates 'urn:pulumi:dev::\S+::network-flow-log' --import-pending-creates '<id>'/,
        );
        expect(text).to.include("pulumi refresh --stack dev --clear-pending-creates");
    });
});

describe("rehearsal: two updates of one stack at once (the scripted engine takes the lock, as the backends do)", function () {
    this.timeout(60_000);
    let dev: Stage;
    after(() => dev.dispose());
    let results: Array<{ code: number; stderr: string }>;

    before(async () => {
        dev = stage("dev");
        dev.scenario({ slow: { resource: "network-flow-logs-role", ms: 1500 } });
        const up = () =>
            new Promise<{ code: number; stderr: string }>((resolve) => {
                execFile(
                    path.join(dev.pulumiRoot, "bin", "pulumi"),
                    ["up", "--yes", "--skip-preview", "--stack", "dev"],
                    { cwd: dev.projectDir },
                    (err, _stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stderr }),
                );
            });
        const first = up();
        // The second starts once the first holds the lock, while it creates the slow role.
        while (!fs.existsSync(lockFile(dev.engineHome, "dev"))) await new Promise((r) => setTimeout(r, 20));
        results = await Promise.all([first, up()]);
    });

    it("the first succeeds; the second fails with the self-managed backend's lock text, naming the first as the holder", () => {
        expect(results.map((r) => r.code)).to.deep.equal([0, 255]);
        const first = dev.calls().filter((c) => c.argv[0] === "up")[0];
        expect(results[1].stderr).to.include("the stack is currently locked by 1 lock(s)").and.include(`(pid ${first.pid})`);
    });

    it("the second changed nothing, and the lock is released when the first ends", () => {
        expect(readHistory(dev.engineHome, "dev")).to.have.length(1);
        expect(fs.existsSync(lockFile(dev.engineHome, "dev"))).to.equal(false);
    });
});
