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
    "aws:kms/key:Key": ["enableKeyRotation", "deletionWindowInDays"],
    "aws:kms/alias:Alias": ["name"],
    "aws:rds/cluster:Cluster": [
        "clusterIdentifier",
        "engineVersion",
        "storageEncrypted",
        "deletionProtection",
        "backupRetentionPeriod",
        "iamDatabaseAuthenticationEnabled",
    ],
    "aws:rds/clusterInstance:ClusterInstance": ["identifier", "instanceClass", "availabilityZone", "publiclyAccessible"],
    "aws:elasticache/replicationGroup:ReplicationGroup": [
        "replicationGroupId",
        "nodeType",
        "numCacheClusters",
        "atRestEncryptionEnabled",
        "transitEncryptionEnabled",
        "automaticFailoverEnabled",
    ],
    "aws:secretsmanager/secret:Secret": ["name"],
    "aws:efs/fileSystem:FileSystem": ["encrypted", "throughputMode"],
    "aws:efs/accessPoint:AccessPoint": ["rootDirectory.path", "posixUser.uid", "posixUser.gid"],
    "aws:efs/mountTarget:MountTarget": ["subnetId"],
    "aws:s3/bucket:Bucket": ["bucket"],
    "aws:backup/vault:Vault": ["name"],
    "aws:backup/plan:Plan": ["name"],
    "aws:ecr/repository:Repository": ["name", "imageTagMutability", "imageScanningConfiguration.scanOnPush"],
    "aws:ecs/cluster:Cluster": ["name"],
    "aws:ecs/taskDefinition:TaskDefinition": ["family", "cpu", "memory", "networkMode"],
    "aws:ecs/service:Service": ["name", "platformVersion", "enableExecuteCommand"],
    "aws:appautoscaling/target:Target": ["minCapacity", "maxCapacity"],
    "aws:lb/loadBalancer:LoadBalancer": ["name", "internal", "dropInvalidHeaderFields", "enableDeletionProtection"],
    "aws:lb/listener:Listener": ["port", "protocol", "sslPolicy"],
    "aws:lb/listenerRule:ListenerRule": ["priority"],
    "aws:lb/targetGroup:TargetGroup": ["name", "port", "targetType"],
    "aws:route53/record:Record": ["name", "type"],
    "aws:sns/topic:Topic": ["name"],
    "aws:cloudwatch/metricAlarm:MetricAlarm": ["name", "comparisonOperator", "threshold"],
    "aws:cloudwatch/dashboard:Dashboard": ["dashboardName"],
    "aws:cloudwatch/eventRule:EventRule": ["name"],
    "aws:budgets/budget:Budget": ["name", "limitAmount"],
};

/**
 * Settings no single input holds: the VPC's subnets, one `<spec>=<cidr per AZ>` each, since an
 * overlap or a subnet in the wrong place is what a network reviewer has to be able to see.
 */
const DERIVED_SETTINGS: Readonly<Record<string, (inputs: Record<string, any>) => string[]>> = {
    "awsx:ec2:Vpc": (inputs) =>
        (inputs.subnetSpecs ?? [])
            .filter((spec: any) => spec.cidrBlocks)
            .map((spec: any) => `${spec.name ?? spec.type.toLowerCase()}=${spec.cidrBlocks.join(",")}`),
};

/** `aws:rds/cluster:Cluster` → `rds.Cluster`; `awsx:ec2:Vpc` → `awsx.ec2.Vpc`; `random:index/x:X` → `random.X`. */
export function shortType(type: string): string {
    const [pkg, mod = "", name] = type.split(":");
    const module = mod.split("/")[0];
    return [pkg === "aws" ? "" : pkg, module === "index" ? "" : module, name].filter(Boolean).join(".");
}

/**
 * The "KEY SETTINGS" cell: `key=value` for each `KEY_SETTINGS` path (dotted, into the inputs) that is
 * set, objects as JSON, then the type's derived settings; space-separated, empty for an unlisted type.
 */
export function keySettings(r: SynthResource): string {
    return (KEY_SETTINGS[r.type] ?? [])
        .map((key) => [key, key.split(".").reduce<any>((v, part) => v?.[part], r.inputs)] as const)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : value}`)
        .concat(DERIVED_SETTINGS[r.type]?.(r.inputs) ?? [])
        .join(" ");
}

/** One table per phase (registry order, then the stack's own resources), then totals. */
export function renderSynthTables(result: SynthResult): string {
    const groups = [...PHASES.map((p) => p.name), "stack" as const]
        .map((phase) => ({ phase, resources: result.resources.filter((r) => r.phase === phase) }))
        .filter((g) => g.resources.length > 0);
    const sections = groups.map(({ phase, resources }) =>
        [
            `${phase} (${resources.length} resources)`,
            renderTable(
                ["TYPE", "NAME", "KEY SETTINGS"],
                resources.map((r) => [shortType(r.type), r.name, keySettings(r)]),
            ),
        ].join("\n"),
    );
    const totals = renderTable(
        ["PHASE", "RESOURCES"],
        [...groups.map((g) => [g.phase, g.resources.length]), ["total", result.resources.length]],
    );
    return [`${result.project} / ${result.stack}`, ...sections, totals].join("\n\n");
}
