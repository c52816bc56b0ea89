/**
 * Scenarios 1 and 2: the first rollout of dev with `--phase all`, through the real `LocalWorkspace`
 * adapter and the rollout CLI, against the scripted engine; then the same command again, which must
 * change nothing. What the SDK issued is read from the engine's argv log, so these are the CLI calls
 * a real rollout makes.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { PHASE_NAMES, PHASES } from "../../src/phases";
import { isTargetGlob, targetGlobPattern } from "../../automation/targets";
import type { ArgvRecord } from "../../automation/rehearsal-engine/scenario";
import type { StackState } from "../../automation/rehearsal-engine/state";
import { flagValues, operations, phaseOfUrn, RunResult, Stage, stage, textOf } from "../support/rehearsal";

interface PhaseSummaryJson {
    phase: string;
    counts: Record<string, number>;
    resources: unknown[];
}

describe("rehearsal: first rollout of dev, --phase all", function () {
    this.timeout(180_000);
    let dev: Stage;
    after(() => dev.dispose());
    let run: RunResult;

    before(async () => {
        dev = stage("dev");
        run = await dev.rollout(["--env", "dev", "--phase", "all", "--yes"]);
    });

    it("succeeds with exit code 0", () => {
        expect(run.code, textOf(run.io)).to.equal(0);
    });

    it("previews the whole program once, to find each phase's resources, before anything is targeted", () => {
        const [first] = operations(run.calls);
        expect(first.argv[0]).to.equal("preview");
        expect(flagValues(first.argv, "--target")).to.deep.equal([]);
    });

    it("runs the phases in registry order, each as exactly one targeted preview and one up", () => {
        const targeted = operations(run.calls).filter((c) => flagValues(c.argv, "--target").length > 0);
        const phases = targeted
            .filter((c) => c.argv[0] === "preview")
            .map((c) => phaseOfUrn(flagValues(c.argv, "--target").find(phaseOfUrn)!));
        const registered = PHASES.map((p) => p.name).filter((p) => phases.includes(p));
        expect(phases).to.deep.equal(registered);
        expect(targeted.map((c) => c.argv[0])).to.deep.equal(phases.flatMap(() => ["preview", "up"]));
    });

    it("applies each phase with the same targets as its preview, and the plan that preview saved", () => {
        const targeted = operations(run.calls).filter((c) => flagValues(c.argv, "--target").length > 0);
        for (let i = 0; i < targeted.length; i += 2) {
            const [preview, up] = [targeted[i].argv, targeted[i + 1].argv];
            expect(flagValues(up, "--target"), "targets").to.deep.equal(flagValues(preview, "--target"));
            expect(flagValues(up, "--plan"), "plan").to.deep.equal(flagValues(preview, "--save-plan"));
            expect(flagValues(up, "--plan")).to.have.length(1);
        }
    });

    it("targets only the phase's own resources, and never with --target-dependents", () => {
        for (const call of operations(run.calls).filter((c) => flagValues(c.argv, "--target").length > 0)) {
            expect(new Set(flagValues(call.argv, "--target").map(phaseOfUrn)).size, call.argv.join(" ")).to.equal(1);
            expect(call.argv).not.to.include("--target-dependents");
        }
    });

    it("leaves every resource in state, each under the phase whose up targeted it (by its URN or a glob matching it)", () => {
        const ups = operations(run.calls).filter((c) => c.argv[0] === "up");
        const appliedBy = (urn: string) =>
            ups
                .map((c) => flagValues(c.argv, "--target"))
                .filter((targets) => targets.some((t) => (isTargetGlob(t) ? targetGlobPattern(t).test(urn) : t === urn)))
                .map((targets) => phaseOfUrn(targets[0]));
        const resources = dev.state().deployment.resources.filter((r) => phaseOfUrn(r.urn));
        expect(resources.length).to.be.greaterThan(50);
        for (const r of resources) expect(appliedBy(r.urn), r.urn).to.deep.equal([phaseOfUrn(r.urn)]);
    });

    it("passes a phase as its layer component and one glob, not one flag per URN", () => {
        for (const up of operations(run.calls).filter((c) => c.argv[0] === "up")) {
            const targets = flagValues(up.argv, "--target");
            expect(targets.filter(isTargetGlob), up.argv.join(" ")).to.have.length(1);
            expect(targets, up.argv.join(" ")).to.have.length(2);
        }
    });

    it("records each phase as succeeded in the ledger, with its plan's hash", () => {
        const records = dev.ledger();
        expect(records.map((r) => r.result)).to.deep.equal(records.map(() => "succeeded"));
        expect(records.map((r) => r.phase)).to.deep.equal(PHASES.map((p) => p.name).filter((p) => records.some((r) => r.phase === p)));
        for (const r of records) expect(r.planHash).to.match(/^[0-9a-f]{64}$/);
    });

    it("exports the state (without --show-secrets) right before each up, and keeps each copy beside the ledger, as `stack import` takes it", () => {
        // The first two exports are preflight's: the pending operations, then the ids of the stack's own resources (what the
        // rest of the account spends of the regional quotas, automation/quota-usage.ts). No export asks for secrets in the clear.
        const exported = (c: ArgvRecord) => c.argv.slice(0, 2).join(" ") === "stack export";
        expect(run.calls.filter((c) => exported(c) && c.argv.includes("--show-secrets"))).to.deep.equal([]);
        const calls = run.calls.filter((c) => c.argv[0] === "up" || exported(c));
        expect(calls.map((c) => c.argv[0])).to.deep.equal(["stack", "stack", ...PHASE_NAMES.flatMap(() => ["stack", "up"])]);
        for (const c of calls.filter(exported)) expect(c.argv, c.argv.join(" ")).to.include.members(["--stack", "dev"]);
        const dir = path.join(dev.projectDir, ".rollout", "state", "dev");
        const files = fs.readdirSync(dir).sort();
        expect(files.map((f) => f.split("Z-")[1])).to.deep.equal(PHASE_NAMES.map((p) => `${p}.json`));
        // The first copy is the empty stack network started from; the last, the stack before monitoring.
        const copies = files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as StackState);
        expect(copies[0].deployment.resources).to.deep.equal([]);
        expect(copies.at(-1)!.deployment.resources.some((r) => phaseOfUrn(r.urn) === "ecs")).to.equal(true);
        expect(copies.at(-1)!.deployment.resources.some((r) => phaseOfUrn(r.urn) === "monitoring")).to.equal(false);
    });

    it("ends --phase all with one untargeted preview, after the last up, that finds the stack converged", () => {
        const ops = operations(run.calls);
        const last = ops[ops.length - 1].argv;
        expect(last[0]).to.equal("preview");
        expect(flagValues(last, "--target")).to.deep.equal([]);
        expect(flagValues(last, "--save-plan")).to.deep.equal([]);
        expect(ops.filter((c) => flagValues(c.argv, "--target").length === 0).map((c) => c.argv[0])).to.deep.equal(["preview", "preview"]);
        expect(textOf(run.io)).to.include("converged: a whole-stack preview shows no changes");
    });

    describe("and the same command again", () => {
        let again: RunResult;
        let stateBefore: string;

        before(async () => {
            stateBefore = JSON.stringify(dev.state().deployment.resources);
            again = await dev.rollout(["--env", "dev", "--phase", "all", "--yes", "--format", "json"]);
        });

        it("succeeds", () => {
            expect(again.code, textOf(again.io)).to.equal(0);
        });

        it("says, for every phase, that nothing changes", () => {
            const phases: PhaseSummaryJson[] = again.io.stdout.map((text) => JSON.parse(text));
            expect(phases.map((p) => p.phase)).to.deep.equal(
                PHASE_NAMES.filter((p) => dev.state().deployment.resources.some((r) => phaseOfUrn(r.urn) === p)),
            );
            for (const p of phases) {
                expect(p.resources, p.phase).to.deep.equal([]);
                expect(Object.keys(p.counts), p.phase).to.deep.equal(["same"]);
            }
        });

        it("leaves the state exactly as it was", () => {
            expect(JSON.stringify(dev.state().deployment.resources)).to.equal(stateBefore);
        });
    });
});
