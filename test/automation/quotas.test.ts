/**
 * The Service Quotas preflight (automation/quotas.ts): every quota the stack's growth can exhaust is
 * read from the account before any phase applies (GetServiceQuota, falling back to
 * GetAWSDefaultServiceQuota: Service Quotas API reference), and a plan that needs more is refused with
 * the quota, its code, the need, the current value and the request that raises it. Codes as listed by
 * ListAWSDefaultServiceQuotas (gruntwork-io/terraform-aws-utilities docs/quotas.md), the VPC quota page
 * and, for RDS's, the Aurora user guide's "Quotas in Amazon Aurora" (AuroraUserGuide/CHAP_Limits.html);
 * EventBridge's, the EventBridge user guide's "Amazon EventBridge quotas" (eventbridge/latest/userguide/
 * eb-quota.html: "Number of rules", 300, 100 in af-south-1 and eu-south-1, linked to events L-244521F2).
 */
import { expect } from "chai";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand, ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { mockClient } from "aws-sdk-client-mock";
import { checkQuotas, increaseCommand, QUOTA_SPECS, QuotaCheck, readQuota, readQuotas, serviceQuotasDouble } from "../../automation/quotas";
import { preflight } from "../../automation/preflight";
import {
    DEFAULT_QUOTAS,
    defaultQuota,
    EVENT_RULES_PER_BUS_BY_REGION,
    QuotaKey,
    QuotaNeed,
} from "../../src/policy/rules/quotas-1-default-service-quotas";
import { FakeEngine } from "../support/fake-engine";
import { thrown } from "../support/thrown";
import { COMMIT, configOf } from "../support/rollout";

const noNeeds = (): Record<QuotaKey, QuotaNeed> =>
    Object.fromEntries(Object.keys(DEFAULT_QUOTAS).map((k) => [k, { need: 0 }])) as Record<QuotaKey, QuotaNeed>;
const needs = (patch: Partial<Record<QuotaKey, QuotaNeed>>) => ({ ...noNeeds(), ...patch });
const SG = "urn:pulumi:prod::bbws-platform::bbws:network:NetworkLayer$aws:ec2/securityGroup:SecurityGroup::database";

describe("Service Quotas preflight", () => {
    const sq = mockClient(ServiceQuotasClient);
    beforeEach(() => sq.reset());
    const client = async () => new ServiceQuotasClient({ region: "af-south-1" });

    it("takes AWS's defaults for the premium tier's quotas from the quota pages: 5 VPCs, internet gateways, NAT gateways per zone and Elastic IPs; 50 peering connections per VPC and load balancers", () => {
        expect(DEFAULT_QUOTAS).to.include({
            vpcsPerRegion: 5,
            internetGatewaysPerRegion: 5,
            natGatewaysPerAz: 5,
            elasticIpsPerRegion: 5,
            peeringConnectionsPerVpc: 50,
            loadBalancersPerRegion: 50,
        });
    });

    // Aurora user guide, "Quotas and constraints for Amazon Aurora", Quotas in Amazon Aurora: "DB clusters" and "DB
    // instances", each supported Region 40 (DB instances 20 in ap-south-1, which Service Quotas answers there).
    it("takes AWS's defaults for the enterprise tier's quotas from the Aurora quota page: 40 DB clusters and 40 DB instances per Region", () => {
        expect(DEFAULT_QUOTAS).to.include({ dbClustersPerRegion: 40, dbInstancesPerRegion: 40 });
    });

    it("takes AWS's default of EventBridge rules per event bus from the EventBridge quota page: 300, 100 in af-south-1 and eu-south-1", () => {
        expect(DEFAULT_QUOTAS.eventRulesPerBus).to.equal(300);
        expect(EVENT_RULES_PER_BUS_BY_REGION).to.deep.equal({ "af-south-1": 100, "eu-south-1": 100 });
        expect(["eu-west-1", "us-east-1", "af-south-1", ""].map((r) => defaultQuota("eventRulesPerBus", r))).to.deep.equal([
            300, 300, 100, 300,
        ]);
        expect(defaultQuota("dbClustersPerRegion", "af-south-1")).to.equal(40);
    });

    it("has a Service Quotas entry or a stated fixed limit for every quota the policy rule counts, each once", () => {
        expect(QUOTA_SPECS.map((s) => s.key).sort()).to.deep.equal(Object.keys(DEFAULT_QUOTAS).sort());
    });

    // The premium tier's (issue 21): VPC quota page (docs.aws.amazon.com/general/latest/gr/vpc-service.html),
    // EC2's (ec2-service.html, "EC2-VPC Elastic IPs") and ELB's ("Application Load Balancers per Region");
    // routes per route table: Amazon VPC quotas, "Routes per route table (non-propagated routes)", L-93826ACB.
    // DB clusters and DB instances: the Aurora quota page links each to its Service Quotas page (rds/quotas/L-952B80B8, L-7B6409FD).
    it("uses the codes Service Quotas lists: vpc L-0EA8095F, L-F678F1CE, L-A4707A72, L-FE5A380F, L-7E9ECCDB, L-93826ACB; ec2 L-0263D0A3; elasticloadbalancing L-7EED9B64, L-9365A611, L-53DA6B97; rds L-952B80B8, L-7B6409FD; events L-244521F2; iam L-FE177D64 (global); and elasticloadbalancing L-822D1B1B, listed but not adjustable", () => {
        const codes = Object.fromEntries(QUOTA_SPECS.filter((s) => s.quotaCode).map((s) => [s.key, `${s.serviceCode} ${s.quotaCode}`]));
        expect(codes).to.deep.equal({
            rulesPerSecurityGroup: "vpc L-0EA8095F",
            rulesPerLoadBalancer: "elasticloadbalancing L-7EED9B64",
            certificatesPerLoadBalancer: "elasticloadbalancing L-9365A611",
            rolesPerAccount: "iam L-FE177D64",
            vpcsPerRegion: "vpc L-F678F1CE",
            internetGatewaysPerRegion: "vpc L-A4707A72",
            natGatewaysPerAz: "vpc L-FE5A380F",
            elasticIpsPerRegion: "ec2 L-0263D0A3",
            peeringConnectionsPerVpc: "vpc L-7E9ECCDB",
            routesPerRouteTable: "vpc L-93826ACB",
            loadBalancersPerRegion: "elasticloadbalancing L-53DA6B97",
            dbClustersPerRegion: "rds L-952B80B8",
            dbInstancesPerRegion: "rds L-7B6409FD",
            eventRulesPerBus: "events L-244521F2",
            targetGroupsPerLoadBalancer: "elasticloadbalancing L-822D1B1B",
        });
        expect(QUOTA_SPECS.filter((s) => s.adjustable === false).map((s) => s.key)).to.deep.equal(["targetGroupsPerLoadBalancer"]);
        expect(QUOTA_SPECS.filter((s) => s.global).map((s) => s.key)).to.deep.equal(["rolesPerAccount"]);
    });

    describe("reading a quota", () => {
        it("takes the account's applied value", async () => {
            sq.on(GetServiceQuotaCommand, { ServiceCode: "vpc", QuotaCode: "L-0EA8095F" }).resolves({ Quota: { Value: 200 } });
            expect(await readQuota(await client(), "vpc", "L-0EA8095F")).to.deep.equal({ value: 200, from: "applied" });
        });
        it("falls back to AWS's default when the account has no applied value (NoSuchResourceException)", async () => {
            sq.on(GetServiceQuotaCommand).rejects(Object.assign(new Error("no applied quota"), { name: "NoSuchResourceException" }));
            sq.on(GetAWSDefaultServiceQuotaCommand).resolves({ Quota: { Value: 60 } });
            expect(await readQuota(await client(), "vpc", "L-0EA8095F")).to.deep.equal({ value: 60, from: "aws-default" });
        });
        it("lets any other error through, a missing servicequotas:GetServiceQuota permission included", async () => {
            sq.on(GetServiceQuotaCommand).rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));
            const err = await readQuota(await client(), "vpc", "L-0EA8095F").catch((e) => e);
            expect(err.name).to.equal("AccessDeniedException");
            expect(sq.commandCalls(GetAWSDefaultServiceQuotaCommand)).to.have.length(0);
        });
        it("stops the preflight (exit 2) when a quota cannot be read, naming the quota, the region, the cause and the permissions", async () => {
            sq.on(GetServiceQuotaCommand).rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));
            const needs = Object.fromEntries(Object.keys(DEFAULT_QUOTAS).map((k) => [k, { need: 0 }])) as Record<QuotaKey, QuotaNeed>;
            const err = await readQuotas({ ...needs, rulesPerSecurityGroup: { need: 5 } }, "af-south-1", client).catch((e) => e);
            expect(err).to.include({ code: "quota-unreadable", exitCode: 2 });
            expect(err.message).to.equal(
                "Service Quotas could not be read: Inbound or outbound rules per security group (vpc L-0EA8095F) in af-south-1: " +
                    "AccessDeniedException: not authorized",
            );
            expect(err.fix).to.include("servicequotas:GetServiceQuota and servicequotas:GetAWSDefaultServiceQuota");
        });
        it("reads only the quotas the plan needs, IAM's in us-east-1, and does not ask for the fixed ones", async () => {
            sq.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 1000 } });
            const regions: string[] = [];
            const checks = await readQuotas(
                needs({ rolesPerAccount: { need: 40 }, rulesPerSecurityGroup: { need: 5 }, widgetsPerDashboard: { need: 22 } }),
                "af-south-1",
                async (region) => (regions.push(region), client()),
            );
            expect(checks.map((c) => [c.spec.key, c.from])).to.deep.equal([
                ["rulesPerSecurityGroup", "applied"],
                ["rolesPerAccount", "applied"],
                ["widgetsPerDashboard", "fixed"],
            ]);
            expect(regions).to.deep.equal(["af-south-1", "us-east-1"]);
            expect(sq.commandCalls(GetServiceQuotaCommand).map((c) => c.args[0].input.QuotaCode)).to.deep.equal([
                "L-0EA8095F",
                "L-FE177D64",
            ]);
        });

        it("reads a regional quota in each region the stack uses (the standby's included), and asks for an increase where it falls short", async () => {
            sq.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 1 } });
            const regions: string[] = [];
            const checks = await readQuotas(
                needs({ vpcsPerRegion: { need: 2, byRegion: { "": { need: 1 }, "eu-west-1": { need: 2, urn: "urn:standby-vpc" } } } }),
                "af-south-1",
                async (region) => (regions.push(region), client()),
            );
            expect(checks.map((c) => [c.region, c.need.need])).to.deep.equal([
                [undefined, 1],
                ["eu-west-1", 2],
            ]);
            expect(regions).to.deep.equal(["af-south-1", "eu-west-1"]);
            const err = thrown(() => checkQuotas(checks, "af-south-1"));
            expect(err.message).to.include(
                "VPCs per Region (vpc L-F678F1CE) in eu-west-1: the plan needs 2 (urn:standby-vpc), the account has 1",
            );
            expect(err.fix).to.include("--quota-code L-F678F1CE --desired-value 2 --region eu-west-1");
        });
    });

    describe("judging the plan", () => {
        const spec = (key: QuotaKey) => QUOTA_SPECS.find((s) => s.key === key)!;
        const check = (key: QuotaKey, need: number, current: number, from: QuotaCheck["from"] = "aws-default"): QuotaCheck => ({
            spec: spec(key),
            need: { need, urn: SG },
            current,
            from,
        });

        it("passes when every need is within its quota, equal included", () => {
            expect(() => checkQuotas([check("rulesPerSecurityGroup", 60, 60)], "af-south-1")).to.not.throw();
        });

        it("refuses a need over a quota (exit 2), naming the quota, its code, the need and where, the current value and the request", () => {
            const err = thrown(() =>
                checkQuotas([check("rulesPerSecurityGroup", 101, 60), check("rolesPerAccount", 10, 1000, "applied")], "af-south-1"),
            );
            expect(err).to.include({ code: "quota-too-small", exitCode: 2 });
            expect(err.message).to.equal(
                "the plan needs more than a quota allows:\n" +
                    `    Inbound or outbound rules per security group (vpc L-0EA8095F): the plan needs 101 (${SG}), the account has 60 (AWS's default)`,
            );
            expect(err.fix).to.equal(
                "request the increase, and roll out once it is approved:\n" +
                    "    aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-0EA8095F --desired-value 101 --region af-south-1",
            );
        });

        it("refuses a plan needing 41 DB clusters in a region at AWS's default of 40, asking for rds L-952B80B8 at 41", async () => {
            const cluster = "urn:pulumi:prod::bbws-platform::aws:rds/cluster:Cluster::enterprise40";
            const need = { need: 41, urn: cluster };
            const checks = await readQuotas(
                needs({ dbClustersPerRegion: { ...need, byRegion: { "": need } } }),
                "af-south-1",
                serviceQuotasDouble(),
            );
            const err = thrown(() => checkQuotas(checks, "af-south-1"));
            expect(err).to.include({ code: "quota-too-small", exitCode: 2 });
            expect(err.message).to.equal(
                "the plan needs more than a quota allows:\n" +
                    `    DB clusters (rds L-952B80B8): the plan needs 41 (${cluster}), the account has 40 (AWS's default)`,
            );
            expect(err.fix).to.equal(
                "request the increase, and roll out once it is approved:\n" +
                    "    aws service-quotas request-service-quota-increase --service-code rds --quota-code L-952B80B8 --desired-value 41 --region af-south-1",
            );
        });

        it("refuses a plan needing 303 EventBridge rules on a bus where the account's applied value is 300, naming the quota, the need and the events L-244521F2 request", async () => {
            const rule =
                "urn:pulumi:dev::bbws-platform::bbws:monitoring:MonitoringLayer$aws:cloudwatch/eventRule:EventRule::monitoring-ecr-scan-findings";
            const need = { need: 303, urn: rule };
            const checks = await readQuotas(
                needs({ eventRulesPerBus: { ...need, byRegion: { "": need, "us-east-1": { need: 2 } } } }),
                "eu-west-1",
                serviceQuotasDouble({ "L-244521F2": 300 }),
            );
            expect(checks.map((c) => [c.region, c.need.need, c.current, c.from])).to.deep.equal([
                [undefined, 303, 300, "applied"],
                ["us-east-1", 2, 300, "applied"],
            ]);
            const err = thrown(() => checkQuotas(checks, "eu-west-1"));
            expect(err).to.include({ code: "quota-too-small", exitCode: 2 });
            expect(err.message).to.equal(
                "the plan needs more than a quota allows:\n" +
                    `    Number of rules (events L-244521F2): the plan needs 303 (${rule}), the account has 300`,
            );
            expect(err.fix).to.equal(
                "request the increase, and roll out once it is approved:\n" +
                    "    aws service-quotas request-service-quota-increase --service-code events --quota-code L-244521F2 --desired-value 303 --region eu-west-1",
            );
        });

        it("judges prod's region af-south-1 against its own default of 100 rules per bus: 102 are refused there, 2 in us-east-1 fit 300", async () => {
            const need = { need: 102, urn: "urn:rule" };
            const checks = await readQuotas(
                needs({ eventRulesPerBus: { ...need, byRegion: { "": need, "us-east-1": { need: 2 } } } }),
                "af-south-1",
                serviceQuotasDouble(),
            );
            expect(checks.map((c) => [c.region, c.current, c.from])).to.deep.equal([
                [undefined, 100, "aws-default"],
                ["us-east-1", 300, "aws-default"],
            ]);
            const err = thrown(() => checkQuotas(checks, "af-south-1"));
            expect(err.message).to.include(
                "Number of rules (events L-244521F2): the plan needs 102 (urn:rule), the account has 100 (AWS's default)",
            );
            expect(err.fix).to.include("--quota-code L-244521F2 --desired-value 102 --region af-south-1");
        });

        it("asks for IAM's increase in us-east-1, where Service Quotas keeps global quotas", () => {
            expect(increaseCommand(check("rolesPerAccount", 1200, 1000), "af-south-1")).to.equal(
                "aws service-quotas request-service-quota-increase --service-code iam --quota-code L-FE177D64 --desired-value 1200 --region us-east-1",
            );
        });

        it("for a quota that cannot be raised (target groups per load balancer), says to split what grows instead of a request", () => {
            const err = thrown(() => checkQuotas([check("targetGroupsPerLoadBalancer", 500, 100, "aws-default")], "af-south-1"));
            expect(err.fix).to.equal(
                'Target groups per Application Load Balancer (not adjustable) cannot be raised: split what grows (README "Scale: hundreds of tenants": shard stacks of at most 50 tenants)',
            );
        });
    });

    describe("in the rollout's preflight", () => {
        const sts = mockClient(STSClient);
        beforeEach(() => sts.reset());
        const cfg = configOf("prod");

        it("refuses before git and the ledger are looked at, so nothing is recorded or applied", async () => {
            sts.on(GetCallerIdentityCommand).resolves({ Account: cfg.accountId, Arn: `arn:aws:sts::${cfg.accountId}:user/alice` });
            sq.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 60 } });
            let ledgerChecked = false;
            let gitRead = false;
            const err = await preflight(
                cfg,
                {
                    engine: new FakeEngine({ stack: "prod" }),
                    sts: async (region) => new STSClient({ region }),
                    git: async () => ((gitRead = true), { commit: COMMIT, dirty: false }),
                    ledger: { location: "/srv/ledger", checkWritable: async () => void (ledgerChecked = true) },
                    quotas: { serviceQuotas: client, needs: async () => needs({ rulesPerSecurityGroup: { need: 61, urn: SG } }) },
                },
                () => undefined,
            ).catch((e) => e);
            expect(err).to.include({ code: "quota-too-small", exitCode: 2 });
            expect([gitRead, ledgerChecked]).to.deep.equal([false, false]);
        });

        it("logs each quota it read as need/current when the plan fits", async () => {
            sts.on(GetCallerIdentityCommand).resolves({ Account: cfg.accountId, Arn: `arn:aws:sts::${cfg.accountId}:user/alice` });
            sq.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 60 } });
            const lines: string[] = [];
            await preflight(
                cfg,
                {
                    engine: new FakeEngine({ stack: "prod" }),
                    sts: async (region) => new STSClient({ region }),
                    git: async () => ({ commit: COMMIT, dirty: false }),
                    ledger: { location: "/srv/ledger", checkWritable: async () => undefined },
                    quotas: { serviceQuotas: client, needs: async () => needs({ rulesPerSecurityGroup: { need: 12, urn: SG } }) },
                },
                (l) => lines.push(l),
            );
            expect(lines).to.include("quotas: L-0EA8095F 12/60");
        });
    });
});
