/**
 * The isolation tiers, a vocabulary of their own (like src/phases.ts) so the rollout's pure gates can
 * order them without importing the config loader.
 */

/** The isolation tiers, from least to most isolated: see the tenant's `tier` key (src/config.ts). */
export const TENANT_TIERS = ["basic", "premium", "enterprise"] as const;

/** One of `TENANT_TIERS`. */
export type TenantTier = (typeof TENANT_TIERS)[number];
