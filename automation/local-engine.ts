/**
 * The one adapter from the `Engine` interface to Pulumi's Automation API: a `LocalWorkspace` on the
 * project directory with the stack named after the environment — the same program and stack
 * `pulumi preview --stack <env>` uses. It only translates options and errors; every decision is made
 * elsewhere and tested against a fake.
 *
 * The SDK is imported on first use: loading it takes most of a second, and `--help` must not wait.
 */
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import type * as automation from "@pulumi/pulumi/automation";
import { POLICY_PACK_DIR } from "../src/policy/dir";
import { compareVersions } from "./preflight";
import {
    CancelledError,
    CliMissingError,
    ConcurrentUpdateError,
    Engine,
    EngineEvent,
    EngineFailedError,
    PlanMismatchError,
    PolicyViolation,
    PolicyViolationError,
    StackMissingError,
} from "./engine";

export interface LocalEngineOptions {
    /** Directory holding Pulumi.yaml. */
    readonly projectDir: string;
    /** Stack name: the environment (`dev`, `sit`, `prod`). */
    readonly stack: string;
    /** Use `<pulumiRoot>/bin/pulumi` instead of `pulumi` from PATH. */
    readonly pulumiRoot?: string;
    /** Extra environment variables for every CLI call. */
    readonly envVars?: Record<string, string>;
    /** Policy packs run in every preview and update (`--policy-pack`); default the security baseline in src/policy. */
    readonly policyPacks?: readonly string[];
}

/** Exit code of the CLI (3.227+) when an operation was cancelled. */
const CLI_EXIT_CANCELLED = 8;
const CLI_EXIT_CANCELLED_SINCE = "3.227.0";

/**
 * What the CLI prints on stdout on its first SIGINT (SIGTERM too since it handles that), and on a second,
 * which terminates it at once (pulumi/pulumi pkg/backend/cancellation.go, `NewScope`).
 */
const CLI_CANCELLING = /(?:\^C|SIGTERM) received; cancelling/;
const CLI_TERMINATING = /(?:\^C|SIGTERM) received; terminating/;

/**
 * How long a cancelled run waits for the CLI to say it got the signal itself before sending it one.
 * A Ctrl-C at a terminal reaches every process of the foreground group, the CLI included, whatever
 * stdin is (`< /dev/null`, `docker run -t` without `-i`), and a second SIGINT would terminate it. The
 * CLI's line comes from a goroutine reading its signal channel, within milliseconds; waiting longer
 * only delays a cancel that the CLI did not receive (SIGTERM to the driver alone, `kill <pid>`).
 */
export const CLI_SIGNAL_GRACE_MS = 300;

/** The lines in which a backend names its lock: the service's 409 and its help link, the self-managed lock file and holder. */
const LOCK_LINE = /\[409\] Conflict|common-errors\/#conflict|currently locked by|\/\.pulumi\/locks\//;

/** The engine's words when `up --plan` would go beyond the saved plan (pkg/resource/deploy). */
const PLAN_MISMATCH = /is not allowed by the plan|resource violates plan|expected resource operations for .* but none were seen/;

/**
 * The one adapter from `Engine` to the Automation API: selects the stack in `projectDir` with
 * `LocalWorkspace`, passes the policy pack to every preview and up, and turns the SDK's errors into
 * ours (`errorTranslator`). Throws `CliMissingError` or `StackMissingError` (exit 2) before any operation.
 */
export async function createLocalEngine(options: LocalEngineOptions): Promise<Engine> {
    const auto = await import("@pulumi/pulumi/automation");
    let stack: automation.Stack;
    try {
        const pulumiCommand = options.pulumiRoot ? await auto.PulumiCommand.get({ root: options.pulumiRoot }) : undefined;
        stack = await auto.LocalWorkspace.selectStack(
            { stackName: options.stack, workDir: options.projectDir },
            { pulumiCommand, envVars: options.envVars },
        );
    } catch (err) {
        throw errorTranslator(auto, options.stack)(err, "selecting the stack");
    }
    const workspace = stack.workspace as automation.LocalWorkspace;
    const translate = errorTranslator(auto, options.stack, workspace.pulumiVersion);
    const policyPacks = [...(options.policyPacks ?? [POLICY_PACK_DIR])];
    /**
     * A preview or an update under the run's cancel, with the pack's mandatory violations (collected
     * from the events) as its refusal where the CLI only says it failed; `call` gets the event, output
     * and signal hooks to hand the SDK.
     */
    const underPolicy = <T>(
        operation: string,
        o: { readonly onEvent?: (event: EngineEvent) => void; readonly signal?: AbortSignal },
        call: (run: { onEvent: (event: EngineEvent) => void; onOutput: (text: string) => void; signal?: AbortSignal }) => Promise<T>,
    ): Promise<T> => {
        const policy = policyWatcher(o.onEvent);
        return interruptible(
            o.signal,
            operation,
            (err, op, signal, cli) => policy.refusal(op) ?? translate(err, op, signal, cli),
            (signal, onOutput) => call({ onEvent: policy.onEvent, onOutput, signal }),
        );
    };
    return {
        cliVersion: async () => workspace.pulumiVersion,
        whoAmI: async () => {
            try {
                const who = await workspace.whoAmI();
                return { user: who.user, url: who.url };
            } catch (err) {
                throw translate(err, "pulumi whoami");
            }
        },
        preview: (o) =>
            underPolicy("preview", o, (run) =>
                stack.preview({ target: o.target && [...o.target], plan: o.plan, ...run, color: "never", policyPacks }),
            ),
        up: (o) =>
            underPolicy("update", o, (run) =>
                stack.up({ target: [...o.target], plan: o.plan, message: o.message, ...run, color: "never", policyPacks }),
            ),
        // Neither reads the state with `stack.exportStack()`: it adds --show-secrets, and neither preflight's look at the pending
        // operations nor a copy kept on disk or in S3 needs secrets in the clear. The SDK's way of running other commands
        // is internal, so the CLI it found is run directly.
        pendingOperations: async () => {
            const { deployment } = JSON.parse(
                await exportWithoutSecrets(workspace, options.stack, "reading the state (pulumi stack export)"),
            );
            const pending: Array<{ type: string; resource: { urn: string } }> = deployment?.pending_operations ?? [];
            return pending.map((p) => ({ type: p.type, urn: p.resource.urn }));
        },
        exportState: () => exportWithoutSecrets(workspace, options.stack, "exporting the state (pulumi stack export)"),
        // One `pulumi stack output --show-secrets`: the SDK's `stack.outputs()` runs it a second time without
        // the flag only to learn which outputs are secret, which the driver never asks.
        outputs: async () =>
            JSON.parse(
                await runCli(
                    workspace,
                    options.stack,
                    ["stack", "output", "--json", "--show-secrets", "--stack", options.stack, "--non-interactive"],
                    "reading the stack outputs (pulumi stack output)",
                ),
            ),
        previewRefresh: (o) =>
            interruptible(o.signal, "refresh preview", translate, (signal, onOutput) =>
                stack.previewRefresh({ onEvent: o.onEvent, onOutput, signal, color: "never" }),
            ),
    };
}

/** `pulumi stack export`, secrets left encrypted. */
function exportWithoutSecrets(workspace: automation.LocalWorkspace, stack: string, operation: string): Promise<string> {
    return runCli(workspace, stack, ["stack", "export", "--stack", stack, "--non-interactive"], operation);
}

/** The SDK's tests of a failed command's stderr (@pulumi/pulumi automation/errors.js `createCommandError`). */
const STACK_NOT_FOUND = /no stack named.*found/;
const CONFLICT_TEXTS = ["[409] Conflict: Another update is currently in progress.", "the stack is currently locked by"];

/** The lines of `stderr` that name the lock's holder, without the CLI's `error: `. */
function lockLines(stderr: string): string {
    return stderr
        .split("\n")
        .filter((l) => LOCK_LINE.test(l))
        .map((l) => l.trim().replace(/^error: /, ""))
        .join("\n");
}

/**
 * `pulumi <args>` as the SDK's `PulumiCommand.run` starts it (automation/cmd.js: `PULUMI_AUTOMATION_API`
 * set, the CLI's own folder first on `PATH`) in the workspace's folder and environment: its stdout. Its
 * failures as `errorTranslator` reports the SDK's: no such stack, the stack locked, no CLI, else the CLI's
 * exit code and stderr.
 */
async function runCli(workspace: automation.LocalWorkspace, stack: string, args: string[], operation: string): Promise<string> {
    const command = workspace.pulumiCommand.command;
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...(workspace.pulumiHome ? { PULUMI_HOME: workspace.pulumiHome } : {}),
        ...workspace.envVars,
        PULUMI_AUTOMATION_API: "true",
    };
    if (path.isAbsolute(command)) env.PATH = `${path.dirname(command)}${path.delimiter}${env.PATH ?? ""}`;
    try {
        const { stdout } = await promisify(execFile)(command, args, { cwd: workspace.workDir, env, maxBuffer: 1 << 30 });
        return stdout;
    } catch (err) {
        const failure = err as { code?: number | string; stderr?: string; signal?: string };
        if (failure.code === "ENOENT") throw new CliMissingError("no `pulumi` executable found");
        const stderr = failure.stderr ?? String(err);
        if (STACK_NOT_FOUND.test(stderr)) throw new StackMissingError(stack);
        if (CONFLICT_TEXTS.some((t) => stderr.includes(t))) throw new ConcurrentUpdateError(stack, lockLines(stderr));
        throw new EngineFailedError(
            operation,
            typeof failure.code === "number" ? failure.code : undefined,
            stderr,
            failure.signal ?? undefined,
        );
    }
}

/**
 * The CLI fails a preview with any mandatory violation and stops an update at the first one, saying only
 * "preview failed"; the violations themselves arrive as `policyEvent`s, so they are collected on the way.
 */
function policyWatcher(onEvent?: (event: EngineEvent) => void) {
    const mandatory: PolicyViolation[] = [];
    return {
        onEvent: (event: EngineEvent) => {
            const p = event.policyEvent;
            // The SDK's typings say "warning"; the CLI sends apitype's "advisory" or "mandatory".
            if (p && p.enforcementLevel === "mandatory") {
                mandatory.push({ policy: p.policyName, urn: p.resourceUrn || undefined, message: p.message });
            }
            onEvent?.(event);
        },
        refusal: (operation: string) => (mandatory.length ? new PolicyViolationError(operation, mandatory) : undefined),
    };
}

/**
 * One engine operation under the run's cancel. The SDK gets a signal of its own per call: it sends
 * SIGINT only on an abort event, so a run cancelled between two calls would start the next CLI and
 * never stop it; and it never removes its listener, so one run-long signal would collect dozens.
 */
async function interruptible<T>(
    signal: AbortSignal | undefined,
    operation: string,
    translate: ReturnType<typeof errorTranslator>,
    call: (signal: AbortSignal | undefined, onOutput: (text: string) => void) => Promise<T>,
): Promise<T> {
    if (signal?.aborted) throw new CancelledError(operation);
    const forwarder = cancelForwarder(signal);
    try {
        return await call(signal && forwarder.signal, forwarder.onOutput);
    } catch (err) {
        throw translate(err, operation, signal, forwarder);
    } finally {
        forwarder.dispose();
    }
}

/** What the CLI said about signals during one call, from its own output. */
export interface CliSignals {
    /** It printed "received; terminating": a second signal reached it, and it stopped without finishing what was in flight. */
    terminated(): boolean;
}

/**
 * Passes the run's cancel on to one CLI call, unless the CLI got the signal itself. The driver cannot
 * tell from its own process whether the terminal's Ctrl-C reached the CLI too (the whole foreground
 * process group gets it, whatever stdin is), and the CLI takes a second SIGINT as "terminate
 * immediately" (pulumi/pulumi pkg/backend/cancellation.go). So on abort it watches the CLI's stdout
 * for pulumi's own "^C received; cancelling" for `graceMs`, and only if that has not appeared does the
 * SDK send the CLI a SIGINT (`signal`).
 */
export function cancelForwarder(run: AbortSignal | undefined, graceMs = CLI_SIGNAL_GRACE_MS) {
    const forward = new AbortController();
    let tail = "";
    let cancelling = false;
    let terminating = false;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
        if (cancelling) return;
        timer = setTimeout(() => {
            if (!cancelling) forward.abort();
        }, graceMs);
    };
    run?.addEventListener("abort", onAbort);
    return {
        signal: forward.signal,
        onOutput: (text: string) => {
            // A line can arrive split across chunks; keep enough of the last one to match it whole.
            tail = (tail + text).slice(-400);
            cancelling ||= CLI_CANCELLING.test(tail);
            terminating ||= CLI_TERMINATING.test(tail);
        },
        terminated: () => terminating,
        dispose: () => {
            clearTimeout(timer);
            run?.removeEventListener("abort", onAbort);
        },
    };
}

/**
 * The SDK's error classes (chosen by matching the CLI's stderr) mapped onto ours. `cliVersion`: the
 * CLI in use; from 3.227 it exits 8 when it cancelled cleanly, so after our abort any other exit code
 * is a failure, not a cancel.
 */
export function errorTranslator(auto: typeof automation, stackName: string, cliVersion?: string) {
    return (err: unknown, operation: string, signal?: AbortSignal, cli?: CliSignals): unknown => {
        if (!(err instanceof Error)) return err;
        // `commandResult` is internal to the SDK; its `err` holds the process error and the CLI's real exit code.
        const result = (err as { commandResult?: { stderr?: string; err?: { code?: string; exitCode?: number; signal?: string } } })
            .commandResult;
        if (result?.err?.code === "ENOENT") return new CliMissingError("no `pulumi` executable found");
        if (/Minimum version requirement failed|Major version mismatch|Failed to parse Pulumi CLI version/.test(err.message)) {
            return new CliMissingError(err.message);
        }
        if (err instanceof auto.StackNotFoundError) return new StackMissingError(stackName);
        const stderr = result?.stderr ?? "";
        if (err instanceof auto.ConcurrentUpdateError) {
            return new ConcurrentUpdateError(stackName, lockLines(stderr));
        }
        if (err instanceof auto.CommandError) {
            const exitCode = result?.err?.exitCode;
            // Before the abort counts as a clean cancel: a CLI killed, or terminated by a second signal, stopped
            // mid-operation and can leave pending operations, which is a failure to look into, not a cancel.
            const killedBy =
                result?.err?.signal ?? (cli?.terminated() ? 'a second signal (it printed "received; terminating")' : undefined);
            if (killedBy) return new EngineFailedError(operation, exitCode, stderr, killedBy);
            const exitSaysCancelled = cliVersion === undefined || compareVersions(cliVersion, CLI_EXIT_CANCELLED_SINCE) >= 0;
            if (exitCode === CLI_EXIT_CANCELLED || (signal?.aborted && !exitSaysCancelled)) return new CancelledError(operation);
            if (PLAN_MISMATCH.test(stderr)) return new PlanMismatchError(stderr);
            return new EngineFailedError(operation, exitCode, stderr);
        }
        return err;
    };
}
