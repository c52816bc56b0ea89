/**
 * The VPC's subnet layout, checked like an auditor would: each rule names where it comes from.
 * awsx rules are read from pulumi-awsx (`awsx/ec2/vpc.ts`, `awsx/ec2/subnetDistributorNew.ts`); AWS's
 * from the EC2 API reference (CreateSubnet) and the VPC user guide ("Subnet sizing").
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as fc from "fast-check";
import { awsxSubnetSpecs, SUBNET_TIERS, SubnetCidr, subnetCidrs } from "../../components/network";
import { autoAllocate, awsxVpcSubnets, AwsxVpcError, AwsxVpcInputs, nextBlock } from "../../automation/awsx-vpc";
import { CALL_MODELS } from "../../automation/aws-model";
import { cidrsOverlap, isPrivateVpcCidr, parseCidr } from "../../src/config";
import { configFor, ENVIRONMENTS, PROJECT_DIR } from "../support/pulumi";
import { acceptedAzCount, acceptedVpcCidr } from "./vpc-arbitraries";

const REGION_ZONES = ["af-south-1a", "af-south-1b", "af-south-1c"];

/** Every rule a layout must pass; returns what it breaks, so a property failure names the rule. */
function layoutProblems(vpcCidr: string, azCount: number, subnets: readonly SubnetCidr[]): string[] {
    const vpc = parseCidr(vpcCidr)!;
    const azSize = 2 ** (32 - (vpc.prefix + 2));
    const problems: string[] = [];
    const within = (cidr: string, base: number, size: number) => {
        const c = parseCidr(cidr)!;
        return c.base >= base && c.base + 2 ** (32 - c.prefix) <= base + size;
    };
    for (const [i, a] of subnets.entries()) {
        for (const b of subnets.slice(i + 1)) {
            if (cidrsOverlap(a.cidr, b.cidr))
                problems.push(`awsx vpc.ts validateSubnets: ${a.tier}-${a.az} ${a.cidr} overlaps ${b.tier}-${b.az} ${b.cidr}`);
        }
        if (!within(a.cidr, vpc.base, 2 ** (32 - vpc.prefix))) problems.push(`CreateSubnet: ${a.cidr} is outside the VPC ${vpcCidr}`);
        if (!within(a.cidr, vpc.base + a.az * azSize, azSize)) problems.push(`layout: ${a.cidr} is outside AZ ${a.az}'s block`);
        const prefix = parseCidr(a.cidr)!.prefix;
        if (prefix < 16 || prefix > 28) problems.push(`Subnet sizing: ${a.cidr} is not /16 to /28`);
    }
    for (const tier of SUBNET_TIERS) {
        const azs = subnets
            .filter((s) => s.tier === tier)
            .map((s) => s.az)
            .sort();
        if (JSON.stringify(azs) !== JSON.stringify(Array.from({ length: azCount }, (_, i) => i))) {
            problems.push(
                `subnetDistributorNew.ts validateAndNormalizeSubnetInputs: ${tier} has subnets in AZs [${azs}], not one in each of ${azCount}`,
            );
        }
    }
    return problems;
}

/** The awsx inputs our network layer passes, for `awsxVpcSubnets`. */
function vpcInputs(vpcCidr: string, azCount: number): AwsxVpcInputs {
    return {
        cidrBlock: vpcCidr,
        numberOfAvailabilityZones: azCount,
        subnetStrategy: "Auto",
        subnetSpecs: awsxSubnetSpecs(subnetCidrs(vpcCidr, azCount)) as AwsxVpcInputs["subnetSpecs"],
        natGateways: { strategy: "OnePerAz" },
    };
}

describe("subnet layout", () => {
    for (const env of ENVIRONMENTS) {
        const { vpcCidr, azCount } = configFor(env).network;
        describe(`${env} (${vpcCidr}, ${azCount} AZs)`, () => {
            const subnets = subnetCidrs(vpcCidr, azCount);

            it("has no two subnets overlapping, every subnet inside its AZ's block and the VPC, /16 to /28, one per tier per AZ", () => {
                expect(layoutProblems(vpcCidr, azCount, subnets)).to.deep.equal([]);
            });

            it("gives the private tier (tasks, EFS) half an AZ's block, the public (load balancer) and isolated (Aurora, Redis) an eighth each", () => {
                const prefix = parseCidr(vpcCidr)!.prefix;
                const masks = (tier: string) => [...new Set(subnets.filter((s) => s.tier === tier).map((s) => parseCidr(s.cidr)!.prefix))];
                expect(masks("private")).to.deep.equal([prefix + 3]);
                expect(masks("public")).to.deep.equal([prefix + 5]);
                expect(masks("isolated")).to.deep.equal([prefix + 5]);
            });

            it("is accepted by the model of awsx's Vpc, which places each subnet in the AZ of the same index", () => {
                const decision = awsxVpcSubnets("network-vpc", vpcInputs(vpcCidr, azCount), REGION_ZONES);
                const placed = decision.subnets!.map((s) => ({ tier: s.type.toLowerCase(), az: s.az, cidr: s.cidrBlock }));
                expect(placed).to.have.deep.members(subnets);
            });
        });
    }

    it("is, in prod, exactly this (10.30.0.0/16 over 3 AZs)", () => {
        const rows = subnetCidrs("10.30.0.0/16", 3).map((s) => `${s.tier}-${s.az} ${s.cidr}`);
        expect(rows).to.deep.equal([
            "public-0 10.30.32.0/21",
            "public-1 10.30.96.0/21",
            "public-2 10.30.160.0/21",
            "private-0 10.30.0.0/19",
            "private-1 10.30.64.0/19",
            "private-2 10.30.128.0/19",
            "isolated-0 10.30.40.0/21",
            "isolated-1 10.30.104.0/21",
            "isolated-2 10.30.168.0/21",
        ]);
    });

    it("is what the README's subnet table shows, for every environment", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("<!-- section:network -->"), readme.indexOf("<!-- /section:network -->"));
        const documented = [...section.matchAll(/^\| (\w+) \| `([\d./]+)` \| (\w+) \| (.*) \| \d+ \|$/gm)].flatMap(
            ([, env, , tier, cells]) =>
                cells
                    .split(" | ")
                    .filter((c) => c !== "—")
                    .map((c, az) => `${env} ${tier}-${az} ${c.replace(/`/g, "")}`),
        );
        const computed = ENVIRONMENTS.flatMap((env) => {
            const { vpcCidr, azCount } = configFor(env).network;
            return subnetCidrs(vpcCidr, azCount).map((s) => `${env} ${s.tier}-${s.az} ${s.cidr}`);
        });
        expect(documented).to.have.members(computed);
    });

    it("holds for every VPC range and AZ count the config schema accepts (property)", () => {
        fc.assert(
            fc.property(acceptedVpcCidr, acceptedAzCount, (vpcCidr, azCount) => {
                expect(isPrivateVpcCidr(vpcCidr), `generator: ${vpcCidr}`).to.equal(true);
                expect(layoutProblems(vpcCidr, azCount, subnetCidrs(vpcCidr, azCount)), `${vpcCidr} over ${azCount} AZs`).to.deep.equal([]);
                const decision = awsxVpcSubnets("network-vpc", vpcInputs(vpcCidr, azCount), REGION_ZONES);
                expect(decision.subnets).to.have.length(3 * azCount);
            }),
            { numRuns: 500 },
        );
    });

    it("refuses a CIDR that is not one, an AZ count that does not fit four quarters, and a VPC whose subnets AWS would refuse", () => {
        expect(() => subnetCidrs("10.30.0.1/16", 3)).to.throw("`vpcCidr` '10.30.0.1/16' is not a CIDR block");
        for (const azCount of [0, 5, 2.5])
            expect(() => subnetCidrs("10.30.0.0/16", azCount)).to.throw(`\`azCount\` ${azCount} must be an integer from 1 to 4`);
        expect(() => subnetCidrs("10.30.0.0/24", 2)).to.throw(
            "public subnets /29 and isolated subnets /29; AWS allows subnets from /16 to /28",
        );
        expect(() => subnetCidrs("10.0.0.0/12", 2)).to.throw("private subnets /15");
    });

    describe("the old layout (issue #13): masks only, placed by awsx's Auto allocator", () => {
        const oldInputs = (vpcCidr: string, azCount: number): AwsxVpcInputs => {
            const p = parseCidr(vpcCidr)!.prefix;
            return {
                cidrBlock: vpcCidr,
                numberOfAvailabilityZones: azCount,
                availabilityZoneCidrMask: p + 2,
                subnetStrategy: "Auto",
                subnetSpecs: [
                    { type: "Public", name: "public", cidrMask: p + 5 },
                    { type: "Private", name: "private", cidrMask: p + 3 },
                    { type: "Isolated", name: "isolated", cidrMask: p + 5 },
                ],
                natGateways: { strategy: "Single" },
            };
        };

        it("matches awsx's own tests of the allocator (subnetDistributorNew.test.ts: nextNetmask, 'can override az cidr mask')", () => {
            expect(nextBlock(parseCidr("10.0.0.0/16")!, 17)).to.deep.equal(parseCidr("10.1.0.0/17"));
            expect(nextBlock(parseCidr("10.0.0.0/17")!, 16)).to.deep.equal(parseCidr("10.1.0.0/16"));
            expect(autoAllocate("10.0.0.0/16", 1, [{ type: "Public" }], 19)).to.deep.equal([["10.0.0.0/19"]]);
        });

        it("puts prod's isolated-1 on top of public-2: both 10.30.64.0/21", () => {
            const [az1, az2] = autoAllocate("10.30.0.0/16", 3, oldInputs("10.30.0.0/16", 3).subnetSpecs!, 18);
            expect(az1).to.deep.equal(["10.30.0.0/21", "10.30.32.0/19", "10.30.64.0/21"]);
            expect(az2[0]).to.equal("10.30.64.0/21");
        });

        for (const env of ENVIRONMENTS) {
            it(`is refused in ${env} by awsx's overlap check (vpc.ts validateSubnets), as the network preview was`, () => {
                const { vpcCidr, azCount } = configFor(env).network;
                expect(() => awsxVpcSubnets("network-vpc", oldInputs(vpcCidr, azCount), REGION_ZONES)).to.throw(
                    AwsxVpcError,
                    /overlap with at least one other subnet[\s\S]*network-vpc-isolated-1: [\s\S]*network-vpc-public-2: /,
                );
            });
        }
    });
});

describe("AWS model of awsx:ec2:Vpc (automation/awsx-vpc.ts)", () => {
    const valid = vpcInputs("10.30.0.0/16", 3);
    const withSpecs = (change: (specs: any[]) => any[]): AwsxVpcInputs => ({
        ...valid,
        subnetSpecs: change(structuredClone(valid.subnetSpecs!)),
    });
    const refuses = (inputs: AwsxVpcInputs, message: string | RegExp) =>
        expect(() => awsxVpcSubnets("network-vpc", inputs, REGION_ZONES)).to.throw(AwsxVpcError, message);

    it("takes the region's first numberOfAvailabilityZones zones, the ones the data layer spreads Aurora over (vpc.ts getDefaultAzs)", () => {
        const regionZones = CALL_MODELS["aws:index/getAvailabilityZones:getAvailabilityZones"](
            {},
            { accountId: "093646564004", region: "af-south-1", azCount: 2 },
        ).names;
        expect(awsxVpcSubnets("network-vpc", vpcInputs("10.20.0.0/16", 2), regionZones).zones).to.deep.equal(regionZones.slice(0, 2));
    });

    it("refuses overlapping subnets (vpc.ts validateSubnets)", () => {
        refuses(
            withSpecs((s) => {
                s[2].cidrBlocks[0] = "10.30.32.0/21";
                return s;
            }),
            /overlap[\s\S]*network-vpc-public-1: 10.30.32.0\/21[\s\S]*network-vpc-isolated-1: 10.30.32.0\/21/,
        );
    });

    it("refuses a spec whose number of cidrBlocks is not the number of AZs (subnetDistributorNew.ts validateAndNormalizeSubnetInputs)", () => {
        refuses(
            withSpecs((s) => {
                s[1].cidrBlocks.pop();
                return s;
            }),
            "The number of CIDR blocks in subnetSpecs[1] must match the number of availability zones (3).",
        );
    });

    it("refuses cidrBlocks on some specs but not all (validateAndNormalizeSubnetInputs)", () => {
        refuses(
            withSpecs((s) => {
                delete s[0].cidrBlocks;
                s[0].cidrMask = 21;
                return s;
            }),
            "If any subnet spec has explicit cidrBlocks, all subnets must have explicit cidrBlocks.",
        );
    });

    it("refuses a cidrMask that disagrees with the cidrBlocks (validateAndNormalizeSubnetInputs)", () => {
        refuses(
            withSpecs((s) => {
                s[0].cidrMask = 20;
                return s;
            }),
            "The cidrMask in subnetSpecs[0] must match all cidrBlocks or be left undefined.",
        );
    });

    it("refuses two unnamed specs of one type (validateAndNormalizeSubnetInputs)", () => {
        refuses(
            {
                ...valid,
                subnetSpecs: [
                    { type: "Public", cidrMask: 21 },
                    { type: "Public", cidrMask: 21 },
                    { type: "Private", cidrMask: 19 },
                ],
            },
            'Multiple subnet specs of type "public" require unique names.',
        );
    });

    it("refuses a subnet outside the VPC, which CreateSubnet would refuse at up", () => {
        refuses(
            withSpecs((s) => {
                s[2].cidrBlocks[2] = "10.31.0.0/21";
                return s;
            }),
            "network-vpc-isolated-3: 10.31.0.0/21 is not inside the VPC's 10.30.0.0/16",
        );
    });

    it("refuses a subnet smaller than /28, which CreateSubnet would refuse at up (Subnet sizing)", () => {
        refuses(
            withSpecs((s) => {
                s[0].cidrBlocks[0] = "10.30.32.0/29";
                return s;
            }),
            "network-vpc-public-1: 10.30.32.0/29 is not from /16 to /28",
        );
    });

    it("refuses NAT gateways without a public subnet to put them in (vpc.ts validateNatGatewayStrategy)", () => {
        refuses(
            withSpecs((s) => s.slice(1)),
            "public subnets must be declared to host the NAT Gateway resource",
        );
    });

    it("refuses both availabilityZoneNames and numberOfAvailabilityZones, and more zones than the region has (vpc.ts initialize, getDefaultAzs)", () => {
        refuses(
            { ...valid, availabilityZoneNames: REGION_ZONES },
            "Only one of [availabilityZoneNames] and [numberOfAvailabilityZones] can be specified",
        );
        refuses({ ...vpcInputs("10.30.0.0/16", 4) }, "does not have at least 4 Availability Zones");
    });

    it("does not pretend to model other subnet strategies", () => {
        refuses({ ...valid, subnetStrategy: "Legacy" }, 'only models awsx subnetStrategy "Auto"');
    });
});
