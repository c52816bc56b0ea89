/**
 * Onboarding, offboarding and tier migration against a fake port: the steps' order, what each records,
 * resuming after a failure at any step, the refusals that change nothing, and the dry run.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { EXIT } from "../../automation/errors";
import { memoryIo } from "../../automation/io";
import { FileLedger, TenantStepRecord } from "../../automation/ledger";
import type { OneOffTaskRequest, TenantPort, TenantRolloutRequest } from "../../automation/tenant/port";
import { ARCHIVE_FILES, ARCHIVE_SCRIPT, archiveFiles, IMPORT_FILES_SCRIPT } from "../../automation/tenant/scripts";
import { crc64nvme } from "../../automation/tenant/rehearsal-port";
import {
    ADD_STEPS,
    AddRequest,
    archiveProblems,
    MIGRATE_TIER_STEPS,
    MigrateTierRequest,
    missingApprovals,
    REMOVE_STEPS,
    RemoveRequest,
    renderTenantRun,
    runTenantCommand,
    TenantRunOptions,
    replacedUrnOf,
} from "../../automation/tenant/steps";
import { setTenantTier, startTenant } from "../../automation/tenant/stack-edit";
import { REPLACEMENT_RULES } from "../../automation/replacement";
import type { TenantTier } from "../../src/tiers";
import { loadStackConfig } from "../../automation/stack-files";
import { PROJECT_DIR } from "../support/pulumi";
import { tempDir } from "../support/temp";
import { createHash } from "crypto";

const NOW = Date.parse("2026-12-01T09:00:00Z");
/** The archive prefix of a remove run right after an add (the world's second run, a minute after NOW). */
const P1 = "archive/newco/20261201T090100.000Z/";
/** What a remove does before anything is deleted: stop the service, wait, take the archive into a fresh prefix, check it. */
/**
 * A stop's rollouts: its database secret's rotation paused (src/config.ts databaseRotationPaused) while it still serves,
 * then its service, then its alarms silenced; a removal's stop leaves the database phase to the removal. A start's: its
 * rotation configured again (its user exists by then), its alarms notifying again, then its service (the order that fails safe).
 */
const REMOVAL_STOPS = ["rollout stops (--phase ecs)", "rollout stops (--phase monitoring)"];
const STOPS = ["rollout stops (--phase database)", ...REMOVAL_STOPS];
const STARTS = ["rollout started (--phase database)", "rollout started (--phase monitoring)", "rollout started (--phase ecs)"];
const STOP_AND_ARCHIVE = ["commit", ...REMOVAL_STOPS, "wait stopped", `list ${P1}`, "task tenant: archive newco", `list ${P1}`];
const ADD: AddRequest = { action: "add", env: "sit", id: "newco", slot: 3, cpu: 512, memory: 1024, domains: [] };
const REMOVE: RemoveRequest = { action: "remove", env: "sit", id: "newco" };
/** sit's roles (`bbws:approvals` in Pulumi.sit.yaml): without a terminal, a step refuses rollouts it cannot get approved. */
const SIT_APPROVALS = [
    { role: "tech-lead", name: "alice" },
    { role: "dba", name: "bob" },
];
const RUN: TenantRunOptions = { dryRun: false, approvals: SIT_APPROVALS, yes: true, confirm: "newco" };
const MIGRATE: MigrateTierRequest = { action: "migrate-tier", env: "sit", id: "tutorhub", tier: "premium" };
/** The task security group of a tenant as the state names it (components/tenant-network.ts: a child of its TenantNetwork). */
const taskGroupUrn = (id: string) =>
    `urn:pulumi:sit::bbws-platform::bbws:network:NetworkLayer$bbws:network:TenantNetwork$aws:ec2/securityGroup:SecurityGroup::network-tenant-${id}-sg`;

/** A premium or enterprise tenant's own file system, directly under its storage phase component (components/tenant-storage.ts). */
const ownFileSystemUrn = (id: string) =>
    `urn:pulumi:sit::bbws-platform::bbws:storage:StorageLayer$bbws:storage:TenantStorage$aws:efs/fileSystem:FileSystem::storage-${id}-efs`;

/** A copy of the project's stack files, and the fake world the port reports on. */
/** Nothing changed: the stack file as `before`, no call outside the process, no step recorded. */
async function expectUntouched(w: ReturnType<typeof world>, before: string): Promise<void> {
    expect(w.stackFile()).to.equal(before);
    expect(w.calls).to.deep.equal([]);
    expect(await w.log.readTenantSteps("sit")).to.deep.equal([]);
}

function world(failAt?: { call: string; times?: number }, loseArchive = false, skipInstall = false) {
    const projectDir = tempDir("bbws-tenant-");
    for (const f of fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi(\.[^.]+)?\.yaml$/.test(f))) {
        fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(projectDir, f));
    }
    const calls: string[] = [];
    const objects = new Map<string, string>();
    // The environment's tenants as they are: installed, running, deployed at their configured tier.
    const existing = ["dev", "sit", "prod"].flatMap((env) => {
        const cfg = loadStackConfig(projectDir, env);
        return cfg.tenants.map((t) => ({ env, domain: cfg.domain, ...t }));
    });
    const installed = new Set<string>(existing.map((t) => `https://${t.id}.${t.domain}/`));
    const ran = new Set<string>(existing.filter((t) => !t.stopped).map((t) => t.id));
    /** The tier each tenant was last rolled out at, by `<env>/<id>`: what the stack's outputs say. */
    const deployed = new Map<string, TenantTier>(existing.map((t) => [`${t.env}/${t.id}`, t.tier]));
    /** Whether the state holds each tenant's task security group; the prefixes the import tasks were given. */
    let taskGroup = true;
    /** Whether the stack's outputs name an enterprise tenant's own cluster (database.tenantClusters). */
    let clusterOutputs = true;
    const imported: string[] = [];
    /** Every one-off task run, as the port was asked for it. */
    const tasks: OneOffTaskRequest[] = [];
    let failures = failAt?.times ?? 1;
    /** Aborted (the operator's Ctrl-C) once a call starting with `abortAfter` is made. */
    let controller = new AbortController();
    let abortAfter: string | undefined;
    const failing = (call: string) => {
        calls.push(call);
        if (abortAfter !== undefined && call.startsWith(abortAfter)) controller.abort();
        if (failAt && call.startsWith(failAt.call) && failures > 0) {
            failures--;
            return true;
        }
        return false;
    };
    const port: TenantPort = {
        tenantResources: async (_env, id) => [
            `urn:pulumi:sit::bbws-platform::bbws:ecs:EcsLayer$bbws:ecs:TenantService::ecs-${id}`,
            ...(taskGroup ? [taskGroupUrn(id)] : []),
            ...(["premium", "enterprise"].includes(deployed.get(`sit/${id}`) ?? "") ? [ownFileSystemUrn(id)] : []),
        ],
        rolloutTenant: async (req: TenantRolloutRequest) => {
            const cfg = loadStackConfig(projectDir, req.env);
            const t = cfg.tenants.find((x) => x.id === req.tenant);
            if (req.platformPhase) return failing(`rollout ${req.platformPhase} of the platform`) ? EXIT.failed : EXIT.ok;
            const key = `${req.env}/${req.tenant}`;
            if (req.migrateTier) {
                if (failing(`rollout migrates ${req.tenant} allowing ${req.migrateTier.allowReplace.join(" ")}`)) return EXIT.refused;
                deployed.set(key, t!.tier);
                return EXIT.ok;
            }
            // "stops": offboarding stopping a tenant that ran, told apart from onboarding's first, stopped rollout.
            const what = t ? (t.stopped ? (ran.has(req.tenant) ? "stops" : "stopped") : "started") : "deletes";
            if (t && !t.stopped) ran.add(req.tenant);
            const call = `rollout ${what}${req.allowStatefulDeletes ? " allowing stateful deletes" : ""}${req.phase ? ` (--phase ${req.phase})` : ""}`;
            if (failing(call)) return EXIT.refused;
            if (t) deployed.set(key, t.tier);
            else deployed.delete(key);
            return EXIT.ok;
        },
        runTask: async (req: OneOffTaskRequest) => {
            tasks.push(req);
            const prefix = req.command.environment.ARCHIVE_PREFIX;
            if (failing(`task ${req.scope.kind}: ${req.purpose}`))
                return { exitCode: 3, taskArn: "arn:aws:ecs:eu-west-1:815856636111:task/bbws-sit/1" };
            if (req.command.environment.SITE_URL && !skipInstall) installed.add(`${req.command.environment.SITE_URL}/`);
            if (req.command.argv.includes(IMPORT_FILES_SCRIPT)) imported.push(prefix);
            if (req.command.argv.includes(ARCHIVE_SCRIPT) && !loseArchive) {
                const sums = archiveFiles(req.command.environment.DUMP_DATABASE !== "no")
                    .filter((f) => f !== "SHA256SUMS")
                    .map((f) => {
                        objects.set(`${prefix}${f}`, `${f} body`);
                        return `${createHash("sha256").update(`${f} body`).digest("hex")}  ${f}`;
                    });
                objects.set(`${prefix}SHA256SUMS`, sums.join("\n") + "\n");
            }
            return { exitCode: 0, taskArn: "arn:aws:ecs:eu-west-1:815856636111:task/bbws-sit/1" };
        },
        stackOutputs: async (env, id) => ({
            migrationBucket: "bbws-migration-artifacts-sit-815856636111",
            deployedTier: deployed.get(`${env}/${id}`),
            tenantSecretArn: `arn:aws:secretsmanager:eu-west-1:815856636111:secret:bbws/sit/tenants/${id}/db-AbCdEf`,
            tenantCluster:
                clusterOutputs && loadStackConfig(projectDir, env).tenants.find((t) => t.id === id)?.tier === "enterprise"
                    ? ownCluster(id)
                    : undefined,
            targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:815856636111:targetgroup/${id}/0123456789abcdef`,
            customDomains:
                loadStackConfig(projectDir, "sit")
                    .tenants.find((t) => t.id === id)
                    ?.customDomains.map((d) => ({
                        name: d.name,
                        dns: d.hostedZoneId ? "ours" : "owner",
                        certificate: d.certificate ?? "validated-by-rollout",
                        served: d.hostedZoneId !== undefined || d.certificate === "issued",
                        certificateArn: "arn:aws:acm:eu-west-1:815856636111:certificate/0f1e2d3c",
                        validationRecord: { name: `_x1.${d.name}.`, type: "CNAME", value: "_y2.acm-validations.aws." },
                        target: "bbws-sit-alb-123.eu-west-1.elb.amazonaws.com",
                    })) ?? [],
        }),
        waitForServiceStopped: async (_env, id) => {
            if (failing("wait stopped"))
                throw new (require("../../automation/errors").BbwsError)(
                    "service-not-stopped",
                    "1 task(s) RUNNING; task abc is STOPPING",
                    1,
                );
            return { service: `bbws-wordpress-${id}-sit`, waitedForTasks: 2 };
        },
        waitForHealthyTargets: async () => {
            if (failing("wait healthy")) throw new (require("../../automation/errors").BbwsError)("targets-not-healthy", "2 unhealthy", 1);
            return { healthy: 2, total: 2 };
        },
        httpGet: async (url) => {
            // What an HTTP client throws for a lost connection: not one of our errors.
            if (failAt?.call === `throw GET ${url}` && failures-- > 0) {
                calls.push(`GET ${url}`);
                throw Object.assign(new Error(`connect ECONNRESET ${url}`), { code: "ECONNRESET" });
            }
            // A WordPress without its tables redirects to its installer (wp-includes/load.php `wp_not_installed`).
            return failing(`GET ${url}`) ? 503 : installed.has(url) ? 200 : 302;
        },
        listArchive: async (_bucket, prefix) => {
            calls.push(`list ${prefix}`);
            return [...objects]
                .filter(([k]) => k.startsWith(prefix))
                .map(([key, body]) => ({
                    key,
                    size: body.length,
                    checksumCrc64nvme: crc64nvme(Buffer.from(body)),
                    checksumType: "FULL_OBJECT",
                }));
        },
        readText: async (_bucket, key) => objects.get(key) ?? "",
        commitStackFile: async () => {
            calls.push("commit");
            return "a".repeat(40);
        },
        repointDatabaseSecret: async (req) => {
            calls.push(`repoint ${req.secretArn} at ${req.host}`);
            return {
                versionId: req.token,
                previousHost: "bbws-aurora-sit.cluster-abc.eu-west-1.rds.amazonaws.com",
                alreadyRepointed: false,
                passwordReplaced: true,
            };
        },
        // No rotation pending, unless the world is made with `world({ call: "rotation pending" })`: then a
        // rotation of every tenant's secret is half done. Reads only, so it records no call.
        databaseSecretRotation: async (secretArn) =>
            failAt?.call === "rotation pending" || (pendingAfter !== undefined && calls.some((c) => c.startsWith(pendingAfter!)))
                ? {
                      pending: `version v2 of ${secretArn} is labelled AWSPENDING but not AWSCURRENT: a rotation started and has not finished (or it failed)`,
                  }
                : {},
    };
    const ledgerDir = path.join(projectDir, ".rollout");
    const log = new FileLedger(ledgerDir, () => undefined);
    const stackFile = () => fs.readFileSync(path.join(projectDir, "Pulumi.sit.yaml"), "utf8");
    // Each run a minute after the one before, the first at NOW: a retaken archive gets a prefix of its own.
    let runs = 0;
    const run = (req: AddRequest | RemoveRequest | MigrateTierRequest, options: Partial<TenantRunOptions> = {}, io = memoryIo()) => {
        const at = NOW + 60_000 * runs++;
        const signal = abortAfter === undefined ? undefined : controller.signal;
        return runTenantCommand(
            req,
            { ...RUN, ...options },
            { projectDir, port, log, io, now: () => at, operator: async () => "alice", signal },
        );
    };
    const dropTaskGroup = () => {
        taskGroup = false;
    };
    const interruptAfter = (call: string) => {
        abortAfter = call;
        controller = new AbortController();
    };
    const dropClusterOutputs = () => {
        clusterOutputs = false;
    };
    /** A rotation of the tenant's secret is pending from the first call starting with `call` on (one that starts during a move). */
    let pendingAfter: string | undefined;
    const rotationPendingAfter = (call: string) => {
        pendingAfter = call;
    };
    return {
        projectDir,
        calls,
        objects,
        log,
        run,
        stackFile,
        deployed,
        imported,
        tasks,
        dropTaskGroup,
        dropClusterOutputs,
        interruptAfter,
        rotationPendingAfter,
    };
}

/** An enterprise tenant's own cluster as the stack output database.tenantClusters[id] names it (src/program.ts). */
const ownCluster = (id: string) => ({
    clusterIdentifier: `bbws-tenant-${id}-aurora-sit`,
    writerEndpoint: `bbws-tenant-${id}-aurora-sit.cluster-xyz.eu-west-1.rds.amazonaws.com`,
    masterSecretArn: `arn:aws:secretsmanager:eu-west-1:815856636111:secret:rds!cluster-${id}-AbC123`,
    keyArn: "arn:aws:kms:eu-west-1:815856636111:key/0f0f0f0f-1111-2222-3333-444444444444",
    rotationFunctionName: `bbws-tenant-${id}-rotation-sit`,
});

describe("npm run tenant: onboarding and offboarding as recorded steps", function () {
    this.timeout(60000);

    it("add then remove end to end: every step in order, the archive taken and checked before anything is deleted", async () => {
        const w = world();
        const original = w.stackFile();
        const added = await w.run(ADD);
        expect(added.exitCode).to.equal(EXIT.ok);
        expect(added.steps.map((s) => [s.step, s.status])).to.deep.equal(ADD_STEPS.map((s) => [s.id, "succeeded"]));
        expect(w.calls).to.deep.equal([
            "commit",
            "rollout stopped",
            "task platform: create schema and user wp_newco",
            "task tenant: install WordPress for newco",
            "commit",
            ...STARTS,
            "wait healthy",
            "GET https://newco.sit.bbws.io/",
        ]);
        expect(loadStackConfig(w.projectDir, "sit").tenants.find((t) => t.id === "newco")).to.include({
            slot: 3,
            stopped: false,
            minCapacity: 2,
        });

        w.calls.length = 0;
        const removed = await w.run(REMOVE);
        expect(removed.exitCode).to.equal(EXIT.ok);
        expect(removed.steps.map((s) => [s.step, s.status])).to.deep.equal(REMOVE_STEPS.map((s) => [s.id, "succeeded"]));
        expect(w.calls).to.deep.equal([
            ...STOP_AND_ARCHIVE,
            "task tenant: empty the wp-content of newco",
            "task platform: delete the cache keys of newco",
            "commit",
            "rollout deletes allowing stateful deletes",
            "rollout storage of the platform",
            "task platform: drop schema and user wp_newco",
        ]);
        const cfg = loadStackConfig(w.projectDir, "sit");
        expect(cfg.tenants.map((t) => t.id)).to.not.include("newco");
        expect(cfg.retiredTenants).to.deep.equal([{ id: "newco", slot: 3, date: "2026-12-01" }]);
        // Only the retired entry remains of the whole round trip.
        expect(w.stackFile()).to.equal(`${original}  bbws:retiredTenants:\n    - id: newco\n      slot: 3\n      date: "2026-12-01"\n`);
        const records = await w.log.readTenantSteps("sit");
        expect(records.every((r) => r.operator === "alice" && r.result === "succeeded")).to.equal(true);
        expect(records.find((r) => r.step === "archive")?.data?.archive).to.equal(
            "s3://bbws-migration-artifacts-sit-815856636111/archive/newco/20261201T090100.000Z/",
        );
    });

    it("add: WordPress is installed before the service starts, and a site that still redirects to its installer fails the https check", async () => {
        // Source: WordPress wp-includes/load.php `wp_not_installed`: without its tables every page redirects (302)
        // to wp-admin/install.php, where anyone on the internet could create the administrator.
        const installedFirst = world();
        await installedFirst.run(ADD);
        const calls = installedFirst.calls;
        expect(calls.indexOf("task tenant: install WordPress for newco")).to.be.lessThan(calls.indexOf("rollout started (--phase ecs)"));

        const w = world(undefined, false, true);
        const result = await w.run(ADD);
        expect(result.exitCode).to.equal(EXIT.failed);
        expect(result.steps.find((s) => s.step === "https")).to.include({ status: "failed" });
        expect(result.steps.find((s) => s.step === "https")!.error).to.match(/answered 302 \(a redirect: is WordPress installed\?/);
    });

    it("add with custom domains: name@zone is written { name, hostedZoneId } and served; one in its owner's zone gets its validation record and target printed", async () => {
        // Source: src/config.ts customDomainSchema (our zone: the rollout validates; owner's zone: pending until
        // `certificate: issued`) and components/tenant-domains.ts CustomDomainStatus (the stack output ecs.customDomains).
        const w = world();
        const io = memoryIo();
        const added = await w.run({ ...ADD, domains: ["www.newco.example", "shop.newco.io@Z0123456789ABCDEF"] }, {}, io);
        expect(added.exitCode, io.stderr.join("")).to.equal(EXIT.ok);
        expect(loadStackConfig(w.projectDir, "sit").tenants.find((t) => t.id === "newco")?.customDomains).to.deep.equal([
            { name: "www.newco.example", certificate: "pending" },
            { name: "shop.newco.io", hostedZoneId: "Z0123456789ABCDEF" },
        ]);
        const text = io.stderr.join("");
        expect(text).to.include("www.newco.example: certificate pending, not served yet; its owner creates, in their DNS zone:");
        expect(text).to.include("_x1.www.newco.example. CNAME _y2.acm-validations.aws.");
        expect(text).to.include("www.newco.example CNAME bbws-sit-alb-123.eu-west-1.elb.amazonaws.com");
        expect(text).to.include("shop.newco.io: served");
        expect(added.steps.find((s) => s.step === "domains")?.data).to.deep.equal({
            "www.newco.example": "pending: owner to create _x1.www.newco.example.",
            "shop.newco.io": "served",
        });
        const err = await w.run({ ...ADD, id: "other", slot: 4, domains: ["a.other.example@not-a-zone"] }).catch((e) => e);
        expect(err).to.include({ exitCode: EXIT.usage });
        expect(err.message).to.match(/a Route 53 hosted zone id/);
    });

    it("a second add of an onboarded tenant, and a second remove of an offboarded one, are no-ops that say so", async () => {
        const w = world();
        await w.run(ADD);
        w.calls.length = 0;
        const io = memoryIo();
        const again = await w.run(ADD, {}, io);
        expect(again).to.include({ exitCode: EXIT.ok, noOp: true });
        expect(w.calls).to.deep.equal([]);
        expect(io.stderr.join("")).to.match(/newco is already onboarded to sit: every step succeeded/);
        await w.run(REMOVE);
        w.calls.length = 0;
        expect(await w.run(REMOVE)).to.include({ exitCode: EXIT.ok, noOp: true });
        expect(w.calls).to.deep.equal([]);
    });

    it("a second add with other settings than the onboarded tenant's says they differ (exit 2), not 'nothing to do'", async () => {
        const w = world();
        await w.run(ADD);
        w.calls.length = 0;
        let refused: unknown;
        await w.run({ ...ADD, slot: 4, cpu: 1024 }).catch((e) => (refused = e));
        expect(refused).to.include({ code: "tenant-differs", exitCode: EXIT.usage });
        expect((refused as Error).message).to.equal("'newco' is onboarded in sit with other settings (slot: 3, cpu: 512)");
        expect(w.calls).to.deep.equal([]);
    });

    it("an error that is not ours (a lost connection, an SDK error) fails the step with the resume hint, recorded, not a crash", async () => {
        const w = world({ call: "throw GET https://newco.sit.bbws.io/" });
        const io = memoryIo();
        const result = await w.run(ADD, {}, io);
        expect(result.exitCode).to.equal(EXIT.failed);
        expect(result.steps.find((s) => s.step === "https")).to.include({ status: "failed" });
        expect(result.steps.find((s) => s.step === "https")!.error).to.match(/^https failed: Error: connect ECONNRESET/);
        expect(io.stderr.join("")).to.include("run the same command again to resume at https");
        const records = await w.log.readTenantSteps("sit");
        expect(records.at(-1)).to.deep.include({ step: "https", result: "failed" });
        expect(records.at(-1)!.error!.code).to.equal("step-error");
        expect((await w.run(ADD)).exitCode).to.equal(EXIT.ok);
    });

    const failures: Array<[string, string, AddRequest | RemoveRequest, string]> = [
        ["add", "rollout", ADD, "rollout stopped"],
        ["add", "database", ADD, "task platform: create"],
        ["add", "install", ADD, "task tenant: install"],
        ["add", "start", ADD, "rollout started"],
        ["add", "healthy", ADD, "wait healthy"],
        ["add", "https", ADD, "GET https://newco"],
        ["remove", "stop", REMOVE, "rollout stops"],
        ["remove", "archive", REMOVE, "task tenant: archive"],
        ["remove", "files", REMOVE, "task tenant: empty"],
        ["remove", "cache", REMOVE, "task platform: delete the cache keys"],
        ["remove", "rollout", REMOVE, "rollout deletes"],
        ["remove", "database", REMOVE, "task platform: drop"],
    ];
    for (const [action, step, req, call] of failures) {
        it(`${action}: a failure at ${step} is recorded, stops the run, and the same command resumes at ${step}`, async () => {
            const w = world({ call });
            if (req.action === "remove") {
                // Onboard first, with a world that fails nothing yet.
                const fail = w.calls;
                await w.run(ADD).catch(() => undefined);
                fail.length = 0;
            }
            const first = await w.run(req);
            expect(first.exitCode, JSON.stringify(first.steps)).to.not.equal(EXIT.ok);
            const failed = first.steps.find((s) => s.status === "failed" || s.status === "refused");
            expect(failed?.step).to.equal(step);
            const steps = req.action === "add" ? ADD_STEPS : REMOVE_STEPS;
            const after = steps.slice(steps.findIndex((s) => s.id === step) + 1).map((s) => s.id);
            expect(first.steps.filter((s) => s.status === "not reached").map((s) => s.step)).to.deep.equal(after);
            const records = (await w.log.readTenantSteps("sit")).filter((r: TenantStepRecord) => r.action === req.action);
            expect(records[records.length - 1]).to.include({ step, tenant: "newco" });
            expect(records[records.length - 1].result).to.be.oneOf(["failed", "refused"]);

            w.calls.length = 0;
            const io = memoryIo();
            const second = await w.run(req, {}, io);
            expect(second.exitCode).to.equal(EXIT.ok);
            expect(io.stderr.join("")).to.match(new RegExp(`resuming ${req.action} of newco in sit at step ${step}`));
            const before = steps
                .slice(
                    0,
                    steps.findIndex((s) => s.id === step),
                )
                .map((s) => s.id);
            // Done steps a run does again: the confirmation and the unprotect step (every run that still deletes), and the stop and the
            // archive while the files step has no record (the archive is never older than the run that deletes,
            // and never a take of the wp-content a failed files step half emptied).
            const filesStarted = before.includes("files") || step === "files";
            const retaken = (s: string) => s === "confirm" || s === "unprotect" || ((s === "stop" || s === "archive") && !filesStarted);
            expect(second.steps.filter((s) => s.status === "done before").map((s) => s.step)).to.deep.equal(
                before.filter((s) => !retaken(s)),
            );
            // Re-running a config edit that is already made only commits (nothing to write); the retaken steps' calls come first.
            // The archive step lists its take's prefix (a read) before its task and after.
            const retakenCalls = [
                "commit",
                "list archive/",
                ...(before.filter(retaken).includes("stop") ? [...REMOVAL_STOPS, "wait stopped"] : []),
            ];
            if (before.filter(retaken).includes("archive")) retakenCalls.push("task tenant: archive");
            expect(w.calls.filter((c) => !retakenCalls.some((r) => c.startsWith(r)))[0].startsWith(call)).to.equal(true);
        });
    }

    it("remove: no archive is taken until ECS reports the service runs nothing; a stop whose tasks still run fails at stop and resumes there", async () => {
        // Source: the stop rollout only sets the auto-scaling range to 0–0; the tasks stop after it returns
        // (automation/tenant/service-stop.ts), and a STOPPING task may still write to EFS and the database.
        const w = world({ call: "wait stopped" });
        await w.run(ADD);
        w.calls.length = 0;
        const first = await w.run(REMOVE);
        expect(first.exitCode).to.equal(EXIT.failed);
        expect(first.steps[0]).to.include({ step: "stop", status: "failed" });
        expect(first.steps[0].error).to.include("task abc is STOPPING");
        expect(w.calls).to.deep.equal(["commit", ...REMOVAL_STOPS, "wait stopped"]);
        expect([...w.objects.keys()]).to.deep.equal([]);
        w.calls.length = 0;
        const second = await w.run(REMOVE);
        expect(second.exitCode).to.equal(EXIT.ok);
        expect(second.steps[0].data).to.include({ service: "bbws-wordpress-newco-sit", waitedForTasks: "2" });
        expect(w.calls.indexOf("wait stopped")).to.be.lessThan(w.calls.indexOf("task tenant: archive newco"));
    });

    it("remove: an archive task that exits 0 but left no objects stops the run before anything is deleted", async () => {
        const w = world(undefined, true);
        await w.run(ADD);
        w.calls.length = 0;
        const result = await w.run(REMOVE);
        expect(result.exitCode).to.equal(EXIT.failed);
        expect(result.steps[0]).to.include({ step: "stop", status: "succeeded" });
        expect(result.steps[1]).to.include({ step: "archive", status: "failed" });
        expect(result.steps[1].error).to.match(
            /is not complete, so no later step runs:\n {2}- archive\/newco\/20261201T090100\.000Z\/database.sql.gz is missing/,
        );
        expect(w.calls).to.deep.equal(STOP_AND_ARCHIVE);
        expect(loadStackConfig(w.projectDir, "sit").tenants.map((t) => t.id)).to.include("newco");
    });

    it("remove of a tenant whose add failed before its database step: archives its files only, says so, and offboards it", async () => {
        // Source: mysqldump connects as the tenant's MySQL user (the tenant task's DB_USER), which only the add's
        // database step creates; without it the dump fails (MySQL 8.0 manual, "Access Control, Stage 1: Connection Verification").
        const w = world({ call: "rollout stopped" });
        expect((await w.run(ADD)).exitCode).to.not.equal(EXIT.ok);
        w.calls.length = 0;
        const io = memoryIo();
        const removed = await w.run(REMOVE, {}, io);
        expect(removed.exitCode, io.stderr.join("")).to.equal(EXIT.ok);
        expect(io.stderr.join("")).to.include("newco's onboarding never reached its database step");
        expect(removed.steps.find((s) => s.step === "archive")?.data).to.include({
            database: "not dumped: its onboarding never created it",
        });
        expect([...w.objects.keys()]).to.deep.equal([
            "archive/newco/20261201T090100.000Z/wp-content.tar.gz",
            "archive/newco/20261201T090100.000Z/SHA256SUMS",
        ]);
        // A tenant with no add records (onboarded before this command) is dumped as always.
        const other = world();
        await other.run({ action: "remove", env: "sit", id: "tutorhub" }, { confirm: "tutorhub" });
        expect([...other.objects.keys()]).to.include("archive/tutorhub/20261201T090000.000Z/database.sql.gz");
    });

    it("archiveProblems: each file must be there, not empty, with S3's full-object CRC64NVME checksum, and listed in SHA256SUMS", () => {
        // Source: S3 user guide, "Checking object integrity": a multipart upload's SHA-256 is COMPOSITE (a checksum of
        // its parts' checksums); only CRC-based checksums (CRC64NVME) cover the whole object of a multipart upload.
        const prefix = "archive/newco/20261201T090000.000Z/";
        const full = { checksumCrc64nvme: crc64nvme(Buffer.from("dump")), checksumType: "FULL_OBJECT" };
        const objects = [
            { key: `${prefix}database.sql.gz`, size: 4, ...full },
            { key: `${prefix}wp-content.tar.gz`, size: 4, ...full },
            { key: `${prefix}SHA256SUMS`, size: 100, ...full },
        ];
        const sums = `${"a".repeat(64)}  database.sql.gz\n${"0".repeat(64)}  wp-content.tar.gz\n`;
        expect(archiveProblems(objects, prefix, sums)).to.deep.equal([]);
        expect(archiveProblems(objects.slice(1), prefix, sums)).to.deep.equal([`${prefix}database.sql.gz is missing`]);
        expect(archiveProblems([{ ...objects[0], size: 0 }, ...objects.slice(1)], prefix, sums)).to.deep.equal([
            `${prefix}database.sql.gz is empty`,
        ]);
        expect(archiveProblems([{ ...objects[0], checksumType: "COMPOSITE" }, ...objects.slice(1)], prefix, sums)).to.deep.equal([
            `${prefix}database.sql.gz has no full-object CRC64NVME checksum in S3 (COMPOSITE): it was not uploaded by the archive task`,
        ]);
        expect(archiveProblems(objects, prefix, `${"a".repeat(64)}  database.sql.gz\n`)).to.deep.equal([
            "SHA256SUMS does not list wp-content.tar.gz",
        ]);
        // One take per prefix: an object or a SHA256SUMS line of another take is a problem, not silently kept.
        expect(archiveProblems([...objects, { key: `${prefix}wp-content.old.tar.gz`, size: 4, ...full }], prefix, sums)).to.deep.equal([
            `${prefix}wp-content.old.tar.gz is not a file of this take`,
        ]);
        expect(archiveProblems(objects.slice(1), prefix, sums, archiveFiles(false))).to.deep.equal([
            "SHA256SUMS lists database.sql.gz, which is not a file of this take",
        ]);
    });

    it("remove: every archive take goes to a prefix of its own, archive/<id>/<UTC time>/, so a retake overwrites nothing; a prefix holding objects already is refused", async () => {
        // Source: S3 PutObject replaces an object of the same key (S3 API reference, PutObject); a retake under
        // one prefix would overwrite the earlier take's files and could leave SHA256SUMS naming two takes.
        const w = world();
        await w.run(ADD);
        await w.run(REMOVE, { confirm: undefined });
        await w.run(REMOVE, { confirm: undefined });
        const takes = new Set([...w.objects.keys()].map((k) => k.split("/").slice(0, 3).join("/")));
        expect([...takes]).to.deep.equal(["archive/newco/20261201T090100.000Z", "archive/newco/20261201T090200.000Z"]);
        for (const take of takes) {
            expect([...w.objects.keys()].filter((k) => k.startsWith(`${take}/`)).map((k) => k.slice(take.length + 1))).to.deep.equal([
                ...ARCHIVE_FILES,
            ]);
        }
        // A take's prefix that already holds an object (a clock set back): refused before the task runs.
        const clash = world();
        await clash.run(ADD);
        clash.objects.set(`${P1}database.sql.gz`, "an earlier take");
        clash.calls.length = 0;
        const refused = await clash.run(REMOVE);
        expect(refused.steps.find((s) => s.step === "archive")).to.include({ status: "failed" });
        expect(refused.steps.find((s) => s.step === "archive")!.error).to.match(/holds 1 object\(s\) already/);
        expect(clash.calls.some((c) => c.startsWith("task tenant: archive"))).to.equal(false);
        expect(clash.objects.get(`${P1}database.sql.gz`)).to.equal("an earlier take");
    });

    it("remove: without a confirmation naming the tenant nothing is deleted (exit 3), and a wrong one is refused", async () => {
        const w = world();
        await w.run(ADD);
        w.calls.length = 0;
        const none = await w.run(REMOVE, { confirm: undefined });
        expect(none.exitCode).to.equal(EXIT.refused);
        expect(none.steps.find((s) => s.step === "confirm")).to.include({ status: "refused" });
        expect(w.calls).to.deep.equal(STOP_AND_ARCHIVE);
        const wrong = await w.run(REMOVE, { confirm: "newc0" });
        expect(wrong.steps.find((s) => s.step === "confirm")?.error).to.match(/'newc0' does not name newco/);
        const typed = await w.run(REMOVE, { confirm: undefined }, memoryIo(["newco"]));
        expect(typed.exitCode).to.equal(EXIT.ok);
        // The confirmation is asked of every run, and every run before the files go stops the service and
        // takes the archive again: a confirmation typed days later deletes nothing newer than its archive.
        expect(w.calls.filter((c) => c.startsWith("task tenant: archive"))).to.have.length(3);
        expect(w.calls.filter((c) => c === "rollout stops (--phase ecs)")).to.have.length(3);
    });

    it("remove: once the files are deleted, a resumed run does not take the archive again (it would archive an empty wp-content)", async () => {
        const w = world({ call: "rollout deletes" });
        await w.run(ADD);
        w.calls.length = 0;
        expect((await w.run(REMOVE)).exitCode).to.equal(EXIT.refused);
        w.calls.length = 0;
        const resumed = await w.run(REMOVE);
        expect(resumed.exitCode).to.equal(EXIT.ok);
        expect(resumed.steps.filter((s) => s.status === "done before").map((s) => s.step)).to.deep.equal([
            "stop",
            "archive",
            "files",
            "cache",
            "retire",
        ]);
        expect(w.calls.some((c) => c.startsWith("task tenant: archive"))).to.equal(false);
    });

    it("remove: once the files step has a record, even failed, no run takes the archive again: it would record a half-emptied wp-content", async () => {
        // Source: `find … -delete` removes entry by entry, not atomically (GNU findutils manual, Actions, `-delete`;
        // automation/tenant/scripts.ts), so a files task that failed or was stopped may have deleted part of wp-content.
        const w = world({ call: "task tenant: empty" });
        await w.run(ADD);
        const failed = await w.run(REMOVE);
        expect(failed.steps.find((s) => s.step === "files")).to.include({ status: "failed" });
        const recorded = failed.steps.find((s) => s.step === "archive")!.data!.archive;
        w.calls.length = 0;
        const resumed = await w.run(REMOVE);
        expect(resumed.exitCode).to.equal(EXIT.ok);
        expect(resumed.steps.filter((s) => s.status === "done before").map((s) => s.step)).to.deep.equal(["stop", "archive"]);
        expect(w.calls.some((c) => c.startsWith("task tenant: archive") || c === "rollout stops (--phase ecs)")).to.equal(false);
        // The archive the offboarding keeps is the take before the files step, the only one there is.
        expect(resumed.steps.find((s) => s.step === "archive")!.data!.archive).to.equal(recorded);
        expect(new Set([...w.objects.keys()].map((k) => k.split("/").slice(0, 3).join("/"))).size).to.equal(1);
    });

    describe("refusals: exit 2, nothing changed, nothing recorded", () => {
        const cases: Array<[string, AddRequest | RemoveRequest, RegExp]> = [
            ["an id that is taken", { ...ADD, id: "aupairhive" }, /tenant id 'aupairhive' is taken/],
            ["a slot that is taken", { ...ADD, slot: 1 }, /duplicate tenant slot '1'/],
            ["a reserved id", { ...ADD, id: "migration" }, /'migration' is reserved/],
            ["a domain that is taken", { ...ADD, domains: ["sit.aupairhive.com"] }, /duplicate domain 'sit.aupairhive.com'/],
            [
                "a subdomain that is another tenant's custom domain",
                { ...ADD, id: "tutorhub2", domains: ["tutorhub.sit.bbws.io"] },
                /duplicate domain 'tutorhub.sit.bbws.io'/,
            ],
            ["an invalid size", { ...ADD, memory: 1000 }, /1000 MiB is not a Fargate size for cpu 512/],
            ["removing a tenant that is not there", { ...REMOVE, id: "nobody" }, /'nobody' is not a tenant of sit/],
        ];
        for (const [what, req, message] of cases) {
            it(`refuses ${what}`, async () => {
                const w = world();
                const before = w.stackFile();
                const err = await w.run(req).catch((e) => e);
                expect(err).to.include({ exitCode: EXIT.usage });
                expect(err.message).to.match(message);
                await expectUntouched(w, before);
            });
        }

        it("refuses a retired id and a retired slot, naming the retired entry", async () => {
            const w = world();
            await w.run(ADD);
            await w.run(REMOVE);
            for (const [req, message] of [
                [
                    { ...ADD, id: "newco", slot: 7 },
                    /id 'newco' is retired \(bbws:retiredTenants\[0\]: id newco, slot 3, retired 2026-12-01\)/,
                ],
                [{ ...ADD, id: "other", slot: 3 }, /slot 3 is retired \(bbws:retiredTenants\[0\]: id newco, slot 3, retired 2026-12-01\)/],
            ] as const) {
                const err = await w.run(req).catch((e) => e);
                expect(err).to.include({ exitCode: EXIT.usage });
                expect(err.message).to.match(message);
            }
        });

        it("refuses removing the last tenant (the schema wants at least one)", async () => {
            const w = world();
            const ids = loadStackConfig(w.projectDir, "dev").tenants.map((t) => t.id);
            for (const id of ids.slice(0, -1))
                expect((await w.run({ action: "remove", env: "dev", id }, { confirm: id })).exitCode).to.equal(EXIT.ok);
            const last = ids[ids.length - 1];
            const before = fs.readFileSync(path.join(w.projectDir, "Pulumi.dev.yaml"), "utf8");
            const err = await w.run({ action: "remove", env: "dev", id: last }, { confirm: last }).catch((e) => e);
            expect(err).to.include({ exitCode: EXIT.usage });
            expect(err.message).to.match(/at least one tenant/);
            expect(fs.readFileSync(path.join(w.projectDir, "Pulumi.dev.yaml"), "utf8")).to.equal(before);
        });
    });

    it("says the stack file's commit is local and must be pushed (other operators and CI roll out from the remote); a dry run says nothing of it", async () => {
        const w = world();
        expect(renderTenantRun(await w.run(ADD))).to.match(
            /the stack file is committed locally \(a{40}\): push it \(git push\) before anyone else rolls out sit$/,
        );
        expect(renderTenantRun(await w.run(REMOVE, { dryRun: true }))).to.not.include("push it");
    });

    it("--dry-run prints every step and what it would change or delete, and changes and records nothing", async () => {
        const w = world();
        const before = w.stackFile();
        const add = await w.run(ADD, { dryRun: true });
        expect(add.steps.map((s) => s.status)).to.deep.equal(ADD_STEPS.map(() => "to do"));
        const text = renderTenantRun(add);
        expect(text).to.include(
            "+     - id: newco\n    +       slot: 3\n    +       cpu: 512\n    +       memory: 1024\n    +       stopped: true",
        );
        expect(text).to.include("ecs: bbws:ecs:TenantService ecs-newco");
        expect(text).to.include("GRANT ALL PRIVILEGES ON `wp_newco`.*");
        expect(text).to.include("GET https://newco.sit.bbws.io/");
        await expectUntouched(w, before);

        await w.run(ADD);
        w.calls.length = 0;
        const remove = renderTenantRun(await w.run(REMOVE, { dryRun: true }));
        expect(remove).to.include("to s3://<migration bucket>/archive/newco/<UTC time of the take>/ (a new prefix for every take)");
        expect(remove).to.include("deletes 2 resource(s)");
        expect(remove).to.include("urn:pulumi:sit::bbws-platform::bbws:ecs:EcsLayer$bbws:ecs:TenantService::ecs-newco");
        expect(remove).to.include("-     - id: newco");
        expect(remove).to.include(`+     - id: newco\n    +       slot: 3\n    +       date: "2026-12-01"`);
        expect(remove).to.include("DROP USER IF EXISTS 'wp_newco'@'%'");
        expect(w.calls).to.deep.equal([]);
    });
});

describe("npm run tenant for an enterprise tenant: its own cluster (README 'Isolation tiers')", function () {
    this.timeout(60000);
    const ENTERPRISE: AddRequest = { ...ADD, tier: "enterprise" };
    const records = async (w: ReturnType<typeof world>, action: string, step: string) =>
        (await w.log.readTenantSteps("sit")).filter((r) => r.action === action && r.step === step);

    it("add --tier enterprise writes tier: enterprise on the new entry; basic (the default) writes no tier", async () => {
        const w = world();
        expect((await w.run(ENTERPRISE)).exitCode).to.equal(EXIT.ok);
        expect(loadStackConfig(w.projectDir, "sit").tenants.find((t) => t.id === "newco")!.tier).to.equal("enterprise");
        expect(w.stackFile()).to.match(/- id: newco\n {6}slot: 3\n {6}cpu: 512\n {6}memory: 1024\n {6}tier: enterprise\n/);
        const b = world();
        await b.run(ADD);
        expect(b.stackFile()).to.not.match(/- id: newco[^-]*tier:/);
    });

    it("add's database step runs the platform task on the tenant's own cluster: its writer and RDS-managed master secret, from database.tenantClusters", async () => {
        const w = world();
        await w.run(ENTERPRISE);
        const create = w.tasks.filter(
            (t) => t.scope.kind === "platform" && t.purpose === "create schema and user wp_newco on its own cluster",
        );
        expect(create).to.have.length(1);
        expect(create[0].command.environment).to.deep.include({
            TENANT_DB_NAME: "wp_newco",
            TENANT_CLUSTER_HOST: ownCluster("newco").writerEndpoint,
            TENANT_CLUSTER_MASTER_ID: ownCluster("newco").masterSecretArn,
        });
        const [database] = await records(w, "add", "database");
        expect(database.data?.cluster).to.equal("bbws-tenant-newco-aurora-sit");
        // A basic tenant's: the shared cluster, the task definition's own settings.
        const b = world();
        await b.run(ADD);
        expect(b.tasks.find((t) => t.purpose === "create schema and user wp_newco")!.command.environment).to.not.have.any.keys(
            "TENANT_CLUSTER_HOST",
            "TENANT_CLUSTER_MASTER_ID",
        );
    });

    it("add's database step fails, running no task, when the stack names no cluster of the tenant's own: never the shared cluster for it", async () => {
        const w = world();
        w.dropClusterOutputs();
        const result = await w.run(ENTERPRISE);
        expect(result.exitCode).to.equal(EXIT.failed);
        expect(result.steps.find((s) => s.step === "database")).to.include({ status: "failed" });
        expect(result.steps.find((s) => s.step === "database")!.error).to.match(
            /newco is enterprise and the stack has no cluster of its own/,
        );
        expect(w.tasks.filter((t) => t.scope.kind === "platform")).to.deep.equal([]);
    });

    it("remove rolls out an enterprise tenant's database phase (its cluster's deletion protection off) only once the deletion is confirmed, after its stop and archive", async () => {
        const w = world();
        await w.run(ENTERPRISE);
        w.calls.length = 0;
        expect((await w.run(REMOVE)).exitCode).to.equal(EXIT.ok);
        expect(w.calls.slice(0, 4)).to.deep.equal(["commit", ...REMOVAL_STOPS, "wait stopped"]);
        const database = w.calls.indexOf("rollout stops (--phase database)");
        expect(database).to.be.greaterThan(w.calls.findIndex((c) => c.startsWith("task tenant: archive")));
        expect(w.calls.findIndex((c) => c.startsWith("task tenant: empty"))).to.be.greaterThan(database);
        const [stop] = await records(w, "remove", "stop");
        expect(stop.data?.tier).to.equal("enterprise");
        const [unprotect] = await records(w, "remove", "unprotect");
        expect(unprotect.data?.rolledOut).to.equal("database");
    });

    it("an enterprise tenant's unprotect step runs again in every run that still deletes: an offboarding undone by hand turned the protection back on", async () => {
        // Without it, the next run would trust the old record, retire the tenant and fail on a protected cluster (RDS
        // DeleteDBCluster: "Cannot delete protected Cluster"), with the tenant no longer in the stack file to unprotect.
        const w = world({ call: "task tenant: empty" });
        await w.run(ENTERPRISE);
        const failed = await w.run(REMOVE);
        expect(failed.steps.find((s) => s.step === "unprotect")).to.include({ status: "succeeded" });
        w.calls.length = 0;
        const resumed = await w.run(REMOVE);
        expect(resumed.exitCode).to.equal(EXIT.ok);
        expect(w.calls).to.include("rollout stops (--phase database)");
    });

    it("an enterprise tenant's remove refused at its confirmation leaves its cluster protected: no database phase was rolled out", async () => {
        const w = world();
        await w.run(ENTERPRISE);
        w.calls.length = 0;
        expect((await w.run(REMOVE, { confirm: "newc0" })).exitCode).to.equal(EXIT.refused);
        expect(w.calls).to.not.include("rollout stops (--phase database)");
    });

    it("a premium tenant's stop for its removal rolls out ecs and monitoring only: it has no cluster of its own", async () => {
        const w = world();
        await w.run({ ...ADD, tier: "premium" });
        w.calls.length = 0;
        await w.run(REMOVE);
        expect(w.calls.slice(0, 4)).to.deep.equal(["commit", ...REMOVAL_STOPS, "wait stopped"]);
    });

    it("remove's database step runs no SQL for an enterprise tenant (its schema and users went with its own cluster in the rollout step); a basic tenant's drops them", async () => {
        const w = world();
        await w.run(ENTERPRISE);
        await w.run(REMOVE);
        expect(w.tasks.filter((t) => t.purpose === "drop schema and user wp_newco")).to.deep.equal([]);
        const [database] = await records(w, "remove", "database");
        expect(database.data?.database).to.match(
            /^nothing to drop: its schema and users went with its own Aurora cluster, which the rollout step deleted/,
        );
        const b = world();
        await b.run(ADD);
        await b.run(REMOVE);
        expect(b.tasks.filter((t) => t.purpose === "drop schema and user wp_newco")).to.have.length(1);
    });

    it("with bbws:protection.retainOnDelete (prod) too, remove's database step says the cluster was deleted and names its final snapshot: a retained cluster would keep its VPC's deletes from running", async () => {
        // Source: components/tenant-cluster.ts (never retainOnDelete: EC2 DeleteSubnet / DeleteSecurityGroup DependencyViolation
        // while its network interfaces remain); RDS's final snapshot <identifier>-final (components/aurora-cluster.ts).
        const w = world();
        const file = path.join(w.projectDir, "Pulumi.sit.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("retainOnDelete: false", "retainOnDelete: true"));
        await w.run(ENTERPRISE);
        expect((await w.run(REMOVE)).exitCode).to.equal(EXIT.ok);
        const [database] = await records(w, "remove", "database");
        expect(database.data?.database).to.equal(
            "nothing to drop: its schema and users went with its own Aurora cluster, which the rollout step deleted, " +
                "leaving its final snapshot bbws-tenant-newco-aurora-sit-final and its backups in its own vault",
        );
    });

    it("a second add with another tier than the tenant being onboarded is refused (exit 2): tier is one of its settings", async () => {
        const w = world();
        w.dropClusterOutputs();
        await w.run(ENTERPRISE);
        const err = await w.run(ADD).catch((e) => e);
        expect(err).to.include({ exitCode: EXIT.usage });
        expect(err.message).to.match(/'newco' is being onboarded in sit with other settings \(tier: "enterprise"\)/);
    });
});

/** The export prefix of a world's first run (at NOW): a take of its own under archive/<id>/, where the task role may write. */
const E0 = "archive/tutorhub/tier-migration-20261201T090000.000Z/";

describe("missingApprovals: what a step's rollouts could not get approved without a terminal", () => {
    const sit = loadStackConfig(PROJECT_DIR, "sit").approvals;
    const stop = ["database", "ecs", "monitoring"] as const;

    it("names, per phase, each role bbws:approvals requires that no --approve gives", () => {
        expect(missingApprovals(stop, sit, { approvals: [], yes: true }, false)).to.deep.equal([
            "database: no approval by tech-lead, dba (--approve tech-lead:<name> --approve dba:<name>)",
            "ecs: no approval by tech-lead (--approve tech-lead:<name>)",
            "monitoring: no approval by tech-lead (--approve tech-lead:<name>)",
        ]);
        expect(missingApprovals(stop, sit, { approvals: SIT_APPROVALS, yes: false }, false)).to.deep.equal([]);
    });

    it("asks for --yes where no role guards a phase (dev), as the approval gate does, and nothing at a terminal, which asks", () => {
        const dev = loadStackConfig(PROJECT_DIR, "dev").approvals;
        expect(missingApprovals(["ecs"], dev, { approvals: [], yes: false }, false)).to.deep.equal([
            "ecs: no role approves it, and nothing confirms it (--yes)",
        ]);
        expect(missingApprovals(["ecs"], dev, { approvals: [], yes: true }, false)).to.deep.equal([]);
        expect(missingApprovals(stop, sit, { approvals: [], yes: false }, true)).to.deep.equal([]);
    });
});

describe("npm run tenant -- migrate-tier: a tenant moved to a more isolated tier as recorded steps", function () {
    this.timeout(60000);
    const DATABASE_MOVE = ["repoint-secret", "create-database", "import-database", "compare-database"];
    const ORDER = [
        "check",
        "stop",
        "export",
        "tier",
        ...DATABASE_MOVE,
        "import",
        "start",
        "healthy",
        "https",
        "domains",
        "drop-shared-database",
    ];

    it("runs stop, export, tier, the database steps (nothing to do for premium), import, start, healthy, https, domains, drop-shared-database in that order; the export is taken and checked before the tier changes", async () => {
        const w = world();
        const result = await w.run(MIGRATE);
        expect(result.exitCode, JSON.stringify(result.steps)).to.equal(EXIT.ok);
        expect(MIGRATE_TIER_STEPS.map((s) => s.id)).to.deep.equal(ORDER);
        expect(result.steps.map((s) => `${s.step}:${s.status}`)).to.deep.equal(ORDER.map((s) => `${s}:succeeded`));
        expect(w.calls).to.deep.equal([
            "commit",
            // Its stop and start roll out the phases `stopped` acts in alone (test/rehearsal/tenant-migrate-tier.test.ts).
            ...STOPS,
            "wait stopped",
            `list ${E0}`,
            "task tenant: export tutorhub",
            `list ${E0}`,
            "commit",
            // --allow-replace for exactly its task security group, as the state names it; the safety gate refuses any other.
            `rollout migrates tutorhub allowing ${taskGroupUrn("tutorhub")}`,
            "task tenant: import tutorhub's files",
            "commit",
            ...STARTS,
            "wait healthy",
            "GET https://tutorhub.sit.bbws.io/",
        ]);
        const tutorhub = loadStackConfig(w.projectDir, "sit").tenants.find((t) => t.id === "tutorhub")!;
        expect(tutorhub).to.include({ tier: "premium", stopped: false });
        expect(w.deployed.get("sit/tutorhub")).to.equal("premium");
        const records = await w.log.readTenantSteps("sit");
        expect(records.map((r) => [r.action, r.step, r.result])).to.deep.equal(ORDER.map((s) => ["migrate-tier", s, "succeeded"]));
        expect(records[2].data).to.include({ archive: `s3://bbws-migration-artifacts-sit-815856636111/${E0}` });
        expect(records[1].data).to.include({ from: "basic" });
        expect(records[3].data).to.include({ tier: "premium", replaced: taskGroupUrn("tutorhub") });
        for (const step of ["check", ...DATABASE_MOVE, "drop-shared-database"]) {
            expect(records.find((r) => r.step === step)!.data).to.deep.equal({
                database: "nothing: its database stays on the shared cluster (premium)",
            });
        }
    });

    it("reports a custom domain in its owner's zone as one its owner must repoint to the tenant's own load balancer (the listener rule moved with it)", async () => {
        const w = world();
        const io = memoryIo();
        const result = await w.run({ ...MIGRATE, id: "aupairhive" }, {}, io);
        expect(result.exitCode, JSON.stringify(result.steps)).to.equal(EXIT.ok);
        expect(io.stderr.join("")).to.include(
            "sit.aupairhive.com: its owner must repoint it, in their DNS zone: sit.aupairhive.com CNAME bbws-sit-alb-123.eu-west-1.elb.amazonaws.com",
        );
        expect(io.stderr.join("")).to.include(
            "whose default certificate (*.sit.bbws.io) does not name it: browsers show a certificate error",
        );
        const plan = renderTenantRun(await world().run({ ...MIGRATE, id: "aupairhive" }, { dryRun: true }));
        expect(plan).to.include(
            "from this rollout on, sit.aupairhive.com (in its owner's zone) fails with a certificate error until its owner",
        );
        const records = await w.log.readTenantSteps("sit");
        expect(records.find((r) => r.step === "domains")).to.deep.include({
            data: { "sit.aupairhive.com": "owner to repoint to bbws-sit-alb-123.eu-west-1.elb.amazonaws.com" },
        });
    });

    describe("a run whose stop was undone by hand after its export (tier failed, the tenant serving again at its old tier)", () => {
        const undone = async () => {
            const w = world({ call: "rollout migrates" });
            expect((await w.run(MIGRATE)).exitCode).to.not.equal(EXIT.ok);
            const file = path.join(w.projectDir, "Pulumi.sit.yaml");
            fs.writeFileSync(file, startTenant(setTenantTier(w.stackFile(), "tutorhub", "basic"), "tutorhub"));
            w.calls.length = 0;
            return w;
        };

        it("is not resumed: its export is stale, so the same command stops and exports again before the tier changes", async () => {
            const w = await undone();
            const result = await w.run(MIGRATE);
            expect(result.exitCode, JSON.stringify(result.steps)).to.equal(EXIT.ok);
            // The second run is a minute after the first: a take of its own, which the import reads.
            const E1 = E0.replace("T090000", "T090100");
            expect(w.calls.slice(0, 6)).to.deep.equal(["commit", ...STOPS, "wait stopped", `list ${E1}`]);
            expect(w.imported).to.deep.equal([E1]);
        });

        it("does not make a move to the tier it is deployed at look like a run to resume (refused, same tier)", async () => {
            const w = await undone();
            const err = await w.run({ ...MIGRATE, tier: "basic" }).catch((e) => e);
            expect(err).to.include({ code: "same-tier", exitCode: 2 });
            expect(w.calls).to.deep.equal([]);
        });
    });

    it("imports the export the export step recorded: its take's prefix is the import task's ARCHIVE_PREFIX", async () => {
        const w = world();
        await w.run(MIGRATE);
        expect([...w.objects.keys()].sort()).to.deep.equal(["SHA256SUMS", "database.sql.gz", "wp-content.tar.gz"].map((f) => `${E0}${f}`));
        expect(w.imported).to.deep.equal([E0]);
    });

    for (const [step, call] of [
        ["stop", "rollout stops"],
        ["export", "task tenant: export"],
        ["tier", "rollout migrates"],
        ["import", "task tenant: import"],
        ["start", "rollout started"],
        ["healthy", "wait healthy"],
        ["https", "GET https://tutorhub.sit.bbws.io/"],
    ] as const) {
        it(`a failure at ${step} is recorded, stops the run, and the same command resumes at ${step} (stop and export taken again until tier has a record)`, async () => {
            const w = world({ call });
            const first = await w.run(MIGRATE);
            expect(first.exitCode).to.not.equal(EXIT.ok);
            expect(first.steps.find((s) => s.status === "failed" || s.status === "refused")?.step).to.equal(step);
            expect(first.steps.filter((s) => s.status === "not reached").map((s) => s.step)).to.deep.equal(
                ORDER.slice(ORDER.indexOf(step) + 1),
            );
            const records = await w.log.readTenantSteps("sit");
            expect(records.at(-1)).to.include({ action: "migrate-tier", step, tenant: "tutorhub" });
            expect(records.at(-1)!.result).to.be.oneOf(["failed", "refused"]);

            const io = memoryIo();
            const second = await w.run(MIGRATE, {}, io);
            expect(second.exitCode, JSON.stringify(second.steps)).to.equal(EXIT.ok);
            expect(io.stderr.join("")).to.include(`resuming migrate-tier of tutorhub in sit at step ${step}`);
            const before = ORDER.slice(0, ORDER.indexOf(step));
            const tierStarted = ORDER.indexOf(step) >= ORDER.indexOf("tier");
            const retaken = (s: string) => (s === "check" || s === "stop" || s === "export") && !tierStarted;
            expect(second.steps.filter((s) => s.status === "done before").map((s) => s.step)).to.deep.equal(
                before.filter((s) => !retaken(s)),
            );
            const exports = (await w.log.readTenantSteps("sit")).filter((r) => r.step === "export" && r.result === "succeeded");
            expect(`s3://bbws-migration-artifacts-sit-815856636111/${w.imported.at(-1)}`).to.equal(exports.at(-1)!.data!.archive);
        });
    }

    it("a run interrupted after its export, before the tier step: the next run stops and exports again, and the import reads that newer take", async () => {
        // The export must be no older than the stop the tier step follows: between two runs the tenant may have been started by hand.
        const w = world();
        w.interruptAfter("task tenant: export");
        const first = await w.run(MIGRATE);
        expect(first.exitCode).to.equal(130);
        expect(first.steps.map((s) => `${s.step}:${s.status}`).slice(0, 4)).to.deep.equal([
            "check:succeeded",
            "stop:succeeded",
            "export:succeeded",
            "tier:not reached",
        ]);
        w.interruptAfter("never");
        const second = await w.run(MIGRATE);
        expect(second.exitCode).to.equal(EXIT.ok);
        expect(second.steps.map((s) => s.status)).to.deep.equal(ORDER.map(() => "succeeded"));
        const exports = (await w.log.readTenantSteps("sit")).filter((r) => r.step === "export");
        expect(exports.map((r) => r.data!.archive)).to.deep.equal(
            ["20261201T090000.000Z", "20261201T090100.000Z"].map(
                (take) => `s3://bbws-migration-artifacts-sit-815856636111/archive/tutorhub/tier-migration-${take}/`,
            ),
        );
        expect(w.imported).to.deep.equal(["archive/tutorhub/tier-migration-20261201T090100.000Z/"]);
    });

    it("--dry-run prints each step's plan: the stack edits, the export's prefix, the one URN it may replace, no database import; changes and records nothing", async () => {
        const w = world();
        const before = w.stackFile();
        const result = await w.run(MIGRATE, { dryRun: true });
        expect(result.steps.map((s) => s.status)).to.deep.equal(ORDER.map(() => "to do"));
        const text = renderTenantRun(result);
        expect(text).to.include("+       stopped: true");
        expect(text).to.include(
            "then the tenant's database then ecs then monitoring phases' rollouts (its database secret's rotation off until the start, refused while a rotation is pending, its service at zero tasks, its alarms silent)",
        );
        expect(text).to.include("to s3://<migration bucket>/archive/tutorhub/tier-migration-<UTC time of the take>/");
        expect(text).to.include("+       tier: premium");
        expect(text).to.include(`npm run rollout -- --env sit --phase all --migrate-tier tutorhub`);
        expect(text).to.include(`--allow-replace ${taskGroupUrn("tutorhub")}`);
        expect(text).to.include("premium keeps it on the shared Aurora cluster, so there is no database import");
        expect(text).to.include("-       stopped: true");
        expect(text).to.include("GET https://tutorhub.sit.bbws.io/ must answer 200");
        await expectUntouched(w, before);
    });

    it("a second run once every step succeeded is a no-op that says so", async () => {
        const w = world();
        await w.run(MIGRATE);
        w.calls.length = 0;
        const io = memoryIo();
        const again = await w.run(MIGRATE, {}, io);
        expect(again).to.include({ exitCode: EXIT.ok, noOp: true });
        expect(io.stderr.join("")).to.match(/tutorhub is already moved to premium in sit: every step succeeded/);
        expect(w.calls).to.deep.equal([]);
    });

    it("a completed migration's records do not make a later request look done: a move back is refused as less isolated (exit 2)", async () => {
        const w = world();
        await w.run(MIGRATE);
        const err = await w.run({ ...MIGRATE, tier: "basic" }).catch((e) => e);
        expect(err).to.include({ exitCode: EXIT.usage, code: "less-isolated-tier" });
    });

    it("the task security group is the one SecurityGroup directly under the tenant's TenantNetwork; none, or more than one, is no answer", () => {
        // Source: components/tenant-network.ts (the tasks' group, a child of bbws:network:TenantNetwork; a premium
        // tenant's load balancer and EFS groups are under its TenantVpc); its vpcId, which a migration moves into the
        // tenant's VPC, forces a new group (automation/replacement.ts, from terraform-provider-aws ec2/vpc_security_group.go).
        expect(REPLACEMENT_RULES["aws:ec2/securityGroup:SecurityGroup"].forceNew).to.include("vpcId");
        const vpcGroup =
            "urn:pulumi:sit::bbws-platform::bbws:network:NetworkLayer$bbws:network:TenantNetwork$bbws:network:TenantVpc$aws:ec2/securityGroup:SecurityGroup::network-tutorhub-alb-sg";
        const rule =
            "urn:pulumi:sit::bbws-platform::bbws:network:NetworkLayer$bbws:network:TenantNetwork$aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::network-tenant-tutorhub-from-alb";
        expect(replacedUrnOf([rule, taskGroupUrn("tutorhub"), vpcGroup], "basic")).to.equal(taskGroupUrn("tutorhub"));
        expect(replacedUrnOf([rule, vpcGroup], "basic")).to.equal(undefined);
        expect(replacedUrnOf([taskGroupUrn("tutorhub"), taskGroupUrn("tutorhub").replace("-sg", "-sg2")], "basic")).to.equal(undefined);
    });

    it("a state without the task security group fails the tier step before the stack file's tier changes", async () => {
        const w = world();
        w.dropTaskGroup();
        const result = await w.run(MIGRATE);
        expect(result.exitCode).to.equal(EXIT.failed);
        expect(result.steps.find((s) => s.step === "tier")).to.include({ status: "failed" });
        expect(loadStackConfig(w.projectDir, "sit").tenants.find((t) => t.id === "tutorhub")!.tier).to.equal("basic");
    });

    describe("refusals: exit 2, nothing changed, nothing recorded", () => {
        const cases: Array<[string, MigrateTierRequest, RegExp, (w: ReturnType<typeof world>) => void]> = [
            ["an unknown tenant", { ...MIGRATE, id: "nobody" }, /'nobody' is not a tenant of sit/, () => undefined],
            [
                "the tier it is deployed at",
                { ...MIGRATE, tier: "basic" },
                /'tutorhub' is deployed at basic in sit already/,
                () => undefined,
            ],
            [
                "a move to a less isolated tier (the tier gate refuses it: its deletes pass would take the load balancer before the file system's gate)",
                { ...MIGRATE, tier: "basic" },
                /'tutorhub' is deployed at premium; a move to the less isolated basic is not built/,
                (w) => {
                    fs.writeFileSync(path.join(w.projectDir, "Pulumi.sit.yaml"), setTenantTier(w.stackFile(), "tutorhub", "premium"));
                    w.deployed.set("sit/tutorhub", "premium");
                },
            ],
            [
                "a tenant not deployed (the stack's outputs name no tier for it)",
                MIGRATE,
                /'tutorhub' is not deployed in sit .*: there is nothing to migrate/,
                (w) => w.deployed.delete("sit/tutorhub"),
            ],
        ];
        for (const [what, req, message, arrange] of cases) {
            it(`refuses ${what}`, async () => {
                const w = world();
                arrange(w);
                const before = w.stackFile();
                const err = await w.run(req).catch((e) => e);
                expect(err).to.include({ exitCode: EXIT.usage });
                expect(`${err.message}\n${err.fix ?? ""}`).to.match(message);
                await expectUntouched(w, before);
            });
        }
    });
});

describe("npm run tenant -- migrate-tier --tier enterprise: a basic tenant's database moved into its own cluster", function () {
    this.timeout(60000);
    const INTO = { ...MIGRATE, tier: "enterprise" } as MigrateTierRequest;
    /** The drop of the shared copy asks for the tenant's id: these runs pass it as --confirm. */
    const CONFIRMED = { confirm: "tutorhub" };
    const own = ownCluster("tutorhub");
    const SECRET = "arn:aws:secretsmanager:eu-west-1:815856636111:secret:bbws/sit/tenants/tutorhub/db-AbCdEf";

    it("after the tier rollout: its secret repointed, schema and user created on its own cluster, the dump loaded there, both copies compared, then files and start; the shared copy dropped last", async () => {
        const w = world();
        const result = await w.run(INTO, CONFIRMED);
        expect(result.exitCode, JSON.stringify(result.steps)).to.equal(EXIT.ok);
        expect(w.calls).to.deep.equal([
            // Before anything stops: its schema checked on the shared cluster (and its secret's rotation read).
            "task platform: check tutorhub's schema can move",
            "commit",
            ...STOPS,
            "wait stopped",
            `list ${E0}`,
            "task tenant: export tutorhub",
            `list ${E0}`,
            "commit",
            `rollout migrates tutorhub allowing ${taskGroupUrn("tutorhub")}`,
            `repoint ${SECRET} at ${own.writerEndpoint}`,
            "task platform: create schema and user wp_tutorhub on its own cluster",
            "task tenant: load tutorhub's database into its own cluster",
            "task platform: compare tutorhub's schema on both clusters",
            "task tenant: import tutorhub's files",
            "commit",
            ...STARTS,
            "wait healthy",
            "GET https://tutorhub.sit.bbws.io/",
            "task platform: drop wp_tutorhub on the shared cluster",
        ]);
    });

    it("each task reaches the right cluster: create and compare name its own cluster and master secret, the load refuses any host but its own writer, the drop names none (the shared one)", async () => {
        const w = world();
        await w.run(INTO, CONFIRMED);
        const env = (purpose: string) => w.tasks.find((t) => t.purpose === purpose)!.command.environment;
        const ownCluster = { TENANT_CLUSTER_HOST: own.writerEndpoint, TENANT_CLUSTER_MASTER_ID: own.masterSecretArn };
        expect(env("create schema and user wp_tutorhub on its own cluster")).to.deep.include({ ...ownCluster, TENANT_SECRET_ID: SECRET });
        expect(env("compare tutorhub's schema on both clusters")).to.deep.include({ ...ownCluster, TENANT_DB_NAME: "wp_tutorhub" });
        expect(env("load tutorhub's database into its own cluster")).to.deep.include({
            ARCHIVE_PREFIX: E0,
            EXPECTED_DB_HOST: own.writerEndpoint,
        });
        expect(env("drop wp_tutorhub on the shared cluster")).to.not.have.any.keys("TENANT_CLUSTER_HOST", "TENANT_CLUSTER_MASTER_ID");
        expect(env("check tutorhub's schema can move")).to.deep.equal({ TENANT_DB_NAME: "wp_tutorhub" });
    });

    it("records where the secret pointed before (the shared writer) and the version that names its own cluster", async () => {
        const w = world();
        await w.run(INTO, CONFIRMED);
        const records = await w.log.readTenantSteps("sit");
        expect(records.find((r) => r.step === "repoint-secret")!.data).to.deep.include({
            host: own.writerEndpoint,
            previousHost: "bbws-aurora-sit.cluster-abc.eu-west-1.rds.amazonaws.com",
        });
        expect(records.find((r) => r.step === "stop")!.data).to.include({ from: "basic" });
    });

    for (const [step, call] of [
        ["create-database", "task platform: create schema"],
        ["import-database", "task tenant: load"],
        ["compare-database", "task platform: compare"],
        ["drop-shared-database", "task platform: drop"],
    ] as const) {
        it(`a failure at ${step} stops the run with the shared copy in place; the same command resumes there and does not repoint the secret again`, async () => {
            const w = world({ call });
            const first = await w.run(INTO, CONFIRMED);
            expect(first.exitCode).to.not.equal(EXIT.ok);
            expect(first.steps.find((s) => s.status === "failed")?.step).to.equal(step);
            if (step !== "drop-shared-database") expect(w.calls).to.not.include("task platform: drop wp_tutorhub on the shared cluster");
            w.calls.length = 0;
            const second = await w.run(INTO, CONFIRMED);
            expect(second.exitCode, JSON.stringify(second.steps)).to.equal(EXIT.ok);
            expect(w.calls.filter((c) => c.startsWith("repoint"))).to.deep.equal([]);
            expect(w.calls[0]).to.match(new RegExp(`^${call}`));
        });
    }

    it("a run that resumes after a failed tier step (the stack file already says enterprise) still moves the database: the tier it moves from is the stop step's record", async () => {
        const w = world({ call: "rollout migrates" });
        expect((await w.run(INTO, CONFIRMED)).exitCode).to.not.equal(EXIT.ok);
        expect(loadStackConfig(w.projectDir, "sit").tenants.find((t) => t.id === "tutorhub")!.tier).to.equal("enterprise");
        w.calls.length = 0;
        const second = await w.run(INTO, CONFIRMED);
        expect(second.exitCode, JSON.stringify(second.steps)).to.equal(EXIT.ok);
        expect(w.calls).to.include("task tenant: load tutorhub's database into its own cluster");
        expect(w.calls).to.include("task platform: drop wp_tutorhub on the shared cluster");
    });

    it("--dry-run names each database step's work, the cluster it creates and the drop at the end; changes and records nothing", async () => {
        const w = world();
        const before = w.stackFile();
        const text = renderTenantRun(await w.run(INTO, { dryRun: true }));
        expect(text).to.include("+       tier: enterprise");
        expect(text).to.include("it creates tutorhub's own Aurora cluster bbws-tenant-tutorhub-aurora-sit");
        expect(text).to.include("a new AWSCURRENT version of its database secret with host and masterarn of its own");
        expect(text).to.include("refused while a");
        expect(text).to.include("CHECKSUM TABLE of every table");
        expect(text).to.include("DROP DATABASE IF EXISTS `wp_tutorhub`");
        expect(text).to.include("asks you to type 'tutorhub' (or --confirm tutorhub)");
        expect(text).to.include("refused if its schema has routines or events");
        await expectUntouched(w, before);
    });

    it("from premium: the tier step lets exactly its own file system be replaced (it moves under its own key), not its task security group (its VPC stays); the database moves as from basic", async () => {
        // Source: terraform-provider-aws efs/file_system.go (kms_key_id ForceNew); components/tenant-storage.ts gives the
        // new one a creation token of its own, so it is created first and, with bbws:protection.retainOnDelete on (as
        // here), the old one stays in AWS with its recovery points: the move is not refused.
        expect(REPLACEMENT_RULES["aws:efs/fileSystem:FileSystem"].forceNew).to.include("kmsKeyId");
        const w = world();
        fs.writeFileSync(
            path.join(w.projectDir, "Pulumi.sit.yaml"),
            setTenantTier(w.stackFile(), "tutorhub", "premium").replace("retainOnDelete: false", "retainOnDelete: true"),
        );
        expect(w.stackFile()).to.include("retainOnDelete: true");
        w.deployed.set("sit/tutorhub", "premium");
        const plan = renderTenantRun(await w.run(INTO, { dryRun: true }));
        expect(plan).to.include(
            "the safety gate refuses every replacement but its own file system, which moves under its own key: a new, empty one, filled from the export by the import step",
        );
        // The outage, said in the plan the operator reads before anything stops: into enterprise, the cluster and the database copy.
        expect(plan).to.include(
            "the site is down from this step until the start step: the export, the tier step's rollout of every phase (its own",
        );
        expect(plan).to.include("its database's repoint, creation, load and compare on its own cluster");
        expect(plan).to.include(`--allow-replace ${ownFileSystemUrn("tutorhub")}`);
        const result = await w.run(INTO, CONFIRMED);
        expect(result.exitCode, JSON.stringify(result.steps)).to.equal(EXIT.ok);
        expect(w.calls).to.include(`rollout migrates tutorhub allowing ${ownFileSystemUrn("tutorhub")}`);
        expect(w.calls).to.include("task tenant: load tutorhub's database into its own cluster");
        expect(w.calls.at(-1)).to.equal("task platform: drop wp_tutorhub on the shared cluster");
        const records = await w.log.readTenantSteps("sit");
        expect(records.find((r) => r.step === "stop")!.data).to.include({ from: "premium" });
    });

    it("a rotation pending on its secret refuses the move at the check step, before anything stops (no stack edit, no task)", async () => {
        const w = world({ call: "rotation pending" });
        const before = w.stackFile();
        const result = await w.run(INTO, CONFIRMED);
        expect(result.exitCode).to.equal(EXIT.failed);
        expect(result.steps.find((s) => s.step === "check")).to.include({ status: "failed" });
        expect(result.steps.find((s) => s.step === "stop")).to.include({ status: "not reached" });
        expect(w.calls).to.deep.equal([]);
        expect(w.stackFile()).to.equal(before);
    });

    for (const [after, refusedAt] of [
        ["wait stopped", "tier"],
        ["repoint", "create-database"],
        ["GET https://tutorhub.sit.bbws.io/", "drop-shared-database"],
    ] as const) {
        it(`a rotation that becomes pending after '${after}' refuses the move at ${refusedAt}, saying where the tenant stands, before its work`, async () => {
            const w = world();
            w.rotationPendingAfter(after);
            const io = memoryIo();
            const result = await w.run(INTO, CONFIRMED, io);
            expect(result.exitCode).to.equal(EXIT.failed);
            const failed = result.steps.find((s) => s.status === "failed")!;
            expect(failed.step).to.equal(refusedAt);
            expect(failed.error).to.match(/is labelled AWSPENDING but not AWSCURRENT/);
            const records = await w.log.readTenantSteps("sit");
            expect(records.at(-1)).to.deep.include({ step: refusedAt, result: "failed" });
            expect(io.stderr.join("")).to.include(
                refusedAt === "drop-shared-database"
                    ? "tutorhub serves from its own cluster meanwhile, and its shared copy stays until this step"
                    : "tutorhub stays stopped until then",
            );
            const before = {
                tier: "rollout migrates",
                "create-database": "task platform: create",
                "drop-shared-database": "task platform: drop",
            }[refusedAt];
            expect(w.calls.some((c) => c.startsWith(before))).to.equal(false);
        });
    }

    it("a rotation pending once the stop's database rollout turned it off refuses the stop there, its service still serving", async () => {
        const w = world();
        w.rotationPendingAfter("rollout stops (--phase database)");
        const io = memoryIo();
        const result = await w.run(INTO, CONFIRMED, io);
        expect(result.steps.find((s) => s.status === "failed")?.step).to.equal("stop");
        expect(w.calls.filter((c) => c.startsWith("rollout"))).to.deep.equal(["rollout stops (--phase database)"]);
        // The stop cancelled whatever ran: nothing will finish it, so the fix is to clear the label first.
        expect(io.stderr.join(""))
            .to.include("tutorhub still serves, its rotation off")
            .and.include("the rotation is off now, so nothing will finish this one: clear the label");
    });

    it("without the database phase's approvals (no terminal to ask at), the stop is refused (exit 3) before it edits the stack file: the site keeps serving, nothing rolled out", async () => {
        const w = world();
        const before = w.stackFile();
        const io = memoryIo();
        const result = await w.run(INTO, { ...CONFIRMED, approvals: [{ role: "tech-lead", name: "alice" }] }, io);
        expect(result.exitCode).to.equal(EXIT.refused);
        expect(result.steps.find((s) => s.status === "refused")?.step).to.equal("stop");
        expect(w.stackFile()).to.equal(before);
        expect(w.calls.filter((c) => c.startsWith("rollout") || c === "commit")).to.deep.equal([]);
        expect(io.stderr.join(""))
            .to.include("then rolls out the database, ecs, monitoring phase(s), which this run cannot get approved")
            .and.include("database: no approval by dba (--approve dba:<name>)")
            .and.include("the stack file is unchanged");
        // With them, the same command resumes at the stop.
        const again = await w.run(INTO, CONFIRMED);
        expect(again.exitCode, JSON.stringify(again.steps)).to.equal(EXIT.ok);
    });

    it("a rotation pending before the start refuses it before it edits anything: the tenant stays stopped, no rollout", async () => {
        const w = world();
        w.rotationPendingAfter("task tenant: import");
        const result = await w.run(INTO, CONFIRMED);
        expect(result.steps.find((s) => s.status === "failed")?.step).to.equal("start");
        expect(w.calls.some((c) => c.startsWith("rollout started"))).to.equal(false);
        expect(loadStackConfig(w.projectDir, "sit").tenants.find((t) => t.id === "tutorhub")?.stopped).to.equal(true);
    });

    it("a schema the export or import cannot carry (the precheck task fails) refuses the move before anything stops", async () => {
        const w = world({ call: "task platform: check" });
        const before = w.stackFile();
        const result = await w.run(INTO, CONFIRMED);
        expect(result.steps.find((s) => s.step === "check")).to.include({ status: "failed" });
        expect(w.calls).to.deep.equal(["task platform: check tutorhub's schema can move"]);
        expect(w.stackFile()).to.equal(before);
    });

    it("the drop of the shared copy is refused (exit 3) without the tenant's id where no one can be asked; the same command with --confirm finishes it", async () => {
        const w = world();
        const first = await w.run(INTO);
        expect(first.exitCode).to.equal(EXIT.refused);
        expect(first.steps.find((s) => s.status === "refused")?.step).to.equal("drop-shared-database");
        expect(w.calls).to.not.include("task platform: drop wp_tutorhub on the shared cluster");
        w.calls.length = 0;
        const second = await w.run(INTO, CONFIRMED);
        expect(second.exitCode, JSON.stringify(second.steps)).to.equal(EXIT.ok);
        expect(w.calls).to.deep.equal(["task platform: drop wp_tutorhub on the shared cluster"]);
        const records = await w.log.readTenantSteps("sit");
        expect(records.at(-1)!.data).to.include({ confirmedBy: "alice" });
    });

    it("a tenant started by hand after the tier step is refused (migration-unstopped, exit 2), not taken for an abandoned run; stopped again, the same command resumes", async () => {
        const w = world({ call: "task tenant: load" });
        expect((await w.run(INTO, CONFIRMED)).exitCode).to.not.equal(EXIT.ok);
        const file = path.join(w.projectDir, "Pulumi.sit.yaml");
        const stopped = w.stackFile();
        fs.writeFileSync(file, startTenant(stopped, "tutorhub"));
        const err = await w.run(INTO, CONFIRMED).catch((e) => e);
        expect(err).to.include({ exitCode: EXIT.usage, code: "migration-unstopped" });
        expect(`${err.message}\n${err.fix}`).to.match(/put `stopped: true` back.*resumes where it stopped/s);
        fs.writeFileSync(file, stopped);
        w.calls.length = 0;
        const resumed = await w.run(INTO, CONFIRMED);
        expect(resumed.exitCode, JSON.stringify(resumed.steps)).to.equal(EXIT.ok);
        expect(w.calls[0]).to.equal("task tenant: load tutorhub's database into its own cluster");
    });
});
