/**
 * A rollout into an account whose Service Quotas are too small for the program: the real driver
 * (`main` with the `--rehearse` wiring) reads the quotas from the rehearsal's Service Quotas double
 * (automation/quotas.ts `serviceQuotasDouble`: AWS's defaults, `GetServiceQuota`'s
 * NoSuchResourceException for a quota with no applied value) against the environment's own synth, and
 * refuses before any phase is previewed. Sources: Service Quotas API reference, GetServiceQuota
 * "Errors" and GetAWSDefaultServiceQuota; quota codes in automation/quotas.ts `QUOTA_SPECS`.
 */
import { expect } from "chai";
import { operations, RunResult, Stage, stage, textOf } from "../support/rehearsal";

describe("rehearsal: a rollout into an account whose quotas are too small", function () {
    this.timeout(120_000);
    let dev: Stage;
    after(() => dev.dispose());
    let refused: RunResult;
    let raised: RunResult;

    before(async () => {
        dev = stage("dev");
        // An account whose security groups may hold 2 rules: less than dev's database group needs.
        dev.scenario({ appliedQuotas: { "L-0EA8095F": 2 } });
        refused = await dev.rollout(["--env", "dev", "--phase", "network", "--yes"]);
        dev.scenario({ appliedQuotas: { "L-0EA8095F": 200 } });
        raised = await dev.rollout(["--env", "dev", "--phase", "network", "--yes"]);
    });

    it("refuses with exit 2 in preflight, naming the quota, the need, the account's value and the increase request", () => {
        const text = textOf(refused.io);
        expect(refused.code, text).to.equal(2);
        expect(text)
            .to.include("Inbound or outbound rules per security group (vpc L-0EA8095F): the plan needs")
            .and.include("the account has 2\n")
            .and.match(
                /aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-0EA8095F --desired-value \d+ --region /,
            );
    });

    it("previews and applies nothing", () => {
        expect(operations(refused.calls)).to.deep.equal([]);
    });

    it("once the quota is raised, reads it and rolls the phase out", () => {
        const text = textOf(raised.io);
        expect(raised.code, text).to.equal(0);
        expect(text).to.match(/quotas: .*L-0EA8095F \d+\/200/);
    });
});
