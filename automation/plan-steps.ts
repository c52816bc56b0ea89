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
    /**
     * The parent's URN: the program's (`new.parent`), or for a delete, which has no `new`, the state's
     * (`old.parent`); absent for the root stack. The engine fills both from the step's states
     * (pulumi/pulumi pkg/engine/events.go `makeStepEventStateMetadata`; `DeleteStep.New()` is nil).
     */
    readonly parent?: string;
}

/** The step a `resourcePreEvent` announces; undefined for any other event. Missing `diffs`/`keys` become empty lists, an empty parent none. */
export function stepOf(event: EngineEvent): PlanStep | undefined {
    const m = event.resourcePreEvent?.metadata;
    if (!m) return undefined;
    const parent = m.new?.parent || m.old?.parent;
    return { urn: m.urn, type: m.type, op: m.op, diffs: m.diffs ?? [], replaceKeys: m.keys ?? [], ...(parent ? { parent } : {}) };
}

/** The operations a replacement is made of, as preview events report them. */
export const REPLACEMENT_OPS: ReadonlySet<string> = new Set(["replace", "create-replacement", "delete-replaced"]);
