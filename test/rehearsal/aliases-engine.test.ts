/**
 * The scripted engine's aliases against the engine's rules (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go `getOldResource`, `generateAliases`; diag 2008 and 2016 in
 * sdk/go/common/diag/errors.go; snapshot.go `NormalizeURNReferences`), on small hand-built states.
 */
import { expect } from "chai";
import { matchOlds, StateRenames } from "../../automation/rehearsal-engine/aliases";
import type { DesiredResource } from "../../automation/rehearsal-engine/desired";
import type { StateResource } from "../../automation/rehearsal-engine/state";
import { computeSteps } from "../../automation/rehearsal-engine/steps";
import type { RegisteredAlias } from "../../automation/mock-run";

const P = "urn:pulumi:sit::bbws-platform::";
const LAYER = `${P}bbws:network:NetworkLayer::network`;
const COMPONENT = `${P}bbws:network:NetworkLayer$bbws:network:TenantNetwork::network-a`;
const SG = "aws:ec2/securityGroup:SecurityGroup";
const OLD_SG = `${P}bbws:network:NetworkLayer$${SG}::network-tenant-a-sg`;
const NEW_SG = `${P}bbws:network:NetworkLayer$bbws:network:TenantNetwork$${SG}::network-tenant-a-sg`;

function desired(urn: string, parent: string | null, aliases: Array<string | RegisteredAlias> = [], custom = true): DesiredResource {
    const type = urn.split("::")[2].split("$").pop()!;
    return {
        urn,
        type,
        name: urn.split("::").pop()!,
        parent,
        custom,
        inputs: custom ? { name: "bbws-tenant-a-sg-sit" } : {},
        id: custom ? "sg-new" : "",
        outputs: {},
        dependencies: [],
        propertyDependencies: {},
        options: { protect: false, ignoreChanges: [], deleteBeforeReplace: false, retainOnDelete: false, replaceOnChanges: [], aliases },
        provider: "",
    };
}

function old(urn: string, parent?: string, extra: Partial<StateResource> = {}): StateResource {
    const custom = !urn.includes("bbws:network:NetworkLayer::") && !urn.endsWith("::network-a");
    return {
        urn,
        custom,
        type: urn.split("::")[2].split("$").pop()!,
        inputs: custom ? { name: "bbws-tenant-a-sg-sit" } : {},
        outputs: custom ? { id: "sg-old" } : {},
        ...(custom ? { id: "sg-old" } : {}),
        ...(parent ? { parent } : {}),
        ...extra,
    };
}

describe("scripted engine: aliases", () => {
    const olds = [old(LAYER), old(OLD_SG, LAYER)];

    it("takes over the old resource through `{ parent: <layer> }`: a same step, no create, no delete", () => {
        const { steps, errors } = computeSteps(
            [desired(LAYER, null, [], false), desired(COMPONENT, LAYER, [], false), desired(NEW_SG, COMPONENT, [{ parent: LAYER }])],
            olds,
        );
        expect(errors).to.deep.equal([]);
        expect(steps.map((s) => [s.op, s.urn, s.old?.urn])).to.deep.equal([
            ["same", LAYER, LAYER],
            ["create", COMPONENT, undefined],
            ["same", NEW_SG, OLD_SG],
        ]);
    });

    it("updates, not replaces, when the moved resource's inputs changed in place", () => {
        const moved = {
            ...desired(NEW_SG, COMPONENT, [{ parent: LAYER }]),
            inputs: { name: "bbws-tenant-a-sg-sit", tags: { Tenant: "a" } },
        };
        const { steps } = computeSteps([desired(LAYER, null, [], false), desired(COMPONENT, LAYER, [], false), moved], olds);
        expect(steps.find((s) => s.urn === NEW_SG)).to.deep.include({ op: "update", diffs: ["tags"] });
    });

    it("without the alias, creates the new URN and deletes the old one (what the alias prevents)", () => {
        const { steps } = computeSteps(
            [desired(LAYER, null, [], false), desired(COMPONENT, LAYER, [], false), desired(NEW_SG, COMPONENT)],
            olds,
        );
        expect(steps.filter((s) => s.op !== "same").map((s) => [s.op, s.urn])).to.deep.equal([
            ["create", COMPONENT],
            ["create", NEW_SG],
            ["delete", OLD_SG],
        ]);
    });

    it("accepts an alias given as a whole URN, and one with a new name", () => {
        const renamed = `${P}bbws:network:NetworkLayer$bbws:network:TenantNetwork$${SG}::network-a-sg`;
        for (const alias of [OLD_SG, { name: "network-tenant-a-sg", parent: LAYER }]) {
            const { oldOf } = matchOlds(
                [desired(LAYER, null, [], false), desired(COMPONENT, LAYER, [], false), desired(renamed, COMPONENT, [alias])],
                olds,
            );
            expect(oldOf.get(renamed)?.urn, JSON.stringify(alias)).to.equal(OLD_SG);
        }
    });

    it("lets children follow a parent that came through an alias (inheritedChildAlias), renaming their name's prefix", () => {
        const oldComponent = `${P}bbws:network:Old::app`;
        const oldChild = `${P}bbws:network:Old$${SG}::app-sg`;
        const newComponent = `${P}bbws:network:TenantNetwork::newapp`;
        const newChild = `${P}bbws:network:TenantNetwork$${SG}::newapp-sg`;
        const { oldOf, errors } = matchOlds(
            [desired(newComponent, null, [{ name: "app", type: "bbws:network:Old" }], false), desired(newChild, newComponent)],
            [old(oldComponent), old(oldChild, oldComponent)],
        );
        expect(errors).to.deep.equal([]);
        expect(oldOf.get(newChild)?.urn).to.equal(oldChild);
    });

    it("refuses two resources aliasing one old URN, in the engine's words (diag 2008)", () => {
        const other = `${P}bbws:network:NetworkLayer$bbws:network:TenantNetwork$${SG}::network-tenant-b-sg`;
        const { errors } = computeSteps(
            [
                desired(LAYER, null, [], false),
                desired(COMPONENT, LAYER, [], false),
                desired(NEW_SG, COMPONENT, [{ parent: LAYER }]),
                desired(other, COMPONENT, [OLD_SG]),
            ],
            olds,
        );
        expect(errors).to.deep.equal([
            {
                urn: other,
                message: `Duplicate resource alias '${OLD_SG}' applied to resource with URN '${other}' conflicting with resource with URN '${NEW_SG}'`,
            },
        ]);
    });

    it("refuses a resource whose URN another's alias already took over (diag 2016)", () => {
        const { errors } = computeSteps(
            [
                desired(LAYER, null, [], false),
                desired(COMPONENT, LAYER, [], false),
                desired(NEW_SG, COMPONENT, [OLD_SG]),
                desired(OLD_SG, LAYER),
            ],
            olds,
        );
        expect(errors).to.deep.equal([
            { urn: OLD_SG, message: `Duplicate resource URN '${OLD_SG}' conflicting with alias on resource with URN '${NEW_SG}'` },
        ]);
    });

    it("refuses an alias naming a URN a resource registered earlier has (diag 2008, naming the resource itself twice, as the engine does)", () => {
        const { errors } = computeSteps(
            [
                desired(LAYER, null, [], false),
                desired(OLD_SG, LAYER),
                desired(COMPONENT, LAYER, [], false),
                desired(NEW_SG, COMPONENT, [OLD_SG]),
            ],
            olds,
        );
        expect(errors).to.deep.equal([
            {
                urn: NEW_SG,
                message: `Duplicate resource alias '${OLD_SG}' applied to resource with URN '${NEW_SG}' conflicting with resource with URN '${NEW_SG}'`,
            },
        ]);
    });

    it("renames the resource in the state and every reference to it (parent, dependencies, provider)", () => {
        const dependent = old(`${P}bbws:ecs:EcsLayer$aws:ecs/service:Service::ecs-a-service`, undefined, { dependencies: [OLD_SG] });
        const state = new Map([...olds, dependent].map((r) => [r.urn, r]));
        const renames = new StateRenames();
        renames.rename(state, OLD_SG, (current) => ({ ...current, urn: NEW_SG, parent: COMPONENT }));
        const written = new Map(renames.resolve(state).map((r) => [r.urn, r]));
        expect([...written.keys()]).to.have.members([LAYER, NEW_SG, dependent.urn]);
        expect(written.get(NEW_SG)).to.include({ id: "sg-old", parent: COMPONENT });
        expect(written.get(dependent.urn)!.dependencies).to.deep.equal([NEW_SG]);
    });

    it("follows a chain of renames: a reference to the first URN ends at the last", () => {
        const dependent = old(`${P}bbws:ecs:EcsLayer$aws:ecs/service:Service::ecs-a-service`, undefined, { dependencies: [OLD_SG] });
        const state = new Map([...olds, dependent].map((r) => [r.urn, r]));
        const renames = new StateRenames();
        const LATER = `${NEW_SG}-later`;
        renames.rename(state, OLD_SG, (current) => ({ ...current, urn: NEW_SG }));
        renames.rename(state, NEW_SG, (current) => ({ ...current, urn: LATER }));
        const written = renames.resolve(state);
        expect(written.find((r) => r.urn === dependent.urn)!.dependencies).to.deep.equal([LATER]);
        expect(written.map((r) => r.urn)).to.not.include.members([OLD_SG, NEW_SG]);
    });

    it("refuses to rename a URN the state does not hold", () => {
        expect(() => new StateRenames().rename(new Map(), OLD_SG, (r) => r)).to.throw(`no resource '${OLD_SG}' in the state to rename`);
    });
});
