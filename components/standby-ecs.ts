/**
 * The standby region's ECS side (issue 17), built by the ECS layer (phase `ecs`) when `bbws:dr` is
 * set: a cluster, a load balancer with its own certificate, and one service per tenant on the
 * tenant's task definition re-registered in the DR region, at 0 tasks while the primary serves.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { DrConfig, TenantConfig } from "../src/config";
import { targetGroupName } from "./ecs-tasks";
import type { ExecutionResources, TenantTaskStandby } from "./ecs-policies";
import { FAILOVER_EVALUATE_TARGET_HEALTH, failoverRoles } from "./failover-dns";
import { bbwsName } from "./shared";

/** One tenant as the standby runs it: the primary's task definition and desired count. */
export interface StandbyTenant {
    readonly tenant: TenantConfig;
    readonly taskDefinition: aws.ecs.TaskDefinition;
}

/** What the ECS layer hands its DR side. */
export interface StandbyEcsArgs {
    readonly env: string;
    readonly region: string;
    readonly domain: string;
    readonly dr: DrConfig;
    readonly tenants: readonly StandbyTenant[];
    readonly healthCheckPath: string;
    readonly albDeletionProtection: boolean;
    readonly logRetentionDays: number;
    readonly tlsPolicy: string;
    readonly hostedZoneId: pulumi.Input<string>;
    /** The standby network, storage and database (DR region). */
    readonly vpcId: pulumi.Input<string>;
    readonly publicSubnetIds: pulumi.Input<string[]>;
    readonly privateSubnetIds: pulumi.Input<string[]>;
    readonly loadBalancerSecurityGroupId: pulumi.Input<string>;
    readonly taskSecurityGroupId: pulumi.Input<string>;
    readonly logsBucketName: pulumi.Input<string>;
    readonly fileSystemId: pulumi.Input<string>;
    readonly keyArn: pulumi.Input<string>;
    readonly dbWriterEndpoint: pulumi.Input<string>;
    /** The standby's cold Redis (components/standby-cache.ts): its primary endpoint. */
    readonly redisPrimaryEndpoint: pulumi.Input<string>;
    /** The replica buckets (`bbws-tenant-assets-dr-…`, `bbws-migration-artifacts-dr-…`, components/dr-storage.ts). */
    readonly assetsBucketName: pulumi.Input<string>;
    readonly migrationBucketName: pulumi.Input<string>;
}

/** The standby's log group of a tenant, `/aws/ecs/bbws-<env>-dr/<id>`, in the DR region. */
export function standbyLogGroupName(env: string, tenantId: string): string {
    return `/aws/ecs/${bbwsName(env, "dr")}/${tenantId}`;
}

/**
 * A regional ARN of the primary region moved to the standby region, the rest unchanged: what a
 * resource replicated under the same name is called there. Secrets Manager keeps a replica's ARN
 * equal to the primary's but for the region (Secrets Manager user guide, "Replicate secrets across
 * Regions"); ECR replication keeps the repository's name (ECR user guide, "Private image
 * replication"), and a repository's ARN is `arn:aws:ecr:<region>:<account>:repository/<name>`.
 * Anything that is not an ARN of `from` comes back unchanged.
 */
export function inStandbyRegion(arn: string, from: string, to: string): string {
    const at = `:${from}:`;
    const service = /^arn:aws:[a-z0-9-]+$/;
    const i = arn.indexOf(at);
    return i > 0 && service.test(arn.slice(0, i)) ? `${arn.slice(0, i)}:${to}:${arn.slice(i + at.length)}` : arn;
}

/** Where the standby runs a tenant's copy of its task definition: the DR region's key, replica file system and replica buckets. */
export type StandbyPlacement = { readonly region: string } & Pick<
    StandbyEcsArgs,
    "fileSystemId" | "keyArn" | "assetsBucketName" | "migrationBucketName"
>;

/**
 * What the standby's copy of a tenant's task definition names in the DR region, as the tenant's two
 * roles must grant it (components/ecs-policies.ts `standby`): the replicated repositories and
 * secrets (`inStandbyRegion`), the standby's log group, the DR key, the replica buckets and file system.
 */
export function standbyRoleResources(args: {
    readonly env: string;
    readonly tenantId: string;
    readonly accountId: string;
    readonly primaryRegion: string;
    readonly placement: StandbyPlacement;
    readonly repositoryArns: pulumi.Input<string>[];
    readonly secretArns: pulumi.Input<string>[];
}): { execution: ExecutionResources; task: TenantTaskStandby } {
    const { placement: p, primaryRegion, accountId } = args;
    const moved = (arn: pulumi.Input<string>) => pulumi.output(arn).apply((a) => inStandbyRegion(a, primaryRegion, p.region));
    const bucketArn = (name: pulumi.Input<string>) => pulumi.interpolate`arn:aws:s3:::${name}`;
    return {
        execution: {
            repositoryArns: args.repositoryArns.map(moved),
            logGroupArns: [`arn:aws:logs:${p.region}:${accountId}:log-group:${standbyLogGroupName(args.env, args.tenantId)}`],
            secretArns: args.secretArns.map(moved),
            keyArn: p.keyArn,
        },
        task: {
            assetsBucketArn: bucketArn(p.assetsBucketName),
            migrationBucketArn: bucketArn(p.migrationBucketName),
            fileSystemArn: pulumi.interpolate`arn:aws:elasticfilesystem:${p.region}:${accountId}:file-system/${p.fileSystemId}`,
            keyArn: p.keyArn,
        },
    };
}

/** The standby's running count of a tenant: its primary desired count when the standby serves, else 0. */
export function standbyDesiredCount(serving: DrConfig["serving"], tenant: Pick<TenantConfig, "minCapacity">): number {
    return serving === "standby" ? tenant.minCapacity : 0;
}

/** What a standby task definition changes in the primary's container definitions. */
export interface StandbyRewrite {
    readonly primaryRegion: string;
    readonly standbyRegion: string;
    readonly logGroupName: string;
    readonly dbWriterEndpoint: string;
    /** The migration bucket's replica (`bbws-migration-artifacts-dr-…`): the sidecar's `MIGRATION_BUCKET` there. */
    readonly migrationBucketName: string;
    /** The standby's Redis primary endpoint (components/standby-cache.ts). */
    readonly redisHost: string;
}

/** The standby's place for a tenant's wp-content: the replica file system and the tenant's directory on it. */
export interface StandbyFileSystem {
    readonly fileSystemId: string;
    /** `/tenants/<id>`: the primary's access point root, by path, since the replica has no access points. */
    readonly rootDirectory: string;
}

/**
 * The primary task definition's volumes for the standby: the same list (so the hardened containers'
 * scratch volumes and every mount the container definitions name stay declared), with each EFS volume
 * moved onto the DR region's replica by path. Access points are per file system and the primary's do
 * not exist on the replica (EFS user guide, "Replicating file systems": only data and metadata are
 * replicated), so the EFS volume drops `authorizationConfig` and names the directory itself.
 */
export function standbyVolumes<V extends { efsVolumeConfiguration?: object }>(volumes: readonly V[], fileSystem: StandbyFileSystem): V[] {
    return volumes.map((v) =>
        v.efsVolumeConfiguration
            ? {
                  ...v,
                  efsVolumeConfiguration: {
                      fileSystemId: fileSystem.fileSystemId,
                      transitEncryption: "ENABLED",
                      rootDirectory: fileSystem.rootDirectory,
                  },
              }
            : v,
    );
}

/**
 * The primary's container definitions (JSON, as ECS takes them) for the standby region: images from
 * the DR region's registry (ECR replication keeps the same repository and tag), logs to the standby's
 * group in its region, Secrets Manager ARNs in the standby region (a replica secret's ARN is the
 * primary's with the region changed: Secrets Manager user guide, "Replicate secrets across Regions"),
 * `WORDPRESS_DB_HOST` on the DR cluster, `WP_REDIS_HOST` on the standby's cold Redis (the tenant's
 * cache user exists there with the same password, which the secret's replica holds), and the
 * migration sidecar's `MIGRATION_BUCKET` on the migration bucket's replica (S3 replication keeps the
 * keys, so `MIGRATION_PREFIX` stays). Everything else is the primary's.
 */
export function standbyContainerDefinitions(json: string, rewrite: StandbyRewrite): string {
    const { primaryRegion: from, standbyRegion: to } = rewrite;
    const containers = JSON.parse(json) as Array<Record<string, any>>;
    // What each rewritten variable becomes, from the primary's value.
    const standbyValues: Record<string, (primary: string) => string> = {
        WORDPRESS_DB_HOST: (primary) => `${rewrite.dbWriterEndpoint}:${primary.split(":").pop()}`,
        WP_REDIS_HOST: () => rewrite.redisHost,
        MIGRATION_BUCKET: () => rewrite.migrationBucketName,
    };
    return JSON.stringify(
        containers.map((c) => ({
            ...c,
            image: String(c.image).replace(`.dkr.ecr.${from}.amazonaws.com/`, `.dkr.ecr.${to}.amazonaws.com/`),
            environment: (c.environment ?? []).map((e: { name: string; value: string }) => {
                const value = standbyValues[e.name]?.(e.value);
                return value === undefined ? e : { ...e, value };
            }),
            secrets: (c.secrets ?? []).map((s: { name: string; valueFrom: string }) => ({
                ...s,
                valueFrom: inStandbyRegion(s.valueFrom, from, to),
            })),
            logConfiguration: c.logConfiguration && {
                ...c.logConfiguration,
                options: { ...c.logConfiguration.options, "awslogs-group": rewrite.logGroupName, "awslogs-region": to },
            },
        })),
    );
}

/**
 * `bbws:ecs:StandbyEcs` (`<ecs layer>-standby`), every child in `dr.region` but the Route 53 records:
 * cluster `bbws-cluster-<env>-dr`, load balancer `bbws-alb-<env>-dr` (HTTPS with its own ACM
 * certificate for `*.<domain>`, DNS-validated in the zone; HTTP redirects), and per tenant a log
 * group, task definition, target group, listener rule, service and the standby half of the tenant's
 * failover record pair. Services run `standbyDesiredCount` tasks, on the replicated file system.
 */
export class StandbyEcs extends pulumi.ComponentResource {
    readonly clusterName: pulumi.Output<string>;
    readonly loadBalancerArn: pulumi.Output<string>;
    readonly loadBalancerDnsName: pulumi.Output<string>;
    readonly serviceNames: Readonly<Record<string, pulumi.Output<string>>>;
    readonly targetGroupArns: Readonly<Record<string, pulumi.Output<string>>>;
    readonly recordNames: string[];

    constructor(name: string, args: StandbyEcsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("bbws:ecs:StandbyEcs", name, {}, opts);
        const { env, dr } = args;
        const region = dr.region;
        const cluster = new aws.ecs.Cluster(
            `${name}-cluster`,
            { region, name: bbwsName(env, "cluster-dr"), settings: [{ name: "containerInsights", value: "enabled" }] },
            { parent: this },
        );
        const alb = new aws.lb.LoadBalancer(
            `${name}-alb`,
            {
                region,
                name: bbwsName(env, "alb-dr"),
                loadBalancerType: "application",
                internal: false,
                subnets: args.publicSubnetIds,
                securityGroups: [args.loadBalancerSecurityGroupId],
                dropInvalidHeaderFields: true,
                enableDeletionProtection: args.albDeletionProtection,
                accessLogs: { bucket: args.logsBucketName, prefix: "alb", enabled: true },
            },
            { parent: this },
        );
        // ACM certificates are regional: the primary's cannot serve the standby's listener.
        const certificate = new aws.acm.Certificate(
            `${name}-certificate`,
            { region, domainName: `*.${args.domain}`, validationMethod: "DNS" },
            { parent: this },
        );
        const validation = new aws.route53.Record(
            `${name}-certificate-validation-record`,
            {
                zoneId: args.hostedZoneId,
                name: certificate.domainValidationOptions.apply((o) => o[0].resourceRecordName.replace(/\.$/, "")),
                type: certificate.domainValidationOptions.apply((o) => o[0].resourceRecordType),
                records: [certificate.domainValidationOptions.apply((o) => o[0].resourceRecordValue)],
                ttl: 300,
                // The primary's certificate for the same name asked for the same record.
                allowOverwrite: true,
            },
            // Shared with the primary's `*.<domain>` certificate (same domain, same account: same name
            // and value), which is looked up, not managed, and renews by that record (ACM user guide,
            // "Renewal for domains validated by DNS"): dropping `bbws:dr` must not delete it.
            { parent: this, retainOnDelete: true },
        );
        const issued = new aws.acm.CertificateValidation(
            `${name}-certificate-issued`,
            { region, certificateArn: certificate.arn, validationRecordFqdns: [validation.fqdn] },
            { parent: this },
        );
        const https = new aws.lb.Listener(
            `${name}-https`,
            {
                region,
                loadBalancerArn: alb.arn,
                port: 443,
                protocol: "HTTPS",
                sslPolicy: args.tlsPolicy,
                certificateArn: issued.certificateArn,
                defaultActions: [
                    { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" } },
                ],
            },
            { parent: this },
        );
        new aws.lb.Listener(
            `${name}-http`,
            {
                region,
                loadBalancerArn: alb.arn,
                port: 80,
                protocol: "HTTP",
                defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
            },
            { parent: this },
        );

        const role = failoverRoles(dr.serving).standby;
        const services: Record<string, pulumi.Output<string>> = {};
        const targetGroups: Record<string, pulumi.Output<string>> = {};
        this.recordNames = [];
        for (const { tenant, taskDefinition } of args.tenants) {
            const tn = `${name}-${tenant.id}`;
            const logGroup = new aws.cloudwatch.LogGroup(
                `${tn}-logs`,
                {
                    region,
                    name: standbyLogGroupName(env, tenant.id),
                    retentionInDays: args.logRetentionDays,
                    kmsKeyId: args.keyArn,
                },
                { parent: this },
            );
            const standbyTask = new aws.ecs.TaskDefinition(
                `${tn}-task`,
                {
                    region,
                    family: bbwsName(env, `wordpress-${tenant.id}-dr`),
                    networkMode: "awsvpc",
                    requiresCompatibilities: ["FARGATE"],
                    cpu: taskDefinition.cpu.apply((c) => c ?? String(tenant.cpu)),
                    memory: taskDefinition.memory.apply((m) => m ?? String(tenant.memory)),
                    runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: tenant.architecture },
                    executionRoleArn: taskDefinition.executionRoleArn,
                    taskRoleArn: taskDefinition.taskRoleArn,
                    volumes: pulumi
                        .all([taskDefinition.volumes, args.fileSystemId])
                        .apply(([volumes, fileSystemId]) =>
                            standbyVolumes(volumes ?? [], { fileSystemId, rootDirectory: `/tenants/${tenant.id}` }),
                        ),
                    containerDefinitions: pulumi
                        .all([
                            taskDefinition.containerDefinitions,
                            logGroup.name,
                            args.dbWriterEndpoint,
                            args.migrationBucketName,
                            args.redisPrimaryEndpoint,
                        ])
                        .apply(([json, logGroupName, endpoint, migrationBucketName, redisHost]) =>
                            standbyContainerDefinitions(json, {
                                primaryRegion: args.region,
                                standbyRegion: region,
                                logGroupName,
                                dbWriterEndpoint: endpoint,
                                migrationBucketName,
                                redisHost,
                            }),
                        ),
                },
                { parent: this },
            );
            // Named like the primary's (`targetGroupName`): the name follows the inputs that replace it, and the standby VPC's id makes it the standby's.
            const replacedBy = { targetType: "ip", protocol: "HTTP", port: tenant.containerPort };
            const targetGroup = new aws.lb.TargetGroup(
                `${tn}-tg`,
                {
                    ...replacedBy,
                    region,
                    name: pulumi.output(args.vpcId).apply((vpcId) => targetGroupName(tenant.id, tenant.slot, { ...replacedBy, vpcId })),
                    vpcId: args.vpcId,
                    deregistrationDelay: 30,
                    healthCheck: { enabled: true, path: args.healthCheckPath, protocol: "HTTP", port: "traffic-port", matcher: "200-399" },
                    tags: { Tenant: tenant.id },
                },
                { parent: this },
            );
            const rule = new aws.lb.ListenerRule(
                `${tn}-rule`,
                {
                    region,
                    listenerArn: https.arn,
                    priority: tenant.slot,
                    conditions: [{ hostHeader: { values: [tenant.hostnames[0]] } }],
                    actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
                },
                { parent: this },
            );
            const service = new aws.ecs.Service(
                `${tn}-service`,
                {
                    region,
                    name: bbwsName(env, `wordpress-${tenant.id}-dr`),
                    cluster: cluster.arn,
                    taskDefinition: standbyTask.arn,
                    desiredCount: standbyDesiredCount(dr.serving, tenant),
                    launchType: "FARGATE",
                    networkConfiguration: {
                        subnets: args.privateSubnetIds,
                        securityGroups: [args.taskSecurityGroupId],
                        assignPublicIp: false,
                    },
                    loadBalancers: [{ targetGroupArn: targetGroup.arn, containerName: "wordpress", containerPort: tenant.containerPort }],
                    deploymentCircuitBreaker: { enable: true, rollback: true },
                    propagateTags: "SERVICE",
                    tags: { Tenant: tenant.id },
                },
                { parent: this, dependsOn: [rule] },
            );
            new aws.route53.Record(
                `${tn}-dns`,
                {
                    zoneId: args.hostedZoneId,
                    name: tenant.hostnames[0],
                    type: "A",
                    setIdentifier: region,
                    failoverRoutingPolicies: [{ type: role }],
                    aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: FAILOVER_EVALUATE_TARGET_HEALTH }],
                },
                { parent: this },
            );
            services[tenant.id] = service.name;
            targetGroups[tenant.id] = targetGroup.arn;
            this.recordNames.push(tenant.hostnames[0]);
        }
        this.clusterName = cluster.name;
        this.loadBalancerArn = alb.arn;
        this.loadBalancerDnsName = alb.dnsName;
        this.serviceNames = services;
        this.targetGroupArns = targetGroups;
        this.registerOutputs({
            clusterName: this.clusterName,
            loadBalancerArn: this.loadBalancerArn,
            loadBalancerDnsName: this.loadBalancerDnsName,
            serviceNames: this.serviceNames,
            targetGroupArns: this.targetGroupArns,
        });
    }
}
