/**
 * verify's DR side (issue 17), run only where `bbws:dr` is set: the global database, the file
 * replication, the standby cluster's instances and the standby services, each passing on a healthy standby and failing on one broken
 * answer. The answers have the real APIs' shapes (RDS DescribeGlobalClusters, CloudWatch
 * GetMetricData, EFS DescribeReplicationConfigurations, RDS DescribeDBInstances, ECS DescribeServices).
 */
import { expect } from "chai";
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { DescribeReplicationConfigurationsCommand } from "@aws-sdk/client-efs";
import { DescribeDBInstancesCommand, DescribeGlobalClustersCommand } from "@aws-sdk/client-rds";
import type { DrConfig } from "../../../automation/dr/config";
import { verifyPhase } from "../../../automation/verify";
import { createClients } from "../../../automation/verify/clients";
import { configFor } from "../../support/pulumi";
import { mockHealthyEnvironment, mocks, outputsFor, primaryClusterArn, standbyInstances, without } from "./fixtures";

const cfg = configFor("prod");
// prod's own `bbws:dr` (Pulumi.prod.yaml), read by the program's schema.
const DR: DrConfig = cfg.dr!;
// The fixtures' healthy prod: its outputs carry the DR keys and its AWS doubles answer the DR reads.
const outputs = outputsFor(cfg);
const dr = { database: outputs.database.dr, storage: outputs.storage.dr, ecs: outputs.ecs.dr };
const base = ["database.dr", "storage.dr", "ecs.dr", "monitoring.dr"].reduce(without, outputs);
const primaryArn = primaryClusterArn(cfg, outputs);
const healthyStandby = () => mockHealthyEnvironment(cfg, outputs);

async function result(id: string, config: DrConfig | null = DR) {
    const phase = id.split("-")[0] as "database" | "storage" | "ecs";
    const { checks } = await verifyPhase(
        phase,
        { env: "prod", outputs: outputs as never },
        {
            config: cfg,
            clients: createClients(cfg.region),
            drClients: createClients(DR.region),
            dr: config,
            retry: { sleep: async () => undefined },
        },
    );
    return checks.find((c) => c.id === id);
}

describe("verify DR side", () => {
    beforeEach(healthyStandby);

    it("runs no DR check where bbws:dr is none (dev, sit)", async () => {
        for (const id of ["database-dr-global-cluster", "database-dr-instances", "storage-dr-efs-replication", "ecs-dr-standby-services"])
            expect(await result(id, null), id).to.equal(undefined);
    });

    it("passes a healthy standby: members, writer, lag; replication; services at zero", async () => {
        expect(await result("database-dr-global-cluster")).to.deep.include({ status: "pass" });
        expect((await result("database-dr-global-cluster"))!.detail).to.match(/writer in af-south-1; 2 members; lag 0\.9 s/);
        expect(await result("storage-dr-efs-replication")).to.deep.include({ status: "pass" });
        expect(await result("ecs-dr-standby-services")).to.deep.include({ status: "pass" });
    });

    it("reads the lag of the secondary in its own region (CloudWatch in eu-west-1)", async () => {
        await result("database-dr-global-cluster");
        const call = mocks.cloudwatch.commandCalls(GetMetricDataCommand)[0];
        expect(await (call.thisValue as { config: { region: () => Promise<string> } }).config.region()).to.equal("eu-west-1");
        expect(call.args[0].input.MetricDataQueries![0].MetricStat!.Metric!.Dimensions).to.deep.equal([
            { Name: "DBClusterIdentifier", Value: dr.database.standbyClusterIdentifier },
        ]);
    });

    it("fails a standby outside the global database, and a lag over the RPO", async () => {
        mocks.rds.on(DescribeGlobalClustersCommand).resolves({
            GlobalClusters: [
                {
                    GlobalClusterIdentifier: dr.database.globalClusterIdentifier,
                    Status: "available",
                    GlobalClusterMembers: [{ DBClusterArn: primaryArn, IsWriter: true }],
                },
            ],
        });
        expect((await result("database-dr-global-cluster"))!.detail).to.match(/bbws-aurora-prod-dr is not a member/);
        healthyStandby();
        mocks.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: "lag", Values: [16 * 60_000] }] });
        expect(await result("database-dr-global-cluster")).to.deep.include({ status: "fail" });
    });

    it("passes a standby cluster with bbws:dr.standby.auroraInstances available instances, asked in the DR region by db-cluster-id", async () => {
        const r = await result("database-dr-instances");
        expect(r).to.deep.include({ status: "pass" });
        expect(r!.detail).to.match(new RegExp(`^${dr.database.standbyClusterIdentifier} \\(eu-west-1\\): 1/1 instance\\(s\\) available`));
        const call = mocks.rds
            .commandCalls(DescribeDBInstancesCommand)
            .find((c) => c.args[0].input.Filters?.[0].Values?.[0] === dr.database.standbyClusterIdentifier)!;
        expect(call.args[0].input.Filters).to.deep.equal([{ Name: "db-cluster-id", Values: [dr.database.standbyClusterIdentifier] }]);
        expect(await (call.thisValue as { config: { region: () => Promise<string> } }).config.region()).to.equal("eu-west-1");
    });

    it("fails a headless standby cluster and one whose instance is not available, naming the cluster, found and needed", async () => {
        const filter = { Filters: [{ Name: "db-cluster-id", Values: [dr.database.standbyClusterIdentifier] }] };
        mocks.rds.on(DescribeDBInstancesCommand, filter).resolves({ DBInstances: [] });
        const headless = await result("database-dr-instances");
        expect(headless).to.deep.include({ status: "fail" });
        expect(headless!.detail).to.equal("bbws-aurora-prod-dr (eu-west-1) has 0 available instance(s), needs 1 (saw none)");
        mocks.rds.on(DescribeDBInstancesCommand, filter).resolves({ DBInstances: standbyInstances(cfg, outputs, "creating") });
        expect((await result("database-dr-instances"))!.detail).to.equal(
            "bbws-aurora-prod-dr (eu-west-1) has 0 available instance(s), needs 1 (saw bbws-aurora-prod-dr-1 creating)",
        );
        healthyStandby();
        const needsTwo = await result("database-dr-instances", { ...DR, standby: { ...DR.standby, auroraInstances: 2 } });
        expect(needsTwo!.detail).to.match(/has 1 available instance\(s\), needs 2/);
    });

    it("fails a writer outside the region bbws:dr.serving names", async () => {
        const r = await result("database-dr-global-cluster", { ...DR, serving: "standby" });
        expect(r).to.deep.include({ status: "fail" });
        expect(r!.detail).to.match(/the writer is in af-south-1, bbws:dr.serving says eu-west-1/);
    });

    it("fails a paused replication and one whose last sync is older than the RPO", async () => {
        mocks.efs.on(DescribeReplicationConfigurationsCommand).resolves({
            Replications: [
                {
                    SourceFileSystemId: "x",
                    SourceFileSystemRegion: cfg.region,
                    SourceFileSystemArn: "arn",
                    OriginalSourceFileSystemArn: "arn",
                    CreationTime: new Date(0),
                    Destinations: [
                        {
                            Status: "PAUSED",
                            FileSystemId: dr.storage.fileSystemId,
                            Region: DR.region,
                            LastReplicatedTimestamp: new Date(Date.now() - 40 * 60_000),
                        },
                    ],
                },
            ],
        });
        const r = await result("storage-dr-efs-replication");
        expect(r).to.deep.include({ status: "fail" });
        expect(r!.detail).to.match(/replication is PAUSED; the last sync was 40\.0 min ago, over the RPO/);
    });

    it("fails a missing standby service and one running tasks while the primary serves", async () => {
        const [first, second] = Object.values(dr.ecs.serviceNames as Record<string, string>);
        mocks.ecs
            .on(DescribeServicesCommand, { cluster: dr.ecs.clusterName })
            .resolves({ services: [{ serviceName: first, status: "ACTIVE", desiredCount: 2 }] });
        const r = await result("ecs-dr-standby-services");
        expect(r).to.deep.include({ status: "fail" });
        expect(r!.detail).to.include("desired 2, expected 0").and.include(`${second} is missing`);
    });

    it("fails, naming the key, when the stack lacks the contract's dr outputs", async () => {
        const { checks } = await verifyPhase(
            "ecs",
            { env: "prod", outputs: base as never },
            {
                config: cfg,
                clients: createClients(cfg.region),
                drClients: createClients(DR.region),
                dr: DR,
                retry: { sleep: async () => undefined },
            },
        );
        const r = checks.find((c) => c.id === "ecs-dr-standby-services")!;
        expect(r.status).to.equal("fail");
        expect(r.detail).to.match(/^stack output `database\.dr` is missing \(expected the contract's dr outputs/);
    });
});
