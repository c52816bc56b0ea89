/**
 * Temporary folders for tests, removed when the test process exits: `npm test` used to leave about
 * eighty under the OS temp directory per run. Exit, not an `after` hook: mocha's parallel workers
 * share nothing with the spec files' suites, and a single file run with `--no-config` has no root
 * hooks, but every one of them ends with its process's `exit` event (workerpool ends a worker with
 * `process.exit`).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const made: string[] = [];

export function tempDir(prefix = "bbws-rollout-"): string {
    if (made.length === 0) process.once("exit", () => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
}
