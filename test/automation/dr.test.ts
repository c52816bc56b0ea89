/**
 * `npm run dr`: the config it reads and writes, its refusals (exit 2, nothing changed or recorded),
 * the gates on each step, and the AWS rules each call follows, with their sources.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { mockClient } from "aws-sdk-client-mock";
import {
    ChangeResourceRecordSetsCommand,
    GetHealthCheckStatusCommand,
    ListResourceRecordSetsCommand,
    Route53Client,
} from "@aws-sdk/client-route-53";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
    ApplicationAutoScalingClient,
    DescribeScalableTargetsCommand,
    RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import {
    DescribeDBClustersCommand,
    DescribeDBInstancesCommand,
    DescribeGlobalClustersCommand,
    FailoverGlobalClusterCommand,
    RDSClient,
} from "@aws-sdk/client-rds";
import { CreateReplicationConfigurationCommand, EFSClient, UpdateFileSystemProtectionCommand } from "@aws-sdk/client-efs";
import { parseDocument, YAMLMap } from "yaml";
import { readDrSettings } from "../../automation/dr/config";
import { checkStackText, loadStackConfig } from "../../automation/stack-files";
import { DR_GLOBAL_DATABASE, DR_SERVING } from "../../src/config";
import { awsDrPort, normalizeDnsName, ROUTE53_REGION } from "../../automation/dr/aws";
import { setDrState } from "../../automation/dr/stack-edit";
import { DRAIN_FENCE, engineCompatibility, missingApprovals, primaryHealthGate, rolesFor, STEPS } from "../../automation/dr/steps";
import { LAG_FRESH_MS, lagEstimate } from "../../automation/dr/lag";
import { objectivesOf } from "../../automation/dr/report";
import { primaryScaling } from "../../components/tenant-service";
import { changedLines } from "../../automation/tenant/steps";
import { drProject, PROD_APPROVALS, runDr } from "./dr-fixtures";
import { callerIdentity } from "../../automation/preflight";
import { secretsProviderLine } from "../../automation/dr/status";

const ledgerOf = (dir: string) => path.join(dir, ".rollout", "prod.dr.jsonl");

describe("dr config: bbws:dr read through the program's schema (src/config.ts)", () => {
    /** A project whose prod `bbws:dr` is `change` applied to prod's own block (YAML Document API); its settings or the refusal. */
    const prodWith = (change: (dr: YAMLMap) => void) => {
        const dir = drProject();
        const file = path.join(dir, "Pulumi.prod.yaml");
        const doc = parseDocument(fs.readFileSync(file, "utf8"));
        change(doc.getIn(["config", "bbws:dr"], true) as YAMLMap);
        fs.writeFileSync(file, doc.toString());
        return () => readDrSettings(dir, "prod");
    };

    it("reads `none` (dev and sit) as no DR, and prod's own block as the program does", () => {
        const dir = drProject();
        expect(readDrSettings(dir, "dev").dr).to.equal(undefined);
        expect(readDrSettings(dir, "prod").dr).to.deep.equal(loadStackConfig(dir, "prod").dr);
    });

    it("defaults serving to primary and the global database to attached", () => {
        const settings = prodWith((dr) => {
            dr.delete("serving");
            dr.delete("globalDatabase");
        })();
        expect(settings.dr).to.deep.include({ serving: "primary", globalDatabase: "attached" });
    });

    it("refuses a standby in the primary's own region, an unknown key and a value out of range (exit 2), naming the key", () => {
        expect(prodWith((dr) => dr.set("region", "af-south-1"))).to.throw(/bbws:dr\.region: 'af-south-1' is aws:region itself/);
        expect(prodWith((dr) => dr.set("servng", "standby"))).to.throw(/servng/);
        expect(prodWith((dr) => dr.set("serving", "both"))).to.throw(/bbws:dr/);
    });

    it("writes serving and globalDatabase by changing only their two lines, for every state the schema accepts", () => {
        const dir = drProject();
        const text = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        fc.assert(
            fc.property(fc.constantFrom(...DR_SERVING), fc.constantFrom(...DR_GLOBAL_DATABASE), (serving, globalDatabase) => {
                const after = setDrState(text, { serving, globalDatabase });
                const changed = changedLines(text, after);
                expect(
                    changed.every((l) => /^[-+] {5}(serving|globalDatabase): /.test(l)),
                    changed.join("\n"),
                ).to.equal(true);
                expect(checkStackText(dir, "prod", after).dr).to.deep.include({ serving, globalDatabase });
                expect(setDrState(after, { serving, globalDatabase })).to.equal(after);
            }),
        );
    });
});

describe("dr gates: each step needs the roles of the phases it touches (bbws:approvals)", () => {
    const approvals = {
        network: ["tech-lead", "network-engineer"],
        database: ["tech-lead", "dba"],
        storage: ["tech-lead"],
        ecs: ["tech-lead", "devops-lead"],
        monitoring: ["devops-lead"],
    };

    it("asks the database roles for the global database, storage's for files, ecs's for services and DNS, nobody for reads", () => {
        const roles = Object.fromEntries(STEPS.switchover.map((s) => [s.id, rolesFor(s.phases, approvals)]));
        expect(roles).to.deep.equal({
            check: [],
            database: ["tech-lead", "dba"],
            scale: ["tech-lead", "devops-lead"],
            healthy: [],
            dns: ["tech-lead", "devops-lead"],
            drain: ["tech-lead", "devops-lead"],
            files: ["tech-lead"],
            config: [],
        });
        // failback's rebuild rolls out storage only: Aurora rebuilds the database member itself.
        expect(rolesFor(STEPS.failback[0].phases, approvals)).to.deep.equal(["tech-lead"]);
    });

    it("names the roles no approval covers, and an empty name covers none", () => {
        expect(missingApprovals(["tech-lead", "dba"], [{ role: "tech-lead", name: "alice" }])).to.deep.equal(["dba"]);
        expect(missingApprovals(["dba"], [{ role: "dba", name: " " }])).to.deep.equal(["dba"]);
    });

    it("refuses the first gated step without its approvals (exit 3), records the refusal, and sends nothing", async () => {
        const dir = drProject();
        const reh = path.join(dir, "rehearsal");
        fs.mkdirSync(reh);
        const run = await runDr(
            ["switchover", "--env", "prod", "--to", "eu-west-1", "--rehearse", "--rehearsal-dir", reh, "--approve", "tech-lead:alice"],
            dir,
        );
        expect(run.code).to.equal(3);
        expect(run.stdout).to.match(/database .* refused .*missing --approve dba:<name>/);
        const records = fs
            .readFileSync(path.join(reh, ".rollout", "prod.dr.jsonl"), "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        expect(records.map((r) => `${r.step} ${r.result}`)).to.deep.equal(["check succeeded", "database refused"]);
        const world = JSON.parse(fs.readFileSync(path.join(reh, "aws-world.json"), "utf8"));
        expect(world.calls.map((c: { call: string }) => c.call)).to.not.include("SwitchoverGlobalCluster");
    });
});

describe("dr bad input: exit 2, nothing changed, nothing recorded", () => {
    const cases: [string, string[], RegExp][] = [
        ["dev has no DR", ["status", "--env", "dev"], /dev has no disaster recovery/],
        ["sit has no DR", ["switchover", "--env", "sit", "--to", "eu-west-1"], /sit has no disaster recovery/],
        ["an unknown environment", ["status", "--env", "qa"], /unknown environment 'qa'/],
        [
            "a region that is neither side",
            ["switchover", "--env", "prod", "--to", "us-east-1"],
            /neither the primary region af-south-1 nor the standby region eu-west-1/,
        ],
        ["a failover to the primary", ["failover", "--env", "prod", "--to", "af-south-1"], /moves serving to the standby region eu-west-1/],
        ["a failback while the primary serves", ["failback", "--env", "prod", "--to", "af-south-1"], /af-south-1 already serves prod/],
        ["an operation without --to", ["switchover", "--env", "prod"], /needs --to <region>/],
        ["status with a change flag", ["status", "--env", "prod", "--to", "eu-west-1"], /status only reads: it takes no --to/],
        ["--rehearsal-dir without --rehearse", ["status", "--env", "prod", "--rehearsal-dir", "x"], /--rehearsal-dir needs --rehearse/],
        ["a malformed approval", ["switchover", "--env", "prod", "--to", "eu-west-1", "--approve", "dba"], /role:name/],
        [
            "--primary-is-down with a switchover",
            ["switchover", "--env", "prod", "--to", "eu-west-1", "--primary-is-down"],
            /--primary-is-down only go with failover, not switchover/,
        ],
        [
            "--detach-and-promote with a failback",
            ["failback", "--env", "prod", "--to", "af-south-1", "--detach-and-promote"],
            /--detach-and-promote only go with failover, not failback/,
        ],
    ];
    for (const [what, argv, message] of cases) {
        it(`refuses ${what}`, async () => {
            const dir = drProject();
            const before = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
            const touched: string[] = [];
            const run = await runDr(argv, dir, {
                account: async () => (touched.push("sts"), "093646564004"),
                port: async () => {
                    touched.push("aws");
                    throw new Error("no AWS in this test");
                },
                createEngine: async () => {
                    touched.push("engine");
                    throw new Error("no engine in this test");
                },
            });
            expect(run.code, run.stderr).to.equal(2);
            expect(run.stderr).to.match(message);
            expect(touched).to.deep.equal([]);
            expect(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8")).to.equal(before);
            expect(fs.existsSync(ledgerOf(dir))).to.equal(false);
        });
    }

    it("refuses credentials of another account before reading the stack or AWS", async () => {
        const dir = drProject();
        const run = await runDr(["switchover", "--env", "prod", "--to", "eu-west-1", ...PROD_APPROVALS], dir, {
            account: async () => "111111111111",
        });
        expect(run.code).to.equal(2);
        expect(run.stderr).to.match(/account 111111111111, not prod's 093646564004/);
    });

    it("asks STS in the region being moved to (the standby's for status), not the primary's, which may be the one down", async () => {
        const asked: string[] = [];
        const account = async (region: string) => (asked.push(region), "111111111111");
        await runDr(["switchover", "--env", "prod", "--to", "eu-west-1", ...PROD_APPROVALS], drProject(), { account });
        await runDr(["status", "--env", "prod"], drProject(), { account });
        expect(asked).to.deep.equal(["eu-west-1", "eu-west-1"]);
    });

    it("refuses missing credentials with exit 2 and how to fix them, not a stack trace", async () => {
        const run = await runDr(["status", "--env", "prod"], drProject(), {
            account: () =>
                callerIdentity({ send: async () => Promise.reject(new Error("Could not load credentials from any providers")) }).then(
                    (c) => c.account,
                ),
        });
        expect(run.code).to.equal(2);
        expect(run.stderr)
            .to.include("AWS credentials do not work: Could not load credentials from any providers")
            .and.include("AWS_PROFILE");
    });

    it("reads saved outputs (--outputs) instead of the state, which may live in the region that is down; an unreadable file is exit 2", async () => {
        const dir = drProject();
        const saved = path.join(dir, "prod-outputs.json");
        fs.writeFileSync(saved, JSON.stringify({ database: {}, ecs: {} }));
        const touched: string[] = [];
        const run = await runDr(["status", "--env", "prod", "--outputs", saved], dir, {
            account: async () => "093646564004",
            createEngine: async () => {
                touched.push("engine");
                throw new Error("the backend is down");
            },
        });
        expect(touched).to.deep.equal([]);
        expect(run.code).to.equal(2);
        expect(run.stderr).to.match(/does not export what disaster recovery needs/);
        const missing = await runDr(["status", "--env", "prod", "--outputs", path.join(dir, "none.json")], dir, {
            account: async () => "093646564004",
        });
        expect(missing.code).to.equal(2);
        expect(missing.stderr).to.include("cannot read --outputs");
    });

    it("refuses a stack without the contract's dr outputs, naming the first missing key", async () => {
        const dir = drProject();
        const run = await runDr(["status", "--env", "prod"], dir, {
            account: async () => "093646564004",
            createEngine: async () => ({ outputs: async () => ({ database: {}, ecs: {} }) }) as never,
        });
        expect(run.code).to.equal(2);
        expect(run.stderr).to.match(/does not export what disaster recovery needs \(database\.dr: Required/);
    });
});

describe("dr AWS calls: the real port's requests (sources named)", () => {
    it("Route 53 is global: its client is in us-east-1 (Route 53 API reference, endpoints)", () => {
        expect(ROUTE53_REGION).to.equal("us-east-1");
    });

    it("flips every failover record of the pair in one UPSERT batch, matching alias targets with or without `dualstack.` and the final dot", async () => {
        const r53 = mockClient(Route53Client);
        const standbyDns = "bbws-alb-prod-dr-1.eu-west-1.elb.amazonaws.com";
        const primaryDns = "bbws-alb-prod-2.af-south-1.elb.amazonaws.com";
        r53.on(ListResourceRecordSetsCommand).resolves({
            ResourceRecordSets: [
                {
                    Name: "\\052.bbws.io.",
                    Type: "A",
                    SetIdentifier: "primary",
                    Failover: "PRIMARY",
                    AliasTarget: { DNSName: `dualstack.${primaryDns}.`, HostedZoneId: "Z1", EvaluateTargetHealth: true },
                },
                {
                    Name: "\\052.bbws.io.",
                    Type: "A",
                    SetIdentifier: "standby",
                    Failover: "SECONDARY",
                    AliasTarget: { DNSName: `${standbyDns.toUpperCase()}.`, HostedZoneId: "Z2", EvaluateTargetHealth: true },
                },
                {
                    Name: "other.bbws.io.",
                    Type: "A",
                    SetIdentifier: "x",
                    Failover: "PRIMARY",
                    AliasTarget: { DNSName: primaryDns, HostedZoneId: "Z1", EvaluateTargetHealth: true },
                },
            ],
        });
        r53.on(ChangeResourceRecordSetsCommand).resolves({});
        const target = {
            hostedZoneId: "ZONE",
            recordNames: ["*.bbws.io"],
            loadBalancers: { "af-south-1": primaryDns, "eu-west-1": standbyDns },
            healthCheckId: "hc",
        };
        await awsDrPort().makePrimary(target, "eu-west-1");
        const batch = r53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input.ChangeBatch!.Changes!;
        expect(batch.map((c) => [c.Action, c.ResourceRecordSet!.SetIdentifier, c.ResourceRecordSet!.Failover])).to.deep.equal([
            ["UPSERT", "primary", "SECONDARY"],
            ["UPSERT", "standby", "PRIMARY"],
        ]);
        r53.on(GetHealthCheckStatusCommand).resolves({
            HealthCheckObservations: [{ StatusReport: { Status: "Failure: timeout" } }, { StatusReport: { Status: "Failure: timeout" } }],
        });
        const view = await awsDrPort().dns(target);
        expect(view.primaryHealthy).to.equal(false);
        r53.restore();
        expect(normalizeDnsName("dualstack.A.example.")).to.equal("a.example");
        expect(normalizeDnsName("\\052.bbws.io.")).to.equal("*.bbws.io"); // Route 53 developer guide, "DNS domain name format"
    });

    it("sends one batch per tenant's pair, demoting before promoting, so no name has two PRIMARY records and no batch nears Route 53's request size limit", async () => {
        const r53 = mockClient(Route53Client);
        const rec = (name: string, region: string, failover: "PRIMARY" | "SECONDARY", dns: string) => ({
            Name: `${name}.`,
            Type: "A" as const,
            SetIdentifier: region,
            Failover: failover,
            AliasTarget: { DNSName: dns, HostedZoneId: "Z", EvaluateTargetHealth: false },
        });
        r53.on(ListResourceRecordSetsCommand).resolves({
            ResourceRecordSets: ["a.bbws.io", "b.bbws.io"].flatMap((n) => [
                rec(n, "af-south-1", "SECONDARY", "p.elb"),
                rec(n, "eu-west-1", "PRIMARY", "s.elb"),
            ]),
        });
        r53.on(ChangeResourceRecordSetsCommand).resolves({});
        await awsDrPort().makePrimary(
            {
                hostedZoneId: "ZONE",
                recordNames: ["a.bbws.io", "b.bbws.io"],
                loadBalancers: { "af-south-1": "p.elb", "eu-west-1": "s.elb" },
                healthCheckId: "hc",
            },
            "af-south-1",
        );
        const batches = r53
            .commandCalls(ChangeResourceRecordSetsCommand)
            .map((c) =>
                c.args[0].input.ChangeBatch!.Changes!.map(
                    (ch) => `${ch.ResourceRecordSet!.Name} ${ch.ResourceRecordSet!.SetIdentifier} ${ch.ResourceRecordSet!.Failover}`,
                ),
            );
        expect(batches).to.deep.equal([
            ["a.bbws.io. eu-west-1 SECONDARY", "a.bbws.io. af-south-1 PRIMARY"],
            ["b.bbws.io. eu-west-1 SECONDARY", "b.bbws.io. af-south-1 PRIMARY"],
        ]);
        r53.restore();
    });

    it("replicates into an existing file system: overwrite protection DISABLED in the destination's region first, then CreateReplicationConfiguration in the source's naming the destination's id (EFS user guide, replication to an existing file system)", async () => {
        const efs = mockClient(EFSClient);
        efs.on(UpdateFileSystemProtectionCommand).resolves({});
        efs.on(CreateReplicationConfigurationCommand).resolves({});
        await awsDrPort().replicateToExisting("eu-west-1", "fs-eu", "af-south-1", "fs-af");
        const calls = efs.calls().map((c) => [c.args[0].constructor.name, c.args[0].input]);
        expect(calls).to.deep.equal([
            ["UpdateFileSystemProtectionCommand", { FileSystemId: "fs-af", ReplicationOverwriteProtection: "DISABLED" }],
            [
                "CreateReplicationConfigurationCommand",
                { SourceFileSystemId: "fs-eu", Destinations: [{ Region: "af-south-1", FileSystemId: "fs-af" }] },
            ],
        ]);
        efs.restore();
    });

    it("reads the zone page by page (300 records, continued from NextRecordName/Type/Identifier), not one call per tenant (Route 53: 5 requests a second)", async () => {
        const r53 = mockClient(Route53Client);
        const record = (name: string, failover: "PRIMARY" | "SECONDARY", dns: string) => ({
            Name: `${name}.`,
            Type: "A" as const,
            SetIdentifier: failover === "PRIMARY" ? "af-south-1" : "eu-west-1",
            Failover: failover,
            AliasTarget: { DNSName: dns, HostedZoneId: "Z", EvaluateTargetHealth: true },
        });
        r53.on(ListResourceRecordSetsCommand, { HostedZoneId: "ZONE", MaxItems: 300 })
            .resolves({
                ResourceRecordSets: [record("a.bbws.io", "PRIMARY", "p.elb"), record("x.bbws.io", "PRIMARY", "p.elb")],
                IsTruncated: true,
                NextRecordName: "b.bbws.io.",
                NextRecordType: "A",
                NextRecordIdentifier: "af-south-1",
            })
            .on(ListResourceRecordSetsCommand, { StartRecordName: "b.bbws.io.", StartRecordType: "A", StartRecordIdentifier: "af-south-1" })
            .resolves({ ResourceRecordSets: [record("b.bbws.io", "PRIMARY", "s.elb")], IsTruncated: false });
        r53.on(GetHealthCheckStatusCommand).resolves({ HealthCheckObservations: [] });
        const view = await awsDrPort().dns({
            hostedZoneId: "ZONE",
            recordNames: ["a.bbws.io", "b.bbws.io"],
            loadBalancers: { "af-south-1": "p.elb", "eu-west-1": "s.elb" },
            healthCheckId: "hc",
        });
        expect(r53.commandCalls(ListResourceRecordSetsCommand)).to.have.length(2);
        expect(view.primaryRegionOf).to.deep.equal({ "a.bbws.io": "af-south-1", "b.bbws.io": "eu-west-1" });
        r53.restore();
    });

    it("reads AuroraGlobalDBReplicationLag (AWS/RDS, DBClusterIdentifier of the secondary) in the secondary's own region, newest first, with its timestamp", async () => {
        const cw = mockClient(CloudWatchClient);
        const at = new Date("2026-12-01T09:59:00Z");
        cw.on(GetMetricDataCommand).resolves({
            MetricDataResults: [{ Id: "lag", Values: [1200, 900], Timestamps: [at, new Date("2026-12-01T09:58:00Z")] }],
        });
        expect(await awsDrPort().replicaLag("eu-west-1", "bbws-aurora-prod-dr")).to.deep.equal({ ms: 1200, at });
        const call = cw.commandCalls(GetMetricDataCommand)[0];
        const stat = call.args[0].input.MetricDataQueries![0].MetricStat!;
        expect([stat.Metric!.Namespace, stat.Metric!.MetricName, stat.Metric!.Dimensions]).to.deep.equal([
            "AWS/RDS",
            "AuroraGlobalDBReplicationLag",
            [{ Name: "DBClusterIdentifier", Value: "bbws-aurora-prod-dr" }],
        ]);
        expect(call.args[0].input.ScanBy).to.equal("TimestampDescending");
        expect(await (call.thisValue as CloudWatchClient).config.region()).to.equal("eu-west-1");
        cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: "lag", Values: [], Timestamps: [] }] });
        expect(await awsDrPort().replicaLag("eu-west-1", "bbws-aurora-prod-dr"), "no datapoint is no reading, never 0").to.equal(undefined);
        cw.restore();
    });

    it("fails over with FailoverGlobalCluster, AllowDataLoss true and the target's ARN, sent to the target's region (RDS API reference, FailoverGlobalCluster; Aurora user guide, managed failovers: --region of the selected secondary)", async () => {
        const rds = mockClient(RDSClient);
        rds.on(FailoverGlobalClusterCommand).resolves({});
        const arn = "arn:aws:rds:eu-west-1:093646564004:cluster:bbws-aurora-prod-dr";
        await awsDrPort().failover("eu-west-1", "bbws-aurora-prod-global", arn);
        const [call] = rds.commandCalls(FailoverGlobalClusterCommand);
        expect(call.args[0].input).to.deep.equal({
            GlobalClusterIdentifier: "bbws-aurora-prod-global",
            TargetDbClusterIdentifier: arn,
            AllowDataLoss: true,
        });
        expect(call.args[0].input, "Switchover cannot go with AllowDataLoss").to.not.have.property("Switchover");
        expect(await (call.thisValue as RDSClient).config.region()).to.equal("eu-west-1");
        rds.restore();
    });

    it("reads a cluster as writable only with a writer instance (a global database's secondary is made up entirely of readers), with its engine version; the global database's FailoverState and members' SynchronizationStatus", async () => {
        const rds = mockClient(RDSClient);
        rds.on(DescribeDBClustersCommand).resolves({
            DBClusters: [
                {
                    DBClusterIdentifier: "bbws-aurora-prod-dr",
                    DBClusterArn: "arn:dr",
                    Status: "available",
                    GlobalClusterIdentifier: "bbws-aurora-prod-global",
                    EngineVersion: "8.0.mysql_aurora.3.08.2",
                    DBClusterMembers: [{ DBInstanceIdentifier: "dr-1", IsClusterWriter: false }],
                },
            ],
        });
        expect(await awsDrPort().cluster("eu-west-1", "bbws-aurora-prod-dr")).to.deep.include({
            writable: false,
            engineVersion: "8.0.mysql_aurora.3.08.2",
        });
        rds.on(DescribeDBClustersCommand).resolves({
            DBClusters: [{ DBClusterIdentifier: "x", GlobalClusterIdentifier: "g", DBClusterMembers: [{ IsClusterWriter: true }] }],
        });
        expect((await awsDrPort().cluster("eu-west-1", "x"))!.writable, "a global database's primary writes").to.equal(true);
        rds.on(DescribeGlobalClustersCommand).resolves({
            GlobalClusters: [
                {
                    GlobalClusterIdentifier: "bbws-aurora-prod-global",
                    Status: "failing-over",
                    EngineVersion: "8.0.mysql_aurora.3.08.2",
                    GlobalClusterMembers: [
                        { DBClusterArn: "arn:aws:rds:af-south-1:1:cluster:p", IsWriter: false, SynchronizationStatus: "pending-resync" },
                        { DBClusterArn: "arn:aws:rds:eu-west-1:1:cluster:d", IsWriter: true, SynchronizationStatus: "connected" },
                    ],
                    FailoverState: { Status: "failing-over", FromDbClusterArn: "p", ToDbClusterArn: "d", IsDataLossAllowed: true },
                },
            ],
        });
        const gc = (await awsDrPort().globalCluster("eu-west-1", "bbws-aurora-prod-global"))!;
        expect(gc.members.map((m) => [m.region, m.isWriter, m.synchronization])).to.deep.equal([
            ["af-south-1", false, "pending-resync"],
            ["eu-west-1", true, "connected"],
        ]);
        expect(gc.failoverState).to.deep.equal({ status: "failing-over", fromArn: "p", toArn: "d", dataLossAllowed: true });
        expect(gc.engineVersion).to.equal("8.0.mysql_aurora.3.08.2");
        rds.restore();
    });
});

describe("dr failover rules: the primary's health, the lag, the engine versions (pure)", () => {
    const NOW = Date.parse("2026-12-01T10:00:00Z");
    it("refuses a failover while Route 53 finds the primary healthy or has no observation, unless --primary-is-down, which is an override", () => {
        expect(primaryHealthGate(false, false)).to.deep.equal({ proceed: true });
        expect(primaryHealthGate(true, false)).to.deep.equal({ proceed: false });
        expect(primaryHealthGate(undefined, false)).to.deep.equal({ proceed: false });
        expect(primaryHealthGate(true, true)).to.deep.equal({
            proceed: true,
            override: "--primary-is-down (Route 53's health check said healthy)",
        });
        expect(primaryHealthGate(undefined, true).override).to.match(/had no observation/);
    });

    it("reads no datapoint as an unknown lag, never as none", () => {
        expect(lagEstimate(undefined, NOW)).to.deep.equal({
            known: false,
            text: "unknown: no AuroraGlobalDBReplicationLag datapoint in the last 15 min",
        });
    });

    it("reads a fresh datapoint as the lag, and a stale one as unknown between its lag and its lag plus its age", () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 600_000 }), fc.integer({ min: 0, max: 15 * 60_000 }), (ms, age) => {
                const e = lagEstimate({ ms, at: new Date(NOW - age) }, NOW);
                expect(e.known).to.equal(age <= LAG_FRESH_MS);
                expect(e.atLeastMs).to.equal(ms);
                expect(e.atMostMs).to.equal(e.known ? ms : ms + age);
            }),
        );
    });

    it("judges a failover's database RPO on the lag's bounds: within, over, or not measured when they straddle the target or are missing", () => {
        const rpo = (data: Record<string, string>) =>
            objectivesOf("failover", [{ step: "assess", title: "", status: "succeeded", roles: [], data }], {
                rtoMinutes: 60,
                rpoMinutes: 15,
            }).find((o) => o.name === "RPO (database)")!;
        expect(rpo({ auroraLagAtLeastMs: "42000", auroraLagAtMostMs: "42000" })).to.deep.include({ measuredMs: 42000, verdict: "within" });
        expect(rpo({ auroraLagAtLeastMs: "42000", auroraLagAtMostMs: "282000" })).to.deep.include({
            measuredMs: 282000,
            verdict: "within",
        });
        expect(rpo({ auroraLagAtLeastMs: "60000", auroraLagAtMostMs: "1200000" }).verdict).to.equal("not measured");
        expect(rpo({ auroraLagAtLeastMs: "1000000", auroraLagAtMostMs: "1200000" }).verdict).to.equal("over");
        expect(rpo({})).to.deep.include({ measuredMs: undefined, verdict: "not measured" });
    });

    it("allows a managed switchover or failover only between the same major and minor engine versions (Aurora user guide, managed failovers)", () => {
        expect(engineCompatibility("8.0.mysql_aurora.3.08.2", "8.0.mysql_aurora.3.08.2")).to.equal("same");
        expect(engineCompatibility("8.0.mysql_aurora.3.08.2", "8.0.mysql_aurora.3.08.1")).to.equal("patch differs");
        expect(engineCompatibility("8.0.mysql_aurora.3.08.2", "8.0.mysql_aurora.3.07.1")).to.equal("incompatible");
    });
});

describe("dr status: the standby cluster's instances through the real port", () => {
    it("asks RDS in the cluster's own region for its instances by db-cluster-id (RDS API reference, DescribeDBInstances Filters), across pages", async () => {
        const rds = mockClient(RDSClient);
        rds.on(DescribeDBInstancesCommand)
            .resolvesOnce({ DBInstances: [{ DBInstanceIdentifier: "dr-1", DBInstanceStatus: "available" }], Marker: "next" })
            .resolvesOnce({ DBInstances: [{ DBInstanceIdentifier: "dr-2", DBInstanceStatus: "creating" }] });
        expect(await awsDrPort().instances("eu-west-1", "bbws-aurora-prod-dr")).to.deep.equal([
            { identifier: "dr-1", status: "available" },
            { identifier: "dr-2", status: "creating" },
        ]);
        const [first, second] = rds.commandCalls(DescribeDBInstancesCommand);
        expect(first.args[0].input.Filters).to.deep.equal([{ Name: "db-cluster-id", Values: ["bbws-aurora-prod-dr"] }]);
        expect(second.args[0].input.Marker).to.equal("next");
        expect(await (first.thisValue as RDSClient).config.region()).to.equal("eu-west-1");
        rds.restore();
    });
});

describe("dr drain: the auto-scaling fence (Application Auto Scaling API reference, RegisterScalableTarget)", () => {
    it("is the fence the program applies to a region that does not serve (primaryScaling with serving: standby), so the next ecs rollout changes nothing", () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), (min, extra) => {
                expect(primaryScaling({ minCapacity: min, maxCapacity: min + extra }, "standby")).to.deep.equal(DRAIN_FENCE);
            }),
        );
        expect(DRAIN_FENCE).to.deep.equal({ minCapacity: 0, maxCapacity: 0, suspended: true });
    });

    it("registers the service's ecs:service:DesiredCount target in its own region: 0–0, scale-in, scale-out and scheduled scaling suspended", async () => {
        const aas = mockClient(ApplicationAutoScalingClient);
        aas.on(RegisterScalableTargetCommand).resolves({});
        await awsDrPort().registerScalableTarget("af-south-1", "bbws-ecs-prod", "bbws-wordpress-shop-prod", DRAIN_FENCE);
        const call = aas.commandCalls(RegisterScalableTargetCommand)[0];
        expect(call.args[0].input).to.deep.equal({
            ServiceNamespace: "ecs",
            ScalableDimension: "ecs:service:DesiredCount",
            ResourceId: "service/bbws-ecs-prod/bbws-wordpress-shop-prod",
            MinCapacity: 0,
            MaxCapacity: 0,
            SuspendedState: { DynamicScalingInSuspended: true, DynamicScalingOutSuspended: true, ScheduledScalingSuspended: true },
        });
        expect(await (call.thisValue as ApplicationAutoScalingClient).config.region()).to.equal("af-south-1");
        aas.restore();
    });

    it("reads the services' targets by ResourceId across pages, and counts a target as suspended only when all three activities are", async () => {
        const aas = mockClient(ApplicationAutoScalingClient);
        const target = (service: string, min: number, suspended: Record<string, boolean> | undefined) => ({
            ServiceNamespace: "ecs" as const,
            ScalableDimension: "ecs:service:DesiredCount" as const,
            ResourceId: `service/bbws-ecs-prod/${service}`,
            MinCapacity: min,
            MaxCapacity: min + 2,
            RoleARN: "arn:aws:iam::093646564004:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/x",
            CreationTime: new Date(0),
            SuspendedState: suspended,
        });
        const all = { DynamicScalingInSuspended: true, DynamicScalingOutSuspended: true, ScheduledScalingSuspended: true };
        aas.on(DescribeScalableTargetsCommand)
            .resolvesOnce({ ScalableTargets: [target("a", 2, undefined)], NextToken: "more" })
            .resolvesOnce({ ScalableTargets: [target("b", 0, all), target("c", 0, { ...all, ScheduledScalingSuspended: false })] });
        const views = await awsDrPort().scalableTargets("af-south-1", "bbws-ecs-prod", ["a", "b", "c", "d"]);
        expect(views).to.deep.equal([
            { service: "a", minCapacity: 2, maxCapacity: 4, suspended: false },
            { service: "b", minCapacity: 0, maxCapacity: 2, suspended: true },
            { service: "c", minCapacity: 0, maxCapacity: 2, suspended: false },
        ]);
        const first = aas.commandCalls(DescribeScalableTargetsCommand)[0].args[0].input;
        expect(first).to.deep.include({
            ServiceNamespace: "ecs",
            ScalableDimension: "ecs:service:DesiredCount",
            ResourceIds: ["service/bbws-ecs-prod/a", "service/bbws-ecs-prod/b", "service/bbws-ecs-prod/c", "service/bbws-ecs-prod/d"],
        });
        expect(aas.commandCalls(DescribeScalableTargetsCommand)[1].args[0].input.NextToken).to.equal("more");
        aas.restore();
    });

    it("shows, in a dry run, the fence of each service before any desiredCount 0", async () => {
        const dir = drProject();
        const run = await runDr(["switchover", "--env", "prod", "--to", "eu-west-1", "--dry-run", "--rehearse"], dir);
        expect(run.code, run.stderr).to.equal(0);
        const plan = run.stdout.split("\n").filter((l) => /RegisterScalableTarget|UpdateService in af-south-1/.test(l));
        expect(plan.length).to.be.greaterThan(1);
        const firstUpdate = plan.findIndex((l) => /UpdateService/.test(l));
        expect(
            plan
                .slice(0, firstUpdate)
                .every((l) =>
                    /RegisterScalableTarget in af-south-1: service\/bbws-ecs-prod\/\S+ MinCapacity 0, MaxCapacity 0, SuspendedState all true/.test(
                        l,
                    ),
                ),
        ).to.equal(true);
        expect(firstUpdate).to.equal(plan.length / 2);
    });
});

describe("dr ledger stream: <env>.dr.jsonl beside the rollout's records", () => {
    const record = {
        v: 1 as const,
        kind: "dr-step" as const,
        at: "2026-12-01T10:02:00.000Z",
        startedAt: "2026-12-01T10:00:00.000Z",
        operationId: "op",
        runId: "run",
        env: "prod",
        action: "switchover" as const,
        to: "eu-west-1",
        step: "database",
        result: "succeeded" as const,
        operator: "alice",
        durationMs: 120_000,
    };

    it("appends whole records to its own file and reads them back, never into the rollout's", async () => {
        const { FileLedger } = await import("../../automation/ledger");
        const dir = fs.mkdtempSync(path.join(require("os").tmpdir(), "bbws-dr-ledger-"));
        const ledger = new FileLedger(dir, () => undefined);
        await ledger.appendDrStep(record);
        expect(await ledger.readDrSteps("prod")).to.deep.equal([record]);
        expect(fs.readdirSync(dir)).to.deep.equal(["prod.dr.jsonl"]);
        expect(await ledger.read("prod")).to.deep.equal([]);
    });

    it("refuses a record of another environment or one missing its start (ledger-corrupt)", async () => {
        const { FileLedger } = await import("../../automation/ledger");
        const dir = fs.mkdtempSync(path.join(require("os").tmpdir(), "bbws-dr-ledger-"));
        fs.writeFileSync(path.join(dir, "prod.dr.jsonl"), `${JSON.stringify({ ...record, env: "sit" })}\n`);
        await new FileLedger(dir, () => undefined).readDrSteps("prod").then(
            () => expect.fail("read a record of sit"),
            (err) => expect(err.code).to.equal("ledger-corrupt"),
        );
        const { startedAt: _startedAt, ...noStart } = record;
        fs.writeFileSync(path.join(dir, "prod.dr.jsonl"), `${JSON.stringify(noStart)}\n`);
        await new FileLedger(dir, () => undefined).readDrSteps("prod").then(
            () => expect.fail("read a record without startedAt"),
            (err) => expect(err.message).to.match(/startedAt/),
        );
    });
});

describe("dr status: the stack's secrets provider must answer while the primary region is down", () => {
    it("warns when the awskms key decrypts only in the primary region (every read of the outputs decrypts with it)", () => {
        const line = secretsProviderLine("awskms://alias/bbws-pulumi-prod?region=af-south-1", "af-south-1", "eu-west-1");
        expect(line.verdict).to.equal("warn");
        expect(line.state).to.include("decrypts in af-south-1").and.include("read from eu-west-1");
    });

    it("is ok for a multi-Region key's replica in the standby region (AWS KMS developer guide, 'Multi-Region keys in AWS KMS') or a provider outside AWS", () => {
        expect(secretsProviderLine("awskms://mrk-1234abcd?region=eu-west-1", "af-south-1", "eu-west-1").verdict).to.equal("ok");
        expect(secretsProviderLine("passphrase", "af-south-1", "eu-west-1").verdict).to.equal("ok");
        expect(secretsProviderLine(undefined, "af-south-1", "eu-west-1").verdict).to.equal("ok");
    });

    it("warns when the URL names no region: the AWS SDK's default region may be the primary's", () => {
        expect(secretsProviderLine("awskms://alias/bbws-pulumi-prod", "af-south-1", "eu-west-1").verdict).to.equal("warn");
    });
});
