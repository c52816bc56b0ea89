import { expect } from "chai";
import { MissingOutputError, StackOutputs } from "../../../automation/verify/check";

describe("stack outputs are read by typed paths (PlatformOutputs in src/program.ts)", () => {
    const outputs = new StackOutputs({
        network: { vpcId: "vpc-0123", publicSubnetIds: ["subnet-1"], tenantSecurityGroupIds: { shop: "sg-1" } },
    });

    it("reads a string, a list and a per-tenant entry by their paths", () => {
        expect(outputs.string("network.vpcId")).to.equal("vpc-0123");
        expect(outputs.strings("network.publicSubnetIds")).to.deep.equal(["subnet-1"]);
        expect(outputs.tenant("network.tenantSecurityGroupIds", "shop")).to.equal("sg-1");
    });

    it("names the exact key a stack rolled out by an older commit lacks", () => {
        expect(() => outputs.string("network.securityGroupIds.database")).to.throw(
            MissingOutputError,
            /`network.securityGroupIds.database` is missing/,
        );
    });

    it("refuses at compile time a path the program does not export, or one of the wrong kind (tsc runs before the tests)", () => {
        // @ts-expect-error: a misspelt output
        expect(() => outputs.string("network.vpcid")).to.throw(MissingOutputError);
        // @ts-expect-error: a string read as a list
        expect(() => outputs.strings("network.vpcId")).to.throw(MissingOutputError);
        // @ts-expect-error: a fixed map read as a per-tenant one
        expect(() => outputs.tenant("network.securityGroupIds", "shop")).to.throw(MissingOutputError);
    });
});
