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
import type { OwnLoadBalancer } from "../components/tenant-service";
import { MonitoringLayer } from "../components/monitoring";
import { StandbyNetwork } from "../components/standby-network";

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
    // The standby region's network belongs to phase `network`: parented to its layer, built only with `bbws:dr`.
    const standbyNetwork =
        cfg.dr &&
        new StandbyNetwork(
            `${getPhase("network").componentName}-standby`,
            {
                env: cfg.env,
                dr: cfg.dr,
                containerPorts: cfg.tenants.map((t) => t.containerPort),
                flowLogRetentionDays: cfg.network.flowLogRetentionDays,
            },
            { parent: network },
        );
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
        dr: cfg.dr &&
            standbyNetwork && {
                config: cfg.dr,
                isolatedSubnetIds: standbyNetwork.isolatedSubnetIds,
                databaseSecurityGroupId: standbyNetwork.securityGroupIds.database,
                cacheSecurityGroupId: standbyNetwork.securityGroupIds.cache,
            },
        tenantVpcs: network.tenantVpcs,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
    });
    const storage = new StorageLayer(getPhase("storage").componentName, {
        env: cfg.env,
        accountId: cfg.accountId,
        storage: cfg.storage,
        protection: cfg.protection,
        tenants: cfg.tenants,
        tenantVpcs: network.tenantVpcs,
        retiredTenants: cfg.retiredTenants,
        keyArn: data.keyArn,
        privateSubnetIds: network.privateSubnetIds,
        azCount: cfg.network.azCount,
        fileSystemSecurityGroupId: network.securityGroupIds.fileSystem,
        databaseClusterArn: data.clusterArn,
        tenantClusters: Object.fromEntries(
            Object.entries(data.tenantClusters).map(([id, c]) => [id, { keyArn: c.keyArn, clusterArn: c.clusterArn }]),
        ),
        dr: cfg.dr &&
            data.dr &&
            standbyNetwork && {
                config: cfg.dr,
                region: cfg.region,
                keyArn: data.dr.keyArn,
                privateSubnetIds: standbyNetwork.privateSubnetIds,
                fileSystemSecurityGroupId: standbyNetwork.securityGroupIds.fileSystem,
            },
    });
    const ecs = new EcsLayer(getPhase("ecs").componentName, {
        env: cfg.env,
        region: cfg.region,
        accountId: cfg.accountId,
        domain: cfg.domain,
        ecs: cfg.ecs,
        tenants: cfg.tenants,
        tenantVpcs: network.tenantVpcs,
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
        dr: cfg.dr &&
            standbyNetwork &&
            data.dr &&
            data.standbyCache &&
            storage.dr && {
                config: cfg.dr,
                vpcId: standbyNetwork.vpcId,
                publicSubnetIds: standbyNetwork.publicSubnetIds,
                privateSubnetIds: standbyNetwork.privateSubnetIds,
                loadBalancerSecurityGroupId: standbyNetwork.securityGroupIds.loadBalancer,
                taskSecurityGroupId: standbyNetwork.securityGroupIds.tasks,
                logsBucketName: storage.dr.logsBucketName,
                fileSystemId: storage.dr.fileSystemId,
                keyArn: data.dr.keyArn,
                dbWriterEndpoint: data.dr.standbyWriterEndpoint,
                redisPrimaryEndpoint: data.standbyCache.primaryEndpoint,
                assetsBucketName: storage.dr.replicaBucketNames["tenant-assets"],
                migrationBucketName: storage.dr.replicaBucketNames["migration-artifacts"],
            },
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
        tenantLoadBalancerArnSuffixes: Object.fromEntries(Object.entries(ecs.tenantLoadBalancers).map(([id, lb]) => [id, lb.arnSuffix])),
        targetGroupArnSuffixes: ecs.targetGroupArnSuffixes,
        auroraClusterIdentifier: data.clusterIdentifier,
        tenantAuroraClusterIdentifiers: Object.fromEntries(Object.entries(data.tenantClusters).map(([id, c]) => [id, c.clusterIdentifier])),
        redisReplicationGroupId: data.redisReplicationGroupId,
        redisNodes: cfg.cache.nodes,
        fileSystemId: storage.fileSystemId,
        backupVaultName: storage.backupVaultName,
        tenantBackupVaultNames: storage.tenantBackupVaultNames,
        dr: data.dr &&
            storage.dr &&
            ecs.dr && {
                dr: cfg.dr!,
                standbyClusterIdentifier: data.dr.standbyClusterIdentifier,
                primaryClusterIdentifier: data.clusterIdentifier,
                fileSystemId: storage.fileSystemId,
                replicaFileSystemId: storage.dr.fileSystemId,
                healthCheckId: ecs.dr.failover.healthCheckId,
            },
    });
    const drRegion = cfg.dr?.region;
    // Absent rather than empty where every tenant is basic, so their stacks' outputs stay as they were.
    const premiumLoadBalancers = (pick: (lb: OwnLoadBalancer) => pulumi.Output<string>) =>
        Object.keys(ecs.tenantLoadBalancers).length === 0
            ? undefined
            : Object.fromEntries(Object.entries(ecs.tenantLoadBalancers).map(([id, lb]) => [id, pick(lb)]));

    return {
        network: {
            vpcId: network.vpcId,
            publicSubnetIds: network.publicSubnetIds,
            privateSubnetIds: network.privateSubnetIds,
            isolatedSubnetIds: network.isolatedSubnetIds,
            subnets: network.subnets,
            securityGroupIds: network.securityGroupIds,
            tenantSecurityGroupIds: network.tenantSecurityGroupIds,
            /**
             * Each premium or enterprise tenant's own VPC, by tenant id (README "Premium tenants' network"); `{}` with basic
             * tenants only. `databaseSecurityGroupId`: an enterprise tenant's cluster group (absent for premium).
             */
            tenantVpcs: Object.fromEntries(
                Object.entries(network.tenantVpcs).map(([id, v]) => [
                    id,
                    {
                        vpcId: v.vpcId,
                        cidrBlock: v.cidrBlock,
                        publicSubnetIds: v.publicSubnetIds,
                        privateSubnetIds: v.privateSubnetIds,
                        loadBalancerSecurityGroupId: v.loadBalancerSecurityGroupId,
                        fileSystemSecurityGroupId: v.fileSystemSecurityGroupId,
                        databaseSecurityGroupId: v.databaseSecurityGroupId,
                        taskSecurityGroupId: network.tenantSecurityGroupIds[id],
                    },
                ]),
            ),
            /** Each tenant's isolation tier (id → `basic` | `premium` | `enterprise`): the rollout's tier gate compares the next config with it. */
            tenantTiers: Object.fromEntries(cfg.tenants.map((t) => [t.id, t.tier])),
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
            /** The password rotation function: `npm run verify` reads its USERNAME_CHARACTER_LIMIT. */
            rotationFunctionName: data.rotationFunctionName,
            tenantSecretArns: Object.fromEntries(Object.entries(data.tenantSecrets).map(([id, s]) => [id, s.arn])),
            /**
             * Each enterprise tenant's own Aurora cluster, by tenant id (components/tenant-cluster.ts): its identifier, writer
             * endpoint, RDS-managed master secret (encrypted with `keyArn`, the tenant's key) and rotation function. The tenant
             * command's database step logs in there with that secret. Undefined without enterprise tenants, so other stacks'
             * outputs stay as they were.
             */
            tenantClusters:
                Object.keys(data.tenantClusters).length === 0
                    ? undefined
                    : Object.fromEntries(
                          Object.entries(data.tenantClusters).map(([id, c]) => [
                              id,
                              {
                                  clusterIdentifier: c.clusterIdentifier,
                                  writerEndpoint: c.writerEndpoint,
                                  masterSecretArn: c.masterSecretArn,
                                  keyArn: c.keyArn,
                                  rotationFunctionName: c.rotation.functionName,
                              },
                          ]),
                      ),
            /** The global database and its DR-region cluster (issue 17's contract); undefined for `bbws:dr: none`. */
            dr: data.dr && {
                region: drRegion!,
                globalClusterIdentifier: data.dr.globalClusterIdentifier,
                primaryClusterIdentifier: data.clusterIdentifier,
                standbyClusterIdentifier: data.dr.standbyClusterIdentifier,
                standbyClusterArn: data.dr.standbyClusterArn,
            },
        },
        storage: {
            fileSystemId: storage.fileSystemId,
            accessPointIds: Object.fromEntries(Object.entries(storage.accessPoints).map(([id, a]) => [id, a.id])),
            assetsBucketName: storage.assetsBucket.name,
            migrationBucketName: storage.migrationBucket.name,
            logsBucketName: storage.logsBucket.name,
            backupVaultName: storage.backupVaultName,
            /** Each enterprise tenant's own AWS Backup vault, by tenant id; undefined where no tenant is enterprise, so other stacks' outputs stay as they were. */
            tenantBackupVaultNames: Object.keys(storage.tenantBackupVaultNames).length === 0 ? undefined : storage.tenantBackupVaultNames,
            /** Where to push images before the ecs phase: `wordpress`, `migration`. */
            repositoryUrls: {
                wordpress: storage.repositories.wordpress.repositoryUrl,
                migration: storage.repositories.migration.repositoryUrl,
            },
            /** The EFS replica, the DR vault and the replica buckets (issue 17's contract); undefined for `bbws:dr: none`. */
            dr: storage.dr && {
                region: drRegion!,
                fileSystemId: storage.dr.fileSystemId,
                backupVaultName: storage.dr.backupVaultName,
                assetsBucketName: storage.dr.replicaBucketNames["tenant-assets"],
                migrationBucketName: storage.dr.replicaBucketNames["migration-artifacts"],
            },
        },
        ecs: {
            clusterName: ecs.clusterName,
            serviceNames: ecs.serviceNames,
            loadBalancerArn: ecs.loadBalancerArn,
            loadBalancerDnsName: ecs.loadBalancerDnsName,
            targetGroupArns: ecs.targetGroupArns,
            /** Each premium tenant's own load balancer, by tenant id: its site is served there, not at `loadBalancerArn`. Undefined where every tenant is basic. */
            tenantLoadBalancerArns: premiumLoadBalancers((lb) => lb.arn),
            /** Each premium tenant's own load balancer's DNS name, by tenant id; undefined where every tenant is basic. */
            tenantLoadBalancerDnsNames: premiumLoadBalancers((lb) => lb.dnsName),
            /** What `npm run task` runs: cluster, private subnets, and each one-off task (issue 15's contract). */
            oneOffTasks: ecs.oneOffTasks,
            /** Each tenant's custom domains: the owner's validation record and target, the certificate, whether served. */
            customDomains: ecs.customDomains,
            /**
             * The standby services and the failover records (issue 17's contract); undefined for `bbws:dr: none`.
             * `desiredCounts` are the primary's: what a switchover scales the standby to.
             */
            dr: ecs.dr && {
                region: drRegion!,
                clusterName: ecs.dr.standby.clusterName,
                serviceNames: ecs.dr.standby.serviceNames,
                desiredCounts: Object.fromEntries(cfg.tenants.map((t) => [t.id, t.minCapacity])),
                loadBalancerArn: ecs.dr.standby.loadBalancerArn,
                loadBalancerDnsName: ecs.dr.standby.loadBalancerDnsName,
                targetGroupArns: ecs.dr.standby.targetGroupArns,
                hostedZoneId: ecs.dr.hostedZoneId,
                recordNames: ecs.dr.standby.recordNames,
                primaryHealthCheckId: ecs.dr.failover.healthCheckId,
            },
        },
        monitoring: {
            alertsTopicArn: monitoring.alertsTopicArn,
            criticalTopicArn: monitoring.criticalTopicArn,
            dashboardName: monitoring.dashboardName,
            alarmNames: monitoring.alarmNames,
            /** Replica lag, EFS replication lag and the primary's health check (issue 17's contract); undefined for `bbws:dr: none`. */
            dr: monitoring.drAlarmNames && { alarmNames: monitoring.drAlarmNames },
        },
    };
}
