/**
 * `npm run tenant -- rotate-salts` against a fake Secrets Manager and ECS: the values it writes (the
 * program's shape), the approval gate, what each step records, resuming at `redeploy` without logging
 * everyone out twice, Ctrl-C, bad input, and the real port's reading of ECS's answers.
 */
import { expect } from "chai";
import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { EXIT } from "../../automation/errors";
import { memoryIo } from "../../automation/io";
import { FileLedger, TenantStepRecord } from "../../automation/ledger";
import { main } from "../../automation/tenant-cli";
import {
    generateSalts,
    planHashOf,
    renderRotation,
    resumePoint,
    RotateSaltsOptions,
    rotationPlan,
    runRotateSalts,
    SALT_ALPHABET,
    SaltsPort,
} from "../../automation/tenant/rotate-salts";
import { deploymentOutcome, serviceFromOutputs, waiterError } from "../../automation/tenant/salts-aws";
import { tenantSaltsSecretName } from "../../src/config";
import { WORDPRESS_SALT_KEYS, WORDPRESS_SALT_LENGTH, WORDPRESS_SALT_SPECIALS } from "../../src/images";
import { PROJECT_DIR } from "../support/pulumi";
import { tempDir } from "../support/temp";

const NOW = Date.parse("2026-12-01T09:00:00Z");
const REQ = { action: "rotate-salts" as const, env: "sit", id: "tutorhub" };
const SERVICE = { cluster: "bbws-ecs-sit", service: "bbws-wordpress-tutorhub-sit" };
/** sit's `bbws:approvals.ecs` is [tech-lead]. */
const APPROVED: RotateSaltsOptions = { dryRun: false, approvals: [{ role: "tech-lead", name: "alice" }], yes: false };

/** A copy of the stack files, a ledger, and a port that records its calls and fails the first `failAt` call. */
function world(failAt?: string, rolloutState = "COMPLETED") {
    const projectDir = tempDir("bbws-salts-");
    for (const f of fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi(\.[^.]+)?\.yaml$/.test(f))) {
        fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(projectDir, f));
    }
    const calls: string[] = [];
    const puts: Array<{ secretId: string; values: Readonly<Record<string, string>> }> = [];
    let failing = failAt;
    const call = (name: string) => {
        calls.push(name);
        if (failing === name) {
            failing = undefined;
            throw new Error(`${name}: connection reset`);
        }
    };
    const port: SaltsPort = {
        serviceOf: async () => SERVICE,
        putSalts: async (secretId, values) => {
            call("put");
            puts.push({ secretId, values });
            return `v${puts.length}`;
        },
        redeploy: async () => {
            call("redeploy");
            return "ecs-svc/1";
        },
        waitSteady: async () => {
            call("wait");
            return { rolloutState, runningCount: 2, desiredCount: 2 };
        },
    };
    const log = new FileLedger(path.join(projectDir, ".rollout"), () => undefined);
    const io = memoryIo();
    const deps = { projectDir, port, log, io, now: () => NOW, operator: async () => "alice@bbws" };
    return { deps, calls, puts, log, io };
}

describe("npm run tenant -- rotate-salts", function () {
    this.timeout(30_000);

    describe("the new values", () => {
        it("are the eight keys wp-config.php defines, 64 characters each, from the alphabet the program's own salts use", () => {
            fc.assert(
                fc.property(fc.infiniteStream(fc.nat()), (draws) => {
                    const values = generateSalts((n) => draws.next().value % n);
                    expect(Object.keys(values)).to.deep.equal([...WORDPRESS_SALT_KEYS]);
                    for (const v of Object.values(values)) {
                        expect(v).to.have.length(WORDPRESS_SALT_LENGTH);
                        for (const c of v) expect(SALT_ALPHABET).to.include(c);
                    }
                }),
            );
        });
        it("never hold a quote, backslash, `$`, backtick, `/` or space (they pass through PHP and shell unescaped)", () => {
            for (const c of `'"\\$\`/ `) expect(SALT_ALPHABET, c).to.not.include(c);
            expect(SALT_ALPHABET).to.have.length(62 + WORDPRESS_SALT_SPECIALS.length);
        });
        it("differ from one rotation to the next (crypto.randomInt by default)", () => {
            expect(generateSalts()).to.not.deep.equal(generateSalts());
        });
    });

    describe("a rotation", () => {
        it("approves, puts new values into the tenant's salts secret, redeploys and waits, recording each step", async () => {
            const w = world();
            const result = await runRotateSalts(REQ, APPROVED, w.deps);
            expect(result.exitCode).to.equal(EXIT.ok);
            expect(w.calls).to.deep.equal(["put", "redeploy", "wait"]);
            expect(w.puts[0].secretId).to.equal(tenantSaltsSecretName("sit", "tutorhub"));
            const records = await w.log.readTenantSteps("sit");
            expect(records.map((r) => [r.action, r.step, r.result])).to.deep.equal([
                ["rotate-salts", "approve", "succeeded"],
                ["rotate-salts", "salts", "succeeded"],
                ["rotate-salts", "redeploy", "succeeded"],
            ]);
            expect(records[1].data).to.deep.equal({ secret: "bbws/sit/tenants/tutorhub/wp-salts", versionId: "v1" });
            // The values themselves are never recorded or printed.
            const written = JSON.stringify(records) + w.io.stderr.join("") + renderRotation(result);
            for (const v of Object.values(w.puts[0].values)) expect(written).to.not.include(v);
            expect(renderRotation(result)).to.include("every user logged in to tutorhub is logged out");
        });
        it("starts a new rotation after a complete one: new values again", async () => {
            const w = world();
            await runRotateSalts(REQ, APPROVED, w.deps);
            await runRotateSalts(REQ, APPROVED, w.deps);
            expect(w.calls).to.deep.equal(["put", "redeploy", "wait", "put", "redeploy", "wait"]);
            expect(w.puts[0].values).to.not.deep.equal(w.puts[1].values);
        });
        it("after a failed redeploy, resumes at redeploy: the secret keeps the values it got, no second logout", async () => {
            const w = world("redeploy");
            const failed = await runRotateSalts(REQ, APPROVED, w.deps);
            expect(failed.exitCode).to.equal(EXIT.failed);
            expect(failed.steps.map((s) => s.status)).to.deep.equal(["succeeded", "succeeded", "failed"]);
            expect(renderRotation(failed)).to.include("running tasks hold the old ones until the service is redeployed");
            const resumed = await runRotateSalts(REQ, APPROVED, w.deps);
            expect(resumed.exitCode).to.equal(EXIT.ok);
            expect(resumed.steps.map((s) => s.status)).to.deep.equal(["succeeded", "done before", "succeeded"]);
            expect(w.puts).to.have.length(1);
        });
        it("after a failed put, starts again at the put (nothing was written, or one unused version)", async () => {
            const w = world("put");
            expect((await runRotateSalts(REQ, APPROVED, w.deps)).exitCode).to.equal(EXIT.failed);
            expect(resumePoint(await w.log.readTenantSteps("sit"), "tutorhub")).to.equal("salts");
            expect((await runRotateSalts(REQ, APPROVED, w.deps)).exitCode).to.equal(EXIT.ok);
            expect(w.calls).to.deep.equal(["put", "put", "redeploy", "wait"]);
        });
        it("fails when the circuit breaker rolled the deployment back, and says where to look", async () => {
            const w = world(undefined, "FAILED");
            const result = await runRotateSalts(REQ, APPROVED, w.deps);
            expect(result.exitCode).to.equal(EXIT.failed);
            expect(result.steps[2].error).to.include("ended FAILED");
        });
        it("is refused (exit 3, recorded, nothing changed) without the ecs phase's roles, and with an approval for another plan", async () => {
            for (const approvals of [[], [{ role: "tech-lead", name: "alice", planHash: "deadbeef" }]]) {
                const w = world();
                const result = await runRotateSalts(REQ, { dryRun: false, approvals, yes: true }, w.deps);
                expect(result.exitCode).to.equal(EXIT.refused);
                expect(w.calls).to.deep.equal([]);
                expect((await w.log.readTenantSteps("sit")).map((r) => r.result)).to.deep.equal(["refused"]);
            }
        });
        it("accepts an approval pinned to the dry run's plan hash", async () => {
            const w = world();
            const hash = planHashOf(rotationPlan("sit", "tutorhub", SERVICE)).slice(0, 12);
            const approvals = [{ role: "tech-lead", name: "alice", planHash: hash }];
            expect((await runRotateSalts(REQ, { dryRun: false, approvals, yes: false }, w.deps)).exitCode).to.equal(EXIT.ok);
        });
        it("stops at Ctrl-C: the step in flight is recorded cancelled (exit 130), no later step starts", async () => {
            const w = world();
            const controller = new AbortController();
            const port = { ...w.deps.port, putSalts: async () => (controller.abort(), Promise.reject(new Error("aborted"))) };
            const result = await runRotateSalts(REQ, APPROVED, { ...w.deps, port, signal: controller.signal });
            expect(result.exitCode).to.equal(130);
            expect(result.steps.map((s) => s.status)).to.deep.equal(["succeeded", "cancelled", "not reached"]);
            const records: TenantStepRecord[] = await w.log.readTenantSteps("sit");
            expect(records.map((r) => [r.step, r.result, r.error?.code])).to.deep.equal([
                ["approve", "succeeded", undefined],
                ["salts", "cancelled", "interrupted"],
            ]);
        });
        it("--dry-run prints each step and its plan, with the plan hash to approve, and changes and records nothing", async () => {
            const w = world();
            const result = await runRotateSalts(REQ, { ...APPROVED, dryRun: true }, w.deps);
            expect(w.calls).to.deep.equal([]);
            expect(await w.log.readTenantSteps("sit")).to.deep.equal([]);
            const text = renderRotation(result);
            expect(text).to.include(
                `--approve tech-lead:<name> (plan sha256 ${planHashOf(rotationPlan("sit", "tutorhub", SERVICE)).slice(0, 12)})`,
            );
            expect(text).to.include("PutSecretValue bbws/sit/tenants/tutorhub/wp-salts");
            expect(text).to.include("every user logged in to tutorhub is logged out");
        });
    });

    describe("the command line", () => {
        it("refuses a tenant the stack file does not have, and flags of add and remove (exit 2, nothing changed)", async () => {
            for (const argv of [
                ["rotate-salts", "--env", "sit", "--id", "nobody", "--rehearse"],
                ["rotate-salts", "--env", "sit", "--id", "tutorhub", "--slot", "3"],
                ["rotate-salts", "--env", "sit", "--id", "tutorhub", "--confirm", "tutorhub"],
                ["rotate-salts", "--env", "nowhere", "--id", "tutorhub"],
            ]) {
                const io = memoryIo();
                const saltsPort = async () => {
                    throw new Error("must not be reached");
                };
                expect(await main(argv, io, { saltsPort }), argv.join(" ")).to.equal(EXIT.usage);
            }
        });
    });

    describe("the real port", () => {
        it("reads the service from the stack outputs, and nothing when the ecs phase has not run", () => {
            const outputs = { ecs: { clusterName: "bbws-ecs-sit", serviceNames: { tutorhub: "bbws-wordpress-tutorhub-sit" } } };
            expect(serviceFromOutputs(outputs, "tutorhub")).to.deep.equal(SERVICE);
            expect(serviceFromOutputs(outputs, "aupairhive")).to.equal(undefined);
            expect(serviceFromOutputs({}, "tutorhub")).to.equal(undefined);
        });
        it("calls the deployment COMPLETED only while it is still the PRIMARY one; a rolled-back one is FAILED", () => {
            const described = (deployments: object[]) => ({ deployments, runningCount: 2, desiredCount: 2 });
            expect(deploymentOutcome(described([{ id: "d1", status: "PRIMARY", rolloutState: "COMPLETED" }]), "d1").rolloutState).to.equal(
                "COMPLETED",
            );
            expect(deploymentOutcome(described([{ id: "d0", status: "PRIMARY", rolloutState: "COMPLETED" }]), "d1").rolloutState).to.equal(
                "FAILED",
            );
        });
        it("turns the SDK waiter's JSON errors into sentences that say the deployment goes on", () => {
            const named = (name: string) => Object.assign(new Error("{...}"), { name });
            expect(waiterError(named("TimeoutError"), SERVICE, "d1", 30 * 60_000).code).to.equal("service-not-steady");
            expect(waiterError(named("AbortError"), SERVICE, "d1", 1).code).to.equal("interrupted");
            expect(waiterError(named("Error"), SERVICE, "d1", 1).code).to.equal("service-gone");
        });
    });
});
