/**
 * `npm run tenant -- add|remove|migrate-tier|rotate-salts --env <env> --id <id> …`: onboards, offboards or
 * moves one tenant to another isolation tier as recorded, resumable steps (automation/tenant/steps.ts), or rotates its WordPress keys and salts
 * (automation/tenant/rotate-salts.ts). `main` returns the exit code; only the bin entry at
 * the bottom touches `process`. The steps, the stack files and every SDK are loaded after the
 * arguments are parsed, so `--help` answers at once.
 */
import * as path from "path";
import { commandLine, exitWhenSettled, parseCommandLine, PROJECT_DIR, runCommand } from "./cli";
import { EXIT, UsageError } from "./errors";
import { Io, processIo } from "./io";
import { Engine, reusedEngines } from "./engine";
import type { TenantTier } from "../src/tiers";
import type { LedgerLocation } from "./ledger";
import type { Cancellation, TenantPort } from "./tenant/port";
import type { TenantRequest, TenantRunOptions } from "./tenant/steps";
import type { RotateSaltsRequest, SaltsPort } from "./tenant/rotate-salts";
import { cancelOnSignals, CancelMessages } from "./signals";
import { TENANT_TIERS } from "../src/tiers";

/** What the first and a second Ctrl-C do to `npm run tenant`: the step in flight is recorded as cancelled; a second leaves no record. */
export const TENANT_CANCEL_MESSAGES: CancelMessages = {
    cancelling:
        "The step in flight ends (a rollout finishes the operations in flight; a one-off task is stopped or left running, as you answer) " +
        "and is recorded as cancelled; no later step starts. Run the same command again to resume.\n" +
        "  Press Ctrl-C again to exit at once: the step is then not recorded.",
    abandoning: "the step in flight is not recorded; the next run starts it again (every step is safe to re-run).",
};

/** What `main` reaches outside the process through; tests replace any of it. */
export interface TenantCliDeps {
    /** Directory with Pulumi.yaml and the stack files. */
    readonly projectDir: string;
    /** Directory relative paths on the command line are resolved against. */
    readonly cwd: string;
    readonly createEngine: (env: string) => Promise<Engine>;
    /** The port for a real environment in `region` (automation/tenant/real-port.ts); rollouts write to `ledger` when given. */
    readonly port: (
        region: string,
        createEngine: (env: string) => Promise<Engine>,
        io: Io,
        ledgerLocation: LedgerLocation,
        ledger: string | undefined,
        cancellation: Cancellation,
    ) => Promise<TenantPort>;
    /** The Secrets Manager and ECS calls of `rotate-salts` in `region` (automation/tenant/salts-aws.ts). */
    readonly saltsPort: (region: string, createEngine: (env: string) => Promise<Engine>) => Promise<SaltsPort>;
    readonly now: () => number;
    /** Aborted on the first SIGINT/SIGTERM (the bin entry's `cancelOnSignals`). */
    readonly signal?: AbortSignal;
    /** Set while a rollout's update or a task runs: what a second signal prints before exiting. */
    readonly inFlight?: { lastWords?: () => string };
}

const defaultDeps: TenantCliDeps = {
    projectDir: PROJECT_DIR,
    cwd: process.cwd(),
    createEngine: async (env) => (await import("./local-engine")).createLocalEngine({ projectDir: PROJECT_DIR, stack: env }),
    port: async (region, createEngine, io, ledgerLocation, ledger, cancellation) =>
        (await import("./tenant/real-port")).realTenantPort(region, createEngine, io, ledgerLocation, ledger, cancellation),
    saltsPort: async (region, createEngine) => (await import("./tenant/salts-aws")).realSaltsPort(region, createEngine),
    now: () => Date.now(),
};

function parser(argv: readonly string[]) {
    return commandLine(
        argv,
        "npm run tenant --",
        "$0 add --env <env> --id <id> --slot <n> --cpu <units> --memory <MiB> [--tier <tier>] [--domain <host>[@<zone id>]]…\n" +
            "$0 remove --env <env> --id <id> [--confirm <id>]\n" +
            "$0 migrate-tier --env <env> --id <id> --tier <tier> [--confirm <id>]\n" +
            "$0 rotate-salts --env <env> --id <id>\n\n" +
            "Onboards, offboards or moves one tenant to another isolation tier, or rotates its WordPress keys and salts, step by step, recording each step; " +
            "run the same command again to resume after a failure.",
    )
        .command(
            "add",
            "Onboard a tenant: stack file, rollout (stopped), database user, WordPress install, start, health and HTTPS checks, custom domains",
        )
        .command(
            "remove",
            "Offboard a tenant: stop, archive, confirmation, files, cache keys, retire in the stack file, rollout of the deletes, media expiry, database user",
        )
        .command(
            "migrate-tier",
            "Move a tenant to a more isolated tier (basic to premium or enterprise; premium to enterprise): into enterprise a check before the stop, then stop, export, tier change and its rollout, its database moved to its own cluster and compared, import of its files, start, health and HTTPS checks, and the shared copy dropped once confirmed",
        )
        .command(
            "rotate-salts",
            "New WordPress keys and salts for the tenant, then a redeployment of its service: every logged-in user is logged out",
        )
        .demandCommand(1, 1, "name the action: add, remove, migrate-tier or rotate-salts")
        .option("env", { type: "string", demandOption: true, describe: "Environment (stack): dev, sit or prod" })
        .option("id", {
            type: "string",
            demandOption: true,
            describe: "The tenant's id: its subdomain <id>.<domain> and the name of its resources",
        })
        .option("slot", { type: "number", describe: "add: the tenant's permanent number (listener rule priority, POSIX id 20000 + slot)" })
        .option("cpu", { type: "number", describe: "add: Fargate task cpu units (256, 512, 1024, …)" })
        .option("memory", { type: "number", describe: "add: task memory in MiB, a Fargate size for the cpu" })
        .option("domain", {
            type: "string",
            array: true,
            default: [] as string[],
            describe:
                "add: a custom hostname besides <id>.<domain>, name (its owner's DNS zone) or name@<hosted zone id> (our Route 53 zone) (repeatable, at most 2)",
        })
        .option("tier", {
            type: "string",
            choices: TENANT_TIERS,
            describe:
                'add: the new tenant\'s isolation tier (default basic); migrate-tier: the tier to move the tenant to (README "Isolation tiers", "Tier changes are migrations")',
        })
        .option("confirm", {
            type: "string",
            describe:
                "remove: the tenant's id, confirming the deletion of its files, secrets and database; migrate-tier into enterprise: the id, confirming the drop of its old schema on the shared cluster",
        })
        .option("approve", {
            type: "string",
            array: true,
            default: [] as string[],
            describe: "Approval for each rollout, as role:name (repeatable; see npm run rollout -- --help)",
        })
        .option("yes", { type: "boolean", default: false, describe: "Apply each rollout without asking where no role must approve" })
        .option("dry-run", {
            type: "boolean",
            default: false,
            describe: "Print every step and what it would change or delete; change nothing",
        })
        .option("json", { type: "boolean", default: false, describe: "Print the steps' outcome as JSON instead of a table" })
        .option("ledger", { type: "string", describe: "Ledger: a directory (default <project>/.rollout) or s3://bucket/prefix" })
        .option("rehearse", {
            type: "boolean",
            default: false,
            describe: "Rehearse on a copy of the stack files with the scripted engine and AWS doubles: nothing in AWS changes",
        })
        .option("rehearsal-dir", {
            type: "string",
            describe: "With --rehearse: the rehearsal folder to use or continue (e.g. remove after add)",
        })
        .example(
            "$0 add --env sit --id newco --slot 3 --cpu 512 --memory 1024 --approve tech-lead:alice --approve dba:bob",
            "onboard newco",
        )
        .example(
            "$0 add --env sit --id bigco --slot 4 --cpu 1024 --memory 2048 --tier enterprise --dry-run",
            "what onboarding bigco with its own VPC and Aurora cluster would create",
        )
        .example("$0 remove --env sit --id newco --dry-run", "what offboarding newco would delete")
        .example("$0 migrate-tier --env sit --id newco --tier premium --dry-run", "what moving newco to its own VPC would do")
        .example("$0 rotate-salts --env prod --id newco --approve tech-lead:alice --approve devops-lead:bob", "log everyone out of newco")
        .epilogue(
            "Exit codes: 0 succeeded or nothing to do; 1 a step failed (run the same command again to resume);\n" +
                "            2 usage or config error, nothing changed; 3 refused (a rollout's gate, or no confirmation);\n" +
                "            130 interrupted (Ctrl-C): the step in flight is recorded as cancelled; run the same command again to resume.",
        );
}

type Args = Awaited<ReturnType<ReturnType<typeof parser>["parseAsync"]>>;

/**
 * `npm run tenant`: parses `argv`, refuses bad input (exit 2, nothing changed), then runs the steps.
 * Returns the exit code (see the epilogue). `overrides` replace what it reaches outside the process.
 */
export async function main(argv: readonly string[], io: Io, overrides: Partial<TenantCliDeps> = {}): Promise<number> {
    return runCommand(io, async () => {
        const args = (await parseCommandLine(parser(argv), argv, io)) as Args | undefined;
        if (args === undefined) return EXIT.ok;
        const given = { ...defaultDeps, ...overrides };
        // One engine per stack for the command's reads of the stack (dozens between its rollouts); each rollout,
        // run through `npm run rollout`'s own main, still creates its own.
        const deps = { ...given, createEngine: reusedEngines(given.createEngine) };
        const { request, options } = await toRequest(args);
        const { parseLedgerLocation, openLedger } = await import("./ledger");
        const location: LedgerLocation | undefined = args.ledger === undefined ? undefined : parseLedgerLocation(args.ledger, deps.cwd);
        const { loadStackConfig } = await import("./stack-files");
        // Validated where the operator wrote it, before a rehearsal copies it.
        const cfg = loadStackConfig(deps.projectDir, request.env);

        if (request.action === "rotate-salts")
            return rotateSalts(
                request,
                options,
                args,
                location,
                cfg.region,
                cfg.tenants.map((t) => t.id),
                deps,
                io,
            );
        const cancellation: Cancellation = { signal: deps.signal, inFlight: deps.inFlight };
        let port: TenantPort;
        let projectDir = deps.projectDir;
        let operator: () => Promise<string>;
        if (args.rehearse) {
            const { tenantRehearsal } = await import("./tenant/rehearsal-port");
            const rehearsalDir = args["rehearsal-dir"] === undefined ? undefined : path.resolve(deps.cwd, args["rehearsal-dir"]);
            const rehearsal = tenantRehearsal(deps.projectDir, request.env, io, rehearsalDir, cancellation);
            io.err(rehearsal.rehearsal.banner);
            port = rehearsal.port;
            projectDir = rehearsal.rehearsal.projectDir;
            operator = async () => "rehearsal";
        } else {
            port = await deps.port(
                cfg.region,
                deps.createEngine,
                io,
                location ?? { kind: "file", dir: path.join(projectDir, ".rollout") },
                args.ledger,
                cancellation,
            );
            operator = async () => (await (await deps.createEngine(request.env)).whoAmI()).user;
        }
        const where = location ?? { kind: "file" as const, dir: path.join(projectDir, ".rollout") };
        const log = openLedger(where, (warning) => io.err(`warning: ${warning}`));
        const { runTenantCommand, renderTenantRun } = await import("./tenant/steps");
        const result = await runTenantCommand(request, options, {
            projectDir,
            port,
            log,
            io,
            now: deps.now,
            operator,
            signal: deps.signal,
        }).catch((err: unknown) => {
            throw args.rehearse ? inRehearsal(err, request.env) : err;
        });
        io.out(args.json ? JSON.stringify(result, null, 2) : renderTenantRun(result));
        return result.exitCode;
    });
}

/**
 * A refusal for a tenant not deployed, in a rehearsal: a fresh rehearsal starts from an empty stack, so it says how to
 * get one rolled out (an `add` in a rehearsal folder rolls the platform out) instead of the stack file's fix.
 */
function inRehearsal(err: unknown, env: string): unknown {
    if (!(err instanceof UsageError) || err.code !== "not-deployed") return err;
    return new UsageError(
        err.code,
        `${err.message}; a rehearsal starts from an empty stack unless --rehearsal-dir names one rolled out`,
        `onboard a tenant in a rehearsal folder first, which rolls the platform out (npm run tenant -- add --env ${env} --id <new id> ` +
            "--slot <free slot> --cpu 512 --memory 1024 --rehearse --rehearsal-dir <dir> --yes with the approvals its rollouts ask for), " +
            "then run this command again with --rehearsal-dir <dir>",
    );
}

/** `rotate-salts`: its own steps over the Secrets Manager and ECS port (real, or the rehearsal's doubles); its ledger like the other actions'. */
async function rotateSalts(
    request: RotateSaltsRequest,
    options: TenantRunOptions,
    args: Args,
    location: LedgerLocation | undefined,
    region: string,
    tenants: readonly string[],
    deps: TenantCliDeps,
    io: Io,
): Promise<number> {
    const [{ openLedger }, { refuseRotation, runRotateSalts, renderRotation }] = await Promise.all([
        import("./ledger"),
        import("./tenant/rotate-salts"),
    ]);
    // Before a rehearsal folder or an AWS client exists.
    refuseRotation(request, tenants);
    let port: SaltsPort;
    let projectDir = deps.projectDir;
    let operator: () => Promise<string>;
    if (args.rehearse) {
        const { saltsRehearsal } = await import("./tenant/salts-rehearsal");
        const rehearsalDir = args["rehearsal-dir"] === undefined ? undefined : path.resolve(deps.cwd, args["rehearsal-dir"]);
        const rehearsal = saltsRehearsal(deps.projectDir, request.env, io, rehearsalDir);
        io.err(rehearsal.rehearsal.banner);
        port = rehearsal.port;
        projectDir = rehearsal.rehearsal.projectDir;
        operator = async () => "rehearsal";
    } else {
        port = await deps.saltsPort(region, deps.createEngine);
        operator = async () => (await (await deps.createEngine(request.env)).whoAmI()).user;
    }
    const log = openLedger(location ?? { kind: "file", dir: path.join(projectDir, ".rollout") }, (warning) =>
        io.err(`warning: ${warning}`),
    );
    const result = await runRotateSalts(request, options, { projectDir, port, log, io, now: deps.now, operator, signal: deps.signal });
    io.out(args.json ? JSON.stringify(result, null, 2) : renderRotation(result));
    return result.exitCode;
}

/** Every rule about which flags go together, in one place; the tenant's own settings are checked by the config schema. */
export async function toRequest(args: Args): Promise<{ request: TenantRequest | RotateSaltsRequest; options: TenantRunOptions }> {
    // yargs' strict mode and demandCommand leave exactly one of the declared commands here.
    const action = args._[0] as "add" | "remove" | "migrate-tier" | "rotate-salts";
    if (args.rehearse && args.ledger !== undefined) {
        throw new UsageError(
            "rehearsal-ledger",
            `--rehearse keeps its ledger in its own folder and cannot write to --ledger ${args.ledger}`,
            "drop --ledger",
        );
    }
    if (args["rehearsal-dir"] !== undefined && !args.rehearse)
        throw new UsageError("incompatible-flags", "--rehearsal-dir needs --rehearse", "add --rehearse, or drop --rehearsal-dir");
    const { parseApproval } = await import("./rollout-cli");
    const options: TenantRunOptions = {
        dryRun: args["dry-run"],
        approvals: args.approve.map(parseApproval),
        yes: args.yes,
        confirm: args.confirm,
    };
    if (action !== "migrate-tier" && action !== "add" && args.tier !== undefined) {
        throw new UsageError("incompatible-flags", "--tier is for add and migrate-tier", "drop it");
    }
    if (action === "remove" || action === "rotate-salts" || action === "migrate-tier") {
        const extra = (["slot", "cpu", "memory", ...(action === "rotate-salts" ? (["confirm"] as const) : [])] as const).filter(
            (k) => args[k] !== undefined,
        );
        if (extra.length > 0 || args.domain.length > 0) {
            throw new UsageError(
                "incompatible-flags",
                `${action} takes no ${[...extra, ...(args.domain.length ? ["domain"] : [])].map((k) => `--${k}`).join(", ")}`,
                "drop them",
            );
        }
        if (action !== "migrate-tier") return { request: { action, env: args.env, id: args.id }, options };
        if (args.tier === undefined) throw new UsageError("missing-option", "migrate-tier needs --tier", "see --help");
        return { request: { action, env: args.env, id: args.id, tier: args.tier as TenantTier }, options };
    }
    const missing = (["slot", "cpu", "memory"] as const).filter((k) => args[k] === undefined);
    if (missing.length > 0) throw new UsageError("missing-option", `add needs ${missing.map((k) => `--${k}`).join(", ")}`, "see --help");
    if (args.confirm !== undefined) throw new UsageError("incompatible-flags", "--confirm is for remove and migrate-tier", "drop it");
    for (const k of ["slot", "cpu", "memory"] as const) {
        if (!Number.isFinite(args[k])) throw new UsageError("invalid-number", `--${k} must be a number`, "see --help");
    }
    return {
        request: {
            action,
            env: args.env,
            id: args.id,
            slot: args.slot!,
            cpu: args.cpu!,
            memory: args.memory!,
            domains: args.domain,
            tier: (args.tier ?? "basic") as TenantTier,
        },
        options,
    };
}

if (require.main === module) {
    const controller = new AbortController();
    const inFlight: { lastWords?: () => string } = {};
    cancelOnSignals(process, controller, Date.now, TENANT_CANCEL_MESSAGES, () => inFlight.lastWords?.());
    exitWhenSettled(main(process.argv.slice(2), processIo(), { signal: controller.signal, inFlight }));
}
