/**
 * Errors the tools expect and explain: each has a stable code, a sentence a person can act on, and
 * the exit code the CLI returns. Anything else is a bug and keeps its stack trace.
 */
export const EXIT = {
    ok: 0,
    /** The engine or verification failed. */
    failed: 1,
    /** Usage, config or preflight error: nothing was changed. */
    usage: 2,
    /** A gate refused (scope, safety, approval, order, promotion, policy). */
    refused: 3,
    /** Drift found. */
    drift: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Base of the expected failures: `code` is stable (tests and scripts match on it), the message says what
 * happened, `fix` what to do, and `exitCode` is what the CLI returns. `runCommand` prints these without a
 * stack trace; any other error propagates as a bug.
 */
export class BbwsError extends Error {
    constructor(
        /** Stable identifier, e.g. `unknown-env`, `cli-missing`. */
        readonly code: string,
        message: string,
        readonly exitCode: ExitCode,
        /** What would fix it, when there is something to say. */
        readonly fix?: string,
    ) {
        super(message);
        this.name = "BbwsError";
    }
}

/** Bad input: unknown environment or phase, unreadable or invalid config, incompatible flags. */
export class UsageError extends BbwsError {
    constructor(code: string, message: string, fix?: string) {
        super(code, message, EXIT.usage, fix);
        this.name = "UsageError";
    }
}

/** The text printed for an expected failure: message and fix, no stack trace. */
export function describeError(err: BbwsError): string {
    return err.fix ? `${err.message}\n  fix: ${err.fix}` : err.message;
}
