import type { Rule } from "../rule";

export const elb_4: Rule = {
    name: "elb-4-drop-invalid-headers",
    control: "ELB.4",
    description: "ELB.4: Application Load Balancer should be configured to drop invalid HTTP headers",
    explanation: "Malformed headers are a request-smuggling vector into WordPress. Set " + "dropInvalidHeaderFields: true.",
    level: "mandatory",
    types: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
    scope: "resource",
    check(lb) {
        if ((lb.inputs.loadBalancerType ?? "application") !== "application") return [];
        return lb.inputs.dropInvalidHeaderFields === true ? [] : ["dropInvalidHeaderFields is not true"];
    },
};
