/**
 * Engine events of a `refresh --preview-only`, shaped like the CLI's: for each resource a
 * `resourcePreEvent` with op `refresh` (old and new both the recorded state), then a
 * `resOutputsEvent` whose op is the result with the refreshed state as `new`; a summary at the end.
 */
import type { EngineEvent, OpType } from "../../automation/engine";

export interface RefreshedResource {
    /** `<type chain>::<name>` under the stack, e.g. `bbws:data:DataLayer$aws:rds/cluster:Cluster::data-aurora`. */
    readonly path: string;
    /** Recorded outputs. */
    readonly old: Record<string, unknown>;
    /** Outputs read from the cloud: omit when unchanged, null when the resource is gone. */
    readonly now?: Record<string, unknown> | null;
    /** Property path → diff kind, as the engine sends it; omit for an older CLI that sends none. */
    readonly detailedDiff?: Record<string, "add" | "delete" | "update">;
}

export function urnOf(env: string, path: string): string {
    return `urn:pulumi:${env}::bbws-platform::${path}`;
}

export function refreshEvents(env: string, resources: readonly RefreshedResource[]): EngineEvent[] {
    let sequence = 0;
    const event = (body: Partial<EngineEvent>): EngineEvent =>
        ({ sequence: sequence++, timestamp: 1795000000 + sequence, ...body }) as EngineEvent;
    const events: EngineEvent[] = [event({ preludeEvent: { config: {} } })];
    const counts: Partial<Record<OpType, number>> = {};
    for (const r of resources) {
        const urn = urnOf(env, r.path);
        const type = r.path.split("::")[0].split("$").pop()!;
        const state = (outputs: Record<string, unknown>) => ({
            type,
            urn,
            id: String(r.old.id ?? ""),
            parent: "",
            custom: true,
            provider: `${urnOf(env, "pulumi:providers:aws::default_7_48_0")}::1a2b`,
            inputs: {},
            outputs,
        });
        const now = r.now === undefined ? r.old : r.now;
        const result: OpType = now === null ? "delete" : JSON.stringify(now) === JSON.stringify(r.old) ? "same" : "update";
        counts[result] = (counts[result] ?? 0) + 1;
        events.push(
            event({
                resourcePreEvent: {
                    metadata: { op: "refresh", urn, type, old: state(r.old), new: state(r.old), provider: "" },
                    planning: true,
                },
            }),
        );
        events.push(
            event({
                resOutputsEvent: {
                    metadata: {
                        op: result,
                        urn,
                        type,
                        old: state(r.old),
                        new: now === null ? undefined : state(now),
                        provider: "",
                        diffs: r.detailedDiff && [...new Set(Object.keys(r.detailedDiff).map((p) => p.split(/[.[]/)[0]))],
                        detailedDiff:
                            r.detailedDiff &&
                            Object.fromEntries(
                                Object.entries(r.detailedDiff).map(([p, kind]) => [p, { diffKind: kind, inputDiff: false }]),
                            ),
                    } as any,
                    planning: true,
                },
            }),
        );
    }
    events.push(event({ summaryEvent: { maybeCorrupt: false, durationSeconds: 4, resourceChanges: counts, policyPacks: {} } }));
    events.push(event({ cancelEvent: {} }));
    return events;
}

/** A VPC, its database security group, the Aurora cluster and a tenant service, all as recorded. */
export function platformResources(env: string): RefreshedResource[] {
    return [
        {
            path: "bbws:network:NetworkLayer$awsx:ec2:Vpc$aws:ec2/vpc:Vpc::network-vpc",
            old: { id: "vpc-0a1b2c3d4e5f60718", cidrBlock: "10.30.0.0/16", tags: { Name: `bbws-vpc-${env}` } },
        },
        {
            path: "bbws:network:NetworkLayer$aws:ec2/securityGroup:SecurityGroup::network-database-sg",
            old: { id: "sg-0123456789abcdef0", ingress: [], tags: { Name: `bbws-database-sg-${env}` } },
        },
        {
            path: "bbws:data:DataLayer$aws:rds/cluster:Cluster::data-aurora",
            old: { id: `bbws-aurora-${env}`, backupRetentionPeriod: 14, storageEncrypted: true, masterPassword: "[secret]" },
        },
        {
            path: "bbws:ecs:EcsLayer$aws:ecs/service:Service::ecs-aupairhive-service",
            old: {
                id: `arn:aws:ecs:af-south-1:123456789012:service/bbws-cluster-${env}/bbws-wordpress-aupairhive-${env}`,
                desiredCount: 2,
            },
        },
    ];
}
