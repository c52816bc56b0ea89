/**
 * The scripted engine's step rules, checked directly (no CLI): Pulumi's targeting as it is
 * (PULUMI-FACTS.md, step_generator.go), replacement, and what a saved plan allows. The rehearsal
 * scenarios are only as good as these.
 */
import { expect } from "chai";
import { DEFAULT_OPTIONS } from "../../automation/synth";
import { desiredState, DesiredResource } from "../../automation/rehearsal-engine/desired";
import type { StateResource } from "../../automation/rehearsal-engine/state";
import { computeSteps, planOf, planViolation, Step, unmetPlan } from "../../automation/rehearsal-engine/steps";
import { deletionRefusal } from "../../automation/rehearsal-engine/deletion-protection";
import { PROJECT_DIR } from "../support/pulumi";

const ROOT = "urn:pulumi:dev::bbws-platform::pulumi:pulumi:Stack::bbws-platform-dev";
const PROVIDER = "urn:pulumi:dev::bbws-platform::pulumi:providers:aws::default_7_48_0";
const NETWORK = "urn:pulumi:dev::bbws-platform::bbws:network:NetworkLayer::network";
const SG = "urn:pulumi:dev::bbws-platform::bbws:network:NetworkLayer$aws:ec2/securityGroup:SecurityGroup::network-database-sg";
const DATA = "urn:pulumi:dev::bbws-platform::bbws:data:DataLayer::data";
const AURORA = "urn:pulumi:dev::bbws-platform::bbws:data:DataLayer$aws:rds/cluster:Cluster::data-aurora";

function resource(urn: string, parent: string | null, inputs: Record<string, unknown> = {}, dependencies: string[] = []): DesiredResource {
    const type = urn.split("::")[2].split("$").pop()!;
    const custom = !type.startsWith("bbws:") && type !== "pulumi:pulumi:Stack";
    return {
        urn,
        type,
        name: urn.split("::").pop()!,
        parent,
        custom,
        inputs,
        id: custom ? `id-${urn.length}` : "",
        outputs: inputs,
        dependencies,
        propertyDependencies: {},
        options: DEFAULT_OPTIONS,
        provider: custom && !type.startsWith("pulumi:providers:") ? `${PROVIDER}::04da6b54` : "",
    };
}

const PROGRAM: DesiredResource[] = [
    resource(ROOT, null),
    resource(PROVIDER, ROOT, { version: "7.48.0" }),
    resource(NETWORK, ROOT),
    resource(SG, NETWORK, { name: "bbws-database-sg-dev" }),
    resource(DATA, ROOT),
    resource(AURORA, DATA, { clusterIdentifier: "bbws-aurora-dev", dbSubnetGroupName: "bbws-aurora-dev", backupRetentionPeriod: 1 }, [SG]),
];

/** State as a successful update of `program` leaves it. */
function applied(program: readonly DesiredResource[]): StateResource[] {
    return program.map((r) => ({
        urn: r.urn,
        custom: r.custom,
        type: r.type,
        inputs: r.inputs,
        outputs: r.outputs,
        id: r.id,
        ...(r.parent ? { parent: r.parent } : {}),
        dependencies: r.dependencies,
        provider: r.provider,
    }));
}

function ops(steps: readonly Step[]): Record<string, string> {
    return Object.fromEntries(steps.map((s) => [s.urn.split("::").pop(), s.op]));
}

describe("scripted engine: targeting, as Pulumi does it", () => {
    it("a component's URN alone brings none of its children; the root stack and provider always come along", () => {
        const { steps, errors } = computeSteps(PROGRAM, [], { targets: [NETWORK], targetDependents: false });
        expect(ops(steps)).to.deep.equal({ "bbws-platform-dev": "create", default_7_48_0: "create", network: "create" });
        expect(errors).to.deep.equal([]);
    });

    it("--target-dependents brings the children and every other resource that depends on them, other layers included", () => {
        const { steps } = computeSteps(PROGRAM, [], { targets: [NETWORK], targetDependents: true });
        expect(Object.keys(ops(steps))).to.include.members(["network-database-sg", "data-aurora"]);
    });

    it("a targeted resource that depends on an untargeted new one is an error naming both", () => {
        const { errors } = computeSteps(PROGRAM, [], { targets: [DATA, AURORA], targetDependents: false });
        expect(errors.map((e) => e.message)).to.deep.equal([
            `Resource '${AURORA}' depends on '${SG}' which was was not specified in --target list.`,
        ]);
    });

    it("a literal URN in neither state nor program is an error; a glob that matches nothing is not", () => {
        const missing = `${NETWORK}-typo`;
        expect(computeSteps(PROGRAM, [], { targets: [missing], targetDependents: false }).errors.map((e) => e.message)).to.deep.equal([
            `Target '${missing}' could not be found in the stack. Did you forget to escape $ in your shell?`,
        ]);
        expect(
            computeSteps(PROGRAM, [], { targets: ["urn:pulumi:dev::bbws-platform::nothing*"], targetDependents: false }).errors,
        ).to.deep.equal([]);
    });

    it("`**` matches anything; `*` matches no colon, so it stays within a type token's part (deployment.go getMatcher)", () => {
        const glob = (target: string) => Object.keys(ops(computeSteps(PROGRAM, [], { targets: [target], targetDependents: false }).steps));
        expect(glob("urn:pulumi:dev::bbws-platform::**network-database-sg")).to.include("network-database-sg");
        expect(glob("urn:pulumi:dev::bbws-platform::bbws:network:NetworkLayer$**")).to.include("network-database-sg");
        expect(glob("urn:pulumi:dev::bbws-platform::bbws:network:NetworkLayer$aws:ec2/*:*::*")).to.include("network-database-sg");
        // A type chain holds colons: one `*` cannot stand for it, though the CLI accepts the glob and matches nothing.
        expect(glob("urn:pulumi:dev::bbws-platform::*::network-database-sg")).not.to.include("network-database-sg");
        expect(glob("urn:pulumi:dev::*-database-sg")).not.to.include("network-database-sg");
    });

    it("untargeted changes are left alone: an update shows as same, a delete outside the targets' dependents does not happen", () => {
        const state = applied(PROGRAM);
        const changed = PROGRAM.map((r) => (r.urn === AURORA ? { ...r, inputs: { ...r.inputs, backupRetentionPeriod: 7 } } : r)).filter(
            (r) => r.urn !== SG,
        );
        const { steps, errors } = computeSteps(changed, state, { targets: [DATA], targetDependents: false });
        expect(ops(steps)["data-aurora"]).to.equal("same");
        expect(ops(steps)).not.to.have.property("network-database-sg");
        expect(errors).to.deep.equal([]);
    });
});

describe("scripted engine: dependencies are the ones the program declared, recorded by the synth", () => {
    let prod: DesiredResource[];
    before(async function () {
        this.timeout(60000);
        prod = (await desiredState(PROJECT_DIR, "prod")).resources;
    });
    const urnOf = (name: string) => prod.find((r) => r.name === name)!.urn;

    it("a targeted service fails on its untargeted capacity providers and listener rule, which only its dependsOn names", () => {
        const service = prod.find((r) => r.name === "ecs-aupairhive-service")!;
        const left = [urnOf("ecs-capacity-providers"), urnOf("ecs-aupairhive-rule")];
        const targets = [service.urn, service.parent!, ...service.dependencies.filter((d) => !left.includes(d))];
        const { errors } = computeSteps(prod, [], { targets, targetDependents: false });
        expect(errors.filter((e) => e.urn === service.urn).map((e) => e.message)).to.deep.equal(
            left.map((urn) => `Resource '${service.urn}' depends on '${urn}' which was was not specified in --target list.`),
        );
    });

    it("a bucket policy quoting other buckets' ARNs as text may go ahead of them: the engine sees no dependency there", () => {
        const policy = prod.find((r) => r.name === "storage-logs-policy")!;
        const { steps, errors } = computeSteps(prod, [], {
            targets: [policy.parent!, urnOf("storage-logs"), policy.urn],
            targetDependents: false,
        });
        expect(errors).to.deep.equal([]);
        expect(steps.find((s) => s.urn === policy.urn)?.op).to.equal("create");
    });
});

describe("scripted engine: targeted deletes, as GenerateDeletes does them", () => {
    const state = applied(PROGRAM);
    const without = (...urns: string[]) => PROGRAM.filter((r) => !urns.includes(r.urn));
    const refusal = (urn: string) =>
        `Resource '${urn}' will be destroyed but was not specified in --target list.\n` +
        "Either include resource in --target list or pass --target-dependents to proceed.";

    it("refuses to delete a targeted resource whose removed dependent is not targeted, naming the dependent (diag 2014)", () => {
        const { errors } = computeSteps(without(SG, AURORA), state, { targets: [SG], targetDependents: false });
        expect(errors).to.deep.equal([{ urn: AURORA, message: refusal(AURORA) }]);
    });

    it("refuses it too when the target is only an ancestor or dependency of the removed resources (a layer's other resources)", () => {
        const { errors } = computeSteps(without(SG), state, { targets: [NETWORK], targetDependents: false });
        expect(errors.map((e) => e.urn)).to.deep.equal([SG]);
    });

    it("deletes dependents first when the target list names them all, or with --target-dependents", () => {
        for (const options of [
            { targets: [AURORA, SG], targetDependents: false },
            { targets: [SG], targetDependents: true },
        ]) {
            const { steps, errors } = computeSteps(without(SG, AURORA), state, options);
            expect(errors).to.deep.equal([]);
            expect(steps.filter((s) => s.op === "delete").map((s) => s.urn)).to.deep.equal([AURORA, SG]);
        }
    });

    it("applies a removed dependent's delete alone, before its dependency's: the order a phased rollout must follow", () => {
        const first = computeSteps(without(SG, AURORA), state, { targets: [AURORA], targetDependents: false });
        expect(first.errors).to.deep.equal([]);
        expect(first.steps.filter((s) => s.op === "delete").map((s) => s.urn)).to.deep.equal([AURORA]);
        const then = computeSteps(
            without(SG, AURORA),
            state.filter((r) => r.urn !== AURORA),
            { targets: [SG], targetDependents: false },
        );
        expect(then.errors).to.deep.equal([]);
        expect(then.steps.filter((s) => s.op === "delete").map((s) => s.urn)).to.deep.equal([SG]);
    });
});

describe("scripted engine: steps without targets", () => {
    it("an in-place change is an update naming the changed key", () => {
        const program = PROGRAM.map((r) => (r.urn === AURORA ? { ...r, inputs: { ...r.inputs, backupRetentionPeriod: 7 } } : r));
        const aurora = computeSteps(program, applied(PROGRAM)).steps.find((s) => s.urn === AURORA)!;
        expect([aurora.op, aurora.diffs, aurora.replaceKeys]).to.deep.equal(["update", ["backupRetentionPeriod"], []]);
    });

    it("a new subnet group for Aurora is a replacement, because of that key", () => {
        const program = PROGRAM.map((r) =>
            r.urn === AURORA ? { ...r, inputs: { ...r.inputs, dbSubnetGroupName: "bbws-aurora-v2-dev" } } : r,
        );
        const aurora = computeSteps(program, applied(PROGRAM)).steps.find((s) => s.urn === AURORA)!;
        expect([aurora.op, aurora.replaceKeys]).to.deep.equal(["replace", ["dbSubnetGroupName"]]);
    });

    it("a new KMS key for Aurora is a replacement (terraform-provider-aws rds/cluster.go: kms_key_id ForceNew)", () => {
        const program = PROGRAM.map((r) =>
            r.urn === AURORA ? { ...r, inputs: { ...r.inputs, kmsKeyId: "arn:aws:kms:eu-west-1:1:key/new" } } : r,
        );
        const aurora = computeSteps(program, applied(PROGRAM)).steps.find((s) => s.urn === AURORA)!;
        expect([aurora.op, aurora.replaceKeys]).to.deep.equal(["replace", ["kmsKeyId"]]);
    });

    it("a security group's new description is a replacement (ec2/vpc_security_group.go: description ForceNew), its tags an update", () => {
        const withSg = (inputs: Record<string, unknown>) =>
            PROGRAM.map((r) => (r.urn === SG ? { ...r, inputs: { ...r.inputs, ...inputs } } : r));
        const old = applied(withSg({ description: "BBWS Aurora MySQL", tags: { Name: "a" } }));
        const described = computeSteps(withSg({ description: "BBWS Aurora MySQL: 3306", tags: { Name: "a" } }), old).steps.find(
            (s) => s.urn === SG,
        )!;
        const tagged = computeSteps(withSg({ description: "BBWS Aurora MySQL", tags: { Name: "b" } }), old).steps.find(
            (s) => s.urn === SG,
        )!;
        expect([described.op, described.replaceKeys]).to.deep.equal(["replace", ["description"]]);
        expect([tagged.op, tagged.replaceKeys]).to.deep.equal(["update", []]);
    });

    it("a resource the program no longer declares is deleted, after everything else", () => {
        const { steps } = computeSteps(
            PROGRAM.filter((r) => r.urn !== AURORA),
            applied(PROGRAM),
        );
        expect(steps.slice(-1).map((s) => [s.op, s.urn])).to.deep.equal([["delete", AURORA]]);
    });
});

describe("scripted engine: saved plans", () => {
    const creates = computeSteps(PROGRAM, []).steps;
    const plan = planOf(creates, "v3.248.0");

    it("allows what the preview showed, or less", () => {
        for (const step of creates) expect(planViolation(plan, step)).to.equal(undefined);
        expect(planViolation(plan, { ...creates[5], op: "same" })).to.equal(undefined);
    });

    it("refuses more than the preview showed, in the engine's words", () => {
        const samePlan = planOf(computeSteps(PROGRAM, applied(PROGRAM)).steps, "v3.248.0");
        expect(planViolation(samePlan, { ...creates[5], op: "update" })).to.equal(
            "update is not allowed by the plan: this resource is constrained to same",
        );
        expect(planViolation(planOf([], "v3.248.0"), creates[5])).to.equal(
            "create is not allowed by the plan: no steps were expected for this resource",
        );
    });

    it("reports a planned change the update never reached", () => {
        expect(unmetPlan(plan, creates.slice(0, 5))).to.deep.equal([AURORA]);
    });
});

describe("scripted engine: AWS refuses to delete what has deletion protection on (deletion-protection.ts; failed at the delete step of an up)", () => {
    const alb = (enableDeletionProtection: boolean) => ({
        type: "aws:lb/loadBalancer:LoadBalancer",
        id: "arn:aws:elasticloadbalancing:eu-west-1:815856636111:loadbalancer/app/bbws-t-shop-3-sit/50dc6c495c0c9188",
        inputs: { name: "bbws-t-shop-3-sit", enableDeletionProtection },
        outputs: {
            name: "bbws-t-shop-3-sit",
            arn: "arn:aws:elasticloadbalancing:eu-west-1:815856636111:loadbalancer/app/bbws-t-shop-3-sit/50dc6c495c0c9188",
        },
    });
    const cluster = (deletionProtection: boolean) => ({
        type: "aws:rds/cluster:Cluster",
        id: "bbws-aurora-sit",
        inputs: { clusterIdentifier: "bbws-aurora-sit", deletionProtection },
        outputs: {},
    });

    it("a load balancer with deletion protection: OperationNotPermitted, naming it by its ARN as ELB does (ELB user guide, 'Delete an Application Load Balancer'; aws-cloudformation/rain#187)", () => {
        expect(deletionRefusal(alb(true))).to.equal(
            "OperationNotPermitted: Load balancer 'arn:aws:elasticloadbalancing:eu-west-1:815856636111:loadbalancer/app/bbws-t-shop-3-sit/50dc6c495c0c9188' cannot be deleted because deletion protection is enabled",
        );
        expect(deletionRefusal(alb(false))).to.equal(undefined);
    });

    it("an Aurora cluster with deletion protection: InvalidParameterCombination (Aurora user guide, 'Deletion protection for Aurora clusters')", () => {
        expect(deletionRefusal(cluster(true))).to.match(/^InvalidParameterCombination: Cannot delete protected Cluster/);
        expect(deletionRefusal(cluster(false))).to.equal(undefined);
    });

    it("nothing else: a resource type without the protection is deleted", () => {
        expect(
            deletionRefusal({ type: "aws:ec2/securityGroup:SecurityGroup", id: "sg-1", inputs: { deletionProtection: true }, outputs: {} }),
        ).to.equal(undefined);
    });
});
