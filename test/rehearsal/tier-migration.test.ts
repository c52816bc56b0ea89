/**
 * Scenario: a config edit that moves a deployed tenant from basic to premium (issue 21), through the
 * rollout CLI's `main` and the scripted engine. The tier gate (automation/gates.ts `tierGate`) reads the
 * deployed tier from the stack's `network.tenantTiers` output and refuses the edit before any phase is
 * previewed or applied (exit 3, recorded); the same edit passes in the tenant's own migration
 * (`--migrate-tier`), recorded as an override, after which the output says premium and a plain rollout
 * passes. Why a tier change is a migration: README "Tier changes are migrations".
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { PHASE_NAMES } from "../../src/phases";
import { operations, RunResult, Stage, stage, textOf } from "../support/rehearsal";

describe("rehearsal: a deployed tenant's tier edited from basic to premium", function () {
    // Three rollouts of dev through the scripted engine after a converge.
    this.timeout(300_000);
    const TENANT = "aupairhive";
    let dev: Stage;
    after(() => dev.dispose());
    let refused: RunResult;
    let stateAfterRefusal: string;
    let stateBefore: string;
    let migrated: RunResult;
    let after_: RunResult;
    let ledgerAfterRefusal: number;
    let ledgerAfterMigration: number;

    before(async () => {
        dev = stage("dev");
        dev.converge();
        const file = path.join(dev.projectDir, "Pulumi.dev.yaml");
        const doc = parse(fs.readFileSync(file, "utf8"));
        // Runbook steps 1 and 3: the tenant stopped (the gate refuses to move one still serving), then its tier changed.
        Object.assign(
            doc.config["bbws:tenants"].find((t: { id: string }) => t.id === TENANT),
            { stopped: true, tier: "premium" },
        );
        fs.writeFileSync(file, stringify(doc));
        stateBefore = JSON.stringify(dev.state().deployment.resources);
        refused = await dev.rollout(["--env", "dev", "--phase", "all", "--yes"]);
        ledgerAfterRefusal = dev.ledger().length;
        stateAfterRefusal = JSON.stringify(dev.state().deployment.resources);
        migrated = await dev.rollout([
            "--env",
            "dev",
            "--phase",
            "all",
            "--migrate-tier",
            TENANT,
            "--yes",
            // The task group moves into the tenant's own VPC (its vpcId forces a new one): named, as the runbook says.
            "--allow-replace",
            `urn:pulumi:dev::bbws-platform::bbws:network:NetworkLayer$bbws:network:TenantNetwork$aws:ec2/securityGroup:SecurityGroup::network-tenant-${TENANT}-sg`,
        ]);
        ledgerAfterMigration = dev.ledger().length;
        after_ = await dev.rollout(["--env", "dev", "--phase", "all", "--yes"]);
    });

    it("starts from a converged stack whose outputs say the tenant is basic (network.tenantTiers)", () => {
        expect(
            JSON.parse(stateBefore).find((r: { type: string }) => r.type === "pulumi:pulumi:Stack").outputs.network.tenantTiers,
        ).to.include({
            [TENANT]: "basic",
        });
    });

    it("refuses the edit with exit 3 at the tier gate, naming the tenant, both tiers and the migration command", () => {
        const text = textOf(refused.io);
        expect(refused.code, text).to.equal(3);
        expect(text)
            .to.include(`${TENANT}: deployed basic, configured premium`)
            .and.include(`npm run rollout -- --env dev --phase all --migrate-tier ${TENANT}`);
    });

    it("applies nothing when it refuses: no targeted preview or up, the state unchanged, the refusal recorded", () => {
        expect(operations(refused.calls).filter((c) => c.argv[0] === "up")).to.deep.equal([]);
        expect(operations(refused.calls).filter((c) => c.argv.includes("--target"))).to.deep.equal([]);
        expect(stateAfterRefusal).to.equal(stateBefore);
        expect(
            dev
                .ledger()
                .filter((r) => r.result === "refused")
                .map((r) => [r.phase, r.gate]),
        ).to.deep.equal([["network", "tier"]]);
    });

    it("passes in the tenant's migration (--migrate-tier), recording the override on every phase it applied", () => {
        expect(migrated.code, textOf(migrated.io)).to.equal(0);
        const records = dev.ledger().slice(ledgerAfterRefusal, ledgerAfterMigration);
        expect(records.map((r) => [r.phase, r.result])).to.deep.equal(PHASE_NAMES.map((p) => [p, "succeeded"]));
        for (const r of records) expect(r.overrides, r.phase).to.include(`--migrate-tier ${TENANT}`);
    });

    it("leaves the tenant deployed as premium (network.tenantTiers): the next plain rollout passes the tier gate with nothing to override", () => {
        expect(after_.code, textOf(after_.io)).to.equal(0);
        const root = dev.state().deployment.resources.find((r) => r.type === "pulumi:pulumi:Stack") as { outputs?: any };
        expect(root?.outputs?.network?.tenantTiers).to.include({ [TENANT]: "premium" });
        const last = dev.ledger().slice(ledgerAfterMigration);
        expect(last.map((r) => [r.phase, r.result])).to.deep.equal(PHASE_NAMES.map((p) => [p, "succeeded"]));
        for (const r of last) expect(r.overrides, r.phase).to.deep.equal([]);
    });
});
