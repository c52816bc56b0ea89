/**
 * Scenario 10: no Pulumi CLI, or one older than the driver supports. Either way the rollout stops in
 * preflight with exit code 2 and says how to install a usable CLI; nothing is previewed. And a CLI old
 * enough for the SDK to read events from a file instead of gRPC still rolls out; a missing stack is
 * a usage error; the scripted engine refuses what it does not script.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { memoryIo } from "../../automation/io";
import { createLocalEngine } from "../../automation/local-engine";
import { main } from "../../automation/rollout-cli";
import { flagValues, operations, Stage, stage, textOf } from "../support/rehearsal";

const INSTALL = "curl -fsSL https://get.pulumi.com | sh";

describe("rehearsal: the Pulumi CLI (missing, too old, events in a file) and the stack it is given", function () {
    this.timeout(30_000);
    const stages: Stage[] = [];
    const fresh = (stacks?: string[]) => {
        const s = stage("dev", { stacks });
        stages.push(s);
        return s;
    };
    after(() => stages.forEach((s) => s.dispose()));

    it("with no `pulumi` executable, exits 2 and says how to install one", async () => {
        const dev = fresh();
        const empty = path.join(dev.dir, "no-pulumi");
        fs.mkdirSync(empty);
        const io = memoryIo();
        const code = await main(["--env", "dev", "--phase", "network", "--yes"], io, {
            ...dev.deps,
            createEngine: (stack) => createLocalEngine({ projectDir: dev.projectDir, stack, pulumiRoot: empty }),
        });
        expect(code, textOf(io)).to.equal(2);
        expect(textOf(io)).to.include("no `pulumi` executable found");
        expect(textOf(io)).to.include(INSTALL);
    });

    for (const version of ["v3.150.0", "v3.1.0"]) {
        it(`with CLI ${version}, older than supported, exits 2 and says how to install a newer one, before any preview`, async () => {
            const dev = fresh();
            dev.scenario({ version });
            const run = await dev.rollout(["--env", "dev", "--phase", "network", "--yes"]);
            expect(run.code, textOf(run.io)).to.equal(2);
            expect(textOf(run.io)).to.include(version.slice(1));
            expect(textOf(run.io)).to.include(INSTALL);
            expect(operations(run.calls)).to.deep.equal([]);
        });
    }

    it("with CLI 3.200 (events from a JSON-lines file, not gRPC), a phase previews and applies all the same", async () => {
        const dev = fresh();
        dev.scenario({ version: "v3.200.0" });
        const run = await dev.rollout(["--env", "dev", "--phase", "network", "--yes"]);
        expect(run.code, textOf(run.io)).to.equal(0);
        const logs = operations(run.calls).flatMap((c) => flagValues(c.argv, "--event-log"));
        expect(logs).to.have.length(3);
        for (const log of logs) expect(log).to.match(/eventlog\.txt$/);
        expect(textOf(run.io)).to.match(/network: succeeded/);
        expect(textOf(run.io)).to.match(/created bbws-alb-sg-dev/);
    });

    it("with no stack of that name in the backend, exits 2 and says how to create it", async () => {
        const dev = fresh([]);
        const run = await dev.rollout(["--env", "dev", "--phase", "network", "--yes"]);
        expect(run.code, textOf(run.io)).to.equal(2);
        expect(textOf(run.io)).to.include("pulumi stack init dev");
    });

    it("the scripted engine fails loudly on a command it does not script, so a new SDK call cannot pass unnoticed", () => {
        const dev = fresh();
        const result = spawnSync(path.join(dev.pulumiRoot, "bin", "pulumi"), ["config", "--stack", "dev"], {
            cwd: dev.projectDir,
            encoding: "utf8",
        });
        expect(result.status).to.equal(255);
        expect(result.stderr).to.include("error: the scripted engine does not support 'pulumi config'");
    });
});
