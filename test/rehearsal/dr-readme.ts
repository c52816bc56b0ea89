/** Rewrites the README's DR transcript blocks from the rehearsals (test/rehearsal/dr.test.ts checks them): `node -r sucrase/register/ts test/rehearsal/dr-readme.ts`. */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../support/pulumi";
import { drTranscripts, TRANSCRIPTS } from "./dr-transcripts";

void drTranscripts().then((generated) => {
    const file = path.join(PROJECT_DIR, "README.md");
    let readme = fs.readFileSync(file, "utf8");
    for (const name of TRANSCRIPTS) {
        const block = new RegExp(`<!-- generated:${name} -->\\n[\\s\\S]*?<!-- /generated:${name} -->`);
        if (!block.test(readme)) throw new Error(`README has no <!-- generated:${name} --> block`);
        readme = readme.replace(
            block,
            () => `<!-- generated:${name} -->\n\`\`\`text\n${generated[name]}\n\`\`\`\n<!-- /generated:${name} -->`,
        );
    }
    fs.writeFileSync(file, readme);
});
