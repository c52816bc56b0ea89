/**
 * `npm run dr -- status|switchover|failover|failback --env <env> [--to <region>] …`: production
 * disaster recovery (issue 17). `status` reads replication and readiness; the three operations run
 * gated, recorded, resumable steps (automation/dr/steps.ts). `main` returns the exit code; only the
 * bin entry at the bottom touches `process`. The steps, the stack files and every SDK are loaded after
 * the arguments are parsed, so `--help` answers at once.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { commandLine, exitWhenSettled, parseCommandLine, PROJECT_DIR, runCommand } from "./cli";
import { EXIT, UsageError } from "./errors";
import { Io, processIo } from "./io";
import type { Engine } from "./engine";
import type { Approval, DrAction } from "./ledger";
import type { DrPort } from "./dr/port";

/** What `main` reaches outside the process through; tests replace any of it. */
export interface DrCliDeps {
    /** Directory with Pulumi.yaml and the stack files. */
    readonly projectDir: string;
    /** Directory relative paths on the command line are resolved against. */
    readonly cwd: string;
    readonly createEngine: (env: string) => Promise<Engine>;
    /** The real AWS port (automation/dr/aws.ts). */
    readonly port: () => Promise<DrPort>;
    /**
     * The AWS account of the credentials (STS GetCallerIdentity asked in `region`), checked against
     * `aws:allowedAccountIds`. Missing or broken credentials reject with a `UsageError` (`aws-credentials`, exit 2).
     */
    readonly account: (region: string) => Promise<string>;
    /** Rolls phases out through `npm run rollout` (failback's rebuild); its exit code. */
    readonly rollout: (
        env: string,
        phases: readonly string[],
        approvals: readonly Approval[],
        yes: boolean,
        io: Io,
        ledger?: string,
    ) => Promise<number>;
    readonly commitStackFile: (file: string, message: string) => Promise<string | undefined>;
    readonly now: () => number;
    /** Ctrl-C and SIGTERM abort `controller`; tests abort it themselves. */
    readonly onSignals: (controller: AbortController, io: Io) => void;
}

const defaultDeps: DrCliDeps = {
    projectDir: PROJECT_DIR,
    cwd: process.cwd(),
    createEngine: async (env) => (await import("./local-engine")).createLocalEngine({ projectDir: PROJECT_DIR, stack: env }),
    port: async () => (await import("./dr/aws")).awsDrPort(),
    account: async (region) => {
        const { STSClient } = await import("@aws-sdk/client-sts");
        return (await (await import("./preflight")).callerIdentity(new STSClient({ region }))).account;
    },
    rollout: async (env, phases, approvals, yes, io, ledger) => {
        const { main: rollout } = await import("./rollout-cli");
        const argv = [
            "--env",
            env,
            "--phase",
            phases.join(","),
            ...approvals.flatMap((a) => ["--approve", `${a.role}:${a.name}`]),
            ...(yes ? ["--yes"] : []),
            ...(ledger ? ["--ledger", ledger] : []),
        ];
        return rollout(argv, io);
    },
    commitStackFile: async (file, message) => (await import("./tenant/real-port")).commitStackFile(file, message),
    now: () => Date.now(),
    onSignals: (controller) => {
        void import("./signals").then(({ cancelOnSignals }) =>
            cancelOnSignals(process, controller, Date.now, {
                cancelling:
                    "the step under way stops at its next AWS call or wait and is recorded as cancelled, with the changes it had sent.\n" +
                    "  Press Ctrl-C again to exit at once (the step is then not recorded).",
                abandoning: "the step under way is not recorded; `npm run dr -- status` shows where AWS stands.",
            }),
        );
    },
};

const ACTIONS = ["status", "switchover", "failover", "failback"] as const;

function parser(argv: readonly string[]) {
    return commandLine(
        argv,
        "npm run dr --",
        "$0 status --env <env>\n" +
            "$0 switchover --env <env> --to <standby region> [--approve role:name]…\n" +
            "$0 failover --env <env> --to <standby region> [--primary-is-down] [--detach-and-promote] [--approve role:name]…\n" +
            "$0 failback --env <env> --to <primary region> [--approve role:name]…\n\n" +
            "Disaster recovery between the stack's region and bbws:dr.region: each step is gated, shown before it runs and recorded;\n" +
            "run the same command again to continue after a failed or cancelled step.",
    )
        .command("status", "Replication lag per store, the standby's readiness, which region serves")
        .command("switchover", "Planned move to the standby region, no data loss: managed global database switchover, services, DNS")
        .command("failover", "The primary region is down: managed global database failover (accepting its lag), services, DNS")
        .command("failback", "Back to the primary region once Aurora has rebuilt it as a secondary: a switchover in reverse")
        .demandCommand(1, 1, `name the action: ${ACTIONS.join(", ")}`)
        .option("env", { type: "string", demandOption: true, describe: "Environment (stack) with bbws:dr configured: prod" })
        .option("to", {
            type: "string",
            describe: "The region that serves afterwards (switchover, failover: the standby; failback: the primary)",
        })
        .option("approve", {
            type: "string",
            array: true,
            default: [] as string[],
            describe: "Approval as role:name (repeatable): each step needs the roles bbws:approvals names for the phases it touches",
        })
        .option("yes", {
            type: "boolean",
            default: false,
            describe: "Run each step without asking at the terminal (the approvals still gate it)",
        })
        .option("dry-run", {
            type: "boolean",
            default: false,
            describe: "Show every step, its gate and what it would do; change and record nothing",
        })
        .option("primary-is-down", {
            type: "boolean",
            default: false,
            describe: "failover: go ahead although Route 53's health check does not find the primary unhealthy (recorded as an override)",
        })
        .option("detach-and-promote", {
            type: "boolean",
            default: false,
            describe:
                "failover: the manual failover (RemoveFromGlobalCluster) when the managed one cannot be used; failback then is manual (README)",
        })
        .option("outputs", {
            type: "string",
            describe:
                "A saved `pulumi stack output --stack <env> --json` to read instead of the state, when the state or its secrets provider is in the region that is down (README)",
        })
        .option("json", { type: "boolean", default: false, describe: "Print the result as JSON instead of tables" })
        .option("ledger", { type: "string", describe: "Ledger: a directory (default <project>/.rollout) or s3://bucket/prefix" })
        .option("rehearse", {
            type: "boolean",
            default: false,
            describe: "Rehearse with AWS doubles and scripted timings on a copy of the stack file: nothing in AWS changes",
        })
        .option("rehearsal-dir", {
            type: "string",
            describe: "With --rehearse: the rehearsal folder to use or continue (e.g. failback after failover)",
        })
        .example("$0 status --env prod", "replication lag, standby readiness, which region serves")
        .example("$0 switchover --env prod --to eu-west-1 --dry-run", "the steps of a planned switchover and their gates")
        .example(
            "$0 failover --env prod --to eu-west-1 --approve tech-lead:alice --approve dba:bob --approve devops-lead:carol",
            "fail over",
        )
        .epilogue(
            "Exit codes: 0 succeeded (status: nothing bad); 1 a step failed (status: something is bad) — run the same command again to continue;\n" +
                "            2 usage or config error, nothing changed; 3 a step's gate refused (an approval missing); 130 cancelled (Ctrl-C).",
        );
}

type Args = Awaited<ReturnType<ReturnType<typeof parser>["parseAsync"]>>;

/**
 * `pulumi stack output --json` saved to `file` (an object of output name → value), for `--outputs`.
 * Throws `UsageError` `outputs-file` (exit 2) when it cannot be read or is not a JSON object; its
 * content is then checked like the engine's outputs (`readDrOutputs`).
 */
export function readSavedOutputs(file: string): Record<string, unknown> {
    const fix = "pass the file `pulumi stack output --stack <env> --json` wrote";
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new UsageError("outputs-file", `cannot read --outputs ${file}: ${(err as Error).message}`, fix);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new UsageError("outputs-file", `--outputs ${file} is not a JSON object of stack outputs`, fix);
    }
    return parsed as Record<string, unknown>;
}

/** The request and options, every rule about which flags go together in one place; refusals are `UsageError` (exit 2). */
export async function toDrRequest(args: Args): Promise<{
    action: DrAction | "status";
    to?: string;
    approvals: Approval[];
    primaryIsDown: boolean;
    detachAndPromote: boolean;
}> {
    const action = args._[0] as DrAction | "status";
    const failoverOnly = (["primary-is-down", "detach-and-promote"] as const).filter((k) => args[k]);
    if (action !== "failover" && failoverOnly.length > 0) {
        throw new UsageError(
            "incompatible-flags",
            `${failoverOnly.map((k) => `--${k}`).join(", ")} only go with failover, not ${action}`,
            "drop them",
        );
    }
    const flags = { primaryIsDown: args["primary-is-down"], detachAndPromote: args["detach-and-promote"] };
    if (args.rehearse && args.outputs !== undefined) {
        throw new UsageError(
            "incompatible-flags",
            "--outputs reads a real stack's saved outputs; a rehearsal builds its own",
            "drop one of them",
        );
    }
    if (args.rehearse && args.ledger !== undefined) {
        throw new UsageError(
            "rehearsal-ledger",
            `--rehearse keeps its ledger in its own folder and cannot write to --ledger ${args.ledger}`,
            "drop --ledger",
        );
    }
    if (args["rehearsal-dir"] !== undefined && !args.rehearse) {
        throw new UsageError("incompatible-flags", "--rehearsal-dir needs --rehearse", "add --rehearse, or drop --rehearsal-dir");
    }
    if (action === "status") {
        const extra = (["to", "dry-run", "yes"] as const).filter((k) => args[k] !== undefined && args[k] !== false);
        if (extra.length > 0 || args.approve.length > 0) {
            throw new UsageError(
                "incompatible-flags",
                `status only reads: it takes no ${[...extra, ...(args.approve.length ? ["approve"] : [])].map((k) => `--${k}`).join(", ")}`,
                "drop them",
            );
        }
        return { action, approvals: [], ...flags };
    }
    if (args.to === undefined || args.to.trim() === "") {
        throw new UsageError("missing-option", `${action} needs --to <region>: the region that serves afterwards`, "see --help");
    }
    const { parseApproval } = await import("./rollout-cli");
    return { action, to: args.to, approvals: args.approve.map(parseApproval), ...flags };
}

/**
 * `npm run dr`: parses `argv`, refuses bad input (exit 2, nothing changed or recorded), then reports
 * the status or runs the operation's steps. Returns the exit code (see the epilogue).
 */
export async function main(argv: readonly string[], io: Io, overrides: Partial<DrCliDeps> = {}): Promise<number> {
    return runCommand(io, async () => {
        const args = (await parseCommandLine(parser(argv), argv, io)) as Args | undefined;
        if (args === undefined) return EXIT.ok;
        const deps = { ...defaultDeps, ...overrides };
        const request = await toDrRequest(args);
        const { readDrSettings, requireDr } = await import("./dr/config");
        const settings = readDrSettings(deps.projectDir, args.env);
        const dr = requireDr(settings);
        const { parseLedgerLocation, openLedger } = await import("./ledger");
        const location = args.ledger === undefined ? undefined : parseLedgerLocation(args.ledger, deps.cwd);
        const { readDrOutputs } = await import("./dr/contract");
        // Bad input is refused before any AWS or engine call (a rehearsal checks its own copy of the stack file, in runDrCommand).
        if (request.action !== "status" && !args.rehearse)
            (await import("./dr/sides")).direction(request.action, request.to!, settings, dr);

        let port: DrPort;
        let projectDir = deps.projectDir;
        let outputs;
        let ledgerDir = path.join(deps.projectDir, ".rollout");
        let rollout = (env: string, phases: readonly string[], approvals: readonly Approval[], yes: boolean) =>
            deps.rollout(env, phases, approvals, yes, io, args.ledger);
        let commit = deps.commitStackFile;
        let operator: () => Promise<string>;
        if (args.rehearse) {
            const { prepareDrRehearsal } = await import("./dr/rehearsal");
            const { loadStackConfig } = await import("./stack-files");
            const cfg = loadStackConfig(deps.projectDir, args.env);
            const rehearsal = prepareDrRehearsal(
                deps.projectDir,
                settings,
                dr.region,
                cfg.tenants,
                cfg.domain,
                cfg.database.engineVersion,
                request.action,
                io,
                deps.now(),
                args["rehearsal-dir"] === undefined ? undefined : path.resolve(deps.cwd, args["rehearsal-dir"]),
            );
            io.err(rehearsal.banner);
            ({ port, projectDir, outputs, ledgerDir } = rehearsal);
            rollout = (env, phases) => rehearsal.rollout(env, phases);
            commit = async () => undefined;
            operator = async () => "rehearsal";
        } else {
            // Asked in the region being moved to (the standby's for status): during an outage the primary
            // region's STS endpoint may not answer, and the AWS profile's own region may be that one.
            const account = await deps.account(request.to ?? dr.region);
            if (account !== settings.accountId) {
                throw new UsageError(
                    "wrong-account",
                    `the credentials belong to account ${account}, not ${settings.env}'s ${settings.accountId} (aws:allowedAccountIds)`,
                    `use ${settings.env}'s credentials (AWS_PROFILE, or the CI role)`,
                );
            }
            outputs = readDrOutputs(
                args.outputs === undefined
                    ? await (await deps.createEngine(args.env)).outputs()
                    : readSavedOutputs(path.resolve(deps.cwd, args.outputs)),
                args.env,
            );
            port = await deps.port();
            // With saved outputs the Pulumi backend may be the part that is down: the login name stands in for `pulumi whoami`.
            operator =
                args.outputs === undefined
                    ? async () => (await deps.createEngine(args.env).then((e) => e.whoAmI())).user
                    : async () => `${os.userInfo().username} (local user: --outputs)`;
        }
        const rehearsedSettings = args.rehearse ? (await import("./dr/config")).readDrSettings(projectDir, args.env) : settings;
        const current = requireDr(rehearsedSettings);

        if (request.action === "status") {
            const { drStatus, renderDrStatus } = await import("./dr/status");
            const status = await drStatus(rehearsedSettings, current, outputs, port);
            io.out(args.json ? JSON.stringify(status, null, 2) : renderDrStatus(status));
            return status.lines.some((l) => l.verdict === "bad") ? EXIT.failed : EXIT.ok;
        }

        const log = openLedger(location ?? { kind: "file", dir: ledgerDir }, (warning) => io.err(`warning: ${warning}`));
        const controller = new AbortController();
        if (!args["dry-run"]) deps.onSignals(controller, io);
        const { runDrCommand } = await import("./dr/steps");
        const { renderDrRun, objectivesOf, timelineOf } = await import("./dr/report");
        const result = await runDrCommand(
            { action: request.action, env: args.env, to: request.to! },
            {
                dryRun: args["dry-run"],
                approvals: request.approvals,
                yes: args.yes,
                signal: controller.signal,
                primaryIsDown: request.primaryIsDown,
                detachAndPromote: request.detachAndPromote,
            },
            {
                projectDir,
                settings: rehearsedSettings,
                outputs,
                port,
                log,
                io,
                operator,
                rollout,
                commitStackFile: commit,
            },
        );
        const targets = current.replication;
        io.out(
            args.json
                ? JSON.stringify(
                      { ...result, timeline: timelineOf(result.steps), objectives: objectivesOf(result.action, result.steps, targets) },
                      null,
                      2,
                  )
                : renderDrRun(result, targets),
        );
        return result.exitCode;
    });
}

if (require.main === module) {
    exitWhenSettled(main(process.argv.slice(2), processIo()));
}
