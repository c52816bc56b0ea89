/** The verification report: a table at the terminal, Markdown for a pull request or issue, JSON for tools. */
import type { SummaryFormat } from "../plan-summary";
import { renderMarkdownTable, renderTable } from "../table";
import type { CheckResult, CheckStatus } from "./check";

export interface VerificationReport {
    readonly env: string;
    readonly summary: Readonly<Record<CheckStatus, number>>;
    readonly checks: readonly CheckResult[];
}

/** Counts the results per status (`pass`, `warn`, `fail`, all present, zero when none) and keeps them in the order given. */
export function verificationReport(env: string, checks: readonly CheckResult[]): VerificationReport {
    const summary = { pass: 0, warn: 0, fail: 0 };
    for (const c of checks) summary[c.status]++;
    return { env, summary, checks };
}

/** The report as a table with the counts below it, as Markdown under a `###` heading, or as pretty-printed JSON of the whole report. */
export function renderVerification(report: VerificationReport, format: SummaryFormat): string {
    if (format === "json") return JSON.stringify(report, null, 2);
    const { env, summary, checks } = report;
    const headline = `${env}: ${checks.length} checks, ${summary.pass} passed, ${summary.warn} warned, ${summary.fail} failed`;
    const headers = ["phase", "check", "status", "detail"];
    const rows = checks.map((c) => [c.phase, c.id, c.status, c.detail]);
    return format === "markdown"
        ? `### Verification of ${env}\n\n${headline}\n\n${renderMarkdownTable(headers, rows)}`
        : `${renderTable(headers, rows)}\n\n${headline}`;
}
