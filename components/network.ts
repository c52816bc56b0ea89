/**
 * Network layer (phase `network`): the VPC and its three subnet tiers, NAT, flow logs, the security
 * groups every other layer attaches to, and the VPC endpoints.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import type { NetworkConfig, TenantTier } from "../src/config";
import { REDIS_PORT } from "./data";
import type { TenantVpcOutputs } from "./tenant-vpc";
import { bbwsName } from "./shared";
import { admitInternetToLoadBalancer, adoptDefaultSecurityGroup, createFlowLog, createS3GatewayEndpoint, flowLogPolicy } from "./vpc-parts";
import { admitToBackends, BackendSource, TenantBackend, TenantNetwork } from "./tenant-network";
import { hasOwnDatabase, hasOwnVpc } from "../src/tiers";
import { awsxSubnetSpecs, natGatewayStrategy, SubnetCidr, subnetCidrs } from "./subnets";

// The layout moved to components/subnets.ts (the tenant VPCs share it); callers still find it here.
export { awsxSubnetSpecs, natGatewayStrategy, SUBNET_TIERS, subnetCidrs, subnetLayout } from "./subnets";
export type { SubnetCidr, SubnetTier } from "./subnets";

export interface NetworkTenant {
    readonly id: string;
    /** Port the tenant's WordPress container listens on; only the load balancer may reach it. */
    readonly containerPort: number;
    /** `premium` and `enterprise` (`hasOwnVpc`): the tenant gets its own VPC (`TenantVpc`), enterprise with a database group; `basic` shares the platform's. */
    readonly tier: TenantTier;
    /** The tenant's permanent slot: a premium or enterprise tenant's VPC range is `tenantVpcCidr(slot)`. */
    readonly slot: number;
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
    /** Each premium or enterprise tenant's own VPC, by tenant id (components/tenant-vpc.ts); basic tenants have none. */
    readonly tenantVpcs: Readonly<Record<string, TenantVpcOutputs>>;

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

        adoptDefaultSecurityGroup(name, vpc.vpcId, bbwsName(env, "default-sg-unused"), { parent: this });

        const flowLogGroupName = `/aws/vpc/${bbwsName(env, "vpc")}/flow-logs`;
        const flowLog = createFlowLog(
            name,
            {
                vpcId: vpc.vpcId,
                logGroupName: flowLogGroupName,
                retentionInDays: network.flowLogRetentionDays,
                tagName: bbwsName(env, "vpc-flow-log"),
                role: { create: bbwsName(env, "vpc-flow-logs") },
            },
            { parent: this },
        );

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

        admitInternetToLoadBalancer(name, alb.id, { parent: this });
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
            { role: "database", securityGroupId: database.id, port: 3306, protocol: "MySQL", premium: "peered" },
            { role: "cache", securityGroupId: cache.id, port: REDIS_PORT, protocol: "Redis", premium: "peered" },
            { role: "efs", securityGroupId: fileSystem.id, port: 2049, protocol: "NFS", premium: "own" },
        ];
        const ownVpcTenants = args.tenants.filter((t) => hasOwnVpc(t.tier));
        // One grant for every tenant VPC's flow log, whatever their number: the groups live under
        // the platform's (`<group>/tenant-<id>`), and a role's inline policies share 10,240 characters.
        const tenantFlowLogGrant =
            ownVpcTenants.length > 0
                ? new aws.iam.RolePolicy(
                      `${name}-tenant-flow-logs-policy`,
                      { role: flowLog.role!.id, policy: flowLogPolicy(pulumi.interpolate`${flowLog.logGroup.arn}/tenant-*`) },
                      { parent: this },
                  )
                : undefined;
        // One group for the platform task whatever the tenant count: one more rule on the database and
        // cache groups, none per tenant. It spans tenants through the master user, never through EFS.
        const platformTask = group("platform-task", "BBWS platform one-off tasks: MySQL and Redis out, nothing in");
        const platformTaskSource: BackendSource = {
            layerName: name,
            source: "platform-task",
            securityGroupId: platformTask.id,
            from: "the platform one-off task",
        };
        const tenantVpcs: Record<string, TenantVpcOutputs> = {};
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
                    platformTask: platformTaskSource,
                    layerName: name,
                    ownVpc: hasOwnVpc(tenant.tier)
                        ? {
                              ownDatabase: hasOwnDatabase(tenant.tier),
                              region: args.region,
                              slot: tenant.slot,
                              network,
                              flowLog: {
                                  logGroupName: `${flowLogGroupName}/tenant-${tenant.id}`,
                                  roleArn: flowLog.role!.arn,
                                  grant: tenantFlowLogGrant!,
                              },
                              platform: {
                                  vpc,
                                  vpcId: vpc.vpcId,
                                  cidrBlock: network.vpcCidr,
                                  isolatedSubnetIds: vpc.isolatedSubnetIds,
                                  privateSubnetIds: vpc.privateSubnetIds,
                              },
                          }
                        : undefined,
                },
                { parent: this },
            );
            tenantGroups[tenant.id] = tenantNetwork.securityGroupId;
            if (tenantNetwork.vpc) tenantVpcs[tenant.id] = tenantNetwork.vpc;
        }
        admitToBackends(
            platformTaskSource,
            backends.filter((b) => b.role !== "efs"),
            { parent: this },
        );
        this.tenantSecurityGroupIds = tenantGroups;
        this.tenantVpcs = tenantVpcs;
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

    private createEndpoints(name: string, env: string, args: NetworkLayerArgs, vpc: awsx.ec2.Vpc, sg: aws.ec2.SecurityGroup): void {
        createS3GatewayEndpoint(
            name,
            { vpcId: vpc.vpcId, region: args.region, privateSubnetIds: vpc.privateSubnetIds, tagName: bbwsName(env, "s3-endpoint") },
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
