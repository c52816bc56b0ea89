import { expect } from "chai";
import { cancelOnSignals, SignalTarget } from "../../automation/signals";

/** A process double: signals are delivered by calling `send`; `exit` records instead of exiting. */
function target() {
    const listeners = new Map<string, Array<(s: NodeJS.Signals) => void>>();
    const written: string[] = [];
    const exits: number[] = [];
    const t: SignalTarget = {
        on: (signal, listener) => listeners.set(signal, [...(listeners.get(signal) ?? []), listener]),
        stderr: { write: (text) => written.push(text) },
        exit: ((code: number) => {
            exits.push(code);
        }) as SignalTarget["exit"],
    };
    const send = (signal: NodeJS.Signals) => listeners.get(signal)?.forEach((l) => l(signal));
    return { t, send, written, exits, listeners };
}

describe("signals: Ctrl-C and SIGTERM cancel the run", () => {
    let clock: number;
    const now = () => clock;
    beforeEach(() => {
        clock = 0;
    });

    it("stays registered for SIGINT and SIGTERM, so signal-exit (loaded by execa) never finds itself alone and re-raises", () => {
        const { t, listeners } = target();
        cancelOnSignals(t, new AbortController(), now);
        expect([...listeners.keys()]).to.deep.equal(["SIGINT", "SIGTERM"]);
    });

    it("aborts the run on SIGTERM or SIGINT alike, whatever stdin is: whether pulumi got the signal too is read from pulumi's output (cancelForwarder)", () => {
        for (const signal of ["SIGTERM", "SIGINT"] as const) {
            const { t, send, written, exits } = target();
            const controller = new AbortController();
            cancelOnSignals(t, controller, now);
            send(signal);
            expect(controller.signal.aborted).to.equal(true);
            expect(written.join("")).to.include(`${signal} received: cancelling`).and.include("Press Ctrl-C again");
            expect(exits).to.deep.equal([]);
        }
    });

    it("takes a repeat within a second for the same Ctrl-C (terminal and `npm run` both deliver it), and a later one as the second", () => {
        const { t, send, written, exits } = target();
        cancelOnSignals(t, new AbortController(), now);
        send("SIGINT");
        clock = 300;
        send("SIGINT");
        expect([written.length, exits]).to.deep.equal([1, []]);
        clock = 1500;
        send("SIGINT");
        expect(exits).to.deep.equal([130]);
        expect(written[1]).to.include("exiting now (exit 130); no ledger record is written");
    });

    it("exits a second SIGTERM with 143 (128 + 15, as a shell reports it), and prints the work's last words before exiting", () => {
        const { t, send, written, exits } = target();
        cancelOnSignals(t, new AbortController(), now, undefined, () => "the record that was not written: {…}");
        send("SIGTERM");
        clock = 1500;
        send("SIGTERM");
        expect(exits).to.deep.equal([143]);
        expect(written[1]).to.include("SIGTERM received again: exiting now (exit 143)");
        expect(written[2]).to.equal("the record that was not written: {…}\n");
    });
});
