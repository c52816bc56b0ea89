/**
 * A whole-program preview of a small program whose layers build each tenant's resources under one
 * tenant component (src/phases.ts `tenantType`, `tenantComponentName`), as the engine reports it: each
 * step with its parent (`new.parent`, `old.parent` for a delete). Tenants have resources in network,
 * storage and ecs only, so database and monitoring are phases a tenant rollout skips; shared resources
 * a tenant touches (an ingress rule in the platform's EFS security group, a listener rule) sit under
 * the tenant's component; platform resources named like a tenant's sit under the layer.
 */
import type { OpType } from "@pulumi/pulumi/automation";
import { PHASES, PhaseName, tenantComponentName } from "../../src/phases";
import type { FakeStep } from "../support/fake-engine";

const PROJECT = "bbws-platform";

/** The URN of a child of `parent` (its type chain extended by `type`). */
export function childUrn(parent: string, type: string, name: string): string {
    const [head, , chain] = parent.split("::");
    return `${head}::${PROJECT}::${chain}$${type}::${name}`;
}

export function rootUrn(stack: string): string {
    return `urn:pulumi:${stack}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${stack}`;
}

/** Each phase's layer component URN. */
export function layerUrn(stack: string, phase: PhaseName): string {
    const p = PHASES.find((x) => x.name === phase)!;
    return childUrn(rootUrn(stack), p.type, p.componentName);
}

/** What a tenant has under its component in each phase it has anything in: [type, name suffix, child of]. */
const TENANT_CHILDREN: Partial<Record<PhaseName, Array<[string, string, string?]>>> = {
    network: [
        ["aws:ec2/securityGroup:SecurityGroup", "sg"],
        ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "efs-ingress"],
    ],
    storage: [["aws:efs/accessPoint:AccessPoint", "ap"]],
    ecs: [
        ["aws:ecs/service:Service", "service"],
        ["aws:lb/listenerRule:ListenerRule", "rule"],
        ["aws:appautoscaling/target:Target", "scaling", "service"],
    ],
};

/** Platform resources: [phase, type, name]. The second is named like aupairhive's, and is not its. */
const PLATFORM: Array<[PhaseName, string, string]> = [
    ["network", "aws:ec2/vpc:Vpc", "network-vpc"],
    ["network", "aws:ec2/securityGroup:SecurityGroup", "network-aupairhive-lookalike"],
    ["database", "aws:rds/cluster:Cluster", "data-aurora"],
    ["storage", "aws:efs/fileSystem:FileSystem", "storage-efs"],
    ["ecs", "aws:ecs/cluster:Cluster", "ecs-cluster"],
    ["monitoring", "aws:sns/topic:Topic", "monitoring-alerts"],
];

/** A step with its op spelt out, as ownership and the fake engine both read it. */
export type ProgramStep = FakeStep & { readonly op: OpType };

export interface TenantProgram {
    readonly steps: ProgramStep[];
    /** Per tenant, per phase, the URNs that are its own (the component and its descendants). */
    readonly owned: Map<string, Map<PhaseName, string[]>>;
    /** The platform's URNs (root stack and provider included). */
    readonly platform: string[];
}

/**
 * `tenants`: each tenant's op for all of its resources (`same` for one in place, `create` for one being
 * added, `delete` for one in the state only). `platformOp`: per platform resource name, its op (default `same`).
 */
export function tenantProgram(stack: string, tenants: Record<string, OpType>, platformOp: Record<string, OpType> = {}): TenantProgram {
    const root = rootUrn(stack);
    const steps: ProgramStep[] = [
        { urn: root, op: "same" },
        { urn: `urn:pulumi:${stack}::${PROJECT}::pulumi:providers:aws::default_7_48_0`, op: "same", parent: root },
    ];
    const platform = steps.map((s) => s.urn);
    const owned = new Map<string, Map<PhaseName, string[]>>();
    for (const phase of PHASES) {
        const layer = layerUrn(stack, phase.name);
        steps.push({ urn: layer, op: "same", parent: root });
        platform.push(layer);
        for (const [, type, name] of PLATFORM.filter(([p]) => p === phase.name)) {
            const urn = childUrn(layer, type, name);
            steps.push({ urn, op: platformOp[name] ?? "same", parent: layer });
            platform.push(urn);
        }
        for (const [id, op] of Object.entries(tenants)) {
            const children = TENANT_CHILDREN[phase.name];
            if (!children) continue;
            const name = tenantComponentName(phase.name, id);
            const component = childUrn(layer, phase.tenantType, name);
            const urns = new Map<string, string>([["", component]]);
            steps.push({ urn: component, op, parent: layer });
            for (const [type, suffix, under = ""] of children) {
                const parent = urns.get(under)!;
                const urn = childUrn(parent, type, `${name}-${suffix}`);
                urns.set(suffix, urn);
                steps.push({ urn, op, parent });
            }
            const byPhase = owned.get(id) ?? new Map<PhaseName, string[]>();
            byPhase.set(phase.name, [...urns.values()]);
            owned.set(id, byPhase);
        }
    }
    return { steps, owned, platform };
}
