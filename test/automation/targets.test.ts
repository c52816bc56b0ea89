/**
 * The `--target` list a phase passes (automation/targets.ts `compactTargets`): it selects exactly the
 * phase's URNs among everything the engine sees, with the engine's own glob rules
 * (pulumi/pulumi pkg/resource/deploy/deployment.go `UrnTargets.getMatcher`: `**` any characters, `*`
 * no colon), and it fits in a process's arguments at any number of tenants, where one flag per URN
 * fails with E2BIG (Linux fs/exec.c `bprm_stack_limits`: argv and the environment together get a
 * quarter of the stack limit, at most 6 MiB and at least 128 KiB).
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fc from "fast-check";
import { argvBytes, targetFlags } from "../../automation/bench";
import { compactTargets, isTargetGlob, targetGlobPattern, urnsByPhase } from "../../automation/targets";

const HEAD = "urn:pulumi:prod::bbws-platform::";

/** What the engine selects with `targets` among `universe`: literals by equality, globs by their matcher. */
function selected(targets: readonly string[], universe: readonly string[]): Set<string> {
    const patterns = targets.filter(isTargetGlob).map(targetGlobPattern);
    const literals = new Set(targets.filter((t) => !isTargetGlob(t)));
    return new Set(universe.filter((urn) => literals.has(urn) || patterns.some((p) => p.test(urn))));
}

/** A program shaped like ours: layers under the root stack, a tenant component per tenant and layer, AWS resources under both. */
function program(tenants: number): string[] {
    const urns = [`${HEAD}pulumi:pulumi:Stack::bbws-platform-prod`, `${HEAD}pulumi:providers:aws::default_7_48_0`];
    for (const [layer, tenantType, name] of [
        ["bbws:network:NetworkLayer", "bbws:network:TenantNetwork", "network"],
        ["bbws:ecs:EcsLayer", "bbws:ecs:TenantEcs", "ecs"],
    ]) {
        urns.push(`${HEAD}${layer}::${name}`, `${HEAD}${layer}$aws:ecs/cluster:Cluster::${name}-cluster`);
        for (let t = 1; t <= tenants; t++) {
            const id = `t${String(t).padStart(4, "0")}`;
            urns.push(`${HEAD}${layer}$${tenantType}::${name}-${id}`);
            for (const type of [
                "aws:ecs/service:Service",
                "aws:iam/role:Role",
                "aws:lb/targetGroup:TargetGroup",
                "aws:iam/rolePolicy:RolePolicy",
            ]) {
                for (let i = 0; i < 6; i++) urns.push(`${HEAD}${layer}$${tenantType}$${type}::${name}-${id}-wordpress-resource-${i}`);
            }
        }
    }
    return urns;
}

describe("targets: a phase's --target list", () => {
    it("selects exactly the targets among the whole-program preview's URNs, for any targets drawn from any tree (property)", () => {
        const types = ["a:b:A", "a:b:B", "c:d/e:E"];
        const chain = fc.array(fc.constantFrom(...types), { minLength: 1, maxLength: 4 }).map((t) => t.join("$"));
        const urn = fc.tuple(chain, fc.constantFrom("x", "y", "x-y", "z::w")).map(([c, n]) => `${HEAD}${c}::${n}`);
        fc.assert(
            fc.property(
                fc.uniqueArray(urn, { minLength: 1, maxLength: 60 }),
                fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
                (universe, picks) => {
                    const targets = universe.filter((_, i) => picks[i]);
                    const flags = compactTargets(targets, universe);
                    expect(selected(flags, universe)).to.deep.equal(new Set(targets));
                    expect(flags.length).to.be.at.most(targets.length);
                },
            ),
            { numRuns: 300 },
        );
    });

    it("targets a whole phase with its layer component and one glob, at 2 and at 2,000 tenants", () => {
        for (const tenants of [2, 2000]) {
            const universe = program(tenants);
            const ecs = urnsByPhase(universe).get("ecs")!;
            const flags = compactTargets(ecs, universe);
            expect(flags).to.deep.equal([`${HEAD}bbws:ecs:EcsLayer::ecs`, `${HEAD}bbws:ecs:EcsLayer$**`]);
            expect(selected(flags, universe)).to.deep.equal(new Set(ecs));
        }
    });

    it("leaves a tenant's targets literal: every tenant's resources share their type chains, so no glob picks one tenant alone", () => {
        const universe = program(3);
        const mine = universe.filter((u) => u.includes("-t0002"));
        expect(compactTargets(mine, universe)).to.deep.equal(mine);
    });

    it("returns targets that already hold a `*` as they are: the engine reads them as globs", () => {
        const targets = [`${HEAD}bbws:ecs:EcsLayer$*::x`, `${HEAD}bbws:ecs:EcsLayer::ecs`];
        expect(compactTargets(targets, program(1))).to.deep.equal(targets);
    });

    it("one flag per URN fails to start a process with E2BIG past the argument limit; the compact list starts it", function () {
        if (process.platform !== "linux") this.skip();
        const stackKiB = spawnSync("sh", ["-c", "ulimit -s"], { encoding: "utf8" }).stdout.trim();
        const quarter = stackKiB === "unlimited" ? Infinity : (Number(stackKiB) * 1024) / 4;
        const limit = Math.max(128 * 1024, Math.min(6 * 1024 * 1024, quarter));
        // Each string also costs a pointer in the new process's argv array.
        const areaOf = (args: string[]) => argvBytes(args) + 8 * args.length;
        const perTenant =
            areaOf(targetFlags(urnsByPhase(program(1)).get("ecs")!)) - areaOf(targetFlags(urnsByPhase(program(0)).get("ecs")!));
        const tenants = Math.ceil(limit / perTenant) + 10;
        const universe = program(tenants);
        const ecs = urnsByPhase(universe).get("ecs")!;
        expect(areaOf(targetFlags(ecs))).to.be.above(limit);
        const literal = spawnSync("true", targetFlags(ecs), { env: {} });
        expect(literal.error, `${tenants} tenants, ${ecs.length} URNs`).to.have.property("code", "E2BIG");
        const compact = spawnSync("true", targetFlags(compactTargets(ecs, universe)), { env: {} });
        expect(compact.error).to.equal(undefined);
        expect(compact.status).to.equal(0);
    });
});
