/**
 * The tier gate wired into the rollout (automation/gates.ts `tierGate`, automation/rollout.ts): the
 * deployed tier of each tenant comes from the stack's outputs (`network.tenantTiers`, src/program.ts),
 * a stack applied before that output has only basic tenants, and `--migrate-tier <id>` is the one way
 * past it, recorded in the ledger as an override, once the tenant step log shows the export of
 * `npm run tenant -- migrate-tier` (its stop, then its export). Why a tier change is a migration: README
 * "Tier changes are migrations" (a premium tenant's file system and load balancer are its own, in its own VPC).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import type { TenantStepRecord } from "../../automation/ledger";
import { deployedTiersOf, rollout } from "../../automation/rollout";
import { toRequest } from "../../automation/rollout-cli";
import { UsageError } from "../../automation/errors";
import { stackFileConfig } from "../support/pulumi";
import { configOf, Harness, harness, request, textOf } from "../support/rollout";

/** dev's tenants, and its stack file's with aupairhive stopped and moved to premium, as the runbook's steps 1 and 3 do. */
const devTenants = configOf("dev").tenants;
const premiumAupairhive = {
    "bbws:tenants": (stackFileConfig("dev")["bbws:tenants"] as Array<{ id: string }>).map((t) =>
        t.id === "aupairhive" ? { ...t, tier: "premium", stopped: true } : t,
    ),
};
/** Records what `npm run tenant -- migrate-tier` has done for aupairhive before its tier step: stop, then export. */
async function stoppedAndExported(h: Harness): Promise<void> {
    for (const [n, step] of ["stop", "export"].entries()) {
        const record: TenantStepRecord = {
            v: 1,
            kind: "tenant-step",
            at: new Date(Date.UTC(2026, 11, 1, 9, n)).toISOString(),
            runId: "migration-1",
            env: "dev",
            tenant: "aupairhive",
            action: "migrate-tier",
            step,
            result: "succeeded",
            operator: "alice",
            durationMs: 1,
            ...(step === "export" ? { data: { archive: "s3://bucket/archive/aupairhive/tier-migration-20261201T090100.000Z/" } } : {}),
        };
        await h.ledger.appendTenantStep(record);
    }
}

/** The outputs of dev as last applied, every tenant basic. */
const basicOutputs = { network: { tenantTiers: Object.fromEntries(devTenants.map((t) => [t.id, "basic"])) } };

describe("the deployed tiers, read from the stack's outputs", () => {
    it("are network.tenantTiers when the stack has that output", () => {
        expect(deployedTiersOf({ network: { tenantTiers: { a: "basic", b: "premium" } } })).to.deep.equal(
            new Map([
                ["a", "basic"],
                ["b", "premium"],
            ]),
        );
    });

    it("are basic for every tenant with a group (network.tenantSecurityGroupIds) on a stack applied before that output", () => {
        expect(deployedTiersOf({ network: { tenantSecurityGroupIds: { a: "sg-1", b: "sg-2" } } })).to.deep.equal(
            new Map([
                ["a", "basic"],
                ["b", "basic"],
            ]),
        );
    });

    it("are undefined for a stack with no outputs: nothing deployed, nothing to migrate", () => {
        expect(deployedTiersOf({})).to.equal(undefined);
    });

    it("refuse (exit 2) an output that names no tier the schema knows", () => {
        expect(() => deployedTiersOf({ network: { tenantTiers: { a: "gold" } } }))
            .to.throw(UsageError, 'network.tenantTiers.a is "gold"')
            .with.property("code", "unreadable-outputs");
    });
});

describe("rollout: the tier gate", () => {
    it("refuses (exit 3) a config edit that moves a deployed tenant from basic to premium: nothing previewed targeted or applied, refusal recorded", async () => {
        const h = harness("dev", { config: premiumAupairhive, engine: { outputs: basicOutputs } });
        const code = await rollout(request("dev", "network", { yes: true }), h.deps);
        expect(code).to.equal(3);
        expect(textOf(h.io))
            .to.include("aupairhive: deployed basic, configured premium")
            .and.include("`npm run tenant -- migrate-tier --env dev --id aupairhive --tier premium`");
        expect(h.engine.calls.filter((c) => c.op === "up")).to.deep.equal([]);
        const [record] = await h.ledger.read("dev");
        expect(record).to.deep.include({ result: "refused", gate: "tier" });
    });

    it("refuses (exit 3) the same edit in --migrate-tier aupairhive while the tenant step log shows no export of its migration, recorded", async () => {
        const h = harness("dev", { config: premiumAupairhive, engine: { outputs: basicOutputs } });
        const code = await rollout(request("dev", "network", { yes: true, migrateTier: "aupairhive" }), h.deps);
        expect(code).to.equal(3);
        expect(textOf(h.io)).to.include("no export to import (no stop of its migrate-tier in the tenant step log)");
        expect(h.engine.calls.filter((c) => c.op === "up")).to.deep.equal([]);
        const [record] = await h.ledger.read("dev");
        expect(record).to.deep.include({ result: "refused", gate: "tier" });
    });

    it("passes the same edit in its migration (--migrate-tier aupairhive) once its stop and export are recorded, recording the override", async () => {
        const h = harness("dev", { config: premiumAupairhive, engine: { outputs: basicOutputs } });
        await stoppedAndExported(h);
        const code = await rollout(request("dev", "network", { yes: true, migrateTier: "aupairhive" }), h.deps);
        expect(code, textOf(h.io)).to.equal(0);
        const [record] = await h.ledger.read("dev");
        expect(record).to.deep.include({ result: "succeeded", overrides: ["--migrate-tier aupairhive"] });
    });

    it("treats a stack without network.tenantTiers as every deployed tenant basic, so the edit is refused there too", async () => {
        const older = { network: { tenantSecurityGroupIds: Object.fromEntries(devTenants.map((t) => [t.id, `sg-${t.id}`])) } };
        const h = harness("dev", { config: premiumAupairhive, engine: { outputs: older } });
        expect(await rollout(request("dev", "network", { yes: true }), h.deps)).to.equal(3);
    });

    it("reads the tenant step log only for --migrate-tier: an unreadable one stops that run (exit 2), and no other", async () => {
        const corrupt = (h: Harness) => {
            fs.mkdirSync(path.join(h.dir, "ledger"), { recursive: true });
            fs.writeFileSync(path.join(h.dir, "ledger", "dev.tenant-steps.jsonl"), "not json\n");
        };
        const plain = harness("dev", { engine: { outputs: basicOutputs } });
        corrupt(plain);
        expect(await rollout(request("dev", "network", { yes: true }), plain.deps), textOf(plain.io)).to.equal(0);
        const migrating = harness("dev", { config: premiumAupairhive, engine: { outputs: basicOutputs } });
        corrupt(migrating);
        await rollout(request("dev", "network", { yes: true, migrateTier: "aupairhive" }), migrating.deps).then(
            () => expect.fail("a migration must not pass on a step log it cannot read"),
            (err) => expect(err).to.have.property("code", "ledger-corrupt"),
        );
    });

    it("lets a first rollout (no outputs) deploy a tenant at premium", async () => {
        const h = harness("dev", { config: premiumAupairhive });
        expect(await rollout(request("dev", "network", { yes: true }), h.deps), textOf(h.io)).to.equal(0);
    });
});

describe("rollout CLI: --migrate-tier", () => {
    const args = (extra: Record<string, unknown>) =>
        ({
            env: "dev",
            approve: [],
            yes: true,
            "force-order": false,
            "allow-replace": [],
            resume: false,
            "preview-only": false,
            format: "table",
            rehearse: false,
            ...extra,
        }) as unknown as Parameters<typeof toRequest>[0];

    it("carries the tenant id into the request, alone or with the same --tenant", () => {
        expect(toRequest(args({ phase: "all", "migrate-tier": "shop" }))).to.include({ migrateTier: "shop" });
        expect(toRequest(args({ tenant: "shop", "migrate-tier": "shop" }))).to.include({ migrateTier: "shop", tenant: "shop" });
    });

    it("refuses (exit 2) another tenant's --tenant: one tenant per migration", () => {
        expect(() => toRequest(args({ tenant: "other", "migrate-tier": "shop" })))
            .to.throw(UsageError, "`--migrate-tier shop` migrates one tenant")
            .with.property("code", "incompatible-flags");
    });

    it("refuses (exit 2) a value that is not a tenant id", () => {
        expect(() => toRequest(args({ phase: "all", "migrate-tier": "Shop!" })))
            .to.throw(UsageError, "--migrate-tier expects a tenant id")
            .with.property("code", "invalid-tenant");
    });
});
