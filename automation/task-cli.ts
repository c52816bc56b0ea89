/**
 * `npm run task -- --env <env> (--tenant <id> | --platform) [--stage <dir>] [--timeout 8h] [--detach] -- <command…>`
 * and `npm run task -- --env <env> --attach <task id>`: runs a one-off Fargate task (a migration, an
 * operator command) with its log streamed and its exit code returned, recorded in the ledger. Options
 * are declared once and checked in one place; `main` returns the exit code; the AWS SDK and Pulumi
 * load only after the arguments are parsed.
 */
import { randomBytes } from "crypto";
import * as path from "path";
import { commandLine, exitWhenSettled, parseCommandLine, PROJECT_DIR, runCommand } from "./cli";
import { EXIT, UsageError } from "./errors";
import { Io, processIo } from "./io";
import type { LedgerLocation } from "./ledger";
import { cancelOnSignals, CancelMessages } from "./signals";
import type { TaskCliDeps } from "./task/deps";
import type { TaskTarget } from "./task/contract";
import type { Interruption } from "./task/follow";
import { DEFAULT_TIMEOUT_MS, formatDuration, MAX_TIMEOUT_MS, parseTimeout } from "./task/run-input";
import type { OneOffTaskResult } from "./task/runner";

const defaultDeps: TaskCliDeps = {
    projectDir: PROJECT_DIR,
    // `npm run` starts scripts in the project folder; INIT_CWD is where the operator typed the command.
    cwd: process.env.INIT_CWD ?? process.cwd(),
    readOutputs: async (projectDir, env) =>
        (await (await import("./local-engine")).createLocalEngine({ projectDir, stack: env })).outputs(),
    aws: async (region) => (await import("./task/aws")).createTaskAws(region),
    now: () => Date.now(),
    sleep: async (ms, signal) => (await import("./task/follow")).abortableSleep(ms, signal),
    randomId: () => randomBytes(3).toString("hex"),
};

/** What Ctrl-C means while a task runs: nothing is lost either way, the task is in AWS. */
export const TASK_CANCEL_MESSAGES: CancelMessages = {
    cancelling:
        "the task is stopped, left running (detach), or you are asked, as --on-signal says (default: ask at a terminal, detach without one). Press Ctrl-C again to exit at once.",
    abandoning: "the task keeps running in AWS and its ledger record says it started.",
};

function parser(argv: readonly string[]) {
    return commandLine(
        argv,
        "npm run task --",
        "$0 --env <env> (--tenant <id> | --platform) [options] -- <command> [args…]\n" +
            "$0 --env <env> --attach <task id>\n\n" +
            "Runs a one-off Fargate task (the migration task definition) for a tenant or the platform, streams its log and exits with " +
            "the container's exit code. The command after -- is passed as an argv list: no shell.",
    )
        .option("env", { type: "string", demandOption: true, describe: "Environment (stack): dev, sit or prod" })
        .option("tenant", {
            type: "string",
            describe: "Run the tenant's task: its database user, cache prefix, secrets and EFS access point",
        })
        .option("platform", {
            type: "boolean",
            default: false,
            describe: "Run the platform's task: spans tenants (master database user), e.g. creating a tenant's MySQL user",
        })
        .option("stage", { type: "string", describe: "Upload this folder's files first; the task finds them under $MIGRATION_STAGE_URI" })
        .option("timeout", {
            type: "string",
            describe: `Stop the task after this long, e.g. 90m, 8h, 1h30m (default ${formatDuration(DEFAULT_TIMEOUT_MS)}, at most ${formatDuration(MAX_TIMEOUT_MS)})`,
        })
        .option("detach", {
            type: "boolean",
            default: false,
            describe: "Return once the task is started and recorded; follow it later with --attach",
        })
        .option("attach", {
            type: "string",
            describe: "Follow a running task by its id: stream its log, wait for its exit code, complete its record",
        })
        .option("on-signal", {
            type: "string",
            choices: ON_SIGNAL,
            describe:
                "What Ctrl-C or SIGTERM does to a running task: stop it (StopTask), detach (it runs on), or ask (default: ask at a terminal, detach without one)",
        })
        .option("json", { type: "boolean", default: false, describe: "Print the result as JSON on stdout (log lines then go to stderr)" })
        .option("ledger", { type: "string", describe: "Ledger: a directory (default <project>/.rollout) or s3://bucket/prefix" })
        .option("rehearse", {
            type: "boolean",
            default: false,
            describe: "Run against the rehearsal's AWS doubles and scripted engine in a throw-away folder: nothing in AWS runs",
        })
        .example("$0 --env sit --tenant aupairhive -- wp search-replace http://old.example https://new.example --all-tables", "")
        .example("$0 --env sit --tenant aupairhive --stage ./backups/aupairhive -- /opt/migration/scripts/import.sh", "")
        .example("$0 --env prod --tenant aupairhive --timeout 8h --detach -- /opt/migration/scripts/import.sh", "")
        .example("$0 --env prod --attach 0f6c2e1d3a9b4c5d8e7f6a5b4c3d2e1f", "")
        .epilogue(
            "Exit codes: the container's exit code when it ran; 1 the task never started (the stopped reason is printed) or an AWS call failed;\n" +
                "            2 usage or setup error (unknown env or tenant, no command, missing stage folder, another account's credentials): nothing started;\n" +
                "            124 stopped by --timeout; 130 stopped by the operator, or detached after Ctrl-C; 0 with --detach once started.",
        );
}

/** `--on-signal`'s choices. */
export const ON_SIGNAL = ["stop", "detach", "ask"] as const;
/** What a signal does to a running task (`--on-signal`). */
export type OnSignal = (typeof ON_SIGNAL)[number];

type Args = Awaited<ReturnType<ReturnType<typeof parser>["parseAsync"]>>;

/** A parsed, checked command line. */
export interface TaskRequest {
    readonly env: string;
    readonly target?: TaskTarget;
    readonly command: readonly string[];
    readonly stage?: string;
    readonly timeoutMs?: number;
    readonly detach: boolean;
    readonly attach?: string;
    readonly json: boolean;
    readonly rehearse: boolean;
    readonly ledger?: string;
    /** `--on-signal`; undefined: ask at a terminal, detach without one. */
    readonly onSignal?: OnSignal;
}

/**
 * `npm run task`: parses `argv` (the command is what follows the first `--`), checks it, then runs or
 * attaches. Returns the exit code (see the epilogue of `--help`). `overrides` replace what it reaches
 * outside the process.
 */
export async function main(argv: readonly string[], io: Io, overrides: Partial<TaskCliDeps> = {}): Promise<number> {
    return runCommand(io, async () => {
        const split = argv.indexOf("--");
        const own = split < 0 ? argv : argv.slice(0, split);
        const args = (await parseCommandLine(parser(own), own, io)) as Args | undefined;
        if (args === undefined) return EXIT.ok;
        const req = toRequest(args, split < 0 ? [] : argv.slice(split + 1));
        const cwd = overrides.cwd ?? defaultDeps.cwd;
        const { parseLedgerLocation } = await import("./ledger");
        const location = req.ledger === undefined ? undefined : parseLedgerLocation(req.ledger, cwd);
        const rehearsal = req.rehearse
            ? await (await import("./rehearse")).rehearseTask(defaultDeps.projectDir, req.env, io, overrides.rehearsal)
            : {};
        return run(req, location, io, { ...defaultDeps, ...rehearsal, ...overrides });
    });
}

/** Every rule about which flags go together, in one place; each refusal is a `UsageError` (exit 2). */
export function toRequest(args: Args, command: readonly string[]): TaskRequest {
    const refuse = (code: string, message: string, fix: string): never => {
        throw new UsageError(code, message, fix);
    };
    if (args.rehearse && args.ledger !== undefined) {
        refuse("rehearsal-ledger", "--rehearse keeps its ledger in its own temporary folder", "drop --ledger: a rehearsed task never ran");
    }
    const timeoutMs = args.timeout === undefined ? undefined : parseTimeout(args.timeout);
    if (args.attach !== undefined) {
        const extra = [
            ...(args.tenant !== undefined ? ["--tenant"] : []),
            ...(args.platform ? ["--platform"] : []),
            ...(args.stage !== undefined ? ["--stage"] : []),
            ...(args.detach ? ["--detach"] : []),
            ...(command.length > 0 ? ["a command after --"] : []),
        ];
        if (extra.length > 0) {
            refuse("incompatible-flags", `--attach follows a task already started: it takes no ${extra.join(", ")}`, "drop them");
        }
        if (!/^(arn:aws[\w-]*:ecs:[^\s]+:task\/[^\s]+\/)?[0-9a-f]{32}$/.test(args.attach)) {
            refuse(
                "invalid-task-id",
                `--attach '${args.attach}' is not an ECS task id`,
                "give the 32-hex-digit id the run printed (or the task's ARN)",
            );
        }
        return {
            env: args.env,
            command: [],
            timeoutMs,
            detach: false,
            attach: args.attach,
            json: args.json,
            rehearse: args.rehearse,
            ledger: args.ledger,
            onSignal: args["on-signal"] as OnSignal | undefined,
        };
    }
    if ((args.tenant === undefined) === !args.platform) {
        refuse(
            "missing-target",
            args.platform ? "--tenant and --platform exclude each other" : "say whose task it is: --tenant <id> or --platform",
            "--tenant runs with one tenant's database user, secrets and files; --platform with the master user, across tenants",
        );
    }
    if (command.length === 0 || command[0] === "") {
        refuse("missing-command", "no command after --", "put the command and its arguments after --, e.g. -- wp plugin list");
    }
    const target: TaskTarget = args.platform ? { kind: "platform" } : { kind: "tenant", tenant: args.tenant! };
    return {
        env: args.env,
        target,
        command,
        stage: args.stage,
        timeoutMs,
        detach: args.detach,
        json: args.json,
        rehearse: args.rehearse,
        ledger: args.ledger,
        onSignal: args["on-signal"] as OnSignal | undefined,
    };
}

async function run(req: TaskRequest, location: LedgerLocation | undefined, io: Io, deps: TaskCliDeps): Promise<number> {
    const [{ loadStackConfig }, { openLedger }, { callerIdentity, checkCaller }, contract, stage, runner] = await Promise.all([
        import("./stack-files"),
        import("./ledger"),
        import("./preflight"),
        import("./task/contract"),
        import("./task/stage"),
        import("./task/runner"),
    ]);
    // Every refusal comes before anything is uploaded or started.
    const cfg = loadStackConfig(deps.projectDir, req.env);
    const target = req.target;
    if (target?.kind === "tenant" && !cfg.tenants.some((t) => t.id === target.tenant)) {
        throw contract.unknownTenant(
            target.tenant,
            req.env,
            cfg.tenants.map((t) => t.id),
        );
    }
    const files = req.stage === undefined ? undefined : stage.listStageFiles(path.resolve(deps.cwd, req.stage));
    const aws = await deps.aws(cfg.region);
    const caller = await callerIdentity(aws.sts);
    checkCaller(caller, cfg);
    const outputs = contract.readTaskOutputs(await deps.readOutputs(deps.projectDir, req.env), req.env);
    const where = location ?? { kind: "file", dir: path.join(deps.projectDir, ".rollout") };
    const ledger = openLedger(where, (warning) => io.err(`warning: ${warning}`));

    const runnerDeps = {
        aws,
        ledger,
        now: deps.now,
        sleep: deps.sleep,
        randomId: deps.randomId,
        pollMs: deps.pollMs,
        partSize: deps.partSize,
        signal: deps.signal,
        line: (text: string) => (req.json ? io.err(text) : io.out(text)),
        progress: (text: string) => io.err(text),
        interrupted: () => onInterruption(req.onSignal, io),
        onStarted: (record: { attach?: string }) => {
            if (deps.inFlight) deps.inFlight.lastWords = () => `follow it again with: ${record.attach}`;
        },
    };
    const result = req.attach
        ? await runner.attachOneOffTask(runnerDeps, { env: req.env, task: req.attach, outputs, timeoutMs: req.timeoutMs })
        : await runner.runOneOffTask(runnerDeps, {
              env: req.env,
              target: req.target!,
              command: req.command,
              outputs,
              operator: caller.arn,
              stage: files,
              timeoutMs: req.timeoutMs ?? DEFAULT_TIMEOUT_MS,
              detach: req.detach,
          });
    io.out(req.json ? JSON.stringify({ env: req.env, ...result }, null, 2) : summary(result));
    return result.exitCode;
}

/**
 * What a signal does, by `--on-signal`: `stop` and `detach` without asking; `ask` (and no
 * `--on-signal`) asks at a terminal and detaches without one (`askStopOrDetach`).
 */
export async function onInterruption(onSignal: OnSignal | undefined, io: Io): Promise<Interruption> {
    if (onSignal === "stop" || onSignal === "detach") {
        io.err(`--on-signal ${onSignal}: ${onSignal === "stop" ? "stopping the task" : "detaching (the task keeps running)"}`);
        return onSignal;
    }
    return askStopOrDetach(io);
}

/** Ctrl-C at a terminal asks; without one (CI, a pipe) the run detaches: the task keeps running and nothing is lost. */
export async function askStopOrDetach(io: Io): Promise<Interruption> {
    if (!io.interactive || !io.prompt) {
        io.err("no terminal to ask: detaching (the task keeps running)");
        return "detach";
    }
    const answer = (await io.prompt("stop the task, or detach and leave it running? [s]top / [d]etach: ")).trim().toLowerCase();
    return answer === "s" || answer === "stop" ? "stop" : "detach";
}

/** The run in one table row, after the log. */
function summary(r: OneOffTaskResult): string {
    const rows = [
        ["run", r.runId ?? "(no ledger record)"],
        ["task", r.taskArn ?? "(none)"],
        ["outcome", r.outcome],
        ...(r.outcome !== "exited" && (r.stopCode || r.stoppedReason)
            ? [["stopped", [r.stopCode, r.stoppedReason].filter(Boolean).join(": ")]]
            : []),
        ...(r.stageUri ? [["staged", r.stageUri]] : []),
        ["exit code", String(r.exitCode)],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}

if (require.main === module) {
    const controller = new AbortController();
    const inFlight: { lastWords?: () => string } = {};
    cancelOnSignals(process, controller, Date.now, TASK_CANCEL_MESSAGES, () => inFlight.lastWords?.());
    exitWhenSettled(main(process.argv.slice(2), processIo(), { signal: controller.signal, inFlight }));
}
