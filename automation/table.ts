/** Plain-text and Markdown tables: every report the tools print goes through these two. */

export type Cell = string | number | boolean | undefined;

/** Columns padded to their widest cell and separated by two spaces, a dashed rule under the headers; `undefined` cells print empty. */
export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
    const text = rows.map((row) => headers.map((_, i) => cellText(row[i])));
    const widths = headers.map((h, i) => Math.max(h.length, ...text.map((row) => row[i].length)));
    const line = (cells: readonly string[]) =>
        cells
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    return [line(headers), line(widths.map((w) => "-".repeat(w))), ...text.map(line)].join("\n");
}

/** A GitHub-flavoured Markdown pipe table; `|` in a cell is escaped and newlines become spaces so a cell stays on its row. */
export function renderMarkdownTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
    const escape = (c: string) => c.replace(/\|/g, "\\|").replace(/\n/g, " ");
    const line = (cells: readonly string[]) => `| ${cells.map(escape).join(" | ")} |`;
    return [line(headers), line(headers.map(() => "---")), ...rows.map((row) => line(headers.map((_, i) => cellText(row[i]))))].join("\n");
}

function cellText(cell: Cell): string {
    return cell === undefined ? "" : String(cell);
}
