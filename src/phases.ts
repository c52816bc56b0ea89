/**
 * The phase registry: the one ordered list of layers. The program builds them in this order and the
 * rollout driver targets them from it; nothing else names phases.
 */
export const PHASE_NAMES = ["network", "database", "storage", "ecs", "monitoring"] as const;

export type PhaseName = (typeof PHASE_NAMES)[number];

export interface Phase {
    readonly name: PhaseName;
    /** Type token of the layer's ComponentResource: everything under it belongs to the phase. */
    readonly type: string;
    /** Logical name of the layer component (its URN's last segment). */
    readonly componentName: string;
    /**
     * Type token of the phase's per-tenant component: each tenant's resources of this phase live
     * under one component of this type named `tenantComponentName(phase, id)`, so a tenant is one
     * subtree per phase and a `--tenant` rollout selects it by ancestry.
     */
    readonly tenantType: string;
    readonly description: string;
}

export const PHASES: readonly Phase[] = Object.freeze(
    [
        {
            name: "network",
            type: "bbws:network:NetworkLayer",
            componentName: "network",
            tenantType: "bbws:network:TenantNetwork",
            description: "VPC, subnets, NAT, security groups, flow logs and VPC endpoints",
        },
        {
            name: "database",
            type: "bbws:data:DataLayer",
            componentName: "data",
            tenantType: "bbws:data:TenantDatabase",
            description: "Aurora MySQL, ElastiCache Redis, the data key and their secrets",
        },
        {
            name: "storage",
            type: "bbws:storage:StorageLayer",
            componentName: "storage",
            tenantType: "bbws:storage:TenantStorage",
            description: "EFS with a per-tenant access point, S3 buckets, ECR repositories and AWS Backup",
        },
        {
            name: "ecs",
            type: "bbws:ecs:EcsLayer",
            componentName: "ecs",
            tenantType: "bbws:ecs:TenantService",
            description: "ECS cluster, load balancer, IAM roles and one WordPress service per tenant",
        },
        {
            name: "monitoring",
            type: "bbws:monitoring:MonitoringLayer",
            componentName: "monitoring",
            tenantType: "bbws:monitoring:TenantMonitoring",
            description: "Alarms, dashboard, SNS topics, EventBridge rules and the cost budget",
        },
    ].map((p) => Object.freeze(p as Phase)),
);

/** Narrows a string (a CLI argument) to a `PhaseName`; case-sensitive. */
export function isPhaseName(name: string): name is PhaseName {
    return (PHASE_NAMES as readonly string[]).includes(name);
}

/** The registry entry of a phase: its layer's type token, component name and description. Total over `PhaseName`. */
export function getPhase(name: PhaseName): Phase {
    return PHASES.find((p) => p.name === name)!;
}

/** The phase a layer type token belongs to, if any. */
export function phaseOfType(type: string): Phase | undefined {
    return PHASES.find((p) => p.type === type);
}

/**
 * Logical name of a tenant's component in a phase: `<layer component name>-<tenant id>`, e.g.
 * `ecs-aupairhive`. Its children's names start with it, which is what they were called before the
 * component existed, so moving them under it changes only their parent (an alias, no replacement).
 */
export function tenantComponentName(phase: PhaseName, tenantId: string): string {
    return `${getPhase(phase).componentName}-${tenantId}`;
}
