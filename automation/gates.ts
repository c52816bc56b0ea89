/**
 * The gates a phase passes before its update runs, as a rule pack: each is data (an id, one line of
 * what it enforces, why and how to get past it) plus a pure check answering pass, fail or n/a. The
 * phase loop gathers the facts; the gates only judge them.
 */
import { TENANT_TIERS, TenantTier } from "../src/tiers";
import { PHASE_NAMES, PhaseName } from "../src/phases";
import type { Approval, LedgerRecord, TenantStepRecord } from "./ledger";
import { PlanStep, REPLACEMENT_OPS } from "./plan-steps";
import { refusedReplacement } from "./replacement";
import { isAlwaysTargeted } from "./targets";

export type GateId = "order" | "promotion" | "platform" | "tier" | "scope" | "safety" | "approval";
export type GateStatus = "pass" | "fail" | "n/a";

export interface GateVerdict {
    readonly status: GateStatus;
    /** What the gate saw, one item per finding. */
    readonly findings: readonly string[];
    /** On a fail: what exactly would let it pass. */
    readonly fix?: string;
    /** The flags that made it pass when it would otherwise have failed; recorded in the ledger. */
    readonly overrides?: readonly string[];
}

export interface Gate<C> {
    readonly id: GateId;
    /** One line: what must be true. */
    readonly info: string;
    /** Why it matters. */
    readonly explanation: string;
    check(context: C): GateVerdict;
}

export interface GateResult {
    readonly gate: GateId;
    readonly info: string;
    readonly explanation: string;
    readonly verdict: GateVerdict;
}

/** Runs one gate on its facts: the gate's id, one-line info and explanation with its verdict (pass, fail or n/a and findings). Pure: no I/O. */
export function evaluate<C>(gate: Gate<C>, context: C): GateResult {
    return { gate: gate.id, info: gate.info, explanation: gate.explanation, verdict: gate.check(context) };
}

const pass = (findings: string[] = [], overrides?: string[]): GateVerdict => ({ status: "pass", findings, overrides });
const fail = (findings: string[], fix: string): GateVerdict => ({ status: "fail", findings, fix });
const notApplicable = (finding: string): GateVerdict => ({ status: "n/a", findings: [finding] });

/** Operations that destroy the resource's current instance, and with it its data. */
export const DESTRUCTIVE_OPS: ReadonlySet<string> = new Set(["replace", "create-replacement", "delete-replaced", "delete"]);

/** Resource types that hold data or identity that a replacement would lose. */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
    "aws:rds/cluster:Cluster",
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:efs/fileSystem:FileSystem",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:kms/key:Key",
    "aws:secretsmanager/secret:Secret",
    "aws:backup/vault:Vault",
    "aws:ecr/repository:Repository",
]);

/** Operations that change nothing in AWS. */
const NO_CHANGE_OPS: ReadonlySet<string> = new Set(["same", "read"]);

/**
 * The ledger's last word on an applied phase: refusals and previews change nothing, so they do not
 * count. A deletes pass (rollout.ts `planPasses`) applies only the phase's removals, before its main
 * pass, so it never completes the phase: its failure or cancel counts, its success does not, or
 * `--resume` and the promotion gate would take a phase whose creates, updates and checks never ran
 * as done. A tenant's rollout (`--tenant`) applies only that tenant's part of the phase: it counts for
 * that tenant (`tenant` given), never for the platform or another tenant; a platform rollout covers
 * every tenant's part, so it counts for all.
 */
export function lastApplied(
    history: readonly LedgerRecord[],
    phase: PhaseName,
    commit?: string,
    tenant?: string,
): LedgerRecord | undefined {
    return history
        .filter(
            (r) =>
                r.phase === phase &&
                (r.tenant === undefined || r.tenant === tenant) &&
                (commit === undefined || r.commit === commit) &&
                (r.result === "failed" || r.result === "cancelled" || (r.result === "succeeded" && r.pass !== "deletes")),
        )
        .at(-1);
}

export interface OrderContext {
    readonly env: string;
    readonly phase: PhaseName;
    /** Phases the program has; one not written yet cannot have succeeded and does not hold the others back. */
    readonly inProgram: readonly PhaseName[];
    /** This environment's ledger, including records written earlier in this run. */
    readonly history: readonly LedgerRecord[];
    readonly forceOrder: boolean;
    /** A tenant's rollout: its own records count besides the platform's (`lastApplied`). */
    readonly tenant?: string;
}

export const orderGate: Gate<OrderContext> = {
    id: "order",
    info: "Every earlier phase has succeeded in this environment",
    explanation:
        "Each layer consumes the outputs of the ones before it; a phase applied over a missing or failed " +
        "layer fails half-way or builds on stale values.",
    check({ env, phase, inProgram, history, forceOrder, tenant }) {
        const earlier = PHASE_NAMES.slice(0, PHASE_NAMES.indexOf(phase)).filter((p) => inProgram.includes(p));
        if (earlier.length === 0) return notApplicable(`${phase} is the first phase`);
        const last = (p: PhaseName) => lastApplied(history, p, undefined, tenant);
        const missing = earlier.filter((p) => last(p)?.result !== "succeeded");
        const findings = missing.map((p) => {
            const record = last(p);
            return record ? `${p}: last attempt ${record.result} at ${record.at}` : `${p}: never applied in ${env}`;
        });
        if (missing.length === 0) return pass(earlier.map((p) => `${p}: succeeded at ${last(p)!.at}`));
        if (forceOrder) return pass(findings, ["--force-order"]);
        return fail(
            findings,
            `roll out ${missing.join(", ")} in ${env} first (\`--phase ${missing[0]}${tenant ? ` --tenant ${tenant}` : ""}\`), ` +
                "or pass --force-order if you know why the order does not matter this time (it is recorded)",
        );
    },
};

export interface PromotionContext {
    readonly commit?: string;
    /**
     * `commit` and the ancestors it shares its code with, nearest first (preflight.ts `sameCodeCommits`):
     * a commit that changed only stack files (`Pulumi.<env>.yaml`, as `npm run tenant` commits) promotes
     * what its parent promoted. Absent: `commit` alone.
     */
    readonly codeCommits?: readonly string[];
    /** The environment this one promotes from (`bbws:rollout.promoteFrom`); none means no promotion gate. */
    readonly promoteFrom?: string;
    /** That environment's ledger. */
    readonly sourceHistory: readonly LedgerRecord[];
    /** The phases to have completed: the program's, or for a tenant's rollout the tenant's. */
    readonly inProgram: readonly PhaseName[];
    /** A tenant's rollout: that tenant's records in the source environment count besides the platform's. */
    readonly tenant?: string;
}

export const promotionGate: Gate<PromotionContext> = {
    id: "promotion",
    info: "This commit has completed every phase in the environment it is promoted from",
    explanation: "Production only receives code that has been rolled out, phase by phase, and verified in the " + "environment before it.",
    check({ commit, codeCommits, promoteFrom, sourceHistory, inProgram, tenant }) {
        if (!promoteFrom) return notApplicable("this environment is not promoted from another");
        if (!commit) {
            return fail(
                ["the commit being rolled out is unknown (not a git checkout)"],
                "run from a clean git checkout of the commit to promote",
            );
        }
        const candidates = codeCommits && codeCommits[0] === commit ? codeCommits : [commit];
        const completedAt = (p: PhaseName) => candidates.find((c) => lastApplied(sourceHistory, p, c, tenant)?.result === "succeeded");
        const missing = inProgram.filter((p) => completedAt(p) === undefined);
        if (missing.length === 0) {
            const at = [...new Set(inProgram.map(completedAt))].filter((c): c is string => c !== undefined && c !== commit);
            const same = at.length === 0 ? "" : ` (at ${at.map((c) => c.slice(0, 12)).join(", ")}: only stack files changed since)`;
            return pass([`${commit.slice(0, 12)} completed ${inProgram.join(", ")} in ${promoteFrom}${same}`]);
        }
        return fail(
            missing.map((p) => `${p}: not completed in ${promoteFrom} at commit ${commit.slice(0, 12)}`),
            `roll this commit out to ${promoteFrom} first: \`npm run rollout -- --env ${promoteFrom} --phase all${tenant ? ` --tenant ${tenant}` : ""}\``,
        );
    },
};

export interface PlatformContext {
    readonly env: string;
    readonly tenant: string;
    /** A deletes pass creates nothing, so it cannot need what the platform has yet to create. */
    readonly deletes: boolean;
    /**
     * Resources of no tenant that the whole-program preview would create, in the run's phases up to its
     * last and the ones before (tenant-targets.ts `platformCreates`), each with its phase.
     */
    readonly platformCreates: ReadonlyArray<{ readonly phase: PhaseName; readonly urn: string }>;
}

export const platformGate: Gate<PlatformContext> = {
    id: "platform",
    info: "The platform has nothing left to create that the tenant's update could need",
    explanation:
        "A tenant's update targets only its own resources, and the engine refuses one that depends on a resource it " +
        'would have to create but was not told to ("depends on … which was was not specified in --target list": ' +
        "pulumi/pulumi step_generator.go, diagnostic 2013). Engine events carry a resource's parent but not its " +
        "dependencies, so every pending platform create counts: a tenant is rolled out onto a platform that is in place.",
    check({ env, tenant, deletes, platformCreates }) {
        if (deletes) return notApplicable(`${tenant}'s deletes create nothing`);
        if (platformCreates.length === 0) return pass(["the platform has nothing to create"]);
        const phases = [...new Set(platformCreates.map((c) => c.phase))];
        return fail(
            platformCreates.map((c) => `${c.phase}: create ${c.urn}`),
            `roll out the platform first (\`npm run rollout -- --env ${env} --phase ${phases.length === 1 ? phases[0] : "all"}\`), ` +
                `then ${tenant} again`,
        );
    },
};

export interface TierContext {
    readonly env: string;
    /** Every tenant in the stack file being rolled out, with its configured `tier` and whether it is `stopped`. */
    readonly tenants: ReadonlyArray<{ readonly id: string; readonly tier: TenantTier; readonly stopped?: boolean }>;
    /**
     * The tier each tenant is deployed at, by id, as the stack's state last recorded it; absent when
     * the environment has never been rolled out (nothing deployed, nothing to migrate).
     */
    readonly deployed?: ReadonlyMap<string, TenantTier>;
    /** The tenant whose tier migration this run is (`--migrate-tier <id>`), if any. */
    readonly migrating?: string;
    /** With `migrating`: the environment's tenant step log (ledger.ts `readTenantSteps`), oldest first; read for no other run. */
    readonly tenantSteps?: readonly TenantStepRecord[];
}

/** What a tier migration's step log says of its export: the export's record, or why there is none to trust. */
export type MigrationExport = { readonly export: TenantStepRecord } | { readonly missing: string };

/**
 * The export a tier migration of tenant `id` may rely on, from the step log (`records`, oldest first):
 * the last successful `stop` of its `npm run tenant -- migrate-tier`, no successful `start` of any
 * action after it (the site would have served, and written, again), and a successful `export` after
 * that stop (the latest). Anything else is `missing`, saying which of the three is not there.
 */
export function migrationExportOf(records: readonly TenantStepRecord[], id: string): MigrationExport {
    const own = records.filter((r) => r.tenant === id && r.result === "succeeded");
    const ofMigration = (step: string) => (r: TenantStepRecord) => r.action === "migrate-tier" && r.step === step;
    const stop = [...own].reverse().find(ofMigration("stop"));
    if (!stop) return { missing: "no stop of its migrate-tier in the tenant step log" };
    const after = own.slice(own.lastIndexOf(stop) + 1);
    const start = after.find((r) => r.step === "start");
    if (start) return { missing: `started again (${start.action} ${start.at}) after its migration's stop (${stop.at})` };
    const exported = [...after].reverse().find(ofMigration("export"));
    return exported ? { export: exported } : { missing: `no export after its migration's stop (${stop.at})` };
}

export const tierGate: Gate<TierContext> = {
    id: "tier",
    info: "No existing tenant changes isolation tier except in its own tier migration",
    explanation:
        "A tier is where a tenant's data lives: moving to or from premium replaces its network and, for enterprise, " +
        "its database cluster. Applied as a config edit, the update would delete what holds the data before anything " +
        'copied it, so a change of tier is a migration run on purpose, `npm run tenant -- migrate-tier` (README "Tier changes are migrations").',
    check({ env, tenants, deployed, migrating, tenantSteps }) {
        if (!deployed) return notApplicable(`nothing is deployed in ${env} yet`);
        const changed = tenants.filter((t) => deployed.has(t.id) && deployed.get(t.id) !== t.tier);
        if (changed.length === 0) return pass();
        const describe = (t: { id: string; tier: TenantTier }) => `${t.id}: deployed ${deployed.get(t.id)}, configured ${t.tier}`;
        const refused = changed.filter((t) => t.id !== migrating);
        const moving = changed.find((t) => t.id === migrating);
        if (moving && TENANT_TIERS.indexOf(moving.tier) < TENANT_TIERS.indexOf(deployed.get(moving.id)!)) {
            // The deletes pass runs phase by phase, last first, each gated as it is reached: the tenant's own load
            // balancer would be gone before the safety gate stopped its file system's delete (hostile review).
            return fail(
                [`${describe(moving)}: a move to a less isolated tier is not built`],
                `put ${moving.id}'s tier back to ${deployed.get(moving.id)}: only moves to a more isolated tier are built ` +
                    '(README "Scale: hundreds of tenants", "Tier changes are migrations")',
            );
        }
        const command = (t: { id: string; tier: TenantTier }) =>
            `\`npm run tenant -- migrate-tier --env ${env} --id ${t.id} --tier ${t.tier}\``;
        if (moving && !moving.stopped) {
            return fail(
                [`${describe(moving)}: still serving`],
                `migrate it with ${command(moving)}: it stops ${moving.id} and exports its files before this rollout, ` +
                    "since its new tier's file system starts empty",
            );
        }
        if (refused.length > 0) {
            return fail(
                refused.map(describe),
                `put ${refused.map((t) => `${t.id}'s tier back to ${deployed.get(t.id)}`).join(", ")}; to move a tenant, run its migration ` +
                    `(${command(refused[0])}, one tenant at a time) ` +
                    '(README "Scale: hundreds of tenants", "Tier changes are migrations")',
            );
        }
        const exported = moving ? migrationExportOf(tenantSteps ?? [], moving.id) : undefined;
        if (moving && exported && "missing" in exported) {
            return fail(
                [`${describe(moving)}: no export to import (${exported.missing})`],
                `migrate it with ${command(moving)}: its stop and export steps come before this rollout, and its import after it`,
            );
        }
        const exportSeen =
            exported && "export" in exported
                ? [`export ${exported.export.data?.archive ?? "(no location recorded)"} at ${exported.export.at}`]
                : [];
        return pass([...changed.map(describe), ...exportSeen], [`--migrate-tier ${migrating}`]);
    },
};

export interface ScopeContext {
    readonly phase: PhaseName;
    /** The phase's URNs from the whole-program preview (for a tenant's rollout, the tenant's). */
    readonly phaseUrns: ReadonlySet<string>;
    /** Steps of the phase's targeted preview. */
    readonly steps: readonly PlanStep[];
    /** A tenant's rollout: its update must change nothing of the platform or another tenant either. */
    readonly tenant?: string;
}

export const scopeGate: Gate<ScopeContext> = {
    id: "scope",
    info: "The phase's update changes nothing outside the phase",
    explanation:
        "A phase is reviewed and approved as one layer; a change that reaches another layer would be " +
        "applied without that layer's review.",
    check({ phase, phaseUrns, steps, tenant }) {
        const outside = steps.filter((s) => !NO_CHANGE_OPS.has(s.op) && !isAlwaysTargeted(s.urn) && !phaseUrns.has(s.urn));
        if (outside.length === 0) return pass();
        return fail(
            outside.map((s) => `${s.op} ${s.urn}`),
            tenant
                ? `these are not ${tenant}'s ${phase} resources: roll them out with the platform (without --tenant), or find why ${tenant} reaches them`
                : `these belong to another phase: roll that phase out on its own, or find why ${phase} reaches them`,
        );
    },
};

export interface SafetyContext {
    readonly steps: readonly PlanStep[];
    /** URNs named with `--allow-replace`. */
    readonly allowReplace: readonly string[];
}

export const safetyGate: Gate<SafetyContext> = {
    id: "safety",
    info: "No stateful resource is replaced or deleted unless its URN is named with --allow-replace",
    explanation:
        "Replacing a database, cache, file system, bucket, key, secret, backup vault or image repository " +
        "destroys what it holds; it must be a decision about that one resource, taken after a backup. A security " +
        "group or the load balancer cannot be replaced under its fixed name at all (automation/replacement.ts).",
    check({ steps, allowReplace }) {
        const destructive = [
            ...new Map(
                steps
                    .filter(
                        (s) =>
                            (DESTRUCTIVE_OPS.has(s.op) && STATEFUL_TYPES.has(s.type)) ||
                            (REPLACEMENT_OPS.has(s.op) && refusedReplacement(s.type)),
                    )
                    .map((s) => [s.urn, s] as const),
            ).values(),
        ];
        if (destructive.length === 0) return pass();
        const refused = destructive.filter((s) => !allowReplace.includes(s.urn));
        // Stateful types explain themselves; for the others, say why no replacement can succeed.
        const why = (s: PlanStep) => (STATEFUL_TYPES.has(s.type) ? "" : `: ${refusedReplacement(s.type)!.why}`);
        const describe = (s: PlanStep) =>
            `${s.op === "delete" ? "delete" : "replace"} ${s.urn}` +
            (s.replaceKeys.length ? ` (because of ${s.replaceKeys.join(", ")})` : "") +
            why(s);
        if (refused.length === 0)
            return pass(
                destructive.map(describe),
                destructive.map((s) => `--allow-replace ${s.urn}`),
            );
        const flags = refused.map((s) => `--allow-replace '${s.urn}'`).join(" ");
        return fail(
            refused.map(describe),
            refused.every((s) => STATEFUL_TYPES.has(s.type))
                ? `after a backup or snapshot of each, pass ${flags}`
                : `revert the change that forces the replacement; to replace anyway, back up what holds data, free the names ` +
                      `the new resources need, then pass ${flags}`,
        );
    },
};

export interface ApprovalContext {
    readonly env: string;
    readonly phase: PhaseName;
    /** Roles that must approve this phase in this environment (`bbws:approvals`). */
    readonly requiredRoles: readonly string[];
    readonly approvals: readonly Approval[];
    /** sha256 of the saved plan. */
    readonly planHash: string;
    /** `--yes`, or "y" at the terminal. */
    readonly confirmed: boolean;
}

export const approvalGate: Gate<ApprovalContext> = {
    id: "approval",
    info: "Every role this phase requires in this environment has approved this plan",
    explanation:
        "The plan is what will be applied, step for step; an approval is for one plan (its sha256), " +
        "so a changed plan needs a new approval, and no one approves for two roles.",
    check({ env, phase, requiredRoles, approvals, planHash, confirmed }) {
        if (requiredRoles.length === 0) {
            return confirmed
                ? pass(["no role is required"])
                : fail(
                      [`no approval is required for ${phase} in ${env}, but nothing confirmed the update`],
                      "pass --yes, or run at a terminal and answer y",
                  );
        }
        const findings: string[] = [];
        const approvers = new Map<string, string>();
        for (const role of requiredRoles) {
            const given = approvals.filter((a) => a.role === role);
            const valid = given.find((a) => !a.planHash || planHash.startsWith(a.planHash));
            if (valid) approvers.set(role, valid.name);
            else if (given.length > 0)
                findings.push(`${role}: ${given[0].name} approved plan ${given[0].planHash}, not this plan ${planHash.slice(0, 12)}`);
            else findings.push(`${role}: no approval`);
        }
        const names = [...approvers.values()];
        for (const [role, name] of approvers) {
            if (names.filter((n) => n === name).length > 1) findings.push(`${role}: ${name} already approves for another role`);
        }
        if (findings.length === 0) return pass([...approvers].map(([role, name]) => `${role}: ${name}`));
        return fail(
            findings,
            `each of ${requiredRoles.join(", ")} approves this plan (sha256 ${planHash.slice(0, 12)}): ` +
                `${requiredRoles.map((r) => `--approve ${r}:<name>`).join(" ")}, or answer at a terminal` +
                (confirmed ? "; --yes does not replace a required approval" : ""),
        );
    },
};
