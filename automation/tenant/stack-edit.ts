/**
 * Edits of a stack file's tenants with the `yaml` library's Document API, which keeps comments, key
 * order, quoting and flow style: everything but the tenant's own lines stays byte for byte as written.
 * Each edit is refused unless the untouched document prints back exactly as read, so a file the
 * library would reformat is never rewritten. The result is text; `writeStackFile` validates it with the
 * config loader and writes it atomically.
 */
import { Document, isMap, isSeq, parseDocument, Scalar, YAMLMap, YAMLSeq } from "yaml";
import type { TenantTier } from "../../src/tiers";
import { UsageError } from "../errors";

/** How the stack files are printed: no padding inside `[a, b]`, no folding of long lines. */
const PRINT = { flowCollectionPadding: false, lineWidth: 0 } as const;

const TENANTS = ["config", "bbws:tenants"];
const RETIRED = ["config", "bbws:retiredTenants"];

/** The settings `npm run tenant -- add` writes for a new tenant. */
export interface NewTenant {
    readonly id: string;
    readonly slot: number;
    /** Fargate cpu units. */
    readonly cpu: number;
    /** MiB. */
    readonly memory: number;
    /**
     * Custom hostnames as `--domain` takes them: `name` (the owner's zone: written as a plain string, its
     * certificate pending) or `name@<hosted zone id>` (our Route 53 zone: written `{ name, hostedZoneId }`).
     * Omitted from the file when empty.
     */
    readonly domains: readonly string[];
    /** Its isolation tier (`--tier`; absent: `basic`): written as `tier:` unless `basic`, the schema's default, as `setTenantTier` writes it. */
    readonly tier?: TenantTier;
}

/** A `--domain` value as its stack-file entry: `name`, or `{ name, hostedZoneId }` for `name@<zone id>`. */
export function domainEntry(domain: string): string | { name: string; hostedZoneId: string } {
    const at = domain.indexOf("@");
    return at < 0 ? domain : { name: domain.slice(0, at), hostedZoneId: domain.slice(at + 1) };
}

/** Appends `tenant` to `bbws:tenants` (its `tier` too, unless basic), stopped (`stopped: true`): onboarding starts it once its database user exists. */
export function addTenant(text: string, tenant: NewTenant): string {
    return edit(text, (doc) => {
        const tenants = seqAt(doc, TENANTS);
        const entry: Record<string, unknown> = { id: tenant.id, slot: tenant.slot, cpu: tenant.cpu, memory: tenant.memory };
        if (tenant.domains.length > 0) entry.domains = tenant.domains.map(domainEntry);
        if (tenant.tier !== undefined && tenant.tier !== "basic") entry.tier = tenant.tier;
        entry.stopped = true;
        tenants.items.push(doc.createNode(entry));
    });
}

/**
 * Removes `stopped` (and `offboarding`, which the loader accepts only with it) from the tenant's entry,
 * so its service runs at its normal capacity. A no-op when it has neither.
 */
export function startTenant(text: string, id: string): string {
    return edit(text, (doc) => {
        const entry = tenantEntry(doc, id);
        entry.delete("stopped");
        entry.delete("offboarding");
    });
}

/**
 * Sets `stopped: true` on the tenant's entry, so its service runs no task (offboarding and a tier
 * migration stop writes before their archive), and with `offboarding` also `offboarding: true`: the
 * tenant is being removed, so its own load balancer may drop its deletion protection (src/config.ts).
 */
export function stopTenant(text: string, id: string, offboarding = false): string {
    return edit(text, (doc) => {
        const entry = tenantEntry(doc, id);
        if (entry.get("stopped") !== true) entry.set("stopped", true);
        if (offboarding && entry.get("offboarding") !== true) entry.set("offboarding", true);
    });
}

/**
 * Sets the tenant's isolation `tier` (src/config.ts): a tier migration's edit, rolled out with
 * `--migrate-tier` (automation/gates.ts `tierGate`). `basic`, the schema's default, is written as no key.
 */
export function setTenantTier(text: string, id: string, tier: TenantTier): string {
    return edit(text, (doc) => {
        const entry = tenantEntry(doc, id);
        if (tier === "basic") entry.delete("tier");
        else if (entry.get("tier") !== tier) entry.set("tier", tier);
    });
}

/**
 * Removes the tenant from `bbws:tenants` and appends `{ id, slot, date }` to `bbws:retiredTenants`
 * (created at the end of `config` when absent) in one edit, so its slot is never free in between.
 */
export function retireTenant(text: string, id: string, date: string): string {
    return edit(text, (doc) => {
        const tenants = seqAt(doc, TENANTS);
        const index = tenants.items.findIndex((item) => isMap(item) && item.get("id") === id);
        if (index < 0) throw notATenant(id);
        const slot = (tenants.items[index] as YAMLMap).get("slot");
        tenants.items.splice(index, 1);
        // Quoted so that every YAML reader takes it as text: YAML 1.1 (the timestamp type) reads a bare date as a time.
        const retired = doc.createNode({ id, slot, date: Object.assign(new Scalar(date), { type: Scalar.QUOTE_DOUBLE }) });
        if (doc.hasIn(RETIRED)) seqAt(doc, RETIRED).items.push(retired);
        else doc.setIn(RETIRED, doc.createNode([retired]));
    });
}

/** The ids in `bbws:tenants` of the text, in order (for messages and no-op checks). */
export function tenantIds(text: string): string[] {
    const doc = parseDocument(text);
    const tenants = doc.getIn(TENANTS, true);
    return isSeq(tenants) ? tenants.items.filter(isMap).map((t) => String(t.get("id"))) : [];
}

/**
 * Applies `change` to the parsed document and prints it back; refuses (`UsageError`) text that is not
 * YAML or that the library would print differently untouched, so only the changed lines differ.
 */
export function edit(text: string, change: (doc: Document) => void): string {
    const doc = parseDocument(text);
    if (doc.errors.length > 0) throw new UsageError("invalid-config", `the stack file is not valid YAML: ${doc.errors[0].message}`);
    if (doc.toString(PRINT) !== text) {
        throw new UsageError(
            "unsupported-formatting",
            "the stack file uses formatting the YAML library would rewrite, so editing it could change lines other than the tenant's",
            "format it as the library prints it (block style, no padding inside [ ]), or make the change by hand",
        );
    }
    change(doc);
    return doc.toString(PRINT);
}

function seqAt(doc: Document, keys: string[]): YAMLSeq {
    const node = doc.getIn(keys, true);
    if (!isSeq(node)) throw new UsageError("invalid-config", `${keys.join(".")} is not a list in the stack file`);
    return node;
}

function tenantEntry(doc: Document, id: string): YAMLMap {
    const entry = seqAt(doc, TENANTS).items.find((item) => isMap(item) && item.get("id") === id);
    if (!isMap(entry)) throw notATenant(id);
    return entry;
}

function notATenant(id: string): UsageError {
    return new UsageError("unknown-tenant", `'${id}' is not in bbws:tenants`, "check the id with the stack file");
}
