/** How the cost estimate is shown: terminal tables, Markdown for a pull request, the compare section. */
import { PHASES } from "../src/phases";
import { budgetWarning, CostDiff, CostEstimate, CostLine, HOURS_PER_MONTH, usd } from "./cost";
import { shortType } from "./synth-report";
import { Cell, renderMarkdownTable, renderTable } from "./table";

export type CostFormat = "table" | "markdown";

const PHASE_ORDER: readonly string[] = [...PHASES.map((p) => p.name), "stack"];
const byPhaseOrder = (a: string, b: string) => PHASE_ORDER.indexOf(a) - PHASE_ORDER.indexOf(b);
const money = (amount: number | undefined) => (amount === undefined ? "unpriced" : usd(amount));
const qty = (q: number | undefined) => (q === undefined ? "not estimated" : String(+q.toFixed(3)));
const signed = (amount: number) => `${amount >= 0 ? "+" : "−"}${usd(Math.abs(amount))}`;

function lineRow(l: CostLine): Cell[] {
    return [l.resource, l.item, l.unit, qty(l.quantity), l.unitUsd, money(l.usd), l.tenant ?? "shared", l.assumption];
}

/** The whole estimate: lines per phase, totals per phase, per tenant, shared, the budget and what is free. */
export function renderCostReport(e: CostEstimate, format: CostFormat): string {
    const table = format === "markdown" ? renderMarkdownTable : renderTable;
    const heading = (text: string) => (format === "markdown" ? `#### ${text}` : text);
    const phases = [...new Set(e.lines.map((l) => l.phase))].sort(byPhaseOrder);
    const sections = phases.map((phase) =>
        [
            heading(`${phase}: ${usd(e.byPhase[phase] ?? 0)} USD/month`),
            table(
                ["RESOURCE", "ITEM", "PRICING UNIT", "QUANTITY", "USD/UNIT", "USD/MONTH", "TENANT", "ASSUMPTION"],
                e.lines.filter((l) => l.phase === phase).map(lineRow),
            ),
        ].join("\n\n"),
    );
    const totals = table(
        ["PHASE", "USD/MONTH"],
        [
            ...phases.map((p) => [p, usd(e.byPhase[p] ?? 0)]),
            ["total", `${usd(e.total)}${e.unpriced > 0 ? ` + ${e.unpriced} unpriced lines` : ""}`],
            ...(e.budgetUsd === undefined ? [] : [["budget (monitoring.budgetMonthlyUsd)", usd(e.budgetUsd)]]),
        ],
    );
    const tenants = table(
        ["TENANT", "VCPU", "SHARE", "OWN", "SHARE OF SHARED", "TOTAL USD/MONTH"],
        [
            ...e.tenants.map((t) => [t.tenant, t.vcpu, `${(t.share * 100).toFixed(1)} %`, usd(t.own), usd(t.shared), usd(t.total)]),
            ["shared", "", "", "", usd(e.shared), ""],
        ],
    );
    const free = table(
        ["FREE TYPE", "COUNT", "WHY"],
        e.free.map((f) => [shortType(f.type), f.count, f.reason]),
    );
    const warning = budgetWarning(e);
    return [
        `${format === "markdown" ? "### " : ""}Estimated cost of ${e.stack} (${e.region}, USD a month of ${HOURS_PER_MONTH} h, On-Demand list prices)`,
        ...(warning ? [`${format === "markdown" ? "> **Warning:** " : "warning: "}${warning}`] : []),
        ...sections,
        heading("Totals"),
        totals,
        heading("Per tenant (own resources plus a share of the shared ones by task vCPU)"),
        tenants,
        heading("Free"),
        free,
    ].join("\n\n");
}

/** The pull-request section: total before and after, and the lines that changed. */
export function renderCostDiff(d: CostDiff, beforeLabel: string, format: CostFormat): string {
    const table = format === "markdown" ? renderMarkdownTable : renderTable;
    const unpriced = (e: CostEstimate) => (e.unpriced > 0 ? ` (+ ${e.unpriced} unpriced)` : "");
    const totals = table(
        ["", "USD/MONTH"],
        [
            [`before (${beforeLabel})`, `${usd(d.before.total)}${unpriced(d.before)}`],
            ["after (this commit)", `${usd(d.after.total)}${unpriced(d.after)}`],
            ["change", signed(d.after.total - d.before.total)],
        ],
    );
    const changed =
        d.changed.length === 0
            ? "No line changed."
            : table(
                  ["PHASE", "RESOURCE", "ITEM", "BEFORE", "AFTER", "CHANGE"],
                  d.changed.map((c) => {
                      const l = (c.after ?? c.before)!;
                      return [
                          l.phase,
                          l.resource,
                          l.item,
                          c.before ? money(c.before.usd) : "–",
                          c.after ? money(c.after.usd) : "–",
                          signed(c.deltaUsd),
                      ];
                  }),
              );
    const warning = budgetWarning(d.after);
    return [
        `${format === "markdown" ? "### " : ""}Cost of ${d.after.stack} (${d.after.region}, USD a month, On-Demand list prices)`,
        ...(warning ? [`${format === "markdown" ? "> **Warning:** " : "warning: "}${warning}`] : []),
        totals,
        changed,
    ].join("\n\n");
}
