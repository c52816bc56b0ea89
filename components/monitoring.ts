/**
 * Monitoring layer (phase `monitoring`, last): the alerts and critical SNS topics, the alarms in
 * components/alarms.ts, the EventBridge rules in components/events.ts, the dashboard from
 * components/dashboard.ts and the monthly cost budget. It reads the other layers only through the
 * plain ids in its arguments.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { DrAlarms, DrAlarmsArgs } from "./dr-alarms";
import type { MonitoringConfig } from "../src/config";
import { AlarmSpec, AlarmTopic, alarmSpecs, isMetricMath, redisMemberClusterIds } from "./alarms";
import { dashboardBody } from "./dashboard";
import { EventRuleSpec, eventRuleSpecs, GLOBAL_EVENTS_REGION, tenantEventRuleSpecs } from "./events";
import { denyInsecureTransport, jsonOf } from "./shared";
import { TenantMonitoring } from "./tenant-monitoring";

export interface MonitoringTenant {
    readonly id: string;
    /**
     * Its service runs no tasks (src/config.ts `stopped`): its alarms keep evaluating but notify no one
     * (`actionsEnabled: false`), since its healthy-targets alarm counts no targets as down and would page
     * through every onboarding, offboarding and tier migration that keeps it stopped longer than
     * `evaluationPeriods` × `periodSeconds`.
     */
    readonly stopped?: boolean;
}

export interface MonitoringLayerArgs {
    readonly env: string;
    readonly region: string;
    readonly accountId: string;
    /** Per-tenant alarms and dashboard rows are made for exactly these tenants. */
    readonly tenants: readonly MonitoringTenant[];
    readonly monitoring: MonitoringConfig;
    /** The ECS cluster's name. */
    readonly clusterName: pulumi.Input<string>;
    /** Each tenant's ECS service name, by tenant id: one entry per tenant, no others. */
    readonly serviceNames: Readonly<Record<string, pulumi.Input<string>>>;
    /** The load balancer's ARN suffix (`app/<name>/<id>`). */
    readonly loadBalancerArnSuffix: pulumi.Input<string>;
    /**
     * Each premium tenant's own load balancer's ARN suffix, by tenant id (the ECS layer's
     * `tenantLoadBalancers`): its target group's metrics carry that `LoadBalancer` dimension, not the
     * shared one's. Only tenants in `tenants`; a basic tenant has no entry.
     */
    readonly tenantLoadBalancerArnSuffixes: Readonly<Record<string, pulumi.Input<string>>>;
    /** Each tenant's target group ARN suffix (`targetgroup/<name>/<id>`), by tenant id: one per tenant, no others. */
    readonly targetGroupArnSuffixes: Readonly<Record<string, pulumi.Input<string>>>;
    /** The Aurora cluster's identifier. */
    readonly auroraClusterIdentifier: pulumi.Input<string>;
    /**
     * Each enterprise tenant's own Aurora cluster's identifier, by tenant id (the data layer's
     * `tenantClusters`): its CPU and connections alarms watch it, as `aurora-cpu` and `-connections` the
     * shared one, and its lines join the dashboard's Aurora graphs. Only tenants in `tenants`. Default: none.
     */
    readonly tenantAuroraClusterIdentifiers?: Readonly<Record<string, pulumi.Input<string>>>;
    readonly redisReplicationGroupId: pulumi.Input<string>;
    /** Nodes in the Redis replication group (`cache.nodes`): its metrics are per node. */
    readonly redisNodes: number;
    readonly fileSystemId: pulumi.Input<string>;
    readonly backupVaultName: pulumi.Input<string>;
    /**
     * Each enterprise tenant's own backup vault's name, by tenant id (the storage layer's
     * `tenantBackupVaultNames`): its failed jobs page through its own rule. Exactly the tenants of
     * `tenantAuroraClusterIdentifiers`. Default: none.
     */
    readonly tenantBackupVaultNames?: Readonly<Record<string, pulumi.Input<string>>>;
    /** With `bbws:dr`: what the DR alarms watch (components/dr-alarms.ts); absent: none. */
    readonly dr?: Omit<DrAlarmsArgs, "env" | "region" | "criticalTopicArn" | "criticalEmails" | "topicKeyPolicy">;
}

/**
 * Monitoring names put the environment first (`bbws-<env>-<what>`) so that one prefix lists an
 * environment's alarms, topics and rules (`describe-alarms --alarm-name-prefix bbws-sit`).
 */
export function monitoringName(env: string, what: string): string {
    return `bbws-${env}-${what}`;
}

/** Where the topics live, for the conditions that name this environment's own alarms and budgets. */
export interface PublisherScope {
    readonly env: string;
    readonly region: string;
    readonly accountId: string;
}

/** An IAM `Condition` block: operator → condition key → value. */
export type PolicyCondition = Readonly<Record<string, Readonly<Record<string, string>>>>;

/**
 * One AWS service that publishes to the topics. Publishing to a topic encrypted with a customer
 * managed key takes two grants: `sns:Publish` in the topic policy and `kms:GenerateDataKey*` plus
 * `kms:Decrypt` in the key policy (SNS developer guide, "Enable compatibility between event sources
 * from AWS services and encrypted topics").
 */
export interface TopicPublisher {
    /** The service principal. */
    readonly service: string;
    /** Statement ids are `<sid>UsesKey` in the key policy and `<sid>Publishes` in the topic policy. */
    readonly sid: string;
    /** What of this layer's it publishes. */
    readonly publishes: string;
    /**
     * The condition both of its statements carry, or `undefined` where AWS documents that a
     * condition on that path makes delivery fail (silently: the rule or alarm reports nothing).
     */
    readonly condition: ((scope: PublisherScope) => PolicyCondition) | undefined;
    /** The AWS documentation (or tracked issue) each half of the rule comes from. */
    readonly sources: readonly string[];
}

/** SNS developer guide, key management: the key-policy statement every publishing service needs, and which conditions it takes. */
export const SNS_KEY_MANAGEMENT_DOC = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services";

/**
 * Every service that publishes to the topics, with the condition AWS documents for it. AWS Backup
 * is not here: backup failures reach the topics through the `backup-failed` EventBridge rule, and
 * the vault sends no SNS notifications of its own.
 */
export const TOPIC_PUBLISHERS: readonly TopicPublisher[] = [
    {
        service: "cloudwatch.amazonaws.com",
        sid: "CloudWatchAlarms",
        publishes: "metric alarms' alarm and OK actions",
        condition: ({ env, region, accountId }) => ({
            StringEquals: { "aws:SourceAccount": accountId },
            ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:${region}:${accountId}:alarm:${monitoringName(env, "*")}` },
        }),
        sources: [SNS_KEY_MANAGEMENT_DOC, "https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger"],
    },
    {
        service: "events.amazonaws.com",
        sid: "EventBridgeRules",
        publishes: "the EventBridge rules of components/events.ts",
        // SNS: aws:SourceAccount/SourceArn/SourceOrgID in a key policy are "not supported for
        // EventBridge-to-encrypted topics"; EventBridge: no `Condition` blocks in SNS topic policies.
        condition: undefined,
        sources: [
            SNS_KEY_MANAGEMENT_DOC,
            "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions",
            "https://github.com/awslabs/landing-zone-accelerator-on-aws/issues/407",
        ],
    },
    {
        service: "budgets.amazonaws.com",
        sid: "Budgets",
        publishes: "the monthly cost budget's notifications",
        condition: ({ accountId }) => ({
            StringEquals: { "aws:SourceAccount": accountId },
            ArnLike: { "aws:SourceArn": `arn:aws:budgets::${accountId}:*` },
        }),
        sources: [SNS_KEY_MANAGEMENT_DOC, "https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html"],
    },
];

/** A publisher's statement in the key or the topic policy, with its condition only where AWS supports one. */
function publisherStatement(
    publisher: TopicPublisher,
    scope: PublisherScope,
    grant: { sid: string; action: string | string[]; resource: pulumi.Input<string> },
) {
    const condition = publisher.condition?.(scope);
    return {
        Sid: grant.sid,
        Effect: "Allow",
        Principal: { Service: publisher.service },
        Action: grant.action,
        Resource: grant.resource,
        ...(condition ? { Condition: condition } : {}),
    };
}

/**
 * The key policy of a topics key in `scope.region`: the account administers the key, and each of
 * `publishers` may use it (`kms:GenerateDataKey*`, `kms:Decrypt`) under the condition AWS documents
 * for it. An AWS-managed key (`alias/aws/sns`) cannot be used: its policy cannot be edited, so no
 * AWS service can publish to a topic it encrypts (SNS developer guide, "Enable compatibility between
 * event sources from AWS services and encrypted topics").
 */
export function topicKeyPolicy(scope: PublisherScope, publishers: readonly TopicPublisher[]) {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AccountAdministersKey",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${scope.accountId}:root` },
                Action: "kms:*",
                Resource: "*",
            },
            ...publishers.map((p) =>
                publisherStatement(p, scope, { sid: `${p.sid}UsesKey`, action: ["kms:GenerateDataKey*", "kms:Decrypt"], resource: "*" }),
            ),
        ],
    };
}

/** The ARN of the account's default event bus in `region`, where the forwarders deliver. */
export function homeEventBusArn(region: string, accountId: string): string {
    return `arn:aws:events:${region}:${accountId}:event-bus/default`;
}

/** Budget notifications: the actual spend nearing the amount, and a forecast over it. */
export const BUDGET_NOTIFICATIONS = [
    { notificationType: "ACTUAL", threshold: 80 },
    { notificationType: "FORECASTED", threshold: 100 },
] as const;

/** Refuses per-tenant ids that do not match `tenants` one to one: an alarm on a missing id would watch nothing. */
export function checkOnePerTenant(
    args: Pick<
        MonitoringLayerArgs,
        "tenants" | "serviceNames" | "targetGroupArnSuffixes" | "tenantLoadBalancerArnSuffixes" | "tenantAuroraClusterIdentifiers"
    >,
): void {
    const tenantIds = args.tenants.map((t) => t.id);
    for (const [arg, byTenant] of [
        ["tenantLoadBalancerArnSuffixes", args.tenantLoadBalancerArnSuffixes],
        ["tenantAuroraClusterIdentifiers", args.tenantAuroraClusterIdentifiers ?? {}],
    ] as const) {
        const strangers = Object.keys(byTenant).filter((id) => !tenantIds.includes(id));
        if (strangers.length > 0) throw new Error(`\`${arg}\` names tenants not in \`tenants\`: ${strangers.join(", ")}`);
    }
    for (const [arg, byTenant] of [
        ["serviceNames", args.serviceNames],
        ["targetGroupArnSuffixes", args.targetGroupArnSuffixes],
    ] as const) {
        const missing = tenantIds.filter((id) => !(id in byTenant));
        const unknown = Object.keys(byTenant).filter((id) => !tenantIds.includes(id));
        if (missing.length > 0 || unknown.length > 0) {
            throw new Error(
                `\`${arg}\` needs exactly one entry per tenant in \`tenants\`` +
                    (missing.length > 0 ? `; missing: ${missing.join(", ")}` : "") +
                    (unknown.length > 0 ? `; not tenants: ${unknown.join(", ")}` : ""),
            );
        }
    }
}

/**
 * Phase `monitoring` (`bbws:monitoring:MonitoringLayer`), last: the alerts and critical SNS topics,
 * alarms (each tenant's under one `TenantMonitoring`, `<name>-<tenant id>`, components/tenant-monitoring.ts),
 * EventBridge rules, the dashboard and the cost budget. Exposes the topic ARNs, dashboard name
 * and alarm names; nothing consumes them. Throws `Error` (via `checkOnePerTenant`) if `serviceNames`
 * or `targetGroupArnSuffixes` do not have exactly one entry per tenant, or `tenantLoadBalancerArnSuffixes`
 * or `tenantAuroraClusterIdentifiers` names another.
 */
export class MonitoringLayer extends pulumi.ComponentResource {
    readonly alertsTopicArn: pulumi.Output<string>;
    readonly criticalTopicArn: pulumi.Output<string>;
    readonly dashboardName: pulumi.Output<string>;
    /** Every alarm's name, for the rollout driver's verification. */
    readonly alarmNames: pulumi.Output<string>[];
    /** The DR alarms' names (components/dr-alarms.ts), when `bbws:dr` is set. */
    readonly drAlarmNames: pulumi.Output<string>[] | undefined;

    constructor(name: string, args: MonitoringLayerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        checkOnePerTenant(args);
        super("bbws:monitoring:MonitoringLayer", name, {}, opts);
        const tenantIds = args.tenants.map((t) => t.id);
        const { env, monitoring } = args;

        const topics = this.createTopics(name, args);
        this.alertsTopicArn = topics.alerts.arn;
        this.criticalTopicArn = topics.critical.arn;

        const redisIds = redisMemberClusterIds(args.redisReplicationGroupId, args.redisNodes);
        const specs = alarmSpecs(
            tenantIds,
            {
                clusterName: args.clusterName,
                serviceNames: args.serviceNames,
                loadBalancerArnSuffix: args.loadBalancerArnSuffix,
                tenantLoadBalancerArnSuffixes: args.tenantLoadBalancerArnSuffixes,
                targetGroupArnSuffixes: args.targetGroupArnSuffixes,
                auroraClusterIdentifier: args.auroraClusterIdentifier,
                tenantAuroraClusterIdentifiers: args.tenantAuroraClusterIdentifiers,
                redisMemberClusterIds: redisIds,
                fileSystemId: args.fileSystemId,
            },
            monitoring,
        );
        const stopped = new Set(args.tenants.filter((t) => t.stopped).map((t) => t.id));
        const alarmArgs = (spec: AlarmSpec, topicArn: pulumi.Input<string>) => ({
            ...metricAlarmArgs(env, monitoring, spec, topicArn),
            ...(spec.tenant !== undefined && stopped.has(spec.tenant) ? { actionsEnabled: false } : {}),
        });
        const topicArns = { alerts: topics.alerts.arn, critical: topics.critical.arn };
        const tenantAlarmNames = tenantIds.flatMap(
            (tenantId) =>
                new TenantMonitoring(
                    `${name}-${tenantId}`,
                    {
                        tenantId,
                        alarms: specs.filter((s) => s.tenant === tenantId),
                        topicArns,
                        alarmArgs,
                        eventRules: this.tenantEventRules(args, tenantId),
                        createEventRule: (rule, opts) =>
                            createEventRule(
                                name,
                                args.env,
                                rule,
                                topicTarget(rule.target as AlarmTopic, topicArns[rule.target as AlarmTopic]),
                                opts,
                            ),
                    },
                    { parent: this },
                ).alarmNames,
        );
        const platformAlarmNames = specs
            .filter((spec) => spec.tenant === undefined)
            .map(
                (spec) =>
                    new aws.cloudwatch.MetricAlarm(`${name}-${spec.what}`, alarmArgs(spec, topicArns[spec.topic]), { parent: this }).name,
            );
        this.alarmNames = [...tenantAlarmNames, ...platformAlarmNames];
        this.drAlarmNames =
            args.dr &&
            new DrAlarms(
                `${name}-dr`,
                {
                    ...args.dr,
                    env,
                    region: args.region,
                    criticalTopicArn: topics.critical.arn,
                    criticalEmails: monitoring.criticalEmails,
                    // Only CloudWatch publishes to the DR regions' topics (their alarms').
                    topicKeyPolicy: (region) =>
                        JSON.stringify(
                            topicKeyPolicy(
                                { env, region, accountId: args.accountId },
                                TOPIC_PUBLISHERS.filter((p) => p.service === "cloudwatch.amazonaws.com"),
                            ),
                        ),
                },
                { parent: this },
            ).alarmNames;

        this.createEventRules(name, args, topics);

        new aws.budgets.Budget(
            `${name}-budget`,
            {
                name: monitoringName(env, "monthly-cost"),
                budgetType: "COST",
                limitAmount: String(monitoring.budgetMonthlyUsd),
                limitUnit: "USD",
                timeUnit: "MONTHLY",
                notifications: BUDGET_NOTIFICATIONS.map((n) => ({
                    ...n,
                    comparisonOperator: "GREATER_THAN",
                    thresholdType: "PERCENTAGE",
                    subscriberSnsTopicArns: [topics.alerts.arn],
                })),
            },
            { parent: this },
        );

        const dashboard = new aws.cloudwatch.Dashboard(
            `${name}-dashboard`,
            {
                dashboardName: `bbws-${env}`,
                dashboardBody: pulumi
                    .output({
                        clusterName: args.clusterName,
                        tenants: tenantIds.map((id) => ({
                            id,
                            serviceName: args.serviceNames[id],
                            targetGroupArnSuffix: args.targetGroupArnSuffixes[id],
                            ...(id in args.tenantLoadBalancerArnSuffixes && {
                                loadBalancerArnSuffix: args.tenantLoadBalancerArnSuffixes[id],
                            }),
                        })),
                        loadBalancerArnSuffix: args.loadBalancerArnSuffix,
                        auroraClusterIdentifier: args.auroraClusterIdentifier,
                        tenantAuroraClusterIdentifiers: args.tenantAuroraClusterIdentifiers ?? {},
                        redisMemberClusterIds: redisIds,
                        fileSystemId: args.fileSystemId,
                    })
                    .apply((ids) =>
                        JSON.stringify(
                            dashboardBody({
                                ...ids,
                                region: args.region,
                                period: monitoring.periodSeconds,
                                drReplica: monitoring.drReplica,
                            }),
                        ),
                    ),
            },
            { parent: this },
        );
        this.dashboardName = dashboard.dashboardName;

        this.registerOutputs({
            alertsTopicArn: this.alertsTopicArn,
            criticalTopicArn: this.criticalTopicArn,
            dashboardName: this.dashboardName,
            alarmNames: this.alarmNames,
        });
    }

    /**
     * The rules of components/events.ts with their targets. Rules in us-east-1 forward to this
     * environment's default event bus through a role that may only put events there; everything
     * else targets a topic. The forwarders use the stack's own provider with a per-resource
     * `region` (@pulumi/aws 7), so `aws:allowedAccountIds` and the default tags apply to them too.
     */
    private createEventRules(name: string, args: MonitoringLayerArgs, topics: Record<AlarmTopic, aws.sns.Topic>): void {
        const { env, region, accountId } = args;
        const specs = eventRuleSpecs({
            env,
            region,
            accountId,
            clusterName: args.clusterName,
            auroraClusterIdentifier: args.auroraClusterIdentifier,
            backupVaultName: args.backupVaultName,
        });
        const homeBusArn = homeEventBusArn(region, accountId);
        const forwarder = specs.some((s) => s.target === "home-event-bus") ? this.createForwarderRole(name, env, homeBusArn) : undefined;
        for (const rule of specs) {
            createEventRule(
                name,
                env,
                rule,
                rule.target === "home-event-bus"
                    ? { targetId: "bbws-home-bus", arn: homeBusArn, roleArn: forwarder!.arn }
                    : topicTarget(rule.target, topics[rule.target].arn),
                { parent: this },
            );
        }
    }

    /**
     * An enterprise tenant's own rules (`tenantEventRuleSpecs`: its cluster's failover and other events,
     * its vault's failed jobs); none for another tenant. Throws `Error` when the tenant has a cluster of its
     * own but no vault in `tenantBackupVaultNames`.
     */
    private tenantEventRules(args: MonitoringLayerArgs, tenantId: string): EventRuleSpec[] {
        const cluster = args.tenantAuroraClusterIdentifiers?.[tenantId];
        if (cluster === undefined) return [];
        const vault = args.tenantBackupVaultNames?.[tenantId];
        if (vault === undefined)
            throw new Error(`tenant \`${tenantId}\` has a cluster of its own but no vault in \`tenantBackupVaultNames\``);
        return tenantEventRuleSpecs({ tenantId, auroraClusterIdentifier: cluster, backupVaultName: vault });
    }

    /** The role EventBridge assumes to put forwarded events on the home region's default bus, and nowhere else. */
    private createForwarderRole(name: string, env: string, homeBusArn: string): aws.iam.Role {
        const role = new aws.iam.Role(
            `${name}-events-forwarder`,
            {
                name: monitoringName(env, "events-forwarder"),
                description: `BBWS ${env}: lets EventBridge rules in ${GLOBAL_EVENTS_REGION} put events on the environment's default event bus`,
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(
            `${name}-events-forwarder-put-events`,
            {
                role: role.name,
                name: "put-events-on-home-bus",
                policy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Action: "events:PutEvents", Resource: homeBusArn }],
                }),
            },
            { parent: this },
        );
        return role;
    }

    /**
     * The two topics, encrypted with a key of this layer's own: the services that publish need
     * `kms:GenerateDataKey*` on it, which the data layer's key does not (and should not) grant.
     */
    private createTopics(name: string, args: MonitoringLayerArgs): Record<AlarmTopic, aws.sns.Topic> {
        const { env, accountId } = args;
        const account = `arn:aws:iam::${accountId}:root`;
        const scope: PublisherScope = { env, region: args.region, accountId };
        const key = new aws.kms.Key(
            `${name}-topics-key`,
            {
                description: `BBWS ${env}: encrypts the alerts and critical SNS topics`,
                enableKeyRotation: true,
                policy: JSON.stringify(topicKeyPolicy(scope, TOPIC_PUBLISHERS)),
            },
            { parent: this },
        );
        new aws.kms.Alias(
            `${name}-topics-key-alias`,
            {
                name: `alias/${monitoringName(env, "topics")}`,
                targetKeyId: key.keyId,
            },
            { parent: this },
        );

        const topic = (kind: AlarmTopic, emails: readonly string[]) => {
            const t = new aws.sns.Topic(
                `${name}-${kind}`,
                {
                    name: monitoringName(env, kind),
                    kmsMasterKeyId: key.arn,
                },
                { parent: this },
            );
            new aws.sns.TopicPolicy(
                `${name}-${kind}-policy`,
                {
                    arn: t.arn,
                    // Replaces SNS's default policy, so the account's own access is restated first.
                    policy: jsonOf({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "AccountManagesTopic",
                                Effect: "Allow",
                                Principal: { AWS: account },
                                Action: [
                                    "sns:GetTopicAttributes",
                                    "sns:SetTopicAttributes",
                                    "sns:ListSubscriptionsByTopic",
                                    "sns:Subscribe",
                                    "sns:Publish",
                                ],
                                Resource: t.arn,
                            },
                            ...TOPIC_PUBLISHERS.map((p) =>
                                publisherStatement(p, scope, {
                                    sid: `${p.sid}Publishes`,
                                    action: "sns:Publish",
                                    resource: t.arn,
                                }),
                            ),
                            denyInsecureTransport("sns:Publish", [t.arn]),
                        ],
                    }),
                },
                { parent: this },
            );
            for (const email of emails) {
                new aws.sns.TopicSubscription(
                    `${name}-${kind}-${email}`,
                    {
                        topic: t.arn,
                        protocol: "email",
                        endpoint: email,
                    },
                    { parent: this },
                );
            }
            return t;
        };
        return {
            alerts: topic("alerts", args.monitoring.alertEmails),
            critical: topic("critical", args.monitoring.criticalEmails),
        };
    }
}

/** A row of components/alarms.ts as `MetricAlarm` arguments: alarm and OK actions both notify its topic. */
export function metricAlarmArgs(
    env: string,
    monitoring: Pick<MonitoringConfig, "periodSeconds" | "evaluationPeriods">,
    spec: AlarmSpec,
    topicArn: pulumi.Input<string>,
): aws.cloudwatch.MetricAlarmArgs {
    const common: aws.cloudwatch.MetricAlarmArgs = {
        name: monitoringName(env, spec.what),
        alarmDescription: spec.description,
        comparisonOperator: spec.comparison,
        threshold: spec.threshold,
        evaluationPeriods: monitoring.evaluationPeriods,
        treatMissingData: spec.treatMissingData,
        alarmActions: [topicArn],
        okActions: [topicArn],
        tags: spec.tenant ? { Tenant: spec.tenant } : undefined,
    };
    const period = monitoring.periodSeconds;
    if (!isMetricMath(spec.metric)) {
        const { namespace, metricName, dimensions, stat } = spec.metric;
        // Percentiles go in `extendedStatistic`; CloudWatch refuses them as a `statistic`.
        const statistic = /^p\d/.test(stat) ? { extendedStatistic: stat } : { statistic: stat };
        return { ...common, namespace, metricName, dimensions, period, ...statistic };
    }
    const { expression, label, metrics } = spec.metric;
    return {
        ...common,
        metricQueries: [
            { id: "e1", expression, label, returnData: true },
            ...Object.entries(metrics).map(([id, m]) => ({
                id,
                returnData: false,
                metric: { namespace: m.namespace, metricName: m.metricName, dimensions: m.dimensions, stat: m.stat, period },
            })),
        ],
    };
}

/** A rule's target: one of the layer's topics (`bbws-<topic>`). */
function topicTarget(topic: AlarmTopic, arn: pulumi.Input<string>): EventRuleTargetArgs {
    return { targetId: `bbws-${topic}`, arn };
}

/** What a rule sends its events to: a topic, or the home region's bus with the forwarder's role. */
type EventRuleTargetArgs = Pick<aws.cloudwatch.EventTargetArgs, "targetId" | "arn" | "roleArn">;

/**
 * The rule `bbws-<env>-<what>` (child `<layer>-<what>`, in `rule.region` when it has one) and its target
 * (`<layer>-<what>-target`), both with `opts`: the layer's rules and an enterprise tenant's own alike.
 */
function createEventRule(
    layer: string,
    env: string,
    rule: EventRuleSpec,
    target: EventRuleTargetArgs,
    opts: pulumi.CustomResourceOptions,
): void {
    const placement = rule.region ? { region: rule.region } : {};
    const eventRule = new aws.cloudwatch.EventRule(
        `${layer}-${rule.what}`,
        { name: monitoringName(env, rule.what), description: rule.description, eventPattern: jsonOf(rule.pattern), ...placement },
        opts,
    );
    new aws.cloudwatch.EventTarget(`${layer}-${rule.what}-target`, { rule: eventRule.name, ...placement, ...target }, opts);
}
