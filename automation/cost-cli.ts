/**
 * `npm run cost -- --env <env> [--format table|markdown|json] [--compare <git-ref>]`: what an
 * environment costs a month, offline, from the synth's resources and `bbws:cost`'s assumptions.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { commandLine, parseCommandLine, PROJECT_DIR, runCommand } from "./cli";
import { BbwsError, EXIT, UsageError } from "./errors";
import { Io, processIo } from "./io";
import { loadStackConfig } from "./stack-files";
import type { SynthResult } from "./synth";

type Synthesize = (projectDir: string, env: string) => Promise<SynthResult>;
/** The synth of another commit's program for `env`. */
export type SynthesizeAtRef = (projectDir: string, ref: string, env: string) => Promise<SynthResult>;

/** `synth` and `synthAtRef` are injectable so tests can price results they built themselves. */
export async function main(
    argv: string[],
    io: Io = processIo(),
    projectDir = PROJECT_DIR,
    synth?: Synthesize,
    synthAtRef: SynthesizeAtRef = synthesizeAtRef,
): Promise<number> {
    return runCommand(io, async () => {
        const args = await parseCommandLine(
            commandLine(
                argv,
                "npm run cost --",
                "$0 --env <env> [--format table|markdown|json] [--compare <git-ref>]\n\n" +
                    "Estimates what the environment costs a month: every resource the synth lists, priced from automation/cost-prices.json " +
                    "with the usage assumptions of bbws:cost. Needs no AWS account. With --compare, prices another commit's program too and shows what changes.",
            )
                .option("env", { type: "string", demandOption: true, describe: "environment (stack): dev, sit or prod" })
                .option("format", {
                    choices: ["table", "markdown", "json"] as const,
                    default: "table" as const,
                    describe: "a terminal table, Markdown for a pull request, or JSON",
                })
                .option("compare", {
                    type: "string",
                    describe: "a git ref (commit, branch, tag): price its program as 'before' and this checkout's as 'after'",
                }),
            argv,
            io,
        );
        if (args === undefined) return EXIT.ok;
        if (args.compare !== undefined && args.compare.trim() === "") {
            throw new UsageError("usage", "--compare needs a git ref", "name a commit, branch or tag, e.g. --compare origin/main");
        }

        const cfg = loadStackConfig(projectDir, args.env);
        const synthesize = synth ?? (await import("./synth")).synthesize;
        const { estimateCost, diffEstimates, budgetWarning } = await import("./cost");
        const { renderCostReport, renderCostDiff } = await import("./cost-report");
        const options = { region: cfg.region, cost: cfg.cost };
        const after = estimateCost(await synthesize(projectDir, args.env), options);

        if (args.compare === undefined) {
            io.out(args.format === "json" ? JSON.stringify(after, null, 2) : renderCostReport(after, args.format));
        } else {
            // Both sides are priced with this checkout's table and assumptions, so the difference is what the program creates.
            const before = estimateCost(await synthAtRef(projectDir, args.compare, args.env), options);
            const diff = diffEstimates(before, after);
            io.out(args.format === "json" ? JSON.stringify(diff, null, 2) : renderCostDiff(diff, args.compare, args.format));
        }
        const warning = budgetWarning(after);
        if (warning && args.format !== "markdown") io.err(`warning: ${warning}`);
        return EXIT.ok;
    });
}

/**
 * Checks `ref` out into a temporary worktree (node_modules linked to this checkout's), runs that
 * commit's own `synth --json` in a child process and removes the worktree again, whatever happens.
 */
export async function synthesizeAtRef(projectDir: string, ref: string, env: string): Promise<SynthResult> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbws-cost-"));
    const tree = path.join(dir, "tree");
    const git = (...gitArgs: string[]) => execFileSync("git", gitArgs, { cwd: projectDir, stdio: "pipe", encoding: "utf8" });
    try {
        try {
            git("worktree", "add", "--detach", tree, ref);
        } catch (err) {
            throw new UsageError(
                "unknown-ref",
                `--compare ${ref}: git cannot check it out (${lastLine(err)})`,
                "name a commit, branch or tag this clone has (git fetch first)",
            );
        }
        fs.symlinkSync(fs.realpathSync(path.join(projectDir, "node_modules")), path.join(tree, "node_modules"));
        try {
            const out = execFileSync(process.execPath, ["-r", "sucrase/register/ts", "automation/synth-cli.ts", "--env", env, "--json"], {
                cwd: tree,
                stdio: ["ignore", "pipe", "pipe"],
                encoding: "utf8",
                maxBuffer: 256 * 1024 * 1024,
            });
            return JSON.parse(out) as SynthResult;
        } catch (err) {
            throw new BbwsError(
                "compare-synth-failed",
                `--compare ${ref}: that commit's synth of '${env}' failed (${lastLine(err)})`,
                EXIT.failed,
                "run its synth yourself to see why: git worktree add /tmp/x <ref> && cd /tmp/x && npm run synth -- --env <env>",
            );
        }
    } finally {
        try {
            git("worktree", "remove", "--force", tree);
        } catch {
            /* never created */
        }
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function lastLine(err: unknown): string {
    const stderr = (err as { stderr?: string | Buffer }).stderr?.toString().trim();
    return (stderr || (err instanceof Error ? err.message : String(err))).split("\n").filter(Boolean).pop() ?? "no output";
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
