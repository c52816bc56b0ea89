/**
 * `npm run tenant -- rotate-salts --env <env> --id <id>`: new WordPress keys and salts for one tenant,
 * after a compromise or on a schedule of the operators' choosing. WordPress signs its login cookies
 * and nonces with them, so **every user logged in to the site is logged out**: that is the point.
 *
 * approve  the `ecs` phase's roles (`bbws:approvals.ecs`) approve this rotation, or `--yes` where none is required
 * salts    PutSecretValue of eight new values into `bbws/<env>/tenants/<id>/wp-salts` (AWSCURRENT moves to it)
 * redeploy UpdateService `forceNewDeployment` on the tenant's service, then wait until it is steady:
 *          ECS injects secrets when a task starts, so only new tasks read the new values
 *
 * Each step is recorded in the tenant step log (action `rotate-salts`). A run after a complete rotation
 * starts a new one; a run after one that stopped between `salts` and `redeploy` resumes at `redeploy`
 * (the secret already holds the new values: generating them again would log everyone out twice).
 * Both steps are safe to repeat: a second PutSecretValue is one more new version, a second
 * UpdateService replaces a deployment in flight.
 */
import { createHash, randomInt, randomUUID } from "crypto";
import { tenantSaltsSecretName } from "../../src/config";
import { WORDPRESS_SALT_KEYS, WORDPRESS_SALT_LENGTH, WORDPRESS_SALT_SPECIALS } from "../../src/images";
import { EXIT, UsageError } from "../errors";
import { approvalGate, evaluate } from "../gates";
import type { Io } from "../io";
import type { Approval, TenantStepLedger, TenantStepRecord } from "../ledger";
import { loadStackConfig } from "../stack-files";
import { EXIT_INTERRUPTED, renderTenantRun, StepFailedError, StepReport, stepFailure, TenantRunResult } from "./steps";

/** `npm run tenant -- rotate-salts`. */
export interface RotateSaltsRequest {
    readonly action: "rotate-salts";
    readonly env: string;
    readonly id: string;
}

/** How the command runs, besides what it does. */
export interface RotateSaltsOptions {
    /** Print each step and what it would change; change nothing, record nothing. */
    readonly dryRun: boolean;
    /** `--approve role:name[@plan sha256 prefix]`: judged by the rollout's approval gate for the `ecs` phase. */
    readonly approvals: readonly Approval[];
    /** `--yes`: confirms where no role must approve. */
    readonly yes: boolean;
}

/** The tenant's ECS service, as the stack's outputs name it (`ecs.clusterName`, `ecs.serviceNames.<id>`). */
export interface TenantServiceRef {
    readonly cluster: string;
    readonly service: string;
}

/** How a forced deployment ended once the service was steady (ECS `Deployment.rolloutState`). */
export interface SteadyService {
    /** `COMPLETED`, or `FAILED` when the circuit breaker rolled it back. */
    readonly rolloutState: string;
    readonly runningCount: number;
    readonly desiredCount: number;
}

/** What rotating salts reaches outside the process through: the real one (salts-aws.ts) or the rehearsal's doubles. */
export interface SaltsPort {
    /** The tenant's service from the stack outputs; undefined before its ecs phase was rolled out. */
    serviceOf(env: string, id: string): Promise<TenantServiceRef | undefined>;
    /**
     * Secrets Manager PutSecretValue of `values` (JSON) into `secretId` with `token` as its
     * ClientRequestToken (a retry with the same token and value creates no second version); the new
     * version's id. AWSCURRENT moves to it.
     */
    putSalts(secretId: string, values: Readonly<Record<string, string>>, token: string, signal?: AbortSignal): Promise<string>;
    /** ECS UpdateService with `forceNewDeployment`: the id of the deployment it started. */
    redeploy(service: TenantServiceRef, signal?: AbortSignal): Promise<string>;
    /** Waits (at most `timeoutMs`) until the service has one deployment and runs its desired count; how `deploymentId` ended. */
    waitSteady(service: TenantServiceRef, deploymentId: string, timeoutMs: number, signal?: AbortSignal): Promise<SteadyService>;
}

/** What the steps reach outside the process through. */
export interface RotateSaltsDeps {
    /** Directory with the stack files. */
    readonly projectDir: string;
    readonly port: SaltsPort;
    readonly log: TenantStepLedger;
    readonly io: Io;
    readonly now: () => number;
    /** Who runs the steps, recorded in each record. */
    readonly operator: () => Promise<string>;
    /** New values; default `generateSalts()`. */
    readonly salts?: () => Record<string, string>;
    /** The PutSecretValue token; default a random UUID. */
    readonly token?: () => string;
    readonly runId?: string;
    /** How long `redeploy` waits for the service to be steady; default 30 minutes. */
    readonly steadyTimeoutMs?: number;
    /** Aborted on the first Ctrl-C: the step in flight stops waiting, is recorded `cancelled`, and no later step starts. */
    readonly signal?: AbortSignal;
}

/** Default wait for the new tasks: their start, the health check grace period, draining the old ones. */
const STEADY_TIMEOUT_MS = 30 * 60_000;

/** The phase whose roles approve a rotation: the salts secret and the service are the tenant's ECS resources. */
const APPROVING_PHASE = "ecs" as const;

/** Letters, digits and {@link WORDPRESS_SALT_SPECIALS}: what a key or salt is drawn from. */
export const SALT_ALPHABET = `abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789${WORDPRESS_SALT_SPECIALS}`;

/**
 * Eight new WordPress keys and salts, `{ AUTH_KEY: …, …, NONCE_SALT: … }` in `WORDPRESS_SALT_KEYS`
 * order (the secret's shape as the program writes it), each `WORDPRESS_SALT_LENGTH` characters of
 * {@link SALT_ALPHABET}. `pick(n)` draws an index below `n`: a CSPRNG (`crypto.randomInt`) by default.
 */
export function generateSalts(pick: (n: number) => number = randomInt): Record<string, string> {
    const value = () => Array.from({ length: WORDPRESS_SALT_LENGTH }, () => SALT_ALPHABET[pick(SALT_ALPHABET.length)]).join("");
    return Object.fromEntries(WORDPRESS_SALT_KEYS.map((key) => [key, value()]));
}

/** What the rotation will do, line by line: the dry run prints it and approvals are for its sha256. */
export function rotationPlan(env: string, id: string, service: TenantServiceRef | undefined): string[] {
    const where = service ? `${service.service} in cluster ${service.cluster}` : `${id}'s service (stack output ecs.serviceNames.${id})`;
    return [
        `PutSecretValue ${tenantSaltsSecretName(env, id)}: ${WORDPRESS_SALT_KEYS.length} new values (${WORDPRESS_SALT_KEYS.join(", ")}), ${WORDPRESS_SALT_LENGTH} characters each`,
        `UpdateService --force-new-deployment ${where}, then wait until it is steady`,
        `every user logged in to ${id} is logged out (their cookies were signed with the old keys)`,
    ];
}

/** sha256 of the plan: `--approve role:name@<prefix>` approves only this rotation. */
export function planHashOf(plan: readonly string[]): string {
    return createHash("sha256").update(plan.join("\n")).digest("hex");
}

interface RotationContext {
    readonly req: RotateSaltsRequest;
    readonly options: RotateSaltsOptions;
    readonly deps: RotateSaltsDeps;
    readonly requiredRoles: readonly string[];
    readonly plan: readonly string[];
    readonly service: TenantServiceRef | undefined;
}

interface RotationStep {
    readonly id: "approve" | "salts" | "redeploy";
    readonly title: string;
    run(ctx: RotationContext): Promise<Record<string, string>>;
}

const STEPS: readonly RotationStep[] = [
    {
        id: "approve",
        title: `the ${APPROVING_PHASE} phase's roles approve the rotation`,
        run: async (ctx) => {
            const { env } = ctx.req;
            const confirmed = ctx.options.yes || (ctx.requiredRoles.length === 0 && (await askYes(ctx)));
            const result = evaluate(approvalGate, {
                env,
                phase: APPROVING_PHASE,
                requiredRoles: ctx.requiredRoles,
                approvals: ctx.options.approvals,
                planHash: planHashOf(ctx.plan),
                confirmed,
            });
            if (result.verdict.status !== "pass") {
                throw new StepFailedError("approval-refused", result.verdict.findings.join("; "), result.verdict.fix, EXIT.refused);
            }
            return { approvedBy: result.verdict.findings.join(", "), plan: planHashOf(ctx.plan).slice(0, 12) };
        },
    },
    {
        id: "salts",
        title: "put new keys and salts into its secret",
        run: async (ctx) => {
            const secret = tenantSaltsSecretName(ctx.req.env, ctx.req.id);
            const values = (ctx.deps.salts ?? generateSalts)();
            const versionId = await ctx.deps.port.putSalts(secret, values, (ctx.deps.token ?? randomUUID)(), ctx.deps.signal);
            return { secret, versionId };
        },
    },
    {
        id: "redeploy",
        title: "redeploy its service and wait until it is steady",
        run: async (ctx) => {
            const { env, id } = ctx.req;
            if (!ctx.service) {
                throw new StepFailedError(
                    "no-service",
                    `the stack has no service for ${id} (output ecs.serviceNames.${id})`,
                    `roll the tenant out (npm run rollout -- --env ${env} --tenant ${id}), then run the same command again: it resumes here`,
                );
            }
            const deploymentId = await ctx.deps.port.redeploy(ctx.service, ctx.deps.signal);
            ctx.deps.io.err(`  deployment ${deploymentId} started; waiting until ${ctx.service.service} is steady`);
            const timeout = ctx.deps.steadyTimeoutMs ?? STEADY_TIMEOUT_MS;
            const steady = await ctx.deps.port.waitSteady(ctx.service, deploymentId, timeout, ctx.deps.signal);
            if (steady.rolloutState !== "COMPLETED") {
                throw new StepFailedError(
                    "deployment-not-completed",
                    `deployment ${deploymentId} of ${ctx.service.service} ended ${steady.rolloutState} (the circuit breaker rolls a failed deployment back)`,
                    "read the service's events and the tenant's log group, fix the cause, then run the same command again: it resumes here",
                );
            }
            return { deploymentId, tasks: `${steady.runningCount}/${steady.desiredCount}` };
        },
    },
];

async function askYes(ctx: RotationContext): Promise<boolean> {
    const { io } = ctx.deps;
    if (!io.interactive || !io.prompt) return false;
    const answer = await io.prompt(`rotate the salts of ${ctx.req.id} in ${ctx.req.env}, logging every user out? [y/N] `);
    return answer.trim().toLowerCase() === "y";
}

/**
 * Where a run starts: at `redeploy` when the last rotation put new salts but no `redeploy` succeeded
 * after them; otherwise at the beginning (a new rotation).
 */
export function resumePoint(records: readonly TenantStepRecord[], tenant: string): "salts" | "redeploy" {
    const mine = records.filter((r) => r.tenant === tenant && r.action === "rotate-salts" && r.result === "succeeded");
    const last = (step: string) => mine.map((r) => r.step).lastIndexOf(step);
    return last("salts") > last("redeploy") ? "redeploy" : "salts";
}

/** Refuses (`UsageError`, exit 2, nothing changed) a tenant that is not in the stack file; `tenants` are its ids. */
export function refuseRotation(req: RotateSaltsRequest, tenants: readonly string[]): void {
    if (!tenants.includes(req.id)) {
        throw new UsageError("unknown-tenant", `'${req.id}' is not a tenant of ${req.env}`, `tenants of ${req.env}: ${tenants.join(", ")}`);
    }
}

/**
 * Runs (or, with `dryRun`, describes) a rotation of `req.id`'s salts, recording each step. Refusals
 * throw `UsageError` before anything changes; a refused approval is recorded and ends the run with
 * exit 3; a failed step with exit 1 (run the same command again: it resumes, see `resumePoint`).
 */
export async function runRotateSalts(
    req: RotateSaltsRequest,
    options: RotateSaltsOptions,
    deps: RotateSaltsDeps,
): Promise<TenantRunResult> {
    const cfg = loadStackConfig(deps.projectDir, req.env);
    refuseRotation(
        req,
        cfg.tenants.map((t) => t.id),
    );
    const start = resumePoint(await deps.log.readTenantSteps(req.env), req.id);
    const service = await deps.port.serviceOf(req.env, req.id);
    const plan = rotationPlan(req.env, req.id, service);
    const ctx: RotationContext = { req, options, deps, requiredRoles: cfg.approvals[APPROVING_PHASE] ?? [], plan, service };
    const skipped = (s: RotationStep) => start === "redeploy" && s.id === "salts";
    const base = { env: req.env, tenant: req.id, action: req.action, dryRun: options.dryRun, noOp: false };
    if (options.dryRun) {
        const approvers = ctx.requiredRoles.length > 0 ? ctx.requiredRoles.map((r) => `--approve ${r}:<name>`).join(" ") : "--yes";
        const planOf: Record<RotationStep["id"], string[]> = {
            approve: [`${approvers} (plan sha256 ${planHashOf(plan).slice(0, 12)})`],
            salts: [plan[0]],
            redeploy: plan.slice(1),
        };
        const steps: StepReport[] = STEPS.map((s) =>
            skipped(s)
                ? { step: s.id, title: s.title, status: "done before" }
                : { step: s.id, title: s.title, status: "to do", plan: planOf[s.id] },
        );
        return { ...base, exitCode: EXIT.ok, steps };
    }
    if (start === "redeploy")
        deps.io.err(`resuming the rotation of ${req.id}'s salts in ${req.env}: its secret holds new values, its tasks the old`);

    const runId = deps.runId ?? randomUUID();
    const operator = await deps.operator();
    const reports: StepReport[] = [];
    for (const [index, step] of STEPS.entries()) {
        if (skipped(step)) {
            reports.push({ step: step.id, title: step.title, status: "done before" });
            continue;
        }
        if (deps.signal?.aborted) {
            deps.io.err(`\ninterrupted: ${step.id} and the steps after it were not started; run the same command again`);
            for (const rest of STEPS.slice(index)) reports.push({ step: rest.id, title: rest.title, status: "not reached" });
            return { ...base, exitCode: EXIT_INTERRUPTED, steps: reports };
        }
        deps.io.err(`\n[${index + 1}/${STEPS.length}] ${step.id}: ${step.title}`);
        const started = deps.now();
        const record = (result: TenantStepRecord["result"], extra: Partial<TenantStepRecord>) =>
            deps.log.appendTenantStep({
                v: 1,
                kind: "tenant-step",
                at: new Date(deps.now()).toISOString(),
                runId,
                env: req.env,
                tenant: req.id,
                action: req.action,
                step: step.id,
                result,
                operator,
                durationMs: deps.now() - started,
                ...extra,
            });
        try {
            const data = await step.run(ctx);
            await record("succeeded", { data });
            deps.io.err(`  ${step.id}: succeeded`);
            reports.push({ step: step.id, title: step.title, status: "succeeded", data });
        } catch (caught) {
            const failure = stepFailure(step.id, caught, deps.signal);
            await record(failure.status, { error: { code: failure.code, message: failure.error.message } });
            deps.io.err(`  ${step.id}: ${failure.text}\n  run the same command again to resume`);
            reports.push({ step: step.id, title: step.title, status: failure.status, error: failure.error.message });
            for (const rest of STEPS.slice(index + 1)) reports.push({ step: rest.id, title: rest.title, status: "not reached" });
            return { ...base, exitCode: failure.exitCode, steps: reports };
        }
    }
    return { ...base, exitCode: EXIT.ok, steps: reports };
}

/** The run as `renderTenantRun`'s table, and after a rotation, what it did to the site's users. */
export function renderRotation(result: TenantRunResult): string {
    const table = renderTenantRun(result);
    const rotated = result.steps.find((s) => s.step === "salts")?.status === "succeeded";
    const redeployed = result.steps.find((s) => s.step === "redeploy")?.status === "succeeded";
    if (redeployed)
        return `${table}\n\nevery user logged in to ${result.tenant} is logged out: WordPress checks their cookies against the new keys`;
    if (rotated)
        return `${table}\n\nthe secret holds the new keys, but running tasks hold the old ones until the service is redeployed: run the same command again`;
    return table;
}
