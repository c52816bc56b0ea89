/**
 * `npm run drift -- --env <env|all> [--format table|json|markdown] [--out FILE] [--ignore PATTERN…]`:
 * refreshes each stack in preview-only mode (the state is never written) and reports what changed
 * outside Pulumi. `main` returns the exit code; only the bin entry at the bottom touches `process`.
 */
import * as fs from "fs";
import * as path from "path";
import { cancelOnSignals } from "./signals";
import { commandLine, exitWhenSettled, parseCommandLine, PROJECT_DIR, runCommand } from "./cli";
import { driftReport, DriftFailure, DriftFormat, DriftReport, renderDrift } from "./drift";
import type { Engine, EngineEvent } from "./engine";
import { BbwsError, describeError, EXIT, UsageError } from "./errors";
import { Io, processIo } from "./io";
import { SUMMARY_FORMATS } from "./plan-summary";
import { listEnvironments, loadStackConfig } from "./stack-files";

/** What `main` reaches outside the process through; tests replace any of it. */
export interface DriftDeps {
    /** Directory with Pulumi.yaml and the stack files. */
    readonly projectDir: string;
    /** Directory a relative `--out` is resolved against. */
    readonly cwd: string;
    readonly createEngine: (env: string) => Promise<Engine>;
    readonly signal?: AbortSignal;
}

const defaultDeps: DriftDeps = {
    projectDir: PROJECT_DIR,
    cwd: process.cwd(),
    createEngine: async (env) => (await import("./local-engine")).createLocalEngine({ projectDir: PROJECT_DIR, stack: env }),
};

/**
 * Runs the drift command on `argv` (without `node` and the script); returns the exit code: 0 no drift,
 * 4 drift found, 1 or 2 (`EXIT`) when an environment could not be checked. Expected failures
 * (`BbwsError`) are printed to `io`; anything else is a bug and rejects.
 */
export async function main(argv: readonly string[], io: Io = processIo(), overrides: Partial<DriftDeps> = {}): Promise<number> {
    const deps = { ...defaultDeps, ...overrides };
    return runCommand(io, async () => {
        const args = await parseCommandLine(
            commandLine(
                argv,
                "npm run drift --",
                "$0 --env <env|all> [options]\n\n" +
                    "Reads every resource of the stack from AWS (pulumi refresh --preview-only: the state is not changed) " +
                    "and reports what was changed outside Pulumi, per phase, secrets masked.",
            )
                .option("env", {
                    type: "string",
                    demandOption: true,
                    describe: "Environment (stack): dev, sit, prod, or all (checked in parallel, stacks selected one at a time)",
                })
                .option("format", { choices: SUMMARY_FORMATS, default: "table" as DriftFormat, describe: "Report format" })
                .option("out", { type: "string", describe: "Write the report to this file instead of stdout" })
                .option("ignore", {
                    type: "string",
                    array: true,
                    default: [] as string[],
                    describe:
                        "Hide known noise (repeatable): RESOURCE, or RESOURCE#PROPERTY to hide only matching properties. " +
                        "RESOURCE matches a URN, type token or logical name; * matches anything, ? one character",
                })
                .example("$0 --env prod", "what changed in prod outside Pulumi")
                .example("$0 --env all --format markdown --out drift.md", "the nightly report")
                .example("$0 --env sit --ignore '*#tags*' --ignore aws:ecs/service:Service", "hide tag changes and the ECS services")
                .epilogue(
                    "Exit codes: 0 no drift, 1 an environment could not be checked, 2 usage or config error " +
                        "(unknown environment, no usable Pulumi CLI), 4 drift found. What --ignore hid is listed in the report.",
                ),
            argv,
            io,
        );
        if (args === undefined) return EXIT.ok;

        const envs = args.env === "all" ? listEnvironments(deps.projectDir) : [args.env];
        // Every stack file is read and validated before any engine starts: a typo fails at once.
        for (const env of envs) loadStackConfig(deps.projectDir, env);
        io.err(`checking ${envs.join(", ")} for drift (refresh --preview-only: the state is not changed)`);

        const select = oneAtATime(deps.createEngine);
        const settled = await Promise.allSettled(
            envs.map((env) => checkEnvironment(env, args.ignore, { ...deps, createEngine: select }, io)),
        );
        const reports: DriftReport[] = [];
        const failures: Array<DriftFailure & { error: BbwsError }> = [];
        settled.forEach((s, i) => {
            if (s.status === "fulfilled") reports.push(s.value);
            else if (s.reason instanceof BbwsError) failures.push({ env: envs[i], message: s.reason.message, error: s.reason });
            else throw s.reason;
        });
        for (const f of failures) io.err(`error: ${f.env}: ${describeError(f.error)}`);

        const text = renderDrift(
            reports,
            failures.map(({ env, message }) => ({ env, message })),
            args.format,
        );
        if (args.out) writeReport(path.resolve(deps.cwd, args.out), text, io);
        else io.out(text);

        const codes = new Set(failures.map((f) => f.error.exitCode));
        if (codes.size) return codes.size === 1 ? [...codes][0] : EXIT.failed;
        return reports.some((r) => r.drifted.length) ? EXIT.drift : EXIT.ok;
    });
}

async function checkEnvironment(env: string, ignore: readonly string[], deps: DriftDeps, io: Io): Promise<DriftReport> {
    const engine = await deps.createEngine(env);
    const events: EngineEvent[] = [];
    const started = Date.now();
    await engine.previewRefresh({ onEvent: (e) => events.push(e), signal: deps.signal });
    const report = driftReport(env, events, ignore);
    io.err(
        `  ${env}: ${report.drifted.length} drifted of ${report.checked} resources` +
            `${report.hidden.length ? `, ${report.hidden.length} hidden by --ignore` : ""} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    return report;
}

/**
 * Creating an engine runs `pulumi stack select`, which rewrites the project's workspace file, and
 * parallel selects in one folder can corrupt it (pulumi/pulumi#8186): they go one at a time. The
 * refreshes still run in parallel, because the SDK names the stack (`--stack`) on every later call and
 * nothing else writes that file. A `PULUMI_HOME` per stack would avoid the clash too, but that folder
 * also holds the backend login and the plugins: each stack would need its own login and downloads.
 */
export function oneAtATime<T>(create: (env: string) => Promise<T>): (env: string) => Promise<T> {
    let last: Promise<unknown> = Promise.resolve();
    return (env) => {
        const next = last.then(() => create(env));
        last = next.catch(() => undefined);
        return next;
    };
}

function writeReport(file: string, text: string, io: Io): void {
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, `${text}\n`);
    } catch (err) {
        throw new UsageError("unwritable-out", `cannot write the report to ${file}: ${(err as Error).message}`);
    }
    io.err(`report written to ${file}`);
}

if (require.main === module) {
    // Ctrl-C stops every refresh preview cleanly; nothing is written to the state either way.
    const controller = new AbortController();
    // `once` would leave execa's signal-exit as the only listener of a second signal (see signals.ts).
    cancelOnSignals(process, controller, Date.now, {
        cancelling: "the refresh previews stop (they change nothing); press Ctrl-C again to stop waiting for pulumi.",
        abandoning: "pulumi is terminated. A refresh preview changes no state.",
    });
    exitWhenSettled(main(process.argv.slice(2), processIo(), { signal: controller.signal }));
}
