import type { Rule } from "../rule";

export const elasticache_4: Rule = {
    name: "elasticache-4-encrypted-at-rest",
    control: "ElastiCache.4",
    description: "ElastiCache.4: ElastiCache replication groups should be encrypted at rest",
    explanation:
        "Sessions and cached pages hold personal data. Set atRestEncryptionEnabled: true with " +
        "the platform's data key (kmsKeyId); it can only be chosen at creation.",
    level: "mandatory",
    types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
    scope: "resource",
    check(group) {
        return group.inputs.atRestEncryptionEnabled === true ? [] : ["atRestEncryptionEnabled is not true"];
    },
};
