import type { Rule } from "../rule";

export const elasticache_5: Rule = {
    name: "elasticache-5-encrypted-in-transit",
    control: "ElastiCache.5",
    description: "ElastiCache.5: ElastiCache replication groups should be encrypted in transit",
    explanation:
        "Set transitEncryptionEnabled: true; `preferred` mode still accepts plain-text " +
        "clients, so leave transitEncryptionMode unset or `required`.",
    level: "mandatory",
    types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
    scope: "resource",
    check(group) {
        if (group.inputs.transitEncryptionEnabled !== true) return ["transitEncryptionEnabled is not true"];
        return group.inputs.transitEncryptionMode === "preferred"
            ? ["transitEncryptionMode is `preferred`: plain-text clients are accepted"]
            : [];
    },
};
