/**
 * The config keys onboarding and offboarding rely on: retired tenants whose ids and slots are never
 * reused, a tenant's service stopped as data (auto-scaling 0–0), and how long a retired tenant's
 * media is kept. Across the whole range the schema accepts (fast-check), not two tenants.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import { ConfigError, parseConfig } from "../../src/config";
import { retiredMediaRules } from "../../components/storage";
import { stackFileConfig } from "../support/pulumi";

const dev = stackFileConfig("dev") as Record<string, any>;

function problemsWith(changes: Record<string, unknown>): string[] {
    try {
        parseConfig("dev", { ...dev, ...changes });
        return [];
    } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
    }
}

/** Ids the tenant schema accepts: a DNS label, 3–23 characters, not reserved, no '--' in third and fourth place. */
const acceptedId = fc
    .tuple(
        fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz"),
        fc.stringMatching(/^[a-z0-9-]{1,21}$/),
        fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"),
    )
    .map(([a, b, c]) => `${a}${b}${c}`)
    .filter((id) => !["migration", "sessions"].includes(id) && id.slice(2, 4) !== "--");
const acceptedSlot = fc.integer({ min: 1, max: 9999 });
const acceptedDate = fc
    .date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10));
const tenant = (id: string, slot: number, patch: object = {}) => ({ id, slot, cpu: 512, memory: 1024, ...patch });

describe("configuration: tenants' lifecycle", () => {
    describe("bbws:retiredTenants", () => {
        it("defaults to none", () => {
            expect(parseConfig("dev", dev).retiredTenants).to.deep.equal([]);
        });

        it("refuses any tenant whose id is retired, naming the retired entry (any accepted id, slot and date)", () => {
            fc.assert(
                fc.property(acceptedId, acceptedSlot, acceptedSlot, acceptedDate, (id, slot, retiredSlot, date) => {
                    fc.pre(slot !== retiredSlot);
                    const problems = problemsWith({
                        "bbws:tenants": [tenant(id, slot)],
                        "bbws:retiredTenants": [{ id, slot: retiredSlot, date }],
                    });
                    expect(problems).to.deep.equal([
                        `bbws:tenants[0].id: id '${id}' is retired (bbws:retiredTenants[0]: id ${id}, slot ${retiredSlot}, retired ${date}) and is never reused: ` +
                            "its archive, media prefix, logs and file ownership still name it",
                    ]);
                }),
                { numRuns: 50 },
            );
        });

        it("refuses any tenant whose slot is retired, naming the retired entry", () => {
            fc.assert(
                fc.property(acceptedId, acceptedId, acceptedSlot, acceptedDate, (id, retiredId, slot, date) => {
                    fc.pre(id !== retiredId);
                    const problems = problemsWith({
                        "bbws:tenants": [tenant(id, slot)],
                        "bbws:retiredTenants": [{ id: retiredId, slot, date }],
                    });
                    expect(problems).to.have.length(1);
                    expect(problems[0]).to.match(
                        new RegExp(
                            `^bbws:tenants\\[0\\]\\.slot: slot ${slot} is retired \\(bbws:retiredTenants\\[0\\]: id ${retiredId}, slot ${slot}, retired ${date}\\)`,
                        ),
                    );
                }),
                { numRuns: 50 },
            );
        });

        it("accepts tenants beside retired ones that share neither id nor slot", () => {
            fc.assert(
                fc.property(acceptedId, acceptedId, acceptedSlot, acceptedSlot, acceptedDate, (id, retiredId, slot, retiredSlot, date) => {
                    fc.pre(id !== retiredId && slot !== retiredSlot);
                    const cfg = parseConfig("dev", {
                        ...dev,
                        "bbws:tenants": [tenant(id, slot)],
                        "bbws:retiredTenants": [{ id: retiredId, slot: retiredSlot, date }],
                    });
                    expect(cfg.retiredTenants).to.deep.equal([{ id: retiredId, slot: retiredSlot, date }]);
                }),
                { numRuns: 50 },
            );
        });

        it("refuses a retired id or slot listed twice, a date that is not a calendar day, and an unknown key", () => {
            const retired = (patch: object = {}) => ({ id: "oldco", slot: 9, date: "2026-01-31", ...patch });
            expect(problemsWith({ "bbws:retiredTenants": [retired(), retired({ slot: 10 })] })).to.deep.equal([
                "bbws:retiredTenants[1].id: duplicate retired tenant id 'oldco' (also at bbws:retiredTenants[0].id)",
            ]);
            expect(problemsWith({ "bbws:retiredTenants": [retired(), retired({ id: "other" })] })).to.deep.equal([
                "bbws:retiredTenants[1].slot: duplicate retired tenant slot '9' (also at bbws:retiredTenants[0].slot)",
            ]);
            expect(problemsWith({ "bbws:retiredTenants": [retired({ date: "2026-02-30" })] })).to.deep.equal([
                "bbws:retiredTenants[0].date: a calendar date",
            ]);
            expect(problemsWith({ "bbws:retiredTenants": [retired({ date: "31/01/2026" })] })[0]).to.match(/a date as YYYY-MM-DD/);
            expect(problemsWith({ "bbws:retiredTenants": [retired({ reason: "churn" })] })[0]).to.match(/unknown key 'reason'/);
        });
    });

    describe("bbws:tenants[].stopped", () => {
        it("runs no tasks: a stopped tenant's auto-scaling range is 0–0 whatever the environment's range, singleton or not", () => {
            fc.assert(
                fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 50 }), fc.boolean(), (min, extra, singleton) => {
                    const ecs = { ...dev["bbws:ecs"], minCapacity: min, maxCapacity: min + extra };
                    const cfg = parseConfig("dev", {
                        ...dev,
                        "bbws:ecs": ecs,
                        "bbws:tenants": [tenant("newco", 7, { stopped: true, singleton })],
                    });
                    expect(cfg.tenants[0]).to.include({ stopped: true, minCapacity: 0, maxCapacity: 0 });
                }),
                { numRuns: 50 },
            );
        });

        it("defaults to false: the tenant runs at its normal range", () => {
            const cfg = parseConfig("dev", { ...dev, "bbws:tenants": [tenant("newco", 7)] });
            expect(cfg.tenants[0].stopped).to.equal(false);
            expect(cfg.tenants[0].maxCapacity).to.be.greaterThan(0);
        });

        it("refuses stopped together with minCapacity or maxCapacity, which it would ignore", () => {
            for (const patch of [{ minCapacity: 1 }, { maxCapacity: 2 }]) {
                expect(problemsWith({ "bbws:tenants": [tenant("newco", 7, { stopped: true, ...patch })] })).to.deep.equal([
                    "bbws:tenants[0].stopped: a stopped service runs no tasks (auto-scaling range 0–0), so minCapacity and maxCapacity would be ignored; drop them, or drop stopped",
                ]);
            }
        });

        it("takes offboarding (remove's mark, dropping a premium tenant's load balancer protection) only with stopped", () => {
            expect(
                parseConfig("dev", { ...dev, "bbws:tenants": [tenant("newco", 7, { stopped: true, offboarding: true })] }).tenants[0],
            ).to.include({
                stopped: true,
                offboarding: true,
            });
            expect(parseConfig("dev", { ...dev, "bbws:tenants": [tenant("newco", 7)] }).tenants[0].offboarding).to.equal(false);
            expect(problemsWith({ "bbws:tenants": [tenant("newco", 7, { offboarding: true })] })).to.deep.equal([
                "bbws:tenants[0].offboarding: written by `npm run tenant -- remove` with stopped: true; a tenant still serving keeps its load balancer's deletion protection: add stopped, or drop offboarding",
            ]);
        });
    });

    describe("bbws:storage.retainTenantMediaDays", () => {
        it("defaults to 90 days and takes positive whole days only", () => {
            expect(parseConfig("dev", dev).storage.retainTenantMediaDays).to.equal(90);
            expect(problemsWith({ "bbws:storage": { retainTenantMediaDays: 0 } })).to.have.length(1);
        });

        it("expires each retired tenant's media prefix at midnight UTC, `days` after the day it was retired, and its noncurrent versions `days` after", () => {
            fc.assert(
                fc.property(acceptedId, acceptedDate, fc.integer({ min: 1, max: 3650 }), (id, date, days) => {
                    const [rule] = retiredMediaRules([{ id, date }], days);
                    expect(rule.filter).to.deep.equal({ prefix: `tenants/${id}/` });
                    expect(rule.noncurrentVersionExpiration).to.deep.equal({ noncurrentDays: days });
                    const expiry = (rule.expiration as { date: string }).date;
                    // S3 API reference, LifecycleExpiration: "The date value must conform to the ISO 8601 format. The time is always midnight UTC."
                    expect(expiry).to.match(/^\d{4}-\d{2}-\d{2}T00:00:00Z$/);
                    expect((Date.parse(expiry) - Date.parse(`${date}T00:00:00Z`)) / 86_400_000).to.equal(days);
                }),
                { numRuns: 100 },
            );
        });

        it("makes no rule when no tenant is retired (S3 refuses a lifecycle configuration without rules)", () => {
            expect(retiredMediaRules([], 90)).to.deep.equal([]);
        });
    });
});
