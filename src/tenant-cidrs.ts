/**
 * The pool premium and enterprise tenants' own VPCs take their ranges from (README "Scale: hundreds
 * of tenants", "The tenant VPC pool"). A tenant's range is a function of its permanent slot alone, so
 * it never changes when other tenants are added or removed, and no two slots share an address.
 */

/** First address of the pool, `10.64.0.0`: above every environment's VPC (`10.10/16`…`10.31/16`). */
export const TENANT_VPC_POOL_START = "10.64.0.0";
/** Last address of the pool, `10.255.255.255`: the end of RFC 1918's `10.0.0.0/8`. */
export const TENANT_VPC_POOL_END = "10.255.255.255";
/** Prefix length of each tenant VPC: a /22, 1,024 addresses (enough for `subnetCidrs` over two or three AZs). */
export const TENANT_VPC_PREFIX = 22;
/** Slots the pool holds: (2^32 addresses in 10.64.0.0–10.255.255.255, i.e. 192 × 65,536) / 1,024 = 12,288. */
export const TENANT_VPC_POOL_SLOTS = (192 * 65_536) / 2 ** (32 - TENANT_VPC_PREFIX);

/**
 * The IPv4 CIDR of the own VPC of the tenant in `slot` (1-based): `10.64.0.0/22` for slot 1, then one
 * /22 further per slot (slot 9999, the schema's last, is `10.220.56.0/22`). Throws `RangeError` for a
 * slot that is not an integer from 1 to `TENANT_VPC_POOL_SLOTS`.
 */
export function tenantVpcCidr(slot: number): string {
    if (!Number.isInteger(slot) || slot < 1 || slot > TENANT_VPC_POOL_SLOTS) {
        throw new RangeError(`slot ${slot}: the tenant VPC pool holds slots 1 to ${TENANT_VPC_POOL_SLOTS}`);
    }
    const offset = (slot - 1) * 2 ** (32 - TENANT_VPC_PREFIX);
    return `10.${64 + Math.floor(offset / 65_536)}.${Math.floor(offset / 256) % 256}.0/${TENANT_VPC_PREFIX}`;
}
