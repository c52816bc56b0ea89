/**
 * Drift: what `pulumi refresh --preview-only` found changed outside Pulumi, as a report per
 * environment. Pure functions only: engine events in, a report out, the report rendered as a table,
 * Markdown or JSON. The CLI (drift-cli.ts) runs the engine.
 *
 * The engine reports a refresh step twice: a `resourcePreEvent` with op `refresh` before it reads the
 * resource, then a `resOutputsEvent` whose op is the result (`same`, `update`, `delete`) with the
 * recorded state as `old`, the real one as `new`, and — on current CLIs — the differing property paths
 * in `detailedDiff`. Both kinds are read here; the later event for a URN wins.
 */
import { PHASES, PhaseName } from "../src/phases";
import type { StepEventMetadata } from "@pulumi/pulumi/automation";
import type { EngineEvent, OpType } from "./engine";
import type { SummaryFormat } from "./plan-summary";
import { renderMarkdownTable, renderTable } from "./table";
import { belongsTo, parseUrn } from "./targets";

export type DriftFormat = SummaryFormat;

/** One property whose recorded value differs from the real one. */
export interface DriftedProperty {
    /** Property path as the engine writes it, e.g. `tags.Owner`, `ingress[0].cidrBlocks`. */
    readonly path: string;
    /** The engine's diff kind: `update`, `add` (only in the cloud), `delete` (only in the state)… */
    readonly kind: string;
    /** Value in the stack's state; `[secret]` when secret; undefined when absent. */
    readonly old?: unknown;
    /** Value read from the cloud; `[secret]` when secret; undefined when absent. */
    readonly new?: unknown;
}

export interface DriftedResource {
    readonly urn: string;
    /** The layer the resource lives under, or `stack` for the root stack and providers. */
    readonly phase: PhaseName | "stack";
    readonly type: string;
    readonly name: string;
    /** `update`: changed outside Pulumi; `delete`: no longer exists. */
    readonly op: OpType;
    /** Empty for a deleted resource. */
    readonly properties: readonly DriftedProperty[];
}

/** Something an `--ignore` pattern hid from the report. */
export interface HiddenDrift {
    readonly pattern: string;
    readonly urn: string;
    /** The hidden property; absent when the whole resource was hidden. */
    readonly path?: string;
}

export interface DriftReport {
    readonly env: string;
    /** Resources the refresh read. */
    readonly checked: number;
    readonly drifted: readonly DriftedResource[];
    readonly hidden: readonly HiddenDrift[];
}

/** An environment whose check could not run. */
export interface DriftFailure {
    readonly env: string;
    readonly message: string;
}

/** Ops a refresh step reports for a resource that matches its state, or before it has read it. */
const NOT_DRIFT: ReadonlySet<OpType> = new Set<OpType>(["same", "refresh", "read"]);

/**
 * Property paths that hold credentials: masked even when the engine did not mark the value secret
 * (a provider that forgets `Secret` on an output would otherwise print it in a public issue).
 */
const SECRET_PATH = /password|passwd|passphrase|secret|token|private_?key|credential/i;
export const MASK = "[secret]";

/** The report for one environment from the events of its refresh preview. */
export function driftReport(env: string, events: readonly EngineEvent[], ignore: readonly string[] = []): DriftReport {
    const latest = new Map<string, StepEventMetadata>();
    for (const event of events) {
        const metadata = (event.resourcePreEvent ?? event.resOutputsEvent)?.metadata;
        if (metadata) latest.set(metadata.urn, metadata);
    }
    const drifted: DriftedResource[] = [];
    const hidden: HiddenDrift[] = [];
    for (const m of latest.values()) {
        // Some engines leave the op at `refresh` and only send the diff: a diff is drift all the same.
        const op: OpType = m.op === "refresh" && (m.diffs?.length || Object.keys(m.detailedDiff ?? {}).length) ? "update" : m.op;
        if (NOT_DRIFT.has(op)) continue;
        const resource: DriftedResource = {
            urn: m.urn,
            type: m.type,
            name: parseUrn(m.urn).name,
            op,
            phase: PHASES.find((p) => belongsTo(p, m.urn))?.name ?? "stack",
            properties: op === "delete" ? [] : driftedProperties(m),
        };
        const kept = applyIgnore(resource, ignore, hidden);
        if (kept) drifted.push(kept);
    }
    const phaseOrder = (r: DriftedResource) => PHASES.findIndex((p) => p.name === r.phase);
    drifted.sort((a, b) => phaseOrder(a) - phaseOrder(b) || a.urn.localeCompare(b.urn));
    return { env, checked: latest.size, drifted, hidden };
}

type StateSide = "inputs" | "outputs";

function driftedProperties(m: StepEventMetadata): DriftedProperty[] {
    const diffs: Array<{ path: string; kind: string; side: StateSide }> = m.detailedDiff
        ? Object.entries(m.detailedDiff).map(([path, d]) => ({ path, kind: d.diffKind, side: d.inputDiff ? "inputs" : "outputs" }))
        : (m.diffs?.length ? m.diffs : changedKeys(m.old?.outputs, m.new?.outputs)).map((path) => ({
              path,
              kind: "update",
              side: "outputs",
          }));
    return diffs
        .map(({ path, kind, side }) => {
            // The engine may diff inputs or outputs; read the other side when the named one lacks the property.
            const other: StateSide = side === "inputs" ? "outputs" : "inputs";
            const read = (s: StateSide) => [valueAt(m.old?.[s], path), valueAt(m.new?.[s], path)];
            const [oldValue, newValue] = read(side).every((v) => v === undefined) ? read(other) : read(side);
            return { path, kind, old: mask(path, oldValue), new: mask(path, newValue) };
        })
        .sort((a, b) => a.path.localeCompare(b.path));
}

/** Top-level keys whose values differ: what older CLIs leave us when they send no diff. */
function changedKeys(old: Record<string, unknown> = {}, now: Record<string, unknown> = {}): string[] {
    return [...new Set([...Object.keys(old), ...Object.keys(now)])].filter((k) => JSON.stringify(old[k]) !== JSON.stringify(now[k]));
}

/** The value at a property path: `a.b[0].c`, `tags["aws:cloudformation:stack-name"]`. */
export function valueAt(root: unknown, path: string): unknown {
    let value: unknown = root;
    for (const [, dotted, quoted, index] of path.matchAll(/\.?([^.[\]"]+)|\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]/g)) {
        if (value === null || typeof value !== "object") return undefined;
        const key = index ?? (quoted !== undefined ? JSON.parse(`"${quoted}"`) : dotted);
        value = (value as Record<string, unknown>)[key];
    }
    return value;
}

/** Masks the whole value when its path names a credential, and any such key inside it. */
export function mask(path: string, value: unknown): unknown {
    if (value === undefined || value === MASK) return value;
    if (SECRET_PATH.test(path)) return MASK;
    if (Array.isArray(value)) return value.map((v, i) => mask(`${path}[${i}]`, v));
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(`${path}.${k}`, v)]));
    }
    return value;
}

/**
 * `--ignore` patterns. `RESOURCE` hides whole resources; `RESOURCE#PROPERTY` hides only matching
 * properties (the resource too when none is left). RESOURCE is matched against the URN, the type
 * token and the logical name; `*` matches any run of characters, `?` one.
 */
function applyIgnore(resource: DriftedResource, patterns: readonly string[], hidden: HiddenDrift[]): DriftedResource | undefined {
    let properties = resource.properties;
    for (const pattern of patterns) {
        const [resourcePart, propertyPart] = pattern.split("#", 2);
        const matches = glob(resourcePart);
        if (![resource.urn, resource.type, resource.name].some((s) => matches.test(s))) continue;
        if (propertyPart === undefined) {
            hidden.push({ pattern, urn: resource.urn });
            return undefined;
        }
        const matchesProperty = glob(propertyPart);
        for (const p of properties.filter((p) => matchesProperty.test(p.path))) hidden.push({ pattern, urn: resource.urn, path: p.path });
        properties = properties.filter((p) => !matchesProperty.test(p.path));
        // A deleted resource has no properties to hide: only a whole-resource pattern hides it.
        if (properties.length === 0 && resource.op !== "delete") return undefined;
    }
    return { ...resource, properties };
}

function glob(pattern: string): RegExp {
    const body = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${body}$`);
}

/** Renders the reports (one per environment) and the environments that could not be checked. */
export function renderDrift(reports: readonly DriftReport[], failures: readonly DriftFailure[], format: DriftFormat): string {
    if (format === "json") return JSON.stringify({ reports, failures }, null, 2);
    const markdown = format === "markdown";
    const sections = reports.map((r) => {
        const rows = r.drifted.flatMap((d) =>
            (d.properties.length ? d.properties : [undefined]).map((p, i) => [
                i === 0 ? d.phase : "",
                i === 0 ? d.type : "",
                i === 0 ? d.name : "",
                p ? p.path : "(deleted outside Pulumi)",
                p ? `${show(p.old, markdown)} → ${show(p.new, markdown)}` : "",
            ]),
        );
        const hiddenRows = r.hidden.map((h) => [h.pattern, parseUrn(h.urn).name, h.path ?? "(whole resource)"]);
        const title =
            `${r.env}: ${r.drifted.length ? `${r.drifted.length} drifted resource${r.drifted.length === 1 ? "" : "s"}` : "no drift"}` +
            ` (${r.checked} checked${r.hidden.length ? `, ${r.hidden.length} hidden by --ignore` : ""})`;
        const table = markdown ? renderMarkdownTable : renderTable;
        return [
            markdown ? `### ${title}` : title,
            ...(rows.length ? ["", table(["phase", "type", "name", "property", "state → cloud"], rows)] : []),
            ...(hiddenRows.length
                ? [
                      "",
                      markdown ? "Hidden by `--ignore`:" : "hidden by --ignore:",
                      "",
                      table(["pattern", "resource", "property"], hiddenRows),
                  ]
                : []),
        ].join("\n");
    });
    const failed = failures.map((f) => `${f.env}: not checked: ${f.message}`);
    return [...sections, ...failed].join("\n\n");
}

function show(value: unknown, markdown: boolean): string {
    if (value === undefined) return "(absent)";
    const text = typeof value === "string" ? value : JSON.stringify(value);
    const short = text.length > 80 ? `${text.slice(0, 77)}...` : text;
    return markdown ? `\`${short.replace(/`/g, "'")}\`` : short;
}
