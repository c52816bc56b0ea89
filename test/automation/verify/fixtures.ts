/**
 * A healthy environment as AWS would describe it, for the verification tests: stack outputs with
 * realistic ids, and every client mocked (aws-sdk-client-mock) to answer the way the real APIs do
 * for the resources those outputs name. Tests break one answer at a time to see a check fail.
 */
import { mockClient } from "aws-sdk-client-mock";
import { CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand } from "@aws-sdk/client-cloudtrail";
import { CloudWatchClient, DescribeAlarmsCommand, GetDashboardCommand, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
    DescribeNatGatewaysCommand,
    DescribeSecurityGroupsCommand,
    DescribeSubnetsCommand,
    DescribeVpcsCommand,
    EC2Client,
} from "@aws-sdk/client-ec2";
import { DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from "@aws-sdk/client-ecs";
import {
    AccessPointDescription,
    DescribeAccessPointsCommand,
    DescribeFileSystemsCommand,
    DescribeMountTargetsCommand,
    DescribeReplicationConfigurationsCommand,
    EFSClient,
    FileSystemDescription,
} from "@aws-sdk/client-efs";
import {
    DescribeListenersCommand,
    DescribeLoadBalancersCommand,
    DescribeTargetHealthCommand,
    ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeReplicationGroupsCommand, ElastiCacheClient, ReplicationGroup } from "@aws-sdk/client-elasticache";
import { GetDetectorCommand, GuardDutyClient, ListDetectorsCommand } from "@aws-sdk/client-guardduty";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
    DBCluster,
    DBInstance,
    DescribeDBClustersCommand,
    DescribeDBInstancesCommand,
    DescribeGlobalClustersCommand,
    RDSClient,
} from "@aws-sdk/client-rds";
import { GetBucketVersioningCommand, GetPublicAccessBlockCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DescribeHubCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import type { PlatformConfig, TenantConfig } from "../../../src/config";
import { masterPasswordKeeper } from "../../../src/config";
import type { PhaseName } from "../../../src/phases";
import { createClients, HttpsProbe } from "../../../automation/verify/clients";
import { CheckResult, verifyPhase } from "../../../automation/verify";
import { drSettingsOf } from "../../../automation/dr/config";
import { rehearsalOutputs } from "../../../automation/dr/rehearsal";

export const mocks = {
    ec2: mockClient(EC2Client),
    rds: mockClient(RDSClient),
    elasticache: mockClient(ElastiCacheClient),
    secretsManager: mockClient(SecretsManagerClient),
    efs: mockClient(EFSClient),
    s3: mockClient(S3Client),
    ecs: mockClient(ECSClient),
    elbv2: mockClient(ElasticLoadBalancingV2Client),
    cloudwatch: mockClient(CloudWatchClient),
    sns: mockClient(SNSClient),
    cloudtrail: mockClient(CloudTrailClient),
    securityHub: mockClient(SecurityHubClient),
    guardDuty: mockClient(GuardDutyClient),
    lambda: mockClient(LambdaClient),
};

/** The account's trail as DescribeTrails shows it outside its home region: a shadow of a multi-region trail in us-east-1. */
export function accountTrail(cfg: PlatformConfig) {
    return {
        Name: "account-trail",
        S3BucketName: `aws-cloudtrail-logs-${cfg.accountId}-3f1a2b4c`,
        IncludeGlobalServiceEvents: true,
        IsMultiRegionTrail: true,
        HomeRegion: "us-east-1",
        TrailARN: `arn:aws:cloudtrail:us-east-1:${cfg.accountId}:trail/account-trail`,
        LogFileValidationEnabled: true,
        HasCustomEventSelectors: false,
        HasInsightSelectors: false,
        IsOrganizationTrail: false,
    };
}

/** The GuardDuty detector id ListDetectors returns (32 hex characters). */
export const DETECTOR_ID = "12abc34d567e8fa901bc2d34e56789f0";

/** Stack outputs grouped by phase, as src/program.ts exports them. */
export type Outputs = Record<string, any>;

const hex = (seed: string, length = 17) => {
    let h = 0;
    for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return h.toString(16).padStart(8, "0").repeat(3).slice(0, length);
};

export function availabilityZones(cfg: PlatformConfig): string[] {
    return ["a", "b", "c"].slice(0, cfg.network.azCount).map((s) => `${cfg.region}${s}`);
}

const perTenant = (cfg: PlatformConfig, value: (t: TenantConfig) => string) => Object.fromEntries(cfg.tenants.map((t) => [t.id, value(t)]));

export function outputsFor(cfg: PlatformConfig): Outputs {
    const outputs = primaryOutputsFor(cfg);
    if (!cfg.dr) return outputs;
    // The DR side's keys (database.dr, storage.dr, ecs.dr, monitoring.dr) as the rehearsal builds them.
    const dr = rehearsalOutputs(drSettingsOf(cfg, `Pulumi.${cfg.env}.yaml`), cfg.dr.region, cfg.tenants, cfg.domain);
    return {
        ...outputs,
        database: { ...outputs.database, dr: dr.database },
        storage: { ...outputs.storage, dr: dr.storage },
        ecs: { ...outputs.ecs, dr: dr.ecs },
        monitoring: { ...outputs.monitoring, dr: dr.monitoring },
    };
}

function primaryOutputsFor(cfg: PlatformConfig): Outputs {
    const { env, region, accountId } = cfg;
    const subnets = (tier: string) => availabilityZones(cfg).map((az) => `subnet-${hex(`${env}${tier}${az}`)}`);
    const sg = (role: string) => `sg-${hex(`${env}-${role}`)}`;
    return {
        network: {
            vpcId: `vpc-${hex(`${env}-vpc`)}`,
            publicSubnetIds: subnets("public"),
            privateSubnetIds: subnets("private"),
            isolatedSubnetIds: subnets("isolated"),
            securityGroupIds: {
                loadBalancer: sg("alb"),
                database: sg("database"),
                cache: sg("cache"),
                fileSystem: sg("efs"),
                endpoints: sg("endpoints"),
                platformTask: sg("platform-task"),
            },
            tenantSecurityGroupIds: perTenant(cfg, (t) => sg(`tenant-${t.id}`)),
        },
        database: {
            clusterIdentifier: `bbws-aurora-${env}`,
            writerEndpoint: `bbws-aurora-${env}.cluster-c${hex(env, 11)}.${region}.rds.amazonaws.com`,
            readerEndpoint: `bbws-aurora-${env}.cluster-ro-c${hex(env, 11)}.${region}.rds.amazonaws.com`,
            port: 3306,
            masterSecretArn: `arn:aws:secretsmanager:${region}:${accountId}:secret:rds!cluster-${hex(`${env}-master`, 8)}-AbCdEf`,
            redisReplicationGroupId: `bbws-redis-${env}`,
            redisPrimaryEndpoint: `master.bbws-redis-${env}.${hex(env, 6)}.euw1.cache.amazonaws.com`,
            keyArn: `arn:aws:kms:${region}:${accountId}:key/${hex(`${env}-key`, 8)}-1234-4abc-8def-${hex(`${env}-key2`, 12)}`,
            rotationFunctionName: `bbws-rotation-${env}`,
            tenantSecretArns: perTenant(
                cfg,
                (t) => `arn:aws:secretsmanager:${region}:${accountId}:secret:bbws/${env}/tenants/${t.id}/db-${hex(t.id, 6)}`,
            ),
        },
        storage: {
            fileSystemId: `fs-${hex(`${env}-efs`)}`,
            accessPointIds: perTenant(cfg, (t) => `fsap-${hex(`${env}-${t.id}`)}`),
            assetsBucketName: `bbws-tenant-assets-${env}`,
            migrationBucketName: `bbws-migration-artifacts-${env}`,
            logsBucketName: `bbws-logs-${env}`,
            backupVaultName: `bbws-backup-${env}`,
        },
        ecs: {
            clusterName: `bbws-ecs-${env}`,
            serviceNames: perTenant(cfg, (t) => `bbws-wordpress-${t.id}-${env}`),
            loadBalancerArn: `arn:aws:elasticloadbalancing:${region}:${accountId}:loadbalancer/app/bbws-alb-${env}/${hex(`${env}-alb`, 16)}`,
            loadBalancerDnsName: `bbws-alb-${env}-1234567890.${region}.elb.amazonaws.com`,
            targetGroupArns: perTenant(
                cfg,
                (t) =>
                    `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/bbws-${t.id}-${env}/${hex(`${env}-tg-${t.id}`, 16)}`,
            ),
        },
        monitoring: {
            alertsTopicArn: `arn:aws:sns:${region}:${accountId}:bbws-${env}-alerts`,
            criticalTopicArn: `arn:aws:sns:${region}:${accountId}:bbws-${env}-critical`,
            dashboardName: `bbws-${env}`,
            alarmNames: [
                ...["aurora-cpu", "aurora-connections", "redis-cpu", "redis-memory", "efs-throughput", "alb-5xx", "alb-p95"].map(
                    (a) => `bbws-${env}-${a}`,
                ),
                ...cfg.tenants.flatMap((t) => ["cpu", "memory", "healthy-targets"].map((a) => `bbws-${env}-${t.id}-${a}`)),
            ],
        },
    };
}

export function taskDefinitionArn(cfg: PlatformConfig, tenant: TenantConfig): string {
    return `arn:aws:ecs:${cfg.region}:${cfg.accountId}:task-definition/bbws-wordpress-${tenant.id}-${cfg.env}:3`;
}

/** Resets every mock and makes AWS answer as a healthy environment matching `outputs`, its standby too where `bbws:dr` is set. */
export function mockHealthyEnvironment(cfg: PlatformConfig, outputs: Outputs): void {
    for (const mock of Object.values(mocks)) mock.reset();
    mockHealthyPrimary(cfg, outputs);
    if (cfg.dr && outputs.database.dr) mockHealthyStandby(cfg, outputs);
}

/** The ARN of the primary's Aurora cluster, as a global cluster member (RDS DescribeGlobalClusters' DBClusterArn). */
export function primaryClusterArn(cfg: PlatformConfig, outputs: Outputs): string {
    return `arn:aws:rds:${cfg.region}:${cfg.accountId}:cluster:${outputs.database.clusterIdentifier}`;
}

/**
 * A standby in step with the primary, in the DR APIs' shapes: the global cluster with the primary as
 * writer and the standby as secondary (RDS DescribeGlobalClusters), 0.9 s of lag (CloudWatch
 * GetMetricData), the file replication ENABLED and synced 5 minutes ago (EFS
 * DescribeReplicationConfigurations), the standby cluster's instances available (RDS DescribeDBInstances
 * filtered by its db-cluster-id), and the standby services at 0 tasks (ECS DescribeServices).
 */
export function mockHealthyStandby(cfg: PlatformConfig, outputs: Outputs): void {
    const { database, storage, ecs } = outputs;
    mocks.rds.on(DescribeGlobalClustersCommand).resolves({
        GlobalClusters: [
            {
                GlobalClusterIdentifier: database.dr.globalClusterIdentifier,
                Status: "available",
                GlobalClusterMembers: [
                    { DBClusterArn: primaryClusterArn(cfg, outputs), IsWriter: true },
                    { DBClusterArn: database.dr.standbyClusterArn, IsWriter: false },
                ],
            },
        ],
    });
    mocks.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: "lag", Values: [900] }] });
    mocks.efs.on(DescribeReplicationConfigurationsCommand).resolves({
        Replications: [
            {
                SourceFileSystemId: storage.fileSystemId,
                SourceFileSystemRegion: cfg.region,
                SourceFileSystemArn: "arn",
                OriginalSourceFileSystemArn: "arn",
                CreationTime: new Date(0),
                Destinations: [
                    {
                        Status: "ENABLED",
                        FileSystemId: storage.dr.fileSystemId,
                        Region: storage.dr.region,
                        LastReplicatedTimestamp: new Date(Date.now() - 5 * 60_000),
                    },
                ],
            },
        ],
    });
    mocks.rds
        .on(DescribeDBInstancesCommand, { Filters: [{ Name: "db-cluster-id", Values: [database.dr.standbyClusterIdentifier] }] })
        .resolves({
            DBInstances: standbyInstances(cfg, outputs, "available"),
        });
    mocks.ecs.on(DescribeServicesCommand, { cluster: ecs.dr.clusterName }).resolves({
        services: Object.values(ecs.dr.serviceNames as Record<string, string>).map((serviceName) => ({
            serviceName,
            status: "ACTIVE",
            desiredCount: 0,
            runningCount: 0,
        })),
    });
}

function mockHealthyPrimary(cfg: PlatformConfig, outputs: Outputs): void {
    const { network, database, storage, ecs, monitoring } = outputs;
    const azs = availabilityZones(cfg);
    const tiers: Array<[string, string[]]> = [
        ["public", network.publicSubnetIds],
        ["private", network.privateSubnetIds],
        ["isolated", network.isolatedSubnetIds],
    ];

    mocks.ec2
        .on(DescribeVpcsCommand)
        .resolves({ Vpcs: [{ VpcId: network.vpcId, CidrBlock: cfg.network.vpcCidr, State: "available", IsDefault: false }] });
    mocks.ec2.on(DescribeSubnetsCommand).resolves({
        Subnets: tiers.flatMap(([tier, ids]) =>
            ids.map((id, i) => ({
                SubnetId: id,
                VpcId: network.vpcId,
                AvailabilityZone: azs[i],
                State: "available" as const,
                Tags: [{ Key: "Name", Value: `bbws-vpc-${cfg.env}-${tier}-${i + 1}` }],
            })),
        ),
    });
    const natSubnets = cfg.network.natStrategy === "single" ? network.publicSubnetIds.slice(0, 1) : network.publicSubnetIds;
    mocks.ec2.on(DescribeNatGatewaysCommand).resolves({
        NatGateways: natSubnets.map((subnetId: string) => ({
            NatGatewayId: `nat-${hex(subnetId)}`,
            SubnetId: subnetId,
            VpcId: network.vpcId,
            State: "available" as const,
        })),
    });
    const fromGroup = (groupId: string, port: number) => ({
        IpProtocol: "tcp",
        FromPort: port,
        ToPort: port,
        UserIdGroupPairs: [{ GroupId: groupId }],
        IpRanges: [],
        Ipv6Ranges: [],
    });
    const tenantGroups = Object.entries(network.tenantSecurityGroupIds as Record<string, string>);
    const group = (id: string, name: string, IpPermissions: object[]) => ({
        GroupId: id,
        GroupName: name,
        VpcId: network.vpcId,
        IpPermissions,
    });
    const roles = network.securityGroupIds;
    mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({
        SecurityGroups: [
            group(`sg-${hex(`${cfg.env}-default`)}`, "default", []),
            group(
                roles.loadBalancer,
                `bbws-alb-sg-${cfg.env}`,
                [443, 80].map((port) => ({
                    IpProtocol: "tcp",
                    FromPort: port,
                    ToPort: port,
                    IpRanges: [{ CidrIp: "0.0.0.0/0" }],
                    Ipv6Ranges: [],
                    UserIdGroupPairs: [],
                })),
            ),
            group(
                roles.database,
                `bbws-database-sg-${cfg.env}`,
                [...tenantGroups.map(([, id]) => id), roles.platformTask].map((id) => fromGroup(id, 3306)),
            ),
            group(
                roles.cache,
                `bbws-cache-sg-${cfg.env}`,
                [...tenantGroups.map(([, id]) => id), roles.platformTask].map((id) => fromGroup(id, 6379)),
            ),
            group(
                roles.fileSystem,
                `bbws-efs-sg-${cfg.env}`,
                tenantGroups.map(([, id]) => fromGroup(id, 2049)),
            ),
            group(roles.endpoints, `bbws-endpoints-sg-${cfg.env}`, [
                { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: cfg.network.vpcCidr }] },
            ]),
            group(roles.platformTask, `bbws-platform-task-sg-${cfg.env}`, []),
            ...tenantGroups.map(([tenant, id]) => group(id, `bbws-tenant-${tenant}-sg-${cfg.env}`, [fromGroup(roles.loadBalancer, 80)])),
        ],
    });

    mocks.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [auroraCluster(cfg, outputs)] });
    mocks.rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: auroraInstances(cfg, outputs) });
    mocks.elasticache.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [replicationGroup(cfg, outputs)] });
    mocks.lambda.on(GetFunctionConfigurationCommand).resolves({
        FunctionName: database.rotationFunctionName,
        Environment: {
            Variables: { SECRETS_MANAGER_ENDPOINT: `https://secretsmanager.${cfg.region}.amazonaws.com`, USERNAME_CHARACTER_LIMIT: "32" },
        },
    });
    // A tenant's secret rotates with its function on the configured schedule, nothing pending; a stopped tenant's does not rotate.
    mocks.secretsManager.on(DescribeSecretCommand).callsFake((input: { SecretId: string }) => {
        const tenant = cfg.tenants.find((t) => database.tenantSecretArns[t.id] === input.SecretId);
        const fn = (tenant && database.tenantClusters?.[tenant.id]?.rotationFunctionName) ?? database.rotationFunctionName;
        return {
            ARN: input.SecretId,
            Name: input.SecretId.split(":secret:")[1].replace(/-[A-Za-z0-9]{6}$/, ""),
            KmsKeyId: database.keyArn,
            ...(tenant && {
                RotationEnabled: !tenant.stopped,
                ...(!tenant.stopped && {
                    RotationLambdaARN: `arn:aws:lambda:${cfg.region}:${cfg.accountId}:function:${fn}`,
                    RotationRules: { AutomaticallyAfterDays: cfg.database.rotationDays },
                }),
                VersionIdsToStages: { "v1-current": ["AWSCURRENT"] },
            }),
        };
    });

    mocks.efs.on(DescribeFileSystemsCommand).resolves({ FileSystems: [efsFileSystem(cfg, outputs)] });
    mocks.efs.on(DescribeMountTargetsCommand).resolves({
        MountTargets: network.privateSubnetIds.map((subnetId: string, i: number) => ({
            MountTargetId: `fsmt-${hex(subnetId)}`,
            FileSystemId: storage.fileSystemId,
            SubnetId: subnetId,
            AvailabilityZoneName: azs[i],
            LifeCycleState: "available",
            OwnerId: cfg.accountId,
        })),
    });
    mocks.efs.on(DescribeAccessPointsCommand).resolves({ AccessPoints: accessPoints(cfg, outputs) });
    mocks.s3.on(GetPublicAccessBlockCommand).resolves({
        PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
        },
    });
    mocks.s3.on(GetBucketVersioningCommand).resolves({ Status: "Enabled" });

    mocks.ecs.on(DescribeClustersCommand).resolves({
        clusters: [
            { clusterName: ecs.clusterName, status: "ACTIVE", capacityProviders: ["FARGATE", "FARGATE_SPOT"], runningTasksCount: 4 },
        ],
        failures: [],
    });
    const tenantByService = new Map(cfg.tenants.map((t) => [ecs.serviceNames[t.id], t]));
    mocks.ecs.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({
        services: input.services.flatMap((name) => {
            const tenant = tenantByService.get(name);
            if (!tenant) return [];
            const count = tenant.minCapacity;
            return [
                {
                    serviceName: name,
                    status: "ACTIVE",
                    desiredCount: count,
                    runningCount: count,
                    pendingCount: 0,
                    launchType: undefined,
                    taskDefinition: taskDefinitionArn(cfg, tenant),
                    deployments: [
                        {
                            id: `ecs-svc/${hex(name, 19)}`,
                            status: "PRIMARY",
                            rolloutState: "COMPLETED",
                            desiredCount: count,
                            runningCount: count,
                        },
                    ],
                },
            ];
        }),
        failures: input.services.filter((n) => !tenantByService.has(n)).map((n) => ({ arn: n, reason: "MISSING" })),
    }));
    const roleArn = (name: string) => `arn:aws:iam::${cfg.accountId}:role/${name}`;
    mocks.ecs.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
        const tenant = cfg.tenants.find((t) => taskDefinitionArn(cfg, t) === input.taskDefinition)!;
        return {
            taskDefinition: {
                taskDefinitionArn: input.taskDefinition,
                family: `bbws-wordpress-${tenant.id}-${cfg.env}`,
                revision: 3,
                cpu: String(tenant.cpu),
                memory: String(tenant.memory),
                networkMode: "awsvpc",
                requiresCompatibilities: ["FARGATE"],
                runtimePlatform: { cpuArchitecture: tenant.architecture, operatingSystemFamily: "LINUX" },
                taskRoleArn: roleArn(`bbws-task-${tenant.id}-${cfg.env}`),
                executionRoleArn: roleArn(`bbws-task-execution-${cfg.env}`),
            },
        };
    });

    mocks.elbv2.on(DescribeLoadBalancersCommand).resolves({
        LoadBalancers: [
            {
                LoadBalancerArn: ecs.loadBalancerArn,
                LoadBalancerName: `bbws-alb-${cfg.env}`,
                DNSName: ecs.loadBalancerDnsName,
                Scheme: "internet-facing",
                Type: "application",
                State: { Code: "active" },
                VpcId: network.vpcId,
            },
        ],
    });
    mocks.elbv2.on(DescribeListenersCommand).resolves({
        Listeners: [
            {
                ListenerArn: `${ecs.loadBalancerArn.replace(":loadbalancer/", ":listener/")}/${hex("https", 16)}`,
                Port: 443,
                Protocol: "HTTPS",
                SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
                Certificates: [
                    {
                        CertificateArn: `arn:aws:acm:${cfg.region}:${cfg.accountId}:certificate/${hex("cert", 8)}-aaaa-4bbb-8ccc-${hex("cert2", 12)}`,
                    },
                ],
                DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "404", ContentType: "text/plain" } }],
            },
            {
                ListenerArn: `${ecs.loadBalancerArn.replace(":loadbalancer/", ":listener/")}/${hex("http", 16)}`,
                Port: 80,
                Protocol: "HTTP",
                DefaultActions: [{ Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" } }],
            },
        ],
    });
    mocks.elbv2.on(DescribeTargetHealthCommand).callsFake((input: { TargetGroupArn: string }) => {
        const tenant = cfg.tenants.find((t) => ecs.targetGroupArns[t.id] === input.TargetGroupArn)!;
        return {
            TargetHealthDescriptions: Array.from({ length: tenant.minCapacity }, (_, i) => ({
                Target: { Id: `10.${i}.${tenant.slot}.${10 + i}`, Port: tenant.containerPort, AvailabilityZone: azs[i % azs.length] },
                HealthCheckPort: String(tenant.containerPort),
                TargetHealth: { State: "healthy" },
            })),
        };
    });

    mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({
        MetricAlarms: (monitoring.alarmNames as string[]).map((name) => ({
            AlarmName: name,
            AlarmArn: `arn:aws:cloudwatch:${cfg.region}:${cfg.accountId}:alarm:${name}`,
            StateValue: "OK",
            ActionsEnabled: true,
        })),
        CompositeAlarms: [],
    });
    mocks.cloudwatch.on(GetDashboardCommand).resolves({
        DashboardName: monitoring.dashboardName,
        DashboardArn: `arn:aws:cloudwatch::${cfg.accountId}:dashboard/${monitoring.dashboardName}`,
        DashboardBody: JSON.stringify({
            widgets: [
                { type: "metric", x: 0, y: 0, width: 12, height: 6, properties: {} },
                { type: "text", x: 12, y: 0, width: 12, height: 6, properties: { markdown: "bbws" } },
            ],
        }),
    });
    mockAccountSecurityServices(cfg);
    mocks.sns.on(GetTopicAttributesCommand).callsFake((input: { TopicArn: string }) => ({
        Attributes: { TopicArn: input.TopicArn, KmsMasterKeyId: database.keyArn, SubscriptionsConfirmed: "1", SubscriptionsPending: "0" },
    }));
    mocks.sns.on(ListSubscriptionsByTopicCommand).callsFake((input: { TopicArn: string }) => {
        const emails = input.TopicArn === monitoring.alertsTopicArn ? cfg.monitoring.alertEmails : cfg.monitoring.criticalEmails;
        return {
            Subscriptions: emails.map((email, i) => ({
                SubscriptionArn: `${input.TopicArn}:${hex(`${email}${i}`, 8)}-0000-4000-8000-${hex(email, 12)}`,
                Owner: cfg.accountId,
                Protocol: "email",
                Endpoint: email,
                TopicArn: input.TopicArn,
            })),
        };
    });
}

/** CloudTrail logging with a multi-region trail, Security Hub subscribed, GuardDuty's detector enabled: the real APIs' answers. */
function mockAccountSecurityServices(cfg: PlatformConfig): void {
    mocks.cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [accountTrail(cfg)] });
    mocks.cloudtrail.on(GetTrailStatusCommand).resolves({
        IsLogging: true,
        LatestDeliveryTime: new Date("2026-11-30T23:55:12Z"),
        StartLoggingTime: new Date("2025-02-03T08:00:00Z"),
        LatestDeliveryAttemptTime: "2026-11-30T23:55:12Z",
        LatestDeliveryAttemptSucceeded: "2026-11-30T23:55:12Z",
        TimeLoggingStarted: "2025-02-03T08:00:00Z",
    });
    mocks.securityHub.on(DescribeHubCommand).resolves({
        HubArn: `arn:aws:securityhub:${cfg.region}:${cfg.accountId}:hub/default`,
        SubscribedAt: "2025-02-03T08:05:41.718Z",
        AutoEnableControls: true,
        ControlFindingGenerator: "SECURITY_CONTROL",
    });
    mocks.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR_ID] });
    mocks.guardDuty.on(GetDetectorCommand).resolves({
        CreatedAt: "2025-02-03T08:06:10.512Z",
        FindingPublishingFrequency: "SIX_HOURS",
        ServiceRole: `arn:aws:iam::${cfg.accountId}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`,
        Status: "ENABLED",
        UpdatedAt: "2026-06-01T10:00:00.000Z",
    });
}

function auroraMembers(cfg: PlatformConfig) {
    const azs = availabilityZones(cfg);
    return Array.from({ length: cfg.database.instances }, (_, i) => ({
        id: `bbws-aurora-${cfg.env}-${i + 1}`,
        az: azs[i % azs.length],
        writer: i === 0,
    }));
}

/** DescribeDBClusters' answer for the healthy cluster. */
export function auroraCluster(cfg: PlatformConfig, outputs: Outputs): DBCluster {
    const { database } = outputs;
    return {
        DBClusterIdentifier: database.clusterIdentifier,
        Status: "available",
        Engine: "aurora-mysql",
        EngineVersion: cfg.database.engineVersion,
        StorageEncrypted: true,
        KmsKeyId: database.keyArn,
        BackupRetentionPeriod: cfg.database.backupRetentionDays,
        PreferredBackupWindow: cfg.database.backupWindow,
        Endpoint: database.writerEndpoint,
        ReaderEndpoint: database.readerEndpoint,
        Port: 3306,
        DBClusterMembers: auroraMembers(cfg).map((m) => ({ DBInstanceIdentifier: m.id, IsClusterWriter: m.writer, PromotionTier: 1 })),
        // With bbws:dr the platform keeps the password in its own secret: RDS reports no managed one.
        MasterUserSecret:
            masterPasswordKeeper(cfg.dr) === "rds"
                ? { SecretArn: database.masterSecretArn, SecretStatus: "active", KmsKeyId: database.keyArn }
                : undefined,
    };
}

/** DescribeDBInstances' answer for the standby cluster (`db-cluster-id` filter, DR region): `bbws:dr.standby.auroraInstances` instances in `status`. */
export function standbyInstances(cfg: PlatformConfig, outputs: Outputs, status: string): DBInstance[] {
    const id = outputs.database.dr.standbyClusterIdentifier;
    return Array.from({ length: cfg.dr!.standby.auroraInstances }, (_, i) => ({
        DBInstanceIdentifier: `${id}-${i + 1}`,
        DBClusterIdentifier: id,
        DBInstanceStatus: status,
        DBInstanceClass: cfg.dr!.standby.auroraInstanceClass,
    }));
}

/** DescribeDBInstances' answer: the writer first, readers spread over the AZs. */
export function auroraInstances(cfg: PlatformConfig, outputs: Outputs): DBInstance[] {
    return auroraMembers(cfg).map((m) => ({
        DBInstanceIdentifier: m.id,
        DBClusterIdentifier: outputs.database.clusterIdentifier,
        DBInstanceStatus: "available",
        DBInstanceClass: cfg.database.instanceClass,
        AvailabilityZone: m.az,
    }));
}

export function replicationGroup(cfg: PlatformConfig, outputs: Outputs): ReplicationGroup {
    const { database } = outputs;
    const multiNode = cfg.cache.nodes >= 2 ? "enabled" : "disabled";
    return {
        ReplicationGroupId: database.redisReplicationGroupId,
        Status: "available",
        MemberClusters: Array.from({ length: cfg.cache.nodes }, (_, i) => `${database.redisReplicationGroupId}-00${i + 1}`),
        AutomaticFailover: multiNode,
        MultiAZ: multiNode,
        AtRestEncryptionEnabled: true,
        TransitEncryptionEnabled: true,
        AuthTokenEnabled: false,
        UserGroupIds: [`bbws-redis-${cfg.env}`],
        KmsKeyId: database.keyArn,
    };
}

export function efsFileSystem(cfg: PlatformConfig, outputs: Outputs): FileSystemDescription {
    return {
        FileSystemId: outputs.storage.fileSystemId,
        Name: `bbws-efs-${cfg.env}`,
        LifeCycleState: "available",
        Encrypted: true,
        KmsKeyId: outputs.database.keyArn,
        OwnerId: cfg.accountId,
        CreationToken: `bbws-efs-${cfg.env}`,
        CreationTime: new Date("2026-11-01T10:00:00Z"),
        NumberOfMountTargets: cfg.network.azCount,
        SizeInBytes: { Value: 6144 },
        PerformanceMode: "generalPurpose",
        ThroughputMode: "elastic",
        Tags: [],
    };
}

/** One access point per tenant, as the storage layer makes them. */
export function accessPoints(cfg: PlatformConfig, outputs: Outputs): AccessPointDescription[] {
    return cfg.tenants.map((t) => ({
        AccessPointId: outputs.storage.accessPointIds[t.id],
        FileSystemId: outputs.storage.fileSystemId,
        LifeCycleState: "available",
        PosixUser: { Uid: t.posixId, Gid: t.posixId },
        RootDirectory: { Path: `/tenants/${t.id}`, CreationInfo: { OwnerUid: t.posixId, OwnerGid: t.posixId, Permissions: "0750" } },
        Tags: [{ Key: "Tenant", Value: t.id }],
    }));
}

/** Every tenant's site answers 200. */
export const healthyProbe: HttpsProbe = async () => ({ statusCode: 200 });

/** Runs one phase's checks with the mocked clients and no waiting between retries. */
export async function verify(
    cfg: PlatformConfig,
    phase: PhaseName,
    outputs: Outputs,
    options: { probe?: HttpsProbe; sleeps?: number[] } = {},
): Promise<CheckResult[]> {
    const sleeps = options.sleeps ?? [];
    const { checks } = await verifyPhase(
        phase,
        { env: cfg.env, outputs },
        {
            config: cfg,
            clients: createClients(cfg.region),
            probe: options.probe ?? healthyProbe,
            retry: {
                sleep: async (ms) => {
                    sleeps.push(ms);
                },
            },
        },
    );
    return checks;
}

/** The result of one check, by id. */
export async function resultOf(
    cfg: PlatformConfig,
    id: string,
    outputs: Outputs,
    options: { probe?: HttpsProbe } = {},
): Promise<CheckResult> {
    const phase = id.split("-")[0] as PhaseName;
    const found = (await verify(cfg, phase, outputs, options)).find((r) => r.id === id);
    if (!found) throw new Error(`no check '${id}' in phase ${phase}`);
    return found;
}

/** A deep copy of the outputs with one key removed, e.g. `without(o, "database.keyArn")`. */
export function without(outputs: Outputs, key: string): Outputs {
    const copy = structuredClone(outputs);
    const parts = key.split(".");
    const parent = parts.slice(0, -1).reduce((node, part) => node[part], copy);
    delete parent[parts[parts.length - 1]];
    return copy;
}
