import type { Rule } from "../rule";

export const rds_12: Rule = {
    name: "rds-12-iam-auth",
    control: "RDS.12",
    description: "RDS.12: IAM authentication should be configured for RDS clusters",
    explanation:
        "IAM authentication lets operators and tools connect with short-lived tokens instead " +
        "of shared passwords. Set iamDatabaseAuthenticationEnabled: true.",
    level: "mandatory",
    types: ["aws:rds/cluster:Cluster"],
    scope: "resource",
    check(cluster) {
        return cluster.inputs.iamDatabaseAuthenticationEnabled === true ? [] : ["iamDatabaseAuthenticationEnabled is not true"];
    },
};
