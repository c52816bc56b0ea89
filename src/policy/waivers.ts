/**
 * Documented exceptions to the baseline. A waiver excuses one policy for one resource, says why,
 * who owns the risk and until when; every report lists it, and an expired waiver excuses nothing.
 * To request one, see the README's "policy" section.
 */

export interface Waiver {
    /** The rule's name, e.g. `s3-17-kms-encryption`. */
    readonly policy: string;
    /** The resource's full URN (one stack) or its logical name (every stack that has it). */
    readonly resource: string;
    /** Why the control does not fit this resource, and what mitigates the risk. */
    readonly reason: string;
    /** Who accepted the risk (a role or a person). */
    readonly owner: string;
    /** Last day (UTC, `YYYY-MM-DD`) the waiver applies; review it before then. */
    readonly expires: string;
}

export const WAIVERS: readonly Waiver[] = Object.freeze([
    {
        policy: "s3-17-kms-encryption",
        resource: "storage-logs",
        reason:
            "Load balancer access-log delivery writes with SSE-S3 (AES256) only; a KMS default would drop every " +
            "log. The bucket holds logs, not tenant data, is versioned, TLS-only and blocks public access.",
        owner: "tech-lead",
        expires: "2027-05-31",
    },
    {
        policy: "s3-17-kms-encryption",
        resource: "storage-dr-logs-dr",
        reason:
            "The standby region's access-log bucket (issue 17): load balancer log delivery writes with SSE-S3 (AES256) only, " +
            "as for storage-logs. It holds logs, not tenant data, is versioned, TLS-only and blocks public access.",
        owner: "tech-lead",
        expires: "2027-05-31",
    },
    {
        policy: "rds-7-cluster-deletion-protection",
        resource: "urn:pulumi:dev::bbws-platform::bbws:data:DataLayer$aws:rds/cluster:Cluster::data-aurora",
        reason:
            "dev is torn down and rebuilt from the program and holds only sample tenants; deletion protection " +
            "would block that teardown. sit and prod keep deletion protection (config refuses it off where state is protected).",
        owner: "tech-lead",
        expires: "2027-05-31",
    },
]);

/** Whether `waiver` excuses `policy` on the resource `urn`/`name` on `today` (`YYYY-MM-DD`). */
export function waives(waiver: Waiver, policy: string, urn: string, name: string, today: string): boolean {
    return waiver.policy === policy && (waiver.resource === urn || waiver.resource === name) && !isExpired(waiver, today);
}

/** Whether `today` (UTC `YYYY-MM-DD`) is after the waiver's last day; the expiry day itself still counts. */
export function isExpired(waiver: Waiver, today: string): boolean {
    return waiver.expires < today;
}

/** Today in UTC as `YYYY-MM-DD`, the form `expires` is compared in. */
export function utcToday(now: Date = new Date()): string {
    return now.toISOString().slice(0, 10);
}
