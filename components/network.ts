/**
 * Network layer (phase `network`): the VPC and its three subnet tiers, NAT, flow logs, the security
 * groups every other layer attaches to, and the VPC endpoints.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import type { NetworkConfig } from "../src/config";
import { formatCidr, parseCidr } from "../src/config";
import { REDIS_PORT } from "./data";
import type { TenantVpcOutputs } from "./tenant-vpc";
import { bbwsName, jsonOf, serviceAssumeRolePolicy } from "./shared";
import { admitToBackends, TenantBackend, TenantNetwork } from "./tenant-network";

export interface NetworkTenant {
    readonly id: string;
    /** Port the tenant's WordPress container listens on; only the load balancer may reach it. */
    readonly containerPort: number;
}

export interface NetworkLayerArgs {
    readonly env: string;
    readonly region: string;
    readonly network: NetworkConfig;
    readonly tenants: readonly NetworkTenant[];
}

/** Security groups by role; tenant task groups are in `tenantSecurityGroupIds`. */
export interface SecurityGroupIds {
    readonly loadBalancer: pulumi.Output<string>;
    readonly database: pulumi.Output<string>;
    readonly cache: pulumi.Output<string>;
    readonly fileSystem: pulumi.Output<string>;
    readonly endpoints: pulumi.Output<string>;
    /**
     * The platform one-off task (`bbws-migration-<env>`, run with `--platform`): MySQL and Redis like a
     * tenant's tasks, no file system, no load balancer. Tenant one-off tasks run in their tenant's group.
     */
    readonly platformTask: pulumi.Output<string>;
}

/** Interface endpoints the tasks need so image pulls, logs and secrets stay off the NAT gateway. */
export const INTERFACE_ENDPOINT_SERVICES = ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "ssmmessages"] as const;

/**
 * Subnet sizes for a VPC range: each AZ gets a quarter of the VPC; inside it the private tier (tasks,
 * EFS) takes half, the public (load balancer) and isolated (Aurora, Redis) tiers an eighth each.
 */
export function subnetLayout(vpcCidr: string): { azMask: number; publicMask: number; privateMask: number; isolatedMask: number } {
    const parsed = parseCidr(vpcCidr);
    if (!parsed) throw new Error(`\`vpcCidr\` '${vpcCidr}' is not a CIDR block`);
    const p = parsed.prefix;
    return { azMask: p + 2, privateMask: p + 3, publicMask: p + 5, isolatedMask: p + 5 };
}

/** The subnet tiers, in the order awsx creates them in each AZ and reports their ids. */
export const SUBNET_TIERS = ["public", "private", "isolated"] as const;
export type SubnetTier = (typeof SUBNET_TIERS)[number];

/** One subnet of the VPC. */
export interface SubnetCidr {
    readonly tier: SubnetTier;
    /**
     * 0-based index into the region's first `azCount` zones (the zones awsx and the data layer both
     * take from `getAvailabilityZones`): the subnet's position in `<tier>SubnetIds`. awsx names the
     * subnet `<vpc>-<tier>-<az + 1>`.
     */
    readonly az: number;
    /** IPv4 CIDR block, e.g. `10.30.0.0/19`. */
    readonly cidr: string;
}

/** Where each tier starts inside its AZ's block, as a fraction of the block. */
const TIER_OFFSETS: Readonly<Record<SubnetTier, number>> = { private: 0, public: 4 / 8, isolated: 5 / 8 };

/**
 * Every subnet of the VPC, ordered by tier (`SUBNET_TIERS`) then AZ. awsx receives these as explicit
 * `cidrBlocks`, so no allocator of its own places anything (its `Auto` allocator, given masks only,
 * put the isolated subnets of one AZ on top of the next AZ's public ones: issue #13).
 *
 * AZ `i` gets the `i`-th quarter of the VPC (`subnetLayout().azMask`). Inside it the private subnet
 * (half the block) comes first, then public and isolated (an eighth each), so every subnet starts on
 * a multiple of its own size and the block's last quarter stays free in one piece for a later tier.
 * With fewer than four AZs the remaining quarters stay free too.
 *
 * Throws when `vpcCidr` is not an aligned IPv4 CIDR, when `azCount` is not an integer from 1 to 4
 * (there are four quarters), or when a subnet would leave AWS's IPv4 subnet sizes, /16 to /28
 * (EC2 API reference, CreateSubnet; VPC user guide, "Subnet sizing"): VPC prefixes /13 to /23.
 */
export function subnetCidrs(vpcCidr: string, azCount: number): SubnetCidr[] {
    const layout = subnetLayout(vpcCidr);
    const { base } = parseCidr(vpcCidr)!;
    if (!Number.isInteger(azCount) || azCount < 1 || azCount > 4) {
        throw new Error(`\`azCount\` ${azCount} must be an integer from 1 to 4: each AZ takes a quarter of the VPC`);
    }
    const masks: Record<SubnetTier, number> = { public: layout.publicMask, private: layout.privateMask, isolated: layout.isolatedMask };
    const outOfRange = SUBNET_TIERS.filter((tier) => masks[tier] < 16 || masks[tier] > 28);
    if (outOfRange.length > 0) {
        throw new Error(
            `\`vpcCidr\` '${vpcCidr}' would make ${outOfRange.map((t) => `${t} subnets /${masks[t]}`).join(" and ")}; ` +
                "AWS allows subnets from /16 to /28, so use a VPC from /13 to /23",
        );
    }
    const blockSize = 2 ** (32 - layout.azMask);
    return SUBNET_TIERS.flatMap((tier) =>
        Array.from({ length: azCount }, (_, az) => ({
            tier,
            az,
            cidr: formatCidr(base + az * blockSize + TIER_OFFSETS[tier] * blockSize, masks[tier]),
        })),
    );
}

/**
 * awsx `subnetSpecs` placing exactly `subnets`: one spec per tier (named after it, so awsx names the
 * subnets `<vpc>-<tier>-<n>`) whose `cidrBlocks[i]` is the tier's subnet in AZ `i`. Given `cidrBlocks`
 * on every spec, awsx's Auto strategy uses its explicit allocator: the i-th block goes to the i-th
 * of the VPC's zones (pulumi-awsx `awsx/ec2/vpc.ts` `pickSubnetAllocator`,
 * `awsx/ec2/subnetDistributorNew.ts` `getSubnetSpecsExplicit`).
 */
export function awsxSubnetSpecs(subnets: readonly SubnetCidr[]): awsx.types.input.ec2.SubnetSpecArgs[] {
    const types = { public: "Public", private: "Private", isolated: "Isolated" } as const;
    return SUBNET_TIERS.map((tier) => ({
        type: types[tier],
        name: tier,
        cidrBlocks: subnets
            .filter((s) => s.tier === tier)
            .sort((a, b) => a.az - b.az)
            .map((s) => s.cidr),
    }));
}

/** Our NAT setting as awsx's `natGateways.strategy`. */
export function natGatewayStrategy(strategy: NetworkConfig["natStrategy"]): "Single" | "OnePerAz" {
    return strategy === "single" ? "Single" : "OnePerAz";
}

/**
 * Phase `network` (`bbws:network:NetworkLayer`), built first: an awsx VPC with public, private and
 * isolated subnets, NAT, flow logs, VPC endpoints and the shared security groups; each tenant's group
 * and the rules naming it are one `TenantNetwork` (`<name>-<tenant id>`, components/tenant-network.ts).
 * Exposes the VPC and subnet ids and the security group ids the data, storage and ECS layers attach to.
 * Throws `Error` if `vpcCidr` is not a CIDR or `azCount` is outside 1–4 (see `subnetCidrs`).
 */
export class NetworkLayer extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly vpcCidr: string;
    readonly publicSubnetIds: pulumi.Output<string[]>;
    readonly privateSubnetIds: pulumi.Output<string[]>;
    readonly isolatedSubnetIds: pulumi.Output<string[]>;
    /** Every subnet's tier, AZ index and CIDR (`subnetCidrs`), known before anything is created. */
    readonly subnets: readonly SubnetCidr[];
    readonly securityGroupIds: SecurityGroupIds;
    /** The task security group of each tenant, by tenant id. */
    readonly tenantSecurityGroupIds: Readonly<Record<string, pulumi.Output<string>>>;
    /** Each premium tenant's own VPC, by tenant id (components/tenant-vpc.ts); basic tenants have none. */
    readonly tenantVpcs: Readonly<Record<string, TenantVpcOutputs>> = {};

    constructor(name: string, args: NetworkLayerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("bbws:network:NetworkLayer", name, {}, opts);
        const { env, network } = args;
        this.subnets = subnetCidrs(network.vpcCidr, network.azCount);

        const vpc = new awsx.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: network.vpcCidr,
                // awsx takes the region's first `azCount` zones, as the data layer does for Aurora.
                numberOfAvailabilityZones: network.azCount,
                subnetStrategy: "Auto",
                subnetSpecs: awsxSubnetSpecs(this.subnets),
                natGateways: { strategy: natGatewayStrategy(network.natStrategy) },
                enableDnsHostnames: true,
                enableDnsSupport: true,
                tags: { Name: bbwsName(env, "vpc") },
            },
            { parent: this },
        );
        this.vpcId = vpc.vpcId;
        this.vpcCidr = network.vpcCidr;
        this.publicSubnetIds = vpc.publicSubnetIds;
        this.privateSubnetIds = vpc.privateSubnetIds;
        this.isolatedSubnetIds = vpc.isolatedSubnetIds;

        // Adopting the default group strips its allow-all rules; nothing should ever use it.
        new aws.ec2.DefaultSecurityGroup(
            `${name}-default-sg`,
            {
                vpcId: vpc.vpcId,
                tags: { Name: bbwsName(env, "default-sg-unused") },
            },
            { parent: this },
        );

        this.createFlowLogs(name, env, network, vpc.vpcId);

        const group = (role: string, description: string) =>
            new aws.ec2.SecurityGroup(
                `${name}-${role}-sg`,
                {
                    name: bbwsName(env, `${role}-sg`),
                    description,
                    vpcId: vpc.vpcId,
                    tags: { Name: bbwsName(env, `${role}-sg`) },
                },
                { parent: this },
            );
        // A description change replaces the group (automation/replacement.ts), which its data store still
        // uses: the data tier's groups keep theirs though the platform one-off task reaches them too.
        const alb = group("alb", "BBWS load balancer: HTTPS and HTTP from the internet");
        const database = group("database", "BBWS Aurora MySQL: 3306 from tenant tasks only");
        const cache = group("cache", "BBWS ElastiCache Redis: 6379 from tenant tasks only");
        const fileSystem = group("efs", "BBWS EFS: NFS 2049 from tenant tasks only");
        const endpoints = group("endpoints", "BBWS VPC interface endpoints: HTTPS from inside the VPC");

        const ingress = (
            ruleName: string,
            sg: aws.ec2.SecurityGroup,
            rule: Omit<aws.vpc.SecurityGroupIngressRuleArgs, "securityGroupId" | "ipProtocol">,
        ) =>
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-${ruleName}`,
                { securityGroupId: sg.id, ipProtocol: "tcp", ...rule },
                { parent: this },
            );

        ingress("alb-https-in", alb, { cidrIpv4: "0.0.0.0/0", fromPort: 443, toPort: 443, description: "HTTPS from the internet" });
        ingress("alb-http-in", alb, {
            cidrIpv4: "0.0.0.0/0",
            fromPort: 80,
            toPort: 80,
            description: "HTTP from the internet (redirected to HTTPS)",
        });
        ingress("endpoints-https-in", endpoints, {
            cidrIpv4: network.vpcCidr,
            fromPort: 443,
            toPort: 443,
            description: "HTTPS from inside the VPC",
        });

        // Only task groups reach the data tier, each rule naming the task's own group: every tenant's
        // group reaches all three (in its TenantNetwork), the platform one-off task's group the database
        // and the cache only.
        const backends: TenantBackend[] = [
            { role: "database", securityGroupId: database.id, port: 3306, protocol: "MySQL" },
            { role: "cache", securityGroupId: cache.id, port: REDIS_PORT, protocol: "Redis" },
            { role: "efs", securityGroupId: fileSystem.id, port: 2049, protocol: "NFS" },
        ];
        const tenantGroups: Record<string, pulumi.Output<string>> = {};
        for (const tenant of args.tenants) {
            const tenantNetwork = new TenantNetwork(
                `${name}-${tenant.id}`,
                {
                    env,
                    tenantId: tenant.id,
                    containerPort: tenant.containerPort,
                    vpcId: vpc.vpcId,
                    loadBalancerSecurityGroupId: alb.id,
                    backends,
                    layerName: name,
                },
                { parent: this },
            );
            tenantGroups[tenant.id] = tenantNetwork.securityGroupId;
        }
        // One group for the platform task whatever the tenant count: one more rule on the database and
        // cache groups, none per tenant. It spans tenants through the master user, never through EFS.
        const platformTask = group("platform-task", "BBWS platform one-off tasks: MySQL and Redis out, nothing in");
        admitToBackends(
            { layerName: name, source: "platform-task", securityGroupId: platformTask.id, from: "the platform one-off task" },
            backends.filter((b) => b.role !== "efs"),
            { parent: this },
        );
        this.tenantSecurityGroupIds = tenantGroups;
        this.securityGroupIds = {
            loadBalancer: alb.id,
            database: database.id,
            cache: cache.id,
            fileSystem: fileSystem.id,
            endpoints: endpoints.id,
            platformTask: platformTask.id,
        };

        this.createEndpoints(name, env, args, vpc, endpoints);

        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            isolatedSubnetIds: this.isolatedSubnetIds,
            subnets: this.subnets,
            securityGroupIds: this.securityGroupIds,
            tenantSecurityGroupIds: this.tenantSecurityGroupIds,
        });
    }

    private createFlowLogs(name: string, env: string, network: NetworkConfig, vpcId: pulumi.Output<string>): void {
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-flow-logs`,
            {
                name: `/aws/vpc/${bbwsName(env, "vpc")}/flow-logs`,
                retentionInDays: network.flowLogRetentionDays,
            },
            { parent: this },
        );
        const role = new aws.iam.Role(
            `${name}-flow-logs-role`,
            {
                name: bbwsName(env, "vpc-flow-logs"),
                assumeRolePolicy: serviceAssumeRolePolicy("vpc-flow-logs.amazonaws.com"),
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(
            `${name}-flow-logs-policy`,
            {
                role: role.id,
                policy: jsonOf({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Effect: "Allow",
                            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                            Resource: pulumi.interpolate`${logGroup.arn}:*`,
                        },
                    ],
                }),
            },
            { parent: this },
        );
        new aws.ec2.FlowLog(
            `${name}-flow-log`,
            {
                vpcId,
                trafficType: "ALL",
                logDestinationType: "cloud-watch-logs",
                logDestination: logGroup.arn,
                iamRoleArn: role.arn,
                maxAggregationInterval: 60,
                tags: { Name: bbwsName(env, "vpc-flow-log") },
            },
            { parent: this },
        );
    }

    private createEndpoints(name: string, env: string, args: NetworkLayerArgs, vpc: awsx.ec2.Vpc, sg: aws.ec2.SecurityGroup): void {
        // The gateway endpoint is free, so every environment has it; it routes the private tier's S3
        // traffic (media, migration artefacts, image layers) around the NAT gateway.
        const privateRouteTables = aws.ec2.getRouteTablesOutput(
            {
                vpcId: vpc.vpcId,
                filters: [{ name: "association.subnet-id", values: vpc.privateSubnetIds }],
            },
            { parent: this },
        );
        new aws.ec2.VpcEndpoint(
            `${name}-s3-endpoint`,
            {
                vpcId: vpc.vpcId,
                serviceName: `com.amazonaws.${args.region}.s3`,
                vpcEndpointType: "Gateway",
                routeTableIds: privateRouteTables.ids,
                tags: { Name: bbwsName(env, "s3-endpoint") },
            },
            { parent: this },
        );
        if (!args.network.interfaceEndpoints) return;
        for (const service of INTERFACE_ENDPOINT_SERVICES) {
            const part = service.replace(".", "-");
            new aws.ec2.VpcEndpoint(
                `${name}-${part}-endpoint`,
                {
                    vpcId: vpc.vpcId,
                    serviceName: `com.amazonaws.${args.region}.${service}`,
                    vpcEndpointType: "Interface",
                    privateDnsEnabled: true,
                    subnetIds: vpc.privateSubnetIds,
                    securityGroupIds: [sg.id],
                    tags: { Name: bbwsName(env, `${part}-endpoint`) },
                },
                { parent: this },
            );
        }
    }
}
