import type { Rule } from "../rule";

/** Whether a replication group has a replica to fail over to. */
function hasReplicas(inputs: Readonly<Record<string, any>>): boolean {
    return (inputs.numCacheClusters ?? 1) >= 2 || (inputs.replicasPerNodeGroup ?? 0) >= 1;
}

export const elasticache_3: Rule = {
    name: "elasticache-3-failover",
    control: "ElastiCache.3",
    description: "ElastiCache.3: ElastiCache replication groups should have automatic failover enabled",
    explanation:
        "A replica only helps if ElastiCache promotes it when the primary fails. With two or " +
        "more nodes set automaticFailoverEnabled (and multiAzEnabled) to true; a single node has nothing to promote.",
    level: "mandatory",
    types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
    scope: "resource",
    check(group) {
        if (!hasReplicas(group.inputs)) return [];
        return group.inputs.automaticFailoverEnabled === true ? [] : ["has replicas but automaticFailoverEnabled is not true"];
    },
};
