/**
 * The gates a phase passes before its update runs, as a rule pack: each is data (an id, one line of
 * what it enforces, why and how to get past it) plus a pure check answering pass, fail or n/a. The
 * phase loop gathers the facts; the gates only judge them.
 */
import { PHASE_NAMES, PhaseName } from "../src/phases";
import type { Approval, LedgerRecord } from "./ledger";
import { PlanStep, REPLACEMENT_OPS } from "./plan-steps";
import { refusedReplacement } from "./replacement";
import { isAlwaysTargeted } from "./targets";

export type GateId = "order" | "promotion" | "scope" | "safety" | "approval";
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
 * as done.
 */
export function lastApplied(history: readonly LedgerRecord[], phase: PhaseName, commit?: string): LedgerRecord | undefined {
    return history
        .filter(
            (r) =>
                r.phase === phase &&
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
}

export const orderGate: Gate<OrderContext> = {
    id: "order",
    info: "Every earlier phase has succeeded in this environment",
    explanation:
        "Each layer consumes the outputs of the ones before it; a phase applied over a missing or failed " +
        "layer fails half-way or builds on stale values.",
    check({ env, phase, inProgram, history, forceOrder }) {
        const earlier = PHASE_NAMES.slice(0, PHASE_NAMES.indexOf(phase)).filter((p) => inProgram.includes(p));
        if (earlier.length === 0) return notApplicable(`${phase} is the first phase`);
        const missing = earlier.filter((p) => lastApplied(history, p)?.result !== "succeeded");
        const findings = missing.map((p) => {
            const last = lastApplied(history, p);
            return last ? `${p}: last attempt ${last.result} at ${last.at}` : `${p}: never applied in ${env}`;
        });
        if (missing.length === 0) return pass(earlier.map((p) => `${p}: succeeded at ${lastApplied(history, p)!.at}`));
        if (forceOrder) return pass(findings, ["--force-order"]);
        return fail(
            findings,
            `roll out ${missing.join(", ")} in ${env} first (\`--phase ${missing[0]}\`), ` +
                "or pass --force-order if you know why the order does not matter this time (it is recorded)",
        );
    },
};

export interface PromotionContext {
    readonly commit?: string;
    /** The environment this one promotes from (`bbws:rollout.promoteFrom`); none means no promotion gate. */
    readonly promoteFrom?: string;
    /** That environment's ledger. */
    readonly sourceHistory: readonly LedgerRecord[];
    readonly inProgram: readonly PhaseName[];
}

export const promotionGate: Gate<PromotionContext> = {
    id: "promotion",
    info: "This commit has completed every phase in the environment it is promoted from",
    explanation: "Production only receives code that has been rolled out, phase by phase, and verified in the " + "environment before it.",
    check({ commit, promoteFrom, sourceHistory, inProgram }) {
        if (!promoteFrom) return notApplicable("this environment is not promoted from another");
        if (!commit) {
            return fail(
                ["the commit being rolled out is unknown (not a git checkout)"],
                "run from a clean git checkout of the commit to promote",
            );
        }
        const missing = inProgram.filter((p) => lastApplied(sourceHistory, p, commit)?.result !== "succeeded");
        if (missing.length === 0) return pass([`${commit.slice(0, 12)} completed ${inProgram.join(", ")} in ${promoteFrom}`]);
        return fail(
            missing.map((p) => `${p}: not completed in ${promoteFrom} at commit ${commit.slice(0, 12)}`),
            `roll this commit out to ${promoteFrom} first: \`npm run rollout -- --env ${promoteFrom} --phase all\``,
        );
    },
};

export interface ScopeContext {
    readonly phase: PhaseName;
    /** The phase's URNs from the whole-program preview. */
    readonly phaseUrns: ReadonlySet<string>;
    /** Steps of the phase's targeted preview. */
    readonly steps: readonly PlanStep[];
}

export const scopeGate: Gate<ScopeContext> = {
    id: "scope",
    info: "The phase's update changes nothing outside the phase",
    explanation:
        "A phase is reviewed and approved as one layer; a change that reaches another layer would be " +
        "applied without that layer's review.",
    check({ phase, phaseUrns, steps }) {
        const outside = steps.filter((s) => !NO_CHANGE_OPS.has(s.op) && !isAlwaysTargeted(s.urn) && !phaseUrns.has(s.urn));
        if (outside.length === 0) return pass();
        return fail(
            outside.map((s) => `${s.op} ${s.urn}`),
            `these belong to another phase: roll that phase out on its own, or find why ${phase} reaches them`,
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
