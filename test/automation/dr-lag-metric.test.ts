/**
 * One lag metric for the global database (issue 17): the DR alarm, `npm run dr -- status` / the dr
 * steps and verify read the same metric, dimension and statistic (src/config.ts GLOBAL_DB_LAG_METRIC),
 * of the secondary cluster, in the secondary's region. Source: Aurora user guide, "Metrics reference
 * for Amazon Aurora", cluster-level metrics, AuroraGlobalDBReplicationLag ("For an Aurora global
 * database, the amount of lag when replicating updates from the primary AWS Region"); the global
 * database's metrics are published in the secondary Region only.
 */
import { expect } from "chai";
import { drAlarmSpecs } from "../../components/dr-alarms";
import { globalLagQuery } from "../../automation/dr/aws";
import { GLOBAL_DB_LAG_METRIC } from "../../src/config";
import { configFor } from "../support/pulumi";

describe("dr: the global database's lag is one metric everywhere (AuroraGlobalDBReplicationLag of the secondary)", () => {
    const cfg = configFor("prod");
    const standby = "bbws-aurora-prod-dr";

    it("is AWS/RDS AuroraGlobalDBReplicationLag by DBClusterIdentifier, in milliseconds (Aurora metrics reference)", () => {
        expect(GLOBAL_DB_LAG_METRIC).to.deep.include({
            namespace: "AWS/RDS",
            metricName: "AuroraGlobalDBReplicationLag",
            dimension: "DBClusterIdentifier",
            publishedBy: "secondary",
        });
    });

    it("the alarm watches it on the standby cluster, in the standby's region, at the RPO in milliseconds", () => {
        const specs = drAlarmSpecs({
            env: "prod",
            region: cfg.region,
            dr: cfg.dr!,
            criticalTopicArn: "arn",
            criticalEmails: [],
            standbyClusterIdentifier: standby,
            primaryClusterIdentifier: "bbws-aurora-prod",
            fileSystemId: "fs-1",
            replicaFileSystemId: "fs-2",
            healthCheckId: "hc",
        });
        const lag = specs.find((s) => s.metricName === GLOBAL_DB_LAG_METRIC.metricName)!;
        expect(lag).to.deep.include({
            where: "standby",
            namespace: GLOBAL_DB_LAG_METRIC.namespace,
            statistic: GLOBAL_DB_LAG_METRIC.statistic,
            dimensions: { [GLOBAL_DB_LAG_METRIC.dimension]: standby },
            threshold: cfg.dr!.replication.rpoMinutes * 60_000,
        });
    });

    it("dr status, the dr steps and verify send the same metric of the same cluster (globalLagQuery)", () => {
        const query = globalLagQuery(standby, new Date("2026-12-01T10:00:00Z"));
        const stat = query.MetricDataQueries![0].MetricStat!;
        expect(stat.Metric).to.deep.equal({
            Namespace: GLOBAL_DB_LAG_METRIC.namespace,
            MetricName: GLOBAL_DB_LAG_METRIC.metricName,
            Dimensions: [{ Name: GLOBAL_DB_LAG_METRIC.dimension, Value: standby }],
        });
        expect(stat.Stat).to.equal(GLOBAL_DB_LAG_METRIC.statistic);
        expect(query.EndTime!.getTime() - query.StartTime!.getTime()).to.equal(15 * 60_000);
    });
});
