/**
 * `npm run tenant -- add --tier enterprise` then `remove` in a rehearsal of sit, through the CLI: the rollouts on the
 * scripted engine, which refuses to delete an Aurora cluster whose deletion protection is on, as RDS does
 * (automation/rehearsal-engine/deletion-protection.ts; Aurora user guide, "Deletion protection for Aurora clusters"),
 * and doubles for the one-off tasks, target health and HTTPS (automation/tenant/rehearsal-port.ts).
 *
 * What an auditor checks:
 * - the add writes `tier: enterprise` and creates the tenant's own cluster; its database step names that cluster and
 *   its RDS-managed master secret (the stack output database.tenantClusters), never the shared cluster;
 * - the remove's stop rolls out ecs and monitoring, and its `unprotect` step (after the confirmation) the database
 *   phase, so the cluster's deletion protection is off before the rollout that deletes it; every step succeeds and
 *   nothing of the tenant is left in the state;
 * - without that database phase (ecs and monitoring only) the same delete is refused;
 * - the dry run names what the real run would be refused for first (the first tenant VPC, RDS.7 where dev waives it).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { memoryIo } from "../../automation/io";
import { main } from "../../automation/tenant-cli";
import { FAILED_ROTATION_TEST, PASSED_ROTATION_TEST } from "../../automation/tenant/rehearsal-port";
import { ADD_STEPS, REMOVE_STEPS } from "../../automation/tenant/steps";
import { retireTenant, setTenantTier, stopTenant } from "../../automation/tenant/stack-edit";
import { tenantResourceUrns, tenantRolloutArgv } from "../../automation/tenant/real-port";
import { loadStackConfig } from "../../automation/stack-files";
import { desiredState } from "../../automation/rehearsal-engine/desired";
import { PHASES } from "../../src/phases";
import { Stage, stage, textOf } from "../support/rehearsal";

const ID = "bigco";
const APPROVALS = ["--approve", "tech-lead:alice", "--approve", "dba:bob"];
const ADD = ["add", "--env", "sit", "--id", ID, "--slot", "3", "--cpu", "512", "--memory", "1024", "--tier", "enterprise"];
const CLUSTER_TYPE = "aws:rds/cluster:Cluster";

/**
 * A rehearsal of sit whose tutorhub is premium, so the platform already has what every tenant VPC shares (the flow
 * logs' grant, components/network.ts): the first tenant VPC of an environment, premium or enterprise, is a platform
 * create that a `--tenant` rollout's platform gate refuses (roll out `--phase all` first, as its message says).
 * `converge` rolls it out; `run` runs tenant commands in it.
 */
function enterpriseAdded() {
    const sit: Stage = stage("sit");
    const stackFile = path.join(sit.projectDir, "Pulumi.sit.yaml");
    fs.writeFileSync(stackFile, setTenantTier(fs.readFileSync(stackFile, "utf8"), "tutorhub", "premium"));
    const run = async (argv: string[]) => {
        const io = memoryIo();
        const code = await main([...argv, "--rehearse", "--rehearsal-dir", sit.dir, ...APPROVALS], io);
        return { code, io };
    };
    const ownCluster = () => sit.state().deployment.resources.find((r) => r.type === CLUSTER_TYPE && r.urn.includes(`-${ID}-cluster`));
    return { sit, stackFile, run, ownCluster };
}

describe("rehearsal: onboard an enterprise tenant of sit, then offboard it, through npm run tenant", function () {
    this.timeout(900_000);
    let w: ReturnType<typeof enterpriseAdded>;
    let added: Awaited<ReturnType<typeof w.run>>;
    let protectedBeforeRemove: unknown;
    let afterAdd: string;
    let removed: Awaited<ReturnType<typeof w.run>>;
    after(() => w?.sit.dispose());

    before(async () => {
        w = enterpriseAdded();
        w.sit.converge();
        added = await w.run(ADD);
        afterAdd = fs.readFileSync(w.stackFile, "utf8");
        protectedBeforeRemove = w.ownCluster()?.inputs.deletionProtection;
        removed = await w.run(["remove", "--env", "sit", "--id", ID, "--confirm", ID]);
    });

    it("add: every step succeeds, and the stack file's new entry says tier: enterprise", () => {
        expect(added.code, textOf(added.io)).to.equal(0);
        expect(loadStackConfig(w.sit.projectDir, "sit").retiredTenants.map((r) => r.id)).to.include(ID);
        expect(afterAdd).to.match(/\n {4}- id: bigco\n {6}slot: 3\n {6}cpu: 512\n {6}memory: 1024\n {6}tier: enterprise\n/);
        const records = w.sit.tenantSteps();
        expect(records.filter((r) => r.action === "add").map((r) => `${r.step} ${r.result}`)).to.deep.equal(
            ADD_STEPS.map((s) => `${s.id} succeeded`),
        );
    });

    it("add configures the secret's rotation with its own function only once its user exists on its own cluster, where its secret points (rotation-test.ts)", () => {
        const text = textOf(added.io);
        expect(text).to.not.include(FAILED_ROTATION_TEST);
        expect(text).to.match(
            new RegExp(
                `tenants/${ID}/db-\\S+ with bbws-tenant-${ID}-rotation-sit's testSecret: ${PASSED_ROTATION_TEST.replace(/[()]/g, "\\$&")}`,
            ),
        );
    });

    it("add creates the tenant's own cluster, deletion-protected as sit's bbws:database says", () => {
        expect(loadStackConfig(w.sit.projectDir, "sit").database.deletionProtection).to.equal(true);
        expect(protectedBeforeRemove).to.equal(true);
    });

    it("add's database step runs on the tenant's own cluster: the task names its writer and its master secret, from database.tenantClusters", () => {
        const text = textOf(added.io);
        const line = text.split("\n").find((l) => l.includes("one-off platform task (create schema and user wp_bigco on its own cluster)"));
        expect(line, text).to.be.a("string");
        expect(line).to.match(/TENANT_CLUSTER_HOST=bbws-tenant-bigco-aurora-sit\.cluster-/);
        expect(line).to.match(/TENANT_CLUSTER_MASTER_ID=arn:aws:secretsmanager:[^ ]+:secret:rds!cluster-/);
        const records = w.sit.tenantSteps();
        const database = records.find((r) => r.action === "add" && r.step === "database") as { data?: Record<string, string> };
        expect(database.data?.cluster).to.equal("bbws-tenant-bigco-aurora-sit");
    });

    it("remove: every step succeeds; the stop rolls out ecs and monitoring, then the unprotect step database (deletion protection off) before the delete", () => {
        expect(removed.code, textOf(removed.io)).to.equal(0);
        const records = w.sit.tenantSteps();
        expect(records.filter((r) => r.action === "remove").map((r) => `${r.step} ${r.result}`)).to.deep.equal(
            REMOVE_STEPS.map((s) => `${s.id} succeeded`),
        );
        // The rollout ledger's records of the tenant's rollouts since the add's: the stop's two phases and the unprotect step's
        // one, then the retire's deletes.
        const phases = w.sit
            .ledger()
            .filter((r) => r.tenant === ID)
            .slice(-PHASES.length - 3)
            .map((r) => `${r.phase} ${r.result}`);
        expect(phases.slice(0, 3)).to.deep.equal(["ecs succeeded", "monitoring succeeded", "database succeeded"]);
        const stop = records.find((r) => r.action === "remove" && r.step === "stop") as { data?: Record<string, string> };
        expect(stop.data?.tier).to.equal("enterprise");
    });

    it("remove's database step runs no SQL: the schema and users went with the tenant's own cluster", () => {
        const records = w.sit.tenantSteps();
        const database = records.find((r) => r.action === "remove" && r.step === "database") as { data?: Record<string, string> };
        expect(database.data?.database).to.match(/^nothing to drop: its schema and users went with its own Aurora cluster/);
        expect(textOf(removed.io)).to.not.include("one-off platform task (drop schema and user wp_bigco)");
    });

    it("leaves nothing of the tenant in the state: its cluster, instances, key alias, rotation function and VPC are gone", () => {
        expect(w.ownCluster()).to.equal(undefined);
        const left = w.sit.state().deployment.resources.filter((r) => new RegExp(`-${ID}[-:]|${ID}$`).test(r.urn));
        expect(left.map((r) => r.urn)).to.deep.equal([]);
    });
});

describe("rehearsal: without the database phase in remove's stop, the delete of an enterprise tenant's cluster is refused", function () {
    this.timeout(900_000);
    let w: ReturnType<typeof enterpriseAdded>;
    after(() => w?.sit.dispose());

    it("stopped and offboarding rolled out in ecs and monitoring only (the stop as it was): the retire's rollout fails on the protected cluster", async () => {
        w = enterpriseAdded();
        w.sit.converge();
        const added = await w.run(ADD);
        expect(added.code, textOf(added.io)).to.equal(0);
        fs.writeFileSync(w.stackFile, stopTenant(fs.readFileSync(w.stackFile, "utf8"), ID, true));
        for (const phase of ["ecs", "monitoring"]) {
            const r = await w.sit.rollout(["--env", "sit", "--phase", phase, "--tenant", ID, "--yes", ...APPROVALS]);
            expect(r.code, textOf(r.io)).to.equal(0);
        }
        expect(w.ownCluster()?.inputs.deletionProtection).to.equal(true);
        fs.writeFileSync(w.stackFile, retireTenant(fs.readFileSync(w.stackFile, "utf8"), ID, "2026-12-01"));
        // The remove's rollout step's own arguments: every URN of the tenant allowed to go (real-port.ts rolloutFlags).
        const urns = tenantResourceUrns(JSON.stringify(w.sit.state()), ID);
        const argv = tenantRolloutArgv({ env: "sit", tenant: ID, approvals: [], yes: true, allowStatefulDeletes: true }, urns);
        const deleted = await w.sit.rollout([...argv, ...APPROVALS]);
        expect(deleted.code).to.not.equal(0);
        expect(textOf(deleted.io)).to.include("Cannot delete protected Cluster");
        expect(w.ownCluster(), "the cluster is still in the state").to.not.equal(undefined);
    });
});

describe("the dry run of an enterprise add names what the real run needs first", function () {
    this.timeout(300_000);

    for (const [env, expected] of [
        ["sit", "needs first: npm run rollout -- --env sit --phase all"],
        ["dev", "needs first: a waiver of rds-7-cluster-deletion-protection for data-bigco-cluster-aurora in src/policy/waivers.ts"],
    ] as const) {
        it(`in ${env}: ${expected.slice("needs first: ".length, 60)}…`, async () => {
            // Sources: the platform gate (automation/gates.ts) refuses a --tenant rollout while the platform has something to
            // create (the first tenant VPC's flow-log grant, components/network.ts); dev's bbws:database.deletionProtection is
            // off and RDS.7 is mandatory (src/policy/rules/rds-7-cluster-deletion-protection.ts).
            const s = stage(env);
            try {
                const io = memoryIo();
                const argv = ["add", "--env", env, "--id", ID, "--slot", "3", "--cpu", "512", "--memory", "1024", "--tier", "enterprise"];
                expect(await main([...argv, "--dry-run", "--rehearse", "--rehearsal-dir", s.dir], io)).to.equal(0);
                expect(textOf(io)).to.include(expected);
            } finally {
                s.dispose();
            }
        });
    }
});

describe("an enterprise tenant's WordPress and one-off tasks connect to its own cluster, where add's database step creates its user", function () {
    this.timeout(300_000);

    it("its service's and one-off task's WORDPRESS_DB_HOST and DB_HOST name its own cluster's writer; a basic tenant's the shared one (the program's desired state)", async () => {
        // Source: components/tenant-service.ts (WORDPRESS_DB_HOST, and clientEnvironment's DB_HOST for mysqldump in the
        // archive task), fed by components/data.ts TenantSecret.server; the secret's host is the same writer (tenant-database.ts).
        const s = stage("sit");
        try {
            const file = path.join(s.projectDir, "Pulumi.sit.yaml");
            fs.writeFileSync(file, setTenantTier(fs.readFileSync(file, "utf8"), "tutorhub", "enterprise"));
            const desired = await desiredState(s.projectDir, "sit");
            const hosts = (id: string) =>
                desired.resources
                    .filter(
                        (r) =>
                            r.type === "aws:ecs/taskDefinition:TaskDefinition" &&
                            (r.urn.endsWith(`::ecs-${id}-task`) || r.urn.endsWith(`::ecs-${id}-migration`)),
                    )
                    .flatMap(
                        (r) =>
                            JSON.parse(String(r.inputs.containerDefinitions)) as Array<{
                                environment?: Array<{ name: string; value: string }>;
                            }>,
                    )
                    .flatMap((c) => c.environment ?? [])
                    .filter((e) => e.name === "WORDPRESS_DB_HOST" || e.name === "DB_HOST")
                    .map((e) => e.value);
            expect(hosts("tutorhub").length).to.be.greaterThan(1);
            for (const host of hosts("tutorhub")) expect(host).to.match(/^bbws-tenant-tutorhub-aurora-sit\.cluster-/);
            expect(hosts("aupairhive").length).to.be.greaterThan(1);
            for (const host of hosts("aupairhive")) expect(host).to.match(/^bbws-aurora-sit\.cluster-/);
        } finally {
            s.dispose();
        }
    });
});
