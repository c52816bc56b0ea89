/**
 * Drills in rehearsal (AWS doubles with scripted timings, automation/dr/doubles.ts): a switchover, a
 * failover with lag, the failback after it, a failed step resumed, Ctrl-C mid-step resumed, and the
 * README's transcripts, which these rehearsals produce.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { initialWorld, rehearsalPort, SCRIPTED_MS } from "../../automation/dr/doubles";
import type { DrWorld } from "../../automation/dr/doubles";
import type { DnsTarget, DrPort } from "../../automation/dr/port";
import { readDrSettings } from "../../automation/dr/config";
import { prepareDrRehearsal, rehearsalOutputs } from "../../automation/dr/rehearsal";
import { runDrCommand } from "../../automation/dr/steps";
import { memoryIo } from "../../automation/io";
import { FileLedger } from "../../automation/ledger";
import { drProject, ENGINE_VERSION, PROD_APPROVALS, REHEARSAL_NOW, runDr } from "../automation/dr-fixtures";
import { PROJECT_DIR } from "../support/pulumi";
import { drTranscripts, TRANSCRIPTS } from "./dr-transcripts";
import { cachedSynthesize } from "../support/synth-cache";
import { readDrOutputs } from "../../automation/dr/contract";
import type { DrOutputs } from "../../automation/dr/contract";
import { loadStackConfig } from "../../automation/stack-files";

function rehearsalDir(): { dir: string; reh: string } {
    const dir = drProject();
    const reh = path.join(dir, "rehearsal");
    fs.mkdirSync(reh);
    return { dir, reh };
}
const world = (reh: string): DrWorld => JSON.parse(fs.readFileSync(path.join(reh, "aws-world.json"), "utf8"));
const records = (reh: string) =>
    fs
        .readFileSync(path.join(reh, ".rollout", "prod.dr.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
const stackFile = (reh: string) => fs.readFileSync(path.join(reh, "project", "Pulumi.prod.yaml"), "utf8");
const calls = (reh: string, name: string) => world(reh).calls.filter((c) => c.call === name);
const rehearse = (argv: string[], dir: string, reh: string) =>
    runDr([...argv, ...PROD_APPROVALS, "--rehearse", "--rehearsal-dir", reh], dir);

/** af-south-1's services' [desired, running] an hour after now, in the rehearsal's world: what auto-scaling left of them. */
async function afSouthCountsAnHourLater(reh: string): Promise<number[][]> {
    const port = rehearsalPort(path.join(reh, "aws-world.json"));
    await port.sleep(60 * 60_000);
    const services = await port.services("af-south-1", "bbws-ecs-prod", ["bbws-wordpress-aupairhive-prod", "bbws-wordpress-tutorhub-prod"]);
    return services.map((s) => [s.desired, s.running]);
}

/** An IAM refusal of the next matching call, as the doubles script it. */
const denied = (call: string, action: string, where: { region?: string; detailHas?: string } = {}) => ({
    call,
    ...where,
    name: "AccessDeniedException",
    message: `not authorized to perform ${action}`,
});

/** A fresh rehearsal folder whose doubles' world `edit` has changed (a scripted failure, a region down, …). */
async function editedWorld(edit: (w: DrWorld) => void): Promise<{ dir: string; reh: string }> {
    const { dir, reh } = rehearsalDir();
    await runDr(["status", "--env", "prod", "--rehearse", "--rehearsal-dir", reh], dir);
    const w = world(reh);
    edit(w);
    fs.writeFileSync(path.join(reh, "aws-world.json"), JSON.stringify(w));
    return { dir, reh };
}

/** A fresh rehearsal of `action` in prod with the given tenants (prod's two by default), as the in-process drills start one. */
function prodRehearsal(action: Parameters<typeof prepareDrRehearsal>[6], tenants = PROD_TENANTS) {
    const { dir, reh } = rehearsalDir();
    const settings = readDrSettings(dir, "prod");
    const rehearsal = prepareDrRehearsal(
        dir,
        settings,
        "eu-west-1",
        tenants,
        "bbws.io",
        ENGINE_VERSION,
        action,
        memoryIo(),
        REHEARSAL_NOW,
        reh,
    );
    return { dir, reh, settings, rehearsal };
}

const PROD_TENANTS = [
    { id: "aupairhive", minCapacity: 2 },
    { id: "tutorhub", minCapacity: 2 },
];

/** The approvals every gated step of prod needs (bbws:approvals), as the in-process drills pass them. */
const IN_PROCESS_APPROVALS = [
    { role: "tech-lead", name: "alice" },
    { role: "dba", name: "bob" },
    { role: "devops-lead", name: "carol" },
];

/** `runDrCommand`'s dependencies over a rehearsal, for drills that swap a port call or the settings. */
function inProcessDeps(
    rehearsal: ReturnType<typeof prepareDrRehearsal>,
    overrides: { port?: DrPort; settings?: ReturnType<typeof readDrSettings>; outputs?: DrOutputs } = {},
) {
    return {
        projectDir: rehearsal.projectDir,
        settings: overrides.settings ?? readDrSettings(rehearsal.projectDir, "prod"),
        outputs: overrides.outputs ?? rehearsal.outputs,
        port: overrides.port ?? rehearsal.port,
        log: new FileLedger(rehearsal.ledgerDir, () => undefined),
        io: memoryIo(),
        operator: async () => "rehearsal",
        rollout: async () => 0,
        commitStackFile: async () => undefined,
    };
}

describe("dr rehearsal: its stack outputs are the program's (prod's offline synth)", function () {
    this.timeout(120000);

    it("names every DR resource as the program does; only the ids AWS would assign differ, in the same form", async () => {
        const synth = await cachedSynthesize(PROJECT_DIR, "prod");
        const program = readDrOutputs(synth.outputs, "prod");
        const settings = readDrSettings(PROJECT_DIR, "prod");
        const cfg = loadStackConfig(PROJECT_DIR, "prod");
        const rehearsed = rehearsalOutputs(settings, cfg.dr!.region, cfg.tenants, cfg.domain);
        // AWS-assigned parts: file system ids, load balancer and target group suffixes, zone and health check ids.
        const idless = (o: unknown) =>
            JSON.parse(
                JSON.stringify(o)
                    .replace(/fs-[0-9a-f]{17}/g, "fs-ID")
                    .replace(/(loadbalancer\/app\/[a-z0-9-]+|targetgroup\/[a-z0-9]+)(-[0-9a-f]{8})?\/[0-9a-f]{16}/g, "$1/ID")
                    .replace(/-\d{9,10}\.([a-z0-9-]+)\.elb\.amazonaws\.com/g, "-ID.$1.elb.amazonaws.com")
                    .replace(/"Z[0-9A-Z]{13,32}"/g, '"ZONE"')
                    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "UUID"),
            );
        expect(idless(rehearsed)).to.deep.equal(idless(program));
    });
});

describe("dr drill: switchover (planned, no data loss)", function () {
    this.timeout(60000);
    const { dir, reh } = rehearsalDir();
    let run: Awaited<ReturnType<typeof runDr>>;
    before(async () => {
        run = await rehearse(["switchover", "--env", "prod", "--to", "eu-west-1"], dir, reh);
    });

    it("succeeds and records every step with its start and end", () => {
        expect(run.code, run.stderr).to.equal(0);
        expect(records(reh).map((r) => `${r.step} ${r.result}`)).to.deep.equal(
            ["check", "database", "scale", "healthy", "dns", "drain", "files", "config"].map((s) => `${s} succeeded`),
        );
        expect(records(reh).every((r) => Date.parse(r.at) >= Date.parse(r.startedAt))).to.equal(true);
    });

    it("sends SwitchoverGlobalCluster with the target's ARN (RDS API reference: 'Use the ARN … so Aurora can locate the cluster in its Region')", () => {
        expect(calls(reh, "SwitchoverGlobalCluster").map((c) => [c.region, c.detail])).to.deep.equal([
            ["eu-west-1", "bbws-aurora-prod-global → arn:aws:rds:eu-west-1:093646564004:cluster:bbws-aurora-prod-dr"],
        ]);
    });

    it("scales the standby to the primary's counts, moves DNS through Route 53's global endpoint, then drains the primary", () => {
        const order = world(reh)
            .calls.filter((c) => ["UpdateService", "ChangeResourceRecordSets"].includes(c.call))
            .map((c) => `${c.region} ${c.call} ${c.detail}`);
        expect(order).to.deep.equal([
            "eu-west-1 UpdateService bbws-cluster-dr-prod/bbws-wordpress-aupairhive-dr-prod desiredCount 2",
            "eu-west-1 UpdateService bbws-cluster-dr-prod/bbws-wordpress-tutorhub-dr-prod desiredCount 2",
            "us-east-1 ChangeResourceRecordSets Z0123456789ABCDEFGHIJ: PRIMARY eu-west-1",
            "af-south-1 UpdateService bbws-ecs-prod/bbws-wordpress-aupairhive-prod desiredCount 0",
            "af-south-1 UpdateService bbws-ecs-prod/bbws-wordpress-tutorhub-prod desiredCount 0",
        ]);
    });

    it("fences each af-south-1 service's scalable target at 0–0 with all scaling suspended before its desiredCount 0, as primaryScaling does (Application Auto Scaling API reference, RegisterScalableTarget)", () => {
        const drain = world(reh)
            .calls.filter((c) => c.region === "af-south-1" && ["RegisterScalableTarget", "UpdateService"].includes(c.call))
            .map((c) => `${c.call} ${c.detail}`);
        expect(drain).to.deep.equal([
            "RegisterScalableTarget service/bbws-ecs-prod/bbws-wordpress-aupairhive-prod 0–0 suspended",
            "RegisterScalableTarget service/bbws-ecs-prod/bbws-wordpress-tutorhub-prod 0–0 suspended",
            "UpdateService bbws-ecs-prod/bbws-wordpress-aupairhive-prod desiredCount 0",
            "UpdateService bbws-ecs-prod/bbws-wordpress-tutorhub-prod desiredCount 0",
        ]);
        expect(records(reh).find((r) => r.step === "drain").data.fenced).to.equal(
            "bbws-wordpress-aupairhive-prod, bbws-wordpress-tutorhub-prod",
        );
    });

    it("keeps af-south-1 at 0 tasks an hour after the drain: auto-scaling's minimum no longer brings them back", async () => {
        expect(await afSouthCountsAnHourLater(reh)).to.deep.equal([
            [0, 0],
            [0, 0],
        ]);
    });

    it("deletes the file replication from both sides only after a sync newer than the drain (EFS user guide, 'Deleting replication configurations')", () => {
        const drained = Date.parse(records(reh).find((r) => r.step === "drain").data.drainedAt);
        const [del] = calls(reh, "DeleteReplicationConfiguration");
        expect(del.detail).to.equal("fs-0a1b2c3d4e5f60718");
        expect(Date.parse(del.at)).to.be.greaterThan(drained);
    });

    it("replicates eu-west-1's files back into af-south-1's file system only once the deleted replication is gone (EFS: a delete takes minutes; a file system is in one replication at most)", () => {
        const [del] = calls(reh, "DeleteReplicationConfiguration");
        const [unprotect] = calls(reh, "UpdateFileSystemProtection");
        const [create] = calls(reh, "CreateReplicationConfiguration");
        expect(Date.parse(unprotect.at) - Date.parse(del.at)).to.be.at.least(SCRIPTED_MS.efsDelete);
        expect([unprotect.region, unprotect.detail]).to.deep.equal([
            "af-south-1",
            "fs-0a1b2c3d4e5f60718 ReplicationOverwriteProtection DISABLED",
        ]);
        expect([create.region, create.detail]).to.deep.equal(["eu-west-1", "fs-0d4e5f6a7b8c9d0e1 → af-south-1 fs-0a1b2c3d4e5f60718"]);
    });

    it("writes serving: standby into the stack file and keeps the global database attached", () => {
        expect(stackFile(reh))
            .to.match(/serving: standby\n/)
            .and.match(/globalDatabase: attached\n/);
        expect(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8"), "the project's own file is untouched by a rehearsal").to.match(
            /serving: primary/,
        );
    });

    it("prints the timeline and judges RTO and RPO against 1 h and 15 min", () => {
        expect(run.stdout).to.match(/^RTO +5 min 00 s +1 h 00 min +within +the switchover's start/m);
        expect(run.stdout).to.match(/^RPO \(database\) +0 s +15 min 00 s +within/m);
    });

    it("a second run of the same command is refused: eu-west-1 already serves", async () => {
        const again = await rehearse(["switchover", "--env", "prod", "--to", "eu-west-1"], dir, reh);
        expect(again.code).to.equal(2);
        expect(again.stderr).to.match(/eu-west-1 already serves prod/);
    });
});

describe("dr status after a failover, with af-south-1 still down", function () {
    this.timeout(60000);

    it("reads the global database from the serving region, not the one that is down (any member's region describes it)", async () => {
        const { dir, reh } = rehearsalDir();
        expect((await rehearse(["failover", "--env", "prod", "--to", "eu-west-1"], dir, reh)).code).to.equal(0);
        const status = await runDr(["status", "--env", "prod", "--rehearse", "--rehearsal-dir", reh, "--json"], dir);
        const line = JSON.parse(status.stdout).lines.find((l: { item: string }) => l.item === "global database");
        expect(line.state).to.match(/^available; writer in eu-west-1/);
    });
});

describe("dr drill: failover with lag (primary region down), then failback", function () {
    this.timeout(60000);
    const { dir, reh } = rehearsalDir();
    let failover: Awaited<ReturnType<typeof runDr>>;
    let failback: Awaited<ReturnType<typeof runDr>>;
    let failoverCallCount = 0;
    before(async () => {
        failover = await rehearse(["failover", "--env", "prod", "--to", "eu-west-1"], dir, reh);
        failoverCallCount = world(reh).calls.length;
        failback = await rehearse(["failback", "--env", "prod", "--to", "af-south-1"], dir, reh);
    });

    it("leaves af-south-1's file system a replica of eu-west-1's after the failover's failback, then eu-west-1's a replica of af-south-1's again, with the same ids (EFS user guide, replication to an existing file system)", () => {
        const efs = world(reh).calls.filter((c) => ["UpdateFileSystemProtection", "CreateReplicationConfiguration"].includes(c.call));
        expect(efs.map((c) => `${c.region} ${c.call} ${c.detail}`)).to.deep.equal([
            "af-south-1 UpdateFileSystemProtection fs-0a1b2c3d4e5f60718 ReplicationOverwriteProtection DISABLED",
            "eu-west-1 CreateReplicationConfiguration fs-0d4e5f6a7b8c9d0e1 → af-south-1 fs-0a1b2c3d4e5f60718",
            "eu-west-1 UpdateFileSystemProtection fs-0d4e5f6a7b8c9d0e1 ReplicationOverwriteProtection DISABLED",
            "af-south-1 CreateReplicationConfiguration fs-0a1b2c3d4e5f60718 → eu-west-1 fs-0d4e5f6a7b8c9d0e1",
        ]);
        expect(world(reh).efs.map((e) => `${e.source} → ${e.destination}`)).to.deep.equal(["fs-0a1b2c3d4e5f60718 → fs-0d4e5f6a7b8c9d0e1"]);
    });

    it("fails over without calling the region that is down", () => {
        expect(failover.code, failover.stderr).to.equal(0);
        const failoverCalls = world(reh).calls.slice(0, failoverCallCount);
        expect(failoverCalls.filter((c) => c.region === "af-south-1")).to.deep.equal([]);
    });

    it("fails over with FailoverGlobalCluster, AllowDataLoss, sent to the standby's own region by ARN, and detaches nothing (RDS API reference; Aurora user guide, managed failovers)", () => {
        expect(calls(reh, "FailoverGlobalCluster").map((c) => [c.region, c.detail])).to.deep.equal([
            ["eu-west-1", "bbws-aurora-prod-global → arn:aws:rds:eu-west-1:093646564004:cluster:bbws-aurora-prod-dr AllowDataLoss"],
        ]);
        expect(calls(reh, "RemoveFromGlobalCluster")).to.deep.equal([]);
    });

    it("deletes only the local side of the file replication (DeletionMode LOCAL_CONFIGURATION_ONLY: the source region cannot answer)", () => {
        expect(calls(reh, "DeleteReplicationConfiguration")[0]).to.deep.include({
            region: "eu-west-1",
            detail: "fs-0a1b2c3d4e5f60718 LOCAL_CONFIGURATION_ONLY",
        });
    });

    it("reports the lag as unknown when its last datapoint predates the outage, and judges the database RPO on its upper bound (the datapoint's lag plus its age)", () => {
        expect(failover.stderr).to.include(
            "accepting database writes the replica lacks (unknown: the last datapoint (42.0 s at 2026-12-01T09:56:00.000Z) is 4.0 min old: between 42.0 s and 282.0 s)",
        );
        expect(failover.stdout).to.match(
            /^RPO \(database\) +4 min 42 s +15 min 00 s +within +at most: the last lag datapoint plus its age/m,
        );
        expect(failover.stdout).to.match(/^RPO \(files\) +14 min 00 s +15 min 00 s +within/m);
    });

    it("keeps the global database attached in the stack file: a managed failover keeps it", () => {
        const after = records(reh).filter((r) => r.action === "failover" && r.step === "config")[0];
        expect(after.data).to.deep.include({ serving: "standby", globalDatabase: "attached" });
        expect(records(reh).find((r) => r.action === "failover" && r.step === "database").data).to.deep.include({
            method: "managed failover",
            oldPrimary: "arn:aws:rds:af-south-1:093646564004:cluster:bbws-aurora-prod",
        });
    });

    it("fails back once Aurora has rebuilt the old primary as a secondary (pending-resync, then connected): storage rollout only, then a switchover in reverse", () => {
        expect(failback.code, failback.stderr).to.equal(0);
        expect(failback.stderr).to.match(/database af-south-1 pending-resync \(Aurora rebuilding it\)/);
        expect(failback.stderr).to.match(/database secondary in af-south-1, lag 0\.8 s/);
        expect(calls(reh, "rollout").map((c) => c.detail)).to.deep.equal(["storage"]);
        expect(calls(reh, "SwitchoverGlobalCluster").map((c) => [c.region, c.detail])).to.deep.equal([
            ["af-south-1", "bbws-aurora-prod-global → arn:aws:rds:af-south-1:093646564004:cluster:bbws-aurora-prod"],
        ]);
        expect(stackFile(reh))
            .to.match(/serving: primary\n/)
            .and.match(/globalDatabase: attached\n/);
    });
});

describe("dr drill: a failover is refused while Route 53 finds the primary healthy, unless --primary-is-down", function () {
    this.timeout(60000);

    it("refuses at assess (exit 3, sends nothing), then goes ahead with the override, which the ledger records", async () => {
        const { reh, rehearsal } = prodRehearsal("failover", [{ id: "aupairhive", minCapacity: 2 }]);
        // af-south-1 is partly down, but its load balancer still passes Route 53's health checks.
        const port = { ...rehearsal.port, dns: async (t: DnsTarget) => ({ ...(await rehearsal.port.dns(t)), primaryHealthy: true }) };
        const deps = inProcessDeps(rehearsal, { port });
        const approvals = IN_PROCESS_APPROVALS;
        const req = { action: "failover" as const, env: "prod", to: "eu-west-1" };
        const refused = await runDrCommand(req, { dryRun: false, approvals, yes: true }, deps);
        expect(refused.exitCode).to.equal(3);
        expect(refused.steps[0]).to.deep.include({ step: "assess", status: "refused" });
        expect(refused.steps[0].error).to.match(/finds af-south-1 healthy: a failover would give up data a switchover keeps/);
        expect(records(reh)[0]).to.deep.include({ step: "assess", result: "refused" });
        expect(records(reh)[0].error.code).to.equal("primary-healthy");
        expect(calls(reh, "FailoverGlobalCluster")).to.deep.equal([]);

        const overridden = await runDrCommand(req, { dryRun: false, approvals, yes: true, primaryIsDown: true }, deps);
        expect(overridden.exitCode).to.equal(0);
        expect(records(reh).find((r) => r.step === "assess" && r.result === "succeeded").data.override).to.equal(
            "--primary-is-down (Route 53's health check said healthy)",
        );
        expect(calls(reh, "FailoverGlobalCluster")).to.have.length(1);
    });
});

describe("dr drill: the fallback detach-and-promote, and a failback after it", function () {
    this.timeout(60000);

    it("refuses the managed failover when the engine versions differ in minor, naming --detach-and-promote (Aurora user guide: managed failover needs the same major and minor)", async () => {
        const { dir, reh } = await editedWorld((w) => {
            w.clusters.find((c) => c.region === "eu-west-1")!.engineVersion = "8.0.mysql_aurora.3.07.1";
        });
        const run = await rehearse(["failover", "--env", "prod", "--to", "eu-west-1"], dir, reh);
        expect(run.code).to.equal(3);
        expect(run.stdout + run.stderr).to.match(/a managed failover needs the same major and minor engine versions/);
        expect(run.stderr).to.match(/--detach-and-promote/);
        expect(calls(reh, "FailoverGlobalCluster")).to.deep.equal([]);
    });

    it("detaches with RemoveFromGlobalCluster sent to the standby's own region, records globalDatabase: detached, and a failback then refuses (exit 2), pointing at the manual runbook", async () => {
        const { dir, reh } = rehearsalDir();
        const failover = await rehearse(["failover", "--env", "prod", "--to", "eu-west-1", "--detach-and-promote"], dir, reh);
        expect(failover.code, failover.stderr).to.equal(0);
        expect(calls(reh, "RemoveFromGlobalCluster").map((c) => [c.region, c.detail])).to.deep.equal([
            ["eu-west-1", "bbws-aurora-prod-global arn:aws:rds:eu-west-1:093646564004:cluster:bbws-aurora-prod-dr"],
        ]);
        expect(calls(reh, "FailoverGlobalCluster")).to.deep.equal([]);
        expect(stackFile(reh)).to.match(/globalDatabase: detached\n/);
        const sent = world(reh).calls.length;
        const failback = await rehearse(["failback", "--env", "prod", "--to", "af-south-1"], dir, reh);
        expect(failback.code).to.equal(2);
        expect(failback.stderr).to.match(/the DR cluster was detached from the global database/);
        expect(failback.stderr).to.match(/manual runbook/);
        expect(world(reh).calls.length, "nothing sent").to.equal(sent);
    });
});

describe("dr doubles: Application Auto Scaling's range (API reference, RegisterScalableTarget)", function () {
    this.timeout(60000);
    const services = ["bbws-wordpress-aupairhive-prod", "bbws-wordpress-tutorhub-prod"];
    const freshPort = () => {
        const { rehearsal } = prodRehearsal("status");
        return rehearsalPort(path.join(rehearsal.dir, "aws-world.json"));
    };

    it("without the fence, a drain's desiredCount 0 is undone by the target's minimum: the tasks come back", async () => {
        const port = freshPort();
        await port.scale("af-south-1", "bbws-ecs-prod", services[0], 0);
        await port.sleep(SCRIPTED_MS.taskStart);
        expect((await port.services("af-south-1", "bbws-ecs-prod", services)).map((s) => s.desired)).to.deep.equal([0, 2]);
        await port.sleep(SCRIPTED_MS.autoScaling + SCRIPTED_MS.taskStart);
        expect((await port.services("af-south-1", "bbws-ecs-prod", services)).map((s) => [s.desired, s.running])).to.deep.equal([
            [2, 2],
            [2, 2],
        ]);
    });

    it("registering a range moves the count into it; a suspended range is not enforced, so a later UpdateService holds", async () => {
        const port = freshPort();
        await port.registerScalableTarget("af-south-1", "bbws-ecs-prod", services[0], { minCapacity: 0, maxCapacity: 0, suspended: true });
        expect((await port.services("af-south-1", "bbws-ecs-prod", [services[0]]))[0].desired).to.equal(0);
        await port.scale("af-south-1", "bbws-ecs-prod", services[0], 3);
        await port.sleep(60 * 60_000);
        expect((await port.services("af-south-1", "bbws-ecs-prod", [services[0]]))[0].desired).to.equal(3);
    });

    it("refuses a target for a service the region's cluster does not have, and a minimum above the maximum (ValidationException)", async () => {
        const port = freshPort();
        const range = { minCapacity: 0, maxCapacity: 0, suspended: true };
        const refusal = (p: Promise<unknown>) =>
            p.then(
                () => undefined,
                (err: Error) => `${err.name}: ${err.message}`,
            );
        expect(await refusal(port.registerScalableTarget("eu-west-1", "bbws-ecs-prod", services[0], range))).to.equal(
            "ValidationException: ECS service doesn't exist: service/bbws-ecs-prod/bbws-wordpress-aupairhive-prod",
        );
        expect(
            await refusal(
                port.registerScalableTarget("af-south-1", "bbws-ecs-prod", services[0], {
                    minCapacity: 2,
                    maxCapacity: 1,
                    suspended: false,
                }),
            ),
        ).to.equal("ValidationException: MinCapacity must be less than or equal to MaxCapacity");
    });

    it("gives the primary's services the program's registered target and the standby's none (components/standby-ecs.ts declares no scaling)", () => {
        const settings = readDrSettings(drProject(), "prod");
        const outputs = rehearsalOutputs(settings, "eu-west-1", [{ id: "aupairhive", minCapacity: 2 }], "bbws.io");
        const w = initialWorld(outputs, settings.primaryRegion, settings.accountId, REHEARSAL_NOW, 1, ENGINE_VERSION);
        expect(w.services.map((s) => [s.region, s.scaling])).to.deep.equal([
            ["af-south-1", { minCapacity: 2, maxCapacity: 2, suspended: false }],
            ["eu-west-1", undefined],
        ]);
    });
});

describe("dr drill: switchover, then failback: the scale step restarts the fenced services", function () {
    this.timeout(60000);
    const { dir, reh } = rehearsalDir();
    let failback: Awaited<ReturnType<typeof runDr>>;
    before(async () => {
        const switchover = await rehearse(["switchover", "--env", "prod", "--to", "eu-west-1"], dir, reh);
        expect(switchover.code, switchover.stderr).to.equal(0);
        failback = await rehearse(["failback", "--env", "prod", "--to", "af-south-1"], dir, reh);
    });

    it("starts af-south-1's services inside their suspended 0–0 range, and they stay up (a suspended range is not enforced)", async () => {
        expect(failback.code, failback.stderr).to.equal(0);
        expect(await afSouthCountsAnHourLater(reh)).to.deep.equal([
            [2, 2],
            [2, 2],
        ]);
        expect(
            world(reh)
                .services.filter((s) => s.region === "af-south-1")
                .map((s) => s.scaling),
        ).to.deep.equal([
            { minCapacity: 0, maxCapacity: 0, suspended: true },
            { minCapacity: 0, maxCapacity: 0, suspended: true },
        ]);
    });

    it("drains eu-west-1 without registering a target there: its services have none, and none is created", () => {
        expect(calls(reh, "RegisterScalableTarget").filter((c) => c.region === "eu-west-1")).to.deep.equal([]);
        const drain = records(reh).find((r) => r.action === "failback" && r.step === "drain");
        expect(drain.data.fenced).to.equal("none (no scalable target)");
        expect(
            world(reh)
                .services.filter((s) => s.region === "eu-west-1")
                .map((s) => s.desired),
        ).to.deep.equal([0, 0]);
    });
});

describe("dr drill: a failed step, resumed", function () {
    this.timeout(60000);

    it("stops at the failing step (exit 1) and a rerun continues there without repeating the switchover", async () => {
        const { dir, reh } = await editedWorld((w) =>
            w.failures.push(denied("UpdateService", "ecs:UpdateService", { region: "eu-west-1" })),
        );

        const first = await rehearse(["switchover", "--env", "prod", "--to", "eu-west-1"], dir, reh);
        expect(first.code).to.equal(1);
        expect(first.stdout).to.match(/scale .* failed +AccessDeniedException: not authorized/);
        expect(records(reh).map((r) => `${r.step} ${r.result}`)).to.deep.equal(["check succeeded", "database succeeded", "scale failed"]);

        const second = await rehearse(["switchover", "--env", "prod", "--to", "eu-west-1"], dir, reh);
        expect(second.code, second.stderr).to.equal(0);
        expect(second.stderr).to.match(/continuing the switchover of prod to eu-west-1 at step scale \(it failed at /);
        expect(calls(reh, "SwitchoverGlobalCluster")).to.have.length(1);
        expect(new Set(records(reh).map((r) => r.operationId)).size, "one operation across both runs").to.equal(1);
        expect(second.stdout).to.match(/^2 +database .* done before/m);
    });

    it("a refused FailoverGlobalCluster fails the failover's database step (exit 1); a rerun continues there and sends it once more", async () => {
        const { dir, reh } = await editedWorld((w) => w.failures.push(denied("FailoverGlobalCluster", "rds:FailoverGlobalCluster")));
        const first = await rehearse(["failover", "--env", "prod", "--to", "eu-west-1"], dir, reh);
        expect(first.code).to.equal(1);
        expect(records(reh).map((r) => `${r.step} ${r.result}`)).to.deep.equal(["assess succeeded", "database failed"]);
        const second = await rehearse(["failover", "--env", "prod", "--to", "eu-west-1"], dir, reh);
        expect(second.code, second.stderr).to.equal(0);
        expect(second.stderr).to.match(/continuing the failover of prod to eu-west-1 at step database/);
        expect(calls(reh, "FailoverGlobalCluster"), "the refused call and the one that went through").to.have.length(2);
        expect(second.stdout).to.match(/^1 +assess .* done before/m);
    });

    it("a refused RegisterScalableTarget fails the drain, its record names the services fenced so far, and a rerun fences only the rest", async () => {
        const { dir, reh } = await editedWorld((w) =>
            w.failures.push(denied("RegisterScalableTarget", "application-autoscaling:RegisterScalableTarget", { detailHas: "tutorhub" })),
        );

        const first = await rehearse(["switchover", "--env", "prod", "--to", "eu-west-1"], dir, reh);
        expect(first.code).to.equal(1);
        const failed = records(reh).find((r) => r.step === "drain");
        expect(failed).to.deep.include({ result: "failed" });
        expect(failed.data.sent).to.equal("RegisterScalableTarget service/bbws-ecs-prod/bbws-wordpress-aupairhive-prod 0–0 suspended");
        expect(
            calls(reh, "UpdateService").filter((c) => c.region === "af-south-1"),
            "nothing drained before every fence holds",
        ).to.deep.equal([]);

        const second = await rehearse(["switchover", "--env", "prod", "--to", "eu-west-1"], dir, reh);
        expect(second.code, second.stderr).to.equal(0);
        expect(second.stderr).to.match(/continuing the switchover of prod to eu-west-1 at step drain/);
        expect(calls(reh, "RegisterScalableTarget").map((c) => c.detail.split("/")[2])).to.deep.equal([
            "bbws-wordpress-aupairhive-prod 0–0 suspended",
            "bbws-wordpress-tutorhub-prod 0–0 suspended",
            "bbws-wordpress-tutorhub-prod 0–0 suspended",
        ]);
    });

    it("refuses another operation while one is unfinished, naming the command that finishes it (exit 2, nothing sent)", async () => {
        const { dir, reh } = await editedWorld((w) =>
            w.failures.push({ call: "UpdateService", name: "AccessDeniedException", message: "denied" }),
        );
        expect((await rehearse(["failover", "--env", "prod", "--to", "eu-west-1"], dir, reh)).code).to.equal(1);
        const sent = world(reh).calls.length;
        const other = await rehearse(["switchover", "--env", "prod", "--to", "eu-west-1"], dir, reh);
        expect(other.code).to.equal(2);
        expect(other.stderr).to.match(
            /a failover of prod to eu-west-1 is unfinished \(step scale failed at .*\n  fix: finish it first: npm run dr -- failover --env prod --to eu-west-1/,
        );
        expect(world(reh).calls.length).to.equal(sent);
    });

    it("a switchover while the primary region is down fails at its first step and says to fail over", async () => {
        const { dir, reh } = await editedWorld((w) => {
            w.down = ["af-south-1"];
        });
        const run = await rehearse(["switchover", "--env", "prod", "--to", "eu-west-1"], dir, reh);
        expect(run.code).to.equal(1);
        expect(run.stdout).to.match(/check .* failed +TimeoutError/);
        expect(calls(reh, "SwitchoverGlobalCluster")).to.deep.equal([]);
    });

    it("a switchover is refused at its check when the replica publishes no lag datapoint: an unknown lag, never 'no lag'", async () => {
        // The DR cluster is being rebuilt: it publishes no AuroraGlobalDBReplicationLag until it replicates again.
        const { dir, reh } = await editedWorld((w) => {
            w.clusters.find((c) => c.region === "eu-west-1")!.awaitingRebuild = true;
        });
        const run = await rehearse(["switchover", "--env", "prod", "--to", "eu-west-1"], dir, reh);
        expect(run.code).to.equal(1);
        expect(run.stdout + run.stderr).to.include(
            "the replica's lag is unknown: no AuroraGlobalDBReplicationLag datapoint in the last 15 min",
        );
        expect(run.stdout + run.stderr).to.include("bbws-aurora-prod-dr is pending-resync, not connected");
        expect(calls(reh, "SwitchoverGlobalCluster")).to.deep.equal([]);
    });

    it("a switchover to a DR cluster with no available instance is refused at its check: nothing to make the writer (RDS API reference, SwitchoverGlobalCluster)", async () => {
        const { dir, reh } = await editedWorld((w) => {
            w.clusters.find((c) => c.region === "eu-west-1")!.instances = [{ id: "bbws-aurora-prod-dr-1", status: "creating" }];
        });
        const run = await rehearse(["switchover", "--env", "prod", "--to", "eu-west-1"], dir, reh);
        expect(run.code).to.not.equal(0);
        expect(run.stdout + run.stderr).to.include(
            "bbws-aurora-prod-dr has no available instance to become the writer (saw bbws-aurora-prod-dr-1 creating)",
        );
        expect(calls(reh, "SwitchoverGlobalCluster")).to.deep.equal([]);
    });
});

describe("dr drill: the files step resumed after its replication back went through but the answer was lost", function () {
    this.timeout(60000);

    it("a rerun finds the replication back in place and finishes (exit 0), in a switchover and the failback after it", async () => {
        const { reh, rehearsal } = prodRehearsal("switchover");
        const lostAnswer = {
            ...rehearsal.port,
            replicateToExisting: async (...a: Parameters<DrPort["replicateToExisting"]>) => {
                await rehearsal.port.replicateToExisting(...a);
                throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
            },
        };
        for (const to of ["eu-west-1", "af-south-1"]) {
            const req = { action: to === "eu-west-1" ? ("switchover" as const) : ("failback" as const), env: "prod", to };
            const first = await runDrCommand(
                req,
                { dryRun: false, approvals: IN_PROCESS_APPROVALS, yes: true },
                inProcessDeps(rehearsal, { port: lostAnswer }),
            );
            expect(first.exitCode, to).to.equal(1);
            const rerun = await runDrCommand(req, { dryRun: false, approvals: IN_PROCESS_APPROVALS, yes: true }, inProcessDeps(rehearsal));
            expect(rerun.exitCode, to).to.equal(0);
        }
        expect(world(reh).efs.map((e) => `${e.source} → ${e.destination}`)).to.deep.equal(["fs-0a1b2c3d4e5f60718 → fs-0d4e5f6a7b8c9d0e1"]);
    });
});

describe("dr drill: Ctrl-C mid-step", function () {
    this.timeout(60000);

    it("records the step as cancelled with the changes it had sent (exit 130), and a rerun continues it", async () => {
        const { reh, rehearsal } = prodRehearsal("switchover");
        const runSettings = readDrSettings(rehearsal.projectDir, "prod");
        const controller = new AbortController();
        // The operator presses Ctrl-C right after the first UpdateService was sent.
        const port = {
            ...rehearsal.port,
            scale: async (...a: Parameters<typeof rehearsal.port.scale>) => (await rehearsal.port.scale(...a), controller.abort()),
        };
        const deps = inProcessDeps(rehearsal, { port, settings: runSettings });
        const approvals = IN_PROCESS_APPROVALS;
        const req = { action: "switchover" as const, env: "prod", to: "eu-west-1" };
        const cancelled = await runDrCommand(req, { dryRun: false, approvals, yes: true, signal: controller.signal }, deps);
        expect(cancelled.exitCode).to.equal(130);
        const scale = records(reh).find((r) => r.step === "scale");
        expect(scale).to.deep.include({ result: "cancelled" });
        expect(scale.data.sent).to.equal("UpdateService bbws-wordpress-aupairhive-dr-prod desiredCount 2");

        const resumed = await runDrCommand(req, { dryRun: false, approvals, yes: true }, { ...deps, port: rehearsal.port });
        expect(resumed.exitCode).to.equal(0);
        expect(resumed.steps.map((s) => s.status)).to.deep.equal([
            "done before",
            "done before",
            "succeeded",
            "succeeded",
            "succeeded",
            "succeeded",
            "succeeded",
            "succeeded",
        ]);
    });
});

describe("README: the DR runbooks' transcripts are these rehearsals' output", function () {
    this.timeout(120000);

    it("matches each generated block", async () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        const generated = await drTranscripts();
        for (const name of TRANSCRIPTS) {
            const block = new RegExp(`<!-- generated:${name} -->\\n\`\`\`text\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- /generated:${name} -->`).exec(
                readme,
            )?.[1];
            expect(block, `README block ${name}; regenerate with: node -r sucrase/register/ts test/rehearsal/dr-readme.ts`).to.equal(
                generated[name],
            );
        }
    });
});

describe("dr status in rehearsal", function () {
    this.timeout(60000);

    it("reports every store ok while the primary serves, and the outage (exit 1) once af-south-1 stops answering", async () => {
        const { dir, reh } = rehearsalDir();
        const healthy = await runDr(["status", "--env", "prod", "--rehearse", "--rehearsal-dir", reh], dir);
        expect(healthy.code, healthy.stdout).to.equal(0);
        expect(healthy.stdout)
            .to.match(/^database lag +0\.8 s \(RPO 15 min\) +ok/m)
            .and.match(/^standby instances +bbws-aurora-prod-dr in eu-west-1: instances 1\/1 available +ok/m)
            .and.match(/^serving \(DNS\) +PRIMARY records point at af-south-1; stack file says af-south-1 +ok/m);
        const w = world(reh);
        w.down = ["af-south-1"];
        fs.writeFileSync(path.join(reh, "aws-world.json"), JSON.stringify(w));
        const outage = await runDr(["status", "--env", "prod", "--rehearse", "--rehearsal-dir", reh, "--json"], dir);
        expect(outage.code).to.equal(1);
        const lines = JSON.parse(outage.stdout).lines as { item: string; verdict: string }[];
        expect(lines.find((l) => l.item === "primary health check")).to.deep.include({ verdict: "bad" });
        expect(
            lines.find((l) => l.item === "database lag"),
            "read in eu-west-1, which still answers",
        ).to.deep.include({ verdict: "ok" });
    });
});

describe("dr status: the standby cluster's instances (bbws:dr.standby.auroraInstances)", function () {
    this.timeout(60000);

    it("is bad (exit 1) when the DR cluster has fewer available instances than configured, naming the cluster, found and needed", async () => {
        const { dir, reh } = await editedWorld((w) => {
            w.clusters.find((c) => c.region === "eu-west-1")!.instances = [{ id: "bbws-aurora-prod-dr-1", status: "creating" }];
        });
        const run = await runDr(["status", "--env", "prod", "--rehearse", "--rehearsal-dir", reh], dir);
        expect(run.code).to.equal(1);
        expect(run.stdout).to.match(
            /^standby instances +bbws-aurora-prod-dr in eu-west-1: instances 0\/1 available \(bbws-aurora-prod-dr-1 creating\) +bad/m,
        );
        expect(calls(reh, "DescribeDBInstances").map((c) => [c.region, c.detail])).to.deep.include([
            "eu-west-1",
            "db-cluster-id bbws-aurora-prod-dr",
        ]);
    });
});

describe("dr switchover across tenant counts and desired counts (fast-check)", function () {
    this.timeout(120000);

    it("scales every standby service to its own count, waits for exactly that many healthy targets, and fences and drains each", async () => {
        const fc = await import("fast-check");
        await fc.assert(
            fc.asyncProperty(
                fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{2,11}$/), { minLength: 1, maxLength: 6 }),
                fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 6, maxLength: 6 }),
                async (tenants, counts) => {
                    const { reh, rehearsal } = prodRehearsal(
                        "switchover",
                        tenants.map((id) => ({ id, minCapacity: 2 })),
                    );
                    const desiredCounts = Object.fromEntries(tenants.map((t, i) => [t, counts[i]]));
                    const outputs = { ...rehearsal.outputs, ecs: { ...rehearsal.outputs.ecs, desiredCounts } };
                    const result = await runDrCommand(
                        { action: "switchover", env: "prod", to: "eu-west-1" },
                        {
                            dryRun: false,
                            approvals: [
                                { role: "tech-lead", name: "a" },
                                { role: "dba", name: "b" },
                                { role: "devops-lead", name: "c" },
                            ],
                            yes: true,
                        },
                        inProcessDeps(rehearsal, { outputs }),
                    );
                    expect(result.exitCode).to.equal(0);
                    const scaled = calls(reh, "UpdateService")
                        .filter((c) => c.region === "eu-west-1")
                        .map((c) => c.detail);
                    expect(scaled).to.deep.equal(
                        [...tenants].sort().map((t) => `bbws-cluster-dr-prod/bbws-wordpress-${t}-dr-prod desiredCount ${desiredCounts[t]}`),
                    );
                    const total = tenants.reduce((n, t) => n + desiredCounts[t], 0);
                    expect(result.steps.find((s) => s.step === "healthy")!.data).to.deep.equal({ healthyTargets: `${total}/${total}` });
                    expect(
                        calls(reh, "UpdateService")
                            .filter((c) => c.region === "af-south-1")
                            .every((c) => c.detail.endsWith("desiredCount 0")),
                    ).to.equal(true);
                    expect(
                        calls(reh, "RegisterScalableTarget").map((c) => `${c.region} ${c.detail}`),
                        "each drained service fenced first",
                    ).to.deep.equal(
                        [...tenants].sort().map((t) => `af-south-1 service/bbws-ecs-prod/bbws-wordpress-${t}-prod 0–0 suspended`),
                    );
                },
            ),
            { numRuns: 15 },
        );
    });
});
