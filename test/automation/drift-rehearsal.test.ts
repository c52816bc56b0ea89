import { expect } from "chai";
import * as fs from "fs";
import { main } from "../../automation/drift-cli";
import { memoryIo } from "../../automation/io";
import { prepareRehearsal } from "../../automation/rehearse";
import { readArgvLog, stateFile, writeScenario } from "../../automation/rehearsal-engine/scenario";
import { StateResource, writeState } from "../../automation/rehearsal-engine/state";
import { PROJECT_DIR } from "../support/pulumi";

/** Through the real LocalWorkspace adapter, with the scripted `pulumi` (automation/rehearsal-engine) as the CLI. */
describe("npm run drift through the Automation API", function () {
    this.timeout(60000);

    it("runs `refresh --preview-only`, reports the drift masked, and leaves the state as it was", async () => {
        const rehearsal = prepareRehearsal(PROJECT_DIR, "sit");
        const provider = "urn:pulumi:sit::bbws-platform::pulumi:providers:aws::default_7_48_0::0f1e2d3c";
        const resource = (chain: string, name: string, outputs: Record<string, unknown>): StateResource => ({
            urn: `urn:pulumi:sit::bbws-platform::${chain}::${name}`,
            custom: true,
            id: `${name}-id`,
            type: chain.split("$").pop()!,
            inputs: outputs,
            outputs,
            provider,
        });
        writeState(rehearsal.engineHome, "sit", [
            resource("bbws:data:DataLayer$aws:rds/cluster:Cluster", "data-aurora", { backupRetentionPeriod: 7, storageEncrypted: true }),
            resource("bbws:network:NetworkLayer$aws:ec2/securityGroup:SecurityGroup", "network-alb-sg", { description: "load balancer" }),
        ]);
        writeScenario(rehearsal.engineHome, {
            backendUrl: `rehearsal://${rehearsal.engineHome}`,
            drift: { "data-aurora": { backupRetentionPeriod: 1, masterUserPassword: "hunter2-from-the-console" } },
        });
        const state = fs.readFileSync(stateFile(rehearsal.engineHome, "sit"), "utf8");

        const io = memoryIo();
        const code = await main(["--env", "sit"], io, { projectDir: rehearsal.projectDir, createEngine: rehearsal.deps.createEngine });

        expect(code).to.equal(4);
        const report = io.stdout.join("\n");
        expect(report).to.match(/database\s+aws:rds\/cluster:Cluster\s+data-aurora\s+backupRetentionPeriod\s+7 → 1/);
        expect(report)
            .to.match(/masterUserPassword\s+\(absent\) → \[secret\]/)
            .and.not.contain("hunter2");
        expect(report).not.to.contain("network-alb-sg");
        const operations = readArgvLog(rehearsal.engineHome)
            .map((c) => c.argv.slice(0, 2).join(" "))
            .filter((op) => /^(up|refresh|destroy)\b/.test(op));
        expect(operations).to.deep.equal(["refresh --preview-only"]);
        expect(fs.readFileSync(stateFile(rehearsal.engineHome, "sit"), "utf8")).to.equal(state);
    });
});
