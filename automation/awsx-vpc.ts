/**
 * The subnet decisions of awsx's `Vpc` component, re-implemented for the AWS model so the offline
 * synth refuses what awsx refuses and shows the CIDR every subnet gets.
 *
 * Read from pulumi-awsx at commit e60adf3c (2026, the latest `awsx/ec2` change is #2076, which
 * @pulumi/awsx 3.9.0 ships): `awsx/ec2/vpc.ts` (`initialize`, `getDefaultAzs`,
 * `decideAndValidateSubnetSpecs`, `pickSubnetAllocator`, `validateSubnets`,
 * `validateNatGatewayStrategy`) and `awsx/ec2/subnetDistributorNew.ts`
 * (`validateAndNormalizeSubnetInputs`, `getSubnetSpecsExplicit`, `allocateSubnetCidrBlocks`,
 * `nextNetmask`). Error messages are awsx's own. On top, the two rules AWS's CreateSubnet enforces at
 * `up` that awsx does not check: a subnet lies inside the VPC and is /16 to /28.
 *
 * Only `subnetStrategy: "Auto"` is modelled; awsx's default layouts (no `subnetSpecs`) are not. What awsx
 * creates that quotas count (default subnet types, internet gateway, NAT gateways, routes per table) is
 * src/policy/awsx-vpc.ts, shared with the quota rule.
 */
import { cidrsOverlap, formatCidr, parseCidr } from "../src/config";
import { awsxSubnetTypes } from "../src/policy/awsx-vpc";
import { OfflineRefusalError } from "./refusal";

/** A subnet spec as awsx's `SubnetSpecArgs` takes it (the fields that decide addresses). */
export interface AwsxSubnetSpec {
    readonly type: string;
    readonly name?: string;
    readonly cidrMask?: number;
    readonly cidrBlocks?: string[];
    readonly size?: number;
}

/** The `awsx.ec2.Vpc` arguments the model reads. */
export interface AwsxVpcInputs {
    readonly cidrBlock?: string;
    readonly availabilityZoneNames?: string[];
    readonly numberOfAvailabilityZones?: number;
    readonly availabilityZoneCidrMask?: number;
    readonly subnetStrategy?: string;
    readonly subnetSpecs?: AwsxSubnetSpec[];
    readonly natGateways?: { readonly strategy?: string };
}

/** One subnet awsx would create (`Unused` specs reserve space and create nothing). */
export interface AwsxSubnet {
    /** `Public`, `Private`, `Isolated` or `Unused`. */
    readonly type: string;
    /** awsx's name for it, `<vpc>-<spec name or type>-<az + 1>`: also its Pulumi resource name. */
    readonly resourceName: string;
    /** 0-based index into the VPC's zones. */
    readonly az: number;
    readonly azName: string;
    readonly cidrBlock: string;
}

/** What awsx would refuse before creating anything, or what CreateSubnet would refuse at `up`. */
export class AwsxVpcError extends OfflineRefusalError {}

/** What awsx decides for a VPC. */
export interface AwsxVpcDecision {
    /** The VPC's zones, in order. */
    readonly zones: string[];
    /** The subnet types created in every zone. */
    readonly types: string[];
    /** Every subnet, per zone in spec order; undefined for awsx's default layout (not modelled). */
    readonly subnets?: AwsxSubnet[];
    /** awsx's `subnetLayout` output: the specs as it resolved them; undefined with the default layout. */
    readonly subnetLayout?: AwsxSubnetSpec[];
}

/**
 * What awsx decides for a VPC named `vpcName`, from its inputs and the names the region's
 * `getAvailabilityZones` returns. Throws `AwsxVpcError` with awsx's message when awsx would refuse
 * the inputs, or with CreateSubnet's reason when AWS would.
 */
export function awsxVpcSubnets(vpcName: string, inputs: AwsxVpcInputs, regionZones: readonly string[]): AwsxVpcDecision {
    const zones = vpcZones(inputs, regionZones);
    const specs = inputs.subnetSpecs;
    if (specs === undefined) return { zones, types: awsxSubnetTypes(inputs) };
    const strategy = inputs.subnetStrategy ?? "Legacy";
    if (strategy !== "Auto") {
        throw new AwsxVpcError(`the AWS model only models awsx subnetStrategy "Auto" with subnetSpecs, not "${strategy}"`);
    }
    const vpcCidr = inputs.cidrBlock ?? "10.0.0.0/16";
    const explicit = normalizeSubnetSpecs(specs, zones.length);
    const subnetLayout = specs.map(({ type, name, cidrBlocks, cidrMask, size }): AwsxSubnetSpec => {
        const mask = cidrMask ?? (explicit ? undefined : maskOfSize(size));
        return { type, name, cidrBlocks, cidrMask: mask, size: size ?? (explicit || mask === undefined ? undefined : 2 ** (32 - mask)) };
    });
    const blocks = explicit
        ? zones.map((_, az) => specs.map((spec) => spec.cidrBlocks![az]))
        : autoAllocate(vpcCidr, zones.length, subnetLayout, inputs.availabilityZoneCidrMask);
    const subnets = zones.flatMap((azName, az) =>
        specs.map((spec, i): AwsxSubnet => ({
            type: spec.type,
            resourceName: `${vpcName}-${spec.name ?? spec.type.toLowerCase()}-${az + 1}`,
            az,
            azName,
            cidrBlock: blocks[az][i],
        })),
    );
    validateSubnets(subnets);
    validateNatGatewayStrategy(inputs.natGateways?.strategy ?? "OnePerAz", subnets);
    validateCreateSubnet(vpcCidr, subnets);
    const created = subnets.filter((s) => s.type !== "Unused");
    return { zones, types: [...new Set(created.map((s) => s.type))], subnets: created, subnetLayout };
}

/** vpc.ts `initialize` and `getDefaultAzs`: the first `numberOfAvailabilityZones` (default 3) of the region's zones. */
function vpcZones(inputs: AwsxVpcInputs, regionZones: readonly string[]): string[] {
    if (inputs.availabilityZoneNames && inputs.numberOfAvailabilityZones) {
        throw new AwsxVpcError("Only one of [availabilityZoneNames] and [numberOfAvailabilityZones] can be specified");
    }
    if (inputs.availabilityZoneNames) return inputs.availabilityZoneNames;
    const desiredCount = inputs.numberOfAvailabilityZones ?? 3;
    if (regionZones.length < desiredCount) {
        throw new AwsxVpcError(
            `The configured region for this provider does not have at least ${desiredCount} Availability Zones. ` +
                `Either specify an explicit list of zones in availabilityZoneNames or choose a region with at least ${desiredCount} AZs.`,
        );
    }
    return regionZones.slice(0, desiredCount);
}

/**
 * subnetDistributorNew.ts `validateAndNormalizeSubnetInputs`: every issue at once. True when the
 * layout is explicit (`cidrBlocks`), which `pickSubnetAllocator` hands to the explicit allocator.
 */
function normalizeSubnetSpecs(specs: readonly AwsxSubnetSpec[], azCount: number): boolean {
    const issues: string[] = [];
    const byType = new Map<string, AwsxSubnetSpec[]>();
    for (const spec of specs) byType.set(spec.type.toLowerCase(), [...(byType.get(spec.type.toLowerCase()) ?? []), spec]);
    for (const [type, group] of byType) {
        const names = group.map((s) => s.name).filter((n): n is string => n !== undefined);
        if (group.length > 1 && (group.length - names.length > 1 || new Set(names).size < names.length)) {
            issues.push(
                `Multiple subnet specs of type "${type}" require unique names. ` +
                    `You can have at most one unnamed subnet per type. All other subnets of the same type must have unique "name" properties to avoid duplicate resource names.`,
            );
        }
    }
    const invalidSizes = specs.filter((s) => s.size !== undefined && maskOfSize(s.size) === undefined);
    if (invalidSizes.length > 0) {
        issues.push(`The following subnet sizes are invalid: ${invalidSizes.map((s) => s.size).join(", ")}.`);
    }
    const explicit = specs.some((s) => s.cidrBlocks !== undefined);
    if (explicit) {
        specs.forEach((spec, i) => {
            if (spec.cidrBlocks === undefined) {
                issues.push("If any subnet spec has explicit cidrBlocks, all subnets must have explicit cidrBlocks.");
                return;
            }
            if (spec.cidrBlocks.length !== azCount) {
                issues.push(`The number of CIDR blocks in subnetSpecs[${i}] must match the number of availability zones (${azCount}).`);
                return;
            }
            const blocks = spec.cidrBlocks.map((b) => {
                const parsed = parseCidr(b);
                if (!parsed) throw new AwsxVpcError(`subnetSpecs[${i}].cidrBlocks: '${b}' is not an aligned IPv4 CIDR block`);
                return parsed;
            });
            if (spec.cidrMask !== undefined && !blocks.every((b) => b.prefix === spec.cidrMask)) {
                issues.push(`The cidrMask in subnetSpecs[${i}] must match all cidrBlocks or be left undefined.`);
            } else if (spec.size !== undefined && !blocks.every((b) => 2 ** (32 - b.prefix) === spec.size)) {
                issues.push(`The size in subnetSpecs[${i}] must match all cidrBlocks or be left undefined.`);
            }
        });
    } else {
        for (const spec of specs) {
            if (spec.size !== undefined && spec.cidrMask !== undefined && 2 ** (32 - spec.cidrMask) !== spec.size) {
                issues.push(
                    `Subnet size ${spec.size} does not match the expected size for a /${spec.cidrMask} subnet (${2 ** (32 - spec.cidrMask)}).`,
                );
            }
        }
    }
    if (issues.length > 0) throw new AwsxVpcError(`Invalid subnet specifications:\n - ${issues.join("\n - ")}`);
    return explicit;
}

/** The prefix length of a block of `size` addresses: its index in awsx's `validSubnetSizes` (2^32 … 4). */
function maskOfSize(size: number | undefined): number | undefined {
    const mask = Array.from({ length: 31 }, (_, n) => 2 ** (32 - n)).indexOf(size ?? 0);
    return mask < 0 ? undefined : mask;
}

/**
 * subnetDistributorNew.ts `allocateSubnetCidrBlocks`, the Auto strategy given masks only: AZ `i`
 * gets the `i`-th block of `availabilityZoneCidrMask` (default: the VPC split by the AZ count);
 * inside it each spec in order takes the next block of its own size after the previous one
 * (`nextNetmask`), which need not stay inside the AZ's block. Returns CIDRs per AZ, per spec.
 */
export function autoAllocate(
    vpcCidr: string,
    azCount: number,
    specs: readonly AwsxSubnetSpec[],
    availabilityZoneCidrMask?: number,
): string[][] {
    const vpc = parseCidr(vpcCidr);
    if (!vpc) throw new AwsxVpcError(`'${vpcCidr}' is not an IPv4 CIDR block`);
    if (specs.length === 0) throw new AwsxVpcError("No subnets specified");
    const azMask = availabilityZoneCidrMask ?? vpc.prefix + newBits(azCount);
    const defaultMask = azMask + newBits(specs.length);
    const azSize = 2 ** (32 - azMask);
    const total = specs.reduce((sum, s) => sum + 2 ** (32 - (s.cidrMask ?? defaultMask)), 0);
    if (total > azSize) {
        throw new AwsxVpcError(`Subnets are too large for VPC. VPC has ${azSize} addresses, but subnets require ${total} addresses.`);
    }
    return Array.from({ length: azCount }, (_, az) => {
        let previous: { base: number; prefix: number } | undefined;
        return specs.map((spec) => {
            const prefix = spec.cidrMask ?? defaultMask;
            previous = previous === undefined ? { base: vpc.base + az * azSize, prefix } : nextBlock(previous, prefix);
            return formatCidr(previous.base, previous.prefix);
        });
    });
}

/**
 * subnetDistributorNew.ts `nextNetmask`: the block of size `prefix` after the one holding the last
 * address of `previous`. (awsx uses netmask's `last`, the broadcast address minus one, which lies
 * in the same block of any size from /30 up, so the result is the same.)
 */
export function nextBlock(previous: { base: number; prefix: number }, prefix: number): { base: number; prefix: number } {
    const size = 2 ** (32 - prefix);
    const last = previous.base + 2 ** (32 - previous.prefix) - 1;
    return { base: (Math.floor(last / size) + 1) * size, prefix };
}

function newBits(count: number): number {
    return count === 0 ? 0 : Math.ceil(Math.log2(count));
}

/** vpc.ts `validateSubnets` with `getOverlappingSubnets`: every subnet that overlaps another, `Unused` ones included. */
function validateSubnets(subnets: readonly AwsxSubnet[]): void {
    const overlapping = subnets.filter((x) => subnets.some((y) => x !== y && cidrsOverlap(x.cidrBlock, y.cidrBlock)));
    if (overlapping.length === 0) return;
    throw new AwsxVpcError(
        "The following subnets overlap with at least one other subnet. Make the CIDR for the VPC larger, " +
            "reduce the size of the subnets per AZ, or use less Availability Zones:\n\n" +
            overlapping.map((s, i) => `${i + 1}. ${s.resourceName}: ${s.cidrBlock}\n`).join(""),
    );
}

/** vpc.ts `validateNatGatewayStrategy`: a NAT gateway needs a public subnet and something to route through it. */
function validateNatGatewayStrategy(strategy: string, subnets: readonly AwsxSubnet[]): void {
    const has = (...types: string[]) => subnets.some((s) => types.includes(s.type.toLowerCase()));
    switch (strategy.toLowerCase()) {
        case "none":
            return;
        case "single":
        case "oneperaz":
            if (has("public") && has("private", "isolated")) return;
            throw new AwsxVpcError(
                "If NAT Gateway strategy is 'OnePerAz' or 'Single', public subnets must be declared to host the " +
                    "NAT Gateway resource, along with private or isolated subnets to route through it.",
            );
        default:
            throw new AwsxVpcError(`Unknown NAT Gateway strategy '${strategy}'`);
    }
}

/**
 * What awsx leaves to AWS: CreateSubnet refuses a block outside the VPC's and a size outside /16 to
 * /28 (EC2 API reference, CreateSubnet; VPC user guide, "Subnet sizing"). Found at `up`, not preview.
 */
function validateCreateSubnet(vpcCidr: string, subnets: readonly AwsxSubnet[]): void {
    const vpc = parseCidr(vpcCidr)!;
    const problems = subnets
        .filter((s) => s.type !== "Unused")
        .flatMap((s) => {
            const block = parseCidr(s.cidrBlock)!;
            const inside =
                block.prefix >= vpc.prefix && Math.floor(block.base / 2 ** (32 - vpc.prefix)) * 2 ** (32 - vpc.prefix) === vpc.base;
            return [
                ...(inside ? [] : [`${s.resourceName}: ${s.cidrBlock} is not inside the VPC's ${vpcCidr}`]),
                ...(block.prefix >= 16 && block.prefix <= 28 ? [] : [`${s.resourceName}: ${s.cidrBlock} is not from /16 to /28`]),
            ];
        });
    if (problems.length > 0)
        throw new AwsxVpcError(`AWS would refuse to create these subnets (CreateSubnet):\n - ${problems.join("\n - ")}`);
}
