/**
 * One tenant's part of the network layer (`bbws:network:TenantNetwork`): the tenant's task security
 * group and every rule that names it, including the rules in shared groups (the load balancer's egress
 * to the tasks, the database, cache and file-system groups' ingress from them). Adding or removing the
 * tenant is this one subtree.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { bbwsName, TenantComponent } from "./shared";
import { TenantVpc, TenantVpcArgs } from "./tenant-vpc";

/** A group the tenant's tasks reach, and the one port it listens on. */
export interface TenantBackend {
    /** `database`, `cache` or `efs`: the shared group's role. */
    readonly role: string;
    readonly securityGroupId: pulumi.Input<string>;
    readonly port: number;
    /** Named in the rules' descriptions: `MySQL`, `Redis`, `NFS`. */
    readonly protocol: string;
    /**
     * How a premium tenant's tasks reach this backend: `peered`, the platform's group across the
     * peering, by range (the file system cannot be: see `own`); `own`, its own VPC's group of this
     * role (`efs`: Fargate mounts EFS only in its own VPC, AWS knowledge center
     * ecs-fargate-mount-efs-containers-tasks; EFS user guide, mount-fs-different-vpc). Absent on a
     * group no tenant reaches (the rotation function's).
     */
    readonly premium?: "peered" | "own";
    /**
     * Set for a premium tenant's `peered` backend: the rules name ranges instead of groups, the
     * tasks' egress to `tasksReach` (the platform's VPC) and the group's ingress from `admits` (the
     * tenant's VPC: nothing else runs there, so the range is exactly this tenant).
     */
    readonly cidrs?: { readonly tasksReach: string; readonly admits: string };
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
    for (const backend of backends) admitToBackend(source, backend, opts);
}

/**
 * `backend`'s port out from `source`'s group to the backend's and in on the backend's side: rules
 * `<layer>-<source>-to-<role>` and `<layer>-<role>-from-<source>`, by group, or by range where the
 * backend has `cidrs`.
 */
export function admitToBackend(source: BackendSource, backend: TenantBackend, opts: pulumi.CustomResourceOptions): void {
    const { layerName: layer, source: s, securityGroupId } = source;
    const { role, securityGroupId: target, port, protocol, cidrs } = backend;
    new aws.vpc.SecurityGroupEgressRule(
        `${layer}-${s}-to-${role}`,
        {
            securityGroupId,
            ipProtocol: "tcp",
            ...(cidrs ? { cidrIpv4: cidrs.tasksReach } : { referencedSecurityGroupId: target }),
            fromPort: port,
            toPort: port,
            description: cidrs ? `${protocol} to the platform ${role} across the peering` : `${protocol} to the ${role} group`,
        },
        opts,
    );
    new aws.vpc.SecurityGroupIngressRule(
        `${layer}-${role}-from-${s}`,
        {
            securityGroupId: target,
            ipProtocol: "tcp",
            ...(cidrs ? { cidrIpv4: cidrs.admits } : { referencedSecurityGroupId: securityGroupId }),
            fromPort: port,
            toPort: port,
            description: cidrs ? `${protocol} from ${source.from} in their own VPC` : `${protocol} from ${source.from}`,
        },
        opts,
    );
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
    /** The platform one-off task's group: an enterprise tenant's own database group admits it too. */
    readonly platformTask: BackendSource;
    /** The layer's name: the children keep the names they had under it (`<layer>-tenant-<id>-sg`, …). */
    readonly layerName: string;
    /**
     * A premium tenant's own VPC (a child `TenantVpc`, named like this component); absent for basic.
     * Then `vpcId` and `loadBalancerSecurityGroupId` are the platform's, unused by this tenant.
     */
    readonly ownVpc?: Omit<TenantVpcArgs, "env" | "tenantId">;
}

/**
 * The tenant's task security group (`bbws-tenant-<id>-sg-<env>`, tag `Tenant=<id>`) with its rules:
 * the container port from the load balancer only, HTTPS out, and to and from each backend group.
 * A premium tenant's group lies in its own VPC (`ownVpc`, the child `vpc`) and pairs with that VPC's
 * load balancer and file-system groups; it reaches the platform's database and cache across the
 * peering, by range (`TenantBackend.premium`).
 * Children keep the names they had as the layer's own (`<layer>-tenant-<id>-sg`, `-from-alb`,
 * `-https-out`, `-to-<role>`, `<layer>-alb-to-tenant-<id>`, `<layer>-<role>-from-tenant-<id>`), each
 * with an alias naming the layer as its former parent, so moving them here replaced nothing.
 */
export class TenantNetwork extends TenantComponent {
    /** The tenant's task security group. */
    readonly securityGroupId: pulumi.Output<string>;
    /** A premium or enterprise tenant's own VPC; undefined for basic. */
    readonly vpc?: TenantVpc;

    constructor(name: string, args: TenantNetworkArgs, opts: pulumi.ComponentResourceOptions) {
        super("bbws:network:TenantNetwork", name, opts);
        const { env, tenantId: t, containerPort: port, layerName: layer } = args;
        const own = args.ownVpc && new TenantVpc(name, { env, tenantId: t, ...args.ownVpc }, { parent: this });
        this.vpc = own;
        const loadBalancerSecurityGroupId = own ? own.loadBalancerSecurityGroupId : args.loadBalancerSecurityGroupId;
        const sg = new aws.ec2.SecurityGroup(
            `${layer}-tenant-${t}-sg`,
            {
                name: bbwsName(env, `tenant-${t}-sg`),
                description: `BBWS tenant ${t} tasks: container port from the load balancer only`,
                vpcId: own ? own.vpcId : args.vpcId,
                tags: { Name: bbwsName(env, `tenant-${t}-sg`), Tenant: t },
            },
            // Create-first, said explicitly: a move into its own VPC replaces it, and the AWS provider would ask for a
            // delete-first replacement of a group it names (pulumi-terraform-bridge nameRequiresDeleteBeforeReplace),
            // which EC2 refuses while the shared groups' rules still refer to it (DependencyViolation); names are
            // unique per VPC, so the new one, in the new VPC, takes the same name.
            this.moved({ deleteBeforeReplace: false }),
        );
        this.securityGroupId = sg.id;

        type Rule = Omit<aws.vpc.SecurityGroupIngressRuleArgs, "ipProtocol">;
        const ingress = (child: string, rule: Rule) =>
            new aws.vpc.SecurityGroupIngressRule(child, { ipProtocol: "tcp", ...rule }, this.moved());
        const egress = (child: string, rule: Rule) =>
            new aws.vpc.SecurityGroupEgressRule(child, { ipProtocol: "tcp", ...rule }, this.moved());

        ingress(`${layer}-tenant-${t}-from-alb`, {
            securityGroupId: sg.id,
            referencedSecurityGroupId: loadBalancerSecurityGroupId,
            fromPort: port,
            toPort: port,
            description: `Port ${port} from the load balancer`,
        });
        egress(`${layer}-alb-to-tenant-${t}`, {
            securityGroupId: loadBalancerSecurityGroupId,
            referencedSecurityGroupId: sg.id,
            fromPort: port,
            toPort: port,
            description: `To tenant ${t} tasks on port ${port}`,
        });
        admitToBackends(
            { layerName: layer, source: `tenant-${t}`, securityGroupId: sg.id, from: `tenant ${t} tasks` },
            own ? premiumBackends(args.backends, own) : args.backends,
            this.moved(),
        );
        if (own?.databaseSecurityGroupId) {
            // The platform task creates and drops the tenant's MySQL user on its own cluster, naming the group
            // across the peering, which AWS allows between VPCs of one Region once the peering is active (VPC
            // Peering guide, "Update your security groups to reference peer security groups"): the rules wait
            // for the tenant's VPC, peering included. Rules `<layer>-platform-task-to-tenant-<id>-database`
            // and `<layer>-tenant-<id>-database-from-platform-task`.
            admitToBackend(
                args.platformTask,
                { role: `tenant-${t}-database`, securityGroupId: own.databaseSecurityGroupId, port: 3306, protocol: "MySQL" },
                { parent: this, dependsOn: [own] },
            );
        }
        this.registerOutputs({ securityGroupId: this.securityGroupId });
    }
}

/**
 * The backends as a premium or enterprise tenant's tasks reach them: a role its VPC has a group of its
 * own for (`efs`; `database` for enterprise) that group; each other `peered` one across the peering by
 * range (the platform's VPC from the tasks, the tenant's VPC into the group). Throws for an `own` role
 * the tenant VPC has no group for.
 */
export function premiumBackends(backends: readonly TenantBackend[], vpc: TenantVpc): TenantBackend[] {
    const ownGroups: Readonly<Record<string, pulumi.Output<string>>> = {
        efs: vpc.fileSystemSecurityGroupId,
        ...(vpc.databaseSecurityGroupId ? { database: vpc.databaseSecurityGroupId } : {}),
    };
    return backends.map((b) => {
        const own = ownGroups[b.role];
        if (own) return { ...b, securityGroupId: own };
        if (b.premium === "peered") return { ...b, cidrs: { tasksReach: vpc.platformCidrBlock, admits: vpc.cidrBlock } };
        throw new Error(
            `backend '${b.role}' (premium: ${b.premium}): a premium tenant reaches a backend peered, or own where its VPC has a group (${Object.keys(ownGroups).join(", ")})`,
        );
    });
}
