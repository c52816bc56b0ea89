/**
 * `npm run tenant -- migrate-tier` in a rehearsal of sit (issue 21): a converged sit's tutorhub moved
 * from basic to premium through the CLI, the rollouts on the scripted engine, doubles for the one-off
 * tasks, target health and HTTPS (automation/tenant/rehearsal-port.ts). Then the refusals of bad input,
 * each exit 2 with the stack file unchanged, and the check that `stopped` (and remove's `offboarding`) acts
 * only in the ecs, monitoring and database phases (its secret's rotation paused; for an enterprise tenant's
 * offboarding also its own cluster's deletion protection), which is why the tenant command's stops, a removal's
 * unprotect and rollout steps roll out those alone (`phasesActedIn`).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { memoryIo } from "../../automation/io";
import { main } from "../../automation/tenant-cli";
import { MIGRATE_TIER_STEPS, phasesActedIn } from "../../automation/tenant/steps";
import { setTenantTier, stopTenant } from "../../automation/tenant/stack-edit";
import { desiredState } from "../../automation/rehearsal-engine/desired";
import { loadStackConfig } from "../../automation/stack-files";
import { getPhase, PHASE_NAMES, PhaseName } from "../../src/phases";
import { parseUrn } from "../../automation/targets";
import { phaseOfUrn, Stage, stage, textOf } from "../support/rehearsal";
import { tempDir } from "../support/temp";

const TENANT = "tutorhub";
const APPROVALS = ["--approve", "tech-lead:alice", "--approve", "dba:bob"];
const MIGRATE = ["migrate-tier", "--env", "sit", "--id", TENANT, "--tier", "premium"];

describe("rehearsal: npm run tenant -- migrate-tier moves a sit tenant from basic to premium", function () {
    this.timeout(600_000);
    let sit: Stage;
    after(() => sit?.dispose());
    const stackFile = () => fs.readFileSync(path.join(sit.projectDir, "Pulumi.sit.yaml"), "utf8");
    const run = async (argv: string[]) => {
        const io = memoryIo();
        const code = await main([...argv, "--rehearse", "--rehearsal-dir", sit.dir, ...APPROVALS], io);
        return { code, io };
    };
    let original: string;
    let dryRun: Awaited<ReturnType<typeof run>>;
    let afterDryRun: string;
    let migrated: Awaited<ReturnType<typeof run>>;
    let again: Awaited<ReturnType<typeof run>>;
    let ledgerBefore: number;

    before(async () => {
        sit = stage("sit");
        sit.converge();
        original = stackFile();
        ledgerBefore = sit.ledger().length;
        dryRun = await run([...MIGRATE, "--dry-run"]);
        afterDryRun = stackFile();
        migrated = await run(MIGRATE);
        again = await run(MIGRATE);
    });

    it("the dry run prints every step to do and changes nothing", () => {
        expect(dryRun.code, textOf(dryRun.io)).to.equal(0);
        expect(afterDryRun).to.equal(original);
        expect(dryRun.io.stdout.join("")).to.include("--allow-replace urn:pulumi:sit::bbws-platform::bbws:network:NetworkLayer");
    });

    it("every step succeeds, in order (the database steps succeed at once: premium keeps its database on the shared cluster)", () => {
        expect(migrated.code, textOf(migrated.io)).to.equal(0);
        const records = sit.tenantSteps();
        expect(records.map((r) => `${r.action} ${r.step} ${r.result}`)).to.deep.equal(
            MIGRATE_TIER_STEPS.map((s) => `migrate-tier ${s.id} succeeded`),
        );
    });

    it("the export is in the rehearsal's bucket under archive/tutorhub/tier-migration-<take>/, with SHA256SUMS, before the tier changes", () => {
        const records = sit.tenantSteps();
        const archive: string = records.find((r) => r.step === "export")!.data!.archive;
        expect(archive).to.match(/^s3:\/\/bbws-migration-artifacts-sit-\d+\/archive\/tutorhub\/tier-migration-\d{8}T\d{6}\.\d{3}Z\/$/);
        const folder = path.join(sit.dir, "s3", archive.slice("s3://".length));
        expect(fs.readdirSync(folder).sort()).to.deep.equal(["SHA256SUMS", "database.sql.gz", "wp-content.tar.gz"]);
        const text = textOf(migrated.io);
        expect(text.indexOf("export: succeeded")).to.be.greaterThan(-1);
        expect(text.indexOf("export: succeeded")).to.be.lessThan(text.search(/\[4\/\d+\] tier:/));
    });

    it("the tier step's --phase all run passes the tier gate as the override --migrate-tier tutorhub on every phase; the stop and start roll out its ecs, monitoring and database phases alone", () => {
        const records = sit.ledger().slice(ledgerBefore);
        expect(records.map((r) => [r.phase, r.tenant ?? "all", r.overrides[0] ?? ""])).to.deep.equal([
            ["database", TENANT, ""],
            ["ecs", TENANT, ""],
            ["monitoring", TENANT, ""],
            ...PHASE_NAMES.map((p) => [p, "all", `--migrate-tier ${TENANT}`]),
            ["database", TENANT, ""],
            ["monitoring", TENANT, ""],
            ["ecs", TENANT, ""],
        ]);
        // The one replacement allowed, where it happened: the task security group moving into its VPC (network phase).
        const replaced = records.flatMap((r) => r.overrides.slice(1).map((o) => `${r.phase} ${o}`));
        expect(replaced).to.deep.equal([
            `network --allow-replace urn:pulumi:sit::bbws-platform::bbws:network:NetworkLayer$bbws:network:TenantNetwork$aws:ec2/securityGroup:SecurityGroup::network-tenant-${TENANT}-sg`,
        ]);
        expect(records.every((r) => r.result === "succeeded")).to.equal(true);
    });

    it("leaves the tenant premium in the stack file (not stopped) and in the stack's outputs; a second run says there is nothing to do", () => {
        const tutorhub = loadStackConfig(sit.projectDir, "sit").tenants.find((t) => t.id === TENANT)!;
        expect(tutorhub).to.include({ tier: "premium", stopped: false });
        const root = sit.state().deployment.resources.find((r) => r.type === "pulumi:pulumi:Stack") as { outputs?: any };
        expect(root?.outputs?.network?.tenantTiers).to.include({ [TENANT]: "premium" });
        expect(again.code).to.equal(0);
        expect(textOf(again.io)).to.include(`${TENANT} is already moved to premium in sit: every step succeeded`);
    });

    it("a plain rollout afterwards passes every gate with nothing to override", async () => {
        const next = await sit.rollout(["--env", "sit", "--phase", "all", "--yes", ...APPROVALS]);
        expect(next.code, textOf(next.io)).to.equal(0);
        const records = sit.ledger().slice(-PHASE_NAMES.length);
        for (const r of records) expect(r.overrides, r.phase).to.deep.equal([]);
    });

    describe("refusals of bad input: exit 2, the stack file unchanged", () => {
        const cases: Array<[string, string[], RegExp]> = [
            [
                "an unknown tenant",
                ["migrate-tier", "--env", "sit", "--id", "nobody", "--tier", "premium"],
                /'nobody' is not a tenant of sit/,
            ],
            [
                "the tier it is deployed at",
                ["migrate-tier", "--env", "sit", "--id", "aupairhive", "--tier", "basic"],
                /deployed at basic in sit already/,
            ],
            [
                "a move to a less isolated tier",
                ["migrate-tier", "--env", "sit", "--id", TENANT, "--tier", "basic"],
                /'tutorhub' is deployed at premium; a move to the less isolated basic is not built/,
            ],
        ];
        for (const [what, argv, message] of cases) {
            it(`refuses ${what}`, async () => {
                const before = stackFile();
                const refused = await run(argv);
                expect(refused.code, textOf(refused.io)).to.equal(2);
                expect(textOf(refused.io)).to.match(message);
                expect(stackFile()).to.equal(before);
            });
        }

        it("refuses a tenant not deployed: a rehearsal from an empty stack has nothing to migrate, and it says how to get one rolled out", async () => {
            const io = memoryIo();
            expect(await main([...MIGRATE, "--rehearse", "--rehearsal-dir", tempDir("bbws-rehearsal-empty-")], io)).to.equal(2);
            expect(textOf(io)).to.match(
                /'tutorhub' is not deployed in sit .*: there is nothing to migrate; a rehearsal starts from an empty stack/,
            );
            expect(textOf(io)).to.include(
                "onboard a tenant in a rehearsal folder first, which rolls the platform out (npm run tenant -- add --env sit",
            );
            expect(textOf(io)).not.to.include("set its tier in Pulumi.sit.yaml");
        });
    });
});

describe("rehearsal: a migrate-tier whose tier rollout stops after the network phase resumes", function () {
    this.timeout(600_000);
    let sit: Stage;
    after(() => sit?.dispose());
    const run = async (approvals: string[], extra: string[] = []) => {
        const io = memoryIo();
        const code = await main([...MIGRATE, ...extra, "--rehearse", "--rehearsal-dir", sit.dir, ...approvals], io);
        return { code, io };
    };
    let first: Awaited<ReturnType<typeof run>>;
    let dryRun: Awaited<ReturnType<typeof run>>;
    let resumed: Awaited<ReturnType<typeof run>>;

    before(async () => {
        sit = stage("sit");
        sit.converge();
        // The --phase all run applies network (the outputs then say premium) and fails at storage, on the tenant's new file system.
        sit.scenario({ failOn: { resource: `storage-${TENANT}-efs`, message: "rehearsal: EFS CreateFileSystem failed" } });
        first = await run(APPROVALS);
        sit.scenario({});
        dryRun = await run([], ["--dry-run"]);
        resumed = await run(APPROVALS);
    });

    it("the first run stops at the tier step with the network phase applied (exit non-zero)", () => {
        expect(first.code, textOf(first.io)).to.not.equal(0);
        const steps = sit.tenantSteps();
        expect(steps.slice(0, 3).map((r) => `${r.step} ${r.result}`)).to.deep.equal([
            "check succeeded",
            "stop succeeded",
            "export succeeded",
        ]);
        expect(steps[3].step).to.equal("tier");
        expect(steps[3].result).to.not.equal("succeeded");
        expect(sit.ledger().some((r) => r.phase === "network" && r.result === "succeeded")).to.equal(true);
        expect(sit.ledger().some((r) => r.phase === "storage" && r.result === "failed")).to.equal(true);
    });

    it("a second run is not taken for 'already premium': its dry run and its run resume at the tier step, then import and start", () => {
        expect(textOf(dryRun.io)).to.not.include("nothing to migrate");
        expect(dryRun.code, textOf(dryRun.io)).to.equal(0);
        expect(resumed.code, textOf(resumed.io)).to.equal(0);
        const steps = sit.tenantSteps();
        expect(steps.filter((r) => r.result === "succeeded").map((r) => r.step)).to.deep.equal(MIGRATE_TIER_STEPS.map((s) => s.id));
    });
});

describe("`stopped` and `offboarding` act only in the phases the stop, and a removal's unprotect and rollout steps, roll out (steps.ts phasesActedIn): ecs, monitoring and database (the rotation paused)", function () {
    this.timeout(300_000);

    for (const [tier, offboarding, phases] of [
        ["basic", false, ["database", "ecs", "monitoring"]],
        ["premium", false, ["database", "ecs", "monitoring"]],
        ["enterprise", false, ["database", "ecs", "monitoring"]],
        ["basic", true, ["database", "ecs", "monitoring"]],
        ["premium", true, ["database", "ecs", "monitoring"]],
        ["enterprise", true, ["database", "ecs", "monitoring"]],
    ] as const) {
        it(`${tier === "enterprise" ? "an" : "a"} ${tier} tenant's stop${offboarding ? " for its removal (offboarding)" : ""} changes resources of the ${phases.join(", ")} phases and no other (the program's desired state, with and without it), exactly the phases its stop (and a removal's unprotect or rollout step) roll out`, async () => {
            // Source: src/config.ts tenantCapacity (0–0 when stopped) and components/tenant-service.ts (its service, its
            // auto-scaling range and, for premium and enterprise, its load balancer's deletion protection), all in
            // bbws:ecs:EcsLayer; components/monitoring.ts (its alarms' actionsEnabled), in bbws:monitoring:MonitoringLayer;
            // components/tenant-database.ts (no SecretRotation, the secret tagged RotationPaused: src/config.ts
            // databaseRotationPaused), and for an enterprise tenant's offboarding,
            // components/tenant-cluster.ts (its cluster's deletionProtection off, its cluster and instances tagged
            // Offboarding), both in bbws:data:DataLayer.
            const s = stage("sit");
            try {
                const file = path.join(s.projectDir, "Pulumi.sit.yaml");
                const at = setTenantTier(fs.readFileSync(file, "utf8"), TENANT, tier);
                fs.writeFileSync(file, at);
                const running = await desiredState(s.projectDir, "sit");
                fs.writeFileSync(file, stopTenant(at, TENANT, offboarding));
                const stopped = await desiredState(s.projectDir, "sit");
                const inputs = (d: typeof running) => new Map(d.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));
                const [a, b] = [inputs(running), inputs(stopped)];
                const changed = [...new Set([...a.keys(), ...b.keys()])].filter((urn) => a.get(urn) !== b.get(urn));
                expect(changed.length).to.be.greaterThan(0);
                expect([...new Set(changed.map(phaseOfUrn))].sort()).to.deep.equal(phases);
                const acted: readonly string[] = phasesActedIn(tier, offboarding);
                expect(
                    acted.filter((p) => !(phases as readonly string[]).includes(p)),
                    "rolled out with nothing to change",
                ).to.deep.equal([]);
                // A basic or premium removal leaves one change of the database phase to its rollout step, which deletes the
                // tenant: the paused rotation (the SecretRotation gone, the secret tagged), nothing else.
                const deferred = changed.filter((urn) => !acted.includes(phaseOfUrn(urn) ?? ""));
                expect(deferred.map((urn) => urn.split("::").pop()).sort()).to.deep.equal(
                    offboarding && tier !== "enterprise" ? [`data-tenant-${TENANT}-db`, `data-tenant-${TENANT}-db-rotation`] : [],
                );
                // A stop rolls each phase out with --tenant, which selects only what lies under the tenant's component of that
                // phase (automation/tenant-targets.ts; e.g. bbws:data:TenantDatabase for database): what changes must lie there.
                const unselected = changed.filter(
                    (urn) => !parseUrn(urn).typeChain.includes(getPhase(phaseOfUrn(urn) as PhaseName).tenantType),
                );
                expect(unselected, "changed, yet outside the tenant's per-phase components: no --tenant rollout applies it").to.deep.equal(
                    [],
                );
            } finally {
                s.dispose();
            }
        });
    }
});
