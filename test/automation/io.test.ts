import { expect } from "chai";
import { EventEmitter } from "events";
import { PassThrough } from "stream";
import { exitWhenSettled } from "../../automation/cli";
import { terminalPrompt } from "../../automation/io";

describe("the approval prompt and the exit code: a run that did not finish never exits 0", () => {
    // Node's readline: with no 'SIGINT' listener a Ctrl-C only pauses the input, and the question never resolves.
    it("answers a Ctrl-C at the prompt as a refusal and passes it on as the signal it would have been", async () => {
        const input = new PassThrough();
        let interrupted = 0;
        const answer = terminalPrompt(
            input,
            new PassThrough(),
            () => {
                interrupted++;
            },
            true,
        )("approve network in sit as tech-lead: ");
        input.write("\x03");
        expect(await answer).to.equal("");
        expect(interrupted).to.equal(1);
    });

    it("answers the end of input (Ctrl-D, a closed stdin) as a refusal", async () => {
        const input = new PassThrough();
        const answer = terminalPrompt(
            input,
            new PassThrough(),
            () => {
                throw new Error("not a Ctrl-C");
            },
            false,
        )("apply network to dev? [y/N] ");
        input.end();
        expect(await answer).to.equal("");
    });

    it("still returns what was typed", async () => {
        const input = new PassThrough();
        const answer = terminalPrompt(input, new PassThrough(), () => undefined, false)("your name: ");
        input.write("bob\n");
        expect(await answer).to.equal("bob");
    });

    it("exits 1 with a message when Node runs out of work before the command settled (it would exit 0)", () => {
        const target = Object.assign(new EventEmitter(), {
            exitCode: undefined as number | string | undefined,
            stderr: {
                text: "",
                write(t: string) {
                    this.text += t;
                },
            },
        });
        exitWhenSettled(new Promise<number>(() => undefined), target);
        target.emit("beforeExit");
        expect(target.exitCode).to.equal(1);
        expect(target.stderr.text).to.include("ended before it finished");
    });

    it("exits with the command's own code once it settled", async () => {
        const target = Object.assign(new EventEmitter(), {
            exitCode: undefined as number | string | undefined,
            stderr: { write: () => undefined },
        });
        exitWhenSettled(Promise.resolve(3), target);
        await new Promise((resolve) => setImmediate(resolve));
        target.emit("beforeExit");
        expect(target.exitCode).to.equal(3);
    });
});
