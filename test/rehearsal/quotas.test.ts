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

type Scenario = Parameters<Stage["scenario"]>[0];

/**
 * Dev's network phase rolled out twice in one rehearsal (hooks of the calling `describe`): under the
 * scenario `first`, then under `second`. The runs are read once the hooks have run.
 */
function twoRollouts(first: Scenario, second: Scenario): { first: () => RunResult; second: () => RunResult } {
    let dev: Stage;
    const runs: RunResult[] = [];
    before(async () => {
        dev = stage("dev");
        for (const scenario of [first, second]) {
            dev.scenario(scenario);
            runs.push(await dev.rollout(["--env", "dev", "--phase", "network", "--yes"]));
        }
    });
    after(() => dev.dispose());
    return { first: () => runs[0], second: () => runs[1] };
}

describe("rehearsal: a rollout into an account whose quotas are too small", function () {
    this.timeout(120_000);
    // An account whose security groups may hold 2 rules: less than dev's database group needs; then raised.
    const runs = twoRollouts({ appliedQuotas: { "L-0EA8095F": 2 } }, { appliedQuotas: { "L-0EA8095F": 200 } });

    it("refuses with exit 2 in preflight, naming the quota, the need, the account's value and the increase request", () => {
        const refused = runs.first();
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
        expect(operations(runs.first().calls)).to.deep.equal([]);
    });

    it("once the quota is raised, reads it and rolls the phase out", () => {
        const raised = runs.second();
        const text = textOf(raised.io);
        expect(raised.code, text).to.equal(0);
        expect(text).to.match(/quotas: .*L-0EA8095F \d+\/200/);
    });
});

describe("rehearsal: a rollout into a Region whose VPCs the rest of the account already spends", function () {
    this.timeout(120_000);
    // Besides the default VPC: four more VPCs of other stacks, so the fifth quota slot is gone; then three.
    const runs = twoRollouts({ otherResources: { vpcsPerRegion: 4 } }, { otherResources: { vpcsPerRegion: 3 } });

    it("refuses with exit 2 in preflight: the plan's VPC fits AWS's 5, not what the default VPC and the others leave", () => {
        const refused = runs.first();
        const text = textOf(refused.io);
        expect(refused.code, text).to.equal(2);
        expect(text)
            .to.match(
                /VPCs per Region \(vpc L-F678F1CE\): the plan needs 1 \(urn:pulumi:dev::[^)]*awsx:ec2:Vpc::network-vpc\), the account has 5 \(AWS's default\), /,
            )
            .and.include("of which 5 are in use outside this stack (vpc-default, vpc-other0001, vpc-other0002, …)")
            .and.include("--quota-code L-F678F1CE --desired-value 6 --region ");
        expect(operations(refused.calls)).to.deep.equal([]);
    });

    it("with one VPC of room, rolls the phase out and logs the quota as need+outside/current", () => {
        const room = runs.second();
        const text = textOf(room.io);
        expect(room.code, text).to.equal(0);
        expect(text).to.match(/quotas: .*L-F678F1CE 1\+4\/5/);
    });
});

describe("rehearsal: a rollout into a Region whose DB clusters the rest of the account already spends", function () {
    this.timeout(120_000);
    // A new account holds no database: 40 clusters of other stacks leave none of AWS's 40 for dev's own; then 39.
    const runs = twoRollouts({ otherResources: { dbClustersPerRegion: 40 } }, { otherResources: { dbClustersPerRegion: 39 } });

    it("refuses with exit 2 in preflight, counting the Region's other clusters (rds:DescribeDBClusters) with the plan's, and asks for 41", () => {
        const refused = runs.first();
        const text = textOf(refused.io);
        expect(refused.code, text).to.equal(2);
        expect(text)
            .to.match(
                /DB clusters \(rds L-952B80B8\): the plan needs 1 \(urn:pulumi:dev::[^)]*aws:rds\/cluster:Cluster::[^)]*\), the account has 40 \(AWS's default\), /,
            )
            .and.include("of which 40 are in use outside this stack (db-cluster-other0001, db-cluster-other0002, db-cluster-other0003, …)")
            .and.include("--service-code rds --quota-code L-952B80B8 --desired-value 41 --region ");
        expect(operations(refused.calls)).to.deep.equal([]);
    });

    it("with one cluster of room, rolls the phase out and logs the quota as need+outside/current", () => {
        const room = runs.second();
        const text = textOf(room.io);
        expect(room.code, text).to.equal(0);
        expect(text).to.match(/quotas: .*L-952B80B8 1\+39\/40/);
    });
});

describe("rehearsal: a rollout into an account whose other roles leave too few of its 1,000", function () {
    this.timeout(120_000);
    let dev: Stage;
    after(() => dev.dispose());
    let refused: RunResult;

    before(async () => {
        dev = stage("dev");
        dev.scenario({ otherResources: { rolesPerAccount: 995 } });
        refused = await dev.rollout(["--env", "dev", "--phase", "network", "--yes"]);
    });

    it("refuses with exit 2 in preflight, counting the account's roles outside the stack (iam:ListRoles) with the plan's", () => {
        const text = textOf(refused.io);
        expect(refused.code, text).to.equal(2);
        expect(text)
            .to.match(
                /Roles per account \(iam L-FE177D64\): the plan needs \d+ \([^)]*\), the account has 1000 \(AWS's default\), of which 995 are in use outside this stack/,
            )
            .and.match(/--quota-code L-FE177D64 --desired-value \d+ --region us-east-1/);
        expect(operations(refused.calls)).to.deep.equal([]);
    });
});
