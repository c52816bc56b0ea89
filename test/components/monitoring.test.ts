import { expect } from "chai";
import { checkOnePerTenant, MonitoringLayer, MonitoringLayerArgs } from "../../components/monitoring";
import type { PlatformConfig } from "../../src/config";
import { tenantBackupName } from "../../components/backup-plan";
import { matchesEventPattern } from "../../src/policy/event-pattern";
import { configFor, construct, ENVIRONMENTS, named, ofType, promiseOf, Registration } from "../support/pulumi";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";

/** What the other layers would hand over, shaped like the real ids and different in every environment. */
function fakeIds(cfg: PlatformConfig) {
    const env = cfg.env;
    return {
        clusterName: `bbws-cluster-${env}`,
        serviceNames: Object.fromEntries(cfg.tenants.map((t) => [t.id, `bbws-${t.id}-${env}`])),
        loadBalancerArnSuffix: `app/bbws-alb-${env}/50dc6c495c0c9188`,
        tenantLoadBalancerArnSuffixes: {},
        targetGroupArnSuffixes: Object.fromEntries(cfg.tenants.map((t) => [t.id, `targetgroup/bbws-${t.id}-${env}/7b3e2a1c9d8f6e5a`])),
        auroraClusterIdentifier: `bbws-aurora-${env}`,
        redisReplicationGroupId: `bbws-redis-${env}`,
        fileSystemId: { dev: "fs-0a1b2c3d4e5f60718", sit: "fs-0b2c3d4e5f6071829", prod: "fs-0c3d4e5f607182930" }[env]!,
        backupVaultName: `bbws-backup-vault-${env}`,
    };
}

function layerArgs(cfg: PlatformConfig): MonitoringLayerArgs {
    return {
        env: cfg.env,
        region: cfg.region,
        accountId: cfg.accountId,
        tenants: cfg.tenants,
        monitoring: cfg.monitoring,
        redisNodes: cfg.cache.nodes,
        ...fakeIds(cfg),
    };
}

type Expected = [
    what: string,
    namespace: string,
    metric: string,
    stat: string,
    comparison: ">" | "<",
    threshold: number,
    topic: "alerts" | "critical",
    missing: string,
];

describe("monitoring layer", () => {
    it("refuses per-tenant ids that do not match the tenants one to one", () => {
        const tenants = [{ id: "aupairhive" }, { id: "tutorhub" }];
        const both = { aupairhive: "a", tutorhub: "b" };
        const none = {};
        expect(() =>
            checkOnePerTenant({ tenants, serviceNames: both, targetGroupArnSuffixes: both, tenantLoadBalancerArnSuffixes: none }),
        ).not.to.throw();
        expect(() =>
            checkOnePerTenant({
                tenants,
                serviceNames: { aupairhive: "a" },
                targetGroupArnSuffixes: both,
                tenantLoadBalancerArnSuffixes: none,
            }),
        ).to.throw(/`serviceNames`.*missing: tutorhub/);
        expect(() =>
            checkOnePerTenant({
                tenants,
                serviceNames: both,
                targetGroupArnSuffixes: { ...both, intruder: "c" },
                tenantLoadBalancerArnSuffixes: none,
            }),
        ).to.throw(/`targetGroupArnSuffixes`.*not tenants: intruder/);
        // Premium tenants only: a basic tenant has no entry, so none is missing; a stranger is refused.
        expect(() =>
            checkOnePerTenant({
                tenants,
                serviceNames: both,
                targetGroupArnSuffixes: both,
                tenantLoadBalancerArnSuffixes: { tutorhub: "d" },
            }),
        ).not.to.throw();
        expect(() =>
            checkOnePerTenant({
                tenants,
                serviceNames: both,
                targetGroupArnSuffixes: both,
                tenantLoadBalancerArnSuffixes: { intruder: "d" },
            }),
        ).to.throw(/`tenantLoadBalancerArnSuffixes`.*intruder/);
    });

    for (const env of ENVIRONMENTS) {
        describe(`in ${env}`, () => {
            const cfg = configFor(env);
            const ids = fakeIds(cfg);
            const topicArn = (kind: string) => `arn:aws:sns:${cfg.region}:${cfg.accountId}:bbws-${env}-${kind}`;
            let resources: Registration[];
            let layer: MonitoringLayer;
            const alarm = (what: string) => {
                const found = ofType(resources, ALARM).find((a) => a.inputs.name === `bbws-${env}-${what}`);
                if (!found) throw new Error(`no alarm bbws-${env}-${what}`);
                return found;
            };

            before(async () => {
                ({ result: layer, resources } = await construct(cfg, () => new MonitoringLayer("monitoring", layerArgs(cfg))));
            });

            it("has the alerts and critical topics, encrypted with a rotating key of the layer's own", () => {
                const key = ofType(resources, "aws:kms/key:Key");
                expect(key).to.have.length(1);
                expect(key[0].inputs.enableKeyRotation).to.equal(true);
                for (const kind of ["alerts", "critical"]) {
                    const topic = named(resources, `monitoring-${kind}`);
                    expect(topic.inputs.name).to.equal(`bbws-${env}-${kind}`);
                    expect(topic.inputs.kmsMasterKeyId).to.match(new RegExp(`^arn:aws:kms:${cfg.region}:${cfg.accountId}:key/`));
                }
                expect(ofType(resources, TOPIC)).to.have.length(2);
            });

            /**
             * What AWS says each publisher needs on an encrypted topic, restated here rather than read
             * from TOPIC_PUBLISHERS so that a wrong row fails. `undefined`: AWS documents that any
             * condition on that path makes delivery fail silently.
             */
            const publisherRules: Array<[service: string, condition: object | undefined, source: string]> = [
                // SNS guide step 3 (aws:SourceAccount + aws:SourceArn on the key); alarms' ARN in the
                // topic policy: repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger.
                [
                    "cloudwatch.amazonaws.com",
                    {
                        StringEquals: { "aws:SourceAccount": cfg.accountId },
                        ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:${cfg.region}:${cfg.accountId}:alarm:bbws-${env}-*` },
                    },
                    "docs.aws.amazon.com/sns/latest/dg/sns-key-management.html",
                ],
                // "Adding the aws:SourceAccount, aws:SourceArn, and aws:SourceOrgID to a AWS KMS policy is not
                // supported for EventBridge-to-encrypted topics" (SNS guide); "You can't use Condition blocks in
                // Amazon SNS topic policies for EventBridge" (EventBridge guide, eb-use-resource-based.html#eb-sns-permissions);
                // the failure mode: awslabs/landing-zone-accelerator-on-aws#407.
                ["events.amazonaws.com", undefined, "docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html"],
                // Budgets guide, "Creating an Amazon SNS topic for budget notifications": SourceAccount and
                // SourceArn arn:aws:budgets::<account>:*; the same pair on the key per SNS guide step 3.
                [
                    "budgets.amazonaws.com",
                    {
                        StringEquals: { "aws:SourceAccount": cfg.accountId },
                        ArnLike: { "aws:SourceArn": `arn:aws:budgets::${cfg.accountId}:*` },
                    },
                    "docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html",
                ],
            ];
            const serviceStatements = (doc: any) => doc.Statement.filter((s: any) => s.Principal?.Service);

            it("lets each publishing service use the key under exactly the condition AWS documents for it, and EventBridge under none", () => {
                const keyPolicy = JSON.parse(ofType(resources, "aws:kms/key:Key")[0].inputs.policy);
                const statements = serviceStatements(keyPolicy);
                expect(statements.map((s: any) => s.Principal.Service)).to.have.members(publisherRules.map(([service]) => service));
                for (const [service, condition, source] of publisherRules) {
                    const grant = statements.find((s: any) => s.Principal.Service === service);
                    expect(grant.Action, service).to.have.members(["kms:GenerateDataKey*", "kms:Decrypt"]);
                    expect(grant.Condition, `${service} (${source})`).to.deep.equal(condition);
                }
            });

            it("lets the same services publish to each topic under the same conditions, and refuses plain HTTP", () => {
                for (const kind of ["alerts", "critical"]) {
                    const policy = named(resources, `monitoring-${kind}-policy`);
                    expect(policy.inputs.arn).to.equal(topicArn(kind));
                    const doc = JSON.parse(policy.inputs.policy);
                    const statements = serviceStatements(doc);
                    expect(statements.map((s: any) => s.Principal.Service)).to.have.members(publisherRules.map(([service]) => service));
                    for (const [service, condition, source] of publisherRules) {
                        const publish = statements.find((s: any) => s.Principal.Service === service);
                        expect([publish.Action, publish.Resource], service).to.deep.equal(["sns:Publish", topicArn(kind)]);
                        expect(publish.Condition, `${kind}: ${service} (${source})`).to.deep.equal(condition);
                    }
                    const deny = doc.Statement.find((s: any) => s.Effect === "Deny");
                    expect(deny.Condition).to.deep.equal({ Bool: { "aws:SecureTransport": "false" } });
                    const grantees = doc.Statement.filter((s: any) => s.Effect === "Allow")
                        .map((s: any) => s.Principal.AWS)
                        .filter(Boolean);
                    expect(grantees, "only the account itself is an AWS principal").to.deep.equal([`arn:aws:iam::${cfg.accountId}:root`]);
                }
            });

            it("subscribes exactly the configured addresses: alertEmails to alerts, criticalEmails to critical", () => {
                const subscribed = (kind: string) =>
                    ofType(resources, SUBSCRIPTION)
                        .filter((s) => s.inputs.topic === topicArn(kind))
                        .map((s) => {
                            expect(s.inputs.protocol).to.equal("email");
                            return s.inputs.endpoint;
                        });
                expect(subscribed("alerts")).to.have.members([...cfg.monitoring.alertEmails]);
                expect(subscribed("critical")).to.have.members([...cfg.monitoring.criticalEmails]);
                expect(ofType(resources, SUBSCRIPTION)).to.have.length(
                    cfg.monitoring.alertEmails.length + cfg.monitoring.criticalEmails.length,
                );
            });

            it("watches each shared resource with the agreed metric, statistic, threshold, comparison, topic and missing-data rule", () => {
                const aurora = { DBClusterIdentifier: ids.auroraClusterIdentifier };
                const efs = { FileSystemId: ids.fileSystemId };
                const lb = { LoadBalancer: ids.loadBalancerArnSuffix };
                const table: Array<[...Expected, Record<string, string>]> = [
                    ["aurora-cpu", "AWS/RDS", "CPUUtilization", "Average", ">", 80, "alerts", "missing", aurora],
                    ["aurora-connections", "AWS/RDS", "DatabaseConnections", "Maximum", ">", 900, "alerts", "missing", aurora],
                    ["efs-io-limit", "AWS/EFS", "PercentIOLimit", "Maximum", ">", 80, "alerts", "notBreaching", efs],
                    ["alb-p95-latency", "AWS/ApplicationELB", "TargetResponseTime", "p95", ">", 3, "alerts", "notBreaching", lb],
                ];
                for (const [what, namespace, metric, stat, comparison, threshold, topic, missing, dimensions] of table) {
                    const a = alarm(what).inputs;
                    expect(a.namespace, what).to.equal(namespace);
                    expect(a.metricName, what).to.equal(metric);
                    expect(a.dimensions, what).to.deep.equal(dimensions);
                    if (stat.startsWith("p")) {
                        expect(a.extendedStatistic, what).to.equal(stat);
                        expect(a.statistic, what).to.equal(undefined);
                    } else {
                        expect(a.statistic, what).to.equal(stat);
                    }
                    expect(a.comparisonOperator, what).to.equal(comparison === ">" ? "GreaterThanThreshold" : "LessThanThreshold");
                    expect(a.threshold, what).to.equal(threshold);
                    expect(a.treatMissingData, what).to.equal(missing);
                    expect(a.alarmActions, what).to.deep.equal([topicArn(topic)]);
                    expect(a.okActions, what).to.deep.equal([topicArn(topic)]);
                }
            });

            it("computes the load balancer's 5xx rate from target and load-balancer 5xx over requests, paging critical above 1 %", () => {
                const a = alarm("alb-5xx-rate").inputs;
                const queries = Object.fromEntries(a.metricQueries.map((q: any) => [q.id, q]));
                expect(queries.e1.expression).to.equal("100 * (FILL(m1, 0) + FILL(m2, 0)) / m3");
                expect(queries.e1.returnData).to.equal(true);
                const metrics = ["m1", "m2", "m3"].map((id) => queries[id].metric);
                expect(metrics.map((m) => m.metricName)).to.deep.equal([
                    "HTTPCode_Target_5XX_Count",
                    "HTTPCode_ELB_5XX_Count",
                    "RequestCount",
                ]);
                for (const m of metrics) {
                    expect(m.namespace).to.equal("AWS/ApplicationELB");
                    expect(m.stat).to.equal("Sum");
                    expect(m.dimensions).to.deep.equal({ LoadBalancer: ids.loadBalancerArnSuffix });
                    expect(m.period).to.equal(cfg.monitoring.periodSeconds);
                }
                expect([a.comparisonOperator, a.threshold, a.treatMissingData]).to.deep.equal(["GreaterThanThreshold", 1, "notBreaching"]);
                expect(a.alarmActions).to.deep.equal([topicArn("critical")]);
                expect(a.okActions).to.deep.equal([topicArn("critical")]);
            });

            it("computes EFS throughput as metered bytes per second over the permitted throughput", () => {
                const a = alarm("efs-throughput").inputs;
                const queries = Object.fromEntries(a.metricQueries.map((q: any) => [q.id, q]));
                expect(queries.e1.expression).to.equal("100 * (m1 / PERIOD(m1)) / m2");
                expect([queries.m1.metric.metricName, queries.m1.metric.stat]).to.deep.equal(["MeteredIOBytes", "Sum"]);
                expect([queries.m2.metric.metricName, queries.m2.metric.stat]).to.deep.equal(["PermittedThroughput", "Average"]);
                expect(queries.m1.metric.dimensions).to.deep.equal({ FileSystemId: ids.fileSystemId });
                expect([a.comparisonOperator, a.threshold]).to.deep.equal(["GreaterThanThreshold", 80]);
                expect(a.alarmActions).to.deep.equal([topicArn("alerts")]);
            });

            it("watches Redis CPU and memory on every node of the replication group, alarming on the busiest", () => {
                const members = Array.from({ length: cfg.cache.nodes }, (_, i) => `${ids.redisReplicationGroupId}-00${i + 1}`);
                for (const [what, metric, threshold] of [
                    ["redis-cpu", "EngineCPUUtilization", 80],
                    ["redis-memory", "DatabaseMemoryUsagePercentage", 80],
                ] as const) {
                    const a = alarm(what).inputs;
                    const [expression, ...metrics] = a.metricQueries;
                    expect(expression.expression).to.match(/^MAX\(\[m1(, m\d)*\]\)$/);
                    expect(metrics.map((q: any) => q.metric.metricName)).to.deep.equal(members.map(() => metric));
                    expect(metrics.map((q: any) => q.metric.dimensions.CacheClusterId)).to.deep.equal(members);
                    expect([a.comparisonOperator, a.threshold, a.treatMissingData]).to.deep.equal([
                        "GreaterThanThreshold",
                        threshold,
                        "missing",
                    ]);
                    expect(a.okActions).to.deep.equal([topicArn("alerts")]);
                }
            });

            it("has CPU, memory and healthy-target alarms for every tenant, pointing at that tenant's service and target group", () => {
                for (const tenant of cfg.tenants) {
                    const service = { ClusterName: ids.clusterName, ServiceName: ids.serviceNames[tenant.id] };
                    for (const [suffix, metric] of [
                        ["ecs-cpu", "CPUUtilization"],
                        ["ecs-memory", "MemoryUtilization"],
                    ]) {
                        const a = alarm(`${tenant.id}-${suffix}`).inputs;
                        expect([a.namespace, a.metricName, a.statistic]).to.deep.equal(["AWS/ECS", metric, "Average"]);
                        expect(a.dimensions).to.deep.equal(service);
                        expect([a.comparisonOperator, a.threshold, a.treatMissingData]).to.deep.equal([
                            "GreaterThanThreshold",
                            80,
                            "notBreaching",
                        ]);
                        expect(a.alarmActions).to.deep.equal([topicArn("alerts")]);
                        expect(a.okActions).to.deep.equal([topicArn("alerts")]);
                        expect(a.tags).to.deep.equal({ Tenant: tenant.id });
                    }
                    const health = alarm(`${tenant.id}-healthy-targets`).inputs;
                    const queries = Object.fromEntries(health.metricQueries.map((q: any) => [q.id, q]));
                    expect(queries.e1.expression).to.equal("IF(m1 + m2 > 0, 100 * m1 / (m1 + m2), 0)");
                    expect([queries.m1.metric.metricName, queries.m2.metric.metricName]).to.deep.equal([
                        "HealthyHostCount",
                        "UnHealthyHostCount",
                    ]);
                    for (const q of [queries.m1, queries.m2]) {
                        expect(q.metric.dimensions).to.deep.equal({
                            TargetGroup: ids.targetGroupArnSuffixes[tenant.id],
                            LoadBalancer: ids.loadBalancerArnSuffix,
                        });
                    }
                    expect([health.comparisonOperator, health.threshold, health.treatMissingData]).to.deep.equal([
                        "LessThanThreshold",
                        50,
                        "breaching",
                    ]);
                    expect(health.alarmActions).to.deep.equal([topicArn("critical")]);
                    expect(health.okActions).to.deep.equal([topicArn("critical")]);
                }
            });

            it("has per-tenant alarms only for tenants, and tenant names in no shared alarm", () => {
                const alarms = ofType(resources, ALARM);
                const tagged = alarms.filter((a) => a.inputs.tags?.Tenant);
                expect(tagged).to.have.length(3 * cfg.tenants.length);
                expect([...new Set(tagged.map((a) => a.inputs.tags.Tenant))]).to.have.members(cfg.tenants.map((t) => t.id));
                for (const a of alarms.filter((x) => !x.inputs.tags?.Tenant)) {
                    for (const t of cfg.tenants) expect(a.inputs.name).not.to.contain(t.id);
                }
            });

            it("evaluates every alarm over the configured period and window, named bbws-<env>-…, with alarm and OK actions", () => {
                for (const a of ofType(resources, ALARM)) {
                    expect(a.inputs.name).to.match(new RegExp(`^bbws-${env}-[a-z0-9-]+$`));
                    expect(a.inputs.evaluationPeriods, a.name).to.equal(cfg.monitoring.evaluationPeriods);
                    for (const period of [a.inputs.period, ...(a.inputs.metricQueries ?? []).map((q: any) => q.metric?.period)].filter(
                        (p) => p !== undefined,
                    )) {
                        expect(period, a.name).to.equal(cfg.monitoring.periodSeconds);
                    }
                    expect(a.inputs.alarmActions, a.name).to.have.length(1);
                    expect(a.inputs.okActions, a.name).to.deep.equal(a.inputs.alarmActions);
                    expect(a.inputs.alarmDescription, a.name).to.be.a("string").and.not.empty;
                }
            });

            it("has no replication-lag alarm where no DR replica exists", () => {
                expect(cfg.monitoring.drReplica).to.equal(false);
                expect(ofType(resources, ALARM).map((a) => a.inputs.name)).not.to.include(`bbws-${env}-aurora-replica-lag`);
            });

            it("sends deployment failures, non-zero essential exits, failovers, cluster events, failed backups and failed secret rotations of this environment to the topics", () => {
                const rules = Object.fromEntries(ofType(resources, RULE).map((r) => [r.inputs.name, JSON.parse(r.inputs.eventPattern)]));
                const rule = (what: string) => rules[`bbws-${env}-${what}`];
                expect(Object.keys(rules)).to.have.length(12); // and six security signals (monitoring-signals.test.ts)
                expect(rule("ecs-deployment-failed").detail.eventName).to.deep.equal(["SERVICE_DEPLOYMENT_FAILED"]);
                expect(rule("ecs-deployment-failed").resources).to.deep.equal([
                    { prefix: `arn:aws:ecs:${cfg.region}:${cfg.accountId}:service/${ids.clusterName}/` },
                ]);
                const exited = rule("ecs-container-exited").detail;
                expect(exited.clusterArn).to.deep.equal([`arn:aws:ecs:${cfg.region}:${cfg.accountId}:cluster/${ids.clusterName}`]);
                expect(exited.stopCode).to.deep.equal(["EssentialContainerExited"]);
                expect(exited.containers.exitCode).to.deep.equal([{ "anything-but": 0 }]);
                expect(rule("rds-failover").detail).to.deep.equal({
                    SourceIdentifier: [ids.auroraClusterIdentifier],
                    EventCategories: ["failover"],
                });
                expect(rule("rds-cluster-events").detail.SourceIdentifier).to.deep.equal([ids.auroraClusterIdentifier]);
                // The shared vault by name; no enterprise tenant here, so no suffix (the rule stays as it was: an
                // enterprise tenant's own vault is matched by its suffix, below).
                expect(rule("backup-failed").detail.backupVaultName).to.deep.equal([ids.backupVaultName]);

                const targets = Object.fromEntries(ofType(resources, TARGET).map((t) => [t.inputs.rule, t.inputs.arn]));
                expect(targets).to.deep.equal({
                    [`bbws-${env}-ecs-deployment-failed`]: topicArn("critical"),
                    [`bbws-${env}-ecs-container-exited`]: topicArn("alerts"),
                    [`bbws-${env}-rds-failover`]: topicArn("critical"),
                    [`bbws-${env}-rds-cluster-events`]: topicArn("alerts"),
                    [`bbws-${env}-backup-failed`]: topicArn("alerts"),
                    [`bbws-${env}-secret-rotation-failed`]: topicArn("alerts"),
                    [`bbws-${env}-ecr-scan-findings`]: topicArn("critical"),
                    [`bbws-${env}-guardduty-findings`]: topicArn("critical"),
                    [`bbws-${env}-root-activity`]: topicArn("critical"),
                    [`bbws-${env}-iam-policy-changes`]: topicArn("critical"),
                    [`bbws-${env}-root-activity-to-${cfg.region}`]: `arn:aws:events:${cfg.region}:${cfg.accountId}:event-bus/default`,
                    [`bbws-${env}-iam-policy-changes-to-${cfg.region}`]: `arn:aws:events:${cfg.region}:${cfg.accountId}:event-bus/default`,
                });
            });

            it("budgets the configured monthly amount, warning the alerts topic at 80 % actual and 100 % forecast", () => {
                const budget = named(resources, "monitoring-budget").inputs;
                expect(budget.name).to.equal(`bbws-${env}-monthly-cost`);
                expect([budget.budgetType, budget.timeUnit, budget.limitUnit]).to.deep.equal(["COST", "MONTHLY", "USD"]);
                expect(Number(budget.limitAmount)).to.equal(cfg.monitoring.budgetMonthlyUsd);
                expect(
                    budget.notifications.map((n: any) => [
                        n.notificationType,
                        n.comparisonOperator,
                        n.threshold,
                        n.thresholdType,
                        n.subscriberSnsTopicArns,
                    ]),
                ).to.have.deep.members([
                    ["ACTUAL", "GREATER_THAN", 80, "PERCENTAGE", [topicArn("alerts")]],
                    ["FORECASTED", "GREATER_THAN", 100, "PERCENTAGE", [topicArn("alerts")]],
                ]);
            });

            it(`names the dashboard bbws-${env} and draws only this environment's resources, in its region`, () => {
                const dashboard = named(resources, "monitoring-dashboard").inputs;
                expect(dashboard.dashboardName).to.equal(`bbws-${env}`);
                const body = JSON.parse(dashboard.dashboardBody);
                const ours = new Set<string>([
                    ids.clusterName,
                    ids.loadBalancerArnSuffix,
                    ids.auroraClusterIdentifier,
                    ids.fileSystemId,
                    ...Object.values(ids.serviceNames),
                    ...Object.values(ids.targetGroupArnSuffixes),
                    ...Array.from({ length: cfg.cache.nodes }, (_, i) => `${ids.redisReplicationGroupId}-00${i + 1}`),
                ]);
                const graphs = body.widgets.filter((w: any) => w.type === "metric");
                expect(graphs).not.to.be.empty;
                for (const w of graphs) {
                    expect(w.properties.region).to.equal(cfg.region);
                    for (const line of w.properties.metrics) {
                        const names = line.filter((part: unknown) => typeof part === "string") as string[];
                        // [namespace, metric, dimension, value, dimension, value…]
                        for (let i = 3; i < names.length; i += 2) expect(ours, `${w.properties.title}: ${names[i]}`).to.include(names[i]);
                    }
                }
                const headings = body.widgets.filter((w: any) => w.type === "text").map((w: any) => w.properties.markdown);
                expect(headings).to.include.members(cfg.tenants.map((t) => `## Tenant ${t.id}`));
            });

            it("exposes the topic ARNs, the dashboard name and every alarm's name", async () => {
                expect(await promiseOf(layer.alertsTopicArn)).to.equal(topicArn("alerts"));
                expect(await promiseOf(layer.criticalTopicArn)).to.equal(topicArn("critical"));
                expect(await promiseOf(layer.dashboardName)).to.equal(`bbws-${env}`);
                const names = await Promise.all(layer.alarmNames.map(promiseOf));
                expect(names).to.have.members(ofType(resources, ALARM).map((a) => a.inputs.name));
            });
        });
    }

    describe("a stopped tenant (onboarding before its start, offboarding, a tier migration)", () => {
        it("keeps its alarms evaluating but notifying no one (actionsEnabled false): its healthy-targets alarm counts no targets as down; every other alarm notifies", async () => {
            const cfg = configFor("sit");
            const [first, ...rest] = cfg.tenants;
            const args = { ...layerArgs(cfg), tenants: [{ ...first, stopped: true }, ...rest] };
            const { resources } = await construct(cfg, () => new MonitoringLayer("monitoring", args));
            const alarms = ofType(resources, ALARM);
            const silent = alarms.filter((a) => a.inputs.actionsEnabled === false).map((a) => a.inputs.name);
            expect(silent).to.include(`bbws-sit-${first.id}-healthy-targets`);
            expect(silent.length).to.be.greaterThan(0);
            for (const a of alarms) expect(a.inputs.actionsEnabled === false, a.inputs.name).to.equal(a.inputs.tags?.Tenant === first.id);
        });
    });

    describe("with a premium tenant on its own load balancer", () => {
        // ELB publishes a target group's metrics with the dimensions TargetGroup and LoadBalancer of the load
        // balancer serving it (ELB user guide, "CloudWatch metrics for your Application Load Balancer",
        // "Metric dimensions"): a premium tenant's group is served by its own (components/tenant-service.ts),
        // so the shared one's suffix with its group would be a metric that never has data.
        const cfg = configFor("dev");
        const [premium, basic] = cfg.tenants;
        const own = `app/bbws-${premium.id}-0a1b2c3d/7c1f4e2d9a8b3c6e`;
        const ids = { ...fakeIds(cfg), tenantLoadBalancerArnSuffixes: { [premium.id]: own } };
        let resources: Registration[];

        before(async () => {
            ({ resources } = await construct(cfg, () => new MonitoringLayer("monitoring", { ...layerArgs(cfg), ...ids })));
        });

        const targetGroupDimensions = (tenantId: string) => {
            const health = ofType(resources, ALARM).find((x) => x.inputs.name === `bbws-dev-${tenantId}-healthy-targets`)!.inputs;
            return health.metricQueries.filter((q: any) => q.metric).map((q: any) => q.metric.dimensions);
        };

        it("watches the premium tenant's healthy targets on its own load balancer, the basic tenant's on the shared one", () => {
            for (const d of targetGroupDimensions(premium.id)) {
                expect(d).to.deep.equal({ TargetGroup: ids.targetGroupArnSuffixes[premium.id], LoadBalancer: own });
            }
            for (const d of targetGroupDimensions(basic.id)) {
                expect(d).to.deep.equal({ TargetGroup: ids.targetGroupArnSuffixes[basic.id], LoadBalancer: ids.loadBalancerArnSuffix });
            }
        });

        it("watches the premium tenant's own load balancer with the shared one's 5xx-rate and p95 alarms, as the tenant's; the basic tenant has none", () => {
            const alarms = ofType(resources, ALARM);
            const byName = (what: string) => alarms.find((x) => x.inputs.name === `bbws-dev-${what}`)?.inputs;
            for (const check of ["alb-5xx-rate", "alb-p95-latency"]) {
                const shared = byName(check)!;
                const mine = byName(`${premium.id}-${check}`)!;
                const dims = (a: any) =>
                    a.metricQueries ? a.metricQueries.filter((q: any) => q.metric).map((q: any) => q.metric.dimensions) : [a.dimensions];
                for (const d of dims(mine)) expect(d, check).to.deep.equal({ LoadBalancer: own });
                for (const d of dims(shared)) expect(d, check).to.deep.equal({ LoadBalancer: ids.loadBalancerArnSuffix });
                for (const key of ["threshold", "comparisonOperator", "treatMissingData", "alarmActions", "evaluationPeriods"]) {
                    expect(mine[key], `${check} ${key}`).to.deep.equal(shared[key]);
                }
                expect(mine.tags).to.deep.equal({ Tenant: premium.id });
                expect(byName(`${basic.id}-${check}`)).to.equal(undefined);
            }
            // Under the tenant's component, as its other alarms.
            expect(named(resources, `monitoring-${premium.id}-alb-5xx-rate`).parent).to.match(/TenantMonitoring::monitoring-aupairhive$/);
        });

        it("draws the premium tenant's target group lines with its own load balancer, and no other tenant's with it", () => {
            const body = JSON.parse(named(resources, "monitoring-dashboard").inputs.dashboardBody);
            const lines = body.widgets.filter((w: any) => w.type === "metric").flatMap((w: any) => w.properties.metrics) as unknown[][];
            const withGroup = (tenantId: string) => lines.filter((l) => l.includes(ids.targetGroupArnSuffixes[tenantId]));
            expect(withGroup(premium.id)).not.to.be.empty;
            for (const l of withGroup(premium.id)) expect(l.slice(4, 6)).to.deep.equal(["LoadBalancer", own]);
            for (const l of withGroup(basic.id)) expect(l.slice(4, 6)).to.deep.equal(["LoadBalancer", ids.loadBalancerArnSuffix]);
            expect(lines.filter((l) => l.includes(own)).every((l) => l.includes(ids.targetGroupArnSuffixes[premium.id]))).to.equal(true);
        });
    });

    describe('with an enterprise tenant on its own Aurora cluster (README "Isolation tiers")', () => {
        // RDS publishes a cluster's metrics under its own DBClusterIdentifier (Aurora user guide, "Amazon
        // CloudWatch metrics for Amazon Aurora"): the shared cluster's alarms never see the tenant's database.
        const cfg = configFor("dev");
        const [enterprise, basic] = cfg.tenants;
        const ownCluster = `bbws-tenant-${enterprise.id}-aurora-dev`;
        const args = (stopped = false): MonitoringLayerArgs => ({
            ...layerArgs(cfg),
            tenants: [{ ...enterprise, stopped }, basic],
            tenantAuroraClusterIdentifiers: { [enterprise.id]: ownCluster },
            tenantBackupVaultNames: { [enterprise.id]: tenantBackupName("dev", enterprise.id) },
        });
        let resources: Registration[];
        const byName = (what: string) => ofType(resources, ALARM).find((x) => x.inputs.name === `bbws-dev-${what}`)?.inputs;

        before(async () => {
            ({ resources } = await construct(cfg, () => new MonitoringLayer("monitoring", args())));
        });

        it("watches its own cluster with the shared cluster's CPU and connections alarms (same threshold, statistic, missing data, topic), as the tenant's; the basic tenant has none", () => {
            for (const check of ["aurora-cpu", "aurora-connections"]) {
                const shared = byName(check)!;
                const mine = byName(`${enterprise.id}-${check}`)!;
                expect(mine.dimensions, check).to.deep.equal({ DBClusterIdentifier: ownCluster });
                expect(shared.dimensions, check).to.deep.equal({ DBClusterIdentifier: fakeIds(cfg).auroraClusterIdentifier });
                for (const key of [
                    "namespace",
                    "metricName",
                    "statistic",
                    "threshold",
                    "comparisonOperator",
                    "treatMissingData",
                    "alarmActions",
                ]) {
                    expect(mine[key], `${check} ${key}`).to.deep.equal(shared[key]);
                }
                expect(mine.alarmDescription).to.equal(`Tenant ${enterprise.id}'s own Aurora cluster: ${shared.alarmDescription}`);
                expect(mine.tags).to.deep.equal({ Tenant: enterprise.id });
                expect(byName(`${basic.id}-${check}`)).to.equal(undefined);
            }
            expect(named(resources, `monitoring-${enterprise.id}-aurora-cpu`).parent).to.match(/TenantMonitoring::monitoring-aupairhive$/);
        });

        it("keeps its cluster's alarms silent (actionsEnabled false) while the tenant is stopped, like its other alarms; the shared cluster's still notify", async () => {
            const { resources: stopped } = await construct(cfg, () => new MonitoringLayer("monitoring", args(true)));
            const alarm = (what: string) => ofType(stopped, ALARM).find((x) => x.inputs.name === `bbws-dev-${what}`)!.inputs;
            for (const check of ["aurora-cpu", "aurora-connections"]) {
                expect(alarm(`${enterprise.id}-${check}`).actionsEnabled, check).to.equal(false);
                expect(alarm(check).actionsEnabled, check).to.equal(undefined);
            }
        });

        it("reports its cluster's events and its own vault's failed backup jobs to the topics through rules of its own, under its TenantMonitoring; the platform's rules name only the platform's cluster and vault", () => {
            // Rules of its own: an event pattern holds at most 2,048 characters (EventBridge quotas), so the platform's
            // rules must not list every tenant's cluster; and a tenant's --tenant rollout applies only its own subtree.
            const rules = Object.fromEntries(ofType(resources, RULE).map((r) => [r.inputs.name, JSON.parse(r.inputs.eventPattern)]));
            const clusterEvent = (SourceIdentifier: string, category: string) => ({
                source: "aws.rds",
                "detail-type": "RDS DB Cluster Event",
                detail: { SourceIdentifier, EventCategories: [category] },
            });
            const backupJob = (backupVaultName: string) => ({
                source: "aws.backup",
                "detail-type": "Backup Job State Change",
                detail: { state: "FAILED", backupVaultName },
            });
            const own = (what: string) => rules[`bbws-dev-${enterprise.id}-${what}`];
            expect(matchesEventPattern(own("rds-failover"), clusterEvent(ownCluster, "failover"))).to.equal(true);
            expect(matchesEventPattern(own("rds-failover"), clusterEvent(ownCluster, "maintenance"))).to.equal(false);
            expect(matchesEventPattern(own("rds-cluster-events"), clusterEvent(ownCluster, "maintenance"))).to.equal(true);
            expect(matchesEventPattern(own("backup-failed"), backupJob(tenantBackupName("dev", enterprise.id)))).to.equal(true);
            // Not the shared cluster or vault, nor another environment's tenant vault.
            expect(matchesEventPattern(own("rds-failover"), clusterEvent(fakeIds(cfg).auroraClusterIdentifier, "failover"))).to.equal(
                false,
            );
            expect(matchesEventPattern(own("backup-failed"), backupJob(tenantBackupName("sit", enterprise.id)))).to.equal(false);
            expect(matchesEventPattern(rules["bbws-dev-rds-failover"], clusterEvent(ownCluster, "failover"))).to.equal(false);
            expect(matchesEventPattern(rules["bbws-dev-backup-failed"], backupJob(tenantBackupName("dev", enterprise.id)))).to.equal(false);
            for (const what of ["rds-failover", "rds-cluster-events", "backup-failed"]) {
                expect(named(resources, `monitoring-${enterprise.id}-${what}`).parent, what).to.match(
                    /TenantMonitoring::monitoring-aupairhive$/,
                );
                expect(named(resources, `monitoring-${enterprise.id}-${what}-target`).parent, what).to.match(
                    /TenantMonitoring::monitoring-aupairhive$/,
                );
            }
            expect(ofType(resources, RULE).filter((r) => r.inputs.name.startsWith(`bbws-dev-${basic.id}-`))).to.deep.equal([]);
        });

        it("draws its cluster as a line of its own in the Aurora CPU and connections graphs, adding no widget (500 per dashboard: CloudWatch service quotas)", async () => {
            const body = (rs: Registration[]) => JSON.parse(named(rs, "monitoring-dashboard").inputs.dashboardBody);
            const { resources: without } = await construct(cfg, () => new MonitoringLayer("monitoring", layerArgs(cfg)));
            expect(body(resources).widgets).to.have.length(body(without).widgets.length);
            const graph = (title: string) =>
                body(resources).widgets.find(
                    (w: any) => w.properties.title === title && JSON.stringify(w.properties.metrics).includes("AWS/RDS"),
                );
            for (const [title, metric] of [
                ["CPU (%)", "CPUUtilization"],
                ["Connections", "DatabaseConnections"],
            ]) {
                expect(graph(title).properties.metrics).to.deep.include([
                    "AWS/RDS",
                    metric,
                    "DBClusterIdentifier",
                    ownCluster,
                    { label: `${enterprise.id}: ${metric}` },
                ]);
            }
        });

        it("refuses a cluster for a tenant it does not monitor", () => {
            expect(() => checkOnePerTenant({ ...args(), tenantAuroraClusterIdentifiers: { intruder: "x" } })).to.throw(
                /`tenantAuroraClusterIdentifiers`.*intruder/,
            );
        });
    });

    describe("with a DR replica and thresholds overridden in config", () => {
        const base = configFor("prod");
        // The legacy flag without bbws:dr: with a standby, config refuses it (the DR alarms replace it, components/dr-alarms.ts).
        const cfg = configFor("prod", {
            "bbws:dr": "none",
            "bbws:monitoring": { ...base.monitoring, drReplica: true, thresholds: { auroraCpuPercent: 65, replicaLagSeconds: 300 } },
        });
        let resources: Registration[];

        before(async () => {
            ({ resources } = await construct(cfg, () => new MonitoringLayer("monitoring", layerArgs(cfg))));
        });

        it("pages critical when cross-region lag passes the threshold (config in seconds, metric in milliseconds), or stops reporting", () => {
            const a = ofType(resources, ALARM).find((x) => x.inputs.name === "bbws-prod-aurora-replica-lag")!.inputs;
            expect([a.namespace, a.metricName, a.statistic]).to.deep.equal(["AWS/RDS", "AuroraGlobalDBReplicationLag", "Maximum"]);
            expect(a.dimensions).to.deep.equal({ DBClusterIdentifier: "bbws-aurora-prod" });
            expect([a.comparisonOperator, a.threshold, a.treatMissingData]).to.deep.equal(["GreaterThanThreshold", 300_000, "breaching"]);
            expect(a.alarmActions).to.deep.equal([`arn:aws:sns:${cfg.region}:${cfg.accountId}:bbws-prod-critical`]);
        });

        it("takes thresholds from config", () => {
            expect(ofType(resources, ALARM).find((x) => x.inputs.name === "bbws-prod-aurora-cpu")!.inputs.threshold).to.equal(65);
        });

        it("draws the cross-region lag on the dashboard", () => {
            const body = named(resources, "monitoring-dashboard").inputs.dashboardBody as string;
            expect(body).to.contain("AuroraGlobalDBReplicationLag");
        });
    });
});
