/**
 * Issue #20: public functions and classes carry a doc comment (shapes, units, errors, and for AWS or
 * Pulumi rules the source). This checks only that the comment is there; what it says is for review.
 * "Public" means exported at the top level as a function, async function, class, abstract class or
 * arrow-function `const`; decorators and `//` lines may stand between the comment and the export.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "./support/pulumi";

const SCANNED = ["src", "components", "automation"];
const EXPORTED = /^export (?:(?:async )?function|class|abstract class) |^export const \w+ = (?:async )?\(/;
const BETWEEN = /^\s*(?:@|\/\/)/;

/** Every `.ts` file under `dir`, as paths relative to the project. */
function tsFiles(dir: string): string[] {
    return fs.readdirSync(path.join(PROJECT_DIR, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) return tsFiles(rel);
        return e.name.endsWith(".ts") ? [rel] : [];
    });
}

/** `file:line: text` for each public export in `text` whose nearest line above (past decorators and `//`) does not close a doc comment. */
function undocumented(file: string, text: string): string[] {
    const lines = text.split("\n");
    const found: string[] = [];
    lines.forEach((line, i) => {
        if (!EXPORTED.test(line)) return;
        let j = i - 1;
        while (j >= 0 && BETWEEN.test(lines[j])) j--;
        const closesDoc = j >= 0 && /\*\/\s*$/.test(lines[j]) && isDocComment(lines, j);
        if (!closesDoc) found.push(`${file}:${i + 1}: ${line.slice(0, 80)}`);
    });
    return found;
}

/** Whether the block comment ending on line `end` opens with `/**` (a doc comment, not a plain `/*`). */
function isDocComment(lines: readonly string[], end: number): boolean {
    for (let k = end; k >= 0; k--) {
        const open = lines[k].lastIndexOf("/*");
        if (open >= 0) return lines[k].startsWith("/**", open);
    }
    return false;
}

describe("Docstrings", () => {
    it("the scanner flags an undocumented export and accepts a documented one", () => {
        const sample = [
            "export function bare(): void {}",
            "/** Documented. */",
            "// a note between is fine",
            "export class Documented {}",
            "/* not a doc comment */",
            "export const arrow = () => 1;",
            "/**",
            " * Several lines.",
            " */",
            "export async function documented(): Promise<void> {}",
        ].join("\n");
        expect(undocumented("x.ts", sample)).to.deep.equal([
            "x.ts:1: export function bare(): void {}",
            "x.ts:6: export const arrow = () => 1;",
        ]);
    });

    it("every exported function and class under src/, components/ and automation/ has a /** … */ doc comment", () => {
        const missing = SCANNED.flatMap(tsFiles).flatMap((f) => undocumented(f, fs.readFileSync(path.join(PROJECT_DIR, f), "utf8")));
        expect(missing, `exports without a doc comment:\n${missing.join("\n")}\n`).to.deep.equal([]);
    });
});
