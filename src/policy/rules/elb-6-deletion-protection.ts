import type { Rule } from "../rule";

export const elb_6: Rule = {
    name: "elb-6-deletion-protection",
    control: "ELB.6",
    description: "ELB.6: Application, Gateway, and Network Load Balancers should have deletion protection enabled (prod)",
    explanation:
        "Deleting the load balancer takes every tenant offline and changes its DNS name. In " +
        "prod set enableDeletionProtection: true (bbws:ecs.albDeletionProtection).",
    level: "mandatory",
    types: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
    scope: "resource",
    // dev and sit are rebuilt at will; only prod's load balancer carries customers' DNS.
    environments: ["prod"],
    check(lb) {
        return lb.inputs.enableDeletionProtection === true ? [] : ["enableDeletionProtection is not true"];
    },
};
