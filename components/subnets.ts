/**
 * How a VPC's range is cut into subnets, and how awsx is told: the platform's VPC, the standby's and
 * each premium tenant's own (components/tenant-vpc.ts) share this one layout.
 */
import type * as awsx from "@pulumi/awsx";
import type { NetworkConfig } from "../src/config";
import { formatCidr, parseCidr } from "../src/config";

/**
 * Subnet sizes for a VPC range: each AZ gets a quarter of the VPC; inside it the private tier (tasks,
 * EFS) takes half, the public (load balancer) and isolated (Aurora, Redis) tiers an eighth each.
 */
export function subnetLayout(vpcCidr: string): { azMask: number; publicMask: number; privateMask: number; isolatedMask: number } {
    const parsed = parseCidr(vpcCidr);
    if (!parsed) throw new Error(`\`vpcCidr\` '${vpcCidr}' is not a CIDR block`);
    const p = parsed.prefix;
    return { azMask: p + 2, privateMask: p + 3, publicMask: p + 5, isolatedMask: p + 5 };
}

/** The subnet tiers, in the order awsx creates them in each AZ and reports their ids. */
export const SUBNET_TIERS = ["public", "private", "isolated"] as const;
export type SubnetTier = (typeof SUBNET_TIERS)[number];

/** One subnet of the VPC. */
export interface SubnetCidr {
    readonly tier: SubnetTier;
    /**
     * 0-based index into the region's first `azCount` zones (the zones awsx and the data layer both
     * take from `getAvailabilityZones`): the subnet's position in `<tier>SubnetIds`. awsx names the
     * subnet `<vpc>-<tier>-<az + 1>`.
     */
    readonly az: number;
    /** IPv4 CIDR block, e.g. `10.30.0.0/19`. */
    readonly cidr: string;
}

/** Where each tier starts inside its AZ's block, as a fraction of the block. */
const TIER_OFFSETS: Readonly<Record<SubnetTier, number>> = { private: 0, public: 4 / 8, isolated: 5 / 8 };

/**
 * Every subnet of the VPC, ordered by tier (`SUBNET_TIERS`) then AZ. awsx receives these as explicit
 * `cidrBlocks`, so no allocator of its own places anything (its `Auto` allocator, given masks only,
 * put the isolated subnets of one AZ on top of the next AZ's public ones: issue #13).
 *
 * AZ `i` gets the `i`-th quarter of the VPC (`subnetLayout().azMask`). Inside it the private subnet
 * (half the block) comes first, then public and isolated (an eighth each), so every subnet starts on
 * a multiple of its own size and the block's last quarter stays free in one piece for a later tier.
 * With fewer than four AZs the remaining quarters stay free too.
 *
 * Throws when `vpcCidr` is not an aligned IPv4 CIDR, when `azCount` is not an integer from 1 to 4
 * (there are four quarters), or when a subnet would leave AWS's IPv4 subnet sizes, /16 to /28
 * (EC2 API reference, CreateSubnet; VPC user guide, "Subnet sizing"): VPC prefixes /13 to /23.
 */
export function subnetCidrs(vpcCidr: string, azCount: number): SubnetCidr[] {
    const layout = subnetLayout(vpcCidr);
    const { base } = parseCidr(vpcCidr)!;
    if (!Number.isInteger(azCount) || azCount < 1 || azCount > 4) {
        throw new Error(`\`azCount\` ${azCount} must be an integer from 1 to 4: each AZ takes a quarter of the VPC`);
    }
    const masks: Record<SubnetTier, number> = { public: layout.publicMask, private: layout.privateMask, isolated: layout.isolatedMask };
    const outOfRange = SUBNET_TIERS.filter((tier) => masks[tier] < 16 || masks[tier] > 28);
    if (outOfRange.length > 0) {
        throw new Error(
            `\`vpcCidr\` '${vpcCidr}' would make ${outOfRange.map((t) => `${t} subnets /${masks[t]}`).join(" and ")}; ` +
                "AWS allows subnets from /16 to /28, so use a VPC from /13 to /23",
        );
    }
    const blockSize = 2 ** (32 - layout.azMask);
    return SUBNET_TIERS.flatMap((tier) =>
        Array.from({ length: azCount }, (_, az) => ({
            tier,
            az,
            cidr: formatCidr(base + az * blockSize + TIER_OFFSETS[tier] * blockSize, masks[tier]),
        })),
    );
}

/**
 * awsx `subnetSpecs` placing exactly `subnets`: one spec per tier (named after it, so awsx names the
 * subnets `<vpc>-<tier>-<n>`) whose `cidrBlocks[i]` is the tier's subnet in AZ `i`. Given `cidrBlocks`
 * on every spec, awsx's Auto strategy uses its explicit allocator: the i-th block goes to the i-th
 * of the VPC's zones (pulumi-awsx `awsx/ec2/vpc.ts` `pickSubnetAllocator`,
 * `awsx/ec2/subnetDistributorNew.ts` `getSubnetSpecsExplicit`).
 */
export function awsxSubnetSpecs(subnets: readonly SubnetCidr[]): awsx.types.input.ec2.SubnetSpecArgs[] {
    const types = { public: "Public", private: "Private", isolated: "Isolated" } as const;
    return SUBNET_TIERS.map((tier) => ({
        type: types[tier],
        name: tier,
        cidrBlocks: subnets
            .filter((s) => s.tier === tier)
            .sort((a, b) => a.az - b.az)
            .map((s) => s.cidr),
    }));
}

/** Our NAT setting as awsx's `natGateways.strategy`. */
export function natGatewayStrategy(strategy: NetworkConfig["natStrategy"]): "Single" | "OnePerAz" {
    return strategy === "single" ? "Single" : "OnePerAz";
}
