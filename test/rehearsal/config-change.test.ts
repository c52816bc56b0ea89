/**
 * Scenario 3: a config change (one more tenant, in a copy of the stack file) touches only the phases
 * that hold that tenant's resources, and each phase's summary lists exactly them, plus what must
 * follow (a policy, the dashboard, the migration task's next revision).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { desiredState } from "../../automation/rehearsal-engine/desired";
import { flagValues, phaseOfUrn, PROJECT_DIR, RunResult, Stage, stage } from "../support/rehearsal";

interface PhaseSummaryJson {
    phase: string;
    resources: Array<{ urn: string; type: string; op: string; properties: string[] }>;
}

/** The per-phase summaries of a `--format json` run. */
function summaries(run: RunResult): PhaseSummaryJson[] {
    return run.io.stdout.map((text) => JSON.parse(text));
}

describe("rehearsal: one more tenant in a copy of the stack file", function () {
    // Two whole-platform rollouts of dev through the scripted engine: about 30 s on an idle 2-core machine
    // (main and this branch alike, 2026-12-01), over 60 s when the full suite runs beside other work.
    this.timeout(180_000);
    const TENANT = "quizcraft";
    let dev: Stage;
    after(() => dev.dispose());
    let previewed: RunResult;
    let stateBefore: string;
    let stateAfterPreview: string;
    let ledgerBefore: string;
    let ledgerAfterPreview: string;
    let run: RunResult;
    let tenantUrns: string[];

    before(async () => {
        dev = stage("dev");
        dev.converge();
        const file = path.join(dev.projectDir, "Pulumi.dev.yaml");
        const doc = parse(fs.readFileSync(file, "utf8"));
        doc.config["bbws:tenants"].push({ id: TENANT, slot: 3, cpu: 256, memory: 512 });
        fs.writeFileSync(file, stringify(doc));
        stateBefore = JSON.stringify(dev.state().deployment.resources);
        ledgerBefore = JSON.stringify(dev.ledger());
        previewed = await dev.rollout(["--env", "dev", "--phase", "all", "--preview-only", "--format", "json"]);
        stateAfterPreview = JSON.stringify(dev.state().deployment.resources);
        ledgerAfterPreview = JSON.stringify(dev.ledger());
        run = await dev.rollout(["--env", "dev", "--phase", "all", "--yes", "--format", "json"]);
        tenantUrns = (await desiredState(dev.projectDir, "dev")).resources
            .map((r) => r.urn)
            .filter((u) => u.split("::").pop()!.includes(TENANT));
    });

    it("rolls out without error", () => {
        expect(run.code, run.io.stderr.join("\n")).to.equal(0);
        expect(tenantUrns.length).to.be.greaterThan(3);
    });

    it("creates exactly the new tenant's resources, each in its own phase's summary", () => {
        const created = summaries(run).flatMap((p) => p.resources.filter((r) => r.op === "create").map((r) => [p.phase, r.urn]));
        expect(created.map(([, urn]) => urn).sort()).to.deep.equal([...tenantUrns].sort());
        for (const [phase, urn] of created) expect(phaseOfUrn(urn), urn).to.equal(phase);
    });

    it("touches only the phases that hold the tenant's resources", () => {
        const touched = new Set(tenantUrns.map(phaseOfUrn));
        for (const p of summaries(run)) {
            if (!touched.has(p.phase)) expect(p.resources, p.phase).to.deep.equal([]);
        }
    });

    it("deletes nothing, replaces only task definitions (a new revision), and lists the properties of every other change", () => {
        for (const r of summaries(run)
            .flatMap((p) => p.resources)
            .filter((x) => x.op !== "create")) {
            expect(r.op, r.urn).to.be.oneOf(["update", "replace"]);
            if (r.op === "replace") expect(r.type, r.urn).to.equal("aws:ecs/taskDefinition:TaskDefinition");
            expect(r.properties, r.urn).not.to.deep.equal([]);
        }
    });

    it("can first be previewed for all phases at once with --preview-only, each phase showing exactly what its rollout then did", () => {
        expect(previewed.code, previewed.io.stderr.join("\n")).to.equal(0);
        const rows = (r: RunResult) =>
            summaries(r).map((p) => [p.phase, p.resources.map((x) => `${x.op} ${x.urn} ${x.properties.join(",")}`)]);
        expect(rows(previewed)).to.deep.equal(rows(run));
    });

    it("previews a later phase together with the earlier ones (it needs what they create), changing nothing", () => {
        const targeted = previewed.calls.filter((c) => c.argv[0] === "preview" && flagValues(c.argv, "--target").length > 0);
        const phases = targeted.map((c) => [...new Set(flagValues(c.argv, "--target").map(phaseOfUrn))]);
        expect(phases.slice(0, 2)).to.deep.equal([["network"], ["network", "database"]]);
        expect(previewed.calls.filter((c) => c.argv[0] === "up")).to.deep.equal([]);
        expect(targeted).to.have.length(5);
        expect(ledgerAfterPreview, "a preview records nothing").to.equal(ledgerBefore);
        expect(stateAfterPreview).to.equal(stateBefore);
    });

    it("leaves the project's own stack file alone", () => {
        expect(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")).not.to.include(TENANT);
    });
});
