/**
 * fast-check arbitraries for what the loader accepts of a VPC: shared by the subnet-layout and the
 * tenant-VPC properties (test/components/subnets.test.ts, tenant-vpc.test.ts).
 */
import * as fc from "fast-check";
import { formatCidr } from "../../src/config";

/** Every VPC range `network.vpcCidr` accepts (src/config.ts isPrivateVpcCidr): RFC 1918, /16 to /20, aligned. */
export const acceptedVpcCidr = fc
    .tuple(
        fc.constantFrom(
            { base: 10 * 2 ** 24, prefix: 8 },
            { base: (172 * 256 + 16) * 2 ** 16, prefix: 12 },
            { base: (192 * 256 + 168) * 2 ** 16, prefix: 16 },
        ),
        fc.integer({ min: 16, max: 20 }),
        fc.nat(),
    )
    .map(([range, prefix, n]) => {
        const blocks = 2 ** (prefix - range.prefix);
        return formatCidr(range.base + (n % blocks) * 2 ** (32 - prefix), prefix);
    });

/** Every `network.azCount` the loader accepts: 2 or 3. */
export const acceptedAzCount = fc.integer({ min: 2, max: 3 });
