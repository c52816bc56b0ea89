/**
 * What every command line shares: the project directory, how arguments are parsed, and how an
 * expected failure ends a run (its message and fix, its exit code, no stack trace).
 */
import * as path from "path";
import yargs, { Argv } from "yargs";
import { isPhaseName, PHASE_NAMES, PhaseName } from "../src/phases";
import { BbwsError, describeError, UsageError } from "./errors";
import type { Io } from "./io";

/** The directory with Pulumi.yaml and the stack files. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The yargs 17 internals `commandLine` uses to run its strict check early; its typings list neither. */
interface YargsInternals {
    getOptions(): { boolean: string[] };
    getInternalMethods?(): {
        getValidationInstance(): {
            unknownArguments(
                argv: unknown,
                aliases: unknown,
                positionalMap: object,
                isDefaultCommand: boolean,
                checkPositionals: boolean,
            ): void;
        };
    };
    parsed: { aliases: Record<string, string[]> } | false;
}

/**
 * A parser that answers `-h` as `--help`, refuses unknown flags and boolean flags given a value other
 * than true or false (yargs reads `--yes=maybe` as false), reports usage errors as `UsageError`
 * (exit 2) with one line rather than the whole help, and never exits the process.
 *
 * An unknown flag is reported before a missing required one: yargs checks required arguments
 * first, so `--bogus` without `--env` would say "Missing required argument: env" and hide the typo.
 * Its own strict check is run once more, before its validation, to name the flag; should a yargs
 * upgrade drop that internal method, the check is skipped and yargs' order applies.
 */
export function commandLine(argv: readonly string[], scriptName: string, usage: string): Argv {
    const parser: Argv = yargs([...argv])
        .scriptName(scriptName)
        .usage(usage)
        .strict()
        .version(false)
        .alias("help", "h")
        .wrap(110)
        .exitProcess(false)
        .showHelpOnFail(false)
        .fail((msg, err) => {
            throw err ?? new UsageError("usage", msg, "see --help");
        });
    const internals = parser as unknown as YargsInternals;
    return parser.middleware((parsed) => {
        if (internals.parsed && internals.getInternalMethods) {
            internals.getInternalMethods().getValidationInstance().unknownArguments(parsed, internals.parsed.aliases, {}, false, true);
        }
        // yargs keeps the declared option types here at run time; its typings do not list getOptions.
        const booleans = new Set<string>(internals.getOptions().boolean);
        for (const token of argv) {
            const [, flag, value] = /^--([^=]+)=(.*)$/.exec(token) ?? [];
            if (flag !== undefined && booleans.has(flag) && value !== "true" && value !== "false") {
                throw new UsageError(
                    "usage",
                    `--${flag} is a switch: it takes no value (or true/false), got '${value}'`,
                    `write --${flag} on its own`,
                );
            }
        }
    }, true);
}

/**
 * Parses `argv` with a parser from `commandLine`. `--help` is written through `io.out` (not to the
 * console, so tests and callers capture it) and answers `undefined`: the command returns exit 0.
 * Usage errors throw `UsageError`.
 */
export async function parseCommandLine<T>(parser: Argv<T>, argv: readonly string[], io: Io): Promise<T | undefined> {
    const { args, output, error } = await new Promise<{ args: T; output: string; error?: Error }>((resolve) => {
        parser.parse([...argv], {}, (err, parsed, text) => resolve({ args: parsed as T, output: text, error: err ?? undefined }));
    });
    if (error) throw error instanceof BbwsError ? error : new UsageError("usage", error.message, "see --help");
    if (output) {
        io.out(output);
        return undefined;
    }
    return args;
}

/** Runs a command body; an expected failure (`BbwsError`) is printed and becomes its exit code, anything else is a bug and propagates. */
export async function runCommand(io: Io, command: () => Promise<number>): Promise<number> {
    try {
        return await command();
    } catch (err) {
        if (err instanceof BbwsError) {
            io.err(`error: ${describeError(err)}`);
            return err.exitCode;
        }
        throw err;
    }
}

/** The `--phase` value as a phase name, refusing a name the registry does not have. */
export function phaseOption(name: string | undefined): PhaseName | undefined {
    if (name === undefined || isPhaseName(name)) return name;
    throw new UsageError("unknown-phase", `unknown phase '${name}'`, `use one of: ${PHASE_NAMES.join(", ")}`);
}

/** What `exitWhenSettled` needs of the process. */
export interface BinTarget {
    exitCode?: number | string;
    once(event: "beforeExit", listener: () => void): unknown;
    readonly stderr: { write(text: string): unknown };
}

/**
 * Sets the exit code from `run` once it settles. Node exits when nothing is left to wait for, even
 * with `run` never settled (a promise nobody resolves, such as a prompt that lost its input), and it
 * would exit 0: a run that never finished must not look like one that succeeded.
 */
export function exitWhenSettled(run: Promise<number>, target: BinTarget = process): void {
    let settled = false;
    target.once("beforeExit", () => {
        if (settled) return;
        target.stderr.write("error: the command ended before it finished (nothing was left to wait for); exit 1\n");
        target.exitCode = 1;
    });
    run.then((code) => {
        settled = true;
        target.exitCode = code;
    });
}
