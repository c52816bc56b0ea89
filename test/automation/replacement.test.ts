/**
 * The table of replace-only inputs (automation/replacement.ts) against the program: it covers every
 * type the program registers, lists only inputs the program sets, and answers a name clash for every
 * fixed-name type whose replacement could be forced by something other than its name.
 */
import { expect } from "chai";
import { isNameRule, NAME_RULES } from "../../automation/aws-name-rules";
import { REPLACEMENT_RULES, replaceKeysOf } from "../../automation/replacement";
import { synthesize, SynthResult } from "../../automation/synth";
import { ENVIRONMENTS, PROJECT_DIR, stackFileConfig } from "../support/pulumi";
import { cachedSynthesize } from "../support/synth-cache";

/** RegisterTaskDefinition adds a revision to the family: the family name is never taken twice. */
const REVISIONED = "aws:ecs/taskDefinition:TaskDefinition";

describe("replace-only inputs (automation/replacement.ts)", () => {
    it("has a row, with its provider source, for every type the program registers, and none for others", () => {
        expect(Object.keys(REPLACEMENT_RULES).sort()).to.deep.equal(Object.keys(NAME_RULES).sort());
        for (const [type, rule] of Object.entries(REPLACEMENT_RULES)) {
            expect(rule.source, type).to.match(
                /^(terraform-provider-(aws|random)|pulumi-awsx|components\/rotation-function-settings\.ts) \S+/,
            );
            expect(rule.why, type).to.have.length.above(20);
        }
    });

    describe("lists only inputs the program sets", () => {
        const synths: SynthResult[] = [];
        before(async function () {
            this.timeout(60000);
            for (const env of ENVIRONMENTS) synths.push(await cachedSynthesize(PROJECT_DIR, env));
            // No stack file has a premium tenant yet: dev with one, for the types only premium registers.
            const tenants = (stackFileConfig("dev")["bbws:tenants"] as Array<Record<string, unknown>>).map((t, i) =>
                i === 0 ? { ...t, tier: "premium" } : t,
            );
            synths.push(await synthesize(PROJECT_DIR, "dev", { configOverrides: { "bbws:tenants": tenants } }));
        });
        it("each listed input is set on some resource of its type in some environment (dev also with a premium tenant)", () => {
            const set = new Map<string, Set<string>>();
            for (const r of synths.flatMap((s) => s.resources)) {
                const keys = set.get(r.type) ?? new Set<string>();
                Object.entries(r.inputs)
                    .filter(([, v]) => v !== undefined)
                    .forEach(([k]) => keys.add(k));
                set.set(r.type, keys);
            }
            for (const [type, rule] of Object.entries(REPLACEMENT_RULES)) {
                if (rule.forceNew === "*") continue;
                for (const key of rule.forceNew) expect([...(set.get(type) ?? [])], `${type}.${key}`).to.include(key);
            }
        });
    });

    it("answers 'none' for a fixed-name type only when its name, or the scope its name is unique in, is all that replaces it", () => {
        for (const [type, rule] of Object.entries(REPLACEMENT_RULES)) {
            const naming = NAME_RULES[type];
            if (rule.clash !== "none" || !isNameRule(naming) || type === REVISIONED) continue;
            const scope = [naming.property, ...(naming.uniqueWithin ?? [])];
            expect(rule.forceNew, type).not.to.equal("*");
            expect(scope, type).to.include.members([...rule.forceNew]);
        }
    });

    it("marks only the changed inputs that force a replacement, and every change of a `*` type", () => {
        expect(replaceKeysOf("aws:rds/cluster:Cluster", ["kmsKeyId", "backupRetentionPeriod"])).to.deep.equal(["kmsKeyId"]);
        expect(replaceKeysOf("aws:ec2/securityGroup:SecurityGroup", ["description", "tags"])).to.deep.equal(["description"]);
        expect(replaceKeysOf("aws:backup/selection:Selection", ["resources"])).to.deep.equal(["resources"]);
        expect(replaceKeysOf("bbws:data:DataLayer", ["anything"])).to.deep.equal([]);
    });
});
