import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStackConfig } from "../../automation/stack-files";
import { UsageError } from "../../automation/errors";
import { PROJECT_DIR } from "../support/pulumi";

/** A copy of the project's Pulumi.yaml and stack files, with some stack files' text edited. */
function projectWith(edits: Record<string, (text: string) => string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbws-stack-files-"));
    for (const file of fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi(\.[a-z]+)?\.yaml$/.test(f))) {
        const text = fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
        fs.writeFileSync(path.join(dir, file), (edits[file] ?? ((t: string) => t))(text));
    }
    return dir;
}

describe("what one stack file cannot know: checks across the project's stack files", () => {
    const dirs: string[] = [];
    const project = (edits: Record<string, (text: string) => string>) => {
        const d = projectWith(edits);
        dirs.push(d);
        return d;
    };
    after(() => {
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    it("accepts the project's own stack files", () => {
        for (const env of ["dev", "sit", "prod"]) expect(loadStackConfig(PROJECT_DIR, env).env).to.equal(env);
    });

    it("refuses a VPC range that overlaps another environment's (each environment needs its own range)", () => {
        const dir = project({ "Pulumi.sit.yaml": (t) => t.replace("vpcCidr: 10.20.0.0/16", "vpcCidr: 10.10.0.0/20") });
        expect(() => loadStackConfig(dir, "sit")).to.throw(
            UsageError,
            /bbws:network\.vpcCidr: 10\.10\.0\.0\/20 overlaps dev's 10\.10\.0\.0\/16/,
        );
    });

    it("refuses promoteFrom naming an environment with no stack file", () => {
        const dir = project({ "Pulumi.prod.yaml": (t) => t.replace("promoteFrom: sit", "promoteFrom: sti") });
        expect(() => loadStackConfig(dir, "prod")).to.throw(
            UsageError,
            /bbws:rollout\.promoteFrom: 'sti' is not an environment with a stack file; expected one of: dev, sit/,
        );
    });

    it("refuses an environment promoted from itself", () => {
        const dir = project({ "Pulumi.prod.yaml": (t) => t.replace("promoteFrom: sit", "promoteFrom: prod") });
        expect(() => loadStackConfig(dir, "prod")).to.throw(UsageError, /'prod' is this environment itself/);
    });
});
