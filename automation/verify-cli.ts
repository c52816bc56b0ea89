/**
 * `npm run verify -- --env <env> [--phase <name>] [--format table|json|markdown]`: runs the
 * post-phase checks against the environment's AWS account on demand. Resource ids come from the
 * stack's outputs, expected values from its config; credentials from the default AWS chain.
 * `main` returns the exit code; only the bin entry at the bottom touches `process`.
 */
import type { STSClient } from "@aws-sdk/client-sts";
import { randomBytes } from "crypto";
import { PHASE_NAMES, PhaseName } from "../src/phases";
import { commandLine, parseCommandLine, phaseOption, PROJECT_DIR, runCommand } from "./cli";
import { EXIT } from "./errors";
import { Io, processIo } from "./io";
import { SUMMARY_FORMATS, SummaryFormat } from "./plan-summary";
import { loadStackConfig } from "./stack-files";
import type { CheckResult, VerifyDeps } from "./verify";
import type { TaskAws } from "./task/aws";

/** Stack outputs grouped by phase (`network`, `database`, …), secrets in the clear. */
export type StackOutputsReader = (projectDir: string, env: string) => Promise<Record<string, unknown>>;

/** What `main` reaches outside the process through; tests replace any of it. */
export interface VerifyCliDeps {
    /** Directory with Pulumi.yaml and the stack files. */
    readonly projectDir: string;
    readonly readOutputs: StackOutputsReader;
    /** An STS client for the stack's region, on the default credential chain. */
    readonly sts: (region: string) => Promise<Pick<STSClient, "send">>;
    /** Clients, probe and retry policy for the checks; default: real ones for the stack's region. */
    readonly verify: Omit<VerifyDeps, "config" | "projectDir">;
    /** `--in-vpc`: the one-off task runner's clients for the stack's region. */
    readonly task: (region: string) => Promise<TaskAws>;
    /** `--in-vpc`: the run's clock and waits (tests replace them). */
    readonly now: () => number;
    readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Reads the outputs through the one Automation API adapter (which runs `pulumi stack output`); loaded only when used. */
export const automationOutputs: StackOutputsReader = async (projectDir, env) =>
    (await (await import("./local-engine")).createLocalEngine({ projectDir, stack: env })).outputs();

const defaultDeps: VerifyCliDeps = {
    projectDir: PROJECT_DIR,
    readOutputs: automationOutputs,
    sts: async (region) => new (await import("@aws-sdk/client-sts")).STSClient({ region }),
    verify: {},
    task: async (region) => (await import("./task/aws")).createTaskAws(region),
    now: () => Date.now(),
    sleep: async (ms, signal) => (await import("./task/follow")).abortableSleep(ms, signal),
};

/** How long the connectivity check's task may take, start to stop: a Fargate task starts in a minute or two. */
const IN_VPC_TIMEOUT_MS = 10 * 60_000;

/**
 * Runs the verify command on `argv` (without `node` and the script); returns 0 when no check failed
 * (warnings allowed), 1 when one did, 2 for a usage or setup error (unknown environment or phase, config
 * error, credentials for another account) printed to `io`. Other errors are bugs and reject.
 */
export async function main(argv: readonly string[], io: Io = processIo(), overrides: Partial<VerifyCliDeps> = {}): Promise<number> {
    const deps = { ...defaultDeps, ...overrides };
    return runCommand(io, async () => {
        const args = await parseCommandLine(
            commandLine(
                argv,
                "npm run verify --",
                "$0 --env <env> [--phase <name>] [--format table|json|markdown]\n\n" +
                    "Checks the environment's resources in AWS against its config: the checks the rollout runs after each phase. " +
                    "Reads only; changes nothing.",
            )
                .option("env", { type: "string", demandOption: true, describe: "Environment (stack): dev, sit or prod" })
                .option("phase", { type: "string", describe: `Only this phase: ${PHASE_NAMES.join(", ")} (default: all, in order)` })
                .option("format", { choices: SUMMARY_FORMATS, default: "table" as SummaryFormat, describe: "Report format" })
                .option("in-vpc", {
                    type: "boolean",
                    default: false,
                    describe: "Also connect to Aurora (TLS) and Redis (TLS, AUTH) from a platform one-off task in the private subnets",
                })
                .example("$0 --env sit", "every check of every phase in sit")
                .example("$0 --env sit --phase database --in-vpc", "the database checks, and the connections from inside the VPC")
                .example("$0 --env prod --phase ecs --format markdown", "the ECS checks of prod, for a ticket")
                .epilogue(
                    "Exit codes: 0 every check passed (warnings allowed), 1 a check failed, " +
                        "2 usage or setup error (unknown environment or phase, no Pulumi CLI, credentials for another account).",
                ),
            argv,
            io,
        );
        if (args === undefined) return EXIT.ok;
        const phase = phaseOption(args.phase);
        const phases: readonly PhaseName[] = phase ? [phase] : PHASE_NAMES;

        const config = loadStackConfig(deps.projectDir, args.env);
        const outputs = await deps.readOutputs(deps.projectDir, args.env);
        // Every check would fail with "not found" against another account: say so once instead.
        const { callerIdentity, checkCaller } = await import("./preflight");
        const caller = await callerIdentity(await deps.sts(config.region));
        checkCaller(caller, config);

        const { verifyPhase } = await import("./verify");
        const { renderVerification, verificationReport } = await import("./verify/report");
        const checks: CheckResult[] = [];
        for (const phase of phases) {
            checks.push(...(await verifyPhase(phase, { env: args.env, outputs }, { ...deps.verify, config })).checks);
        }
        if (args["in-vpc"]) checks.push(...(await inVpc(args.env, outputs, caller.arn, config.region, io, deps)));
        const report = verificationReport(args.env, checks);
        io.out(renderVerification(report, args.format));
        return report.summary.fail > 0 ? EXIT.failed : EXIT.ok;
    });
}

/** Runs the connectivity check as a platform one-off task (recorded in the project's ledger like any other) and reads its two verdicts. */
async function inVpc(
    env: string,
    outputs: Record<string, unknown>,
    operator: string,
    region: string,
    io: Io,
    deps: VerifyCliDeps,
): Promise<CheckResult[]> {
    const [{ readTaskOutputs }, { runOneOffTask }, { IN_VPC_COMMAND, inVpcResults }, { openLedger }, path] = await Promise.all([
        import("./task/contract"),
        import("./task/runner"),
        import("./verify/in-vpc"),
        import("./ledger"),
        import("path"),
    ]);
    const lines: string[] = [];
    io.err(`connecting from inside the VPC: a platform one-off task in ${env}`);
    const result = await runOneOffTask(
        {
            aws: await deps.task(region),
            ledger: openLedger({ kind: "file", dir: path.join(deps.projectDir, ".rollout") }, (w) => io.err(`warning: ${w}`)),
            now: deps.now,
            sleep: deps.sleep,
            randomId: () => randomBytes(3).toString("hex"),
            line: (text) => {
                lines.push(text);
                io.err(`  ${text}`);
            },
            progress: (text) => io.err(`  ${text}`),
            interrupted: async () => "stop",
        },
        {
            env,
            target: { kind: "platform" },
            command: IN_VPC_COMMAND,
            outputs: readTaskOutputs(outputs, env),
            operator,
            timeoutMs: IN_VPC_TIMEOUT_MS,
        },
    );
    return inVpcResults(result, lines);
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
