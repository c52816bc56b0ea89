/**
 * The storage layer under mocks on faked upstream values (the network and data layers' outputs shaped
 * like the real ones), shared by test/components/storage.test.ts and premium-storage.test.ts.
 */
import { StorageLayer } from "../../components/storage";
import type { TenantVpcOutputs } from "../../components/tenant-vpc";
import type { PlatformConfig } from "../../src/config";
import { recordOptions, RecordedOptions } from "../support/options";
import { construct } from "../support/pulumi";

/** The platform VPC's private subnets, one per AZ: the shared file system's mount targets. */
export const SHARED_PRIVATE = ["subnet-b0aaaaaaaaaaaaaaa", "subnet-b1bbbbbbbbbbbbbbb", "subnet-b2ccccccccccccccc"];
/** The platform's file-system group. */
export const SHARED_EFS_GROUP = "sg-0efs0000000000000";

/** The data layer's key and cluster ARNs for `cfg`'s account and region. */
export function fakeInputs(cfg: PlatformConfig) {
    return {
        keyArn: `arn:aws:kms:${cfg.region}:${cfg.accountId}:key/11111111-2222-3333-4444-555555555555`,
        clusterArn: `arn:aws:rds:${cfg.region}:${cfg.accountId}:cluster:bbws-aurora-${cfg.env}`,
    };
}

/** The storage layer for `cfg`, with `tenantVpcs` (default none), its registrations and each resource's options. */
export async function buildStorage(cfg: PlatformConfig, tenantVpcs: Readonly<Record<string, TenantVpcOutputs>> = {}) {
    const fake = fakeInputs(cfg);
    let options = new Map<string, RecordedOptions>();
    const { result, resources } = await construct(cfg, () => {
        options = recordOptions();
        return new StorageLayer("storage", {
            env: cfg.env,
            accountId: cfg.accountId,
            storage: cfg.storage,
            protection: cfg.protection,
            tenants: cfg.tenants,
            tenantVpcs,
            keyArn: fake.keyArn,
            privateSubnetIds: SHARED_PRIVATE.slice(0, cfg.network.azCount),
            azCount: cfg.network.azCount,
            fileSystemSecurityGroupId: SHARED_EFS_GROUP,
            databaseClusterArn: fake.clusterArn,
        });
    });
    return { layer: result, resources, options };
}
