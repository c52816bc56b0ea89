/**
 * What an enterprise tenant adds to the monthly estimate (README "Isolation tiers"): a premium tenant's
 * VPC, NAT gateway, load balancer, file system and flow logs, plus its own database (its KMS key, Aurora
 * cluster and instances, their log groups and RDS's master secret), its own backup plan's recovery points
 * and its cluster's alarms, every line the tenant's. Measured on the real program: dev's synth against
 * dev's synth with its first tenant enterprise (`configOverrides`, as `npm run cost` would see that stack
 * file), priced from automation/cost-prices.json.
 */
import { expect } from "chai";
import { CostEstimate, estimateCost } from "../../automation/cost";
import { synthesize } from "../../automation/synth";
import { cachedSynthesize } from "../support/synth-cache";
import { configFor, PROJECT_DIR, stackFileConfig } from "../support/pulumi";

const dev = configFor("dev");
const TENANT = "aupairhive";

describe("cost: what an enterprise tenant adds over a basic one", function () {
    this.timeout(120_000);
    let basic: CostEstimate;
    let enterprise: CostEstimate;
    before(async () => {
        const raw = stackFileConfig("dev")["bbws:tenants"] as Array<Record<string, unknown>>;
        const tenants = raw.map((t) => (t.id === TENANT ? { ...t, tier: "enterprise" } : t));
        // estimateCost throws UnpricedTypeError on a type neither priced nor listed free: building the estimate is the first check.
        basic = estimateCost(await cachedSynthesize(PROJECT_DIR, "dev"), { region: dev.region, cost: dev.cost });
        enterprise = estimateCost(await synthesize(PROJECT_DIR, "dev", { configOverrides: { "bbws:tenants": tenants } }), {
            region: dev.region,
            cost: dev.cost,
        });
    });
    type CostLine = CostEstimate["lines"][number];
    const key = (l: CostLine) => `${l.type} ${l.item}`;
    const added = () => {
        const before = new Set(basic.lines.map((l) => `${l.resource} ${l.item}`));
        return enterprise.lines.filter((l) => !before.has(`${l.resource} ${l.item}`));
    };

    it("adds its key, cluster, instance, backups and alarms to a premium tenant's NAT gateway, load balancer, file system and flow logs, every line the tenant's own", () => {
        const kinds = [...new Set(added().map(key))].sort();
        expect(kinds).to.include.members([
            "aws:kms/key:Key customer managed key",
            "aws:rds/cluster:Cluster Aurora storage",
            "aws:rds/cluster:Cluster Aurora I/O requests (Aurora Standard)",
            "aws:rds/cluster:Cluster master password secret (created by RDS)",
            `aws:rds/clusterInstance:ClusterInstance instance hours (${dev.database.instanceClass})`,
            "aws:backup/plan:Plan EFS recovery points (warm)",
            "aws:backup/plan:Plan Aurora recovery points",
            "aws:cloudwatch/metricAlarm:MetricAlarm alarm metrics",
            "awsx:ec2:Vpc NAT gateway hours",
            "aws:lb/loadBalancer:LoadBalancer load balancer hours",
            "aws:efs/fileSystem:FileSystem EFS Standard storage",
        ]);
        for (const l of added()) expect(l.tenant, `${l.resource} ${l.item}`).to.equal(TENANT);
        // One instance per `bbws:database.instances`, as the environment's cluster has.
        const instances = added().filter((l) => l.type === "aws:rds/clusterInstance:ClusterInstance");
        expect(instances).to.have.length(dev.database.instances);
    });

    it("prices its own backup plan as the environment's: one full copy and the daily change of its file system and its cluster, kept bbws:storage.backupRetentionDays", () => {
        const mine = added().filter((l) => l.resource === `storage-${TENANT}-backup-plan`);
        const theirs = enterprise.lines.filter((l) => l.resource === "storage-backup-plan");
        expect(mine.map((l) => [l.item, l.quantity])).to.deep.equal(theirs.map((l) => [l.item, l.quantity]));
    });

    it("reports what the price table has no eu-west-1 price for as unpriced (never zero): Aurora, AWS Backup, EFS, CloudWatch, ALB capacity units, transfer out", () => {
        const unpriced = added().filter((l) => l.usd === undefined);
        expect([...new Set(unpriced.map((l) => l.priceKey))].sort()).to.deep.equal(
            [
                `aurora.instanceHour.${dev.database.instanceClass}`,
                "aurora.ioMillion",
                "aurora.storageGbMonth",
                "backup.auroraGbMonth",
                "backup.efsGbMonth",
                "alb.lcuHour",
                "cloudwatch.alarmMetricMonth",
                "dataTransferOut.gb",
                "efs.iaGbMonth",
                "efs.readGb",
                "efs.standardGbMonth",
                "efs.writeGb",
                "logs.ingestGb",
                "logs.storageGbMonth",
            ].sort(),
        );
        const priced = added().reduce((s, l) => s + (l.usd ?? 0), 0);
        expect(enterprise.total - basic.total).to.be.closeTo(priced, 1e-9);
    });
});
