import type { Rule } from "../rule";

export const elasticache_1: Rule = {
    name: "elasticache-1-backups",
    control: "ElastiCache.1",
    description: "ElastiCache.1: ElastiCache (Redis OSS) clusters should have automatic backups enabled",
    explanation:
        "Without snapshots a lost primary loses every session and cached object at once. " +
        "Set snapshotRetentionLimit (bbws:cache.snapshotRetentionDays) to 1 or more.",
    level: "mandatory",
    types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
    scope: "resource",
    check(group) {
        const days = group.inputs.snapshotRetentionLimit ?? 0;
        return days >= 1 ? [] : [`snapshotRetentionLimit is ${days}: automatic backups are off`];
    },
};
