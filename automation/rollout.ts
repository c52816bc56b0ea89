/**
 * The phase loop. One whole-program preview finds each phase's URNs; then, per phase, in registry
 * order: the order and promotion gates, for the ecs phase the check that its images are in ECR, a
 * targeted preview that saves the update plan, the scope and safety gates, approval of that plan,
 * a copy of the state, `up` with exactly that plan, the phase's verification checks, and one ledger record whatever
 * happened (a run that removes resources in later phases first takes each phase's deletes through
 * the same steps, last phase first: `planPasses`). `--preview-only` stops after the preview, refuses
 * nothing (the summary says what each gate would decide) and records nothing. The first phase that does not succeed stops the run; when
 * `--phase all` has applied every phase, one whole-stack preview checks that nothing is left to change.
 * `--tenant <id>` targets only that tenant's URNs of each phase (tenant-targets.ts), through the same
 * steps plus the platform gate, skipping the phases where the tenant has nothing.
 */
import { createHash, randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { PlatformConfig, TenantTier } from "../src/config";
import { didYouMean, TENANT_TIERS } from "../src/config";
import { getPhase, PHASE_NAMES, PhaseName, tenantComponentName } from "../src/phases";
import { CancelledError, Engine, OpMap } from "./engine";
import { BbwsError, describeError, EXIT, ExitCode, UsageError } from "./errors";
import { checkImages, EcrClient, ImageCheckError, IMAGES_PHASE } from "./images";
import {
    approvalGate,
    evaluate,
    GateResult,
    lastApplied,
    orderGate,
    platformGate,
    PlatformContext,
    promotionGate,
    safetyGate,
    scopeGate,
    tierGate,
} from "./gates";
import { LedgerWriteError } from "./ledger";
import type { Approval, Ledger, LedgerRecord, Outcome, TenantStepLedger, TenantStepRecord } from "./ledger";
import { PlanStep, stepOf } from "./plan-steps";
import { CHANGE_HEADERS, changedResources, changeRow, countsOf, renderSummary, SummaryFormat } from "./plan-summary";
import type { Io } from "./io";
import type { GitState } from "./preflight";
import { formatDuration, Progress } from "./progress";
import type { StateArchive } from "./state-archive";
import { renderTable } from "./table";
import { compactTargets, parseUrn, urnsByPhase } from "./targets";
import { platformCreates, tenantOwners, tenantsIn, tenantUrnsByPhase } from "./tenant-targets";

export type CheckStatus = "pass" | "fail" | "warn";

export interface VerificationCheck {
    readonly id: string;
    readonly phase: PhaseName;
    readonly status: CheckStatus;
    readonly detail: string;
}

/** Checks run after a phase is applied; any `fail` fails the phase. */
export type VerifyHook = (
    phase: PhaseName,
    ctx: { env: string; outputs: Record<string, unknown> },
) => Promise<{ checks: VerificationCheck[] }>;

export interface RolloutRequest {
    readonly env: string;
    readonly phase: PhaseName | "all";
    readonly approvals: readonly Approval[];
    readonly yes: boolean;
    readonly forceOrder: boolean;
    readonly allowReplace: readonly string[];
    /** Start from the first phase this commit has not completed. */
    readonly resume: boolean;
    /**
     * Preview only, for a pull request: every phase is previewed and every gate's verdict shown as what it
     * would decide, without refusing, and nothing is written to the ledger.
     */
    readonly previewOnly: boolean;
    readonly format: SummaryFormat;
    /**
     * Roll out only this tenant's resources (`--tenant`): a tenant in the stack's config, or one still in
     * the state that config no longer has (its deletes). Its records count for it alone.
     */
    readonly tenant?: string;
    /** The tenant whose tier change this run applies (`--migrate-tier`): the tier gate lets that one change, recorded. */
    readonly migrateTier?: string;
}

export interface RolloutDeps {
    readonly cfg: PlatformConfig;
    readonly engine: Engine;
    /** The rollout's records; the tenant step log is read only in a tier migration (the tier gate's export check). */
    readonly ledger: Ledger & Pick<TenantStepLedger, "readTenantSteps">;
    readonly verify: VerifyHook;
    /** ECR for a region (the environment's): the ecs phase's images are looked up there before it is applied. */
    readonly ecr: (region: string) => Promise<EcrClient>;
    readonly io: Io;
    readonly now: () => number;
    readonly git: GitState;
    /** Recorded in the ledger as who ran it. */
    readonly operator: string;
    /** Where saved plans are written. */
    readonly planDir: string;
    /** Where the state is kept before every `up`, beside the ledger. */
    readonly states: StateArchive;
    readonly runId?: string;
    /** Ctrl-C: cancels the running engine operation. */
    readonly signal?: AbortSignal;
    /**
     * Set while an `up` runs to what a second signal, which exits at once, must print: the attempt's
     * record, so an update that started is never left without one (signals.ts `lastWords`).
     */
    readonly inFlight?: { lastWords?: () => string };
    /** Interval of heartbeat lines for slow resources; default 30 s. */
    readonly heartbeatMs?: number;
}

/**
 * Runs the phases of `req` through the gates (see the header), recording one ledger record per attempt.
 * Returns the exit code of the first phase that does not succeed, 0 when all do (and, for `--phase all`,
 * the closing whole-stack preview shows nothing left to change). Expected failures are typed errors.
 */
export async function rollout(req: RolloutRequest, deps: RolloutDeps): Promise<ExitCode> {
    const { cfg, engine, ledger, io } = deps;
    const history = await ledger.read(req.env);
    const sourceHistory = cfg.rollout.promoteFrom ? await ledger.read(cfg.rollout.promoteFrom) : [];

    io.err(`previewing the whole program to find each phase's${req.tenant ? ` and ${req.tenant}'s` : ""} resources…`);
    const previewSteps: PlanStep[] = [];
    await engine.preview({
        onEvent: (e) => {
            const s = stepOf(e);
            if (s) previewSteps.push(s);
        },
        signal: deps.signal,
    });
    const deployedTiers = deployedTiersOf(await engine.outputs());
    // Only a migration needs the tenant step log: no other run depends on reading it.
    const tenantSteps = req.migrateTier === undefined ? undefined : await ledger.readTenantSteps(req.env);
    const deleted = new Set(previewSteps.filter((s) => s.op === "delete").map((s) => s.urn));
    const byPhase = urnsByPhase(previewSteps.map((s) => s.urn));
    const inProgram = PHASE_NAMES.filter((p) => byPhase.has(p));
    const absent = PHASE_NAMES.filter((p) => !inProgram.includes(p));
    if (absent.length > 0) io.err(`not in the program yet (skipped): ${absent.join(", ")}`);

    // A tenant's run takes only the phases where it has something, and only its URNs in them.
    const tenant = req.tenant === undefined ? undefined : tenantScope(req.tenant, req.env, cfg, previewSteps);
    if (tenant && req.tenant) {
        const asked = req.phase === "all" ? inProgram : inProgram.filter((p) => p === req.phase);
        const without = asked.filter((p) => !tenant.phases.includes(p));
        if (without.length > 0) {
            io.err(
                `${req.tenant} has nothing in ${without.join(", ")} (skipped): nothing there lies under its tenant component ` +
                    `(e.g. ${getPhase(without[0]).tenantType} ${tenantComponentName(without[0], req.tenant)})`,
            );
        }
        if (asked.length > 0 && asked.every((p) => without.includes(p))) {
            io.err(`nothing to do for ${req.tenant} in ${req.env}`);
            return EXIT.ok;
        }
    }
    const phases = selectPhases(req, tenant?.phases ?? inProgram, history, deps.git.commit);
    if (phases.length === 0) {
        io.err(
            `nothing to do: commit ${deps.git.commit?.slice(0, 12)} has completed every phase in ${req.env}${req.tenant ? ` for ${req.tenant}` : ""}`,
        );
        return EXIT.ok;
    }
    const runId = deps.runId ?? randomUUID();
    let passes: Pass[];
    try {
        // A tenant removed from config has only deletes: its creates-and-updates passes would target nothing.
        passes = planPasses(phases, tenant?.phases ?? inProgram, tenant?.byPhase ?? byPhase, deleted).filter((p) => p.urns.length > 0);
    } catch (err) {
        // One record per attempt, refusals included (README, step 7): the gates' refusals are recorded, and so is this one.
        if (err instanceof BbwsError && !req.previewOnly) {
            await ledger.append({
                v: 1,
                at: new Date(deps.now()).toISOString(),
                runId,
                env: req.env,
                phase: phases[0],
                ...(req.tenant ? { tenant: req.tenant } : {}),
                commit: deps.git.commit,
                dirty: deps.git.dirty,
                operator: deps.operator,
                approvals: [],
                result: "refused",
                overrides: [],
                durationsMs: { total: 0 },
                error: { code: err.code, message: err.message },
            });
        }
        throw err;
    }
    if (passes.some((p) => p.deletes)) {
        io.err(
            `resources are removed in ${passes
                .filter((p) => p.deletes)
                .map((p) => p.phase)
                .join(", ")}: those deletes go first, ` +
                "one phase at a time in that order, then each phase's creates and updates in phase order",
        );
    }
    const run: PhaseRun = {
        req,
        deps,
        history,
        sourceHistory,
        inProgram,
        runId,
        universe: previewSteps.map((s) => s.urn),
        deployedTiers,
        tenantSteps,
        tenant: tenant && { phases: tenant.phases, platformCreates: platformCreates(previewSteps, phases[phases.length - 1]) },
    };
    const previewed: string[] = [];
    for (const pass of passes) {
        previewed.push(...pass.urns);
        // Nothing is applied in a preview-only run, so a pass is previewed together with the ones before
        // it: alone, a phase could not create what needs the earlier phases' not yet created resources,
        // nor be targeted while the later phases' removed resources are still in the state.
        const targets = req.previewOnly
            ? [...previewed, ...(pass.deletes ? [] : passes.filter((p) => p.deletes).flatMap((p) => p.urns))]
            : pass.urns;
        const code = await runPhase(run, pass, new Set(targets));
        if (code !== EXIT.ok) return code;
    }
    return req.phase === "all" && !req.previewOnly ? checkConverged(deps, req.tenant) : EXIT.ok;
}

/**
 * Each deployed tenant's tier, from the stack's outputs (`pulumi stack output`, read before the run):
 * `network.tenantTiers`. A stack last applied before that output existed has only basic tenants, so
 * each tenant with a group in `network.tenantSecurityGroupIds` (every tenant has one) is basic there.
 * Undefined for a stack with neither: nothing deployed, nothing to migrate. A value that is not a
 * tier the schema knows is a broken state, refused (`UsageError` `unreadable-outputs`, exit 2).
 */
export function deployedTiersOf(outputs: Readonly<Record<string, unknown>>): ReadonlyMap<string, TenantTier> | undefined {
    const network = outputs.network as
        { tenantTiers?: Record<string, unknown>; tenantSecurityGroupIds?: Record<string, unknown> } | undefined;
    if (network?.tenantTiers) {
        return new Map(
            Object.entries(network.tenantTiers).map(([id, tier]) => {
                if (!(TENANT_TIERS as readonly unknown[]).includes(tier)) {
                    throw new UsageError(
                        "unreadable-outputs",
                        `the stack output network.tenantTiers.${id} is ${JSON.stringify(tier)}, not one of ${TENANT_TIERS.join(", ")}`,
                        "check the stack's state (`pulumi stack output --json`) before rolling out",
                    );
                }
                return [id, tier as TenantTier];
            }),
        );
    }
    if (network?.tenantSecurityGroupIds) return new Map(Object.keys(network.tenantSecurityGroupIds).map((id) => [id, "basic" as const]));
    return undefined;
}

/**
 * A tenant's URNs per phase in the whole-program preview, and the phases where it has any. Throws
 * `UsageError` (`unknown-tenant`, exit 2) for an id neither in the stack's config nor a tenant
 * component in the preview (the program's or the state's: a tenant being removed is in the state only).
 */
function tenantScope(
    id: string,
    env: string,
    cfg: PlatformConfig,
    steps: readonly PlanStep[],
): { phases: PhaseName[]; byPhase: Map<PhaseName, string[]> } {
    const known = [...new Set([...cfg.tenants.map((t) => t.id), ...tenantsIn(steps)])];
    if (!known.includes(id)) {
        throw new UsageError(
            "unknown-tenant",
            `no tenant '${id}' in ${env}: neither in Pulumi.${env}.yaml's bbws:tenants nor a tenant component in its state${didYouMean(id, known)}`,
            `use one of: ${known.join(", ")}`,
        );
    }
    const byPhase = tenantUrnsByPhase(steps, id);
    return { phases: PHASE_NAMES.filter((p) => byPhase.has(p)), byPhase };
}

/** One targeted preview and `up` of a phase: only its deletes, or everything else of it. */
export interface Pass {
    readonly phase: PhaseName;
    /** Only the phase's deletes (the run removes resources in later phases too). */
    readonly deletes: boolean;
    /** What the pass targets and its summary shows. */
    readonly urns: readonly string[];
}

/**
 * The targeted updates a run makes, in order. Normally one per phase, in phase order. But a targeted
 * update refuses to run while a resource it would take with it, a dependent of its targets in the
 * state that the program no longer has, is not targeted ("will be destroyed but was not specified in
 * --target list": GenerateDeletes in pulumi/pulumi step_generator.go); and a later phase's removed
 * resources depend on an earlier phase's (a removed tenant's service uses its security group). AWS
 * would refuse the other order too: a security group in use cannot be deleted. So when a phase after
 * the run's first removes resources, every phase's deletes go first, in reverse phase order, each a
 * pass of its own; then each phase's creates and updates, in phase order. That is Pulumi's own order
 * for one whole-stack update turned around for creates and deletes alike (deletes there come last,
 * dependents first); deletes first is the order targeting allows, and it is safe here because no
 * resource kept by the program refers to a removed one except through resources removed with it (a
 * tenant's security-group rules live in the network layer and go with its group).
 *
 * A run of a single phase while a later one removes resources is refused: its update would be refused
 * by the engine, or leave a resource in use to be deleted later. `--phase all` does it in order.
 */
export function planPasses(
    phases: readonly PhaseName[],
    inProgram: readonly PhaseName[],
    byPhase: ReadonlyMap<PhaseName, readonly string[]>,
    deleted: ReadonlySet<string>,
): Pass[] {
    const deletesOf = (phase: PhaseName) => (byPhase.get(phase) ?? []).filter((u) => deleted.has(u));
    const later = inProgram.slice(inProgram.indexOf(phases[phases.length - 1]) + 1).filter((p) => deletesOf(p).length > 0);
    if (later.length > 0) {
        const order = [...later].reverse();
        throw new BbwsError(
            "deletes-in-later-phases",
            `the program removes resources in later phases (${order.map((p) => `${p}: ${deletesOf(p).length}`).join(", ")}), which may ` +
                `depend on ${phases.join(", ")}; the engine refuses a targeted update that would leave them behind`,
            EXIT.refused,
            `run \`--phase all\`, which deletes them first, in reverse phase order; or roll out ${order.map((p) => `\`--phase ${p}\``).join(", then ")} first`,
        );
    }
    if (!phases.slice(1).some((p) => deletesOf(p).length > 0))
        return phases.map((phase) => ({ phase, deletes: false, urns: byPhase.get(phase)! }));
    return [
        ...[...phases]
            .reverse()
            .filter((p) => deletesOf(p).length > 0)
            .map((phase) => ({ phase, deletes: true, urns: deletesOf(phase) })),
        ...phases.map((phase) => ({ phase, deletes: false, urns: byPhase.get(phase)!.filter((u) => !deleted.has(u)) })),
    ];
}

/**
 * Targeting is an escape hatch (Pulumi's docs): after a phased rollout a whole-stack preview must show
 * no changes, or something lies outside every phase or was left behind by one. The root stack is left
 * out: no phase owns it (under a no-change preview the engine reports it `same` anyway). After a
 * tenant's run only that tenant's resources must show none; what is left to change elsewhere (the
 * platform's, other tenants') is listed for the next platform rollout, not failed.
 */
async function checkConverged(deps: RolloutDeps, tenant?: string): Promise<ExitCode> {
    deps.io.err(
        `\npreviewing the whole stack, untargeted: after every phase nothing${tenant ? ` of ${tenant}'s` : ""} should be left to change…`,
    );
    const steps: PlanStep[] = [];
    await deps.engine.preview({
        signal: deps.signal,
        onEvent: (e) => {
            const s = stepOf(e);
            if (s) steps.push(s);
        },
    });
    const changed = steps.filter((s) => s.op !== "same" && parseUrn(s.urn).type !== "pulumi:pulumi:Stack");
    const owners = tenant === undefined ? undefined : tenantOwners(steps);
    const left = changedResources(owners ? changed.filter((s) => owners.get(s.urn) === tenant) : changed);
    if (owners) {
        const elsewhere = changedResources(changed.filter((s) => owners.get(s.urn) !== tenant));
        if (elsewhere.length > 0) {
            deps.io.err(
                `outside ${tenant}, ${elsewhere.length} change(s) are left for a rollout without --tenant:\n` +
                    renderTable(CHANGE_HEADERS, elsewhere.map(changeRow)),
            );
        }
    }
    if (left.length === 0) {
        deps.io.err(`converged: a whole-stack preview shows no changes${tenant ? ` to ${tenant}'s resources` : ""}`);
        return EXIT.ok;
    }
    deps.io.err(
        `not converged: a whole-stack preview still shows ${left.length} change(s)${tenant ? ` to ${tenant}'s resources` : ""} after every phase succeeded:\n` +
            renderTable(CHANGE_HEADERS, left.map(changeRow)) +
            "\n  fix: give each of these resources a phase (a child of a layer component), or find why its phase left it changed, and roll out again",
    );
    return EXIT.failed;
}

/** The phases this run attempts, in registry order; `inProgram`: for a tenant's run, the phases where it has something. */
export function selectPhases(
    req: RolloutRequest,
    inProgram: readonly PhaseName[],
    history: readonly LedgerRecord[],
    commit?: string,
): PhaseName[] {
    if (req.phase !== "all") {
        if (!inProgram.includes(req.phase)) {
            throw new UsageError(
                "phase-not-in-program",
                `the program has no ${req.phase} layer yet (nothing under ${getPhase(req.phase).type})`,
                `roll out one of: ${inProgram.join(", ") || "(none yet)"}`,
            );
        }
        return [req.phase];
    }
    if (!req.resume) return [...inProgram];
    if (!commit) throw new UsageError("resume-without-commit", "--resume follows a commit's progress, and this is not a git checkout");
    const first = inProgram.findIndex((p) => lastApplied(history, p, commit, req.tenant)?.result !== "succeeded");
    return first < 0 ? [] : inProgram.slice(first);
}

interface PhaseRun {
    readonly req: RolloutRequest;
    readonly deps: RolloutDeps;
    /** This environment's ledger; records of this run are added as they are written. */
    readonly history: LedgerRecord[];
    readonly sourceHistory: readonly LedgerRecord[];
    readonly inProgram: readonly PhaseName[];
    readonly runId: string;
    /** The URNs of the whole-program preview (program and state): what a `--target` glob may reach (`compactTargets`). */
    readonly universe: readonly string[];
    /** Each deployed tenant's tier, from the stack's outputs before the run (`deployedTiersOf`); undefined when nothing is deployed. */
    readonly deployedTiers?: ReadonlyMap<string, TenantTier>;
    /** The tenant step log, read only for `--migrate-tier` (the tier gate's export check). */
    readonly tenantSteps?: readonly TenantStepRecord[];
    /** A tenant's run: the phases where it has something, and what the platform gate judges. */
    readonly tenant?: { readonly phases: readonly PhaseName[]; readonly platformCreates: PlatformContext["platformCreates"] };
}

/** `targetUrns`: what the preview and `up` target; the pass's own URNs and, in a preview-only run, earlier passes'. */
async function runPhase(run: PhaseRun, pass: Pass, targetUrns: ReadonlySet<string>): Promise<ExitCode> {
    const { req, deps } = run;
    const { phase } = pass;
    const phaseUrns = new Set(pass.urns);
    const { io, now, engine } = deps;
    const started = now();
    const durations: { preview?: number; up?: number; verify?: number } = {};
    const overrides: string[] = [];
    let approvals: Approval[] = [];
    let planHash: string | undefined;
    let counts: OpMap | undefined;

    const entryOf = (result: Outcome, extra: Partial<LedgerRecord> = {}): LedgerRecord => ({
        v: 1,
        at: new Date(now()).toISOString(),
        runId: run.runId,
        env: req.env,
        phase,
        ...(pass.deletes ? { pass: "deletes" as const } : {}),
        ...(req.tenant ? { tenant: req.tenant } : {}),
        commit: deps.git.commit,
        dirty: deps.git.dirty,
        operator: deps.operator,
        approvals,
        planHash,
        counts,
        result,
        overrides,
        durationsMs: { ...durations, total: now() - started },
        ...extra,
    });
    const record = async (result: Outcome, extra: Partial<LedgerRecord> = {}): Promise<void> => {
        // The ledger is what the order and promotion gates trust (often a shared bucket, read-only to a pull
        // request's role); a preview changes nothing, so it has nothing to record there.
        if (req.previewOnly) return;
        const entry = entryOf(result, extra);
        await deps.ledger.append(entry);
        run.history.push(entry);
    };
    const passes = (result: GateResult): boolean => {
        overrides.push(...(result.verdict.overrides ?? []));
        // A preview-only run reports what a gate would decide: the summary shows it as "would refuse".
        return result.verdict.status !== "fail" || req.previewOnly;
    };
    const refuse = async (result: GateResult): Promise<ExitCode> => {
        io.err(describeRefusal(phase, result));
        await record("refused", {
            gate: result.gate,
            error: { code: `refused-${result.gate}`, message: result.verdict.findings.join("; ") },
        });
        return EXIT.refused;
    };

    const what = `${phase}${pass.deletes ? " deletes" : ""}${req.tenant ? ` of ${req.tenant}` : ""}`;
    io.err(`\n== ${what} in ${req.env} ==`);
    try {
        const early = [
            evaluate(orderGate, {
                env: req.env,
                phase,
                inProgram: run.inProgram,
                history: run.history,
                forceOrder: req.forceOrder,
                tenant: req.tenant,
            }),
            evaluate(promotionGate, {
                commit: deps.git.commit,
                codeCommits: deps.git.codeCommits,
                promoteFrom: deps.cfg.rollout.promoteFrom,
                sourceHistory: run.sourceHistory,
                inProgram: run.tenant?.phases ?? run.inProgram,
                tenant: req.tenant,
            }),
            evaluate(tierGate, {
                env: req.env,
                tenants: deps.cfg.tenants,
                deployed: run.deployedTiers,
                migrating: req.migrateTier,
                tenantSteps: run.tenantSteps,
            }),
            ...(req.tenant && run.tenant
                ? [
                      evaluate(platformGate, {
                          env: req.env,
                          tenant: req.tenant,
                          deletes: pass.deletes,
                          platformCreates: run.tenant.platformCreates,
                      }),
                  ]
                : []),
        ];
        for (const result of early) if (!passes(result)) return await refuse(result);
        // Here, not in preflight: on a first rollout the storage phase of this same run creates the
        // repositories, and the images are pushed after it. A preview-only run applies nothing.
        if (phase === IMAGES_PHASE && !req.previewOnly && !pass.deletes) {
            const { images, warnings } = await checkImages(deps.cfg, await deps.ecr(deps.cfg.region));
            io.err(`images in ECR: ${images.map((i) => `${i.repository}:${i.tag}`).join(", ")}`);
            for (const warning of warnings) io.err(`warning: ${warning}`);
        }

        // One flag per URN overflows the `pulumi` process's arguments (E2BIG) from about 545 tenants.
        const target = compactTargets([...targetUrns], run.universe);
        await fs.promises.mkdir(deps.planDir, { recursive: true });
        const planFile = path.join(
            deps.planDir,
            `${req.env}-${phase}${pass.deletes ? "-deletes" : ""}${req.tenant ? `-${req.tenant}` : ""}-${run.runId}.plan.json`,
        );
        const previewedSteps: PlanStep[] = [];
        const previewStarted = now();
        const preview = await engine.preview({
            target,
            plan: planFile,
            signal: deps.signal,
            onEvent: (e) => {
                const s = stepOf(e);
                if (s) previewedSteps.push(s);
            },
        });
        durations.preview = now() - previewStarted;
        const hash = await sha256File(planFile);
        planHash = hash;
        // The earlier phases' steps were reviewed with those phases; the engine's counts include them.
        const steps = previewedSteps.filter((s) => phaseUrns.has(s.urn) || !targetUrns.has(s.urn));
        counts = steps.length === previewedSteps.length ? preview.changeSummary : countsOf(steps);

        const scope = evaluate(scopeGate, { phase, phaseUrns, steps, tenant: req.tenant });
        const safety = evaluate(safetyGate, { steps, allowReplace: req.allowReplace });
        const gates = [...early, scope, safety];
        io.out(
            renderSummary(
                { env: req.env, phase, tenant: req.tenant, planHash: hash, counts, steps, gates, previewOnly: req.previewOnly },
                req.format,
            ),
        );
        // Both are shown; when both refuse, the replacement of data is the refusal to act on first. A delete-first replacement
        // of a stateful resource also replaces its dependents in later phases, which the scope gate refuses as well.
        for (const result of [safety, scope]) if (!passes(result)) return await refuse(result);
        if (req.previewOnly) {
            const refusing = gates.filter((g) => g.verdict.status === "fail").map((g) => g.gate);
            io.err(
                `${what}: previewed (plan ${planFile})` +
                    (refusing.length ? `; a rollout now would be refused by: ${refusing.join(", ")}` : ""),
            );
            return EXIT.ok;
        }

        const requiredRoles = deps.cfg.approvals[phase] ?? [];
        const answers = await askApprovals(io, req, what, requiredRoles, hash, deps.signal);
        // A Ctrl-C at the prompt cancels the run like one during `up`: recorded, exit 1.
        if (deps.signal?.aborted) throw new CancelledError(`approval of ${phase}`);
        const given = [...req.approvals, ...answers.approvals];
        const approval = evaluate(approvalGate, {
            env: req.env,
            phase,
            requiredRoles,
            approvals: given,
            planHash: hash,
            confirmed: req.yes || answers.confirmed,
        });
        approvals = given
            .filter((a) => requiredRoles.includes(a.role) && (!a.planHash || hash.startsWith(a.planHash)))
            .map((a) => ({ role: a.role, name: a.name, planHash: hash }));
        if (!passes(approval)) return await refuse(approval);
        io.err(
            approvals.length
                ? `approved for plan ${hash.slice(0, 12)} by ${approvals.map((a) => `${a.role}:${a.name}`).join(", ")}`
                : `confirmed for plan ${hash.slice(0, 12)} (no role must approve ${what} in ${req.env})`,
        );
        if ((await sha256File(planFile)) !== hash) {
            return await refuse({
                ...approval,
                verdict: {
                    status: "fail",
                    findings: [`${planFile} changed after it was approved`],
                    fix: "run again: preview, review and approve the new plan",
                },
            });
        }

        io.err(`  state before the update kept at ${await keepState(deps, req.env, phase)}`);
        const progress = new Progress({ now, write: (line) => io.err(`  ${line}`), heartbeatMs: deps.heartbeatMs ?? 30_000 });
        const heartbeat = setInterval(() => progress.heartbeat(), deps.heartbeatMs ?? 30_000);
        heartbeat.unref();
        const upStarted = now();
        let outputs: Record<string, unknown>;
        if (deps.inFlight) {
            // Synchronous, as the process exits right after: printed like a record that could not be written, for the operator to add.
            deps.inFlight.lastWords = () =>
                describeError(
                    new LedgerWriteError(
                        deps.ledger.location,
                        entryOf("failed", {
                            error: {
                                code: "abandoned",
                                message: "a second signal stopped the driver during the update: pulumi was terminated, outcome unknown",
                            },
                        }),
                        "the driver exited on a second signal before the update ended",
                    ),
                );
        }
        try {
            const up = await engine.up({
                target,
                plan: planFile,
                signal: deps.signal,
                onEvent: (e) => progress.onEvent(e),
                message: `rollout ${what} (${run.runId})${approvals.length ? `, approved by ${approvals.map((a) => `${a.role}:${a.name}`).join(", ")}` : ""}`,
            });
            outputs = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]));
        } finally {
            clearInterval(heartbeat);
            durations.up = now() - upStarted;
            if (deps.inFlight) deps.inFlight.lastWords = undefined;
        }

        if (pass.deletes) {
            // The phase's checks judge all of it, and its creates and updates come in its later pass.
            await record("succeeded");
            io.err(`${what}: succeeded in ${formatDuration(now() - started)}`);
            return EXIT.ok;
        }
        const verifyStarted = now();
        const { checks } = await deps.verify(phase, { env: req.env, outputs });
        durations.verify = now() - verifyStarted;
        if (checks.length === 0) io.err(`  verification: no checks registered for ${phase}`);
        for (const c of checks) io.err(`  ${c.status.padEnd(4)} ${c.id}: ${c.detail}`);
        const tally = { pass: 0, warn: 0, fail: 0 };
        for (const c of checks) tally[c.status]++;
        if (tally.fail > 0) {
            const failed = checks.filter((c) => c.status === "fail").map((c) => c.id);
            io.err(`${phase}: applied, but verification failed: ${failed.join(", ")}`);
            await record("failed", { checks: tally, error: { code: "verification-failed", message: failed.join(", ") } });
            return EXIT.failed;
        }
        await record("succeeded", { checks: tally });
        io.err(`${what}: succeeded in ${formatDuration(now() - started)}`);
        return EXIT.ok;
    } catch (err) {
        // Recording it again would fail the same way: the error itself carries the record, for the operator to add.
        if (err instanceof LedgerWriteError) throw err;
        if (!(err instanceof BbwsError)) {
            await record("failed", { error: { code: "internal", message: String(err) } });
            throw err;
        }
        io.err(`${phase}: ${describeError(err)}`);
        const outcome = err instanceof CancelledError ? "cancelled" : err instanceof ImageCheckError ? "refused" : "failed";
        await record(outcome, { error: { code: err.code, message: err.message } });
        return err.exitCode;
    }
}

/**
 * A known state to go back to (`pulumi stack import`) if the update goes wrong: taken after approval,
 * right before `up`, so it is the state the approved plan was meant for. Without it nothing is applied.
 */
async function keepState(deps: RolloutDeps, env: string, phase: PhaseName): Promise<string> {
    const state = await deps.engine.exportState();
    try {
        return await deps.states.keep(env, phase, new Date(deps.now()), state);
    } catch (err) {
        throw new BbwsError(
            "state-not-kept",
            `could not keep a copy of ${env}'s state in ${deps.states.location} before the update: ` + (err as Error).message,
            EXIT.failed,
            "make the ledger's location writable (or the S3 prefix), then run again: nothing was applied",
        );
    }
}

/** At a terminal, ask for the approvals the command line did not bring; in CI, ask nothing. `what`: the pass, e.g. `ecs of aupairhive`. */
async function askApprovals(
    io: Io,
    req: RolloutRequest,
    what: string,
    requiredRoles: readonly string[],
    planHash: string,
    signal?: AbortSignal,
): Promise<{ approvals: Approval[]; confirmed: boolean }> {
    const approvals: Approval[] = [];
    const ask = io.interactive ? io.prompt : undefined;
    if (!ask) return { approvals, confirmed: false };
    if (requiredRoles.length === 0) {
        if (req.yes) return { approvals, confirmed: true };
        const answer = await ask(`apply ${what} to ${req.env}? [y/N] `);
        return { approvals, confirmed: /^y(es)?$/i.test(answer.trim()) };
    }
    for (const role of requiredRoles.filter((r) => !req.approvals.some((a) => a.role === r))) {
        if (signal?.aborted) break;
        const name = (
            await ask(`approve ${what} in ${req.env} (plan sha256 ${planHash.slice(0, 12)}) as ${role}: your name, or empty to refuse: `)
        ).trim();
        if (name) approvals.push({ role, name });
    }
    return { approvals, confirmed: false };
}

/** The refusal of `phase` by a gate, as the operator reads it: the gate, what it found, why it exists and what would let it pass. */
export function describeRefusal(phase: PhaseName, result: GateResult): string {
    return [
        `${phase}: refused by the ${result.gate} gate — ${result.info}`,
        ...result.verdict.findings.map((f) => `  - ${f}`),
        `  why: ${result.explanation}`,
        ...(result.verdict.fix ? [`  to pass: ${result.verdict.fix}`] : []),
    ].join("\n");
}

async function sha256File(file: string): Promise<string> {
    return createHash("sha256")
        .update(await fs.promises.readFile(file))
        .digest("hex");
}
