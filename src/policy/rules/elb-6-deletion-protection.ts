import type { Rule } from "../rule";

/** The tag of a load balancer being removed with its tenant (src/config.ts `OFFBOARDING_TAG`). */
export const OFFBOARDING_TAG = "Offboarding";

export const elb_6: Rule = {
    name: "elb-6-deletion-protection",
    control: "ELB.6",
    description: "ELB.6: Application, Gateway, and Network Load Balancers should have deletion protection enabled (prod)",
    explanation:
        "Deleting the load balancer takes every tenant offline and changes its DNS name. In " +
        "prod set enableDeletionProtection: true (bbws:ecs.albDeletionProtection). A premium tenant's own load balancer " +
        "tagged Offboarding: true (its tenant being removed by npm run tenant -- remove) is exempt.",
    level: "mandatory",
    types: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
    scope: "resource",
    // dev and sit are rebuilt at will; only prod's load balancer carries customers' DNS.
    environments: ["prod"],
    check(lb) {
        if (lb.inputs.enableDeletionProtection === true) return [];
        // A premium tenant's own load balancer (tagged with its Tenant) while `npm run tenant -- remove` deletes it: ELB
        // refuses to delete a protected one ("Delete an Application Load Balancer"). src/config.ts OFFBOARDING_TAG is the
        // same key. The shared load balancer has no Tenant tag, so the tag alone never exempts it.
        if (lb.inputs.tags?.[OFFBOARDING_TAG] === "true" && lb.inputs.tags?.Tenant !== undefined) return [];
        return ["enableDeletionProtection is not true"];
    },
};
