/**
 * Ctrl-C and SIGTERM for a CLI that runs `pulumi` through the Automation API: the first cancels the
 * run, a second one (a second or more later) stops waiting.
 *
 * The listeners stay registered (`on`, not `once`): execa loads signal-exit for every CLI call, and
 * signal-exit, when it finds itself the signal's only listener, kills the CLI with SIGTERM and raises
 * the signal again, which ends the driver with 130 before anything is recorded.
 */

/** The SIGINT of one Ctrl-C can arrive twice: from the terminal, and forwarded by `npm run` (@npmcli/run-script's signal manager). */
const SAME_PRESS_MS = 1000;

import { constants } from "os";

/** What `cancelOnSignals` needs of the process. */
export interface SignalTarget {
    on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
    readonly stderr: { write(text: string): unknown };
    exit(code: number): never;
}

/** What a command says on the first and on a second signal: what cancelling means for its own work. */
export interface CancelMessages {
    readonly cancelling: string;
    readonly abandoning: string;
}

/** The rollout's words: a phase is recorded as cancelled, and a second signal leaves no record. */
export const ROLLOUT_CANCEL_MESSAGES: CancelMessages = {
    cancelling:
        "pulumi finishes the operations in flight and stops, and the phase is recorded as cancelled.\n" +
        "  Press Ctrl-C again to stop waiting: pulumi is then terminated, which can leave pending operations in the state, " +
        "and the attempt is not recorded (its record is printed, to add by hand).",
    abandoning:
        "no ledger record is written, and pulumi is terminated. " +
        "The next run's preflight lists any pending operation it left, with the recovery steps; " +
        "a self-managed backend may also keep the stack locked until `pulumi cancel`.",
};

/**
 * First SIGINT or SIGTERM: aborts `controller` (the run's cancel: no new operation starts, and the
 * running CLI finishes what is in flight and stops). Whether the CLI got the signal too (a Ctrl-C at a
 * terminal reaches the whole process group) is not guessed here: the engine adapter watches the CLI's
 * output for it (local-engine.ts `cancelForwarder`). A later signal exits at once with 128 + the
 * signal's number, as a shell reports a process the signal ended (130 for SIGINT, 143 for SIGTERM):
 * execa's exit handler then sends the CLI SIGTERM, and the state may keep pending operations.
 * `lastWords`: what the work in flight must leave on stderr before that exit (the record of an
 * update nobody will see finish).
 */
export function cancelOnSignals(
    target: SignalTarget,
    controller: AbortController,
    now: () => number = Date.now,
    messages: CancelMessages = ROLLOUT_CANCEL_MESSAGES,
    lastWords: () => string | undefined = () => undefined,
): void {
    let first: number | undefined;
    const handle = (signal: NodeJS.Signals) => {
        if (first === undefined) {
            first = now();
            target.stderr.write(`\n${signal} received: cancelling. ${messages.cancelling}\n`);
            controller.abort();
            return;
        }
        if (now() - first < SAME_PRESS_MS) return;
        const code = 128 + constants.signals[signal];
        target.stderr.write(`\n${signal} received again: exiting now (exit ${code}); ${messages.abandoning}\n`);
        const words = lastWords();
        if (words) target.stderr.write(`${words}\n`);
        target.exit(code);
    };
    target.on("SIGINT", handle);
    target.on("SIGTERM", handle);
}
