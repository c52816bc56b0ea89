/**
 * ECS layer (phase `ecs`): the cluster, the load balancer, the roles, one WordPress service per
 * tenant, and the one-off tasks `npm run task` runs (one per tenant, one for the platform). It takes
 * plain inputs from the network, data and storage layers (the storage layer owns the image
 * repositories) so it can be built and tested on its own.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { PLATFORM_TASK_POSIX_ID } from "../src/config";
import { tenantDbSecretName } from "./data";
import { bbwsName, jsonOf } from "./shared";
import { executionRolePolicy, platformTaskPolicy, tenantClusterGrants, tenantDbSecretsArnPattern } from "./ecs-policies";

import {
    cacheClientSecrets,
    capacityProviderStrategy,
    clientEnvironment,
    Cluster,
    containerUser,
    EcsLayerArgs,
    ecsLogGroup,
    ecsTaskRole,
    hardenedContainer,
    LoadBalancer,
    MIGRATION_SCRATCH_PATHS,
    ONE_OFF_TASK_SHAPE,
    OneOffTask,
    OneOffTasks,
    ONE_OFF_CONTAINER_NAME,
    ONE_OFF_LOG_STREAM_PREFIX,
    Registry,
    scratchVolumes,
    sessionManagerPreferences,
    TLS_POLICY,
} from "./ecs-tasks";
import { createLoadBalancer } from "./load-balancer";
import { OwnLoadBalancer, TenantService, tenantPlacement } from "./tenant-service";
import { FailoverDns } from "./failover-dns";
import { StandbyEcs, StandbyEcsArgs } from "./standby-ecs";
import type { DrConfig } from "../src/config";
import { createRecyclerRole } from "./secret-rotation";
import type { CustomDomainStatus } from "./tenant-domains";
import { hasOwnVpc } from "../src/tiers";

// The layer's vocabulary lives in ecs-tasks.ts (so tenant-service.ts can share it without a cycle); this
// module stays where the layer's users find it.
export * from "./ecs-tasks";

/**
 * The ECS layer's DR side: `bbws:dr` and the standby region's network, storage and database, which
 * `StandbyEcs` runs the standby services on.
 */
export type EcsDrArgs = { readonly config: DrConfig } & Pick<
    StandbyEcsArgs,
    | "vpcId"
    | "publicSubnetIds"
    | "privateSubnetIds"
    | "loadBalancerSecurityGroupId"
    | "taskSecurityGroupId"
    | "logsBucketName"
    | "fileSystemId"
    | "keyArn"
    | "dbWriterEndpoint"
    | "redisPrimaryEndpoint"
    | "assetsBucketName"
    | "migrationBucketName"
>;

/**
 * Phase `ecs` (`bbws:ecs:EcsLayer`), after storage: the cluster, the load balancer, the platform
 * one-off task, and one WordPress service per tenant, each a `TenantService` (`<name>-<tenant id>`,
 * components/tenant-service.ts); a premium tenant's has its own load balancer in its own VPC. Exposes
 * the cluster and service names and the load balancers' and target groups' ARN suffixes to monitoring. Throws `Error` if `tenantSecurityGroupIds`,
 * `tenantDbSecrets` or `accessPoints` lacks an entry for a tenant, or `tenantVpcs` is not exactly the premium tenants, or a premium tenant's access point names no file system (`tenantPlacement`).
 */
export class EcsLayer extends pulumi.ComponentResource {
    readonly clusterName: pulumi.Output<string>;
    readonly loadBalancerArn: pulumi.Output<string>;
    readonly loadBalancerArnSuffix: pulumi.Output<string>;
    readonly loadBalancerDnsName: pulumi.Output<string>;
    /** Each tenant's service, by tenant id. */
    readonly serviceNames: Readonly<Record<string, pulumi.Output<string>>>;
    readonly targetGroupArns: Readonly<Record<string, pulumi.Output<string>>>;
    readonly targetGroupArnSuffixes: Readonly<Record<string, pulumi.Output<string>>>;
    readonly logGroupNames: Readonly<Record<string, pulumi.Output<string>>>;
    /** The platform one-off task (`bbws-migration-<env>`); `oneOffTasks.platform` says how to run it. */
    readonly migrationTaskDefinitionArn: pulumi.Output<string>;
    /** The one-off tasks `npm run task` runs instead of long ECS Exec sessions. */
    readonly oneOffTasks: OneOffTasks;
    /** Each tenant's custom domains (by tenant id): certificate, validation record, whether served; what the owner and the tenant command read. */
    readonly customDomains: Readonly<Record<string, readonly CustomDomainStatus[]>>;
    /** Each premium tenant's own load balancer, by tenant id; a basic tenant is on `loadBalancerArn`'s and has no entry. */
    readonly tenantLoadBalancers: Readonly<Record<string, OwnLoadBalancer>>;

    /** The standby region's side (components/standby-ecs.ts, failover-dns.ts), when `bbws:dr` is set. */
    readonly dr: { readonly standby: StandbyEcs; readonly failover: FailoverDns; readonly hostedZoneId: pulumi.Output<string> } | undefined;

    constructor(name: string, args: EcsLayerArgs & { readonly dr?: EcsDrArgs }, opts: pulumi.ComponentResourceOptions = {}) {
        super("bbws:ecs:EcsLayer", name, {}, opts);
        for (const [field, byTenant] of Object.entries({
            tenantSecurityGroupIds: args.tenantSecurityGroupIds,
            tenantDbSecrets: args.tenantDbSecrets,
            accessPoints: args.accessPoints,
        })) {
            const missing = args.tenants.map((t) => t.id).filter((id) => !(id in byTenant));
            if (missing.length > 0) throw new Error(`\`${field}\` has no entry for tenant(s) ${missing.join(", ")}`);
        }
        // A premium or enterprise tenant is served from its own VPC or not at all: never silently from the shared one.
        const premium = args.tenants.filter((t) => hasOwnVpc(t.tier)).map((t) => t.id);
        const withoutVpc = premium.filter((id) => !(id in args.tenantVpcs));
        if (withoutVpc.length > 0)
            throw new Error(`\`tenantVpcs\` has no entry for premium or enterprise tenant(s) ${withoutVpc.join(", ")}`);
        const notPremium = Object.keys(args.tenantVpcs).filter((id) => !premium.includes(id));
        if (notPremium.length > 0)
            throw new Error(`\`tenantVpcs\` names tenant(s) that are neither premium nor enterprise here: ${notPremium.join(", ")}`);
        // Before any resource: a premium tenant whose access point names no file system of its own is refused here.
        for (const tenant of args.tenants) tenantPlacement(args, tenant.id);

        const registry = args.registry;
        const cluster = this.createCluster(name, args);
        const lb = this.createLoadBalancer(name, args);
        const failover =
            args.dr &&
            new FailoverDns(
                `${name}-failover`,
                { ...args, dr: args.dr.config, httpsListenerArn: lb.https.arn, loadBalancerDnsName: lb.alb.dnsName },
                { parent: this },
            );

        const services: Record<string, pulumi.Output<string>> = {};
        const targetGroupArns: Record<string, pulumi.Output<string>> = {};
        const targetGroupArnSuffixes: Record<string, pulumi.Output<string>> = {};
        const logGroupNames: Record<string, pulumi.Output<string>> = {};
        const tenantOneOffTasks: Record<string, OneOffTask> = {};
        const customDomains: Record<string, readonly CustomDomainStatus[]> = {};
        const tenantLoadBalancers: Record<string, OwnLoadBalancer> = {};
        const sites: StandbyEcsArgs["tenants"][number][] = [];
        for (const tenant of args.tenants) {
            const site = new TenantService(
                `${name}-${tenant.id}`,
                {
                    ...args,
                    tenant,
                    registry,
                    cluster,
                    lb,
                    dnsFailover: failover?.primaryRecord,
                    serving: args.dr?.config.serving,
                    standby: args.dr && {
                        region: args.dr.config.region,
                        fileSystemId: args.dr.fileSystemId,
                        keyArn: args.dr.keyArn,
                        assetsBucketName: args.dr.assetsBucketName,
                        migrationBucketName: args.dr.migrationBucketName,
                    },
                },
                { parent: this },
            );
            sites.push({ tenant, taskDefinition: site.taskDefinition });
            services[tenant.id] = site.serviceName;
            targetGroupArns[tenant.id] = site.targetGroupArn;
            targetGroupArnSuffixes[tenant.id] = site.targetGroupArnSuffix;
            logGroupNames[tenant.id] = site.logGroupName;
            tenantOneOffTasks[tenant.id] = site.oneOffTask;
            customDomains[tenant.id] = site.customDomains;
            if (site.loadBalancer) tenantLoadBalancers[tenant.id] = site.loadBalancer;
        }

        this.dr =
            args.dr && failover
                ? {
                      standby: new StandbyEcs(
                          `${name}-standby`,
                          {
                              ...args.dr,
                              env: args.env,
                              region: args.region,
                              domain: args.domain,
                              dr: args.dr.config,
                              tenants: sites,
                              healthCheckPath: args.ecs.healthCheckPath,
                              albDeletionProtection: args.ecs.albDeletionProtection,
                              logRetentionDays: args.ecs.logRetentionDays,
                              tlsPolicy: TLS_POLICY,
                              hostedZoneId: lb.hostedZoneId,
                          },
                          { parent: this },
                      ),
                      failover,
                      hostedZoneId: lb.hostedZoneId,
                  }
                : undefined;
        this.clusterName = cluster.cluster.name;
        this.loadBalancerArn = lb.alb.arn;
        this.loadBalancerArnSuffix = lb.alb.arnSuffix;
        this.loadBalancerDnsName = lb.alb.dnsName;
        this.serviceNames = services;
        this.targetGroupArns = targetGroupArns;
        this.targetGroupArnSuffixes = targetGroupArnSuffixes;
        this.logGroupNames = logGroupNames;
        this.customDomains = customDomains;
        this.tenantLoadBalancers = tenantLoadBalancers;
        const platformTask = this.createMigrationTask(name, args, registry);
        this.migrationTaskDefinitionArn = platformTask.taskDefinitionArn;
        this.oneOffTasks = {
            clusterArn: cluster.cluster.arn,
            subnetIds: pulumi.output(args.privateSubnetIds),
            platform: platformTask,
            tenants: tenantOneOffTasks,
        };

        this.registerOutputs({
            clusterName: this.clusterName,
            loadBalancerArn: this.loadBalancerArn,
            loadBalancerArnSuffix: this.loadBalancerArnSuffix,
            loadBalancerDnsName: this.loadBalancerDnsName,
            serviceNames: this.serviceNames,
            targetGroupArns: this.targetGroupArns,
            targetGroupArnSuffixes: this.targetGroupArnSuffixes,
            logGroupNames: this.logGroupNames,
            migrationTaskDefinitionArn: this.migrationTaskDefinitionArn,
            oneOffTasks: this.oneOffTasks,
            customDomains: this.customDomains,
            tenantLoadBalancers: this.tenantLoadBalancers,
        });
    }

    private createCluster(name: string, args: EcsLayerArgs): Cluster {
        const { env, ecs } = args;
        const sessionLogGroup = ecsLogGroup(`${name}-sessions-logs`, args, "_sessions", { parent: this });
        const cluster = new aws.ecs.Cluster(
            `${name}-cluster`,
            {
                name: bbwsName(env, "ecs"),
                settings: [{ name: "containerInsights", value: "enabled" }],
                configuration: {
                    executeCommandConfiguration: {
                        kmsKeyId: args.keyArn,
                        logging: "OVERRIDE",
                        logConfiguration: { cloudWatchLogGroupName: sessionLogGroup.name, cloudWatchEncryptionEnabled: true },
                    },
                },
            },
            { parent: this },
        );
        const capacityProviders = new aws.ecs.ClusterCapacityProviders(
            `${name}-capacity-providers`,
            {
                clusterName: cluster.name,
                capacityProviders: ["FARGATE", "FARGATE_SPOT"],
                defaultCapacityProviderStrategies: capacityProviderStrategy(ecs.capacityProviders),
            },
            { parent: this },
        );
        // One document per account and region, so an existing one must be imported (see the README).
        new aws.ssm.Document(
            `${name}-session-preferences`,
            {
                name: "SSM-SessionManagerRunShell",
                documentType: "Session",
                documentFormat: "JSON",
                content: jsonOf(sessionManagerPreferences(ecs.sessionTimeoutMinutes, sessionLogGroup.name)),
            },
            { parent: this },
        );
        const recyclerRole = createRecyclerRole(
            `${name}-recycler-role`,
            { env, region: args.region, accountId: args.accountId, clusterName: cluster.name },
            { parent: this },
        );
        return { cluster, capacityProviders, sessionLogGroup, recyclerRole };
    }

    private createLoadBalancer(name: string, args: EcsLayerArgs): LoadBalancer {
        const { env, ecs, domain } = args;
        const certificateArn =
            ecs.certificateArn ??
            aws.acm.getCertificateOutput({ domain: `*.${domain}`, statuses: ["ISSUED"], mostRecent: true }, { parent: this }).arn;
        const hostedZoneId =
            ecs.hostedZoneId === undefined
                ? aws.route53.getZoneOutput({ name: domain, privateZone: false }, { parent: this }).zoneId
                : pulumi.output(ecs.hostedZoneId);
        const { alb, https } = createLoadBalancer(
            name,
            {
                name: bbwsName(env, "alb"),
                subnetIds: args.publicSubnetIds,
                securityGroupId: args.loadBalancerSecurityGroupId,
                deletionProtection: ecs.albDeletionProtection,
                logsBucketName: args.logsBucketName,
                logsPrefix: "alb",
                certificateArn,
            },
            { parent: this },
        );
        return { alb, https, hostedZoneId, certificateArn };
    }

    /**
     * The platform one-off task, `bbws-migration-<env>`: the master user and the Redis AUTH token as
     * `secrets`, and a role that reads any tenant's database secret by name through one ARN pattern, so
     * nothing in it grows with the tenant count.
     */
    private createMigrationTask(name: string, args: EcsLayerArgs, registry: Registry): OneOffTask {
        const { env } = args;
        const logGroup = ecsLogGroup(`${name}-migration-logs`, args, "_migration", { parent: this });
        const executionRole = ecsTaskRole(
            `${name}-migration-execution-role`,
            bbwsName(env, "migration-exec"),
            executionRolePolicy({
                repositoryArns: [registry.migration.arn],
                logGroupArns: [logGroup.arn],
                secretArns: [args.masterSecretArn, args.platformCache.secretArn],
                keyArn: args.keyArn,
            }),
            { parent: this },
        );
        const taskRole = ecsTaskRole(
            `${name}-migration-task-role`,
            bbwsName(env, "migration-task"),
            platformTaskPolicy({
                migrationBucketArn: args.migrationBucket.arn,
                tenantDbSecretsArnPattern: tenantDbSecretsArnPattern(args.region, args.accountId, env),
                keyArn: args.keyArn,
                tenantClusters: tenantClusterGrants(args.region, args.accountId, env),
            }),
            { parent: this },
        );
        const taskDefinition = new aws.ecs.TaskDefinition(
            `${name}-migration-task`,
            {
                family: bbwsName(env, "migration"),
                ...ONE_OFF_TASK_SHAPE,
                executionRoleArn: executionRole.arn,
                taskRoleArn: taskRole.arn,
                volumes: scratchVolumes(MIGRATION_SCRATCH_PATHS),
                containerDefinitions: jsonOf([
                    {
                        name: ONE_OFF_CONTAINER_NAME,
                        image: pulumi.interpolate`${registry.migration.repositoryUrl}:${args.ecs.imageTag}`,
                        essential: true,
                        // No tenant's files to own: a uid no tenant holds.
                        ...hardenedContainer(containerUser(PLATFORM_TASK_POSIX_ID), MIGRATION_SCRATCH_PATHS),
                        environment: [
                            ...clientEnvironment({ host: args.dbWriterEndpoint, port: args.dbPort }, args.redisPrimaryEndpoint),
                            { name: "MIGRATION_BUCKET", value: args.migrationBucket.name },
                            // printf format of a tenant's secret name; the role reads any tenant's. Named without
                            // "SECRET": it is a name, and ecs-8 flags that word in `environment`.
                            { name: "TENANT_DB_LOOKUP_FORMAT", value: tenantDbSecretName(env, "%s") },
                        ],
                        // RDS keeps the master user's `username` and `password` in its secret (Aurora user guide,
                        // "Password management with Amazon RDS and AWS Secrets Manager").
                        secrets: [
                            { name: "DB_USER", valueFrom: pulumi.interpolate`${args.masterSecretArn}:username::` },
                            { name: "DB_PASSWORD", valueFrom: pulumi.interpolate`${args.masterSecretArn}:password::` },
                            ...cacheClientSecrets(args.platformCache, { cli: true, wordpress: false }),
                        ],
                        logConfiguration: {
                            logDriver: "awslogs",
                            options: {
                                "awslogs-group": logGroup.name,
                                "awslogs-region": args.region,
                                "awslogs-stream-prefix": ONE_OFF_LOG_STREAM_PREFIX,
                            },
                        },
                    },
                ]),
            },
            { parent: this },
        );
        return {
            taskDefinitionArn: taskDefinition.arn,
            containerName: ONE_OFF_CONTAINER_NAME,
            securityGroupIds: [pulumi.output(args.platformTaskSecurityGroupId)],
            logGroupName: logGroup.name,
            logStreamPrefix: ONE_OFF_LOG_STREAM_PREFIX,
        };
    }
}
