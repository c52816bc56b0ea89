/** How the synth shows resources to a person: a table per phase with each resource's key settings. */
import { PHASES } from "../src/phases";
import type { SynthResource, SynthResult } from "./synth";
import { renderTable } from "./table";

/**
 * The settings a reviewer looks at first, per resource type. A type without a row shows none; add
 * one when a new type carries a setting worth seeing in review.
 */
export const KEY_SETTINGS: Readonly<Record<string, readonly string[]>> = {
    "awsx:ec2:Vpc": ["cidrBlock", "numberOfAvailabilityZones", "natGateways.strategy"],
    "aws:ec2/securityGroup:SecurityGroup": ["name"],
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["fromPort", "cidrIpv4", "description"],
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ["fromPort", "cidrIpv4", "description"],
    "aws:ec2/flowLog:FlowLog": ["trafficType"],
    "aws:ec2/vpcEndpoint:VpcEndpoint": ["serviceName", "vpcEndpointType"],
    "aws:cloudwatch/logGroup:LogGroup": ["name", "retentionInDays"],
    "aws:iam/role:Role": ["name"],
};

/** `aws:rds/cluster:Cluster` → `rds.Cluster`; `awsx:ec2:Vpc` → `awsx.ec2.Vpc`. */
export function shortType(type: string): string {
    const [pkg, mod, name] = type.split(":");
    if (pkg === "aws") return `${mod.split("/")[0]}.${name}`;
    return [pkg, mod, name].filter(Boolean).join(".");
}

export function keySettings(r: SynthResource): string {
    return (KEY_SETTINGS[r.type] ?? [])
        .map((key) => [key, key.split(".").reduce<any>((v, part) => v?.[part], r.inputs)] as const)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : value}`)
        .join(" ");
}

/** One table per phase (registry order, then the stack's own resources), then totals. */
export function renderSynthTables(result: SynthResult): string {
    const groups = [...PHASES.map((p) => p.name), "stack" as const]
        .map((phase) => ({ phase, resources: result.resources.filter((r) => r.phase === phase) }))
        .filter((g) => g.resources.length > 0);
    const sections = groups.map(({ phase, resources }) => [
        `${phase} (${resources.length} resources)`,
        renderTable(["TYPE", "NAME", "KEY SETTINGS"], resources.map((r) => [shortType(r.type), r.name, keySettings(r)])),
    ].join("\n"));
    const totals = renderTable(["PHASE", "RESOURCES"], [
        ...groups.map((g) => [g.phase, g.resources.length]),
        ["total", result.resources.length],
    ]);
    return [`${result.project} / ${result.stack}`, ...sections, totals].join("\n\n");
}
