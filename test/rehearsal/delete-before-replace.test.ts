/**
 * A replacement that deletes first (`deleteBeforeReplace`) takes its dependents with it: the engine deletes, before the
 * resource, every dependent whose inputs from it cannot change in place, and recreates it after, whatever the target
 * list (pulumi/pulumi pkg/resource/deploy/step_generator.go `calculateDependentReplacements`;
 * tests/integration/delete_before_create/step2: "The changing of a.state causes base to be DBR replaced. This in turn
 * causes the deletion of b and e eagerly"). So a delete-first resource with a dependent in a later phase makes its own
 * phase's targeted rollout replace that dependent, which the scope gate refuses half-way through a migration. Checked
 * here: the scripted engine does what the engine does, and no resource the program declares delete-first has such a
 * dependent, in any environment or tier.
 */
import { expect } from "chai";
import type { DesiredResource } from "../../automation/rehearsal-engine/desired";
import type { StateResource } from "../../automation/rehearsal-engine/state";
import { deletesFirst } from "../../automation/rehearsal-engine/delete-first";
import { computeSteps } from "../../automation/rehearsal-engine/steps";
import { replaceKeysOf } from "../../automation/replacement";
import { replacedUrnOf } from "../../automation/tenant/steps";
import { DEFAULT_OPTIONS, synthesize, SynthResult } from "../../automation/synth";
import { ENVIRONMENTS, PROJECT_DIR, stackFileConfig } from "../support/pulumi";
import { cachedSynthesize } from "../support/synth-cache";

const P = "urn:pulumi:sit::bbws-platform::";
const FS = "aws:efs/fileSystem:FileSystem";
const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const FS_URN = `${P}${FS}::storage-t-efs`;
const TASK_URN = `${P}${TASK}::ecs-t-task`;

function desired(
    urn: string,
    inputs: Record<string, unknown>,
    propertyDependencies: Record<string, string[]>,
    deleteFirst = false,
): DesiredResource {
    return {
        urn,
        type: urn.split("::")[2],
        name: urn.split("::").pop()!,
        parent: null,
        custom: true,
        inputs,
        id: "new",
        outputs: inputs,
        dependencies: Object.values(propertyDependencies).flat(),
        propertyDependencies,
        // Set, true or false, as the program here sets it: a program-named file system left unset deletes first (below).
        options: { ...DEFAULT_OPTIONS, deleteBeforeReplace: deleteFirst, deleteBeforeReplaceDefined: true },
        provider: "",
    };
}

function old(urn: string, inputs: Record<string, unknown>, propertyDependencies?: Record<string, string[]>): StateResource {
    return {
        urn,
        custom: true,
        id: "old",
        type: urn.split("::")[2],
        inputs,
        outputs: inputs,
        ...(propertyDependencies ? { propertyDependencies } : {}),
    };
}

describe("scripted engine: a delete-first replacement takes its dependents with it, targeted or not", () => {
    // The file system's key changes (kmsKeyId forces a new one); the task definition names it in `volumes` (forces a new one).
    const olds = [
        old(FS_URN, { creationToken: "t", kmsKeyId: "k1" }),
        old(TASK_URN, { family: "t", volumes: [{ fileSystemId: "fs-old" }] }),
    ];
    const news = (deleteFirst: boolean) => [
        desired(FS_URN, { creationToken: "t", kmsKeyId: "k2" }, {}, deleteFirst),
        desired(TASK_URN, { family: "t", volumes: [{ fileSystemId: "fs-old" }] }, { volumes: [FS_URN] }),
    ];
    const ops = (deleteFirst: boolean) =>
        computeSteps(news(deleteFirst), olds, { targets: [FS_URN], targetDependents: false }).steps.map((s) => [s.urn, s.op]);

    it("deleteBeforeReplace on the file system: its untargeted task definition is replaced too, on the key that names it", () => {
        expect(ops(true)).to.deep.equal([
            [FS_URN, "replace"],
            [TASK_URN, "replace"],
        ]);
        const task = computeSteps(news(true), olds, { targets: [FS_URN], targetDependents: false }).steps[1];
        expect(task.replaceKeys).to.deep.equal(["volumes"]);
    });

    it("left unset, the file system's program-set creation token makes the provider ask for delete-first: the task definition is replaced too", () => {
        // Source: pulumi-terraform-bridge nameRequiresDeleteBeforeReplace; pulumi-aws resources.go AutoName("creationToken", 255, "-").
        const unset = news(false).map((d, i) => (i === 0 ? { ...d, options: DEFAULT_OPTIONS } : d));
        const steps = computeSteps(unset, olds, { targets: [FS_URN], targetDependents: false }).steps;
        expect(steps.map((s) => [s.urn, s.op])).to.deep.equal([
            [FS_URN, "replace"],
            [TASK_URN, "replace"],
        ]);
    });

    it("set to false, a create-first replacement leaves the untargeted dependent alone (its phase updates it later)", () => {
        expect(ops(false)).to.deep.equal([
            [FS_URN, "replace"],
            [TASK_URN, "same"],
        ]);
    });

    describe("the dependents are the last state's, as the engine's (step_generator.go calculateDependentReplacements: \"the dependency graph we use for this calculation is based on the dependency graph from the last snapshot\")", () => {
        const inputs = { family: "t", volumes: [{ fileSystemId: "fs-old" }] };
        const run = (
            oldDeps: Record<string, string[]> | undefined,
            newDeps: Record<string, string[]>,
            order: "fs-first" | "task-first" = "fs-first",
        ) => {
            const fs = desired(FS_URN, { creationToken: "t", kmsKeyId: "k2" }, {}, true);
            const task = desired(TASK_URN, inputs, newDeps);
            const news = order === "fs-first" ? [fs, task] : [task, fs];
            const steps = computeSteps(news, [olds[0], old(TASK_URN, inputs, oldDeps)], {
                targets: [FS_URN],
                targetDependents: false,
            }).steps;
            return steps.find((s) => s.urn === TASK_URN)!.op;
        };

        it("a dependent in the last state is replaced although the program no longer names the file system in it", () => {
            expect(run({ volumes: [FS_URN] }, {})).to.equal("replace");
        });

        it("a resource that did not depend on it in the last state is not replaced, whatever the program says now", () => {
            expect(run({}, { volumes: [FS_URN] })).to.equal("same");
        });

        it("a state written before property dependencies were kept: the program's stand in", () => {
            expect(run(undefined, { volumes: [FS_URN] })).to.equal("replace");
        });

        it("a dependent the program registers before the file system is not one (pulumi's impossibleDependents)", () => {
            expect(run({ volumes: [FS_URN] }, {}, "task-first")).to.equal("same");
        });

        it("a dependent's own dependent registered between the two is judged against the root, not the dependent it is reached through", () => {
            // efs (delete-first), then d, then b; in the last state b depends on efs and d on b: the engine walks efs's
            // dependents transitively with one set of impossible dependents, the ones registered before efs.
            const D = `${P}${TASK}::ecs-d-task`;
            const B = `${P}${TASK}::ecs-b-task`;
            const task = (urn: string, deps: Record<string, string[]>) => desired(urn, inputs, deps);
            const steps = computeSteps(
                [desired(FS_URN, { creationToken: "t", kmsKeyId: "k2" }, {}, true), task(D, {}), task(B, {})],
                [olds[0], old(D, inputs, { volumes: [B] }), old(B, inputs, { volumes: [FS_URN] })],
                { targets: [FS_URN], targetDependents: false },
            ).steps;
            expect(steps.map((s) => [s.urn, s.op])).to.deep.equal([
                [FS_URN, "replace"],
                [D, "replace"],
                [B, "replace"],
            ]);
        });
    });

    it("a dependent whose input from it changes in place (not force-new) is not replaced", () => {
        const policy = `${P}aws:efs/fileSystemPolicy:FileSystemPolicy::storage-t-efs-policy`;
        const steps = computeSteps(
            [news(true)[0], desired(policy, { fileSystemId: "fs-old", policy: "{}" }, { policy: [FS_URN] })],
            [olds[0], old(policy, { fileSystemId: "fs-old", policy: "{}" })],
            { targets: [FS_URN], targetDependents: false },
        ).steps;
        expect(steps.map((s) => [s.urn, s.op])).to.deep.equal([
            [FS_URN, "replace"],
            [policy, "same"],
        ]);
    });
});

/**
 * A replacement this product plans: what a tier migration names with `--allow-replace` (automation/tenant/steps.ts
 * `migrationReplacement`: a tenant's task security group, a tenant's own file system), and whatever the program marks
 * `deleteBeforeReplace` itself (mount targets, backup selections, failover records). Any other replacement needs its
 * name changed (a code change, which a rehearsal shows cascading, since the scripted engine models it) or stops at
 * the safety gate.
 */
function planned(r: SynthResult["resources"][number]): boolean {
    if (r.options.deleteBeforeReplace) return true;
    return (["basic", "premium"] as const).some((from) => replacedUrnOf([r.urn], from) === r.urn);
}

describe("no replacement this product plans, deleting first, has a force-new dependent in another phase", function () {
    this.timeout(300_000);
    const synths: SynthResult[] = [];
    before(async () => {
        for (const env of ENVIRONMENTS) synths.push(await cachedSynthesize(PROJECT_DIR, env));
        // No stack file has a premium or enterprise tenant: dev with one of each, whose own file systems are the case in point.
        const tenants = (stackFileConfig("dev")["bbws:tenants"] as Array<Record<string, unknown>>).map((t, i) => ({
            ...t,
            tier: ["premium", "enterprise"][i] ?? "basic",
        }));
        synths.push(await synthesize(PROJECT_DIR, "dev", { configOverrides: { "bbws:tenants": tenants } }));
    });

    it("in dev, sit and prod, and in dev with a premium and an enterprise tenant", () => {
        for (const synth of synths) {
            const byUrn = new Map(synth.resources.map((r) => [r.urn, r]));
            const crossing = synth.resources.flatMap((dependent) =>
                Object.entries(dependent.propertyDependencies).flatMap(([key, sources]) =>
                    sources
                        .map((urn) => byUrn.get(urn)!)
                        .filter((source) => source && planned(source) && deletesFirst(source.type, source.inputs, source.options))
                        .filter((source) => source.phase !== dependent.phase && replaceKeysOf(dependent.type, [key]).length > 0)
                        .map((source) => `${source.urn} (${source.phase}) ← ${dependent.urn} (${dependent.phase}).${key}`),
                ),
            );
            expect(crossing, synth.stack).to.deep.equal([]);
        }
        expect(synths[3].resources.filter((r) => r.type === FS && r.inputs.creationToken !== "bbws-efs-dev")).to.have.length(2);
    });

    it("what a tier migration replaces (its task security group, its own file system) is create-first, said explicitly", () => {
        // Source: step_generator.go (the program's option, when set, overrides the provider's request); without it the AWS
        // provider asks for delete-first (pulumi-terraform-bridge nameRequiresDeleteBeforeReplace): a task group deleted first
        // is refused by EC2 while the shared groups' rules still refer to it (DependencyViolation).
        const replaced = synths[3].resources.filter(planned).filter((r) => !r.options.deleteBeforeReplace);
        expect([...new Set(replaced.map((r) => r.type))].sort()).to.deep.equal(["aws:ec2/securityGroup:SecurityGroup", FS]);
        for (const r of replaced) {
            expect(deletesFirst(r.type, r.inputs, r.options), r.urn).to.equal(false);
            expect(r.options.deleteBeforeReplaceDefined, r.urn).to.equal(true);
        }
    });

    it("a tenant's own file system is never delete-first, and an enterprise one's creation token differs from a premium one's", () => {
        const own = synths[3].resources.filter((r) => r.type === FS && r.inputs.creationToken !== "bbws-efs-dev");
        expect(own.map((r) => deletesFirst(r.type, r.inputs, r.options))).to.deep.equal([false, false]);
        expect(own.map((r) => r.options.deleteBeforeReplaceDefined)).to.deep.equal([true, true]);
        const [premium, enterprise] = (stackFileConfig("dev")["bbws:tenants"] as Array<{ id: string }>).map((t) => t.id);
        expect(own.map((r) => r.inputs.creationToken).sort()).to.deep.equal(
            [`bbws-efs-${premium}-dev`, `bbws-efs-${enterprise}.own-key-dev`].sort(),
        );
    });
});
