/**
 * What the stack needs of AWS's default quotas that grow with tenants, counted by resource type and
 * the resources each input came from (never by names, which the program's per-tenant structure may
 * change). Each limit names its source; all are defaults that a Service Quotas request can raise,
 * except target groups per load balancer (listed, not adjustable) and those automation/quotas.ts lists without a
 * code (widgets per dashboard, a role's inline policy size, users per ElastiCache user group).
 */
import { awsxMostRoutesInATable, awsxVpcSpend, LOCAL_ROUTES_PER_TABLE, routeTablesRoutedBy } from "../awsx-vpc";
import { isUnknownValue, parseJson, ResourceView, Rule, RuleContext } from "../rule";

/** The default quotas this rule counts against, each with the AWS page that states it. */
export const DEFAULT_QUOTAS = {
    /**
     * Inbound, and separately outbound, rules per security group, each IP version apart (VPC user guide,
     * "Amazon VPC quotas", Security groups: "Inbound or outbound rules per security group", 60).
     */
    rulesPerSecurityGroup: 60,
    /** Widgets per dashboard (CloudWatch user guide, "CloudWatch service quotas", Dashboards: 500 widgets per dashboard). */
    widgetsPerDashboard: 500,
    /** Rules per Application Load Balancer, not counting default rules (ELB user guide, "Quotas for your Application Load Balancers", Rules: 100). */
    rulesPerLoadBalancer: 100,
    /** Target groups per Application Load Balancer (same page, Load balancers: 100, not adjustable). */
    targetGroupsPerLoadBalancer: 100,
    /** Certificates per Application Load Balancer, not counting default certificates (same page, Load balancers: 25). */
    certificatesPerLoadBalancer: 25,
    /**
     * Aggregate size of a role's inline policies, whitespace not counted (IAM user guide, "IAM and AWS STS
     * quotas", IAM object quotas: "Role policy size cannot exceed 10,240 characters").
     */
    inlinePolicyCharactersPerRole: 10_240,
    /**
     * Roles in an AWS account (same page, IAM object quotas: 1,000). The stack's own roles, the rotation functions' roles
     * AWS's template creates included; other stacks in the account count too.
     */
    rolesPerAccount: 1_000,
    /**
     * VPCs per Region (VPC quota page, docs.aws.amazon.com/general/latest/gr/vpc-service.html, "VPCs per
     * Region": 5; Service Quotas `vpc` `L-F678F1CE`). A premium tenant's own VPC spends one; the
     * account's default VPC counts too, which this stack-only count does not see.
     */
    vpcsPerRegion: 5,
    /** Internet gateways per Region (same page: 5, `vpc` `L-A4707A72`): one per awsx VPC, public subnets or not. */
    internetGatewaysPerRegion: 5,
    /**
     * NAT gateways per Availability Zone (same page: 5, `vpc` `L-FE5A380F`): awsx places one per zone
     * (`OnePerAz`) or one in the first zone (`Single`), so every VPC of the stack adds to the same zones.
     */
    natGatewaysPerAz: 5,
    /**
     * Elastic IP addresses per Region (EC2 quota page, docs.aws.amazon.com/general/latest/gr/ec2-service.html,
     * "EC2-VPC Elastic IPs": 5; `ec2` `L-0263D0A3`): awsx allocates one per NAT gateway.
     */
    elasticIpsPerRegion: 5,
    /**
     * Active VPC peering connections per VPC (VPC quota page: 50, up to 125; `vpc` `L-7E9ECCDB`): it counts
     * on both VPCs of a connection, so the platform VPC spends one per premium tenant.
     */
    peeringConnectionsPerVpc: 50,
    /**
     * Application Load Balancers per Region (ELB quota page, docs.aws.amazon.com/general/latest/gr/elb.html,
     * and ELB user guide, "Quotas for your Application Load Balancers": 50; `elasticloadbalancing`
     * `L-53DA6B97`): a premium tenant has its own.
     */
    loadBalancersPerRegion: 50,
    /**
     * Routes per route table (VPC quota page, docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html,
     * "Routes per route table (non-propagated routes)": 50, up to 1,000; `vpc` `L-93826ACB`). A premium
     * tenant adds one to each platform isolated route table; the table also holds its local route, awsx's
     * default route (src/policy/awsx-vpc.ts) and a prefix-list route per gateway endpoint on it.
     */
    routesPerRouteTable: 50,
    /**
     * Aurora DB clusters per Region (Aurora user guide, "Quotas and constraints for Amazon Aurora", Quotas in
     * Amazon Aurora: "DB clusters", each supported Region 40; Service Quotas `rds` `L-952B80B8`). An
     * enterprise tenant has its own cluster; prod's DR standby cluster counts in its own region.
     */
    dbClustersPerRegion: 40,
    /**
     * DB instances per Region (same page, "DB instances": 40, 20 in ap-south-1; `rds` `L-7B6409FD`; RDS user
     * guide, "Quotas in Amazon RDS": 40). RDS, Aurora, Neptune and DocumentDB instances all spend it; an
     * enterprise tenant's cluster spends `bbws:database.instances` of them.
     */
    dbInstancesPerRegion: 40,
    /**
     * EventBridge rules per event bus (EventBridge user guide, "Amazon EventBridge quotas",
     * docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html: "Number of rules", "af-south-1: 100,
     * eu-south-1: 100, Each of the other supported Regions: 300", adjustable, "Maximum number of rules an
     * account can have per event bus"; Service Quotas `events` `L-244521F2`). Counted per (region, bus):
     * a rule's region is its `region` input or the stack's, its bus the `eventBusName` it names or the
     * Region's `default` bus. The two Regions of 100 are in `EVENT_RULES_PER_BUS_BY_REGION`; a rule with no
     * `region` input is judged by the stack's own region (`RuleContext.region`: the synth's `aws:region`, the
     * preview's default aws provider), else against 300. Each enterprise tenant adds 3.
     */
    eventRulesPerBus: 300,
    /**
     * Users per ElastiCache user group (ElastiCache for Redis user guide, "Quotas for ElastiCache":
     * "Users per user group", 100; awsdocs/amazon-elasticache-docs doc_source/redis/quota-limits.md).
     * ModifyUserGroup refuses a user beyond it (`UserGroupQuotaExceededFault`, "The number of users exceeds
     * the user group limit": ElastiCache API reference). Not among the `elasticache` quotas of the published listing
     * of adjustable Service Quotas (gruntwork-io/terraform-aws-utilities docs/quotas.md, a snapshot); the guide sends
     * quotas Service Quotas does not hold to the service limit increase form. Not verified: whether an account's
     * Service Quotas lists it today (the preflight does not look it up by name). Every tenant's cache user joins its
     * environment's one group (components/tenant-database.ts), beside `default` and the platform task's user.
     */
    usersPerUserGroup: 100,
} as const;

/**
 * The Regions whose default differs from `DEFAULT_QUOTAS`' (same page): "Number of rules" is 100 in
 * af-south-1 and eu-south-1.
 */
export const EVENT_RULES_PER_BUS_BY_REGION: Readonly<Record<string, number>> = { "af-south-1": 100, "eu-south-1": 100 };

/** AWS's default of `key` in `region` (`""`, the stack's own, unknown here: `DEFAULT_QUOTAS`' value). */
export function defaultQuota(key: QuotaKey, region: string): number {
    return (key === "eventRulesPerBus" ? EVENT_RULES_PER_BUS_BY_REGION[region] : undefined) ?? DEFAULT_QUOTAS[key];
}

const T = {
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    legacyRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    dashboard: "aws:cloudwatch/dashboard:Dashboard",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    /**
     * A Serverless Application Repository stack: the program deploys only AWS's rotation application
     * (components/secret-rotation.ts), whose template creates the function's execution role, one IAM role
     * the program itself never declares (the environment's function and each enterprise tenant's).
     */
    serverlessStack: "aws:serverlessrepository/cloudFormationStack:CloudFormationStack",
    vpc: "aws:ec2/vpc:Vpc",
    awsxVpc: "awsx:ec2:Vpc",
    internetGateway: "aws:ec2/internetGateway:InternetGateway",
    natGateway: "aws:ec2/natGateway:NatGateway",
    eip: "aws:ec2/eip:Eip",
    peering: "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
    route: "aws:ec2/route:Route",
    vpcEndpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    dbCluster: "aws:rds/cluster:Cluster",
    eventRule: "aws:cloudwatch/eventRule:EventRule",
    eventBus: "aws:cloudwatch/eventBus:EventBus",
    userGroup: "aws:elasticache/userGroup:UserGroup",
    userGroupAssociation: "aws:elasticache/userGroupAssociation:UserGroupAssociation",
} as const;
/** The DB instances the stack can declare: an Aurora cluster's and a standalone one (the same quota). */
const DB_INSTANCES = ["aws:rds/clusterInstance:ClusterInstance", "aws:rds/instance:Instance"];
/** The provider's two names for each load balancer type. */
const LB = {
    loadBalancer: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
    listener: ["aws:lb/listener:Listener", "aws:alb/listener:Listener"],
    listenerRule: ["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"],
    listenerCertificate: ["aws:lb/listenerCertificate:ListenerCertificate", "aws:alb/listenerCertificate:ListenerCertificate"],
    targetGroup: ["aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"],
};

/** Per resource URN, the counts that belong to it; built once per stack, since every judged resource asks. */
interface Counts {
    readonly sgRules: Map<string, Map<string, number>>;
    readonly lbRules: Map<string, number>;
    readonly lbTargetGroups: Map<string, Set<string>>;
    readonly lbCertificates: Map<string, number>;
    readonly rolePolicyCharacters: Map<string, number>;
    readonly roles: readonly string[];
    /** Per region (`""` for the stack's own), what the regional quotas count. */
    readonly regions: Map<string, RegionCounts>;
    /** Per VPC (its URN, or the id given when no resource of the stack made it), its peering connections. */
    readonly peerings: Map<string, number>;
    /** Per route table id the stack routes into, what it holds. */
    readonly routeTables: Map<string, RouteTableCount>;
    /** Per awsx VPC the view shows as one resource, the most routes any of its own tables holds (local and awsx's). */
    readonly awsxTables: Map<string, number>;
    /** Per ElastiCache user group (its URN), its members: the ids its `userIds` gives, and each association's user. */
    readonly userGroupUsers: Map<string, Set<string>>;
}

/** One route table as the stack fills it. */
interface RouteTableCount {
    /** Its routes: local, awsx's, gateway endpoints' and the stack's own. */
    routes: number;
    /** URN of the first route or endpoint that puts a route in it: where a violation is reported. */
    readonly first: string;
}

/** What one region of the stack spends of the regional quotas. */
interface RegionCounts {
    /** VPCs, in stack order: the first one is where a regional violation is reported. */
    readonly vpcs: string[];
    internetGateways: number;
    /** NAT gateways per zone index: awsx takes the region's first zones in order, so index i is one zone for every VPC. */
    readonly natGatewaysPerAz: number[];
    /** NAT gateways whose zone the synth does not show (a bare `aws.ec2.NatGateway`), counted in every zone. */
    natGatewaysAnyAz: number;
    elasticIps: number;
    readonly loadBalancers: string[];
    readonly dbClusters: string[];
    readonly dbInstances: string[];
    /**
     * Per event bus (the URN of the `EventBus` its rules' `eventBusName` came from, else the name or ARN
     * given, else `default`), its EventBridge rules' URNs in stack order.
     */
    readonly eventRules: Map<string, string[]>;
}

const countsByContext = new WeakMap<RuleContext, Counts>();

/** The bus a rule is on when its `eventBusName` is absent (EventBridge API reference, PutRule: "If you omit this, the default event bus is used"). */
export const DEFAULT_EVENT_BUS = "default";

function add<K>(map: Map<K, number>, key: K, n = 1): void {
    map.set(key, (map.get(key) ?? 0) + n);
}

/** A policy document's size as IAM counts it: its JSON without whitespace outside strings. */
export function policyCharacters(policy: unknown): number {
    const parsed = parseJson(policy);
    return parsed === undefined ? String(policy ?? "").length : JSON.stringify(parsed).length;
}

function countsOf(context: RuleContext): Counts {
    const known = countsByContext.get(context);
    if (known) return known;
    const byUrn = new Map(context.resources.map((r) => [r.urn, r]));
    const source = (r: ResourceView, key: string, types: readonly string[]) =>
        (r.dependencies[key] ?? []).filter((urn) => types.includes(byUrn.get(urn)?.type ?? ""));
    const sgRules = new Map<string, Map<string, number>>();
    const countRule = (sg: string, direction: "inbound" | "outbound", ipv6: boolean) => {
        if (!sgRules.has(sg)) sgRules.set(sg, new Map());
        add(sgRules.get(sg)!, `${direction} ${ipv6 ? "IPv6" : "IPv4"}`);
    };
    const listenerLb = new Map<string, string>();
    for (const r of context.resources) {
        if (LB.listener.includes(r.type)) for (const lb of source(r, "loadBalancerArn", LB.loadBalancer)) listenerLb.set(r.urn, lb);
    }
    const counts: Counts = {
        sgRules,
        lbRules: new Map(),
        lbTargetGroups: new Map(),
        lbCertificates: new Map(),
        rolePolicyCharacters: new Map(),
        // The program's roles first (the violation is reported on the first), then one per rotation stack's role.
        roles: [T.role, T.serverlessStack].flatMap((type) => context.resources.filter((r) => r.type === type).map((r) => r.urn)),
        regions: new Map(),
        peerings: new Map(),
        routeTables: new Map(),
        awsxTables: new Map(),
        userGroupUsers: new Map(),
    };
    const region = (r: ResourceView): RegionCounts => {
        // A region input naming the stack's own region is the stack's region ("").
        const key = typeof r.inputs.region === "string" && r.inputs.region !== context.region ? r.inputs.region : "";
        const known = counts.regions.get(key);
        if (known) return known;
        const fresh: RegionCounts = {
            vpcs: [],
            internetGateways: 0,
            natGatewaysPerAz: [],
            natGatewaysAnyAz: 0,
            elasticIps: 0,
            loadBalancers: [],
            dbClusters: [],
            dbInstances: [],
            eventRules: new Map(),
        };
        counts.regions.set(key, fresh);
        return fresh;
    };
    // The sides of a peering connection: the resource its id came from, else the id itself.
    const vpcOf = (r: ResourceView, key: string) =>
        r.dependencies[key]?.[0] ?? (typeof r.inputs[key] === "string" ? r.inputs[key] : undefined);
    // An awsx VPC a real engine shows with its children: their routes are counted as any other route.
    const parents = new Set(context.resources.map((r) => r.parent));
    const shownAsOne = (urn: string) => byUrn.get(urn)?.type === T.awsxVpc && !parents.has(urn);
    // A table is known by its id; the resource that id came from tells whether it is an awsx VPC's
    // table that the view cannot show, holding awsx's route for a subnet type the id does not tell:
    // the VPC's busiest table's is assumed.
    const addRoutes = (r: ResourceView, tableIds: readonly string[]) => {
        const key = r.type === T.route ? "routeTableId" : "routeTableIds";
        for (const id of tableIds) {
            const known = counts.routeTables.get(id);
            if (known) {
                known.routes++;
                continue;
            }
            const owner = r.dependencies[key]?.[0];
            const awsx = owner !== undefined && shownAsOne(owner) ? awsxMostRoutesInATable(byUrn.get(owner)!.inputs) : 0;
            counts.routeTables.set(id, { routes: LOCAL_ROUTES_PER_TABLE + awsx + 1, first: r.urn });
        }
    };
    // A rule's bus: the EventBus resource its name came from, else the name (or an ARN's name) it gives, else the default bus.
    const busOf = (r: ResourceView): string => {
        const from = source(r, "eventBusName", [T.eventBus])[0];
        if (from) return from;
        const given = r.inputs.eventBusName;
        return typeof given === "string" && given !== ""
            ? given.replace(/^arn:[^:]+:events:[^:]*:[^:]*:event-bus\//, "")
            : DEFAULT_EVENT_BUS;
    };
    // A member is its user id where the synth knows it, else the association itself, so one user named twice counts once.
    const membersOf = (group: string) => counts.userGroupUsers.get(group) ?? counts.userGroupUsers.set(group, new Set()).get(group)!;
    const targetGroupsOf = (lb: string) => counts.lbTargetGroups.get(lb) ?? counts.lbTargetGroups.set(lb, new Set()).get(lb)!;
    const countOne = (r: ResourceView): void => {
        const i = r.inputs;
        if (r.type === T.ingress || r.type === T.egress) {
            for (const sg of source(r, "securityGroupId", [T.securityGroup])) {
                countRule(sg, r.type === T.ingress ? "inbound" : "outbound", i.cidrIpv6 !== undefined);
            }
        } else if (r.type === T.legacyRule) {
            for (const sg of source(r, "securityGroupId", [T.securityGroup])) {
                const direction = i.type === "ingress" ? "inbound" : "outbound";
                for (let n = 0; n < Math.max(1, (i.cidrBlocks ?? []).length); n++) countRule(sg, direction, false);
                for (let n = 0; n < (i.ipv6CidrBlocks ?? []).length; n++) countRule(sg, direction, true);
            }
        } else if (r.type === T.securityGroup) {
            for (const [key, direction] of [
                ["ingress", "inbound"],
                ["egress", "outbound"],
            ] as const) {
                for (const rule of i[key] ?? []) {
                    const v4 = (rule.cidrBlocks ?? []).length + (rule.securityGroups ?? []).length + (rule.self ? 1 : 0);
                    for (let n = 0; n < Math.max(v4, (rule.ipv6CidrBlocks ?? []).length ? 0 : 1); n++) countRule(r.urn, direction, false);
                    for (let n = 0; n < (rule.ipv6CidrBlocks ?? []).length; n++) countRule(r.urn, direction, true);
                }
            }
        } else if (LB.listenerRule.includes(r.type)) {
            for (const listener of source(r, "listenerArn", LB.listener)) {
                const lb = listenerLb.get(listener);
                if (!lb) continue;
                add(counts.lbRules, lb);
                source(r, "actions", LB.targetGroup).forEach((tg) => targetGroupsOf(lb).add(tg));
            }
        } else if (LB.listener.includes(r.type)) {
            const lb = listenerLb.get(r.urn);
            if (lb) source(r, "defaultActions", LB.targetGroup).forEach((tg) => targetGroupsOf(lb).add(tg));
        } else if (LB.listenerCertificate.includes(r.type)) {
            for (const listener of source(r, "listenerArn", LB.listener)) {
                const lb = listenerLb.get(listener);
                if (lb) add(counts.lbCertificates, lb);
            }
        } else if (r.type === T.rolePolicy) {
            for (const role of source(r, "role", [T.role])) add(counts.rolePolicyCharacters, role, policyCharacters(i.policy));
        } else if (r.type === T.userGroup) {
            const members = membersOf(r.urn);
            (i.userIds ?? []).forEach((id: unknown, n: number) => members.add(typeof id === "string" ? id : `${r.urn}#${n}`));
        } else if (r.type === T.userGroupAssociation) {
            for (const group of source(r, "userGroupId", [T.userGroup]))
                membersOf(group).add(typeof i.userId === "string" ? i.userId : r.urn);
        }
        if (r.type === T.role) {
            for (const p of i.inlinePolicies ?? []) add(counts.rolePolicyCharacters, r.urn, policyCharacters(p.policy));
        }
        addRoutes(r, routeTablesRoutedBy(r.type, i));
        // An awsx VPC's own children, where a real engine shows them, are already in its count.
        const insideAwsxVpc = r.parent !== undefined && byUrn.get(r.parent)?.type === T.awsxVpc;
        if (r.type === T.awsxVpc) {
            if (shownAsOne(r.urn)) counts.awsxTables.set(r.urn, LOCAL_ROUTES_PER_TABLE + awsxMostRoutesInATable(i));
            const spend = awsxVpcSpend(i);
            const here = region(r);
            here.vpcs.push(r.urn);
            here.internetGateways += spend.internetGateways;
            for (const az of spend.natGatewayZones) here.natGatewaysPerAz[az] = (here.natGatewaysPerAz[az] ?? 0) + 1;
            here.elasticIps += spend.natGatewayZones.length;
        } else if (insideAwsxVpc) {
            return;
        } else if (r.type === T.vpc) {
            region(r).vpcs.push(r.urn);
        } else if (r.type === T.internetGateway) {
            region(r).internetGateways++;
        } else if (r.type === T.natGateway) {
            region(r).natGatewaysAnyAz++;
        } else if (r.type === T.eip) {
            region(r).elasticIps++;
        } else if (r.type === T.peering) {
            for (const side of [vpcOf(r, "vpcId"), vpcOf(r, "peerVpcId")]) if (side !== undefined) add(counts.peerings, side);
        } else if (LB.loadBalancer.includes(r.type) && (i.loadBalancerType ?? "application") === "application") {
            region(r).loadBalancers.push(r.urn);
        } else if (r.type === T.dbCluster) {
            region(r).dbClusters.push(r.urn);
        } else if (DB_INSTANCES.includes(r.type)) {
            region(r).dbInstances.push(r.urn);
        } else if (r.type === T.eventRule) {
            const rules = region(r).eventRules;
            const bus = busOf(r);
            rules.set(bus, [...(rules.get(bus) ?? []), r.urn]);
        }
    };
    // A value still unknown in a preview (CrossGuard's proxy throws on reading it) leaves that resource
    // uncounted, not the whole rule unjudged: the other resources' counts still hold the stack to the quotas.
    for (const r of context.resources) {
        try {
            countOne(r);
        } catch (err) {
            if (!isUnknownValue(err)) throw err;
        }
    }
    countsByContext.set(context, counts);
    return counts;
}

/** One of the quotas `DEFAULT_QUOTAS` names. */
export type QuotaKey = keyof typeof DEFAULT_QUOTAS;

/** What the stack needs of one quota: the largest count over the resources it applies to, and which resource that is. */
export interface QuotaNeed {
    /** The count, in the quota's unit (rules, widgets, target groups, certificates, characters, roles). */
    readonly need: number;
    /** URN of the resource with that count (the group, dashboard, load balancer or role); absent when nothing counts. */
    readonly urn?: string;
    /**
     * For a regional quota, the need in each region the stack uses, by region name, `""` for the
     * provider's (the stack's) region; `need` is the largest of them. Each region has its own quota
     * value and its own other resources, so the preflight reads and judges them apart.
     */
    readonly byRegion?: Readonly<Record<string, QuotaNeed>>;
}

function widgetsOf(resource: ResourceView): number {
    const widgets = parseJson(resource.inputs.dashboardBody)?.widgets;
    return Array.isArray(widgets) ? widgets.length : 0;
}

/**
 * The stack's need of every quota in `DEFAULT_QUOTAS`, counted as this rule counts them (per security
 * group and direction, per dashboard, per load balancer, per role; roles per stack), each the largest
 * over its resources: what the rollout's Service Quotas preflight (automation/quotas.ts) compares with
 * the account's applied values.
 */
export function quotaNeeds(context: RuleContext): Record<QuotaKey, QuotaNeed> {
    const counts = countsOf(context);
    const largest = (entries: Iterable<[string, number]>): QuotaNeed => {
        let best: QuotaNeed = { need: 0 };
        for (const [urn, need] of entries) if (need > best.need) best = { need, urn };
        return best;
    };
    const sgRules = [...counts.sgRules].map(([urn, kinds]) => [urn, Math.max(0, ...kinds.values())] as [string, number]);
    const dashboards = context.resources.filter((r) => r.type === T.dashboard).map((r) => [r.urn, widgetsOf(r)] as [string, number]);
    return {
        rulesPerSecurityGroup: largest(sgRules),
        widgetsPerDashboard: largest(dashboards),
        rulesPerLoadBalancer: largest(counts.lbRules),
        targetGroupsPerLoadBalancer: largest([...counts.lbTargetGroups].map(([urn, tgs]) => [urn, tgs.size] as [string, number])),
        certificatesPerLoadBalancer: largest(counts.lbCertificates),
        inlinePolicyCharactersPerRole: largest(counts.rolePolicyCharacters),
        rolesPerAccount: { need: counts.roles.length, urn: counts.roles[0] },
        ...regionalNeeds(counts),
        peeringConnectionsPerVpc: largest(counts.peerings),
        routesPerRouteTable: largest([
            ...counts.awsxTables,
            ...[...counts.routeTables.values()].map((t) => [t.first, t.routes] as [string, number]),
        ]),
        usersPerUserGroup: largest([...counts.userGroupUsers].map(([urn, users]) => [urn, users.size] as [string, number])),
    };
}

/**
 * The quotas counted per region, each in every region the stack uses: regional counts of whole
 * resources, so the rest of the account's Region spends them too (automation/quota-usage.ts reads it).
 */
export const REGIONAL_KEYS = [
    "vpcsPerRegion",
    "internetGatewaysPerRegion",
    "natGatewaysPerAz",
    "elasticIpsPerRegion",
    "loadBalancersPerRegion",
    "dbClustersPerRegion",
    "dbInstancesPerRegion",
    "eventRulesPerBus",
] as const satisfies readonly QuotaKey[];
export type RegionalQuotaKey = (typeof REGIONAL_KEYS)[number];

/**
 * The resource a region's need of each regional quota is named by (and, in the rule, reported on): the
 * region's first load balancer, DB cluster or DB instance for theirs, its busiest bus's first rule for
 * rules per bus, its first VPC for the VPC quotas.
 */
function namedBy(key: RegionalQuotaKey, here: RegionCounts): string | undefined {
    if (key === "eventRulesPerBus") return busiestBus(here)?.[0];
    if (key === "loadBalancersPerRegion") return here.loadBalancers[0];
    if (key === "dbClustersPerRegion") return here.dbClusters[0];
    if (key === "dbInstancesPerRegion") return here.dbInstances[0];
    return here.vpcs[0];
}

/**
 * The regional quotas' needs: each the largest over the stack's regions, named by that region's
 * resource `namedBy` gives, with every region's own need in `byRegion`.
 */
function regionalNeeds(counts: Counts): Record<RegionalQuotaKey, QuotaNeed> {
    const perRegion = [...counts.regions].map(([region, here]) => [region, here, regionalCounts(here)] as const);
    return Object.fromEntries(
        REGIONAL_KEYS.map((key) => {
            const byRegion: Record<string, QuotaNeed> = {};
            let largest: QuotaNeed = { need: 0 };
            for (const [region, here, count] of perRegion) {
                if (count[key] === 0) continue;
                const need = { need: count[key], urn: namedBy(key, here) };
                byRegion[region] = need;
                if (need.need > largest.need) largest = need;
            }
            return [key, Object.keys(byRegion).length > 0 ? { ...largest, byRegion } : largest];
        }),
    ) as Record<RegionalQuotaKey, QuotaNeed>;
}

/** The rules of the region's bus with the most rules (the first such bus in stack order); undefined without rules. */
function busiestBus(here: RegionCounts): string[] | undefined {
    let busiest: string[] | undefined;
    for (const rules of here.eventRules.values()) if (rules.length > (busiest?.length ?? 0)) busiest = rules;
    return busiest;
}

/** One region's counts of the regional quotas (NAT gateways: the busiest zone; rules: the busiest bus). */
function regionalCounts(here: RegionCounts): Record<RegionalQuotaKey, number> {
    return {
        vpcsPerRegion: here.vpcs.length,
        internetGatewaysPerRegion: here.internetGateways,
        natGatewaysPerAz: Math.max(0, ...here.natGatewaysPerAz.map((n) => n ?? 0)) + here.natGatewaysAnyAz,
        elasticIpsPerRegion: here.elasticIps,
        loadBalancersPerRegion: here.loadBalancers.length,
        dbClustersPerRegion: here.dbClusters.length,
        dbInstancesPerRegion: here.dbInstances.length,
        eventRulesPerBus: busiestBus(here)?.length ?? 0,
    };
}

const Q = DEFAULT_QUOTAS;

export const quotas_1: Rule = {
    name: "quotas-1-default-service-quotas",
    control: "QUOTAS.1",
    description: "QUOTAS.1: The stack fits AWS's default quotas that grow with tenants",
    explanation:
        `Counts what grows per tenant against the default quotas: ${Q.rulesPerSecurityGroup} inbound and ${Q.rulesPerSecurityGroup} outbound ` +
        `rules per security group, ${Q.widgetsPerDashboard} widgets per dashboard, ${Q.rulesPerLoadBalancer} rules, ` +
        `${Q.targetGroupsPerLoadBalancer} target groups and ${Q.certificatesPerLoadBalancer} certificates per load balancer, ` +
        `${Q.inlinePolicyCharactersPerRole} characters of inline policy per role and ${Q.rolesPerAccount} roles per account; ` +
        `per region ${Q.vpcsPerRegion} VPCs, ${Q.internetGatewaysPerRegion} internet gateways, ${Q.natGatewaysPerAz} NAT gateways per ` +
        `Availability Zone, ${Q.elasticIpsPerRegion} Elastic IPs, ${Q.loadBalancersPerRegion} Application Load Balancers, ` +
        `${Q.dbClustersPerRegion} DB clusters and ${Q.dbInstancesPerRegion} DB instances, ${Q.eventRulesPerBus} EventBridge rules per ` +
        `event bus (100 in af-south-1 and eu-south-1), ${Q.usersPerUserGroup} users per ElastiCache user group, and ` +
        `${Q.peeringConnectionsPerVpc} active peering connections per VPC and ${Q.routesPerRouteTable} routes per route table, local, ` +
        "awsx's and gateway endpoints' included (premium tenants spend the network's, enterprise tenants the database's and 3 " +
        "rules on the default bus too). " +
        'AWS refuses the create that goes over, mid-update. Split what grows (README "Scale: hundreds of tenants"), or raise the ' +
        "quota with Service Quotas first (target groups per load balancer, widgets per dashboard and a role's inline policy size " +
        "cannot be raised; users per user group only through a support case).",
    level: "mandatory",
    types: [
        T.securityGroup,
        T.dashboard,
        ...LB.loadBalancer,
        T.role,
        T.vpc,
        T.awsxVpc,
        T.route,
        T.vpcEndpoint,
        T.dbCluster,
        ...DB_INSTANCES,
        T.eventRule,
        T.userGroup,
    ],
    scope: "stack",
    check(resource, context) {
        const counts = countsOf(context);
        const over = (what: string, n: number, limit: number) => (n > limit ? [`${what}: ${n}, over the default quota of ${limit}`] : []);
        if (resource.type === T.securityGroup) {
            return [...(counts.sgRules.get(resource.urn) ?? new Map<string, number>())]
                .sort(([a], [b]) => a.localeCompare(b))
                .flatMap(([kind, n]) => over(`${kind} rules`, n, Q.rulesPerSecurityGroup));
        }
        if (resource.type === T.dbCluster || DB_INSTANCES.includes(resource.type)) {
            // Said once per region, on its first cluster and on its first instance.
            const regional = (key: RegionalQuotaKey, what: string) => {
                const here = [...counts.regions.values()].find((c) => namedBy(key, c) === resource.urn);
                return here ? over(`${what} in this region`, regionalCounts(here)[key], Q[key]) : [];
            };
            return [...regional("dbClustersPerRegion", "DB clusters"), ...regional("dbInstancesPerRegion", "DB instances")];
        }
        if (resource.type === T.dashboard) {
            return over("widgets", widgetsOf(resource), Q.widgetsPerDashboard);
        }
        if (resource.type === T.userGroup) {
            return over("users in this ElastiCache user group", counts.userGroupUsers.get(resource.urn)?.size ?? 0, Q.usersPerUserGroup);
        }
        if (resource.type === T.eventRule) {
            // Said once per bus, on its first rule, against its region's default ("" is the stack's own).
            return [...counts.regions].flatMap(([key, here]) => {
                const region = key || context.region || "";
                return [...here.eventRules]
                    .filter(([, rules]) => rules[0] === resource.urn)
                    .flatMap(([bus, rules]) =>
                        over(
                            `EventBridge rules on event bus ${bus} in ${region || "this region"}`,
                            rules.length,
                            defaultQuota("eventRulesPerBus", region),
                        ),
                    );
            });
        }
        if (resource.type === T.route || resource.type === T.vpcEndpoint) {
            // Said once per table, on the first route or endpoint that puts a route in it.
            return [...counts.routeTables]
                .filter(([, table]) => table.first === resource.urn)
                .flatMap(([id, table]) => over(`routes in route table ${id}`, table.routes, Q.routesPerRouteTable));
        }
        if (resource.type === T.vpc || resource.type === T.awsxVpc) {
            const here = [...counts.regions.values()].find((c) => c.vpcs[0] === resource.urn);
            const regional = here ? regionalCounts(here) : undefined;
            return [
                // Said once per region, on its first VPC.
                ...(regional
                    ? [
                          ...over("VPCs in this region", regional.vpcsPerRegion, Q.vpcsPerRegion),
                          ...over("internet gateways in this region", regional.internetGatewaysPerRegion, Q.internetGatewaysPerRegion),
                          ...over("NAT gateways in one Availability Zone", regional.natGatewaysPerAz, Q.natGatewaysPerAz),
                          ...over("Elastic IPs in this region", regional.elasticIpsPerRegion, Q.elasticIpsPerRegion),
                      ]
                    : []),
                ...over("active VPC peering connections", counts.peerings.get(resource.urn) ?? 0, Q.peeringConnectionsPerVpc),
            ];
        }
        if (LB.loadBalancer.includes(resource.type)) {
            const here = [...counts.regions.values()].find((c) => c.loadBalancers[0] === resource.urn);
            return [
                ...(here ? over("Application Load Balancers in this region", here.loadBalancers.length, Q.loadBalancersPerRegion) : []),
                ...over("listener rules", counts.lbRules.get(resource.urn) ?? 0, Q.rulesPerLoadBalancer),
                ...over("target groups", counts.lbTargetGroups.get(resource.urn)?.size ?? 0, Q.targetGroupsPerLoadBalancer),
                ...over(
                    "certificates besides the default ones",
                    counts.lbCertificates.get(resource.urn) ?? 0,
                    Q.certificatesPerLoadBalancer,
                ),
            ];
        }
        return [
            ...over("inline policy characters", counts.rolePolicyCharacters.get(resource.urn) ?? 0, Q.inlinePolicyCharactersPerRole),
            // Said once, on the stack's first role, not on each of a thousand.
            ...(counts.roles[0] === resource.urn ? over("IAM roles in this stack", counts.roles.length, Q.rolesPerAccount) : []),
        ];
    },
};
