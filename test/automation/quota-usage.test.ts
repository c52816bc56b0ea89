/**
 * The preflight counts what the rest of the account already spends of the regional quotas
 * (automation/quota-usage.ts). Sources: Amazon VPC quotas (docs.aws.amazon.com/vpc/latest/userguide/
 * amazon-vpc-limits.html): "VPCs per Region" and "Internet gateways per Region" count every one in the
 * Region; "NAT gateways only count toward your quota in the pending, active, and deleting states";
 * "Elastic IP addresses per Region"; ELB user guide, "Quotas for your Application Load Balancers".
 * EC2 user guide, "Default VPCs": a new account has a default VPC, with an internet gateway, in each
 * Region. EC2 API reference, NatGateway: a NAT gateway names its subnet, not its zone. Aurora user
 * guide, "Quotas in Amazon Aurora": "DB clusters" (`rds` `L-952B80B8`) and "DB instances"
 * (`L-7B6409FD`) count those "in this account in the current Region"; RDS API reference,
 * DescribeDBClusters and DescribeDBInstances page with `Marker`. EventBridge user guide, "Amazon
 * EventBridge quotas": "Number of rules" (`events` `L-244521F2`), "Maximum number of rules an account
 * can have per event bus"; EventBridge API reference, ListEventBuses and ListRules page with `NextToken`.
 */
import { expect } from "chai";
import {
    DescribeAddressesCommand,
    DescribeInternetGatewaysCommand,
    DescribeNatGatewaysCommand,
    DescribeSubnetsCommand,
    DescribeVpcsCommand,
    EC2Client,
} from "@aws-sdk/client-ec2";
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient, ListRolesCommand } from "@aws-sdk/client-iam";
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { EventBridgeClient, ListEventBusesCommand, ListRulesCommand } from "@aws-sdk/client-eventbridge";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { GetServiceQuotaCommand, ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { mockClient } from "aws-sdk-client-mock";
import {
    AccountResources,
    AccountResourcesReader,
    AccountRolesReader,
    accountResourcesDouble,
    accountRolesDouble,
    readRoleNames,
    rolesOutsideStack,
    NAT_GATEWAY_STATES_COUNTED,
    eventRuleStateId,
    readAccountResources,
    readEventRules,
    stackResourceIds,
    usageOutsideStack,
} from "../../automation/quota-usage";
import { checkQuotas, QUOTA_SPECS, QuotaCheck, withUsageOutside } from "../../automation/quotas";
import { preflight } from "../../automation/preflight";
import { DEFAULT_QUOTAS, QuotaKey, QuotaNeed } from "../../src/policy/rules/quotas-1-default-service-quotas";
import { FakeEngine } from "../support/fake-engine";
import { thrown } from "../support/thrown";
import { COMMIT, configOf } from "../support/rollout";

const none: AccountResources = {
    vpcsPerRegion: [],
    internetGatewaysPerRegion: [],
    natGatewaysPerAz: [],
    elasticIpsPerRegion: [],
    loadBalancersPerRegion: [],
    dbClustersPerRegion: [],
    dbInstancesPerRegion: [],
    eventRulesPerBus: [],
};
const ids = (...list: string[]) => list.map((id) => ({ id }));

describe("the account's own use of the regional quotas", () => {
    describe("telling the stack's resources from the rest", () => {
        it("takes every id in the stack's state (pulumi stack export, deployment version 3) as the stack's", () => {
            const exported = JSON.stringify({
                version: 3,
                deployment: { resources: [{ urn: "u1", id: "vpc-1" }, { urn: "u2", id: "" }, { urn: "u3" }, { urn: "u4", id: "igw-1" }] },
            });
            expect([...stackResourceIds(exported)]).to.deep.equal(["vpc-1", "igw-1"]);
        });

        it("takes a stack never rolled out (no resources) as owning nothing, and refuses text that is not JSON", () => {
            expect(stackResourceIds(JSON.stringify({ version: 3, deployment: {} })).size).to.equal(0);
            expect(() => stackResourceIds("not json")).to.throw(SyntaxError);
        });

        it("counts only what is not the stack's, naming up to three ids", () => {
            const usage = usageOutsideStack(
                {
                    ...none,
                    vpcsPerRegion: ids("vpc-default", "vpc-mine", "vpc-a", "vpc-b", "vpc-c"),
                    internetGatewaysPerRegion: ids("igw-mine"),
                },
                new Set(["vpc-mine", "igw-mine"]),
            );
            expect(usage.vpcsPerRegion).to.deep.equal({ count: 4, ids: ["vpc-default", "vpc-a", "vpc-b"] });
            expect(usage.internetGatewaysPerRegion).to.deep.equal({ count: 0, ids: [] });
        });

        it("counts NAT gateways in the busiest zone (the quota is per Availability Zone)", () => {
            const usage = usageOutsideStack(
                {
                    ...none,
                    natGatewaysPerAz: [
                        { id: "nat-1", zone: "eu-west-1a" },
                        { id: "nat-2", zone: "eu-west-1b" },
                        { id: "nat-3", zone: "eu-west-1b" },
                        { id: "nat-mine", zone: "eu-west-1a" },
                    ],
                },
                new Set(["nat-mine"]),
            );
            expect(usage.natGatewaysPerAz).to.deep.equal({ count: 2, ids: ["nat-2", "nat-3"] });
        });

        it("counts DB clusters and instances by identifier, the state's id for them", () => {
            const usage = usageOutsideStack(
                {
                    ...none,
                    dbClustersPerRegion: ids("bbws-aurora-dev", "other-app"),
                    dbInstancesPerRegion: ids("bbws-aurora-dev-1", "other-app-1", "other-app-2"),
                },
                new Set(["bbws-aurora-dev", "bbws-aurora-dev-1"]),
            );
            expect(usage.dbClustersPerRegion).to.deep.equal({ count: 1, ids: ["other-app"] });
            expect(usage.dbInstancesPerRegion).to.deep.equal({ count: 2, ids: ["other-app-1", "other-app-2"] });
        });

        it("counts EventBridge rules on the busiest bus (the quota is per event bus), the stack's own told apart by their state id", () => {
            const usage = usageOutsideStack(
                {
                    ...none,
                    eventRulesPerBus: [
                        { id: "monitoring-guardduty-findings-1a2b3c4", bus: "default" },
                        { id: "other-app-nightly", bus: "default" },
                        { id: "AutoScalingManagedRule", bus: "default" },
                        { id: "orders/created", bus: "orders" },
                    ],
                },
                new Set(["monitoring-guardduty-findings-1a2b3c4"]),
            );
            expect(usage.eventRulesPerBus).to.deep.equal({ count: 2, ids: ["other-app-nightly", "AutoScalingManagedRule"] });
        });
    });

    describe("reading the Region (EC2, ELB and RDS Describe calls)", () => {
        const ec2 = mockClient(EC2Client);
        const elb = mockClient(ElasticLoadBalancingV2Client);
        const rds = mockClient(RDSClient);
        const events = mockClient(EventBridgeClient);
        beforeEach(() => (ec2.reset(), elb.reset(), rds.reset(), events.reset()));
        const read = () =>
            readAccountResources(
                new EC2Client({ region: "eu-west-1" }),
                new ElasticLoadBalancingV2Client({ region: "eu-west-1" }),
                new RDSClient({ region: "eu-west-1" }),
                new EventBridgeClient({ region: "eu-west-1" }),
                "111122223333",
            );

        it("reads every page, NAT gateways only in the states that count, their zones from their subnets, Elastic IPs for VPCs and only Application Load Balancers", async () => {
            ec2.on(DescribeVpcsCommand, { NextToken: undefined })
                .resolves({ Vpcs: [{ VpcId: "vpc-1" }], NextToken: "p2" })
                .on(DescribeVpcsCommand, { NextToken: "p2" })
                .resolves({ Vpcs: [{ VpcId: "vpc-2" }] });
            ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [{ InternetGatewayId: "igw-1" }] });
            ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [{ NatGatewayId: "nat-1", SubnetId: "subnet-1" }] });
            ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: "subnet-1", AvailabilityZone: "eu-west-1c" }] });
            ec2.on(DescribeAddressesCommand).resolves({ Addresses: [{ AllocationId: "eipalloc-1" }] });
            elb.on(DescribeLoadBalancersCommand, { Marker: undefined })
                .resolves({ LoadBalancers: [{ LoadBalancerArn: "arn:alb", Type: "application" }], NextMarker: "m2" })
                .on(DescribeLoadBalancersCommand, { Marker: "m2" })
                .resolves({ LoadBalancers: [{ LoadBalancerArn: "arn:nlb", Type: "network" }] });
            rds.on(DescribeDBClustersCommand, { Marker: undefined })
                .resolves({ DBClusters: [{ DBClusterIdentifier: "bbws-aurora-dev" }], Marker: "c2" })
                .on(DescribeDBClustersCommand, { Marker: "c2" })
                .resolves({ DBClusters: [{ DBClusterIdentifier: "other-app" }] });
            rds.on(DescribeDBInstancesCommand, { Marker: undefined })
                .resolves({ DBInstances: [{ DBInstanceIdentifier: "bbws-aurora-dev-1" }], Marker: "i2" })
                .on(DescribeDBInstancesCommand, { Marker: "i2" })
                .resolves({ DBInstances: [{ DBInstanceIdentifier: "other-app-1" }] });
            events.on(ListEventBusesCommand).resolves({ EventBuses: [{ Name: "default" }] });
            events.on(ListRulesCommand).resolves({ Rules: [{ Name: "monitoring-rds-failover-1a2b3c4" }] });

            const account = await read();

            expect(account).to.deep.equal({
                vpcsPerRegion: ids("vpc-1", "vpc-2"),
                internetGatewaysPerRegion: ids("igw-1"),
                natGatewaysPerAz: [{ id: "nat-1", zone: "eu-west-1c" }],
                elasticIpsPerRegion: ids("eipalloc-1"),
                loadBalancersPerRegion: ids("arn:alb"),
                dbClustersPerRegion: ids("bbws-aurora-dev", "other-app"),
                dbInstancesPerRegion: ids("bbws-aurora-dev-1", "other-app-1"),
                eventRulesPerBus: [{ id: "monitoring-rds-failover-1a2b3c4", bus: "default" }],
            });
            // Only the account's own clusters: one shared from another account (IncludeShared) spends its owner's quota.
            expect(rds.commandCalls(DescribeDBClustersCommand)[0].args[0].input.IncludeShared).to.equal(undefined);
            expect(ec2.commandCalls(DescribeNatGatewaysCommand)[0].args[0].input.Filter).to.deep.equal([
                { Name: "state", Values: ["pending", "available", "deleting"] },
            ]);
            expect(NAT_GATEWAY_STATES_COUNTED).to.not.include("failed").and.not.include("deleted");
            expect(ec2.commandCalls(DescribeSubnetsCommand)[0].args[0].input.SubnetIds).to.deep.equal(["subnet-1"]);
            // Only the account's own VPCs and gateways: one shared into it through AWS RAM spends its owner's quota.
            for (const command of [DescribeVpcsCommand, DescribeInternetGatewaysCommand] as const) {
                expect(ec2.commandCalls(command)[0].args[0].input.Filters).to.deep.equal([{ Name: "owner-id", Values: ["111122223333"] }]);
            }
            expect(ec2.commandCalls(DescribeAddressesCommand)[0].args[0].input.Filters).to.deep.equal([
                { Name: "domain", Values: ["vpc"] },
            ]);
        });

        it("does not ask for subnets when there is no NAT gateway", async () => {
            ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
            ec2.on(DescribeInternetGatewaysCommand).resolves({});
            ec2.on(DescribeNatGatewaysCommand).resolves({});
            ec2.on(DescribeAddressesCommand).resolves({});
            elb.on(DescribeLoadBalancersCommand).resolves({});
            rds.on(DescribeDBClustersCommand).resolves({});
            rds.on(DescribeDBInstancesCommand).resolves({});
            events.on(ListEventBusesCommand).resolves({});
            await read();
            expect(ec2.commandCalls(DescribeSubnetsCommand)).to.have.length(0);
            expect(events.commandCalls(ListRulesCommand)).to.have.length(0);
        });

        it("reads every event bus and every page of each bus's rules (NextToken), naming each rule by its state id", async () => {
            events
                .on(ListEventBusesCommand, { NextToken: undefined })
                .resolves({ EventBuses: [{ Name: "default" }], NextToken: "b2" })
                .on(ListEventBusesCommand, { NextToken: "b2" })
                .resolves({ EventBuses: [{ Name: "orders" }] });
            events
                .on(ListRulesCommand, { EventBusName: "default", NextToken: undefined })
                .resolves({ Rules: [{ Name: "monitoring-backup-failed-1a2b3c4" }, { Name: "other-app-nightly" }], NextToken: "r2" })
                .on(ListRulesCommand, { EventBusName: "default", NextToken: "r2" })
                .resolves({ Rules: [{ Name: "AutoScalingManagedRule", ManagedBy: "autoscaling.amazonaws.com" }] })
                .on(ListRulesCommand, { EventBusName: "orders", NextToken: undefined })
                .resolves({ Rules: [{ Name: "created" }] });
            expect(await readEventRules(new EventBridgeClient({ region: "eu-west-1" }))).to.deep.equal([
                { id: "monitoring-backup-failed-1a2b3c4", bus: "default" },
                { id: "other-app-nightly", bus: "default" },
                { id: "AutoScalingManagedRule", bus: "default" },
                { id: "orders/created", bus: "orders" },
            ]);
            expect(
                events.commandCalls(ListRulesCommand).map((c) => [c.args[0].input.EventBusName, c.args[0].input.NextToken]),
            ).to.deep.equal([
                ["default", undefined],
                ["default", "r2"],
                ["orders", undefined],
            ]);
            expect([eventRuleStateId("default", "a"), eventRuleStateId("orders", "a")]).to.deep.equal(["a", "orders/a"]);
        });
    });

    describe("the account's IAM roles (Roles per account counts every role, service-linked ones included: IAM user guide, 'IAM and AWS STS quotas')", () => {
        const iam = mockClient(IAMClient);
        beforeEach(() => iam.reset());

        it("reads every page of ListRoles (Marker while IsTruncated)", async () => {
            iam.on(ListRolesCommand, { Marker: undefined })
                .resolves({ Roles: [{ RoleName: "a" } as any], IsTruncated: true, Marker: "m2" })
                .on(ListRolesCommand, { Marker: "m2" })
                .resolves({ Roles: [{ RoleName: "b" } as any], IsTruncated: false });
            expect(await readRoleNames(new IAMClient({ region: "us-east-1" }))).to.deep.equal(["a", "b"]);
        });

        it("counts the roles whose name is not a role id in the stack's state", () => {
            expect(
                rolesOutsideStack(
                    ["AWSServiceRoleForECS", "bbws-task-shop-prod", "OrganizationAccountAccessRole"],
                    new Set(["bbws-task-shop-prod"]),
                ),
            ).to.deep.equal({
                count: 2,
                ids: ["AWSServiceRoleForECS", "OrganizationAccountAccessRole"],
            });
        });

        it("as a rehearsal answers them: the scenario's others, then the stack's own", async () => {
            const names = await accountRolesDouble(2, [
                { type: "aws:iam/role:Role", id: "bbws-x" },
                { type: "aws:ec2/vpc:Vpc", id: "vpc-1" },
            ])();
            expect(names).to.deep.equal(["other-role-0001", "other-role-0002", "bbws-x"]);
        });
    });

    describe("judging the plan with the rest of the account", () => {
        const spec = (key: QuotaKey) => QUOTA_SPECS.find((s) => s.key === key)!;
        const check = (key: QuotaKey, need: number, current: number): QuotaCheck => ({
            spec: spec(key),
            need: { need },
            current,
            from: "aws-default",
        });

        it("passes a plan that fits in what the rest of the account leaves, equal included", () => {
            const checks = withUsageOutside(
                [check("vpcsPerRegion", 4, 5)],
                new Map([["eu-west-1", { vpcsPerRegion: { count: 1, ids: ["vpc-default"] } }]]),
                "eu-west-1",
            );
            expect(() => checkQuotas(checks, "eu-west-1")).to.not.throw();
        });

        it("refuses a plan within the quota but not within what is left (the default VPC), naming what else uses it and asking for the sum", () => {
            const checks = withUsageOutside(
                [check("vpcsPerRegion", 5, 5)],
                new Map([["eu-west-1", { vpcsPerRegion: { count: 4, ids: ["vpc-default", "vpc-a", "vpc-b"] } }]]),
                "eu-west-1",
            );
            const err = thrown(() => checkQuotas(checks, "eu-west-1"));
            expect(err).to.include({ code: "quota-too-small", exitCode: 2 });
            expect(err.message).to.equal(
                "the plan needs more than a quota allows:\n" +
                    "    VPCs per Region (vpc L-F678F1CE): the plan needs 5, the account has 5 (AWS's default), " +
                    "of which 4 are in use outside this stack (vpc-default, vpc-a, vpc-b, …)",
            );
            expect(err.fix).to.include("--quota-code L-F678F1CE --desired-value 9 --region eu-west-1");
        });

        it("adds the rules already on the bus: a plan of 12 rules where 290 others sit on the bus is refused at 300, asking for 302", () => {
            const others = Array.from({ length: 290 }, (_, i) => `other-rule-${i + 1}`);
            const checks = withUsageOutside(
                [check("eventRulesPerBus", 12, 300)],
                new Map([["eu-west-1", { eventRulesPerBus: { count: 290, ids: others.slice(0, 3) } }]]),
                "eu-west-1",
            );
            const err = thrown(() => checkQuotas(checks, "eu-west-1"));
            expect(err.message).to.equal(
                "the plan needs more than a quota allows:\n" +
                    "    Number of rules (events L-244521F2): the plan needs 12, the account has 300 (AWS's default), " +
                    "of which 290 are in use outside this stack (other-rule-1, other-rule-2, other-rule-3, …)",
            );
            expect(err.fix).to.include("--service-code events --quota-code L-244521F2 --desired-value 302 --region eu-west-1");
        });

        it("adds the Region's other DB clusters: one more cluster where 40 others run is refused, asking for 41", () => {
            const others = Array.from({ length: 40 }, (_, i) => `other-${i + 1}`);
            const checks = withUsageOutside(
                [check("dbClustersPerRegion", 1, 40)],
                new Map([["eu-west-1", { dbClustersPerRegion: { count: 40, ids: others.slice(0, 3) } }]]),
                "eu-west-1",
            );
            const err = thrown(() => checkQuotas(checks, "eu-west-1"));
            expect(err.message).to.equal(
                "the plan needs more than a quota allows:\n" +
                    "    DB clusters (rds L-952B80B8): the plan needs 1, the account has 40 (AWS's default), " +
                    "of which 40 are in use outside this stack (other-1, other-2, other-3, …)",
            );
            expect(err.fix).to.include("--service-code rds --quota-code L-952B80B8 --desired-value 41 --region eu-west-1");
        });
    });

    describe("in the rollout's preflight", () => {
        const sts = mockClient(STSClient);
        const sq = mockClient(ServiceQuotasClient);
        beforeEach(() => (sts.reset(), sq.reset()));
        const cfg = configOf("dev");
        const noNeeds = () => Object.fromEntries(Object.keys(DEFAULT_QUOTAS).map((k) => [k, { need: 0 }])) as Record<QuotaKey, QuotaNeed>;
        /** The preflight with `needs`, Service Quotas answering 5 for each, and `reader` for the Region's resources. */
        const run = async (
            needs: Partial<Record<QuotaKey, QuotaNeed>>,
            reader: AccountResourcesReader,
            engine: FakeEngine,
            accountRoles?: AccountRolesReader,
        ) => {
            sts.on(GetCallerIdentityCommand).resolves({ Account: cfg.accountId, Arn: `arn:aws:sts::${cfg.accountId}:user/alice` });
            sq.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 5 } });
            const asked: string[] = [];
            const lines: string[] = [];
            const result = await preflight(
                cfg,
                {
                    engine,
                    sts: async (region) => new STSClient({ region }),
                    git: async () => ({ commit: COMMIT, dirty: false }),
                    ledger: { location: "/srv/ledger", checkWritable: async () => undefined },
                    quotas: {
                        serviceQuotas: async (region) => new ServiceQuotasClient({ region }),
                        needs: async () => ({ ...noNeeds(), ...needs }),
                        accountResources: async (region, accountId) => (asked.push(region), reader(region, accountId)),
                        accountRoles,
                    },
                },
                (l) => lines.push(l),
            ).catch((e) => e);
            return { result, asked, lines };
        };
        const holding =
            (account: AccountResources): AccountResourcesReader =>
            async () =>
                account;

        it("adds what resources outside the stack's state spend, and logs it as need+outside/current", async () => {
            const engine = new FakeEngine({ stack: "dev" });
            const { result, lines } = await run(
                { vpcsPerRegion: { need: 1 } },
                holding({ ...none, vpcsPerRegion: ids("vpc-default", "vpc-other") }),
                engine,
            );
            expect(result).to.not.be.instanceOf(Error);
            expect(lines).to.include("quotas: L-F678F1CE 1+2/5");
            expect(engine.exports).to.have.length(1);
        });

        it("refuses (exit 2) when the rest of the account leaves too little, before git and the ledger", async () => {
            const { result } = await run(
                { vpcsPerRegion: { need: 2 } },
                holding({ ...none, vpcsPerRegion: ids("vpc-default", "vpc-a", "vpc-b", "vpc-c") }),
                new FakeEngine({ stack: "dev" }),
            );
            expect(result).to.include({ code: "quota-too-small", exitCode: 2 });
            expect(result.message).to.include("of which 4 are in use outside this stack");
        });

        it("reads each region the plan spends regional quotas in, and judges each against its own resources", async () => {
            const { asked, lines } = await run(
                { vpcsPerRegion: { need: 1, byRegion: { "": { need: 1 }, "eu-central-1": { need: 1 } } } },
                async (region) => ({
                    ...none,
                    vpcsPerRegion: ids(...(region === "eu-central-1" ? ["vpc-default", "vpc-x"] : ["vpc-default"])),
                }),
                new FakeEngine({ stack: "dev" }),
            );
            expect(asked).to.deep.equal([cfg.region, "eu-central-1"]);
            expect(lines).to.include("quotas: L-F678F1CE 1+1/5, L-F678F1CE 1+2/5 in eu-central-1");
        });

        it("adds the account's roles outside the stack to roles per account, and reads them only when the plan needs roles", async () => {
            let reads = 0;
            const roles = async () => (reads++, Array.from({ length: 999 }, (_, i) => `r${i}`));
            const { result } = await run({ rolesPerAccount: { need: 12 } }, holding(none), new FakeEngine({ stack: "dev" }), roles);
            expect(result.code).to.equal("quota-too-small");
            expect(result.message).to.include(
                "Roles per account (iam L-FE177D64): the plan needs 12, the account has 5, of which 999 are in use outside this stack (r0, r1, r2, …)",
            );
            expect(result.fix).to.include("--quota-code L-FE177D64 --desired-value 1011 --region us-east-1");
            expect(reads).to.equal(1);
            await run({ vpcsPerRegion: { need: 1 } }, holding(none), new FakeEngine({ stack: "dev" }), roles);
            expect(reads).to.equal(1);
        });

        it("reads neither the Region nor the state when the plan needs no regional quota", async () => {
            const engine = new FakeEngine({ stack: "dev" });
            const { asked, lines } = await run({ rulesPerSecurityGroup: { need: 3 } }, holding(none), engine);
            expect(asked).to.deep.equal([]);
            expect(engine.exports).to.have.length(0);
            expect(lines).to.include("quotas: L-0EA8095F 3/5");
        });

        it("stops (exit 2, quota-unreadable) when the Region cannot be read, naming the permissions", async () => {
            const { result } = await run(
                { vpcsPerRegion: { need: 1 } },
                async () => {
                    throw Object.assign(new Error("You are not authorized to perform this operation."), { name: "UnauthorizedOperation" });
                },
                new FakeEngine({ stack: "dev" }),
            );
            expect(result).to.include({ code: "quota-unreadable", exitCode: 2 });
            expect(result.message).to.include("UnauthorizedOperation");
            expect(result.fix)
                .to.include("ec2:DescribeVpcs")
                .and.include("elasticloadbalancing:DescribeLoadBalancers")
                .and.include("rds:DescribeDBClusters")
                .and.include("events:ListEventBuses and events:ListRules");
        });
    });

    describe("as a rehearsal answers it", () => {
        it("holds a new account's default VPC and internet gateway, the scenario's others, and the stack's own from its state", async () => {
            const account = await accountResourcesDouble({ vpcsPerRegion: 2 }, [
                { type: "aws:ec2/vpc:Vpc", id: "vpc-stack" },
                { type: "aws:lb/loadBalancer:LoadBalancer", id: "arn:stack-alb" },
                { type: "aws:ecs/cluster:Cluster", id: "cluster" },
            ])("eu-west-1", "111122223333");
            expect(account.vpcsPerRegion.map((r) => r.id)).to.deep.equal(["vpc-default", "vpc-other0001", "vpc-other0002", "vpc-stack"]);
            expect(account.internetGatewaysPerRegion.map((r) => r.id)).to.deep.equal(["igw-default"]);
            expect(account.loadBalancersPerRegion.map((r) => r.id)).to.deep.equal(["arn:stack-alb"]);
            expect(usageOutsideStack(account, new Set(["vpc-stack", "arn:stack-alb"])).vpcsPerRegion.count).to.equal(3);
        });

        it("holds no database in a new account: only the scenario's other DB clusters and instances, and the stack's own", async () => {
            const account = await accountResourcesDouble({ dbClustersPerRegion: 2 }, [
                { type: "aws:rds/cluster:Cluster", id: "bbws-aurora-dev" },
                { type: "aws:rds/clusterInstance:ClusterInstance", id: "bbws-aurora-dev-1" },
            ])("eu-west-1", "111122223333");
            expect(account.dbClustersPerRegion.map((r) => r.id)).to.deep.equal([
                "db-cluster-other0001",
                "db-cluster-other0002",
                "bbws-aurora-dev",
            ]);
            expect(account.dbInstancesPerRegion.map((r) => r.id)).to.deep.equal(["bbws-aurora-dev-1"]);
        });

        it("holds no EventBridge rule in a new account: the scenario's others on the default bus, and the stack's own", async () => {
            const account = await accountResourcesDouble({ eventRulesPerBus: 2 }, [
                { type: "aws:cloudwatch/eventRule:EventRule", id: "monitoring-rds-failover-1a2b3c4" },
            ])("eu-west-1", "111122223333");
            expect(account.eventRulesPerBus.map((r) => r.id)).to.deep.equal([
                "rule-other0001",
                "rule-other0002",
                "monitoring-rds-failover-1a2b3c4",
            ]);
            expect(usageOutsideStack(account, new Set(["monitoring-rds-failover-1a2b3c4"])).eventRulesPerBus.count).to.equal(2);
        });
    });
});
