/**
 * `--help` and bad usage answer before anything heavy loads: importing @pulumi/pulumi costs about a
 * second and the AWS SDK more, so every command loads them only after its arguments are parsed.
 * How fast `--help` answers is a benchmark (README), not a test: it depends on the machine's load.
 */
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { memoryIo } from "../../automation/io";
import { PROJECT_DIR } from "../support/pulumi";

const COMMANDS = fs
    .readdirSync(path.join(PROJECT_DIR, "automation"))
    .filter((f) => f.endsWith("-cli.ts"))
    .map((f) => f.replace(/\.ts$/, ""));

describe("every command answers --help without loading Pulumi or the AWS SDK", function () {
    this.timeout(60000);

    it("covers each command in automation/", () => {
        expect(COMMANDS).to.include.members(["synth-cli", "rollout-cli", "verify-cli", "drift-cli", "cost-cli", "task-cli", "tenant-cli"]);
    });

    for (const command of COMMANDS) {
        it(`${command}: --help answers with exit 0 and no @pulumi or @aws-sdk module loaded`, () => {
            const script =
                `require('./automation/${command}').main(['--help'], require('./automation/io').memoryIo())` +
                ".then((code) => console.log(code, Object.keys(require.cache).filter((k) => /@pulumi|@aws-sdk/.test(k)).length))";
            expect(execFileSync("node", ["-r", "sucrase/register/ts", "-e", script], { cwd: PROJECT_DIR }).toString().trim()).to.equal(
                "0 0",
            );
        });
    }
});

describe("every command's usage errors", function () {
    this.timeout(60000);

    for (const command of COMMANDS) {
        const main = (argv: string[], io: ReturnType<typeof memoryIo>): Promise<number> =>
            require(`../../automation/${command}`).main(argv, io);

        it(`${command}: -h is --help`, async () => {
            const [short, long] = [memoryIo(), memoryIo()];
            expect(await main(["-h"], short)).to.equal(0);
            expect(await main(["--help"], long)).to.equal(0);
            expect(short.stdout.join(""))
                .to.equal(long.stdout.join(""))
                .and.match(/-h, --help/);
        });

        it(`${command}: names an unknown flag even when a required one is missing (yargs checks required ones first)`, async () => {
            const io = memoryIo();
            expect(await main(["--bogus"], io)).to.equal(2);
            expect(io.stderr.join("")).to.match(/^error: Unknown argument: bogus\n/);
        });
    }
});
