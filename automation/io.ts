/**
 * All output of the CLIs goes through one object, so tests capture it and prompts have an answer in CI.
 */
export interface Io {
    /** Results: tables, JSON, Markdown. */
    out(text: string): void;
    /** Progress, warnings and errors. */
    err(text: string): void;
    /** True when a person is at a terminal who can answer a prompt. */
    readonly interactive: boolean;
    /** Asks a question at the terminal; only called when `interactive`. */
    prompt?(question: string): Promise<string>;
}

/** The terminal: results to stdout, progress and errors to stderr, prompts only when stdin and stderr are a TTY (Ctrl-C at a prompt cancels, Ctrl-D refuses). */
export function processIo(): Io {
    return {
        out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
        err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
        interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY) && !process.env.CI,
        prompt: terminalPrompt(process.stdin, process.stderr, () => process.kill(process.pid, "SIGINT")),
    };
}

/**
 * A question at the terminal that always ends. readline reads a Ctrl-C as a key (the terminal is in raw
 * mode), so no SIGINT reaches the process, and without a listener for readline's own `SIGINT` event
 * the question never resolves: the run drained and exited 0 with no message and no record. A Ctrl-C
 * is passed on as the signal it would have been (`interrupt`: the driver's handler cancels the run)
 * and answers as a refusal; so does the end of input (Ctrl-D, a closed stdin).
 */
export function terminalPrompt(
    input: NodeJS.ReadableStream,
    output: NodeJS.WritableStream,
    interrupt: () => void,
    terminal?: boolean,
): (question: string) => Promise<string> {
    return (question) =>
        new Promise((resolve) => {
            // Loaded here so a non-interactive run never opens stdin.
            const rl = require("readline").createInterface({ input, output, terminal });
            rl.on("SIGINT", () => {
                resolve("");
                rl.close();
                interrupt();
            });
            rl.on("close", () => resolve(""));
            rl.question(question, (answer: string) => {
                resolve(answer);
                rl.close();
            });
        });
}

/** An Io that records everything, for tests. */
export function memoryIo(answers: string[] = [], interactive = answers.length > 0): Io & { stdout: string[]; stderr: string[] } {
    const stdout: string[] = [];
    const stderr: string[] = [];
    return {
        stdout,
        stderr,
        out: (text) => {
            stdout.push(text);
        },
        err: (text) => {
            stderr.push(text);
        },
        interactive,
        prompt: async (question) => {
            stderr.push(question);
            const answer = answers.shift();
            if (answer === undefined) throw new Error(`unexpected prompt: ${question}`);
            return answer;
        },
    };
}
