import type { Rule } from "../rule";
import { isOffboardingTenantResource, OFFBOARDING_TAG } from "./offboarding";

export { OFFBOARDING_TAG };

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
        if (isOffboardingTenantResource(lb.inputs)) return [];
        return ["enableDeletionProtection is not true"];
    },
};
