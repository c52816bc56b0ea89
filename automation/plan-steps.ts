/**
 * What a preview would do, step by step, as the gates judge it and the plan summary shows it. Its own
 * module so that the gates (pure) and the summary (which renders the gates' verdicts) both read it
 * without importing each other.
 */
import type { EngineEvent, OpType } from "./engine";

/** One step of a preview, from its `resourcePreEvent`. */
export interface PlanStep {
    readonly urn: string;
    readonly type: string;
    readonly op: OpType;
    /** Top-level properties that change. */
    readonly diffs: readonly string[];
    /** Properties that force a replacement. */
    readonly replaceKeys: readonly string[];
}

/** The step a `resourcePreEvent` announces; undefined for any other event. Missing `diffs`/`keys` become empty lists. */
export function stepOf(event: EngineEvent): PlanStep | undefined {
    const m = event.resourcePreEvent?.metadata;
    return m && { urn: m.urn, type: m.type, op: m.op, diffs: m.diffs ?? [], replaceKeys: m.keys ?? [] };
}

/** The operations a replacement is made of, as preview events report them. */
export const REPLACEMENT_OPS: ReadonlySet<string> = new Set(["replace", "create-replacement", "delete-replaced"]);
