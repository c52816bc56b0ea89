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

export function processIo(): Io {
    return {
        out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
        err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
        interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY) && !process.env.CI,
        prompt: (question) => new Promise((resolve) => {
            // Loaded here so a non-interactive run never opens stdin.
            const rl = require("readline").createInterface({ input: process.stdin, output: process.stderr });
            rl.question(question, (answer: string) => { rl.close(); resolve(answer); });
        }),
    };
}

/** An Io that records everything, for tests. */
export function memoryIo(answers: string[] = [], interactive = answers.length > 0): Io & { stdout: string[]; stderr: string[] } {
    const stdout: string[] = [];
    const stderr: string[] = [];
    return {
        stdout,
        stderr,
        out: (text) => { stdout.push(text); },
        err: (text) => { stderr.push(text); },
        interactive,
        prompt: async (question) => {
            stderr.push(question);
            const answer = answers.shift();
            if (answer === undefined) throw new Error(`unexpected prompt: ${question}`);
            return answer;
        },
    };
}
