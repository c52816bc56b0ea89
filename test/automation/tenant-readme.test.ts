/** The README's tenant runbook transcripts are the command's own output (`--dry-run`, or a `--rehearse` run), not typed by hand. */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { memoryIo } from "../../automation/io";
import { main } from "../../automation/tenant-cli";
import { PROJECT_DIR } from "../support/pulumi";

const TRANSCRIPTS: Array<[string, string[]]> = [
    [
        "tenant-add-dry-run",
        [
            "add",
            "--env",
            "sit",
            "--id",
            "newco",
            "--slot",
            "3",
            "--cpu",
            "512",
            "--memory",
            "1024",
            "--domain",
            "www.newco.example",
            "--dry-run",
        ],
    ],
    ["tenant-remove-dry-run", ["remove", "--env", "sit", "--id", "tutorhub", "--dry-run", "--rehearse"]],
    ["tenant-rotate-salts-rehearsal", ["rotate-salts", "--env", "sit", "--id", "tutorhub", "--rehearse", "--approve", "tech-lead:alice"]],
];

describe("README: tenant runbook transcripts", function () {
    this.timeout(120000);
    const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");

    for (const [name, argv] of TRANSCRIPTS) {
        it(`${name} is exactly what \`npm run tenant -- ${argv.join(" ")}\` prints (on 2026-12-01)`, async () => {
            const io = memoryIo();
            expect(await main(argv, io, { now: () => Date.parse("2026-12-01T09:00:00Z") })).to.equal(0);
            const block = new RegExp(`<!-- generated:${name} -->\\n\`\`\`\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- /generated:${name} -->`).exec(
                readme,
            )?.[1];
            expect(block).to.equal(`$ npm run tenant -- ${argv.join(" ")}\n${io.stdout.join("").trimEnd()}`);
        });
    }
});
