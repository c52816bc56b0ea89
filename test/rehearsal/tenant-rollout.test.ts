/**
 * `--tenant` against the scripted engine. First on a small program whose layers already build tenant
 * components (the scripted engine's own step rules and events, no CLI): its events carry the parents
 * a tenant's selection reads, a targeted update of one tenant creates exactly its resources, and one
 * that needs a platform resource not yet created is refused by the engine ("depends on … which was
 * was not specified in --target list", diagnostic 2013) — the refusal the platform gate pre-empts.
 * Then sit's own program, converged, with one more tenant in a copy of its stack file.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { DEFAULT_OPTIONS } from "../../automation/synth";
import { stepOf } from "../../automation/plan-steps";
import { platformCreates, tenantUrnsByPhase } from "../../automation/tenant-targets";
import { desiredState, DesiredResource } from "../../automation/rehearsal-engine/desired";
import { stepMetadata } from "../../automation/rehearsal-engine/events";
import type { StateResource } from "../../automation/rehearsal-engine/state";
import { computeSteps, Step } from "../../automation/rehearsal-engine/steps";
import { RunResult, Stage, stage, textOf } from "../support/rehearsal";

const ROOT = "urn:pulumi:sit::bbws-platform::pulumi:pulumi:Stack::bbws-platform-sit";
const PROVIDER = "urn:pulumi:sit::bbws-platform::pulumi:providers:aws::default_7_48_0";
const NETWORK = "urn:pulumi:sit::bbws-platform::pulumi:pulumi:Stack$bbws:network:NetworkLayer::network";
const EFS_SG = `urn:pulumi:sit::bbws-platform::pulumi:pulumi:Stack$bbws:network:NetworkLayer$aws:ec2/securityGroup:SecurityGroup::network-efs-sg`;

function resource(urn: string, parent: string | null, dependencies: string[] = []): DesiredResource {
    const type = urn.split("::")[2].split("$").pop()!;
    const custom = type.startsWith("aws:");
    return {
        urn,
        type,
        name: urn.split("::").pop()!,
        parent,
        custom,
        inputs: { name: urn.split("::").pop() },
        id: custom ? `id-${urn.length}` : "",
        outputs: {},
        dependencies,
        propertyDependencies: {},
        options: DEFAULT_OPTIONS,
        provider: custom ? `${PROVIDER}::04da6b54` : "",
    };
}

/** A tenant's network component with its group and its rule in the platform's EFS group (which it depends on). */
function tenant(id: string): DesiredResource[] {
    const component = `${NETWORK.replace("::network", "")}$bbws:network:TenantNetwork::network-${id}`;
    const chain = component.split("::")[2];
    const sg = `urn:pulumi:sit::bbws-platform::${chain}$aws:ec2/securityGroup:SecurityGroup::network-${id}-sg`;
    const rule = `urn:pulumi:sit::bbws-platform::${chain}$aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::network-${id}-efs-ingress`;
    return [resource(component, NETWORK), resource(sg, component), resource(rule, component, [EFS_SG, sg])];
}

const PLATFORM = [resource(ROOT, null), resource(PROVIDER, ROOT), resource(NETWORK, ROOT), resource(EFS_SG, NETWORK)];

/** The state a whole update of `program` leaves. */
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

/** Each step as the scripted engine sends its `resourcePreEvent`, read back as the driver reads it. */
function previewed(steps: readonly Step[]) {
    return steps.map((s) => stepOf({ sequence: 0, timestamp: 0, resourcePreEvent: { metadata: stepMetadata(s) } } as EngineEvent)!);
}

describe("rehearsal: a tenant rollout against the scripted engine's own step rules", () => {
    it("its preview events carry each step's parent: the program's for a create, the state's for a delete", () => {
        const state = applied([...PLATFORM, ...tenant("gone")]);
        const { steps } = computeSteps([...PLATFORM, ...tenant("abc")], state);
        const parents = Object.fromEntries(previewed(steps).map((s) => [s.urn.split("::").pop(), [s.op, s.parent?.split("::").pop()]]));
        expect(parents["network-abc-efs-ingress"]).to.deep.equal(["create", "network-abc"]);
        expect(parents["network-gone-efs-ingress"]).to.deep.equal(["delete", "network-gone"]);
        expect(parents["network-gone"]).to.deep.equal(["delete", "network"]);
    });

    it("on a converged platform, a targeted update of abc's selection creates exactly abc's resources, none of abc-def's, with no error", () => {
        const state = applied([...PLATFORM, ...tenant("abc-def")]);
        const program = [...PLATFORM, ...tenant("abc"), ...tenant("abc-def")];
        const whole = previewed(computeSteps(program, state).steps);
        const targets = tenantUrnsByPhase(whole, "abc").get("network")!;
        expect(platformCreates(whole, "network")).to.deep.equal([]);
        const { steps, errors } = computeSteps(program, state, { targets, targetDependents: false });
        expect(errors).to.deep.equal([]);
        expect(steps.filter((s) => s.op !== "same").map((s) => [s.op, s.urn])).to.deep.equal(tenant("abc").map((r) => ["create", r.urn]));
    });

    it("while the platform's group is still to be created, the engine refuses the tenant's targeted update (diagnostic 2013), and platformCreates names that group", () => {
        const program = [...PLATFORM, ...tenant("abc")];
        const state = applied(PLATFORM.filter((r) => r.urn !== EFS_SG));
        const whole = previewed(computeSteps(program, state).steps);
        expect(platformCreates(whole, "network")).to.deep.equal([{ phase: "network", urn: EFS_SG }]);
        const { errors } = computeSteps(program, state, {
            targets: tenantUrnsByPhase(whole, "abc").get("network")!,
            targetDependents: false,
        });
        const rule = tenant("abc")[2].urn;
        expect(errors.map((e) => e.message)).to.deep.equal([
            `Resource '${rule}' depends on '${EFS_SG}' which was was not specified in --target list.`,
        ]);
    });
});

describe("rehearsal: --tenant on sit's program, converged, with one more tenant in a copy of its stack file", function () {
    this.timeout(300_000);
    const TENANT = "quizcraft";
    const APPROVALS = ["--approve", "tech-lead:alice", "--approve", "dba:bob"];
    let sit: Stage;
    after(() => sit?.dispose());
    let run: RunResult;
    let stateBefore: string;
    let tenantUrns: string[];

    before(async () => {
        sit = stage("sit");
        sit.converge();
        const file = path.join(sit.projectDir, "Pulumi.sit.yaml");
        const doc = parse(fs.readFileSync(file, "utf8"));
        doc.config["bbws:tenants"].push({ id: TENANT, slot: 3, cpu: 256, memory: 512 });
        fs.writeFileSync(file, stringify(doc));
        stateBefore = JSON.stringify(sit.state().deployment.resources);
        run = await sit.rollout(["--env", "sit", "--tenant", TENANT, ...APPROVALS]);
        const desired = (await desiredState(sit.projectDir, "sit")).resources;
        const whole = desired.map((r) => ({ urn: r.urn, op: "create" as const, ...(r.parent ? { parent: r.parent } : {}) }));
        tenantUrns = [...tenantUrnsByPhase(whole, TENANT).values()].flat();
    });

    it("exits 0", () => {
        expect(run.code, textOf(run.io)).to.equal(0);
    });

    it("creates exactly the new tenant's resources, and nothing else changes", function () {
        const before = new Set((JSON.parse(stateBefore) as StateResource[]).map((r) => r.urn));
        const after = sit.state().deployment.resources.map((r) => r.urn);
        expect(after.filter((u) => !before.has(u)).sort()).to.deep.equal([...tenantUrns].sort());
        const records = sit.ledger().filter((r) => r.runId !== "converge");
        expect(
            records.every((r) => r.tenant === TENANT && r.result === "succeeded"),
            JSON.stringify(records),
        ).to.equal(true);
    });
});
