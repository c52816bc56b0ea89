/** The README's tenant runbook transcripts are the command's own output (`--dry-run`, or a `--rehearse` run), not typed by hand. */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { memoryIo } from "../../automation/io";
import { main } from "../../automation/tenant-cli";
import { REMOVE_STEPS } from "../../automation/tenant/steps";
import { TRANSCRIPTS, tenantTranscript } from "./tenant-transcripts";
import { PROJECT_DIR } from "../support/pulumi";

/** The long option names in a `--help` text's Options section, e.g. `env`, `dry-run`. */
function helpOptions(help: string): string[] {
    const section = help.slice(help.indexOf("Options:"), help.indexOf("Examples:"));
    return [...section.matchAll(/^\s+(?:-\w, )?--([a-z-]+)/gm)].map((m) => m[1]).sort();
}

/** The long option names in the README's `npm run tenant` options table (the rows between its heading and the onboarding runbook). */
function tableOptions(readme: string): string[] {
    const section = readme.slice(readme.indexOf("## Tenants: onboarding and offboarding"), readme.indexOf("### Onboarding runbook"));
    return [...section.matchAll(/^\| (?:`-\w`, )?`--([a-z-]+)/gm)].map((m) => m[1]).sort();
}

describe("README: tenant runbook transcripts", function () {
    this.timeout(120000);
    const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");

    it("the npm run tenant options table lists exactly the options --help prints", async () => {
        const io = memoryIo();
        expect(await main(["--help"], io)).to.equal(0);
        const help = helpOptions(io.stdout.join(""));
        expect(help).to.include.members(["env", "id", "domain", "confirm", "rehearsal-dir"]);
        expect(tableOptions(readme)).to.deep.equal(help);
    });

    it("the offboarding runbook lists each remove step on a line of its own, in the order the command runs them", () => {
        // Source: automation/tenant/steps.ts REMOVE_STEPS, the order `npm run tenant -- remove` runs and records.
        const section = readme.slice(readme.indexOf("### Offboarding runbook"), readme.indexOf("<!-- generated:tenant-remove-dry-run -->"));
        const listed = [...section.matchAll(/^ {3}\d+\. `([a-z-]+)`: /gm)].map((m) => m[1]);
        expect(listed).to.deep.equal(REMOVE_STEPS.map((s) => s.id));
    });

    it("names the command that regenerates the transcripts next to them", () => {
        const section = readme.slice(
            readme.indexOf("## Tenants: onboarding and offboarding"),
            readme.indexOf("### What is not covered yet"),
        );
        expect(section).to.include("regenerate them with\n`node -r sucrase/register/ts test/automation/tenant-readme.ts`");
    });

    for (const [name, argv] of TRANSCRIPTS) {
        it(`${name} is exactly what \`npm run tenant -- ${argv.join(" ")}\` prints (on 2026-12-01)`, async () => {
            const block = new RegExp(`<!-- generated:${name} -->\\n\`\`\`\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- /generated:${name} -->`).exec(
                readme,
            )?.[1];
            expect(block, `README block ${name}; regenerate with: node -r sucrase/register/ts test/automation/tenant-readme.ts`).to.equal(
                await tenantTranscript(argv),
            );
        });
    }
});
