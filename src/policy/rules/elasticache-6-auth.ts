import { asList, Rule } from "../rule";

export const elasticache_6: Rule = {
    name: "elasticache-6-auth",
    control: "ElastiCache.6",
    description: "ElastiCache.6: ElastiCache (Redis OSS) replication groups of earlier versions should have Redis OSS AUTH enabled",
    explanation:
        "A security group alone lets any task in it read every tenant's cache. Set authToken " +
        "(from a secret, never plain config) or attach RBAC userGroupIds.",
    level: "mandatory",
    types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
    scope: "resource",
    check(group) {
        const i = group.inputs;
        return i.authToken || i.authTokenWo || asList(i.userGroupIds).length > 0
            ? []
            : ["neither an AUTH token nor RBAC user groups are set"];
    },
};
