/**
 * The monthly cost estimate: every resource the synth lists, priced from `automation/cost-prices.json`
 * with the usage assumptions of `bbws:cost`. Pure: a synth result in, lines and totals out.
 *
 * Units: every amount is USD per month of 730 hours (AWS's own convention for monthly figures).
 */
import { awsxNatGatewayZones } from "../src/policy/awsx-vpc";
import type { CostConfig } from "../src/config";
import type { SynthResource, SynthResult } from "./synth";
import PRICE_FILE from "./cost-prices.json";

/** Hours in the month every estimate is for. */
export const HOURS_PER_MONTH = 730;

/** One price: USD per `unit`, or `usd: null` where no source was found (the line is then unpriced). */
export interface Price {
    readonly usd: number | null;
    readonly unit: string;
    /** Date of the page or price-list file the price was read from. */
    readonly asOf?: string;
    readonly source?: string;
    /** How the price was obtained, in a sentence. */
    readonly method: string;
}

/** Price key (`nat.hour`, `aurora.instanceHour.db.r6g.large`, …) → price, per region. */
export type PriceTable = Readonly<Record<string, Readonly<Record<string, Price>>>>;

/** The table this repository ships (`automation/cost-prices.json`). */
export const PRICES: PriceTable = PRICE_FILE.regions as PriceTable;

/**
 * The unit of each price key (instance and node classes stripped: `aurora.instanceHour`), so an
 * unpriced line still says what it counts; the price table must use the same units (tested).
 */
export const PRICE_UNITS: Readonly<Record<string, string>> = {
    "fargate.X86_64.vcpuHour": "vCPU-hour",
    "fargate.X86_64.gbHour": "GB-hour",
    "fargate.ARM64.vcpuHour": "vCPU-hour",
    "fargate.ARM64.gbHour": "GB-hour",
    "fargateSpot.X86_64.vcpuHour": "vCPU-hour",
    "fargateSpot.X86_64.gbHour": "GB-hour",
    "fargateSpot.ARM64.vcpuHour": "vCPU-hour",
    "fargateSpot.ARM64.gbHour": "GB-hour",
    "aurora.instanceHour": "instance-hour",
    "aurora.storageGbMonth": "GB-month",
    "aurora.ioMillion": "million I/O requests",
    "elasticache.nodeHour": "node-hour",
    "nat.hour": "NAT gateway-hour",
    "nat.gb": "GB processed",
    "alb.hour": "load balancer-hour",
    "alb.lcuHour": "LCU-hour",
    "vpce.azHour": "endpoint AZ-hour",
    "vpce.gb": "GB processed",
    "publicIpv4.hour": "address-hour",
    "dataTransferOut.gb": "GB",
    "efs.standardGbMonth": "GB-month",
    "efs.iaGbMonth": "GB-month",
    "efs.readGb": "GB",
    "efs.writeGb": "GB",
    "s3.standardGbMonth": "GB-month",
    "ecr.gbMonth": "GB-month",
    "backup.efsGbMonth": "GB-month",
    "backup.auroraGbMonth": "GB-month",
    "kms.keyMonth": "key-month",
    "secretsmanager.secretMonth": "secret-month",
    "cloudwatch.alarmMetricMonth": "alarm metric-month",
    "cloudwatch.highResAlarmMetricMonth": "alarm metric-month",
    "cloudwatch.dashboardMonth": "dashboard-month",
    "cloudwatch.metricMonth": "metric-month",
    "logs.ingestGb": "GB ingested",
    "logs.storageGbMonth": "GB-month",
    "route53.millionQueries": "million queries",
};

/** The unit a price key counts in. */
export function unitOf(priceKey: string): string {
    const unit = PRICE_UNITS[priceKey] ?? PRICE_UNITS[priceKey.split(".").slice(0, 2).join(".")];
    if (unit === undefined) throw new Error(`no unit for price key '${priceKey}': add it to PRICE_UNITS`);
    return unit;
}

/** One priced (or unpriced) quantity of one resource. */
export interface CostLine {
    readonly phase: string;
    /** The resource's logical name, or a description for what the program does not create (the DR replica). */
    readonly resource: string;
    readonly type: string;
    /** The tenant that owns the resource; undefined for shared resources. */
    readonly tenant?: string;
    /** What is charged: "NAT gateway hours", "vCPU hours (FARGATE_SPOT)", … */
    readonly item: string;
    /** Key in the price table; its region is `region`. */
    readonly priceKey: string;
    readonly region: string;
    readonly unit: string;
    /** Units a month; undefined where the volume is not estimated (the line is then unpriced). */
    readonly quantity?: number;
    /** USD per unit; undefined when unpriced. */
    readonly unitUsd?: number;
    /** USD a month; undefined when unpriced (never silently zero). */
    readonly usd?: number;
    /** The assumption the quantity rests on, naming its config key where it has one. */
    readonly assumption: string;
}

/** A tenant's own cost plus its share of the shared cost, in USD a month. */
export interface TenantCost {
    readonly tenant: string;
    /** vCPUs its services run at minimum capacity: the basis of its share. */
    readonly vcpu: number;
    /** Fraction (0–1) of the shared cost it carries. */
    readonly share: number;
    readonly own: number;
    readonly shared: number;
    readonly total: number;
}

export interface CostEstimate {
    readonly stack: string;
    readonly region: string;
    readonly lines: readonly CostLine[];
    /** Sum of the priced lines, USD a month: a floor while `unpriced` > 0. */
    readonly total: number;
    /** Lines without a price. */
    readonly unpriced: number;
    readonly byPhase: Readonly<Record<string, number>>;
    readonly tenants: readonly TenantCost[];
    /** Priced lines no tenant owns, USD a month. */
    readonly shared: number;
    /** `monitoring.budgetMonthlyUsd` as the budget resource carries it; undefined when there is none. */
    readonly budgetUsd?: number;
    /** Resource types counted as free, with the reason and how many the program creates. */
    readonly free: readonly { readonly type: string; readonly reason: string; readonly count: number }[];
}

/**
 * Types that cost nothing by themselves, each with the reason. A type is either here or in
 * `PRICERS` (components with children and providers aside: `resourceFreeReason`); a type in neither
 * fails the estimate (`UnpricedTypeError`).
 */
export const FREE_TYPES: Readonly<Record<string, string>> = {
    "pulumi:pulumi:Stack": "the Pulumi stack is not an AWS resource",
    // Disaster recovery (issue 17): no charge of their own; what they cause is not estimated yet (README, "Not estimated").
    "aws:rds/globalCluster:GlobalCluster": "no charge of its own; replicated write I/O and cross-region transfer are not estimated",
    "aws:efs/replicationConfiguration:ReplicationConfiguration":
        "no charge of its own; the replica's storage and the transfer are not estimated",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig":
        "no charge of its own; Replication Time Control and the transfer are not estimated",
    "aws:ecr/replicationConfiguration:ReplicationConfiguration":
        "no charge of its own; the replicated images' storage and transfer are not estimated",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": "repository creation templates are free",
    "aws:route53/healthCheck:HealthCheck": "not estimated: an HTTPS health check on an AWS endpoint is a few USD a month",
    "random:index/randomPassword:RandomPassword": "generated by the Pulumi engine, not AWS",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "security groups are free",
    "aws:ec2/securityGroup:SecurityGroup": "security groups are free",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "security group rules are free",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "security group rules are free",
    "aws:ec2/flowLog:FlowLog": "the flow log itself is free; what it writes is priced on its log group",
    // A premium tenant's own VPC (issue 21). AWS whitepaper "Building a Scalable and Secure Multi-VPC AWS Network
    // Infrastructure", VPC peering: data over a peering connection within an Availability Zone is free, across
    // zones charged at in-region transfer rates (not estimated); the connection has no charge of its own.
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection":
        "no charge of its own; data crossing Availability Zones over it is charged and not estimated",
    "aws:ec2/route:Route": "routes and route tables are free",
    "aws:iam/role:Role": "IAM is free",
    "aws:iam/rolePolicy:RolePolicy": "IAM is free",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM is free",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "a setting of its repository",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": "a setting of the cluster; the tasks are priced on their services",
    "aws:ecs/taskDefinition:TaskDefinition":
        "a definition costs nothing; a service's tasks are priced on the service, one-off tasks (migration) are not estimated",
    "aws:lb/listener:Listener": "included in the load balancer's hours and LCUs",
    "aws:lb/listenerRule:ListenerRule": "included in the load balancer's LCUs (the first 10 rule evaluations a request are free)",
    "aws:lb/listenerCertificate:ListenerCertificate": "included in the load balancer's hours and LCUs",
    "aws:acm/certificate:Certificate": "public ACM certificates are free",
    "aws:acm/certificateValidation:CertificateValidation": "not an AWS resource: the provider's wait for issuance",
    "aws:lb/targetGroup:TargetGroup": "included in the load balancer's hours and LCUs",
    "aws:ssm/document:Document": "Session Manager preferences: free",
    "aws:appautoscaling/target:Target": "scaling itself is free; its alarms are priced on the policies",
    "aws:secretsmanager/secretVersion:SecretVersion": "Secrets Manager charges per secret, not per version",
    "aws:elasticache/user:User": "ElastiCache RBAC users are free",
    "aws:elasticache/userGroup:UserGroup": "ElastiCache RBAC user groups are free",
    "aws:elasticache/userGroupAssociation:UserGroupAssociation": "a membership, not a resource AWS bills",
    "aws:secretsmanager/secretRotation:SecretRotation":
        "rotation is free; the function's invocations are a few a month, within Lambda's free tier",
    "aws:serverlessrepository/cloudFormationStack:CloudFormationStack":
        "CloudFormation and the repository are free; the rotation function runs a few times a month",
    "pulumi-nodejs:dynamic/data:RotationFunctionSettings": "a setting of the rotation function: no AWS resource of its own",
    "aws:scheduler/schedule:Schedule": "a schedule firing every few weeks stays within Scheduler's free 14 million invocations a month",
    "aws:kms/alias:Alias": "aliases are free",
    "aws:sns/topic:Topic": "alert volume stays within SNS's free first million publishes and 1,000 emails a month",
    "aws:sns/topicPolicy:TopicPolicy": "a setting of its topic",
    "aws:sns/topicSubscription:TopicSubscription": "email deliveries are within the topic's free quantity",
    "aws:cloudwatch/eventRule:EventRule": "AWS service events on the default event bus are free",
    "aws:cloudwatch/eventTarget:EventTarget": "AWS service events on the default event bus are free",
    "aws:budgets/budget:Budget":
        "AWS Budgets charges only for action-enabled budgets; this one has no actions (not re-verified against the pricing page)",
    "aws:rds/subnetGroup:SubnetGroup": "a setting of the cluster",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": "a setting of the cluster",
    "aws:rds/parameterGroup:ParameterGroup": "a setting of the instances",
    "aws:elasticache/subnetGroup:SubnetGroup": "a setting of the replication group",
    "aws:elasticache/parameterGroup:ParameterGroup": "a setting of the replication group",
    "aws:efs/mountTarget:MountTarget": "mount targets are free",
    "aws:efs/accessPoint:AccessPoint": "access points are free",
    "aws:efs/fileSystemPolicy:FileSystemPolicy": "a setting of the file system",
    "aws:efs/backupPolicy:BackupPolicy": "the recovery points are priced on the backup plan",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "a setting of its bucket",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "a setting of its bucket",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        "a setting of its bucket (SSE-KMS with a bucket key keeps KMS requests few)",
    "aws:s3/bucketVersioning:BucketVersioning": "a setting of its bucket; old versions count in cost.s3StorageGb",
    "aws:s3/bucketPolicy:BucketPolicy": "a setting of its bucket",
    "aws:s3/bucketLogging:BucketLogging": "the access logs it writes count in cost.s3StorageGb",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "a setting of its bucket",
    "aws:backup/vault:Vault": "the recovery points are priced on the backup plan",
    "aws:backup/selection:Selection": "the recovery points are priced on the backup plan",
};

const PROVIDER_PREFIX = "pulumi:providers:";
const PROVIDER_REASON = "a Pulumi provider, not an AWS resource";
const COMPONENT_REASON = "a component of this program, not an AWS resource";

/** A resource type the estimate neither prices nor lists as free: add it to `PRICERS` or `FREE_TYPES`. */
export class UnpricedTypeError extends Error {
    constructor(readonly types: readonly string[]) {
        super(
            `the cost estimate has no price and no free reason for ${types.map((t) => `'${t}'`).join(", ")}: ` +
                "add it to PRICERS or FREE_TYPES in automation/cost.ts",
        );
        this.name = "UnpricedTypeError";
    }
}

/** Why every resource of a type is free (`FREE_TYPES`, and providers), or undefined when it is not. */
export function freeReason(type: string): string | undefined {
    return FREE_TYPES[type] ?? (type.startsWith(PROVIDER_PREFIX) ? PROVIDER_REASON : undefined);
}

/**
 * Why one resource of the synth is free, or undefined when it is not: its type's reason, or it is a
 * component (`custom: false`, whatever its type token) with children in the synth, which are priced on
 * their own. A component without children is not free: a remote component (awsx's `Vpc`) creates its
 * resources inside its provider, out of the mock run's sight, so only a pricer can account for them.
 */
export function resourceFreeReason(r: SynthResource, all: readonly SynthResource[]): string | undefined {
    return freeReason(r.type) ?? (!r.custom && all.some((x) => x.parent === r.urn) ? COMPONENT_REASON : undefined);
}

/** What a pricer sees: the whole synth (to follow references), the assumptions, and how to make a line. */
interface PricingContext {
    readonly all: readonly SynthResource[];
    readonly cost: Readonly<CostConfig>;
    /** The tenant `r` belongs to (`tenantOwners`); undefined for a shared resource. */
    tenantOf(r: SynthResource): string | undefined;
    /** A line for `r` in its own `region` input, else the stack's (or `region`), priced from the table when the key is there. */
    line(
        r: SynthResource | { phase: string; name: string; type: string },
        item: string,
        priceKey: string,
        quantity: number | undefined,
        assumption: string,
        region?: string,
    ): CostLine;
}

type Pricer = (r: SynthResource, ctx: PricingContext) => CostLine[];

/** The `region` input of a resource placed outside the stack's region (@pulumi/aws 7's per-resource region). */
function regionOf(r: SynthResource | { phase: string; name: string; type: string }): string | undefined {
    return "inputs" in r && typeof r.inputs.region === "string" ? r.inputs.region : undefined;
}

const ALWAYS_ON = `${HOURS_PER_MONTH} h a month, always on`;
const num = (v: unknown, fallback = 0): number => (typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) : fallback);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/**
 * How many of `tasks` run on each capacity provider: the provider with a base takes up to `base`
 * first, the rest is split by weight (ECS's documented placement for a capacity-provider strategy).
 */
export function tasksByProvider(
    tasks: number,
    strategy: ReadonlyArray<{ capacityProvider: string; weight?: number; base?: number }>,
): Record<string, number> {
    const out: Record<string, number> = {};
    if (strategy.length === 0) return { FARGATE: tasks };
    let left = tasks;
    for (const s of strategy) {
        const base = Math.min(s.base ?? 0, left);
        out[s.capacityProvider] = (out[s.capacityProvider] ?? 0) + base;
        left -= base;
    }
    const weights = strategy.reduce((sum, s) => sum + (s.weight ?? 0), 0);
    for (const s of strategy) {
        if (weights > 0) out[s.capacityProvider] = (out[s.capacityProvider] ?? 0) + (left * (s.weight ?? 0)) / weights;
    }
    return out;
}

/** The service's task count for the estimate: its auto-scaling minimum, else its desired count. */
function serviceTasks(service: SynthResource, all: readonly SynthResource[]): { tasks: number; basis: string } {
    // The target whose `resourceId` the engine records as coming from this service (it also comes from the cluster).
    const target = all.find(
        (r) => r.type === "aws:appautoscaling/target:Target" && (r.propertyDependencies.resourceId ?? []).includes(service.urn),
    );
    return target
        ? {
              tasks: num(target.inputs.minCapacity),
              basis: `tasks = minCapacity ${num(target.inputs.minCapacity)} (scaling above it is not estimated)`,
          }
        : { tasks: num(service.inputs.desiredCount, 1), basis: `tasks = desiredCount ${num(service.inputs.desiredCount, 1)}` };
}

/** The task definition the service's `taskDefinition` input came from, as the engine records it. */
function taskDefinitionOf(service: SynthResource, all: readonly SynthResource[]): SynthResource | undefined {
    const sources = new Set(service.propertyDependencies.taskDefinition ?? []);
    return all.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && sources.has(r.urn));
}

/** vCPUs the service runs at the estimate's task count: the basis of each tenant's share. */
export function serviceVcpu(service: SynthResource, all: readonly SynthResource[]): number {
    const task = taskDefinitionOf(service, all);
    return (serviceTasks(service, all).tasks * num(task?.inputs.cpu)) / 1024;
}

const interfaceEndpoints = (all: readonly SynthResource[]) =>
    all.filter((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint" && r.inputs.vpcEndpointType === "Interface");

/** Metrics an alarm is billed for: one for a plain alarm, one per metric (not per expression) for metric math. */
export function alarmMetricCount(inputs: Record<string, unknown>): number {
    const queries = arr(inputs.metricQueries);
    return queries.length === 0 ? 1 : queries.filter((q) => q.metric !== undefined).length;
}

/** Steady-state GB a log group holds: a month's ingestion kept for its retention. */
function logGroupLines(r: SynthResource, ctx: PricingContext, tenant: string | undefined): CostLine[] {
    const name = String(r.inputs.name ?? "");
    const [gb, key] = name.includes("/flow-logs")
        ? [ctx.cost.flowLogGbPerMonth, "cost.flowLogGbPerMonth"]
        : tenant
          ? [ctx.cost.tenantLogGbPerMonth, "cost.tenantLogGbPerMonth"]
          : [ctx.cost.otherLogGbPerMonth, "cost.otherLogGbPerMonth"];
    const retention = r.inputs.retentionInDays === undefined ? 365 : num(r.inputs.retentionInDays);
    return [
        ctx.line(r, "log ingestion", "logs.ingestGb", gb, `${key} = ${gb} GB`),
        ctx.line(
            r,
            "log storage",
            "logs.storageGbMonth",
            (gb * retention) / 30,
            `${key} = ${gb} GB kept ${retention} days${r.inputs.retentionInDays === undefined ? " (no retention: a year assumed)" : ""}, uncompressed`,
        ),
    ];
}

/** Resource types with a charge, each turned into lines. */
export const PRICERS: Readonly<Record<string, Pricer>> = {
    "awsx:ec2:Vpc": (r, ctx) => {
        const strategy = (r.inputs.natGateways as { strategy?: string } | undefined)?.strategy ?? "OnePerAz";
        const nats = awsxNatGatewayZones(r.inputs).length;
        if (nats === 0) return [];
        const basis = `${nats} NAT gateway${nats > 1 ? "s" : ""} (natGateways.strategy ${strategy}), ${ALWAYS_ON}`;
        return [
            ctx.line(r, "NAT gateway hours", "nat.hour", nats * HOURS_PER_MONTH, basis),
            ctx.line(
                r,
                "NAT gateway data processed",
                "nat.gb",
                ctx.cost.natGbPerMonth,
                `cost.natGbPerMonth = ${ctx.cost.natGbPerMonth} GB`,
            ),
            ctx.line(r, "NAT gateway public IPv4 addresses", "publicIpv4.hour", nats * HOURS_PER_MONTH, basis),
        ];
    },
    "aws:ec2/vpcEndpoint:VpcEndpoint": (r, ctx) => {
        if (r.inputs.vpcEndpointType !== "Interface") return [];
        const azs = arr(r.inputs.subnetIds).length;
        const gb = ctx.cost.endpointGbPerMonth / interfaceEndpoints(ctx.all).length;
        return [
            ctx.line(r, "interface endpoint AZ-hours", "vpce.azHour", azs * HOURS_PER_MONTH, `${azs} AZs, ${ALWAYS_ON}`),
            ctx.line(
                r,
                "interface endpoint data processed",
                "vpce.gb",
                gb,
                `cost.endpointGbPerMonth = ${ctx.cost.endpointGbPerMonth} GB over ${interfaceEndpoints(ctx.all).length} endpoints`,
            ),
        ];
    },
    "aws:cloudwatch/logGroup:LogGroup": (r, ctx) => logGroupLines(r, ctx, ctx.tenantOf(r)),
    "aws:kms/key:Key": (r, ctx) => [ctx.line(r, "customer managed key", "kms.keyMonth", 1, "one key, requests not estimated")],
    "aws:secretsmanager/secret:Secret": (r, ctx) => [
        ctx.line(r, "secret", "secretsmanager.secretMonth", 1, "one secret, API calls not estimated"),
    ],
    "aws:rds/cluster:Cluster": (r, ctx) => [
        ctx.line(
            r,
            "Aurora storage",
            "aurora.storageGbMonth",
            ctx.cost.auroraStorageGb,
            `cost.auroraStorageGb = ${ctx.cost.auroraStorageGb} GB`,
        ),
        ctx.line(
            r,
            "Aurora I/O requests (Aurora Standard)",
            "aurora.ioMillion",
            ctx.cost.auroraIoMillionsPerMonth,
            `cost.auroraIoMillionsPerMonth = ${ctx.cost.auroraIoMillionsPerMonth}`,
        ),
        ...(r.inputs.manageMasterUserPassword
            ? [
                  ctx.line(
                      r,
                      "master password secret (created by RDS)",
                      "secretsmanager.secretMonth",
                      1,
                      "manageMasterUserPassword: RDS keeps one secret",
                  ),
              ]
            : []),
    ],
    "aws:rds/clusterInstance:ClusterInstance": (r, ctx) => [
        ctx.line(
            r,
            `instance hours (${r.inputs.instanceClass})`,
            `aurora.instanceHour.${r.inputs.instanceClass}`,
            HOURS_PER_MONTH,
            ALWAYS_ON,
        ),
        ...(num(r.inputs.monitoringInterval) > 0
            ? [
                  ctx.line(
                      r,
                      "enhanced monitoring (RDSOSMetrics log ingestion)",
                      "logs.ingestGb",
                      undefined,
                      `monitoringInterval ${r.inputs.monitoringInterval} s; volume not estimated`,
                  ),
              ]
            : []),
    ],
    "aws:elasticache/replicationGroup:ReplicationGroup": (r, ctx) => {
        const nodes = num(r.inputs.numCacheClusters, 1);
        return [
            ctx.line(
                r,
                `node hours (${r.inputs.nodeType})`,
                `elasticache.nodeHour.${r.inputs.nodeType}`,
                nodes * HOURS_PER_MONTH,
                `${nodes} node${nodes > 1 ? "s" : ""}, ${ALWAYS_ON}`,
            ),
        ];
    },
    "aws:efs/fileSystem:FileSystem": (r, ctx) => {
        const ia = (ctx.cost.efsStorageGb * ctx.cost.efsInfrequentPercent) / 100;
        const basis = `cost.efsStorageGb = ${ctx.cost.efsStorageGb} GB, cost.efsInfrequentPercent = ${ctx.cost.efsInfrequentPercent}`;
        return [
            ctx.line(r, "EFS Standard storage", "efs.standardGbMonth", ctx.cost.efsStorageGb - ia, basis),
            ctx.line(r, "EFS Infrequent Access storage", "efs.iaGbMonth", ia, basis),
            ctx.line(
                r,
                "EFS elastic throughput reads",
                "efs.readGb",
                ctx.cost.efsReadGbPerMonth,
                `cost.efsReadGbPerMonth = ${ctx.cost.efsReadGbPerMonth} GB`,
            ),
            ctx.line(
                r,
                "EFS elastic throughput writes",
                "efs.writeGb",
                ctx.cost.efsWriteGbPerMonth,
                `cost.efsWriteGbPerMonth = ${ctx.cost.efsWriteGbPerMonth} GB`,
            ),
        ];
    },
    "aws:s3/bucket:Bucket": (r, ctx) => {
        const buckets = ctx.all.filter((x) => x.type === r.type).length;
        return [
            ctx.line(
                r,
                "S3 Standard storage",
                "s3.standardGbMonth",
                ctx.cost.s3StorageGb / buckets,
                `cost.s3StorageGb = ${ctx.cost.s3StorageGb} GB over ${buckets} buckets; requests not estimated`,
            ),
        ];
    },
    "aws:ecr/repository:Repository": (r, ctx) => {
        const repos = ctx.all.filter((x) => x.type === r.type).length;
        return [
            ctx.line(
                r,
                "ECR image storage",
                "ecr.gbMonth",
                ctx.cost.ecrStorageGb / repos,
                `cost.ecrStorageGb = ${ctx.cost.ecrStorageGb} GB over ${repos} repositories`,
            ),
        ];
    },
    "aws:backup/plan:Plan": (r, ctx) => {
        const days = Math.max(...arr(r.inputs.rules).map((rule) => num(rule.lifecycle?.deleteAfter, 35)), 0);
        const change = ctx.cost.backupDailyChangePercent / 100;
        const basis = (key: string, gb: number) =>
            `${key} = ${gb} GB: one full copy + ${ctx.cost.backupDailyChangePercent} % a day (cost.backupDailyChangePercent) for ${days} days`;
        return [
            ctx.line(
                r,
                "EFS recovery points (warm)",
                "backup.efsGbMonth",
                ctx.cost.efsStorageGb * (1 + change * days),
                basis("cost.efsStorageGb", ctx.cost.efsStorageGb),
            ),
            ctx.line(
                r,
                "Aurora recovery points",
                "backup.auroraGbMonth",
                ctx.cost.auroraStorageGb * (1 + change * days),
                basis("cost.auroraStorageGb", ctx.cost.auroraStorageGb),
            ),
        ];
    },
    "aws:ecs/cluster:Cluster": (r, ctx) => {
        const insights = arr(r.inputs.settings).some((s) => s.name === "containerInsights" && s.value === "enabled");
        return insights
            ? [
                  ctx.line(
                      r,
                      "Container Insights metrics",
                      "cloudwatch.metricMonth",
                      undefined,
                      "containerInsights enabled; the metric count grows with services and tasks and is not estimated",
                  ),
              ]
            : [];
    },
    "aws:ecs/service:Service": (r, ctx) => {
        const task = taskDefinitionOf(r, ctx.all);
        const arch = String((task?.inputs.runtimePlatform as { cpuArchitecture?: string } | undefined)?.cpuArchitecture ?? "X86_64");
        const vcpu = num(task?.inputs.cpu) / 1024;
        const gb = num(task?.inputs.memory) / 1024;
        const { tasks, basis } = serviceTasks(r, ctx.all);
        const split = tasksByProvider(tasks, arr(r.inputs.capacityProviderStrategies));
        return Object.entries(split)
            .filter(([, n]) => n > 0)
            .flatMap(([provider, n]) => {
                const prefix = provider === "FARGATE_SPOT" ? "fargateSpot" : "fargate";
                const how = `${basis}; ${+n.toFixed(3)} on ${provider} by the capacity-provider strategy; ${vcpu} vCPU / ${gb} GB ${arch}, ${ALWAYS_ON}`;
                return [
                    ctx.line(r, `vCPU hours (${provider}, ${arch})`, `${prefix}.${arch}.vcpuHour`, n * vcpu * HOURS_PER_MONTH, how),
                    ctx.line(r, `memory GB-hours (${provider}, ${arch})`, `${prefix}.${arch}.gbHour`, n * gb * HOURS_PER_MONTH, how),
                ];
            });
    },
    "aws:lb/loadBalancer:LoadBalancer": (r, ctx) => {
        const azs = arr(r.inputs.subnets).length;
        const gbPerHour = ctx.cost.internetGbPerMonth / HOURS_PER_MONTH;
        // An LCU is the largest of its dimensions; for an application load balancer 25 new connections a second or 1 GB an hour of EC2/Fargate targets' bytes.
        const lcus = Math.max(ctx.cost.newConnectionsPerSecond / 25, gbPerHour);
        return [
            ctx.line(r, "load balancer hours", "alb.hour", HOURS_PER_MONTH, ALWAYS_ON),
            ctx.line(
                r,
                "load balancer capacity units",
                "alb.lcuHour",
                lcus * HOURS_PER_MONTH,
                `max(cost.newConnectionsPerSecond ${ctx.cost.newConnectionsPerSecond} / 25, cost.internetGbPerMonth ${ctx.cost.internetGbPerMonth} GB / ${HOURS_PER_MONTH} h) LCUs, ${ALWAYS_ON}`,
            ),
            ctx.line(
                r,
                "load balancer public IPv4 addresses",
                "publicIpv4.hour",
                azs * HOURS_PER_MONTH,
                `one per AZ (${azs}), ${ALWAYS_ON}`,
            ),
            ctx.line(
                r,
                "data transfer out to the internet",
                "dataTransferOut.gb",
                ctx.cost.internetGbPerMonth,
                `cost.internetGbPerMonth = ${ctx.cost.internetGbPerMonth} GB; AWS's free 100 GB not applied`,
            ),
        ];
    },
    "aws:route53/record:Record": (r, ctx) =>
        arr(r.inputs.aliases).length > 0
            ? []
            : [ctx.line(r, "DNS queries", "route53.millionQueries", undefined, "a non-alias record: query volume not estimated")],
    "aws:cloudwatch/metricAlarm:MetricAlarm": (r, ctx) => {
        const metrics = alarmMetricCount(r.inputs);
        const period = num(r.inputs.period, num(arr(r.inputs.metricQueries).find((q) => q.metric)?.metric?.period, 300));
        const key = period < 60 ? "cloudwatch.highResAlarmMetricMonth" : "cloudwatch.alarmMetricMonth";
        return [
            ctx.line(r, "alarm metrics", key, metrics, metrics > 1 ? `metric math over ${metrics} metrics, each billed` : "one metric"),
        ];
    },
    "aws:appautoscaling/policy:Policy": (r, ctx) =>
        r.inputs.policyType === "TargetTrackingScaling"
            ? [
                  ctx.line(
                      r,
                      "alarm metrics (created by target tracking)",
                      "cloudwatch.alarmMetricMonth",
                      2,
                      "target tracking creates a high and a low alarm",
                  ),
              ]
            : [],
    "aws:cloudwatch/dashboard:Dashboard": (r, ctx) => [
        ctx.line(r, "dashboard", "cloudwatch.dashboardMonth", 1, "one dashboard; the account's free three not applied"),
    ],
};

/** The `Tenant` tag the program set on `r`, if any. */
function tenantTag(r: SynthResource): string | undefined {
    const tag = (r.inputs.tags as Record<string, unknown> | undefined)?.Tenant;
    return typeof tag === "string" ? tag : undefined;
}

/** Tenant ids: every `Tenant` tag in the synth. */
export function tenantIds(all: readonly SynthResource[]): string[] {
    return [...new Set(all.map(tenantTag).filter((t): t is string => t !== undefined))].sort();
}

/**
 * The tenant each resource belongs to (URN → tenant id); a shared resource is absent. Read from what
 * the program and the engine record, never from names:
 * 1. the `Tenant` tag the program sets;
 * 2. else the tagged resources nearest along its dependencies (through untagged ones), when they are
 *    all one tenant's: a scaling policy → its scaling target → the tenant's service;
 * 3. else, when every resource that depends on it belongs to one tenant by 1 or 2, that tenant: the
 *    tenant's log group, which only its task definition and execution-role policy use.
 * A resource reaching several tenants (the migration task, the dashboard) or none is shared. With a
 * single tenant, a shared resource that only that tenant's resources use counts as its own; that
 * tenant carries the whole shared cost anyway, so its total does not change.
 */
export function tenantOwners(all: readonly SynthResource[]): Map<string, string> {
    const byUrn = new Map(all.map((r) => [r.urn, r]));
    const nearest = (r: SynthResource): Set<string> => {
        const found = new Set<string>();
        const seen = new Set<string>();
        const queue = [...r.dependencies];
        while (queue.length > 0) {
            const urn = queue.pop()!;
            const dep = byUrn.get(urn);
            if (seen.has(urn) || !dep) continue;
            seen.add(urn);
            const tag = tenantTag(dep);
            if (tag !== undefined) found.add(tag);
            else queue.push(...dep.dependencies);
        }
        return found;
    };
    const single = (tenants: Set<string>) => (tenants.size === 1 ? [...tenants][0] : undefined);
    const direct = new Map<string, string>();
    for (const r of all) {
        const tenant = tenantTag(r) ?? single(nearest(r));
        if (tenant !== undefined) direct.set(r.urn, tenant);
    }
    const owners = new Map(direct);
    for (const r of all) {
        if (owners.has(r.urn)) continue;
        const users = all.filter((u) => u.dependencies.includes(r.urn));
        const tenants = new Set(users.map((u) => direct.get(u.urn) ?? ""));
        const tenant = single(tenants);
        if (tenant) owners.set(r.urn, tenant);
    }
    return owners;
}

/** The tenant `r` belongs to (`tenantOwners`); undefined for a shared resource. */
export function tenantOf(r: SynthResource, all: readonly SynthResource[]): string | undefined {
    return tenantOwners(all).get(r.urn);
}

export interface EstimateOptions {
    /** The stack's region (`aws:region`): the price table it is priced from. */
    readonly region: string;
    readonly cost: Readonly<CostConfig>;
    /** Defaults to `PRICES`. */
    readonly prices?: PriceTable;
}

/** Prices every resource of a synth. Throws `UnpricedTypeError` for a type neither priced nor free. */
export function estimateCost(synth: SynthResult, options: EstimateOptions): CostEstimate {
    const prices = options.prices ?? PRICES;
    const all = synth.resources;
    const tenants = tenantIds(all);
    const owners = tenantOwners(all);
    const unknown = [...new Set(all.filter((r) => !PRICERS[r.type] && resourceFreeReason(r, all) === undefined).map((r) => r.type))];
    if (unknown.length > 0) throw new UnpricedTypeError(unknown);

    const ctx: PricingContext = {
        all,
        cost: options.cost,
        tenantOf: (r) => owners.get(r.urn),
        // A resource with its own `region` input (the DR side, us-east-1's rules and alarms) is billed there.
        line: (r, item, priceKey, quantity, assumption, region = regionOf(r) ?? options.region) => {
            const price = prices[region]?.[priceKey];
            const unitUsd = quantity === undefined ? undefined : (price?.usd ?? undefined);
            const tenant = "urn" in r ? owners.get(r.urn) : undefined;
            return {
                phase: r.phase,
                resource: r.name,
                type: r.type,
                ...(tenant ? { tenant } : {}),
                item,
                priceKey,
                region,
                unit: unitOf(priceKey),
                ...(quantity === undefined ? {} : { quantity }),
                assumption,
                ...(unitUsd === undefined || quantity === undefined ? {} : { unitUsd, usd: quantity * unitUsd }),
            };
        },
    };
    const lines = [...all.flatMap((r) => PRICERS[r.type]?.(r, ctx) ?? []), ...drLines(all, ctx)];

    const sum = (ls: readonly CostLine[]) => ls.reduce((s, l) => s + (l.usd ?? 0), 0);
    const byPhase: Record<string, number> = {};
    for (const l of lines) byPhase[l.phase] = (byPhase[l.phase] ?? 0) + (l.usd ?? 0);
    const shared = sum(lines.filter((l) => !l.tenant));
    const vcpu = new Map(
        tenants.map((t) => [
            t,
            all.filter((r) => r.type === "aws:ecs/service:Service" && owners.get(r.urn) === t).reduce((s, r) => s + serviceVcpu(r, all), 0),
        ]),
    );
    const totalVcpu = [...vcpu.values()].reduce((s, v) => s + v, 0);
    const tenantCosts = tenants.map((t) => {
        const share = totalVcpu > 0 ? vcpu.get(t)! / totalVcpu : 1 / tenants.length;
        const own = sum(lines.filter((l) => l.tenant === t));
        return { tenant: t, vcpu: vcpu.get(t)!, share, own, shared: share * shared, total: own + share * shared };
    });
    const budget = all.find((r) => r.type === "aws:budgets/budget:Budget");
    const freeCounts = new Map<string, { count: number; reason: string }>();
    for (const r of all) {
        if (PRICERS[r.type]) continue;
        const seen = freeCounts.get(r.type);
        freeCounts.set(r.type, { count: (seen?.count ?? 0) + 1, reason: seen?.reason ?? resourceFreeReason(r, all)! });
    }
    return {
        stack: synth.stack,
        region: options.region,
        lines,
        total: sum(lines),
        unpriced: lines.filter((l) => l.usd === undefined).length,
        byPhase,
        tenants: tenantCosts,
        shared,
        ...(budget ? { budgetUsd: num(budget.inputs.limitAmount) } : {}),
        free: [...freeCounts].map(([type, { count, reason }]) => ({ type, count, reason })),
    };
}

/**
 * The DR replica is built outside this program; the replica-lag alarm says it exists
 * (`monitoring.drReplica`). Priced as one instance of the writer's class, and its storage, in `cost.drRegion`.
 */
function drLines(all: readonly SynthResource[], ctx: PricingContext): CostLine[] {
    if (
        !all.some((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && String(r.inputs.name ?? "").endsWith("-aurora-replica-lag"))
    )
        return [];
    const writer = all.find((r) => r.type === "aws:rds/clusterInstance:ClusterInstance");
    const dr = { phase: "database", name: `DR replica in ${ctx.cost.drRegion}`, type: "aws:rds/clusterInstance:ClusterInstance" };
    const basis = `monitoring.drReplica; one instance like the writer in cost.drRegion = ${ctx.cost.drRegion}`;
    return [
        ctx.line(
            dr,
            `instance hours (${writer?.inputs.instanceClass})`,
            `aurora.instanceHour.${writer?.inputs.instanceClass}`,
            HOURS_PER_MONTH,
            `${basis}, ${ALWAYS_ON}`,
            ctx.cost.drRegion,
        ),
        ctx.line(
            dr,
            "Aurora storage",
            "aurora.storageGbMonth",
            ctx.cost.auroraStorageGb,
            `${basis}; cost.auroraStorageGb = ${ctx.cost.auroraStorageGb} GB`,
            ctx.cost.drRegion,
        ),
    ];
}

/** The budget warning, when `monitoring.budgetMonthlyUsd` is below the estimate's priced total; undefined otherwise. */
export function budgetWarning(estimate: CostEstimate): string | undefined {
    if (estimate.budgetUsd === undefined || estimate.budgetUsd >= estimate.total) return undefined;
    return (
        `bbws:monitoring.budgetMonthlyUsd is ${usd(estimate.budgetUsd)} USD, below the estimated ${usd(estimate.total)} USD/month` +
        `${estimate.unpriced > 0 ? ` (and ${estimate.unpriced} lines are unpriced)` : ""}: raise the budget or cut the estimate (npm run cost -- --env ${estimate.stack})`
    );
}

/** USD with two decimals. */
export function usd(amount: number): string {
    return amount.toFixed(2);
}

/** What changed between two estimates of one stack, line by line (phase, resource, item). */
export interface CostDiff {
    readonly before: CostEstimate;
    readonly after: CostEstimate;
    readonly changed: readonly { readonly key: string; readonly before?: CostLine; readonly after?: CostLine; readonly deltaUsd: number }[];
}

/**
 * Lines whose USD/month or quantity differ between `before` and `after`, matched on phase, resource and
 * item; a line on one side only counts as 0 USD on the other, so `deltaUsd` is `after - before` (USD/month).
 */
export function diffEstimates(before: CostEstimate, after: CostEstimate): CostDiff {
    const key = (l: CostLine) => `${l.phase} ${l.resource} ${l.item}`;
    const b = new Map(before.lines.map((l) => [key(l), l]));
    const a = new Map(after.lines.map((l) => [key(l), l]));
    const changed = [...new Set([...b.keys(), ...a.keys()])]
        .map((k) => ({ key: k, before: b.get(k), after: a.get(k) }))
        .filter(({ before: x, after: y }) => x?.usd !== y?.usd || x?.quantity !== y?.quantity)
        .map((c) => ({ ...c, deltaUsd: (c.after?.usd ?? 0) - (c.before?.usd ?? 0) }));
    return { before, after, changed };
}
