/**
 * `npm run rollout -- --tenant <id>`: only the tenant's URNs, phase by phase where it has any, through
 * the same gates, approval, saved plan, ledger and verification as a phase; plus the platform gate,
 * which refuses before any targeted preview while the platform has something to create that the
 * tenant's update could need (the engine would refuse it: "depends on … which was was not specified
 * in --target list", pulumi/pulumi step_generator.go, diagnostic 2013).
 */
import { expect } from "chai";
import { PHASE_NAMES } from "../../src/phases";
import { BbwsError, EXIT } from "../../automation/errors";
import { lastApplied } from "../../automation/gates";
import { rollout } from "../../automation/rollout";
import { harness, recordOf, request, textOf } from "../support/rollout";
import { childUrn, layerUrn, tenantProgram } from "./rollout-tenant-fixture";

/** sit asks tech-lead for every phase and dba for database. */
const APPROVALS = [
    { role: "tech-lead", name: "alice" },
    { role: "dba", name: "bob" },
];
const platformDone = () => PHASE_NAMES.map((p) => recordOf("sit", p, "succeeded"));

async function tenantRun(
    tenant: string,
    program: ReturnType<typeof tenantProgram>,
    extra: Parameters<typeof request>[2] = {},
    engine: Parameters<typeof harness>[1] extends infer O ? (O extends { engine?: infer E } ? E : never) : never = {},
) {
    const h = harness("sit", { engine: { steps: program.steps, ...engine } });
    for (const r of platformDone()) await h.ledger.append(r);
    const code = await rollout(request("sit", "all", { approvals: APPROVALS, tenant, ...extra }), h.deps);
    const records = (await h.ledger.read("sit")).filter((r) => r.runId === "run-1");
    return { h, code, records, text: textOf(h.io) };
}

describe("rollout --tenant: one tenant's resources, phase by phase", () => {
    const adding = tenantProgram("sit", { aupairhive: "same", tutorhub: "same", "aupairhive-eu": "create" });

    it("targets exactly the tenant's component and descendants in each phase it has, in phase order, and applies each saved plan", async () => {
        const { h, code, text } = await tenantRun("aupairhive-eu", adding);
        expect(code, text).to.equal(EXIT.ok);
        const own = adding.owned.get("aupairhive-eu")!;
        const targeted = h.engine.calls.filter((c) => c.target);
        expect(targeted.map((c) => c.op)).to.deep.equal(["preview", "up", "preview", "up", "preview", "up"]);
        expect(targeted.filter((c) => c.op === "up").map((c) => [...c.target!].sort())).to.deep.equal(
            ["network", "storage", "ecs"].map((p) => [...own.get(p as never)!].sort()),
        );
        for (let i = 0; i < targeted.length; i += 2) expect(targeted[i + 1].plan).to.equal(targeted[i].plan);
    });

    it("skips database and monitoring, where the tenant has nothing, saying so", async () => {
        const { text } = await tenantRun("aupairhive-eu", adding);
        expect(text).to.include("aupairhive-eu has nothing in database, monitoring (skipped)");
        expect(text).not.to.include("== database");
    });

    it("names the tenant in each plan summary and in every ledger record, which count for it alone", async () => {
        const { records, text } = await tenantRun("aupairhive-eu", adding);
        expect(text).to.include("network of tenant aupairhive-eu in sit — plan sha256");
        expect(records.map((r) => [r.phase, r.tenant, r.result])).to.deep.equal([
            ["network", "aupairhive-eu", "succeeded"],
            ["storage", "aupairhive-eu", "succeeded"],
            ["ecs", "aupairhive-eu", "succeeded"],
        ]);
        expect(records.every((r) => r.approvals.length > 0 && r.planHash)).to.equal(true);
    });

    it("takes the same gates as a phase (the tier gate too: a tier migration is a --tenant run), plus the platform gate", async () => {
        const { text } = await tenantRun("aupairhive-eu", adding);
        const gates = [...text.matchAll(/^(pass|fail|n\/a)\s+(\w+)\s/gm)].map((m) => m[2]);
        expect([...new Set(gates)]).to.deep.equal(["order", "promotion", "tier", "platform", "scope", "safety"]);
    });

    it("a tenant whose id extends another's (aupairhive, aupairhive-eu) takes none of the other's resources", async () => {
        const { h } = await tenantRun("aupairhive", tenantProgram("sit", { aupairhive: "update", "aupairhive-eu": "create" }));
        const targets = h.engine.calls.filter((c) => c.target).flatMap((c) => c.target!);
        expect(targets.filter((u) => u.includes("aupairhive-eu"))).to.deep.equal([]);
    });

    it("ends with a whole-stack preview in which only the tenant's resources must show no change; the rest is listed, not failed", async () => {
        const changed = (urn: string) => ({ ...adding.steps.find((s) => s.urn === urn)!, op: "update" as const });
        const platformLeft = changed(childUrn(layerUrn("sit", "monitoring"), "aws:sns/topic:Topic", "monitoring-alerts"));
        const { code, text } = await tenantRun("aupairhive-eu", adding, {}, { notConverged: [platformLeft] });
        expect(code, text).to.equal(EXIT.ok);
        expect(text)
            .to.include("outside aupairhive-eu, 1 change(s) are left for a rollout without --tenant")
            .and.include("converged: a whole-stack preview shows no changes to aupairhive-eu's resources");
        const own = changed(adding.owned.get("aupairhive-eu")!.get("ecs")![1]);
        const failed = await tenantRun("aupairhive-eu", adding, {}, { notConverged: [own] });
        expect(failed.code).to.equal(EXIT.failed);
        expect(failed.text).to.include("not converged: a whole-stack preview still shows 1 change(s) to aupairhive-eu's resources");
    });

    it("with --preview-only previews the tenant's passes, records nothing and names the tenant in the JSON summary", async () => {
        const { code, records, h } = await tenantRun("aupairhive-eu", adding, { previewOnly: true, format: "json" });
        expect(code).to.equal(EXIT.ok);
        expect(records).to.deep.equal([]);
        expect(h.engine.ups).to.deep.equal([]);
        expect(JSON.parse(h.io.stdout[0])).to.include({ phase: "network", tenant: "aupairhive-eu" });
    });

    it("with a single phase where the tenant has nothing, does nothing and exits 0", async () => {
        const { code, h, text } = await tenantRun("aupairhive-eu", adding, { phase: "database" });
        expect(code).to.equal(EXIT.ok);
        expect(text).to.include("nothing to do for aupairhive-eu in sit");
        expect(h.engine.calls.filter((c) => c.target)).to.deep.equal([]);
    });
});

describe("rollout --tenant: the platform gate", () => {
    const vpc = childUrn(layerUrn("sit", "network"), "aws:ec2/vpc:Vpc", "network-vpc");

    it("refuses (exit 3) while the platform has a resource to create, naming it and saying to roll out the platform first, before any targeted preview", async () => {
        const program = tenantProgram("sit", { aupairhive: "same", "aupairhive-eu": "create" }, { "network-vpc": "create" });
        const { code, h, text, records } = await tenantRun("aupairhive-eu", program);
        expect(code).to.equal(EXIT.refused);
        expect(text)
            .to.include("network: refused by the platform gate")
            .and.include(`network: create ${vpc}`)
            .and.include("roll out the platform first (`npm run rollout -- --env sit --phase network`), then aupairhive-eu again");
        expect(h.engine.calls.filter((c) => c.target)).to.deep.equal([]);
        expect(records.map((r) => [r.phase, r.tenant, r.result, r.gate])).to.deep.equal([
            ["network", "aupairhive-eu", "refused", "platform"],
        ]);
    });

    it("does not count a platform create in a phase after the tenant's last (monitoring), which the tenant cannot depend on", async () => {
        const program = tenantProgram("sit", { "aupairhive-eu": "create" }, { "monitoring-alerts": "create" });
        const { code, text } = await tenantRun("aupairhive-eu", program);
        expect(code, text).to.equal(EXIT.ok);
    });

    it("does not hold back platform updates, which a targeted update leaves as they are", async () => {
        const program = tenantProgram("sit", { "aupairhive-eu": "create" }, { "network-vpc": "update" });
        const { code, text } = await tenantRun("aupairhive-eu", program);
        expect(code, text).to.equal(EXIT.ok);
    });
});

describe("rollout --tenant: a tenant being removed, and ids that are not tenants", () => {
    it("takes a tenant in the state only (removed from config): its deletes, last phase first, and no other pass", async () => {
        const program = tenantProgram("sit", { aupairhive: "same", "tutorhub-old": "delete" });
        const { h, code, records, text } = await tenantRun("tutorhub-old", program);
        expect(code, text).to.equal(EXIT.ok);
        expect(records.map((r) => [r.phase, r.pass, r.tenant])).to.deep.equal([
            ["ecs", "deletes", "tutorhub-old"],
            ["storage", "deletes", "tutorhub-old"],
            ["network", "deletes", "tutorhub-old"],
        ]);
        const targets = h.engine.ups.flatMap((c) => c.target!);
        expect([...targets].sort()).to.deep.equal([...program.owned.get("tutorhub-old")!.values()].flat().sort());
    });

    it("refuses an unknown id with exit 2 and a did-you-mean, after the whole-program preview and before anything targeted or recorded", async () => {
        const h = harness("sit", { engine: { steps: tenantProgram("sit", { aupairhive: "same" }).steps } });
        const err = await rollout(request("sit", "all", { tenant: "aupairhiv" }), h.deps).catch((e) => e);
        expect(err).to.be.instanceOf(BbwsError);
        expect(err).to.include({ code: "unknown-tenant", exitCode: EXIT.usage });
        expect(err.message).to.include("no tenant 'aupairhiv' in sit").and.include("did you mean 'aupairhive'?");
        expect(h.engine.calls.map((c) => c.target)).to.deep.equal([undefined]);
        expect(await h.ledger.read("sit")).to.deep.equal([]);
    });

    it("accepts a tenant in config that has no tenant component yet: nothing to do, exit 0", async () => {
        const h = harness("sit");
        const code = await rollout(request("sit", "all", { tenant: "tutorhub" }), h.deps);
        expect(code).to.equal(EXIT.ok);
        expect(textOf(h.io)).to.include("nothing to do for tutorhub in sit");
    });
});

describe("rollout --tenant: its records and the platform's", () => {
    const net = (result: "succeeded" | "failed", tenant?: string, at = "2026-11-20T10:00:00.000Z") => ({
        ...recordOf("sit", "network", result),
        at,
        ...(tenant ? { tenant } : {}),
    });

    it("a tenant's success never completes a phase for the platform or another tenant", () => {
        const history = [net("failed"), net("succeeded", "abc", "2026-11-21T10:00:00.000Z")];
        expect(lastApplied(history, "network")?.result).to.equal("failed");
        expect(lastApplied(history, "network", undefined, "abc-def")?.result).to.equal("failed");
        expect(lastApplied(history, "network", undefined, "abc")?.result).to.equal("succeeded");
    });

    it("a platform rollout covers every tenant's part, so it counts for each tenant", () => {
        const history = [net("failed", "abc"), net("succeeded", undefined, "2026-11-21T10:00:00.000Z")];
        expect(lastApplied(history, "network", undefined, "abc")?.result).to.equal("succeeded");
    });
});
