/**
 * The platform: the five layers in phase order, each fed only what it consumes from the layers
 * before it. Stack outputs are grouped by phase so the driver and the verification checks can find
 * a phase's resources without knowing the program.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "./config";
import { getPhase } from "./phases";
import { NetworkLayer } from "../components/network";
import { DataLayer } from "../components/data";
import { StorageLayer } from "../components/storage";
import { EcsLayer } from "../components/ecs";
import { MonitoringLayer } from "../components/monitoring";

/**
 * The stack's outputs as `pulumi stack output --json` returns them (every Output resolved), grouped
 * by phase. The driver's readers of stack outputs are typed against it, so a renamed output fails
 * `tsc`, not a verification run.
 */
export type PlatformOutputs = pulumi.Unwrap<ReturnType<typeof createPlatform>>;

/** Builds the five layers for one stack and returns its outputs, grouped by phase (see `PlatformOutputs`). */
export function createPlatform(cfg: PlatformConfig) {
    const network = new NetworkLayer(getPhase("network").componentName, {
        env: cfg.env,
        region: cfg.region,
        network: cfg.network,
        tenants: cfg.tenants,
    });
    const data = new DataLayer(getPhase("database").componentName, {
        env: cfg.env,
        accountId: cfg.accountId,
        region: cfg.region,
        database: cfg.database,
        cache: cfg.cache,
        protection: cfg.protection,
        tenants: cfg.tenants,
        isolatedSubnetIds: network.isolatedSubnetIds,
        azCount: cfg.network.azCount,
        databaseSecurityGroupId: network.securityGroupIds.database,
        cacheSecurityGroupId: network.securityGroupIds.cache,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
    });
    const storage = new StorageLayer(getPhase("storage").componentName, {
        env: cfg.env,
        accountId: cfg.accountId,
        storage: cfg.storage,
        protection: cfg.protection,
        tenants: cfg.tenants,
        retiredTenants: cfg.retiredTenants,
        keyArn: data.keyArn,
        privateSubnetIds: network.privateSubnetIds,
        azCount: cfg.network.azCount,
        fileSystemSecurityGroupId: network.securityGroupIds.fileSystem,
        databaseClusterArn: data.clusterArn,
    });
    const ecs = new EcsLayer(getPhase("ecs").componentName, {
        env: cfg.env,
        region: cfg.region,
        accountId: cfg.accountId,
        domain: cfg.domain,
        ecs: cfg.ecs,
        tenants: cfg.tenants,
        protection: cfg.protection,
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        privateSubnetIds: network.privateSubnetIds,
        loadBalancerSecurityGroupId: network.securityGroupIds.loadBalancer,
        tenantSecurityGroupIds: network.tenantSecurityGroupIds,
        platformTaskSecurityGroupId: network.securityGroupIds.platformTask,
        keyArn: data.keyArn,
        dbWriterEndpoint: data.writerEndpoint,
        dbPort: data.port,
        masterSecretArn: data.masterSecretArn,
        redisPrimaryEndpoint: data.redisPrimaryEndpoint,
        platformCache: data.platformCache,
        tenantDbSecrets: data.tenantSecrets,
        dbRotationDays: cfg.database.rotationDays,
        fileSystemId: storage.fileSystemId,
        accessPoints: storage.accessPoints,
        assetsBucket: storage.assetsBucket,
        migrationBucket: storage.migrationBucket,
        logsBucketName: storage.logsBucket.name,
        registry: storage.repositories,
    });
    const monitoring = new MonitoringLayer(getPhase("monitoring").componentName, {
        env: cfg.env,
        region: cfg.region,
        accountId: cfg.accountId,
        tenants: cfg.tenants,
        monitoring: cfg.monitoring,
        clusterName: ecs.clusterName,
        serviceNames: ecs.serviceNames,
        loadBalancerArnSuffix: ecs.loadBalancerArnSuffix,
        targetGroupArnSuffixes: ecs.targetGroupArnSuffixes,
        auroraClusterIdentifier: data.clusterIdentifier,
        redisReplicationGroupId: data.redisReplicationGroupId,
        redisNodes: cfg.cache.nodes,
        fileSystemId: storage.fileSystemId,
        backupVaultName: storage.backupVaultName,
    });

    return {
        network: {
            vpcId: network.vpcId,
            publicSubnetIds: network.publicSubnetIds,
            privateSubnetIds: network.privateSubnetIds,
            isolatedSubnetIds: network.isolatedSubnetIds,
            subnets: network.subnets,
            securityGroupIds: network.securityGroupIds,
            tenantSecurityGroupIds: network.tenantSecurityGroupIds,
        },
        database: {
            clusterIdentifier: data.clusterIdentifier,
            writerEndpoint: data.writerEndpoint,
            readerEndpoint: data.readerEndpoint,
            port: data.port,
            masterSecretArn: data.masterSecretArn,
            redisReplicationGroupId: data.redisReplicationGroupId,
            redisPrimaryEndpoint: data.redisPrimaryEndpoint,
            keyArn: data.keyArn,
            tenantSecretArns: Object.fromEntries(Object.entries(data.tenantSecrets).map(([id, s]) => [id, s.arn])),
        },
        storage: {
            fileSystemId: storage.fileSystemId,
            accessPointIds: Object.fromEntries(Object.entries(storage.accessPoints).map(([id, a]) => [id, a.id])),
            assetsBucketName: storage.assetsBucket.name,
            migrationBucketName: storage.migrationBucket.name,
            logsBucketName: storage.logsBucket.name,
            backupVaultName: storage.backupVaultName,
            /** Where to push images before the ecs phase: `wordpress`, `migration`. */
            repositoryUrls: {
                wordpress: storage.repositories.wordpress.repositoryUrl,
                migration: storage.repositories.migration.repositoryUrl,
            },
        },
        ecs: {
            clusterName: ecs.clusterName,
            serviceNames: ecs.serviceNames,
            loadBalancerArn: ecs.loadBalancerArn,
            loadBalancerDnsName: ecs.loadBalancerDnsName,
            targetGroupArns: ecs.targetGroupArns,
            /** What `npm run task` runs: cluster, private subnets, and each one-off task (issue 15's contract). */
            oneOffTasks: ecs.oneOffTasks,
            /** Each tenant's custom domains: the owner's validation record and target, the certificate, whether served. */
            customDomains: ecs.customDomains,
        },
        monitoring: {
            alertsTopicArn: monitoring.alertsTopicArn,
            criticalTopicArn: monitoring.criticalTopicArn,
            dashboardName: monitoring.dashboardName,
            alarmNames: monitoring.alarmNames,
        },
    };
}
