/**
 * Temporary folders for tests: `npm test` used to leave about eighty under the OS temp directory per
 * run. They are removed after each spec file by a root hook (this file is in `.mocharc.json`'s
 * `require`; in parallel mode root hooks run per file, in the worker that ran it), and, for a run
 * with `--no-config`, when the process exits. Exit alone is not enough: mocha's pool ends some of
 * its workers without an `exit` event, and a full run still left a dozen.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const made: string[] = [];
let exitHandler = false;

function removeAll(): void {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function tempDir(prefix = "bbws-rollout-"): string {
    if (!exitHandler) {
        process.once("exit", removeAll);
        exitHandler = true;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
}

/** Mocha's root hook plugin interface. */
export const mochaHooks = { afterAll: removeAll };
