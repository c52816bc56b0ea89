/**
 * `npm run tenant -- migrate-tier --tier enterprise` in a rehearsal of sit (issue 21): a converged sit's aupairhive
 * moved from basic into enterprise, its database into its own cluster, and tutorhub from basic to premium and then
 * into enterprise (its own file system replaced under its own key), through the CLI, the rollouts on the scripted
 * engine and the doubles of automation/tenant/rehearsal-port.ts. Apart from tenant-migrate-tier.test.ts so the two
 * run in parallel (each converges its own sit).
 */
import { expect } from "chai";
import { memoryIo } from "../../automation/io";
import { main } from "../../automation/tenant-cli";
import { FAILED_ROTATION_TEST, PASSED_ROTATION_TEST } from "../../automation/tenant/rehearsal-port";
import { MIGRATE_TIER_STEPS } from "../../automation/tenant/steps";
import { Stage, stage, textOf } from "../support/rehearsal";

const TENANT = "tutorhub";
const APPROVALS = ["--approve", "tech-lead:alice", "--approve", "dba:bob"];
const MIGRATE = ["migrate-tier", "--env", "sit", "--id", TENANT, "--tier", "premium"];

describe("rehearsal: npm run tenant -- migrate-tier moves a sit tenant from basic to enterprise, its database into its own cluster", function () {
    this.timeout(600_000);
    const ID = "aupairhive";
    let sit: Stage;
    after(() => sit?.dispose());
    let migrated: { code: number; io: ReturnType<typeof memoryIo> };
    let again: { code: number; io: ReturnType<typeof memoryIo> };
    let records: Array<{ step: string; result: string; data?: Record<string, string> }>;
    let outputs: any;
    const run = async (argv: string[]) => {
        const io = memoryIo();
        const code = await main([...argv, "--rehearse", "--rehearsal-dir", sit.dir, ...APPROVALS], io);
        return { code, io };
    };
    const MOVE = ["migrate-tier", "--env", "sit", "--id", ID, "--tier", "enterprise", "--confirm", ID];
    /** The transcript's line of the one-off task run for `purpose` (rehearsal-port.ts prints each with its environment). */
    const taskLine = (purpose: string) =>
        textOf(migrated.io)
            .split("\n")
            .find((l) => l.includes(`task (${purpose})`)) ?? "";

    before(async () => {
        sit = stage("sit");
        sit.converge();
        migrated = await run(MOVE);
        again = await run(MOVE);
        records = sit.tenantSteps();
        const root = sit.state().deployment.resources.find((r) => r.type === "pulumi:pulumi:Stack") as { outputs?: any };
        outputs = root?.outputs;
    });

    it("every step succeeds, in order, the database steps between the tier rollout and the files' import, the shared copy dropped last", () => {
        expect(migrated.code, textOf(migrated.io)).to.equal(0);
        expect(records.map((r) => `${r.step} ${r.result}`)).to.deep.equal(MIGRATE_TIER_STEPS.map((s) => `${s.id} succeeded`));
        expect(MIGRATE_TIER_STEPS.map((s) => s.id)).to.deep.equal([
            "check",
            "stop",
            "export",
            "tier",
            "repoint-secret",
            "create-database",
            "import-database",
            "compare-database",
            "import",
            "start",
            "healthy",
            "https",
            "domains",
            "drop-shared-database",
        ]);
    });

    it("no rotation configuration is tested before its secret names its own cluster and its user exists there: paused from the stop to the start (rotation-test.ts)", () => {
        const text = textOf(migrated.io);
        expect(text).to.not.include(FAILED_ROTATION_TEST);
        // The start's, with its own function, after the user was created on its own cluster: its one test in the move.
        const tested = text.split("\n").filter((l) => l.includes("tested the rotation configuration of"));
        expect(tested).to.have.length(1);
        expect(tested[0]).to.include(`bbws-tenant-${ID}-rotation-sit's testSecret: ${PASSED_ROTATION_TEST}`);
        expect(text.indexOf("create schema and user")).to.be.lessThan(text.indexOf(tested[0]));
        const rotation = sit.state().deployment.resources.find((r) => r.urn.endsWith(`::data-tenant-${ID}-db-rotation`)) as {
            inputs?: any;
        };
        expect(rotation?.inputs?.rotationLambdaArn).to.match(new RegExp(`:function:bbws-tenant-${ID}-rotation-sit$`));
    });

    it("the tier rollout created its own cluster (stack output database.tenantClusters) and the stack says enterprise", () => {
        expect(outputs.network.tenantTiers).to.include({ [ID]: "enterprise" });
        expect(outputs.database.tenantClusters[ID].clusterIdentifier).to.equal(`bbws-tenant-${ID}-aurora-sit`);
    });

    it("its secret now names its own cluster's writer (was the shared one's): recorded with the new version", () => {
        const secret = records.find((r) => r.step === "repoint-secret")!.data!;
        expect(secret.host).to.equal(outputs.database.tenantClusters[ID].writerEndpoint);
        expect(secret.previousHost).to.equal(outputs.database.writerEndpoint);
        expect(secret.secretVersion).to.be.a("string").and.not.equal("");
    });

    it("the check ran on the shared cluster before anything stopped (no TENANT_CLUSTER_HOST), and the secret's rotation was read first", () => {
        const check = taskLine(`check ${ID}'s schema can move`);
        expect(check).to.include("one-off platform task");
        expect(check).to.not.include("TENANT_CLUSTER_HOST");
        const text = textOf(migrated.io);
        expect(text.indexOf("Secrets Manager DescribeSecret")).to.be.greaterThan(-1);
        expect(text.indexOf("Secrets Manager DescribeSecret")).to.be.lessThan(text.indexOf(`task (check ${ID}'s schema can move)`));
        expect(text.indexOf(`task (check ${ID}'s schema can move)`)).to.be.lessThan(text.indexOf("[2/14] stop:"));
    });

    it("schema and user are created on its own cluster, the dump loaded there as the tenant only (EXPECTED_DB_HOST), then compared with the shared copy", () => {
        const own = outputs.database.tenantClusters[ID];
        expect(taskLine(`create schema and user wp_${ID} on its own cluster`)).to.include(`TENANT_CLUSTER_HOST=${own.writerEndpoint}`);
        const load = taskLine(`load ${ID}'s database into its own cluster`);
        expect(load).to.include(`one-off tenant ${ID} task`);
        expect(load).to.include(`EXPECTED_DB_HOST=${own.writerEndpoint}`);
        expect(taskLine(`compare ${ID}'s schema on both clusters`)).to.include(`TENANT_CLUSTER_HOST=${own.writerEndpoint}`);
    });

    it("the shared cluster's copy is dropped by the platform task on the shared cluster (no TENANT_CLUSTER_HOST), after the site answered", () => {
        const drop = taskLine(`drop wp_${ID} on the shared cluster`);
        expect(drop).to.include("one-off platform task");
        expect(drop).to.not.include("TENANT_CLUSTER_HOST");
        const text = textOf(migrated.io);
        expect(text.indexOf("https: succeeded")).to.be.lessThan(text.indexOf(`task (drop wp_${ID} on the shared cluster)`));
    });

    it("a second run says there is nothing to do", () => {
        expect(again.code).to.equal(0);
        expect(textOf(again.io)).to.include(`${ID} is already moved to enterprise in sit: every step succeeded`);
    });
});

describe("rehearsal: npm run tenant -- migrate-tier moves a sit tenant from basic to premium, then into enterprise", function () {
    this.timeout(600_000);
    let sit: Stage;
    after(() => sit?.dispose());
    let toPremium: { code: number; io: ReturnType<typeof memoryIo> };
    let toEnterprise: { code: number; io: ReturnType<typeof memoryIo> };
    let ledgerBefore: number;
    const run = async (argv: string[]) => {
        const io = memoryIo();
        const code = await main([...argv, "--rehearse", "--rehearsal-dir", sit.dir, ...APPROVALS], io);
        return { code, io };
    };

    before(async () => {
        sit = stage("sit");
        sit.converge();
        toPremium = await run(MIGRATE);
        ledgerBefore = sit.ledger().length;
        toEnterprise = await run(["migrate-tier", "--env", "sit", "--id", TENANT, "--tier", "enterprise", "--confirm", TENANT]);
    });

    it("both moves succeed, every step in order", () => {
        expect(toPremium.code, textOf(toPremium.io)).to.equal(0);
        expect(toEnterprise.code, textOf(toEnterprise.io)).to.equal(0);
        const records = sit.tenantSteps();
        expect(records.slice(-MIGRATE_TIER_STEPS.length).map((r) => `${r.step} ${r.result}`)).to.deep.equal(
            MIGRATE_TIER_STEPS.map((s) => `${s.id} succeeded`),
        );
    });

    it("the move into enterprise replaces its own file system (under its own key now), allowed by name in the storage phase, and nothing else", () => {
        const replaced = sit
            .ledger()
            .slice(ledgerBefore)
            .flatMap((r) => r.overrides.slice(1).map((o) => `${r.phase} ${o}`));
        expect(replaced).to.deep.equal([
            `storage --allow-replace urn:pulumi:sit::bbws-platform::bbws:storage:StorageLayer$bbws:storage:TenantStorage$aws:efs/fileSystem:FileSystem::storage-${TENANT}-efs`,
        ]);
        const fileSystem = sit
            .state()
            .deployment.resources.find((r) => r.urn.endsWith(`aws:efs/fileSystem:FileSystem::storage-${TENANT}-efs`)) as { inputs: any };
        const root = sit.state().deployment.resources.find((r) => r.type === "pulumi:pulumi:Stack") as { outputs?: any };
        expect(fileSystem.inputs.kmsKeyId).to.equal(root.outputs.database.tenantClusters[TENANT].keyArn);
    });
});
