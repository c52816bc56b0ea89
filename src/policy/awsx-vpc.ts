/**
 * What awsx's `Vpc` component creates that AWS's quotas count: its zones, its internet gateway, its NAT
 * gateways (each with an Elastic IP) and the routes it puts in each subnet's route table. Pure, so the
 * quota rule (src/policy), the offline AWS model (automation/aws-model.ts, automation/awsx-vpc.ts) and the
 * cost estimate (automation/cost.ts) share one reading of awsx instead of three copies; also which
 * tables a route or gateway endpoint adds a route to (`routeTablesRoutedBy`), which the rule and model count.
 *
 * Read from pulumi-awsx at commit e60adf3c (the source of @pulumi/awsx 3.9.0's `awsx/ec2`), `awsx/ec2/vpc.ts`:
 * `initialize` creates the internet gateway unconditionally (lines 160–173: "We unconditionally create the
 * IGW (even if it's not needed because we only have isolated subnets)"); per zone, per subnet, a route
 * table of its own (lines 250–275); in a public subnet a NAT gateway when `shouldCreateNatGateway` says so
 * (lines 276–311, 1032–1046) and the route 0.0.0.0/0 to the internet gateway (lines 313–325); in a private
 * subnet, unless the strategy is `None`, 0.0.0.0/0 to the zone's NAT gateway (`Single`: the first one;
 * lines 326–349); in an isolated subnet nothing (line 351: "Isolated subnets do not have any route to the
 * internet").
 */

/** awsx's `natGateways.strategy` values (schema `NatGatewayStrategy`), compared case-insensitively as awsx does. */
export type AwsxNatStrategy = "None" | "Single" | "OnePerAz";

/** The `awsx.ec2.Vpc` inputs this model reads, as the program (or a policy view) passes them. */
export interface AwsxVpcQuotaInputs {
    readonly availabilityZoneNames?: readonly string[];
    readonly numberOfAvailabilityZones?: number;
    readonly subnetSpecs?: ReadonlyArray<{ readonly type?: string }>;
    readonly natGateways?: { readonly strategy?: string };
}

/**
 * Routes AWS puts in every route table of a VPC with an IPv4 range: the local route, "a default route for
 * communication within the VPC" (VPC user guide, "Route tables", Route table concepts). The quota page
 * ("Routes per route table (non-propagated routes)") does not say whether it counts, so it is counted.
 * A VPC with an IPv6 range has a second local route, counted by AWS apart (the quota "is enforced
 * separately for IPv4 routes and IPv6 routes"); this platform's VPCs are IPv4 only.
 */
export const LOCAL_ROUTES_PER_TABLE = 1;

/** The VPC's zone count: `availabilityZoneNames`, else `numberOfAvailabilityZones`, default 3 (vpc.ts `getDefaultAzs`). */
export function awsxZoneCount(inputs: AwsxVpcQuotaInputs): number {
    return inputs.availabilityZoneNames ? inputs.availabilityZoneNames.length : Number(inputs.numberOfAvailabilityZones ?? 3);
}

/** The NAT strategy in force: `natGateways.strategy`, default `OnePerAz` (vpc.ts `initialize`), lower-cased as awsx compares it. */
function natStrategy(inputs: AwsxVpcQuotaInputs): string {
    return String(inputs.natGateways?.strategy ?? "OnePerAz").toLowerCase();
}

/**
 * The subnet types awsx creates in every zone: those of `subnetSpecs` (not `Unused`, which reserves space
 * only), or without specs awsx's default layout, private and public (subnetDistributorNew.ts
 * `defaultSubnetInputsBare`). Capitalised as awsx names them.
 */
export function awsxSubnetTypes(inputs: AwsxVpcQuotaInputs): string[] {
    if (inputs.subnetSpecs === undefined) return ["Private", "Public"];
    const names: Record<string, string> = { public: "Public", private: "Private", isolated: "Isolated" };
    const types = inputs.subnetSpecs.map((s) => names[String(s.type).toLowerCase()]).filter((t): t is string => t !== undefined);
    return [...new Set(types)];
}

/**
 * The zones (0-based indexes into the VPC's zones) that get a NAT gateway and its Elastic IP: vpc.ts
 * `shouldCreateNatGateway`, asked in each zone's public subnet, so only where there are public subnets:
 * `None` none, `Single` the first zone, `OnePerAz` every zone. Throws on any other strategy, as awsx does
 * ("Unknown NatGatewayStrategy").
 */
export function awsxNatGatewayZones(inputs: AwsxVpcQuotaInputs): number[] {
    const strategy = natStrategy(inputs);
    const zones = awsxZoneCount(inputs);
    if (!["none", "single", "oneperaz"].includes(strategy)) throw new Error(`Unknown NatGatewayStrategy "${inputs.natGateways?.strategy}"`);
    if (!awsxSubnetTypes(inputs).includes("Public") || strategy === "none") return [];
    return strategy === "single" ? [0] : Array.from({ length: zones }, (_, i) => i);
}

/** Internet gateways awsx creates for one VPC: always one (vpc.ts lines 160–173, whatever the subnets). */
export const AWSX_INTERNET_GATEWAYS_PER_VPC = 1;

/**
 * The routes awsx adds to the route table of one subnet of `subnetType` (case-insensitive): a public
 * table 0.0.0.0/0 to the internet gateway, a private one 0.0.0.0/0 to a NAT gateway unless the strategy
 * is `None`, an isolated one none. The local route is AWS's, not awsx's: `LOCAL_ROUTES_PER_TABLE`.
 */
export function awsxRoutesInTable(inputs: AwsxVpcQuotaInputs, subnetType: string): number {
    const type = subnetType.toLowerCase();
    if (type === "public") return 1;
    if (type === "private") return natStrategy(inputs) === "none" ? 0 : 1;
    return 0;
}

/**
 * The most routes awsx adds to any one of the VPC's route tables: what a table of this VPC holds of
 * awsx's when a caller knows the table only by id, not by the subnet type it serves.
 */
export function awsxMostRoutesInATable(inputs: AwsxVpcQuotaInputs): number {
    return Math.max(0, ...awsxSubnetTypes(inputs).map((type) => awsxRoutesInTable(inputs, type)));
}

/** What one awsx VPC spends of the regional quotas: its zones, internet gateways and the zones of its NAT gateways. */
export function awsxVpcSpend(inputs: AwsxVpcQuotaInputs): { zones: number; internetGateways: number; natGatewayZones: number[] } {
    return { zones: awsxZoneCount(inputs), internetGateways: AWSX_INTERNET_GATEWAYS_PER_VPC, natGatewayZones: awsxNatGatewayZones(inputs) };
}

/**
 * The route tables a resource puts one route in each: an `aws.ec2.Route` its `routeTableId`; a gateway
 * endpoint (`vpcEndpointType` defaults to Gateway: terraform-provider-aws, aws_vpc_endpoint) a prefix-list
 * route in each of its `routeTableIds` (PrivateLink guide, "Gateway endpoints", Routing); anything else none.
 * Shared by the quota rule and the offline model, which count the tables' routes.
 */
export function routeTablesRoutedBy(type: string, inputs: Readonly<Record<string, any>>): string[] {
    if (type === "aws:ec2/route:Route") return [String(inputs.routeTableId)];
    const gateway = type === "aws:ec2/vpcEndpoint:VpcEndpoint" && (inputs.vpcEndpointType ?? "Gateway") === "Gateway";
    return gateway ? ((inputs.routeTableIds ?? []) as unknown[]).map(String) : [];
}
