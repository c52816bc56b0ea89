/** Checks after the `network` phase: the VPC, its subnet tiers, NAT and the security groups. */
import {
    DescribeNatGatewaysCommand,
    DescribeSecurityGroupsCommand,
    DescribeSubnetsCommand,
    DescribeVpcsCommand,
    IpPermission,
    SecurityGroup,
    Subnet,
} from "@aws-sdk/client-ec2";
import type { PlatformOutputs } from "../../src/program";
import { Check, CheckContext, fail, list, pass, verdict } from "./check";

const TIERS = ["public", "private", "isolated"] as const;

/** Labels of the role groups, keyed like `network.securityGroupIds` so a new role cannot be missed. */
type SecurityGroupRole = keyof PlatformOutputs["network"]["securityGroupIds"];

const SECURITY_GROUP_ROLES: Readonly<Record<SecurityGroupRole, string>> = {
    loadBalancer: "load balancer",
    database: "database",
    cache: "cache",
    fileSystem: "file system",
    endpoints: "endpoints",
    platformTask: "platform one-off task",
};

/** The only ports the load balancer may open to the internet. */
const PUBLIC_PORTS = [80, 443];

const WORLD = ["0.0.0.0/0", "::/0"];

function subnetIdsByTier(ctx: CheckContext): Record<(typeof TIERS)[number], string[]> {
    return {
        public: ctx.outputs.strings("network.publicSubnetIds"),
        private: ctx.outputs.strings("network.privateSubnetIds"),
        isolated: ctx.outputs.strings("network.isolatedSubnetIds"),
    };
}

async function subnets(ctx: CheckContext): Promise<Subnet[]> {
    const ids = Object.values(subnetIdsByTier(ctx)).flat();
    const answer = await ctx.read("ec2:subnets", () => ctx.aws.ec2.send(new DescribeSubnetsCommand({ SubnetIds: ids })));
    return answer.Subnets ?? [];
}

async function vpcSecurityGroups(ctx: CheckContext): Promise<SecurityGroup[]> {
    const vpcId = ctx.outputs.string("network.vpcId");
    const answer = await ctx.read("ec2:security-groups", () =>
        ctx.aws.ec2.send(
            new DescribeSecurityGroupsCommand({
                Filters: [{ Name: "vpc-id", Values: [vpcId] }],
                MaxResults: 1000,
            }),
        ),
    );
    return answer.SecurityGroups ?? [];
}

/** The role and tenant groups the stack says it created, labelled for the report. */
function expectedSecurityGroups(ctx: CheckContext): Array<{ label: string; id: string }> {
    const roles = (Object.keys(SECURITY_GROUP_ROLES) as SecurityGroupRole[]).map((key) => ({
        label: SECURITY_GROUP_ROLES[key],
        id: ctx.outputs.string(`network.securityGroupIds.${key}`),
    }));
    const tenants = ctx.config.tenants.map((t) => ({
        label: `tenant ${t.id}`,
        id: ctx.outputs.tenant("network.tenantSecurityGroupIds", t.id),
    }));
    return [...roles, ...tenants];
}

function openToWorld(rule: IpPermission): boolean {
    return (
        (rule.IpRanges ?? []).some((r) => WORLD.includes(r.CidrIp ?? "")) ||
        (rule.Ipv6Ranges ?? []).some((r) => WORLD.includes(r.CidrIpv6 ?? ""))
    );
}

function isPublicWebPort(rule: IpPermission): boolean {
    return rule.IpProtocol === "tcp" && PUBLIC_PORTS.some((p) => rule.FromPort === p && rule.ToPort === p);
}

function portText(rule: IpPermission): string {
    if (rule.IpProtocol === "-1") return "all traffic";
    return rule.FromPort === rule.ToPort ? `${rule.IpProtocol}/${rule.FromPort}` : `${rule.IpProtocol}/${rule.FromPort}-${rule.ToPort}`;
}

export const networkChecks: readonly Check[] = [
    {
        id: "network-vpc-available",
        phase: "network",
        info: "The VPC exists, is available and has the configured range.",
        explanation:
            "Every other layer is placed in this VPC. A pending VPC means the apply has not finished; " +
            "another range means the stack points at a VPC it did not create.",
        async check(ctx) {
            const vpcId = ctx.outputs.string("network.vpcId");
            const answer = await ctx.read("ec2:vpc", () => ctx.aws.ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })));
            const vpc = answer.Vpcs?.[0];
            if (!vpc) return fail(`VPC ${vpcId} not found`);
            const problems = [
                ...(vpc.State === "available" ? [] : [`VPC ${vpcId} is ${vpc.State}, expected available`]),
                ...(vpc.CidrBlock === ctx.config.network.vpcCidr
                    ? []
                    : [`VPC ${vpcId} has range ${vpc.CidrBlock}, expected ${ctx.config.network.vpcCidr}`]),
            ];
            return verdict(problems, `${vpcId} ${vpc.CidrBlock} available`);
        },
    },
    {
        id: "network-subnets-per-az",
        phase: "network",
        info: "Each subnet tier (public, private, isolated) has an available subnet in every configured AZ.",
        explanation:
            "Multi-AZ Aurora, Redis, EFS mount targets and the load balancer need a subnet of their tier " +
            "in each AZ; a tier short of an AZ loses that AZ in an outage. Compare `bbws:network.azCount`.",
        async check(ctx) {
            const byTier = subnetIdsByTier(ctx);
            const found = new Map((await subnets(ctx)).map((s) => [s.SubnetId, s]));
            const expected = ctx.config.network.azCount;
            const allAzs = new Set([...found.values()].map((s) => s.AvailabilityZone));
            const problems: string[] = [];
            const seen: string[] = [];
            for (const tier of TIERS) {
                const missing = byTier[tier].filter((id) => !found.has(id));
                if (missing.length > 0) problems.push(`${tier}: ${list(missing)} not found`);
                const present = byTier[tier].flatMap((id) => found.get(id) ?? []);
                const notAvailable = present.filter((s) => s.State !== "available");
                if (notAvailable.length > 0) problems.push(`${tier}: ${list(notAvailable.map((s) => `${s.SubnetId} is ${s.State}`))}`);
                const azs = [...new Set(present.map((s) => s.AvailabilityZone ?? "?"))].sort();
                if (azs.length !== expected) problems.push(`${tier}: subnets in ${azs.length} AZ(s) (${list(azs)}), expected ${expected}`);
                seen.push(`${tier} ${list(azs)}`);
            }
            if (allAzs.size > expected)
                problems.push(`the tiers use ${allAzs.size} different AZs between them, expected the same ${expected}`);
            return verdict(problems, `${expected} AZs per tier: ${seen.join("; ")}`);
        },
    },
    {
        id: "network-nat-available",
        phase: "network",
        info: "The configured NAT gateways are available: one in all, or one per AZ.",
        explanation:
            "Private subnets reach registries, AWS APIs and WordPress updates through NAT. With " +
            "`natStrategy: onePerAz` each AZ has its own, so an AZ outage does not cut the others off.",
        async check(ctx) {
            const vpcId = ctx.outputs.string("network.vpcId");
            const { azCount, natStrategy } = ctx.config.network;
            const answer = await ctx.read("ec2:nat-gateways", () =>
                ctx.aws.ec2.send(
                    new DescribeNatGatewaysCommand({
                        Filter: [{ Name: "vpc-id", Values: [vpcId] }],
                        MaxResults: 1000,
                    }),
                ),
            );
            const gateways = answer.NatGateways ?? [];
            const azOf = new Map((await subnets(ctx)).map((s) => [s.SubnetId, s.AvailabilityZone]));
            const available = gateways.filter((g) => g.State === "available");
            const azs = new Set(available.map((g) => azOf.get(g.SubnetId) ?? g.SubnetId));
            const expected = natStrategy === "single" ? 1 : azCount;
            const states = gateways.map((g) => `${g.NatGatewayId} ${g.State} in ${azOf.get(g.SubnetId) ?? g.SubnetId}`);
            const seen = states.length > 0 ? list(states) : "no NAT gateway";
            if (available.length < expected || azs.size < expected) {
                return fail(`${natStrategy}: expected ${expected} available NAT gateway(s) in ${expected} AZ(s), found ${seen}`);
            }
            return pass(`${natStrategy}: ${seen}`);
        },
    },
    {
        id: "network-security-groups-present",
        phase: "network",
        info: "Every role and tenant security group in the stack outputs exists in the VPC.",
        explanation:
            "Aurora, Redis, EFS, the endpoints and each tenant's tasks are reachable only through these " +
            "groups; a group missing from the VPC means a layer was created elsewhere or deleted by hand.",
        async check(ctx) {
            const expected = expectedSecurityGroups(ctx);
            const inVpc = new Set((await vpcSecurityGroups(ctx)).map((g) => g.GroupId));
            const missing = expected.filter((g) => !inVpc.has(g.id));
            return verdict(
                missing.map((g) => `${g.label} group ${g.id} is not in the VPC`),
                `${expected.length} groups present (${expected.map((g) => g.label).join(", ")})`,
            );
        },
    },
    {
        id: "network-no-open-ingress",
        phase: "network",
        info: "No security group in the VPC accepts traffic from 0.0.0.0/0 or ::/0, except the load balancer on 80 and 443.",
        explanation:
            "Only the load balancer faces the internet; the data tier and the tasks accept traffic only from " +
            "named groups. Remove the rule (it was added outside the program) or find the change that added it.",
        async check(ctx) {
            const albId = ctx.outputs.string("network.securityGroupIds.loadBalancer");
            const groups = await vpcSecurityGroups(ctx);
            const problems = groups.flatMap((g) =>
                (g.IpPermissions ?? [])
                    .filter(openToWorld)
                    .filter((rule) => g.GroupId !== albId || !isPublicWebPort(rule))
                    .map((rule) => `${g.GroupId} (${g.GroupName}) is open to the internet on ${portText(rule)}`),
            );
            return verdict(problems, `${groups.length} groups checked; only the load balancer is open, on ${PUBLIC_PORTS.join(" and ")}`);
        },
    },
];
