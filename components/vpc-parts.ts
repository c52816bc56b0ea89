/**
 * What every VPC of the platform carries, built once here: its flow log to CloudWatch Logs (the
 * platform's VPC, the standby's and each premium tenant's own), its free S3 gateway endpoint, its
 * emptied default group and its load balancer group's two internet rules (the platform's and each
 * premium tenant's own).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { jsonOf, serviceAssumeRolePolicy } from "./shared";

/** The role the flow log writes with: one to create (its IAM name), or an existing one's ARN. */
export type FlowLogRole =
    | { readonly create: string }
    /** An existing role, and the policy that grants it this flow log's group: the flow log waits for it (IAM is eventually consistent). */
    | { readonly arn: pulumi.Input<string>; readonly grant: pulumi.Resource };

/** What `createFlowLog` builds. */
export interface FlowLogArgs {
    readonly vpcId: pulumi.Input<string>;
    /** The log group's name, e.g. `/aws/vpc/bbws-vpc-dev/flow-logs`. */
    readonly logGroupName: string;
    readonly retentionInDays: number;
    /** The flow log's `Name` tag. */
    readonly tagName: string;
    /** A per-resource region (the standby's); absent, the provider's. */
    readonly region?: string;
    readonly role: FlowLogRole;
}

/** What later code needs of a flow log: its group, and the role when this call created it. */
export interface FlowLogResult {
    readonly logGroup: aws.cloudwatch.LogGroup;
    /** The created role (`role.create`); undefined when an existing role was given. */
    readonly role?: aws.iam.Role;
}

/**
 * All of `vpcId`'s traffic (`ALL`), aggregated each minute, to the log group `<name>-flow-logs`
 * (flow log `<name>-flow-log`). With `role.create`, also the role `<name>-flow-logs-role` that
 * `vpc-flow-logs.amazonaws.com` assumes and its inline policy `<name>-flow-logs-policy` on this log
 * group's streams only; a caller sharing an existing role grants it the new group itself.
 */
export function createFlowLog(name: string, args: FlowLogArgs, opts: pulumi.CustomResourceOptions): FlowLogResult {
    // Absent rather than `region: undefined`: the platform's resources keep the inputs they always had.
    const region = args.region === undefined ? {} : { region: args.region };
    const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-flow-logs`,
        { ...region, name: args.logGroupName, retentionInDays: args.retentionInDays },
        opts,
    );
    let role: aws.iam.Role | undefined;
    if ("create" in args.role) {
        role = new aws.iam.Role(
            `${name}-flow-logs-role`,
            { name: args.role.create, assumeRolePolicy: serviceAssumeRolePolicy("vpc-flow-logs.amazonaws.com") },
            opts,
        );
        new aws.iam.RolePolicy(
            `${name}-flow-logs-policy`,
            { role: role.id, policy: flowLogPolicy(pulumi.interpolate`${logGroup.arn}:*`) },
            opts,
        );
    }
    new aws.ec2.FlowLog(
        `${name}-flow-log`,
        {
            ...region,
            vpcId: args.vpcId,
            trafficType: "ALL",
            logDestinationType: "cloud-watch-logs",
            logDestination: logGroup.arn,
            iamRoleArn: "arn" in args.role ? args.role.arn : role!.arn,
            maxAggregationInterval: 60,
            tags: { Name: args.tagName },
        },
        "grant" in args.role ? { ...opts, dependsOn: [args.role.grant] } : opts,
    );
    return { logGroup, role };
}

/**
 * The policy a flow-log role needs on `resource` (log streams, `<group arn>:*` or a pattern): create
 * streams, put events, describe streams (VPC user guide, "IAM role for publishing flow logs to
 * CloudWatch Logs").
 */
export function flowLogPolicy(resource: pulumi.Input<string>): pulumi.Output<string> {
    return jsonOf({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                Resource: resource,
            },
        ],
    });
}

/** `createS3GatewayEndpoint`'s VPC: its id, private subnets and the endpoint's `Name` tag. */
export interface S3GatewayEndpointArgs {
    readonly vpcId: pulumi.Input<string>;
    readonly region: string;
    /** The subnets whose route tables get the S3 prefix-list route. */
    readonly privateSubnetIds: pulumi.Input<string[]>;
    readonly tagName: string;
}

/**
 * The S3 gateway endpoint `<name>-s3-endpoint` on the route tables of `privateSubnetIds`: free, so
 * every VPC has it; it routes the private tier's S3 traffic (media, migration artefacts, image
 * layers) around the NAT gateway.
 */
export function createS3GatewayEndpoint(name: string, args: S3GatewayEndpointArgs, opts: pulumi.CustomResourceOptions): void {
    const privateRouteTables = aws.ec2.getRouteTablesOutput(
        { vpcId: args.vpcId, filters: [{ name: "association.subnet-id", values: args.privateSubnetIds }] },
        { parent: opts.parent },
    );
    new aws.ec2.VpcEndpoint(
        `${name}-s3-endpoint`,
        {
            vpcId: args.vpcId,
            serviceName: `com.amazonaws.${args.region}.s3`,
            vpcEndpointType: "Gateway",
            routeTableIds: privateRouteTables.ids,
            tags: { Name: args.tagName },
        },
        opts,
    );
}

/** `<name>-default-sg`: the VPC's default group adopted, which strips its allow-all rules; nothing should ever use it. */
export function adoptDefaultSecurityGroup(
    name: string,
    vpcId: pulumi.Input<string>,
    tagName: string,
    opts: pulumi.CustomResourceOptions,
): aws.ec2.DefaultSecurityGroup {
    return new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId, tags: { Name: tagName } }, opts);
}

/**
 * The only rules open to the internet: HTTPS 443 and HTTP 80 (redirected by the listener) from
 * 0.0.0.0/0 into a load balancer's group, `<name>-alb-https-in` and `<name>-alb-http-in`.
 */
export function admitInternetToLoadBalancer(name: string, securityGroupId: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): void {
    for (const [suffix, port, description] of [
        ["https", 443, "HTTPS from the internet"],
        ["http", 80, "HTTP from the internet (redirected to HTTPS)"],
    ] as const) {
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-alb-${suffix}-in`,
            { securityGroupId, ipProtocol: "tcp", cidrIpv4: "0.0.0.0/0", fromPort: port, toPort: port, description },
            opts,
        );
    }
}
