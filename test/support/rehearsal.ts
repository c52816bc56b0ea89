/**
 * Rehearsal scenarios: the rollout CLI's `main` with the `--rehearse` wiring (the real
 * `LocalWorkspace` adapter over the scripted engine), plus what a test needs to look inside: the
 * argv the SDK issued, the engine's state, the ledger, and a converged state to start from.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PHASES } from "../../src/phases";
import { prepareRehearsal, Rehearsal, REHEARSAL_COMMIT, RehearsalOptions } from "../../automation/rehearse";
import { main } from "../../automation/rollout-cli";
import type { LedgerRecord, TenantStepRecord } from "../../automation/ledger";
import { ArgvRecord, readArgvLog, stateFile, writeScenario, Scenario } from "../../automation/rehearsal-engine/scenario";
import { readState, StackState } from "../../automation/rehearsal-engine/state";
import { memoryIo } from "../../automation/io";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

export type CapturedIo = ReturnType<typeof memoryIo>;

/** Everything the driver printed, both streams. */
export function textOf(io: CapturedIo): string {
    return [...io.stdout, ...io.stderr].join("\n");
}

export interface RunResult {
    readonly code: number;
    readonly io: CapturedIo;
    /** The CLI calls of this run only. */
    readonly calls: ArgvRecord[];
}

export interface Stage extends Rehearsal {
    /** Runs `npm run rollout -- <argv>` in this rehearsal. */
    rollout(argv: readonly string[], options?: { signal?: AbortSignal; io?: CapturedIo }): Promise<RunResult>;
    scenario(scenario: Scenario): void;
    /** Every CLI call so far. */
    calls(): ArgvRecord[];
    state(env?: string): StackState;
    ledger(env?: string): LedgerRecord[];
    /** The tenant step log (`npm run tenant`'s records, ledger.ts `TenantStepRecord`), oldest first; none before the first. */
    tenantSteps(env?: string): TenantStepRecord[];
    /**
     * Brings the stack to where a successful `--phase all` leaves it, quickly: one whole-stack `up`
     * straight through the scripted engine, and a succeeded ledger record per phase.
     */
    converge(): void;
    /** Removes the rehearsal's folder. */
    dispose(): void;
}

/** A fresh rehearsal of `env`; `from` seeds the engine's state (e.g. a converged stack). */
export function stage(env: string, options: RehearsalOptions & { from?: StackState } = {}): Stage {
    const rehearsal = prepareRehearsal(PROJECT_DIR, env, {
        dir: fs.mkdtempSync(path.join(os.tmpdir(), "bbws-rehearsal-test-")),
        ...options,
    });
    if (options.from) fs.writeFileSync(stateFile(rehearsal.engineHome, env), JSON.stringify(options.from));
    // The CLI's default ledger: in the rehearsal's copy of the project.
    const ledgerDir = path.join(rehearsal.projectDir, ".rollout");
    return {
        ...rehearsal,
        async rollout(argv, { signal, io = memoryIo() } = {}) {
            const before = readArgvLog(rehearsal.engineHome).length;
            const code = await main(argv, io, { ...rehearsal.deps, signal, cwd: rehearsal.dir });
            return { code, io, calls: readArgvLog(rehearsal.engineHome).slice(before) };
        },
        scenario: (scenario) => writeScenario(rehearsal.engineHome, { backendUrl: `rehearsal://${rehearsal.engineHome}`, ...scenario }),
        calls: () => readArgvLog(rehearsal.engineHome),
        state: (stack = env) => readState(rehearsal.engineHome, stack)!,
        ledger: (stack = env) => readJsonLines(path.join(ledgerDir, `${stack}.jsonl`)),
        tenantSteps: (stack = env) => readJsonLines(path.join(ledgerDir, `${stack}.tenant-steps.jsonl`)),
        dispose: () => fs.rmSync(rehearsal.dir, { recursive: true, force: true }),
        converge() {
            execFileSync(path.join(rehearsal.pulumiRoot, "bin", "pulumi"), ["up", "--yes", "--skip-preview", "--stack", env], {
                cwd: rehearsal.projectDir,
            });
            const phases = PHASES.filter((p) =>
                readState(rehearsal.engineHome, env)!.deployment.resources.some((r) => phaseOfUrn(r.urn) === p.name),
            );
            const records = phases.map((p): LedgerRecord => ({
                v: 1,
                at: new Date().toISOString(),
                runId: "converge",
                env,
                phase: p.name,
                commit: REHEARSAL_COMMIT,
                dirty: false,
                operator: "rehearsal",
                approvals: [],
                result: "succeeded",
                overrides: [],
                durationsMs: { total: 0 },
            }));
            fs.mkdirSync(ledgerDir, { recursive: true });
            fs.appendFileSync(path.join(ledgerDir, `${env}.jsonl`), records.map((r) => `${JSON.stringify(r)}\n`).join(""));
        },
    };
}

/** Values of a repeatable flag in one argv. */
export function flagValues(argv: readonly string[], flag: string): string[] {
    return argv.flatMap((a, i) => (a === flag && i + 1 < argv.length ? [argv[i + 1]] : []));
}

/** The `preview` and `up` calls, in order. */
export function operations(calls: readonly ArgvRecord[]): ArgvRecord[] {
    return calls.filter((c) => c.argv[0] === "preview" || c.argv[0] === "up");
}

/** The layer a URN lies under, by the phase registry's type tokens; undefined for the root stack and providers. */
export function phaseOfUrn(urn: string): string | undefined {
    const chain = urn.split("::")[2].split("$");
    return PHASES.find((p) => chain.includes(p.type))?.name;
}

/** The records of a JSON-lines ledger file; none when it does not exist yet. */
export function readJsonLines(file: string): any[] {
    return fs.existsSync(file)
        ? fs
              .readFileSync(file, "utf8")
              .split("\n")
              .filter(Boolean)
              .map((l) => JSON.parse(l))
        : [];
}

/** How a rehearsing CLI that was sent signals ended (see `interruptRehearsal`). */
export interface Interrupted {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stderr: string;
    /** The rehearsal's folder, from the banner. */
    readonly dir: string;
    /** From the first signal to the driver's exit. */
    readonly ms: number;
}

/**
 * Starts a rehearsing CLI (`argv`: its script and arguments, under sucrase), makes `slow.resource` slow as soon as the banner names the rehearsal's folder
 * (the engine reads its scenario on every call), and sends `signals` once `slow.line` is printed (the
 * resource is being created), `gapMs` apart. `group`: as a terminal delivers Ctrl-C, to the whole process group (the CLI in a group
 * of its own, `pulumi` in it too), with stdin not a terminal (`< /dev/null`, `docker run -t` without `-i`).
 */
export function interruptRehearsal(
    argv: readonly string[],
    slow: { readonly resource: string; readonly line: string; readonly ms: number },
    signals: readonly NodeJS.Signals[],
    gapMs: number,
    { group = false } = {},
): Promise<Interrupted> {
    const child: ChildProcess = spawn(process.execPath, ["-r", "sucrase/register/ts", ...argv], {
        cwd: PROJECT_DIR,
        stdio: [group ? "ignore" : "pipe", "pipe", "pipe"],
        detached: group,
    });
    const send = (signal: NodeJS.Signals) => (group ? process.kill(-child.pid!, signal) : child.kill(signal));
    let stderr = "";
    let dir = "";
    let sentAt = 0;
    child.stdout!.resume();
    child.stderr!.on("data", (chunk) => {
        stderr += chunk;
        if (!dir && /the temporary folder (\S+), not/.test(stderr)) {
            dir = /the temporary folder (\S+), not/.exec(stderr)![1];
            const engineHome = path.join(dir, "engine");
            writeScenario(engineHome, { backendUrl: `rehearsal://${engineHome}`, slow: { resource: slow.resource, ms: slow.ms } });
        }
        if (!sentAt && stderr.includes(slow.line)) {
            sentAt = Date.now();
            signals.forEach((signal, i) => setTimeout(() => send(signal), i * gapMs));
        }
    });
    return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr, dir, ms: Date.now() - sentAt })));
}
