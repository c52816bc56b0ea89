/**
 * Runs the baseline over a list of resources: the offline half of the policy pack. CrossGuard
 * (pack.ts) and this module judge each resource with the same `judge`, so waivers and
 * environment scopes mean the same in a preview and in `npm run synth -- --policies`.
 */
import { appliesIn, Level, ResourceView, Rule, RuleContext } from "./rule";
import { RULES } from "./rules";
import { isExpired, utcToday, Waiver, waives, WAIVERS } from "./waivers";

export interface Violation {
    readonly policy: string;
    readonly control: string;
    readonly level: Level;
    readonly urn: string;
    readonly name: string;
    readonly type: string;
    readonly message: string;
    /** The waiver excusing it, if any. */
    readonly waiver?: Waiver;
}

export interface RuleOutcome {
    readonly rule: Rule;
    /** False when the rule's control does not cover this environment. */
    readonly applicable: boolean;
    /** Resources of the rule's types that were judged. */
    readonly checked: number;
    /** Violations no waiver excuses. */
    readonly violations: readonly Violation[];
    readonly waived: readonly Violation[];
}

export interface Evaluation {
    readonly env: string;
    readonly outcomes: readonly RuleOutcome[];
    /** Every waiver on record, so a report can show what is excused and what has expired. */
    readonly waivers: readonly Waiver[];
    readonly today: string;
    /** True when a mandatory rule has a violation no waiver excuses. */
    readonly blocked: boolean;
}

export interface EvaluateOptions {
    readonly env: string;
    /** The stack's own AWS region (`RuleContext.region`). Default: unknown. */
    readonly region?: string;
    readonly rules?: readonly Rule[];
    readonly waivers?: readonly Waiver[];
    /** `YYYY-MM-DD` (UTC); waivers expire against it. Default: today. */
    readonly today?: string;
}

export interface Judgement {
    /** Messages no waiver excuses. */
    readonly violations: readonly string[];
    readonly waived: ReadonlyArray<{ readonly message: string; readonly waiver: Waiver }>;
}

/** One rule on one resource, with waivers applied. */
export function judge(rule: Rule, resource: ResourceView, context: RuleContext, waivers: readonly Waiver[], today: string): Judgement {
    const messages = rule.check(resource, context);
    const waiver = waivers.find((w) => waives(w, rule.name, resource.urn, resource.name, today));
    return waiver ? { violations: [], waived: messages.map((message) => ({ message, waiver })) } : { violations: messages, waived: [] };
}

/**
 * Judges every rule against the resources of its types in `options.env` (rules default to `RULES`,
 * waivers to `WAIVERS`, `today` to the UTC date): one outcome per rule, in rule order, not applicable
 * where the control does not cover the environment; `blocked` when a mandatory violation is unwaived.
 */
export function evaluate(resources: readonly ResourceView[], options: EvaluateOptions): Evaluation {
    const { env } = options;
    const rules = options.rules ?? RULES;
    const waivers = options.waivers ?? WAIVERS;
    const today = options.today ?? utcToday();
    const context: RuleContext = { env, resources, ...(options.region ? { region: options.region } : {}) };
    const outcomes = rules.map((rule): RuleOutcome => {
        const targets = resources.filter((r) => rule.types.includes(r.type));
        if (!appliesIn(rule, env)) return { rule, applicable: false, checked: 0, violations: [], waived: [] };
        const violations: Violation[] = [];
        const waived: Violation[] = [];
        for (const resource of targets) {
            const found = judge(rule, resource, context, waivers, today);
            const base = {
                policy: rule.name,
                control: rule.control,
                level: rule.level,
                urn: resource.urn,
                name: resource.name,
                type: resource.type,
            };
            violations.push(...found.violations.map((message) => ({ ...base, message })));
            waived.push(...found.waived.map(({ message, waiver }) => ({ ...base, message, waiver })));
        }
        return { rule, applicable: true, checked: targets.length, violations, waived };
    });
    const blocked = outcomes.some((o) => o.rule.level === "mandatory" && o.violations.length > 0);
    return { env, outcomes, waivers, today, blocked };
}

/** Waivers past their `expires` date: they excuse nothing, and the report says so. */
export function expiredWaivers(evaluation: Evaluation): Waiver[] {
    return evaluation.waivers.filter((w) => isExpired(w, evaluation.today));
}
