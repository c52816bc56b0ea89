/**
 * What the stack's EventBridge rules deliver, for the rules that require a signal to page someone.
 * A rule is judged by matching AWS's sample events (sample-events.ts) against its pattern, so a
 * pattern written differently but meaning the same passes, and one that looks right but never
 * matches fails.
 */
import { GLOBAL_EVENTS_REGION, matchesEventPattern, UnsupportedPatternError } from "./event-pattern";
import { ofTypes, parseJson, refersTo, ResourceView, RuleContext } from "./rule";

export const EVENT_RULE = "aws:cloudwatch/eventRule:EventRule";
export const EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget";
export const TOPIC = "aws:sns/topic:Topic";

/**
 * The topic that pages on-call: the monitoring layer names it `bbws-<env>-critical` (README,
 * "Monitoring layer"). Other topics are not judged by the signal rules.
 */
export function isCriticalTopic(topic: ResourceView): boolean {
    return typeof topic.inputs.name === "string" && topic.inputs.name.endsWith("-critical");
}

/** Whether `rule`'s pattern matches `event`; a pattern the matcher cannot read matches nothing. */
function matches(rule: ResourceView, event: unknown): boolean {
    const pattern = parseJson(rule.inputs.eventPattern);
    if (!pattern || typeof pattern !== "object") return false;
    try {
        return matchesEventPattern(pattern, event);
    } catch (err) {
        if (err instanceof UnsupportedPatternError) return false;
        throw err;
    }
}

function targetsOf(rule: ResourceView, context: RuleContext): ResourceView[] {
    return ofTypes(context.resources, [EVENT_TARGET]).filter((t) => refersTo(t, "rule", rule, context.resources));
}

/**
 * Whether a rule on the stack's own region matches `event` and targets `topic`. Its own region: no
 * per-resource `region` (the program's inputs, offline) or the stack's (`context.region`): in a real
 * preview the pack reads what the provider's Check returns, where @pulumi/aws 7 fills every regional
 * resource's `region` from the provider's (and a stack rule reads the outputs, `region` among them).
 */
export function homeRuleSends(context: RuleContext, event: unknown, topic: ResourceView): boolean {
    return ofTypes(context.resources, [EVENT_RULE]).some(
        (rule) =>
            (rule.inputs.region === undefined || rule.inputs.region === context.region) &&
            matches(rule, event) &&
            targetsOf(rule, context).some((t) => refersTo(t, "arn", topic, context.resources)),
    );
}

/**
 * Whether a rule in us-east-1 matches `event` and forwards it to an event bus in another region
 * with a role (EventBridge needs one to put events on another region's bus).
 */
export function forwardsFromGlobalRegion(context: RuleContext, event: unknown): boolean {
    const busInOtherRegion = new RegExp(`^arn:aws:events:(?!${GLOBAL_EVENTS_REGION}:)[a-z0-9-]+:\\d{12}:event-bus/`);
    return ofTypes(context.resources, [EVENT_RULE]).some(
        (rule) =>
            rule.inputs.region === GLOBAL_EVENTS_REGION &&
            matches(rule, event) &&
            targetsOf(rule, context).some(
                (t) => t.inputs.region === GLOBAL_EVENTS_REGION && busInOtherRegion.test(String(t.inputs.arn)) && !!t.inputs.roleArn,
            ),
    );
}

/**
 * The problems with how a global-service event reaches the critical topic: a rule in us-east-1 must
 * forward it home, and a home rule must match it as forwarded (its `region` still us-east-1) and page.
 */
export function globalSignalProblems(context: RuleContext, topic: ResourceView, event: unknown, what: string): string[] {
    return [
        ...(forwardsFromGlobalRegion(context, event)
            ? []
            : [`no EventBridge rule in ${GLOBAL_EVENTS_REGION} forwards ${what} to this environment's event bus (with a role)`]),
        ...(homeRuleSends(context, event, topic)
            ? []
            : [`no EventBridge rule sends ${what} forwarded from ${GLOBAL_EVENTS_REGION} to this topic`]),
    ];
}
