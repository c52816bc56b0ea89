import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import type { ResourceView, Rule } from "../../src/policy/rule";
import { RULES } from "../../src/policy/rules";
import { ec2_2 } from "../../src/policy/rules/ec2-2-default-sg-closed";
import { ec2_6 } from "../../src/policy/rules/ec2-6-vpc-flow-logs";
import { ec2_18 } from "../../src/policy/rules/ec2-18-internet-ingress";
import { rds_2 } from "../../src/policy/rules/rds-2-not-public";
import { rds_7 } from "../../src/policy/rules/rds-7-cluster-deletion-protection";
import { rds_11 } from "../../src/policy/rules/rds-11-backups";
import { rds_12 } from "../../src/policy/rules/rds-12-iam-auth";
import { rds_13 } from "../../src/policy/rules/rds-13-minor-upgrades";
import { rds_27 } from "../../src/policy/rules/rds-27-cluster-encrypted";
import { rds_34 } from "../../src/policy/rules/rds-34-audit-logs";
import { elasticache_1 } from "../../src/policy/rules/elasticache-1-backups";
import { elasticache_3 } from "../../src/policy/rules/elasticache-3-failover";
import { elasticache_4 } from "../../src/policy/rules/elasticache-4-at-rest";
import { elasticache_5 } from "../../src/policy/rules/elasticache-5-in-transit";
import { elasticache_6 } from "../../src/policy/rules/elasticache-6-auth";
import { efs_1 } from "../../src/policy/rules/efs-1-encrypted";
import { efs_2 } from "../../src/policy/rules/efs-2-backups";
import { efs_3 } from "../../src/policy/rules/efs-3-root-directory";
import { efs_4 } from "../../src/policy/rules/efs-4-posix-user";
import { ecs_2 } from "../../src/policy/rules/ecs-2-no-public-ip";
import { ecs_4 } from "../../src/policy/rules/ecs-4-not-privileged";
import { ecs_5 } from "../../src/policy/rules/ecs-5-read-only-root";
import { ecs_8 } from "../../src/policy/rules/ecs-8-no-secrets-in-env";
import { ecs_9 } from "../../src/policy/rules/ecs-9-logging";
import { ecs_12 } from "../../src/policy/rules/ecs-12-container-insights";
import { ecs_20 } from "../../src/policy/rules/ecs-20-non-root-user";
import { containers_1 } from "../../src/policy/rules/containers-1-capabilities-dropped";
import { elb_1 } from "../../src/policy/rules/elb-1-https-redirect";
import { elb_4 } from "../../src/policy/rules/elb-4-drop-invalid-headers";
import { elb_5 } from "../../src/policy/rules/elb-5-access-logs";
import { elb_6, OFFBOARDING_TAG as ELB6_OFFBOARDING_TAG } from "../../src/policy/rules/elb-6-deletion-protection";
import { OFFBOARDING_TAG, ROTATION_PAUSED_TAG } from "../../src/config";
import { elb_17 } from "../../src/policy/rules/elb-17-tls-policy";
import { s3_5 } from "../../src/policy/rules/s3-5-tls-only";
import { s3_8 } from "../../src/policy/rules/s3-8-block-public-access";
import { s3_14 } from "../../src/policy/rules/s3-14-versioning";
import { s3_17 } from "../../src/policy/rules/s3-17-kms-encryption";
import { ecr_1 } from "../../src/policy/rules/ecr-1-scan-on-push";
import { ecr_2 } from "../../src/policy/rules/ecr-2-immutable-tags";
import { ecr_3 } from "../../src/policy/rules/ecr-3-lifecycle-policy";
import { kms_4 } from "../../src/policy/rules/kms-4-key-rotation";
import { cache_1 } from "../../src/policy/rules/cache-1-no-shared-credentials";
import { ROTATION_PAUSED_TAG as SM1_ROTATION_PAUSED_TAG, secretsmanager_1 } from "../../src/policy/rules/secretsmanager-1-rotation";
import { tenantAccessString } from "../../components/cache-users";
import { sns_1 } from "../../src/policy/rules/sns-1-encrypted";
import { cloudwatch_16 } from "../../src/policy/rules/cloudwatch-16-log-retention";
import { ecr_1_findings } from "../../src/policy/rules/ecr-1-scan-findings-paged";
import { cloudwatch_1 } from "../../src/policy/rules/cloudwatch-1-root-use-paged";
import { cloudwatch_4 } from "../../src/policy/rules/cloudwatch-4-iam-changes-paged";
import { quotas_1 } from "../../src/policy/rules/quotas-1-default-service-quotas";
import { appliesIn } from "../../src/policy/rule";
import { eventRuleSpecs, EventRuleSpec } from "../../components/events";
import { homeEventBusArn } from "../../components/monitoring";

/** A resource as a rule sees it; `dependencies` maps a property to the resources its value came from. */
function res(
    type: string,
    name: string,
    inputs: Record<string, any>,
    dependencies: Record<string, ResourceView[]> = {},
    env = "prod",
): ResourceView {
    return {
        type,
        name,
        inputs,
        urn: `urn:pulumi:${env}::bbws-platform::${type}::${name}`,
        dependencies: Object.fromEntries(Object.entries(dependencies).map(([k, rs]) => [k, rs.map((r) => r.urn)])),
    };
}

/** The resource the rule judges, and whatever else is in the stack. */
interface Scenario {
    readonly target: ResourceView;
    readonly others?: readonly ResourceView[];
    /** The stack's own region, as the pack reads it from the default provider (src/policy/pack.ts stackRegion). */
    readonly region?: string;
}
interface Case {
    readonly rule: Rule;
    readonly env?: string;
    readonly compliant: Scenario | Scenario[];
    readonly nonCompliant: Scenario | Scenario[];
}

const T = {
    vpc: "aws:ec2/vpc:Vpc",
    awsxVpc: "awsx:ec2:Vpc",
    flowLog: "aws:ec2/flowLog:FlowLog",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    legacyRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    lb: "aws:lb/loadBalancer:LoadBalancer",
    listener: "aws:lb/listener:Listener",
    cluster: "aws:rds/cluster:Cluster",
    instance: "aws:rds/clusterInstance:ClusterInstance",
    redis: "aws:elasticache/replicationGroup:ReplicationGroup",
    fs: "aws:efs/fileSystem:FileSystem",
    ap: "aws:efs/accessPoint:AccessPoint",
    task: "aws:ecs/taskDefinition:TaskDefinition",
    bucket: "aws:s3/bucket:Bucket",
    repo: "aws:ecr/repository:Repository",
};

const sg = res(T.sg, "alb-sg", {});
const lb = res(T.lb, "alb", {}, { securityGroups: [sg] });
const vpc = res(T.vpc, "vpc", { cidrBlock: "10.0.0.0/16" });
const awsxVpc = res(T.awsxVpc, "network-vpc", {});
const fileSystem = res(T.fs, "efs", { encrypted: true });
const bucket = res(T.bucket, "media", { bucket: "bbws-media-prod" });
const repo = res(T.repo, "wordpress", { name: "bbws/wordpress" });
const containers = (defs: object[]) => res(T.task, "task", { containerDefinitions: JSON.stringify(defs) });
const logged = {
    logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-group": "/aws/ecs/bbws-prod/aupairhive", "awslogs-region": "af-south-1", "awslogs-stream-prefix": "one-off" },
    },
};
/** A Fargate task definition: ECS refuses an awslogs container there without a stream prefix. */
const fargateContainers = (defs: object[]) =>
    res(T.task, "task", { requiresCompatibilities: ["FARGATE"], containerDefinitions: JSON.stringify(defs) });
const withoutOption = (option: string) => {
    const { [option]: _dropped, ...options } = logged.logConfiguration.options as Record<string, string>;
    return { logConfiguration: { logDriver: "awslogs", options } };
};
const tlsOnly = {
    Version: "2012-10-17",
    Statement: [
        {
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "s3:*",
            Resource: ["arn:aws:s3:::bbws-media-prod/*"],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
    ],
};

/**
 * The monitoring layer's rules and targets as the pack sees them (prod: af-south-1), wired to the
 * alerts and critical topics; `change` rewrites the specs to break one link.
 */
const alertsTopic = res("aws:sns/topic:Topic", "monitoring-alerts", { name: "bbws-prod-alerts" });
const criticalTopic = res("aws:sns/topic:Topic", "monitoring-critical", { name: "bbws-prod-critical" });
/** `rules` with every home event rule (no `region`) given `region`, as a real preview shows them: the provider's Check fills it in. */
const homeRulesIn = (region: string, rules: readonly ResourceView[]) =>
    rules.map((r) =>
        r.type === "aws:cloudwatch/eventRule:EventRule" && r.inputs.region === undefined ? { ...r, inputs: { ...r.inputs, region } } : r,
    );

function signalRules(change: (specs: EventRuleSpec[]) => EventRuleSpec[] = (s) => s): ResourceView[] {
    const specs = change(
        eventRuleSpecs({
            env: "prod",
            region: "af-south-1",
            accountId: "093646564004",
            clusterName: "c",
            auroraClusterIdentifier: "a",
            backupVaultName: "v",
        }),
    );
    return specs.flatMap((spec) => {
        const placement = spec.region ? { region: spec.region } : {};
        const rule = res("aws:cloudwatch/eventRule:EventRule", `monitoring-${spec.what}`, {
            name: `bbws-prod-${spec.what}`,
            eventPattern: JSON.stringify(spec.pattern),
            ...placement,
        });
        const topic = spec.target === "critical" ? criticalTopic : alertsTopic;
        const target =
            spec.target === "home-event-bus"
                ? res(
                      "aws:cloudwatch/eventTarget:EventTarget",
                      `${rule.name}-target`,
                      {
                          rule: rule.inputs.name,
                          arn: homeEventBusArn("af-south-1", "093646564004"),
                          roleArn: "arn:aws:iam::093646564004:role/f",
                          ...placement,
                      },
                      { rule: [rule] },
                  )
                : res(
                      "aws:cloudwatch/eventTarget:EventTarget",
                      `${rule.name}-target`,
                      { rule: rule.inputs.name, arn: "arn:topic", ...placement },
                      { rule: [rule], arn: [topic] },
                  );
        return [rule, target];
    });
}
const withoutRule = (what: string) => (specs: EventRuleSpec[]) => specs.filter((s) => s.what !== what);
const retarget = (what: string, target: EventRuleSpec["target"]) => (specs: EventRuleSpec[]) =>
    specs.map((s) => (s.what === what ? { ...s, target } : s));
const repatterned = (what: string, pattern: Record<string, unknown>) => (specs: EventRuleSpec[]) =>
    specs.map((s) => (s.what === what ? { ...s, pattern } : s));
const platformTopics = [alertsTopic, criticalTopic];
/** Fixtures of the quota rule: a group, a load balancer and a role, and what counts against them. */
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const quotaSg = res("aws:ec2/securityGroup:SecurityGroup", "shared", {});
const quotaLb = res("aws:lb/loadBalancer:LoadBalancer", "alb", {});
const quotaRole = res("aws:iam/role:Role", "migration", {});

function sgRules(n: number, type: string): ResourceView[] {
    return Array.from({ length: n }, (_, i) =>
        res(
            type,
            `${type.endsWith("IngressRule") ? "in" : "out"}-${i}`,
            { referencedSecurityGroupId: `sg-${i}` },
            { securityGroupId: [quotaSg] },
        ),
    );
}

function widgets(n: number): string {
    return JSON.stringify({ widgets: Array.from({ length: n }, () => ({ type: "metric" })) });
}

/** A listener on the load balancer with `rules` rules, each forwarding to a target group of its own, and `certificates` extra certificates. */
function lbScenario(rules: number, certificates: number): ResourceView[] {
    const listener = res("aws:lb/listener:Listener", "https", {}, { loadBalancerArn: [quotaLb] });
    const groups = Array.from({ length: rules }, (_, i) => res("aws:lb/targetGroup:TargetGroup", `tg-${i}`, {}));
    return [
        listener,
        ...groups,
        ...groups.map((tg, i) => res("aws:lb/listenerRule:ListenerRule", `rule-${i}`, {}, { listenerArn: [listener], actions: [tg] })),
        ...Array.from({ length: certificates }, (_, i) =>
            res("aws:lb/listenerCertificate:ListenerCertificate", `cert-${i}`, {}, { listenerArn: [listener] }),
        ),
    ];
}

/**
 * The region's first VPC (an awsx one, one NAT gateway): where the regional quotas are reported. With
 * awsx's default `OnePerAz` over 3 zones two VPCs would already need 6 Elastic IPs.
 */
const singleNat = { numberOfAvailabilityZones: 3, natGateways: { strategy: "Single" } };
const quotaVpc = res("awsx:ec2:Vpc", "platform-vpc", singleNat);
/** `n` more VPCs in the region, each with its NAT gateway, Elastic IP and internet gateway. */
function vpcs(n: number): ResourceView[] {
    return Array.from({ length: n }, (_, i) => res("awsx:ec2:Vpc", `tenant-vpc-${i}`, singleNat));
}
/** `n` peering connections with the VPC as their peer. */
function peerings(n: number): ResourceView[] {
    return Array.from({ length: n }, (_, i) =>
        res("aws:ec2/vpcPeeringConnection:VpcPeeringConnection", `peering-${i}`, { vpcId: `vpc-${i}` }, { peerVpcId: [quotaVpc] }),
    );
}

/** The region's first Aurora cluster and first DB instance: where the database quotas are reported. */
const quotaCluster = res("aws:rds/cluster:Cluster", "aurora", {});
const quotaInstance = res("aws:rds/clusterInstance:ClusterInstance", "aurora-1", {});
/** `n` more of `type` in the region, or in `region` when given (a DR standby's, counted apart). */
function many(type: string, n: number, region?: string): ResourceView[] {
    return Array.from({ length: n }, (_, i) => res(type, `${type.split(":").pop()}-${region ?? "here"}-${i}`, region ? { region } : {}));
}

/** A policy document of exactly `size` characters once whitespace is left out, as IAM counts it. */
function policyOf(size: number): string {
    const empty = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "" }] });
    const doc = {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "x".repeat(size - empty.length) }],
    };
    return JSON.stringify(doc, null, 4);
}

const tenantDbSecret = res("aws:secretsmanager/secret:Secret", "data-tenant-a-db", {
    name: "bbws/prod/tenants/a/db",
    tags: { Tenant: "a" },
});
const pausedDbSecret = res("aws:secretsmanager/secret:Secret", "data-tenant-a-db", {
    name: "bbws/prod/tenants/a/db",
    tags: { Tenant: "a", [SM1_ROTATION_PAUSED_TAG]: "true" },
});
const tenantService = res("aws:ecs/service:Service", "ecs-a-service", { name: "bbws-wordpress-a-prod", tags: { Tenant: "a" } });
const servingScaling = res(
    "aws:appautoscaling/target:Target",
    "ecs-a-scaling",
    { minCapacity: 1, maxCapacity: 2 },
    { resourceId: [tenantService] },
);
const rotation = (rules: object) =>
    res(
        "aws:secretsmanager/secretRotation:SecretRotation",
        "data-tenant-a-db-rotation",
        { rotationLambdaArn: "arn:aws:lambda:eu-west-1:1:function:bbws-rotation-prod", rotationRules: rules },
        { secretId: [tenantDbSecret] },
    );

const CASES: Case[] = [
    {
        rule: secretsmanager_1,
        compliant: [
            { target: tenantDbSecret, others: [rotation({ automaticallyAfterDays: 30 })] },
            // Not a tenant database secret: the rule does not apply.
            { target: res("aws:secretsmanager/secret:Secret", "platform", { name: "bbws/prod/redis/platform" }) },
            // A stopped tenant's, its rotation paused until its start (src/config.ts databaseRotationPaused): the tag alone, since a
            // real preview judges the untargeted scaling target on its last state, a serving range during the stop's database rollout.
            { target: pausedDbSecret, others: [tenantService, servingScaling] },
        ],
        nonCompliant: [
            { target: tenantDbSecret },
            { target: tenantDbSecret, others: [rotation({})] },
            {
                target: res("aws:secretsmanager/secret:Secret", "data-tenant-a-db", {
                    name: "bbws/prod/tenants/a/db",
                    tags: { Tenant: "a", [SM1_ROTATION_PAUSED_TAG]: "false" },
                }),
            },
        ],
    },
    {
        rule: ec2_2,
        compliant: { target: res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default", { vpcId: "vpc-1" }) },
        nonCompliant: {
            target: res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default", {
                ingress: [{ protocol: "-1", self: true, fromPort: 0, toPort: 0 }],
            }),
        },
    },
    {
        rule: ec2_6,
        compliant: [
            { target: vpc, others: [res(T.flowLog, "flow", { trafficType: "ALL" }, { vpcId: [vpc] })] },
            // awsx's VPC: the flow log may name the component or the VPC it wraps.
            { target: awsxVpc, others: [res(T.flowLog, "flow", { trafficType: "REJECT" }, { vpcId: [awsxVpc] })] },
        ],
        nonCompliant: [
            { target: vpc, others: [res(T.flowLog, "other", { trafficType: "ALL" }, { vpcId: [res(T.vpc, "other-vpc", {})] })] },
            { target: vpc, others: [res(T.flowLog, "flow", { trafficType: "ACCEPT" }, { vpcId: [vpc] })] },
        ],
    },
    {
        rule: ec2_18,
        compliant: [
            {
                target: res(
                    T.ingress,
                    "https",
                    { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" },
                    { securityGroupId: [sg] },
                ),
                others: [sg, lb],
            },
            { target: res(T.ingress, "mysql", { ipProtocol: "tcp", fromPort: 3306, toPort: 3306, referencedSecurityGroupId: "sg-1" }) },
        ],
        nonCompliant: [
            {
                target: res(
                    T.ingress,
                    "ssh",
                    { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" },
                    { securityGroupId: [sg] },
                ),
                others: [sg, lb],
            },
            { target: res(T.ingress, "all", { ipProtocol: "-1", cidrIpv6: "::/0" }, { securityGroupId: [sg] }), others: [sg, lb] },
            // 443 to the world, but on a group no load balancer uses.
            {
                target: res(
                    T.ingress,
                    "https",
                    { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" },
                    { securityGroupId: [sg] },
                ),
                others: [sg],
            },
            { target: res(T.sg, "inline", { ingress: [{ protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["0.0.0.0/0"] }] }) },
            {
                target: res(T.legacyRule, "legacy", {
                    type: "ingress",
                    protocol: "tcp",
                    fromPort: 8080,
                    toPort: 8080,
                    cidrBlocks: ["0.0.0.0/0"],
                }),
            },
        ],
    },
    {
        rule: rds_2,
        compliant: { target: res(T.instance, "writer", { publiclyAccessible: false }) },
        nonCompliant: { target: res(T.instance, "writer", { publiclyAccessible: true }) },
    },
    {
        rule: rds_7,
        compliant: { target: res(T.cluster, "aurora", { deletionProtection: true }) },
        nonCompliant: { target: res(T.cluster, "aurora", { deletionProtection: false }) },
    },
    {
        rule: rds_11,
        compliant: { target: res(T.cluster, "aurora", { backupRetentionPeriod: 7 }) },
        nonCompliant: [{ target: res(T.cluster, "aurora", { backupRetentionPeriod: 6 }) }, { target: res(T.cluster, "aurora", {}) }],
    },
    {
        rule: rds_11,
        env: "dev",
        compliant: { target: res(T.cluster, "aurora", { backupRetentionPeriod: 1 }, {}, "dev") },
        nonCompliant: { target: res(T.cluster, "aurora", { backupRetentionPeriod: 0 }, {}, "dev") },
    },
    {
        rule: rds_12,
        compliant: { target: res(T.cluster, "aurora", { iamDatabaseAuthenticationEnabled: true }) },
        nonCompliant: { target: res(T.cluster, "aurora", {}) },
    },
    {
        rule: rds_13,
        compliant: [{ target: res(T.instance, "writer", {}) }, { target: res(T.instance, "writer", { autoMinorVersionUpgrade: true }) }],
        nonCompliant: { target: res(T.instance, "writer", { autoMinorVersionUpgrade: false }) },
    },
    {
        rule: rds_27,
        compliant: { target: res(T.cluster, "aurora", { storageEncrypted: true }) },
        nonCompliant: { target: res(T.cluster, "aurora", {}) },
    },
    {
        rule: rds_34,
        compliant: { target: res(T.cluster, "aurora", { engine: "aurora-mysql", enabledCloudwatchLogsExports: ["audit", "error"] }) },
        nonCompliant: {
            target: res(T.cluster, "aurora", { engine: "aurora-mysql", enabledCloudwatchLogsExports: ["error", "slowquery"] }),
        },
    },
    {
        rule: elasticache_1,
        compliant: { target: res(T.redis, "redis", { snapshotRetentionLimit: 7 }) },
        nonCompliant: [{ target: res(T.redis, "redis", { snapshotRetentionLimit: 0 }) }, { target: res(T.redis, "redis", {}) }],
    },
    {
        rule: elasticache_3,
        compliant: [
            { target: res(T.redis, "redis", { numCacheClusters: 2, automaticFailoverEnabled: true }) },
            { target: res(T.redis, "redis", { numCacheClusters: 1 }) },
        ],
        nonCompliant: { target: res(T.redis, "redis", { numCacheClusters: 3, automaticFailoverEnabled: false }) },
    },
    {
        rule: elasticache_4,
        compliant: { target: res(T.redis, "redis", { atRestEncryptionEnabled: true }) },
        nonCompliant: { target: res(T.redis, "redis", {}) },
    },
    {
        rule: elasticache_5,
        compliant: { target: res(T.redis, "redis", { transitEncryptionEnabled: true }) },
        nonCompliant: [
            { target: res(T.redis, "redis", { transitEncryptionEnabled: false }) },
            { target: res(T.redis, "redis", { transitEncryptionEnabled: true, transitEncryptionMode: "preferred" }) },
        ],
    },
    {
        rule: elasticache_6,
        compliant: [
            { target: res(T.redis, "redis", { authToken: "[secret]" }) },
            { target: res(T.redis, "redis", { userGroupIds: ["ug-1"] }) },
        ],
        nonCompliant: { target: res(T.redis, "redis", {}) },
    },
    (() => {
        // A user group, a default user that is off, each tenant's user on its own prefix, each task on its own secret.
        const rbac = res(T.redis, "redis", { userGroupIds: ["bbws-redis-prod"], transitEncryptionEnabled: true });
        const user = (name: string, inputs: object) => res("aws:elasticache/user:User", name, inputs);
        const defaultOff = user("default", { userName: "default", accessString: "off -@all" });
        const tenantUser = (id: string, accessString = tenantAccessString(id)) =>
            user(`${id}-cache-user`, { userName: `bbws-t-${id}-prod`, accessString, tags: { Tenant: id } });
        const task = (id: string, secret: string) =>
            res(T.task, `${id}-task`, {
                tags: { Tenant: id },
                containerDefinitions: JSON.stringify([
                    {
                        name: "wordpress",
                        secrets: [
                            {
                                name: "WP_REDIS_PASSWORD",
                                valueFrom: `arn:aws:secretsmanager:eu-west-1:1:secret:${secret}-AbCdEf:password::`,
                            },
                        ],
                    },
                ]),
            });
        const own = [
            defaultOff,
            tenantUser("a"),
            tenantUser("b"),
            task("a", "bbws/prod/tenants/a/cache"),
            task("b", "bbws/prod/tenants/b/cache"),
        ];
        return {
            rule: cache_1,
            compliant: { target: rbac, others: own },
            nonCompliant: [
                // The one AUTH token every tenant used to share.
                { target: res(T.redis, "redis", { authToken: "[secret]", transitEncryptionEnabled: true }), others: own },
                { target: rbac, others: [user("default", { userName: "default", accessString: "on ~* +@all" })] },
                { target: rbac, others: [tenantUser("a", "on ~* +@all")] },
                { target: rbac, others: [tenantUser("a", "on ~b:* +@all")] },
                // On its own prefix, but free to list every tenant's key names (SCAN takes no key: redis.io "ACL").
                { target: rbac, others: [tenantUser("a", "on ~a:* &a:* +@all -@dangerous")] },
                { target: rbac, others: [task("a", "bbws/prod/redis/auth-token"), task("b", "bbws/prod/redis/auth-token")] },
            ],
        } as Case;
    })(),
    { rule: efs_1, compliant: { target: fileSystem }, nonCompliant: { target: res(T.fs, "efs", { encrypted: false }) } },
    {
        rule: efs_2,
        compliant: [
            {
                target: fileSystem,
                others: [
                    res(
                        "aws:backup/selection:Selection",
                        "sel",
                        { resources: ["arn:aws:elasticfilesystem:x"] },
                        { resources: [fileSystem] },
                    ),
                ],
            },
            {
                target: fileSystem,
                others: [
                    res("aws:efs/backupPolicy:BackupPolicy", "bp", { backupPolicy: { status: "ENABLED" } }, { fileSystemId: [fileSystem] }),
                ],
            },
        ],
        nonCompliant: [
            { target: fileSystem },
            {
                target: fileSystem,
                others: [
                    res(
                        "aws:efs/backupPolicy:BackupPolicy",
                        "bp",
                        { backupPolicy: { status: "DISABLED" } },
                        { fileSystemId: [fileSystem] },
                    ),
                ],
            },
        ],
    },
    {
        rule: efs_3,
        compliant: { target: res(T.ap, "ap", { rootDirectory: { path: "/tenants/a" } }) },
        nonCompliant: [{ target: res(T.ap, "ap", { rootDirectory: { path: "/" } }) }, { target: res(T.ap, "ap", {}) }],
    },
    {
        rule: efs_4,
        compliant: { target: res(T.ap, "ap", { posixUser: { uid: 20001, gid: 20001 } }) },
        nonCompliant: { target: res(T.ap, "ap", {}) },
    },
    {
        rule: ecs_2,
        compliant: { target: res("aws:ecs/service:Service", "svc", { networkConfiguration: { assignPublicIp: false, subnets: [] } }) },
        nonCompliant: { target: res("aws:ecs/service:Service", "svc", { networkConfiguration: { assignPublicIp: true, subnets: [] } }) },
    },
    {
        rule: ecs_4,
        compliant: { target: containers([{ name: "wordpress", privileged: false }]) },
        nonCompliant: [
            { target: containers([{ name: "wordpress" }, { name: "sidecar", privileged: true }]) },
            { target: res(T.task, "task", { containerDefinitions: "[secret]" }) },
        ],
    },
    {
        rule: ecs_5,
        compliant: { target: containers([{ name: "wordpress", readonlyRootFilesystem: true }]) },
        nonCompliant: [
            { target: containers([{ name: "wordpress", readonlyRootFilesystem: false }]) },
            // Absent is Docker's default: writable.
            { target: containers([{ name: "wordpress", readonlyRootFilesystem: true }, { name: "migration" }]) },
            { target: res(T.task, "task", { containerDefinitions: "[secret]" }) },
        ],
    },
    {
        rule: ecs_8,
        compliant: [
            {
                target: containers([
                    {
                        name: "wordpress",
                        environment: [{ name: "WORDPRESS_DB_HOST", value: "db" }],
                        secrets: [{ name: "WORDPRESS_DB_PASSWORD", valueFrom: "arn:aws:secretsmanager:x" }],
                    },
                ]),
            },
            { target: containers([{ name: "migration", environment: [{ name: "DB_SECRET_ARN", value: "arn:aws:secretsmanager:x" }] }]) },
        ],
        nonCompliant: [
            { target: containers([{ name: "wordpress", environment: [{ name: "WORDPRESS_DB_PASSWORD", value: "hunter2" }] }]) },
            { target: containers([{ name: "wordpress", environment: [{ name: "AWS_SECRET_ACCESS_KEY", value: "x" }] }]) },
            { target: containers([{ name: "wordpress", environment: [{ name: "WORDPRESS_AUTH_SALT", value: "x" }] }]) },
        ],
    },
    {
        rule: ecs_20,
        compliant: [
            {
                target: containers([
                    { name: "wordpress", user: "20001:20001" },
                    { name: "migration", user: "20001" },
                ]),
            },
            { target: containers([{ name: "wordpress", user: "www-data" }]) },
            // The group is not judged (AWS Config ecs-task-definition-linux-user-non-root).
            { target: containers([{ name: "wordpress", user: "33:0" }]) },
        ],
        nonCompliant: [
            { target: containers([{ name: "wordpress" }]) },
            { target: containers([{ name: "wordpress", user: "root" }]) },
            { target: containers([{ name: "wordpress", user: "0:33" }]) },
            { target: containers([{ name: "wordpress", user: "00" }]) },
            { target: containers([{ name: "wordpress", user: "root:root" }]) },
            { target: containers([{ name: "wordpress", user: "" }]) },
            { target: res(T.task, "task", { containerDefinitions: "[secret]" }) },
        ],
    },
    {
        rule: containers_1,
        compliant: {
            target: containers([{ name: "wordpress", linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } } }]),
        },
        nonCompliant: [
            { target: containers([{ name: "wordpress" }]) },
            { target: containers([{ name: "wordpress", linuxParameters: { capabilities: { drop: ["NET_RAW"] } } }]) },
            { target: containers([{ name: "wordpress", linuxParameters: { capabilities: { drop: ["ALL"], add: ["SYS_PTRACE"] } } }]) },
            { target: res(T.task, "task", { containerDefinitions: "[secret]" }) },
        ],
    },
    {
        rule: ecs_9,
        compliant: [
            {
                target: fargateContainers([
                    { name: "wordpress", ...logged },
                    { name: "sidecar", ...logged },
                ]),
            },
            // Outside Fargate the stream prefix is optional (ECS developer guide, "Using the awslogs log driver").
            { target: containers([{ name: "ec2-task", ...withoutOption("awslogs-stream-prefix") }]) },
        ],
        nonCompliant: [
            { target: containers([{ name: "wordpress", ...logged }, { name: "sidecar" }]) },
            // Where the one-off task runner looks: `<prefix>/<container>/<task id>` in the group (issue 15).
            ...["awslogs-group", "awslogs-region", "awslogs-stream-prefix"].map((option) => ({
                target: fargateContainers([{ name: "migration", ...withoutOption(option) }]),
            })),
        ],
    },
    {
        rule: ecs_12,
        compliant: { target: res("aws:ecs/cluster:Cluster", "ecs", { settings: [{ name: "containerInsights", value: "enabled" }] }) },
        nonCompliant: [
            { target: res("aws:ecs/cluster:Cluster", "ecs", { settings: [{ name: "containerInsights", value: "disabled" }] }) },
            { target: res("aws:ecs/cluster:Cluster", "ecs", {}) },
        ],
    },
    {
        rule: elb_1,
        compliant: [
            {
                target: res(T.listener, "http", {
                    protocol: "HTTP",
                    port: 80,
                    defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                }),
            },
            { target: res(T.listener, "https", { protocol: "HTTPS", port: 443, defaultActions: [{ type: "fixed-response" }] }) },
        ],
        nonCompliant: {
            target: res(T.listener, "http", {
                protocol: "HTTP",
                port: 80,
                defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }],
            }),
        },
    },
    {
        rule: elb_4,
        compliant: { target: res(T.lb, "alb", { dropInvalidHeaderFields: true }) },
        nonCompliant: { target: res(T.lb, "alb", { loadBalancerType: "application" }) },
    },
    {
        rule: elb_5,
        compliant: { target: res(T.lb, "alb", { accessLogs: { bucket: "bbws-logs-prod", enabled: true } }) },
        nonCompliant: [
            { target: res(T.lb, "alb", { accessLogs: { bucket: "bbws-logs-prod", enabled: false } }) },
            { target: res(T.lb, "alb", {}) },
        ],
    },
    {
        rule: elb_6,
        compliant: [
            { target: res(T.lb, "alb", { enableDeletionProtection: true }) },
            // A premium tenant's own load balancer while remove deletes it (src/config.ts `offboarding`).
            { target: res(T.lb, "alb", { enableDeletionProtection: false, tags: { Tenant: "x", Offboarding: "true" } }) },
        ],
        nonCompliant: [
            { target: res(T.lb, "alb", { enableDeletionProtection: false }) },
            { target: res(T.lb, "alb", { enableDeletionProtection: false, tags: { Offboarding: "yes" } }) },
            // Not a tenant's: the shared load balancer is never exempt.
            { target: res(T.lb, "alb", { enableDeletionProtection: false, tags: { Offboarding: "true" } }) },
        ],
    },
    {
        rule: elb_17,
        compliant: [
            { target: res(T.listener, "https", { protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" }) },
            { target: res(T.listener, "http", { protocol: "HTTP" }) },
        ],
        nonCompliant: [
            { target: res(T.listener, "https", { protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-2016-08" }) },
            { target: res(T.listener, "https", { protocol: "HTTPS" }) },
        ],
    },
    {
        rule: s3_5,
        compliant: {
            target: bucket,
            others: [res("aws:s3/bucketPolicy:BucketPolicy", "policy", { policy: JSON.stringify(tlsOnly) }, { bucket: [bucket] })],
        },
        nonCompliant: [
            { target: bucket },
            {
                target: bucket,
                others: [
                    res(
                        "aws:s3/bucketPolicy:BucketPolicy",
                        "policy",
                        { policy: JSON.stringify({ Statement: [{ ...tlsOnly.Statement[0], Effect: "Allow" }] }) },
                        { bucket: [bucket] },
                    ),
                ],
            },
        ],
    },
    {
        rule: s3_8,
        compliant: {
            target: bucket,
            others: [
                res(
                    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                    "pab",
                    { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
                    { bucket: [bucket] },
                ),
            ],
        },
        nonCompliant: [
            { target: bucket },
            {
                target: bucket,
                others: [
                    res(
                        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                        "pab",
                        { blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true, restrictPublicBuckets: true },
                        { bucket: [bucket] },
                    ),
                ],
            },
        ],
    },
    {
        rule: s3_14,
        compliant: {
            target: bucket,
            others: [
                res(
                    "aws:s3/bucketVersioning:BucketVersioning",
                    "v",
                    { versioningConfiguration: { status: "Enabled" } },
                    { bucket: [bucket] },
                ),
            ],
        },
        nonCompliant: [
            { target: bucket },
            {
                target: bucket,
                others: [
                    res(
                        "aws:s3/bucketVersioning:BucketVersioning",
                        "v",
                        { versioningConfiguration: { status: "Suspended" } },
                        { bucket: [bucket] },
                    ),
                ],
            },
        ],
    },
    {
        rule: s3_17,
        compliant: {
            target: bucket,
            others: [
                res(
                    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                    "sse",
                    { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:x" } }] },
                    { bucket: [bucket] },
                ),
            ],
        },
        nonCompliant: [
            { target: bucket },
            {
                target: bucket,
                others: [
                    res(
                        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                        "sse",
                        { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
                        { bucket: [bucket] },
                    ),
                ],
            },
        ],
    },
    {
        rule: ecr_1,
        compliant: { target: res(T.repo, "repo", { imageScanningConfiguration: { scanOnPush: true } }) },
        nonCompliant: { target: res(T.repo, "repo", {}) },
    },
    {
        rule: ecr_2,
        compliant: { target: res(T.repo, "repo", { imageTagMutability: "IMMUTABLE" }) },
        nonCompliant: [{ target: res(T.repo, "repo", { imageTagMutability: "MUTABLE" }) }, { target: res(T.repo, "repo", {}) }],
    },
    {
        rule: ecr_3,
        compliant: {
            target: repo,
            others: [res("aws:ecr/lifecyclePolicy:LifecyclePolicy", "lc", { policy: "{}" }, { repository: [repo] })],
        },
        nonCompliant: { target: repo },
    },
    {
        rule: kms_4,
        compliant: [
            { target: res("aws:kms/key:Key", "key", { enableKeyRotation: true }) },
            { target: res("aws:kms/key:Key", "signing", { customerMasterKeySpec: "RSA_2048" }) },
        ],
        nonCompliant: { target: res("aws:kms/key:Key", "key", {}) },
    },
    {
        rule: sns_1,
        compliant: { target: res("aws:sns/topic:Topic", "alerts", { kmsMasterKeyId: "alias/bbws-prod-data" }) },
        nonCompliant: [
            { target: res("aws:sns/topic:Topic", "alerts", {}) },
            { target: res("aws:sns/topic:Topic", "alerts", { kmsMasterKeyId: "alias/aws/sns" }) },
        ],
    },
    {
        rule: cloudwatch_16,
        compliant: { target: res("aws:cloudwatch/logGroup:LogGroup", "logs", { retentionInDays: 30 }) },
        nonCompliant: [
            { target: res("aws:cloudwatch/logGroup:LogGroup", "logs", {}) },
            { target: res("aws:cloudwatch/logGroup:LogGroup", "logs", { retentionInDays: 0 }) },
        ],
    },
    {
        rule: ecr_1_findings,
        compliant: [
            { target: repo, others: [...platformTopics, ...signalRules()] },
            { target: res(T.repo, "migration", { name: "bbws/migration" }), others: [...platformTopics, ...signalRules()] },
        ],
        nonCompliant: [
            { target: repo, others: [...platformTopics, ...signalRules(withoutRule("ecr-scan-findings"))] },
            // Findings to the alerts topic page nobody.
            { target: repo, others: [...platformTopics, ...signalRules(retarget("ecr-scan-findings", "alerts"))] },
            // Only CRITICAL counts: a scan with HIGH findings alone would not page.
            {
                target: repo,
                others: [
                    ...platformTopics,
                    ...signalRules(
                        repatterned("ecr-scan-findings", {
                            source: ["aws.ecr"],
                            "detail-type": ["ECR Image Scan"],
                            detail: { "finding-severity-counts": { CRITICAL: [{ numeric: [">", 0] }] } },
                        }),
                    ),
                ],
            },
            // Another repository's scans only.
            { target: res(T.repo, "other", { name: "someone/else" }), others: [...platformTopics, ...signalRules()] },
        ],
    },
    {
        rule: cloudwatch_1,
        compliant: [{ target: criticalTopic, others: [alertsTopic, ...signalRules()] }, { target: alertsTopic }],
        nonCompliant: [
            { target: criticalTopic, others: [alertsTopic, ...signalRules(withoutRule("root-activity-to-af-south-1"))] },
            { target: criticalTopic, others: [alertsTopic, ...signalRules(withoutRule("root-activity"))] },
            { target: criticalTopic, others: [alertsTopic] },
        ],
    },
    {
        rule: cloudwatch_1,
        // In a real preview every regional resource has `region`, filled by the provider's Check from its own (@pulumi/aws 7):
        // a home rule then names the stack's region, which the pack knows (context.region), and still counts as home.
        compliant: {
            target: criticalTopic,
            others: [alertsTopic, ...homeRulesIn("af-south-1", signalRules())],
            region: "af-south-1",
        },
        // The same rules in another region than the stack's are not home.
        nonCompliant: {
            target: criticalTopic,
            others: [alertsTopic, ...homeRulesIn("eu-west-1", signalRules())],
            region: "af-south-1",
        },
    },
    {
        rule: cloudwatch_4,
        compliant: { target: criticalTopic, others: [alertsTopic, ...signalRules()] },
        nonCompliant: [
            // The classic mistake: an IAM rule in the home region only, which never fires.
            {
                target: criticalTopic,
                others: [
                    alertsTopic,
                    ...signalRules((specs) =>
                        withoutRule("iam-policy-changes-to-af-south-1")(specs).map((s) =>
                            s.what === "iam-policy-changes" ? { ...s, pattern: { ...s.pattern, region: undefined } } : s,
                        ),
                    ),
                ],
            },
            // Forwarded, but nothing at home pages with it.
            { target: criticalTopic, others: [alertsTopic, ...signalRules(withoutRule("iam-policy-changes"))] },
            // A forwarder that misses a CIS event (DetachGroupPolicy).
            {
                target: criticalTopic,
                others: [
                    alertsTopic,
                    ...signalRules((specs) =>
                        specs.map((s) =>
                            s.what === "iam-policy-changes-to-af-south-1"
                                ? {
                                      ...s,
                                      pattern: {
                                          ...s.pattern,
                                          detail: { eventSource: ["iam.amazonaws.com"], eventName: ["AttachRolePolicy"] },
                                      },
                                  }
                                : s,
                        ),
                    ),
                ],
            },
        ],
    },
    {
        // Counted per group by what each rule's securityGroupId came from, whatever the rules are called.
        rule: quotas_1,
        compliant: [
            { target: quotaSg, others: sgRules(60, T.ingress) },
            { target: quotaSg, others: [...sgRules(60, T.ingress), ...sgRules(60, EGRESS)] },
            { target: res("aws:cloudwatch/dashboard:Dashboard", "board", { dashboardBody: widgets(500) }) },
            { target: quotaLb, others: lbScenario(100, 0) },
            { target: quotaLb, others: lbScenario(1, 25) },
            { target: quotaRole, others: [res("aws:iam/rolePolicy:RolePolicy", "p", { policy: policyOf(10_240) }, { role: [quotaRole] })] },
            { target: quotaVpc, others: vpcs(4) },
            { target: quotaVpc, others: peerings(50) },
            // Aurora user guide, "Quotas in Amazon Aurora": 40 DB clusters and 40 DB instances per Region.
            { target: quotaCluster, others: many("aws:rds/cluster:Cluster", 39) },
            { target: quotaCluster, others: [...many("aws:rds/cluster:Cluster", 39), ...many("aws:rds/cluster:Cluster", 1, "eu-west-1")] },
            {
                target: quotaInstance,
                others: [...many("aws:rds/clusterInstance:ClusterInstance", 20), ...many("aws:rds/instance:Instance", 19)],
            },
        ],
        nonCompliant: [
            { target: quotaSg, others: sgRules(61, T.ingress) },
            { target: quotaSg, others: sgRules(61, EGRESS) },
            { target: res("aws:cloudwatch/dashboard:Dashboard", "board", { dashboardBody: widgets(501) }) },
            { target: quotaLb, others: lbScenario(101, 0) },
            { target: quotaLb, others: lbScenario(1, 26) },
            {
                target: quotaRole,
                others: [
                    res("aws:iam/rolePolicy:RolePolicy", "a", { policy: policyOf(5_120) }, { role: [quotaRole] }),
                    res("aws:iam/rolePolicy:RolePolicy", "b", { policy: policyOf(5_121) }, { role: [quotaRole] }),
                ],
            },
            {
                target: quotaRole,
                others: Array.from({ length: 1_000 }, (_, i) => res("aws:iam/role:Role", `role-${i}`, {})),
            },
            { target: quotaVpc, others: vpcs(5) },
            { target: quotaVpc, others: peerings(51) },
            { target: quotaCluster, others: many("aws:rds/cluster:Cluster", 40) },
            {
                target: quotaInstance,
                others: [...many("aws:rds/clusterInstance:ClusterInstance", 20), ...many("aws:rds/instance:Instance", 20)],
            },
        ],
    },
];

function run(rule: Rule, env: string, s: Scenario): string[] {
    return rule.check(s.target, { env, resources: [s.target, ...(s.others ?? [])], region: s.region });
}

describe("security baseline rules", () => {
    it("has a compliant and a non-compliant case for every rule in the pack", () => {
        expect(new Set(CASES.map((c) => c.rule.name))).to.deep.equal(new Set(RULES.map((r) => r.name)));
    });

    it("names every policy after its control and gives the control id in its description", () => {
        for (const rule of RULES) {
            const [service, number] = rule.control.toLowerCase().split(".");
            expect(rule.name, rule.name).to.match(new RegExp(`^${service}-${number}-[a-z0-9-]+$`));
            expect(rule.description, rule.name).to.match(new RegExp(`^${rule.control.replace(".", "\\.")}: `));
            expect(rule.explanation, rule.name).to.not.be.empty;
            expect(rule.types, rule.name).to.not.be.empty;
        }
        expect(new Set(RULES.map((r) => r.name)).size).to.equal(RULES.length);
    });

    it("is documented row by row in the README's baseline table, with the same control and level", () => {
        const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("<!-- section:policy -->"), readme.indexOf("<!-- /section:policy -->"));
        const rows = section
            .split("\n")
            .filter((l) => l.startsWith("| `"))
            .map((l) => l.split("|").map((c) => c.trim()));
        expect(rows.map((r) => [r[1], r[2], r[3].split(",")[0]])).to.deep.equal(RULES.map((r) => [`\`${r.name}\``, r.control, r.level]));
    });

    it("requires load balancer deletion protection in prod only", () => {
        expect(["dev", "sit", "prod"].filter((env) => appliesIn(elb_6, env))).to.deep.equal(["prod"]);
        // The pack is self-contained, so it names the offboarding tag again: the same key the layer sets.
        expect(ELB6_OFFBOARDING_TAG).to.equal(OFFBOARDING_TAG);
    });

    it("names the tag of a paused rotation as the data layer sets it (SecretsManager.1)", () => {
        expect(SM1_ROTATION_PAUSED_TAG).to.equal(ROTATION_PAUSED_TAG);
    });

    for (const c of CASES) {
        const env = c.env ?? "prod";
        describe(`${c.rule.name}${c.env ? ` in ${c.env}` : ""}`, () => {
            [c.compliant].flat().forEach((s, i) => {
                it(`passes compliant ${s.target.name} (${i + 1})`, () => {
                    expect(run(c.rule, env, s), s.target.urn).to.deep.equal([]);
                });
            });
            [c.nonCompliant].flat().forEach((s, i) => {
                it(`fails non-compliant ${s.target.name} (${i + 1}) with a message`, () => {
                    const messages = run(c.rule, env, s);
                    expect(messages, s.target.urn).to.not.be.empty;
                    for (const m of messages) expect(m).to.be.a("string").and.not.empty;
                });
            });
        });
    }
});
