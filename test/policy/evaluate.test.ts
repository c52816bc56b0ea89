import { expect } from "chai";
import { evaluate, expiredWaivers } from "../../src/policy/evaluate";
import type { ResourceView, Rule } from "../../src/policy/rule";
import { renderPolicyReport } from "../../automation/policy-report";
import { RULES } from "../../src/policy/rules";
import { WAIVERS, Waiver } from "../../src/policy/waivers";

const KEY = "aws:kms/key:Key";

function key(name: string, enableKeyRotation: boolean, env = "prod"): ResourceView {
    return { type: KEY, name, urn: `urn:pulumi:${env}::bbws-platform::${KEY}::${name}`, inputs: { enableKeyRotation }, dependencies: {} };
}

const rotation: Rule = {
    name: "kms-4-test-rotation",
    control: "KMS.4",
    description: "KMS.4: test",
    explanation: "test",
    level: "mandatory",
    types: [KEY],
    scope: "resource",
    check: (r) => (r.inputs.enableKeyRotation ? [] : ["rotation off"]),
};
const advisory: Rule = { ...rotation, name: "kms-4-test-advisory", level: "advisory" };
const prodOnly: Rule = { ...rotation, name: "kms-4-test-prod-only", environments: ["prod"] };

const waiver = (over: Partial<Waiver> = {}): Waiver => ({
    policy: rotation.name,
    resource: "legacy",
    reason: "imported key, rotated by hand",
    owner: "tech-lead",
    expires: "2030-01-01",
    ...over,
});

describe("baseline evaluation", () => {
    const resources = [key("data", true), key("legacy", false)];

    it("counts every resource of the rule's types and reports each violation with policy, control and resource", () => {
        const [outcome] = evaluate(resources, { env: "prod", rules: [rotation], waivers: [], today: "2026-11-23" }).outcomes;
        expect(outcome.checked).to.equal(2);
        expect(outcome.violations).to.have.length(1);
        expect(outcome.violations[0]).to.include({
            policy: rotation.name,
            control: "KMS.4",
            level: "mandatory",
            name: "legacy",
            message: "rotation off",
        });
        expect(outcome.violations[0].urn).to.equal(resources[1].urn);
    });

    it("blocks on a mandatory violation without a waiver, and not on an advisory one", () => {
        expect(evaluate(resources, { env: "prod", rules: [rotation], waivers: [] }).blocked).to.equal(true);
        expect(evaluate(resources, { env: "prod", rules: [advisory], waivers: [] }).blocked).to.equal(false);
    });

    it("lets a waiver keyed by logical name excuse that policy on that resource, and lists it as waived", () => {
        const result = evaluate(resources, { env: "prod", rules: [rotation], waivers: [waiver()], today: "2026-11-23" });
        expect(result.blocked).to.equal(false);
        expect(result.outcomes[0].violations).to.be.empty;
        expect(result.outcomes[0].waived.map((v) => [v.name, v.waiver?.owner])).to.deep.equal([["legacy", "tech-lead"]]);
    });

    it("accepts a waiver keyed by URN, which then excuses only that stack's resource", () => {
        const w = waiver({ resource: key("legacy", false, "sit").urn });
        expect(evaluate([key("legacy", false, "sit")], { env: "sit", rules: [rotation], waivers: [w] }).blocked).to.equal(false);
        expect(evaluate([key("legacy", false, "prod")], { env: "prod", rules: [rotation], waivers: [w] }).blocked).to.equal(true);
    });

    it("does not let a waiver excuse another policy or another resource", () => {
        expect(evaluate(resources, { env: "prod", rules: [rotation], waivers: [waiver({ policy: "kms-4-other" })] }).blocked).to.equal(
            true,
        );
        expect(evaluate(resources, { env: "prod", rules: [rotation], waivers: [waiver({ resource: "data" })] }).blocked).to.equal(true);
    });

    it("ignores an expired waiver and says it expired", () => {
        const old = waiver({ expires: "2026-11-22" });
        const result = evaluate(resources, { env: "prod", rules: [rotation], waivers: [old], today: "2026-11-23" });
        expect(result.blocked).to.equal(true);
        expect(expiredWaivers(result)).to.deep.equal([old]);
        expect(renderPolicyReport(result)).to.contain("2026-11-22 (expired)");
        // The last day is still covered.
        expect(evaluate(resources, { env: "prod", rules: [rotation], waivers: [old], today: "2026-11-22" }).blocked).to.equal(false);
    });

    it("skips a rule outside the environments its control covers and shows it as n/a", () => {
        const result = evaluate([key("legacy", false, "dev")], { env: "dev", rules: [prodOnly], waivers: [] });
        expect(result.blocked).to.equal(false);
        expect(result.outcomes[0]).to.include({ applicable: false, checked: 0 });
        expect(renderPolicyReport(result)).to.contain("n/a in dev");
    });

    describe("report", () => {
        const result = evaluate(resources, {
            env: "prod",
            rules: [rotation, advisory],
            waivers: [waiver({ policy: advisory.name })],
            today: "2026-11-23",
        });

        it("has a compliance row per policy: control, level, checked, violations, waived", () => {
            const text = renderPolicyReport(result);
            expect(text).to.match(/POLICY\s+CONTROL\s+LEVEL\s+CHECKED\s+VIOLATIONS\s+WAIVED/);
            expect(text).to.match(/kms-4-test-rotation\s+KMS\.4\s+mandatory\s+2\s+1\s+0/);
            expect(text).to.match(/kms-4-test-advisory\s+KMS\.4\s+advisory\s+2\s+0\s+1/);
        });

        it("lists each violation with policy, resource and message, every waiver on record, and the verdict", () => {
            const text = renderPolicyReport(result);
            expect(text).to.match(/kms-4-test-rotation\s+mandatory\s+legacy\s+rotation off/);
            expect(text).to.contain("Waivers on record (1, 0 expired)");
            expect(text).to.contain("imported key, rotated by hand");
            expect(text).to.contain("BLOCKED: 1 mandatory violation(s) without a waiver.");
        });

        it("renders Markdown tables for a pull request", () => {
            const md = renderPolicyReport(result, "markdown");
            expect(md).to.contain("### Security baseline: prod");
            expect(md).to.contain("| POLICY | CONTROL | LEVEL | CHECKED | VIOLATIONS | WAIVED |");
            expect(md).to.contain("| kms-4-test-rotation | KMS.4 | mandatory | 2 | 1 | 0 |");
        });
    });

    describe("waivers on record", () => {
        for (const w of WAIVERS) {
            it(`${w.policy} on ${w.resource}: names a policy of the pack, with a reason, an owner and a real expiry date`, () => {
                expect(RULES.map((r) => r.name)).to.include(w.policy);
                expect(w.reason.length, "reason").to.be.above(20);
                expect(w.owner).to.not.be.empty;
                expect(w.expires).to.match(/^\d{4}-\d{2}-\d{2}$/);
                expect(Number.isNaN(Date.parse(w.expires))).to.equal(false);
            });
        }
    });
});
