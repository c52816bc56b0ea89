import type { Rule } from "../rule";

export const elb_5: Rule = {
    name: "elb-5-access-logs",
    control: "ELB.5",
    description: "ELB.5: Application and Classic Load Balancers logging should be enabled",
    explanation:
        "Access logs are the only record of every request that reached a tenant. Set " +
        "accessLogs { enabled: true, bucket } to the platform's logs bucket.",
    level: "mandatory",
    types: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
    scope: "resource",
    check(lb) {
        const logs = lb.inputs.accessLogs;
        return logs?.enabled === true && logs.bucket ? [] : ["access logs are not enabled"];
    },
};
