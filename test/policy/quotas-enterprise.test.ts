/**
 * What enterprise tenants spend of RDS's regional default quotas: each has its own Aurora MySQL cluster
 * with the environment's `bbws:database.instances` instances, on top of the platform's own cluster.
 * Counted on dev's and prod's real synths plus N such tenants by the quota rule (`quotaNeeds`) and
 * judged by the Service Quotas preflight (`readQuotas` over the rehearsal's Service Quotas double,
 * `checkQuotas`).
 *
 * Defaults and codes (each on its key in `DEFAULT_QUOTAS`): Aurora user guide, "Quotas and constraints
 * for Amazon Aurora" (AuroraUserGuide/CHAP_Limits.html), Quotas in Amazon Aurora: "DB clusters", each
 * supported Region 40 (`rds` `L-952B80B8`); "DB instances", 40 (`rds` `L-7B6409FD`).
 */
import { expect } from "chai";
import { checkQuotas, readQuotas, serviceQuotasDouble } from "../../automation/quotas";
import { viewsFromSynth } from "../../automation/policy-offline";
import { quotaNeeds, quotas_1 } from "../../src/policy/rules/quotas-1-default-service-quotas";
import type { ResourceView } from "../../src/policy/rule";
import { configFor, PROJECT_DIR } from "../support/pulumi";
import { cachedSynthesize } from "../support/synth-cache";
import { thrown } from "../support/thrown";

/** `n` enterprise tenants in the stack's region: a cluster and `instances` instances each. */
function enterprise(env: string, n: number, instances: number): ResourceView[] {
    const urn = (type: string, name: string) => `urn:pulumi:${env}::bbws-platform::bbws:data:TenantDatabase$${type}::${name}`;
    const view = (type: string, name: string): ResourceView => ({ type, name, urn: urn(type, name), inputs: {}, dependencies: {} });
    return Array.from({ length: n }, (_, t) => [
        view("aws:rds/cluster:Cluster", `data-enterprise${t + 1}-cluster`),
        ...Array.from({ length: instances }, (_, i) => view("aws:rds/clusterInstance:ClusterInstance", `data-enterprise${t + 1}-${i + 1}`)),
    ]).flat();
}

describe("enterprise tenants against RDS's regional default quotas (quotas-1-default-service-quotas)", function () {
    this.timeout(300_000);
    const dev = configFor("dev");
    const prod = configFor("prod");
    let devPlatform: ResourceView[];
    let prodPlatform: ResourceView[];
    before(async () => {
        devPlatform = viewsFromSynth(await cachedSynthesize(PROJECT_DIR, "dev"));
        prodPlatform = viewsFromSynth(await cachedSynthesize(PROJECT_DIR, "prod"));
    });
    const devAt = (n: number) => [...devPlatform, ...enterprise("dev", n, dev.database.instances)];
    const needsAt = (resources: ResourceView[]) => {
        const needs = quotaNeeds({ env: "dev", resources });
        return { clusters: needs.dbClustersPerRegion.byRegion?.[""]?.need, instances: needs.dbInstancesPerRegion.byRegion?.[""]?.need };
    };
    const violations = (resources: ResourceView[]) =>
        resources.filter((r) => quotas_1.types.includes(r.type)).flatMap((r) => quotas_1.check(r, { env: "dev", resources }));

    it("dev's platform spends one cluster and its bbws:database.instances (1) instance; 39 enterprise tenants reach 40 of each and pass", () => {
        expect(dev.database.instances).to.equal(1);
        expect(needsAt(devAt(0))).to.deep.equal({ clusters: 1, instances: 1 });
        expect(needsAt(devAt(39))).to.deep.equal({ clusters: 40, instances: 40 });
        expect(violations(devAt(39))).to.deep.equal([]);
    });

    it("at 40 enterprise tenants in dev, the rule fails the platform's cluster on DB clusters and its instance on DB instances", () => {
        const resources = devAt(40);
        const [cluster] = devPlatform.filter((r) => r.type === "aws:rds/cluster:Cluster");
        const [instance] = devPlatform.filter((r) => r.type === "aws:rds/clusterInstance:ClusterInstance");
        expect(quotas_1.check(cluster, { env: "dev", resources })).to.deep.equal([
            "DB clusters in this region: 41, over the default quota of 40",
        ]);
        expect(quotas_1.check(instance, { env: "dev", resources })).to.deep.equal([
            "DB instances in this region: 41, over the default quota of 40",
        ]);
        expect(violations(resources)).to.have.length(2);
    });

    it("at 40 enterprise tenants in dev, the preflight refuses (exit 2) at AWS's defaults with the rds increase requests to 41", async () => {
        const checks = await readQuotas(quotaNeeds({ env: "dev", resources: devAt(40) }), dev.region, serviceQuotasDouble());
        const err = thrown(() => checkQuotas(checks, dev.region));
        expect(err).to.include({ code: "quota-too-small", exitCode: 2 });
        expect(err.message)
            .to.include("DB clusters (rds L-952B80B8): the plan needs 41")
            .and.include("DB instances (rds L-7B6409FD): the plan needs 41");
        expect(err.fix).to.equal(
            "request the increase, and roll out once it is approved:\n" +
                ["L-952B80B8", "L-7B6409FD"]
                    .map(
                        (code) =>
                            `    aws service-quotas request-service-quota-increase --service-code rds --quota-code ${code} --desired-value 41 --region ${dev.region}`,
                    )
                    .join("\n"),
        );
    });

    it("in prod (3 instances per cluster), DB instances run out first: the 13th enterprise tenant needs 42, its 14th cluster still fits", () => {
        expect(prod.database.instances).to.equal(3);
        const at = (n: number) => needsAt([...prodPlatform, ...enterprise("prod", n, prod.database.instances)]);
        expect(at(12)).to.deep.equal({ clusters: 13, instances: 39 });
        expect(at(13)).to.deep.equal({ clusters: 14, instances: 42 });
    });

    it("counts prod's DR standby cluster and its instance in the standby region, apart from the primary's", () => {
        const needs = quotaNeeds({ env: "prod", resources: prodPlatform });
        const regions = (key: "dbClustersPerRegion" | "dbInstancesPerRegion") =>
            Object.fromEntries(Object.entries(needs[key].byRegion ?? {}).map(([region, need]) => [region, need.need]));
        expect(regions("dbClustersPerRegion")).to.deep.equal({ "": 1, [prod.dr!.region]: 1 });
        expect(regions("dbInstancesPerRegion")).to.deep.equal({ "": 3, [prod.dr!.region]: 1 });
    });
});
