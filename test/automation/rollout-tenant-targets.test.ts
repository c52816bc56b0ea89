/**
 * Which URNs a `--tenant` rollout targets (automation/tenant-targets.ts): the tenant's component and
 * its descendants in each phase, read from the parent chain the engine reports with every step
 * (pulumi/pulumi pkg/engine/events.go `makeStepEventStateMetadata`: `new.parent`, and `old.parent` for
 * a delete, whose `New()` is nil), never from a name prefix.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { PHASES, PhaseName, tenantComponentName } from "../../src/phases";
import { stepOf } from "../../automation/plan-steps";
import { platformCreates, tenantComponent, tenantOwners, tenantsIn, tenantUrnsByPhase, TreeStep } from "../../automation/tenant-targets";
import { childUrn, layerUrn, rootUrn, tenantProgram } from "./rollout-tenant-fixture";

const asMap = (m: Map<PhaseName, string[]>) => Object.fromEntries([...m].map(([p, urns]) => [p, [...urns].sort()]));

describe("tenant targets: a tenant is its component and everything under it, by parent chain", () => {
    const program = tenantProgram("sit", { aupairhive: "same", "aupairhive-eu": "create", tutorhub: "update", old: "delete" });

    it("selects each tenant's component and every descendant, per phase, and nothing else", () => {
        for (const [id, byPhase] of program.owned) {
            expect(asMap(tenantUrnsByPhase(program.steps, id)), id).to.deep.equal(asMap(byPhase));
        }
    });

    it("leaves out the phases where the tenant has nothing (database, monitoring), without an error", () => {
        expect([...tenantUrnsByPhase(program.steps, "aupairhive").keys()]).to.deep.equal(["network", "storage", "ecs"]);
    });

    it("counts shared resources under the tenant's component as the tenant's: the ingress rule, the listener rule", () => {
        const urns = [...tenantUrnsByPhase(program.steps, "tutorhub").values()].flat();
        expect(urns.filter((u) => /(efs-ingress|rule)$/.test(u))).to.have.length(2);
    });

    it("never goes by name: aupairhive takes nothing of aupairhive-eu, nor the platform's network-aupairhive-lookalike", () => {
        const urns = [...tenantUrnsByPhase(program.steps, "aupairhive").values()].flat();
        expect(urns.filter((u) => u.includes("aupairhive-eu") || u.includes("lookalike"))).to.deep.equal([]);
    });

    it("takes creates, updates and deletes alike: a tenant in the state only is found and selected from its deletes' old parents", () => {
        expect([...tenantsIn(program.steps)].sort()).to.deep.equal(["aupairhive", "aupairhive-eu", "old", "tutorhub"]);
        expect(asMap(tenantUrnsByPhase(program.steps, "old"))).to.deep.equal(asMap(program.owned.get("old")!));
        expect(program.steps.filter((s) => s.op === "delete")).to.have.length(9);
    });

    it("reads the parent from `new`, or from `old` for a delete, as the engine's events carry them", () => {
        const urn = childUrn(layerUrn("sit", "ecs"), "bbws:ecs:TenantService", "ecs-old");
        const parent = layerUrn("sit", "ecs");
        const state = { type: "bbws:ecs:TenantService", urn, id: "", parent, inputs: {}, outputs: {}, provider: "" };
        const event = (op: OpType, side: "old" | "new"): EngineEvent => ({
            sequence: 0,
            timestamp: 0,
            resourcePreEvent: { metadata: { op, urn, type: state.type, [side]: state, provider: "" } },
        });
        expect(stepOf(event("delete", "old"))?.parent).to.equal(parent);
        expect(stepOf(event("create", "new"))?.parent).to.equal(parent);
        expect(
            stepOf({ sequence: 0, timestamp: 0, resourcePreEvent: { metadata: { op: "same", urn, type: "t", provider: "" } } }),
        ).not.to.have.property("parent");
    });

    it("reads a tenant component's phase and id from its URN, and refuses one not named <layer>-<id>", () => {
        const layer = layerUrn("sit", "ecs");
        expect(tenantComponent(childUrn(layer, "bbws:ecs:TenantService", "ecs-abc-def"))).to.deep.equal({
            phase: "ecs",
            tenant: "abc-def",
        });
        expect(tenantComponent(childUrn(layer, "aws:ecs/service:Service", "ecs-abc"))).to.equal(undefined);
        expect(() => tenantComponent(childUrn(layer, "bbws:ecs:TenantService", "service-abc"))).to.throw("must be named ecs-<tenant id>");
    });

    it("refuses to guess when a URN's type chain passes through a tenant component that is not among its parents", () => {
        const component = childUrn(layerUrn("sit", "ecs"), "bbws:ecs:TenantService", "ecs-abc");
        const orphan = childUrn(component, "aws:ecs/service:Service", "ecs-abc-service");
        expect(() => tenantOwners([{ urn: orphan, op: "create", parent: layerUrn("sit", "ecs") }])).to.throw("none is among its parents");
    });

    it("lists the platform's creates up to a phase: not a tenant's, not the root stack or a provider, not a later phase's", () => {
        const pending = tenantProgram(
            "sit",
            { abc: "create" },
            { "network-vpc": "create", "monitoring-alerts": "create", "bbws-platform-sit": "create" },
        );
        pending.steps[0] = { ...pending.steps[0], op: "create" };
        expect(platformCreates(pending.steps, "ecs")).to.deep.equal([
            { phase: "network", urn: childUrn(layerUrn("sit", "network"), "aws:ec2/vpc:Vpc", "network-vpc") },
        ]);
        expect(platformCreates(pending.steps, "monitoring").map((c) => c.phase)).to.deep.equal(["network", "monitoring"]);
    });
});

describe("tenant targets: every resource belongs to exactly one tenant or to the platform (property)", () => {
    /** Ids as the schema takes them (DNS labels), and as many again that extend one of them (`abc`, `abc-def`). */
    const ids = fc
        .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/), { minLength: 1, maxLength: 5 })
        .chain((base) =>
            fc
                .array(fc.tuple(fc.nat(base.length - 1), fc.stringMatching(/^[a-z0-9]{1,4}$/)), { maxLength: 4 })
                .map((ext) => [...new Set([...base, ...ext.map(([i, s]) => `${base[i]}-${s}`)])]),
        );
    const ops: OpType[] = ["same", "create", "update", "replace", "delete"];

    /** A random forest under the layers: tenant subtrees and platform subtrees, every name made to mislead. */
    const programs = ids.chain((tenants) =>
        fc.record({
            tenants: fc.constant(tenants),
            tenantPhases: fc.array(fc.subarray(PHASES.map((p) => p.name)), { minLength: tenants.length, maxLength: tenants.length }),
            nodes: fc.array(
                fc.record({
                    // Under which earlier node (or a tenant component / layer when there is none yet) the node hangs.
                    under: fc.nat(),
                    // Whose name it borrows: any tenant's, so names say nothing about ownership.
                    namedAfter: fc.nat(tenants.length - 1),
                    op: fc.constantFrom(...ops),
                    platform: fc.boolean(),
                }),
                { maxLength: 40 },
            ),
            seed: fc.nat(),
        }),
    );

    it("tenantUrnsByPhase partitions the program: each URN in exactly one tenant's selection or in none (the platform), as built", () => {
        fc.assert(
            fc.property(programs, ({ tenants, tenantPhases, nodes, seed }) => {
                const root = rootUrn("sit");
                const steps: TreeStep[] = [{ urn: root, op: "same" }];
                const truth = new Map<string, string | undefined>([[root, undefined]]);
                // Attachment points: layers (platform) and tenant components (their tenant).
                const anchors: Array<{ urn: string; owner?: string; phase: PhaseName }> = [];
                for (const phase of PHASES) {
                    const layer = layerUrn("sit", phase.name);
                    steps.push({ urn: layer, op: "same", parent: root });
                    truth.set(layer, undefined);
                    anchors.push({ urn: layer, phase: phase.name });
                }
                tenants.forEach((id, i) => {
                    for (const phase of PHASES.filter((p) => tenantPhases[i].includes(p.name))) {
                        const urn = childUrn(layerUrn("sit", phase.name), phase.tenantType, tenantComponentName(phase.name, id));
                        steps.push({ urn, op: "create", parent: layerUrn("sit", phase.name) });
                        truth.set(urn, id);
                        anchors.push({ urn, owner: id, phase: phase.name });
                    }
                });
                nodes.forEach((n, i) => {
                    const candidates = anchors.filter((a) => (n.platform ? a.owner === undefined : a.owner !== undefined));
                    const at = (candidates.length ? candidates : anchors)[n.under % (candidates.length || anchors.length)];
                    const phase = PHASES.find((p) => p.name === at.phase)!;
                    const name = `${phase.componentName}-${tenants[n.namedAfter]}-${i}`;
                    const urn = childUrn(at.urn, "aws:s3/bucketObject:BucketObject", name);
                    steps.push({ urn, op: n.op, parent: at.urn });
                    truth.set(urn, at.owner);
                    anchors.push({ urn, owner: at.owner, phase: at.phase });
                });
                // The engine's order is not the tree's: deletes come last, children may come before parents.
                const shuffled = [...steps].sort((a, b) => hash(a.urn, seed) - hash(b.urn, seed));

                const owners = tenantOwners(shuffled);
                expect([...truth].filter(([urn, owner]) => owners.get(urn) !== owner)).to.deep.equal([]);
                const selected = tenants.flatMap((id) => [...tenantUrnsByPhase(shuffled, id).values()].flat());
                expect(selected.length, "a URN selected for two tenants").to.equal(new Set(selected).size);
                const platform = [...truth].filter(([, o]) => o === undefined).map(([u]) => u);
                expect(new Set([...selected, ...platform]).size, "every URN is a tenant's or the platform's").to.equal(truth.size);
            }),
            { numRuns: 100 },
        );
    });
});

function hash(text: string, seed: number): number {
    let h = seed | 0;
    for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
    return h;
}
