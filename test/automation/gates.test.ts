import { expect } from "chai";
import {
    approvalGate,
    DESTRUCTIVE_OPS,
    migrationExportOf,
    orderGate,
    platformGate,
    promotionGate,
    safetyGate,
    scopeGate,
    STATEFUL_TYPES,
    tierGate,
} from "../../automation/gates";
import fc from "fast-check";
import type { TenantAction, TenantStepRecord } from "../../automation/ledger";
import type { PlanStep } from "../../automation/plan-steps";
import { urn } from "../support/fake-engine";
import { COMMIT, recordOf } from "../support/rollout";

const step = (u: string, op: PlanStep["op"], replaceKeys: string[] = []): PlanStep => ({
    urn: u,
    type: u.split("::")[2].split("$").at(-1)!,
    op,
    diffs: [],
    replaceKeys,
});
const ALL = ["network", "database", "storage", "ecs", "monitoring"] as const;

/** A tenant step record of `npm run tenant` (ledger.ts `TenantStepRecord`), the `n`th of the log. */
const stepRecord = (
    n: number,
    step: string,
    action: TenantAction = "migrate-tier",
    result: TenantStepRecord["result"] = "succeeded",
    tenant = "beta",
): TenantStepRecord => ({
    v: 1,
    kind: "tenant-step",
    at: new Date(Date.UTC(2026, 11, 1, 9, n)).toISOString(),
    runId: "run",
    env: "sit",
    tenant,
    action,
    step,
    result,
    operator: "alice",
    durationMs: 1,
    ...(step === "export" ? { data: { archive: `s3://bucket/archive/${tenant}/tier-migration-${n}/` } } : {}),
});
/** What `npm run tenant -- migrate-tier` records before its tier step: stop, then export. */
const stoppedAndExported = [stepRecord(0, "stop"), stepRecord(1, "export")];

describe("gates", () => {
    it("each has an id, one line of info and an explanation", () => {
        for (const gate of [orderGate, promotionGate, platformGate, tierGate, scopeGate, safetyGate, approvalGate]) {
            expect(gate.info, gate.id).to.match(/^[A-Z].{10,}[^.]$/);
            expect(gate.explanation, gate.id).to.match(/^[A-Z].{20,}\.$/);
        }
    });

    describe("tier", () => {
        const tenants = [
            { id: "alpha", tier: "basic" as const },
            { id: "beta", tier: "premium" as const },
        ];
        const deployed = new Map([
            ["alpha", "basic" as const],
            ["beta", "basic" as const],
        ]);
        it("is not applicable before anything is deployed", () => {
            expect(tierGate.check({ env: "sit", tenants }).status).to.equal("n/a");
        });
        it("passes when every deployed tenant keeps its tier, and for a new tenant at any tier", () => {
            const fresh = [...tenants.slice(0, 1), { id: "gamma", tier: "enterprise" as const }];
            expect(tierGate.check({ env: "sit", tenants: fresh, deployed }).status).to.equal("pass");
        });
        it("fails a config edit that changes an existing tenant's tier, naming it, both tiers and the migration", () => {
            const verdict = tierGate.check({ env: "sit", tenants, deployed });
            expect(verdict.status).to.equal("fail");
            expect(verdict.findings).to.deep.equal(["beta: deployed basic, configured premium"]);
            expect(verdict.fix)
                .to.include("put beta's tier back to basic")
                .and.include("`npm run tenant -- migrate-tier --env sit --id beta --tier premium`");
        });
        const stoppedBeta = tenants.map((t) => (t.id === "beta" ? { ...t, stopped: true } : t));
        it("passes the change as that tenant's own migration, once it is stopped and exported, recording the override and naming the export", () => {
            const verdict = tierGate.check({
                env: "sit",
                tenants: stoppedBeta,
                deployed,
                migrating: "beta",
                tenantSteps: stoppedAndExported,
            });
            expect(verdict).to.deep.include({ status: "pass", overrides: ["--migrate-tier beta"] });
            expect(verdict.findings).to.deep.equal([
                "beta: deployed basic, configured premium",
                "export s3://bucket/archive/beta/tier-migration-1/ at 2026-12-01T09:01:00.000Z",
            ]);
        });
        it("fails the migration of a tenant still serving: its new file system starts empty, so it is stopped and exported first", () => {
            const verdict = tierGate.check({ env: "sit", tenants, deployed, migrating: "beta", tenantSteps: stoppedAndExported });
            expect(verdict.status).to.equal("fail");
            expect(verdict.findings).to.deep.equal(["beta: deployed basic, configured premium: still serving"]);
            expect(verdict.fix).to.include("migrate it with `npm run tenant -- migrate-tier --env sit --id beta --tier premium`");
        });
        it("fails the migration of a stopped tenant whose step log shows no export since its migration's stop, naming the command", () => {
            // Issue 21: the import step reads the export, so the rollout that replaces the file system waits for one.
            const cases: Array<[TenantStepRecord[] | undefined, string]> = [
                [undefined, "no stop of its migrate-tier in the tenant step log"],
                [
                    [stepRecord(0, "stop", "remove"), stepRecord(1, "archive", "remove")],
                    "no stop of its migrate-tier in the tenant step log",
                ],
                [[stepRecord(0, "stop")], "no export after its migration's stop (2026-12-01T09:00:00.000Z)"],
                [
                    [...stoppedAndExported, stepRecord(2, "start")],
                    "started again (migrate-tier 2026-12-01T09:02:00.000Z) after its migration's stop",
                ],
            ];
            for (const [tenantSteps, missing] of cases) {
                const verdict = tierGate.check({ env: "sit", tenants: stoppedBeta, deployed, migrating: "beta", tenantSteps });
                expect(verdict.status).to.equal("fail");
                expect(verdict.findings[0])
                    .to.include("beta: deployed basic, configured premium: no export to import (")
                    .and.include(missing);
                expect(verdict.fix).to.equal(
                    "migrate it with `npm run tenant -- migrate-tier --env sit --id beta --tier premium`: its stop and export steps come " +
                        "before this rollout, and its import after it",
                );
            }
        });
        it("fails a move to a less isolated tier: no runbook, and its deletes pass would remove the load balancer before the file system's gate", () => {
            const down = new Map([
                ["alpha", "basic" as const],
                ["beta", "premium" as const],
            ]);
            const back = stoppedBeta.map((t) => ({ ...t, tier: "basic" as const }));
            const verdict = tierGate.check({ env: "sit", tenants: back, deployed: down, migrating: "beta" });
            expect(verdict.status).to.equal("fail");
            expect(verdict.findings).to.deep.equal([
                "beta: deployed premium, configured basic: a move to a less isolated tier is not built",
            ]);
        });
        it("fails a migration of one tenant that also changes another's tier: one tenant per migration", () => {
            const both = stoppedBeta.map((t) => ({ ...t, tier: "enterprise" as const }));
            const verdict = tierGate.check({ env: "sit", tenants: both, deployed, migrating: "beta", tenantSteps: stoppedAndExported });
            expect(verdict.status).to.equal("fail");
            expect(verdict.findings).to.deep.equal(["alpha: deployed basic, configured enterprise"]);
        });
    });

    describe("migrationExportOf: the export a tier migration may rely on, from the tenant step log", () => {
        it("is the latest successful export after the migration's last successful stop", () => {
            const log = [...stoppedAndExported, stepRecord(2, "export", "migrate-tier", "failed"), stepRecord(3, "export")];
            expect(migrationExportOf(log, "beta")).to.deep.equal({ export: log[3] });
        });
        it("ignores another tenant's records, failed ones, and offboarding's stop and archive", () => {
            const log = [
                stepRecord(0, "stop", "migrate-tier", "succeeded", "alpha"),
                stepRecord(1, "export", "migrate-tier", "succeeded", "alpha"),
                stepRecord(2, "stop", "migrate-tier", "failed"),
                stepRecord(3, "stop", "remove"),
                stepRecord(4, "archive", "remove"),
            ];
            expect(migrationExportOf(log, "beta")).to.deep.equal({ missing: "no stop of its migrate-tier in the tenant step log" });
        });
        it("refuses an export older than the last stop, or one followed by a start of any action", () => {
            expect(migrationExportOf([...stoppedAndExported, stepRecord(2, "stop")], "beta")).to.have.property("missing");
            expect(migrationExportOf([...stoppedAndExported, stepRecord(2, "start", "add")], "beta")).to.deep.equal({
                missing: "started again (add 2026-12-01T09:02:00.000Z) after its migration's stop (2026-12-01T09:00:00.000Z)",
            });
        });
        it("for any step log: an export it returns is a successful export of the tenant's migration, after its last successful stop, with no successful start in between", () => {
            const record = fc
                .tuple(
                    fc.constantFrom("stop", "export", "start", "tier", "archive"),
                    fc.constantFrom<TenantAction>("migrate-tier", "add", "remove"),
                    fc.constantFrom<TenantStepRecord["result"]>("succeeded", "failed", "cancelled"),
                    fc.constantFrom("beta", "alpha"),
                )
                .map(([step, action, result, tenant]) => ({ step, action, result, tenant }));
            fc.assert(
                fc.property(fc.array(record, { maxLength: 12 }), (drawn) => {
                    const log = drawn.map((r, n) => stepRecord(n, r.step, r.action, r.result, r.tenant));
                    const verdict = migrationExportOf(log, "beta");
                    const ok = (r: TenantStepRecord) => r.tenant === "beta" && r.result === "succeeded";
                    const lastStop = log
                        .map((r, i) => (ok(r) && r.action === "migrate-tier" && r.step === "stop" ? i : -1))
                        .reduce((a, b) => Math.max(a, b), -1);
                    if (!("export" in verdict)) {
                        const exportedSince = log
                            .slice(lastStop + 1)
                            .some((r) => ok(r) && r.action === "migrate-tier" && r.step === "export");
                        const startedSince = log.slice(lastStop + 1).some((r) => ok(r) && r.step === "start");
                        return lastStop < 0 || !exportedSince || startedSince;
                    }
                    const at = log.indexOf(verdict.export);
                    return (
                        ok(verdict.export) &&
                        verdict.export.action === "migrate-tier" &&
                        verdict.export.step === "export" &&
                        lastStop >= 0 &&
                        at > lastStop &&
                        !log.slice(lastStop + 1).some((r) => ok(r) && r.step === "start") &&
                        !log.slice(at + 1).some((r) => ok(r) && r.action === "migrate-tier" && r.step === "export")
                    );
                }),
                { numRuns: 500 },
            );
        });
    });

    describe("order", () => {
        const base = { env: "sit", inProgram: [...ALL], forceOrder: false };
        it("passes when every earlier phase's last attempt succeeded", () => {
            const history = [recordOf("sit", "network", "failed"), recordOf("sit", "network", "succeeded")];
            expect(orderGate.check({ ...base, phase: "database", history }).status).to.equal("pass");
        });
        it("fails when an earlier phase failed after succeeding, naming it and the fix", () => {
            const history = [recordOf("sit", "network", "succeeded"), recordOf("sit", "network", "failed")];
            const v = orderGate.check({ ...base, phase: "database", history });
            expect(v.status).to.equal("fail");
            expect(v.findings).to.deep.equal(["network: last attempt failed at 2026-11-20T10:00:00.000Z"]);
            expect(v.fix).to.include("--phase network").and.include("--force-order");
        });
        it("ignores refusals and previews, which change nothing", () => {
            const history = [
                recordOf("sit", "network", "succeeded"),
                recordOf("sit", "network", "refused"),
                recordOf("sit", "network", "previewed"),
            ];
            expect(orderGate.check({ ...base, phase: "database", history }).status).to.equal("pass");
        });
        it("does not wait for a phase the program does not have", () => {
            const history = [recordOf("sit", "network", "succeeded")];
            expect(orderGate.check({ ...base, inProgram: ["network", "ecs"], phase: "ecs", history }).status).to.equal("pass");
        });
        it("is not applicable to the first phase", () => {
            expect(orderGate.check({ ...base, phase: "network", history: [] }).status).to.equal("n/a");
        });
        it("for a tenant, counts its own records besides the platform's, and its fix keeps --tenant", () => {
            const history = [recordOf("sit", "network", "failed"), { ...recordOf("sit", "network", "succeeded"), tenant: "abc" }];
            expect(orderGate.check({ ...base, phase: "database", history, tenant: "abc" }).status).to.equal("pass");
            const other = orderGate.check({ ...base, phase: "database", history, tenant: "abc-def" });
            expect(other.status).to.equal("fail");
            expect(other.fix).to.include("`--phase network --tenant abc-def`");
        });
        it("passes with --force-order, saying so", () => {
            const v = orderGate.check({ ...base, phase: "ecs", history: [], forceOrder: true });
            expect(v).to.deep.include({ status: "pass", overrides: ["--force-order"] });
            expect(v.findings).to.have.length(3);
        });
    });

    describe('a deletes pass never completes a phase (README "Removing resources": the phase\'s main pass and checks come after it)', () => {
        const deletes = (phase: (typeof ALL)[number], result: "succeeded" | "failed") => ({
            ...recordOf("sit", phase, result),
            pass: "deletes" as const,
        });
        it("promotion: a commit whose sit monitoring ran only its deletes pass has not completed monitoring", () => {
            const sourceHistory = [...ALL.slice(0, 4).map((p) => recordOf("sit", p, "succeeded")), deletes("monitoring", "succeeded")];
            const v = promotionGate.check({ commit: COMMIT, promoteFrom: "sit", inProgram: [...ALL], sourceHistory });
            expect(v.status).to.equal("fail");
            expect(v.findings).to.deep.equal([`monitoring: not completed in sit at commit ${COMMIT.slice(0, 12)}`]);
        });
        it("order: a succeeded deletes pass after a failed main pass leaves the phase failed; a failed deletes pass counts", () => {
            const base = { env: "sit", inProgram: [...ALL], forceOrder: false, phase: "database" as const };
            expect(
                orderGate.check({ ...base, history: [recordOf("sit", "network", "failed"), deletes("network", "succeeded")] }).status,
            ).to.equal("fail");
            expect(
                orderGate.check({ ...base, history: [recordOf("sit", "network", "succeeded"), deletes("network", "failed")] }).status,
            ).to.equal("fail");
        });
    });

    describe("promotion", () => {
        const base = { commit: COMMIT, promoteFrom: "sit", inProgram: [...ALL] };
        it("passes when this commit completed every phase in sit", () => {
            expect(promotionGate.check({ ...base, sourceHistory: ALL.map((p) => recordOf("sit", p, "succeeded")) }).status).to.equal(
                "pass",
            );
        });
        it("fails listing the phases this commit has not completed there", () => {
            const v = promotionGate.check({
                ...base,
                sourceHistory: [recordOf("sit", "network", "succeeded"), recordOf("sit", "database", "failed")],
            });
            expect(v.status).to.equal("fail");
            expect(v.findings.map((f) => f.split(":")[0])).to.deep.equal(["database", "storage", "ecs", "monitoring"]);
        });
        it("fails when the commit is unknown", () => {
            expect(promotionGate.check({ ...base, commit: undefined, sourceHistory: [] }).status).to.equal("fail");
        });
        it("is not applicable where config names no source environment", () => {
            expect(promotionGate.check({ ...base, promoteFrom: undefined, sourceHistory: [] }).status).to.equal("n/a");
        });
    });

    describe("scope", () => {
        const vpc = urn("sit", ["bbws:network:NetworkLayer", "aws:ec2/vpc:Vpc"], "network-vpc");
        const sg = urn("sit", ["bbws:data:DataLayer", "aws:ec2/securityGroup:SecurityGroup"], "data-sg");
        const stack = "urn:pulumi:sit::bbws-platform::pulumi:pulumi:Stack::bbws-platform-sit";
        const provider = "urn:pulumi:sit::bbws-platform::pulumi:providers:aws::default_7_48_0";
        it("passes when only the phase, the root stack and providers change", () => {
            const steps = [step(vpc, "create"), step(stack, "update"), step(provider, "update")];
            expect(scopeGate.check({ phase: "network", phaseUrns: new Set([vpc]), steps }).status).to.equal("pass");
        });
        it("fails on a change outside the phase, listing it", () => {
            const v = scopeGate.check({ phase: "network", phaseUrns: new Set([vpc]), steps: [step(vpc, "create"), step(sg, "delete")] });
            expect(v).to.deep.include({ status: "fail", findings: [`delete ${sg}`] });
        });
        it("does not count unchanged or read resources outside the phase", () => {
            const steps = [step(sg, "same"), step(sg, "read")];
            expect(scopeGate.check({ phase: "network", phaseUrns: new Set([vpc]), steps }).status).to.equal("pass");
        });
        it("for a tenant's rollout, fails on a change outside the tenant and says to roll it out with the platform", () => {
            const v = scopeGate.check({ phase: "network", phaseUrns: new Set([sg]), steps: [step(vpc, "update")], tenant: "abc" });
            expect(v).to.deep.include({ status: "fail", findings: [`update ${vpc}`] });
            expect(v.fix).to.include("not abc's network resources").and.include("without --tenant");
        });
    });

    describe("platform (a tenant's rollout: step_generator.go diagnostic 2013, an untargeted create a targeted resource needs)", () => {
        const vpc = urn("sit", ["bbws:network:NetworkLayer", "aws:ec2/vpc:Vpc"], "network-vpc");
        const topic = urn("sit", ["bbws:monitoring:MonitoringLayer", "aws:sns/topic:Topic"], "monitoring-alerts");
        it("passes when the platform has nothing to create", () => {
            expect(platformGate.check({ env: "sit", tenant: "abc", deletes: false, platformCreates: [] }).status).to.equal("pass");
        });
        it("fails naming every pending platform create and its phase, and says to roll out the platform first", () => {
            const platformCreates = [
                { phase: "network" as const, urn: vpc },
                { phase: "monitoring" as const, urn: topic },
            ];
            const v = platformGate.check({ env: "sit", tenant: "abc", deletes: false, platformCreates });
            expect(v.status).to.equal("fail");
            expect(v.findings).to.deep.equal([`network: create ${vpc}`, `monitoring: create ${topic}`]);
            expect(v.fix).to.equal("roll out the platform first (`npm run rollout -- --env sit --phase all`), then abc again");
        });
        it("is not applicable to a deletes pass, which creates nothing", () => {
            const v = platformGate.check({ env: "sit", tenant: "abc", deletes: true, platformCreates: [{ phase: "network", urn: vpc }] });
            expect(v.status).to.equal("n/a");
        });
    });

    describe("safety", () => {
        const aurora = urn("prod", ["bbws:data:DataLayer", "aws:rds/cluster:Cluster"], "data-aurora");
        const subnet = urn("prod", ["bbws:network:NetworkLayer", "aws:ec2/subnet:Subnet"], "network-private-a");
        for (const type of STATEFUL_TYPES) {
            for (const op of DESTRUCTIVE_OPS) {
                it(`refuses ${op} of ${type} unless named`, () => {
                    const u = urn("prod", ["bbws:data:DataLayer", type], "thing");
                    const v = safetyGate.check({ steps: [step(u, op as PlanStep["op"])], allowReplace: [] });
                    expect(v.status).to.equal("fail");
                    expect(v.fix).to.include(`--allow-replace '${u}'`);
                });
            }
        }
        it("counts a replacement's three steps as one resource and names the replacing keys", () => {
            const steps = (["create-replacement", "replace", "delete-replaced"] as const).map((op) => step(aurora, op, ["engineVersion"]));
            const v = safetyGate.check({ steps, allowReplace: [] });
            expect(v.findings).to.deep.equal([`replace ${aurora} (because of engineVersion)`]);
        });
        it("passes a named replacement and reports the override", () => {
            const v = safetyGate.check({ steps: [step(aurora, "replace")], allowReplace: [aurora] });
            expect(v).to.deep.include({ status: "pass", overrides: [`--allow-replace ${aurora}`] });
        });
        describe("a replacement no name can make room for (automation/replacement.ts `refused`)", () => {
            const sg = urn("prod", ["bbws:network:NetworkLayer", "aws:ec2/securityGroup:SecurityGroup"], "network-database-sg");
            const replaced = (["create-replacement", "replace", "delete-replaced"] as const).map((op) => step(sg, op, ["description"]));
            it(
                "refuses a security group's replacement: its name is unique in the VPC (CreateSecurityGroup: InvalidGroup.Duplicate) " +
                    "and other phases' network interfaces keep the old one (DependencyViolation)",
                () => {
                    const v = safetyGate.check({ steps: replaced, allowReplace: [] });
                    expect(v.status).to.equal("fail");
                    expect(v.findings).to.have.length(1);
                    expect(v.findings[0]).to.include(`replace ${sg} (because of description): its name is unique in the VPC`);
                    expect(v.fix)
                        .to.match(/^revert the change that forces the replacement/)
                        .and.include(`--allow-replace '${sg}'`);
                },
            );
            it("lets a security group go when its tenant leaves: a delete takes no name", () => {
                expect(safetyGate.check({ steps: [step(sg, "delete")], allowReplace: [] }).status).to.equal("pass");
            });
            it("refuses the load balancer's replacement (elbv2/load_balancer.go: internal, load_balancer_type ForceNew; names unique per region)", () => {
                const alb = urn("prod", ["bbws:ecs:EcsLayer", "aws:lb/loadBalancer:LoadBalancer"], "ecs-alb");
                expect(safetyGate.check({ steps: [step(alb, "replace", ["internal"])], allowReplace: [] }).status).to.equal("fail");
            });
        });
        it("passes updates of stateful resources and replacements of stateless ones", () => {
            expect(safetyGate.check({ steps: [step(aurora, "update"), step(subnet, "replace")], allowReplace: [] }).status).to.equal(
                "pass",
            );
        });
    });

    describe("approval", () => {
        const hash = "3f9a1c0d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b";
        const base = { env: "prod", phase: "database" as const, requiredRoles: ["tech-lead", "dba"], planHash: hash, confirmed: false };
        it("passes when every required role approved, by different people", () => {
            const v = approvalGate.check({
                ...base,
                approvals: [
                    { role: "tech-lead", name: "alice" },
                    { role: "dba", name: "bob" },
                ],
            });
            expect(v).to.deep.include({ status: "pass", findings: ["tech-lead: alice", "dba: bob"] });
        });
        it("fails for a missing role, and --yes does not stand in for it", () => {
            const v = approvalGate.check({ ...base, confirmed: true, approvals: [{ role: "tech-lead", name: "alice" }] });
            expect(v).to.deep.include({ status: "fail", findings: ["dba: no approval"] });
            expect(v.fix).to.include("--approve dba:<name>").and.include("--yes does not replace");
        });
        it("accepts an approval pinned to a prefix of this plan's hash, refuses one pinned to another plan", () => {
            const approvals = (pin: string) => [
                { role: "tech-lead", name: "alice", planHash: pin },
                { role: "dba", name: "bob" },
            ];
            expect(approvalGate.check({ ...base, approvals: approvals(hash.slice(0, 8)) }).status).to.equal("pass");
            expect(approvalGate.check({ ...base, approvals: approvals("0badc0de") }).status).to.equal("fail");
        });
        it("fails when one person approves for two roles", () => {
            const v = approvalGate.check({
                ...base,
                approvals: [
                    { role: "tech-lead", name: "alice" },
                    { role: "dba", name: "alice" },
                ],
            });
            expect(v.status).to.equal("fail");
        });
        it("where no role is required, passes only when confirmed (--yes or y at the terminal)", () => {
            expect(approvalGate.check({ ...base, requiredRoles: [], approvals: [] }).status).to.equal("fail");
            expect(approvalGate.check({ ...base, requiredRoles: [], approvals: [], confirmed: true }).status).to.equal("pass");
        });
    });
});
