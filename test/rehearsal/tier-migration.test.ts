/**
 * Scenario: a config edit that moves a deployed tenant from basic to premium (issue 21), through the
 * rollout CLI's `main` and the scripted engine. The tier gate (automation/gates.ts `tierGate`) reads the
 * deployed tier from the stack's `network.tenantTiers` output and refuses the edit before any phase is
 * previewed or applied (exit 3, recorded); `--migrate-tier` by hand is refused too while the tenant step
 * log shows no export of the tenant's migration. With the edit put back, `npm run tenant -- migrate-tier`
 * passes it (its stop and export first), recorded as an override, after which the output says premium
 * and a plain rollout passes. Why a tier change is a migration: README "Tier changes are migrations".
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { memoryIo } from "../../automation/io";
import { main as tenant } from "../../automation/tenant-cli";
import { PHASE_NAMES } from "../../src/phases";
import { operations, RunResult, Stage, stage, textOf } from "../support/rehearsal";

describe("rehearsal: a deployed tenant's tier edited from basic to premium", function () {
    // Three rollouts of dev through the scripted engine after a converge.
    this.timeout(300_000);
    const TENANT = "aupairhive";
    let dev: Stage;
    after(() => dev.dispose());
    let refused: RunResult;
    let byHand: RunResult;
    let stateAfterByHand: string;
    let stateAfterRefusal: string;
    let stateBefore: string;
    let migrated: { code: number; io: ReturnType<typeof memoryIo> };
    let after_: RunResult;
    let ledgerAfterRefusal: number;
    let ledgerAfterMigration: number;

    before(async () => {
        dev = stage("dev");
        dev.converge();
        const file = path.join(dev.projectDir, "Pulumi.dev.yaml");
        const original = fs.readFileSync(file, "utf8");
        const doc = parse(original);
        // An operator's edit by hand: the tenant stopped (the gate refuses to move one still serving), then its tier changed.
        Object.assign(
            doc.config["bbws:tenants"].find((t: { id: string }) => t.id === TENANT),
            { stopped: true, tier: "premium" },
        );
        fs.writeFileSync(file, stringify(doc));
        stateBefore = JSON.stringify(dev.state().deployment.resources);
        refused = await dev.rollout(["--env", "dev", "--phase", "all", "--yes"]);
        ledgerAfterRefusal = dev.ledger().length;
        stateAfterRefusal = JSON.stringify(dev.state().deployment.resources);
        byHand = await dev.rollout([
            "--env",
            "dev",
            "--phase",
            "all",
            "--migrate-tier",
            TENANT,
            "--yes",
            "--allow-replace",
            `urn:pulumi:dev::bbws-platform::bbws:network:NetworkLayer$bbws:network:TenantNetwork$aws:ec2/securityGroup:SecurityGroup::network-tenant-${TENANT}-sg`,
        ]);
        stateAfterByHand = JSON.stringify(dev.state().deployment.resources);
        // The gate's fix: put the tier back, and migrate with the command.
        fs.writeFileSync(file, original);
        const io = memoryIo();
        const command = [
            "migrate-tier",
            "--env",
            "dev",
            "--id",
            TENANT,
            "--tier",
            "premium",
            "--yes",
            "--rehearse",
            "--rehearsal-dir",
            dev.dir,
        ];
        migrated = { code: await tenant(command, io), io };
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
            .and.include(`npm run tenant -- migrate-tier --env dev --id ${TENANT} --tier premium`);
    });

    it("refuses --migrate-tier by hand (exit 3) while the tenant step log shows no export of its migration, applying nothing", () => {
        const text = textOf(byHand.io);
        expect(byHand.code, text).to.equal(3);
        expect(text).to.include(
            `${TENANT}: deployed basic, configured premium: no export to import (no stop of its migrate-tier in the tenant step log)`,
        );
        expect(operations(byHand.calls).filter((c) => c.argv[0] === "up")).to.deep.equal([]);
        expect(stateAfterByHand).to.equal(stateBefore);
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
        ).to.deep.equal([
            // The deletes pass goes first, last phase first: the stopped tenant's paused rotation is the database phase's delete.
            ["database", "tier"],
            ["database", "tier"],
        ]);
    });

    it("passes in the tenant's migration (npm run tenant -- migrate-tier), recording the override on every phase of its --phase all run", () => {
        expect(migrated.code, [...migrated.io.stdout, ...migrated.io.stderr].join("\n")).to.equal(0);
        const records = dev.ledger().slice(ledgerAfterRefusal + 1, ledgerAfterMigration);
        const overridden = records.filter((r) => r.overrides.includes(`--migrate-tier ${TENANT}`));
        expect(overridden.map((r) => [r.phase, r.result])).to.deep.equal(PHASE_NAMES.map((p) => [p, "succeeded"]));
        // Its stop before and its start after: the tenant's ecs, monitoring and database phases alone, nothing to override.
        expect(records.filter((r) => !overridden.includes(r)).map((r) => [r.phase, r.tenant, r.result])).to.deep.equal([
            ["database", TENANT, "succeeded"],
            ["ecs", TENANT, "succeeded"],
            ["monitoring", TENANT, "succeeded"],
            ["database", TENANT, "succeeded"],
            ["monitoring", TENANT, "succeeded"],
            ["ecs", TENANT, "succeeded"],
        ]);
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
