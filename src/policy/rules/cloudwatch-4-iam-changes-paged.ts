import { globalSignalProblems, isCriticalTopic } from "../event-rules";
import type { Rule } from "../rule";
import { iamApiCallEvent } from "../sample-events";

/**
 * The IAM policy changes of the CIS AWS Foundations benchmark's metric filter, which Security Hub's
 * CloudWatch.4 checks for: every one must page.
 */
export const CIS_IAM_POLICY_CHANGES = [
    "DeleteGroupPolicy",
    "DeleteRolePolicy",
    "DeleteUserPolicy",
    "PutGroupPolicy",
    "PutRolePolicy",
    "PutUserPolicy",
    "CreatePolicy",
    "DeletePolicy",
    "CreatePolicyVersion",
    "DeletePolicyVersion",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "AttachGroupPolicy",
    "DetachGroupPolicy",
] as const;

export const cloudwatch_4: Rule = {
    name: "cloudwatch-4-iam-changes-paged",
    control: "CloudWatch.4",
    description: "CloudWatch.4: A log metric filter and alarm should exist for IAM policy changes (here: an EventBridge rule paging)",
    explanation:
        "IAM is a global service: its events reach EventBridge only in us-east-1, so a rule in the " +
        "stack's region alone never fires. A rule in us-east-1 must forward each CIS IAM policy change " +
        "to the environment's bus (with a role), and a home rule must page the critical topic with the " +
        "forwarded event (components/events.ts `iam-policy-changes`).",
    level: "mandatory",
    types: ["aws:sns/topic:Topic"],
    scope: "stack",
    check(topic, context) {
        if (!isCriticalTopic(topic)) return [];
        return CIS_IAM_POLICY_CHANGES.flatMap((eventName) =>
            globalSignalProblems(context, topic, iamApiCallEvent({ eventName }), eventName),
        );
    },
};
