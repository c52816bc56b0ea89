/**
 * Scenario 3: a config change (one more tenant, in a copy of the stack file) touches only the phases
 * that hold that tenant's resources, and each phase's summary lists exactly them, plus what must
 * follow (a policy, the dashboard, the migration task's next revision).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { desiredState } from "../support/engine/desired";
import { phaseOfUrn, PROJECT_DIR, RunResult, Stage, stage } from "../support/rehearsal";

interface PhaseSummaryJson {
    phase: string;
    resources: Array<{ urn: string; type: string; op: string; properties: string[] }>;
}

/** The per-phase summaries of a `--format json` run. */
function summaries(run: RunResult): PhaseSummaryJson[] {
    return run.io.stdout.map((text) => JSON.parse(text));
}

describe("rehearsal: one more tenant in a copy of the stack file", function () {
    this.timeout(60_000);
    const TENANT = "quizcraft";
    let dev: Stage;
    after(() => dev.dispose());
    let run: RunResult;
    let tenantUrns: string[];

    before(async () => {
        dev = stage("dev");
        dev.converge();
        const file = path.join(dev.projectDir, "Pulumi.dev.yaml");
        const doc = parse(fs.readFileSync(file, "utf8"));
        doc.config["bbws:tenants"].push({ id: TENANT, slot: 3, cpu: 256, memory: 512 });
        fs.writeFileSync(file, stringify(doc));
        run = await dev.rollout(["--env", "dev", "--phase", "all", "--yes", "--format", "json"]);
        tenantUrns = (await desiredState(dev.projectDir, "dev")).resources.map((r) => r.urn).filter((u) => u.split("::").pop()!.includes(TENANT));
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
        for (const r of summaries(run).flatMap((p) => p.resources).filter((x) => x.op !== "create")) {
            expect(r.op, r.urn).to.be.oneOf(["update", "replace"]);
            if (r.op === "replace") expect(r.type, r.urn).to.equal("aws:ecs/taskDefinition:TaskDefinition");
            expect(r.properties, r.urn).not.to.deep.equal([]);
        }
    });

    it("can be previewed for all phases at once with --preview-only (driver: not yet — each phase is previewed " +
        "against a state without the earlier phases' creates, so the engine refuses the later phases' dependencies)");

    it("leaves the project's own stack file alone", () => {
        expect(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")).not.to.include(TENANT);
    });
});
