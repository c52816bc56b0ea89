/**
 * A premium or enterprise tenant's own network (README "Scale: hundreds of tenants", "Isolation tiers").
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import type { NetworkConfig } from "../src/config";
import { cidrsOverlap } from "../src/config";
import { tenantVpcCidr } from "../src/tenant-cidrs";
import { bbwsName } from "./shared";
import { awsxSubnetSpecs, natGatewayStrategy, subnetCidrs } from "./subnets";
import { admitInternetToLoadBalancer, adoptDefaultSecurityGroup, createFlowLog, createS3GatewayEndpoint } from "./vpc-parts";

/**
 * What the network layer hands the later layers about one premium tenant's own VPC. The tenant's task
 * security group stays `TenantNetwork.securityGroupId` (for a premium tenant it lies in this VPC).
 */
export interface TenantVpcOutputs {
    /** The tenant's own VPC. */
    readonly vpcId: pulumi.Output<string>;
    /** Its IPv4 CIDR: `tenantVpcCidr(slot)` (src/tenant-cidrs.ts), a /22 from the tenant pool. */
    readonly cidrBlock: string;
    /** Public subnets, one per AZ in AZ order: the tenant's load balancer and NAT gateway. */
    readonly publicSubnetIds: pulumi.Output<string[]>;
    /** Private subnets, one per AZ in AZ order: the tenant's tasks (service and one-off) and its EFS mount targets. */
    readonly privateSubnetIds: pulumi.Output<string[]>;
    /** The tenant load balancer's group: 443 and 80 from the internet, the container port to the tenant's tasks. */
    readonly loadBalancerSecurityGroupId: pulumi.Output<string>;
    /** The group of the tenant file system's mount targets: NFS 2049 from the tenant's tasks only. */
    readonly fileSystemSecurityGroupId: pulumi.Output<string>;
    /** Isolated subnets, one per AZ in AZ order: an enterprise tenant's Aurora cluster. */
    readonly isolatedSubnetIds: pulumi.Output<string[]>;
    /**
     * An enterprise tenant's database group: MySQL 3306 from its tasks, its rotation function and the
     * platform one-off task only. Undefined for premium, whose database is the platform's.
     */
    readonly databaseSecurityGroupId?: pulumi.Output<string>;
}

/** The platform's side of a premium tenant's peering. */
export interface PlatformVpcSide {
    /** The platform's awsx VPC: the route-table look-ups wait for it, so its route tables exist and are associated. */
    readonly vpc: pulumi.Resource;
    readonly vpcId: pulumi.Input<string>;
    /** `network.vpcCidr`: the tenant's private route tables send it across the peering. */
    readonly cidrBlock: string;
    /** Aurora's and Redis's subnets: their route tables get the route back to the tenant. */
    readonly isolatedSubnetIds: pulumi.Input<string[]>;
    /**
     * The platform's task subnets: with `ownDatabase`, their route tables get a route to the tenant's
     * range, by which the platform one-off task reaches the tenant's own cluster.
     */
    readonly privateSubnetIds: pulumi.Input<string[]>;
}

/** What a premium tenant's own VPC is built from: the environment's network settings and the platform's side. */
export interface TenantVpcArgs {
    readonly env: string;
    readonly region: string;
    readonly tenantId: string;
    /** The tenant's permanent slot: its range is `tenantVpcCidr(slot)`. */
    readonly slot: number;
    /** `azCount`, `natStrategy` and `flowLogRetentionDays` as the platform's VPC has them (data, per environment). */
    readonly network: Pick<NetworkConfig, "azCount" | "natStrategy" | "flowLogRetentionDays">;
    /**
     * The flow log's group and the platform's flow-log role, shared: IAM roles per account are a quota
     * (`iam` `L-FE177D64`, 1,000), so no tenant gets one of its own. The network layer grants the role
     * the tenant groups.
     */
    readonly flowLog: { readonly logGroupName: string; readonly roleArn: pulumi.Input<string>; readonly grant: pulumi.Resource };
    readonly platform: PlatformVpcSide;
    /**
     * An enterprise tenant (`hasOwnDatabase`, src/tiers.ts): a `database` group for its own Aurora
     * cluster, and routes between the platform's task subnets and its isolated subnets.
     */
    readonly ownDatabase: boolean;
}

/** A route both ways across a peering: which route tables, to which range. */
interface PeeringRoute {
    /** The routes' name part: `<name>-<child>-<az + 1>`. */
    readonly child: string;
    /** The subnets, one per AZ, whose route tables get the route. */
    readonly subnetIds: pulumi.Input<string[]>;
    /** The awsx VPC those subnets belong to: the look-up waits for its route tables. */
    readonly waitFor: pulumi.Resource;
    readonly destination: string;
}

/**
 * `bbws:network:TenantVpc`, a premium tenant's own network (README "Premium tenants' network"), child
 * of its `TenantNetwork` and named like it: an awsx VPC on `tenantVpcCidr(slot)` with the platform's
 * subnet layout (`subnetCidrs`, explicit `subnetSpecs`) and NAT strategy, its flow log (the platform's
 * role), its S3 gateway endpoint, its emptied default group, the groups `alb` (443 and 80 from the
 * internet; the tenant's `TenantNetwork` adds the container port to its tasks) and `efs` (the
 * `TenantNetwork` adds NFS from the tasks), a peering to the platform's VPC and the routes across it.
 *
 * The peering is requested and accepted in one step (`autoAccept`), which the provider allows only
 * for two VPCs of one account and region (terraform-provider-aws `aws_vpc_peering_connection`,
 * `auto_accept`): the tenant's VPC is built in the platform's account and region, by this program.
 * Aurora's and ElastiCache's endpoint names need no DNS work over it: an endpoint that is not
 * publicly accessible resolves to its private address from anywhere (RDS API reference,
 * `PubliclyAccessible`: "an internal DB instance with a DNS name that resolves to a private IP
 * address"; ElastiCache gives each node a private address in its subnet, "Understanding ElastiCache
 * and Amazon VPCs").
 *
 * Routes: the tenant's private route tables send the platform's range over the peering (its tasks
 * reach MySQL and Redis); the platform's isolated route tables send the tenant's range back (Aurora
 * and Redis live there, and their replies need the route). One route per AZ each way, named
 * `<name>-to-platform-<az + 1>` and `<name>-from-platform-<az + 1>`. With `ownDatabase` (enterprise)
 * also the group `database` (`bbws-tenant-<id>-database-sg-<env>`) and a route per AZ each way between
 * the platform's private subnets, where the platform one-off task runs, and the tenant's isolated
 * subnets, where its cluster is: `<name>-platform-tasks-to-tenant-<az + 1>` and
 * `<name>-to-platform-from-database-<az + 1>` (not `database-to-platform`: a tenant whose id is another's plus `-database` would
 * then name its `to-platform` route the same, and the engine refuses two resources under one URN).
 */
export class TenantVpc extends pulumi.ComponentResource implements TenantVpcOutputs {
    readonly vpcId: pulumi.Output<string>;
    readonly cidrBlock: string;
    readonly publicSubnetIds: pulumi.Output<string[]>;
    readonly privateSubnetIds: pulumi.Output<string[]>;
    readonly isolatedSubnetIds: pulumi.Output<string[]>;
    readonly loadBalancerSecurityGroupId: pulumi.Output<string>;
    readonly fileSystemSecurityGroupId: pulumi.Output<string>;
    readonly databaseSecurityGroupId?: pulumi.Output<string>;
    /** The peering connection to the platform's VPC (`pcx-…`). */
    readonly peeringConnectionId: pulumi.Output<string>;
    /** The platform VPC's range, which the tenant's tasks reach across the peering. */
    readonly platformCidrBlock: string;

    constructor(name: string, args: TenantVpcArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("bbws:network:TenantVpc", name, {}, opts);
        const { env, tenantId: t, network, platform } = args;
        const part = (what: string) => bbwsName(env, `tenant-${t}-${what}`);
        this.cidrBlock = tenantVpcCidr(args.slot);
        this.platformCidrBlock = platform.cidrBlock;
        if (cidrsOverlap(this.cidrBlock, platform.cidrBlock)) {
            // The loader refuses this first; a caller past it would get a peering AWS fails.
            throw new Error(
                `tenant ${t}: its VPC ${this.cidrBlock} overlaps the platform's ${platform.cidrBlock}; ` +
                    `VPC peering refuses overlapping ranges (VPC Peering guide, "VPC peering limitations")`,
            );
        }

        const vpc = new awsx.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: this.cidrBlock,
                numberOfAvailabilityZones: network.azCount,
                subnetStrategy: "Auto",
                subnetSpecs: awsxSubnetSpecs(subnetCidrs(this.cidrBlock, network.azCount)),
                natGateways: { strategy: natGatewayStrategy(network.natStrategy) },
                enableDnsHostnames: true,
                enableDnsSupport: true,
                tags: { Name: part("vpc"), Tenant: t },
            },
            { parent: this },
        );
        this.vpcId = vpc.vpcId;
        this.publicSubnetIds = vpc.publicSubnetIds;
        this.privateSubnetIds = vpc.privateSubnetIds;
        this.isolatedSubnetIds = vpc.isolatedSubnetIds;

        adoptDefaultSecurityGroup(name, vpc.vpcId, part("default-sg-unused"), { parent: this });
        createFlowLog(
            name,
            {
                vpcId: vpc.vpcId,
                logGroupName: args.flowLog.logGroupName,
                retentionInDays: network.flowLogRetentionDays,
                tagName: part("vpc-flow-log"),
                role: { arn: args.flowLog.roleArn, grant: args.flowLog.grant },
            },
            { parent: this },
        );
        createS3GatewayEndpoint(
            name,
            { vpcId: vpc.vpcId, region: args.region, privateSubnetIds: vpc.privateSubnetIds, tagName: part("s3-endpoint") },
            { parent: this },
        );

        const group = (role: string, description: string) =>
            new aws.ec2.SecurityGroup(
                `${name}-${role}-sg`,
                { name: part(`${role}-sg`), description, vpcId: vpc.vpcId, tags: { Name: part(`${role}-sg`), Tenant: t } },
                { parent: this },
            );
        const alb = group("alb", `BBWS tenant ${t} load balancer: HTTPS and HTTP from the internet`);
        const fileSystem = group("efs", `BBWS tenant ${t} EFS: NFS 2049 from the tenant tasks only`);
        admitInternetToLoadBalancer(name, alb.id, { parent: this });
        this.loadBalancerSecurityGroupId = alb.id;
        this.fileSystemSecurityGroupId = fileSystem.id;
        this.databaseSecurityGroupId = args.ownDatabase
            ? group(
                  "database",
                  `BBWS tenant ${t} Aurora: MySQL 3306 from the tenant tasks, its rotation function and the platform task only`,
              ).id
            : undefined;

        const peering = new aws.ec2.VpcPeeringConnection(
            `${name}-peering`,
            { vpcId: vpc.vpcId, peerVpcId: platform.vpcId, autoAccept: true, tags: { Name: part("peering"), Tenant: t } },
            { parent: this },
        );
        this.peeringConnectionId = peering.id;
        const routes: PeeringRoute[] = [
            { child: "to-platform", subnetIds: vpc.privateSubnetIds, waitFor: vpc, destination: platform.cidrBlock },
            { child: "from-platform", subnetIds: platform.isolatedSubnetIds, waitFor: platform.vpc, destination: this.cidrBlock },
            ...(args.ownDatabase
                ? [
                      {
                          child: "platform-tasks-to-tenant",
                          subnetIds: platform.privateSubnetIds,
                          waitFor: platform.vpc,
                          destination: this.cidrBlock,
                      },
                      {
                          child: "to-platform-from-database",
                          subnetIds: vpc.isolatedSubnetIds,
                          waitFor: vpc,
                          destination: platform.cidrBlock,
                      },
                  ]
                : []),
        ];
        for (const { child, subnetIds, waitFor, destination } of routes) {
            for (let az = 0; az < network.azCount; az++) {
                // awsx gives every subnet a route table of its own (pulumi-awsx awsx/ec2/vpc.ts): one route per AZ.
                const table = aws.ec2.getRouteTableOutput(
                    { subnetId: pulumi.output(subnetIds).apply((ids) => ids[az]) },
                    { parent: this, dependsOn: [waitFor] },
                );
                new aws.ec2.Route(
                    `${name}-${child}-${az + 1}`,
                    { routeTableId: table.routeTableId, destinationCidrBlock: destination, vpcPeeringConnectionId: peering.id },
                    { parent: this },
                );
            }
        }

        this.registerOutputs({
            vpcId: this.vpcId,
            cidrBlock: this.cidrBlock,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            loadBalancerSecurityGroupId: this.loadBalancerSecurityGroupId,
            fileSystemSecurityGroupId: this.fileSystemSecurityGroupId,
            databaseSecurityGroupId: this.databaseSecurityGroupId,
            peeringConnectionId: this.peeringConnectionId,
        });
    }
}
