/**
 * `npm run rollout -- --env <env> --phase <phase|all> [...]`: options declared once, checked in one
 * place, then preflight and the phase loop. `main` returns the exit code; only the bin entry at the
 * bottom touches `process`. Everything heavy (the Pulumi SDK, the AWS SDK, the loop itself) is loaded
 * after the arguments are parsed, so `--help` answers at once.
 */
import * as path from "path";
import { isPhaseName, PHASE_NAMES, PhaseName } from "../src/phases";
import { commandLine, exitWhenSettled, parseCommandLine, PROJECT_DIR, runCommand } from "./cli";
import { EXIT, UsageError } from "./errors";
import type { Approval, LedgerLocation } from "./ledger";
import { SUMMARY_FORMATS, SummaryFormat } from "./plan-summary";
import { Io, processIo } from "./io";
import { cancelOnSignals, ROLLOUT_CANCEL_MESSAGES } from "./signals";
import type { RolloutRequest } from "./rollout";
import type { CliDeps } from "./rollout-deps";

const defaultDeps: CliDeps = {
    projectDir: PROJECT_DIR,
    cwd: process.cwd(),
    createEngine: async (env) => (await import("./local-engine")).createLocalEngine({ projectDir: PROJECT_DIR, stack: env }),
    sts: async (region) => new (await import("@aws-sdk/client-sts")).STSClient({ region }),
    // One attempt: the image check retries with verify/retry.ts, the one retry policy, so throttling is seen as such.
    ecr: async (region) => new (await import("@aws-sdk/client-ecr")).ECRClient({ region, maxAttempts: 1 }),
    git: async () => (await import("./preflight")).readGit(PROJECT_DIR),
    verify: async () => (await import("./verify")).verifyPhase,
    now: () => Date.now(),
    quotas: {
        serviceQuotas: async (region) => (await import("./quotas")).serviceQuotasClients(region),
        needs: async (env) => (await import("./quotas")).programQuotaNeeds(PROJECT_DIR, env),
        accountResources: async (region, accountId) => (await import("./quota-usage")).accountResourcesClients(region, accountId),
        accountRoles: async () => (await import("./quota-usage")).accountRolesClient(),
    },
};

function parser(argv: readonly string[]) {
    return commandLine(
        argv,
        "npm run rollout --",
        "$0 --env <env> --phase <phase|all> [--tenant <id>] [options]\n\n" +
            "Previews, gates, applies and verifies the platform one phase at a time, recording every attempt.",
    )
        .option("env", { type: "string", demandOption: true, describe: "Environment (stack): dev, sit or prod" })
        .option("phase", { type: "string", describe: `Phase to roll out: ${PHASE_NAMES.join(", ")}, or all (in that order)` })
        .option("tenant", {
            type: "string",
            describe: "Roll out only this tenant's resources (its tenant component in each phase); --phase defaults to all",
        })
        .option("migrate-tier", {
            type: "string",
            describe:
                "This run is the tier migration of this tenant, as npm run tenant -- migrate-tier runs it after its stop and export: the tier gate lets its tier change (recorded)",
        })
        .option("approve", {
            type: "string",
            array: true,
            default: [] as string[],
            describe: "Approval as role:name, or role:name@<plan sha256 prefix> to approve one reviewed plan (repeatable)",
        })
        .option("yes", { type: "boolean", default: false, describe: "Apply without asking where no role must approve" })
        .option("force-order", {
            type: "boolean",
            default: false,
            describe: "Run a phase although an earlier one has not succeeded (recorded)",
        })
        .option("allow-replace", {
            type: "string",
            array: true,
            default: [] as string[],
            describe: "URN of a stateful resource that may be replaced or deleted (repeatable)",
        })
        .option("resume", {
            type: "boolean",
            default: false,
            describe: "Start from the first phase this commit has not completed (implies --phase all)",
        })
        .option("preview-only", {
            type: "boolean",
            default: false,
            describe: "Preview every phase and show what each gate would decide, refusing nothing and writing no ledger record",
        })
        .option("format", { choices: SUMMARY_FORMATS, default: "table" as SummaryFormat, describe: "Summary format" })
        .option("ledger", { type: "string", describe: "Ledger: a directory (default <project>/.rollout) or s3://bucket/prefix" })
        .option("rehearse", {
            type: "boolean",
            default: false,
            describe: "Rehearse against the scripted test engine in a throw-away folder: nothing in AWS changes",
        })
        .example("$0 --env sit --phase database", "roll out the data layer to sit")
        .example("$0 --env prod --phase all --approve tech-lead:alice --approve dba:bob", "promote every phase to prod")
        .example("$0 --env prod --phase ecs --preview-only --format markdown", "a plan summary for a pull request")
        .example("$0 --env sit --tenant aupairhive --approve tech-lead:alice", "roll out one tenant's resources, phase by phase")
        .example(
            "$0 --env dev --phase all --migrate-tier shop",
            "the tier step of npm run tenant -- migrate-tier for shop (after its export)",
        )
        .epilogue(
            "Exit codes: 0 succeeded; 1 engine or verification failed; 2 usage, config or preflight error (an unknown --tenant too);\n" +
                "            3 refused by a gate (order, promotion, platform, tier, scope, safety, approval; not with --preview-only) or by the policy pack.",
        );
}

type Args = Awaited<ReturnType<ReturnType<typeof parser>["parseAsync"]>>;

/**
 * `npm run rollout`: parses `argv`, then preflight and the phase loop (or a rehearsal with `--rehearse`).
 * Returns the exit code: 0 succeeded, 1 engine or verification failed or cancelled, 2 usage, config or
 * preflight error, 3 refused by a gate or the policy pack. `overrides` replace what it reaches outside the process.
 */
export async function main(argv: readonly string[], io: Io, overrides: Partial<CliDeps> = {}): Promise<number> {
    return runCommand(io, async () => {
        const args = (await parseCommandLine(parser(argv), argv, io)) as Args | undefined;
        if (args === undefined) return EXIT.ok;
        // Every refusal comes before the rehearsal's folder exists, so a usage error leaves nothing behind.
        const req = toRequest(args);
        const { parseLedgerLocation } = await import("./ledger");
        const location = args.ledger === undefined ? undefined : parseLedgerLocation(args.ledger, overrides.cwd ?? defaultDeps.cwd);
        const rehearsal = args.rehearse ? (await import("./rehearse")).rehearse(defaultDeps.projectDir, args.env, io) : {};
        return run(req, location, io, { ...defaultDeps, ...rehearsal, ...overrides });
    });
}

/** Every rule about which flags go together, in one place. */
export function toRequest(args: Args): RolloutRequest {
    // A tenant is one unit: by default all of it, phase by phase.
    const phase = args.phase ?? (args.resume || args.tenant !== undefined ? "all" : undefined);
    if (phase === undefined) throw new UsageError("missing-phase", "--phase is required", `use one of ${PHASE_NAMES.join(", ")} or all`);
    if (args.tenant !== undefined && !TENANT_ID.test(args.tenant)) {
        throw new UsageError(
            "invalid-tenant",
            `--tenant expects a tenant id (a DNS label: lower-case letters, digits and inner hyphens), got '${args.tenant}'`,
            "use an id from the stack file's bbws:tenants",
        );
    }
    const migrateTier = args["migrate-tier"];
    if (migrateTier !== undefined && !TENANT_ID.test(migrateTier)) {
        throw new UsageError(
            "invalid-tenant",
            `--migrate-tier expects a tenant id (a DNS label: lower-case letters, digits and inner hyphens), got '${migrateTier}'`,
            "use the id of the tenant whose tier the stack file changes",
        );
    }
    if (migrateTier !== undefined && args.tenant !== undefined && args.tenant !== migrateTier) {
        throw new UsageError(
            "incompatible-flags",
            `\`--migrate-tier ${migrateTier}\` migrates one tenant and cannot run in \`--tenant ${args.tenant}\`'s rollout`,
            `use --tenant ${migrateTier}, or drop --tenant`,
        );
    }
    if (phase !== "all" && !isPhaseName(phase)) {
        throw new UsageError("unknown-phase", `unknown phase '${phase}'`, `use one of ${PHASE_NAMES.join(", ")} or all`);
    }
    if (args.rehearse && args.ledger !== undefined) {
        throw new UsageError(
            "rehearsal-ledger",
            `--rehearse keeps its ledger in its own temporary folder and cannot write to --ledger ${args.ledger}`,
            "drop --ledger: a rehearsal's records say `succeeded` for phases that never reached AWS, and the order gate of a real ledger " +
                "would count them; a ledger from an earlier rehearsal does not match the empty stack a rehearsal starts from either",
        );
    }
    if (args.resume && phase !== "all") {
        throw new UsageError(
            "incompatible-flags",
            "`--resume` picks the phases itself and cannot be combined with `--phase " + phase + "`",
            "drop --phase, or use --phase all",
        );
    }
    for (const urn of args["allow-replace"]) {
        if (!urn.startsWith("urn:pulumi:")) {
            throw new UsageError(
                "invalid-urn",
                `--allow-replace expects a resource URN, got '${urn}'`,
                "copy the URN from the safety gate's refusal (urn:pulumi:<stack>::<project>::<type chain>::<name>)",
            );
        }
    }
    return {
        env: args.env,
        phase: phase as PhaseName | "all",
        approvals: args.approve.map(parseApproval),
        yes: args.yes,
        forceOrder: args["force-order"],
        allowReplace: args["allow-replace"],
        resume: args.resume,
        previewOnly: args["preview-only"],
        format: args.format,
        ...(args.tenant !== undefined ? { tenant: args.tenant } : {}),
        ...(migrateTier !== undefined ? { migrateTier } : {}),
    };
}

/** The shape of a tenant id (`bbws:tenants[].id` is a DNS label); whether the tenant exists is known only after the preview. */
const TENANT_ID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** `role:name` or `role:name@<sha256 prefix of 8–64 hex digits>` as an `Approval`; anything else is a `UsageError` (exit 2). */
export function parseApproval(text: string): Approval {
    const m = /^([a-z][a-z0-9-]*):([^:@\s]+)(?:@([0-9a-f]{8,64}))?$/.exec(text);
    if (!m) {
        throw new UsageError(
            "invalid-approval",
            `--approve expects role:name or role:name@<plan sha256 prefix>, got '${text}'`,
            "e.g. --approve dba:bob, or --approve dba:bob@3f9a1c0d to approve only the plan you reviewed",
        );
    }
    return { role: m[1], name: m[2], planHash: m[3] };
}

/** `location`: the parsed `--ledger`; absent, the project's `.rollout` folder. */
async function run(req: RolloutRequest, location: LedgerLocation | undefined, io: Io, deps: CliDeps): Promise<number> {
    const [{ loadStackConfig }, { openLedger }, { preflight }, { rollout }, { openStateArchive }] = await Promise.all([
        import("./stack-files"),
        import("./ledger"),
        import("./preflight"),
        import("./rollout"),
        import("./state-archive"),
    ]);
    const cfg = loadStackConfig(deps.projectDir, req.env);
    const where = location ?? { kind: "file", dir: path.join(deps.projectDir, ".rollout") };
    const ledger = openLedger(where, (warning) => io.err(`warning: ${warning}`), deps.s3);

    io.err(`preflight for ${req.env}`);
    const engine = await deps.createEngine(req.env);
    // A preview applies nothing, and a pull request's read-only role may not read Service Quotas.
    const quotas =
        deps.quotas && !req.previewOnly
            ? {
                  serviceQuotas: deps.quotas.serviceQuotas,
                  needs: () => deps.quotas!.needs(req.env),
                  accountResources: deps.quotas.accountResources,
                  accountRoles: deps.quotas.accountRoles,
              }
            : undefined;
    const checked = await preflight(cfg, { engine, sts: deps.sts, git: deps.git, ledger, quotas }, (line) => io.err(`  ${line}`), {
        previewOnly: req.previewOnly,
    });
    return rollout(req, {
        cfg,
        engine,
        ledger,
        io,
        verify: await deps.verify(),
        ecr: deps.ecr,
        now: deps.now,
        git: checked.git,
        operator: checked.backend.user,
        planDir: path.join(deps.projectDir, ".rollout", "plans"),
        states: openStateArchive(where, deps.s3),
        signal: deps.signal,
        inFlight: deps.inFlight,
    });
}

if (require.main === module) {
    const controller = new AbortController();
    const inFlight: { lastWords?: () => string } = {};
    cancelOnSignals(process, controller, Date.now, ROLLOUT_CANCEL_MESSAGES, () => inFlight.lastWords?.());
    exitWhenSettled(main(process.argv.slice(2), processIo(), { signal: controller.signal, inFlight }));
}
