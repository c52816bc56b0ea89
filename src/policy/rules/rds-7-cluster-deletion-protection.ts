import type { Rule } from "../rule";
import { isOffboardingTenantResource } from "./offboarding";

export const rds_7: Rule = {
    name: "rds-7-cluster-deletion-protection",
    control: "RDS.7",
    description: "RDS.7: RDS clusters should have deletion protection enabled",
    explanation:
        "Deletion protection stops a mistaken delete (console, API or a replacing update) " +
        "from taking every tenant's database with it. Set deletionProtection: true. An enterprise tenant's own cluster " +
        "tagged Offboarding: true (its tenant being removed by npm run tenant -- remove) is exempt.",
    level: "mandatory",
    types: ["aws:rds/cluster:Cluster"],
    scope: "resource",
    check(cluster) {
        if (cluster.inputs.deletionProtection === true || isOffboardingTenantResource(cluster.inputs)) return [];
        return ["deletionProtection is not true"];
    },
};
