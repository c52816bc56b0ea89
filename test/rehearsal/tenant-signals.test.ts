/**
 * Ctrl-C during `npm run tenant -- add --rehearse`: a real SIGINT to the CLI's own entry point while the
 * scripted `pulumi` of its rollout step is creating a slow resource. The review found the signal ignored
 * (no `cancelOnSignals`, no signal passed to the rollout); now the rollout cancels, the step is recorded
 * `cancelled`, no later step starts, and the exit is 130 (128 + SIGINT, as a shell reports it).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import type { TenantStepRecord } from "../../automation/ledger";
import { interruptRehearsal, readJsonLines } from "../support/rehearsal";

const SLOW = { resource: "network-flow-logs-role", line: "creating bbws-vpc-flow-logs-sit", ms: 4000 };

describe("rehearsal: a real Ctrl-C (SIGINT) to npm run tenant -- add during its rollout", function () {
    this.timeout(180_000);
    let code: number | null;
    let stderr = "";
    let dir = "";

    before(async () => {
        const argv = [
            "automation/tenant-cli.ts",
            "add",
            "--env",
            "sit",
            "--id",
            "quizcraft",
            "--slot",
            "3",
            "--cpu",
            "256",
            "--memory",
            "512",
        ];
        const run = await interruptRehearsal(
            [...argv, "--rehearse", "--yes", "--approve", "tech-lead:alice", "--approve", "dba:bob"],
            SLOW,
            ["SIGINT"],
            0,
        );
        ({ code, stderr, dir } = run);
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it("says it is cancelling and exits 130 once the rollout has stopped", () => {
        expect(stderr).to.include("SIGINT received: cancelling.");
        expect(code, stderr.slice(-3000)).to.equal(130);
    });

    it("records the rollout step as cancelled, after the config step's success, and starts no later step", () => {
        const steps = readJsonLines(path.join(dir, "project", ".rollout", "sit.tenant-steps.jsonl")) as TenantStepRecord[];
        expect(steps.map((s) => `${s.step}:${s.result}`)).to.deep.equal(["config:succeeded", "rollout:cancelled"]);
        expect(steps[1].error?.code).to.equal("interrupted");
        expect(stderr).to.not.match(/\[3\/\d+\] database/);
        expect(stderr).to.include("run the same command again to resume at rollout");
    });
});
