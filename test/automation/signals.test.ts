import { expect } from "chai";
import { CLI_HAS_THE_SIGNAL } from "../../automation/engine";
import { cancelOnSignals, SignalTarget } from "../../automation/signals";

/** A process double: signals are delivered by calling `send`; `exit` records instead of exiting. */
function target(stdinIsTerminal: boolean) {
    const listeners = new Map<string, Array<(s: NodeJS.Signals) => void>>();
    const written: string[] = [];
    const exits: number[] = [];
    const t: SignalTarget = {
        on: (signal, listener) => listeners.set(signal, [...(listeners.get(signal) ?? []), listener]),
        stdin: { isTTY: stdinIsTerminal },
        stderr: { write: (text) => written.push(text) },
        exit: ((code: number) => { exits.push(code); }) as SignalTarget["exit"],
    };
    const send = (signal: NodeJS.Signals) => listeners.get(signal)?.forEach((l) => l(signal));
    return { t, send, written, exits, listeners };
}

describe("signals: Ctrl-C and SIGTERM cancel the run", () => {
    let clock: number;
    const now = () => clock;
    beforeEach(() => { clock = 0; });

    it("stays registered for SIGINT and SIGTERM, so signal-exit (loaded by execa) never finds itself alone and re-raises", () => {
        const { t, listeners } = target(false);
        cancelOnSignals(t, new AbortController(), now);
        expect([...listeners.keys()]).to.deep.equal(["SIGINT", "SIGTERM"]);
    });

    it("SIGTERM, or a SIGINT sent to the driver alone: aborts the run so that the SDK sends the CLI one SIGINT", () => {
        for (const signal of ["SIGTERM", "SIGINT"] as const) {
            const { t, send, written, exits } = target(false);
            const controller = new AbortController();
            cancelOnSignals(t, controller, now);
            send(signal);
            expect(controller.signal.aborted).to.equal(true);
            expect(controller.signal.reason).not.to.equal(CLI_HAS_THE_SIGNAL);
            expect(written.join("")).to.include(`${signal} received: cancelling`).and.include("Press Ctrl-C again");
            expect(exits).to.deep.equal([]);
        }
    });

    it("a Ctrl-C at a terminal reached the CLI through the process group: the run is aborted, and the CLI is not sent a second SIGINT", () => {
        const { t, send } = target(true);
        const controller = new AbortController();
        cancelOnSignals(t, controller, now);
        send("SIGINT");
        expect(controller.signal.reason).to.equal(CLI_HAS_THE_SIGNAL);
    });

    it("takes a repeat within a second for the same Ctrl-C (terminal and `npm run` both deliver it), and a later one as the second", () => {
        const { t, send, written, exits } = target(true);
        cancelOnSignals(t, new AbortController(), now);
        send("SIGINT");
        clock = 300;
        send("SIGINT");
        expect([written.length, exits]).to.deep.equal([1, []]);
        clock = 1500;
        send("SIGINT");
        expect(exits).to.deep.equal([130]);
        expect(written[1]).to.include("exiting now (exit 130) without a ledger record");
    });
});
