import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { CONFIG_SCHEMAS } from "../src/config";
import { renderNameRulesTable } from "../automation/aws-name-rules";
import { purgeCacheTaskCommandLine } from "../automation/tenant/scripts";
import { PROJECT_DIR } from "./support/pulumi";

/** Every key path of a schema, arrays and defaults looked through: `network.vpcCidr`, `tenants.slot`, … */
function keyPaths(prefix: string, schema: z.ZodTypeAny): string[] {
    let t = schema;
    for (;;) {
        if (t instanceof z.ZodDefault || t instanceof z.ZodOptional) t = t._def.innerType;
        else if (t instanceof z.ZodEffects) t = t._def.schema;
        else if (t instanceof z.ZodArray) t = t._def.type;
        else break;
    }
    if (!(t instanceof z.ZodObject)) return [prefix];
    return Object.entries(t.shape as Record<string, z.ZodTypeAny>).flatMap(([k, v]) => keyPaths(prefix ? `${prefix}.${k}` : k, v));
}

describe("README", () => {
    const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
    const codeSpans = (readme.match(/`[^`\n]+`/g) ?? []).join(" ");

    it("documents every bbws config key", () => {
        const missing = keyPaths("", CONFIG_SCHEMAS.bbws).filter((key) => !codeSpans.includes(key.split(".").pop()!));
        expect(missing, "keys with no mention in a README code span").to.deep.equal([]);
    });

    it("has exactly the two set-up commands: install and synth offline, then the tests", () => {
        const setup = /## Set up\n\n```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
        const commands = setup
            .trim()
            .split("\n")
            .map((l) => l.replace(/\s+#.*$/, "").trim());
        expect(commands).to.deep.equal(["npm ci && npm run synth -- --env dev", "npm ci && npm test"]);
    });

    it("carries the naming rules table exactly as automation/aws-name-rules.ts renders it", () => {
        const block = /<!-- generated:name-rules -->\n([\s\S]*?)\n<!-- \/generated:name-rules -->/.exec(readme)?.[1];
        expect(
            block,
            "regenerate with: node -r sucrase/register/ts -e 'console.log(require(\"./automation/aws-name-rules.ts\").renderNameRulesTable())'",
        ).to.equal(renderNameRulesTable());
    });

    it("shows the cache flush of one tenant exactly as automation/tenant/scripts.ts builds it (tested in test/automation/tenant-scripts.test.ts)", () => {
        const block = /<!-- generated:purge-cache-task -->\n```sh\n([\s\S]*?)\n```\n<!-- \/generated:purge-cache-task -->/.exec(
            readme,
        )?.[1];
        expect(
            block,
            'regenerate with: node -r sucrase/register/ts -e \'console.log(require("./automation/tenant/scripts.ts").purgeCacheTaskCommandLine("sit", "aupairhive"))\'',
        ).to.equal(purgeCacheTaskCommandLine("sit", "aupairhive"));
    });

    it("names only npm scripts that exist", () => {
        const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).scripts);
        for (const [, name] of readme.matchAll(/npm run (?:-s |--silent )?([a-z][a-z:-]*)/g))
            expect(scripts, `npm run ${name}`).to.include(name);
    });
});
