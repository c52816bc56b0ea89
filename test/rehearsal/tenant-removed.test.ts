/**
 * Scenario 13: a tenant removed from sit's stack file. Its resources lie in every layer, and the later
 * layers' depend on the earlier ones' (its service uses its security group), so a phase-ordered
 * rollout would have the engine refuse the network phase's targeted update ("will be destroyed but was
 * not specified in --target list"). The driver deletes first, in reverse phase order, then applies the
 * creates and updates in phase order.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { PHASE_NAMES } from "../../src/phases";
import { STATEFUL_TYPES } from "../../automation/gates";
import { flagValues, operations, phaseOfUrn, RunResult, Stage, stage, textOf } from "../support/rehearsal";

describe("rehearsal: a tenant removed from sit's stack file", function () {
    this.timeout(300_000);
    const TENANT = "tutorhub";
    const APPROVALS = ["--approve", "tech-lead:alice", "--approve", "dba:bob"];
    let sit: Stage;
    after(() => sit.dispose());
    let removed: string[];
    let alone: RunResult;
    let previewed: RunResult;
    let run: RunResult;
    let stateBefore: string;
    let stateAfterPreview: string;

    before(async () => {
        sit = stage("sit");
        sit.converge();
        const file = path.join(sit.projectDir, "Pulumi.sit.yaml");
        const doc = parse(fs.readFileSync(file, "utf8"));
        doc.config["bbws:tenants"] = doc.config["bbws:tenants"].filter((t: { id: string }) => t.id !== TENANT);
        fs.writeFileSync(file, stringify(doc));
        const resources = sit.state().deployment.resources.filter((r) => r.urn.split("::").pop()!.includes(TENANT));
        removed = resources.map((r) => r.urn);
        // The safety gate still asks for the tenant's secrets by name.
        const allow = resources.filter((r) => STATEFUL_TYPES.has(r.type)).flatMap((r) => ["--allow-replace", r.urn]);
        stateBefore = JSON.stringify(sit.state().deployment.resources);
        alone = await sit.rollout(["--env", "sit", "--phase", "network", ...APPROVALS, ...allow]);
        previewed = await sit.rollout(["--env", "sit", "--phase", "all", "--preview-only", ...allow]);
        stateAfterPreview = JSON.stringify(sit.state().deployment.resources);
        run = await sit.rollout(["--env", "sit", "--phase", "all", ...APPROVALS, ...allow]);
    });

    it("removes resources in every phase", () => {
        expect(new Set(removed.map(phaseOfUrn))).to.deep.equal(new Set(PHASE_NAMES));
    });

    it("refuses --phase network alone (exit 3), naming the later phases' removals and the order, before any targeted preview", () => {
        expect(alone.code, textOf(alone.io)).to.equal(3);
        expect(textOf(alone.io)).to.include("removes resources in later phases (monitoring: 4, ecs: ").and.include("run `--phase all`");
        expect(operations(alone.calls).filter((c) => flagValues(c.argv, "--target").length > 0)).to.deep.equal([]);
    });

    it('records that refusal, like the gates\' (README "Rolling out", step 7: one record per attempt)', () => {
        const records = sit.ledger().filter((r) => r.runId !== "converge");
        expect(records.map((r) => [r.phase, r.result, r.error?.code])[0]).to.deep.equal(["network", "refused", "deletes-in-later-phases"]);
    });

    it("previews every pass with --preview-only without the engine refusing, changing nothing", () => {
        expect(previewed.code, textOf(previewed.io)).to.equal(0);
        expect(textOf(previewed.io)).not.to.include("not specified in --target list");
        expect(stateAfterPreview === stateBefore, "state changed").to.equal(true);
    });

    it("converges with --phase all, the engine refusing nothing", () => {
        expect(run.code, textOf(run.io)).to.equal(0);
        expect(textOf(run.io)).not.to.include("not specified in --target list");
        expect(textOf(run.io)).to.include("converged: a whole-stack preview shows no changes");
    });

    it("first deletes, one phase at a time from the last to the first, each up targeting only that phase's removed resources", () => {
        const ups = operations(run.calls)
            .filter((c) => c.argv[0] === "up")
            .map((c) => flagValues(c.argv, "--target"));
        const deletes = ups.slice(0, PHASE_NAMES.length);
        expect(deletes.map((t) => phaseOfUrn(t[0]))).to.deep.equal([...PHASE_NAMES].reverse());
        for (const targets of deletes) expect(removed, targets.join(" ")).to.include.members(targets);
        expect(deletes.flat().sort()).to.deep.equal([...removed].sort());
    });

    it("then applies each phase's other changes in phase order, targeting nothing removed", () => {
        const ups = operations(run.calls)
            .filter((c) => c.argv[0] === "up")
            .map((c) => flagValues(c.argv, "--target"));
        const rest = ups.slice(PHASE_NAMES.length);
        expect(rest.map((t) => phaseOfUrn(t.find(phaseOfUrn)!))).to.deep.equal([...PHASE_NAMES]);
        for (const targets of rest) expect(targets.filter((u) => removed.includes(u))).to.deep.equal([]);
    });

    it("leaves no resource of the tenant in state, and every other resource", () => {
        const urns = sit.state().deployment.resources.map((r) => r.urn);
        expect(urns.filter((u) => removed.includes(u))).to.deep.equal([]);
        const before = (JSON.parse(stateBefore) as Array<{ urn: string }>).map((r) => r.urn).filter((u) => !removed.includes(u));
        expect(urns).to.include.members(before);
    });

    it("records each deletes pass apart in the ledger, then each phase, all succeeded", () => {
        const records = sit.ledger().filter((r) => r.runId !== "converge" && r.result !== "previewed" && r.result !== "refused");
        expect(records.map((r) => [r.phase, r.pass ?? "", r.result])).to.deep.equal([
            ...[...PHASE_NAMES].reverse().map((p) => [p, "deletes", "succeeded"]),
            ...PHASE_NAMES.map((p) => [p, "", "succeeded"]),
        ]);
    });
});
