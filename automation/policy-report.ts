/**
 * The compliance report: one row per policy, then every violation, every waived finding and every
 * waiver on record. Plain text for a terminal, Markdown for a pull request.
 */
import { renderMarkdownTable, renderTable } from "./table";
import { Evaluation, expiredWaivers } from "../src/policy/evaluate";

export type ReportFormat = "table" | "markdown";

/**
 * The report as text: a summary row per policy ("n/a in <env>" where the control does not apply), the
 * unwaived violations, the waived findings, and the waivers on record with expired ones marked.
 * `markdown` gives `###` headings and pipe tables for a pull request comment.
 */
export function renderPolicyReport(evaluation: Evaluation, format: ReportFormat = "table"): string {
    const table = format === "markdown" ? renderMarkdownTable : renderTable;
    const heading = (text: string) => (format === "markdown" ? `### ${text}` : text);
    const { outcomes } = evaluation;

    const summary = table(
        ["POLICY", "CONTROL", "LEVEL", "CHECKED", "VIOLATIONS", "WAIVED"],
        outcomes.map((o) => [
            o.rule.name,
            o.rule.control,
            o.rule.level,
            o.applicable ? o.checked : `n/a in ${evaluation.env}`,
            o.violations.length,
            o.waived.length,
        ]),
    );
    const violations = outcomes.flatMap((o) => o.violations);
    const waived = outcomes.flatMap((o) => o.waived);
    const expired = expiredWaivers(evaluation);
    const mandatory = violations.filter((v) => v.level === "mandatory").length;

    const sections = [
        heading(`Security baseline: ${evaluation.env}`),
        summary,
        violations.length > 0
            ? [
                  heading(`Violations (${violations.length})`),
                  table(
                      ["POLICY", "LEVEL", "RESOURCE", "MESSAGE"],
                      violations.map((v) => [v.policy, v.level, v.name, v.message]),
                  ),
              ].join("\n\n")
            : "No violations.",
    ];
    if (waived.length > 0) {
        sections.push(
            [
                heading(`Waived (${waived.length})`),
                table(
                    ["POLICY", "RESOURCE", "MESSAGE", "WAIVER EXPIRES"],
                    waived.map((v) => [v.policy, v.name, v.message, v.waiver?.expires]),
                ),
            ].join("\n\n"),
        );
    }
    if (evaluation.waivers.length > 0) {
        sections.push(
            [
                heading(`Waivers on record (${evaluation.waivers.length}, ${expired.length} expired)`),
                table(
                    ["POLICY", "RESOURCE", "OWNER", "EXPIRES", "REASON"],
                    evaluation.waivers.map((w) => [
                        w.policy,
                        w.resource,
                        w.owner,
                        expired.includes(w) ? `${w.expires} (expired)` : w.expires,
                        w.reason,
                    ]),
                ),
            ].join("\n\n"),
        );
    }
    sections.push(
        evaluation.blocked
            ? `BLOCKED: ${mandatory} mandatory violation(s) without a waiver.`
            : `PASSED: no mandatory violation without a waiver${violations.length > 0 ? ` (${violations.length} advisory)` : ""}.`,
    );
    return sections.join("\n\n");
}
