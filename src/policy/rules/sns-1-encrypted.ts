import type { Rule } from "../rule";

export const sns_1: Rule = {
    name: "sns-1-encrypted",
    control: "SNS.1",
    description: "SNS.1: SNS topics should be encrypted at-rest using AWS KMS",
    explanation:
        "Alarm messages name hosts, tenants and errors. Set kmsMasterKeyId to a key the " +
        "publishing services (CloudWatch, EventBridge, Budgets) may use.",
    level: "mandatory",
    types: ["aws:sns/topic:Topic"],
    scope: "resource",
    check(topic) {
        return topic.inputs.kmsMasterKeyId ? [] : ["kmsMasterKeyId is not set"];
    },
};
