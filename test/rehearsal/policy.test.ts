/**
 * Scenario 13: the security baseline in every preview and update. A copy of dev's stack file keeps no
 * Redis snapshots (`bbws:cache.snapshotRetentionDays: 0`, which config accepts and ElastiCache.1
 * forbids). The driver passes the pack to every preview and `up`; the engine runs it and fails the
 * preview, so no phase is applied; and an `up` given the pack stops at the violating resource, as the
 * CLI does, having applied only what came before it.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { POLICY_PACK_DIR } from "../../src/policy/dir";
import { BASELINE_PACK_DIR } from "../../automation/rehearsal-engine/policy";
import { flagValues, operations, PROJECT_DIR, Stage, stage, textOf } from "../support/rehearsal";

const NO_SNAPSHOTS = fs
    .readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")
    .replace(/snapshotRetentionDays: \d+/, "snapshotRetentionDays: 0");

describe("rehearsal: the policy pack in every preview and update", function () {
    this.timeout(90_000);

    describe("with a compliant config", () => {
        let dev: Stage;
        after(() => dev.dispose());

        it("passes the pack's absolute path as --policy-pack to every preview and up, and applies as before", async () => {
            dev = stage("dev");
            const run = await dev.rollout(["--env", "dev", "--phase", "network", "--yes"]);
            expect(run.code, textOf(run.io)).to.equal(0);
            const issued = operations(run.calls);
            expect(issued.map((c) => c.argv[0])).to.deep.equal(["preview", "preview", "up"]);
            for (const call of issued) expect(flagValues(call.argv, "--policy-pack")).to.deep.equal([POLICY_PACK_DIR]);
            expect(path.isAbsolute(POLICY_PACK_DIR)).to.equal(true);
        });
    });

    describe("with a mandatory violation (dev keeps no Redis snapshots)", () => {
        let dev: Stage;
        after(() => dev.dispose());
        before(() => {
            dev = stage("dev", { stackFiles: { dev: NO_SNAPSHOTS } });
        });

        it("must not apply anything: the whole-program preview fails, exit 3, naming the policy and the resource", async () => {
            const run = await dev.rollout(["--env", "dev", "--phase", "all", "--yes"]);
            const text = textOf(run.io);
            expect(run.code, text).to.equal(3);
            expect(operations(run.calls).map((c) => c.argv[0])).to.deep.equal(["preview"]);
            expect(text)
                .to.contain("the policy pack reports 1 mandatory violation(s)")
                .and.match(
                    /elasticache-1-backups on urn:pulumi:dev::bbws-platform::.*aws:elasticache\/replicationGroup:ReplicationGroup::data-redis: ElastiCache\.1/,
                );
            expect(dev.state().deployment.resources).to.deep.equal([]);
        });

        it("must not let `pulumi up --policy-pack` touch the violating resource: the update stops there, exit 255", () => {
            let failure: { status: number; stdout: string; stderr: string } | undefined;
            try {
                execFileSync(
                    path.join(dev.pulumiRoot, "bin", "pulumi"),
                    ["up", "--yes", "--skip-preview", "--stack", "dev", "--policy-pack", BASELINE_PACK_DIR],
                    { cwd: dev.projectDir, encoding: "utf8", stdio: "pipe" },
                );
            } catch (err) {
                failure = err as typeof failure;
            }
            expect(failure?.status).to.equal(255);
            expect(failure?.stderr).to.contain("error: update failed");
            expect(failure?.stdout)
                .to.contain("Policy Violations:")
                .and.contain("[mandatory]  bbws-security-baseline v1.0.0  elasticache-1-backups");
            const types = dev.state().deployment.resources.map((r) => r.type);
            expect(types).to.include("bbws:network:NetworkLayer");
            expect(types).not.to.include("aws:elasticache/replicationGroup:ReplicationGroup");
        });

        it("must refuse a policy pack it cannot run, as the CLI refuses a folder without PulumiPolicy.yaml", () => {
            const run = () =>
                execFileSync(path.join(dev.pulumiRoot, "bin", "pulumi"), ["preview", "--stack", "dev", "--policy-pack", dev.dir], {
                    cwd: dev.projectDir,
                    encoding: "utf8",
                    stdio: "pipe",
                });
            expect(run).to.throw(/failed to load Pulumi policy project/);
        });
    });
});
