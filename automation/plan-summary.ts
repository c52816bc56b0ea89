/**
 * What a phase's preview would do, for the reviewer: counts per operation, then each resource with
 * its operation and the properties that change, then the gates' verdicts. Printed as a plain table
 * at the terminal, as Markdown for a pull request, or as JSON for tools.
 */
import type { PhaseName } from "../src/phases";
import type { OpMap, OpType } from "./engine";
import type { GateResult } from "./gates";
import { PlanStep, REPLACEMENT_OPS } from "./plan-steps";
import { renderMarkdownTable, renderTable } from "./table";
import { parseUrn } from "./targets";

export type SummaryFormat = "table" | "markdown" | "json";
export const SUMMARY_FORMATS: readonly SummaryFormat[] = ["table", "markdown", "json"];

export interface PhaseSummary {
    readonly env: string;
    readonly phase: PhaseName;
    /** A tenant's rollout (`--tenant`): the plan covers only that tenant's part of the phase. */
    readonly tenant?: string;
    /** sha256 of the saved plan. */
    readonly planHash: string;
    /** The engine's own counts (`changeSummary`). */
    readonly counts: OpMap;
    readonly steps: readonly PlanStep[];
    readonly gates: readonly GateResult[];
    /** A preview-only run: each gate's verdict is what a rollout now would meet, and nothing is refused. */
    readonly previewOnly?: boolean;
}

/** In a preview-only run, what a failing gate would do to a rollout of this commit now (its first finding; the rest are beside it). */
export function wouldRefuse(gate: GateResult): string | undefined {
    if (gate.verdict.status !== "fail") return undefined;
    const [first, ...rest] = gate.verdict.findings;
    return `would refuse: ${gate.gate} because ${first}${rest.length ? ` (and ${rest.length} more)` : ""}`;
}

/** One row per changed resource: a replacement's three steps read as one `replace`. */
export function changedResources(
    steps: readonly PlanStep[],
): Array<{ name: string; type: string; op: string; properties: string[]; urn: string }> {
    const byUrn = new Map<string, { name: string; type: string; op: string; properties: string[]; urn: string }>();
    for (const step of steps) {
        if (step.op === "same" || step.op === "read") continue;
        const op = REPLACEMENT_OPS.has(step.op) ? "replace" : step.op;
        const row = byUrn.get(step.urn) ?? { name: parseUrn(step.urn).name, type: step.type, op, properties: [], urn: step.urn };
        const replaces = new Set(step.replaceKeys);
        row.properties = [
            ...new Set([
                ...row.properties,
                ...step.replaceKeys.map((k) => `${k} (replaces)`),
                ...step.diffs.filter((d) => !replaces.has(d)),
            ]),
        ];
        byUrn.set(step.urn, row);
    }
    return [...byUrn.values()];
}

/** Steps per operation, a replacement counted once as `replace`, as the engine's `changeSummary` counts them. */
export function countsOf(steps: readonly PlanStep[]): OpMap {
    const counts: OpMap = {};
    const add = (op: OpType) => {
        counts[op] = (counts[op] ?? 0) + 1;
    };
    steps.filter((s) => s.op === "same" || s.op === "read").forEach((s) => add(s.op));
    changedResources(steps).forEach((r) => add(r.op as OpType));
    return counts;
}

/** Columns of a table of changed resources. */
export const CHANGE_HEADERS = ["Operation", "Resource", "Type", "Changed properties"] as const;
/** One row under `CHANGE_HEADERS`: operation, logical name, type token, changed properties comma-separated. */
export function changeRow(r: ReturnType<typeof changedResources>[number]): string[] {
    return [r.op, r.name, r.type, r.properties.join(", ")];
}

/**
 * A phase's plan for a person or a machine: title with the plan's sha256, change counts, the changed
 * resources and each gate's verdict; a tenant's plan names the tenant in its title (`tenant` in JSON).
 * `json` is pretty-printed; in a preview-only summary each gate also
 * says whether a rollout now would be refused (`rolloutNow`, or the "Rollout now" column).
 */
export function renderSummary(summary: PhaseSummary, format: SummaryFormat): string {
    if (format === "json") {
        const { env, phase, tenant, planHash, counts, previewOnly } = summary;
        const gates = previewOnly ? summary.gates.map((g) => ({ ...g, rolloutNow: wouldRefuse(g) ?? "would pass" })) : summary.gates;
        return JSON.stringify({ env, phase, tenant, planHash, counts, resources: changedResources(summary.steps), gates }, null, 2);
    }
    const counts =
        Object.entries(summary.counts)
            .filter(([, n]) => n)
            .map(([op, n]) => `${op} ${n}`)
            .join(", ") || "no changes";
    const rows = changedResources(summary.steps).map(changeRow);
    const gates = summary.gates.map((g) => [
        g.verdict.status,
        g.gate,
        g.info,
        g.verdict.findings.join("; "),
        ...(summary.previewOnly ? [wouldRefuse(g) ?? "would pass"] : []),
    ]);
    const title = `${summary.phase}${summary.tenant ? ` of tenant ${summary.tenant}` : ""} in ${summary.env} — plan sha256 ${summary.planHash}`;
    const gateHeaders = ["Result", "Gate", "Rule", "Findings", ...(summary.previewOnly ? ["Rollout now"] : [])];
    if (format === "markdown") {
        return [
            `### Rollout: ${title}`,
            "",
            `**Changes:** ${counts}`,
            "",
            rows.length ? renderMarkdownTable(CHANGE_HEADERS, rows) : "No resource changes.",
            "",
            "**Gates**",
            "",
            renderMarkdownTable(gateHeaders, gates),
        ].join("\n");
    }
    return [
        title,
        `changes: ${counts}`,
        "",
        ...(rows.length ? [renderTable(CHANGE_HEADERS, rows), ""] : []),
        renderTable(gateHeaders, gates),
    ].join("\n");
}
