import type { Rule } from "../rule";

/** SNS's AWS-managed key: its key policy admits no service principal. */
const AWS_MANAGED_SNS_KEY = "alias/aws/sns";

export const sns_1: Rule = {
    name: "sns-1-encrypted",
    control: "SNS.1",
    description: "SNS.1: SNS topics should be encrypted at-rest using AWS KMS",
    explanation:
        "Alarm messages name hosts, tenants and errors. Set kmsMasterKeyId to a customer managed key the " +
        "publishing services (CloudWatch, EventBridge, Budgets) may use; not alias/aws/sns, whose policy admits none of them.",
    level: "mandatory",
    types: ["aws:sns/topic:Topic"],
    scope: "resource",
    check(topic) {
        const key = topic.inputs.kmsMasterKeyId;
        if (!key) return ["kmsMasterKeyId is not set"];
        // The AWS-managed key's policy cannot be edited to admit CloudWatch, EventBridge or Budgets, so
        // their messages never arrive (SNS developer guide, "Enable compatibility between event sources
        // from AWS services and encrypted topics").
        if (key === AWS_MANAGED_SNS_KEY)
            return [`kmsMasterKeyId is the AWS-managed ${AWS_MANAGED_SNS_KEY}: no AWS service can publish to the topic`];
        return [];
    },
};
