/**
 * Verification after a phase: runs the phase's checks against AWS and returns one result per check.
 * The rollout driver calls `verifyPhase` after each apply; `npm run verify` calls it on demand.
 */
import * as path from "path";
import type { PlatformConfig } from "../../src/config";
import type { PhaseName } from "../../src/phases";
import { loadStackConfig } from "../stack-files";
import { readDrSettings } from "../dr/config";
import { readDrOutputs } from "../dr/contract";
import { Check, CheckContext, CheckOutcome, CheckResult, DrCheckContext, fail, MissingOutputError, StackOutputs, warn } from "./check";
import { AwsClients, createClients, HttpsProbe, httpsProbe } from "./clients";
import { CHECKS } from "./registry";
import { DR_CHECKS } from "./dr";
import type { DrConfig } from "../dr/config";
import { DEFAULT_RETRY, isThrottling, RetryOptions, withRetry } from "./retry";

export type { CheckResult, CheckStatus } from "./check";
export { CHECKS } from "./registry";

const PROJECT_DIR = path.resolve(__dirname, "..", "..");

export interface VerifyContext {
    /** The stack: dev, sit or prod. */
    readonly env: string;
    /** The stack's outputs, grouped by phase (`network`, `database`, …). */
    readonly outputs: Record<string, unknown>;
}

export interface VerifyDeps {
    /** The stack's config; default: read from Pulumi.<env>.yaml in `projectDir`. */
    readonly config?: PlatformConfig;
    /** Where the stack files are; default: this repository. */
    readonly projectDir?: string;
    /** Default: clients for the stack's region, credentials from the default chain. */
    readonly clients?: AwsClients;
    /** Default: a real HTTPS request. */
    readonly probe?: HttpsProbe;
    /** Default: 5 attempts, 0.5 s doubling to at most 8 s, real sleep. */
    readonly retry?: Partial<RetryOptions>;
    /**
     * `bbws:dr`, `null` for none. Default: the config's `dr` (the program side's PlatformConfig.dr),
     * else, when no config was given, read from the stack file (automation/dr/config.ts).
     */
    readonly dr?: DrConfig | null;
    /** Default: clients for the DR region, like `clients`. */
    readonly drClients?: AwsClients;
}

export interface VerifyResult {
    /** One per check of the phase, in registry order. */
    readonly checks: CheckResult[];
}

/**
 * Runs the phase's checks concurrently, sharing reads by key and retrying throttled or transient AWS
 * errors. A check's error becomes its result (a missing output or AWS error `fail`s, throttling after
 * the last attempt `warn`s), so this rejects only if the config cannot be loaded (`UsageError`).
 */
export async function verifyPhase(phase: PhaseName, ctx: VerifyContext, deps: VerifyDeps = {}): Promise<VerifyResult> {
    const config = deps.config ?? loadStackConfig(deps.projectDir ?? PROJECT_DIR, ctx.env);
    const retry: RetryOptions = { ...DEFAULT_RETRY, ...deps.retry };
    const reads = new Map<string, Promise<unknown>>();
    const checkContext: CheckContext = {
        env: ctx.env,
        config,
        outputs: new StackOutputs(ctx.outputs),
        aws: deps.clients ?? createClients(config.region),
        probe: deps.probe ?? httpsProbe,
        read<T>(key: string, call: () => Promise<T>): Promise<T> {
            if (!reads.has(key)) reads.set(key, withRetry(call, retry));
            return reads.get(key) as Promise<T>;
        },
    };
    const dr = drContext(ctx, deps, config);
    const phaseChecks = [...CHECKS[phase], ...(dr ? (DR_CHECKS[phase] ?? []) : [])];
    const checks = await Promise.all(phaseChecks.map((check) => runCheck(check, { ...checkContext, dr }, retry)));
    return { checks };
}

/** The DR checks' context where `bbws:dr` is set, else undefined (their checks are then not run). */
function drContext(ctx: VerifyContext, deps: VerifyDeps, config: PlatformConfig): DrCheckContext | undefined {
    const fromConfig = (config as { dr?: DrConfig }).dr;
    const dr =
        deps.dr !== undefined
            ? (deps.dr ?? undefined)
            : (fromConfig ?? (deps.config ? undefined : readDrSettings(deps.projectDir ?? PROJECT_DIR, ctx.env).dr));
    if (!dr) return undefined;
    return {
        config: dr,
        primaryRegion: config.region,
        outputs: () => {
            try {
                return readDrOutputs(ctx.outputs, ctx.env);
            } catch (err) {
                throw new MissingOutputError(/\((\S+?):/.exec((err as Error).message)?.[1] ?? "dr", "the contract's dr outputs (issue 17)");
            }
        },
        aws: deps.drClients ?? createClients(dr.region),
    };
}

async function runCheck(check: Check, ctx: CheckContext, retry: RetryOptions): Promise<CheckResult> {
    return { id: check.id, phase: check.phase, ...(await outcomeOf(check, ctx, retry)) };
}

/** A check's answer, or the result its error stands for: it never throws. */
async function outcomeOf(check: Check, ctx: CheckContext, retry: RetryOptions): Promise<CheckOutcome> {
    try {
        return await check.check(ctx);
    } catch (err) {
        if (err instanceof MissingOutputError) return fail(`${err.message}: has the ${check.phase} phase been applied?`);
        const e = err as Error;
        // Throttling says nothing about the resource: report it as not verified, never as a failure.
        if (isThrottling(err)) return warn(`not verified: AWS throttled the reads ${retry.attempts} times (${e.name}); run verify again`);
        return fail(`could not verify: ${e.name === "Error" ? e.message : `${e.name}: ${e.message}`}`);
    }
}
