/**
 * One tenant's part of the network layer (`bbws:network:TenantNetwork`): the tenant's task security
 * group and every rule that names it, including the rules in shared groups (the load balancer's egress
 * to the tasks, the database, cache and file-system groups' ingress from them). Adding or removing the
 * tenant is this one subtree.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { bbwsName, TenantComponent } from "./shared";

/** A group the tenant's tasks reach, and the one port it listens on. */
export interface TenantBackend {
    /** `database`, `cache` or `efs`: the shared group's role. */
    readonly role: string;
    readonly securityGroupId: pulumi.Input<string>;
    readonly port: number;
    /** Named in the rules' descriptions: `MySQL`, `Redis`, `NFS`. */
    readonly protocol: string;
}

/** Who `admitToBackends` lets through: a task group, and how its rules name and describe it. */
export interface BackendSource {
    /** The layer's name: rule names start with it. */
    readonly layerName: string;
    /** `tenant-<id>` or `platform-task`: in every rule's name. */
    readonly source: string;
    readonly securityGroupId: pulumi.Input<string>;
    /** In the backend groups' ingress descriptions: `tenant <id> tasks`, `the platform one-off task`. */
    readonly from: string;
}

/**
 * HTTPS out to AWS APIs, and each backend's port out to its group and in on the group's side from
 * `source`'s group: rules `<layer>-<source>-https-out`, `<layer>-<source>-to-<role>` and
 * `<layer>-<role>-from-<source>`, each with `opts` (the layer's for the platform task, a tenant
 * component's `moved()` for a tenant).
 */
export function admitToBackends(source: BackendSource, backends: readonly TenantBackend[], opts: pulumi.CustomResourceOptions): void {
    const { layerName: layer, source: s, securityGroupId } = source;
    new aws.vpc.SecurityGroupEgressRule(
        `${layer}-${s}-https-out`,
        {
            securityGroupId,
            ipProtocol: "tcp",
            cidrIpv4: "0.0.0.0/0",
            fromPort: 443,
            toPort: 443,
            description: "HTTPS to AWS APIs, registries and WordPress updates",
        },
        opts,
    );
    for (const { role, securityGroupId: target, port, protocol } of backends) {
        new aws.vpc.SecurityGroupEgressRule(
            `${layer}-${s}-to-${role}`,
            {
                securityGroupId,
                ipProtocol: "tcp",
                referencedSecurityGroupId: target,
                fromPort: port,
                toPort: port,
                description: `${protocol} to the ${role} group`,
            },
            opts,
        );
        new aws.vpc.SecurityGroupIngressRule(
            `${layer}-${role}-from-${s}`,
            {
                securityGroupId: target,
                ipProtocol: "tcp",
                referencedSecurityGroupId: securityGroupId,
                fromPort: port,
                toPort: port,
                description: `${protocol} from ${source.from}`,
            },
            opts,
        );
    }
}

export interface TenantNetworkArgs {
    readonly env: string;
    readonly tenantId: string;
    /** Port the tenant's WordPress container listens on; only the load balancer may reach it. */
    readonly containerPort: number;
    readonly vpcId: pulumi.Input<string>;
    readonly loadBalancerSecurityGroupId: pulumi.Input<string>;
    /** The shared groups that admit the tenant's tasks, each on its own port. */
    readonly backends: readonly TenantBackend[];
    /** The layer's name: the children keep the names they had under it (`<layer>-tenant-<id>-sg`, …). */
    readonly layerName: string;
}

/**
 * The tenant's task security group (`bbws-tenant-<id>-sg-<env>`, tag `Tenant=<id>`) with its rules:
 * the container port from the load balancer only, HTTPS out, and to and from each backend group.
 * Children keep the names they had as the layer's own (`<layer>-tenant-<id>-sg`, `-from-alb`,
 * `-https-out`, `-to-<role>`, `<layer>-alb-to-tenant-<id>`, `<layer>-<role>-from-tenant-<id>`), each
 * with an alias naming the layer as its former parent, so moving them here replaced nothing.
 */
export class TenantNetwork extends TenantComponent {
    /** The tenant's task security group. */
    readonly securityGroupId: pulumi.Output<string>;

    constructor(name: string, args: TenantNetworkArgs, opts: pulumi.ComponentResourceOptions) {
        super("bbws:network:TenantNetwork", name, opts);
        const { env, tenantId: t, containerPort: port, layerName: layer } = args;
        const sg = new aws.ec2.SecurityGroup(
            `${layer}-tenant-${t}-sg`,
            {
                name: bbwsName(env, `tenant-${t}-sg`),
                description: `BBWS tenant ${t} tasks: container port from the load balancer only`,
                vpcId: args.vpcId,
                tags: { Name: bbwsName(env, `tenant-${t}-sg`), Tenant: t },
            },
            this.moved(),
        );
        this.securityGroupId = sg.id;

        type Rule = Omit<aws.vpc.SecurityGroupIngressRuleArgs, "ipProtocol">;
        const ingress = (child: string, rule: Rule) =>
            new aws.vpc.SecurityGroupIngressRule(child, { ipProtocol: "tcp", ...rule }, this.moved());
        const egress = (child: string, rule: Rule) =>
            new aws.vpc.SecurityGroupEgressRule(child, { ipProtocol: "tcp", ...rule }, this.moved());

        ingress(`${layer}-tenant-${t}-from-alb`, {
            securityGroupId: sg.id,
            referencedSecurityGroupId: args.loadBalancerSecurityGroupId,
            fromPort: port,
            toPort: port,
            description: `Port ${port} from the load balancer`,
        });
        egress(`${layer}-alb-to-tenant-${t}`, {
            securityGroupId: args.loadBalancerSecurityGroupId,
            referencedSecurityGroupId: sg.id,
            fromPort: port,
            toPort: port,
            description: `To tenant ${t} tasks on port ${port}`,
        });
        admitToBackends(
            { layerName: layer, source: `tenant-${t}`, securityGroupId: sg.id, from: `tenant ${t} tasks` },
            args.backends,
            this.moved(),
        );
        this.registerOutputs({ securityGroupId: this.securityGroupId });
    }
}
