/**
 * The shared model of what awsx's `Vpc` creates for the quotas (src/policy/awsx-vpc.ts), against awsx's
 * own code: pulumi-awsx at commit e60adf3c (the source of @pulumi/awsx 3.9.0's `awsx/ec2`),
 * `awsx/ec2/vpc.ts` `initialize` (lines 94–431) and `shouldCreateNatGateway` (lines 1032–1046). The
 * oracle below transcribes `initialize`'s loop over zones and subnets, statement by statement, for every
 * NAT strategy (as spelt in the schema and in other cases, which awsx lower-cases), every zone count
 * from 1 to 6 and every set of subnet types, with and without `subnetSpecs`.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import {
    AWSX_INTERNET_GATEWAYS_PER_VPC,
    awsxMostRoutesInATable,
    awsxNatGatewayZones,
    awsxRoutesInTable,
    awsxSubnetTypes,
    AwsxVpcQuotaInputs,
    awsxVpcSpend,
    awsxZoneCount,
    LOCAL_ROUTES_PER_TABLE,
    routeTablesRoutedBy,
} from "../../src/policy/awsx-vpc";
import { awsxSubnetSpecs, natGatewayStrategy, subnetCidrs } from "../../components/subnets";
import { configFor } from "../support/pulumi";

/** vpc.ts `shouldCreateNatGateway` (lines 1032–1046), as written. */
function shouldCreateNatGateway(strategy: string, numGateways: number, azIndex: number): boolean {
    switch (strategy.toLowerCase()) {
        case "none":
            return false;
        case "single":
            return numGateways < 1;
        case "oneperaz":
            return numGateways < azIndex + 1;
        default:
            throw new Error(`Unknown NatGatewayStrategy "${strategy}"`);
    }
}

/**
 * vpc.ts `initialize`, the resources it creates that quotas count: one internet gateway before the loop
 * (lines 160–173); per zone, its subnets sorted public first (`compareSubnetSpecs`), each with a route
 * table (250–275), a NAT gateway in a public subnet when `shouldCreateNatGateway` says so (276–311), the
 * public route to the internet gateway (313–325) and the private route to a NAT gateway unless `None`
 * (326–349); isolated subnets get no route (351).
 */
function awsxInitialize(strategy: string, zones: number, types: readonly string[]) {
    const natGatewayZones: number[] = [];
    const tables: { type: string; routes: number }[] = [];
    const order = ["public", "private", "isolated"];
    for (let i = 0; i < zones; i++) {
        for (const type of [...types].sort((a, b) => order.indexOf(a.toLowerCase()) - order.indexOf(b.toLowerCase()))) {
            const table = { type, routes: 0 };
            tables.push(table);
            if (type.toLowerCase() === "public" && shouldCreateNatGateway(strategy, natGatewayZones.length, i)) natGatewayZones.push(i);
            if (type.toLowerCase() === "public") table.routes++;
            else if (type.toLowerCase() === "private" && strategy.toLowerCase() !== "none") table.routes++;
        }
    }
    return { internetGateways: 1, natGatewayZones, tables };
}

const strategies = fc.constantFrom("None", "Single", "OnePerAz", "none", "SINGLE", "oneperaz");
const zoneCounts = fc.integer({ min: 1, max: 6 });
const typeSets = fc.subarray(["Public", "Private", "Isolated"], { minLength: 1 });

describe("what awsx's Vpc creates that quotas count (src/policy/awsx-vpc.ts, pulumi-awsx vpc.ts)", () => {
    it("for every strategy, zone count and set of subnet types: the NAT gateways' zones, one internet gateway, and awsx's routes in each type's table", () => {
        fc.assert(
            fc.property(strategies, zoneCounts, typeSets, (strategy, zones, types) => {
                const inputs: AwsxVpcQuotaInputs = {
                    numberOfAvailabilityZones: zones,
                    subnetSpecs: types.map((type) => ({ type })),
                    natGateways: { strategy },
                };
                const awsx = awsxInitialize(strategy, zones, types);
                expect(awsxVpcSpend(inputs)).to.deep.equal({
                    zones,
                    internetGateways: awsx.internetGateways,
                    natGatewayZones: awsx.natGatewayZones,
                });
                for (const table of awsx.tables) expect(awsxRoutesInTable(inputs, table.type)).to.equal(table.routes);
                expect(awsxMostRoutesInATable(inputs)).to.equal(Math.max(...awsx.tables.map((t) => t.routes)));
            }),
            { numRuns: 300 },
        );
    });

    it("without subnetSpecs, awsx's default layout of private and public subnets (subnetDistributorNew.ts defaultSubnetInputsBare)", () => {
        fc.assert(
            fc.property(strategies, zoneCounts, (strategy, zones) => {
                const inputs: AwsxVpcQuotaInputs = { numberOfAvailabilityZones: zones, natGateways: { strategy } };
                expect(awsxSubnetTypes(inputs)).to.deep.equal(["Private", "Public"]);
                expect(awsxNatGatewayZones(inputs)).to.deep.equal(awsxInitialize(strategy, zones, ["Private", "Public"]).natGatewayZones);
            }),
        );
    });

    it("defaults: three zones (vpc.ts getDefaultAzs), OnePerAz (vpc.ts line 132); availabilityZoneNames gives the count; Unused subnets create nothing", () => {
        expect(awsxVpcSpend({})).to.deep.equal({ zones: 3, internetGateways: 1, natGatewayZones: [0, 1, 2] });
        expect(awsxZoneCount({ availabilityZoneNames: ["a", "b"] })).to.equal(2);
        expect(awsxSubnetTypes({ subnetSpecs: [{ type: "Unused" }, { type: "isolated" }] })).to.deep.equal(["Isolated"]);
    });

    it("the internet gateway comes even with isolated subnets only (vpc.ts lines 160–164: 'We unconditionally create the IGW')", () => {
        expect(AWSX_INTERNET_GATEWAYS_PER_VPC).to.equal(1);
        expect(awsxVpcSpend({ subnetSpecs: [{ type: "Isolated" }], natGateways: { strategy: "None" } }).internetGateways).to.equal(1);
    });

    it("refuses a strategy awsx does not know, as shouldCreateNatGateway does", () => {
        expect(() => awsxNatGatewayZones({ natGateways: { strategy: "Two" } })).to.throw('Unknown NatGatewayStrategy "Two"');
    });

    it("every route table also holds the VPC's local route (VPC user guide, 'Route tables': counted, as the quota page does not exclude it)", () => {
        expect(LOCAL_ROUTES_PER_TABLE).to.equal(1);
    });

    it("a route fills its table; a gateway endpoint (the provider's default type) each of its tables; an interface endpoint none (PrivateLink guide, 'Gateway endpoints', Routing)", () => {
        expect(routeTablesRoutedBy("aws:ec2/route:Route", { routeTableId: "rtb-1" })).to.deep.equal(["rtb-1"]);
        expect(routeTablesRoutedBy("aws:ec2/vpcEndpoint:VpcEndpoint", { routeTableIds: ["rtb-1", "rtb-2"] })).to.deep.equal([
            "rtb-1",
            "rtb-2",
        ]);
        expect(
            routeTablesRoutedBy("aws:ec2/vpcEndpoint:VpcEndpoint", { vpcEndpointType: "Interface", subnetIds: ["subnet-1"] }),
        ).to.deep.equal([]);
        expect(routeTablesRoutedBy("aws:ec2/subnet:Subnet", { routeTableId: "rtb-1" })).to.deep.equal([]);
    });

    for (const env of ["dev", "sit", "prod"]) {
        it(`${env}'s VPCs: public tables 1 route of awsx's, private 1 (0.0.0.0/0 to a NAT gateway), isolated 0`, () => {
            const { network } = configFor(env);
            const inputs: AwsxVpcQuotaInputs = {
                numberOfAvailabilityZones: network.azCount,
                subnetSpecs: awsxSubnetSpecs(subnetCidrs(network.vpcCidr, network.azCount)),
                natGateways: { strategy: natGatewayStrategy(network.natStrategy) },
            };
            expect(["Public", "Private", "Isolated"].map((t) => awsxRoutesInTable(inputs, t))).to.deep.equal([1, 1, 0]);
            expect(awsxMostRoutesInATable(inputs)).to.equal(1);
        });
    }
});
