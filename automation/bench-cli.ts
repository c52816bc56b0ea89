/**
 * `npm run bench -- [--tenants 2,100,500] [--rehearse] [--json]`: the scale benchmark (README "Scale").
 * Each count runs in a fresh child process (automation/bench.ts), one after the other, so that each
 * starts cold and its peak memory is its own.
 */
import { commandLine, parseCommandLine, runCommand } from "./cli";
import { EXIT } from "./errors";
import { Io, processIo } from "./io";
import type { RehearsalMeasurement, SynthMeasurement } from "./bench";
import { renderTable } from "./table";

/** One row of the report: the synth's figures, and the rehearsal's when `--rehearse` ran one. */
export interface BenchRow {
    readonly synth: SynthMeasurement;
    /** Absent without `--rehearse`; `skipped` says why a count was not rehearsed. */
    readonly rehearsal?: RehearsalMeasurement | { readonly skipped: string };
}

/** Runs one measurement; injectable so tests need not synthesize. */
export type Measure = <T>(kind: "synth" | "rehearse", tenants: number) => Promise<T>;

/** `measure` is injectable so the tests can check the table without running a synth. */
export async function main(argv: string[], io: Io = processIo(), measure?: Measure): Promise<number> {
    return runCommand(io, async () => {
        const args = await parseCommandLine(
            commandLine(
                argv,
                "npm run bench --",
                "$0 [--tenants 2,100,500] [--rehearse] [--json]\n\n" +
                    "Synthesizes a prod-like stack with each number of tenants offline, in a fresh process each, and prints " +
                    "resources, wall time, CPU time and peak memory; with --rehearse also rolls each out through the scripted engine.",
            )
                .option("tenants", { type: "string", default: "2,100,500", describe: "comma-separated tenant counts" })
                .option("rehearse", {
                    type: "boolean",
                    default: false,
                    describe: "also time a rehearsed `rollout --phase all` of each count the schema accepts",
                })
                .option("json", { type: "boolean", default: false, describe: "print the figures as one JSON document" }),
            argv,
            io,
        );
        if (args === undefined) return EXIT.ok;
        const bench = await import("./bench");
        const counts = bench.parseTenantCounts(args.tenants);
        const { MAX_TENANTS } = await import("../src/config");
        const run: Measure = measure ?? bench.measureInChild;
        const rows: BenchRow[] = [];
        for (const tenants of counts) {
            io.err(`synthesizing ${tenants} tenants…`);
            const synth = await run<SynthMeasurement>("synth", tenants);
            let rehearsal: BenchRow["rehearsal"];
            if (args.rehearse && tenants > MAX_TENANTS) {
                rehearsal = { skipped: `over MAX_TENANTS (${MAX_TENANTS}): the driver and the scripted engine read the stack file` };
            } else if (args.rehearse) {
                io.err(`rehearsing --phase all with ${tenants} tenants…`);
                rehearsal = await run<RehearsalMeasurement>("rehearse", tenants);
            }
            rows.push({ synth, rehearsal });
        }
        io.out(args.json ? JSON.stringify(rows, null, 2) : renderBench(rows));
        return EXIT.ok;
    });
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const mib = (bytes: number) => String(Math.round(bytes / 2 ** 20));

/** The figures as a table: one row per tenant count. */
export function renderBench(rows: readonly BenchRow[]): string {
    const rehearsed = rows.some((r) => r.rehearsal !== undefined);
    const headers = [
        "tenants",
        "resources",
        "synth wall s",
        "synth CPU s",
        "synth peak RSS MiB",
        "ecs URNs",
        "ecs --target values",
        "ecs argv KiB",
        "one flag per URN KiB",
        ...(rehearsed ? ["rehearsal wall s", "rehearsal exit"] : []),
    ];
    return renderTable(
        headers,
        rows.map(({ synth, rehearsal }) => [
            synth.tenants,
            synth.resources,
            seconds(synth.wallMs),
            seconds(synth.cpuMs),
            mib(synth.peakRssBytes),
            synth.ecsTargets,
            synth.ecsTargetFlags,
            (synth.ecsTargetArgvBytes / 1024).toFixed(1),
            (synth.ecsLiteralArgvBytes / 1024).toFixed(0),
            ...(!rehearsed
                ? []
                : rehearsal === undefined || "skipped" in rehearsal
                  ? ["-", "not run"]
                  : [seconds(rehearsal.wallMs), rehearsal.exitCode]),
        ]),
    );
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
