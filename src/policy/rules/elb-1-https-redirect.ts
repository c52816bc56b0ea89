import { asList, Rule } from "../rule";

export const elb_1: Rule = {
    name: "elb-1-https-redirect",
    control: "ELB.1",
    description: "ELB.1: Application Load Balancer should be configured to redirect all HTTP requests to HTTPS",
    explanation:
        "Port 80 exists only to send browsers to 443. Give every HTTP listener a single " + "default action: redirect with protocol HTTPS.",
    level: "mandatory",
    types: ["aws:lb/listener:Listener", "aws:alb/listener:Listener"],
    scope: "resource",
    check(listener) {
        if (listener.inputs.protocol !== "HTTP") return [];
        const actions = asList<any>(listener.inputs.defaultActions);
        const redirects = actions.length > 0 && actions.every((a) => a.type === "redirect" && a.redirect?.protocol === "HTTPS");
        return redirects ? [] : ["an HTTP listener serves requests instead of redirecting them to HTTPS"];
    },
};
