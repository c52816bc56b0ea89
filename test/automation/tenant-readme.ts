/** Rewrites the README's tenant transcript blocks from the command (test/automation/tenant-readme.test.ts checks them): `node -r sucrase/register/ts test/automation/tenant-readme.ts`. */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../support/pulumi";
import { TRANSCRIPTS, tenantTranscript } from "./tenant-transcripts";

void (async () => {
    const file = path.join(PROJECT_DIR, "README.md");
    let readme = fs.readFileSync(file, "utf8");
    for (const [name, argv] of TRANSCRIPTS) {
        const block = new RegExp(`<!-- generated:${name} -->\\n[\\s\\S]*?<!-- /generated:${name} -->`);
        if (!block.test(readme)) throw new Error(`README has no <!-- generated:${name} --> block`);
        const text = await tenantTranscript(argv);
        readme = readme.replace(block, () => `<!-- generated:${name} -->\n\`\`\`\n${text}\n\`\`\`\n<!-- /generated:${name} -->`);
    }
    fs.writeFileSync(file, readme);
})();
