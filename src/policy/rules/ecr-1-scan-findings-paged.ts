import { EVENT_RULE, homeRuleSends, isCriticalTopic, TOPIC } from "../event-rules";
import { ofTypes, Rule } from "../rule";
import { ecrImageScanEvent } from "../sample-events";

/** The severities that page: a scan reporting either must reach the critical topic. */
const PAGING_SEVERITIES = ["HIGH", "CRITICAL"] as const;

export const ecr_1_findings: Rule = {
    name: "ecr-1-scan-findings-paged",
    control: "ECR.1",
    description: "ECR.1: ECR private repositories should have image scanning configured (and its findings must reach someone)",
    explanation:
        "A scan nobody reads protects nothing. An EventBridge rule must match the repository's " +
        '"ECR Image Scan" events reporting HIGH or CRITICAL findings (judged against the ECR user ' +
        "guide's sample event) and target the critical topic (`bbws-<env>-critical`): " +
        "components/events.ts `ecr-scan-findings`.",
    level: "mandatory",
    types: ["aws:ecr/repository:Repository"],
    scope: "stack",
    check(repo, context) {
        const critical = ofTypes(context.resources, [TOPIC]).filter(isCriticalTopic);
        if (critical.length === 0) return ["the stack has no critical topic (`bbws-<env>-critical`) for scan findings to reach"];
        if (ofTypes(context.resources, [EVENT_RULE]).length === 0)
            return ["the stack has no EventBridge rules: scan findings reach nobody"];
        return PAGING_SEVERITIES.filter((severity) => {
            const event = ecrImageScanEvent({ region: "stack-region", repository: String(repo.inputs.name), counts: { [severity]: 1 } });
            return !critical.some((topic) => homeRuleSends(context, event, topic));
        }).map((severity) => `no EventBridge rule sends scans of ${repo.inputs.name} with ${severity} findings to the critical topic`);
    },
};
