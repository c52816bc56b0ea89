/**
 * The data layer under mocks, as its tests build it: the stack file's settings, one isolated subnet per AZ the
 * config spans, fixed security group, VPC and private subnet ids.
 */
import { DataLayer } from "../../components/data";
import type { PlatformConfig } from "../../src/config";
import { construct } from "../support/pulumi";
import { recordOptions, RecordedOptions } from "../support/options";

/** The isolated subnets the layer is given, the first `network.azCount` of them. */
export const ISOLATED = ["subnet-c0aaaaaaaaaaaaaaa", "subnet-c1bbbbbbbbbbbbbbb", "subnet-c2ccccccccccccccc"];

/** `cfg`'s data layer under mocks: the layer, its resources and their recorded options. */
export async function buildData(cfg: PlatformConfig) {
    let options = new Map<string, RecordedOptions>();
    const { result, resources } = await construct(cfg, () => {
        options = recordOptions();
        return new DataLayer("data", {
            env: cfg.env,
            accountId: cfg.accountId,
            region: cfg.region,
            database: cfg.database,
            cache: cfg.cache,
            protection: cfg.protection,
            tenants: cfg.tenants,
            isolatedSubnetIds: ISOLATED.slice(0, cfg.network.azCount),
            azCount: cfg.network.azCount,
            databaseSecurityGroupId: "sg-0database000000000",
            cacheSecurityGroupId: "sg-0cache00000000000",
            vpcId: "vpc-0aaaaaaaaaaaaaaaa",
            privateSubnetIds: ["subnet-b0aaaaaaaaaaaaaaa", "subnet-b1bbbbbbbbbbbbbbb"],
        });
    });
    return { layer: result, resources, options };
}
