/**
 * What the account already spends, outside this stack, of the regional quotas a plan needs: a Region's
 * VPCs, internet gateways, NAT gateways per Availability Zone, Elastic IPs, Application Load
 * Balancers, DB clusters and DB instances count every such resource in the account, the account's
 * default VPC and other stacks' included, not only the stack's; an event bus's rules count every rule
 * on it, other stacks' and AWS services' managed rules included. The preflight (automation/quotas.ts
 * `checkQuotas`) adds this to the plan's need before comparing it with the quota, so a plan that fits
 * the quota but not the room left is refused before anything applies, instead of failing mid-update
 * with `VpcLimitExceeded`, `NatGatewayLimitExceeded`, `AddressLimitExceeded`, `TooManyLoadBalancers`,
 * `DBClusterQuotaExceededFault`, `InstanceQuotaExceeded` or EventBridge's `LimitExceededException`.
 *
 * The stack's own resources are told apart by id: every id in the stack's state (`pulumi stack
 * export`, awsx's children included) is the stack's, already counted in the plan's need.
 */
import type { Address, EC2Client, InternetGateway, NatGateway, Subnet, Vpc } from "@aws-sdk/client-ec2";
import type { ElasticLoadBalancingV2Client, LoadBalancer } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { IAMClient, Role } from "@aws-sdk/client-iam";
import type { DBCluster, DBInstance, RDSClient } from "@aws-sdk/client-rds";
import type { EventBridgeClient, EventBus, Rule } from "@aws-sdk/client-eventbridge";
import { DEFAULT_EVENT_BUS, QuotaKey, REGIONAL_KEYS, RegionalQuotaKey } from "../src/policy/rules/quotas-1-default-service-quotas";
import { allPages } from "./verify/check";

/**
 * The quotas whose use by the rest of the account is read: regional counts of whole resources, each
 * counting every one in the account's Region (Amazon VPC quotas: "VPCs per Region", "Internet gateways
 * per Region", "NAT gateways per Availability Zone", "Elastic IP addresses per Region"; ELB user guide,
 * "Quotas for your Application Load Balancers"; Aurora user guide, "Quotas in Amazon Aurora": "DB
 * clusters", "DB instances", "in this account in the current Region"; EventBridge user guide, "Amazon
 * EventBridge quotas": "Number of rules", "Maximum number of rules an account can have per event
 * bus"): the quota rule's regional keys.
 */
export type AccountQuotaKey = RegionalQuotaKey;

/** The keys of `AccountQuotaKey`, for telling them apart at run time. */
export const ACCOUNT_QUOTA_KEYS: ReadonlySet<QuotaKey> = new Set<AccountQuotaKey>(REGIONAL_KEYS);

/** What `readAccountResources` calls, all read-only: the operator's role needs each (README "The Service Quotas preflight"). */
export const ACCOUNT_RESOURCES_PERMISSIONS = [
    "ec2:DescribeVpcs",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeNatGateways",
    "ec2:DescribeSubnets",
    "ec2:DescribeAddresses",
    "elasticloadbalancing:DescribeLoadBalancers",
    "rds:DescribeDBClusters",
    "rds:DescribeDBInstances",
    "events:ListEventBuses",
    "events:ListRules",
] as const;

/**
 * One resource in the Region that spends a quota: its id (the state's id for it), for NAT gateways its
 * zone, for EventBridge rules their bus.
 */
export interface AccountResource {
    readonly id: string;
    readonly zone?: string;
    readonly bus?: string;
}

/** Everything in one Region that spends each quota, the stack's own included. */
export type AccountResources = Readonly<Record<AccountQuotaKey, readonly AccountResource[]>>;

/** What the rest of the account uses of one quota: the count and the first few ids, to name in a refusal. */
export interface UsageOutsideStack {
    readonly count: number;
    readonly ids: readonly string[];
}

/**
 * Reads the Region's resources that spend the quotas, of the account `accountId` (the caller's, from
 * STS), tests and `--rehearse` passing a double.
 */
export type AccountResourcesReader = (region: string, accountId: string) => Promise<AccountResources>;

/** NAT gateway states that spend the quota (amazon-vpc-limits.html; DescribeNatGateways calls `active` `available`). */
export const NAT_GATEWAY_STATES_COUNTED = ["pending", "available", "deleting"] as const;

const SHOWN_IDS = 3;

/** A usage of `resources`: their count and the first few ids. */
function usage(resources: readonly AccountResource[]): UsageOutsideStack {
    return { count: resources.length, ids: resources.slice(0, SHOWN_IDS).map((r) => r.id) };
}

/**
 * The account's IAM role names (`iam:ListRoles`, every page), the stack's own included: IAM is global,
 * and "Roles per account" counts every role, service-linked ones too (IAM user guide, "IAM and AWS STS
 * quotas"; tests and `--rehearse` pass a double).
 */
export type AccountRolesReader = () => Promise<string[]>;

/** The roles outside the stack (a role's id in the state is its name), as a usage of "Roles per account". */
export function rolesOutsideStack(names: readonly string[], own: ReadonlySet<string>): UsageOutsideStack {
    return usage(names.filter((n) => !own.has(n)).map((id) => ({ id })));
}

/** Every role name of the account through IAM's `ListRoles` (`Marker` while `IsTruncated`). */
export async function readRoleNames(iam: Pick<IAMClient, "send">): Promise<string[]> {
    const { ListRolesCommand } = await import("@aws-sdk/client-iam");
    const roles = await allPages<Role>(async (Marker) => {
        const out = await (iam.send.bind(iam) as Send)(new ListRolesCommand({ Marker }));
        return { items: out.Roles, next: out.IsTruncated ? out.Marker : undefined };
    });
    return roles.map((r) => r.RoleName ?? "");
}

/** The account's role names through the AWS SDK (IAM answers in any region; us-east-1, as Service Quotas keeps IAM's). */
export const accountRolesClient: AccountRolesReader = async () =>
    readRoleNames(new (await import("@aws-sdk/client-iam")).IAMClient({ region: "us-east-1" }));

/**
 * The ids of the stack's resources in `pulumi stack export`'s JSON (deployment version 3), which the
 * plan's need already counts. Throws on text that is not such a document (the preflight stops).
 */
export function stackResourceIds(exported: string): Set<string> {
    const resources: Array<{ id?: string }> = JSON.parse(exported)?.deployment?.resources ?? [];
    return new Set(resources.map((r) => r.id).filter((id): id is string => typeof id === "string" && id !== ""));
}

/**
 * What resources outside the stack (ids not in `own`) spend of each quota. For NAT gateways, the
 * busiest zone's count, and for EventBridge rules the busiest bus's: the plan's need is its own busiest
 * zone or bus, so the sum is an upper bound (the two may be different zones or buses), never less than
 * a zone or bus really holds.
 */
export function usageOutsideStack(account: AccountResources, own: ReadonlySet<string>): Record<AccountQuotaKey, UsageOutsideStack> {
    const outside = (key: AccountQuotaKey) => account[key].filter((r) => !own.has(r.id));
    const busiest = (resources: readonly AccountResource[], by: (r: AccountResource) => string): UsageOutsideStack => {
        const groups = new Map<string, AccountResource[]>();
        for (const r of resources) groups.set(by(r), [...(groups.get(by(r)) ?? []), r]);
        return usage([...groups.values()].reduce((a, b) => (b.length > a.length ? b : a), []));
    };
    const of = (key: AccountQuotaKey): UsageOutsideStack =>
        key === "natGatewaysPerAz"
            ? busiest(outside(key), (r) => r.zone ?? "")
            : key === "eventRulesPerBus"
              ? busiest(outside(key), (r) => r.bus ?? "")
              : usage(outside(key));
    return Object.fromEntries(REGIONAL_KEYS.map((key) => [key, of(key)])) as Record<AccountQuotaKey, UsageOutsideStack>;
}

/**
 * The id a stack's state holds for a rule: its name on the default bus, `<bus>/<name>` on another
 * (terraform-provider-aws, aws_cloudwatch_event_rule, "id": "the name of the rule", prefixed with the
 * bus's name when not the default one).
 */
export function eventRuleStateId(bus: string, name: string): string {
    return bus === DEFAULT_EVENT_BUS ? name : `${bus}/${name}`;
}

/**
 * Every rule on every event bus of the Region (`ListEventBuses`, then `ListRules` per bus, each every
 * page by `NextToken`), as ids of the state (`eventRuleStateId`) with their bus. AWS services' managed
 * rules (`ManagedBy`) are listed and counted too: they sit on the bus.
 */
export async function readEventRules(events: Pick<EventBridgeClient, "send">): Promise<AccountResource[]> {
    const { ListEventBusesCommand, ListRulesCommand } = await import("@aws-sdk/client-eventbridge");
    const send = events.send.bind(events) as Send;
    const buses = await allPages<EventBus>(async (NextToken) => {
        const out = await send(new ListEventBusesCommand({ NextToken }));
        return { items: out.EventBuses, next: out.NextToken };
    });
    const rules: AccountResource[] = [];
    for (const bus of buses.map((b) => b.Name ?? DEFAULT_EVENT_BUS)) {
        const onBus = await allPages<Rule>(async (NextToken) => {
            const out = await send(new ListRulesCommand({ EventBusName: bus, NextToken }));
            return { items: out.Rules, next: out.NextToken };
        });
        rules.push(...onBus.map((r) => ({ id: eventRuleStateId(bus, r.Name ?? ""), bus })));
    }
    return rules;
}

type Send = (command: any) => Promise<any>;

/**
 * The Region's resources of `accountId` through EC2, ELB and RDS's Describe calls and EventBridge's
 * List calls (`ACCOUNT_RESOURCES_PERMISSIONS`). A NAT gateway's zone is its subnet's (`NatGateway` has a
 * `SubnetId`, not a zone: EC2 API reference, NatGateway).
 */
export async function readAccountResources(
    ec2: Pick<EC2Client, "send">,
    elb: Pick<ElasticLoadBalancingV2Client, "send">,
    rds: Pick<RDSClient, "send">,
    events: Pick<EventBridgeClient, "send">,
    accountId: string,
): Promise<AccountResources> {
    // VPCs shared into the account (AWS RAM) are listed too but spend their owner's quota, not this account's.
    const owned = [{ Name: "owner-id", Values: [accountId] }];
    const sdk = await import("@aws-sdk/client-ec2");
    const { DescribeLoadBalancersCommand } = await import("@aws-sdk/client-elastic-load-balancing-v2");
    const { DescribeDBClustersCommand, DescribeDBInstancesCommand } = await import("@aws-sdk/client-rds");
    const send = ec2.send.bind(ec2) as Send;
    const vpcs = await allPages<Vpc>(async (NextToken) => {
        const out = await send(new sdk.DescribeVpcsCommand({ NextToken, Filters: owned }));
        return { items: out.Vpcs, next: out.NextToken };
    });
    const gateways = await allPages<InternetGateway>(async (NextToken) => {
        const out = await send(new sdk.DescribeInternetGatewaysCommand({ NextToken, Filters: owned }));
        return { items: out.InternetGateways, next: out.NextToken };
    });
    const nats = await allPages<NatGateway>(async (NextToken) => {
        const out = await send(
            new sdk.DescribeNatGatewaysCommand({ NextToken, Filter: [{ Name: "state", Values: [...NAT_GATEWAY_STATES_COUNTED] }] }),
        );
        return { items: out.NatGateways, next: out.NextToken };
    });
    const subnetIds = [...new Set(nats.map((n) => n.SubnetId).filter((id): id is string => id !== undefined))];
    const zoneOf = new Map<string, string>();
    if (subnetIds.length > 0) {
        const subnets = await allPages<Subnet>(async (NextToken) => {
            const out = await send(new sdk.DescribeSubnetsCommand({ NextToken, SubnetIds: subnetIds }));
            return { items: out.Subnets, next: out.NextToken };
        });
        for (const subnet of subnets) zoneOf.set(subnet.SubnetId ?? "", subnet.AvailabilityZone ?? "");
    }
    const addresses: Address[] =
        (await send(new sdk.DescribeAddressesCommand({ Filters: [{ Name: "domain", Values: ["vpc"] }] }))).Addresses ?? [];
    const loadBalancers = await allPages<LoadBalancer>(async (Marker) => {
        const out = await (elb.send.bind(elb) as Send)(new DescribeLoadBalancersCommand({ Marker }));
        return { items: out.LoadBalancers, next: out.NextMarker };
    });
    // Every cluster and instance listed, whatever its state or engine: a stopped one still holds its place,
    // and Neptune's and DocumentDB's are listed too (they spend "DB instances"), so the count is never less
    // than the quota's. Clusters shared from another account are not listed (`IncludeShared` unset).
    const rdsSend = rds.send.bind(rds) as Send;
    const clusters = await allPages<DBCluster>(async (Marker) => {
        const out = await rdsSend(new DescribeDBClustersCommand({ Marker }));
        return { items: out.DBClusters, next: out.Marker };
    });
    const instances = await allPages<DBInstance>(async (Marker) => {
        const out = await rdsSend(new DescribeDBInstancesCommand({ Marker }));
        return { items: out.DBInstances, next: out.Marker };
    });
    return {
        vpcsPerRegion: vpcs.map((v) => ({ id: v.VpcId ?? "" })),
        internetGatewaysPerRegion: gateways.map((g) => ({ id: g.InternetGatewayId ?? "" })),
        natGatewaysPerAz: nats.map((n) => ({ id: n.NatGatewayId ?? "", zone: zoneOf.get(n.SubnetId ?? "") })),
        elasticIpsPerRegion: addresses.map((a) => ({ id: a.AllocationId ?? "" })),
        loadBalancersPerRegion: loadBalancers.filter((lb) => lb.Type === "application").map((lb) => ({ id: lb.LoadBalancerArn ?? "" })),
        // The state's id of a cluster or instance is its identifier (the provider's import id).
        dbClustersPerRegion: clusters.map((c) => ({ id: c.DBClusterIdentifier ?? "" })),
        dbInstancesPerRegion: instances.map((i) => ({ id: i.DBInstanceIdentifier ?? "" })),
        eventRulesPerBus: await readEventRules(events),
    };
}

/** The Region's resources through the AWS SDK, one EC2, one ELB, one RDS and one EventBridge client per call. */
export const accountResourcesClients: AccountResourcesReader = async (region, accountId) => {
    const [{ EC2Client }, { ElasticLoadBalancingV2Client }, { RDSClient }, { EventBridgeClient }] = await Promise.all([
        import("@aws-sdk/client-ec2"),
        import("@aws-sdk/client-elastic-load-balancing-v2"),
        import("@aws-sdk/client-rds"),
        import("@aws-sdk/client-eventbridge"),
    ]);
    return readAccountResources(
        new EC2Client({ region }),
        new ElasticLoadBalancingV2Client({ region }),
        new RDSClient({ region }),
        new EventBridgeClient({ region }),
        accountId,
    );
};

/**
 * Per quota, the provider's type tokens of the resources that spend it, as a stack's state holds them,
 * and how a rehearsal's resource outside the stack is named (`<prefix>-other0001`).
 */
const SPENDERS: Readonly<Record<AccountQuotaKey, { readonly types: readonly string[]; readonly prefix: string }>> = {
    vpcsPerRegion: { types: ["aws:ec2/vpc:Vpc"], prefix: "vpc" },
    internetGatewaysPerRegion: { types: ["aws:ec2/internetGateway:InternetGateway"], prefix: "igw" },
    natGatewaysPerAz: { types: ["aws:ec2/natGateway:NatGateway"], prefix: "nat" },
    elasticIpsPerRegion: { types: ["aws:ec2/eip:Eip"], prefix: "eipalloc" },
    loadBalancersPerRegion: {
        types: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
        prefix: "arn:aws:elasticloadbalancing:lb",
    },
    dbClustersPerRegion: { types: ["aws:rds/cluster:Cluster"], prefix: "db-cluster" },
    dbInstancesPerRegion: { types: ["aws:rds/clusterInstance:ClusterInstance", "aws:rds/instance:Instance"], prefix: "db-instance" },
    eventRulesPerBus: { types: ["aws:cloudwatch/eventRule:EventRule"], prefix: "rule" },
};

/**
 * What a new account holds in each Region: its default VPC and that VPC's internet gateway (EC2 user
 * guide, "Default VPCs": one in each Region, with an internet gateway attached); no database and no
 * EventBridge rule.
 */
const NEW_ACCOUNT: Readonly<Partial<Record<AccountQuotaKey, readonly AccountResource[]>>> = {
    vpcsPerRegion: [{ id: "vpc-default" }],
    internetGatewaysPerRegion: [{ id: "igw-default" }],
};

/**
 * The Region as a rehearsal answers it: a new account's default VPC and its internet gateway
 * (`NEW_ACCOUNT`), `others` more resources outside the stack per quota (a scenario's, DB clusters and
 * instances included), and the stack's own resources of `state` (the rehearsal engine's `pulumi stack
 * export`), which the preflight then tells apart by id.
 */
export function accountResourcesDouble(
    others: Readonly<Partial<Record<AccountQuotaKey, number>>>,
    state: readonly { readonly type: string; readonly id?: string }[],
): AccountResourcesReader {
    // The scenario's others in one zone, on the default bus: where they press hardest on the stack's own.
    const made = (key: AccountQuotaKey): AccountResource[] =>
        Array.from({ length: others[key] ?? 0 }, (_, i) => ({
            id: `${SPENDERS[key].prefix}-other${String(i + 1).padStart(4, "0")}`,
            zone: "zone-a",
            ...(key === "eventRulesPerBus" ? { bus: DEFAULT_EVENT_BUS } : {}),
        }));
    const own = (key: AccountQuotaKey) => state.filter((r) => SPENDERS[key].types.includes(r.type) && r.id).map((r) => ({ id: r.id! }));
    return async () =>
        Object.fromEntries(
            REGIONAL_KEYS.map((key): [AccountQuotaKey, AccountResource[]] => [
                key,
                [...(NEW_ACCOUNT[key] ?? []), ...made(key), ...own(key)],
            ]),
        ) as Record<AccountQuotaKey, AccountResource[]>;
}

/** The account's roles as a rehearsal answers them: `others` roles outside the stack, then the stack's own of `state`. */
export function accountRolesDouble(others: number, state: readonly { readonly type: string; readonly id?: string }[]): AccountRolesReader {
    return async () => [
        ...Array.from({ length: others }, (_, i) => `other-role-${String(i + 1).padStart(4, "0")}`),
        ...state.filter((r) => r.type === "aws:iam/role:Role" && r.id).map((r) => r.id!),
    ];
}
