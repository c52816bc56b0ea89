/**
 * fast-check arbitraries for `bbws:tenants[].domains` entries across the range the schema accepts:
 * plain hostnames and objects, in our zone or the owner's, pending or issued, up to the 64-character
 * limit. Shared by the tenant-domains tests and the accepted-configs property.
 */
import * as fc from "fast-check";
import { MAX_CUSTOM_DOMAIN_LENGTH } from "../../src/config";

/** A DNS label as the schema's hostname takes it (1–63 characters, no leading or trailing hyphen). */
const dnsLabel = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
/** A lowercase hostname of 1–4 labels under a letters-only TLD, at most {@link MAX_CUSTOM_DOMAIN_LENGTH} characters. */
export const domainName = fc
    .tuple(fc.array(dnsLabel, { minLength: 1, maxLength: 4 }), fc.stringMatching(/^[a-z]{2,6}$/))
    .map(([labels, tld]) => `${labels.join(".")}.${tld}`)
    .filter((h) => h.length >= 4 && h.length <= MAX_CUSTOM_DOMAIN_LENGTH);
export const hostedZoneId = fc.stringMatching(/^Z[A-Z0-9]{10,20}$/);
/** One `domains` entry in any of the shapes the schema accepts. */
export const domainEntry = fc.oneof(
    domainName,
    fc.record({ name: domainName, hostedZoneId }),
    fc.record({ name: domainName, certificate: fc.constantFrom("pending", "issued") }, { requiredKeys: ["name"] }),
);
/** At most two entries with distinct names (config refuses a duplicate domain). */
export const domainEntries = fc.uniqueArray(domainEntry, {
    maxLength: 2,
    selector: (e) => (typeof e === "string" ? e : e.name),
});
