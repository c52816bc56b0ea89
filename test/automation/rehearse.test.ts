/**
 * `npm run rollout -- … --rehearse`: the real CLI entry point, with nothing injected, runs against the
 * scripted engine in a throw-away folder under a banner, and leaves the project's own ledger alone.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { memoryIo } from "../../automation/io";
import { main } from "../../automation/rollout-cli";
import { PROJECT_DIR, textOf } from "../support/rehearsal";

/** The project's real ledger file for an environment, as bytes (absent: empty). */
function realLedger(env: string): string {
    const file = path.join(PROJECT_DIR, ".rollout", `${env}.jsonl`);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
}

describe("rollout --rehearse", function () {
    this.timeout(60_000);
    let code: number;
    let io: ReturnType<typeof memoryIo>;
    let ledgerBefore: string;

    before(async () => {
        ledgerBefore = realLedger("dev");
        io = memoryIo();
        code = await main(["--env", "dev", "--phase", "network", "--yes", "--rehearse"], io);
    });

    it("rolls the phase out, exit code 0", () => {
        expect(code, textOf(io)).to.equal(0);
        expect(textOf(io)).to.include("network: succeeded");
    });

    it("says first, before anything else, that nothing in AWS changes and where the throw-away folder is", () => {
        expect(io.stderr[0]).to.match(/^REHEARSAL — nothing in AWS changes\./);
        expect(io.stderr[0]).to.match(/are in \S*bbws-rehearsal-dev-\S+ and are thrown away/);
    });

    it("answers preflight with doubles that say what they are: the scripted backend and a rehearsal role", () => {
        expect(textOf(io)).to.match(/backend rehearsal:\/\/\S+ as rehearsal/);
        expect(textOf(io)).to.include("assumed-role/rehearsal-no-aws/rehearsal");
        expect(textOf(io)).to.include("not verified: a rehearsal changes nothing in AWS");
    });

    it("keeps its ledger in the throw-away folder, not the project's", () => {
        const folder = /are in (\S+) and are thrown away/.exec(io.stderr[0])![1];
        expect(fs.readFileSync(path.join(folder, "project", ".rollout", "dev.jsonl"), "utf8")).to.include('"result":"succeeded"');
        expect(realLedger("dev")).to.equal(ledgerBefore);
    });
});
