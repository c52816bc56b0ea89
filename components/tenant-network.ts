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

export interface TenantNetworkArgs {
    readonly env: string;
    readonly tenantId: string;
    /** Port the tenant's WordPress container listens on; only the load balancer may reach it. */
    readonly containerPort: number;
    readonly vpcId: pulumi.Input<string>;
    readonly loadBalancerSecurityGroupId: pulumi.Input<string>;
    /** The shared groups that admit the tenant's tasks, each on its own port. */
    readonly backends: readonly TenantBackend[];
    /** The layer's name: the children's names before this component existed (their aliases). */
    readonly layerName: string;
}

/**
 * The tenant's task security group (`bbws-tenant-<id>-sg-<env>`, tag `Tenant=<id>`) with its rules:
 * the container port from the load balancer only, HTTPS out, and to and from each backend group.
 * Children are `<name>-sg`, `<name>-from-alb`, `<name>-alb-to-tasks`, `<name>-https-out`,
 * `<name>-to-<role>` and `<name>-<role>-from-tasks`; each carries an alias to its former name under the
 * layer (`<layer>-tenant-<id>-sg`, …), so moving them here replaced nothing.
 */
export class TenantNetwork extends TenantComponent {
    /** The tenant's task security group. */
    readonly securityGroupId: pulumi.Output<string>;

    constructor(name: string, args: TenantNetworkArgs, opts: pulumi.ComponentResourceOptions) {
        super("bbws:network:TenantNetwork", name, opts);
        const { env, tenantId: t, containerPort: port, layerName: layer } = args;
        const sg = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                name: bbwsName(env, `tenant-${t}-sg`),
                description: `BBWS tenant ${t} tasks: container port from the load balancer only`,
                vpcId: args.vpcId,
                tags: { Name: bbwsName(env, `tenant-${t}-sg`), Tenant: t },
            },
            this.moved(`${layer}-tenant-${t}-sg`),
        );
        this.securityGroupId = sg.id;

        type Rule = Omit<aws.vpc.SecurityGroupIngressRuleArgs, "ipProtocol">;
        const ingress = (child: string, formerName: string, rule: Rule) =>
            new aws.vpc.SecurityGroupIngressRule(`${name}-${child}`, { ipProtocol: "tcp", ...rule }, this.moved(formerName));
        const egress = (child: string, formerName: string, rule: Rule) =>
            new aws.vpc.SecurityGroupEgressRule(`${name}-${child}`, { ipProtocol: "tcp", ...rule }, this.moved(formerName));

        ingress("from-alb", `${layer}-tenant-${t}-from-alb`, {
            securityGroupId: sg.id,
            referencedSecurityGroupId: args.loadBalancerSecurityGroupId,
            fromPort: port,
            toPort: port,
            description: `Port ${port} from the load balancer`,
        });
        egress("alb-to-tasks", `${layer}-alb-to-tenant-${t}`, {
            securityGroupId: args.loadBalancerSecurityGroupId,
            referencedSecurityGroupId: sg.id,
            fromPort: port,
            toPort: port,
            description: `To tenant ${t} tasks on port ${port}`,
        });
        egress("https-out", `${layer}-tenant-${t}-https-out`, {
            securityGroupId: sg.id,
            cidrIpv4: "0.0.0.0/0",
            fromPort: 443,
            toPort: 443,
            description: "HTTPS to AWS APIs, registries and WordPress updates",
        });
        // Only tenant tasks reach the data tier, each rule naming the tenant's own group.
        for (const { role, securityGroupId, port: p, protocol } of args.backends) {
            egress(`to-${role}`, `${layer}-tenant-${t}-to-${role}`, {
                securityGroupId: sg.id,
                referencedSecurityGroupId: securityGroupId,
                fromPort: p,
                toPort: p,
                description: `${protocol} to the ${role} group`,
            });
            ingress(`${role}-from-tasks`, `${layer}-${role}-from-tenant-${t}`, {
                securityGroupId,
                referencedSecurityGroupId: sg.id,
                fromPort: p,
                toPort: p,
                description: `${protocol} from tenant ${t} tasks`,
            });
        }
        this.registerOutputs({ securityGroupId: this.securityGroupId });
    }
}
