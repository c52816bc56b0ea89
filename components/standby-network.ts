/**
 * The standby region's network (issue 17): a VPC laid out like the primary's (`subnetCidrs`), one NAT
 * gateway, and the groups the DR side attaches to. Parented to the network layer (phase `network`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import type { DrConfig } from "../src/config";
import { REDIS_PORT } from "./data";
import { awsxSubnetSpecs, subnetCidrs } from "./network";
import { bbwsName } from "./shared";
import { createFlowLog } from "./vpc-parts";

/** What the standby network needs: the environment, its DR settings, and the ports its groups open. */
export interface StandbyNetworkArgs {
    readonly env: string;
    readonly dr: DrConfig;
    /** Each tenant's container port: the load balancer group reaches the task group on these. */
    readonly containerPorts: readonly number[];
    /** Retention of the standby VPC's flow log, as the primary's. */
    readonly flowLogRetentionDays: number;
}

/** The standby groups by role. */
export interface StandbySecurityGroupIds {
    readonly loadBalancer: pulumi.Output<string>;
    /** Every tenant's standby tasks: one group, since standby tasks reach the same three back ends. */
    readonly tasks: pulumi.Output<string>;
    readonly database: pulumi.Output<string>;
    readonly fileSystem: pulumi.Output<string>;
    /** The standby's cold Redis (components/standby-cache.ts). */
    readonly cache: pulumi.Output<string>;
}

/**
 * `bbws:network:StandbyNetwork` (`<network layer>-standby`), every child in `dr.region`: an awsx VPC
 * (one NAT gateway: the standby idles), its flow log, and the groups `alb` (443/80 from the internet),
 * `tasks`, `database` (3306 from tasks), `efs` (2049 from tasks) and `cache` (6379 from tasks). Names are the primary's with a
 * `-dr` part, so the two regions' consoles tell them apart.
 */
export class StandbyNetwork extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly publicSubnetIds: pulumi.Output<string[]>;
    readonly privateSubnetIds: pulumi.Output<string[]>;
    readonly isolatedSubnetIds: pulumi.Output<string[]>;
    readonly securityGroupIds: StandbySecurityGroupIds;

    constructor(name: string, args: StandbyNetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("bbws:network:StandbyNetwork", name, {}, opts);
        const { env, dr } = args;
        const region = dr.region;
        const vpc = new awsx.ec2.Vpc(
            `${name}-vpc`,
            {
                region,
                cidrBlock: dr.network.vpcCidr,
                numberOfAvailabilityZones: dr.network.azCount,
                subnetStrategy: "Auto",
                subnetSpecs: awsxSubnetSpecs(subnetCidrs(dr.network.vpcCidr, dr.network.azCount)),
                natGateways: { strategy: "Single" },
                enableDnsHostnames: true,
                enableDnsSupport: true,
                tags: { Name: bbwsName(env, "vpc-dr") },
            },
            { parent: this },
        );
        this.vpcId = vpc.vpcId;
        this.publicSubnetIds = vpc.publicSubnetIds;
        this.privateSubnetIds = vpc.privateSubnetIds;
        this.isolatedSubnetIds = vpc.isolatedSubnetIds;

        createFlowLog(
            name,
            {
                region,
                vpcId: vpc.vpcId,
                logGroupName: `/aws/vpc/${bbwsName(env, "vpc-dr")}/flow-logs`,
                retentionInDays: args.flowLogRetentionDays,
                tagName: bbwsName(env, "vpc-dr-flow-log"),
                role: { create: bbwsName(env, "vpc-flow-logs-dr") },
            },
            { parent: this },
        );
        new aws.ec2.DefaultSecurityGroup(
            `${name}-default-sg`,
            { region, vpcId: vpc.vpcId, tags: { Name: bbwsName(env, "default-sg-unused-dr") } },
            { parent: this },
        );

        const group = (role: string, description: string) =>
            new aws.ec2.SecurityGroup(
                `${name}-${role}-sg`,
                {
                    region,
                    name: bbwsName(env, `${role}-sg-dr`),
                    description,
                    vpcId: vpc.vpcId,
                    tags: { Name: bbwsName(env, `${role}-sg-dr`) },
                },
                { parent: this },
            );
        const alb = group("alb", "BBWS DR load balancer: HTTPS and HTTP from the internet");
        const tasks = group("tasks", "BBWS DR WordPress tasks: the container ports from the load balancer only");
        const database = group("database", "BBWS DR Aurora MySQL: 3306 from the DR tasks only");
        const fileSystem = group("efs", "BBWS DR EFS: NFS 2049 from the DR tasks only");
        const cache = group("cache", "BBWS DR ElastiCache Redis: 6379 from the DR tasks only");
        const rule = (
            ruleName: string,
            kind: "ingress" | "egress",
            sg: aws.ec2.SecurityGroup,
            spec: { port: number; description: string; cidrIpv4?: string; referencedSecurityGroupId?: pulumi.Input<string> },
        ) => {
            const inputs = {
                region,
                securityGroupId: sg.id,
                ipProtocol: "tcp",
                fromPort: spec.port,
                toPort: spec.port,
                description: spec.description,
                cidrIpv4: spec.cidrIpv4,
                referencedSecurityGroupId: spec.referencedSecurityGroupId,
            };
            return kind === "ingress"
                ? new aws.vpc.SecurityGroupIngressRule(`${name}-${ruleName}`, inputs, { parent: this })
                : new aws.vpc.SecurityGroupEgressRule(`${name}-${ruleName}`, inputs, { parent: this });
        };
        rule("alb-https-in", "ingress", alb, { port: 443, cidrIpv4: "0.0.0.0/0", description: "HTTPS from the internet" });
        rule("alb-http-in", "ingress", alb, {
            port: 80,
            cidrIpv4: "0.0.0.0/0",
            description: "HTTP from the internet (redirected to HTTPS)",
        });
        for (const port of [...new Set(args.containerPorts)]) {
            rule(`alb-to-tasks-${port}`, "egress", alb, {
                port,
                referencedSecurityGroupId: tasks.id,
                description: `to the DR tasks on ${port}`,
            });
            rule(`tasks-from-alb-${port}`, "ingress", tasks, {
                port,
                referencedSecurityGroupId: alb.id,
                description: `from the DR load balancer on ${port}`,
            });
        }
        rule("tasks-https-out", "egress", tasks, { port: 443, cidrIpv4: "0.0.0.0/0", description: "HTTPS: ECR, Secrets Manager, logs" });
        for (const [backend, sg, port] of [
            ["database", database, 3306],
            ["efs", fileSystem, 2049],
            ["cache", cache, REDIS_PORT],
        ] as const) {
            rule(`tasks-to-${backend}`, "egress", tasks, { port, referencedSecurityGroupId: sg.id, description: `to the DR ${backend}` });
            rule(`${backend}-from-tasks`, "ingress", sg, { port, referencedSecurityGroupId: tasks.id, description: "from the DR tasks" });
        }
        this.securityGroupIds = {
            loadBalancer: alb.id,
            tasks: tasks.id,
            database: database.id,
            fileSystem: fileSystem.id,
            cache: cache.id,
        };
        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            isolatedSubnetIds: this.isolatedSubnetIds,
            securityGroupIds: this.securityGroupIds,
        });
    }
}
