/**
 * The promotion gate after `npm run tenant -- add|remove --env prod`: those commit Pulumi.prod.yaml, a
 * new HEAD that never ran in sit. Judged by its code, it promotes what its parent completed there;
 * a commit that changes any other file does not. Real git commits in a temporary repository.
 */
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promotionGate } from "../../automation/gates";
import { readGit, sameCodeCommits } from "../../automation/preflight";
import { recordOf } from "../support/rollout";
import { tempDir } from "../support/temp";

const ALL = ["network", "database", "storage", "ecs", "monitoring"] as const;

/** A repository with one commit of code; `commit` writes files and commits them, returning the commit. */
function repository() {
    const dir = tempDir("bbws-promotion-");
    const git = (...args: string[]) =>
        execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false", ...args], {
            cwd: dir,
            encoding: "utf8",
        }).trim();
    git("init", "-q", "-b", "main");
    const commit = (files: Record<string, string>, message: string) => {
        for (const [file, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.writeFileSync(path.join(dir, file), text);
        }
        git("add", "-A");
        git("commit", "-q", "--allow-empty", "-m", message);
        return git("rev-parse", "HEAD");
    };
    return { dir, commit };
}

const completedInSit = (commit: string) => ALL.map((p) => ({ ...recordOf("sit", p, "succeeded"), commit }));

describe("promotion of a commit that changed only stack files (npm run tenant in prod)", function () {
    this.timeout(30000);

    it("a commit of Pulumi.prod.yaml alone promotes what its parent completed in sit, walking back over several", async () => {
        const repo = repository();
        const code = repo.commit({ "src/index.ts": "code\n", "Pulumi.prod.yaml": "a: 1\n" }, "code");
        const add = repo.commit({ "Pulumi.prod.yaml": "a: 2\n" }, "tenant add newco (prod)");
        const remove = repo.commit({ "Pulumi.prod.yaml": "a: 3\n", "Pulumi.sit.yaml": "b: 1\n" }, "tenant remove oldco");
        const git = await readGit(repo.dir);
        expect(git.commit).to.equal(remove);
        expect(git.codeCommits).to.deep.equal([remove, add, code]);
        const v = promotionGate.check({
            commit: remove,
            codeCommits: git.codeCommits,
            promoteFrom: "sit",
            inProgram: [...ALL],
            sourceHistory: completedInSit(code),
        });
        expect(v.status, v.findings.join("\n")).to.equal("pass");
        expect(v.findings.join("\n")).to.include(`at ${code.slice(0, 12)}: only stack files changed since`);
    });

    it("stops at a commit that changed code, even beside a stack file, and at the root", async () => {
        const repo = repository();
        const first = repo.commit({ "Pulumi.prod.yaml": "a: 1\n" }, "root");
        const code = repo.commit({ "Pulumi.prod.yaml": "a: 2\n", "components/ecs.ts": "x\n" }, "code and config");
        const stack = repo.commit({ "Pulumi.prod.yaml": "a: 3\n" }, "config");
        expect(await sameCodeCommits(repo.dir, stack)).to.deep.equal([stack, code]);
        expect(await sameCodeCommits(repo.dir, first)).to.deep.equal([first]);
        // A stack file anywhere but the project's root is not one of ours.
        const nested = repo.commit({ "examples/Pulumi.prod.yaml": "x\n" }, "example");
        expect(await sameCodeCommits(repo.dir, nested)).to.deep.equal([nested]);
    });

    it("still fails when only an earlier code commit ran in sit: the code changed since", async () => {
        const repo = repository();
        const old = repo.commit({ "src/index.ts": "v1\n" }, "v1");
        repo.commit({ "src/index.ts": "v2\n" }, "v2");
        const head = repo.commit({ "Pulumi.prod.yaml": "a: 1\n" }, "tenant add");
        const git = await readGit(repo.dir);
        const v = promotionGate.check({
            commit: head,
            codeCommits: git.codeCommits,
            promoteFrom: "sit",
            inProgram: [...ALL],
            sourceHistory: completedInSit(old),
        });
        expect(v.status).to.equal("fail");
    });

    it("ignores a list of same-code commits that does not start at the commit being judged", () => {
        const v = promotionGate.check({
            commit: "c".repeat(40),
            codeCommits: ["d".repeat(40), "e".repeat(40)],
            promoteFrom: "sit",
            inProgram: [...ALL],
            sourceHistory: completedInSit("e".repeat(40)),
        });
        expect(v.status).to.equal("fail");
    });
});
