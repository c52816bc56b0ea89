import { asList, ofTypes, refersTo, ResourceView, Rule, RuleContext } from "../rule";

const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const LOAD_BALANCERS = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];

/** The only ports a group may open to the whole internet: the load balancer's HTTP and HTTPS. */
export const INTERNET_PORTS = [80, 443] as const;
const ANYWHERE = ["0.0.0.0/0", "::/0"];

interface Permission {
    readonly protocol: unknown;
    readonly fromPort: unknown;
    readonly toPort: unknown;
    readonly sources: readonly string[];
}

/** The ingress permissions a resource grants, whatever its shape (inline, legacy rule, VPC rule). */
function permissions(r: ResourceView): Permission[] {
    const i = r.inputs;
    switch (r.type) {
        case INGRESS_RULE:
            return [{ protocol: i.ipProtocol, fromPort: i.fromPort, toPort: i.toPort, sources: [i.cidrIpv4, i.cidrIpv6].filter(Boolean) }];
        case LEGACY_RULE:
            return i.type === "ingress"
                ? [
                      {
                          protocol: i.protocol,
                          fromPort: i.fromPort,
                          toPort: i.toPort,
                          sources: [...asList(i.cidrBlocks), ...asList(i.ipv6CidrBlocks)],
                      },
                  ]
                : [];
        default:
            return asList<any>(i.ingress).map((p) => ({
                protocol: p.protocol,
                fromPort: p.fromPort,
                toPort: p.toPort,
                sources: [...asList(p.cidrBlocks), ...asList(p.ipv6CidrBlocks)],
            }));
    }
}

/** The security groups a permission belongs to: the group itself, or the one a rule names. */
function groupsOf(r: ResourceView, context: RuleContext): ResourceView[] {
    if (r.type === SECURITY_GROUP) return [r];
    return ofTypes(context.resources, [SECURITY_GROUP]).filter((sg) => refersTo(r, "securityGroupId", sg, context.resources));
}

function isWebPort(p: Permission): boolean {
    const tcp = p.protocol === "tcp" || p.protocol === "6" || p.protocol === 6;
    return tcp && p.fromPort === p.toPort && (INTERNET_PORTS as readonly unknown[]).includes(p.fromPort);
}

export const ec2_18: Rule = {
    name: "ec2-18-internet-ingress",
    control: "EC2.18",
    description: "EC2.18: Security groups should only allow unrestricted incoming traffic for authorized ports",
    explanation:
        `Only the load balancer faces the internet, and only on ${INTERNET_PORTS.join(" and ")}. ` +
        "Everything else is reached from a named security group or a private range.",
    level: "mandatory",
    types: [SECURITY_GROUP, INGRESS_RULE, LEGACY_RULE],
    scope: "stack",
    check(r, context) {
        const open = permissions(r).filter((p) => p.sources.some((s) => ANYWHERE.includes(s)));
        if (open.length === 0) return [];
        const problems = open
            .filter((p) => !isWebPort(p))
            .map(
                (p) =>
                    `opens ${String(p.protocol)} ${String(p.fromPort)}-${String(p.toPort)} to the internet; only TCP ${INTERNET_PORTS.join(" or ")} may be`,
            );
        const loadBalancers = ofTypes(context.resources, LOAD_BALANCERS);
        const fronted = groupsOf(r, context).some((sg) =>
            loadBalancers.some((lb) => refersTo(lb, "securityGroups", sg, context.resources)),
        );
        if (!fronted) problems.push("opens ports to the internet on a security group no load balancer uses");
        return problems;
    },
};
