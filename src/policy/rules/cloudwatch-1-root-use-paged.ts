import { globalSignalProblems, homeRuleSends, isCriticalTopic } from "../event-rules";
import { GLOBAL_EVENTS_REGION } from "../event-pattern";
import type { Rule } from "../rule";
import { rootSignInEvent } from "../sample-events";

export const cloudwatch_1: Rule = {
    name: "cloudwatch-1-root-use-paged",
    control: "CloudWatch.1",
    description: "CloudWatch.1: A log metric filter and alarm should exist for usage of the root user (here: an EventBridge rule paging)",
    explanation:
        "Root use bypasses every IAM guard. The critical topic must receive root sign-ins and API calls " +
        "in the stack's region and in us-east-1, where global-service and most sign-in events land: " +
        "a rule in us-east-1 forwarding to the environment's bus, and a home rule paging the topic " +
        "(components/events.ts `root-activity`). Judged against the CloudTrail user guide's root sign-in event.",
    level: "mandatory",
    types: ["aws:sns/topic:Topic"],
    scope: "stack",
    check(topic, context) {
        if (!isCriticalTopic(topic)) return [];
        const home = rootSignInEvent({ region: "stack-region" });
        return [
            ...(homeRuleSends(context, home, topic)
                ? []
                : ["no EventBridge rule sends root user activity in the stack's region to this topic"]),
            ...globalSignalProblems(context, topic, rootSignInEvent({ region: GLOBAL_EVENTS_REGION }), "root user activity"),
        ];
    },
};
