import type { Rule } from "../rule";

export const cloudwatch_16: Rule = {
    name: "cloudwatch-16-log-retention",
    control: "CloudWatch.16",
    description: "CloudWatch.16: CloudWatch log groups should be retained for a specified time period",
    explanation:
        "A log group without retention keeps (and bills) logs forever. Set retentionInDays " +
        "from the layer's config; we set it per environment rather than the control's 365-day default.",
    level: "mandatory",
    types: ["aws:cloudwatch/logGroup:LogGroup"],
    scope: "resource",
    check(group) {
        const days = group.inputs.retentionInDays;
        return typeof days === "number" && days > 0 ? [] : ["retentionInDays is not set: logs are kept forever"];
    },
};
