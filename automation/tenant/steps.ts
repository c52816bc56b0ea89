/**
 * Onboarding and offboarding as ordered steps, each recorded in the tenant step log (ledger.ts
 * `TenantStepRecord`). A run starts at the first step whose last record did not succeed, so running
 * the same command again after a failure resumes there; when every step has succeeded the command is
 * a no-op that says so. `--dry-run` prints every step, done or to do, and what each would change or
 * delete, and changes nothing.
 *
 * add:    config (the tenant, stopped, at its `--tier`) → rollout → database (platform task, on the tenant's own cluster if enterprise) → install (tenant task: `wp core
 *         install`, so no public installer) → start (config, rollout) → healthy (its targets) → https
 *         (`https://<id>.<domain>/` answers 200)
 * remove: stop (config: `stopped: true`, rollout: no task writes any more) → archive (tenant task, verified;
 *         taken again by every run until the files step has started, so it is never older than the run that
 *         deletes, nor a take of a half-emptied wp-content) → confirm (the operator types the id) → files (tenant task empties its wp-content) → cache
 *         (the platform task unlinks the tenant's object-cache keys) → retire (config: out of `bbws:tenants`, into `bbws:retiredTenants`)
 *         → rollout (the deletes, last phase first) → media (the storage phase: the assets bucket's lifecycle
 *         rule now expires its media) → database (platform task drops user and schema; nothing for an enterprise tenant, whose
 *         cluster the rollout removed)
 * migrate-tier (premium → enterprise only where nothing is retained on delete: `refuseMigration`): check (into enterprise only: before anything stops) → stop (remove's, without `offboarding`) → export (remove's archive, to a prefix of
 *         its own; taken again by every run until the tier step has started) → tier (config: its `tier`, then `--phase all --migrate-tier`)
 *         → into enterprise only (`MOVE_DATABASE_STEPS`): repoint-secret → create-database → import-database → compare-database
 *         → import (tenant task: the export's files into its new file system) → start, healthy, https (add's) → domains
 *         → drop-shared-database (into enterprise only, after the operator types the id)
 * A stop rolls out the tenant's phases that `stopped` acts in (`stopPhases`: database first, where its rotation pauses,
 * then ecs and monitoring; a removal's ecs and monitoring only); an enterprise tenant's offboarding also its database phase once the deletion is
 * confirmed (`unprotectPhases`); a start, its database, monitoring then ecs phases (`START_PHASES`). An enterprise tenant's schema and user
 * live on its own cluster: add's database step creates them there; remove's rollout deletes them with the cluster.
 *
 * Offboarding edits the config before its rollout, not after: the rollout deletes what the program no
 * longer builds, and retiring in the same edit means the slot is never free in between.
 */
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { PlatformConfig, TenantTier } from "../../src/config";
import { ROTATION_CLONE_SUFFIX, tenantClusterIdentifier, tenantDatabaseName } from "../../src/config";
import { getPhase, PhaseName, PHASES, tenantComponentName } from "../../src/phases";
import { hasOwnDatabase, hasOwnVpc, TENANT_TIERS } from "../../src/tiers";
import { BbwsError, describeError, EXIT, ExitCode, UsageError } from "../errors";
import type { Io } from "../io";
import type { Approval, TenantAction, TenantStepLedger, TenantStepRecord } from "../ledger";
import { checkStackText, loadStackConfig, writeStackFile } from "../stack-files";
import { renderTable } from "../table";
import { parseUrn } from "../targets";
import type {
    ArchiveObject,
    CustomDomainReport,
    OneOffTaskRequest,
    TenantClusterOutputs,
    TenantPort,
    TenantRolloutRequest,
    TenantStackOutputs,
} from "./port";
import {
    ARCHIVE_FILES,
    ArchiveFile,
    archiveCommand,
    archiveFiles,
    archivePrefix,
    createDatabaseCommand,
    compareDatabaseCommand,
    dropDatabaseCommand,
    importDatabaseCommand,
    precheckDatabaseCommand,
    importFilesCommand,
    installWordPressCommand,
    migrationExportPrefix,
    purgeCacheCommand,
    purgeFilesCommand,
    TaskCommand,
    WORDPRESS_ADMIN_USER,
} from "./scripts";
import { repointToken } from "./secret-repoint";
import { addTenant, NewTenant, retireTenant, setTenantTier, startTenant, stopTenant } from "./stack-edit";

/** `npm run tenant -- add`: the new tenant's settings. */
export interface AddRequest extends NewTenant {
    readonly action: "add";
    readonly env: string;
}

/** `npm run tenant -- remove`. */
export interface RemoveRequest {
    readonly action: "remove";
    readonly env: string;
    readonly id: string;
}

/** `npm run tenant -- migrate-tier`: the tenant and the tier it moves to. */
export interface MigrateTierRequest {
    readonly action: "migrate-tier";
    readonly env: string;
    readonly id: string;
    readonly tier: TenantTier;
}

export type TenantRequest = AddRequest | RemoveRequest | MigrateTierRequest;

/** How the command runs, besides what it does. */
export interface TenantRunOptions {
    /** Print every step and what it would change or delete; change nothing, record nothing. */
    readonly dryRun: boolean;
    /** Passed to each rollout's approval gate, as `--approve`. */
    readonly approvals: readonly Approval[];
    /** Passed to each rollout as `--yes`. */
    readonly yes: boolean;
    /** Offboarding's confirmation given on the command line (`--confirm <id>`): must be the tenant's id. */
    readonly confirm?: string;
}

/** What the steps reach outside the process through. */
export interface TenantDeps {
    /** Directory with the stack files. */
    readonly projectDir: string;
    readonly port: TenantPort;
    readonly log: TenantStepLedger;
    readonly io: Io;
    readonly now: () => number;
    /** Who runs the steps, recorded in each record; asked only once a step is about to run (the backend's user). */
    readonly operator: () => Promise<string>;
    readonly runId?: string;
    /** How long the `healthy` step waits for the tenant's targets; default 15 minutes. */
    readonly healthTimeoutMs?: number;
    /** How long offboarding's `stop` step waits for the tenant's tasks to be STOPPED; default 10 minutes. */
    readonly stopTimeoutMs?: number;
    /**
     * Aborted on the operator's first Ctrl-C (signals.ts `cancelOnSignals`): the step in flight ends as its
     * rollout or task decides, is recorded `cancelled`, and no later step starts.
     */
    readonly signal?: AbortSignal;
}

/** Exit code of a run the operator interrupted: a shell's for SIGINT (128 + 2), as the rollout and task runner return. */
export const EXIT_INTERRUPTED = 130;

/** How each step ended in this run, or had ended before it. */
export interface StepReport {
    readonly step: string;
    readonly title: string;
    readonly status: "done before" | "succeeded" | "failed" | "refused" | "cancelled" | "to do" | "not reached";
    /** Dry run: what it would change or delete. */
    readonly plan?: readonly string[];
    readonly data?: Readonly<Record<string, string>>;
    readonly error?: string;
}

/** The outcome of a run: its exit code and one report per step, for the table or `--json`. */
export interface TenantRunResult {
    readonly exitCode: ExitCode | number;
    readonly env: string;
    readonly tenant: string;
    readonly action: TenantAction;
    readonly dryRun: boolean;
    /** Every step had succeeded before this run: it did nothing. */
    readonly noOp: boolean;
    readonly steps: readonly StepReport[];
}

/** A step that did not succeed; its code and message go into the step's record. */
export class StepFailedError extends BbwsError {
    constructor(code: string, message: string, fix?: string, exitCode: ExitCode = EXIT.failed) {
        super(code, message, exitCode, fix);
        this.name = "StepFailedError";
    }
}

interface StepContext {
    readonly req: TenantRequest;
    readonly options: TenantRunOptions;
    readonly deps: TenantDeps;
    /** The config as the run found it. */
    readonly cfg: PlatformConfig;
    /** What earlier steps recorded (`data`), this run's and earlier runs'. */
    readonly data: Record<string, string>;
    /** Today, YYYY-MM-DD (UTC). */
    readonly today: string;
}

interface Step {
    readonly id: string;
    readonly title: string;
    /** Runs even when its last record succeeded: the confirmation is asked of every run that still deletes something. */
    readonly everyRun?: boolean;
    /**
     * Runs again, even when its last record succeeded, in every run until the step of this id has a record
     * of any result: the archive is retaken by a run that comes days later, so what is deleted is never newer
     * than its archive; but never once that step has started, since a failed or cancelled `files` step may
     * have emptied part of wp-content (`find -delete` removes entry by entry: GNU findutils manual, Actions,
     * `-delete`) and a retake would record the half-emptied tree as the archive.
     */
    readonly retakenUntil?: string;
    /** What it would change or delete, for `--dry-run`. */
    plan(ctx: StepContext): Promise<string[]>;
    /** Does it; what it returns is recorded as the step's `data`. Throws a `BbwsError` when it does not succeed. */
    run(ctx: StepContext): Promise<Record<string, string> | void>;
}

/** Default wait for a new tenant's targets: a first WordPress start plus the health check grace period. */
const HEALTH_TIMEOUT_MS = 15 * 60_000;

/** Default wait for a stopping tenant's tasks: auto-scaling's scale-in, the target group's deregistration delay, the containers' stop timeout. */
const STOP_TIMEOUT_MS = 10 * 60_000;

const stackFilePath = (ctx: StepContext) => path.join(ctx.deps.projectDir, `Pulumi.${ctx.req.env}.yaml`);
const readStackText = (ctx: StepContext) => fs.readFileSync(stackFilePath(ctx), "utf8");

/** Lines added (`+`) and removed (`-`) between two texts of the same file whose other lines are equal (the edits keep them). */
export function changedLines(before: string, after: string): string[] {
    const a = before.split("\n");
    const b = after.split("\n");
    let start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    let endA = a.length;
    let endB = b.length;
    while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
        endA--;
        endB--;
    }
    return [...a.slice(start, endA).map((l) => `- ${l}`), ...b.slice(start, endB).map((l) => `+ ${l}`)];
}

/** Writes an edit of the stack file (validated, atomic) and commits it; no change when the file already says it. */
async function applyEdit(ctx: StepContext, edit: (text: string) => string, message: string): Promise<Record<string, string>> {
    const before = readStackText(ctx);
    const after = edit(before);
    if (after !== before) writeStackFile(ctx.deps.projectDir, ctx.req.env, after);
    const commit = await ctx.deps.port.commitStackFile(stackFilePath(ctx), message);
    return commit ? { commit } : {};
}

/** What a step's rollout selects and may replace, besides the tenant's whole `--tenant` rollout (port.ts `TenantRolloutRequest`). */
type RolloutScope = Partial<Pick<TenantRolloutRequest, "allowStatefulDeletes" | "platformPhase" | "phase" | "migrateTier">>;

async function rollout(ctx: StepContext, scope: RolloutScope = {}): Promise<void> {
    const { env } = ctx.req;
    const tenant = ctx.req.id;
    const code = await ctx.deps.port.rolloutTenant({
        env,
        tenant,
        approvals: ctx.options.approvals,
        yes: ctx.options.yes,
        allowStatefulDeletes: false,
        ...scope,
    });
    if (code !== EXIT.ok) {
        const what = scope.platformPhase
            ? `--phase ${scope.platformPhase} rollout`
            : scope.migrateTier
              ? `--phase all --migrate-tier ${tenant} rollout`
              : `${scope.phase ? `--phase ${scope.phase} ` : ""}--tenant rollout of ${tenant}`;
        throw new StepFailedError(
            "rollout-failed",
            `the ${what} in ${env} ended with exit ${code} (its ledger records say which phase and why)`,
            "fix what the rollout reported, then run the same command again: it resumes at this step",
            code as ExitCode,
        );
    }
}

async function runTask(
    ctx: StepContext,
    scope: OneOffTaskRequest["scope"],
    command: TaskCommand,
    purpose: string,
): Promise<Record<string, string>> {
    const result = await ctx.deps.port.runTask({ env: ctx.req.env, scope, command, purpose });
    if (result.exitCode !== 0) {
        throw new StepFailedError(
            "task-failed",
            result.exitCode === undefined
                ? `the one-off task (${purpose}) never ran its command: ${result.stoppedReason ?? "no reason given"}`
                : `the one-off task (${purpose}) exited ${result.exitCode}${result.taskArn ? ` (${result.taskArn})` : ""}`,
            "read the task's log lines above, fix the cause, and run the same command again: the task is safe to re-run",
        );
    }
    return result.taskArn ? { taskArn: result.taskArn } : {};
}

/** Each phase's tenant component, as the rollout creates or deletes it: `bbws:ecs:TenantService ecs-<id>`. */
function tenantComponents(id: string): string[] {
    return PHASES.map((p) => `${p.name}: ${p.tenantType} ${tenantComponentName(p.name, id)}`);
}

/**
 * What an add's plan says a tier gives the tenant of its own (src/tiers.ts `TIER_ISOLATION`; README "Isolation
 * tiers"); nothing for `basic`, the default, whose plan is the components alone.
 */
function tierCreates(tier: TenantTier): string[] {
    if (tier === "basic") return [];
    return [
        `tier ${tier}: its own security group, roles, secrets and service`,
        ...(hasOwnVpc(tier)
            ? ["  its own VPC from the tenant pool, peered with the platform's, with its own load balancer and EFS file system"]
            : ["  on the platform's VPC, load balancer and file system"]),
        ...(hasOwnDatabase(tier)
            ? [
                  "  its own Aurora cluster in that VPC (shaped as the environment's: bbws:database), with its own KMS key",
                  "  (alias/bbws-<env>-tenant-<id>) and password-rotation function; its schema and user are created there",
              ]
            : ["  its schema and user on the environment's shared Aurora cluster"]),
    ];
}

/**
 * What a premium or enterprise tenant's rollout at `tier` needs first, as the plan warns of it (review: the dry
 * run hid both): in a `--tenant` rollout (`tenantRollout`: an add's, not a migration's `--phase all`), the
 * environment's first tenant VPC creates a platform resource, the grant for tenant VPCs' flow logs, which the
 * platform gate refuses there; and where `bbws:database.deletionProtection` is off, an enterprise tenant's
 * cluster fails the mandatory RDS.7 until a waiver names it.
 */
function tierPreconditions(ctx: StepContext, tier: TenantTier, tenantRollout: boolean): string[] {
    const others = ctx.cfg.tenants.filter((t) => t.id !== ctx.req.id);
    return [
        ...(tenantRollout && hasOwnVpc(tier) && !others.some((t) => hasOwnVpc(t.tier))
            ? [
                  `  needs first: npm run rollout -- --env ${ctx.req.env} --phase all, once the tenant is in the stack file: the environment's`,
                  "  first tenant VPC creates the platform's grant for tenant flow logs, which the platform gate keeps from a --tenant rollout",
              ]
            : []),
        ...(hasOwnDatabase(tier) && !ctx.cfg.database.deletionProtection
            ? [
                  `  needs first: a waiver of rds-7-cluster-deletion-protection for data-${ctx.req.id}-cluster-aurora in src/policy/waivers.ts:`,
                  '  bbws:database.deletionProtection is off here, and the policy pack blocks a cluster without it (README "Requesting an exception")',
              ]
            : []),
    ];
}

/** The tenant's database secret (stack output `database.tenantSecretArns[id]`); a failed step naming `createdBy` when the stack has none. */
async function tenantSecretOf(ctx: StepContext, createdBy: string): Promise<string> {
    return secretOf(ctx, await ctx.deps.port.stackOutputs(ctx.req.env, ctx.req.id), createdBy);
}

/** `outputs`' database secret of the tenant; a failed step naming `createdBy` when there is none. */
function secretOf(ctx: StepContext, outputs: TenantStackOutputs, createdBy: string): string {
    if (!outputs.tenantSecretArn) {
        throw new StepFailedError(
            "no-tenant-secret",
            `the stack has no database secret for ${ctx.req.id} (output database.tenantSecretArns.${ctx.req.id})`,
            `the ${createdBy} step creates it: run the same command again once that step has succeeded`,
        );
    }
    return outputs.tenantSecretArn;
}

/**
 * The tenant's secret and its own cluster (stack output `database.tenantClusters[id]`), from one read of the stack's
 * outputs; a failed step naming `createdBy` when the stack has no cluster for it. Never the shared cluster for a tenant
 * whose secret names its own: its WordPress would find no user there.
 */
async function ownClusterOf(ctx: StepContext, createdBy: string): Promise<{ secretArn: string; cluster: TenantClusterOutputs }> {
    const outputs = await ctx.deps.port.stackOutputs(ctx.req.env, ctx.req.id);
    const secretArn = secretOf(ctx, outputs, createdBy);
    if (!outputs.tenantCluster) {
        throw new StepFailedError(
            "no-tenant-cluster",
            `${ctx.req.id} is ${tierOf(ctx)} and the stack has no cluster of its own for it (output database.tenantClusters.${ctx.req.id})`,
            `the ${createdBy} step creates it: run the same command again once that step has succeeded`,
        );
    }
    return { secretArn, cluster: outputs.tenantCluster };
}

/** The platform task that creates the tenant's schema and user from its secret, on the shared cluster or on `cluster`, its own. */
function createSchemaAndUser(ctx: StepContext, secretArn: string, cluster?: TenantClusterOutputs): Promise<Record<string, string>> {
    return runTask(
        ctx,
        { kind: "platform" },
        createDatabaseCommand(ctx.req.id, secretArn, cluster),
        `create schema and user ${tenantDatabaseName(ctx.req.id)}${cluster ? " on its own cluster" : ""}`,
    );
}

/** `https://<id>.<domain>`: the tenant's own address, always served (custom domains come on top). */
const siteUrl = (ctx: StepContext) => `https://${ctx.req.id}.${ctx.cfg.domain}`;

/** The new site's administrator's email: the platform team's (`bbws:monitoring.alertEmails`, the first), who hand the site over. */
const adminEmail = (ctx: StepContext): string | undefined => ctx.cfg.monitoring.alertEmails[0];

/**
 * Where `stopped` acts, and so all that a stop or a start rolls out, in the order that fails safe. A stop
 * (not a removal's): first its database secret's rotation (src/config.ts `databaseRotationPaused`), while
 * the site still serves, so that a rotation left half done is refused (`refuseRotationPending`) before any
 * downtime; then the service (and its load balancer), then its alarms: a failure between those two leaves
 * a stopped tenant whose alarms still notify (a page after 3 × 5 minutes: noise, not silence). A removal's
 * stop leaves the database phase to the removal's own rollouts (`unprotectPhases`, then its `rollout` step),
 * so an enterprise cluster keeps its deletion protection until the removal is confirmed. A start: its
 * rotation, once its user exists where its secret points; then its alarms, then the service: a failure
 * between them leaves a stopped tenant watched, never a serving one with silent alarms. Re-enabling
 * actions sends nothing by itself (CloudWatch notifies on state transitions only), so the start's
 * `healthy` step is what says a service that never became healthy.
 */
const SERVICE_STOP_PHASES: readonly PhaseName[] = ["ecs", "monitoring"];
const START_PHASES: readonly PhaseName[] = ["database", "monitoring", "ecs"];

/** A stop's rollouts, in order (see above): a removal's leaves the database phase alone. */
function stopPhases(offboarding: boolean): readonly PhaseName[] {
    return offboarding ? SERVICE_STOP_PHASES : ["database", ...SERVICE_STOP_PHASES];
}

/**
 * What offboarding's `unprotect` step rolls out, after the deletion is confirmed: for a tenant with its own
 * database (enterprise) the database phase, where `offboarding` turns its cluster's deletion protection off
 * (components/tenant-cluster.ts), since the rollout step deletes the cluster and RDS refuses to delete a
 * protected one (Aurora user guide, "Deletion protection for Aurora clusters"); nothing for the others. Not the
 * stop's: an offboarding abandoned at `confirm` then leaves the cluster protected.
 */
export function unprotectPhases(tier: TenantTier): readonly PhaseName[] {
    return hasOwnDatabase(tier) ? ["database"] : [];
}

/**
 * The phases a stop and a removal's `unprotect` step roll out, and so all that `stopped` and `offboarding` may change
 * before the tenant serves again or goes: the stop's (`stopPhases`) and, for a removal, `unprotectPhases`. A basic or
 * premium tenant's removal changes one thing more, in the database phase, which its `rollout` step applies with the
 * deletes: its paused rotation (test/rehearsal/tenant-migrate-tier.test.ts checks it is only that).
 */
export function phasesActedIn(tier: TenantTier, offboarding: boolean): readonly PhaseName[] {
    return [...stopPhases(offboarding), ...(offboarding ? unprotectPhases(tier) : [])];
}

/**
 * The tenant's tier: an add's `--tier`; else its entry in the stack file, or once offboarding has retired
 * it, the tier its stop step recorded.
 */
function tierOf(ctx: StepContext): TenantTier {
    if (ctx.req.action === "add") return ctx.req.tier ?? "basic";
    const id = ctx.req.id;
    return ctx.cfg.tenants.find((t) => t.id === id)?.tier ?? (ctx.data.tier as TenantTier | undefined) ?? "basic";
}

/** The tenant's rollout of each of `phases`, one after the other. */
async function rolloutPhases(ctx: StepContext, phases: readonly PhaseName[]): Promise<void> {
    for (const phase of phases) await rollout(ctx, { phase });
}

/**
 * What would keep the rollouts of `phases` from being approved in this run: without a terminal to ask at
 * (automation/rollout.ts `askApprovals`), each role `bbws:approvals.<phase>` names needs an `--approve
 * <role>:<name>`, and a phase no role guards needs `--yes` (automation/gates.ts `approvalGate`). One line
 * per phase short of one; empty at a terminal, which asks. Roles only: the plan an approval may name
 * (`role:name:<sha256 prefix>`) is not known before the preview, so the gate still judges that.
 */
export function missingApprovals(
    phases: readonly PhaseName[],
    required: PlatformConfig["approvals"],
    options: Pick<TenantRunOptions, "approvals" | "yes">,
    interactive: boolean,
): string[] {
    if (interactive) return [];
    return [...new Set(phases)].flatMap((phase) => {
        const roles = required[phase] ?? [];
        if (roles.length === 0) return options.yes ? [] : [`${phase}: no role approves it, and nothing confirms it (--yes)`];
        const missing = roles.filter((role) => !options.approvals.some((a) => a.role === role));
        return missing.length
            ? [`${phase}: no approval by ${missing.join(", ")} (${missing.map((r) => `--approve ${r}:<name>`).join(" ")})`]
            : [];
    });
}

/**
 * Refuses (exit 3) a step whose edit of the stack file would be committed before rollouts this run cannot
 * get approved: a stop would leave `stopped: true` committed while the site still serves, a start or a
 * tier change the same the other way. Nothing is edited.
 */
function refuseUnapproved(ctx: StepContext, phases: readonly PhaseName[], edit: string): void {
    const missing = missingApprovals(phases, ctx.cfg.approvals, ctx.options, ctx.deps.io.interactive);
    if (missing.length === 0) return;
    throw new StepFailedError(
        "approvals-missing",
        `this step ${edit}, then rolls out the ${phases.join(", ")} phase(s), which this run cannot get approved:\n` +
            missing.map((m) => `    ${m}`).join("\n"),
        "run the same command again with those flags (or at a terminal, which asks for them): the stack file is unchanged",
        EXIT.refused,
    );
}

/** How a plan says it. */
const inWords = (phases: readonly PhaseName[]) => `${phases.join(" then ")} phases' rollouts`;

/**
 * Starts the tenant's service: removes `stopped` from its entry, then rolls out the tenant's database,
 * monitoring and ecs phases, the only ones `stopped` acts in (test/rehearsal/tenant-migrate-tier.test.ts).
 * Onboarding's, after its database step has created the user, and a tier migration's after its import
 * (into enterprise, after the secret names its own cluster and the user exists there).
 */
function startStep(): Step {
    return {
        id: "start",
        title: "start its service",
        plan: async (ctx) => {
            const stopped = stopTenant(stackTextBeforeStart(ctx), ctx.req.id);
            return [
                `Pulumi.${ctx.req.env}.yaml:`,
                ...changedLines(stopped, startTenant(stopped, ctx.req.id)),
                `then the tenant's ${inWords(START_PHASES)} (its database secret's rotation, its alarms notify again, then its service's auto-scaling range)`,
            ];
        },
        run: async (ctx) => {
            const id = ctx.req.id;
            refuseUnapproved(ctx, START_PHASES, "removes `stopped` from the tenant's entry");
            // RotateSecret refuses a secret with a rotation pending: refused here, before the service's edit, not half-way.
            await refuseRotationPending(ctx, await tenantSecretOf(ctx, "add's rollout"), {
                state: `${id} is not started until this step succeeds (do not roll out its ecs phase by hand meanwhile)`,
            });
            const data = await applyEdit(
                ctx,
                (text) => startTenant(text, id),
                `tenant ${ctx.req.action} ${id} in ${ctx.req.env}: start its service`,
            );
            await rolloutPhases(ctx, START_PHASES);
            return data;
        },
    };
}

/** The stack file's text as the steps before `start` leave the tenant's entry, apart from `stopped`: with a new tenant added. */
function stackTextBeforeStart(ctx: StepContext): string {
    const req = ctx.req;
    const text = readStackText(ctx);
    return req.action === "add" && !ctx.cfg.tenants.some((t) => t.id === req.id) ? addTenant(text, req) : text;
}

/**
 * Stops the tenant's service, so nothing is written after its archive or export: `stopped: true` (with
 * `offboarding`, also `offboarding: true`: src/config.ts), the rollouts of the phases the edit acts in
 * (`stopPhases`: without `offboarding` database first, then ecs and monitoring), then a wait until ECS runs none of its tasks. Taken again in every run until the step `retakenUntil`
 * has a record, as the archive is (see `Step.retakenUntil`).
 */
function stopStep(retakenUntil: string, { offboarding = false }: { offboarding?: boolean } = {}): Step {
    return {
        id: "stop",
        title: "stop its service, so nothing is written after the archive",
        retakenUntil,
        plan: async (ctx) => [
            `Pulumi.${ctx.req.env}.yaml:`,
            ...changedLines(readStackText(ctx), stopTenant(readStackText(ctx), ctx.req.id, offboarding)),
            `then the tenant's ${inWords(stopPhases(offboarding))} (${offboarding ? "" : "its database secret's rotation off until the start, refused while a rotation is pending, "}its service at zero tasks, its alarms silent), then waits until ECS reports no task running, pending`,
            "  or still stopping (desired, running and pending counts 0, every task of the service and of the tenant's one-off",
            `  task definition STOPPED), ${Math.round((ctx.deps.stopTimeoutMs ?? STOP_TIMEOUT_MS) / 60_000)} min at most`,
        ],
        run: async (ctx) => {
            const id = ctx.req.id;
            refuseUnapproved(ctx, stopPhases(offboarding), "sets `stopped: true` in the tenant's entry");
            const data = await applyEdit(
                ctx,
                (text) => stopTenant(text, id, offboarding),
                `tenant ${ctx.req.action} ${id} in ${ctx.req.env}: stopped before its archive`,
            );
            const tier = tierOf(ctx);
            for (const phase of stopPhases(offboarding)) {
                await rollout(ctx, { phase });
                // CancelRotateSecret on a rotation in progress "can leave the VersionStage labels in an unexpected state"
                // (Secrets Manager API reference): found while the site still serves, before its service stops.
                if (phase === "database") {
                    await refuseRotationPending(ctx, await tenantSecretOf(ctx, "add's rollout"), {
                        state: `${ctx.req.id} still serves, its rotation off`,
                        // The stop's CancelRotateSecret ended whatever was running: nothing will finish it, and RotateSecret
                        // (an abandon's rollout, or the start's) refuses the secret until the label is gone.
                        fix: 'the rotation is off now, so nothing will finish this one: clear the label (README "Secrets rotation", "A pending rotation") before anything else, abandoning included, then run the same command again',
                    });
                }
            }
            // The rollout returns once the auto-scaling range is 0–0; the tasks stop after it (service-stop.ts).
            const stopped = await ctx.deps.port.waitForServiceStopped(ctx.req.env, id, ctx.deps.stopTimeoutMs ?? STOP_TIMEOUT_MS);
            // The tier is recorded for the steps after the retire step, when the stack file no longer has the tenant.
            return { ...data, tier, service: stopped.service, waitedForTasks: String(stopped.waitedForTasks) };
        },
    };
}

/** Waits for the tenant's targets to be healthy: onboarding's, and a tier migration's after its start. */
const HEALTHY_STEP: Step = {
    id: "healthy",
    title: "wait for healthy targets",
    plan: async (ctx) => [
        `waits up to ${Math.round((ctx.deps.healthTimeoutMs ?? HEALTH_TIMEOUT_MS) / 60_000)} min for every target of its target group to be healthy`,
    ],
    run: async (ctx) => {
        const id = ctx.req.id;
        const { targetGroupArn } = await ctx.deps.port.stackOutputs(ctx.req.env, id);
        if (!targetGroupArn) {
            throw new StepFailedError("no-target-group", `the stack has no target group for ${id} (output ecs.targetGroupArns.${id})`);
        }
        const health = await ctx.deps.port.waitForHealthyTargets(targetGroupArn, ctx.deps.healthTimeoutMs ?? HEALTH_TIMEOUT_MS);
        return { healthyTargets: `${health.healthy}/${health.total}` };
    },
};

/** Checks the site answers 200 over HTTPS: onboarding's, and a tier migration's last step. */
const HTTPS_STEP: Step = {
    id: "https",
    title: "check the site answers over HTTPS",
    plan: async (ctx) => [`GET ${siteUrl(ctx)}/ must answer 200 (an installed WordPress's home page)`],
    run: async (ctx) => {
        const url = `${siteUrl(ctx)}/`;
        const status = await ctx.deps.port.httpGet(url);
        // Only 200: a WordPress whose tables are missing answers 302 to wp-admin/install.php (wp-includes/load.php
        // `wp_not_installed`), an installer anyone on the internet could complete.
        if (status !== 200) {
            throw new StepFailedError(
                "https-check-failed",
                `${url} answered ${status}${status === 302 ? " (a redirect: is WordPress installed? the install step should have done it)" : ""}`,
                "look at the tenant's log group and target health, then run the same command again",
            );
        }
        return { url, status: String(status) };
    },
};

/** Where an archive step's takes go: the take's prefix (scripts.ts), and how a plan shows it. */
interface TakePrefix {
    readonly of: (id: string, takenAt: number) => string;
    readonly shown: (id: string) => string;
}

/**
 * Archives the tenant's database and files to the migration bucket, verified, one prefix per take
 * (`takes`): offboarding's `archive` and a tier migration's `export` (`stepId`, `title`), taken again in
 * every run until the step `retakenUntil` has a record.
 */
function archiveStep(stepId: string, title: string, retakenUntil: string, takes: TakePrefix): Step {
    return {
        id: stepId,
        title,
        retakenUntil,
        plan: async (ctx) => {
            const id = ctx.req.id;
            return [
                `tenant one-off task: mysqldump --single-transaction of ${tenantDatabaseName(id)}, tar of its wp-content, SHA256SUMS,`,
                `  to s3://<migration bucket>/${takes.shown(id)} (a new prefix for every take), each read back`,
                "  and checked against SHA256SUMS; then checks all three are there with S3's full-object CRC64NVME checksums",
            ];
        },
        run: async (ctx) => {
            const id = ctx.req.id;
            const prefix = takes.of(id, ctx.deps.now());
            const { migrationBucket } = await ctx.deps.port.stackOutputs(ctx.req.env, id);
            // A take of its own: a prefix that holds anything already (a clock set back, a take started the same
            // millisecond) would mix two takes under one SHA256SUMS.
            const before = await ctx.deps.port.listArchive(migrationBucket, prefix);
            if (before.length > 0) {
                throw new StepFailedError(
                    "archive-prefix-taken",
                    `s3://${migrationBucket}/${prefix} holds ${before.length} object(s) already; an archive take goes to a prefix of its own`,
                    "run the same command again: the next take has a later time, so a prefix of its own",
                );
            }
            const dumpDatabase = await databaseCreated(ctx);
            if (!dumpDatabase) {
                ctx.deps.io.err(
                    `  ${id}'s onboarding never reached its database step (no MySQL user or schema ${tenantDatabaseName(id)} to dump): archiving its files only`,
                );
            }
            const task = await runTask(ctx, { kind: "tenant", tenant: id }, archiveCommand(prefix, dumpDatabase), `${stepId} ${id}`);
            const objects = await ctx.deps.port.listArchive(migrationBucket, prefix);
            const hasSums = objects.some((o) => o.key === `${prefix}SHA256SUMS`);
            const problems = archiveProblems(
                objects,
                prefix,
                hasSums ? await ctx.deps.port.readText(migrationBucket, `${prefix}SHA256SUMS`) : undefined,
                archiveFiles(dumpDatabase),
            );
            if (problems.length > 0) {
                throw new StepFailedError(
                    "archive-incomplete",
                    `the archive of ${id} in s3://${migrationBucket}/${prefix} is not complete, so no later step runs:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
                    "run the same command again: the archive is taken again",
                );
            }
            return {
                ...task,
                archive: `s3://${migrationBucket}/${prefix}`,
                ...(dumpDatabase ? {} : { database: "not dumped: its onboarding never created it" }),
            };
        },
    };
}

/** The onboarding steps, in order. */
export const ADD_STEPS: readonly Step[] = [
    {
        id: "config",
        title: "add the tenant to the stack file, stopped",
        plan: async (ctx) => [
            `Pulumi.${ctx.req.env}.yaml:`,
            ...changedLines(readStackText(ctx), addTenant(readStackText(ctx), ctx.req as AddRequest)),
        ],
        run: async (ctx) => {
            const req = ctx.req as AddRequest;
            return applyEdit(
                ctx,
                (text) =>
                    loadStackConfig(ctx.deps.projectDir, req.env).tenants.some((t) => t.id === req.id) ? text : addTenant(text, req),
                `tenant add ${req.id} in ${req.env}: slot ${req.slot}, stopped until its database user exists`,
            );
        },
    },
    {
        id: "rollout",
        title: "roll the tenant out, its service at zero tasks",
        plan: async (ctx) => [
            "creates, through the rollout's gates and approvals:",
            ...tenantComponents(ctx.req.id).map((c) => `  ${c}`),
            ...tierCreates(tierOf(ctx)),
            ...tierPreconditions(ctx, tierOf(ctx), true),
        ],
        run: async (ctx) => rollout(ctx),
    },
    {
        id: "database",
        title: "create its MySQL schema and user (TLS required)",
        plan: async (ctx) => {
            const name = tenantDatabaseName(ctx.req.id);
            return [
                hasOwnDatabase(tierOf(ctx))
                    ? "platform one-off task, idempotent, on the tenant's own cluster (stack output database.tenantClusters, its master secret read in the task):"
                    : "platform one-off task, idempotent:",
                `  CREATE DATABASE IF NOT EXISTS \`${name}\`; CREATE USER IF NOT EXISTS '${name}'@'%' … REQUIRE SSL;`,
                `  ALTER USER '${name}'@'%' IDENTIFIED BY <its secret's password> REQUIRE SSL; GRANT ALL PRIVILEGES ON \`${name}\`.*`,
            ];
        },
        run: async (ctx) => {
            if (!hasOwnDatabase(tierOf(ctx))) return createSchemaAndUser(ctx, await tenantSecretOf(ctx, "rollout"));
            const { secretArn, cluster } = await ownClusterOf(ctx, "rollout");
            return { ...(await createSchemaAndUser(ctx, secretArn, cluster)), cluster: cluster.clusterIdentifier };
        },
    },
    {
        id: "install",
        title: "install WordPress, so the site never serves its installer",
        plan: async (ctx) => [
            `tenant one-off task, idempotent: wp core install --url=${siteUrl(ctx)} --admin_user=${WORDPRESS_ADMIN_USER} --admin_email=${adminEmail(ctx) ?? "(none configured)"}`,
            "  the administrator's password is generated in the task and never shown: set it by the lost-password link",
        ],
        run: async (ctx) => {
            const email = adminEmail(ctx);
            if (email === undefined) {
                throw new StepFailedError(
                    "no-admin-email",
                    `WordPress needs an administrator's email and bbws:monitoring.alertEmails of ${ctx.req.env} is empty`,
                    `add the platform team's address to bbws:monitoring.alertEmails in Pulumi.${ctx.req.env}.yaml, then run the same command again`,
                );
            }
            return runTask(
                ctx,
                { kind: "tenant", tenant: ctx.req.id },
                installWordPressCommand(ctx.req.id, siteUrl(ctx), email),
                `install WordPress for ${ctx.req.id}`,
            );
        },
    },
    startStep(),
    HEALTHY_STEP,
    HTTPS_STEP,
    {
        id: "domains",
        title: "report its custom domains: served, or what their owner must do",
        plan: async (ctx) => {
            const req = ctx.req as AddRequest;
            return req.domains.length === 0
                ? ["no custom domain: nothing to report"]
                : [
                      "reads the stack output ecs.customDomains and prints, for a domain in its owner's zone, the certificate's",
                      "  validation record and the load balancer to point the domain at:",
                      ...req.domains.map((d) => `  ${d}`),
                  ];
        },
        run: async (ctx) => {
            const { customDomains } = await ctx.deps.port.stackOutputs(ctx.req.env, ctx.req.id);
            const data: Record<string, string> = {};
            for (const d of customDomains) {
                const lines = customDomainInstructions(ctx, d);
                ctx.deps.io.err(lines.map((l) => `  ${l}`).join("\n"));
                data[d.name] = d.served
                    ? "served"
                    : `${d.certificate}: owner to create ${d.validationRecord?.name ?? "its validation record"}`;
            }
            return data;
        },
    },
];

/**
 * What an operator reads about one custom domain after onboarding: served (our zone: the rollout
 * validated its certificate and wrote its alias), or, in its owner's zone, the CNAME ACM checks and the
 * load balancer to point the domain at, then `certificate: issued` once ACM says ISSUED (the program
 * checks ISSUED before attaching it: src/config.ts `customDomainSchema`).
 */
function customDomainInstructions(ctx: StepContext, d: CustomDomainReport): string[] {
    if (d.served) return [`${d.name}: served (certificate ${d.certificate}, on the HTTPS listener)`];
    const record = d.validationRecord;
    return [
        `${d.name}: certificate ${d.certificate}, not served yet; its owner creates, in their DNS zone:`,
        `  ${record ? `${record.name} ${record.type} ${record.value}` : "(the validation record: see ecs.customDomains in the stack outputs)"}   (ACM's validation; keep it for renewals)`,
        `  ${d.name} CNAME ${d.target ?? "(the load balancer's DNS name)"}   (ALIAS or ANAME at a zone apex)`,
        `  once \`aws acm describe-certificate --certificate-arn ${d.certificateArn ?? "<arn>"}\` says ISSUED, set`,
        `  certificate: issued on it in Pulumi.${ctx.req.env}.yaml and run npm run rollout -- --env ${ctx.req.env} --tenant ${ctx.req.id}`,
    ];
}

/**
 * What is wrong with an archive: each of `files` must be under the prefix, not empty, and stored with
 * a CRC64NVME checksum of the whole object (`FULL_OBJECT`: S3 checked the bytes it received against
 * the uploader's; S3 user guide, "Checking object integrity"), and `SHA256SUMS` must list every other
 * file. The prefix is one take's (scripts.ts `archivePrefix`): an object beyond `files`, or a name in
 * `SHA256SUMS` that is not one of them, is a problem, so the manifest names exactly one take. The task compared each object read back from S3 with `SHA256SUMS` before uploading it (scripts.ts
 * `ARCHIVE_SCRIPT`), so its presence means that check passed.
 */
export function archiveProblems(
    objects: readonly ArchiveObject[],
    prefix: string,
    sums: string | undefined,
    files: readonly ArchiveFile[] = ARCHIVE_FILES,
): string[] {
    const problems: string[] = [];
    const byName = new Map(objects.map((o) => [o.key.slice(prefix.length), o]));
    // One take per prefix (scripts.ts `archivePrefix`): an object beyond its files came from somewhere else.
    for (const name of byName.keys()) {
        if (!files.includes(name as ArchiveFile)) problems.push(`${prefix}${name} is not a file of this take`);
    }
    for (const file of files) {
        const object = byName.get(file);
        if (!object) problems.push(`${prefix}${file} is missing`);
        else if (object.size === 0) problems.push(`${prefix}${file} is empty`);
        else if (object.checksumCrc64nvme === undefined || object.checksumType !== "FULL_OBJECT") {
            problems.push(
                `${prefix}${file} has no full-object CRC64NVME checksum in S3 (${object.checksumType ?? "no checksum"}): it was not uploaded by the archive task`,
            );
        }
    }
    if (sums === undefined) return problems;
    const listed = new Set(
        sums
            .split("\n")
            .map((line) => /^[0-9a-f]{64} [ *](.+)$/.exec(line.trim())?.[1])
            .filter((name): name is string => name !== undefined),
    );
    for (const file of files.filter((f) => f !== "SHA256SUMS")) {
        if (byName.has(file) && !listed.has(file)) problems.push(`SHA256SUMS does not list ${file}`);
    }
    for (const name of listed)
        if (!files.includes(name as ArchiveFile)) problems.push(`SHA256SUMS lists ${name}, which is not a file of this take`);
    return problems;
}

/**
 * Whether the tenant's MySQL user and schema exist to be dumped: false only when this command onboarded
 * it (its `add` records exist) and the add's `database` step never succeeded. A tenant with no add
 * records was onboarded before this command, through the stack file and a migration, with its database.
 */
async function databaseCreated(ctx: StepContext): Promise<boolean> {
    const added = lastRecords(await ctx.deps.log.readTenantSteps(ctx.req.env), ctx.req.id, "add");
    return added.size === 0 || added.get("database")?.result === "succeeded";
}

/**
 * An enterprise tenant's database at offboarding: no SQL to run. Its schema and users were on its own cluster,
 * which the rollout step deleted (its deletion protection dropped by the unprotect step) with its RDS-managed master
 * secret, leaving a final snapshot as `bbws:database.finalSnapshot` says and the recovery points in the tenant's
 * own backup vault (components/tenant-cluster.ts, tenant-storage.ts). Dropping the schema before the delete would
 * only empty the final snapshot.
 */
function ownClusterGone(ctx: StepContext): string {
    return ctx.cfg.database.finalSnapshot
        ? `nothing to drop: its schema and users went with its own Aurora cluster, which the rollout step deleted, leaving its final snapshot ${tenantClusterIdentifier(ctx.req.env, ctx.req.id)}-final and its backups in its own vault`
        : "nothing to drop: its schema and users went with its own Aurora cluster, which the rollout step deleted (no final snapshot: bbws:database.finalSnapshot is off), its backups kept in its own vault";
}

/**
 * Asks the operator to type the tenant's id (`prompt`), or takes `--confirm <id>`; a refused step (exit 3) when the
 * answer does not name the tenant or no one can be asked. `doing` names what is confirmed ("deleting"). Returns who
 * confirmed, for the record.
 */
async function confirmNaming(ctx: StepContext, prompt: string, doing: string): Promise<Record<string, string>> {
    const id = ctx.req.id;
    const { io } = ctx.deps;
    let answer = ctx.options.confirm;
    if (answer === undefined && io.interactive && io.prompt) answer = (await io.prompt(prompt)).trim();
    if (answer !== id) {
        throw new StepFailedError(
            "not-confirmed",
            answer === undefined
                ? `${doing} ${id} needs a confirmation naming it, and no one can be asked here`
                : `the confirmation '${answer}' does not name ${id}`,
            `pass --confirm ${id}, or run it at a terminal and type ${id}`,
            EXIT.refused,
        );
    }
    return { confirmedBy: await ctx.deps.operator() };
}

/** The offboarding steps, in order. */
export const REMOVE_STEPS: readonly Step[] = [
    // Offboarding marks the tenant `offboarding` too: a premium tenant's own load balancer drops its deletion protection.
    stopStep("files", { offboarding: true }),
    archiveStep("archive", "archive its database and files to the migration bucket", "files", {
        of: archivePrefix,
        shown: (id) => `archive/${id}/<UTC time of the take>/`,
    }),
    {
        id: "confirm",
        title: "confirm the deletion, naming the tenant",
        everyRun: true,
        plan: async (ctx) => [
            `asks you to type '${ctx.req.id}' (or --confirm ${ctx.req.id}); its files, secrets, access point and database go after this`,
        ],
        run: async (ctx) =>
            confirmNaming(
                ctx,
                `archive kept at ${ctx.data.archive ?? "(see the archive step)"}; type the tenant's id to delete ${ctx.req.id}'s resources in ${ctx.req.env}: `,
                "deleting",
            ),
    },
    {
        id: "unprotect",
        title: "turn its own database's deletion protection off (enterprise)",
        // Every run that still deletes, as the confirmation: an offboarding undone by hand turns the protection back
        // on, and a later run trusting this step's old record would retire the tenant and fail on a protected cluster.
        everyRun: true,
        plan: async (ctx) =>
            unprotectPhases(tierOf(ctx)).length > 0
                ? [
                      `then the tenant's ${inWords(unprotectPhases(tierOf(ctx)))}: offboarding, written by the stop step, turns its own`,
                      "  cluster's deletion protection off and tags it Offboarding: true (RDS.7 accepts it), so the rollout step can delete it",
                  ]
                : ["nothing: its database is a schema on the shared cluster, which has nothing to unprotect"],
        run: async (ctx) => {
            const phases = unprotectPhases(tierOf(ctx));
            await rolloutPhases(ctx, phases);
            return { rolledOut: phases.length > 0 ? phases.join(", ") : "nothing to unprotect" };
        },
    },
    {
        id: "files",
        title: "empty its wp-content on EFS",
        plan: async () => ["tenant one-off task: deletes everything under its wp-content (kept in the archive)"],
        run: async (ctx) =>
            runTask(ctx, { kind: "tenant", tenant: ctx.req.id }, purgeFilesCommand(), `empty the wp-content of ${ctx.req.id}`),
    },
    {
        id: "cache",
        title: "delete its object-cache keys",
        plan: async (ctx) => [
            `platform one-off task: SCAN the cache for ${ctx.req.id}:* and UNLINK every key (the shared cache keeps no key of it)`,
        ],
        // The platform's cache user: the tenant's own may not SCAN (components/cache-users.ts).
        run: async (ctx) => runTask(ctx, { kind: "platform" }, purgeCacheCommand(ctx.req.id), `delete the cache keys of ${ctx.req.id}`),
    },
    {
        id: "retire",
        title: "retire it in the stack file",
        plan: async (ctx) => [
            `Pulumi.${ctx.req.env}.yaml:`,
            ...changedLines(readStackText(ctx), retireTenant(readStackText(ctx), ctx.req.id, ctx.today)),
        ],
        run: async (ctx) => {
            const id = ctx.req.id;
            return applyEdit(
                ctx,
                (text) =>
                    loadStackConfig(ctx.deps.projectDir, ctx.req.env).retiredTenants.some((r) => r.id === id)
                        ? text
                        : retireTenant(text, id, ctx.today),
                `tenant remove ${id} in ${ctx.req.env}: retired, its slot never reused`,
            );
        },
    },
    {
        id: "rollout",
        title: "delete its resources, last phase first",
        plan: async (ctx) => {
            const urns = await ctx.deps.port.tenantResources(ctx.req.env, ctx.req.id);
            return urns.length > 0
                ? [`deletes ${urns.length} resource(s), through the rollout's gates and approvals:`, ...urns.map((u) => `  ${u}`)]
                : [
                      "deletes the tenant's components (none found in the state: nothing to delete):",
                      ...tenantComponents(ctx.req.id).map((c) => `  ${c}`),
                  ];
        },
        run: async (ctx) => rollout(ctx, { allowStatefulDeletes: true }),
    },
    {
        id: "media",
        title: "expire its media by the assets bucket's lifecycle rule",
        plan: async (ctx) => [
            `the storage phase of the platform (\`npm run rollout -- --env ${ctx.req.env} --phase storage\`): updates the assets bucket's`,
            `  lifecycle configuration, expiring tenants/${ctx.req.id}/ ${ctx.cfg.storage.retainTenantMediaDays} days after today`,
        ],
        run: async (ctx) => rollout(ctx, { platformPhase: "storage" }),
    },
    {
        id: "database",
        title: "drop its MySQL user and schema",
        plan: async (ctx) => {
            const name = tenantDatabaseName(ctx.req.id);
            return hasOwnDatabase(tierOf(ctx))
                ? [ownClusterGone(ctx)]
                : [
                      "platform one-off task, idempotent:",
                      `  DROP DATABASE IF EXISTS \`${name}\`; then DROP USER IF EXISTS '${name}'@'%', '${name}${ROTATION_CLONE_SUFFIX}'@'%' (the rotation's second user)`,
                  ];
        },
        run: async (ctx) =>
            hasOwnDatabase(tierOf(ctx))
                ? { database: ownClusterGone(ctx) }
                : runTask(
                      ctx,
                      { kind: "platform" },
                      dropDatabaseCommand(ctx.req.id),
                      `drop schema and user ${tenantDatabaseName(ctx.req.id)}`,
                  ),
    },
];

/** The type of the tenant's tasks' security group, a child of its network phase component (components/tenant-network.ts). */
const SECURITY_GROUP_TYPE = "aws:ec2/securityGroup:SecurityGroup";

/** The type of a premium or enterprise tenant's own file system, a child of its storage phase component (components/tenant-storage.ts). */
const FILE_SYSTEM_TYPE = "aws:efs/fileSystem:FileSystem";

/**
 * The one stateful resource a migration from `from` replaces, which its tier step lets the safety gate through
 * (`--allow-replace`): from basic, the task security group, whose `vpcId` moves into the tenant's new VPC (a new
 * VPC forces a new group); from premium (into enterprise), its own file system, which moves under its own key, which
 * EFS sets only when it creates one (terraform-provider-aws efs/file_system.go: `kms_key_id` ForceNew). Its
 * replacement, empty, is created first under a creation token of its own (components/tenant-storage.ts
 * `tenantFileSystemPart`); the old one is deleted at the end of the storage phase, or kept where
 * `bbws:protection.retainOnDelete` is on; the files come back from the export (the `import` step).
 */
export function migrationReplacement(from: TenantTier): { readonly type: string; readonly under: string; readonly what: string } {
    return hasOwnVpc(from)
        ? {
              type: FILE_SYSTEM_TYPE,
              under: getPhase("storage").tenantType,
              what:
                  "its own file system, which moves under its own key: a new, empty one, filled from the export by the import step " +
                  "(the old one is deleted at the end of the storage phase, or kept where bbws:protection.retainOnDelete is on)",
          }
        : {
              type: SECURITY_GROUP_TYPE,
              under: getPhase("network").tenantType,
              what: "its task security group, which moves into its new VPC",
          };
}

/**
 * The URN, among a tenant's URNs in the state (port.ts `tenantResources`), of what a migration from `from` replaces
 * (`migrationReplacement`): the resource of its type directly under its phase component (the task security group
 * under `bbws:network:TenantNetwork`, not a premium tenant's other groups under its `TenantVpc`). Undefined unless
 * there is exactly one.
 */
export function replacedUrnOf(urns: readonly string[], from: TenantTier): string | undefined {
    const { type, under } = migrationReplacement(from);
    const found = urns.filter((urn) => {
        const { typeChain } = parseUrn(urn);
        return typeChain.at(-1) === type && typeChain.at(-2) === under;
    });
    return found.length === 1 ? found[0] : undefined;
}

/** The URN in the state of what the tier step lets its migration replace (`replacedUrnOf`); a failed step when there is not exactly one. */
async function replacedUrn(ctx: StepContext): Promise<string> {
    const from = migratedFrom(ctx);
    const { type, under } = migrationReplacement(from);
    const urn = replacedUrnOf(await ctx.deps.port.tenantResources(ctx.req.env, ctx.req.id), from);
    if (urn === undefined) {
        throw new StepFailedError(
            "no-replaced-resource",
            `the state of ${ctx.req.env} has no single ${type} of ${ctx.req.id} under its ${under}`,
            "check the stack's state (`pulumi stack export`); a migration moves a deployed tenant",
        );
    }
    return urn;
}

/** The prefix of the export the import step reads: from the export step's record (`s3://<bucket>/<prefix>`). */
function exportedPrefix(ctx: StepContext): string {
    const prefix = /^s3:\/\/[^/]+\/(.+)$/.exec(ctx.data.archive ?? "")?.[1];
    if (prefix === undefined) {
        throw new StepFailedError(
            "no-export",
            `no export of ${ctx.req.id} is recorded (the export step's archive location)`,
            "run the same command again: it resumes at the first step not done",
        );
    }
    return prefix;
}

/**
 * The tier a migration moves from: what its stop step recorded (`from`), since the tier step's edit makes the stack
 * file say the new tier, even in a run that resumes after that step failed; the stack file's before the stop.
 */
function migratedFrom(ctx: StepContext): TenantTier {
    const from = ctx.data.from as TenantTier | undefined;
    if (from !== undefined) return from;
    const to = (ctx.req as MigrateTierRequest).tier;
    // Unknowable once the stack file says the new tier: into a tier with its own database, guessing would skip the
    // database steps and start the site on an empty cluster.
    if (hasOwnDatabase(to) && tierOf(ctx) === to) {
        throw new StepFailedError(
            "no-from-tier",
            `the stack file says ${ctx.req.id} is ${to} already, and no stop step of this migration recorded the tier it moves from`,
            "read the tenant step log (.rollout/<env>.tenant-steps.jsonl); a move into enterprise is built from basic only",
        );
    }
    return tierOf(ctx);
}

/**
 * A migration's stop step, recording the tier the tenant is moved from (`from`, `migratedFrom`). It is taken again
 * only until the tier step has a record, so the edit has not happened when it records. Its plan ends with the outage
 * it starts, which the dry run is read for before anything stops.
 */
function recordingFrom(stop: Step): Step {
    return {
        ...stop,
        plan: async (ctx) => [...(await stop.plan(ctx)), ...outageOf(ctx)],
        run: async (ctx) => ({ ...((await stop.run(ctx)) ?? {}), from: tierOf(ctx) }),
    };
}

/** What a migration's site outage holds, from its stop step to its start step: the steps between, in words. */
function outageOf(ctx: StepContext): string[] {
    const down = "the site is down from this step until the start step: the export, the tier step's rollout of every phase";
    return movesDatabase(migratedFrom(ctx), (ctx.req as MigrateTierRequest).tier)
        ? [
              `${down} (its own`,
              "  Aurora cluster and instances created), its database's repoint, creation, load and compare on its own cluster (they",
              "  grow with the schema's size the check step prints) and its files' import",
          ]
        : [`${down}, and its`, "  files' import (which grows with the size of its files)"];
}

/** Whether a move from `from` to `to` takes the tenant's database into a cluster of its own (enterprise, from a tier without one). */
export function movesDatabase(from: TenantTier, to: TenantTier): boolean {
    return hasOwnDatabase(to) && !hasOwnDatabase(from);
}

/**
 * A migration step that acts only when the move takes the database into a cluster of its own (`movesDatabase`);
 * for any other move it succeeds at once, recording `database: <why not>`, so every migration has the same steps.
 */
function databaseMoveStep(step: Step): Step {
    const moving = (ctx: StepContext) => movesDatabase(migratedFrom(ctx), (ctx.req as MigrateTierRequest).tier);
    const stays = (ctx: StepContext) => `nothing: its database stays on the shared cluster (${(ctx.req as MigrateTierRequest).tier})`;
    return {
        ...step,
        plan: async (ctx) => (moving(ctx) ? step.plan(ctx) : [stays(ctx)]),
        run: async (ctx) => (moving(ctx) ? step.run(ctx) : { database: stays(ctx) }),
    };
}

/**
 * A move into enterprise's database steps, after the tier step has created the tenant's own cluster and while the
 * tenant is stopped: its secret names its own cluster, its schema and user are created there, the export's dump is
 * loaded as the tenant's own user, and both copies are compared before anything serves from the new one. The shared
 * cluster's copy is dropped only at the end (`DROP_SHARED_DATABASE_STEP`), after the site answers.
 */
const MOVE_DATABASE_STEPS: readonly Step[] = (
    [
        {
            id: "repoint-secret",
            title: "point its database secret at its own cluster",
            plan: async (ctx) => [
                "Secrets Manager, from this machine: a new AWSCURRENT version of its database secret with host and masterarn of its own",
                `  cluster (stack output database.tenantClusters.${ctx.req.id}), username ${tenantDatabaseName(ctx.req.id)} and a new password of 40 letters and`,
                "  digits (GetRandomPassword); refused while a rotation is pending (a version labelled AWSPENDING, not AWSCURRENT)",
            ],
            run: async (ctx) => {
                const { secretArn, cluster } = await ownClusterOf(ctx, "tier");
                const take = ctx.data.archive ?? "";
                const done = await ctx.deps.port.repointDatabaseSecret({
                    env: ctx.req.env,
                    secretArn,
                    host: cluster.writerEndpoint,
                    masterSecretArn: cluster.masterSecretArn,
                    username: tenantDatabaseName(ctx.req.id),
                    token: repointToken(secretArn, cluster.writerEndpoint, take),
                });
                return {
                    secretVersion: done.versionId,
                    previousHost: done.previousHost,
                    host: cluster.writerEndpoint,
                    ...(done.alreadyRepointed ? { repointed: "already" } : {}),
                    ...(done.passwordReplaced ? { password: "replaced (not shown)" } : {}),
                };
            },
        },
        {
            id: "create-database",
            title: "create its MySQL schema and user on its own cluster",
            plan: async (ctx) => [
                "platform one-off task, idempotent, on its own cluster (its master secret read in the task), as add's database step:",
                `  CREATE DATABASE IF NOT EXISTS \`${tenantDatabaseName(ctx.req.id)}\`; CREATE USER … IDENTIFIED BY <its secret's password> REQUIRE SSL; GRANT …`,
            ],
            run: async (ctx) => {
                const { secretArn, cluster } = await ownClusterOf(ctx, "tier");
                await refuseRotationPending(ctx, secretArn);
                return { ...(await createSchemaAndUser(ctx, secretArn, cluster)), cluster: cluster.clusterIdentifier };
            },
        },
        {
            id: "import-database",
            title: "load the export's database into its own cluster",
            plan: async (ctx) => [
                `tenant one-off task, as its own user, on its own cluster only (it refuses any other host): reads database.sql.gz of the export`,
                `  (${ctx.data.archive ?? "the export step's take"}), checks its SHA-256 against SHA256SUMS before loading anything, then loads it`,
                "  into its schema (mysqldump's DROP TABLE IF EXISTS before each table: a re-run loads it again over the first)",
            ],
            run: async (ctx) => {
                const { cluster } = await ownClusterOf(ctx, "tier");
                return runTask(
                    ctx,
                    { kind: "tenant", tenant: ctx.req.id },
                    importDatabaseCommand(exportedPrefix(ctx), cluster.writerEndpoint),
                    `load ${ctx.req.id}'s database into its own cluster`,
                );
            },
        },
        {
            id: "compare-database",
            title: "compare its schema on both clusters",
            plan: async () => [
                "platform one-off task, read-only: CHECKSUM TABLE of every table, its options, column and index definitions, and the",
                "  views, triggers, routines and events, on the shared cluster (unchanged since the stop) and on its own; any difference",
                "  fails the step and nothing serves from the new copy (mysqldump leaves routines and events out: a schema with any fails",
                "  here, naming them)",
            ],
            run: async (ctx) => {
                const { cluster } = await ownClusterOf(ctx, "tier");
                return runTask(
                    ctx,
                    { kind: "platform" },
                    compareDatabaseCommand(ctx.req.id, cluster),
                    `compare ${ctx.req.id}'s schema on both clusters`,
                );
            },
        },
    ] satisfies Step[]
).map(databaseMoveStep);

/**
 * The last step of a move into enterprise: the shared cluster's copy of the tenant's schema and its users go, once the
 * site answers from its own cluster. Left there, the old user would still log in with the password the new one has.
 */
const DROP_SHARED_DATABASE_STEP: Step = databaseMoveStep({
    id: "drop-shared-database",
    title: "drop its old schema and users on the shared cluster",
    plan: async (ctx) => {
        const name = tenantDatabaseName(ctx.req.id);
        return [
            `asks you to type '${ctx.req.id}' (or --confirm ${ctx.req.id}), then a platform one-off task, idempotent, on the shared cluster`,
            "  (the export keeps the dump this copy was compared with):",
            `  DROP DATABASE IF EXISTS \`${name}\`; then DROP USER IF EXISTS '${name}'@'%', '${name}${ROTATION_CLONE_SUFFIX}'@'%'`,
        ];
    },
    run: async (ctx) => {
        // Last look: a rotation that failed during the move would otherwise go unnoticed (rotation failures page no one).
        await refuseRotationPending(ctx, await tenantSecretOf(ctx, "add's rollout"), {
            state: `${ctx.req.id} serves from its own cluster meanwhile, and its shared copy stays until this step`,
        });
        const confirmed = await confirmNaming(
            ctx,
            `${ctx.req.id} serves from its own cluster; the export keeps its dump at ${ctx.data.archive ?? "(see the export step)"}. ` +
                `Type the tenant's id to drop its old schema and users on the shared cluster: `,
            "dropping the shared copy of",
        );
        const task = await runTask(
            ctx,
            { kind: "platform" },
            dropDatabaseCommand(ctx.req.id),
            `drop ${tenantDatabaseName(ctx.req.id)} on the shared cluster`,
        );
        return { ...confirmed, ...task };
    },
});

/**
 * A move into enterprise's first step, while the site still serves: what would fail the move after the stop is refused
 * before it. A rotation pending on its database secret (the start's RotateSecret would be refused, and the repoint
 * refuses it), and what its export cannot carry or its import
 * cannot recreate (routines and events, objects defined by another account). Taken again by every run until the tier
 * step has a record: both can change between runs.
 */
const CHECK_STEP: Step = databaseMoveStep({
    id: "check",
    title: "check its schema and secret can move, before anything stops",
    retakenUntil: "tier",
    plan: async (ctx) => [
        "Secrets Manager DescribeSecret of its database secret: refused while a rotation is pending (a version labelled AWSPENDING, not AWSCURRENT)",
        "platform one-off task, read-only, on the shared cluster: refused if its schema has routines or events (mysqldump leaves",
        `  them out) or views, triggers, routines or events defined by an account other than ${tenantDatabaseName(ctx.req.id)} and its`,
        "  rotation twin (the import, as the tenant, cannot recreate them); prints the schema's size, which the downtime grows with",
    ],
    run: async (ctx) => {
        await refuseRotationPending(ctx, await tenantSecretOf(ctx, "add's rollout"));
        return runTask(ctx, { kind: "platform" }, precheckDatabaseCommand(ctx.req.id), `check ${ctx.req.id}'s schema can move`);
    },
});

/**
 * Refuses the step while a rotation of the tenant's database secret is pending (`TenantPort.databaseSecretRotation`),
 * `state` saying where the tenant stands (by default from the stop's record) and `fix` what to do (by default: let a
 * running rotation finish, or clear a failed one): RotateSecret refuses such a secret ("If
 * the AWSPENDING staging label is present but not attached to the same version as AWSCURRENT, then any later
 * invocation of RotateSecret assumes that a previous rotation request is still in progress and returns an error",
 * Secrets Manager API reference). Read by a move into enterprise's check, before anything stops; by every stop but a removal's right
 * after its database rollout turned the rotation off (CancelRotateSecret on a rotation in progress "can leave the
 * VersionStage labels in an unexpected state"), while the site still serves; before the tier step's rollout and before
 * the user is created on its own cluster, where only a rotation started by hand can be pending, since a stopped tenant
 * has none configured (src/config.ts `databaseRotationPaused`); by every start, before it edits anything, since its
 * database rollout configures the rotation again; and before the shared copy goes.
 */
async function refuseRotationPending(
    ctx: StepContext,
    secretArn: string,
    { state, fix }: { readonly state?: string; readonly fix?: string } = {},
): Promise<void> {
    const { pending } = await ctx.deps.port.databaseSecretRotation(secretArn);
    if (pending === undefined) return;
    // The stop step records `from`: after it the site is down until the start step.
    const where = state ?? (ctx.data.from === undefined ? "nothing has stopped" : `${ctx.req.id} stays stopped until then`);
    const what =
        fix ??
        `let a running rotation finish (the rotation function's log), or clear a failed one (README "Secrets rotation", "A pending rotation"), then run the same command again`;
    throw new StepFailedError("rotation-in-progress", pending, `${what}: ${where}`);
}

/** The tier migration's steps, in order (see the header). */
export const MIGRATE_TIER_STEPS: readonly Step[] = [
    CHECK_STEP,
    recordingFrom(stopStep("tier")),
    archiveStep("export", "export its database and files to the migration bucket", "tier", {
        of: migrationExportPrefix,
        shown: (id) => `archive/${id}/tier-migration-<UTC time of the take>/`,
    }),
    {
        id: "tier",
        title: "change its tier and roll out its migration",
        plan: async (ctx) => {
            const req = ctx.req as MigrateTierRequest;
            const text = readStackText(ctx);
            const from = migratedFrom(ctx);
            const replaced = migrationReplacement(from);
            const urn = replacedUrnOf(await ctx.deps.port.tenantResources(req.env, req.id), from);
            return [
                `Pulumi.${req.env}.yaml:`,
                ...changedLines(text, setTenantTier(text, req.id, req.tier)),
                `then npm run rollout -- --env ${req.env} --phase all --migrate-tier ${req.id}: the tier gate passes it once the export`,
                `  above is recorded (an override in the ledger); the safety gate refuses every replacement but ${replaced.what}:`,
                `  --allow-replace ${urn ?? "(none found in the state: the step fails)"}`,
                ...(movesDatabase(migratedFrom(ctx), req.tier)
                    ? [
                          `  it creates ${req.id}'s own Aurora cluster ${tenantClusterIdentifier(req.env, req.id)}, key and backups; its schema stays on the`,
                          "  shared cluster, untouched, until the steps below have copied and compared it",
                      ]
                    : []),
                ...tierPreconditions(ctx, req.tier, false),
                ...ownerZoneWarning(ctx),
            ];
        },
        run: async (ctx) => {
            const req = ctx.req as MigrateTierRequest;
            refuseUnapproved(
                ctx,
                PHASES.map((p) => p.name),
                `sets the tenant's tier to ${req.tier}`,
            );
            // Found before the edit: a state without it fails the step with the stack file untouched.
            const urn = await replacedUrn(ctx);
            if (movesDatabase(migratedFrom(ctx), req.tier)) await refuseRotationPending(ctx, await tenantSecretOf(ctx, "add's rollout"));
            const data = await applyEdit(
                ctx,
                (text) => setTenantTier(text, req.id, req.tier),
                `tenant migrate-tier ${req.id} in ${req.env}: tier ${req.tier}, after its export`,
            );
            await rollout(ctx, { migrateTier: { allowReplace: [urn] } });
            return { ...data, tier: req.tier, replaced: urn };
        },
    },
    ...MOVE_DATABASE_STEPS,
    {
        id: "import",
        title: "import its files into its new file system",
        plan: async (ctx) => [
            `tenant one-off task, on its new tier's file system: reads wp-content.tar.gz of the export (${ctx.data.archive ?? "the export step's take"}),`,
            "  checks its SHA-256 against SHA256SUMS before unpacking anything, then unpacks it into its wp-content",
            movesDatabase(migratedFrom(ctx), (ctx.req as MigrateTierRequest).tier)
                ? "  (its database was loaded into its own cluster by the import-database step)"
                : "  (the database stays where it is: premium keeps it on the shared Aurora cluster, so there is no database import)",
        ],
        run: async (ctx) =>
            runTask(ctx, { kind: "tenant", tenant: ctx.req.id }, importFilesCommand(exportedPrefix(ctx)), `import ${ctx.req.id}'s files`),
    },
    startStep(),
    HEALTHY_STEP,
    HTTPS_STEP,
    {
        id: "domains",
        title: "report its custom domains: moved with it, or what their owner must repoint",
        plan: async (ctx) => {
            const domains = customDomainsOf(ctx);
            return domains.length === 0
                ? ["no custom domain: nothing to report"]
                : [
                      "reads the stack output ecs.customDomains: a domain in our zone has its alias moved by the rollout; one in its",
                      "  owner's zone still points at the shared load balancer, which no longer serves it, until its owner changes",
                      "  the CNAME to the tenant's own load balancer (printed here):",
                      ...domains.map((d) => `  ${d.name} (${d.hostedZoneId === undefined ? "owner's zone" : "our zone"})`),
                  ];
        },
        run: async (ctx) => {
            const { customDomains } = await ctx.deps.port.stackOutputs(ctx.req.env, ctx.req.id);
            const data: Record<string, string> = {};
            for (const d of customDomains) {
                const line =
                    d.dns === "ours"
                        ? `${d.name}: served from its own load balancer (the rollout moved its alias)`
                        : `${d.name}: its owner must repoint it, in their DNS zone: ${d.name} CNAME ${d.target ?? "(the load balancer's DNS name: ecs.customDomains)"} ` +
                          "(ALIAS or ANAME at a zone apex); until then it reaches the shared load balancer, whose default certificate " +
                          `(*.${ctx.cfg.domain}) does not name it: browsers show a certificate error`;
                ctx.deps.io.err(`  ${line}`);
                data[d.name] = d.dns === "ours" ? "moved" : `owner to repoint to ${d.target ?? "its load balancer"}`;
            }
            return data;
        },
    },
    DROP_SHARED_DATABASE_STEP,
];

/** The tenant's custom domains as the stack file has them. */
function customDomainsOf(ctx: StepContext): PlatformConfig["tenants"][number]["customDomains"] {
    return ctx.cfg.tenants.find((t) => t.id === ctx.req.id)?.customDomains ?? [];
}

/**
 * What the tier step's plan says of the tenant's custom domains in their owners' zones: from its rollout
 * their listener rule and certificate are on the tenant's own load balancer, while their CNAMEs still
 * name the shared one, whose default certificate does not name them (ELB user guide, "SSL certificates
 * for your Application Load Balancer": without a matching certificate the default one is used).
 */
function ownerZoneWarning(ctx: StepContext): string[] {
    const names = customDomainsOf(ctx)
        .filter((d) => d.hostedZoneId === undefined)
        .map((d) => d.name);
    return names.length === 0
        ? []
        : [
              `  from this rollout on, ${names.join(", ")} (in its owner's zone) fails with a certificate error until its owner`,
              "  repoints its CNAME to the tenant's own load balancer (the domains step prints it): tell them before",
          ];
}

/** The steps of an action. */
export function stepsOf(action: TenantAction): readonly Step[] {
    return action === "add" ? ADD_STEPS : action === "migrate-tier" ? MIGRATE_TIER_STEPS : REMOVE_STEPS;
}

/** The last record of each step of `action` for `tenant`: what a run resumes from. */
export function lastRecords(records: readonly TenantStepRecord[], tenant: string, action: TenantAction): Map<string, TenantStepRecord> {
    const last = new Map<string, TenantStepRecord>();
    for (const r of records) if (r.tenant === tenant && r.action === action) last.set(r.step, r);
    return last;
}

/**
 * A migration whose records the stack file no longer shows: stopped and exported, not started again,
 * yet the tenant is serving (the stop undone by hand). Its export is stale, so its records are not
 * resumed: the run starts afresh and stops and exports again.
 */
function abandonedMigration(req: TenantRequest, cfg: PlatformConfig, last: ReadonlyMap<string, TenantStepRecord>): boolean {
    if (req.action !== "migrate-tier" || last.size === 0 || last.has("start")) return false;
    // Once the tier step's edit is in the stack file, the only way is forward: `refuseMigration` asks for the stop back.
    if (tierEditInPlace(req, cfg, last)) return false;
    return cfg.tenants.some((t) => t.id === req.id && !t.stopped);
}

/**
 * Whether the stack file holds this migration's tier edit: its tier step has a record, and the tenant's tier is the one
 * requested and no longer the one its stop step recorded (an edit put back by hand is not in place).
 */
function tierEditInPlace(req: TenantRequest, cfg: PlatformConfig, last: ReadonlyMap<string, TenantStepRecord>): boolean {
    if (req.action !== "migrate-tier" || !last.has("tier")) return false;
    const tier = cfg.tenants.find((t) => t.id === req.id)?.tier;
    return tier === req.tier && tier !== last.get("stop")?.data?.tier;
}

/** The records after the last one in which `req`'s action ran its last step to success for its tenant: a completed run's records. */
function sinceCompleted(history: readonly TenantStepRecord[], req: TenantRequest, steps: readonly Step[]): TenantStepRecord[] {
    const final = steps[steps.length - 1].id;
    const completed = history
        .map((r, i) => (r.tenant === req.id && r.action === req.action && r.step === final && r.result === "succeeded" ? i : -1))
        .reduce((a, b) => Math.max(a, b), -1);
    return history.slice(completed + 1);
}

/**
 * Refuses a request that cannot start (exit 2, nothing changed): an `add` whose tenant the stack file
 * would refuse (id or slot taken, reserved or retired, a domain taken, an invalid size: the config
 * schema's own messages), or that is in the stack file already without an onboarding of this command
 * to resume; a `remove` of a tenant that is not there and was not being removed.
 */
function refuse(
    req: TenantRequest,
    cfg: PlatformConfig,
    projectDir: string,
    last: ReadonlyMap<string, TenantStepRecord>,
    deployedTier: TenantTier | undefined,
): void {
    const text = fs.readFileSync(path.join(projectDir, `Pulumi.${req.env}.yaml`), "utf8");
    const existing = cfg.tenants.find((t) => t.id === req.id);
    if (req.action === "migrate-tier") return refuseMigration(req, cfg, text, projectDir, last, deployedTier);
    if (req.action === "add") {
        if (existing) {
            if (last.size === 0) {
                throw new UsageError(
                    "tenant-taken",
                    `tenant id '${req.id}' is taken: it is in bbws:tenants of ${req.env} (slot ${existing.slot})`,
                    "choose another id",
                );
            }
            const differs = differences(existing, req);
            if (differs.length > 0) {
                throw new UsageError(
                    "tenant-differs",
                    `'${req.id}' is ${last.get("https")?.result === "succeeded" ? "onboarded" : "being onboarded"} in ${req.env} with other settings (${differs.map((k) => `${k}: ${JSON.stringify(existing[k])}`).join(", ")})`,
                    "run the add with the settings it started with; change them afterwards in the stack file and roll out",
                );
            }
            return;
        }
        try {
            checkStackText(projectDir, req.env, addTenant(text, req));
        } catch (err) {
            if (!(err instanceof UsageError)) throw err;
            throw new UsageError(
                "tenant-refused",
                `cannot add '${req.id}' to ${req.env}: the stack file would be refused:\n${problemsOf(err)}`,
                "choose another id, slot or domain, or a valid size",
            );
        }
        return;
    }
    if (existing) {
        try {
            checkStackText(projectDir, req.env, retireTenant(text, req.id, "2000-01-01"));
        } catch (err) {
            if (!(err instanceof UsageError)) throw err;
            throw new UsageError(
                "tenant-refused",
                `cannot remove '${req.id}' from ${req.env}: the stack file would be refused:\n${problemsOf(err)}`,
            );
        }
        return;
    }
    if (last.size === 0) throw unknownTenant(req, cfg);
}

/** A tenant that is not in `bbws:tenants`: retired, or never one. */
function unknownTenant(req: TenantRequest, cfg: PlatformConfig): UsageError {
    const retired = cfg.retiredTenants.find((r) => r.id === req.id);
    return new UsageError(
        "unknown-tenant",
        retired
            ? `'${req.id}' was retired from ${req.env} on ${retired.date} (slot ${retired.slot})`
            : `'${req.id}' is not a tenant of ${req.env}`,
        `tenants of ${req.env}: ${cfg.tenants.map((t) => t.id).join(", ")}`,
    );
}

/**
 * Refuses a tier migration that cannot start: a tenant not in the stack file; a tier the stack file would refuse (the loader's message); and, unless this run's tier step has been
 * attempted and the stack file still holds its edit, a tenant not deployed (`deployedTier`, from the
 * stack's outputs: nothing to move), already at that tier, or moving to a less isolated tier, which the
 * tier gate refuses (automation/gates.ts `tierGate`).
 */
function refuseMigration(
    req: MigrateTierRequest,
    cfg: PlatformConfig,
    text: string,
    projectDir: string,
    last: ReadonlyMap<string, TenantStepRecord>,
    deployedTier: TenantTier | undefined,
): void {
    const current = cfg.tenants.find((t) => t.id === req.id);
    if (!current) throw unknownTenant(req, cfg);
    try {
        checkStackText(projectDir, req.env, setTenantTier(text, req.id, req.tier));
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        throw new UsageError(
            "tenant-refused",
            `cannot move '${req.id}' to ${req.tier} in ${req.env}: the stack file would be refused:\n${problemsOf(err)}`,
        );
    }
    // Once this run's tier step has edited the stack file (the tenant at the new tier, stopped until its start step),
    // its `--phase all` may have applied the network phase, whose outputs already say the new tier: the deployed tier
    // no longer tells a finished move from one to resume. Without that edit in the stack file, the usual checks apply.
    const tenant = cfg.tenants.find((t) => t.id === req.id)!;
    if (tierEditInPlace(req, cfg, last) && !tenant.stopped && !last.has("start")) {
        throw new UsageError(
            "migration-unstopped",
            `'${req.id}' was started by hand during its move to ${req.tier} in ${req.env}, after the tier step: it serves from its new ` +
                "tier before its files (and, into enterprise, its database) were brought there",
            `put \`stopped: true\` back on it in Pulumi.${req.env}.yaml and roll it out (npm run rollout -- --env ${req.env} --tenant ${req.id} --phase ecs, ` +
                `then --phase monitoring; if the platform gate refuses a --tenant run, --phase all --migrate-tier ${req.id}), ` +
                "then run the same command again: it resumes where it stopped (the shared cluster's copy is dropped only at the end)",
        );
    }
    if (last.has("tier") && tenant.tier === req.tier && (tenant.stopped || last.has("start"))) return;
    if (deployedTier === undefined) {
        throw new UsageError(
            "not-deployed",
            `'${req.id}' is not deployed in ${req.env} (the stack's outputs name no tier for it): there is nothing to migrate`,
            `set its tier in Pulumi.${req.env}.yaml and roll it out: the tier gate lets a tenant that is not deployed take any tier`,
        );
    }
    if (deployedTier === req.tier) {
        throw new UsageError("same-tier", `'${req.id}' is deployed at ${req.tier} in ${req.env} already`, "nothing to migrate");
    }
    if (TENANT_TIERS.indexOf(req.tier) < TENANT_TIERS.indexOf(deployedTier)) {
        throw new UsageError(
            "less-isolated-tier",
            `'${req.id}' is deployed at ${deployedTier}; a move to the less isolated ${req.tier} is not built: the rollout's deletes pass ` +
                "runs last phase first, so its own load balancer would be deleted before the safety gate stopped its file system's delete",
            'keep its tier (README "Scale: hundreds of tenants", "Tier changes are migrations")',
        );
    }
}

/** The settings of an `add` that are not those of the tenant already in the stack file. */
function differences(existing: PlatformConfig["tenants"][number], req: AddRequest): Array<"slot" | "cpu" | "memory" | "tier" | "domains"> {
    const differs: Array<"slot" | "cpu" | "memory" | "tier" | "domains"> = (["slot", "cpu", "memory"] as const).filter(
        (k) => existing[k] !== req[k],
    );
    if (existing.tier !== (req.tier ?? "basic")) differs.push("tier");
    const asGiven = existing.customDomains.map((d) => (d.hostedZoneId === undefined ? d.name : `${d.name}@${d.hostedZoneId}`));
    if (asGiven.join(",") !== req.domains.join(",")) differs.push("domains");
    return differs;
}

/** The problem lines of a config refusal (`  - key: problem`), without the file's heading. */
function problemsOf(err: UsageError): string {
    const lines = err.message.split("\n").filter((l) => l.startsWith("  - "));
    return lines.length > 0 ? lines.join("\n") : `  - ${err.message}`;
}

/**
 * Runs (or, with `dryRun`, describes) the steps of `req` from the first one not yet done, recording
 * each in `deps.log`. Refusals throw `UsageError` before anything changes. A step that fails is
 * recorded and ends the run with its exit code (1 failed, 3 refused); running the same command again
 * resumes at it.
 */
export async function runTenantCommand(req: TenantRequest, options: TenantRunOptions, deps: TenantDeps): Promise<TenantRunResult> {
    const cfg = loadStackConfig(deps.projectDir, req.env);
    const history = await deps.log.readTenantSteps(req.env);
    const steps = stepsOf(req.action);
    // Done, and the stack file agrees: an offboarded tenant added again is refused below (its id is retired), not a no-op.
    const settled =
        req.action === "add"
            ? cfg.tenants.some((t) => t.id === req.id)
            : req.action === "migrate-tier"
              ? cfg.tenants.some((t) => t.id === req.id && t.tier === req.tier)
              : cfg.retiredTenants.some((r) => r.id === req.id);
    // A run whose result the stack file no longer shows (a later migration to another tier) starts afresh after the last completed one.
    const records = lastRecords(settled ? history : sinceCompleted(history, req, steps), req.id, req.action);
    const last = abandonedMigration(req, cfg, records) ? new Map<string, TenantStepRecord>() : records;
    const done = (s: Step) => last.get(s.id)?.result === "succeeded";
    /** A done step this run does again: the confirmation while a later step remains, the stop and the archive until the files step starts. */
    const again = (s: Step, index: number) =>
        (s.everyRun === true && steps.slice(index + 1).some((later) => !done(later))) ||
        (s.retakenUntil !== undefined && !last.has(s.retakenUntil));
    const base = { env: req.env, tenant: req.id, action: req.action, dryRun: options.dryRun };
    const existing = req.action === "add" ? cfg.tenants.find((t) => t.id === req.id) : undefined;
    if (steps.every(done) && settled && !(existing && req.action === "add" && differences(existing, req).length > 0)) {
        const what = {
            add: "onboarded to",
            remove: "offboarded from",
            "migrate-tier": `moved to ${cfg.tenants.find((t) => t.id === req.id)?.tier} in`,
        };
        deps.io.err(
            `${req.id} is already ${what[req.action]} ${req.env}: every step succeeded (last ${last.get(steps[steps.length - 1].id)!.at}); nothing to do`,
        );
        return {
            ...base,
            exitCode: EXIT.ok,
            noOp: true,
            steps: steps.map((s) => ({ step: s.id, title: s.title, status: "done before", data: last.get(s.id)?.data })),
        };
    }
    const deployedTier = req.action === "migrate-tier" ? (await deps.port.stackOutputs(req.env, req.id)).deployedTier : undefined;
    refuse(req, cfg, deps.projectDir, last, deployedTier);

    const ctx: StepContext = {
        req,
        options,
        deps,
        cfg,
        data: Object.assign({}, ...steps.filter(done).map((s) => last.get(s.id)!.data ?? {})),
        today: new Date(deps.now()).toISOString().slice(0, 10),
    };
    const reports: StepReport[] = [];
    if (options.dryRun) {
        for (const [index, step] of steps.entries()) {
            const skip = done(step) && !again(step, index);
            reports.push({
                step: step.id,
                title: step.title,
                status: skip ? "done before" : "to do",
                plan: skip ? undefined : await step.plan(ctx),
            });
        }
        return { ...base, exitCode: EXIT.ok, noOp: false, steps: reports };
    }

    const runId = deps.runId ?? randomUUID();
    const operator = await deps.operator();
    const resumed = steps.find((s) => !done(s) && last.has(s.id));
    if (resumed)
        deps.io.err(
            `resuming ${req.action} of ${req.id} in ${req.env} at step ${resumed.id} (it ${last.get(resumed.id)!.result} at ${last.get(resumed.id)!.at})`,
        );
    for (const [index, step] of steps.entries()) {
        if (done(step) && !again(step, index)) {
            reports.push({ step: step.id, title: step.title, status: "done before", data: last.get(step.id)?.data });
            continue;
        }
        if (deps.signal?.aborted) {
            deps.io.err(
                `\ninterrupted: ${step.id} and the steps after it were not started; run the same command again to resume at ${step.id}`,
            );
            for (const rest of steps.slice(index)) reports.push({ step: rest.id, title: rest.title, status: "not reached" });
            return { ...base, exitCode: EXIT_INTERRUPTED, noOp: false, steps: reports };
        }
        deps.io.err(`\n[${index + 1}/${steps.length}] ${step.id}: ${step.title}`);
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
            const data = (await step.run(ctx)) ?? {};
            Object.assign(ctx.data, data);
            await record("succeeded", Object.keys(data).length > 0 ? { data } : {});
            deps.io.err(
                `  ${step.id}: succeeded${
                    Object.keys(data).length
                        ? ` (${Object.entries(data)
                              .map(([k, v]) => `${k} ${v}`)
                              .join(", ")})`
                        : ""
                }`,
            );
            reports.push({ step: step.id, title: step.title, status: "succeeded", data });
        } catch (caught) {
            const failure = stepFailure(step.id, caught, deps.signal);
            await record(failure.status, { error: { code: failure.code, message: failure.error.message } });
            deps.io.err(`  ${step.id}: ${failure.text}\n  run the same command again to resume at ${step.id}`);
            reports.push({ step: step.id, title: step.title, status: failure.status, error: failure.error.message });
            for (const rest of steps.slice(index + 1)) reports.push({ step: rest.id, title: rest.title, status: "not reached" });
            return { ...base, exitCode: failure.exitCode, noOp: false, steps: reports };
        }
    }
    return { ...base, exitCode: EXIT.ok, noOp: false, steps: reports };
}

/** How a step that threw ended: its record's status and error code, the error, the run's exit code and what to print. */
export interface StepFailure {
    readonly status: "failed" | "refused" | "cancelled";
    readonly code: string;
    readonly error: BbwsError;
    readonly exitCode: number;
    readonly text: string;
}

/**
 * Judges what step `stepId` threw. An SDK, HTTP or git failure (throttling, a lost connection, git
 * without user.email) is a step that failed and can be resumed, not a crash: the operator gets the
 * same hint as for any failed step. Once `signal` is aborted, whatever the rollout or task made of it
 * (cancelled, detached, stopped), the operator stopped this step: `cancelled`, exit 130.
 */
export function stepFailure(stepId: string, caught: unknown, signal: AbortSignal | undefined): StepFailure {
    const error =
        caught instanceof BbwsError
            ? caught
            : new StepFailedError(
                  "step-error",
                  `${stepId} failed: ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`,
                  "fix the cause if it is not a passing fault (throttling, a lost connection), then run the same command again",
              );
    const cancelled = signal?.aborted === true;
    const refused = !cancelled && (error.exitCode === EXIT.refused || error.exitCode === EXIT.usage);
    return {
        status: cancelled ? "cancelled" : refused ? "refused" : "failed",
        code: cancelled ? "interrupted" : error.code,
        error,
        exitCode: cancelled ? EXIT_INTERRUPTED : error.exitCode,
        text: `${cancelled ? "interrupted: " : ""}${describeError(error)}`,
    };
}

/** The run as a table: step, status, and what it recorded or would do. */
export function renderTenantRun(result: TenantRunResult): string {
    const title = `${result.dryRun ? "dry run: " : ""}${result.action} ${result.tenant} in ${result.env}`;
    const rows = result.steps.map((s, i) => [
        String(i + 1),
        s.step,
        s.title,
        s.status,
        s.error ??
            Object.entries(s.data ?? {})
                .map(([k, v]) => `${k}: ${v}`)
                .join("; "),
    ]);
    const plans = result.steps
        .filter((s) => s.plan)
        .map((s) => `${s.step}:\n${s.plan!.map((l) => `    ${l}`).join("\n")}`)
        .join("\n");
    const commit = result.dryRun
        ? undefined
        : result.steps
              .map((s) => s.data?.commit)
              .filter(Boolean)
              .at(-1);
    // The commit is local: until it is pushed, other operators and CI roll out a stack file without this change.
    const push = commit
        ? `\n\nthe stack file is committed locally (${commit}): push it (git push) before anyone else rolls out ${result.env}`
        : "";
    return `${title}\n${renderTable(["#", "step", "what", "status", "detail"], rows)}${plans ? `\n\nwhat each step would do:\n${plans}` : ""}${push}`;
}
