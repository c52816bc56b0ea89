/** The tag of a tenant's own resource being removed with its tenant (src/config.ts `OFFBOARDING_TAG`, the same key). */
export const OFFBOARDING_TAG = "Offboarding";

/**
 * True for a tenant's own resource (tagged with its `Tenant`) tagged `Offboarding: true`: its tenant is
 * being removed by `npm run tenant -- remove`, which deletes it, and AWS refuses to delete a protected
 * load balancer ("Delete an Application Load Balancer", ELB user guide) or Aurora cluster ("Deletion
 * protection for Aurora clusters", Aurora user guide). A shared resource has no `Tenant` tag, so the
 * tag alone never exempts it.
 */
export function isOffboardingTenantResource(inputs: { tags?: Record<string, unknown> }): boolean {
    return inputs.tags?.[OFFBOARDING_TAG] === "true" && inputs.tags?.Tenant !== undefined;
}
