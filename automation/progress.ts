/**
 * Live progress of an update from the engine's events: a line when each resource starts and when it
 * finishes (with how long it took), and a heartbeat for the slow ones, so an Aurora cluster that
 * takes twenty minutes does not look like a hang:
 *
 *     creating bbws-aurora-sit (aws:rds/cluster:Cluster)
 *     creating bbws-aurora-sit… 6m30s
 *     created bbws-aurora-sit in 11m02s
 *
 * The clock is injected so tests can move time.
 */
import type { EngineEvent, OpType } from "./engine";
import { parseUrn } from "./targets";

const VERBS: Partial<Record<OpType, [doing: string, done: string, failed: string]>> = {
    create: ["creating", "created", "create"],
    update: ["updating", "updated", "update"],
    delete: ["deleting", "deleted", "delete"],
    replace: ["replacing", "replaced", "replace"],
    "create-replacement": ["creating replacement", "created replacement", "create replacement"],
    "delete-replaced": ["deleting replaced", "deleted replaced", "delete replaced"],
    import: ["importing", "imported", "import"],
};

/** Inputs that carry a resource's physical name, the name operators know it by. */
const NAME_INPUTS = ["name", "clusterIdentifier", "identifier", "replicationGroupId", "bucket"];

/** A duration in milliseconds as `42s`, `6m30s` or `1h05m`, rounded down; the coarsest unit shown is hours. */
export function formatDuration(ms: number): string {
    const s = Math.floor(ms / 1000);
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
    return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export interface ProgressOptions {
    readonly now: () => number;
    readonly write: (line: string) => void;
    /** How long an operation runs before it gets heartbeat lines. */
    readonly heartbeatMs: number;
}

/**
 * Turns engine events into progress lines: feed it every event (`onEvent`) and call `heartbeat` on a
 * timer. Resources are labelled by their physical name when an input carries one, else by logical
 * name; errors and the final summary are written too. Writes only through `options.write`.
 */
export class Progress {
    private readonly running = new Map<string, { label: string; doing: string; done: string; failed: string; started: number }>();

    constructor(private readonly options: ProgressOptions) {}

    onEvent(event: EngineEvent): void {
        const { now, write } = this.options;
        const pre = event.resourcePreEvent?.metadata;
        if (pre) {
            const verbs = VERBS[pre.op];
            if (!verbs) return;
            const inputs = pre.new?.inputs ?? pre.old?.inputs ?? {};
            const physical = NAME_INPUTS.map((k) => inputs[k]).find((v) => typeof v === "string" && v !== "");
            const label = physical ?? parseUrn(pre.urn).name;
            const [doing, done, failed] = verbs;
            this.running.set(`${pre.op} ${pre.urn}`, { label, doing, done, failed, started: now() });
            write(`${doing} ${label} (${pre.type})`);
            return;
        }
        const finished = event.resOutputsEvent?.metadata ?? event.resOpFailedEvent?.metadata;
        if (finished) {
            const key = `${finished.op} ${finished.urn}`;
            const op = this.running.get(key);
            if (!op) return;
            this.running.delete(key);
            const took = formatDuration(now() - op.started);
            write(event.resOpFailedEvent ? `failed to ${op.failed} ${op.label} after ${took}` : `${op.done} ${op.label} in ${took}`);
            return;
        }
        const diagnostic = event.diagnosticEvent;
        if (diagnostic?.severity === "error") {
            const where = diagnostic.urn ? `${parseUrn(diagnostic.urn).name}: ` : "";
            write(`error: ${where}${diagnostic.message.trim()}`);
            return;
        }
        const summary = event.summaryEvent;
        if (summary) {
            const counts = Object.entries(summary.resourceChanges)
                .filter(([op, n]) => n && op !== "same")
                .map(([op, n]) => `${n} ${op}`);
            write(`done in ${formatDuration(summary.durationSeconds * 1000)}: ${counts.join(", ") || "no changes"}`);
        }
    }

    /** One line per operation that has been running for at least `heartbeatMs`. */
    heartbeat(): void {
        const at = this.options.now();
        for (const op of this.running.values()) {
            if (at - op.started >= this.options.heartbeatMs)
                this.options.write(`${op.doing} ${op.label}… ${formatDuration(at - op.started)}`);
        }
    }
}
