/**
 * The platform: the five layers in phase order, each fed only what it consumes from the layers
 * before it. Stack outputs are grouped by phase so the driver and the verification checks can find
 * a phase's resources without knowing the program.
 */
import type { PlatformConfig } from "./config";
import { getPhase } from "./phases";
import { NetworkLayer } from "../components/network";

export function createPlatform(cfg: PlatformConfig) {
    const network = new NetworkLayer(getPhase("network").componentName, {
        env: cfg.env,
        region: cfg.region,
        network: cfg.network,
        tenants: cfg.tenants,
    });

    return {
        network: {
            vpcId: network.vpcId,
            publicSubnetIds: network.publicSubnetIds,
            privateSubnetIds: network.privateSubnetIds,
            isolatedSubnetIds: network.isolatedSubnetIds,
            securityGroupIds: network.securityGroupIds,
            tenantSecurityGroupIds: network.tenantSecurityGroupIds,
        },
    };
}
