/**
 * The baseline covers the standby region (issue 17): every rule judges resources by type, whatever
 * their region, so each DR-region resource of a covered type is checked, and prod passes with them.
 * The regional quotas are each region's own (Amazon VPC quotas: "these quotas are per Region"), so the
 * quota rule gives the standby region's need apart.
 */
import { expect } from "chai";
import { evaluateSynth, viewsFromSynth } from "../../automation/policy-offline";
import { RULES } from "../../src/policy/rules";
import { quotaNeeds } from "../../src/policy/rules/quotas-1-default-service-quotas";
import type { SynthResult } from "../../automation/synth";
import { PROJECT_DIR } from "../support/pulumi";
import { cachedSynthesize } from "../support/synth-cache";

describe("policy: the DR region's resources (issue 17)", function () {
    this.timeout(300000);
    let prod: SynthResult;
    before(async () => {
        prod = await cachedSynthesize(PROJECT_DIR, "prod");
    });

    it("every rule whose types the standby region holds checks those resources too", () => {
        const inDr = prod.resources.filter((r) => r.inputs.region === "eu-west-1");
        const evaluation = evaluateSynth(prod);
        const covering = RULES.filter((rule) => inDr.some((r) => rule.types.includes(r.type)));
        expect(covering.map((r) => r.name)).to.include.members([
            "rds-7-cluster-deletion-protection",
            "rds-27-cluster-encrypted",
            "rds-34-audit-logs",
            "s3-14-versioning",
            "s3-17-kms-encryption",
            "elb-5-access-logs",
            "ecs-9-logging",
            "kms-4-key-rotation",
            "cloudwatch-16-log-retention",
            "ec2-6-vpc-flow-logs",
        ]);
        for (const rule of covering) {
            const outcome = evaluation.outcomes.find((o) => o.rule === rule)!;
            const drTargets = inDr.filter((r) => rule.types.includes(r.type)).length;
            const primaryTargets = prod.resources.filter((r) => rule.types.includes(r.type) && r.inputs.region !== "eu-west-1").length;
            expect(outcome.checked, rule.name).to.equal(drTargets + primaryTargets);
        }
    });

    it("prod, standby included, has no mandatory violation without a waiver", () => {
        const evaluation = evaluateSynth(prod);
        const unwaived = evaluation.outcomes.flatMap((o) => o.violations.filter((v) => v.level === "mandatory"));
        expect(unwaived.map((v) => `${v.policy} ${v.urn}: ${v.message}`)).to.deep.equal([]);
        expect(evaluation.blocked).to.equal(false);
    });

    it("the quota rule counts the standby region's VPC, gateways and load balancer as that region's need, apart from the primary's (each region has its own quotas)", () => {
        const needs = quotaNeeds({ env: "prod", resources: viewsFromSynth(prod) });
        const regions = (key: keyof typeof needs) =>
            Object.fromEntries(Object.entries(needs[key].byRegion ?? {}).map(([region, need]) => [region, need.need]));
        // "" is the provider's region (af-south-1); the standby's resources name eu-west-1.
        expect(regions("vpcsPerRegion")).to.deep.equal({ "": 1, "eu-west-1": 1 });
        expect(regions("internetGatewaysPerRegion")).to.deep.equal({ "": 1, "eu-west-1": 1 });
        expect(regions("loadBalancersPerRegion")).to.deep.equal({ "": 1, "eu-west-1": 1 });
        expect(needs.vpcsPerRegion.need).to.equal(1);
    });
});
