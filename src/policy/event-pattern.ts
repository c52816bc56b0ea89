/**
 * EventBridge event patterns as data: a pure matcher with EventBridge's content-filtering semantics
 * (the subset the platform's rules use), and the one delivery rule about global services. The policy
 * pack judges a rule by matching AWS's own sample events against its pattern; the offline AWS model
 * refuses a rule that waits for global-service events in a region that never receives them.
 *
 * Semantics follow the EventBridge user guide, "Event patterns" and "Content filtering"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html):
 * - a pattern field holding an array matches when the event's value (or any element of an array
 *   value) equals one of its items or satisfies one of its operator objects;
 * - a pattern field holding an object matches the event's object field by recursion; an array of
 *   objects in the event matches when any element does;
 * - a field the event lacks matches only `{ "exists": false }`; every other filter needs it present;
 * - `$or` holds alternative sub-patterns: one must match, besides the rest of the object;
 * - operators: `prefix`, `suffix`, `anything-but` (a value, a list, or `{ prefix }`), `numeric`
 *   (comparison pairs), `exists`. Any other operator is refused (`UnsupportedPatternError`) rather
 *   than guessed at.
 */

/** The region whose default event bus receives events of AWS's global services. */
export const GLOBAL_EVENTS_REGION = "us-east-1";

/**
 * Event sources of global services, delivered to EventBridge only in us-east-1: "AWS global services,
 * such as AWS Identity and Access Management (IAM), AWS Organizations, and AWS Account Management
 * deliver events only to us-east-1 Region" (AWS re:Post, "use-eventbridge-rule-across-regions"; and
 * "eventbridge-rule-triggers-iam-single-region": "The default event bus for the us-east-1 Region
 * receives all events that the global services generate").
 */
export const GLOBAL_SERVICE_SOURCES: readonly string[] = ["aws.iam", "aws.organizations", "aws.account"];

/** Where that rule is written down, for error messages and tests. */
export const GLOBAL_SERVICE_EVENTS_SOURCE =
    "https://repost.aws/knowledge-center/eventbridge-rule-triggers-iam-single-region; " +
    "https://repost.aws/knowledge-center/use-eventbridge-rule-across-regions";

/** A pattern uses an operator the matcher does not implement; its name is in the message. */
export class UnsupportedPatternError extends Error {}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Whether `event` (an EventBridge event: `source`, `detail-type`, `region`, `detail`, …) matches
 * `pattern` under EventBridge's semantics (module comment). Throws `UnsupportedPatternError` on an
 * operator it does not implement, and on a pattern field that is neither an array nor an object.
 */
export function matchesEventPattern(pattern: Readonly<Record<string, unknown>>, event: unknown): boolean {
    return matchObject(pattern as Record<string, Json>, event as Json);
}

function matchObject(pattern: Record<string, Json>, value: Json | undefined): boolean {
    if (Array.isArray(value)) return value.some((element) => matchObject(pattern, element));
    const object = value !== null && typeof value === "object" ? value : {};
    return Object.entries(pattern).every(([key, filter]) => {
        if (key === "$or") {
            if (!Array.isArray(filter)) throw new UnsupportedPatternError("`$or` must hold an array of sub-patterns");
            return filter.some((branch) => matchObject(branch as Record<string, Json>, value));
        }
        const field = object[key];
        if (Array.isArray(filter)) return matchValues(filter, field);
        if (filter !== null && typeof filter === "object") return matchObject(filter, field);
        throw new UnsupportedPatternError(
            `pattern field \`${key}\` must be an array of values or an object, not ${JSON.stringify(filter)}`,
        );
    });
}

function matchValues(filters: Json[], field: Json | undefined): boolean {
    const values = field === undefined ? [] : Array.isArray(field) ? field : [field];
    return filters.some((filter) => {
        if (filter !== null && typeof filter === "object" && !Array.isArray(filter)) return matchOperator(filter, field, values);
        return values.some((v) => v === filter);
    });
}

function matchOperator(operator: { [key: string]: Json }, field: Json | undefined, values: Json[]): boolean {
    const [name, ...others] = Object.keys(operator);
    if (others.length > 0) throw new UnsupportedPatternError(`one operator per filter object, not ${Object.keys(operator).join(", ")}`);
    const argument = operator[name];
    switch (name) {
        case "exists":
            return argument === (field !== undefined);
        case "prefix":
            return values.some((v) => typeof v === "string" && typeof argument === "string" && v.startsWith(argument));
        case "suffix":
            return values.some((v) => typeof v === "string" && typeof argument === "string" && v.endsWith(argument));
        case "numeric":
            return values.some((v) => typeof v === "number" && numericHolds(argument, v));
        case "anything-but":
            return values.length > 0 && values.every((v) => !anythingButExcludes(argument, v));
        default:
            throw new UnsupportedPatternError(`operator \`${name}\` is not implemented by the pattern matcher`);
    }
}

function anythingButExcludes(argument: Json, value: Json): boolean {
    if (Array.isArray(argument)) return argument.includes(value);
    if (argument !== null && typeof argument === "object") {
        if (typeof argument.prefix !== "string") throw new UnsupportedPatternError("`anything-but` takes a value, a list or `{ prefix }`");
        return typeof value === "string" && value.startsWith(argument.prefix);
    }
    return argument === value;
}

const COMPARISONS: Record<string, (a: number, b: number) => boolean> = {
    "=": (a, b) => a === b,
    "<": (a, b) => a < b,
    "<=": (a, b) => a <= b,
    ">": (a, b) => a > b,
    ">=": (a, b) => a >= b,
};

function numericHolds(argument: Json, value: number): boolean {
    if (!Array.isArray(argument) || argument.length === 0 || argument.length % 2 !== 0) {
        throw new UnsupportedPatternError('`numeric` takes comparison pairs, e.g. [">=", 7]');
    }
    for (let i = 0; i < argument.length; i += 2) {
        const compare = COMPARISONS[String(argument[i])];
        const bound = argument[i + 1];
        if (!compare || typeof bound !== "number") throw new UnsupportedPatternError(`\`numeric\` comparison ${JSON.stringify(argument)}`);
        if (!compare(value, bound)) return false;
    }
    return true;
}

/**
 * The global-service sources a rule in `region` waits for in vain: those its pattern's `source`
 * names, unless the rule is in us-east-1 or its pattern keeps only events whose `region` is us-east-1
 * (events forwarded from there keep their original `region`). Empty when the rule can fire.
 */
export function unreachableGlobalSources(pattern: Readonly<Record<string, unknown>>, region: string): string[] {
    if (region === GLOBAL_EVENTS_REGION) return [];
    const regions = pattern.region;
    if (Array.isArray(regions) && regions.length > 0 && regions.every((r) => r === GLOBAL_EVENTS_REGION)) return [];
    const sources = Array.isArray(pattern.source) ? pattern.source : [];
    return GLOBAL_SERVICE_SOURCES.filter((s) => sources.includes(s));
}
