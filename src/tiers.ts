/**
 * The isolation tiers, a vocabulary of their own (like src/phases.ts) so the rollout's pure gates can
 * order them without importing the config loader.
 */

/** The isolation tiers, from least to most isolated: see the tenant's `tier` key (src/config.ts). */
export const TENANT_TIERS = ["basic", "premium", "enterprise"] as const;

/** One of `TENANT_TIERS`. */
export type TenantTier = (typeof TENANT_TIERS)[number];

/** What a tier gives a tenant of its own, beside its security group, roles, secrets and service (README "Isolation tiers"). */
export interface TierIsolation {
    /** Its own VPC from the tenant pool, with its own load balancer and EFS file system, peered with the platform's VPC. */
    readonly ownVpc: boolean;
    /** Its own Aurora cluster in its VPC, with its own KMS key, password-rotation function and AWS Backup plan. */
    readonly ownDatabase: boolean;
}

/** Each tier's isolation, as data: the components ask this, never the tier's name. */
export const TIER_ISOLATION: Readonly<Record<TenantTier, TierIsolation>> = {
    basic: { ownVpc: false, ownDatabase: false },
    premium: { ownVpc: true, ownDatabase: false },
    enterprise: { ownVpc: true, ownDatabase: true },
};

/** True for a tier whose tenants get their own VPC (premium, enterprise). */
export function hasOwnVpc(tier: TenantTier): boolean {
    return TIER_ISOLATION[tier].ownVpc;
}

/** True for a tier whose tenants get their own Aurora cluster (enterprise). */
export function hasOwnDatabase(tier: TenantTier): boolean {
    return TIER_ISOLATION[tier].ownDatabase;
}
