import type { Rule } from "../rule";

export const rds_7: Rule = {
    name: "rds-7-cluster-deletion-protection",
    control: "RDS.7",
    description: "RDS.7: RDS clusters should have deletion protection enabled",
    explanation:
        "Deletion protection stops a mistaken delete (console, API or a replacing update) " +
        "from taking every tenant's database with it. Set deletionProtection: true.",
    level: "mandatory",
    types: ["aws:rds/cluster:Cluster"],
    scope: "resource",
    check(cluster) {
        return cluster.inputs.deletionProtection === true ? [] : ["deletionProtection is not true"];
    },
};
