/**
 * What the ECS layer's tests hand it in place of the network, data and storage layers: values shaped
 * like the real ones, different per environment where the real ones are.
 */
import type { EcsLayerArgs } from "../../components/ecs";
import { EcsLayer } from "../../components/ecs";
import { REPOSITORIES, repositoryUrl } from "../../src/images";
import type { PlatformConfig } from "../../src/config";

/** What the network, data and storage layers would hand over, shaped like the real values. */
export function upstreamFor(
    cfg: PlatformConfig,
): Omit<EcsLayerArgs, "env" | "region" | "accountId" | "domain" | "ecs" | "tenants" | "protection"> {
    const arn = (service: string, resource: string) => `arn:aws:${service}:${cfg.region}:${cfg.accountId}:${resource}`;
    const byTenant = <V>(f: (id: string, i: number) => V) => Object.fromEntries(cfg.tenants.map((t, i) => [t.id, f(t.id, i)]));
    return {
        tenantVpcs: {},
        vpcId: "vpc-0a1b2c3d4e5f60718",
        publicSubnetIds: ["subnet-0a0000000000000a1", "subnet-0a0000000000000a2"],
        privateSubnetIds: ["subnet-0b0000000000000b1", "subnet-0b0000000000000b2"],
        loadBalancerSecurityGroupId: "sg-0a1a1a1a1a1a1a1a1",
        tenantSecurityGroupIds: byTenant((_, i) => `sg-0c${String(i).padStart(15, "0")}`),
        platformTaskSecurityGroupId: "sg-0d1d1d1d1d1d1d1d1",
        keyArn: arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab"),
        dbWriterEndpoint: `bbws-aurora-${cfg.env}.cluster-c9akciq32.${cfg.region}.rds.amazonaws.com`,
        dbPort: 3306,
        masterSecretArn: arn("secretsmanager", "secret:rds!cluster-0a1b2c3d-4e5f-6789-abcd-ef0123456789-QwErTy"),
        redisPrimaryEndpoint: `master.bbws-redis-${cfg.env}.abc123.euw1.cache.amazonaws.com`,
        platformCache: {
            username: `bbws-platform-${cfg.env}`,
            secretArn: arn("secretsmanager", `secret:bbws/${cfg.env}/redis/platform-AbCdEf`),
        },
        dbRotationDays: cfg.database.rotationDays,
        tenantDbSecrets: byTenant((id) => ({
            arn: arn("secretsmanager", `secret:bbws/${cfg.env}/tenants/${id}/db-Xy12Zw`),
            username: `wp_${id}`,
            database: `wp_${id}`,
            cache: {
                username: `bbws-t-${id}-${cfg.env}`,
                secretArn: arn("secretsmanager", `secret:bbws/${cfg.env}/tenants/${id}/cache-Pq34Rs`),
            },
        })),
        fileSystemId: "fs-0123456789abcdef0",
        accessPoints: byTenant((id, i) => ({
            id: `fsap-0${id.length}${String(i).padStart(15, "0")}`,
            arn: arn("elasticfilesystem", `access-point/fsap-0${id.length}${String(i).padStart(15, "0")}`),
        })),
        assetsBucket: { name: `bbws-tenant-assets-${cfg.env}`, arn: `arn:aws:s3:::bbws-tenant-assets-${cfg.env}` },
        migrationBucket: { name: `bbws-migration-artifacts-${cfg.env}`, arn: `arn:aws:s3:::bbws-migration-artifacts-${cfg.env}` },
        logsBucketName: `bbws-logs-${cfg.env}`,
        registry: {
            wordpress: {
                repositoryUrl: repositoryUrl(cfg.accountId, cfg.region, REPOSITORIES.wordpress),
                arn: arn("ecr", `repository/${REPOSITORIES.wordpress}`),
            },
            migration: {
                repositoryUrl: repositoryUrl(cfg.accountId, cfg.region, REPOSITORIES.migration),
                arn: arn("ecr", `repository/${REPOSITORIES.migration}`),
            },
        },
    };
}

/** The layer for `cfg` on {@link upstreamFor}'s values, with `overrides` of any argument. */
export function buildEcs(cfg: PlatformConfig, overrides: Partial<EcsLayerArgs> = {}): EcsLayer {
    return new EcsLayer("ecs", {
        env: cfg.env,
        region: cfg.region,
        accountId: cfg.accountId,
        domain: cfg.domain,
        ecs: cfg.ecs,
        tenants: cfg.tenants,
        protection: cfg.protection,
        ...upstreamFor(cfg),
        ...overrides,
    });
}
