/**
 * What enterprise tenants spend of RDS's regional default quotas: each has its own Aurora MySQL cluster
 * with the environment's `bbws:database.instances` instances, on top of the platform's own cluster; and
 * of EventBridge's rules per event bus: each adds 3 rules (components/events.ts `tenantEventRuleSpecs`)
 * to its Region's default bus, on top of the platform's.
 * Counted on dev's and prod's real synths plus N such tenants by the quota rule (`quotaNeeds`) and
 * judged by the Service Quotas preflight (`readQuotas` over the rehearsal's Service Quotas double,
 * `checkQuotas`).
 *
 * Defaults and codes (each on its key in `DEFAULT_QUOTAS`): Aurora user guide, "Quotas and constraints
 * for Amazon Aurora" (AuroraUserGuide/CHAP_Limits.html), Quotas in Amazon Aurora: "DB clusters", each
 * supported Region 40 (`rds` `L-952B80B8`); "DB instances", 40 (`rds` `L-7B6409FD`). EventBridge user
 * guide, "Amazon EventBridge quotas" (eventbridge/latest/userguide/eb-quota.html): "Number of rules",
 * 300 per event bus, 100 in af-south-1 and eu-south-1 (`events` `L-244521F2`).
 */
import { expect } from "chai";
import { checkQuotas, readQuotas, serviceQuotasDouble } from "../../automation/quotas";
import { evaluateSynth, viewsFromSynth } from "../../automation/policy-offline";
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

/**
 * `n` enterprise tenants' EventBridge rules as the monitoring layer makes them (`tenantEventRuleSpecs`:
 * `<id>-rds-failover`, `<id>-rds-cluster-events`, `<id>-backup-failed`), no `region` nor `eventBusName`:
 * the stack's region's default bus.
 */
function enterpriseEventRules(env: string, n: number): ResourceView[] {
    const type = "aws:cloudwatch/eventRule:EventRule";
    return Array.from({ length: n }, (_, t) =>
        ["rds-failover", "rds-cluster-events", "backup-failed"].map((what): ResourceView => {
            const name = `monitoring-enterprise${t + 1}-${what}`;
            const urn = `urn:pulumi:${env}::bbws-platform::bbws:monitoring:MonitoringLayer$bbws:monitoring:TenantMonitoring$${type}::${name}`;
            return { type, name, urn, inputs: {}, dependencies: {} };
        }),
    ).flat();
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

describe("EventBridge rules per event bus (quotas-1-default-service-quotas)", function () {
    this.timeout(300_000);
    const RULE = "aws:cloudwatch/eventRule:EventRule";
    let devPlatform: ResourceView[];
    let prodPlatform: ResourceView[];
    before(async () => {
        devPlatform = viewsFromSynth(await cachedSynthesize(PROJECT_DIR, "dev"));
        prodPlatform = viewsFromSynth(await cachedSynthesize(PROJECT_DIR, "prod"));
    });
    const byRegion = (env: string, resources: ResourceView[]) =>
        Object.fromEntries(
            Object.entries(quotaNeeds({ env, resources }).eventRulesPerBus.byRegion ?? {}).map(([region, need]) => [region, need.need]),
        );
    const violations = (env: string, resources: ResourceView[]) =>
        resources.filter((r) => quotas_1.types.includes(r.type)).flatMap((r) => quotas_1.check(r, { env, resources }));
    const rule = (
        env: string,
        name: string,
        inputs: Record<string, unknown> = {},
        dependencies: Record<string, string[]> = {},
    ): ResourceView => ({
        type: RULE,
        name,
        urn: `urn:pulumi:${env}::bbws-platform::${RULE}::${name}`,
        inputs,
        dependencies,
    });

    it("dev's and prod's platforms each put 10 rules on their region's default bus and 2 forwarders on us-east-1's; none in prod's DR region", () => {
        for (const [env, platform] of [
            ["dev", devPlatform],
            ["prod", prodPlatform],
        ] as const) {
            expect(platform.filter((r) => r.type === RULE)).to.have.length(12);
            expect(byRegion(env, platform), env).to.deep.equal({ "": 10, "us-east-1": 2 });
            const need = quotaNeeds({ env, resources: platform }).eventRulesPerBus;
            expect(need.need).to.equal(10);
            expect(need.urn).to.equal(platform.find((r) => r.type === RULE && r.inputs.region === undefined)!.urn);
        }
        expect(configFor("prod").dr!.region).to.equal("eu-west-1");
        expect(byRegion("prod", prodPlatform)).to.not.have.property("eu-west-1");
    });

    it("in dev, 96 enterprise tenants bring the default bus to 298 of its 300 and pass; the 97th brings it to 301, failed on the platform's first rule", () => {
        const at = (n: number) => [...devPlatform, ...enterpriseEventRules("dev", n)];
        expect(byRegion("dev", at(96))).to.deep.equal({ "": 298, "us-east-1": 2 });
        expect(violations("dev", at(96))).to.deep.equal([]);
        expect(byRegion("dev", at(97))).to.deep.equal({ "": 301, "us-east-1": 2 });
        const [first] = devPlatform.filter((r) => r.type === RULE);
        expect(quotas_1.check(first, { env: "dev", resources: at(97) })).to.deep.equal([
            "EventBridge rules on event bus default in this region: 301, over the default quota of 300",
        ]);
        expect(violations("dev", at(97))).to.have.length(1);
    });

    it("in prod (af-south-1, 100 rules per bus), the preflight at AWS's defaults passes 30 enterprise tenants (100) and refuses the 31st (103)", async () => {
        const prod = configFor("prod");
        expect(prod.region).to.equal("af-south-1");
        const at = (n: number) => quotaNeeds({ env: "prod", resources: [...prodPlatform, ...enterpriseEventRules("prod", n)] });
        const rules = async (n: number) =>
            (await readQuotas(at(n), prod.region, serviceQuotasDouble())).filter((c) => c.spec.key === "eventRulesPerBus");
        const at30 = await rules(30);
        expect(at30.map((c) => [c.region, c.need.need, c.current])).to.deep.equal([
            [undefined, 100, 100],
            ["us-east-1", 2, 300],
        ]);
        expect(() => checkQuotas(at30, prod.region)).to.not.throw();
        const at31 = await rules(31);
        const err = thrown(() => checkQuotas(at31, prod.region));
        expect(err.message).to.include("Number of rules (events L-244521F2): the plan needs 103");
        expect(err.fix).to.include("--service-code events --quota-code L-244521F2 --desired-value 103 --region af-south-1");
    });

    /** A view as the synth lists its resource. */
    const asSynthView = (r: ResourceView) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: null,
        inputs: r.inputs,
        propertyDependencies: r.dependencies,
    });

    it("in prod, the pull request's policy check judges the home bus by the stack's own region (af-south-1, 100): 30 enterprise tenants pass, the 31st fails", async () => {
        const synth = await cachedSynthesize(PROJECT_DIR, "prod");
        expect(synth.region).to.equal(configFor("prod").region);
        const blocking = (n: number) =>
            evaluateSynth({ ...synth, resources: [...synth.resources, ...enterpriseEventRules("prod", n).map(asSynthView)] })
                .outcomes.find((o) => o.rule === quotas_1)!
                .violations.map((v) => v.message);
        expect(blocking(30)).to.deep.equal([]);
        expect(blocking(31)).to.deep.equal(["EventBridge rules on event bus default in af-south-1: 103, over the default quota of 100"]);
    });

    it("without the stack's region (a context that does not say), a rule with no region input is judged against 300", () => {
        const [first] = prodPlatform.filter((r) => r.type === RULE && r.inputs.region === undefined);
        const resources = [...prodPlatform, ...enterpriseEventRules("prod", 31)];
        expect(quotas_1.check(first, { env: "prod", resources })).to.deep.equal([]);
        expect(quotas_1.check(first, { env: "prod", resources, region: "af-south-1" })).to.deep.equal([
            "EventBridge rules on event bus default in af-south-1: 103, over the default quota of 100",
        ]);
    });

    it("counts a rule whose region input names the stack's own region with the stack's rules, not apart", () => {
        const resources = [...prodPlatform, rule("prod", "home-rule", { region: "af-south-1" })];
        const needs = quotaNeeds({ env: "prod", resources, region: "af-south-1" }).eventRulesPerBus.byRegion ?? {};
        expect(Object.fromEntries(Object.entries(needs).map(([r, n]) => [r, n.need]))).to.deep.equal({ "": 11, "us-east-1": 2 });
    });

    it("counts a rule whose region input names another region there, and a rule on another bus apart from the default bus", () => {
        const bus: ResourceView = {
            type: "aws:cloudwatch/eventBus:EventBus",
            name: "orders",
            urn: "urn:pulumi:prod::bbws-platform::aws:cloudwatch/eventBus:EventBus::orders",
            inputs: { name: "orders" },
            dependencies: {},
        };
        const resources = [
            ...prodPlatform,
            rule("prod", "standby-rds-events", { region: "eu-west-1" }),
            bus,
            rule("prod", "orders-created", { eventBusName: "orders" }, { eventBusName: [bus.urn] }),
            rule("prod", "orders-paid", { eventBusName: "orders" }, { eventBusName: [bus.urn] }),
        ];
        expect(byRegion("prod", resources)).to.deep.equal({ "": 10, "us-east-1": 2, "eu-west-1": 1 });
    });

    it("judges a bus in af-south-1 or eu-south-1 against their default of 100", () => {
        const resources = Array.from({ length: 101 }, (_, i) => rule("prod", `r${i + 1}`, { region: "af-south-1" }));
        expect(quotas_1.check(resources[0], { env: "prod", resources })).to.deep.equal([
            "EventBridge rules on event bus default in af-south-1: 101, over the default quota of 100",
        ]);
        expect(violations("prod", resources.slice(0, 100))).to.deep.equal([]);
    });
});
