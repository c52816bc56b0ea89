/**
 * What `npm run task`'s `main` reaches outside the process through. Its own module so that
 * `--rehearse` (rehearse.ts), which supplies a rehearsal's set, and the CLI, which loads it, do not
 * import each other.
 */
import type { TaskAws } from "./aws";
import type { TaskScenario } from "./doubles";

/** What a rehearsed one-off task does differently (`npm run task -- --rehearse`). */
export interface TaskRehearsalOptions {
    /** The double's task: its exit code, a failure to start, … */
    readonly scenario?: TaskScenario;
    /** Where the throw-away folder goes. */
    readonly dir?: string;
}

/** What `main` reaches outside the process through; tests and `--rehearse` replace any of it. */
export interface TaskCliDeps {
    /** Directory with Pulumi.yaml and the stack files; the default ledger is its `.rollout`. */
    readonly projectDir: string;
    /** Directory `--stage` and `--ledger` are resolved against: where `npm run` was typed (`INIT_CWD`), else the process's own. */
    readonly cwd: string;
    /** The stack's outputs, grouped by phase, through the engine adapter (`pulumi stack output`). */
    readonly readOutputs: (projectDir: string, env: string) => Promise<Record<string, unknown>>;
    /** ECS, CloudWatch Logs, S3 and STS for the stack's region. */
    readonly aws: (region: string) => Promise<TaskAws>;
    readonly now: () => number;
    readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
    readonly randomId: () => string;
    readonly pollMs?: number;
    readonly partSize?: number;
    readonly signal?: AbortSignal;
    /** What a second signal prints before it exits. */
    readonly inFlight?: { lastWords?: () => string };
    /** With `--rehearse`: the double's scenario. */
    readonly rehearsal?: TaskRehearsalOptions;
}
