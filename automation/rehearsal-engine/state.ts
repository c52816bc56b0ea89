/**
 * A stack's current state, in the shape `pulumi stack export` prints (deployment version 3), kept as
 * a JSON file in the engine's folder; and the stack's update history.
 */
import type { UpdateSummary } from "@pulumi/pulumi/automation";
import { historyFile, readJson, stateFile, writeJson } from "./scenario";

export interface StateResource {
    readonly urn: string;
    readonly custom: boolean;
    readonly id?: string;
    readonly type: string;
    readonly inputs: Record<string, unknown>;
    readonly outputs: Record<string, unknown>;
    readonly parent?: string;
    readonly dependencies?: string[];
    /**
     * Input key → the URNs its value came from, as the engine keeps them in a deployment's state; what a
     * delete-first replacement's cascade reads (steps.ts). Written for every resource the scripted engine applies,
     * empty too (the engine's state omits it when empty); absent only in a state written before it was recorded.
     */
    readonly propertyDependencies?: Record<string, string[]>;
    readonly provider?: string;
}

export interface PendingOperation {
    readonly resource: StateResource;
    readonly type: "creating" | "updating" | "deleting" | "reading";
}

export interface StackState {
    readonly version: 3;
    readonly deployment: {
        readonly manifest: { readonly time: string; readonly magic: string; readonly version: string };
        readonly secrets_providers?: { readonly type: string; readonly state: Record<string, unknown> };
        readonly resources: StateResource[];
        readonly pending_operations?: PendingOperation[];
    };
}

export const CLI_VERSION = "v3.248.0";

/** A stack with no resources, its manifest stamped now with `CLI_VERSION`; `secretsProvider` (a URL) adds a `cloud` secrets provider. */
export function emptyState(secretsProvider?: string): StackState {
    return {
        version: 3,
        deployment: {
            manifest: { time: new Date().toISOString(), magic: "", version: CLI_VERSION },
            ...(secretsProvider ? { secrets_providers: { type: "cloud", state: { url: secretsProvider } } } : {}),
            resources: [],
        },
    };
}

/** The stack's state; undefined when the stack has never been written (no `pulumi stack init` yet). */
export function readState(home: string, stack: string): StackState | undefined {
    return readJson<StackState>(stateFile(home, stack));
}

/** Replaces the stack's resources and pending operations, keeping the rest of `previous` (its secrets provider); the manifest is restamped now. */
export function writeState(
    home: string,
    stack: string,
    resources: StateResource[],
    pending: PendingOperation[] = [],
    previous?: StackState,
): void {
    const state: StackState = {
        version: 3,
        deployment: {
            ...(previous?.deployment ?? emptyState().deployment),
            manifest: { time: new Date().toISOString(), magic: "", version: CLI_VERSION },
            resources,
            ...(pending.length ? { pending_operations: pending } : { pending_operations: undefined }),
        },
    };
    writeJson(stateFile(home, stack), state);
}

/** History entries as `pulumi stack history --json` prints them: newest first, times as ISO text. */
export type HistoryEntry = Omit<UpdateSummary, "startTime" | "endTime"> & { startTime: string; endTime: string };

/** The stack's updates, newest first; empty when it has none. */
export function readHistory(home: string, stack: string): HistoryEntry[] {
    return readJson<HistoryEntry[]>(historyFile(home, stack)) ?? [];
}

/** Records an update as the newest entry, numbering it one past the count so far (versions start at 1). */
export function appendHistory(home: string, stack: string, entry: Omit<HistoryEntry, "version">): void {
    const history = readHistory(home, stack);
    writeJson(historyFile(home, stack), [{ ...entry, version: history.length + 1 }, ...history]);
}
