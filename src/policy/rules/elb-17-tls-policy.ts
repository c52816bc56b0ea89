import type { Rule } from "../rule";

/** AWS's recommended listener policies: TLS 1.3, with TLS 1.2 at the least, forward secrecy only. */
export const MODERN_TLS_POLICY = /^ELBSecurityPolicy-TLS13-1-[23]-/;

export const elb_17: Rule = {
    name: "elb-17-tls-policy",
    control: "ELB.17",
    description: "ELB.17: Application and Network Load Balancers with listeners should use recommended security policies",
    explanation:
        "The default policy (ELBSecurityPolicy-2016-08) still accepts TLS 1.0. Set sslPolicy " +
        "on every HTTPS or TLS listener to a TLS13 policy such as ELBSecurityPolicy-TLS13-1-2-2021-06.",
    level: "mandatory",
    types: ["aws:lb/listener:Listener", "aws:alb/listener:Listener"],
    scope: "resource",
    check(listener) {
        if (!["HTTPS", "TLS"].includes(listener.inputs.protocol)) return [];
        const policy = listener.inputs.sslPolicy;
        return typeof policy === "string" && MODERN_TLS_POLICY.test(policy)
            ? []
            : [`sslPolicy ${policy ?? "(default ELBSecurityPolicy-2016-08)"} is not a recommended TLS 1.3 policy`];
    },
};
