/**
 * What the rollout driver needs from Pulumi, as an interface: the one adapter over `LocalWorkspace`
 * (local-engine.ts) implements it, and tests implement it with a fake that answers with the
 * Automation API's own result and event shapes. Only types are imported from the SDK, so loading this
 * file loads no Pulumi code.
 */
import type { EngineEvent, OpMap, OpType, PreviewResult, UpResult } from "@pulumi/pulumi/automation";
import { BbwsError, EXIT } from "./errors";

export type { EngineEvent, OpMap, OpType, PreviewResult, UpResult };

/** Who the state backend says we are. */
export interface BackendIdentity {
    /** The backend's user name (the operator recorded in the ledger). */
    readonly user: string;
    /** The backend URL, e.g. `https://api.pulumi.com` or `s3://bbws-pulumi-state`; `file://…` is local. */
    readonly url?: string;
}

export interface PreviewOptions {
    /** Exact URNs to preview; none previews the whole program. */
    readonly target?: readonly string[];
    /** Where to save the update plan (`--save-plan`); `up` later applies exactly this plan. */
    readonly plan?: string;
    /** Called for every engine event: resource steps, diagnostics, the summary. */
    readonly onEvent?: (event: EngineEvent) => void;
    /** The run's cancel: see `UpOptions.signal`. */
    readonly signal?: AbortSignal;
}

export interface UpOptions {
    /** The same URNs as the preview that saved `plan`: a plan from a targeted preview fails on any other `up`. */
    readonly target: readonly string[];
    /** The saved plan to apply (`--plan`); the engine refuses any step the plan does not contain. */
    readonly plan: string;
    /** Recorded in the stack's history. */
    readonly message?: string;
    readonly onEvent?: (event: EngineEvent) => void;
    /**
     * The run's cancel. Once aborted no operation starts; aborting while one runs makes sure the CLI
     * gets exactly one SIGINT (it finishes the operations in flight and stops, the state consistent):
     * none more if it already says it got one from the terminal.
     */
    readonly signal?: AbortSignal;
}

/** One stack of the project, as the driver uses it. */
export interface Engine {
    /** Version of the Pulumi CLI in use, e.g. `3.200.0`. */
    cliVersion(): Promise<string>;
    whoAmI(): Promise<BackendIdentity>;
    preview(options: PreviewOptions): Promise<PreviewResult>;
    up(options: UpOptions): Promise<UpResult>;
    /**
     * `refresh --preview-only`: reads every resource's real state and reports each difference as
     * events; never writes the state (drift detection).
     */
    previewRefresh(options: Pick<PreviewOptions, "onEvent" | "signal">): Promise<PreviewResult>;
    /**
     * Operations a killed CLI left unfinished in the state (`pulumi stack export`'s
     * `deployment.pending_operations`): a read of the state, not an engine operation.
     */
    pendingOperations(): Promise<PendingOperation[]>;
    /**
     * The stack's state as `pulumi stack export` prints it, without `--show-secrets`: secret values stay
     * encrypted by the stack's secrets provider. The text `pulumi stack import --file` takes back.
     */
    exportState(): Promise<string>;
    /** The stack's outputs (`pulumi stack output`), grouped by phase, secrets in the clear: a read, not an operation. */
    outputs(): Promise<Record<string, unknown>>;
}

/** An operation the state says was started and never reported finished. */
export interface PendingOperation {
    /** What the engine was doing: `creating`, `updating`, `deleting`, `reading`, … */
    readonly type: string;
    readonly urn: string;
}

export const INSTALL_PULUMI =
    "install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/, " +
    "e.g. `curl -fsSL https://get.pulumi.com | sh`) and make sure `pulumi version` works in this shell";

/** No `pulumi` executable, or one the SDK cannot use. */
export class CliMissingError extends BbwsError {
    constructor(detail: string) {
        super("cli-missing", `the Pulumi CLI is not usable: ${detail}`, EXIT.usage, INSTALL_PULUMI);
        this.name = "CliMissingError";
    }
}

/** The backend has no such stack (code `stack-not-found`, exit 2); the fix says how to create it or which backend to log in to. */
export class StackMissingError extends BbwsError {
    constructor(stack: string) {
        super(
            "stack-not-found",
            `the backend has no stack '${stack}'`,
            EXIT.usage,
            `create it with \`pulumi stack init ${stack}\` in the project directory, or log in to the backend that holds it`,
        );
        this.name = "StackMissingError";
    }
}

/** The stack is locked by another update (code `concurrent-update`, exit 1); nothing was changed by this one. */
export class ConcurrentUpdateError extends BbwsError {
    /** `lock`: the backend's own lines about the lock (the service's 409, or the lock file and who created it). */
    constructor(stack: string, lock = "") {
        super(
            "concurrent-update",
            `another update of stack '${stack}' is in progress` + (lock ? `; the backend says:\n${indent(lock)}` : ""),
            EXIT.failed,
            "wait for it to finish; if it died, check the stack's history and run `pulumi cancel` before retrying " +
                "(the self-managed backend names the lock file and who created it; the service does not: its stack activity page does)",
        );
        this.name = "ConcurrentUpdateError";
    }
}

/** `up` refused the saved plan: the state or the program changed after the preview that saved it. */
export class PlanMismatchError extends BbwsError {
    constructor(readonly stderr: string) {
        super(
            "plan-mismatch",
            "the update no longer matches the approved plan: the stack's state (or the program) changed since the preview, " +
                `and the engine refused to go beyond the plan:\n${indent(firstAndLastLines(stderr, 15))}`,
            EXIT.failed,
            "run the same command again: it previews from the current state, and the new plan needs a new approval",
        );
        this.name = "PlanMismatchError";
    }
}

/** The operation was interrupted (Ctrl-C); the engine stopped at a consistent point. */
export class CancelledError extends BbwsError {
    constructor(operation: string) {
        super(
            "cancelled",
            `${operation} was cancelled`,
            EXIT.failed,
            "run the same command again: it previews from the current state and needs a fresh approval",
        );
        this.name = "CancelledError";
    }
}

/** One violation the policy pack reported (a `policyEvent`). */
export interface PolicyViolation {
    readonly policy: string;
    /** The resource, when the policy judged one. */
    readonly urn?: string;
    /** The policy's description and what it found, as the pack worded them. */
    readonly message: string;
}

/** The policy pack reported a mandatory violation, so the engine failed the preview or stopped the update. */
export class PolicyViolationError extends BbwsError {
    constructor(
        operation: string,
        readonly violations: readonly PolicyViolation[],
    ) {
        super(
            "policy-violation",
            `${operation} failed: the policy pack reports ${violations.length} mandatory violation(s):\n` +
                violations
                    .map((v) => `    ${v.policy}${v.urn ? ` on ${v.urn}` : ""}: ${v.message.trim().split("\n").join(" — ")}`)
                    .join("\n"),
            EXIT.refused,
            'change the program or config so the resource complies (README, "Security baseline"), ' +
                "or request a waiver in src/policy/waivers.ts; `npm run synth -- --env <env> --policies` shows the same offline",
        );
        this.name = "PolicyViolationError";
    }
}

/** The CLI ran and failed: a resource error, a program error, or it was killed. */
export class EngineFailedError extends BbwsError {
    /** `stderr`: the SDK's text, whose first line is the process runner's ("Command failed with exit code 255: pulumi up …"). */
    constructor(
        operation: string,
        readonly cliExitCode: number | undefined,
        readonly stderr: string,
        killedBy?: string,
    ) {
        const how = killedBy
            ? ` (the pulumi CLI was killed by ${killedBy})`
            : cliExitCode === undefined
              ? ""
              : ` (pulumi exit code ${cliExitCode})`;
        super(
            "engine-failed",
            `${operation} failed${how}` + (stderr ? `:\n${indent(firstAndLastLines(stderr, 15))}` : ""),
            EXIT.failed,
            killedBy
                ? "a killed update can leave pending operations: check `pulumi stack export` and run `pulumi refresh` before retrying"
                : undefined,
        );
        this.name = "EngineFailedError";
    }
}

/**
 * The first line says how the process ended, the last ones what the engine said last; the middle is
 * progress. The first line's command is cut to `pulumi <command>`: its flags name every target.
 */
function firstAndLastLines(text: string, n: number): string {
    const [first, ...rest] = text.trimEnd().split("\n");
    const verdict = first.replace(
        /^(Command (?:failed with exit code \d+|was killed with .*?)): \S*pulumi (\S+)(?: .*)?$/,
        "$1: pulumi $2 …",
    );
    return [verdict, ...(rest.length > n ? ["…"] : []), ...rest.slice(-n)].join("\n");
}

function indent(text: string): string {
    return text
        .split("\n")
        .map((l) => `    ${l}`)
        .join("\n");
}

/**
 * `create` once per stack: every later call for the same stack gets the same engine. Creating one runs
 * `pulumi version` and `pulumi stack select` (the Automation API's `PulumiCommand.get` and
 * `LocalWorkspace.selectStack`), and a tenant command reads the stack dozens of times between its
 * rollouts. Each command the engine runs names its stack (`--stack`) and the CLI reads the stack file and
 * the state afresh; what an engine keeps is the CLI version it read when created, which a command's
 * lifetime does not outlast. A failed creation is not kept: the next call tries again.
 */
export function reusedEngines(create: (stack: string) => Promise<Engine>): (stack: string) => Promise<Engine> {
    const engines = new Map<string, Promise<Engine>>();
    return (stack) => {
        let engine = engines.get(stack);
        if (!engine) {
            engine = create(stack);
            engines.set(stack, engine);
            engine.catch(() => engines.delete(stack));
        }
        return engine;
    };
}
