/**
 * One tenant's part of the ECS layer (`bbws:ecs:TenantService`), like awsx's `FargateService`: the
 * tenant's WordPress service with its task definition, roles, log group, keys and salts, target
 * group, listener rule (the shared HTTPS listener's, counted as the tenant's; a premium tenant's own
 * load balancer's), DNS record and scaling, and its one-off task definition. A premium tenant's own
 * load balancer is here too, with everything it serves placed in the tenant's VPC (`tenantPlacement`).
 * Adding or removing the tenant is this one subtree.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { DrConfig, OFFBOARDING_TAG, tenantSaltsSecretName, TenantConfig } from "../src/config";
import { WORDPRESS_SALT_LENGTH, WORDPRESS_SALT_SPECIALS } from "../src/images";
import { REDIS_PORT } from "./data";
import { bbwsName, jsonOf, secretReplicas, TenantComponent } from "./shared";
import { createCustomDomainAliases, createTenantDomains, CustomDomainStatus } from "./tenant-domains";
import { executionRolePolicy, tenantPrefix, tenantTaskPolicy } from "./ecs-policies";
import { tenantCachePrefix } from "./cache-users";
import { createServiceRecycling, recycleEveryDays } from "./secret-rotation";
import {
    cacheClientSecrets,
    capacityProviderStrategy,
    clientEnvironment,
    Cluster,
    containerUser,
    ECS_EXEC_SCRATCH_PATHS,
    deploymentLimits,
    EcsLayerArgs,
    ecsLogGroup,
    ecsTaskRole,
    FARGATE_PLATFORM_VERSION,
    hardenedContainer,
    LoadBalancer,
    MIGRATION_SCRATCH_PATHS,
    ONE_OFF_TASK_SHAPE,
    MYSQL_CLIENT_TLS_ENV,
    OBJECT_CACHE_MAX_TTL_SECONDS,
    OneOffTask,
    ONE_OFF_CONTAINER_NAME,
    ONE_OFF_LOG_STREAM_PREFIX,
    Registry,
    scratchVolumes,
    targetGroupName,
    WORDPRESS_CONFIG_EXTRA_ENV,
    WORDPRESS_SALT_KEYS,
    WORDPRESS_SCRATCH_PATHS,
    WP_CONTENT_PATH,
} from "./ecs-tasks";
import { DnsFailover, FAILOVER_EVALUATE_TARGET_HEALTH } from "./failover-dns";
import { createLoadBalancer, tenantLoadBalancerLogsPrefix, tenantLoadBalancerName } from "./load-balancer";
import type { TenantVpcOutputs } from "./tenant-vpc";
import { standbyRoleResources, StandbyPlacement } from "./standby-ecs";

/**
 * The auto-scaling of a tenant's service in the primary region. While the standby region serves
 * (`bbws:dr.serving: standby`) it is fenced: range 0–0 with every scaling activity suspended.
 * RegisterScalableTarget moves the service's current capacity inside the range it registers and
 * `SuspendedState` stops target tracking and scheduled scaling (Application Auto Scaling API
 * reference, RegisterScalableTarget), so a rollout that reaches af-south-1 after a failover scales
 * its services to 0 and nothing scales them out again: no writes to the old primary's database or
 * file system. Suspended, the range is not enforced either, so the failback's `scale` step can set
 * the services' count before the ecs rollout after it restores the range.
 */
export function primaryScaling(
    tenant: Pick<TenantConfig, "minCapacity" | "maxCapacity">,
    serving: DrConfig["serving"] | undefined,
): { minCapacity: number; maxCapacity: number; suspended: boolean } {
    return serving === "standby"
        ? { minCapacity: 0, maxCapacity: 0, suspended: true }
        : { minCapacity: tenant.minCapacity, maxCapacity: tenant.maxCapacity, suspended: false };
}

/** Where a tenant's load balancer, target group and tasks live: the shared VPC, or a premium tenant's own. */
export interface TenantPlacement {
    readonly vpcId: pulumi.Input<string>;
    /** The tasks' subnets, service and one-off alike. */
    readonly privateSubnetIds: pulumi.Input<string[]>;
    /** The file system the tenant's access point is on. */
    readonly fileSystemId: pulumi.Input<string>;
}

/**
 * A tenant's placement: a premium tenant's own VPC (`tenantVpcs[id]`) with the file system its access
 * point names, else the shared VPC and file system. Premium is its own VPC because ECS registers
 * Fargate tasks only in a target group of their own VPC: "The Availability Zone for IP address ... must
 * be 'all' for Application Load Balancer target groups, when not within the VPC"
 * (aws/containers-roadmap#1107); and its own file system because "Your Amazon EFS file system, Amazon
 * ECS cluster, and Fargate tasks must all be in the same VPC" (AWS knowledge center,
 * ecs-fargate-mount-efs-containers-tasks). Throws `Error` for a premium tenant whose access point does
 * not name its file system: the shared one would be mounted from another VPC, which fails at task start.
 */
export function tenantPlacement(
    args: Pick<EcsLayerArgs, "tenantVpcs" | "accessPoints" | "vpcId" | "privateSubnetIds" | "fileSystemId">,
    tenantId: string,
): TenantPlacement {
    const vpc = args.tenantVpcs[tenantId];
    const accessPoint = args.accessPoints[tenantId];
    if (vpc === undefined) {
        return { vpcId: args.vpcId, privateSubnetIds: args.privateSubnetIds, fileSystemId: accessPoint.fileSystemId ?? args.fileSystemId };
    }
    if (accessPoint.fileSystemId === undefined) {
        throw new Error(
            `\`accessPoints.${tenantId}\` names no \`fileSystemId\`: premium tenant ${tenantId} needs its own file system in its own VPC`,
        );
    }
    return { vpcId: vpc.vpcId, privateSubnetIds: vpc.privateSubnetIds, fileSystemId: accessPoint.fileSystemId };
}

/** A premium tenant's own load balancer, as monitoring and the stack outputs name it. */
export interface OwnLoadBalancer {
    readonly arn: pulumi.Output<string>;
    /** `app/<name>/<id>`: the `LoadBalancer` dimension of its CloudWatch metrics. */
    readonly arnSuffix: pulumi.Output<string>;
    readonly dnsName: pulumi.Output<string>;
}

/** The layer's arguments (`EcsLayerArgs`), the tenant, and what the layer built that the service uses. */
export interface TenantServiceArgs extends EcsLayerArgs {
    readonly tenant: TenantConfig;
    readonly registry: Registry;
    readonly cluster: Cluster;
    readonly lb: LoadBalancer;
    /** With `bbws:dr`: the tenant's record joins the Route 53 failover pair (components/failover-dns.ts). */
    readonly dnsFailover?: DnsFailover;
    /** With `bbws:dr`: which region serves; `standby` fences this service (`primaryScaling`). */
    readonly serving?: DrConfig["serving"];
    /**
     * With `bbws:dr`: where the standby runs its copy of the service's task definition, with this
     * tenant's two roles. The roles' policies name its resources too, and the salts secret gets a
     * replica there under the DR key.
     */
    readonly standby?: StandbyPlacement;
}

/**
 * The tenant's service and everything only it uses, named `<layer>-<id>` (`tenantComponentName`):
 * its children keep the names they had as the layer's own (`<layer>-<id>-service`, `-task`, …), each
 * with an alias naming the layer as its former parent, so moving them here replaced nothing.
 */
export class TenantService extends TenantComponent {
    readonly serviceName: pulumi.Output<string>;
    readonly targetGroupArn: pulumi.Output<string>;
    /** `targetgroup/<name>/<id>`: the CloudWatch dimension of the tenant's target group. */
    readonly targetGroupArnSuffix: pulumi.Output<string>;
    readonly logGroupName: pulumi.Output<string>;
    /** How `npm run task` runs the tenant's one-off task. */
    readonly oneOffTask: OneOffTask;
    /** Its custom domains: certificate, validation record for the owner, whether the rule serves it. */
    readonly customDomains: readonly CustomDomainStatus[];
    /** The service's task definition: the standby region registers the same one (components/standby-ecs.ts). */
    readonly taskDefinition: aws.ecs.TaskDefinition;
    /** A premium tenant's own load balancer (ARN, CloudWatch ARN suffix, DNS name); a basic tenant is on the layer's. */
    readonly loadBalancer: OwnLoadBalancer | undefined;

    constructor(name: string, args: TenantServiceArgs, opts: pulumi.ComponentResourceOptions) {
        super("bbws:ecs:TenantService", name, opts);
        const { env, ecs } = args;
        const { tenant, registry, cluster } = args;
        const id = tenant.id;
        // Named `<layer>-<id>`: the children's names start with it, as they did under the layer.
        const tn = name;
        const dbSecret = args.tenantDbSecrets[id];
        const accessPoint = args.accessPoints[id];
        const placement = tenantPlacement(args, id);
        const vpc: TenantVpcOutputs | undefined = args.tenantVpcs[id];
        const lb = vpc ? this.createOwnLoadBalancer(tn, args, vpc) : args.lb;
        // Kept in AWS when the tenant leaves: it holds offboarding's archive and purge task logs; its retention expires it.
        const logGroup = ecsLogGroup(`${tn}-logs`, args, id, { ...this.moved(), retainOnDelete: true });
        const salts = this.createSalts(tn, args, tenant);

        const repositoryArns = [registry.wordpress.arn, registry.migration.arn];
        const secretArns = [dbSecret.arn, dbSecret.cache.secretArn, salts.arn];
        const standby =
            args.standby &&
            standbyRoleResources({
                env,
                tenantId: id,
                accountId: args.accountId,
                primaryRegion: args.region,
                placement: args.standby,
                repositoryArns,
                secretArns,
            });
        const executionRole = ecsTaskRole(
            `${tn}-execution-role`,
            bbwsName(env, `${id}-exec`),
            executionRolePolicy({
                repositoryArns,
                logGroupArns: [logGroup.arn],
                secretArns,
                keyArn: args.keyArn,
                standby: standby?.execution,
            }),
            this.moved(),
        );
        const taskRole = ecsTaskRole(
            `${tn}-task-role`,
            bbwsName(env, `${id}-task`),
            tenantTaskPolicy({
                tenantId: id,
                assetsBucketArn: args.assetsBucket.arn,
                fileSystemArn: pulumi.interpolate`arn:aws:elasticfilesystem:${args.region}:${args.accountId}:file-system/${placement.fileSystemId}`,
                accessPointArn: accessPoint.arn,
                keyArn: args.keyArn,
                sessionLogGroupArn: cluster.sessionLogGroup.arn,
                migrationBucketArn: args.migrationBucket.arn,
                standby: standby?.task,
            }),
            this.moved(),
        );

        // The cluster refuses connections without TLS (require_secure_transport), so the TLS settings
        // travel with the connection settings.
        // An enterprise tenant's own cluster, else the environment's: where its secret's user exists.
        const server = dbSecret.server ?? { host: args.dbWriterEndpoint, port: args.dbPort };
        const database = [
            { name: "WORDPRESS_DB_HOST", value: pulumi.interpolate`${server.host}:${server.port}` },
            { name: "WORDPRESS_DB_NAME", value: dbSecret.database },
            ...WORDPRESS_CONFIG_EXTRA_ENV,
        ];
        // Rotation alternates the user (wp_<id>, wp_<id>_clone): user and password come from the same version.
        const dbUser = { name: "WORDPRESS_DB_USER", valueFrom: pulumi.interpolate`${dbSecret.arn}:username::` };
        const dbPassword = { name: "WORDPRESS_DB_PASSWORD", valueFrom: pulumi.interpolate`${dbSecret.arn}:password::` };
        // The sidecar's wp-cli loads the same wp-config.php and object-cache drop-in, so it gets the same
        // cache: on another (or none) its writes would leave WordPress serving stale entries.
        const redis = [
            { name: "WP_REDIS_HOST", value: args.redisPrimaryEndpoint },
            { name: "WP_REDIS_PORT", value: String(REDIS_PORT) },
            // The replication group only accepts TLS connections (encryption in transit).
            { name: "WP_REDIS_SCHEME", value: "tls" },
            // Tenants share the replication group: without a prefix a single site's keys are named by its
            // table prefix alone (`wp:options:alloptions` for all of them), and one tenant would read
            // another's options. An id holds no ':'.
            { name: "WP_REDIS_PREFIX", value: tenantCachePrefix(id) },
            // FLUSHDB is not among the tenant's cache user's commands: the drop-in deletes its own prefix instead.
            { name: "WP_REDIS_SELECTIVE_FLUSH", value: "true" },
            // That flush walks the prefix with SCAN, which the tenant's user may not run either: every key expires instead.
            { name: "WP_REDIS_MAXTTL", value: String(OBJECT_CACHE_MAX_TTL_SECONDS) },
        ];
        const wordpressCache = cacheClientSecrets(dbSecret.cache, { cli: false, wordpress: true });
        const saltSecrets = WORDPRESS_SALT_KEYS.map((key) => ({
            name: `WORDPRESS_${key}`,
            valueFrom: pulumi.interpolate`${salts.arn}:${key}::`,
        }));
        const migration = [
            { name: "TENANT_ID", value: id },
            { name: "MIGRATION_BUCKET", value: args.migrationBucket.name },
            { name: "MIGRATION_PREFIX", value: tenantPrefix(id) },
        ];
        const wpContent = [{ sourceVolume: "wp-content", containerPath: WP_CONTENT_PATH, readOnly: false }];
        const wpContentVolume = {
            name: "wp-content",
            efsVolumeConfiguration: {
                fileSystemId: placement.fileSystemId,
                transitEncryption: "ENABLED",
                authorizationConfig: { accessPointId: accessPoint.id, iam: "ENABLED" },
            },
        };
        // The tenant's uid, the access point's POSIX user: the access point creates every file as that
        // user anyway, so the processes and what they write on wp-content agree on who owns it.
        const user = containerUser(tenant.posixId);
        // The service's running tasks get the ECS Exec paths only when exec is on; the one-off task is
        // never exec'd into (its command runs to completion and streams its log).
        const execScratch = tenant.execEnabled ? ECS_EXEC_SCRATCH_PATHS : [];
        const wordpressScratch = [...WORDPRESS_SCRATCH_PATHS, ...execScratch];
        const sidecarScratch = [...MIGRATION_SCRATCH_PATHS, ...execScratch];
        const logs = (streamPrefix: string) => ({
            logDriver: "awslogs",
            options: { "awslogs-group": logGroup.name, "awslogs-region": args.region, "awslogs-stream-prefix": streamPrefix },
        });
        const containers: object[] = [
            {
                name: "wordpress",
                image: pulumi.interpolate`${registry.wordpress.repositoryUrl}:${tenant.imageTag}`,
                essential: true,
                ...hardenedContainer(user, wordpressScratch, wpContent),
                portMappings: [{ containerPort: tenant.containerPort, protocol: "tcp" }],
                healthCheck: {
                    command: [
                        "CMD-SHELL",
                        `curl -fs -o /dev/null http://localhost:${tenant.containerPort}${ecs.healthCheckPath} || exit 1`,
                    ],
                    interval: 30,
                    timeout: 5,
                    retries: 3,
                    startPeriod: 60,
                },
                environment: [...database, ...redis],
                secrets: [dbUser, dbPassword, ...wordpressCache, ...saltSecrets],
                logConfiguration: logs("wordpress"),
            },
        ];
        if (tenant.migrationSidecar) {
            // Long migrations run here instead of in an ECS Exec session into WordPress, which times out.
            containers.push({
                name: "migration",
                image: pulumi.interpolate`${registry.migration.repositoryUrl}:${tenant.imageTag}`,
                essential: false,
                ...hardenedContainer(user, sidecarScratch, wpContent),
                environment: [...database, ...redis, ...MYSQL_CLIENT_TLS_ENV, ...migration],
                secrets: [dbUser, dbPassword, ...wordpressCache],
                logConfiguration: logs("migration"),
            });
        }

        const taskDefinition = (this.taskDefinition = new aws.ecs.TaskDefinition(
            `${tn}-task`,
            {
                family: bbwsName(env, `wordpress-${id}`),
                networkMode: "awsvpc",
                requiresCompatibilities: ["FARGATE"],
                cpu: String(tenant.cpu),
                memory: String(tenant.memory),
                runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: tenant.architecture },
                executionRoleArn: executionRole.arn,
                taskRoleArn: taskRole.arn,
                volumes: [wpContentVolume, ...scratchVolumes([...wordpressScratch, ...(tenant.migrationSidecar ? sidecarScratch : [])])],
                containerDefinitions: jsonOf(containers),
            },
            this.moved(),
        ));

        const replacedBy = { targetType: "ip", protocol: "HTTP", port: tenant.containerPort };
        const targetGroup = new aws.lb.TargetGroup(
            `${tn}-tg`,
            {
                ...replacedBy,
                name: pulumi.output(placement.vpcId).apply((vpcId) => targetGroupName(id, tenant.slot, { ...replacedBy, vpcId })),
                vpcId: placement.vpcId,
                deregistrationDelay: 30,
                healthCheck: {
                    enabled: true,
                    path: ecs.healthCheckPath,
                    protocol: "HTTP",
                    port: "traffic-port",
                    matcher: "200-399",
                    interval: 30,
                    timeout: 5,
                    healthyThreshold: 2,
                    unhealthyThreshold: 3,
                },
                tags: { Tenant: id },
            },
            this.moved(),
        );
        // New with custom-domain certificates, so plain children: no former place to alias.
        const loadBalancer = { dnsName: lb.alb.dnsName, zoneId: lb.alb.zoneId };
        const domains = createTenantDomains(this, tn, { tenant, listenerArn: lb.https.arn, loadBalancer });
        const rule = new aws.lb.ListenerRule(
            `${tn}-rule`,
            {
                listenerArn: lb.https.arn,
                // The tenant's permanent slot: unique, and unchanged when other tenants come and go.
                priority: tenant.slot,
                // Custom domains only once their certificates are issued and on the listener.
                conditions: [{ hostHeader: { values: domains.hostnames } }],
                actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
            },
            this.moved({ dependsOn: domains.listenerCertificates }),
        );
        createCustomDomainAliases(this, tn, tenant, loadBalancer, rule);
        new aws.route53.Record(
            `${tn}-dns`,
            {
                zoneId: lb.hostedZoneId,
                // `<id>.<domain>`; custom domains live in their owners' zones.
                name: tenant.hostnames[0],
                type: "A",
                aliases: [
                    {
                        name: lb.alb.dnsName,
                        zoneId: lb.alb.zoneId,
                        evaluateTargetHealth: args.dnsFailover ? FAILOVER_EVALUATE_TARGET_HEALTH : true,
                    },
                ],
                ...(args.dnsFailover && {
                    setIdentifier: args.dnsFailover.setIdentifier,
                    failoverRoutingPolicies: [{ type: args.dnsFailover.role }],
                    healthCheckId: args.dnsFailover.healthCheckId,
                }),
            },
            // A simple record and a failover record of one name cannot coexist (Route 53): should the
            // change to a failover record ever be planned as a replacement, the simple one goes first.
            this.moved(args.dnsFailover ? { deleteBeforeReplace: true } : {}),
        );

        const limits = deploymentLimits(tenant);
        const service = new aws.ecs.Service(
            `${tn}-service`,
            {
                name: bbwsName(env, `wordpress-${id}`),
                cluster: cluster.cluster.arn,
                taskDefinition: taskDefinition.arn,
                desiredCount: tenant.minCapacity,
                capacityProviderStrategies: capacityProviderStrategy(ecs.capacityProviders),
                platformVersion: FARGATE_PLATFORM_VERSION,
                networkConfiguration: {
                    subnets: placement.privateSubnetIds,
                    securityGroups: [args.tenantSecurityGroupIds[id]],
                    assignPublicIp: false,
                },
                loadBalancers: [{ targetGroupArn: targetGroup.arn, containerName: "wordpress", containerPort: tenant.containerPort }],
                healthCheckGracePeriodSeconds: ecs.healthCheckGracePeriodSeconds,
                deploymentCircuitBreaker: { enable: true, rollback: true },
                deploymentMinimumHealthyPercent: limits.minimumHealthyPercent,
                deploymentMaximumPercent: limits.maximumPercent,
                propagateTags: "SERVICE",
                enableEcsManagedTags: true,
                enableExecuteCommand: tenant.execEnabled,
                // Running tasks never pick up an ECS Exec change: changing the trigger redeploys them.
                forceNewDeployment: true,
                triggers: { execEnabled: String(tenant.execEnabled) },
                waitForSteadyState: ecs.waitForSteadyState,
                tags: { Tenant: id },
            },
            this.moved({
                dependsOn: [cluster.capacityProviders, rule],
                // Auto-scaling owns the running count after creation; a preview must not flag it as drift.
                ignoreChanges: ["desiredCount"],
            }),
        );

        const scaling = primaryScaling(tenant, args.serving);
        const scalingRange = { minCapacity: scaling.minCapacity, maxCapacity: scaling.maxCapacity };
        const target = new aws.appautoscaling.Target(
            `${tn}-scaling`,
            {
                serviceNamespace: "ecs",
                scalableDimension: "ecs:service:DesiredCount",
                resourceId: pulumi.interpolate`service/${cluster.cluster.name}/${service.name}`,
                ...scalingRange,
                // Stated wherever bbws:dr is set, false too: the provider keeps an absent one as it is
                // in AWS, so only an explicit false resumes scaling after a failback. Without DR, absent.
                ...(args.serving && {
                    suspendedState: {
                        dynamicScalingInSuspended: scaling.suspended,
                        dynamicScalingOutSuspended: scaling.suspended,
                        scheduledScalingSuspended: scaling.suspended,
                    },
                }),
            },
            this.moved(),
        );
        // Tasks keep the database credentials they started with; rotation invalidates them at the second
        // rotation after, so the service is redeployed in between (components/secret-rotation.ts).
        createServiceRecycling(
            `${tn}-recycle`,
            {
                env,
                tenantId: id,
                clusterArn: cluster.cluster.arn,
                serviceName: service.name,
                everyDays: recycleEveryDays(args.dbRotationDays),
                roleArn: cluster.recyclerRole.arn,
            },
            { parent: this },
        );
        for (const [metric, predefinedMetricType, targetValue] of [
            ["cpu", "ECSServiceAverageCPUUtilization", ecs.cpuTargetPercent],
            ["memory", "ECSServiceAverageMemoryUtilization", ecs.memoryTargetPercent],
        ] as const) {
            new aws.appautoscaling.Policy(
                `${tn}-${metric}-scaling`,
                {
                    name: bbwsName(env, `wordpress-${id}-${metric}`),
                    policyType: "TargetTrackingScaling",
                    serviceNamespace: target.serviceNamespace,
                    scalableDimension: target.scalableDimension,
                    resourceId: target.resourceId,
                    targetTrackingScalingPolicyConfiguration: {
                        predefinedMetricSpecification: { predefinedMetricType },
                        targetValue,
                    },
                },
                this.moved(),
            );
        }

        // Its own task definition, because RunTask cannot change volumes: a task's overrides are
        // containers, cpu, memory, ephemeral storage and the two roles (ECS API reference, TaskOverride),
        // so only a definition of the tenant's own can mount its access point. The service's two roles,
        // not two more: their grants are exactly the tenant's, and IAM holds 1,000 roles per account (issue 21).
        const oneOffTask = new aws.ecs.TaskDefinition(
            `${tn}-migration`,
            {
                family: bbwsName(env, `migration-${id}`),
                ...ONE_OFF_TASK_SHAPE,
                executionRoleArn: executionRole.arn,
                taskRoleArn: taskRole.arn,
                volumes: [wpContentVolume, ...scratchVolumes(MIGRATION_SCRATCH_PATHS)],
                containerDefinitions: jsonOf([
                    {
                        name: ONE_OFF_CONTAINER_NAME,
                        // The tenant's tag: wp-cli runs the WordPress core its site runs.
                        image: pulumi.interpolate`${registry.migration.repositoryUrl}:${tenant.imageTag}`,
                        essential: true,
                        ...hardenedContainer(user, MIGRATION_SCRATCH_PATHS, wpContent),
                        environment: [
                            // wp-cli loads the same wp-config.php and object-cache drop-in as WordPress.
                            ...database,
                            ...redis,
                            ...clientEnvironment(server, args.redisPrimaryEndpoint),
                            { name: "DB_NAME", value: dbSecret.database },
                            { name: "REDIS_PREFIX", value: tenantCachePrefix(id) },
                            ...migration,
                        ],
                        secrets: [
                            dbUser,
                            dbPassword,
                            ...cacheClientSecrets(dbSecret.cache, { cli: true, wordpress: true }),
                            ...saltSecrets,
                            { name: "DB_USER", valueFrom: dbUser.valueFrom },
                            { name: "DB_PASSWORD", valueFrom: dbPassword.valueFrom },
                        ],
                        logConfiguration: logs(ONE_OFF_LOG_STREAM_PREFIX),
                    },
                ]),
                tags: { Tenant: id },
            },
            this.moved(),
        );
        this.serviceName = service.name;
        this.targetGroupArn = targetGroup.arn;
        this.targetGroupArnSuffix = targetGroup.arnSuffix;
        this.logGroupName = logGroup.name;
        this.customDomains = domains.status;
        this.oneOffTask = {
            taskDefinitionArn: oneOffTask.arn,
            containerName: ONE_OFF_CONTAINER_NAME,
            securityGroupIds: [pulumi.output(args.tenantSecurityGroupIds[id])],
            logGroupName: logGroup.name,
            logStreamPrefix: ONE_OFF_LOG_STREAM_PREFIX,
            ...(vpc && { subnetIds: vpc.privateSubnetIds }),
        };
        this.loadBalancer = vpc && { arn: lb.alb.arn, arnSuffix: lb.alb.arnSuffix, dnsName: lb.alb.dnsName };
        this.registerOutputs({
            serviceName: this.serviceName,
            targetGroupArn: this.targetGroupArn,
            targetGroupArnSuffix: this.targetGroupArnSuffix,
            logGroupName: this.logGroupName,
            oneOffTask: this.oneOffTask,
            customDomains: this.customDomains,
            loadBalancer: this.loadBalancer,
        });
    }

    /**
     * A premium tenant's own load balancer (`<name>-alb`, `-https`, `-http`), built as the shared one is
     * (components/load-balancer.ts) in its VPC's public subnets with its load balancer group, the
     * environment's certificate and zone, logging under `tenants/<id>/alb`. Its deletion protection is
     * the environment's (`bbws:ecs.albDeletionProtection`), and off once the tenant is `offboarding`:
     * `npm run tenant -- remove` writes that with `stopped` before it deletes the tenant's resources, and
     * ELB refuses to delete a load balancer with deletion protection on (ELB user guide, "Delete an
     * Application Load Balancer"), which would halt the delete pass at the load balancer. The tag
     * `Offboarding: true` says why, for the policy pack's ELB.6 and for whoever reads it in AWS. A stop
     * that is not a removal (a tier migration, maintenance) keeps the protection.
     */
    private createOwnLoadBalancer(tn: string, args: TenantServiceArgs, vpc: TenantVpcOutputs): LoadBalancer {
        const { alb, https } = createLoadBalancer(
            tn,
            {
                name: tenantLoadBalancerName(args.env, args.tenant.id, args.tenant.slot),
                subnetIds: vpc.publicSubnetIds,
                securityGroupId: vpc.loadBalancerSecurityGroupId,
                deletionProtection: args.ecs.albDeletionProtection && !args.tenant.offboarding,
                logsBucketName: args.logsBucketName,
                logsPrefix: tenantLoadBalancerLogsPrefix(args.tenant.id),
                certificateArn: args.lb.certificateArn,
                tags: { Tenant: args.tenant.id, ...(args.tenant.offboarding ? { [OFFBOARDING_TAG]: "true" } : {}) },
            },
            { parent: this },
        );
        return { alb, https, hostedZoneId: args.lb.hostedZoneId, certificateArn: args.lb.certificateArn };
    }

    /** One secret per tenant with its WordPress keys and salts, generated once and kept in state as secrets. */
    private createSalts(tn: string, args: TenantServiceArgs, tenant: TenantConfig): aws.secretsmanager.Secret {
        // The key's own upper-case name: a lower-case tenant id can never spell it, so tenant `a`'s
        // SECURE_AUTH_KEY and tenant `a-secure`'s AUTH_KEY are different resources.
        const values = Object.fromEntries(
            WORDPRESS_SALT_KEYS.map((key) => [
                key,
                new random.RandomPassword(
                    `${tn}-${key}`,
                    { length: WORDPRESS_SALT_LENGTH, overrideSpecial: WORDPRESS_SALT_SPECIALS },
                    this.moved(),
                ).result,
            ]),
        );
        const secret = new aws.secretsmanager.Secret(
            `${tn}-salts`,
            {
                name: tenantSaltsSecretName(args.env, tenant.id),
                description: `WordPress keys and salts of tenant ${tenant.id}`,
                kmsKeyId: args.keyArn,
                recoveryWindowInDays: args.protection.secretRecoveryDays,
                tags: { Tenant: tenant.id },
                ...secretReplicas(args.standby && { region: args.standby.region, kmsKeyId: args.standby.keyArn }),
            },
            this.moved(),
        );
        new aws.secretsmanager.SecretVersion(
            `${tn}-salts-value`,
            {
                secretId: secret.id,
                secretString: jsonOf(values),
            },
            this.moved(),
        );
        return secret;
    }
}
