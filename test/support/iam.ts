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
 * Whether a document allows `action` on `resource`, with the request's condition keys (a multivalued key,
 * such as `kms:ResourceAliases`, as an array). Only the operators these documents use are understood; any
 * other makes the check fail loudly. `ForAnyValue:StringLike` is true when any of the request's values
 * matches any pattern, and false for a key the request lacks (IAM user guide, "Multivalued context keys").
 */
export function allows(
    statements: Statement[],
    action: string,
    resource: string,
    context: Record<string, string | string[]> = {},
): boolean {
    return statements.some(
        (s) =>
            s.Effect === "Allow" &&
            s.Action.some((a) => matches(a, action)) &&
            list(s.Resource).some((r) => matches(r, resource)) &&
            Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
                Object.entries(keys).every(([key, expected]) => {
                    const actual = context[key];
                    if (actual === undefined) return false;
                    if (operator === "ForAnyValue:StringLike") return list(actual).some((a) => list(expected).some((e) => matches(e, a)));
                    if (Array.isArray(actual)) throw new Error(`${key} is multivalued: ${operator} is not a set operator`);
                    if (operator === "StringEquals") return list(expected).includes(actual);
                    if (operator === "StringLike") return list(expected).some((e) => matches(e, actual));
                    throw new Error(`condition operator ${operator} is not modelled by this test`);
                }),
            ),
    );
}
