/**
 * `npm run rollout -- … --rehearse`: the real CLI entry point, with nothing injected, runs against the
 * scripted engine in a throw-away folder under a banner, and leaves the project's own ledger alone;
 * what it refuses, it refuses before that folder exists.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { memoryIo } from "../../automation/io";
import { prepareRehearsal } from "../../automation/rehearse";
import { main } from "../../automation/rollout-cli";
import { PROJECT_DIR, textOf } from "../support/rehearsal";

/** The project's real ledger file for an environment, as bytes (absent: empty). */
function realLedger(env: string): string {
    const file = path.join(PROJECT_DIR, ".rollout", `${env}.jsonl`);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
}

/** The rehearsal's temporary folder, as the banner names it. */
function folderOf(io: ReturnType<typeof memoryIo>): string {
    return /the temporary folder (\S+), not/.exec(io.stderr[0])![1];
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

    after(() => fs.rmSync(folderOf(io), { recursive: true, force: true }));

    it("rolls the phase out, exit code 0", () => {
        expect(code, textOf(io)).to.equal(0);
        expect(textOf(io)).to.include("network: succeeded");
    });

    it("says first, before anything else, that nothing in AWS changes and where its temporary folder is", () => {
        expect(io.stderr[0]).to.match(/^REHEARSAL — nothing in AWS changes\./);
        expect(io.stderr[0]).to.match(/go to the temporary folder \S*bbws-rehearsal-dev-\S+, not to the project/);
    });

    it("answers preflight with doubles that say what they are: the scripted backend and a rehearsal role", () => {
        expect(textOf(io)).to.match(/backend rehearsal:\/\/\S+ as rehearsal/);
        expect(textOf(io)).to.include("assumed-role/rehearsal-no-aws/rehearsal");
        expect(textOf(io)).to.include("not verified: a rehearsal changes nothing in AWS");
    });

    it("keeps its ledger in the throw-away folder, not the project's", () => {
        expect(fs.readFileSync(path.join(folderOf(io), "project", ".rollout", "dev.jsonl"), "utf8")).to.include('"result":"succeeded"');
        expect(realLedger("dev")).to.equal(ledgerBefore);
    });
});

describe("rollout --rehearse: refusals leave nothing behind", () => {
    let tmp: string;
    let saved: string | undefined;
    // os.tmpdir() reads TMPDIR on each call: a private one shows exactly what a refused rehearsal leaves.
    beforeEach(() => {
        saved = process.env.TMPDIR;
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bbws-rehearse-refusals-"));
        process.env.TMPDIR = tmp;
    });
    afterEach(() => {
        process.env.TMPDIR = saved;
        if (saved === undefined) delete process.env.TMPDIR;
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    const refused: Array<[string, string[]]> = [
        ["an unknown phase", ["--env", "dev", "--phase", "dns", "--yes", "--rehearse"]],
        ["an unknown environment", ["--env", "qa", "--phase", "network", "--yes", "--rehearse"]],
        ["a ledger outside the rehearsal", ["--env", "dev", "--phase", "network", "--yes", "--rehearse", "--ledger", "/srv/ledger"]],
    ];
    for (const [what, argv] of refused) {
        it(`refuses ${what} with exit 2 and leaves no temporary folder`, async () => {
            const io = memoryIo();
            expect(await main(argv, io), textOf(io)).to.equal(2);
            expect(fs.readdirSync(tmp)).to.deep.equal([]);
        });
    }

    it("reports an invalid stack file under the operator's own path, not the temporary copy's, and leaves no folder", () => {
        const project = fs.mkdtempSync(path.join(tmp, "project-"));
        fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
        fs.writeFileSync(
            path.join(project, "Pulumi.dev.yaml"),
            fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8").replace("azCount: 2", "azCount: 7"),
        );
        let err: any;
        try {
            prepareRehearsal(project, "dev");
        } catch (e) {
            err = e;
        }
        expect(err).to.include({ code: "invalid-config", exitCode: 2 });
        expect(err.message).to.match(new RegExp(`^${path.join(project, "Pulumi.dev.yaml")}: `));
        expect(fs.readdirSync(tmp)).to.deep.equal([path.basename(project)]);
    });
});
