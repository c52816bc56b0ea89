/**
 * IAM's evaluation of an identity policy's Allow statements, as far as the platform's documents use
 * it: actions and resources with wildcards, StringEquals and StringLike conditions.
 */

/** One statement of a rendered policy document. */
export interface Statement {
    Sid: string;
    Effect: string;
    Action: string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

/** IAM's ARN and StringLike matching: `*` matches any run of characters, `?` any one (IAM user guide, "IAM JSON policy elements: Resource"). */
export function matches(pattern: string, value: string): boolean {
    const re = new RegExp(
        `^${pattern
            .split("")
            .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
            .join("")}$`,
    );
    return re.test(value);
}

/**
 * Whether a document allows `action` on `resource`, with the request's condition keys. Only the
 * operators these documents use are understood; any other makes the check fail loudly.
 */
export function allows(statements: Statement[], action: string, resource: string, context: Record<string, string> = {}): boolean {
    return statements.some(
        (s) =>
            s.Effect === "Allow" &&
            s.Action.some((a) => matches(a, action)) &&
            list(s.Resource).some((r) => matches(r, resource)) &&
            Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
                Object.entries(keys).every(([key, expected]) => {
                    const actual = context[key];
                    if (actual === undefined) return false;
                    if (operator === "StringEquals") return list(expected).includes(actual);
                    if (operator === "StringLike") return list(expected).some((e) => matches(e, actual));
                    throw new Error(`condition operator ${operator} is not modelled by this test`);
                }),
            ),
    );
}
