/**
 * The scripted `pulumi`: a test double that answers the calls the Automation API makes, from a state
 * file and our offline synth, so the driver can be rehearsed through the real `LocalWorkspace`.
 * It logs every argv and fails loudly on any command or flag it does not know.
 *
 * What it does NOT model, so nobody mistakes it for the engine:
 * - no providers and no cloud: "creating" a resource writes the AWS model's answer to the state file;
 *   nothing runs in parallel and nothing takes time unless a scenario says so;
 * - diffs are on top-level inputs, and replacement comes from automation/replacement.ts (the provider's
 *   ForceNew inputs the program sets, at the top level), not from the provider's schema; no
 *   `ignoreChanges`, `replaceOnChanges`, aliases, protect (recorded in the desired state, not acted on), and
 *   deleting first does not change the order, though it replaces the dependents it forces new, targeted or not
 *   (steps.ts), and it is decided as the engine decides it, the program's option or else the provider's request
 *   (delete-first.ts); a create-first replacement that asks for the name its predecessor still holds fails as
 *   AWS's create would (replacement-clash.ts);
 * - dependencies are the program's, recorded by the synth; the state keeps `propertyDependencies` (a delete-first
 *   replacement's cascade reads the old state's, as the engine does) but no options; a `same` step keeps the old
 *   record's dependencies, where the engine writes the program's for a targeted resource;
 * - of the refusals to delete, the engine's (a targeted delete's untargeted dependents) and AWS's for a
 *   resource with deletion protection on (deletion-protection.ts), at the delete step of an update; AWS's
 *   others, such as `DependencyViolation` for a security group still in use, are not modelled, nor the
 *   protected resource's delete at the end of a replacement;
 * - awsx's VPC is one component with no children (the synth cannot see inside it);
 * - under a targeted update the stack outputs are all recomputed, not mixed with old values;
 * - a plan records one operation per resource and is checked step by step, not property by property;
 * - secrets are `[secret]` everywhere, the state is not encrypted, and the lock is a file that `up`
 *   takes and releases (a killed CLI leaves it, as the self-managed backend's does); the service's
 *   lease that expires is not modelled;
 * - `--policy-pack` runs our baseline's rules offline over the program's inputs (policy.ts), not the pack's
 *   CrossGuard code, and only for resources that have a step;
 * - signals only during `up`, and only SIGINT: any other call dies of it, and every call of SIGTERM.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { OpMap, OpType } from "@pulumi/pulumi/automation";
import { movedState, StateRenames } from "./aliases";
import { deletionRefusal } from "./deletion-protection";
import { replacementClash } from "./replacement-clash";
import { desiredState, DesiredState } from "./desired";
import { EventSink, openEventSink, stateMetadata, stepMetadata } from "./events";
import { PolicyFinding, runPolicyPacks } from "./policy";
import { argvLogFile, ENGINE_HOME_VAR, Lock, lockFile, readJson, readScenario, Scenario, stateFile, writeJson } from "./scenario";
import {
    appendHistory,
    CLI_VERSION,
    emptyState,
    PendingOperation,
    readHistory,
    readState,
    StackState,
    StateResource,
    writeState,
} from "./state";
import { changedKeys, computeSteps, Plan, planOf, planViolation, Step, unmetPlan } from "./steps";

/** Exit codes of the CLI (3.227+): 255 for any failure, then these. */
const EXIT = { failed: 255, stackNotFound: 6, unexpectedChanges: 7, cancelled: 8 } as const;

const VALUE_FLAGS = new Set([
    "--stack",
    "--target",
    "--save-plan",
    "--plan",
    "--color",
    "--exec-kind",
    "--event-log",
    "--message",
    "--page-size",
    "--page",
    "--secrets-provider",
    "--policy-pack",
]);
const BOOLEAN_FLAGS = new Set([
    "--non-interactive",
    "--yes",
    "--skip-preview",
    "--json",
    "--show-secrets",
    "--preview-only",
    "--target-dependents",
    "--expect-no-changes",
    "--diff",
    "--suppress-outputs",
    "--suppress-progress",
]);

interface Args {
    readonly words: string[];
    readonly values: Map<string, string[]>;
    readonly booleans: Set<string>;
}

/** A failure the CLI reports with `error: …` on stderr and a non-zero exit code. */
class CliError extends Error {
    constructor(
        message: string,
        readonly exitCode: number = EXIT.failed,
    ) {
        super(message);
    }
}

/**
 * One CLI call (argv without `node` and the script), as bin/pulumi invokes it: logs the argv, then runs
 * the command. A refusal the real CLI would report (`CliError`) goes to stderr as `error: …` and sets
 * `process.exitCode` (255, or 6/7/8 as the CLI does); any other error is a bug in the engine and rejects.
 */
export async function run(argv: string[]): Promise<void> {
    try {
        const home = process.env[ENGINE_HOME_VAR];
        if (!home) throw new CliError(`this is the scripted test engine, not Pulumi: set ${ENGINE_HOME_VAR} to its folder`);
        fs.mkdirSync(home, { recursive: true });
        fs.appendFileSync(argvLogFile(home), `${JSON.stringify({ argv, cwd: process.cwd(), pid: process.pid })}\n`);
        await dispatch(home, parseArgs(argv), readScenario(home));
    } catch (err) {
        if (!(err instanceof CliError)) throw err;
        process.stderr.write(`error: ${err.message}\n`);
        process.exitCode = err.exitCode;
    }
}

function parseArgs(argv: string[]): Args {
    const args: Args = { words: [], values: new Map(), booleans: new Set() };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (VALUE_FLAGS.has(arg)) {
            if (i + 1 >= argv.length) throw new CliError(`flag needs an argument: ${arg}`);
            args.values.set(arg, [...(args.values.get(arg) ?? []), argv[++i]]);
        } else if (BOOLEAN_FLAGS.has(arg)) {
            args.booleans.add(arg);
        } else if (arg.startsWith("-")) {
            throw new CliError(`the scripted engine does not support the flag '${arg}' (in: pulumi ${argv.join(" ")})`);
        } else {
            args.words.push(arg);
        }
    }
    return args;
}

async function dispatch(home: string, args: Args, scenario: Scenario): Promise<void> {
    const command = args.words.join(" ");
    const stack = () => requireStack(home, one(args, "--stack") ?? currentStack(home));
    switch (command) {
        case "version":
            return print(`${scenario.version ?? CLI_VERSION}\n`);
        case "whoami": {
            const who = { user: "rehearsal", organizations: [], url: backendUrl(home, scenario) };
            return print(args.booleans.has("--json") ? `${JSON.stringify(who, null, 4)}\n` : `${who.user}\n`);
        }
        case "stack select": {
            const name = one(args, "--stack") ?? args.words[2];
            requireStack(home, name);
            fs.writeFileSync(path.join(home, "current"), name ?? "");
            return;
        }
        case "stack output": {
            const root = readState(home, stack())!.deployment.resources.find((r) => r.type === "pulumi:pulumi:Stack");
            return print(`${JSON.stringify(root?.outputs ?? {}, null, 2)}\n`);
        }
        case "stack history": {
            const size = Number(one(args, "--page-size") ?? 0);
            const page = Number(one(args, "--page") ?? 1);
            const history = readHistory(home, stack());
            return print(`${JSON.stringify(size ? history.slice((page - 1) * size, page * size) : history, null, 2)}\n`);
        }
        // `--show-secrets` is what `Stack.exportStack()` issues (preflight's pending operations); the copy
        // kept before an `up` is exported without it. Secrets are `[secret]` either way: nothing is encrypted here.
        case "stack export":
            return print(`${JSON.stringify(readState(home, stack()), null, 4)}\n`);
        case "cancel":
            return cancel(home, stack());
        case "preview":
            return preview(home, stack(), args, scenario);
        case "up":
            return up(home, stack(), args, scenario);
        case "refresh":
            if (!args.booleans.has("--preview-only")) break;
            return previewRefresh(home, stack(), args, scenario);
        default:
            if (args.words[0] === "stack" && args.words[1] === "init")
                return initStack(home, args.words[2], one(args, "--secrets-provider"));
    }
    throw new CliError(
        `the scripted engine does not support 'pulumi ${args.words.join(" ")}' (it answers version, whoami, stack ` +
            "select/init/output/history/export, preview, up, refresh --preview-only and cancel)",
    );
}

function one(args: Args, flag: string): string | undefined {
    return args.values.get(flag)?.slice(-1)[0];
}

function print(text: string): void {
    process.stdout.write(text);
}

function currentStack(home: string): string | undefined {
    return readOptional(path.join(home, "current"));
}

function readOptional(file: string): string | undefined {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() || undefined : undefined;
}

function requireStack(home: string, name: string | undefined): string {
    if (!name) throw new CliError("no stack selected; please use `pulumi stack select`");
    if (!readState(home, name)) throw new CliError(`no stack named '${name}' found`, EXIT.stackNotFound);
    return name;
}

function backendUrl(home: string, scenario: Scenario): string {
    return scenario.backendUrl ?? `file://${home}`;
}

function initStack(home: string, name: string | undefined, secretsProvider: string | undefined): void {
    if (!name) throw new CliError("a stack name is required");
    if (readState(home, name)) throw new CliError(`stack '${name}' already exists`);
    writeJson(stateFile(home, name), emptyState(secretsProvider));
    fs.writeFileSync(path.join(home, "current"), name);
    print(`Created stack '${name}'\n`);
}

function cancel(home: string, stack: string): void {
    if (!fs.existsSync(lockFile(home, stack))) throw new CliError(`stack '${stack}' has no update in progress`);
    fs.rmSync(lockFile(home, stack));
    print(`The currently running update for '${stack}' has been canceled!\n`);
}

/** The two ways a backend says the stack is busy; the SDK tells them apart from other failures by this text. */
function checkLock(home: string, stack: string, scenario: Scenario, project: string, unlockedFor?: Lock["backend"]): void {
    const lock = readJson<Lock>(lockFile(home, stack));
    if (!lock || lock.backend === unlockedFor) return;
    if (lock.backend === "service") {
        throw new CliError(
            "[409] Conflict: Another update is currently in progress.\n" +
                "To learn more about possible reasons and resolution, visit https://www.pulumi.com/docs/common-errors/#conflict",
        );
    }
    throw new CliError(
        "the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
            `  ${backendUrl(home, scenario)}/.pulumi/locks/organization/${project}/${stack}/7c1bd6a4-2f0e-4b8a-9d3e-5a1c0e6f2b94.json: ` +
            `created by ${lock.holder} at 2026-11-23T09:14:02Z`,
    );
}

/**
 * `up` holds the stack's lock while it runs, as both backends do: created only if absent, so of two
 * concurrent updates the second fails with the backend's own lock text. Returns the release.
 */
function takeLock(home: string, stack: string, scenario: Scenario, project: string): () => void {
    const file = lockFile(home, stack);
    const url = backendUrl(home, scenario);
    const lock: Lock = {
        backend: /^https?:\/\//.test(url) ? "service" : "self-managed",
        holder: `${os.userInfo().username}@${os.hostname()} (pid ${process.pid})`,
    };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
        fs.writeFileSync(file, JSON.stringify(lock), { flag: "wx" });
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        checkLock(home, stack, scenario, project);
    }
    return () => fs.rmSync(file, { force: true });
}

const PENDING_HELP =
    "These resources are in an unknown state because the Pulumi CLI was interrupted while waiting for changes to these " +
    "resources to complete. You should confirm whether or not the operations listed completed successfully by checking the state of " +
    "the appropriate provider. For example, if you are using AWS, you can confirm using the AWS Console.\n\n" +
    "Once you have confirmed the status of the interrupted operations, you can repair your stack using `pulumi refresh` which will " +
    "refresh the state from the provider you are using and clear the pending operations if there are any.\n\n" +
    "Note that `pulumi refresh` will need to be run interactively to clear pending CREATE operations.";

function pendingMessage(pending: readonly PendingOperation[]): string {
    return (
        `the current deployment has ${pending.length} resource(s) with pending operations:\n` +
        pending.map((p) => `  * ${p.resource.urn}, interrupted while ${p.type}\n`).join("") +
        `\n${PENDING_HELP}`
    );
}

/** What one run shares: the sink, the display written to stdout, the counts for the summary. */
class Session {
    readonly started = Date.now();
    readonly changes: OpMap = {};
    readonly diagnostics: string[] = [];
    readonly violations: string[] = [];

    constructor(
        readonly sink: EventSink,
        readonly desired: DesiredState,
    ) {}

    /** Releases the stack's lock, when this session took it. */
    release?: () => void;

    /** `take`: the operation holds the lock while it runs; else it only fails on another's, except on the backend in `unlockedFor`. */
    static async open(
        home: string,
        stack: string,
        args: Args,
        scenario: Scenario,
        title: string,
        lock: { readonly take: true } | { readonly unlockedFor?: Lock["backend"] } = {},
    ): Promise<Session> {
        const desired = await desiredState(process.cwd(), stack);
        let release: (() => void) | undefined;
        if ("take" in lock) release = takeLock(home, stack, scenario, desired.project);
        else checkLock(home, stack, scenario, desired.project, lock.unlockedFor);
        const session = new Session(await openEventSink(one(args, "--event-log")), desired);
        session.release = release;
        session.sink.send({ preludeEvent: { config: desired.config } });
        print(`${title} (${stack}):\n`);
        return session;
    }

    step(step: Step, op: OpType, planning: boolean, applied: boolean): void {
        this.sink.send({ resourcePreEvent: { metadata: stepMetadata(step, op), ...(planning ? { planning } : {}) } });
        this.sink.send({ resOutputsEvent: { metadata: stepMetadata(step, op, applied), ...(planning ? { planning } : {}) } });
    }

    /** A violation as the CLI reports one: a `policyEvent`, and a line under "Policy Violations". */
    policy(finding: PolicyFinding): void {
        const { urn, message, policyName, policyPackName, policyPackVersion, enforcementLevel } = finding;
        this.sink.send({
            policyEvent: {
                resourceUrn: urn,
                message: `${message}\n`,
                color: "never",
                policyName,
                policyPackName,
                policyPackVersion,
                policyPackVersionTag: policyPackVersion,
                enforcementLevel: enforcementLevel as never,
            },
        });
        this.violations.push(
            `    [${enforcementLevel}]  ${policyPackName} v${policyPackVersion}  ${policyName}  ` +
                `(${urn.split("::")[2].split("$").slice(-1)[0]}: ${urn.split("::").slice(-1)[0]})\n      ${message.split("\n").join("\n      ")}`,
        );
    }

    count(op: Step["op"]): void {
        this.changes[op] = (this.changes[op] ?? 0) + 1;
    }

    diagnostic(severity: "error" | "warning", message: string, urn?: string): void {
        this.sink.send({
            diagnosticEvent: { ...(urn ? { urn } : {}), prefix: `${severity}: `, message: `${message}\n`, color: "never", severity },
        });
        this.diagnostics.push(`  ${urn ? `${urn.split("::").slice(-1)[0]}:\n    ` : ""}${severity}: ${message.split("\n").join("\n    ")}`);
    }

    async finish(): Promise<void> {
        const durationSeconds = Math.round((Date.now() - this.started) / 1000);
        // `PolicyPacks` is PascalCase in the real event: a missing JSON tag the CLI now keeps for compatibility.
        this.sink.send({ summaryEvent: { maybeCorrupt: false, durationSeconds, resourceChanges: this.changes, PolicyPacks: {} } as never });
        this.sink.send({ cancelEvent: {} });
        await this.sink.close();
        if (this.diagnostics.length) print(`\nDiagnostics:\n${this.diagnostics.join("\n\n")}\n`);
        if (this.violations.length) print(`\nPolicy Violations:\n${this.violations.join("\n")}\n`);
        const counts = Object.entries(this.changes).map(
            ([op, n]) => `    ${op === "same" ? "" : `${op} `}${n}${op === "same" ? " unchanged" : ""}`,
        );
        print(`\nResources:\n${counts.join("\n")}\n\nDuration: ${durationSeconds}s\n`);
    }
}

function displayLine(step: Step, verb: string): void {
    const symbol = { same: " ", create: "+", update: "~", replace: "+-", delete: "-" }[step.op];
    print(` ${symbol.padEnd(2)} ${step.type} ${step.urn.split("::").slice(-1)[0]} ${verb}\n`);
}

/** The ops of one step as events: a replacement is three. */
function opsOf(step: Step): OpType[] {
    return step.op === "replace" ? ["create-replacement", "replace", "delete-replaced"] : [step.op];
}

function targetOptions(args: Args) {
    return { targets: args.values.get("--target") ?? [], targetDependents: args.booleans.has("--target-dependents") };
}

async function preview(home: string, stack: string, args: Args, scenario: Scenario): Promise<void> {
    const state = readState(home, stack)!;
    const session = await Session.open(home, stack, args, scenario, "Previewing update");
    const pending = state.deployment.pending_operations ?? [];
    if (pending.length) session.diagnostic("warning", pendingMessage(pending));
    const { steps, errors } = computeSteps(session.desired.resources, state.deployment.resources, targetOptions(args));
    const findings = await policyFindings(args, session.desired);
    for (const step of steps) {
        for (const op of opsOf(step)) session.step(step, op, true, false);
        if (step.op !== "same") displayLine(step, step.op);
        session.count(step.op);
        findings.resource(step.urn).forEach((f) => session.policy(f));
    }
    // A preview reports every violation and fails at the end if one was mandatory (step_generator.go: sawError).
    findings.stack.forEach((f) => session.policy(f));
    const mandatory = [...steps.flatMap((s) => findings.resource(s.urn)), ...findings.stack].some(
        (f) => f.enforcementLevel === "mandatory",
    );
    errors.forEach((e) => session.diagnostic("error", e.message, e.urn));
    if (mandatory) session.diagnostic("error", "preview failed", rootUrn(session.desired));
    const planFile = one(args, "--save-plan");
    if (planFile && !errors.length && !mandatory) writeJson(planFile, planOf(steps, CLI_VERSION));
    await session.finish();
    if (errors.length || mandatory) throw new CliError("preview failed");
    if (args.booleans.has("--expect-no-changes") && steps.some((s) => s.op !== "same")) {
        throw new CliError("no changes were expected but changes were proposed", EXIT.unexpectedChanges);
    }
}

function matches(urn: string, resource: string): boolean {
    return urn === resource || urn.endsWith(`::${resource}`);
}

function appliedState(step: Step): StateResource {
    const d = step.new!;
    return {
        urn: d.urn,
        custom: d.custom,
        type: d.type,
        inputs: d.inputs,
        outputs: d.outputs,
        ...(d.custom ? { id: step.old?.id ?? d.id } : {}),
        ...(d.parent ? { parent: d.parent } : {}),
        ...(d.dependencies.length ? { dependencies: d.dependencies } : {}),
        // Always, empty too: a record without it is one written before it was kept (steps.ts falls back to the program's).
        propertyDependencies: Object.fromEntries(Object.entries(d.propertyDependencies).map(([k, l]) => [k, [...l]])),
        ...(d.provider ? { provider: d.provider } : {}),
    };
}

async function up(home: string, stack: string, args: Args, scenario: Scenario): Promise<void> {
    const session = await Session.open(home, stack, args, scenario, "Updating", { take: true });
    try {
        await update(home, stack, args, scenario, session);
    } finally {
        session.release?.();
    }
}

async function update(home: string, stack: string, args: Args, scenario: Scenario, session: Session): Promise<void> {
    let state = readState(home, stack)!;
    const pending = state.deployment.pending_operations ?? [];
    if (pending.length) {
        session.diagnostic("error", pendingMessage(pending));
        await session.finish();
        throw new CliError("update failed");
    }
    if (scenario.changeStateBeforeUp) state = changeState(home, stack, state, scenario.changeStateBeforeUp);

    const planFile = one(args, "--plan");
    const plan = planFile ? readJson<Plan>(planFile) : undefined;
    if (planFile && !plan) throw new CliError(`could not read plan file '${planFile}'`);
    const { steps, errors } = computeSteps(session.desired.resources, state.deployment.resources, targetOptions(args));
    if (errors.length) {
        errors.forEach((e) => session.diagnostic("error", e.message, e.urn));
        await session.finish();
        throw new CliError("update failed");
    }

    let interrupted = false;
    // Like the CLI (pkg/backend/cancellation.go), in its words on stdout: the first SIGINT cancels after the
    // operation in flight; a second terminates at once, here without writing the state or releasing the lock.
    process.on("SIGINT", () => {
        if (interrupted) {
            print("^C received; terminating\n");
            process.exit(EXIT.failed);
        }
        interrupted = true;
        print(
            "^C received; cancelling. If you would like to terminate immediately, press ^C again.\n" +
                "Note that terminating immediately may lead to orphaned resources and other inconsistencies.\n",
        );
    });
    const resources = new Map(state.deployment.resources.map((r) => [r.urn, r]));
    const renames = new StateRenames();
    const save = (extraPending: PendingOperation[] = []) =>
        writeState(home, stack, ordered(renames.resolve(resources), session.desired), extraPending, state);
    let outcome: "succeeded" | "failed" | "cancelled" = "succeeded";
    let operations = 0;
    const findings = await policyFindings(args, session.desired);

    for (const step of steps) {
        if (interrupted) {
            outcome = "cancelled";
            break;
        }
        const violation = plan && planViolation(plan, step);
        if (violation) {
            session.diagnostic("error", violation, step.urn);
            outcome = "failed";
            break;
        }
        // An update stops at the first resource with a mandatory violation, before touching it; what came before stays applied.
        const judged = findings.resource(step.urn);
        judged.forEach((f) => session.policy(f));
        if (judged.some((f) => f.enforcementLevel === "mandatory")) {
            outcome = "failed";
            break;
        }
        if (step.op === "same") {
            if (step.old && step.old.urn !== step.urn) renames.rename(resources, step.old.urn, (current) => movedState(current, step));
            session.step(step, "same", false, true);
            session.count("same");
            continue;
        }
        session.sink.send({ resourcePreEvent: { metadata: stepMetadata(step, opsOf(step)[0]) } });
        displayLine(step, `${step.op === "delete" ? "deleting" : `${step.op.replace(/e$/, "")}ing`}`);
        if (scenario.crashOn && matches(step.urn, scenario.crashOn) && step.new) {
            // Killed mid-operation: the state keeps a pending operation and nothing says how it ended.
            save([{ resource: appliedState(step), type: step.op === "create" ? "creating" : "updating" }]);
            process.kill(process.pid, "SIGKILL");
        }
        if (scenario.slow && matches(step.urn, scenario.slow.resource)) await sleep(scenario.slow.ms);
        if (scenario.failOn && matches(step.urn, scenario.failOn.resource)) {
            failStep(session, step, scenario.failOn.message);
            outcome = "failed";
            break;
        }
        const refusal = step.op === "delete" && step.old ? deletionRefusal(step.old) : replacementClash(step);
        if (refusal) {
            failStep(session, step, refusal);
            outcome = "failed";
            break;
        }
        if (step.op === "delete") resources.delete(step.urn);
        else if (step.old && step.old.urn !== step.urn) renames.rename(resources, step.old.urn, () => appliedState(step));
        else resources.set(step.urn, appliedState(step));
        for (const op of opsOf(step).slice(1)) session.sink.send({ resourcePreEvent: { metadata: stepMetadata(step, op) } });
        session.sink.send({ resOutputsEvent: { metadata: stepMetadata(step, opsOf(step)[opsOf(step).length - 1], true) } });
        session.count(step.op);
        if (++operations === scenario.interruptAfter) {
            process.kill(process.pid, "SIGINT");
            await sleep(20);
        }
    }
    if (outcome === "succeeded") {
        findings.stack.forEach((f) => session.policy(f));
        if (findings.stack.some((f) => f.enforcementLevel === "mandatory")) outcome = "failed";
    }
    if (outcome === "succeeded" && plan) {
        for (const urn of unmetPlan(plan, steps)) {
            session.diagnostic("error", `expected resource operations for ${urn} but none were seen`, urn);
            outcome = "failed";
        }
    }
    if (outcome === "succeeded") setStackOutputs(resources, session.desired);
    save();
    appendHistory(home, stack, {
        kind: "update",
        startTime: new Date(session.started).toISOString(),
        endTime: new Date().toISOString(),
        message: one(args, "--message") ?? "",
        environment: { "exec.kind": "auto.local" },
        config: {},
        result: outcome === "succeeded" ? "succeeded" : "failed",
        resourceChanges: session.changes,
    });
    await session.finish();
    if (outcome === "cancelled") throw new CliError("update canceled", EXIT.cancelled);
    if (outcome === "failed") throw new CliError("update failed");
}

/**
 * A provider error, worded the way the AWS provider (v6+) and the engine report one, e.g.
 * `* modifying RDS Cluster (bbws-aurora-dev): operation error RDS: ModifyCluster, https response error …`.
 * The service and operation are derived from the type token, so they are close to AWS's, not exact.
 */
function failStep(
    session: Session,
    step: Step,
    message = "api error InvalidParameterCombination: the requested change is not supported",
): void {
    const [doing, action] = (
        {
            create: ["creating", "Create"],
            replace: ["creating", "Create"],
            update: ["modifying", "Modify"],
            same: ["modifying", "Modify"],
            delete: ["deleting", "Delete"],
        } as const
    )[step.op];
    const service = step.type.split(":")[1].split("/")[0].toUpperCase();
    const kind = step.type.split(":").slice(-1)[0];
    const inputs = step.new?.inputs ?? step.old?.inputs ?? {};
    const name = String(inputs.name ?? inputs.clusterIdentifier ?? inputs.identifier ?? step.urn.split("::").slice(-1)[0]);
    const text =
        `1 error occurred:\n\t* ${step.op === "update" ? "updating" : doing} ${step.urn}: 1 error occurred:\n` +
        `\t* ${doing} ${service} ${kind} (${name}): operation error ${service}: ${action}${kind}, https response error StatusCode: 400, ` +
        `RequestID: 3f1c2a7e-8d44-4b0e-9a51-6c2e7b9d0f13, ${message}`;
    session.sink.send({ resOpFailedEvent: { metadata: stepMetadata(step, opsOf(step)[0]), status: 0, steps: 1 } });
    session.diagnostic("error", text, step.urn);
    const root = session.desired.resources.find((r) => r.type === "pulumi:pulumi:Stack");
    session.diagnostic("error", "update failed", root?.urn);
}

/** The packs' findings, by resource for `validateResource` policies and apart for `validateStack` ones. */
async function policyFindings(args: Args, desired: DesiredState) {
    const all = await runPolicyPacks(args.values.get("--policy-pack") ?? [], desired, (message) => {
        throw new CliError(message);
    });
    // Indexed by URN once: each step asks for its own, and filtering every finding per step grew with steps × findings.
    const byUrn = new Map<string, PolicyFinding[]>();
    for (const f of all.filter((x) => !x.stackPolicy)) byUrn.set(f.urn, [...(byUrn.get(f.urn) ?? []), f]);
    return {
        resource: (urn: string) => byUrn.get(urn) ?? [],
        stack: all.filter((f) => f.stackPolicy),
    };
}

function rootUrn(desired: DesiredState): string | undefined {
    return desired.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;
}

function setStackOutputs(resources: Map<string, StateResource>, desired: DesiredState): void {
    const root = desired.resources.find((r) => r.type === "pulumi:pulumi:Stack");
    const current = root && resources.get(root.urn);
    if (current) resources.set(current.urn, { ...current, outputs: desired.outputs });
}

/** State in program order; resources the program no longer declares (kept by targeting) at the end. */
function ordered(resources: readonly StateResource[], desired: DesiredState): StateResource[] {
    const order = new Map(desired.resources.map((r, i) => [r.urn, i]));
    return [...resources].sort((a, b) => (order.get(a.urn) ?? Infinity) - (order.get(b.urn) ?? Infinity));
}

function changeState(home: string, stack: string, state: StackState, change: NonNullable<Scenario["changeStateBeforeUp"]>): StackState {
    const resources = state.deployment.resources.map((r) =>
        matches(r.urn, change.resource) ? { ...r, inputs: { ...r.inputs, [change.key]: change.value } } : r,
    );
    writeState(home, stack, resources, state.deployment.pending_operations, state);
    return readState(home, stack)!;
}

/**
 * `refresh --preview-only`: state against "the cloud" (state plus the scenario's drift). Each resource
 * gets a `refresh` step, then its outputs event carries what the refresh would do (RefreshStep.ResultOp:
 * `same` or `update`, with the cloud's values as `new`); the summary counts those.
 */
async function previewRefresh(home: string, stack: string, args: Args, scenario: Scenario): Promise<void> {
    const state = readState(home, stack)!;
    // Self-managed backends take no lock for `refresh --preview-only` since CLI 3.229; the service does.
    const session = await Session.open(home, stack, args, scenario, "Previewing refresh", { unlockedFor: "self-managed" });
    for (const r of state.deployment.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:"))) {
        const drift = Object.entries(scenario.drift ?? {}).find(([key]) => matches(r.urn, key))?.[1] ?? {};
        const cloud = { ...r.outputs, ...drift };
        const diffs = changedKeys(r.outputs, cloud);
        const pre = {
            op: "refresh" as const,
            urn: r.urn,
            type: r.type,
            old: stateMetadata(r, r.outputs),
            new: stateMetadata(r, r.outputs),
            logical: true,
            provider: r.provider ?? "",
        };
        const detailedDiff = Object.fromEntries(diffs.map((k) => [k, { diffKind: "update" as never, inputDiff: false }]));
        session.sink.send({ resourcePreEvent: { metadata: pre, planning: true } });
        session.sink.send({
            resOutputsEvent: {
                metadata: {
                    ...pre,
                    op: diffs.length ? "update" : "same",
                    new: stateMetadata(r, cloud),
                    ...(diffs.length ? { diffs, detailedDiff } : {}),
                },
                planning: true,
            },
        });
        if (diffs.length) print(` ~  ${r.type} ${r.urn.split("::").slice(-1)[0]} update [diff: ${diffs.map((k) => `~${k}`).join(",")}]\n`);
        session.count(diffs.length ? "update" : "same");
    }
    await session.finish();
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
