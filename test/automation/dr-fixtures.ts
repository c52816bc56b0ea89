/**
 * A project folder for the dr command's tests: this repository's Pulumi.yaml and stack files (prod
 * with its own `bbws:dr` block), and a fixed clock.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { memoryIo } from "../../automation/io";
import { main, DrCliDeps } from "../../automation/dr-cli";
import { PROJECT_DIR } from "../support/pulumi";

/** The rehearsals' clock: the README transcripts are taken at this instant. */
export const REHEARSAL_NOW = Date.parse("2026-12-01T10:00:00Z");

/** Both rehearsed clusters' engine version: prod's `bbws:database.engineVersion` (the schema's default). */
export const ENGINE_VERSION = "8.0.mysql_aurora.3.08.2";

/** The approvals prod's phases need for every DR step (bbws:approvals: database, storage, ecs). */
export const PROD_APPROVALS = ["--approve", "tech-lead:alice", "--approve", "dba:bob", "--approve", "devops-lead:carol"];

/** A temporary copy of the project's stack files; a test needing another DR state edits prod's block (YAML Document API). */
export function drProject(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbws-dr-project-"));
    for (const f of fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi(\.[a-z]+)?\.yaml$/.test(f))) {
        fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(dir, f));
    }
    return dir;
}

/** Runs `npm run dr` in `projectDir` with the fixed clock and no signal handlers; returns the exit code and what it printed. */
export async function runDr(
    argv: readonly string[],
    projectDir: string,
    overrides: Partial<DrCliDeps> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
    const io = memoryIo();
    const code = await main(argv, io, { projectDir, cwd: projectDir, now: () => REHEARSAL_NOW, onSignals: () => undefined, ...overrides });
    return { code, stdout: io.stdout.join("\n"), stderr: io.stderr.join("\n") };
}
