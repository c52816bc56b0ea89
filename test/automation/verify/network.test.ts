import { expect } from "chai";
import {
    DescribeNatGatewaysCommand,
    DescribeSecurityGroupsCommand,
    DescribeSubnetsCommand,
    DescribeVpcsCommand,
    EC2Client,
    SecurityGroup,
} from "@aws-sdk/client-ec2";
import type { PlatformConfig } from "../../../src/config";
import { configFor, ENVIRONMENTS } from "../../support/pulumi";
import { availabilityZones, mockHealthyEnvironment, mocks, outputsFor, resultOf } from "./fixtures";

/** The healthy answer to DescribeSecurityGroups with `change` applied to one group. */
async function groupsWith(cfg: PlatformConfig, groupId: string, change: (g: SecurityGroup) => SecurityGroup): Promise<SecurityGroup[]> {
    const healthy = await new EC2Client({ region: cfg.region }).send(new DescribeSecurityGroupsCommand({}));
    return healthy.SecurityGroups!.map((g) => (g.GroupId === groupId ? change(g) : g));
}

const worldOpen = (port: number, range: { CidrIp?: string; CidrIpv6?: string } = { CidrIp: "0.0.0.0/0" }) => ({
    IpProtocol: "tcp",
    FromPort: port,
    ToPort: port,
    IpRanges: range.CidrIp ? [{ CidrIp: range.CidrIp }] : [],
    Ipv6Ranges: range.CidrIpv6 ? [{ CidrIpv6: range.CidrIpv6 }] : [],
});

describe("verify network: subnets in every configured AZ", () => {
    for (const env of ENVIRONMENTS) {
        const cfg = configFor(env);
        it(`${env}: fails when the private tier covers fewer AZs than the ${cfg.network.azCount} configured`, async () => {
            const outputs = outputsFor(cfg);
            mockHealthyEnvironment(cfg, outputs);
            const azs = availabilityZones(cfg);
            mocks.ec2.on(DescribeSubnetsCommand).resolves({
                Subnets: [
                    ...outputs.network.publicSubnetIds.map((id: string, i: number) => ({
                        SubnetId: id,
                        AvailabilityZone: azs[i],
                        State: "available" as const,
                    })),
                    ...outputs.network.privateSubnetIds.map((id: string) => ({
                        SubnetId: id,
                        AvailabilityZone: azs[0],
                        State: "available" as const,
                    })),
                    ...outputs.network.isolatedSubnetIds.map((id: string, i: number) => ({
                        SubnetId: id,
                        AvailabilityZone: azs[i],
                        State: "available" as const,
                    })),
                ],
            });
            const result = await resultOf(cfg, "network-subnets-per-az", outputs);
            expect(result.status).to.equal("fail");
            expect(result.detail).to.include(`private: subnets in 1 AZ(s) (${azs[0]}), expected ${cfg.network.azCount}`);
            expect(result.detail).to.not.include("public:").and.not.include("isolated:");
        });
    }
});

describe("verify network: VPC and subnets", () => {
    const cfg = configFor("sit");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("fails a VPC that is still pending, or has another range than configured", async () => {
        mocks.ec2
            .on(DescribeVpcsCommand)
            .resolves({ Vpcs: [{ VpcId: outputs.network.vpcId, CidrBlock: "10.99.0.0/16", State: "pending" }] });
        const result = await resultOf(cfg, "network-vpc-available", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.include("is pending, expected available").and.include("10.99.0.0/16, expected 10.20.0.0/16");
    });

    it("fails when the tiers use different AZs between them", async () => {
        const azs = availabilityZones(cfg);
        mocks.ec2.on(DescribeSubnetsCommand).resolves({
            Subnets: [
                ...[...outputs.network.publicSubnetIds, ...outputs.network.privateSubnetIds].map((id: string, i: number) => ({
                    SubnetId: id,
                    AvailabilityZone: azs[i % azs.length],
                    State: "available" as const,
                })),
                ...outputs.network.isolatedSubnetIds.map((id: string, i: number) => ({
                    SubnetId: id,
                    AvailabilityZone: ["eu-west-1b", "eu-west-1c"][i],
                    State: "available" as const,
                })),
            ],
        });
        const result = await resultOf(cfg, "network-subnets-per-az", outputs);
        expect(result).to.deep.include({ status: "fail", detail: "the tiers use 3 different AZs between them, expected the same 2" });
    });

    it("fails when a subnet the stack exported is gone", async () => {
        const [gone, ...rest] = outputs.network.isolatedSubnetIds as string[];
        const azs = availabilityZones(cfg);
        mocks.ec2.on(DescribeSubnetsCommand).resolves({
            Subnets: [
                ...[...outputs.network.publicSubnetIds, ...outputs.network.privateSubnetIds].map((id: string, i: number) => ({
                    SubnetId: id,
                    AvailabilityZone: azs[i % azs.length],
                    State: "available" as const,
                })),
                ...rest.map((id) => ({ SubnetId: id, AvailabilityZone: azs[1], State: "available" as const })),
            ],
        });
        const result = await resultOf(cfg, "network-subnets-per-az", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.include(`isolated: ${gone} not found`);
    });
});

describe("verify network: NAT gateways", () => {
    it("sit (single NAT): passes with one available gateway", async () => {
        const cfg = configFor("sit");
        const outputs = outputsFor(cfg);
        mockHealthyEnvironment(cfg, outputs);
        const result = await resultOf(cfg, "network-nat-available", outputs);
        expect(result.status).to.equal("pass");
        expect(result.detail).to.match(/^single: nat-\w+ available in eu-west-1a$/);
    });

    it("prod (one per AZ): fails when one AZ's gateway has failed", async () => {
        const cfg = configFor("prod");
        const outputs = outputsFor(cfg);
        mockHealthyEnvironment(cfg, outputs);
        const [a, b, c] = outputs.network.publicSubnetIds as string[];
        mocks.ec2.on(DescribeNatGatewaysCommand).resolves({
            NatGateways: [
                { NatGatewayId: "nat-0a1", SubnetId: a, State: "available" },
                { NatGatewayId: "nat-0b2", SubnetId: b, State: "available" },
                { NatGatewayId: "nat-0c3", SubnetId: c, State: "failed", FailureMessage: "Elastic IP address limit exceeded" },
            ],
        });
        const result = await resultOf(cfg, "network-nat-available", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.include("expected 3 available NAT gateway(s) in 3 AZ(s)").and.include("nat-0c3 failed in af-south-1c");
    });

    it("prod (one per AZ): fails when three gateways share two AZs", async () => {
        const cfg = configFor("prod");
        const outputs = outputsFor(cfg);
        mockHealthyEnvironment(cfg, outputs);
        const [a, b] = outputs.network.publicSubnetIds as string[];
        mocks.ec2.on(DescribeNatGatewaysCommand).resolves({
            NatGateways: [a, b, a].map((subnet, i) => ({ NatGatewayId: `nat-0${i}`, SubnetId: subnet, State: "available" as const })),
        });
        expect(await resultOf(cfg, "network-nat-available", outputs)).to.include({ status: "fail" });
    });
});

describe("verify network: security groups", () => {
    const cfg = configFor("sit");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("fails when a tenant's group is not in the VPC, naming the tenant", async () => {
        const healthy = await groupsWith(cfg, "", (g) => g);
        const tutorhub = outputs.network.tenantSecurityGroupIds.tutorhub;
        mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: healthy.filter((g) => g.GroupId !== tutorhub) });
        const result = await resultOf(cfg, "network-security-groups-present", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.equal(`tenant tutorhub group ${tutorhub} is not in the VPC`);
    });

    it("fails when the database group is open to 0.0.0.0/0", async () => {
        const db = outputs.network.securityGroupIds.database;
        const groups = await groupsWith(cfg, db, (g) => ({ ...g, IpPermissions: [...g.IpPermissions!, worldOpen(3306)] }));
        mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: groups });
        const result = await resultOf(cfg, "network-no-open-ingress", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.equal(`${db} (bbws-database-sg-sit) is open to the internet on tcp/3306`);
    });

    it("fails when a tenant group is open to ::/0 on all traffic", async () => {
        const sg = outputs.network.tenantSecurityGroupIds.aupairhive;
        const groups = await groupsWith(cfg, sg, (g) => ({
            ...g,
            IpPermissions: [{ IpProtocol: "-1", Ipv6Ranges: [{ CidrIpv6: "::/0" }] }],
        }));
        mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: groups });
        const result = await resultOf(cfg, "network-no-open-ingress", outputs);
        expect(result).to.include({ status: "fail" });
        expect(result.detail).to.include("on all traffic");
    });

    it("fails when the load balancer opens anything but 80 and 443 to the internet", async () => {
        const alb = outputs.network.securityGroupIds.loadBalancer;
        const groups = await groupsWith(cfg, alb, (g) => ({ ...g, IpPermissions: [...g.IpPermissions!, worldOpen(22)] }));
        mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: groups });
        const result = await resultOf(cfg, "network-no-open-ingress", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.include("tcp/22").and.not.include("tcp/443");
    });

    it("passes the load balancer open to IPv6 on 443", async () => {
        const alb = outputs.network.securityGroupIds.loadBalancer;
        const groups = await groupsWith(cfg, alb, (g) => ({
            ...g,
            IpPermissions: [...g.IpPermissions!, worldOpen(443, { CidrIpv6: "::/0" })],
        }));
        mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: groups });
        expect(await resultOf(cfg, "network-no-open-ingress", outputs)).to.include({ status: "pass" });
    });
});
