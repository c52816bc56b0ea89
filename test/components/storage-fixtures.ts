/**
 * The storage layer under mocks on faked upstream values (the network and data layers' outputs shaped
 * like the real ones), shared by test/components/storage.test.ts and premium-storage.test.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { StorageLayer } from "../../components/storage";
import type { TenantDataRef } from "../../components/tenant-storage";
import type { TenantVpcOutputs } from "../../components/tenant-vpc";
import type { PlatformConfig } from "../../src/config";
import { tenantVpcCidr } from "../../src/tenant-cidrs";
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

/** The storage layer for `cfg`, with `tenantVpcs` and `tenantClusters` (default none), its registrations and each resource's options. */
export async function buildStorage(
    cfg: PlatformConfig,
    tenantVpcs: Readonly<Record<string, TenantVpcOutputs>> = {},
    tenantClusters?: Readonly<Record<string, TenantDataRef>>,
) {
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
            tenantClusters,
        });
    });
    return { layer: result, resources, options };
}

/** A tenant VPC as the network layer hands it over: ids unique to the tenant, subnets one per AZ. */
export function fakeVpc(id: string, slot: number, azCount: number): TenantVpcOutputs {
    const ids = (prefix: string) => Array.from({ length: azCount }, (_, i) => `${prefix}-${id}-${i}`);
    return {
        vpcId: pulumi.output(`vpc-${id}`),
        cidrBlock: tenantVpcCidr(slot),
        publicSubnetIds: pulumi.output(ids("subnet-public")),
        privateSubnetIds: pulumi.output(ids("subnet-private")),
        isolatedSubnetIds: pulumi.output(ids("subnet-isolated")),
        loadBalancerSecurityGroupId: pulumi.output(`sg-alb-${id}`),
        fileSystemSecurityGroupId: pulumi.output(`sg-efs-${id}`),
    };
}

/** Awaits `run` and expects it to have failed with `message`. */
export async function expectRejected(run: Promise<unknown>, message: RegExp): Promise<void> {
    const error = await run.then(
        () => undefined,
        (e: unknown) => e,
    );
    expect(String(error)).to.match(message);
}

/** AWS Backup's `*` in a selection's resource ARN: "zero or more non-whitespace characters" (AWS Backup developer guide, "Assign resources with AWS CLI"). */
export function backupArnMatches(pattern: string, arn: string): boolean {
    const escaped = pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    return new RegExp(`^${escaped.join("\\S*")}$`).test(arn);
}
