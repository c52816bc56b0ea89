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

/** A parser that refuses unknown flags, reports usage errors as `UsageError` (exit 2) and never exits the process. */
export function commandLine(argv: readonly string[], scriptName: string, usage: string): Argv {
    return yargs([...argv])
        .scriptName(scriptName)
        .usage(usage)
        .strict()
        .version(false)
        .wrap(110)
        .exitProcess(false)
        .fail((msg, err) => { throw err ?? new UsageError("usage", msg, "see --help"); });
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
