import { asList, Rule } from "../rule";

export const rds_34: Rule = {
    name: "rds-34-audit-logs",
    control: "RDS.34",
    description: "RDS.34: Aurora MySQL DB clusters should publish audit logs to CloudWatch Logs",
    explanation:
        "The audit log (connections, grants, schema changes) must leave the database to be " +
        'kept and searched. Include "audit" in enabledCloudwatchLogsExports.',
    level: "mandatory",
    types: ["aws:rds/cluster:Cluster"],
    scope: "resource",
    check(cluster) {
        if (cluster.inputs.engine !== "aurora-mysql") return [];
        return asList(cluster.inputs.enabledCloudwatchLogsExports).includes("audit")
            ? []
            : ['enabledCloudwatchLogsExports does not include "audit"'];
    },
};
