import { expect } from "chai";
import { execFileSync } from "child_process";
import {
    alarmMetricCount,
    budgetWarning,
    diffEstimates,
    estimateCost,
    FREE_TYPES,
    freeReason,
    PRICE_UNITS,
    PRICERS,
    PRICES,
    PriceTable,
    resourceFreeReason,
    tasksByProvider,
    tenantOf,
    unitOf,
    UnpricedTypeError,
} from "../../automation/cost";
import { main } from "../../automation/cost-cli";
import { main as synthMain } from "../../automation/synth-cli";
import { RESOURCE_MODELS } from "../../automation/aws-model";
import { memoryIo } from "../../automation/io";
import { DEFAULT_OPTIONS, synthesize, SynthResource, SynthResult } from "../../automation/synth";
import { CONFIG_SCHEMAS } from "../../src/config";
import { cachedSynthesize } from "../support/synth-cache";
import { configFor, ENVIRONMENTS, PROJECT_DIR, stackFileConfig } from "../support/pulumi";

const DEFAULTS = configFor("dev").cost;
const REGION = "test-1";
const TABLE: PriceTable = {
    [REGION]: {
        "nat.hour": { usd: 0.05, unit: "NAT gateway-hour", method: "test" },
        "nat.gb": { usd: 0.05, unit: "GB processed", method: "test" },
        "publicIpv4.hour": { usd: 0.005, unit: "address-hour", method: "test" },
        "fargate.X86_64.vcpuHour": { usd: 0.04, unit: "vCPU-hour", method: "test" },
        "fargate.X86_64.gbHour": { usd: 0.004, unit: "GB-hour", method: "test" },
        "fargateSpot.X86_64.vcpuHour": { usd: 0.012, unit: "vCPU-hour", method: "test" },
        "fargateSpot.X86_64.gbHour": { usd: 0.0012, unit: "GB-hour", method: "test" },
        "logs.ingestGb": { usd: 0.5, unit: "GB ingested", method: "test" },
        "logs.storageGbMonth": { usd: 0.03, unit: "GB-month", method: "test" },
        "cloudwatch.alarmMetricMonth": { usd: 0.1, unit: "alarm metric-month", method: "test" },
    },
    "dr-1": { "aurora.instanceHour.db.r6g.large": { usd: 0.3, unit: "instance-hour", method: "test" } },
};

let serial = 0;
function res(type: string, name: string, inputs: Record<string, unknown>, phase: SynthResource["phase"] = "network"): SynthResource {
    return {
        urn: `urn:pulumi:t::p::${type}::${name}-${serial++}`,
        type,
        name,
        phase,
        parent: null,
        custom: true,
        inputs,
        dependencies: [],
        propertyDependencies: {},
        options: DEFAULT_OPTIONS,
    };
}
const synthOf = (...resources: SynthResource[]): SynthResult => ({ project: "p", stack: "t", region: REGION, resources, outputs: {} });
const estimate = (synth: SynthResult, cost = DEFAULTS) => estimateCost(synth, { region: REGION, cost, prices: TABLE });
const round = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * 1e6) / 1e6);

/** `r` with the engine's record that input `key` came from `sources`. */
function fedBy(r: SynthResource, key: string, ...sources: SynthResource[]): SynthResource {
    const urns = sources.map((x) => x.urn);
    return {
        ...r,
        dependencies: [...new Set([...r.dependencies, ...urns])],
        propertyDependencies: { ...r.propertyDependencies, [key]: urns },
    };
}

/**
 * A service of `tasks` tasks (its auto-scaling minimum) of 0.5 vCPU / 1 GB, for tenant `tenant`. Its
 * ARNs and names match nothing: the estimate must follow the engine's dependencies, not rebuild them.
 */
function service(tenant: string, tasks: number, strategy: unknown[]): SynthResource[] {
    const cluster = res("aws:ecs/cluster:Cluster", `ecs-cluster-of-${tenant}`, {}, "ecs");
    const task = res(
        "aws:ecs/taskDefinition:TaskDefinition",
        `ecs-${tenant}-task`,
        { family: `wp-${tenant}`, cpu: "512", memory: "1024", runtimePlatform: { cpuArchitecture: "X86_64" } },
        "ecs",
    );
    const svc = fedBy(
        res(
            "aws:ecs/service:Service",
            `ecs-${tenant}-service`,
            {
                name: `wp-${tenant}`,
                cluster: "arn:aws:ecs:x:1:cluster/unknown",
                taskDefinition: "arn:aws:ecs:x:1:task-definition/not-its-family:1",
                capacityProviderStrategies: strategy,
                tags: { Tenant: tenant },
            },
            "ecs",
        ),
        "taskDefinition",
        task,
    );
    const target = fedBy(
        res(
            "aws:appautoscaling/target:Target",
            `ecs-${tenant}-scaling`,
            { resourceId: "service/x/y", minCapacity: tasks, maxCapacity: 10 },
            "ecs",
        ),
        "resourceId",
        cluster,
        svc,
    );
    return [task, svc, target];
}

describe("cost estimate", () => {
    describe("arithmetic, against hand-computed cases (USD a month of 730 h)", () => {
        it("a single NAT gateway: 730 h × 0.05 + 20 GB × 0.05 + its address 730 h × 0.005 = 41.15", () => {
            const e = estimate(synthOf(res("awsx:ec2:Vpc", "vpc", { numberOfAvailabilityZones: 2, natGateways: { strategy: "Single" } })));
            expect(e.lines.map((l) => [l.item, l.quantity, round(l.usd)])).to.deep.equal([
                ["NAT gateway hours", 730, 36.5],
                ["NAT gateway data processed", 20, 1],
                ["NAT gateway public IPv4 addresses", 730, 3.65],
            ]);
            expect(round(e.total)).to.equal(41.15);
        });

        it("one NAT gateway per AZ triples the hours", () => {
            const e = estimate(
                synthOf(res("awsx:ec2:Vpc", "vpc", { numberOfAvailabilityZones: 3, natGateways: { strategy: "OnePerAz" } })),
            );
            expect(e.lines[0].quantity).to.equal(3 * 730);
        });

        it("splits tasks over capacity providers as ECS does: the base first, the rest by weight", () => {
            expect(
                tasksByProvider(3, [
                    { capacityProvider: "FARGATE", base: 1, weight: 1 },
                    { capacityProvider: "FARGATE_SPOT", weight: 3 },
                ]),
            ).to.deep.equal({ FARGATE: 1.5, FARGATE_SPOT: 1.5 });
            expect(
                tasksByProvider(1, [
                    { capacityProvider: "FARGATE_SPOT", weight: 4 },
                    { capacityProvider: "FARGATE", base: 1, weight: 1 },
                ]),
            ).to.deep.equal({ FARGATE_SPOT: 0, FARGATE: 1 });
            expect(tasksByProvider(2, [])).to.deep.equal({ FARGATE: 2 });
        });

        it("a service of 3 tasks at 0.5 vCPU / 1 GB, 1.5 on Fargate and 1.5 on Spot: 21.90 + 4.38 + 6.57 + 1.314", () => {
            const e = estimate(
                synthOf(
                    ...service("shop", 3, [
                        { capacityProvider: "FARGATE", base: 1, weight: 1 },
                        { capacityProvider: "FARGATE_SPOT", weight: 3 },
                    ]),
                ),
            );
            expect(e.lines.map((l) => [l.priceKey, l.quantity, round(l.usd)])).to.deep.equal([
                ["fargate.X86_64.vcpuHour", 547.5, 21.9],
                ["fargate.X86_64.gbHour", 1095, 4.38],
                ["fargateSpot.X86_64.vcpuHour", 547.5, 6.57],
                ["fargateSpot.X86_64.gbHour", 1095, 1.314],
            ]);
            expect(e.lines.every((l) => l.assumption.includes("minCapacity 3"))).to.equal(true);
        });

        it("takes a service's task definition and scaling target from the engine's dependencies, not from ARNs and names", () => {
            const [task, svc, target] = service("shop", 3, []);
            // Decoys a rebuilt ARN or resourceId would pick: the family and resourceId the service's inputs spell.
            const bigTask = res("aws:ecs/taskDefinition:TaskDefinition", "decoy-task", {
                family: "not-its-family",
                cpu: "4096",
                memory: "8192",
            });
            const wideTarget = res("aws:appautoscaling/target:Target", "decoy-target", {
                resourceId: "service/unknown/wp-shop",
                minCapacity: 9,
            });
            const e = estimate(synthOf(bigTask, wideTarget, task, svc, target));
            expect(e.lines.map((l) => [l.priceKey, l.quantity])).to.deep.equal([
                ["fargate.X86_64.vcpuHour", 3 * 0.5 * 730],
                ["fargate.X86_64.gbHour", 3 * 1 * 730],
            ]);
            expect(e.tenants.map((t) => [t.tenant, t.vcpu])).to.deep.equal([["shop", 1.5]]);
        });

        it("a log group holds a month's ingestion for its retention: 2 GB kept 45 days is 3 GB-month", () => {
            const e = estimate(synthOf(res("aws:cloudwatch/logGroup:LogGroup", "logs", { name: "/x", retentionInDays: 45 })), {
                ...DEFAULTS,
                otherLogGbPerMonth: 2,
            });
            expect(e.lines.map((l) => [l.item, l.quantity, round(l.usd)])).to.deep.equal([
                ["log ingestion", 2, 1],
                ["log storage", 3, 0.09],
            ]);
        });

        it("a metric-math alarm pays for each metric it reads, not for its expressions", () => {
            const inputs = {
                metricQueries: [
                    { id: "e1", expression: "m1/m2" },
                    { id: "m1", metric: { period: 300 } },
                    { id: "m2", metric: { period: 300 } },
                ],
            };
            expect(alarmMetricCount(inputs)).to.equal(2);
            expect(alarmMetricCount({ metricName: "CPUUtilization" })).to.equal(1);
            expect(round(estimate(synthOf(res("aws:cloudwatch/metricAlarm:MetricAlarm", "a", inputs, "monitoring"))).total)).to.equal(0.2);
        });

        it("reports a price the table lacks as unpriced, never as zero, and keeps it out of the total", () => {
            const e = estimate(
                synthOf(
                    res("aws:kms/key:Key", "key", {}),
                    res("awsx:ec2:Vpc", "vpc", { numberOfAvailabilityZones: 2, natGateways: { strategy: "Single" } }),
                ),
            );
            const key = e.lines.find((l) => l.priceKey === "kms.keyMonth")!;
            expect(key.usd).to.equal(undefined);
            expect(key.unit).to.equal("key-month");
            expect(e.unpriced).to.equal(1);
            expect(round(e.total)).to.equal(41.15);
        });

        it("shares the shared cost by task vCPU: 1 vCPU against 0.5 carries two thirds", () => {
            const e = estimate(
                synthOf(
                    ...service("big", 2, []),
                    ...service("small", 1, []),
                    res("awsx:ec2:Vpc", "vpc", { numberOfAvailabilityZones: 2, natGateways: { strategy: "Single" } }),
                ),
            );
            const [big, small] = e.tenants;
            expect([big.tenant, big.vcpu, round(big.share), small.vcpu]).to.deep.equal(["big", 1, round(2 / 3), 0.5]);
            expect(round(big.shared)).to.equal(round((41.15 * 2) / 3));
            expect(round(big.own)).to.equal(round(2 * 0.5 * 730 * 0.04 + 2 * 730 * 0.004));
            expect(round(big.total + small.total)).to.equal(round(e.total));
        });

        it("gives a resource its Tenant tag, else the tenant its dependencies or its users lead to, never one its name spells", () => {
            const [shopTask, shopService, shopTarget] = service("shop", 1, []);
            const [euTask, euService] = service("shop-eu", 1, []);
            const key = res("aws:kms/key:Key", "key", {});
            const policy = fedBy(res("aws:appautoscaling/policy:Policy", "ecs-shop-eu-cpu", {}, "ecs"), "resourceId", shopTarget);
            const dashboard = fedBy(
                res("aws:cloudwatch/dashboard:Dashboard", "shop-dashboard", {}),
                "dashboardBody",
                shopService,
                euService,
            );
            const logs = fedBy(res("aws:cloudwatch/logGroup:LogGroup", "ecs-shop-eu-logs", {}), "kmsKeyId", key);
            const secret = (tenant: string) =>
                res("aws:secretsmanager/secret:Secret", `${tenant}-db`, { tags: { Tenant: tenant } }, "database");
            const [shopDb, euDb] = [secret("shop"), secret("shop-eu")];
            const task = fedBy(shopTask, "containerDefinitions", logs, key, shopDb);
            const other = fedBy(euTask, "containerDefinitions", key, euDb);
            const named = res("aws:cloudwatch/logGroup:LogGroup", "ecs-shop-logs", {});
            const all = [task, shopService, shopTarget, other, euService, shopDb, euDb, key, policy, dashboard, logs, named];
            const owner = (r: SynthResource) => tenantOf(r, all);
            expect([shopService, euService].map(owner)).to.deep.equal(["shop", "shop-eu"]);
            // Its dependencies: the policy → the target → shop's service (its name says shop-eu).
            expect(owner(policy)).to.equal("shop");
            // Its users: only shop's task definition uses the log group (its name says shop-eu).
            expect(owner(logs)).to.equal("shop");
            // Shared: both tenants' task definitions use the key; the dashboard reads both services; nothing links `named`.
            expect([key, dashboard, named].map(owner)).to.deep.equal([undefined, undefined, undefined]);
        });

        it("prices the DR replica in cost.drRegion when the replica-lag alarm says it exists", () => {
            const e = estimate(
                synthOf(
                    res("aws:rds/clusterInstance:ClusterInstance", "db-1", { instanceClass: "db.r6g.large" }, "database"),
                    res("aws:cloudwatch/metricAlarm:MetricAlarm", "lag", { name: "bbws-t-aurora-replica-lag" }, "monitoring"),
                ),
                { ...DEFAULTS, drRegion: "dr-1" },
            );
            const dr = e.lines.filter((l) => l.region === "dr-1");
            expect(dr.map((l) => [l.item, round(l.usd)])).to.deep.equal([
                ["instance hours (db.r6g.large)", 219],
                ["Aurora storage", undefined],
            ]);
        });

        it("prices a resource with its own region input (the DR side) at that region's prices, not the stack's", () => {
            const e = estimate(
                synthOf(
                    res("awsx:ec2:Vpc", "standby-vpc", {
                        numberOfAvailabilityZones: 2,
                        natGateways: { strategy: "Single" },
                        region: "dr-1",
                    }),
                ),
                DEFAULTS,
            );
            expect([...new Set(e.lines.map((l) => l.region))]).to.deep.equal(["dr-1"]);
        });

        it("warns when the budget is below the estimate, and not otherwise", () => {
            const vpc = res("awsx:ec2:Vpc", "vpc", { numberOfAvailabilityZones: 2, natGateways: { strategy: "Single" } });
            const budget = (limit: string) => res("aws:budgets/budget:Budget", "budget", { limitAmount: limit }, "monitoring");
            expect(budgetWarning(estimate(synthOf(vpc, budget("40"))))).to.match(
                /budgetMonthlyUsd is 40.00 USD, below the estimated 41.15 USD\/month/,
            );
            expect(budgetWarning(estimate(synthOf(vpc, budget("50"))))).to.equal(undefined);
        });
    });

    describe("coverage: every resource type is priced or explicitly free", () => {
        it("prices or frees every type the AWS model can create", () => {
            const missing = Object.keys(RESOURCE_MODELS).filter((t) => !PRICERS[t] && freeReason(t) === undefined);
            expect(missing, "add to PRICERS or FREE_TYPES").to.deep.equal([]);
        });

        it("never both prices a type and calls it free", () => {
            expect(Object.keys(PRICERS).filter((t) => t in FREE_TYPES)).to.deep.equal([]);
        });

        for (const env of ENVIRONMENTS) {
            it(`prices or frees every resource the ${env} synth lists`, async function () {
                this.timeout(60000);
                const synth = await cachedSynthesize(PROJECT_DIR, env);
                const cfg = configFor(env);
                const e = estimateCost(synth, { region: cfg.region, cost: cfg.cost });
                const free = e.free.reduce((n, f) => n + f.count, 0);
                const priced = new Set(e.lines.map((l) => l.resource));
                const unaccounted = synth.resources.filter((r) => !PRICERS[r.type] && resourceFreeReason(r, synth.resources) === undefined);
                expect(unaccounted.map((r) => r.urn)).to.deep.equal([]);
                expect(free + synth.resources.filter((r) => PRICERS[r.type]).length).to.equal(synth.resources.length);
                expect(priced.size).to.be.greaterThan(0);
            });
        }

        it("frees a component by custom: false with children, whatever its type token, and nothing by its token", () => {
            const component = { ...res("acme:widgets:Widget", "widget", {}), custom: false };
            const child = { ...res("aws:iam/role:Role", "widget-role", {}), parent: component.urn };
            expect(estimate(synthOf(component, child)).free.map((f) => [f.type, f.count])).to.deep.equal([
                ["acme:widgets:Widget", 1],
                ["aws:iam/role:Role", 1],
            ]);
            // A provider-managed resource under our package name (a dynamic provider's) is priced or refused like any other.
            expect(() => estimate(synthOf(res("bbws:dynamic:Thing", "thing", {})))).to.throw(UnpricedTypeError, /'bbws:dynamic:Thing'/);
            // A component with nothing under it is remote: its provider creates resources the synth cannot see.
            const remote = { ...res("acme:net:Lb", "lb", {}), custom: false };
            expect(() => estimate(synthOf(remote))).to.throw(UnpricedTypeError, /'acme:net:Lb'/);
        });

        it("refuses a type it does not know, naming it", () => {
            expect(() => estimate(synthOf(res("aws:ec2/instance:Instance", "vm", {})))).to.throw(
                UnpricedTypeError,
                /'aws:ec2\/instance:Instance'/,
            );
        });
    });

    describe("the price table (automation/cost-prices.json)", () => {
        const regions = [...new Set(ENVIRONMENTS.map((env) => String(stackFileConfig(env)["aws:region"])))];

        it("has a table for every region a stack uses", () => {
            expect(Object.keys(PRICES)).to.include.members(regions);
        });

        it("gives every price its unit, and a source, date and method for every figure", () => {
            for (const [region, table] of Object.entries(PRICES)) {
                for (const [key, price] of Object.entries(table)) {
                    expect(price.unit, `${region} ${key}`).to.equal(unitOf(key));
                    expect(price.method, `${region} ${key}`).to.be.a("string").and.not.empty;
                    if (price.usd !== null) {
                        expect(price.usd, `${region} ${key}`).to.be.a("number").greaterThan(0);
                        expect(price.source, `${region} ${key}`).to.be.a("string").and.not.empty;
                        expect(price.asOf, `${region} ${key}`).to.match(/^\d{4}-\d{2}(-\d{2})?$/);
                    }
                }
            }
            expect(Object.keys(PRICE_UNITS)).to.not.be.empty;
        });

        it("names in its assumptions only bbws:cost keys that exist", async function () {
            this.timeout(60000);
            const keys = Object.keys((CONFIG_SCHEMAS.bbws.shape.cost as any)._def.innerType.shape);
            const cfg = configFor("prod");
            const e = estimateCost(await cachedSynthesize(PROJECT_DIR, "prod"), { region: cfg.region, cost: cfg.cost });
            for (const l of e.lines)
                for (const [, key] of l.assumption.matchAll(/cost\.([A-Za-z0-9]+)/g)) expect(keys, l.assumption).to.include(key);
        });
    });

    describe("compare mode, on a one-tenant change", () => {
        // aupairhive in dev goes from 0.5 vCPU / 1 GB to 1 vCPU / 2 GB: one more half vCPU and one more GB,
        // on one task (minCapacity 1, on the FARGATE base), at eu-west-1's x86 prices.
        const grown = (stackFileConfig("dev")["bbws:tenants"] as any[]).map((t) =>
            t.id === "aupairhive" ? { ...t, cpu: 1024, memory: 2048 } : t,
        );
        const expectedDelta = 0.5 * 730 * 0.04048 + 1 * 730 * 0.004445;
        let was: SynthResult;
        let now: SynthResult;

        before(async function () {
            this.timeout(60000);
            was = await cachedSynthesize(PROJECT_DIR, "dev");
            now = await synthesize(PROJECT_DIR, "dev", { configOverrides: { "bbws:tenants": grown } });
        });

        it("changes only that tenant's lines, by the hand-computed amount", () => {
            const cfg = configFor("dev");
            const d = diffEstimates(
                estimateCost(was, { region: cfg.region, cost: cfg.cost }),
                estimateCost(now, { region: cfg.region, cost: cfg.cost }),
            );
            expect([...new Set(d.changed.map((c) => (c.after ?? c.before)!.tenant))]).to.deep.equal(["aupairhive"]);
            expect(d.changed.map((c) => c.key)).to.deep.equal([
                "ecs ecs-aupairhive-service vCPU hours (FARGATE, X86_64)",
                "ecs ecs-aupairhive-service memory GB-hours (FARGATE, X86_64)",
            ]);
            expect(round(d.after.total - d.before.total)).to.equal(round(expectedDelta));
        });

        it("prints the pull-request section: totals before and after, and the changed lines", async () => {
            const io = memoryIo();
            const code = await main(
                ["--env", "dev", "--compare", "main", "--format", "markdown"],
                io,
                PROJECT_DIR,
                async () => now,
                async (_dir, ref) => {
                    expect(ref).to.equal("main");
                    return was;
                },
            );
            expect(code).to.equal(0);
            const text = io.stdout.join("\n");
            expect(text).to.contain("### Cost of dev");
            expect(text).to.match(/\| before \(main\) \| \d+\.\d\d \(\+ \d+ unpriced\) \|/);
            expect(text).to.contain(`| change | +${expectedDelta.toFixed(2)} |`);
            expect(text).to.contain("| ecs | ecs-aupairhive-service | vCPU hours (FARGATE, X86_64) |");
        });
    });

    describe("npm run cost", () => {
        it("prints the table with totals per phase, per tenant and shared, and each line's assumption", async function () {
            this.timeout(60000);
            const io = memoryIo();
            expect(await main(["--env", "prod"], io, PROJECT_DIR, cachedSynthesize)).to.equal(0);
            const text = io.stdout.join("\n");
            expect(text).to.match(/^RESOURCE\s+ITEM\s+PRICING UNIT\s+QUANTITY\s+USD\/UNIT\s+USD\/MONTH\s+TENANT\s+ASSUMPTION$/m);
            expect(text).to.match(/^total\s+\d+\.\d\d \+ \d+ unpriced lines$/m);
            expect(text).to.match(/^aupairhive\s+2\s+50\.0 %/m);
            expect(text).to.match(/^shared\s+\d+\.\d\d$/m);
            expect(text).to.contain("cost.natGbPerMonth = 20 GB");
        });

        it("prints JSON with the lines and totals", async function () {
            this.timeout(60000);
            const io = memoryIo();
            expect(await main(["--env", "sit", "--format", "json"], io, PROJECT_DIR, cachedSynthesize)).to.equal(0);
            const doc = JSON.parse(io.stdout[0]);
            expect(doc).to.include.keys("lines", "total", "byPhase", "tenants", "shared", "budgetUsd", "unpriced");
        });

        it("makes the synth's table output warn when the budget is below the estimate", async () => {
            const vpc = res("awsx:ec2:Vpc", "vpc", { numberOfAvailabilityZones: 2, natGateways: { strategy: "Single" } });
            const budget = res("aws:budgets/budget:Budget", "budget", { limitAmount: "1" }, "monitoring");
            const io = memoryIo();
            expect(await synthMain(["--env", "dev"], io, PROJECT_DIR, async () => synthOf(vpc, budget))).to.equal(0);
            expect(io.stderr.join("\n")).to.match(
                /^warning: bbws:monitoring.budgetMonthlyUsd is 1.00 USD, below the estimated 39.65 USD\/month/m,
            );
        });

        it("refuses an unknown environment with exit 2 and no stack trace", async () => {
            const io = memoryIo();
            expect(await main(["--env", "qa"], io, PROJECT_DIR)).to.equal(2);
            expect(io.stderr.join("\n")).to.match(/^error: .*unknown environment 'qa'/);
        });

        it("loads no Pulumi for --help", () => {
            const script =
                "require('./automation/cost-cli').main(['--help'], require('./automation/io').memoryIo())" +
                ".then(() => console.log(Object.keys(require.cache).filter((k) => /@pulumi/.test(k)).length))";
            expect(
                execFileSync("node", ["-r", "sucrase/register/ts", "-e", script], { cwd: PROJECT_DIR, encoding: "utf8" })
                    .trim()
                    .split("\n")
                    .pop(),
            ).to.equal("0");
        });
    });
});
